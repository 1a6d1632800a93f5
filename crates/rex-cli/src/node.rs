//! `rex node init|export-keys [--vkey]|sync`.

use crate::act::open;
use crate::failure::{fail, party};
use crate::Failure;
use clap::{Args, Subcommand};
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
    /// Check the hub's log against every receipt held, and cosign its checkpoint.
    Sync {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
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
        NodeCommand::ExportKeys { data, vkey } => {
            let node = open(&data)?;
            let keys = node.public_keys().map_err(fail)?;
            if vkey {
                println!("{}", rex_node::trust::witness_vkey(&keys).map_err(fail)?);
            } else {
                print!("{}", keys.to_json());
            }
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
