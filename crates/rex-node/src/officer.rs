//! Officers' keys at the node, their certificates in the log, and binding acts signed by two
//! officers ([`rex_domain::officer`]).
//!
//! An officer's Ed25519 key lives in the node's data directory, `officers/<id>.key` (0600, in a
//! 0700 directory, never overwritten), like the node's own keys. So the node can sign as any of
//! its officers: what the log proves is that the state's node put two certified officers' names
//! and signatures on the act; that a present human approved it is the desk's part (a fresh
//! WebAuthn check before the approver's key signs). The keys here are the officers'
//! signing keys, distinct from the desk's login accounts (`desk.sqlite`, passkeys).

use crate::node::{Node, Submitted};
use crate::Error;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use rex_domain::{Action, OfficerId, OfficerKey, Role, Signing};
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;

const OFFICERS_DIR: &str = "officers";

impl Node {
    fn officer_key_path(&self, officer: &OfficerId) -> PathBuf {
        // An officer id is 1 to 64 of A-Z, a-z, 0-9, '-', '_', '.', and never "." or ".."
        // alone here: those are refused below, so the path stays in the directory.
        self.dir.join(OFFICERS_DIR).join(format!("{officer}.key"))
    }

    /// Makes a new Ed25519 key for `officer` in `DIR/officers/<id>.key` (0600), and returns its
    /// public half. Refuses an officer that has a key file already: a key is made once.
    pub fn create_officer_key(&self, officer: &OfficerId) -> Result<OfficerKey, Error> {
        if officer.as_str().starts_with('.') {
            return Err(Error::Input(format!(
                "officer id {officer} starts with '.'; choose another"
            )));
        }
        let dir = self.dir.join(OFFICERS_DIR);
        let at = |e: std::io::Error| Error::Local(format!("{}: {e}", dir.display()));
        fs::create_dir_all(&dir).map_err(at)?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(at)?;
        let path = self.officer_key_path(officer);
        if path.exists() {
            return Err(Error::Input(format!(
                "officer {officer} has a key already ({})",
                path.display()
            )));
        }
        let key = SigningKey::generate(&mut rand_core::OsRng);
        let b64 = base64::engine::general_purpose::STANDARD;
        rex_store::secret::write_secret(&path, &b64.encode(key.to_bytes()))
            .map_err(|e| Error::Local(e.to_string()))?;
        Ok(OfficerKey(key.verifying_key()))
    }

    /// The signing key of `officer`, from its key file.
    fn officer_signing_key(&self, officer: &OfficerId) -> Result<SigningKey, Error> {
        let path = self.officer_key_path(officer);
        if !path.exists() {
            return Err(Error::Input(format!(
                "no key for officer {officer} at this node (`rex node officer-key create`)"
            )));
        }
        let text =
            rex_store::secret::read_secret(&path).map_err(|e| Error::Local(e.to_string()))?;
        let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                Error::Local(format!("{} is not a base64 Ed25519 seed", path.display()))
            })?;
        Ok(SigningKey::from_bytes(&seed))
    }

    /// The public key of `officer`, from its key file.
    pub fn officer_key(&self, officer: &OfficerId) -> Result<OfficerKey, Error> {
        Ok(OfficerKey(
            self.officer_signing_key(officer)?.verifying_key(),
        ))
    }

    /// Certifies `officer`'s key (made by [`Node::create_officer_key`]) in the log with
    /// `roles` (sorted and deduplicated here), valid from `not_before` until `not_after`.
    pub fn certify_officer(
        &mut self,
        officer: &OfficerId,
        roles: &[Role],
        not_before: u64,
        not_after: u64,
    ) -> Result<Submitted, Error> {
        let key = self.officer_key(officer)?;
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        self.submit(Action::OfficerCertified {
            party: self.party,
            officer: officer.clone(),
            roles,
            key,
            not_before,
            not_after,
        })
    }

    /// Revokes `officer` in the log, for good. Its key file stays, for the record.
    pub fn revoke_officer(&mut self, officer: &OfficerId) -> Result<Submitted, Error> {
        self.submit(Action::OfficerRevoked {
            officer: officer.clone(),
        })
    }

    /// Submits a binding act signed by the node and by two of its officers, `drafter` then
    /// `approver`, with their keys from this node's data directory. The hub (and every replay)
    /// checks their certificates and roles; here only that they are two and have keys.
    pub fn submit_four_eyes(
        &mut self,
        action: Action,
        drafter: &OfficerId,
        approver: &OfficerId,
    ) -> Result<Submitted, Error> {
        if !action.is_binding() {
            return Err(Error::Input(format!(
                "{} is not a binding act; officers sign only binding acts",
                action.name()
            )));
        }
        if drafter == approver {
            return Err(Error::Input(format!(
                "officer {drafter} cannot both draft and approve; name two officers"
            )));
        }
        let keys = [
            (
                Signing::Drafter,
                drafter.clone(),
                self.officer_signing_key(drafter)?,
            ),
            (
                Signing::Approver,
                approver.clone(),
                self.officer_signing_key(approver)?,
            ),
        ];
        self.submit_signed(action, Vec::from(keys))
    }

    /// Submits a message act (`message_sent`, `message_acknowledged`, `message_rejected`):
    /// signed by the node, and by the liaison officer it names, if it names one, with that
    /// officer's key from this node's data directory. The hub (and every replay) checks the
    /// officer's certificate and role.
    pub(crate) fn submit_message_act(&mut self, action: Action) -> Result<Submitted, Error> {
        let officers = match action.message_officer() {
            Some(officer) => vec![(
                Signing::Liaison,
                officer.clone(),
                self.officer_signing_key(officer)?,
            )],
            None => Vec::new(),
        };
        self.submit_signed(action, officers)
    }
}
