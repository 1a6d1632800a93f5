//! The sequencer's engine: the registry, the tree, the store and the keys, and the one function
//! that applies a batch and makes it durable. No HTTP and no async here: a job the engine does
//! not accept is answered with a [`Refusal`], which `http.rs` alone turns into a status code.

use std::fs::File;
use std::os::unix::fs::DirBuilderExt as _;
use std::path::Path;
use std::sync::{Arc, RwLock};

use ed25519_dalek::VerifyingKey;
use rex_domain::log::{entry_bytes, parse_entries, REPLAY_CHUNK};
use rex_domain::{
    Action, Actor, Digest, Envelope, PartyId, Prechecked, PublicKeyFile, Registry, Rejection,
    Replay, ReplayError, Statement,
};
use rex_store::{HubStore, Tiles};
use rex_tlog::{Checkpoint, SignedNote, Tree, MAX_ENTRY_LEN};
use std::collections::BTreeMap;
use tokio::sync::oneshot;

use crate::keys::{lock_path, HubKeys};
use crate::HubError;

/// Why the engine did not accept a job. Says nothing of HTTP: `http.rs` maps it to an answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Refusal {
    /// The state machine refused the statement.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// The statement's log entry would exceed the log's limit.
    #[error("a log entry holds at most {max} bytes; this statement needs {len}")]
    TooLarge {
        /// The entry's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A failed write could not be undone: the engine refuses every job until restart.
    #[error("the hub refuses writes after a failure it could not undo")]
    Poisoned,
    /// The engine failed (the commit, a matching round); the detail is for the operator.
    #[error("{0}")]
    Internal(String),
}

/// Where the sequencer sends a submitter its outcome.
pub(crate) type Reply = oneshot::Sender<Result<Accepted, Refusal>>;

/// Where the sequencer sends the outcome of a matching round: `None` when it had nothing to
/// propose and appended nothing.
pub(crate) type RoundReply = oneshot::Sender<Result<Option<Accepted>, Refusal>>;

/// Whoever waits for a job's outcome.
enum Waiter {
    Statement(Reply),
    Round(RoundReply),
}

impl Waiter {
    fn send(self, outcome: Result<Accepted, Refusal>) {
        // A waiter that went away (its request was dropped) needs no answer.
        match self {
            Waiter::Statement(reply) => {
                let _ = reply.send(outcome);
            }
            Waiter::Round(reply) => {
                let _ = reply.send(outcome.map(Some));
            }
        }
    }
}

/// Opens the store the engine writes, once the data directory is locked.
pub(crate) type OpenStore = Box<dyn FnOnce(&Path) -> Result<Arc<dyn HubStore>, HubError> + Send>;

/// Most hub statements (go, lapse) issued after one batch; the rest wait for the next.
const MAX_DUE_PER_BATCH: usize = 256;

/// What the sequencer is asked to do.
pub(crate) enum Job {
    /// Apply and log a state's signed statement, parsed and (if its actor's key was known)
    /// signature-checked by the handler, off the sequencer.
    Submit {
        checked: Box<Prechecked>,
        reply: Reply,
    },
    /// Run a matching round and log the hub's `matching_round` statement, if it proposes
    /// anything.
    Match { reply: RoundReply },
    /// Register a party (the CLI, offline).
    Register {
        keys: Box<PublicKeyFile>,
        reply: Reply,
    },
    /// Delete the uploads no statement references that are older than the time to live.
    Collect {
        reply: oneshot::Sender<Result<u64, Refusal>>,
    },
}

/// How often (hub clock, seconds) the sequencer collects unreferenced dossiers by itself.
const COLLECT_EVERY: u64 = 3600;

/// A durable statement: where it is in the log and the checkpoint that first covers it.
#[derive(Clone, Debug)]
pub(crate) struct Accepted {
    pub index: u64,
    pub tree_size: u64,
    pub time: u64,
    pub statement_sha256: Digest,
    pub checkpoint: Arc<str>,
}

/// The latest checkpoint, published once its entries are durable.
#[derive(Clone, Debug)]
pub(crate) struct Published {
    pub size: u64,
    pub note: Arc<str>,
}

/// Rebuilds the registry by replaying every entry of the log, and loads the tree. The log is
/// the source of truth; a entry that does not replay means the store is not this hub's log.
pub(crate) fn replay(
    store: &dyn HubStore,
    hub_key: ed25519_dalek::VerifyingKey,
) -> Result<(Registry, Tree), HubError> {
    let size = store.size()?;
    let mut replay = Replay::new(hub_key);
    let mut start = 0;
    while start < size {
        let end = (start + REPLAY_CHUNK as u64).min(size);
        let chunk = parse_entries(start, &store.entries(start, end)?)
            .map_err(|(i, e)| HubError::Corrupt(format!("log entry {i} does not parse: {e}")))?;
        // The hub trusts its own log: nothing to check beyond what the registry checks.
        replay
            .apply_chunk(chunk, &mut |_| Ok::<(), std::convert::Infallible>(()))
            .map_err(|e| match e {
                ReplayError::Invalid { index, rejection }
                | ReplayError::Refused {
                    index, rejection, ..
                } => HubError::Corrupt(format!("log entry {index} does not replay: {rejection}")),
                ReplayError::Check(never) => match never {},
            })?;
        start = end;
    }
    let tree = Tree::load(&Tiles(store), size)
        .map_err(|e| HubError::Corrupt(format!("tree of size {size}: {e}")))?;
    Ok((replay.into_registry(), tree))
}

/// The sequencer's state. Only the sequencer touches it, one batch at a time.
pub(crate) struct Core {
    pub store: Arc<dyn HubStore>,
    pub keys: Arc<HubKeys>,
    /// Shared with readers, who take it only between batches: they never see a statement
    /// that is not durable yet.
    pub registry: Arc<RwLock<Registry>>,
    pub published: Arc<RwLock<Published>>,
    /// The statement key of every registered state, for handlers to check signatures before
    /// the sequencer (which checks again what they could not). Updated after each batch.
    pub party_keys: Arc<RwLock<PartyKeys>>,
    tree: Tree,
    /// Matching rounds on the hub's clock: every `.0` seconds, the next at `.1`.
    schedule: Option<(u64, u64)>,
    /// Dossier collection: the time to live of an unreferenced upload, and the next
    /// collection's time; `None` for a core that does not collect (the offline CLI).
    collection: Option<(u64, u64)>,
    /// After a failed write that could not be undone, everything is refused until restart.
    poisoned: bool,
    /// Holds the data directory's lock for as long as the core lives.
    _lock: File,
}

impl Core {
    /// Opens the hub in `data_dir`: takes its lock, loads or makes its keys, opens the store
    /// with `open_store`, replays the log and checks the tree against the latest checkpoint.
    pub fn open(data_dir: &Path, open_store: OpenStore) -> Result<Core, HubError> {
        if !data_dir.exists() {
            // The hub's directory holds its keys and its unpublished state: its owner's alone.
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(data_dir)
                .map_err(|e| HubError::Io(format!("{}: {e}", data_dir.display())))?;
        }
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(data_dir))
            .map_err(|e| HubError::Io(format!("{}: {e}", data_dir.display())))?;
        if lock.try_lock().is_err() {
            return Err(HubError::Busy(data_dir.display().to_string()));
        }
        let store = open_store(data_dir)?;
        let keys = match HubKeys::load(data_dir)? {
            Some(keys) => keys,
            None if store.latest_checkpoint()?.is_none() => HubKeys::create(data_dir)?,
            // New keys next to an existing log would sign checkpoints no state can check
            // against what it pinned: a lost key is an incident, not something to paper over.
            None => {
                return Err(HubError::Keys(format!(
                    "{}: the hub's keys are missing but its log exists; restore keys/ from a backup, or start a new hub in an empty directory",
                    data_dir.join("keys").display()
                )))
            }
        };
        let keys = Arc::new(keys);
        let (registry, tree) = replay(&*store, keys.statement.verifying_key())?;

        let published = match store.latest_checkpoint()? {
            Some(latest) => {
                let note = SignedNote::parse(&latest.note)
                    .map_err(|e| HubError::Corrupt(format!("latest checkpoint: {e}")))?;
                let checkpoint = Checkpoint::open(&note, keys.checkpoint.verifier())
                    .map_err(|e| HubError::Corrupt(format!("latest checkpoint: {e}")))?;
                if checkpoint.size() != tree.size() || checkpoint.root() != tree.root() {
                    return Err(HubError::Corrupt(format!(
                        "the latest checkpoint (size {}) does not match the stored tree (size {})",
                        checkpoint.size(),
                        tree.size()
                    )));
                }
                Published {
                    size: latest.size,
                    note: latest.note.into(),
                }
            }
            None => {
                // A fresh log: sign and store the checkpoint of the empty tree, so there is
                // always one to serve.
                assert_eq!(tree.size(), 0, "entries without a checkpoint");
                let empty = tree.append_batch::<&[u8]>(&[])?;
                let note = sign(&keys, &empty.tree().clone())?;
                store.append(&empty, &note)?;
                Published {
                    size: 0,
                    note: note.into(),
                }
            }
        };
        Ok(Core {
            store,
            keys,
            party_keys: Arc::new(RwLock::new(party_keys(&registry))),
            registry: Arc::new(RwLock::new(registry)),
            published: Arc::new(RwLock::new(published)),
            tree,
            schedule: None,
            collection: None,
            poisoned: false,
            _lock: lock,
        })
    }

    /// Commits a batch ([`Core::commit_batch`]), then collects unreferenced dossiers if asked
    /// to or if a collection has come due: between batches, on the sequencer, so no statement
    /// is being applied meanwhile.
    pub fn commit(&mut self, jobs: Vec<Job>, now: u64) {
        let (collects, jobs): (Vec<Job>, Vec<Job>) = jobs
            .into_iter()
            .partition(|j| matches!(j, Job::Collect { .. }));
        self.commit_batch(jobs, now);
        let due = self.collection.is_some_and(|(_, next)| now >= next);
        if collects.is_empty() && !due {
            return;
        }
        let outcome = self.collect_dossiers(now);
        if let Err(e) = &outcome {
            tracing::error!(error = %e, "collecting unreferenced dossiers failed");
        }
        for job in collects {
            if let Job::Collect { reply } = job {
                let _ = reply.send(outcome.clone());
            }
        }
    }

    /// Collects unreferenced dossiers older than `ttl` seconds, every hour of the hub's clock
    /// from `now` on (and whenever asked).
    pub fn collect_dossiers_after(&mut self, ttl: u64, now: u64) {
        self.collection = Some((ttl, now.saturating_add(COLLECT_EVERY)));
    }

    /// Deletes the dossiers uploaded more than the time to live before `now` that no request
    /// and no message in the registry references. Returns how many.
    fn collect_dossiers(&mut self, now: u64) -> Result<u64, Refusal> {
        let Some((ttl, _)) = self.collection else {
            return Ok(0);
        };
        self.collection = Some((ttl, now.saturating_add(COLLECT_EVERY)));
        let internal = |e: rex_store::StoreError| Refusal::Internal(e.to_string());
        let old = self
            .store
            .dossiers_uploaded_before(now.saturating_sub(ttl))
            .map_err(internal)?;
        if old.is_empty() {
            return Ok(0);
        }
        let registry = self.registry.read().unwrap_or_else(|p| p.into_inner());
        let referenced: std::collections::HashSet<[u8; 32]> = registry
            .requests()
            .map(|r| r.dossier.sha256.0)
            .chain(registry.messages().map(|m| m.ciphertext.sha256.0))
            .collect();
        drop(registry);
        let doomed: Vec<[u8; 32]> = old
            .into_iter()
            .filter(|sha| !referenced.contains(sha))
            .collect();
        self.store.delete_dossiers(&doomed).map_err(internal)
    }

    /// Applies a batch in order, adds the hub's statements that have come due, makes them all
    /// durable in one transaction with one new checkpoint, publishes it, and only then answers
    /// every job. Jobs refused by the state machine are answered with their rejection.
    fn commit_batch(&mut self, jobs: Vec<Job>, now: u64) {
        let store = Arc::clone(&self.store);
        let keys = Arc::clone(&self.keys);
        let registry = Arc::clone(&self.registry);
        let mut registry = registry.write().unwrap_or_else(|p| p.into_inner());
        if self.poisoned {
            for job in jobs {
                job.into_waiter().send(Err(Refusal::Poisoned));
            }
            return;
        }

        let mut entries: Vec<Vec<u8>> = Vec::with_capacity(jobs.len());
        // What fell due before this batch comes first: everything overdue by the grace an
        // auditor allows (`rex log verify` would otherwise find it skipped), then a bounded
        // share of the rest.
        let overdue = now.saturating_sub(rex_domain::DUE_GRACE_SECONDS);
        self.due_statements(&mut registry, overdue, usize::MAX, &mut entries);
        self.due_statements(&mut registry, now, MAX_DUE_PER_BATCH, &mut entries);
        // Each waiting reply with the position of its entry in `entries`.
        let mut waiting: Vec<(Waiter, usize, Digest)> = Vec::with_capacity(jobs.len());
        for job in jobs {
            let (checked, waiter) = match job {
                Job::Submit { checked, reply } => (*checked, Waiter::Statement(reply)),
                // A round on the registry as this batch left it so far: two rounds in one
                // batch do not propose the same requests twice.
                Job::Match { reply } => match matching_statement(&registry, &keys, now) {
                    Ok(Some(e)) => (prechecked(e), Waiter::Round(reply)),
                    Ok(None) => {
                        let _ = reply.send(Ok(None));
                        continue;
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                        continue;
                    }
                },
                Job::Collect { .. } => {
                    unreachable!("collections are taken out of the batch first")
                }
                Job::Register { keys: file, reply } => (
                    prechecked(hub_statement(
                        &registry,
                        &keys,
                        now,
                        Action::PartyRegistered { keys: *file },
                    )),
                    Waiter::Statement(reply),
                ),
            };
            let entry = entry_bytes(now, checked.envelope());
            if entry.len() > MAX_ENTRY_LEN {
                waiter.send(Err(Refusal::TooLarge {
                    len: entry.len(),
                    max: MAX_ENTRY_LEN,
                }));
                continue;
            }
            match registry.apply_prechecked(checked, now) {
                Ok(applied) => {
                    waiting.push((waiter, entries.len(), applied.digest));
                    entries.push(entry);
                }
                Err(rejection) => waiter.send(Err(Refusal::Rejected(rejection))),
            }
        }
        self.scheduled_round(&mut registry, now, &mut entries);
        self.due_statements(&mut registry, now, MAX_DUE_PER_BATCH, &mut entries);
        if entries.is_empty() {
            return;
        }

        let result = self
            .tree
            .append_batch(&entries)
            .map_err(HubError::from)
            .and_then(|append| {
                let note = sign(&keys, append.tree())?;
                store.append(&append, &note)?;
                Ok((append, note))
            });
        match result {
            Ok((append, note)) => {
                let note: Arc<str> = note.into();
                let first = append.first_index();
                let size = append.new_size();
                self.tree = append.into_tree();
                *self.published.write().unwrap_or_else(|p| p.into_inner()) = Published {
                    size,
                    note: Arc::clone(&note),
                };
                if registry.parties().count() != self.party_keys_len() {
                    *self.party_keys.write().unwrap_or_else(|p| p.into_inner()) =
                        party_keys(&registry);
                }
                drop(registry);
                for (waiter, position, digest) in waiting {
                    waiter.send(Ok(Accepted {
                        index: first + position as u64,
                        tree_size: size,
                        time: now,
                        statement_sha256: digest,
                        checkpoint: Arc::clone(&note),
                    }));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "group commit failed; rebuilding the registry from the log");
                // The registry holds the batch, the store does not: go back to the log.
                match replay(&*store, keys.statement.verifying_key()) {
                    Ok((rebuilt, tree)) if tree == self.tree => *registry = rebuilt,
                    Ok(_) => {
                        tracing::error!(
                            "the stored tree moved during a failed commit; refusing all writes"
                        );
                        self.poisoned = true;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot rebuild the registry; refusing all writes");
                        self.poisoned = true;
                    }
                }
                for (waiter, _, _) in waiting {
                    waiter.send(Err(Refusal::Internal(e.to_string())));
                }
            }
        }
    }

    /// Runs matching rounds every `every` seconds of the hub's clock, the first `every` after
    /// `now`.
    pub fn schedule_rounds(&mut self, every: u64, now: u64) {
        assert!(every > 0, "a schedule of 0 s would run a round per batch");
        self.schedule = Some((every, now.saturating_add(every)));
    }

    /// The scheduled matching round, if one has come due: logged only if it proposes anything,
    /// like a round the operator asks for.
    fn scheduled_round(&mut self, registry: &mut Registry, now: u64, entries: &mut Vec<Vec<u8>>) {
        let Some((every, next)) = self.schedule else {
            return;
        };
        if now < next {
            return;
        }
        self.schedule = Some((every, now.saturating_add(every)));
        match matching_statement(registry, &self.keys, now) {
            Ok(None) => {}
            Ok(Some(envelope)) => match registry.apply(&envelope, now) {
                Ok(_) => entries.push(entry_bytes(now, &envelope)),
                Err(e) => tracing::error!(error = %e, "the scheduled matching round was refused"),
            },
            Err(e) => tracing::error!(error = %e, "the scheduled matching round failed"),
        }
    }

    /// The hub's own statements that have come due ([`Registry::due_actions`]): go for
    /// exchanges ready for it, lapse for proposals past their deadline, a breach for each leg
    /// unfinished at its exchange's execution deadline or each deadline of an agreement missed,
    /// a missing acknowledgement for each recipient that did not answer a message by its
    /// deadline. At most `limit`, soonest due first; applied to the registry and added to the
    /// batch.
    fn due_statements(
        &self,
        registry: &mut Registry,
        now: u64,
        limit: usize,
        entries: &mut Vec<Vec<u8>>,
    ) {
        for action in registry.due_actions(now, limit) {
            let envelope = hub_statement(registry, &self.keys, now, action);
            match registry.apply(&envelope, now) {
                Ok(_) => entries.push(entry_bytes(now, &envelope)),
                // The registry said it was due; a refusal here is a bug in one of the two.
                Err(e) => tracing::error!(error = %e, "a due hub statement was refused"),
            }
        }
    }

    fn party_keys_len(&self) -> usize {
        self.party_keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Registers a party, synchronously (for the CLI, which owns the core).
    pub fn register_party(&mut self, keys: PublicKeyFile, now: u64) -> Result<Accepted, Refusal> {
        let (reply, mut rx) = oneshot::channel();
        self.commit(
            vec![Job::Register {
                keys: Box::new(keys),
                reply,
            }],
            now,
        );
        rx.try_recv()
            .unwrap_or_else(|_| Err(Refusal::Internal("the commit gave no answer".into())))
    }

    /// The current tree size.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }
}

impl Job {
    fn into_waiter(self) -> Waiter {
        match self {
            Job::Submit { reply, .. } | Job::Register { reply, .. } => Waiter::Statement(reply),
            Job::Match { reply } => Waiter::Round(reply),
            Job::Collect { .. } => unreachable!("collections are taken out of the batch first"),
        }
    }
}

/// Signs the checkpoint of `tree` with the hub's checkpoint key.
fn sign(keys: &HubKeys, tree: &Tree) -> Result<String, HubError> {
    Ok(tree
        .checkpoint(keys.origin())?
        .sign(&keys.checkpoint)?
        .to_string())
}

/// The statement keys of the registered states.
pub(crate) type PartyKeys = BTreeMap<PartyId, VerifyingKey>;

/// The statement keys of the states registered in `registry`.
pub(crate) fn party_keys(registry: &Registry) -> PartyKeys {
    registry
        .parties()
        .map(|p| (p.keys.party(), *p.keys.signing_key()))
        .collect()
}

/// A statement the hub made itself: well-formed by construction.
fn prechecked(envelope: Envelope) -> Prechecked {
    Prechecked::new(envelope).unwrap_or_else(|e| unreachable!("the hub's own statement: {e}"))
}

/// A statement by the hub, with its next sequence number, dated `now`, signed.
fn hub_statement(registry: &Registry, keys: &HubKeys, now: u64, action: Action) -> Envelope {
    let seq = registry.next_seq(Actor::Hub).unwrap_or(1);
    Envelope::sign_statement(
        &Statement::new(Actor::Hub, seq, now, action),
        &keys.statement,
    )
}

/// The hub's `matching_round` statement for the registry as it stands, or `None` when the
/// round proposes nothing: an empty round is not logged, so asking twice appends once.
fn matching_statement(
    registry: &Registry,
    keys: &HubKeys,
    now: u64,
) -> Result<Option<Envelope>, Refusal> {
    let proposals = rex_domain::matching_round(registry, now)
        .map_err(|e| Refusal::Internal(format!("matching round: {e}")))?;
    if proposals.is_empty() {
        return Ok(None);
    }
    Ok(Some(hub_statement(
        registry,
        keys,
        now,
        Action::MatchingRound { proposals },
    )))
}
