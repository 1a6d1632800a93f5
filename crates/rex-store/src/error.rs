//! The crate's one error type.

/// Why a store operation failed. The hub logs these and answers `internal`; their text may
/// name tables and SQL, so it never reaches a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// An append that does not extend the stored log where it ends.
    #[error(
        "append at entry {first} (hash {hashes_start}) does not extend a log of {size} entries"
    )]
    NotAtEnd {
        /// First entry index of the append.
        first: u64,
        /// First stored-hash index of the append.
        hashes_start: u64,
        /// Entries stored.
        size: u64,
    },

    /// Something asked for is not stored (an entry or hash beyond the end, a checkpoint).
    #[error("not stored: {0}")]
    Missing(String),

    /// The database holds something it never should (a short hash, a gap).
    #[error("corrupt store: {0}")]
    Corrupt(String),

    /// The database was written by a newer version of rex.
    #[error("database schema version {found} is newer than this build's {supported}")]
    TooNew {
        /// The version found.
        found: u32,
        /// The newest this build knows.
        supported: u32,
    },

    /// The database file could not be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },

    /// The database file could not be created.
    #[error("cannot create {path}: {source}")]
    Create {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },

    /// A secret (key) file could not be made or read, or others could read it.
    #[error("{path}: {reason}")]
    Secret {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}
