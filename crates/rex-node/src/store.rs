//! The node's local store: one SQLite file in the data directory (WAL, `synchronous=FULL`),
//! holding plaintext dossiers, receipts with the bytes of their log entries, the last verified
//! checkpoint and the node's sequence number. It never leaves the node.

use crate::Error;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoint (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS receipts (
    idx              INTEGER PRIMARY KEY,
    seq              INTEGER NOT NULL UNIQUE,
    action           TEXT NOT NULL,
    statement_sha256 TEXT NOT NULL,
    entry            BLOB NOT NULL,
    receipt          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dossiers (
    sha256    TEXT PRIMARY KEY,
    request   TEXT,
    plaintext BLOB NOT NULL
);
";

/// A receipt as the node keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReceipt {
    /// The leaf index.
    pub index: u64,
    /// The node's sequence number of the statement.
    pub seq: u64,
    /// The action's wire name.
    pub action: String,
    /// The payload digest (hex).
    pub statement_sha256: String,
    /// The bytes of the log entry, as verified against the receipt's checkpoint.
    pub entry: Vec<u8>,
}

pub(crate) struct Store {
    conn: Connection,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).expect("sizes and indexes fit in i64")
}

impl Store {
    pub(crate) fn open(path: &Path) -> Result<Store, Error> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn })
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub(crate) fn set_meta(&self, key: &str, value: &str) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The last sequence number this node used (0 before the first statement).
    pub(crate) fn last_seq(&self) -> Result<u64, Error> {
        Ok(self
            .conn
            .query_row("SELECT MAX(seq) FROM receipts", [], |r| {
                r.get::<_, Option<i64>>(0)
            })?
            .map_or(0, |s| s as u64))
    }

    /// The last verified checkpoint's note text.
    pub(crate) fn checkpoint(&self) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .query_row("SELECT note FROM checkpoint WHERE id = 1", [], |r| r.get(0))
            .optional()?)
    }

    pub(crate) fn set_checkpoint(&self, size: u64, note: &str) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO checkpoint (id, size, note) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET size = excluded.size, note = excluded.note",
            params![to_i64(size), note],
        )?;
        Ok(())
    }

    /// Records a verified receipt, and the checkpoint with it if it is newer, in one
    /// transaction.
    pub(crate) fn record_receipt(
        &mut self,
        r: &StoredReceipt,
        receipt_json: &str,
        checkpoint: Option<(u64, &str)>,
    ) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO receipts (idx, seq, action, statement_sha256, entry, receipt)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                to_i64(r.index),
                to_i64(r.seq),
                r.action,
                r.statement_sha256,
                r.entry,
                receipt_json
            ],
        )?;
        if let Some((size, note)) = checkpoint {
            tx.execute(
                "INSERT INTO checkpoint (id, size, note) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET size = excluded.size, note = excluded.note",
                params![to_i64(size), note],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn receipts(&self) -> Result<Vec<StoredReceipt>, Error> {
        let mut stmt = self.conn.prepare(
            "SELECT idx, seq, action, statement_sha256, entry FROM receipts ORDER BY idx",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredReceipt {
                index: r.get::<_, i64>(0)? as u64,
                seq: r.get::<_, i64>(1)? as u64,
                action: r.get(2)?,
                statement_sha256: r.get(3)?,
                entry: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(crate) fn put_dossier(&self, sha256: &str, plaintext: &[u8]) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO dossiers (sha256, plaintext) VALUES (?1, ?2)
             ON CONFLICT (sha256) DO NOTHING",
            params![sha256, plaintext],
        )?;
        Ok(())
    }

    pub(crate) fn set_dossier_request(&self, sha256: &str, request: &str) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE dossiers SET request = ?2 WHERE sha256 = ?1",
            params![sha256, request],
        )?;
        Ok(())
    }

    pub(crate) fn dossier(&self, sha256: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT plaintext FROM dossiers WHERE sha256 = ?1",
                [sha256],
                |r| r.get(0),
            )
            .optional()?)
    }
}
