//! The tree's compact state and batched appends.

use std::collections::HashMap;

use tlog_tiles::{stored_hash_count, stored_hashes_for_record_hash, sub_tree_index, HashReader};

use crate::{leaf_hash, Checkpoint, Error, Hash, TileStore, EMPTY_ROOT};

/// Largest number of entries one [`Tree::append_batch`] accepts. Group commit in the hub
/// gathers at most this many statements per durable write.
pub const MAX_BATCH: usize = 1 << 16;

/// Largest entry, in bytes: entry bundles prefix each entry with a big-endian `u16` length.
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// The state of a Merkle tree that is enough to append to it: its size, and the hashes of its
/// *peaks*, the maximal complete subtrees from left to right (one per set bit of the size).
///
/// A `Tree` needs no store: every hash an append needs is a peak or is made by the append
/// itself. So an append is a pure function from a `Tree` and a batch of entries to an
/// [`AppendResult`], and the caller decides when the result has been persisted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    size: u64,
    peaks: Vec<Hash>,
    root: Hash,
}

impl Default for Tree {
    fn default() -> Tree {
        Tree::new()
    }
}

impl Tree {
    /// The empty tree.
    pub fn new() -> Tree {
        Tree {
            size: 0,
            peaks: Vec::new(),
            root: EMPTY_ROOT,
        }
    }

    /// The tree of `size` entries whose peaks are `peaks` (left to right). Use
    /// [`Tree::peak_indexes`] to know which stored hashes to read.
    pub fn from_peaks(size: u64, peaks: Vec<Hash>) -> Result<Tree, Error> {
        if peaks.len() != size.count_ones() as usize {
            return Err(Error::BadPeaks {
                size,
                got: peaks.len(),
            });
        }
        let root = root_of_peaks(&peaks);
        Ok(Tree { size, peaks, root })
    }

    /// Reads the peaks of the tree of `size` entries from a store, in one read.
    pub fn load<S: TileStore + ?Sized>(store: &S, size: u64) -> Result<Tree, Error> {
        let indexes = Tree::peak_indexes(size);
        let peaks = store.read_hashes(&indexes)?;
        if peaks.len() != indexes.len() {
            return Err(Error::store(format!(
                "asked for {} hashes, got {}",
                indexes.len(),
                peaks.len()
            )));
        }
        Tree::from_peaks(size, peaks)
    }

    /// The stored hash indexes of the peaks of a tree of `size` entries, left to right.
    pub fn peak_indexes(size: u64) -> Vec<u64> {
        sub_tree_index(0, size, Vec::new())
    }

    /// Number of entries.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root hash.
    pub fn root(&self) -> Hash {
        self.root
    }

    /// The peak hashes, left to right.
    pub fn peaks(&self) -> &[Hash] {
        &self.peaks
    }

    /// The unsigned checkpoint of this tree under `origin`.
    pub fn checkpoint(&self, origin: &str) -> Result<Checkpoint, Error> {
        Checkpoint::new(origin, self.size, self.root)
    }

    /// Computes the result of appending `entries`, in order, without changing `self`.
    ///
    /// The result carries everything to persist (entries and new hashes) and the tree after the
    /// append. Persist it (see [`TileStore::write_append`]), and only then adopt
    /// [`AppendResult::tree`] and sign a checkpoint: a checkpoint must never commit to entries
    /// that a crash could lose.
    pub fn append_batch<E: AsRef<[u8]>>(&self, entries: &[E]) -> Result<AppendResult, Error> {
        if entries.len() > MAX_BATCH {
            return Err(Error::BatchTooLarge(entries.len()));
        }
        if let Some(e) = entries.iter().find(|e| e.as_ref().len() > MAX_ENTRY_LEN) {
            return Err(Error::EntryTooLong(e.as_ref().len()));
        }
        let new_size = self
            .size
            .checked_add(entries.len() as u64)
            .filter(|&n| n < 1 << 62)
            .ok_or(Error::LogFull)?;

        let hashes_start = stored_hash_count(self.size);
        let mut scratch = Scratch {
            peaks: Tree::peak_indexes(self.size)
                .into_iter()
                .zip(self.peaks.iter().copied())
                .collect(),
            start: hashes_start,
            new: Vec::with_capacity(entries.len() * 2 + 64),
        };
        for (n, entry) in (self.size..).zip(entries) {
            let hashes =
                stored_hashes_for_record_hash(n, leaf_hash(entry.as_ref()).into(), &scratch)
                    .expect("scratch reads never fail");
            scratch.new.extend(hashes.into_iter().map(Hash::from));
        }
        assert_eq!(
            hashes_start + scratch.new.len() as u64,
            stored_hash_count(new_size),
            "stored hashes of an append are contiguous"
        );

        let peaks: Vec<Hash> = scratch
            .read_hashes(&Tree::peak_indexes(new_size))
            .expect("new peaks are old peaks or new hashes")
            .into_iter()
            .map(Hash::from)
            .collect();
        let tree = Tree::from_peaks(new_size, peaks).expect("peak count matches size");

        Ok(AppendResult {
            first_index: self.size,
            hashes_start,
            hashes: scratch.new,
            entries: entries.iter().map(|e| e.as_ref().to_vec()).collect(),
            tree,
        })
    }
}

/// The root from the peaks: fold from the right, since the rightmost subtrees are the smallest.
fn root_of_peaks(peaks: &[Hash]) -> Hash {
    match peaks.split_last() {
        None => EMPTY_ROOT,
        Some((&last, rest)) => rest
            .iter()
            .rev()
            .fold(last, |right, &left| crate::node_hash(left, right)),
    }
}

/// What an append reads while it computes: the old peaks and the hashes it has made so far.
struct Scratch {
    peaks: HashMap<u64, Hash>,
    start: u64,
    new: Vec<Hash>,
}

impl HashReader for Scratch {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        Ok(indexes
            .iter()
            .map(|&i| {
                let h = if i >= self.start {
                    self.new[usize::try_from(i - self.start).expect("small batch")]
                } else {
                    // An append only needs left siblings that are complete in the old tree,
                    // and those are exactly the old tree's peaks.
                    *self
                        .peaks
                        .get(&i)
                        .expect("append reads only peaks of the old tree")
                };
                h.into()
            })
            .collect())
    }
}

/// The outcome of [`Tree::append_batch`]: what to persist, and the tree it leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendResult {
    first_index: u64,
    hashes_start: u64,
    hashes: Vec<Hash>,
    entries: Vec<Vec<u8>>,
    tree: Tree,
}

impl AppendResult {
    /// Index of the first entry of the batch (the tree size before it).
    pub fn first_index(&self) -> u64 {
        self.first_index
    }

    /// Tree size after the batch.
    pub fn new_size(&self) -> u64 {
        self.tree.size
    }

    /// Root hash after the batch.
    pub fn root(&self) -> Hash {
        self.tree.root
    }

    /// Stored hash index of `hashes()[0]`.
    pub fn hashes_start(&self) -> u64 {
        self.hashes_start
    }

    /// The new hashes to persist, at consecutive stored hash indexes from `hashes_start()`.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// The new entries to persist, at indexes `first_index()..new_size()`.
    pub fn entries(&self) -> &[Vec<u8>] {
        &self.entries
    }

    /// The tree after the batch. Adopt it only once the batch is durable.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Consumes the result, giving the tree after the batch.
    pub fn into_tree(self) -> Tree {
        self.tree
    }
}
