//! The SQLite implementation: one file, WAL, `synchronous=FULL`, embedded migrations.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rex_tlog::{AppendResult, Hash, TileStore};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256 as Sha256Hasher};

use crate::{Cosigned, DossierInfo, HubStore, PutDossier, Sha256, StoreError, StoredCheckpoint};

/// The migrations, in order; migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_dossier_owners.sql"),
    include_str!("../migrations/sqlite/0003_evidence.sql"),
    include_str!("../migrations/sqlite/0004_cosigned_by.sql"),
    include_str!("../migrations/sqlite/0005_signed_requests.sql"),
];

/// Read connections kept open for reuse. More may be open at a moment; the extra are closed.
const MAX_IDLE_READERS: usize = 8;

/// A [`HubStore`] in one SQLite file. See the crate notes.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SqliteStore({})", self.path.display())
    }
}

/// Creates the database file, if there is none, readable by its owner only (0600): the log is
/// public by design, but the file also holds what the hub has not published yet. SQLite gives
/// its `-wal` and `-shm` files the mode of the database file.
fn create_private(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Create {
            path: path.display().to_string(),
            source,
        }),
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|source| StoreError::Open {
        path: path.display().to_string(),
        source,
    })?;
    // A writer waits for a reader's snapshot, never fails at once; five seconds is far above
    // any read the hub makes.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;",
    )?;
    Ok(conn)
}

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Missing(format!("index {n} is beyond any log")))
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let supported = MIGRATIONS.len() as u32;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > supported {
        return Err(StoreError::TooNew { found, supported });
    }
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {supported}"))?;
    tx.commit()?;
    Ok(())
}

fn size_of(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT coalesce(max(idx) + 1, 0) FROM entries", [], |r| {
        r.get(0)
    })?;
    Ok(n as u64)
}

fn hash_count_of(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT coalesce(max(idx) + 1, 0) FROM hashes", [], |r| {
        r.get(0)
    })?;
    Ok(n as u64)
}

fn cosignatures_of(conn: &Connection, size: u64) -> Result<Vec<String>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT line FROM cosignatures WHERE size = ?1 ORDER BY cosigner")?;
    let lines = stmt
        .query_map([to_i64(size)?], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(lines)
}

impl SqliteStore {
    /// Opens (creating it if need be) the database at `path` and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        create_private(&path)?;
        let mut writer = open_connection(&path)?;
        migrate(&mut writer)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (a transaction not committed
        // is rolled back when dropped), so a poisoned lock is still usable.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a read-only connection from the pool.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = open_connection(&self.path)?;
                c.execute_batch("PRAGMA query_only = ON")?;
                c
            }
        };
        let result = f(&conn);
        let mut readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        result
    }

    fn write_append(
        &self,
        append: &AppendResult,
        checkpoint: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let size = size_of(&tx)?;
        let hash_count = hash_count_of(&tx)?;
        if append.first_index() != size || append.hashes_start() != hash_count {
            return Err(StoreError::NotAtEnd {
                first: append.first_index(),
                hashes_start: append.hashes_start(),
                size,
            });
        }
        {
            let mut put_entry =
                tx.prepare_cached("INSERT INTO entries (idx, data) VALUES (?1, ?2)")?;
            for (i, entry) in (append.first_index()..).zip(append.entries()) {
                put_entry.execute(params![to_i64(i)?, entry])?;
            }
            let mut put_hash =
                tx.prepare_cached("INSERT INTO hashes (idx, hash) VALUES (?1, ?2)")?;
            for (i, hash) in (append.hashes_start()..).zip(append.hashes()) {
                put_hash.execute(params![to_i64(i)?, &hash.0[..]])?;
            }
            if let Some(note) = checkpoint {
                tx.execute(
                    "INSERT INTO checkpoints (size, note) VALUES (?1, ?2)",
                    params![to_i64(append.new_size())?, note],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

impl HubStore for SqliteStore {
    fn size(&self) -> Result<u64, StoreError> {
        self.read(size_of)
    }

    fn append(&self, append: &AppendResult, checkpoint: &str) -> Result<(), StoreError> {
        self.write_append(append, Some(checkpoint))
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        if start > end {
            return Err(StoreError::Missing(format!("entries {start}..{end}")));
        }
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT idx, data FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
            )?;
            let rows = stmt
                .query_map(params![to_i64(start)?, to_i64(end)?], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            if rows.len() as u64 != end - start {
                return Err(StoreError::Missing(format!(
                    "entries {start}..{end}: {} stored",
                    rows.len()
                )));
            }
            // The primary key makes the rows distinct and ordered; a count that matches means
            // every index is there.
            debug_assert!(rows.iter().zip(start..).all(|(r, i)| r.0 as u64 == i));
            Ok(rows.into_iter().map(|(_, data)| data).collect())
        })
    }

    fn hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT hash FROM hashes WHERE idx = ?1")?;
            indexes
                .iter()
                .map(|&i| {
                    let bytes: Option<Vec<u8>> =
                        stmt.query_row([to_i64(i)?], |r| r.get(0)).optional()?;
                    let bytes = bytes.ok_or_else(|| StoreError::Missing(format!("hash {i}")))?;
                    Hash::from_slice(&bytes)
                        .ok_or_else(|| StoreError::Corrupt(format!("hash {i} is not 32 bytes")))
                })
                .collect()
        })
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.read(|conn| {
            let row: Option<(i64, String)> = conn
                .query_row(
                    "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.map(|(size, note)| {
                let size = size as u64;
                Ok(StoredCheckpoint {
                    size,
                    note,
                    cosignatures: cosignatures_of(conn, size)?,
                })
            })
            .transpose()
        })
    }

    fn checkpoint(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.read(|conn| {
            let note: Option<String> = conn
                .query_row(
                    "SELECT note FROM checkpoints WHERE size = ?1",
                    [to_i64(size)?],
                    |r| r.get(0),
                )
                .optional()?;
            note.map(|note| {
                Ok(StoredCheckpoint {
                    size,
                    note,
                    cosignatures: cosignatures_of(conn, size)?,
                })
            })
            .transpose()
        })
    }

    fn newest_cosigned(&self) -> Result<Vec<Cosigned>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT c.cosigner, c.size, k.note, c.line
                 FROM (SELECT cosigner, MAX(size) AS size FROM cosignatures GROUP BY cosigner) n
                 JOIN cosignatures c ON c.cosigner = n.cosigner AND c.size = n.size
                 JOIN checkpoints k ON k.size = c.size
                 ORDER BY c.cosigner",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(Cosigned {
                    cosigner: r.get(0)?,
                    size: r.get::<_, i64>(1)? as u64,
                    note: r.get(2)?,
                    line: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn add_cosignature(&self, size: u64, cosigner: &str, line: &str) -> Result<(), StoreError> {
        let conn = self.writer();
        let n = conn.execute(
            "INSERT INTO cosignatures (size, cosigner, line)
             SELECT size, ?2, ?3 FROM checkpoints WHERE size = ?1
             ON CONFLICT (size, cosigner) DO UPDATE SET line = excluded.line",
            params![to_i64(size)?, cosigner, line],
        )?;
        if n == 0 {
            return Err(StoreError::Missing(format!("checkpoint of size {size}")));
        }
        Ok(())
    }

    fn remember_signed(
        &self,
        digest: &[u8; 32],
        time: u64,
        forget_before: u64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM signed_requests WHERE time < ?1",
            [to_i64(forget_before)?],
        )?;
        let n = tx.execute(
            "INSERT INTO signed_requests (digest, time) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![&digest[..], to_i64(time)?],
        )?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn add_evidence(&self, a: &str, b: &str) -> Result<bool, StoreError> {
        let n = self.writer().execute(
            "INSERT INTO evidence (a, b) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![a, b],
        )?;
        Ok(n == 1)
    }

    fn evidence(&self, limit: usize) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.writer();
        let mut stmt = conn.prepare_cached("SELECT a, b FROM evidence ORDER BY id LIMIT ?1")?;
        let pairs = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<Vec<(String, String)>, _>>()?;
        Ok(pairs)
    }

    fn put_dossier(
        &self,
        bytes: &[u8],
        uploader: &str,
        now: u64,
        quota: u64,
    ) -> Result<PutDossier, StoreError> {
        let sha: Sha256 = Sha256Hasher::digest(bytes).into();
        let mut conn = self.writer();
        // One transaction: two uploads by one state cannot both pass the quota check.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let known: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM dossiers WHERE sha256 = ?1",
                [&sha[..]],
                |r| r.get(0),
            )
            .optional()?;
        if known.is_some() {
            return Ok(PutDossier::Stored(sha));
        }
        let held: i64 = tx.query_row(
            "SELECT coalesce(sum(size), 0) FROM dossiers WHERE uploader = ?1",
            [uploader],
            |r| r.get(0),
        )?;
        let held = held as u64;
        if held.saturating_add(bytes.len() as u64) > quota {
            return Ok(PutDossier::OverQuota { held });
        }
        tx.execute(
            "INSERT INTO dossiers (sha256, data, uploader, uploaded_at, size)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&sha[..], bytes, uploader, to_i64(now)?, bytes.len() as i64],
        )?;
        tx.commit()?;
        Ok(PutDossier::Stored(sha))
    }

    fn dossier_info(&self, sha256: &Sha256) -> Result<Option<DossierInfo>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT uploader, uploaded_at, size FROM dossiers WHERE sha256 = ?1",
                    [&sha256[..]],
                    |r| {
                        Ok(DossierInfo {
                            uploader: r.get(0)?,
                            uploaded_at: r.get::<_, i64>(1)? as u64,
                            size: r.get::<_, i64>(2)? as u64,
                        })
                    },
                )
                .optional()?)
        })
    }

    fn dossier_bytes_held(&self, uploader: &str) -> Result<u64, StoreError> {
        self.read(|conn| {
            let held: i64 = conn.query_row(
                "SELECT coalesce(sum(size), 0) FROM dossiers WHERE uploader = ?1",
                [uploader],
                |r| r.get(0),
            )?;
            Ok(held as u64)
        })
    }

    fn dossiers_uploaded_before(&self, time: u64) -> Result<Vec<Sha256>, StoreError> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT sha256 FROM dossiers WHERE uploaded_at < ?1")?;
            let shas = stmt
                .query_map([to_i64(time)?], |r| r.get::<_, Vec<u8>>(0))?
                .map(|r| {
                    let bytes = r?;
                    Sha256::try_from(bytes.as_slice())
                        .map_err(|_| StoreError::Missing("a dossier's SHA-256 of 32 bytes".into()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(shas)
        })
    }

    fn delete_dossiers(&self, shas: &[Sha256]) -> Result<u64, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut deleted = 0;
        {
            let mut delete = tx.prepare_cached("DELETE FROM dossiers WHERE sha256 = ?1")?;
            for sha in shas {
                deleted += delete.execute([&sha[..]])? as u64;
            }
        }
        tx.commit()?;
        Ok(deleted)
    }

    fn dossier(&self, sha256: &Sha256) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT data FROM dossiers WHERE sha256 = ?1",
                    [&sha256[..]],
                    |r| r.get(0),
                )
                .optional()?)
        })
    }
}

impl TileStore for SqliteStore {
    fn size(&self) -> Result<u64, rex_tlog::Error> {
        HubStore::size(self).map_err(rex_tlog::Error::store)
    }

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, rex_tlog::Error> {
        self.hashes(indexes).map_err(rex_tlog::Error::store)
    }

    fn read_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, rex_tlog::Error> {
        self.entries(start, end).map_err(rex_tlog::Error::store)
    }

    /// An append without a checkpoint (for a plain [`rex_tlog::Log`] over this store).
    fn write_append(&mut self, append: &AppendResult) -> Result<(), rex_tlog::Error> {
        SqliteStore::write_append(self, append, None).map_err(rex_tlog::Error::store)
    }
}
