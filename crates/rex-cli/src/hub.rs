//! `rex hub serve`, `rex hub vkeys`, `rex hub party add` and `rex hub match`: thin glue over
//! `rex-hub`.
//!
//! `vkeys --data DIR` prints the hub's two verifier keys as the first lines of a trust file for
//! `rex log verify` (`rex_node::trust`); it reads the key files only, so it works whether or
//! not the hub is serving.
//!
//! The operator is whoever holds the operator's key: `serve` makes one on first start
//! (`DIR/operator.key`, to be moved to the operator's machine) unless `--operator-key-pub`
//! names the operator's public key. `party add --hub URL --operator-key FILE` and `match --hub
//! URL --operator-key FILE` sign their calls with it, from any machine. `party add --data DIR`
//! works **offline** on the data directory: it takes the directory's lock, replays the log, signs a `party_registered`
//! statement with the hub's key and appends it with a new checkpoint. While a hub is serving
//! the directory it holds that lock, and `--data` refuses with a message saying so: the serving
//! hub is the log's only sequencer and keeps the registry in memory, so a second writer would
//! fork it; use `--hub` then.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rex_domain::PublicKeyFile;
use rex_hub::{Clock as _, HubError, SystemClock};

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
        /// The operator's public key (base64 of 32 bytes, or a file holding it), which must sign
        /// every `/v1/admin/` call. Default: DIR/operator.pub, made with DIR/operator.key on
        /// first start.
        #[arg(long, value_name = "B64|FILE")]
        operator_key_pub: Option<String>,
        /// Also run a matching round this often (e.g. `90s`, `15m`, `1h`, `1d`); a round
        /// with nothing to propose logs nothing.
        #[arg(long, value_name = "DUR", value_parser = duration)]
        match_every: Option<std::time::Duration>,
    },
    /// Run a matching round on the running hub at URL (signed by the operator). A round with
    /// nothing to propose appends nothing.
    Match {
        /// The running hub's base URL.
        #[arg(long, value_name = "URL")]
        hub: String,
        /// The operator's private key file (the hub's DIR/operator.key, 0600).
        #[arg(long, value_name = "FILE")]
        operator_key: PathBuf,
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
    /// (signed with the operator's key), or offline in the stopped hub's DIR.
    Add {
        /// The running hub's base URL.
        #[arg(
            long,
            value_name = "URL",
            required_unless_present = "data",
            conflicts_with = "data",
            requires = "operator_key"
        )]
        hub: Option<String>,
        /// The operator's private key file (the hub's DIR/operator.key, 0600); with --hub.
        #[arg(long, value_name = "FILE", conflicts_with = "data")]
        operator_key: Option<PathBuf>,
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
             `rex hub party add --hub URL --operator-key FILE KEYFILE`"
        )),
        e => Failure::other(e.to_string()),
    }
}

pub fn run(args: HubArgs) -> Result<(), Failure> {
    match args.command {
        HubCommand::Serve {
            data,
            listen,
            operator_key_pub,
            match_every,
        } => {
            let operator_key = operator_key_pub
                .as_deref()
                .map(operator_public_key)
                .transpose()?;
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
                    let config = rex_hub::HubConfig {
                        operator_key,
                        match_every,
                        ..rex_hub::HubConfig::default()
                    };
                    let bound = rex_hub::bind_with(&data, listen, config).await?;
                    eprintln!(
                        "rex hub: serving {} on http://{}",
                        bound.origin(),
                        bound.local_addr()
                    );
                    bound.serve_until_signal().await
                })
                .map_err(|e| Failure::other(e.to_string()))
        }
        HubCommand::Match { hub, operator_key } => {
            let client = operator_client(&hub, &operator_key)?;
            match client.run_matching_round().map_err(crate::failure::fail)? {
                Some(receipt) => println!(
                    "matching round logged at index {}; tree size {}",
                    receipt.index, receipt.tree_size
                ),
                None => println!("nothing to match: no round logged"),
            }
            Ok(())
        }
        HubCommand::Vkeys { data } => {
            print!("{}", vkeys(&data)?);
            Ok(())
        }
        HubCommand::Party {
            command:
                PartyCommand::Add {
                    hub,
                    operator_key,
                    data,
                    keyfile,
                },
        } => {
            let text = std::fs::read_to_string(&keyfile)
                .map_err(|e| Failure::input(format!("{}: {e}", keyfile.display())))?;
            let keys = PublicKeyFile::from_json(&text)
                .map_err(|e| Failure::input(format!("{}: {e}", keyfile.display())))?;
            let (party, keyid) = (keys.party(), keys.keyid());
            let Some(data) = data else {
                let (Some(url), Some(operator_key)) = (hub, operator_key) else {
                    unreachable!("clap requires --hub with --operator-key, or --data");
                };
                let client = operator_client(&url, &operator_key)?;
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

/// `--operator-key-pub`: base64 of the key, or a file holding it.
fn operator_public_key(arg: &str) -> Result<ed25519_dalek::VerifyingKey, Failure> {
    if let Ok(key) = rex_hub::keys::parse_operator_pub(arg) {
        return Ok(key);
    }
    let text = std::fs::read_to_string(arg).map_err(|e| {
        Failure::input(format!(
            "--operator-key-pub {arg}: neither a base64 public key nor a readable file ({e})"
        ))
    })?;
    rex_hub::keys::parse_operator_pub(&text).map_err(|e| Failure::input(format!("{arg}: {e}")))
}

/// A client of the hub at `url` that signs as the operator with the key in `key_file`, for
/// the hub's origin (read from `GET /v1/hub`: a signature for one hub is refused by another).
fn operator_client(url: &str, key_file: &Path) -> Result<rex_node::HubClient, Failure> {
    let key =
        rex_hub::keys::read_operator_key(key_file).map_err(|e| Failure::input(e.to_string()))?;
    let client = rex_node::HubClient::new(url).map_err(crate::failure::fail)?;
    let origin = client.hub_info().map_err(crate::failure::fail)?.origin;
    Ok(client.signing_with(rex_node::RequestKey::new(
        rex_api::auth::OPERATOR,
        key,
        &origin,
        || SystemClock.now(),
    )))
}

/// A duration: a whole number and a unit, `s`, `m`, `h` or `d` (`90s`, `15m`, `1h`, `1d`).
fn duration(text: &str) -> Result<std::time::Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{text:?} is not a duration: write e.g. 90s, 15m, 1h or 1d"
            ))
        }
    };
    let seconds = number
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .and_then(|n| n.checked_mul(unit))
        .filter(|s| *s <= 366 * 86_400)
        .ok_or_else(|| {
            format!("{text:?}: give a whole number of at least 1, and at most a year")
        })?;
    Ok(std::time::Duration::from_secs(seconds))
}
