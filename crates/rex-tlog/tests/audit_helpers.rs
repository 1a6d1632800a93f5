//! What an auditor re-derives from the tiles: the root of the level-0 hashes, which tiles and
//! entry bundles hold a run of entries, and which witnesses cosigned a checkpoint.

use rex_tlog::{
    leaf_hash, level0_tiles, read_tile, root_of_leaves, Checkpoint, Cosigner, Hash, Log,
    MemoryStore, NoteSigner, SigningKey, TilePath, Tree, TILE_WIDTH,
};

#[test]
fn root_of_leaves_is_the_root_of_the_tree() {
    for n in (0..40u32).chain([255, 256, 257, 511, 513, 1000]) {
        let entries: Vec<Vec<u8>> = (0..n).map(|i| i.to_be_bytes().to_vec()).collect();
        let tree = Tree::new().append_batch(&entries).unwrap();
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        assert_eq!(root_of_leaves(&leaves), tree.root(), "size {n}");
    }
}

#[test]
fn level0_tiles_name_full_and_partial_tiles() {
    let tiles = |start, end, size| level0_tiles(start, end, size).collect::<Vec<_>>();
    assert_eq!(tiles(0, 0, 0), []);
    assert_eq!(tiles(5, 5, 10), []);
    assert_eq!(tiles(0, 10, 10), [(0, 10)]);
    assert_eq!(tiles(0, 256, 256), [(0, 256)]);
    assert_eq!(tiles(0, 257, 257), [(0, 256), (1, 1)]);
    assert_eq!(tiles(255, 257, 600), [(0, 256), (1, 256)]);
    assert_eq!(tiles(300, 301, 1000), [(1, 256)]);
    assert_eq!(tiles(600, 700, 700), [(2, 188)]);
    // The end is capped at the size.
    assert_eq!(tiles(0, 900, 300), [(0, 256), (1, 44)]);
}

#[test]
fn level0_tiles_are_the_tiles_a_log_serves() {
    for size in [1u64, 255, 256, 257, 700] {
        let mut log = Log::open(MemoryStore::new()).unwrap();
        let entries: Vec<Vec<u8>> = (0..size).map(|i| i.to_be_bytes().to_vec()).collect();
        log.append_batch(&entries).unwrap();
        let mut seen = 0;
        for (index, width) in level0_tiles(0, size, size) {
            let bundle = TilePath::entries(index, width).unwrap();
            let hashes = TilePath::hashes(0, index, width).unwrap();
            assert!(read_tile(log.store(), size, &bundle).is_ok(), "{bundle}");
            let tile = read_tile(log.store(), size, &hashes).unwrap();
            assert_eq!(tile.len(), usize::from(width) * 32);
            seen += u64::from(width);
        }
        assert_eq!(seen, size);
        assert!(size.div_ceil(TILE_WIDTH) == level0_tiles(0, size, size).count() as u64);
    }
}

#[test]
fn cosigned_by_names_the_witnesses_whose_cosignature_verifies() {
    let hub = NoteSigner::new("hub.example/log", SigningKey::from_bytes(&[1; 32])).unwrap();
    let checkpoint = Checkpoint::new("hub.example/log", 3, leaf_hash(b"x")).unwrap();
    let other = Checkpoint::new("hub.example/log", 4, leaf_hash(b"y")).unwrap();
    let mut note = checkpoint.sign(&hub).unwrap();
    let us = Cosigner::new("US", SigningKey::from_bytes(&[2; 32])).unwrap();
    let fr = Cosigner::new("FR", SigningKey::from_bytes(&[3; 32])).unwrap();
    let de = Cosigner::new("DE", SigningKey::from_bytes(&[4; 32])).unwrap();
    // US cosigns this checkpoint; FR cosigned another one (its line does not verify here);
    // DE did not cosign at all.
    note.add_signature(
        us.cosign(&checkpoint, 1_750_000_000)
            .unwrap()
            .to_note_signature(),
    )
    .unwrap();
    note.add_signature(
        fr.cosign(&other, 1_750_000_000)
            .unwrap()
            .to_note_signature(),
    )
    .unwrap();
    let verifiers = [
        fr.verifier().clone(),
        us.verifier().clone(),
        de.verifier().clone(),
    ];
    let names: Vec<&str> = note
        .cosigned_by(&checkpoint, &verifiers)
        .into_iter()
        .map(|v| v.name())
        .collect();
    assert_eq!(names, ["US"]);
    assert!(note.has_cosignature(&checkpoint, us.verifier()));
    assert!(!note.has_cosignature(&other, us.verifier()));
    // The hub's own signature is not a cosignature.
    assert!(!note.has_cosignature(&checkpoint, hub.verifier()));
}
