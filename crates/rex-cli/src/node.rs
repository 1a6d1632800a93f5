//! `rex node init|export-keys|sync|checkpoint export|checkpoint import`.

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
    /// Hand checkpoints to other states directly, without the hub (gossip).
    Checkpoint {
        #[command(subcommand)]
        command: CheckpointCommand,
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
        NodeCommand::Checkpoint { command } => checkpoint(command)?,
    }
    Ok(())
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
