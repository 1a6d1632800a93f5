//! Secret files: private keys that only their owner may read, kept in files apart from any
//! database (so a dump or a replica never carries them). The hub's keys and a node's keys are
//! both written and read here.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use crate::StoreError;

fn secret_error(path: &Path, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Secret {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Writes `text` and a newline to a new file at `path` that only its owner can read (mode
/// 0600), and syncs it. Refuses to overwrite an existing file: a key is made once.
pub fn write_secret(path: &Path, text: &str) -> Result<(), StoreError> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| secret_error(path, format!("cannot create it: {e}")))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.write_all(b"\n"))
        .and_then(|()| f.sync_all())
        .map_err(|e| secret_error(path, format!("cannot write it: {e}")))
}

/// Reads a secret file, trimmed, refusing one that group or others could read rather than
/// trusting a key that may have leaked.
pub fn read_secret(path: &Path) -> Result<String, StoreError> {
    let meta =
        fs::metadata(path).map_err(|e| secret_error(path, format!("cannot read it: {e}")))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(secret_error(
            path,
            format!("is readable by group or others (mode {mode:o}); chmod 600 it"),
        ));
    }
    let text =
        fs::read_to_string(path).map_err(|e| secret_error(path, format!("cannot read it: {e}")))?;
    Ok(text.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_written_0600_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        write_secret(&path, "seed").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), "seed\n");
        assert_eq!(read_secret(&path).unwrap(), "seed");
        // Made once: never overwritten.
        assert!(write_secret(&path, "other").is_err());
        assert_eq!(read_secret(&path).unwrap(), "seed");
    }

    #[test]
    fn a_secret_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        write_secret(&path, "seed").unwrap();
        for mode in [0o640, 0o604, 0o644] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let e = read_secret(&path).unwrap_err().to_string();
            assert!(e.contains("chmod 600"), "{e}");
        }
        assert!(read_secret(&dir.path().join("missing")).is_err());
    }
}
