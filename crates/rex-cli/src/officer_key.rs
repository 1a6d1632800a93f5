//! `rex node officer-key create|certify|revoke|list`: officers' signing keys at the node and
//! their certificates in the log, and the `--drafter`/`--approver` options of binding acts.
//!
//! These are not the desk's login accounts (`rex node officer add|enrol|list|revoke`, in
//! `desk.rs`): a login account lets a person into the desk with a passkey; an officer key signs
//! binding acts, and its certificate in the log lets the other states check who signed, in
//! which role. Use the same handle for both.

use crate::act::{acted, now, open};
use crate::failure::fail;
use crate::Failure;
use clap::{Args, Subcommand};
use rex_domain::{Action, OfficerId, Role};
use rex_node::{Node, Submitted};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum OfficerKeyCommand {
    /// Make an officer's signing key in DIR/officers/<handle>.key (0600) and print its public
    /// half; certify it next.
    Create {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The officer's handle (1 to 64 of A-Z, a-z, 0-9, - _ .; in clear in the log).
        handle: String,
    },
    /// Certify an officer's key in the log, with its roles and validity.
    Certify {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The officer's handle.
        handle: String,
        /// case-officer, approver, liaison, auditor or admin; repeat for several (an admin or
        /// an auditor holds no other role).
        #[arg(long = "role", value_name = "ROLE", required = true)]
        roles: Vec<String>,
        /// How long the certificate is valid from now: seconds, or a number with s, m, h or d
        /// (at most 732 d).
        #[arg(long, value_name = "DURATION", default_value = "365d")]
        valid_for: String,
    },
    /// Revoke an officer's key in the log, for good (its handle is not certified again).
    Revoke {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The officer's handle.
        handle: String,
    },
    /// List a state's officers as the log certifies them (this node's replay): this state's,
    /// or another's with --party.
    List {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The state whose officers to list (this node's state if absent).
        #[arg(long, value_name = "CODE")]
        party: Option<String>,
    },
}

/// The two officers who sign a binding act, if any: `--drafter H --approver H`.
#[derive(Debug, Clone, Args)]
pub struct FourEyesArgs {
    /// The officer who drafted the act (an officer key at this node, certified as case
    /// officer or approver). Without --drafter and --approver, the node signs alone and the
    /// statement says no officer signed.
    #[arg(long, value_name = "HANDLE", requires = "approver")]
    pub drafter: Option<String>,
    /// The second, distinct officer who approves it (certified as approver).
    #[arg(long, value_name = "HANDLE", requires = "drafter")]
    pub approver: Option<String>,
}

fn handle(s: &str) -> Result<OfficerId, Failure> {
    OfficerId::new(s).map_err(|e| Failure::input(e.to_string()))
}

impl FourEyesArgs {
    /// Submits `action` as the node alone, or with the drafter's and the approver's
    /// signatures.
    pub fn submit(&self, node: &mut Node, action: Action) -> Result<Submitted, Failure> {
        match (&self.drafter, &self.approver) {
            (Some(d), Some(a)) => node
                .submit_four_eyes(action, &handle(d)?, &handle(a)?)
                .map_err(fail),
            _ => node.submit(action).map_err(fail),
        }
    }
}

pub fn run(command: OfficerKeyCommand) -> Result<(), Failure> {
    match command {
        OfficerKeyCommand::Create { data, handle: h } => {
            let node = open(&data)?;
            let key = node.create_officer_key(&handle(&h)?).map_err(fail)?;
            println!(
                "officer key {h} of {} created (key id {}): {key}; certify it with `rex node officer-key certify`",
                node.party(),
                key.keyid()
            );
        }
        OfficerKeyCommand::Certify {
            data,
            handle: h,
            roles,
            valid_for,
        } => {
            let roles = roles
                .iter()
                .map(|r| Role::parse(r).map_err(|e| Failure::input(e.to_string())))
                .collect::<Result<Vec<_>, _>>()?;
            let seconds = crate::node::seconds(&valid_for)?;
            let mut node = open(&data)?;
            let start = now();
            let s = node
                .certify_officer(&handle(&h)?, &roles, start, start.saturating_add(seconds))
                .map_err(fail)?;
            let names: Vec<&str> = roles.iter().map(Role::as_str).collect();
            println!(
                "{}",
                acted(
                    &node,
                    &format!("certified officer {h} as {}", names.join(", ")),
                    &s
                )
            );
        }
        OfficerKeyCommand::Revoke { data, handle: h } => {
            let mut node = open(&data)?;
            let s = node.revoke_officer(&handle(&h)?).map_err(fail)?;
            println!("{}", acted(&node, &format!("revoked officer {h}"), &s));
        }
        OfficerKeyCommand::List { data, party } => {
            let node = open(&data)?;
            let party = match party {
                Some(code) => crate::failure::party(&code)?,
                None => node.party(),
            };
            let reg = node.registry().map_err(fail)?;
            if reg.party(&party).is_none() {
                return Err(Failure::input(format!("{party} is not a registered state")));
            }
            let t = now();
            for o in reg.officers(&party) {
                let roles: Vec<&str> = o.roles.iter().map(Role::as_str).collect();
                let state = match o.revoked_at {
                    Some(at) => format!("revoked at {at}"),
                    None if o.valid_at(t) => "valid".to_owned(),
                    None => "not valid now".to_owned(),
                };
                println!(
                    "{} {} key {} valid {}..{} {state}",
                    o.id,
                    roles.join(","),
                    o.key.keyid(),
                    o.not_before,
                    o.not_after
                );
            }
            if reg.requires_four_eyes(&party) {
                println!("{party} requires four-eyes on its binding acts");
            }
        }
    }
    Ok(())
}
