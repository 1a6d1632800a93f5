//! Officers: keys their state certifies in the log, and four-eyes on binding acts.
//!
//! Every statement is signed by its state's node key. A state also certifies the Ed25519 keys
//! of its officers, by statements of its own: `officer_certified {party, officer, roles, key,
//! not_before, not_after}` and `officer_revoked {officer}`. The certificates are in the log, so
//! every other state and every auditor knows which key speaks for which officer of which state,
//! in which roles, and when.
//!
//! A **binding act** ([`crate::Action::is_binding`]: answering a request, signing an exchange,
//! every execution step of a leg) may carry, besides the node's signature, the signatures of two
//! distinct officers of the acting state: a drafter and an approver. The statement names them
//! (`"acted_by":{"four_eyes":{"drafter":…,"approver":…}}`, signed by the node with the rest),
//! and the envelope carries three signatures: the node's (DSSE, first), the drafter's, then the
//! approver's, each over [`officer_message`]: a text naming the purpose, the role, the state, the
//! officer and the SHA-256 of the payload exactly as signed. Naming the role means a drafter's
//! signature is no approval, and the `rex-officer/v1` prefix means it is no DSSE signature nor
//! a signed request either.
//!
//! The rule, checked by [`crate::Registry::apply`] (so by the hub and by every replay): drafter
//! and approver differ; each is an officer the acting state certified earlier in the log, not
//! revoked, valid at the statement's acceptance time (the hub's clock, never the signer's
//! date); the drafter holds the case-officer or the approver role, the approver the approver
//! role; each signature verifies strictly under the certified key.
//!
//! A statement that no officer signed says so (`"acted_by":"no_officer"`: the CLI, for scripted
//! use); a binding act without `acted_by` (as written before officers existed) reads the same.
//! A state that sends `four_eyes_required` is refused both from then on: the requirement is in
//! the log for the other states to rely on, and cannot be withdrawn.

use crate::id::{Digest, PartyId, UnixSeconds};
use crate::keys::{b64_encode, parse_verifying_key, KeyId};
pub use crate::message::OfficerId;
use crate::rejection::Rejection;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest validity of one certificate: two years.
pub const MAX_OFFICER_VALIDITY_SECONDS: u64 = 2 * 366 * 86_400;

/// An officer's role at its state's central authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Drafts requests, answers and execution steps.
    CaseOfficer,
    /// Approves binding acts as the second, distinct officer.
    Approver,
    /// Talks to the other states' liaison officers.
    Liaison,
    /// Reads everything, changes nothing.
    Auditor,
    /// Enrols officers and manages keys; no case act.
    Admin,
}

impl Role {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::CaseOfficer => "case_officer",
            Role::Approver => "approver",
            Role::Liaison => "liaison",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Parses a wire name (`case-officer` is read as `case_officer`).
    pub fn parse(s: &str) -> Result<Role, Rejection> {
        Ok(match s.replace('-', "_").as_str() {
            "case_officer" => Role::CaseOfficer,
            "approver" => Role::Approver,
            "liaison" => Role::Liaison,
            "auditor" => Role::Auditor,
            "admin" => Role::Admin,
            _ => {
                return Err(Rejection::invalid(
                    "role",
                    format!("{s:?} is not case_officer, approver, liaison, auditor or admin"),
                ))
            }
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Separation of duties, the one rule for certificates and for the officers' desk: an admin
/// (who enrols officers) or an auditor (who reads and never acts) holds no other role. Returns
/// the first such role of `roles` when it holds others too.
pub fn lone_role_among_others(roles: &[Role]) -> Option<Role> {
    if roles.len() < 2 {
        return None;
    }
    roles
        .iter()
        .copied()
        .find(|r| matches!(r, Role::Admin | Role::Auditor))
}

/// Checks a certificate's roles: at least one, sorted and distinct (one wire form per set),
/// and an admin or an auditor holds no other role.
pub fn check_roles(roles: &[Role]) -> Result<(), Rejection> {
    if roles.is_empty() {
        return Err(Rejection::invalid(
            "roles",
            "an officer holds at least one role",
        ));
    }
    if roles.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Rejection::invalid("roles", "not sorted and distinct"));
    }
    if let Some(r) = lone_role_among_others(roles) {
        return Err(Rejection::invalid(
            "roles",
            format!("an officer who is {r} holds no other role"),
        ));
    }
    Ok(())
}

/// An officer's Ed25519 public key. Wire form: base64 of its 32 bytes; small-order keys are
/// refused.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficerKey(pub VerifyingKey);

impl OfficerKey {
    /// Parses base64.
    pub fn parse(b64: &str) -> Result<Self, Rejection> {
        parse_verifying_key(b64).map(OfficerKey)
    }

    /// The key id (hex), as an envelope's hint writes it.
    pub fn keyid(&self) -> KeyId {
        KeyId::of(&self.0)
    }
}

impl fmt::Display for OfficerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&b64_encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for OfficerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OfficerKey({self})")
    }
}

impl TryFrom<String> for OfficerKey {
    type Error = Rejection;
    fn try_from(s: String) -> Result<Self, Rejection> {
        OfficerKey::parse(&s)
    }
}

impl From<OfficerKey> for String {
    fn from(k: OfficerKey) -> String {
        k.to_string()
    }
}

/// Who acted for the state on a binding act, besides its node's key. Wire form:
/// `"no_officer"` or `{"four_eyes":{"drafter":"…","approver":"…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Officers {
    /// No officer signed: the node's key alone (the CLI, for scripted use).
    NoOfficer,
    /// Two distinct officers signed: the envelope's second signature is the drafter's, the
    /// third the approver's ([`officer_message`]).
    FourEyes {
        /// The officer who drafted the act.
        drafter: OfficerId,
        /// The officer who approved it.
        approver: OfficerId,
    },
}

/// What an officer's signature says the officer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signing {
    /// Drafted the act.
    Drafter,
    /// Approved the act as the second officer.
    Approver,
    /// Sent, acknowledged or rejected a message as the state's liaison officer
    /// ([`crate::message::ActedBy`]).
    Liaison,
}

impl Signing {
    /// The word in the signed bytes.
    pub fn as_str(&self) -> &'static str {
        match self {
            Signing::Drafter => "drafter",
            Signing::Approver => "approver",
            Signing::Liaison => "liaison",
        }
    }

    /// Whether an officer holding `roles` may sign so, and the roles that may, in words: a
    /// drafter is a case officer or an approver, an approver an approver, a liaison officer a
    /// liaison officer.
    pub fn allowed(&self, roles: &[Role]) -> (bool, &'static str) {
        let has = |r: Role| roles.contains(&r);
        match self {
            Signing::Drafter => (
                has(Role::CaseOfficer) || has(Role::Approver),
                "case_officer or approver",
            ),
            Signing::Approver => (has(Role::Approver), "approver"),
            Signing::Liaison => (has(Role::Liaison), "liaison"),
        }
    }
}

/// The bytes an officer signs for a binding act (or, as a liaison officer, a message
/// statement) whose payload has SHA-256 `statement`:
///
/// ```text
/// rex-officer/v1
/// <drafter|approver|liaison>
/// <state code>
/// <officer id>
/// <hex SHA-256 of the statement payload as signed>
/// ```
///
/// each line ending in `\n`. The role, the state and the officer are named, so the signature
/// cannot stand for another role, another state or another officer; the payload names the
/// officers too, so the statement cannot be rewritten under the signatures.
pub fn officer_message(
    signing: Signing,
    party: PartyId,
    officer: &OfficerId,
    statement: &Digest,
) -> Vec<u8> {
    format!(
        "rex-officer/v1\n{}\n{party}\n{officer}\n{statement}\n",
        signing.as_str()
    )
    .into_bytes()
}

/// An officer as its state's statements left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    /// Its id, unique within its state for good.
    pub id: OfficerId,
    /// Its state.
    pub party: PartyId,
    /// Its roles, sorted.
    pub roles: Vec<Role>,
    /// Its certified key.
    pub key: OfficerKey,
    /// Valid from (unix seconds, inclusive).
    pub not_before: UnixSeconds,
    /// Valid until (unix seconds, exclusive).
    pub not_after: UnixSeconds,
    /// When the hub accepted the certificate.
    pub certified_at: UnixSeconds,
    /// When the hub accepted its revocation, if it was revoked.
    pub revoked_at: Option<UnixSeconds>,
}

impl Officer {
    /// Whether its signature counts at `time` (the hub's clock): within validity, not revoked.
    pub fn valid_at(&self, time: UnixSeconds) -> bool {
        self.not_before <= time && time < self.not_after && self.revoked_at.is_none()
    }

    /// Whether it holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}
