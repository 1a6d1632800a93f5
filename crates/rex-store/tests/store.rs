//! Story tests of the storage trait, on a real SQLite file. Written against `dyn HubStore` so a
//! PostgreSQL implementation runs the same stories.

use rex_store::{HubStore, PutDossier, SqliteStore, StoreError, Tiles};
use rex_tlog::{
    inclusion_proof, leaf_hash, verify_inclusion, Checkpoint, NoteSigner, SigningKey, Tree,
};

fn signer() -> NoteSigner {
    NoteSigner::new("rex-hub/test", SigningKey::from_bytes(&[9; 32])).unwrap()
}

/// Appends `entries` to the tree the store holds, with a signed checkpoint, as the hub does.
fn append(store: &dyn HubStore, entries: &[&[u8]]) -> Result<Tree, StoreError> {
    let tree = Tree::load(&Tiles(store), store.size()?).unwrap();
    let result = tree.append_batch(entries).unwrap();
    let note = Checkpoint::new("rex-hub/test", result.new_size(), result.root())
        .unwrap()
        .sign(&signer())
        .unwrap()
        .to_string();
    store.append(&result, &note)?;
    Ok(result.into_tree())
}

fn open(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(dir.path().join("hub.db")).unwrap()
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let s: &dyn HubStore = &store;
    assert_eq!(s.size().unwrap(), 0);
    assert_eq!(s.latest_checkpoint().unwrap(), None);

    append(s, &[b"a", b"b", b"c"]).unwrap();
    let tree = append(s, &[b"d", b"e"]).unwrap();
    assert_eq!(s.size().unwrap(), 5);
    assert_eq!(
        s.entries(1, 4).unwrap(),
        vec![b"b".to_vec(), b"c".to_vec(), b"d".to_vec()]
    );
    assert!(s.entries(3, 6).is_err(), "beyond the end");

    // Proofs from the stored hashes verify against the stored checkpoint.
    let latest = s.latest_checkpoint().unwrap().unwrap();
    assert_eq!(latest.size, 5);
    let note = rex_tlog::SignedNote::parse(&latest.note).unwrap();
    let checkpoint = Checkpoint::open(&note, signer().verifier()).unwrap();
    assert_eq!(checkpoint.root(), tree.root());
    let proof = inclusion_proof(&Tiles(s), 3, 5).unwrap();
    verify_inclusion(3, 5, leaf_hash(b"d"), &proof, checkpoint.root()).unwrap();
    assert_eq!(s.checkpoint(3).unwrap().unwrap().size, 3);
    assert_eq!(s.checkpoint(4).unwrap(), None);

    // Cosignatures attach to a stored checkpoint only; a newer line replaces the older.
    s.add_cosignature(5, "US", "— US old").unwrap();
    s.add_cosignature(5, "US", "— US new").unwrap();
    s.add_cosignature(5, "RU", "— RU line").unwrap();
    assert!(s.add_cosignature(4, "US", "— US x").is_err());
    assert_eq!(
        s.latest_checkpoint().unwrap().unwrap().cosignatures,
        vec!["— RU line".to_owned(), "— US new".to_owned()]
    );
    // The newest checkpoint each cosigner cosigned: an older cosignature arriving late does
    // not hide a newer one.
    s.add_cosignature(3, "US", "— US late").unwrap();
    s.add_cosignature(3, "DE", "— DE line").unwrap();
    let newest: Vec<(String, u64, String)> = s
        .newest_cosigned()
        .unwrap()
        .into_iter()
        .map(|c| {
            assert_eq!(c.note, s.checkpoint(c.size).unwrap().unwrap().note);
            (c.cosigner, c.size, c.line)
        })
        .collect();
    assert_eq!(
        newest,
        [
            ("DE", 3, "— DE line"),
            ("RU", 5, "— RU line"),
            ("US", 5, "— US new")
        ]
        .map(|(c, n, l)| (c.to_owned(), n, l.to_owned()))
    );

    // Signed requests: a digest is remembered once; those dated before the window are
    // forgotten, and only those.
    assert!(s.remember_signed(&[1; 32], 1000, 0).unwrap());
    assert!(!s.remember_signed(&[1; 32], 1000, 0).unwrap(), "a replay");
    assert!(s.remember_signed(&[2; 32], 1200, 1000).unwrap());
    assert!(
        !s.remember_signed(&[1; 32], 1000, 1000).unwrap(),
        "still in the window"
    );
    assert!(s.remember_signed(&[3; 32], 1400, 1001).unwrap());
    assert!(
        s.remember_signed(&[1; 32], 1000, 1001).unwrap(),
        "forgotten"
    );
    assert!(!s.remember_signed(&[2; 32], 1200, 1001).unwrap());

    // Dossiers by SHA-256, with their uploader, time and size.
    let bytes = b"age-encryption.org/v1\n...";
    let stored = s.put_dossier(bytes, "US", 100, 1 << 20).unwrap();
    let PutDossier::Stored(sha) = stored else {
        panic!("{stored:?}")
    };
    // The same bytes again, by anyone: held once, charged to the first uploader only.
    assert_eq!(s.put_dossier(bytes, "RU", 200, 0).unwrap(), stored);
    assert_eq!(s.dossier(&sha).unwrap().unwrap(), bytes);
    let info = s.dossier_info(&sha).unwrap().unwrap();
    assert_eq!(
        (info.uploader.as_str(), info.uploaded_at, info.size),
        ("US", 100, bytes.len() as u64)
    );
    assert_eq!(s.dossier_bytes_held("US").unwrap(), bytes.len() as u64);
    assert_eq!(s.dossier_bytes_held("RU").unwrap(), 0);
    assert_eq!(s.dossier(&[0; 32]).unwrap(), None);
    assert_eq!(s.dossier_info(&[0; 32]).unwrap(), None);
}

#[test]
fn dossiers_are_bounded_by_quota_and_collected_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir);
    let quota = 25;
    let PutDossier::Stored(a) = s.put_dossier(&[1; 10], "US", 100, quota).unwrap() else {
        panic!("a fits")
    };
    let PutDossier::Stored(b) = s.put_dossier(&[2; 10], "US", 200, quota).unwrap() else {
        panic!("b fits")
    };
    // 20 held, 10 more would be 30 > 25: refused, nothing stored.
    assert_eq!(
        s.put_dossier(&[3; 10], "US", 300, quota).unwrap(),
        PutDossier::OverQuota { held: 20 }
    );
    assert_eq!(s.dossier_bytes_held("US").unwrap(), 20);
    // Another state's quota is its own.
    assert!(matches!(
        s.put_dossier(&[3; 10], "RU", 300, quota).unwrap(),
        PutDossier::Stored(_)
    ));
    // Strictly before the time given.
    assert_eq!(
        s.dossiers_uploaded_before(100).unwrap(),
        Vec::<[u8; 32]>::new()
    );
    assert_eq!(s.dossiers_uploaded_before(101).unwrap(), vec![a]);
    let mut old = s.dossiers_uploaded_before(201).unwrap();
    old.sort();
    let mut both = vec![a, b];
    both.sort();
    assert_eq!(old, both);
    assert_eq!(s.delete_dossiers(&[a, [0; 32]]).unwrap(), 1);
    assert_eq!(s.dossier(&a).unwrap(), None);
    // Collected bytes no longer count against the quota.
    assert_eq!(s.dossier_bytes_held("US").unwrap(), 10);
    assert!(matches!(
        s.put_dossier(&[4; 10], "US", 400, quota).unwrap(),
        PutDossier::Stored(_)
    ));
}

#[test]
fn an_append_that_does_not_extend_the_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    append(&store, &[b"a"]).unwrap();
    // A second writer computed its append from the empty tree.
    let stale = Tree::new().append_batch(&[b"x"]).unwrap();
    let err = store.append(&stale, "note\n").unwrap_err();
    assert!(matches!(err, StoreError::NotAtEnd { size: 1, .. }), "{err}");
    assert_eq!(store.entries(0, 1).unwrap(), vec![b"a".to_vec()]);
}

#[test]
fn a_batch_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let tree = append(&store, &[b"a", b"b"]).unwrap();
    let hashes_before = rex_tlog::tile::TILE_WIDTH; // any index past the end
    assert!(store.hashes(&[hashes_before]).is_err());

    // Make the last statement of the next transaction fail: a checkpoint row for the size the
    // batch will reach already exists, so its insert conflicts after every entry and hash of
    // the batch has been written inside the transaction.
    let raw = rusqlite::Connection::open(dir.path().join("hub.db")).unwrap();
    raw.execute(
        "INSERT INTO checkpoints (size, note) VALUES (5, 'blocker')",
        [],
    )
    .unwrap();
    let err = append(&store, &[b"c", b"d", b"e"]).unwrap_err();
    assert!(matches!(err, StoreError::Sqlite(_)), "{err}");
    assert_eq!(
        store.size().unwrap(),
        2,
        "no entry of the failed batch is kept"
    );
    let n: i64 = raw
        .query_row("SELECT count(*) FROM hashes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        n as u64,
        tlog_hash_count(2),
        "no hash of the failed batch is kept"
    );
    assert_eq!(Tree::load(&Tiles(&store), 2).unwrap(), tree);

    // Once the obstacle is gone the same batch goes through.
    raw.execute("DELETE FROM checkpoints WHERE size = 5", [])
        .unwrap();
    append(&store, &[b"c", b"d", b"e"]).unwrap();
    assert_eq!(store.size().unwrap(), 5);
}

/// Stored hashes of a tree of `n` entries (2n minus the number of set bits).
fn tlog_hash_count(n: u64) -> u64 {
    2 * n - u64::from(n.count_ones())
}

#[test]
fn reopening_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (tree, sha) = {
        let store = open(&dir);
        append(&store, &[b"a", b"b", b"c"]).unwrap();
        let tree = append(&store, &[b"d"]).unwrap();
        store.add_cosignature(4, "US", "— US sig").unwrap();
        let PutDossier::Stored(sha) = store.put_dossier(b"ciphertext", "US", 1, 100).unwrap()
        else {
            panic!("the dossier fits")
        };
        (tree, sha)
    };
    let store = open(&dir);
    assert_eq!(HubStore::size(&store).unwrap(), 4);
    assert_eq!(Tree::load(&Tiles(&store), 4).unwrap(), tree);
    let latest = store.latest_checkpoint().unwrap().unwrap();
    assert_eq!((latest.size, latest.cosignatures.len()), (4, 1));
    assert_eq!(store.dossier(&sha).unwrap().unwrap(), b"ciphertext");
    assert_eq!(store.entries(0, 4).unwrap().len(), 4);
    // And the log goes on where it stopped.
    append(&store, &[b"e"]).unwrap();
    assert_eq!(HubStore::size(&store).unwrap(), 5);
}

#[test]
fn a_plain_tlog_log_runs_over_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = rex_tlog::Log::open(open(&dir)).unwrap();
    log.append_batch(&[b"x".as_slice(), b"y"]).unwrap();
    let root = log.root();
    drop(log);
    let log = rex_tlog::Log::open(open(&dir)).unwrap();
    assert_eq!((log.size(), log.root()), (2, root));
    let tile = log
        .read_tile(&rex_tlog::TilePath::entries(0, 2).unwrap())
        .unwrap();
    assert_eq!(rex_tlog::decode_entry_bundle(&tile).unwrap().len(), 2);
}
