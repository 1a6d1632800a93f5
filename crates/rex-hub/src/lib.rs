//! `rex-hub`: the hub, the only crate of the hub that knows HTTP. Its bodies are the `rex-api`
//! types, shared with the node.
//!
//! **Key design decision: one sequencer applies and logs, in one order, by group commit.**
//! Every write (a state's statement, a matching round, the hub's own go and lapse statements)
//! goes through a single sequencer task. It collects jobs for a short window (or until a batch
//! is full), applies them in arrival order to the [`rex_domain::Registry`], appends the
//! accepted ones as one durable transaction of its store together with the one checkpoint it signed
//! for them ([`rex_store::HubStore::append`]), and only then answers every waiting request
//! with its receipt. So the state machine's order *is* the log's order, an acknowledged
//! statement is always on disk (invariant 6), one `fsync` serves a whole batch, and readers of
//! the registry (who take its lock only between batches) never see a statement that is not
//! durable. If the write fails, the registry is rebuilt from the log and the batch is answered
//! `internal`.
//!
//! **The log is the source of truth.** On start the hub replays every log entry through
//! [`rex_domain::Registry::apply`] to rebuild the registry, and checks the tree against its
//! latest checkpoint; nothing else about the registry is stored. A log entry is
//! `{"time":<acceptance unix seconds>,"envelope":<Envelope::to_json>}`.
//!
//! Further decisions:
//!
//! - The store is a [`HubStore`] trait object: [`Hub::open`] opens SQLite (`hub.db`),
//!   [`Hub::open_with_store`] takes any other, so a new database is a new crate, not an edit of
//!   the engine.
//! - Keys live in files under the data directory (0600), not in the database ([`keys`]).
//! - The data directory is locked (`hub.lock`) by the one process that writes it: a serving
//!   hub, or `rex hub party add` working offline. A second one is refused ([`HubError::Busy`]).
//! - Time is injected ([`Clock`]); tests drive a [`ManualClock`].
//! - Dossiers are uploaded and downloaded by registered states only (signed requests): each
//!   state's uploads count against its quota ([`DossierLimits`]), a dossier is served to its
//!   uploader, to the requester and custodian of a request that references it and to the
//!   recipients of a message that its uploader sent and that references it (a message's
//!   ciphertext is an upload like a dossier), and the sequencer deletes uploads no statement references once
//!   they are older than the time to live. Collection runs in the sequencer, between batches, so no statement that references
//!   a dossier can be applied while its dossier is being judged unreferenced.
//! - Matching rounds are idempotent: a round that proposes nothing is not logged (the answer
//!   says so), so asking again, or a schedule ([`HubConfig::match_every`], run by the
//!   sequencer on the hub's clock), never fills the log with empty rounds.
//! - The operator is a key, not an address: every `/v1/admin/` call must carry the operator's
//!   signature ([`rex_api::auth`], checked in `auth.rs` against the hub's clock and a replay
//!   window). Where the call comes from is never a credential: a reverse proxy on the hub's
//!   machine makes everyone a loopback peer. The hub holds only the operator's public key
//!   ([`keys::operator_key`]).
//! - Cosignatures: a node cosigns a checkpoint (c2sp.org/tlog-cosignature, `cosignature/v1`)
//!   with its registered Ed25519 *statement* key, under the key name of its party code
//!   (`US`). The hub checks it against the key in the registry and keeps the line for that
//!   checkpoint. Reusing the statement key is safe: a cosignature signs
//!   `cosignature/v1\ntime ...` and a statement signs a DSSE `DSSEv1 ...` encoding, so neither
//!   can be passed off as the other.
//! - Evidence of a split view (`POST /v1/evidence`): a node reports two checkpoints signed by
//!   this hub's key that conflict. The hub keeps a pair only if it checks the conflict itself
//!   (same size and two roots, or a root that is not its own tree's at that size), so only
//!   what its key signed can fill the list, and lists it to every node (`GET /v1/evidence`):
//!   an honest operator whose keys were copied learns it there.
//! - Errors: the engine refuses a job with a [`Refusal`], which says nothing of HTTP; `http.rs`
//!   alone maps it to an [`AppError`], which answers `{code, message}`, logs internals, never
//!   sends database text.
//! - The library prints nothing: [`bind`] returns the bound address and the log's origin for the
//!   caller to report, then serves.

mod auth;
pub mod clock;
mod engine;
mod error;
mod http;
pub mod keys;
mod serve;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rex_domain::{PublicKeyFile, Registry};
use rex_store::HubStore;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::error::{rejection_status, AppError, HubError};
pub use crate::http::{app, ApiDoc, MAX_DOSSIER_BYTES, MAX_EVIDENCE_BYTES, MAX_STATEMENT_BYTES};
pub use crate::keys::HubKeys;
pub use crate::serve::ConnectionLimits;
/// The contract's bodies, re-exported: the hub speaks exactly `rex-api`.
pub use rex_api::{
    CosignatureBody, CosignatureTaken, DossierStored, EnvelopeBody, ErrorBody, HubInfo,
    MatchAnswer, NextSeq, Proof, Receipt, RegistrySnapshot,
};

pub use crate::engine::Refusal;
use crate::engine::{Core, Job, OpenStore, PartyKeys, Published};

/// How the sequencer batches.
#[derive(Clone, Copy, Debug)]
pub struct GroupCommit {
    /// After the first job of a batch, how long to wait for more.
    pub window: Duration,
    /// Most jobs in one batch.
    pub max_batch: usize,
    /// How often an idle hub checks for hub statements that have come due (lapses).
    pub tick: Duration,
    /// Jobs that may wait for the sequencer; senders wait beyond that.
    pub queue: usize,
}

impl Default for GroupCommit {
    fn default() -> Self {
        GroupCommit {
            window: Duration::from_millis(2),
            max_batch: 1024,
            tick: Duration::from_secs(1),
            queue: 8192,
        }
    }
}

/// The hub's configuration.
#[derive(Clone)]
pub struct HubConfig {
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Group commit parameters.
    pub group_commit: GroupCommit,
    /// What one peer may hold when the hub is served ([`serve_on`]).
    pub connections: ConnectionLimits,
    /// The operator's public key, which signs every `/v1/admin/` call; `None`: the one in
    /// `DIR/operator.pub`, or a key pair the hub makes on first start ([`keys::operator_key`]).
    pub operator_key: Option<ed25519_dalek::VerifyingKey>,
    /// Run a matching round this often (the hub's clock; whole seconds, at least one), besides
    /// the rounds the operator asks for; `None`: only those.
    pub match_every: Option<Duration>,
    /// What each state may hold in uploaded dossiers, and how long an upload no statement
    /// references is kept.
    pub dossiers: DossierLimits,
}

/// Bounds on uploaded dossiers.
#[derive(Clone, Copy, Debug)]
pub struct DossierLimits {
    /// Bytes of dossiers one state may hold at the hub.
    pub quota: u64,
    /// An upload that no statement references this long after it was made is deleted.
    pub ttl: Duration,
}

impl Default for DossierLimits {
    fn default() -> Self {
        DossierLimits {
            quota: 1 << 30,
            ttl: Duration::from_secs(24 * 3600),
        }
    }
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            clock: Arc::new(SystemClock),
            group_commit: GroupCommit::default(),
            connections: ConnectionLimits::default(),
            operator_key: None,
            match_every: None,
            dossiers: DossierLimits::default(),
        }
    }
}

/// What the handlers share.
pub struct Shared {
    store: Arc<dyn HubStore>,
    keys: Arc<HubKeys>,
    registry: Arc<std::sync::RwLock<Registry>>,
    published: Arc<std::sync::RwLock<Published>>,
    party_keys: Arc<std::sync::RwLock<PartyKeys>>,
    jobs: mpsc::Sender<Job>,
    clock: Arc<dyn Clock>,
    /// The operator's public key.
    operator: ed25519_dalek::VerifyingKey,
    /// Bounds on uploaded dossiers.
    dossiers: DossierLimits,
}

/// The router's state: a handle on the hub.
pub type AppState = Arc<Shared>;

impl Shared {
    /// The size of the latest published checkpoint.
    pub fn published_size(&self) -> u64 {
        self.published
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .size
    }

    /// The latest published checkpoint note.
    pub fn published_note(&self) -> String {
        self.published
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .note
            .to_string()
    }

    /// The hub's keys.
    pub fn keys(&self) -> &HubKeys {
        &self.keys
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn HubStore> {
        &self.store
    }

    /// The operator's public key, which signs every `/v1/admin/` call.
    pub fn operator_key(&self) -> ed25519_dalek::VerifyingKey {
        self.operator
    }

    /// The statement keys of the registered states, as of the last durable batch.
    pub(crate) fn party_keys(&self) -> std::sync::RwLockReadGuard<'_, PartyKeys> {
        self.party_keys.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Deletes the uploaded dossiers that no statement references and that are older than the
    /// configured time to live, by the hub's clock now; returns how many. The hub does this by
    /// itself every hour of its clock; tests call it after moving the clock.
    pub async fn collect_dossiers(&self) -> Result<u64, Refusal> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Job::Collect { reply })
            .await
            .map_err(|_| Refusal::Poisoned)?;
        answer.await.map_err(|_| Refusal::Poisoned)?
    }

    /// A copy of the registry, as of the last durable batch. Waits for a batch being
    /// committed, so call it off the async threads (or accept a wait of one commit).
    pub async fn registry(&self) -> Registry {
        let registry = Arc::clone(&self.registry);
        tokio::task::spawn_blocking(move || read_registry(&registry).clone())
            .await
            .expect("cloning the registry does not panic")
    }
}

/// Reads the registry, waiting for a batch being committed.
pub(crate) fn read_registry(
    registry: &std::sync::RwLock<Registry>,
) -> std::sync::RwLockReadGuard<'_, Registry> {
    registry.read().unwrap_or_else(|p| p.into_inner())
}

/// A running hub: its state for [`app`], and its sequencer.
pub struct Hub {
    state: AppState,
    sequencer: JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
    connections: ConnectionLimits,
}

impl Hub {
    /// Opens the hub in `data_dir` (creating it, its keys and its SQLite database `hub.db` on
    /// first start), replays the log, and starts the sequencer. Must be called inside a tokio
    /// runtime.
    pub async fn open(data_dir: &Path, config: HubConfig) -> Result<Hub, HubError> {
        Hub::start(data_dir, Box::new(sqlite_store), config).await
    }

    /// Opens the hub whose keys and lock are in `data_dir` and whose log is in `store` (any
    /// [`HubStore`]: another database is a new crate, not an edit of the engine), replays the
    /// log, and starts the sequencer. Must be called inside a tokio runtime.
    pub async fn open_with_store(
        data_dir: &Path,
        store: Arc<dyn HubStore>,
        config: HubConfig,
    ) -> Result<Hub, HubError> {
        Hub::start(data_dir, Box::new(move |_: &Path| Ok(store)), config).await
    }

    async fn start(
        data_dir: &Path,
        open_store: OpenStore,
        config: HubConfig,
    ) -> Result<Hub, HubError> {
        let dir = data_dir.to_path_buf();
        let configured = config.operator_key;
        let schedule = config.match_every.map(|d| d.as_secs().max(1));
        let ttl = config.dossiers.ttl.as_secs();
        let now = config.clock.now();
        let (core, operator) = tokio::task::spawn_blocking(move || {
            let mut core = Core::open(&dir, open_store)?;
            if let Some(every) = schedule {
                core.schedule_rounds(every, now);
            }
            core.collect_dossiers_after(ttl, now);
            // After `Core::open`, which made the directory and holds its lock.
            let operator = keys::operator_key(&dir, configured)?;
            Ok::<_, HubError>((core, operator))
        })
        .await
        .map_err(|e| HubError::Io(format!("opening the hub: {e}")))??;
        let (jobs, rx) = mpsc::channel(config.group_commit.queue);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let connections = config.connections;
        let state = Arc::new(Shared {
            store: Arc::clone(&core.store),
            keys: Arc::clone(&core.keys),
            registry: Arc::clone(&core.registry),
            published: Arc::clone(&core.published),
            party_keys: Arc::clone(&core.party_keys),
            jobs,
            clock: Arc::clone(&config.clock),
            operator,
            dossiers: config.dossiers,
        });
        let sequencer = tokio::spawn(sequencer(core, rx, stopped, config));
        Ok(Hub {
            state,
            sequencer,
            stop,
            connections,
        })
    }

    /// The state to build the router with.
    pub fn state(&self) -> AppState {
        Arc::clone(&self.state)
    }

    /// Stops the sequencer after the batch in hand and releases the data directory. Jobs still
    /// queued are answered `unavailable`.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.sequencer.await;
    }
}

/// The sequencer: batches jobs, commits each batch on a blocking thread, repeats.
async fn sequencer(
    mut core: Core,
    mut rx: mpsc::Receiver<Job>,
    mut stop: tokio::sync::watch::Receiver<bool>,
    config: HubConfig,
) {
    let gc = config.group_commit;
    loop {
        let mut batch = Vec::new();
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            job = rx.recv() => match job {
                Some(job) => batch.push(job),
                None => break,
            },
            () = tokio::time::sleep(gc.tick) => {}
        }
        if !batch.is_empty() {
            let deadline = Instant::now() + gc.window;
            while batch.len() < gc.max_batch {
                match rx.try_recv() {
                    Ok(job) => {
                        batch.push(job);
                        continue;
                    }
                    Err(mpsc::error::TryRecvError::Disconnected) => break,
                    Err(mpsc::error::TryRecvError::Empty) => {}
                }
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(job)) => batch.push(job),
                    _ => break,
                }
            }
        }
        let now = config.clock.now();
        let committed = tokio::task::spawn_blocking(move || {
            core.commit(batch, now);
            core
        })
        .await;
        match committed {
            Ok(c) => core = c,
            Err(e) => {
                tracing::error!(error = %e, "the sequencer panicked; the hub stops writing");
                return;
            }
        }
    }
    rx.close();
    while let Ok(job) = rx.try_recv() {
        drop(job);
    }
    // Dropping the core releases the data directory's lock, on a blocking thread since it
    // closes database connections.
    let _ = tokio::task::spawn_blocking(move || drop(core)).await;
}

/// Registers a party offline: opens the data directory (refused with [`HubError::Busy`] while
/// a hub serves it), signs a `party_registered` statement with the hub's key, appends it with
/// a new checkpoint. Returns the statement's leaf index and the new tree size.
pub fn register_party(
    data_dir: &Path,
    keys: PublicKeyFile,
    clock: &dyn Clock,
) -> Result<(u64, u64), HubError> {
    let mut core = Core::open(data_dir, Box::new(sqlite_store))?;
    let accepted = core.register_party(keys, clock.now())?;
    Ok((accepted.index, core.size()))
}

/// The default store: SQLite, `hub.db` in the data directory.
fn sqlite_store(data_dir: &Path) -> Result<Arc<dyn HubStore>, HubError> {
    Ok(Arc::new(rex_store::SqliteStore::open(
        data_dir.join("hub.db"),
    )?))
}

/// A hub bound to its listening socket, not yet serving: the caller learns the address (the
/// port the system chose for `:0`) and reports it as it likes, since the library prints nothing.
pub struct Bound {
    hub: Hub,
    listener: tokio::net::TcpListener,
    local: SocketAddr,
}

/// Opens the hub in `data_dir` ([`Hub::open`]) and binds `listen`.
pub async fn bind(data_dir: &Path, listen: SocketAddr) -> Result<Bound, HubError> {
    bind_with(data_dir, listen, HubConfig::default()).await
}

/// [`bind`] with a configuration.
pub async fn bind_with(
    data_dir: &Path,
    listen: SocketAddr,
    config: HubConfig,
) -> Result<Bound, HubError> {
    let hub = Hub::open(data_dir, config).await?;
    Bound::new(hub, listen).await
}

impl Bound {
    /// Binds `listen` for `hub`.
    pub async fn new(hub: Hub, listen: SocketAddr) -> Result<Bound, HubError> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| HubError::Io(format!("cannot listen on {listen}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| HubError::Io(e.to_string()))?;
        Ok(Bound {
            hub,
            listener,
            local,
        })
    }

    /// The address bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        self.hub.state.keys.origin()
    }

    /// Serves until `shutdown` completes ([`serve_on`]).
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), HubError> {
        tracing::info!(origin = %self.origin(), local = %self.local, "rex hub serving");
        serve_on(self.hub, self.listener, shutdown).await
    }

    /// Serves until SIGINT or SIGTERM.
    pub async fn serve_until_signal(self) -> Result<(), HubError> {
        self.serve(shutdown_signal()).await
    }
}

/// Serves `hub`'s API on `listener` within its [`ConnectionLimits`] until `shutdown`
/// completes, then stops the hub's sequencer. Peers' addresses are visible to handlers
/// (`ConnectInfo`) for logging; no handler trusts them: the operator is whoever signs with the
/// operator's key.
pub async fn serve_on(
    hub: Hub,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), HubError> {
    let router = app(hub.state());
    serve::serve(listener, router, hub.connections, shutdown).await;
    hub.shutdown().await;
    Ok(())
}

/// Serves any `router` (the officers' desk of `rex node serve`) on `listener` within
/// `limits` until `shutdown` completes: the hub's bounded connections (head and body read
/// timeouts, a cap on connections) for another service.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    serve::serve(listener, router, limits, shutdown).await;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
