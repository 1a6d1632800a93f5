//! `rex node profile publish|show|template`: a state's profile of its law, which screening
//! applies to the requests filed after it ([`rex_domain::law`]).

use crate::act::{acted, open};
use crate::failure::{fail, party};
use crate::Failure;
use clap::Subcommand;
use rex_domain::{Action, Offence, ProfileDraft, StateProfile, Statute};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Publish a new version of this state's profile (a JSON file; `template` prints one). It
    /// supersedes the previous version for requests filed from now on.
    Publish {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The profile, as JSON.
        file: PathBuf,
    },
    /// Show the profile in force of this state, or of another.
    Show {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The state (this one if absent).
        #[arg(long)]
        party: Option<String>,
    },
    /// Print a profile to start from: every category a crime, no exclusion, the Budapest
    /// Convention's 12-month threshold, nationals not surrendered.
    Template,
}

/// Reads a profile file, naming the file and the place of the first error.
pub fn read(file: &std::path::Path) -> Result<StateProfile, Failure> {
    let bytes =
        std::fs::read(file).map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Failure::input(format!("{}: not a valid profile: {e}", file.display())))
}

/// The template profile.
pub fn template() -> ProfileDraft {
    ProfileDraft {
        surrenders_nationals: false,
        min_penalty_months: 12,
        min_sentence_months: 4,
        statutes: Offence::ALL
            .iter()
            .map(|o| Statute {
                category: *o,
                reference: format!("statute for {o}"),
            })
            .collect(),
        limitations: Vec::new(),
        min_age: 14,
        death_penalty: false,
        assurances_required: Vec::new(),
        exclusions: Vec::new(),
    }
}

pub fn run(command: ProfileCommand) -> Result<(), Failure> {
    match command {
        ProfileCommand::Publish { data, file } => {
            let profile = read(&file)?;
            let mut node = open(&data)?;
            let s = node
                .submit(Action::ProfilePublished { profile })
                .map_err(fail)?;
            println!("{}", acted(&node, "published its profile", &s));
        }
        ProfileCommand::Show { data, party: p } => {
            let node = open(&data)?;
            let who = match p {
                Some(p) => party(&p)?,
                None => node.party(),
            };
            let reg = node.registry().map_err(fail)?;
            let v = reg.profile(&who).ok_or_else(|| {
                Failure::input(format!(
                    "{who} has published no profile: its agreements stand for its law"
                ))
            })?;
            println!("{who} profile version {} (since {})", v.version, v.since);
            let json = serde_json::to_string_pretty(&v.profile)
                .map_err(|e| Failure::other(e.to_string()))?;
            println!("{json}");
        }
        ProfileCommand::Template => {
            let json = serde_json::to_string_pretty(&template())
                .map_err(|e| Failure::other(e.to_string()))?;
            println!("{json}");
        }
    }
    Ok(())
}
