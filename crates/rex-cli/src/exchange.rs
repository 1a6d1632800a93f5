//! `rex exchange sign|ready|verify|deliver|receive|release|milestone|consent|prosecute|transfer|show`.

use crate::act::{acted, open, unsettled};
use crate::failure::{fail, parse};
use crate::officer_key::FourEyesArgs;
use crate::Failure;
use clap::{Args, Subcommand, ValueEnum};
use rex_domain::{
    Action, Consent, Exchange, ExchangeId, InstrumentKind, Milestone, Offence, ReleaseInstrument,
    RequestId,
};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExchangeArgs {
    #[command(subcommand)]
    command: ExchangeCommand,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MilestoneArg {
    Opened,
    Charged,
    Verdict,
}

#[derive(Debug, Args)]
struct LegArgs {
    /// The node's data directory.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// The exchange id (exc_...).
    exchange: String,
    /// The leg's request id (req_...).
    #[arg(long)]
    request: String,
    #[command(flatten)]
    officers: FourEyesArgs,
}

#[derive(Debug, Subcommand)]
enum ExchangeCommand {
    /// Sign a proposed exchange (over the digest of the proposal as this node replayed it).
    Sign {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The exchange id.
        exchange: String,
        #[command(flatten)]
        officers: FourEyesArgs,
    },
    /// Giver: the subject of a surrender leg is ready.
    Ready(LegArgs),
    /// Receiver: the identity of the subject of a ready leg is verified.
    Verify(LegArgs),
    /// Giver: the subject is handed over (after the hub's go).
    Deliver(LegArgs),
    /// Receiver: the subject is received.
    Receive(LegArgs),
    /// Giver of a surrender leg: record the domestic instrument that allows the release (before
    /// go; where the agreement requires it, go waits for it). The document stays on this node
    /// (DIR/grounds/<sha256>); the log gets its kind, its authority and its SHA-256.
    Release {
        #[command(flatten)]
        leg: LegArgs,
        /// pardon, commutation, deportation_order or court_decision.
        #[arg(long)]
        kind: String,
        /// The authority that issued it.
        #[arg(long)]
        authority: String,
        /// The document (a file).
        #[arg(long, value_name = "FILE")]
        document: PathBuf,
    },
    /// Giver of a delivered surrender: consent to prosecution for more offences, or to a
    /// transfer of the subject to a third state (the rule of speciality).
    Consent {
        #[command(flatten)]
        leg: LegArgs,
        /// Offence categories the receiver may prosecute too, comma-separated.
        #[arg(
            long,
            value_delimiter = ',',
            conflicts_with = "onward_to",
            required_unless_present = "onward_to"
        )]
        offences: Vec<String>,
        /// The third state the receiver may transfer the subject to.
        #[arg(long, value_name = "STATE")]
        onward_to: Option<String>,
    },
    /// Receiver of a delivered surrender: record prosecuting the subject for these offences,
    /// each one surrendered for or consented to by the giver.
    Prosecute {
        #[command(flatten)]
        leg: LegArgs,
        /// Offence categories, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        offences: Vec<String>,
    },
    /// Receiver of a delivered surrender: transfer the subject to a third state the giver
    /// consented to.
    Transfer {
        #[command(flatten)]
        leg: LegArgs,
        /// The third state.
        #[arg(long, value_name = "STATE")]
        to: String,
    },
    /// Giver of a prosecution-at-home leg: a milestone.
    Milestone {
        #[command(flatten)]
        leg: LegArgs,
        /// opened, charged or verdict.
        #[arg(value_enum)]
        milestone: MilestoneArg,
    },
    /// Show one exchange, or every exchange this state is part of.
    Show {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The exchange id (all of this state's if absent).
        exchange: Option<String>,
    },
}

/// One line describing an exchange and its legs.
pub fn describe(x: &Exchange) -> String {
    let legs: Vec<String> = x
        .proposal
        .legs
        .iter()
        .zip(&x.stages)
        .map(|(l, s)| {
            let breach = x
                .breaches
                .get(&l.request)
                .map(|p| format!(" (breach by {p})"))
                .unwrap_or_default();
            let speciality = x
                .speciality
                .get(&l.request)
                .map(|s| {
                    let mut parts = Vec::new();
                    if !s.consented_offences.is_empty() {
                        let o: Vec<&str> =
                            s.consented_offences.iter().map(|o| o.as_str()).collect();
                        parts.push(format!("consent for {}", o.join("+")));
                    }
                    for to in &s.consented_transfers {
                        parts.push(format!("consent to transfer to {to}"));
                    }
                    if let Some(to) = s.transferred_to {
                        parts.push(format!("transferred to {to}"));
                    }
                    if parts.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", parts.join("; "))
                    }
                })
                .unwrap_or_default();
            let release = x
                .instruments
                .get(&l.request)
                .map(|i| format!(" (release: {} by {})", i.kind.as_str(), i.authority))
                .unwrap_or_default();
            format!(
                "{}→{} {} {}{release}{speciality}{breach}",
                l.giver,
                l.receiver,
                l.kind.as_str(),
                s.as_str()
            )
        })
        .collect();
    format!(
        "{}: {:?}{}; legs: {}",
        x.proposal.id,
        x.status,
        if x.go_at.is_some() { ", go" } else { "" },
        legs.join(", ")
    )
}

/// Offence categories as given, sorted and without repeats (the canonical form statements
/// carry).
fn offence_list(given: &[String]) -> Result<Vec<Offence>, Failure> {
    let mut offences = given
        .iter()
        .map(|o| parse::<Offence>(o.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    offences.sort();
    offences.dedup();
    Ok(offences)
}

fn names(offences: &[Offence]) -> String {
    offences
        .iter()
        .map(|o| o.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn leg(args: &LegArgs) -> Result<(ExchangeId, RequestId), Failure> {
    Ok((parse(&args.exchange)?, parse(&args.request)?))
}

pub fn run(args: ExchangeArgs) -> Result<(), Failure> {
    let (data, action, what, officers) = match args.command {
        ExchangeCommand::Sign {
            data,
            exchange,
            officers,
        } => {
            let exchange: ExchangeId = parse(&exchange)?;
            let node = open(&data)?;
            let reg = node.registry().map_err(fail)?;
            let x = reg
                .exchange(&exchange)
                .ok_or_else(|| Failure::input(format!("no exchange {exchange}")))?;
            let action = Action::ExchangeSigned {
                exchange,
                proposal_sha256: x.digest,
            };
            (
                data,
                action,
                format!("signed exchange {exchange}"),
                officers,
            )
        }
        ExchangeCommand::Ready(a) => {
            let (exchange, request) = leg(&a)?;
            let what = format!("declared the subject of {request} ready");
            (
                a.data,
                Action::LegReady { exchange, request },
                what,
                a.officers,
            )
        }
        ExchangeCommand::Verify(a) => {
            let (exchange, request) = leg(&a)?;
            let what = format!("verified the subject of {request}");
            (
                a.data,
                Action::LegVerified { exchange, request },
                what,
                a.officers,
            )
        }
        ExchangeCommand::Deliver(a) => {
            let (exchange, request) = leg(&a)?;
            let what = format!("delivered the subject of {request}");
            (
                a.data,
                Action::LegDelivered { exchange, request },
                what,
                a.officers,
            )
        }
        ExchangeCommand::Receive(a) => {
            let (exchange, request) = leg(&a)?;
            let what = format!("received the subject of {request}");
            (
                a.data,
                Action::LegReceived { exchange, request },
                what,
                a.officers,
            )
        }
        ExchangeCommand::Release {
            leg: a,
            kind,
            authority,
            document,
        } => {
            let (exchange, request) = leg(&a)?;
            let kind: InstrumentKind = kind.parse().map_err(Failure::input)?;
            let text = std::fs::read(&document)
                .map_err(|e| Failure::input(format!("{}: {e}", document.display())))?;
            let node = open(&a.data)?;
            let document_sha256 = node
                .keep_grounds(&text)
                .map_err(|e| Failure::input(format!("{}: {e}", document.display())))?;
            let instrument = ReleaseInstrument {
                kind,
                authority,
                document_sha256,
            };
            instrument
                .validate()
                .map_err(|e| Failure::input(e.to_string()))?;
            let what = format!(
                "recorded the {} releasing the subject of {request}",
                kind.as_str()
            );
            let action = Action::ReleaseRecorded {
                exchange,
                request,
                instrument,
            };
            (a.data, action, what, a.officers)
        }
        ExchangeCommand::Consent {
            leg: a,
            offences,
            onward_to,
        } => {
            let (exchange, request) = leg(&a)?;
            let consent = match onward_to {
                Some(to) => Consent::OnwardTransfer {
                    to: crate::failure::party(&to)?,
                },
                None => Consent::Offences {
                    offences: offence_list(&offences)?,
                },
            };
            let what = match &consent {
                Consent::OnwardTransfer { to } => {
                    format!("consented to a transfer of the subject of {request} to {to}")
                }
                Consent::Offences { offences } => format!(
                    "consented to prosecution of the subject of {request} for {}",
                    names(offences)
                ),
            };
            let action = Action::ConsentGiven {
                exchange,
                request,
                consent,
            };
            (a.data, action, what, a.officers)
        }
        ExchangeCommand::Prosecute { leg: a, offences } => {
            let (exchange, request) = leg(&a)?;
            let offences = offence_list(&offences)?;
            let what = format!(
                "recorded prosecuting the subject of {request} for {}",
                names(&offences)
            );
            let action = Action::ProsecutionExtended {
                exchange,
                request,
                offences,
            };
            (a.data, action, what, a.officers)
        }
        ExchangeCommand::Transfer { leg: a, to } => {
            let (exchange, request) = leg(&a)?;
            let to = crate::failure::party(&to)?;
            let what = format!("transferred the subject of {request} to {to}");
            let action = Action::OnwardTransferred {
                exchange,
                request,
                to,
            };
            (a.data, action, what, a.officers)
        }
        ExchangeCommand::Milestone { leg: a, milestone } => {
            let (exchange, request) = leg(&a)?;
            let milestone = match milestone {
                MilestoneArg::Opened => Milestone::Opened,
                MilestoneArg::Charged => Milestone::Charged,
                MilestoneArg::Verdict => Milestone::Verdict,
            };
            let what = format!("recorded {milestone:?} on {request}");
            let action = Action::MilestoneRecorded {
                exchange,
                request,
                milestone,
            };
            (a.data, action, what, a.officers)
        }
        ExchangeCommand::Show { data, exchange } => {
            let node = open(&data)?;
            let reg = node.registry().map_err(fail)?;
            match exchange {
                Some(id) => {
                    let id: ExchangeId = parse(&id)?;
                    let x = reg
                        .exchange(&id)
                        .ok_or_else(|| Failure::input(format!("no exchange {id}")))?;
                    println!("{}", describe(x));
                }
                None => {
                    for x in reg
                        .exchanges()
                        .filter(|x| x.parties.contains(&node.party()))
                    {
                        println!("{}", describe(x));
                    }
                }
            }
            if let Some(note) = unsettled(&node)? {
                println!("{note}");
            }
            return Ok(());
        }
    };
    let mut node = open(&data)?;
    let s = officers.submit(&mut node, action)?;
    println!("{}", acted(&node, &what, &s));
    Ok(())
}
