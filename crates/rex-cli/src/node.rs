//! `rex node init|export-keys [--vkey]|sync|witness-policy|checkpoint export|checkpoint import`,
//! `rex node require-four-eyes`, `rex node profile` (in `profile.rs`), `rex node officer-key` (in `officer_key.rs`), and `rex node
//! serve|officer` (in `desk.rs`).

use crate::act::{acted, open};
use crate::failure::{fail, party};
use crate::Failure;
use clap::{Args, Subcommand};
use rex_domain::{Action, WitnessPolicy};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct NodeArgs {
    #[command(subcommand)]
    command: NodeCommand,
}

#[derive(Debug, Subcommand)]
enum NodeCommand {
    /// Create a state's node: keys (0600), local store, the hub's keys pinned, public keys
    /// exported for the hub operator.
    Init {
        /// The state, two capital letters (ISO 3166-1 alpha-2).
        #[arg(long)]
        party: String,
        /// The hub's base URL.
        #[arg(long, value_name = "URL")]
        hub: String,
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
    /// Print the node's public key file (for `rex hub party add`), or with `--vkey` its
    /// cosignature verifier key (for a `witness` line of an auditor's trust file).
    ExportKeys {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Print the C2SP cosignature vkey (`<party>+<key id>+<base64>`) instead.
        #[arg(long)]
        vkey: bool,
    },
    /// Check the hub's log against every receipt held, say up to where it is final (cosigned
    /// by a quorum of this state's witnesses), and cosign its checkpoint. Exits 1 with an
    /// alarm when a checkpoint has waited too long for its quorum.
    Sync {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// How long a checkpoint may wait for its quorum before the alarm: seconds, or a
        /// number with s, m, h or d.
        #[arg(long, value_name = "DURATION", default_value = "1h")]
        alarm_after: String,
    },
    /// Say, in the log, whose cosignatures make a checkpoint final for this state: its
    /// agreement partners (the default), or K of the listed states.
    WitnessPolicy {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Every state sharing an agreement in force with this one.
        #[arg(long, conflicts_with_all = ["witness", "threshold"])]
        agreement_partners: bool,
        /// A witness (a party code); repeat for each.
        #[arg(long, value_name = "CODE", requires = "threshold")]
        witness: Vec<String>,
        /// How many of the witnesses must cosign.
        #[arg(long, value_name = "K", requires = "witness")]
        threshold: Option<u32>,
    },
    /// Hand checkpoints to other states directly, without the hub (gossip).
    Checkpoint {
        #[command(subcommand)]
        command: CheckpointCommand,
    },
    /// Run the node as a service: keep it in sync with the hub (check, replay, cosign) and
    /// serve the officers' desk. The CLI keeps working on the same directory meanwhile.
    Serve(crate::desk::ServeArgs),
    /// The officers of this state's desk, their login accounts: enrol, list, revoke. Their
    /// signing keys are `officer-key`.
    Officer {
        #[command(subcommand)]
        command: crate::desk::OfficerCommand,
    },
    /// Officers' signing keys and their certificates in the log: create, certify, revoke,
    /// list. A certified key signs binding acts (`--drafter`, `--approver`) so that the other
    /// states can check who signed, in which role; the desk's login accounts are `officer`.
    OfficerKey {
        #[command(subcommand)]
        command: crate::officer_key::OfficerKeyCommand,
    },
    /// This state's profile of its law, which screening applies: publish, show, template.
    Profile {
        #[command(subcommand)]
        command: crate::profile::ProfileCommand,
    },
    /// Require, in the log and for good, a drafter's and an approver's signatures on every
    /// binding act of this state: the hub then refuses one the node signs alone.
    RequireFourEyes {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum CheckpointCommand {
    /// Write a gossip file: the checkpoint this node holds with its cosignature, and the
    /// evidence of a split view it holds, for another state to import.
    Export {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Where to write it (standard output if absent).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Check a gossip file another state exported against this node's view of the log; a
    /// split view is kept as evidence and named with both roots (exit 1).
    Import {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The gossip file.
        file: PathBuf,
    },
}

pub fn run(args: NodeArgs) -> Result<(), Failure> {
    match args.command {
        NodeCommand::Serve(args) => crate::desk::serve(args)?,
        NodeCommand::Officer { command } => crate::desk::officer(command)?,
        NodeCommand::OfficerKey { command } => crate::officer_key::run(command)?,
        NodeCommand::Profile { command } => crate::profile::run(command)?,
        NodeCommand::RequireFourEyes { data } => {
            let mut node = open(&data)?;
            let s = node.submit(Action::FourEyesRequired).map_err(fail)?;
            println!(
                "{}",
                acted(
                    &node,
                    "requires four-eyes on its binding acts from now on",
                    &s
                )
            );
        }
        NodeCommand::Init {
            party: p,
            hub,
            data,
        } => {
            let node = rex_node::init(party(&p)?, &hub, &data).map_err(fail)?;
            let keys = node.public_keys().map_err(fail)?;
            println!(
                "node {} initialised in {}; public keys in {} (key id {})",
                node.party(),
                data.display(),
                data.join(rex_node::node::PUBLIC_KEY_FILE).display(),
                keys.keyid()
            );
        }
        NodeCommand::ExportKeys { data, vkey } => {
            let node = open(&data)?;
            let keys = node.public_keys().map_err(fail)?;
            if vkey {
                println!("{}", rex_node::trust::witness_vkey(&keys).map_err(fail)?);
            } else {
                print!("{}", keys.to_json());
            }
        }
        NodeCommand::Sync { data, alarm_after } => {
            let mut node = open(&data)?;
            node.set_alarm_after(seconds(&alarm_after)?);
            let r = node.sync().map_err(fail)?;
            let cosigned = match &r.cosigned {
                Ok(()) => "cosigned".to_owned(),
                Err(e) => format!("not cosigned: {e}"),
            };
            println!(
                "{} synced: checkpoint {} (held {}) consistent, {} receipts intact, {cosigned}",
                node.party(),
                r.size,
                r.old_size,
                r.receipts_checked
            );
            let f = &r.finality;
            let witnesses = format!(
                "{} of the witnesses [{}] needed, {} cosigned it or a larger tree consistent with it",
                f.quorum.threshold,
                codes(&f.quorum.witnesses),
                f.quorum.witnesses.len() - f.missing().len()
            );
            if f.final_size >= r.size {
                println!("final: checkpoint {} ({witnesses})", r.size);
            } else {
                println!(
                    "not final: the statements from index {} on ({witnesses}; final: checkpoint {})",
                    f.final_size, f.final_size
                );
            }
            if let Some(alarm) = &f.alarm {
                return Err(Failure::other(alarm.clone()));
            }
        }
        NodeCommand::WitnessPolicy {
            data,
            agreement_partners,
            witness,
            threshold,
        } => {
            let policy =
                match threshold {
                    Some(threshold) => {
                        let mut witnesses = witness
                            .iter()
                            .map(|w| party(w))
                            .collect::<Result<Vec<_>, _>>()?;
                        witnesses.sort();
                        WitnessPolicy::Threshold {
                            witnesses,
                            threshold,
                        }
                    }
                    None if agreement_partners => WitnessPolicy::AgreementPartners,
                    None => return Err(Failure::input(
                        "say --agreement-partners, or --witness CODE (repeated) with --threshold K",
                    )),
                };
            let mut node = open(&data)?;
            let s = node
                .submit(Action::WitnessPolicySet { policy })
                .map_err(fail)?;
            println!("{}", acted(&node, "set its witness policy", &s));
        }
        NodeCommand::Checkpoint { command } => checkpoint(command)?,
    }
    Ok(())
}

fn codes(parties: &[rex_domain::PartyId]) -> String {
    let list: Vec<&str> = parties.iter().map(|p| p.as_str()).collect();
    list.join(", ")
}

/// `3600`, `90s`, `30m`, `1h`, `2d`: seconds.
pub(crate) fn seconds(text: &str) -> Result<u64, Failure> {
    let bad = || {
        Failure::input(format!(
            "{text:?} is not a duration (seconds, or a number with s, m, h or d: 90s, 30m, 1h)"
        ))
    };
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(unit).ok_or_else(bad)
}

fn checkpoint(command: CheckpointCommand) -> Result<(), Failure> {
    match command {
        CheckpointCommand::Export { data, out } => {
            let node = open(&data)?;
            let gossip = node.export_gossip().map_err(fail)?;
            let json =
                serde_json::to_string_pretty(&gossip).map_err(|e| Failure::other(e.to_string()))?;
            match out {
                Some(path) => {
                    std::fs::write(&path, format!("{json}\n")).map_err(|e| {
                        Failure::other(format!("cannot write {}: {e}", path.display()))
                    })?;
                    eprintln!(
                        "{}: gossip file written to {} ({} pieces of evidence)",
                        node.party(),
                        path.display(),
                        gossip.evidence.len()
                    );
                }
                None => println!("{json}"),
            }
        }
        CheckpointCommand::Import { data, file } => {
            let mut node = open(&data)?;
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure::input(format!("cannot read {}: {e}", file.display())))?;
            let imported = node.import_gossip(&bytes).map_err(|e| match e {
                rex_node::Error::Input(m) => Failure::input(format!("{}: {m}", file.display())),
                e => fail(e),
            })?;
            println!(
                "{} imported {}'s checkpoint {} (root {}): consistent with checkpoint {} held; kept and checked again at every sync",
                node.party(),
                imported.party,
                imported.size,
                imported.root,
                imported.held
            );
        }
    }
    Ok(())
}
