//! The hub's private keys, in files under its data directory (never in the database).
//!
//! - `keys/statement.key`: the Ed25519 seed (base64) that signs the hub's own statements
//!   (`party_registered`, `matching_round`, `go`, `exchange_lapsed`).
//! - `keys/checkpoint.skey`: the C2SP signer key (`PRIVATE+KEY+<origin>+...`) that signs
//!   checkpoints. Its name is the log's origin, `rex-hub/<first 8 hex digits of the statement
//!   key's id>`, fixed when the keys are made.
//!
//! - `operator.key` / `operator.pub`: the operator's Ed25519 key, which signs every
//!   `/v1/admin/` call ([`operator_key`]). The hub uses only the public half.
//!
//! The hub's two keys are created on first start, mode 0600, written and synced before use; an existing key
//! file that group or others may read is refused rather than trusted ([`rex_store::secret`]).
//! Keys missing next to an existing log are refused too (`Core::open`), never made anew: new
//! keys would sign checkpoints that no state's pinned key checks.

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use base64::prelude::{Engine as _, BASE64_STANDARD};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::{OsRng, RngCore as _};
use rex_domain::KeyId;
use rex_tlog::NoteSigner;

use crate::HubError;

/// The hub's two private keys.
pub struct HubKeys {
    /// Signs the hub's statements.
    pub statement: SigningKey,
    /// Signs checkpoints; its name is the log's origin.
    pub checkpoint: NoteSigner,
}

impl std::fmt::Debug for HubKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HubKeys(statement {}, checkpoint {})",
            KeyId::of(&self.statement.verifying_key()),
            self.checkpoint.verifier()
        )
    }
}

fn key_error(path: &Path, what: impl std::fmt::Display) -> HubError {
    HubError::Keys(format!("{}: {what}", path.display()))
}

fn read_secret(path: &Path) -> Result<String, HubError> {
    rex_store::secret::read_secret(path).map_err(|e| HubError::Keys(e.to_string()))
}

fn write_secret(path: &Path, text: &str) -> Result<(), HubError> {
    rex_store::secret::write_secret(path, text).map_err(|e| HubError::Keys(e.to_string()))
}

impl HubKeys {
    /// Loads the keys from `data_dir/keys`; `None` when neither key file is there (one file
    /// without the other is an error, like any unreadable key).
    pub fn load(data_dir: &Path) -> Result<Option<HubKeys>, HubError> {
        let dir = data_dir.join("keys");
        let statement_path = dir.join("statement.key");
        let checkpoint_path = dir.join("checkpoint.skey");
        if !statement_path.exists() && !checkpoint_path.exists() {
            return Ok(None);
        }
        let seed = BASE64_STANDARD
            .decode(read_secret(&statement_path)?)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| key_error(&statement_path, "not a base64 Ed25519 seed"))?;
        let checkpoint = NoteSigner::from_skey(&read_secret(&checkpoint_path)?)
            .map_err(|e| key_error(&checkpoint_path, e))?;
        Ok(Some(HubKeys {
            statement: SigningKey::from_bytes(&seed),
            checkpoint,
        }))
    }

    /// Makes new keys in `data_dir/keys` (0700; each file 0600, synced) and returns them. Only
    /// for a hub without a log: see `Core::open`.
    pub fn create(data_dir: &Path) -> Result<HubKeys, HubError> {
        let dir = data_dir.join("keys");
        let statement_path = dir.join("statement.key");
        let checkpoint_path = dir.join("checkpoint.skey");
        fs::create_dir_all(&dir).map_err(|e| key_error(&dir, e))?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| key_error(&dir, e))?;
        let mut seed = [0u8; 32];
        OsRng.fill_bytes(&mut seed);
        let statement = SigningKey::from_bytes(&seed);
        OsRng.fill_bytes(&mut seed);
        let origin = format!(
            "rex-hub/{}",
            &KeyId::of(&statement.verifying_key()).to_string()[..8]
        );
        let checkpoint = NoteSigner::new(&origin, SigningKey::from_bytes(&seed))
            .map_err(|e| key_error(&checkpoint_path, e))?;
        write_secret(
            &statement_path,
            &BASE64_STANDARD.encode(statement.to_bytes()),
        )?;
        write_secret(&checkpoint_path, &checkpoint.to_skey())?;
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| key_error(&dir, e))?;
        Ok(HubKeys {
            statement,
            checkpoint,
        })
    }

    /// The log's origin (the checkpoint key's name).
    pub fn origin(&self) -> &str {
        self.checkpoint.name()
    }
}

/// The file whose exclusive lock marks a data directory in use by one process.
pub(crate) fn lock_path(data_dir: &Path) -> PathBuf {
    data_dir.join("hub.lock")
}

/// The operator's private key, made by the hub on first start unless the operator named a
/// public key (`rex hub serve --operator-key-pub`): move it to the operator's machine.
pub const OPERATOR_KEY_FILE: &str = "operator.key";
/// The operator's public key (base64 of 32 bytes), the only half the hub uses.
pub const OPERATOR_PUB_FILE: &str = "operator.pub";

/// The operator's public key, which every `/v1/admin/` call must be signed with: `configured`
/// (which then replaces `DIR/operator.pub`), else the one in `DIR/operator.pub`, else a new key
/// pair made here (`DIR/operator.key`, 0600, and `DIR/operator.pub`).
pub fn operator_key(
    data_dir: &Path,
    configured: Option<VerifyingKey>,
) -> Result<VerifyingKey, HubError> {
    let pub_path = data_dir.join(OPERATOR_PUB_FILE);
    let write_pub = |key: &VerifyingKey| {
        fs::write(
            &pub_path,
            format!("{}\n", BASE64_STANDARD.encode(key.as_bytes())),
        )
        .map_err(|e| key_error(&pub_path, e))
    };
    if let Some(key) = configured {
        if read_operator_pub(&pub_path).ok() != Some(key) {
            write_pub(&key)?;
        }
        return Ok(key);
    }
    if pub_path.exists() {
        return read_operator_pub(&pub_path);
    }
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    let key_path = data_dir.join(OPERATOR_KEY_FILE);
    write_secret(&key_path, &BASE64_STANDARD.encode(key.to_bytes()))?;
    write_pub(&key.verifying_key())?;
    Ok(key.verifying_key())
}

fn read_operator_pub(path: &Path) -> Result<VerifyingKey, HubError> {
    let text = fs::read_to_string(path).map_err(|e| key_error(path, e))?;
    parse_operator_pub(&text).map_err(|e| key_error(path, e))
}

/// An operator public key: base64 of its 32 bytes (what `DIR/operator.pub` holds).
pub fn parse_operator_pub(text: &str) -> Result<VerifyingKey, String> {
    rex_domain::keys::parse_verifying_key(text.trim())
        .map_err(|e| format!("not an operator public key (base64 of 32 bytes): {e}"))
}

/// Reads an operator private key file (base64 of the 32-byte seed, mode 0600), as the hub
/// wrote it to `DIR/operator.key`.
pub fn read_operator_key(path: &Path) -> Result<SigningKey, HubError> {
    let seed = BASE64_STANDARD
        .decode(read_secret(path)?)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| key_error(path, "not an operator key (a base64 Ed25519 seed)"))?;
    Ok(SigningKey::from_bytes(&seed))
}
