//! [`LoopbackHub`]: a [`TestHub`] served on loopback for synchronous tests (the node's
//! blocking client), on a runtime of its own.

use std::future::Future;
use std::path::Path;

use rex_domain::PublicKeyFile;
use rex_hub::{HubError, ManualClock};

use crate::hub::TestHub;

/// A [`TestHub`] served on `127.0.0.1:0` from its own multi-threaded tokio runtime, so that a
/// synchronous test can call it over HTTP while the hub runs. Stopped cleanly when dropped.
pub struct LoopbackHub {
    runtime: tokio::runtime::Runtime,
    hub: TestHub,
}

impl LoopbackHub {
    /// A fresh hub with these parties registered offline (keys by [`crate::key_of`]), served.
    pub fn new(parties: &[&str]) -> LoopbackHub {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("a tokio runtime: {e}"));
        let hub = runtime.block_on(async {
            let mut hub = TestHub::new(parties).await;
            hub.serve().await;
            hub
        });
        LoopbackHub { runtime, hub }
    }

    /// `http://127.0.0.1:PORT`; the same after a restart.
    pub fn url(&self) -> String {
        self.hub.url()
    }

    /// The data directory.
    pub fn path(&self) -> &Path {
        self.hub.path()
    }

    /// The hub's SQLite file, for tests that change it behind the hub's back.
    pub fn database_path(&self) -> std::path::PathBuf {
        std::fs::read_dir(self.path())
            .unwrap_or_else(|e| panic!("{}: {e}", self.path().display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == "sqlite" || e == "db"))
            .unwrap_or_else(|| panic!("no SQLite file in {}", self.path().display()))
    }

    /// Rolls the stopped hub's database back to its first `keep` entries, as an insider with
    /// the file would: entries, Merkle hashes, checkpoints and cosignatures beyond them go. The
    /// checkpoint of `keep` entries the hub signed stays, so the hub serves the shorter log.
    pub fn roll_back_to(&self, keep: u64) {
        let db = rusqlite::Connection::open(self.database_path())
            .unwrap_or_else(|e| panic!("the hub's database: {e}"));
        // A tree of n leaves stores 2n - popcount(n) hashes (every leaf, every full subtree).
        let kept_hashes = 2 * keep - u64::from(keep.count_ones());
        db.execute_batch(&format!(
            "DELETE FROM cosignatures WHERE size > {keep};
             DELETE FROM checkpoints WHERE size > {keep};
             DELETE FROM hashes WHERE idx >= {kept_hashes};
             DELETE FROM entries WHERE idx >= {keep};"
        ))
        .unwrap_or_else(|e| panic!("rolling the hub's database back to {keep}: {e}"));
    }

    /// The hub's clock.
    pub fn clock(&self) -> &ManualClock {
        &self.hub.clock
    }

    /// The operator's private key (`DIR/operator.key`).
    pub fn operator_key(&self) -> ed25519_dalek::SigningKey {
        self.hub.operator_key()
    }

    /// The log's origin, which signed requests name.
    pub fn origin(&self) -> String {
        self.hub.origin().to_owned()
    }

    /// The hub, for its in-process helpers (run them with [`LoopbackHub::block_on`]).
    pub fn hub(&self) -> &TestHub {
        &self.hub
    }

    /// Runs `f` on the hub's runtime.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// Stops the hub and releases its data directory.
    pub fn stop(&mut self) {
        self.runtime.block_on(self.hub.stop());
    }

    /// Starts the stopped hub again on the same directory and address; panics if it refuses.
    pub fn start(&mut self) {
        self.runtime.block_on(self.hub.start());
    }

    /// Starts the stopped hub again, or returns why it refuses to.
    pub fn try_start(&mut self) -> Result<(), HubError> {
        self.runtime.block_on(self.hub.try_start())
    }

    /// A second hub on a copy of this one's data directory (same keys, same log), served on an
    /// address of its own, on a runtime of its own ([`TestHub::copy`]).
    pub fn copy(&mut self) -> LoopbackHub {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("a tokio runtime: {e}"));
        // This hub stops and starts on its own runtime; the copy runs on the new one.
        self.stop();
        let dir = self.hub.copy_files();
        self.start();
        let (now, config) = (self.hub.now(), self.hub.config());
        let hub = runtime.block_on(TestHub::on_copy(dir, now, config, true));
        LoopbackHub { runtime, hub }
    }

    /// Registers parties offline, as an operator does: stop, import the key files, start.
    pub fn register(&mut self, files: impl IntoIterator<Item = PublicKeyFile>) {
        self.runtime.block_on(self.hub.register(files));
    }
}

impl Drop for LoopbackHub {
    fn drop(&mut self) {
        // Not `stop`: a test that failed may leave the hub in any state, and a second panic
        // while unwinding would hide the first.
        if !std::thread::panicking() {
            self.stop();
        }
    }
}
