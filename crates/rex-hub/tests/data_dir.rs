//! The hub's data directory on disk: who may read it, and what the hub does when its keys are
//! gone but its log is not.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use rex_hub::{Hub, HubConfig, HubError};
use rex_testkit::TestHub;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A hub started on a directory that does not exist yet makes it, and its database, readable
/// by the hub's user alone, whatever the umask.
#[tokio::test]
async fn the_data_directory_and_database_are_private() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested").join("hub");
    let hub = Hub::open(&dir, HubConfig::default()).await.unwrap();
    hub.shutdown().await;
    assert_eq!(mode(&dir), 0o700, "data directory");
    assert_eq!(mode(&dir.join("hub.db")), 0o600, "database");
    assert_eq!(mode(&dir.join("keys")), 0o700, "keys directory");
    for file in ["hub.db-wal", "hub.db-shm"] {
        let path = dir.join(file);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{file}");
        }
    }
}

/// Keys lost next to an existing log are not silently replaced: new keys would sign
/// checkpoints that no state's pinned key checks. The hub refuses to start and says what to
/// do; with the keys restored it starts on the same log.
#[tokio::test]
async fn lost_keys_next_to_an_existing_log_are_refused() {
    let mut t = TestHub::new(&["RU", "US"]).await;
    let checkpoint = t.get("/checkpoint").await.bytes;
    t.stop().await;

    let keys = t.path().join("keys");
    let backup = t.path().join("keys.backup");
    std::fs::rename(&keys, &backup).unwrap();
    let refused = t.try_start().await;
    match &refused {
        Err(HubError::Keys(message)) => {
            assert!(
                message.contains("keys are missing but its log exists")
                    && message.contains("restore keys/ from a backup"),
                "{message}"
            );
        }
        other => panic!("expected a refusal for lost keys, got {other:?}"),
    }
    assert!(!keys.exists(), "no new keys were made");

    std::fs::rename(&backup, &keys).unwrap();
    t.start().await;
    assert_eq!(t.get("/checkpoint").await.bytes, checkpoint);
}
