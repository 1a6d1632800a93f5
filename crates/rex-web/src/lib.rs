//! `rex-web`: the officers' desk, the web UI that a state's node serves (`rex node serve`).
//!
//! The people who run rex are the officers of each state's central authority: case officers,
//! approvers, liaison officers, auditors and the node's admin. The desk is where they work:
//! what awaits them, the work queue by due date, a page per case with its dossier decrypted on
//! this node, each exchange with its cycle drawn and its all-or-nothing execution board
//! (`board`), drafts of binding acts (filing and answering requests, signing an exchange, each
//! step of a leg) approved by a second officer after a fresh passkey check (`drafts`), messages
//! with the other states and their receipts, signed by the liaison officer when the node holds
//! the officer's key (`messages`), the log and its witnesses, the evidence of every statement
//! with a bundle to download (`evidence`: the hub's inclusion proof verified on this node
//! against its own checkpoint, never taken on the hub's word), each request's screening
//! checklist (the dossier rules evaluated by this node on every sync), and the officers
//! themselves with their keys certified in the log.
//!
//! **Design.**
//! - Server-rendered HTML (askama templates in `templates/`, checked at compile time and
//!   escaped), every page readable and every form usable without JavaScript; the only script
//!   (`assets/webauthn.js`) runs the WebAuthn ceremonies of login and enrolment.
//! - Handlers parse, call `rex-node`, render; the desk holds no domain logic. Pages read a
//!   [`View`]: the registry the node last replayed from the log and the node's health, kept
//!   fresh by the sync loop ([`Desk::sync_now`], [`Desk::run_sync_loop`]), so a page never
//!   waits for the hub.
//! - Officers log in with passkeys only (WebAuthn with user verification, `webauthn-rs`): no
//!   passwords, phishing-resistant. The admin enrols an officer on the command line
//!   (`rex node officer add`), which prints a one-time code; the officer registers a passkey
//!   with it on the enrolment page.
//! - Sessions live in the desk's own SQLite file ([`db`]): a 256-bit random id in an
//!   `HttpOnly; SameSite=Strict` cookie, only its SHA-256 stored, [`db::SESSION_IDLE`] idle
//!   and [`db::SESSION_MAX`] absolute limits on the injected clock.
//! - Every answer carries a strict Content-Security-Policy (`default-src 'self'`, no inline
//!   script or style), `no-store`, `no-referrer`, `nosniff`, `frame-ancestors 'none'`;
//!   cross-site form posts are refused (tower-http's CSRF layer: `Sec-Fetch-Site` and
//!   `Origin`). A dossier's attachment is the other state's content: it is checked, then served
//!   as a file to save under a stricter, sandboxing policy, never as a page of the desk
//!   (`attachments`).
//! - Roles are separated ([`role::Roles`]): an admin holds no other role and never sees a
//!   dossier in clear; an auditor holds no other role and changes nothing.

mod attachments;
mod board;
pub mod cycle;
pub mod db;
mod drafts;
mod evidence;
mod ledger;
mod messages;
mod profile;
pub mod role;
mod web;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use rex_domain::{PartyId, Registry};
use rex_node::{Node, SyncReport};

pub use db::{DeskStore, Officer};
pub use drafts::STEP_UP_TTL;
pub use role::{Role, Roles};
pub use web::{router, CSP, QUEUE_PAGE};

/// What went wrong, for people.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input.
    #[error("{0}")]
    Input(String),
    /// Not allowed.
    #[error("{0}")]
    Denied(String),
    /// No such thing.
    #[error("{0}")]
    NotFound(String),
    /// The desk's store.
    #[error("desk store {0}")]
    Store(String),
    /// The node.
    #[error(transparent)]
    Node(#[from] rex_node::Error),
    /// The desk's configuration.
    #[error("{0}")]
    Config(String),
}

/// The clock: unix seconds. Injected so that tests move time.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// What the pages show: the registry as this node last replayed it and the node's health.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// The registry replayed from the log at the last successful sync.
    pub registry: Option<Arc<Registry>>,
    /// The last successful sync's report.
    pub report: Option<SyncReport>,
    /// The statements of the log verified at the last sync, by index (what the pages link to
    /// the evidence view with).
    pub log: Arc<Vec<rex_node::Logged>>,
    /// When the last sync succeeded (unix seconds).
    pub synced_at: Option<u64>,
    /// When the last sync was tried.
    pub tried_at: Option<u64>,
    /// Why the last sync failed, if it did (the hub unreachable, evidence of a split view, an
    /// alarm); cleared by the next success.
    pub error: Option<String>,
}

/// The desk's configuration.
#[derive(Clone)]
pub struct Config {
    /// The URL officers open, e.g. `http://us.localhost:8080`: its host is the WebAuthn
    /// relying party id, and it is the only origin allowed to post forms.
    pub public_url: String,
    /// The clock.
    pub clock: Clock,
}

impl Config {
    /// The desk at `public_url`, on the system clock.
    pub fn new(public_url: &str) -> Config {
        Config {
            public_url: public_url.trim_end_matches('/').to_owned(),
            clock: Arc::new(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            }),
        }
    }
}

/// The desk of one state's node: the node (behind a lock: one act at a time), the desk's
/// store, the view the pages read, and the WebAuthn relying party.
pub struct Desk {
    pub(crate) party: PartyId,
    pub(crate) dir: PathBuf,
    pub(crate) node: Mutex<Node>,
    pub(crate) store: Mutex<DeskStore>,
    pub(crate) view: RwLock<View>,
    pub(crate) config: Config,
    pub(crate) webauthn: webauthn_rs::Webauthn,
    pub(crate) ceremonies: web::Ceremonies,
}

impl Desk {
    /// The desk of the node in `dir` (which `rex node init` made), at `config.public_url`.
    pub fn open(dir: &Path, config: Config) -> Result<Arc<Desk>, Error> {
        let node = rex_node::open(dir)?;
        Desk::with_node(node, config)
    }

    /// The desk of an opened node.
    pub fn with_node(node: Node, config: Config) -> Result<Arc<Desk>, Error> {
        let dir = node.dir().to_path_buf();
        let store = DeskStore::open(&dir)?;
        let webauthn = web::relying_party(&config.public_url, node.party())?;
        Ok(Arc::new(Desk {
            party: node.party(),
            dir,
            node: Mutex::new(node),
            store: Mutex::new(store),
            view: RwLock::new(View::default()),
            config,
            webauthn,
            ceremonies: web::Ceremonies::default(),
        }))
    }

    /// The state whose desk this is.
    pub fn party(&self) -> PartyId {
        self.party
    }

    /// The node's data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the pages show now.
    pub fn view(&self) -> View {
        self.view.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn now(&self) -> u64 {
        (self.config.clock)()
    }

    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, DeskStore> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn node(&self) -> std::sync::MutexGuard<'_, Node> {
        self.node.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The node itself, locked, for tests and scripted set-up (officer keys, policies).
    #[doc(hidden)]
    pub fn node_for_tests(&self) -> std::sync::MutexGuard<'_, Node> {
        self.node()
    }

    /// Signs and submits `action` as this state's node (for scripted use and tests: no
    /// officer signs it), then syncs so that the pages show it.
    pub fn act(&self, action: rex_domain::Action) -> Result<rex_node::Submitted, Error> {
        let submitted = self.node().submit(action)?;
        self.sync_now()?;
        Ok(submitted)
    }

    /// Syncs the node with the hub once (checks the log, replays it, cosigns; see
    /// [`Node::sync`]), logs the delivery of messages addressed to this state, and updates
    /// the view; blocking. A failure is kept in the view (the
    /// desk shows it) and returned.
    pub fn sync_now(&self) -> Result<(), Error> {
        // The node's lock is released before delivery takes it again.
        let synced = self.node().sync_indexed();
        let result = synced
            .map_err(Error::from)
            .and_then(|(report, registry, log)| Ok((report, self.deliver(registry)?, log)))
            .and_then(|(report, registry, log)| Ok((report, self.evaluate(registry)?, log)));
        let now = self.now();
        let mut view = self.view.write().unwrap_or_else(|p| p.into_inner());
        view.tried_at = Some(now);
        match result {
            Ok((report, registry, log)) => {
                view.error = report.finality.alarm.clone();
                view.log = Arc::new(log);
                view.registry = Some(Arc::new(registry));
                view.report = Some(report);
                view.synced_at = Some(now);
                Ok(())
            }
            Err(e) => {
                view.error = Some(e.to_string());
                Err(e)
            }
        }
    }

    /// Fetches, checks, decrypts and logs the delivery of the messages addressed to this
    /// state that `registry` shows undelivered; returns the registry as it stands after.
    fn deliver(&self, registry: Registry) -> Result<Registry, Error> {
        let pending = registry.messages().any(|m| {
            m.recipients
                .get(&self.party)
                .is_some_and(|e| e.delivered_at.is_none())
        });
        if !pending {
            return Ok(registry);
        }
        let mut node = self.node();
        let delivery = node.deliver_messages()?;
        if delivery.delivered.is_empty() {
            return Ok(registry);
        }
        Ok(node.registry()?)
    }

    /// Evaluates on the dossier, and signs, the screening checks that await this node
    /// ([`rex_node::Node::evaluate_screening`], which tags the subject first where this state
    /// is the custodian) on every request `registry` shows; returns the
    /// registry as it stands after.
    fn evaluate(&self, registry: Registry) -> Result<Registry, Error> {
        let mut node = self.node();
        // A dossier is read for the subject's tag once (`Node::awaiting_tag`), so a sync does
        // not fetch again one that states no identity.
        let due: Vec<_> = registry
            .requests()
            .filter(|r| {
                !rex_node::Node::awaiting_evaluation(&registry, self.party, &r.id).is_empty()
                    || node.awaiting_tag(&registry, &r.id)
            })
            .map(|r| r.id)
            .collect();
        if due.is_empty() {
            return Ok(registry);
        }
        for request in &due {
            node.evaluate_screening(request)?;
        }
        Ok(node.registry()?)
    }

    /// Syncs every `every` seconds until `stop` says so; each round runs on a blocking
    /// thread. Failures are in the view, not fatal: the next round tries again.
    pub async fn run_sync_loop(
        self: Arc<Desk>,
        every: std::time::Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            let desk = Arc::clone(&self);
            let _ = tokio::task::spawn_blocking(move || desk.sync_now()).await;
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}

/// Enrols an officer on the node in `dir` (the CLI's `rex node officer add`): returns the
/// officer and the one-time enrolment code to hand over, valid for [`db::ENROLMENT_TTL`].
pub fn add_officer(
    dir: &Path,
    handle: &str,
    name: &str,
    roles: Roles,
    now: u64,
) -> Result<(Officer, String), Error> {
    let mut store = DeskStore::open(dir)?;
    let code = web::enrolment_code();
    let officer = store.add_officer(handle, name, roles, web::random(), &code, now)?;
    Ok((officer, code))
}

/// A new one-time enrolment code for an existing officer (`rex node officer enrol`).
pub fn new_enrolment(dir: &Path, handle: &str, now: u64) -> Result<(Officer, String), Error> {
    let store = DeskStore::open(dir)?;
    let officer = store
        .officer_by_handle(handle)?
        .ok_or_else(|| Error::NotFound(format!("no officer {handle:?} on this node")))?;
    let code = web::enrolment_code();
    store.new_enrolment(&officer, &code, now)?;
    Ok((officer, code))
}

/// Revokes an officer (`rex node officer revoke`): no login nor session from now on.
pub fn revoke_officer(dir: &Path, handle: &str, now: u64) -> Result<Officer, Error> {
    let mut store = DeskStore::open(dir)?;
    let officer = store
        .officer_by_handle(handle)?
        .ok_or_else(|| Error::NotFound(format!("no officer {handle:?} on this node")))?;
    store.revoke(&officer, None, now)?;
    Ok(officer)
}

/// The officers of the node in `dir` (`rex node officer list`).
pub fn officers(dir: &Path) -> Result<Vec<Officer>, Error> {
    DeskStore::open(dir)?.officers()
}
