//! A log over a store: the tree's state, appends that persist, proofs and tiles.

use crate::{
    consistency_proof, inclusion_proof, read_tile, tree_root, AppendResult, Checkpoint, Error,
    Hash, NoteSigner, SignedNote, TilePath, TileStore, Tree,
};

/// A transparency log: a [`Tree`] kept in step with a [`TileStore`].
///
/// The tree in memory moves only after the store has accepted an append, so every checkpoint
/// made from [`Log::tree`] commits to durable entries only.
#[derive(Debug)]
pub struct Log<S> {
    store: S,
    tree: Tree,
}

impl<S: TileStore> Log<S> {
    /// Opens the log held by `store`, reading its size and peak hashes.
    pub fn open(store: S) -> Result<Self, Error> {
        let size = store.size()?;
        let tree = Tree::load(&store, size)?;
        Ok(Log { store, tree })
    }

    /// The current tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Number of entries.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// The current root hash.
    pub fn root(&self) -> Hash {
        self.tree.root()
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Gives the store back.
    pub fn into_store(self) -> S {
        self.store
    }

    /// Appends a batch: computes it, has the store persist it, then advances the tree. On a
    /// store error the log is unchanged.
    pub fn append_batch<E: AsRef<[u8]>>(&mut self, entries: &[E]) -> Result<AppendResult, Error> {
        let append = self.tree.append_batch(entries)?;
        self.store.write_append(&append)?;
        self.tree = append.tree().clone();
        Ok(append)
    }

    /// Signs a checkpoint of the current tree; the signer's name is the origin.
    pub fn sign_checkpoint(&self, signer: &NoteSigner) -> Result<SignedNote, Error> {
        Checkpoint::new(signer.name(), self.tree.size(), self.tree.root())?.sign(signer)
    }

    fn check_size(&self, size: u64) -> Result<(), Error> {
        if size > self.tree.size() {
            return Err(Error::SizeOutOfRange {
                requested: size,
                size: self.tree.size(),
            });
        }
        Ok(())
    }

    /// The root hash of the tree at an earlier `size`.
    pub fn root_at(&self, size: u64) -> Result<Hash, Error> {
        self.check_size(size)?;
        tree_root(&self.store, size)
    }

    /// The proof that entry `index` is in the tree of `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, Error> {
        self.check_size(size)?;
        inclusion_proof(&self.store, index, size)
    }

    /// The proof that the tree of `old_size` entries is a prefix of the tree of `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, Error> {
        self.check_size(new_size)?;
        consistency_proof(&self.store, old_size, new_size)
    }

    /// Entries `start..end`.
    pub fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, Error> {
        if start > end {
            return Err(Error::SizeOutOfRange {
                requested: start,
                size: end,
            });
        }
        self.check_size(end)?;
        self.store.read_entries(start, end)
    }

    /// The bytes of a tile or entry bundle of the current tree.
    pub fn read_tile(&self, path: &TilePath) -> Result<Vec<u8>, Error> {
        read_tile(&self.store, self.tree.size(), path)
    }
}
