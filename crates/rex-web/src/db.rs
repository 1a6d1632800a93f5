//! The desk's own store: `desk.sqlite` in the node's data directory (WAL, `synchronous=FULL`),
//! next to the node's `node.sqlite` and apart from it: who the officers are, their passkeys,
//! one-time enrolment codes, sessions, and the local audit trail of what officers did. Secrets
//! (enrolment codes, session ids) are kept only as their SHA-256.
//!
//! The CLI (`rex node officer add`) and the running service (`rex node serve`) open the same
//! file; SQLite's locking keeps them apart.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest as _, Sha256};

use crate::role::{Role, Roles};
use crate::Error;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS officers (
    id         INTEGER PRIMARY KEY,
    handle     TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    roles      TEXT NOT NULL,
    user_id    BLOB NOT NULL UNIQUE CHECK (length(user_id) = 16),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS enrolments (
    code_sha256 BLOB PRIMARY KEY CHECK (length(code_sha256) = 32),
    officer     INTEGER NOT NULL REFERENCES officers (id),
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE TABLE IF NOT EXISTS passkeys (
    id            INTEGER PRIMARY KEY,
    officer       INTEGER NOT NULL REFERENCES officers (id),
    credential_id BLOB NOT NULL UNIQUE,
    passkey       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    used_at       INTEGER
);
CREATE TABLE IF NOT EXISTS sessions (
    id_sha256     BLOB PRIMARY KEY CHECK (length(id_sha256) = 32),
    officer       INTEGER NOT NULL REFERENCES officers (id),
    created_at    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    stepped_up_at INTEGER
);
CREATE TABLE IF NOT EXISTS drafts (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    summary    TEXT NOT NULL,
    payload    TEXT NOT NULL,
    digest     TEXT NOT NULL,
    drafter    INTEGER NOT NULL REFERENCES officers (id),
    created_at INTEGER NOT NULL,
    state      TEXT NOT NULL DEFAULT 'awaiting',
    approver   INTEGER REFERENCES officers (id),
    decided_at INTEGER,
    outcome    TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY,
    time    INTEGER NOT NULL,
    officer INTEGER REFERENCES officers (id),
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
);
";

/// How long an enrolment code is valid: 24 hours.
pub const ENROLMENT_TTL: u64 = 24 * 3600;

/// A session ends after this long without a request: 15 minutes.
pub const SESSION_IDLE: u64 = 15 * 60;

/// A session ends this long after login, whatever happens: 8 hours.
pub const SESSION_MAX: u64 = 8 * 3600;

/// The file name of the desk's store in the node's data directory.
pub const FILE: &str = "desk.sqlite";

/// An officer of this state's central authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    /// The desk's number for the officer.
    pub id: i64,
    /// The short name the officer logs in with.
    pub handle: String,
    /// The full name.
    pub name: String,
    /// What the officer may do.
    pub roles: Roles,
    /// The WebAuthn user handle (16 random bytes).
    pub user_id: [u8; 16],
    /// When the admin enrolled the officer (unix seconds).
    pub created_at: u64,
    /// When the admin revoked the officer, if so.
    pub revoked_at: Option<u64>,
}

/// A binding act drafted by one officer, awaiting another's approval.
pub struct NewDraft<'a> {
    /// `file_request`, `answer_request`, `sign_exchange`, `leg_step` or `milestone`.
    pub kind: &'a str,
    /// What will be signed, for people.
    pub summary: &'a str,
    /// The act's inputs, JSON: what the approver approves (its SHA-256 is shown).
    pub payload: &'a str,
}

/// A draft as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Its number.
    pub id: i64,
    /// `file_request`, `answer_request`, `sign_exchange`, `leg_step` or `milestone`.
    pub kind: String,
    /// What will be signed, for people.
    pub summary: String,
    /// The act's inputs, JSON (empty for a request in a list: [`DeskStore::drafts`]).
    pub payload: String,
    /// SHA-256 (hex) of `payload`.
    pub digest: String,
    /// The drafter's handle.
    pub drafter: String,
    /// The drafter's number.
    pub drafter_id: i64,
    /// When it was drafted.
    pub created_at: u64,
    /// `awaiting`, `approved` (then logged), `rejected`, or `failed` (approved, refused by the
    /// hub).
    pub state: String,
    /// The approver's (or rejecter's) handle.
    pub approver: Option<String>,
    /// When it was decided.
    pub decided_at: Option<u64>,
    /// The statement logged, the rejection's reason, or the failure.
    pub outcome: Option<String>,
}

/// One line of the local audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    /// Unix seconds.
    pub time: u64,
    /// The officer's handle, or `-` for the system.
    pub officer: String,
    /// What was done (`login`, `enrol`, `dossier_opened`, ...).
    pub action: String,
    /// What it concerned.
    pub detail: String,
}

/// The desk's store.
pub struct DeskStore {
    path: PathBuf,
    conn: Connection,
}

/// The error of a statement on the store at `path`, naming the file.
fn at(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::Store(format!("{}: {e}", path.display()))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl DeskStore {
    /// Opens (creating if needed) the desk's store in the node's data directory `dir`.
    pub fn open(dir: &Path) -> Result<DeskStore, Error> {
        let path = dir.join(FILE);
        let at = |e: rusqlite::Error| Error::Store(format!("{}: {e}", path.display()));
        let conn = Connection::open(&path).map_err(at)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(at)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(at)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(at)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(at)?;
        conn.execute_batch(SCHEMA).map_err(at)?;
        Ok(DeskStore { path, conn })
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        at(&self.path)(e)
    }

    /// Enrols an officer and returns it with a one-time enrolment code, valid for
    /// [`ENROLMENT_TTL`] from `now`. `code` is the caller's randomness (tests pass their own).
    pub fn add_officer(
        &mut self,
        handle: &str,
        name: &str,
        roles: Roles,
        user_id: [u8; 16],
        code: &str,
        now: u64,
    ) -> Result<Officer, Error> {
        check_handle(handle)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::Input(
                "an officer's name must have 1 to 200 characters".into(),
            ));
        }
        let at = at(&self.path);
        let tx = self.conn.transaction().map_err(&at)?;
        let taken: bool = tx
            .query_row("SELECT 1 FROM officers WHERE handle = ?1", [handle], |_| {
                Ok(true)
            })
            .optional()
            .map_err(&at)?
            .unwrap_or(false);
        if taken {
            return Err(Error::Input(format!(
                "an officer with the handle {handle:?} exists already; choose another"
            )));
        }
        tx.execute(
            "INSERT INTO officers (handle, name, roles, user_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![handle, name, roles.to_string(), &user_id[..], to_i64(now)],
        )
        .map_err(&at)?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO enrolments (code_sha256, officer, expires_at) VALUES (?1, ?2, ?3)",
            params![
                &sha256(code.as_bytes())[..],
                id,
                to_i64(now + ENROLMENT_TTL)
            ],
        )
        .map_err(&at)?;
        tx.commit().map_err(&at)?;
        self.audit(now, None, "officer_added", &format!("{handle} ({roles})"))?;
        Ok(Officer {
            id,
            handle: handle.to_owned(),
            name: name.to_owned(),
            roles,
            user_id,
            created_at: now,
            revoked_at: None,
        })
    }

    /// A new one-time enrolment code for an officer (another passkey, or a lost one); the
    /// codes issued before stay valid until used or expired.
    pub fn new_enrolment(&self, officer: &Officer, code: &str, now: u64) -> Result<(), Error> {
        if officer.revoked_at.is_some() {
            return Err(Error::Denied(format!(
                "officer {} is revoked",
                officer.handle
            )));
        }
        self.conn
            .execute(
                "INSERT INTO enrolments (code_sha256, officer, expires_at) VALUES (?1, ?2, ?3)",
                params![
                    &sha256(code.as_bytes())[..],
                    officer.id,
                    to_i64(now + ENROLMENT_TTL)
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The officer an unused, unexpired enrolment code is for (the code is not used yet:
    /// [`DeskStore::finish_enrolment`] uses it).
    pub fn enrolment(&self, code: &str, now: u64) -> Result<Officer, Error> {
        let row: Option<(i64, i64, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT officer, expires_at, used_at FROM enrolments WHERE code_sha256 = ?1",
                [&sha256(code.trim().as_bytes())[..]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let denied = |why: &str| {
            Err(Error::Denied(format!("this enrolment code {why}; ask your node's admin for a new one (`rex node officer enrol`)")))
        };
        match row {
            None => denied("is not known"),
            Some((_, _, Some(_))) => denied("was used already"),
            Some((_, expires, None)) if (expires as u64) < now => denied("has expired"),
            Some((officer, _, None)) => {
                let o = self.officer(officer)?;
                if o.revoked_at.is_some() {
                    return denied("is for a revoked officer");
                }
                Ok(o)
            }
        }
    }

    /// Uses the enrolment code and keeps the officer's new passkey, in one transaction:
    /// a code enrols one passkey at most.
    pub fn finish_enrolment(
        &mut self,
        code: &str,
        officer: &Officer,
        credential_id: &[u8],
        passkey_json: &str,
        now: u64,
    ) -> Result<(), Error> {
        let at = at(&self.path);
        let tx = self.conn.transaction().map_err(&at)?;
        let used = tx
            .execute(
                "UPDATE enrolments SET used_at = ?1
                 WHERE code_sha256 = ?2 AND officer = ?3 AND used_at IS NULL AND expires_at >= ?1",
                params![to_i64(now), &sha256(code.trim().as_bytes())[..], officer.id],
            )
            .map_err(&at)?;
        if used != 1 {
            return Err(Error::Denied(
                "this enrolment code was used meanwhile, or has expired".into(),
            ));
        }
        tx.execute(
            "INSERT INTO passkeys (officer, credential_id, passkey, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![officer.id, credential_id, passkey_json, to_i64(now)],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Error::Denied("this passkey is enrolled already".into())
            }
            e => at(e),
        })?;
        tx.commit().map_err(&at)?;
        self.audit(now, Some(officer.id), "passkey_enrolled", &officer.handle)?;
        Ok(())
    }

    /// The officer with this number.
    pub fn officer(&self, id: i64) -> Result<Officer, Error> {
        self.officer_where("id = ?1", params![id])?
            .ok_or_else(|| Error::NotFound(format!("no officer {id}")))
    }

    /// The officer with this handle, if any.
    pub fn officer_by_handle(&self, handle: &str) -> Result<Option<Officer>, Error> {
        self.officer_where("handle = ?1", params![handle])
    }

    fn officer_where(
        &self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Option<Officer>, Error> {
        self.conn
            .query_row(
                &format!(
                    "SELECT id, handle, name, roles, user_id, created_at, revoked_at FROM officers WHERE {clause}"
                ),
                args,
                officer_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .transpose()
    }

    /// Every officer, in order of enrolment.
    pub fn officers(&self) -> Result<Vec<Officer>, Error> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, handle, name, roles, user_id, created_at, revoked_at FROM officers ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], officer_row)
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter().collect()
    }

    /// Revokes an officer: no login, no session, no enrolment from now on.
    pub fn revoke(&mut self, officer: &Officer, by: Option<i64>, now: u64) -> Result<(), Error> {
        let at = at(&self.path);
        let tx = self.conn.transaction().map_err(&at)?;
        tx.execute(
            "UPDATE officers SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
            params![to_i64(now), officer.id],
        )
        .map_err(&at)?;
        tx.execute("DELETE FROM sessions WHERE officer = ?1", [officer.id])
            .map_err(&at)?;
        tx.commit().map_err(&at)?;
        self.audit(now, by, "officer_revoked", &officer.handle)
    }

    /// The officer's passkeys, as webauthn-rs serialised them, with their rows' numbers.
    pub fn passkeys(&self, officer: &Officer) -> Result<Vec<(i64, String)>, Error> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, passkey FROM passkeys WHERE officer = ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([officer.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Replaces a passkey after a login (its signature counter moved).
    pub fn update_passkey(&self, row: i64, passkey_json: &str, now: u64) -> Result<(), Error> {
        self.conn
            .execute(
                "UPDATE passkeys SET passkey = ?1, used_at = ?2 WHERE id = ?3",
                params![passkey_json, to_i64(now), row],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Opens a session for an officer; `id` is the secret that goes into the cookie.
    pub fn open_session(&self, officer: &Officer, id: &[u8], now: u64) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT INTO sessions (id_sha256, officer, created_at, last_seen) VALUES (?1, ?2, ?3, ?3)",
                params![&sha256(id)[..], officer.id, to_i64(now)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The officer of a live session, which this call keeps alive; `None` for an unknown,
    /// idle (more than [`SESSION_IDLE`]) or old (more than [`SESSION_MAX`]) session, which is
    /// deleted, and for a revoked officer.
    pub fn session(&self, id: &[u8], now: u64) -> Result<Option<Officer>, Error> {
        let key = sha256(id);
        let row: Option<(i64, i64, i64)> = self
            .conn
            .query_row(
                "SELECT officer, created_at, last_seen FROM sessions WHERE id_sha256 = ?1",
                [&key[..]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((officer, created, seen)) = row else {
            return Ok(None);
        };
        let (created, seen) = (created as u64, seen as u64);
        if now > seen + SESSION_IDLE || now > created + SESSION_MAX || now < created {
            self.close_session(id)?;
            return Ok(None);
        }
        let officer = self.officer(officer)?;
        if officer.revoked_at.is_some() {
            self.close_session(id)?;
            return Ok(None);
        }
        self.conn
            .execute(
                "UPDATE sessions SET last_seen = ?1 WHERE id_sha256 = ?2",
                params![to_i64(now), &key[..]],
            )
            .map_err(|e| self.err(e))?;
        Ok(Some(officer))
    }

    /// Records that the session's officer just passed a fresh WebAuthn check (step-up).
    pub fn step_up(&self, id: &[u8], now: u64) -> Result<(), Error> {
        self.conn
            .execute(
                "UPDATE sessions SET stepped_up_at = ?1 WHERE id_sha256 = ?2",
                params![to_i64(now), &sha256(id)[..]],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// When the session's officer last passed a fresh WebAuthn check, if ever.
    pub fn stepped_up_at(&self, id: &[u8]) -> Result<Option<u64>, Error> {
        let t: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT stepped_up_at FROM sessions WHERE id_sha256 = ?1",
                [&sha256(id)[..]],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(t.flatten().map(|t| t as u64))
    }

    /// Keeps a draft of a binding act; returns its number.
    pub fn add_draft(
        &self,
        draft: &NewDraft<'_>,
        drafter: &Officer,
        now: u64,
    ) -> Result<i64, Error> {
        self.conn
            .execute(
                "INSERT INTO drafts (kind, summary, payload, digest, drafter, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    draft.kind,
                    draft.summary,
                    draft.payload,
                    hex(&sha256(draft.payload.as_bytes())),
                    drafter.id,
                    to_i64(now)
                ],
            )
            .map_err(|e| self.err(e))?;
        let id = self.conn.last_insert_rowid();
        self.audit(
            now,
            Some(drafter.id),
            "draft_created",
            &format!("draft {id}: {}", draft.summary),
        )?;
        Ok(id)
    }

    /// A draft.
    pub fn draft(&self, id: i64) -> Result<Draft, Error> {
        self.drafts_where("d.payload", "d.id = ?1", params![id])?
            .pop()
            .ok_or_else(|| Error::NotFound(format!("no draft {id}")))
    }

    /// Drafts, newest first: those awaiting approval, then the last 50 decided. A request's
    /// payload is left out (empty): it holds the dossier with its attachments, up to 15 MiB,
    /// which no list needs; [`DeskStore::draft`] reads it.
    pub fn drafts(&self) -> Result<Vec<Draft>, Error> {
        const PAYLOAD: &str = "CASE WHEN d.kind = 'file_request' THEN '' ELSE d.payload END";
        let mut all = self.drafts_where(PAYLOAD, "d.state = 'awaiting' ORDER BY d.id DESC", [])?;
        let decided = self.drafts_where(
            PAYLOAD,
            "d.state != 'awaiting' ORDER BY d.id DESC LIMIT 50",
            [],
        )?;
        all.extend(decided);
        Ok(all)
    }

    fn drafts_where(
        &self,
        payload: &str,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Draft>, Error> {
        let sql = format!(
            "SELECT d.id, d.kind, d.summary, {payload}, d.digest, o.handle, d.drafter, d.created_at,
                    d.state, a.handle, d.decided_at, d.outcome
             FROM drafts d JOIN officers o ON o.id = d.drafter
             LEFT JOIN officers a ON a.id = d.approver
             WHERE {clause}"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Draft {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    summary: r.get(2)?,
                    payload: r.get(3)?,
                    digest: r.get(4)?,
                    drafter: r.get(5)?,
                    drafter_id: r.get(6)?,
                    created_at: r.get::<_, i64>(7)? as u64,
                    state: r.get(8)?,
                    approver: r.get(9)?,
                    decided_at: r.get::<_, Option<i64>>(10)?.map(|t| t as u64),
                    outcome: r.get(11)?,
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Claims an awaiting draft for a decision by `approver` (another officer than its
    /// drafter): only one decision wins. Returns false if it was decided meanwhile.
    pub fn decide(
        &self,
        id: i64,
        approver: &Officer,
        state: &str,
        outcome: &str,
        now: u64,
    ) -> Result<bool, Error> {
        let n = self
            .conn
            .execute(
                "UPDATE drafts SET state = ?1, approver = ?2, decided_at = ?3, outcome = ?4
                 WHERE id = ?5 AND state = 'awaiting' AND drafter != ?2",
                params![state, approver.id, to_i64(now), outcome, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// Records what came of an approved draft (the statement logged, or why it failed).
    pub fn set_outcome(&self, id: i64, state: &str, outcome: &str) -> Result<(), Error> {
        self.conn
            .execute(
                "UPDATE drafts SET state = ?1, outcome = ?2 WHERE id = ?3",
                params![state, outcome, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Ends a session.
    pub fn close_session(&self, id: &[u8]) -> Result<(), Error> {
        self.conn
            .execute(
                "DELETE FROM sessions WHERE id_sha256 = ?1",
                [&sha256(id)[..]],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Appends a line to the local audit trail.
    pub fn audit(
        &self,
        now: u64,
        officer: Option<i64>,
        action: &str,
        detail: &str,
    ) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT INTO audit (time, officer, action, detail) VALUES (?1, ?2, ?3, ?4)",
                params![to_i64(now), officer, action, detail],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The audit trail, newest first, at most `limit` lines.
    pub fn audit_trail(&self, limit: usize) -> Result<Vec<AuditLine>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.time, COALESCE(o.handle, '-'), a.action, a.detail
                 FROM audit a LEFT JOIN officers o ON o.id = a.officer
                 ORDER BY a.id DESC LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([to_i64(limit as u64)], |r| {
                Ok(AuditLine {
                    time: r.get::<_, i64>(0)? as u64,
                    officer: r.get(1)?,
                    action: r.get(2)?,
                    detail: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }
}

type OfficerRow = (i64, String, String, String, Vec<u8>, i64, Option<i64>);

fn officer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Officer, Error>> {
    let row: OfficerRow = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    );
    Ok(officer_of(row))
}

fn officer_of(
    (id, handle, name, roles, user_id, created_at, revoked_at): OfficerRow,
) -> Result<Officer, Error> {
    Ok(Officer {
        id,
        handle,
        name,
        roles: roles.parse().map_err(Error::Store)?,
        user_id: user_id
            .try_into()
            .map_err(|_| Error::Store(format!("officer {id}: user id is not 16 bytes")))?,
        created_at: created_at as u64,
        revoked_at: revoked_at.map(|t| t as u64),
    })
}

/// A handle: 1 to 32 lowercase letters, digits, dots, dashes or underscores, starting with a
/// letter.
fn check_handle(handle: &str) -> Result<(), Error> {
    let ok = handle.len() <= 32
        && handle.starts_with(|c: char| c.is_ascii_lowercase())
        && handle
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::Input(format!(
            "{handle:?} is not a handle: use 1 to 32 lowercase letters, digits, '.', '-' or '_', starting with a letter"
        )))
    }
}

impl Officer {
    /// Whether the officer holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(role)
    }
}
