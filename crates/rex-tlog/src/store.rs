//! Storage behind a small trait, and an in-memory implementation for tests.

use std::cell::RefCell;

use crate::{AppendResult, Error, Hash};

/// Where a log keeps its entries and its Merkle tree hashes.
///
/// Hashes are addressed by their *stored hash index*, the dense ordering of Crosby and Wallach
/// used by `tlog_tiles` (and the Go checksum database): appending entry `n` writes a run of
/// hashes starting at [`stored_hash_count`]`(n)`, so the hash table only ever grows at its end.
/// An implementation persists what [`AppendResult`] carries and answers reads; it does no
/// hashing of its own. The hub's SQLite implementation writes one append in one transaction.
///
/// [`stored_hash_count`]: tlog_tiles::stored_hash_count
pub trait TileStore {
    /// Number of entries durably stored. Equals the size of the tree the store holds.
    fn size(&self) -> Result<u64, Error>;

    /// The hashes at the given stored hash indexes, in the order asked. Every index asked for is
    /// below `stored_hash_count(size)`; a missing one is an error.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error>;

    /// Entries `start..end`, in order. `end` is at most [`TileStore::size`].
    fn read_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, Error>;

    /// Persists one append, all of it or none of it: its entries at
    /// `append.first_index()..append.new_size()` and its hashes from
    /// `append.hashes_start()` on. Must be durable when it returns `Ok`, since the caller then
    /// signs a checkpoint that commits to it. Must refuse an append whose `first_index` is not
    /// the current size, so that two writers cannot both extend the same tree.
    fn write_append(&mut self, append: &AppendResult) -> Result<(), Error>;
}

/// A [`TileStore`] in memory, for tests and simulations.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    entries: Vec<Vec<u8>>,
    hashes: Vec<Hash>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Number of stored hashes, for tests of the storage layout.
    pub fn hash_count(&self) -> usize {
        self.hashes.len()
    }

    /// Overwrites a stored hash, for tests that tamper with the store.
    pub fn corrupt_hash(&mut self, index: u64, hash: Hash) {
        self.hashes[to_usize(index)] = hash;
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).expect("index fits in memory")
}

impl TileStore for MemoryStore {
    fn size(&self) -> Result<u64, Error> {
        Ok(self.entries.len() as u64)
    }

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| {
                self.hashes
                    .get(to_usize(i))
                    .copied()
                    .ok_or_else(|| Error::store(format!("no hash at stored index {i}")))
            })
            .collect()
    }

    fn read_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, Error> {
        self.entries
            .get(to_usize(start)..to_usize(end))
            .map(<[Vec<u8>]>::to_vec)
            .ok_or_else(|| Error::store(format!("no entries {start}..{end}")))
    }

    fn write_append(&mut self, append: &AppendResult) -> Result<(), Error> {
        if append.first_index() != self.entries.len() as u64
            || append.hashes_start() != self.hashes.len() as u64
        {
            return Err(Error::store(format!(
                "append at {} does not extend a store of size {}",
                append.first_index(),
                self.entries.len()
            )));
        }
        self.entries.extend(append.entries().iter().cloned());
        self.hashes.extend_from_slice(append.hashes());
        Ok(())
    }
}

/// Lets `tlog_tiles`, whose reader trait has its own error type, read from a [`TileStore`].
///
/// The store's error is kept aside and handed back by [`StoreReader::finish`], so that a
/// failing database is reported as itself rather than as a bad proof.
pub(crate) struct StoreReader<'a, S: ?Sized> {
    store: &'a S,
    error: RefCell<Option<Error>>,
}

impl<'a, S: TileStore + ?Sized> StoreReader<'a, S> {
    pub(crate) fn new(store: &'a S) -> Self {
        StoreReader {
            store,
            error: RefCell::new(None),
        }
    }

    /// Converts the result of a `tlog_tiles` call made with this reader into ours.
    pub(crate) fn finish<T>(self, result: Result<T, tlog_tiles::Error>) -> Result<T, Error> {
        match (result, self.error.into_inner()) {
            (_, Some(e)) => Err(e),
            (Ok(v), None) => Ok(v),
            (Err(e), None) => Err(Error::store(e)),
        }
    }
}

impl<S: TileStore + ?Sized> tlog_tiles::HashReader for StoreReader<'_, S> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        let fail = |e: Error| {
            *self.error.borrow_mut() = Some(e);
            tlog_tiles::Error::InvalidInput("storage failed".into())
        };
        let hashes = self.store.read_hashes(indexes).map_err(fail)?;
        // tlog_tiles panics on a short answer; a misbehaving store is an error, not a crash.
        if hashes.len() != indexes.len() {
            return Err(fail(Error::store(format!(
                "asked for {} hashes, got {}",
                indexes.len(),
                hashes.len()
            ))));
        }
        Ok(hashes.into_iter().map(Into::into).collect())
    }
}
