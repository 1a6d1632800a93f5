//! RFC 6962 inclusion and consistency proofs: made from a store, checked with no store.

use crate::store::StoreReader;
use crate::{Error, Hash, TileStore, EMPTY_ROOT};

/// Longest proof accepted: a tree of at most 2^64 leaves has at most 64 levels. Checked
/// before the proof is run, so a hostile proof costs nothing.
const MAX_PROOF_LEN: usize = 64;

fn to_tlog(proof: &[Hash]) -> Vec<tlog_tiles::Hash> {
    proof.iter().map(|&h| h.into()).collect()
}

fn from_tlog(proof: Vec<tlog_tiles::Hash>) -> Vec<Hash> {
    proof.into_iter().map(Hash::from).collect()
}

/// The root hash of the tree made of the first `size` entries of `store`.
pub fn tree_root<S: TileStore + ?Sized>(store: &S, size: u64) -> Result<Hash, Error> {
    let reader = StoreReader::new(store);
    let result = tlog_tiles::tree_hash(size, &reader);
    reader.finish(result).map(Hash::from)
}

/// The proof that entry `index` is in the tree of the first `size` entries of `store`
/// (RFC 6962 audit path, leaf to root). `size` must not exceed the store's size.
pub fn inclusion_proof<S: TileStore + ?Sized>(
    store: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, Error> {
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    let reader = StoreReader::new(store);
    let result = tlog_tiles::prove_record(size, index, &reader);
    reader.finish(result).map(from_tlog)
}

/// The proof that the tree of the first `old_size` entries of `store` is a prefix of the tree
/// of the first `new_size` (RFC 6962 consistency proof). Empty when `old_size` is 0 or equals
/// `new_size`. `new_size` must not exceed the store's size.
pub fn consistency_proof<S: TileStore + ?Sized>(
    store: &S,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, Error> {
    if old_size > new_size {
        return Err(Error::SizeOutOfRange {
            requested: old_size,
            size: new_size,
        });
    }
    if old_size == 0 {
        return Ok(Vec::new());
    }
    let reader = StoreReader::new(store);
    let result = tlog_tiles::prove_tree(new_size, old_size, &reader);
    reader.finish(result).map(from_tlog)
}

/// Checks that `proof` shows the entry with leaf hash `leaf` at `index` in the tree of `size`
/// entries with root `root`. Needs no store: this is what nodes and auditors run.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: Hash,
    proof: &[Hash],
    root: Hash,
) -> Result<(), Error> {
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    if proof.len() > MAX_PROOF_LEN {
        return Err(Error::InvalidProof);
    }
    tlog_tiles::check_record(&to_tlog(proof), size, root.into(), index, leaf.into())
        .map_err(|_| Error::InvalidProof)
}

/// Checks that `proof` shows the tree of `old_size` entries with root `old_root` to be a prefix
/// of the tree of `new_size` entries with root `new_root`. Needs no store.
///
/// From the empty tree every tree is consistent, with an empty proof; but `old_root` must then
/// be the empty tree's root, since a checkpoint of size 0 with any other root is itself false.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: Hash,
    new_root: Hash,
    proof: &[Hash],
) -> Result<(), Error> {
    if old_size > new_size {
        return Err(Error::SizeOutOfRange {
            requested: old_size,
            size: new_size,
        });
    }
    if proof.len() > MAX_PROOF_LEN {
        return Err(Error::InvalidProof);
    }
    if new_size == 0 && new_root != EMPTY_ROOT {
        return Err(Error::InvalidProof);
    }
    if old_size == 0 {
        return if proof.is_empty() && old_root == EMPTY_ROOT {
            Ok(())
        } else {
            Err(Error::InvalidProof)
        };
    }
    tlog_tiles::check_tree(
        &to_tlog(proof),
        new_size,
        new_root.into(),
        old_size,
        old_root.into(),
    )
    .map_err(|_| Error::InvalidProof)
}
