//! `rex hub serve`, `rex hub vkeys` and `rex hub party add`: thin glue over `rex-hub`.
//!
//! `vkeys --data DIR` prints the hub's two verifier keys as the first lines of a trust file for
//! `rex log verify` (`rex_node::trust`); it reads the key files only, so it works whether or
//! not the hub is serving.
//!
//! `party add --hub URL` registers a state on a running hub, from the hub's own machine (the
//! admin endpoint answers loopback peers only). `party add --data DIR` works **offline** on the
//! data directory: it takes the directory's lock, replays the log, signs a `party_registered`
//! statement with the hub's key and appends it with a new checkpoint. While a hub is serving
//! the directory it holds that lock, and `--data` refuses with a message saying so: the serving
//! hub is the log's only sequencer and keeps the registry in memory, so a second writer would
//! fork it; use `--hub` then.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use rex_domain::PublicKeyFile;
use rex_hub::{HubError, SystemClock};

use crate::Failure;

#[derive(Debug, Args)]
pub struct HubArgs {
    #[command(subcommand)]
    command: HubCommand,
}

#[derive(Debug, Subcommand)]
enum HubCommand {
    /// Serve the hub: keys, database and log in DIR (created on first start).
    Serve {
        /// The hub's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7400")]
        listen: SocketAddr,
    },
    /// Print the `checkpoint` and `statements` lines of a trust file for `rex log verify`: the
    /// hub's C2SP verifier keys, read offline from its data directory.
    Vkeys {
        /// The hub's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
    /// Manage registered states.
    Party {
        #[command(subcommand)]
        command: PartyCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PartyCommand {
    /// Register a state from the public key file its node exported: on the running hub at URL
    /// (from its own machine), or offline in the stopped hub's DIR.
    Add {
        /// The running hub's base URL (a loopback address: the hub's own machine).
        #[arg(
            long,
            value_name = "URL",
            required_unless_present = "data",
            conflicts_with = "data"
        )]
        hub: Option<String>,
        /// The stopped hub's data directory.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// The node's exported public key file (rex-public-keys/v1).
        keyfile: PathBuf,
    },
}

/// The trust-file lines of the hub whose data directory is `data`.
fn vkeys(data: &std::path::Path) -> Result<String, Failure> {
    let keys = rex_hub::HubKeys::load(data)
        .map_err(|e| Failure::other(e.to_string()))?
        .ok_or_else(|| {
            Failure::input(format!(
                "{} holds no hub keys (`rex hub serve --data DIR` makes them on first start)",
                data.join("keys").display()
            ))
        })?;
    rex_node::trust::hub_lines(keys.checkpoint.verifier(), keys.statement.verifying_key())
        .map_err(crate::failure::fail)
}

/// `party add`'s failures: a serving hub is named as the reason to stop it.
fn failure(e: HubError) -> Failure {
    match e {
        HubError::Busy(dir) => Failure::other(format!(
            "a rex hub is serving {dir} (the log's only writer); register with it instead: \
             `rex hub party add --hub URL KEYFILE`"
        )),
        e => Failure::other(e.to_string()),
    }
}

pub fn run(args: HubArgs) -> Result<(), Failure> {
    match args.command {
        HubCommand::Serve { data, listen } => {
            tracing_subscriber::fmt()
                .with_writer(std::io::stderr)
                .with_target(false)
                .init();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Failure::other(format!("cannot start the runtime: {e}")))?;
            // Busy here means another hub (or a party import) holds DIR: the error says so.
            runtime
                .block_on(async {
                    let bound = rex_hub::bind(&data, listen).await?;
                    eprintln!(
                        "rex hub: serving {} on http://{}",
                        bound.origin(),
                        bound.local_addr()
                    );
                    bound.serve_until_signal().await
                })
                .map_err(|e| Failure::other(e.to_string()))
        }
        HubCommand::Vkeys { data } => {
            print!("{}", vkeys(&data)?);
            Ok(())
        }
        HubCommand::Party {
            command: PartyCommand::Add { hub, data, keyfile },
        } => {
            let text = std::fs::read_to_string(&keyfile)
                .map_err(|e| Failure::input(format!("{}: {e}", keyfile.display())))?;
            let keys = PublicKeyFile::from_json(&text)
                .map_err(|e| Failure::input(format!("{}: {e}", keyfile.display())))?;
            let (party, keyid) = (keys.party(), keys.keyid());
            let Some(data) = data else {
                let url = hub.unwrap_or_default();
                let client = rex_node::HubClient::new(&url).map_err(crate::failure::fail)?;
                let receipt = client
                    .register_party(&keys.to_json())
                    .map_err(crate::failure::fail)?;
                println!(
                    "registered {party} (key {keyid}) at log index {}; tree size {}",
                    receipt.index, receipt.tree_size
                );
                return Ok(());
            };
            // Opening a directory creates a hub in it: a mistyped DIR must not make a new hub
            // (with new keys) instead of registering the state with the real one.
            if !data.exists() {
                return Err(Failure::input(format!(
                    "{} does not exist (`rex hub serve --data {}` creates a hub there)",
                    data.display(),
                    data.display()
                )));
            }
            let (index, size) =
                rex_hub::register_party(&data, keys, &SystemClock).map_err(failure)?;
            println!("registered {party} (key {keyid}) at log index {index}; tree size {size}");
            Ok(())
        }
    }
}
