//! Signed requests: who sends a request, proven by an Ed25519 signature over it.
//!
//! A request that needs a signer (everything under `/v1/admin/`, dossier uploads and
//! downloads) carries
//!
//! ```text
//! Authorization: Rex-Ed25519 key=<name>, time=<unix seconds>, nonce=<base64 16 bytes>, sig=<base64 64 bytes>
//! ```
//!
//! where `<name>` is `operator` or a registered state's code, and `sig` is the signer's
//! Ed25519 signature (`verify_strict`) over [`signed_message`]:
//!
//! ```text
//! rex-request/v1
//! <the hub's log origin>
//! <METHOD>
//! <path?query, as sent>
//! <time>
//! <nonce>
//! <hex SHA-256 of the body>
//! ```
//!
//! each line ending in `\n`. The origin binds a signature to one hub (a request signed for a
//! test hub is worthless at the real one); method, target and body digest bind it to one
//! request; the hub refuses a `time` more than [`MAX_SKEW_SECS`] off its clock and a signed
//! message it has already accepted within that window (a replay). The nonce makes two equal
//! requests in the same second two different messages, so an honest client is never taken
//! for its own replay.
//!
//! Why not RFC 9421 (HTTP Message Signatures): the Rust crates for it were early (0.0.x) and
//! brought a second Ed25519 implementation and several curves with them; the few lines here
//! cover the one algorithm and the one set of covered components rex needs.
//!
//! Pure: no clock, no randomness, no I/O. The caller passes the time and the nonce; the hub
//! keeps the window of seen messages.

use base64::prelude::{Engine as _, BASE64_STANDARD};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// The scheme word of the `Authorization` header.
pub const SCHEME: &str = "Rex-Ed25519";

/// The signer name of the hub's operator.
pub const OPERATOR: &str = "operator";

/// How far (seconds) a request's time may be from the hub's clock, either way.
pub const MAX_SKEW_SECS: u64 = 300;

/// Bytes of a nonce.
pub const NONCE_LEN: usize = 16;

/// Why a request's signature is refused. Each message says what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header.
    #[error("this call must be signed: send `Authorization: Rex-Ed25519 key=..., time=..., nonce=..., sig=...` (the rex CLI and node sign for you)")]
    Missing,
    /// The header is not the scheme's.
    #[error(
        "the Authorization header is not `Rex-Ed25519 key=..., time=..., nonce=..., sig=...`: {0}"
    )]
    Malformed(String),
    /// The time is too far from the hub's clock.
    #[error("the request is dated {time}, {off} s from the hub's clock ({now}); at most {MAX_SKEW_SECS} s are accepted: check this machine's clock")]
    Stale {
        /// The request's time.
        time: u64,
        /// The hub's time.
        now: u64,
        /// How far apart.
        off: u64,
    },
    /// The signature does not verify under the named key.
    #[error(
        "the signature is not {0}'s over this request (wrong key, or the request was altered)"
    )]
    BadSignature(String),
    /// The same signed message was already accepted.
    #[error("this signed request was already received (a replay); sign each request anew")]
    Replayed,
    /// No key of that name.
    #[error("no key named {0:?} here: sign as `operator` or as a registered state")]
    UnknownKey(String),
}

/// A parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The signer's name: [`OPERATOR`] or a state's code.
    pub key: String,
    /// Unix seconds, the signer's clock.
    pub time: u64,
    /// Random bytes chosen by the signer.
    pub nonce: [u8; NONCE_LEN],
    signature: Signature,
}

/// What is signed for a request (see the module notes).
pub fn signed_message(
    origin: &str,
    method: &str,
    target: &str,
    time: u64,
    nonce: &[u8; NONCE_LEN],
    body: &[u8],
) -> Vec<u8> {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "rex-request/v1\n{origin}\n{method}\n{target}\n{time}\n{}\n{hex}\n",
        BASE64_STANDARD.encode(nonce)
    )
    .into_bytes()
}

/// The `Authorization` header value for a request signed by `key` under `name`.
#[allow(clippy::too_many_arguments)]
pub fn authorization(
    key: &SigningKey,
    name: &str,
    origin: &str,
    method: &str,
    target: &str,
    time: u64,
    nonce: &[u8; NONCE_LEN],
    body: &[u8],
) -> String {
    let sig = key.sign(&signed_message(origin, method, target, time, nonce, body));
    format!(
        "{SCHEME} key={name}, time={time}, nonce={}, sig={}",
        BASE64_STANDARD.encode(nonce),
        BASE64_STANDARD.encode(sig.to_bytes())
    )
}

impl Authorization {
    /// Parses a header value. Every parameter exactly once, in any order; nothing else.
    pub fn parse(value: &str) -> Result<Authorization, AuthError> {
        let bad = |m: &str| AuthError::Malformed(m.to_owned());
        let params = value
            .strip_prefix(SCHEME)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or_else(|| bad("it does not start with `Rex-Ed25519 `"))?;
        let (mut key, mut time, mut nonce, mut sig) = (None, None, None, None);
        for param in params.split(',') {
            let (name, v) = param
                .trim()
                .split_once('=')
                .ok_or_else(|| bad("a parameter is not name=value"))?;
            let slot = match name {
                "key" => &mut key,
                "time" => &mut time,
                "nonce" => &mut nonce,
                "sig" => &mut sig,
                other => return Err(AuthError::Malformed(format!("unknown parameter {other:?}"))),
            };
            if slot.replace(v).is_some() {
                return Err(AuthError::Malformed(format!("{name} given twice")));
            }
        }
        let key = key.ok_or_else(|| bad("no key"))?;
        if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("key is not a name"));
        }
        let time = time
            .ok_or_else(|| bad("no time"))?
            .parse::<u64>()
            .map_err(|_| bad("time is not unix seconds"))?;
        let nonce: [u8; NONCE_LEN] = BASE64_STANDARD
            .decode(nonce.ok_or_else(|| bad("no nonce"))?)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("nonce is not base64 of 16 bytes"))?;
        let sig: [u8; 64] = BASE64_STANDARD
            .decode(sig.ok_or_else(|| bad("no sig"))?)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("sig is not base64 of 64 bytes"))?;
        Ok(Authorization {
            key: key.to_owned(),
            time,
            nonce,
            signature: Signature::from_bytes(&sig),
        })
    }

    /// Whether `time` is within [`MAX_SKEW_SECS`] of `now`.
    pub fn check_time(&self, now: u64) -> Result<(), AuthError> {
        let off = self.time.abs_diff(now);
        if off > MAX_SKEW_SECS {
            return Err(AuthError::Stale {
                time: self.time,
                now,
                off,
            });
        }
        Ok(())
    }

    /// Checks the signature by `key` over this request; returns the signed message (what a
    /// replay window remembers).
    pub fn verify(
        &self,
        key: &VerifyingKey,
        origin: &str,
        method: &str,
        target: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, AuthError> {
        let message = signed_message(origin, method, target, self.time, &self.nonce, body);
        key.verify_strict(&message, &self.signature)
            .map_err(|_| AuthError::BadSignature(self.key.clone()))?;
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SigningKey {
        SigningKey::from_bytes(&[b; 32])
    }

    #[test]
    fn a_signed_request_verifies_and_nothing_else_does() {
        let k = key(1);
        let header = authorization(&k, "US", "o", "POST", "/v1/dossiers", 7, &[3; 16], b"x");
        let a = Authorization::parse(&header).unwrap();
        assert_eq!((a.key.as_str(), a.time, a.nonce), ("US", 7, [3; 16]));
        let vk = k.verifying_key();
        assert!(a.verify(&vk, "o", "POST", "/v1/dossiers", b"x").is_ok());
        // Any other origin, method, target, body or key: refused.
        assert!(a.verify(&vk, "p", "POST", "/v1/dossiers", b"x").is_err());
        assert!(a.verify(&vk, "o", "GET", "/v1/dossiers", b"x").is_err());
        assert!(a.verify(&vk, "o", "POST", "/v1/dossiers?a", b"x").is_err());
        assert!(a.verify(&vk, "o", "POST", "/v1/dossiers", b"y").is_err());
        assert_eq!(
            a.verify(&key(2).verifying_key(), "o", "POST", "/v1/dossiers", b"x"),
            Err(AuthError::BadSignature("US".into()))
        );
        // Two nonces, two messages.
        assert_ne!(
            signed_message("o", "GET", "/", 1, &[0; 16], b""),
            signed_message("o", "GET", "/", 1, &[1; 16], b"")
        );
    }

    #[test]
    fn time_is_checked_both_ways() {
        let a = Authorization::parse(&authorization(
            &key(1),
            "x",
            "o",
            "GET",
            "/",
            1000,
            &[0; 16],
            b"",
        ))
        .unwrap();
        assert!(a.check_time(1000 + MAX_SKEW_SECS).is_ok());
        assert!(a.check_time(1000 - MAX_SKEW_SECS).is_ok());
        assert!(matches!(
            a.check_time(1001 + MAX_SKEW_SECS),
            Err(AuthError::Stale { off: 301, .. })
        ));
        assert!(a.check_time(999 - MAX_SKEW_SECS).is_err());
    }

    #[test]
    fn malformed_headers_are_named() {
        let good = authorization(&key(1), "US", "o", "GET", "/", 1, &[0; 16], b"");
        for (bad, says) in [
            ("Bearer abc".to_owned(), "Rex-Ed25519"),
            (good.replace("time=1", "time=-1"), "time"),
            (good.replace("key=US", "key="), "key"),
            (format!("{good}, key=RU"), "twice"),
            (format!("{good}, extra=1"), "extra"),
            (good.replace("nonce=", "nonce=AA"), "nonce"),
            (good.replace(", sig=", ", sog="), "sog"),
        ] {
            let e = Authorization::parse(&bad).unwrap_err();
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }
}
