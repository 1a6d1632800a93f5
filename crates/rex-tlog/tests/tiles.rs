//! The tlog-tiles read API: paths, and tile bytes checked against recomputed hashes and by a
//! client that trusts nothing but the root.

use proptest::prelude::*;
use rex_tlog::{
    changed_tiles, decode_entry_bundle, encode_entry_bundle, leaf_hash, node_hash, Error, Hash,
    Log, MemoryStore, TilePath, TILE_WIDTH,
};

fn entry(i: u64) -> Vec<u8> {
    // Entries of varied length, some empty, to exercise the bundle's length prefixes.
    vec![(i % 251) as u8; (i % 300) as usize]
}

fn build(size: u64) -> Log<MemoryStore> {
    let mut log = Log::open(MemoryStore::new()).unwrap();
    let mut next = 0;
    while next < size {
        let end = (next + 4096).min(size);
        let batch: Vec<Vec<u8>> = (next..end).map(entry).collect();
        log.append_batch(&batch).unwrap();
        next = end;
    }
    log
}

fn hashes_of(tile: &[u8]) -> Vec<Hash> {
    assert_eq!(tile.len() % 32, 0);
    tile.chunks(32)
        .map(|c| Hash::from_slice(c).unwrap())
        .collect()
}

/// The Merkle tree hash of a full tile's 256 hashes, pairing them level by level.
fn tile_root(mut level: Vec<Hash>) -> Hash {
    assert_eq!(level.len() as u64, TILE_WIDTH);
    while level.len() > 1 {
        level = level.chunks(2).map(|p| node_hash(p[0], p[1])).collect();
    }
    level[0]
}

/// A tree with two full level-1 tiles' worth of leaves and some more: it has full and partial
/// tiles at levels 0, 1 and a partial one at level 2.
const SIZE: u64 = 2 * 256 * 256 + 300;

#[test]
fn every_tile_matches_recomputed_hashes() {
    let log = build(SIZE);
    let tiles = changed_tiles(0, SIZE);
    for tile in &tiles {
        let bytes = log.read_tile(tile).unwrap();
        match *tile {
            TilePath::Entries { index, width } => {
                let entries = decode_entry_bundle(&bytes).unwrap();
                let want: Vec<Vec<u8>> = (0..u64::from(width))
                    .map(|i| entry(index * TILE_WIDTH + i))
                    .collect();
                assert_eq!(entries, want, "{tile}");
                // Each entry hashes to the matching hash of the level-0 tile.
                let level0 = TilePath::hashes(0, index, width).unwrap();
                let hashes = hashes_of(&log.read_tile(&level0).unwrap());
                let leaf: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
                assert_eq!(leaf, hashes, "{tile}");
            }
            TilePath::Hashes {
                level: 0,
                index,
                width,
            } => {
                let want: Vec<Hash> = (0..u64::from(width))
                    .map(|i| leaf_hash(&entry(index * TILE_WIDTH + i)))
                    .collect();
                assert_eq!(hashes_of(&bytes), want, "{tile}");
            }
            TilePath::Hashes {
                level,
                index,
                width,
            } => {
                // Each hash is the tree hash of a full tile of the level below.
                for (i, h) in hashes_of(&bytes).into_iter().enumerate() {
                    let below = TilePath::hashes(level - 1, index * TILE_WIDTH + i as u64, 256);
                    let below = hashes_of(&log.read_tile(&below.unwrap()).unwrap());
                    assert_eq!(h, tile_root(below), "{tile} hash {i}");
                }
                assert_eq!(bytes.len(), usize::from(width) * 32);
            }
        }
    }
}

/// A mirror's view: tiles fetched through paths, authenticated by `tlog_tiles` against the
/// root alone, then used to rebuild proofs.
struct Mirror<'a>(&'a Log<MemoryStore>);

impl tlog_tiles::TileReader for Mirror<'_> {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                let width = u16::try_from(t.width()).unwrap();
                let path = TilePath::hashes(t.level(), t.level_index(), width).unwrap();
                // Fetch by the path's text, as an HTTP client would.
                let path: TilePath = path.to_string().parse().unwrap();
                self.0
                    .read_tile(&path)
                    .map_err(|_| tlog_tiles::Error::InvalidTile)
            })
            .collect()
    }

    fn save_tiles(&self, _: &[tlog_tiles::Tile], _: &[Vec<u8>]) {}
}

#[test]
fn a_mirror_rebuilds_proofs_from_tiles_and_the_root() {
    let log = build(SIZE);
    let mirror = Mirror(&log);
    let reader = tlog_tiles::TileHashReader::new(SIZE, log.root().into(), &mirror);
    for index in [0, 1, 255, 256, 65_535, 65_536, 131_071, 131_072, SIZE - 1] {
        let from_tiles: Vec<Hash> = tlog_tiles::prove_record(SIZE, index, &reader)
            .unwrap()
            .into_iter()
            .map(Hash::from)
            .collect();
        assert_eq!(
            from_tiles,
            log.inclusion_proof(index, SIZE).unwrap(),
            "{index}"
        );
    }
    for old in [1, 256, 65_536, 100_000] {
        let from_tiles: Vec<Hash> = tlog_tiles::prove_tree(SIZE, old, &reader)
            .unwrap()
            .into_iter()
            .map(Hash::from)
            .collect();
        assert_eq!(
            from_tiles,
            log.consistency_proof(old, SIZE).unwrap(),
            "{old}"
        );
    }
    // Against a wrong root the same tiles are rejected.
    let wrong = tlog_tiles::TileHashReader::new(SIZE, Hash([0; 32]).into(), &mirror);
    assert!(tlog_tiles::prove_record(SIZE, 0, &wrong).is_err());
}

#[test]
fn tiles_beyond_the_tree_are_not_served() {
    let log = build(600);
    let ok = [
        TilePath::hashes(0, 1, 256),
        TilePath::hashes(0, 2, 88),
        TilePath::hashes(0, 2, 50), // the partial tile of an older size: a prefix
        TilePath::hashes(1, 0, 2),
        TilePath::entries(2, 88),
    ];
    for t in ok {
        log.read_tile(&t.unwrap()).unwrap();
    }
    let partial = log.read_tile(&TilePath::hashes(0, 2, 88).unwrap()).unwrap();
    let older = log.read_tile(&TilePath::hashes(0, 2, 50).unwrap()).unwrap();
    assert_eq!(older, partial[..50 * 32]);

    let refused = [
        TilePath::hashes(0, 2, 89),
        TilePath::hashes(0, 2, 256),
        TilePath::hashes(0, 3, 1),
        TilePath::hashes(1, 0, 3),
        TilePath::hashes(2, 0, 1),
        TilePath::hashes(63, 0, 1),
        TilePath::hashes(7, u64::MAX, 256),
        TilePath::entries(2, 89),
        TilePath::entries(u64::MAX, 1),
    ];
    for t in refused {
        let t = t.unwrap();
        assert!(
            matches!(log.read_tile(&t), Err(Error::TileNotAvailable { .. })),
            "{t}"
        );
    }
    // Unchecked variants are refused too, not passed on to the tile arithmetic.
    let unchecked = TilePath::Hashes {
        level: 0,
        index: 0,
        width: 0,
    };
    assert!(matches!(
        log.read_tile(&unchecked),
        Err(Error::MalformedTilePath(_))
    ));
    assert!(TilePath::hashes(64, 0, 1).is_err());
    assert!(TilePath::hashes(0, 0, 0).is_err());
    assert!(TilePath::entries(0, 257).is_err());
}

#[test]
fn malformed_tile_paths_are_refused() {
    for path in [
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "tile/0/1234",
        "tile/0/12",
        "tile/0/0001",
        "tile/0/x1/234",
        "tile/0/x001",
        "tile/0/001/234",
        "tile/0/x000/001",
        "tile/00/000",
        "tile/+0/000",
        "tile/-1/000",
        "tile/64/000",
        "tile/256/000",
        "tile/data/000",
        "tile/8/0/000",
        "tile//000",
        "tile/0/000/",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/08",
        "tile/0/000.p/",
        "tile/0/000.p/1/",
        "tile/0/000.p/1.p/1",
        "tile/entries/000.p/",
        "tile/entries/x018/x446/x744/x073/x709/x551/616",
        "/tile/0/000",
        "tile/0/0a0",
    ] {
        assert!(path.parse::<TilePath>().is_err(), "accepted {path:?}");
    }
}

#[test]
fn entry_bundles_refuse_bad_bytes() {
    assert_eq!(decode_entry_bundle(&[]).unwrap(), Vec::<Vec<u8>>::new());
    assert!(decode_entry_bundle(&[0]).is_err());
    assert!(decode_entry_bundle(&[0, 2, 1]).is_err());
    assert!(encode_entry_bundle(&[vec![0u8; 65_536]]).is_err());
    let too_many = encode_entry_bundle(&vec![Vec::<u8>::new(); 257]).unwrap();
    assert!(decode_entry_bundle(&too_many).is_err());
}

proptest! {
    #[test]
    fn tile_paths_round_trip(level in 0u8..=63, index in any::<u64>(), width in 1u16..=256) {
        for tile in [TilePath::hashes(level, index, width).unwrap(), TilePath::entries(index, width).unwrap()] {
            let path = tile.to_string();
            prop_assert_eq!(path.parse::<TilePath>().unwrap(), tile);
            prop_assert_eq!(tile.is_partial(), path.contains(".p/"));
        }
    }

    #[test]
    fn entry_bundles_round_trip(entries in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..600), 0..=256)) {
        let bytes = encode_entry_bundle(&entries).unwrap();
        prop_assert_eq!(decode_entry_bundle(&bytes).unwrap(), entries);
    }

    /// The tiles a growth step changes are exactly those whose bytes differ or are new.
    #[test]
    fn changed_tiles_cover_the_growth(old in 0u64..2000, grow in 1u64..2000) {
        let new = old + grow;
        for t in changed_tiles(old, new) {
            prop_assert!(t.min_tree_size().unwrap() <= new);
            prop_assert!(t.is_partial() || t.min_tree_size().unwrap() > old, "{} was full at {}", t, old);
        }
    }
}
