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
CREATE TABLE IF NOT EXISTS final_checkpoint (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence (
    id       INTEGER PRIMARY KEY,
    a_size   INTEGER NOT NULL,
    a_root   TEXT NOT NULL,
    a_note   TEXT NOT NULL,
    a_from   TEXT NOT NULL,
    b_size   INTEGER NOT NULL,
    b_root   TEXT NOT NULL,
    b_note   TEXT NOT NULL,
    b_from   TEXT NOT NULL,
    found_at INTEGER NOT NULL,
    UNIQUE (a_size, a_root, b_size, b_root)
);
CREATE TABLE IF NOT EXISTS foreign_checkpoints (
    party       TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    root        TEXT NOT NULL,
    note        TEXT NOT NULL,
    received_at INTEGER NOT NULL
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

/// Two checkpoints signed by the hub that cannot both be true: the same size with different
/// roots, or two sizes with no valid consistency proof between them. Both signed notes are
/// kept, so the evidence convinces anyone who pins the hub's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// One checkpoint: its size, root (base64, as in the note) and signed note text.
    pub a: Witnessed,
    /// The other.
    pub b: Witnessed,
    /// When this node found it (its clock, unix seconds).
    pub found_at: u64,
}

/// A signed checkpoint and where the node got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    /// The tree size.
    pub size: u64,
    /// The root, base64 as the note writes it.
    pub root: String,
    /// The signed note, with the signatures it came with.
    pub note: String,
    /// Where it came from ("held by US", "cosigned by RU, from a gossip file").
    pub from: String,
}

pub(crate) struct Store {
    conn: Connection,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).expect("sizes and indexes fit in i64")
}

impl Store {
    /// Opens (or creates) the store at `path`; an error names the file.
    pub(crate) fn open(path: &Path) -> Result<Store, Error> {
        let named =
            |e: rusqlite::Error| Error::Local(format!("local store {}: {e}", path.display()));
        let conn = Connection::open(path).map_err(named)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(named)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(named)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(named)?;
        conn.execute_batch(SCHEMA).map_err(named)?;
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

    /// Keeps `note` as the last final checkpoint if it is larger than the one held.
    pub(crate) fn set_final(&self, size: u64, note: &str) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO final_checkpoint (id, size, note) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET size = excluded.size, note = excluded.note
             WHERE excluded.size > final_checkpoint.size",
            params![to_i64(size), note],
        )?;
        Ok(())
    }

    /// The size of the last final checkpoint (0 before any).
    pub(crate) fn final_size(&self) -> Result<u64, Error> {
        Ok(self
            .conn
            .query_row("SELECT size FROM final_checkpoint WHERE id = 1", [], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
            .map_or(0, |s| s as u64))
    }

    /// The last final checkpoint's note, with the cosignatures that made it final.
    pub(crate) fn final_note(&self) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .query_row("SELECT note FROM final_checkpoint WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Keeps `e` (durably, before anyone reports it); the same pair twice is kept once.
    /// Returns whether it was new.
    pub(crate) fn add_evidence(&self, e: &Evidence) -> Result<bool, Error> {
        // One pair is one pair, whichever way round it was found.
        let mut e = e.clone();
        if (e.a.size, &e.a.root) > (e.b.size, &e.b.root) {
            std::mem::swap(&mut e.a, &mut e.b);
        }
        let n = self.conn.execute(
            "INSERT INTO evidence (a_size, a_root, a_note, a_from, b_size, b_root, b_note, b_from,
                                   found_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT DO NOTHING",
            params![
                to_i64(e.a.size),
                e.a.root,
                e.a.note,
                e.a.from,
                to_i64(e.b.size),
                e.b.root,
                e.b.note,
                e.b.from,
                to_i64(e.found_at)
            ],
        )?;
        Ok(n == 1)
    }

    /// Every piece of evidence held, oldest first.
    pub(crate) fn evidence(&self) -> Result<Vec<Evidence>, Error> {
        let mut stmt = self.conn.prepare(
            "SELECT a_size, a_root, a_note, a_from, b_size, b_root, b_note, b_from, found_at
             FROM evidence ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Evidence {
                a: Witnessed {
                    size: r.get::<_, i64>(0)? as u64,
                    root: r.get(1)?,
                    note: r.get(2)?,
                    from: r.get(3)?,
                },
                b: Witnessed {
                    size: r.get::<_, i64>(4)? as u64,
                    root: r.get(5)?,
                    note: r.get(6)?,
                    from: r.get(7)?,
                },
                found_at: r.get::<_, i64>(8)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Keeps the checkpoint `party` cosigned, if it is at least as large as the one held from
    /// that party (one per party: the largest is the one that says most).
    pub(crate) fn put_foreign(
        &self,
        party: &str,
        w: &Witnessed,
        received_at: u64,
    ) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO foreign_checkpoints (party, size, root, note, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (party) DO UPDATE SET size = excluded.size, root = excluded.root,
                 note = excluded.note, received_at = excluded.received_at
             WHERE excluded.size >= foreign_checkpoints.size",
            params![party, to_i64(w.size), w.root, w.note, to_i64(received_at)],
        )?;
        Ok(())
    }

    /// The checkpoints other states cosigned, as `(party, note)`.
    pub(crate) fn foreign(&self) -> Result<Vec<(String, String)>, Error> {
        let mut stmt = self
            .conn
            .prepare("SELECT party, note FROM foreign_checkpoints ORDER BY party")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// "local store: file is not a database" said neither which file nor where.
    #[test]
    fn a_store_that_is_not_a_database_is_named() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("node.sqlite");
        std::fs::write(&path, vec![b'x'; 4096]).expect("write");
        let Err(Error::Local(message)) = Store::open(&path) else {
            panic!("a garbage file opened as a store");
        };
        assert!(
            message.starts_with(&format!("local store {}: ", path.display())),
            "{message}"
        );
        assert!(message.contains("not a database"), "{message}");
    }

    /// A store in a directory that does not exist names the path too.
    #[test]
    fn a_store_that_cannot_be_created_is_named() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("missing").join("node.sqlite");
        let Err(Error::Local(message)) = Store::open(&path) else {
            panic!("a store was created in a missing directory");
        };
        assert!(message.contains(&path.display().to_string()), "{message}");
    }
}
