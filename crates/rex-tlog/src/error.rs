//! The crate's one error type.

/// Everything that can go wrong in `rex-tlog`.
///
/// Verification failures (`InvalidProof`, `InvalidSignature`, `NoKnownSignature`) are the
/// expected outcome of checking something an adversary sent, not bugs: callers turn them into a
/// refusal. Internal inconsistencies of the tree arithmetic are assertions, not variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A Merkle inclusion or consistency proof does not lead to the expected root.
    #[error("invalid proof")]
    InvalidProof,

    /// A leaf index is not below the tree size it is proved against.
    #[error("index {index} is outside a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },

    /// A tree size is larger than the log (or the other tree) it refers to.
    #[error("tree size {requested} is beyond tree size {size}")]
    SizeOutOfRange { requested: u64, size: u64 },

    /// An entry does not fit the 16-bit length prefix of a C2SP entry bundle.
    #[error("entry of {0} bytes is longer than 65535 bytes")]
    EntryTooLong(usize),

    /// An append batch is larger than [`crate::MAX_BATCH`].
    #[error("batch of {0} entries is larger than the limit")]
    BatchTooLarge(usize),

    /// The tree would grow past the largest size the tree arithmetic supports.
    #[error("the log is full")]
    LogFull,

    /// The stored state handed to [`crate::Tree::from_peaks`] does not fit the tree size.
    #[error("{got} peak hashes do not fit a tree of size {size}")]
    BadPeaks { size: u64, got: usize },

    /// A checkpoint body that does not follow c2sp.org/tlog-checkpoint.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),

    /// A signed note that does not follow c2sp.org/signed-note.
    #[error("malformed note: {0}")]
    MalformedNote(&'static str),

    /// A key, key name or signature line that does not follow c2sp.org/signed-note.
    #[error("malformed key: {0}")]
    MalformedKey(&'static str),

    /// A signature line from a known key whose signature does not verify.
    #[error("invalid signature by {0}")]
    InvalidSignature(String),

    /// No signature line of a note comes from a key the verifier knows.
    #[error("no signature from a known key")]
    NoKnownSignature,

    /// A checkpoint's origin line is not the name of the key that signs it.
    #[error("checkpoint origin {origin:?} does not match key name {key:?}")]
    OriginMismatch { origin: String, key: String },

    /// A cosignature timestamp above 2^63 - 1 (c2sp.org/tlog-cosignature).
    #[error("cosignature timestamp {0} is out of range")]
    TimestampOutOfRange(u64),

    /// A tile path that does not follow c2sp.org/tlog-tiles.
    #[error("malformed tile path {0:?}")]
    MalformedTilePath(String),

    /// A tile or entry bundle asked for beyond the tree size it is served at.
    #[error("tile {path} is not covered by a tree of size {size}")]
    TileNotAvailable { path: String, size: u64 },

    /// Entry bundle bytes that are not a sequence of length-prefixed entries.
    #[error("malformed entry bundle")]
    MalformedBundle,

    /// The [`crate::TileStore`] failed or returned something other than what was asked.
    #[error("storage: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// Wraps a storage backend's error, for implementations of [`crate::TileStore`].
    pub fn store(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::Store(e.into())
    }
}
