//! [`TestHub`]: a hub on a temporary data directory with a manual clock, driven through its
//! real router with really signed statements, or served on loopback.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt as _;
use rex_domain::{Action, Actor, Envelope, PublicKeyFile, Registry, Statement};
use rex_hub::{
    AppState, Clock as _, ConnectionLimits, GroupCommit, Hub, HubConfig, HubError, ManualClock,
    Receipt,
};
use rex_tlog::{leaf_hash, verify_inclusion, Checkpoint, Hash, NoteVerifier, SignedNote};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

use crate::fixtures::{key_file, key_of, T0};
use crate::start;

/// How long [`TestHub::wait_for_registry`] waits before it fails: far beyond anything a
/// working hub needs on the slowest machine, so that only a broken hub reaches it.
const PATIENCE: Duration = Duration::from_secs(60);

/// A test hub's batching: a short window, and a tick fast enough for tests that wait for the
/// idle hub to record what has come due.
pub fn fast_commit() -> GroupCommit {
    GroupCommit {
        window: Duration::from_millis(5),
        tick: Duration::from_millis(20),
        ..GroupCommit::default()
    }
}

/// What the hub answered.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The body as JSON, or `null` if it is not JSON.
    pub json: Value,
    /// The body.
    pub bytes: Vec<u8>,
}

/// Whether the hub runs, and how.
enum Running {
    Stopped,
    /// Reached through [`TestHub::router`] only.
    InProcess(Hub),
    /// Also served on loopback; the task stops the hub once `stop` is sent (or dropped).
    Served {
        stop: oneshot::Sender<()>,
        task: JoinHandle<Result<(), HubError>>,
    },
}

/// A hub on a temporary data directory (removed when dropped) and a [`ManualClock`] starting
/// at [`T0`]. Its async methods must run on a tokio runtime (`#[tokio::test]`, or
/// [`crate::LoopbackHub`] for synchronous tests).
pub struct TestHub {
    dir: tempfile::TempDir,
    /// The hub's clock: the test moves it.
    pub clock: Arc<ManualClock>,
    /// The configuration every start uses (its clock is [`TestHub::clock`]).
    config: HubConfig,
    /// The running hub's router (an empty one while the hub is stopped).
    pub router: Router,
    state: Option<AppState>,
    running: Running,
    /// The loopback address, once served. Kept across restarts: nodes pin the hub's URL.
    addr: Option<SocketAddr>,
    /// The next nonce of a signed request.
    nonces: AtomicU64,
    /// The log's origin, known once the hub first started (and kept while it is stopped).
    origin: String,
}

impl TestHub {
    /// A fresh hub with these parties registered offline, as an operator would (keys by
    /// [`key_of`]), batching by [`fast_commit`]; running, not served.
    pub async fn new(parties: &[&str]) -> TestHub {
        TestHub::with_config(parties, |_| {}).await
    }

    /// The same, batching by `group_commit`.
    pub async fn with_group_commit(parties: &[&str], group_commit: GroupCommit) -> TestHub {
        TestHub::with_config(parties, |c| c.group_commit = group_commit).await
    }

    /// The same as [`TestHub::new`], served (once [`TestHub::serve`] is called) within
    /// `connections`: the tests of slow and too many clients set short ones.
    pub async fn with_connection_limits(
        parties: &[&str],
        connections: ConnectionLimits,
    ) -> TestHub {
        TestHub::with_config(parties, |c| c.connections = connections).await
    }

    /// The same, with a configuration that `configure` adjusts (batching by [`fast_commit`]
    /// and the manual clock unless it changes them).
    pub async fn with_config(parties: &[&str], configure: impl FnOnce(&mut HubConfig)) -> TestHub {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        let clock = Arc::new(ManualClock::new(T0));
        let mut config = HubConfig {
            clock: clock.clone(),
            group_commit: fast_commit(),
            ..HubConfig::default()
        };
        configure(&mut config);
        for p in parties {
            rex_hub::register_party(dir.path(), key_file(p), &*clock)
                .unwrap_or_else(|e| panic!("registering {p}: {e}"));
        }
        let mut t = TestHub {
            dir,
            clock,
            config,
            router: Router::new(),
            state: None,
            running: Running::Stopped,
            addr: None,
            nonces: AtomicU64::new(0),
            origin: String::new(),
        };
        t.start().await;
        t
    }

    /// Starts the stopped hub on its data directory (served again on the same address if it
    /// was served before); panics if it refuses to start.
    pub async fn start(&mut self) {
        if let Err(e) = self.try_start().await {
            panic!("the hub in {} did not start: {e}", self.path().display());
        }
    }

    /// Starts the stopped hub, or returns why it refuses to.
    pub async fn try_start(&mut self) -> Result<(), HubError> {
        assert!(
            matches!(self.running, Running::Stopped),
            "the hub is already running"
        );
        let hub = start::open(self.dir.path(), self.config.clone()).await?;
        self.origin = hub.state().keys().origin().to_owned();
        self.state = Some(hub.state());
        self.router = rex_hub::app(hub.state());
        self.running = Running::InProcess(hub);
        if self.addr.is_some() {
            self.try_serve().await?;
        }
        Ok(())
    }

    /// Serves the running hub on loopback (on `127.0.0.1:0` the first time, on the same
    /// address after a restart) and returns its URL. The router stays usable too.
    pub async fn serve(&mut self) -> String {
        if let Err(e) = self.try_serve().await {
            panic!("serving the hub on loopback: {e}");
        }
        self.url()
    }

    async fn try_serve(&mut self) -> Result<(), HubError> {
        let Running::InProcess(hub) = std::mem::replace(&mut self.running, Running::Stopped) else {
            panic!("only a running hub that is not served yet can be served");
        };
        let addr = self
            .addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            // A dropped sender stops the hub as well as a sent stop.
            let _ = stopped.await;
        };
        match start::serve(hub, addr, shutdown).await {
            Ok((bound, task)) => {
                self.addr = Some(bound);
                self.running = Running::Served { stop, task };
                Ok(())
            }
            Err(e) => {
                self.router = Router::new();
                self.state = None;
                Err(e)
            }
        }
    }

    /// `http://127.0.0.1:PORT`, once served.
    pub fn url(&self) -> String {
        let addr = self.addr.expect("the hub was never served");
        format!("http://{addr}")
    }

    /// Stops the hub: the server (if served) closes, the sequencer finishes the batch in hand,
    /// the data directory is released. Checks that the server ended cleanly.
    pub async fn stop(&mut self) {
        self.router = Router::new();
        self.state = None;
        match std::mem::replace(&mut self.running, Running::Stopped) {
            Running::Stopped => {}
            Running::InProcess(hub) => hub.shutdown().await,
            Running::Served { stop, task } => {
                // The server may have ended already (and dropped the receiver): its outcome
                // is checked below either way.
                let _ = stop.send(());
                let served = task
                    .await
                    .unwrap_or_else(|e| panic!("the serving task failed: {e}"));
                if let Err(e) = served {
                    panic!("the hub stopped serving with an error: {e}");
                }
            }
        }
    }

    /// Stops and starts the hub on the same data directory.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start().await;
    }

    /// Registers parties the way an operator does before a hub serves them: stops the hub,
    /// imports their key files offline, starts it again.
    pub async fn register(&mut self, files: impl IntoIterator<Item = PublicKeyFile>) {
        self.stop().await;
        for file in files {
            let code = file.party();
            rex_hub::register_party(self.dir.path(), file, &*self.clock)
                .unwrap_or_else(|e| panic!("registering {code}: {e}"));
        }
        self.start().await;
    }

    /// The log's origin (which signed requests name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// A second hub on a copy of this one's data directory: the same keys, the same log, its
    /// own temporary directory and clock (at this hub's time), served on an address of its own
    /// if this one is served. What an operator who wants to show two states two histories
    /// does. This hub is stopped while its files are copied, then started again.
    pub async fn copy(&mut self) -> TestHub {
        self.stop().await;
        let dir = self.copy_files();
        self.start().await;
        TestHub::on_copy(dir, self.now(), self.config.clone(), self.addr.is_some()).await
    }

    /// Copies the files of the stopped hub's data directory into a new temporary directory.
    pub(crate) fn copy_files(&self) -> tempfile::TempDir {
        assert!(
            matches!(self.running, Running::Stopped),
            "copy the files of a stopped hub only"
        );
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        copy_tree(self.dir.path(), dir.path());
        dir
    }

    /// A hub started on `dir` (a copy made by [`TestHub::copy_files`]) at time `now`, served
    /// on a fresh loopback address if `serve`.
    pub(crate) async fn on_copy(
        dir: tempfile::TempDir,
        now: u64,
        config: HubConfig,
        serve: bool,
    ) -> TestHub {
        let clock = Arc::new(ManualClock::new(now));
        let mut copy = TestHub {
            dir,
            config: HubConfig {
                clock: clock.clone(),
                ..config
            },
            clock,
            router: Router::new(),
            state: None,
            running: Running::Stopped,
            addr: None,
            nonces: AtomicU64::new(0),
            origin: String::new(),
        };
        copy.start().await;
        if serve {
            copy.serve().await;
        }
        copy
    }

    /// The configuration every start uses.
    pub(crate) fn config(&self) -> HubConfig {
        self.config.clone()
    }

    /// The data directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The hub's time.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The running hub's state.
    pub fn state(&self) -> AppState {
        self.state.clone().expect("the hub is stopped")
    }

    /// Sends `req` through the router.
    pub async fn request(&self, req: Request<Body>) -> Answer {
        answer(self.router.clone(), req).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Answer {
        self.request(Request::get(path).body(Body::empty()).expect("a request"))
            .await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: impl Into<Body>) -> Answer {
        self.request(
            Request::post(path)
                .header("content-type", "application/json")
                .body(body.into())
                .expect("a request"),
        )
        .await
    }

    /// An unsigned POST from a loopback peer, as axum's `ConnectInfo` would report it: what
    /// the hub's own machine (or a reverse proxy on it) sends without the operator's key.
    pub async fn post_unsigned_from_loopback(&self, path: &str, body: impl Into<Body>) -> Answer {
        let router = self
            .router
            .clone()
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        answer(
            router,
            Request::post(path).body(body.into()).expect("a request"),
        )
        .await
    }

    /// The operator's private key, as the hub made it on first start (`DIR/operator.key`).
    pub fn operator_key(&self) -> SigningKey {
        rex_hub::keys::read_operator_key(&self.path().join(rex_hub::keys::OPERATOR_KEY_FILE))
            .unwrap_or_else(|e| panic!("the operator's key: {e}"))
    }

    /// The `Authorization` value of a request signed by `key` under `name` (`operator` or a
    /// party code), dated `time`; each call takes a new nonce.
    pub fn authorization(
        &self,
        key: &SigningKey,
        name: &str,
        method: &str,
        target: &str,
        time: u64,
        body: &[u8],
    ) -> String {
        let n = self.nonces.fetch_add(1, Ordering::SeqCst);
        let mut nonce = [0u8; rex_api::auth::NONCE_LEN];
        nonce[..8].copy_from_slice(&n.to_le_bytes());
        rex_api::auth::authorization(key, name, &self.origin, method, target, time, &nonce, body)
    }

    /// `method path` with `body`, signed by `key` under `name` at the hub's time.
    pub async fn signed(
        &self,
        name: &str,
        key: &SigningKey,
        method: &str,
        path: &str,
        body: impl Into<Vec<u8>>,
    ) -> Answer {
        let body = body.into();
        let auth = self.authorization(key, name, method, path, self.now(), &body);
        self.request(
            Request::builder()
                .method(method)
                .uri(path)
                .header("authorization", auth)
                .body(Body::from(body))
                .expect("a request"),
        )
        .await
    }

    /// `POST path` signed by the operator: how the operator's CLI calls `/v1/admin/...`.
    pub async fn operator(&self, path: &str, body: impl Into<Vec<u8>>) -> Answer {
        let key = self.operator_key();
        self.signed(rex_api::auth::OPERATOR, &key, "POST", path, body)
            .await
    }

    /// The statement `actor` signs next, with its own key, dated by the hub's clock.
    pub async fn envelope(&self, actor: &str, action: Action) -> Envelope {
        let actor_id: Actor = actor
            .parse()
            .unwrap_or_else(|e| panic!("{actor:?} is not an actor: {e}"));
        let seq = self
            .state()
            .registry()
            .await
            .next_seq(actor_id)
            .unwrap_or(1);
        Envelope::sign_statement(
            &Statement::new(actor_id, seq, self.now(), action),
            &key_of(actor),
        )
    }

    /// `first` proposes an agreement with `second` on [`crate::terms`], `second` signs it: in
    /// force.
    pub async fn agreement_in_force(&self, first: &str, second: &str) -> rex_domain::AgreementId {
        let (e, _) = self
            .act(
                first,
                Action::AgreementProposed {
                    terms: crate::terms(&[second, first]),
                },
            )
            .await;
        let agreement = rex_domain::AgreementId::from_digest(&e.payload_digest());
        self.act(second, Action::AgreementSigned { agreement })
            .await;
        agreement
    }

    /// Signs and submits; the answer must be a receipt, which is checked.
    pub async fn act(&self, actor: &str, action: Action) -> (Envelope, Receipt) {
        let envelope = self.envelope(actor, action).await;
        let answer = self.post("/v1/statements", envelope.to_json()).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
        let receipt: Receipt = serde_json::from_value(answer.json)
            .unwrap_or_else(|e| panic!("the answer is not a receipt: {e}"));
        self.check_receipt(&envelope, &receipt);
        (envelope, receipt)
    }

    /// The hub's checkpoint verifier.
    pub fn verifier(&self) -> NoteVerifier {
        self.state().keys().checkpoint.verifier().clone()
    }

    /// A node's check of a receipt: the checkpoint is the hub's, the entry is this envelope at
    /// the receipt's time, and the inclusion proof leads to the checkpoint's root.
    pub fn check_receipt(&self, envelope: &Envelope, receipt: &Receipt) {
        let note = SignedNote::parse(&receipt.checkpoint).expect("the receipt's checkpoint note");
        let checkpoint = Checkpoint::open(&note, &self.verifier()).expect("the hub's checkpoint");
        assert_eq!(checkpoint.size(), receipt.tree_size);
        assert_eq!(
            receipt.statement_sha256,
            envelope.payload_digest().to_string()
        );
        let proof: Vec<Hash> = receipt
            .inclusion
            .iter()
            .map(|h| h.parse().expect("a proof hash"))
            .collect();
        let leaf = leaf_hash(&rex_domain::log::entry_bytes(receipt.time, envelope));
        verify_inclusion(
            receipt.index,
            receipt.tree_size,
            leaf,
            &proof,
            checkpoint.root(),
        )
        .expect("the receipt's inclusion proof");
    }

    /// The size of the latest published checkpoint.
    pub fn tree_size(&self) -> u64 {
        self.state().published_size()
    }

    /// Polls the registry (every 10 ms) until `probe` finds what it looks for, and returns it;
    /// fails after a bound no working hub comes near. For what the idle hub does by itself
    /// (lapses, breaches), whose moment depends on its tick and on the machine's speed.
    pub async fn wait_for_registry<T>(
        &self,
        what: &str,
        mut probe: impl FnMut(&Registry) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(found) = probe(&self.state().registry().await) {
                return found;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {PATIENCE:?} for {what}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Copies the files under `from` into `to`, directories included, keeping permission bits
/// (`fs::copy` does: key files stay 0600).
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let path = entry.expect("a directory entry").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            std::fs::create_dir(&target)
                .and_then(|()| std::fs::set_permissions(&target, path.metadata()?.permissions()))
                .unwrap_or_else(|e| panic!("creating {}: {e}", target.display()));
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target)
                .unwrap_or_else(|e| panic!("copying {}: {e}", path.display()));
        }
    }
}

async fn answer(router: Router, req: Request<Body>) -> Answer {
    let res = router.oneshot(req).await.expect("the router is infallible");
    let status = res.status();
    let bytes = res
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes()
        .to_vec();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        json,
        bytes,
    }
}
