//! `rex node init|export-keys|sync`, and the helpers every command that acts shares: open the
//! node, map its errors to a [`Failure`], and say in one line what was done.

use crate::Failure;
use clap::{Args, Subcommand};
use rex_domain::PartyId;
use rex_node::{Error, Node, Submitted};
use std::path::{Path, PathBuf};

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
    /// Print the node's public key file (for `rex hub party add`).
    ExportKeys {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
    /// Check the hub's log against every receipt held, and cosign its checkpoint.
    Sync {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
}

/// Maps a node error to a failure: bad input exits 2, everything else 1.
pub fn fail(e: Error) -> Failure {
    if e.is_input() {
        Failure::input(e.to_string())
    } else {
        Failure::other(e.to_string())
    }
}

/// Opens the node in `dir`.
pub fn open(dir: &Path) -> Result<Node, Failure> {
    rex_node::open(dir).map_err(fail)
}

/// Parses a party code (bad input on failure).
pub fn party(code: &str) -> Result<PartyId, Failure> {
    PartyId::new(code).map_err(|e| Failure::input(e.to_string()))
}

/// Parses an id or a value with its `FromStr` (bad input on failure).
pub fn parse<T: std::str::FromStr>(s: &str) -> Result<T, Failure>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| Failure::input(e.to_string()))
}

/// The one line an accepted action prints.
pub fn acted(node: &Node, what: &str, s: &Submitted) -> String {
    let cosigned = match &s.cosigned {
        Ok(()) => "cosigned".to_owned(),
        Err(e) => format!("not cosigned: {e}"),
    };
    format!(
        "{} {what} (seq {}, log entry {}, checkpoint {} verified, {cosigned})",
        node.party(),
        s.seq,
        s.index,
        s.tree_size
    )
}

pub fn run(args: NodeArgs) -> Result<(), Failure> {
    match args.command {
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
        NodeCommand::ExportKeys { data } => {
            let node = open(&data)?;
            print!("{}", node.public_keys().map_err(fail)?.to_json());
        }
        NodeCommand::Sync { data } => {
            let mut node = open(&data)?;
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
        }
    }
    Ok(())
}
