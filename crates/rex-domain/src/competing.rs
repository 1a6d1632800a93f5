//! Competing requests (EAW art. 16) without revealing the person.
//!
//! When two states ask one custodian for the same person, only the custodian can tell: it alone
//! (with each requester) reads the dossiers. Its node computes a keyed tag of the subject's
//! identity ([`TagKey::tag`], HMAC-SHA256 under a key derived from the node's own secret) and
//! logs it (`subject_tagged`); the hub and every auditor see equal tags, never the identity,
//! and cannot compute a tag for a name they guess, for want of the key. A tag of one custodian
//! says nothing about another's: each keys its own.
//!
//! Equal tags of open requests to one custodian raise the screening check `competing_request`
//! on each of them, awaiting a person of the custodian, so none can be answered exchangeable or
//! matched until the custodian decides (`competition_decided`, a binding act): it names every
//! open request sharing the tag, the one it prefers, the factors it weighed ([`Factor`]) and the
//! digest of its written grounds, which stay on its node. The others are refused
//! ([`crate::RefusalGround::CompetingRequest`]) or deferred ([`Others::Defer`]): a deferred
//! request waits, naming the preferred one, and its check reopens for a new decision when the
//! preferred one is closed (refused, withdrawn or fulfilled).
//!
//! Whatever was decided, the registry refuses the signature that would make binding an
//! exchange holding a request whose tag equals that of a request in another binding exchange
//! (or in the same one): a person is never in two binding exchanges.
//!
//! # What the canonical identity catches, and what it does not
//!
//! [`SubjectIdentity::canonical`] applies Unicode NFKC, lower case (Unicode's `to_lowercase`,
//! not full case folding: German `ß` stays `ß`, so `STRASSE` and `straße` differ), turns
//! every character that is neither a letter nor a digit into a space (hyphens, apostrophes,
//! dots, commas) and collapses spaces. So `  SMITH ` / `Smith`, `Jean-Luc` / `jean luc`,
//! full-width and compatibility forms, and different spacing collide. It does not catch
//! transliterations (`Иванов` / `Ivanov`), dropped or added diacritics (`Müller` /
//! `Muller`), dropped apostrophes inside a word (`O'Brien` / `OBrien`), a swapped family and
//! given name, a missing middle name, or a date of birth stated in one dossier and not in the
//! other: those are different tags, and the custodian's officers remain the last check, as they
//! are today. Equal tags of different persons (same names and date of birth) are raised to a
//! person too, who decides; nothing is refused by a tag alone.

use crate::id::{Digest, PartyId, RequestId};
use crate::rejection::Rejection;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;

/// Longest name field of an identity, in bytes.
pub const MAX_NAME_LEN: usize = 200;

/// Most requests one decision may name.
pub const MAX_COMPETING: usize = 64;

/// The label under which a node derives its tag key from its secret (HKDF-SHA256 `info`).
pub const TAG_KEY_LABEL: &[u8] = b"rex subject tag key v1";

/// The subject's identity in a structured dossier's facts (`identity`), read by the
/// custodian's node only, to compute its tag. The date of birth is the facts' `born`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectIdentity {
    /// Family name(s), as in the warrant.
    pub family_name: String,
    /// Given names, as in the warrant.
    pub given_names: String,
}

impl SubjectIdentity {
    /// Checks the fields: a family name, each field at most [`MAX_NAME_LEN`] bytes, no control
    /// character.
    pub(crate) fn check(&self) -> Result<(), Rejection> {
        for (what, v) in [
            ("family_name", &self.family_name),
            ("given_names", &self.given_names),
        ] {
            if v.len() > MAX_NAME_LEN || v.chars().any(char::is_control) {
                return Err(Rejection::invalid(
                    "dossier",
                    format!("identity {what}: at most {MAX_NAME_LEN} bytes, no control character"),
                ));
            }
        }
        if normalise(&self.family_name).is_empty() {
            return Err(Rejection::invalid(
                "dossier",
                "identity family_name: a name is required",
            ));
        }
        Ok(())
    }

    /// The canonical bytes the tag is computed over: a version line, then the family name,
    /// the given names and the date of birth (`YYYY-MM-DD`, or empty when the dossier does not
    /// state it), one per line, each normalised as the module notes say.
    pub fn canonical(&self, born: Option<&str>) -> Vec<u8> {
        format!(
            "rex-identity/v1\n{}\n{}\n{}",
            normalise(&self.family_name),
            normalise(&self.given_names),
            born.map(str::trim).unwrap_or_default()
        )
        .into_bytes()
    }
}

/// NFKC, lower case, every non-alphanumeric character a space, spaces collapsed.
fn normalise(s: &str) -> String {
    let folded: String = s
        .nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A node's key for subject tags. Never leaves the node; derived from its secret so that it
/// needs no file of its own, and keyed per state so that tags of two custodians never compare.
#[derive(Clone)]
pub struct TagKey([u8; 32]);

impl TagKey {
    /// The key HKDF-SHA256 derives from `secret` (the node's signing seed) under
    /// [`TAG_KEY_LABEL`].
    pub fn derive(secret: &[u8]) -> TagKey {
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::new(None, secret)
            .expand(TAG_KEY_LABEL, &mut out)
            .unwrap_or_else(|e| unreachable!("32 bytes is a valid HKDF-SHA256 length: {e}"));
        TagKey(out)
    }

    /// The tag of an identity: HMAC-SHA256 of its canonical bytes.
    pub fn tag(&self, identity: &SubjectIdentity, born: Option<&str>) -> Digest {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|e| unreachable!("HMAC takes a key of any length: {e}"));
        mac.update(&identity.canonical(born));
        Digest(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for TagKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TagKey(..)")
    }
}

/// A factor the custodian weighed (EAW art. 16(1); Eurojust's 2019 guidelines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// The relative seriousness of the offences.
    Seriousness,
    /// Where the offences were committed.
    Place,
    /// The dates of the requests.
    Dates,
    /// The subject's nationality.
    Nationality,
    /// Whether each request is for prosecution or to enforce a sentence.
    ProsecutionVsSentence,
}

impl Factor {
    /// Every factor, in order.
    pub const ALL: [Factor; 5] = [
        Factor::Seriousness,
        Factor::Place,
        Factor::Dates,
        Factor::Nationality,
        Factor::ProsecutionVsSentence,
    ];

    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Factor::Seriousness => "seriousness",
            Factor::Place => "place",
            Factor::Dates => "dates",
            Factor::Nationality => "nationality",
            Factor::ProsecutionVsSentence => "prosecution_vs_sentence",
        }
    }
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Factor {
    type Err = Rejection;
    fn from_str(s: &str) -> Result<Self, Rejection> {
        let s = s.replace('-', "_");
        Factor::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                Rejection::invalid(
                    "factor",
                    format!(
                        "unknown factor {s:?}; expected one of {}",
                        Factor::ALL.map(|c| c.as_str()).join(", ")
                    ),
                )
            })
    }
}

/// What becomes of the requests not preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Others {
    /// Refused, on the ground of a competing request (final).
    Refuse,
    /// Deferred: each waits, naming the preferred request, and its check reopens when that one
    /// is closed.
    Defer,
}

impl fmt::Display for Others {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Others::Refuse => "refuse",
            Others::Defer => "defer",
        })
    }
}

impl FromStr for Others {
    type Err = Rejection;
    fn from_str(s: &str) -> Result<Self, Rejection> {
        match s {
            "refuse" => Ok(Others::Refuse),
            "defer" => Ok(Others::Defer),
            _ => Err(Rejection::invalid(
                "others",
                format!("{s:?}: expected refuse or defer"),
            )),
        }
    }
}

/// The registry's index of subject tags ([`crate::registry`]): derived state, rebuilt by every
/// replay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Competition {
    /// Every tag logged, by request (kept when the request closes).
    pub(crate) tags: std::collections::BTreeMap<RequestId, Digest>,
    /// Open requests (not refused, withdrawn or fulfilled) by custodian and tag.
    pub(crate) open:
        std::collections::BTreeMap<(PartyId, Digest), std::collections::BTreeSet<RequestId>>,
    /// Deferred requests, each with the request preferred over it.
    pub(crate) deferred: std::collections::BTreeMap<RequestId, RequestId>,
}
