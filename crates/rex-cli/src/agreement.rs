//! `rex agreement propose|sign|list`.

use crate::act::{acted, now, open};
use crate::failure::{fail, parse, party};
use crate::Failure;
use clap::{Args, Subcommand};
use rex_domain::id::utc;
use rex_domain::{
    Action, AgreementId, AgreementTerms, CreditTerms, Deadlines, Offence, PartyId, Registry,
    SimilarityRule, TermsDraft,
};
use std::path::PathBuf;

const DAY: u64 = 86_400;

#[derive(Debug, Args)]
pub struct AgreementArgs {
    #[command(subcommand)]
    command: AgreementCommand,
}

#[derive(Debug, Subcommand)]
enum AgreementCommand {
    /// Propose an agreement (proposing signs it).
    Propose {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Member states, comma-separated (this state among them).
        #[arg(long, value_delimiter = ',', required = true)]
        members: Vec<String>,
        /// Offence categories covered, comma-separated (e.g. illegal_access,ransomware_extortion).
        #[arg(long, value_delimiter = ',', required = true)]
        offences: Vec<String>,
        /// Similar subjects: severity classes differ by at most this.
        #[arg(long, default_value_t = TermsDraft::STANDARD_SIMILARITY_GAP)]
        similarity_gap: u8,
        /// Longest cycle of requests in one exchange.
        #[arg(long, default_value_t = TermsDraft::STANDARD_MAX_CYCLE)]
        max_cycle: u8,
        /// Prosecution at home counts as reciprocation.
        #[arg(long)]
        prosecution_at_home: bool,
        /// Lowest maximum penalty a request must carry, in months.
        #[arg(long, default_value_t = TermsDraft::STANDARD_MIN_PENALTY_MONTHS)]
        min_penalty_months: u32,
        /// Days the members have to sign.
        #[arg(long, default_value_t = TermsDraft::STANDARD_SIGNING_DAYS)]
        signing_days: u64,
        /// Days the members of an exchange have to sign it.
        #[arg(long, default_value_t = TermsDraft::STANDARD_COMMIT_DAYS)]
        commit_days: u64,
        /// Days an exchange has to be executed once binding.
        #[arg(long, default_value_t = TermsDraft::STANDARD_EXECUTION_DAYS)]
        execution_days: u64,
        #[command(flatten)]
        deadlines: DeadlineArgs,
        /// Go waits until the giver of every surrender leg has recorded the domestic instrument
        /// that allows the release (`rex exchange release`).
        #[arg(long)]
        release_instrument_required: bool,
        #[command(flatten)]
        credit: CreditArgs,
    },
    /// Sign an agreement.
    Sign {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The agreement id (agr_...).
        agreement: String,
    },
    /// List agreements, as this node's replay of the log sees them.
    List {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
    /// Show one agreement: its terms, its deadlines, its reciprocity ledger, and every breach
    /// under it, cured or not.
    Show {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The agreement id (agr_...).
        agreement: String,
    },
}

/// The deadlines of a proposed agreement: the standard ones (after the European Arrest
/// Warrant) unless changed, or none.
#[derive(Debug, Args)]
pub struct DeadlineArgs {
    /// Days the custodian has to answer a request.
    #[arg(long, default_value_t = Deadlines::STANDARD.answer_days)]
    answer_days: u32,
    /// Days one extension of the answer deadline adds (0: none).
    #[arg(long, default_value_t = Deadlines::STANDARD.extension_days)]
    extension_days: u32,
    /// Days a giver has, from go, to deliver a surrender leg.
    #[arg(long, default_value_t = Deadlines::STANDARD.surrender_days)]
    surrender_days: u32,
    /// Days a prosecuting state has, from binding, to open proceedings.
    #[arg(long, default_value_t = Deadlines::STANDARD.opened_days)]
    opened_days: u32,
    /// Days a prosecuting state has, from go, to charge.
    #[arg(long, default_value_t = Deadlines::STANDARD.charged_days)]
    charged_days: u32,
    /// Days a prosecuting state has, from go, to reach a verdict.
    #[arg(long, default_value_t = Deadlines::STANDARD.verdict_days)]
    verdict_days: u32,
    /// Suspend from filing under the agreement a state with this many uncured breaches.
    #[arg(long, value_name = "N")]
    suspend_after_breaches: Option<u32>,
    /// No deadlines but the execution window (the other deadline options are then ignored).
    #[arg(long)]
    no_deadlines: bool,
}

impl DeadlineArgs {
    /// The deadlines these options give.
    pub fn deadlines(&self) -> Option<Deadlines> {
        (!self.no_deadlines).then_some(Deadlines {
            answer_days: self.answer_days,
            extension_days: self.extension_days,
            surrender_days: self.surrender_days,
            opened_days: self.opened_days,
            charged_days: self.charged_days,
            verdict_days: self.verdict_days,
            suspend_after_breaches: self.suspend_after_breaches,
        })
    }
}

/// Deferred reciprocity: unconditional offers (`rex request offer`) and the chains they start,
/// within a credit limit; none unless `--credit` is given.
#[derive(Debug, Args)]
pub struct CreditArgs {
    /// Allow deferred reciprocity: a state may be owed, or owe, at most this many handovers.
    #[arg(long, value_name = "N")]
    credit: Option<u32>,
    /// Most requests in one chain started by an unconditional offer (with --credit).
    #[arg(long, value_name = "N", default_value_t = 3, requires = "credit")]
    max_chain: u8,
}

impl CreditArgs {
    /// The credit terms these options give.
    pub fn credit(&self) -> Option<CreditTerms> {
        self.credit.map(|max_outstanding| CreditTerms {
            max_outstanding,
            max_chain: self.max_chain,
        })
    }
}

/// Terms from the command's options; members and offences are sorted for the caller.
#[allow(clippy::too_many_arguments)]
pub fn terms(
    members: &[PartyId],
    offences: &[Offence],
    similarity_gap: u8,
    max_cycle: u8,
    prosecution_at_home: bool,
    min_penalty_months: u32,
    signing_deadline: u64,
    commit_window: u64,
    execution_window: u64,
    deadlines: Option<Deadlines>,
) -> Result<AgreementTerms, Failure> {
    // Every field but the members and offences (sorted and deduplicated there) is set here.
    AgreementTerms::new(TermsDraft {
        similarity: SimilarityRule::MaxClassGap {
            gap: similarity_gap,
        },
        max_cycle,
        prosecution_at_home_counts: prosecution_at_home,
        min_penalty_months,
        signing_deadline,
        commit_window,
        execution_window,
        credit: None,
        deadlines,
        ..TermsDraft::standard(members, offences, 0)
    })
    .map_err(|e| Failure::input(e.to_string()))
}

pub fn run(args: AgreementArgs) -> Result<(), Failure> {
    match args.command {
        AgreementCommand::Propose {
            data,
            members,
            offences,
            similarity_gap,
            max_cycle,
            prosecution_at_home,
            min_penalty_months,
            signing_days,
            commit_days,
            execution_days,
            deadlines,
            release_instrument_required,
            credit,
        } => {
            let members = members
                .iter()
                .map(|m| party(m.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            let offences = offences
                .iter()
                .map(|o| parse::<Offence>(o.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            // Checked here, before any arithmetic: the hub refuses more than a year anyway.
            let days = |flag: &str, d: u64| {
                let max = rex_domain::agreement::MAX_WINDOW_SECONDS / DAY;
                if d == 0 || d > max {
                    Err(Failure::input(format!(
                        "{flag} {d}: expected 1 to {max} days"
                    )))
                } else {
                    Ok(d * DAY)
                }
            };
            let terms = terms(
                &members,
                &offences,
                similarity_gap,
                max_cycle,
                prosecution_at_home,
                min_penalty_months,
                now() + days("--signing-days", signing_days)?,
                days("--commit-days", commit_days)?,
                days("--execution-days", execution_days)?,
                deadlines.deadlines(),
            )?;
            let terms = AgreementTerms::new(TermsDraft {
                release_instrument_required,
                credit: credit.credit(),
                ..(*terms).clone()
            })
            .map_err(|e| Failure::input(e.to_string()))?;
            let mut node = open(&data)?;
            let s = node
                .submit(Action::AgreementProposed { terms })
                .map_err(fail)?;
            let id = AgreementId::from_digest(&s.digest);
            println!("{}", acted(&node, &format!("proposed agreement {id}"), &s));
        }
        AgreementCommand::Sign { data, agreement } => {
            let agreement: AgreementId = parse(&agreement)?;
            let mut node = open(&data)?;
            let s = node
                .submit(Action::AgreementSigned { agreement })
                .map_err(fail)?;
            println!(
                "{}",
                acted(&node, &format!("signed agreement {agreement}"), &s)
            );
        }
        AgreementCommand::List { data } => {
            let node = open(&data)?;
            let reg = node.registry().map_err(fail)?;
            for a in reg.agreements() {
                let members: Vec<String> = a
                    .terms
                    .members
                    .iter()
                    .map(|m| {
                        let mark = if a.signed.contains(m) {
                            ""
                        } else {
                            " (unsigned)"
                        };
                        format!("{m}{mark}")
                    })
                    .collect();
                let state = if a.in_force() { "in force" } else { "proposed" };
                println!(
                    "{} {state}: {}; cycles up to {}; prosecution at home {}",
                    a.id,
                    members.join(", "),
                    a.terms.max_cycle,
                    if a.terms.prosecution_at_home_counts {
                        "counts"
                    } else {
                        "does not count"
                    }
                );
            }
        }
        AgreementCommand::Show { data, agreement } => {
            let agreement: AgreementId = parse(&agreement)?;
            let node = open(&data)?;
            let reg = node.registry().map_err(fail)?;
            for line in show(&reg, &agreement)? {
                println!("{line}");
            }
        }
    }
    Ok(())
}

/// What `rex agreement show` prints: the terms, the deadlines, then each member's breaches.
pub fn show(reg: &Registry, id: &AgreementId) -> Result<Vec<String>, Failure> {
    let a = reg.agreement(id).ok_or_else(|| {
        Failure::input(format!("no agreement {id}; rex agreement list shows them"))
    })?;
    let t = &a.terms;
    let members: Vec<String> = t.members.iter().map(ToString::to_string).collect();
    let offences: Vec<&str> = t.offences.iter().map(|o| o.as_str()).collect();
    let mut out = vec![
        format!(
            "{id} {}: {}",
            if a.in_force() { "in force" } else { "proposed" },
            members.join(", ")
        ),
        format!("  offences: {}", offences.join(", ")),
        format!(
            "  cycles up to {}; penalty at least {} months; prosecution at home {}",
            t.max_cycle,
            t.min_penalty_months,
            if t.prosecution_at_home_counts {
                "counts"
            } else {
                "does not count"
            }
        ),
        format!(
            "  exchanges: {} days to sign, {} days to execute{}",
            t.commit_window / DAY,
            t.execution_window / DAY,
            if t.release_instrument_required {
                "; go waits for a release instrument on every surrender"
            } else {
                ""
            }
        ),
    ];
    out.push(match t.deadlines {
        None => "  deadlines: none but the execution window".into(),
        Some(d) => format!(
            "  deadlines: answer {} days (one extension of {}), surrender {} days after go; \
             prosecution opened {} days after binding, charged {} and judged {} days after go; \
             {}",
            d.answer_days,
            d.extension_days,
            d.surrender_days,
            d.opened_days,
            d.charged_days,
            d.verdict_days,
            match d.suspend_after_breaches {
                Some(n) => format!("filing suspended at {n} uncured breaches"),
                None => "breaches suspend nothing".into(),
            }
        ),
    });
    out.push(match &t.credit {
        None => "  credit: none (strict reciprocity, cycles only)".into(),
        Some(c) => {
            let balances = reg.credit_balances(id);
            let mut parts: Vec<String> = t
                .members
                .iter()
                .map(|m| {
                    let offers = reg.open_offers(id, *m).len();
                    format!(
                        "{m} {:+}{}",
                        balances.get(m).copied().unwrap_or(0),
                        match offers {
                            0 => String::new(),
                            1 => " (1 open offer)".into(),
                            n => format!(" ({n} open offers)"),
                        }
                    )
                })
                .collect();
            parts.sort();
            format!(
                "  credit: up to {} owed either way, chains of up to {} requests; committed \
                 balances: {}",
                match c.max_outstanding {
                    1 => "1 handover".to_owned(),
                    n => format!("{n} handovers"),
                },
                c.max_chain,
                parts.join(", ")
            )
        }
    });
    let ledger = reg.ledger(id);
    if ledger.given.is_empty() {
        out.push("  ledger: nothing given yet".into());
    } else {
        out.push("  ledger (complete legs):".into());
        for ((giver, receiver), t) in &ledger.given {
            out.push(format!(
                "    {giver} gave {receiver}: {} surrendered, {} prosecuted at home",
                t.surrendered, t.prosecuted
            ));
        }
        for m in &t.members {
            out.push(format!("    {m} balance: {:+}", ledger.balance(*m)));
        }
    }
    let breaches: Vec<_> = reg
        .breaches()
        .iter()
        .filter(|b| b.agreement == *id)
        .collect();
    if breaches.is_empty() {
        out.push("  breaches: none".into());
    }
    for m in &t.members {
        let mine: Vec<_> = breaches.iter().filter(|b| b.party == *m).collect();
        if mine.is_empty() {
            continue;
        }
        let open = mine.iter().filter(|b| b.is_open()).count();
        out.push(format!(
            "  breaches by {m}: {} ({open} uncured)",
            mine.len()
        ));
        for b in mine {
            out.push(format!(
                "    {}: due {}, recorded {}, {}",
                b.of,
                utc(b.due),
                utc(b.at),
                match b.cured_at {
                    Some(t) => format!("cured {}", utc(t)),
                    None => "uncured".into(),
                }
            ));
        }
    }
    Ok(out)
}
