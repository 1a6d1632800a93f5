//! Property tests of the tree and its proofs: against the RFC 6962 definitions written out
//! directly (MTH, PATH, PROOF), and by tampering.

use proptest::prelude::*;
use rex_tlog::{
    leaf_hash, node_hash, verify_consistency, verify_inclusion, Error, Hash, Log, MemoryStore,
    TileStore, Tree, EMPTY_ROOT,
};

fn entry(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

/// Largest power of two smaller than `n` (n > 1).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 section 2.1: the Merkle Tree Hash.
fn mth(d: &[Vec<u8>]) -> Hash {
    match d.len() {
        0 => EMPTY_ROOT,
        1 => leaf_hash(&d[0]),
        n => {
            let k = split(n);
            node_hash(mth(&d[..k]), mth(&d[k..]))
        }
    }
}

/// RFC 6962 section 2.1.1: the audit path of leaf `m`.
fn path(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
    let n = d.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    let mut p = if m < k {
        path(m, &d[..k])
    } else {
        path(m - k, &d[k..])
    };
    p.push(if m < k { mth(&d[k..]) } else { mth(&d[..k]) });
    p
}

/// RFC 6962 section 2.1.2: the consistency proof from the first `m` leaves to all of `d`.
fn subproof(m: usize, d: &[Vec<u8>], complete: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if complete { Vec::new() } else { vec![mth(d)] };
    }
    let k = split(n);
    let mut p = if m <= k {
        subproof(m, &d[..k], complete)
    } else {
        subproof(m - k, &d[k..], false)
    };
    p.push(if m <= k { mth(&d[k..]) } else { mth(&d[..k]) });
    p
}

/// A log of `size` entries, appended in batches of the given sizes (cycled).
fn build(size: u64, batches: &[usize]) -> Log<MemoryStore> {
    let mut log = Log::open(MemoryStore::new()).unwrap();
    let mut next = 0;
    for &b in batches.iter().cycle() {
        if next == size {
            break;
        }
        let end = (next + b as u64).min(size);
        let batch: Vec<Vec<u8>> = (next..end).map(entry).collect();
        let append = log.append_batch(&batch).unwrap();
        assert_eq!(append.first_index(), next);
        assert_eq!(append.new_size(), end);
        next = end;
    }
    log
}

fn flip(h: Hash) -> Hash {
    let mut b = h.0;
    b[7] ^= 0x10;
    Hash(b)
}

/// Checks a valid inclusion proof, then that each kind of tampering makes it fail.
fn check_inclusion(index: u64, size: u64, leaf: Hash, proof: &[Hash], root: Hash) {
    verify_inclusion(index, size, leaf, proof, root).unwrap();
    assert!(
        verify_inclusion(index, size, flip(leaf), proof, root).is_err(),
        "leaf"
    );
    assert!(
        verify_inclusion(index, size, leaf, proof, flip(root)).is_err(),
        "root"
    );
    for i in 0..proof.len() {
        let mut bad = proof.to_vec();
        bad[i] = flip(bad[i]);
        assert!(
            verify_inclusion(index, size, leaf, &bad, root).is_err(),
            "proof[{i}]"
        );
    }
    let mut longer = proof.to_vec();
    longer.push(root);
    assert!(
        verify_inclusion(index, size, leaf, &longer, root).is_err(),
        "longer"
    );
    if !proof.is_empty() {
        let shorter = &proof[..proof.len() - 1];
        assert!(
            verify_inclusion(index, size, leaf, shorter, root).is_err(),
            "shorter"
        );
    }
    for other in [index.wrapping_sub(1), index + 1, index ^ 2] {
        if other != index {
            assert!(
                verify_inclusion(other, size, leaf, proof, root).is_err(),
                "index {other}"
            );
        }
    }
    assert!(
        verify_inclusion(index, size * 2, leaf, proof, root).is_err(),
        "size * 2"
    );
}

/// Checks a valid consistency proof, then that each kind of tampering makes it fail.
fn check_consistency(old: u64, new: u64, old_root: Hash, new_root: Hash, proof: &[Hash]) {
    verify_consistency(old, new, old_root, new_root, proof).unwrap();
    assert!(
        verify_consistency(old, new, flip(old_root), new_root, proof).is_err(),
        "old"
    );
    // From the empty tree every tree is consistent: there is no new root to get wrong.
    if old > 0 {
        assert!(
            verify_consistency(old, new, old_root, flip(new_root), proof).is_err(),
            "new"
        );
    }
    for i in 0..proof.len() {
        let mut bad = proof.to_vec();
        bad[i] = flip(bad[i]);
        assert!(
            verify_consistency(old, new, old_root, new_root, &bad).is_err(),
            "proof[{i}]"
        );
    }
    let mut longer = proof.to_vec();
    longer.push(new_root);
    assert!(
        verify_consistency(old, new, old_root, new_root, &longer).is_err(),
        "longer"
    );
    if !proof.is_empty() {
        let shorter = &proof[..proof.len() - 1];
        assert!(
            verify_consistency(old, new, old_root, new_root, shorter).is_err(),
            "shorter"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Batching does not change the tree: any split gives the RFC 6962 root, and the
    /// stored hashes are exactly those of appending one entry at a time.
    #[test]
    fn batches_give_the_rfc6962_root(
        size in 0u64..700,
        batches in prop::collection::vec(1usize..300, 1..6),
    ) {
        let log = build(size, &batches);
        let entries: Vec<Vec<u8>> = (0..size).map(entry).collect();
        prop_assert_eq!(log.root(), mth(&entries));
        let one_by_one = build(size, &[1]);
        prop_assert_eq!(log.store().hash_count(), one_by_one.store().hash_count());
        prop_assert_eq!(log.tree(), one_by_one.tree());
        // Reopening from the store gives the same tree.
        let reopened = Log::open(log.into_store()).unwrap();
        prop_assert_eq!(reopened.tree(), one_by_one.tree());
    }

    /// Every inclusion proof of a tree, and of an older tree, is RFC 6962's audit path and
    /// verifies; every tampering fails.
    #[test]
    fn every_inclusion_proof_verifies(size in 1u64..300, older in 0.0f64..1.0) {
        let log = build(size, &[7, 1, 64]);
        let entries: Vec<Vec<u8>> = (0..size).map(entry).collect();
        let older = 1 + ((size - 1) as f64 * older) as u64;
        for tree_size in [size, older] {
            let root = log.root_at(tree_size).unwrap();
            prop_assert_eq!(root, mth(&entries[..tree_size as usize]));
            for index in 0..tree_size {
                let proof = log.inclusion_proof(index, tree_size).unwrap();
                prop_assert_eq!(&proof, &path(index as usize, &entries[..tree_size as usize]));
                check_inclusion(index, tree_size, leaf_hash(&entries[index as usize]), &proof, root);
            }
        }
    }

    /// Every consistency proof into a tree is RFC 6962's and verifies; every tampering fails.
    #[test]
    fn every_consistency_proof_verifies(size in 1u64..300) {
        let log = build(size, &[3, 100]);
        let entries: Vec<Vec<u8>> = (0..size).map(entry).collect();
        for old in 0..=size {
            let proof = log.consistency_proof(old, size).unwrap();
            if old > 0 {
                prop_assert_eq!(&proof, &subproof(old as usize, &entries, true));
            }
            let old_root = log.root_at(old).unwrap();
            check_consistency(old, size, old_root, log.root(), &proof);
        }
    }
}

#[test]
fn proofs_outside_the_tree_are_refused() {
    let log = build(10, &[10]);
    assert!(matches!(
        log.inclusion_proof(10, 10),
        Err(Error::IndexOutOfRange {
            index: 10,
            size: 10
        })
    ));
    assert!(matches!(
        log.inclusion_proof(0, 11),
        Err(Error::SizeOutOfRange {
            requested: 11,
            size: 10
        })
    ));
    assert!(log.consistency_proof(5, 11).is_err());
    assert!(log.consistency_proof(6, 5).is_err());
    assert!(verify_inclusion(3, 3, leaf_hash(b"x"), &[], EMPTY_ROOT).is_err());
    assert!(verify_inclusion(0, 0, leaf_hash(b"x"), &[], EMPTY_ROOT).is_err());
    // A proof longer than any tree can need is refused before it is run.
    let long = vec![EMPTY_ROOT; 65];
    assert!(matches!(
        verify_inclusion(0, u64::MAX, EMPTY_ROOT, &long, EMPTY_ROOT),
        Err(Error::InvalidProof)
    ));
}

#[test]
fn a_corrupted_store_cannot_prove_against_a_signed_root() {
    let log = build(100, &[100]);
    let root = log.root();
    let mut store = log.into_store();
    // Overwrite a leaf hash, as a hub rewriting history would.
    store.corrupt_hash(0, leaf_hash(b"forged"));
    let proof = rex_tlog::inclusion_proof(&store, 0, 100).unwrap();
    assert!(verify_inclusion(0, 100, leaf_hash(b"forged"), &proof, root).is_err());
    // The neighbour's proof now carries the forged hash, and fails too.
    let proof = rex_tlog::inclusion_proof(&store, 1, 100).unwrap();
    assert!(verify_inclusion(1, 100, leaf_hash(&entry(1)), &proof, root).is_err());
    // Overwrite a peak: the recomputed root no longer matches the signed one.
    store.corrupt_hash(Tree::peak_indexes(100)[0], leaf_hash(b"forged"));
    assert_ne!(rex_tlog::tree_root(&store, 100).unwrap(), root);
}

#[test]
fn append_refuses_oversized_input_and_leaves_the_tree_alone() {
    let tree = Tree::new();
    let big = vec![0u8; 65_536];
    assert!(matches!(
        tree.append_batch(&[big]),
        Err(Error::EntryTooLong(65_536))
    ));
    let many = vec![Vec::<u8>::new(); rex_tlog::MAX_BATCH + 1];
    assert!(matches!(
        tree.append_batch(&many),
        Err(Error::BatchTooLarge(_))
    ));
    // Entries of the largest size and of size zero are fine.
    let ok = tree.append_batch(&[vec![1u8; 65_535], Vec::new()]).unwrap();
    assert_eq!(ok.new_size(), 2);
    assert_eq!(tree.size(), 0, "append_batch does not change the tree");
}

/// A store that refuses writes: the log must not advance past what is durable.
struct FailingStore(MemoryStore);

impl TileStore for FailingStore {
    fn size(&self) -> Result<u64, Error> {
        self.0.size()
    }
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.0.read_hashes(indexes)
    }
    fn read_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, Error> {
        self.0.read_entries(start, end)
    }
    fn write_append(&mut self, _: &rex_tlog::AppendResult) -> Result<(), Error> {
        Err(Error::store("disk full"))
    }
}

#[test]
fn a_failed_write_leaves_the_log_unchanged() {
    let mut log = Log::open(FailingStore(MemoryStore::new())).unwrap();
    assert!(matches!(log.append_batch(&[b"a"]), Err(Error::Store(_))));
    assert_eq!(log.size(), 0);
    assert_eq!(log.root(), EMPTY_ROOT);
}

#[test]
fn a_stale_append_is_refused_by_the_store() {
    // Two appends computed from the same tree: only the first may be written.
    let mut store = MemoryStore::new();
    let tree = Tree::new();
    let a = tree.append_batch(&[b"a"]).unwrap();
    let b = tree.append_batch(&[b"b"]).unwrap();
    store.write_append(&a).unwrap();
    assert!(store.write_append(&b).is_err());
    assert_eq!(store.size().unwrap(), 1);
}

#[test]
fn tree_restarts_from_its_peaks() {
    let log = build(77, &[77]);
    let peaks = log.tree().peaks().to_vec();
    assert_eq!(peaks.len(), 77u64.count_ones() as usize);
    let tree = Tree::from_peaks(77, peaks.clone()).unwrap();
    assert_eq!(&tree, log.tree());
    assert!(matches!(
        Tree::from_peaks(79, peaks),
        Err(Error::BadPeaks { size: 79, got: 4 })
    ));
    let next = tree.append_batch(&[entry(77)]).unwrap();
    let entries: Vec<Vec<u8>> = (0..78).map(entry).collect();
    assert_eq!(next.root(), mth(&entries));
}
