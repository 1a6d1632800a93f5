//! `rex-store`: where the hub keeps its log, checkpoints, cosignatures, evidence of split views
//! reported by nodes, and dossiers.
//!
//! **Key design decision: one durable transaction per group commit, checkpoint included.**
//! [`HubStore::append`] writes a whole batch of log entries, their new Merkle hashes and the
//! checkpoint that commits to them in one transaction, and returns only once it is durable. The
//! hub signs the checkpoint *before* the write (signing is pure) but publishes it, and answers
//! the waiting requests, only *after*: so a checkpoint is never seen for entries a crash could
//! lose, and a batch costs one sync, not two. A failed write leaves the store as it was: the
//! batch is all-or-nothing.
//!
//! The store does no hashing and no signing: it persists what [`rex_tlog::Tree::append_batch`]
//! computed, checks that the append extends what it holds (so two writers cannot both extend
//! the same tree), and answers reads. [`Tiles`] lets any `HubStore` serve as a
//! [`rex_tlog::TileStore`] for proofs and tiles.
//!
//! Dossiers carry their uploader, upload time and size ([`DossierInfo`]), so the hub can charge
//! them to a per-state quota (checked in the same transaction as the insert), serve them only
//! to the states they concern, and collect the ones no statement references.
//!
//! Key material is **not** in the store: the hub keeps its private keys in files under its data
//! directory, so a database dump or replica never carries them. Those files (the hub's and a
//! node's) are written and read by [`secret`], once for both: mode 0600, never overwritten,
//! refused when others could read them.
//!
//! # Implementations
//!
//! - [`SqliteStore`]: the default. One file, WAL journal, `synchronous=FULL` (a commit is on
//!   disk when it returns), migrations embedded and applied on open (`PRAGMA user_version`).
//!   One writer connection behind a mutex and a small pool of read-only connections, so reads
//!   (proofs, tiles, dossiers) go on while a batch is being synced.
//! - PostgreSQL (not written yet). A `rex-store-postgres` implementation must: keep the same
//!   tables (its own migrations, `BYTEA` for blobs); take the single-sequencer role with a
//!   session advisory lock (`pg_try_advisory_lock`) held for as long as it appends, so that
//!   several hub replicas may serve reads but only one writes; in [`HubStore::append`], inside
//!   one transaction, lock and re-read the size (`SELECT max(idx) ... FOR UPDATE` on a
//!   one-row `log_head` table) and refuse an append whose first index is not that size; and
//!   rely on `synchronous_commit = on` for durability. The story tests in
//!   `tests/store.rs` are written against the trait, to be run on both.

mod error;
pub mod secret;
mod sqlite;

pub use error::StoreError;
pub use sqlite::SqliteStore;

use rex_tlog::{AppendResult, Hash, TileStore};

/// SHA-256 of a dossier's bytes: its address.
pub type Sha256 = [u8; 32];

/// What the store knows of a dossier besides its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DossierInfo {
    /// The uploading state's code (empty for a dossier stored before uploads were signed).
    pub uploader: String,
    /// When it was uploaded (unix seconds).
    pub uploaded_at: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// The outcome of [`HubStore::put_dossier`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutDossier {
    /// Stored (or held already), under this SHA-256.
    Stored(Sha256),
    /// Refused: the uploader holds `held` bytes, and these would exceed its quota.
    OverQuota {
        /// The bytes the uploader holds.
        held: u64,
    },
}

/// A checkpoint the hub signed, with the cosignature lines received for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// The tree size it commits to.
    pub size: u64,
    /// The signed note, as the hub signed it (text, blank line, the hub's signature line).
    pub note: String,
    /// Cosignature lines (without newline), one per cosigner, ordered by cosigner name.
    pub cosignatures: Vec<String>,
}

/// The newest checkpoint one cosigner cosigned ([`HubStore::newest_cosigned`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosigned {
    /// The cosigner's key name (a party code).
    pub cosigner: String,
    /// The size of the largest tree it cosigned.
    pub size: u64,
    /// That checkpoint's note, as the hub signed it.
    pub note: String,
    /// The cosigner's line for it (without newline).
    pub line: String,
}

/// The hub's storage. Every method is safe to call from several threads; only the hub's
/// sequencer calls [`HubStore::append`].
pub trait HubStore: Send + Sync {
    /// Number of entries durably stored.
    fn size(&self) -> Result<u64, StoreError>;

    /// Persists one group commit in one durable transaction: the append's entries and hashes,
    /// and `checkpoint`, the signed note of the tree of size `append.new_size()`. All of it or
    /// none of it. Refuses an append that does not start at the current size.
    fn append(&self, append: &AppendResult, checkpoint: &str) -> Result<(), StoreError>;

    /// Entries `start..end`, in order; `end` is at most [`HubStore::size`].
    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError>;

    /// The stored Merkle hashes at these stored-hash indexes, in the order asked.
    fn hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError>;

    /// The checkpoint of the largest tree, with its cosignatures; `None` for an empty log.
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// The checkpoint signed for tree size `size`, if the hub signed one.
    fn checkpoint(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// For each cosigner, the largest checkpoint it cosigned with its line, ordered by
    /// cosigner name.
    fn newest_cosigned(&self) -> Result<Vec<Cosigned>, StoreError>;

    /// Keeps a cosignature line for the checkpoint of `size` (which must exist); a newer line
    /// from the same cosigner replaces the older.
    fn add_cosignature(&self, size: u64, cosigner: &str, line: &str) -> Result<(), StoreError>;

    /// Records a signed request the hub accepted, by the digest of its signed message and the
    /// time it is dated, forgetting those dated before `forget_before` (they can no longer be
    /// accepted anyway); false when the digest was recorded already: a replay. Durable before
    /// it returns, so a restarted hub refuses the replay too.
    fn remember_signed(
        &self,
        digest: &[u8; 32],
        time: u64,
        forget_before: u64,
    ) -> Result<bool, StoreError>;

    /// Keeps a pair of conflicting checkpoint notes (evidence of a split view, checked by the
    /// caller) durably; the same pair twice is kept once. Returns whether it was new.
    fn add_evidence(&self, a: &str, b: &str) -> Result<bool, StoreError>;

    /// The pairs of conflicting checkpoint notes kept, oldest first, at most `limit`.
    fn evidence(&self, limit: usize) -> Result<Vec<(String, String)>, StoreError>;

    /// Stores a dossier (ciphertext) durably for `uploader`, dated `now`, unless the bytes that
    /// uploader holds would then exceed `quota` (checked and stored in one transaction). Bytes
    /// already held are not stored again, nor charged to a second uploader.
    fn put_dossier(
        &self,
        bytes: &[u8],
        uploader: &str,
        now: u64,
        quota: u64,
    ) -> Result<PutDossier, StoreError>;

    /// A dossier by its SHA-256.
    fn dossier(&self, sha256: &Sha256) -> Result<Option<Vec<u8>>, StoreError>;

    /// Who uploaded a dossier, when, and its size.
    fn dossier_info(&self, sha256: &Sha256) -> Result<Option<DossierInfo>, StoreError>;

    /// The bytes of dossiers `uploader` holds (what its quota counts).
    fn dossier_bytes_held(&self, uploader: &str) -> Result<u64, StoreError>;

    /// The dossiers uploaded before `time` (candidates for collection).
    fn dossiers_uploaded_before(&self, time: u64) -> Result<Vec<Sha256>, StoreError>;

    /// Deletes these dossiers; returns how many there were.
    fn delete_dossiers(&self, shas: &[Sha256]) -> Result<u64, StoreError>;
}

/// Any [`HubStore`] as a [`TileStore`], for proofs, tiles and [`rex_tlog::Tree::load`].
///
/// `write_append` stores no checkpoint through this view; the hub appends with
/// [`HubStore::append`].
pub struct Tiles<'a>(pub &'a dyn HubStore);

impl TileStore for Tiles<'_> {
    fn size(&self) -> Result<u64, rex_tlog::Error> {
        self.0.size().map_err(rex_tlog::Error::store)
    }

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, rex_tlog::Error> {
        self.0.hashes(indexes).map_err(rex_tlog::Error::store)
    }

    fn read_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, rex_tlog::Error> {
        self.0.entries(start, end).map_err(rex_tlog::Error::store)
    }

    fn write_append(&mut self, _append: &AppendResult) -> Result<(), rex_tlog::Error> {
        Err(rex_tlog::Error::store(
            "a hub store appends with a checkpoint: use HubStore::append",
        ))
    }
}
