//! Identifiers: parties, the actors that sign, digests, and the ids of agreements, requests and
//! exchanges.
//!
//! Agreement, request and message ids are *derived*, never chosen: the first 16 bytes of the SHA-256 of the
//! payload bytes of the statement that created the object (see [`crate::statement`]). The
//! creating state knows the id as soon as it has serialised its statement, nobody can pick an id
//! that collides with someone else's, and anyone holding the log can recompute it. An exchange id
//! is the first 16 bytes of the proposal digest ([`crate::ExchangeProposal::digest`]), which
//! commits to the cycle, the legs and the deadline, so a proposal re-made after a lapse gets a new
//! id.

use crate::rejection::Rejection;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::str::FromStr;

/// Unix time in whole seconds. Callers inject the clock; nothing in this crate reads it.
pub type UnixSeconds = u64;

/// Unix seconds as `2026-12-01 04:30 UTC`, for people (past the year 9999, the seconds).
pub fn utc(t: UnixSeconds) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    i64::try_from(t)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|d| d.format(&format).ok())
        .unwrap_or_else(|| t.to_string())
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Decodes lowercase hex of exactly `N` bytes. Uppercase digits are refused: a digest or an
/// id has one wire form, so that equal values are equal strings.
pub(crate) fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.bytes().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// A SHA-256 digest. Wire form: 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Digest(Sha256::digest(bytes).into())
    }

    /// Parses 64 lowercase hex digits.
    pub fn parse(s: &str) -> Result<Self, Rejection> {
        unhex::<32>(s)
            .map(Digest)
            .ok_or_else(|| Rejection::invalid("digest", "expected 64 lowercase hex digits"))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl TryFrom<String> for Digest {
    type Error = Rejection;
    fn try_from(s: String) -> Result<Self, Rejection> {
        Digest::parse(&s)
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        d.to_string()
    }
}

/// A state, named by an ISO 3166-1 alpha-2 style code: two ASCII capital letters ("US", "RU").
///
/// Only the shape is checked, not membership of the ISO list, so user-assigned codes ("XA") work
/// in tests and simulations.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartyId([u8; 2]);

impl PartyId {
    /// Parses a two-letter code. Lowercase is refused rather than folded, so that one party has
    /// exactly one spelling in signed bytes.
    pub fn new(code: &str) -> Result<Self, Rejection> {
        match code.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok(PartyId([*a, *b])),
            _ => Err(Rejection::invalid(
                "party id",
                format!("{code:?} is not two capital letters (ISO 3166-1 alpha-2)"),
            )),
        }
    }

    /// The code, e.g. "US".
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII capitals by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PartyId {
    type Err = Rejection;
    fn from_str(s: &str) -> Result<Self, Rejection> {
        PartyId::new(s)
    }
}

impl TryFrom<String> for PartyId {
    type Error = Rejection;
    fn try_from(s: String) -> Result<Self, Rejection> {
        PartyId::new(&s)
    }
}

impl From<PartyId> for String {
    fn from(p: PartyId) -> String {
        p.as_str().to_owned()
    }
}

/// Who signs a statement: the hub operator, or a state. Wire form: `"hub"` or the party code.
///
/// The hub signs only its own acts (registering parties, matching rounds, go, lapses); it never
/// signs for a state. Lowercase `"hub"` cannot collide with a party code.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Actor {
    /// The hub operator.
    Hub,
    /// A state.
    Party(PartyId),
}

impl Actor {
    /// The party, if the actor is one.
    pub fn party(&self) -> Option<PartyId> {
        match self {
            Actor::Hub => None,
            Actor::Party(p) => Some(*p),
        }
    }
}

impl From<PartyId> for Actor {
    fn from(p: PartyId) -> Self {
        Actor::Party(p)
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Hub => f.write_str("hub"),
            Actor::Party(p) => f.write_str(p.as_str()),
        }
    }
}

impl fmt::Debug for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Actor {
    type Err = Rejection;
    fn from_str(s: &str) -> Result<Self, Rejection> {
        if s == "hub" {
            Ok(Actor::Hub)
        } else {
            PartyId::new(s).map(Actor::Party)
        }
    }
}

impl TryFrom<String> for Actor {
    type Error = Rejection;
    fn try_from(s: String) -> Result<Self, Rejection> {
        s.parse()
    }
}

impl From<Actor> for String {
    fn from(a: Actor) -> String {
        a.to_string()
    }
}

macro_rules! derived_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name([u8; 16]);

        impl $name {
            /// The prefix of the wire form.
            pub const PREFIX: &'static str = $prefix;

            /// The id derived from a digest: its first 16 bytes.
            pub fn from_digest(digest: &Digest) -> Self {
                let mut b = [0u8; 16];
                b.copy_from_slice(&digest.0[..16]);
                $name(b)
            }

            /// Parses the wire form: the prefix, then 32 lowercase hex digits.
            pub fn parse(s: &str) -> Result<Self, Rejection> {
                s.strip_prefix($prefix)
                    .and_then(unhex::<16>)
                    .map($name)
                    .ok_or_else(|| {
                        Rejection::invalid(
                            $what,
                            format!("{s:?} is not {:?} followed by 32 lowercase hex digits", $prefix),
                        )
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", $prefix, hex(&self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = Rejection;
            fn from_str(s: &str) -> Result<Self, Rejection> {
                $name::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Rejection;
            fn try_from(s: String) -> Result<Self, Rejection> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }
    };
}

derived_id!(
    /// An agreement, named after the statement that proposed it. Wire form `agr_` + 32 hex.
    AgreementId,
    "agr_",
    "agreement id"
);
derived_id!(
    /// A request, named after the statement that filed it. Wire form `req_` + 32 hex.
    RequestId,
    "req_",
    "request id"
);
derived_id!(
    /// An exchange, named after its proposal's digest. Wire form `exc_` + 32 hex.
    ExchangeId,
    "exc_",
    "exchange id"
);
derived_id!(
    /// A message, named after the `message_sent` statement. Wire form `msg_` + 32 hex.
    MessageId,
    "msg_",
    "message id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_750_000_000), "2025-06-15 15:06 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(u64::MAX), u64::MAX.to_string());
    }

    #[test]
    fn party_ids() {
        let check = |s: &str, ok: bool| assert_eq!(PartyId::new(s).is_ok(), ok, "{s:?}");
        check("US", true);
        check("RU", true);
        check("XA", true);
        check("us", false);
        check("USA", false);
        check("U", false);
        check("", false);
        check("U1", false);
        check("ÜS", false);
    }

    #[test]
    fn actors_round_trip() {
        for s in ["hub", "US"] {
            let a: Actor = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{s}\""));
        }
        assert!("HUB".parse::<Actor>().is_err());
    }

    #[test]
    fn derived_ids_round_trip() {
        let d = Digest::of(b"x");
        let id = RequestId::from_digest(&d);
        assert_eq!(id.to_string(), format!("req_{}", &d.to_string()[..32]));
        assert_eq!(RequestId::parse(&id.to_string()).unwrap(), id);
        assert!(
            AgreementId::parse(&id.to_string()).is_err(),
            "prefix is checked"
        );
        assert!(RequestId::parse(&id.to_string().to_uppercase()).is_err());
        assert!(RequestId::parse("req_00").is_err());
    }

    #[test]
    fn hex_has_one_wire_form() {
        let bytes = [0x00, 0x9f, 0xa0, 0xff];
        assert_eq!(hex(&bytes), "009fa0ff");
        assert_eq!(unhex::<4>("009fa0ff"), Some(bytes));
        assert_eq!(unhex::<4>("009FA0FF"), None, "uppercase");
        assert_eq!(unhex::<4>("009fa0f"), None, "odd length");
        assert_eq!(unhex::<4>("009fa0ff00"), None, "too long");
        assert_eq!(unhex::<3>("009fa0ff"), None, "too long for N");
        assert_eq!(unhex::<4>("009fa0fg"), None, "not a digit");
        assert_eq!(unhex::<4>("+09fa0ff"), None, "a sign");
    }

    #[test]
    fn digest_known_answer() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            Digest::of(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
