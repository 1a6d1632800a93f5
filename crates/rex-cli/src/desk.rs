//! `rex node serve` and `rex node officer add|enrol|list|revoke`: the node as a long-running
//! service with the officers' desk (`rex-web`), and the officers the desk knows.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};

use crate::failure::fail;
use crate::Failure;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The node's data directory.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// Where the desk listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// The URL officers open (its host names the passkeys): by default
    /// http://localhost:PORT. An IP address cannot carry passkeys.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// How often the node syncs with the hub: seconds, or a number with s, m, h or d.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    sync_every: String,
}

#[derive(Debug, Subcommand)]
pub enum OfficerCommand {
    /// Enrol an officer; prints a one-time code (valid 24 h) to register a passkey with on the
    /// desk's enrolment page.
    Add {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The short name the officer logs in with (lowercase letters, digits, . - _).
        #[arg(long)]
        handle: String,
        /// The officer's full name.
        #[arg(long)]
        name: String,
        /// case-officer, approver, liaison, auditor or admin; repeat for several (an admin or
        /// an auditor holds no other role).
        #[arg(long = "role", value_name = "ROLE", required = true)]
        roles: Vec<String>,
    },
    /// A new one-time enrolment code for an officer (another passkey, or a lost one).
    Enrol {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The officer's handle.
        handle: String,
    },
    /// List the officers.
    List {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
    /// Revoke an officer: no login nor session from now on.
    Revoke {
        /// The node's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The officer's handle.
        handle: String,
    },
}

use crate::act::now;

fn desk_error(e: rex_web::Error) -> Failure {
    match e {
        rex_web::Error::Input(m) | rex_web::Error::Config(m) => Failure::input(m),
        rex_web::Error::NotFound(m) => Failure::input(m),
        rex_web::Error::Node(e) => fail(e),
        e => Failure::other(e.to_string()),
    }
}

/// The node's data directory, which must hold a node.
fn node_dir(data: &std::path::Path) -> Result<(), Failure> {
    crate::act::open(data).map(|_| ())
}

pub fn officer(command: OfficerCommand) -> Result<(), Failure> {
    match command {
        OfficerCommand::Add {
            data,
            handle,
            name,
            roles,
        } => {
            node_dir(&data)?;
            let roles = rex_web::Roles::new(
                roles
                    .iter()
                    .map(|r| r.parse())
                    .collect::<Result<_, _>>()
                    .map_err(Failure::input)?,
            )
            .map_err(Failure::input)?;
            let (o, code) =
                rex_web::add_officer(&data, &handle, &name, roles, now()).map_err(desk_error)?;
            println!(
                "officer {} ({}) enrolled as {}; enrolment code {code} (one use, valid 24 h): open the desk's /enrol page",
                o.handle,
                o.name,
                o.roles.labels()
            );
        }
        OfficerCommand::Enrol { data, handle } => {
            node_dir(&data)?;
            let (o, code) = rex_web::new_enrolment(&data, &handle, now()).map_err(desk_error)?;
            println!(
                "enrolment code for {}: {code} (one use, valid 24 h)",
                o.handle
            );
        }
        OfficerCommand::List { data } => {
            node_dir(&data)?;
            for o in rex_web::officers(&data).map_err(desk_error)? {
                println!(
                    "{}\t{}\t{}\t{}",
                    o.handle,
                    o.name,
                    o.roles,
                    if o.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    }
                );
            }
        }
        OfficerCommand::Revoke { data, handle } => {
            node_dir(&data)?;
            let o = rex_web::revoke_officer(&data, &handle, now()).map_err(desk_error)?;
            println!("officer {} revoked", o.handle);
        }
    }
    Ok(())
}

pub fn serve(args: ServeArgs) -> Result<(), Failure> {
    let every = crate::node::seconds(&args.sync_every)?.max(1);
    let node = crate::act::open(&args.data)?;
    let party = node.party();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::other(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| Failure::other(format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::other(e.to_string()))?;
        let port = addr.port();
        let public_url = args
            .public_url
            .unwrap_or_else(|| format!("http://localhost:{port}"));
        let desk = rex_web::Desk::with_node(node, rex_web::Config::new(&public_url))
            .map_err(desk_error)?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let sync = tokio::spawn(
            Arc::clone(&desk).run_sync_loop(std::time::Duration::from_secs(every), stopped),
        );
        eprintln!(
            "rex node: desk of {party} at {public_url} (listening on {addr}), syncing every {}",
            rex_node::witness::duration(every)
        );
        rex_hub::serve_router(
            listener,
            rex_web::router(desk),
            rex_hub::ConnectionLimits::default(),
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
        )
        .await;
        let _ = stop.send(true);
        let _ = sync.await;
        Ok(())
    })
}
