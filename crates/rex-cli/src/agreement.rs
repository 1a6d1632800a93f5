//! `rex agreement propose|sign|list`.

use crate::act::{acted, now, open};
use crate::failure::{fail, parse, party};
use crate::Failure;
use clap::{Args, Subcommand};
use rex_domain::{
    Action, AgreementId, AgreementTerms, Offence, PartyId, SimilarityRule, TermsDraft,
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
            )?;
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
    }
    Ok(())
}
