//! Who signed a request ([`rex_api::auth`]): the operator or a registered state, checked
//! against the hub's clock and a window of the signed messages already received.

use std::collections::BTreeSet;
use std::sync::Mutex;

use axum::http::{header, HeaderMap, Method, Uri};
use ed25519_dalek::VerifyingKey;
use rex_api::auth::{AuthError, Authorization, MAX_SKEW_SECS, OPERATOR};
use rex_domain::PartyId;
use sha2::{Digest as _, Sha256};

use crate::{AppError, Shared};

/// Who signed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signer {
    /// The hub's operator.
    Operator,
    /// A registered state.
    Party(PartyId),
}

/// The signed messages accepted within the last [`MAX_SKEW_SECS`] either side of now, by
/// `(time, digest)`: a message is only ever accepted within that window of its own time, so
/// one older than that can be forgotten. Only messages with a valid signature are kept, so
/// its size is bounded by what registered signers send in ten minutes.
#[derive(Debug, Default)]
pub(crate) struct Seen(Mutex<BTreeSet<(u64, [u8; 32])>>);

impl Seen {
    /// Records a message; false if it was already there (a replay).
    fn insert(&self, time: u64, digest: [u8; 32], now: u64) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        while seen
            .first()
            .is_some_and(|(t, _)| t.saturating_add(MAX_SKEW_SECS) < now)
        {
            seen.pop_first();
        }
        seen.insert((time, digest))
    }
}

/// The request target as the signer signed it: path and query.
fn target(uri: &Uri) -> &str {
    uri.path_and_query().map_or(uri.path(), |p| p.as_str())
}

fn unauthenticated(e: AuthError) -> AppError {
    AppError::Unauthenticated(e.to_string())
}

/// What a request's `Authorization` claims, checked as far as it can be without the body:
/// well-formed, dated within the window of the hub's clock, naming a key the hub knows.
pub(crate) struct Claim {
    auth: Authorization,
    signer: Signer,
    key: VerifyingKey,
    now: u64,
}

/// Checks the request's `Authorization`: well-formed, dated within the window of the hub's
/// clock, signed by the operator's key or a registered state's, over this method, target,
/// body and the hub's origin, and not received before.
pub(crate) fn authenticate(
    state: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Signer, AppError> {
    let claim = claim(state, headers)?;
    verify(state, claim, method, uri, body)
}

/// The first half of [`authenticate`], before the body is read.
pub(crate) fn claim(state: &Shared, headers: &HeaderMap) -> Result<Claim, AppError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(AuthError::Missing)
        .map_err(unauthenticated)?
        .to_str()
        .map_err(|_| unauthenticated(AuthError::Malformed("not ASCII".into())))?;
    let auth = Authorization::parse(value).map_err(unauthenticated)?;
    let now = state.clock.now();
    auth.check_time(now).map_err(unauthenticated)?;
    let (signer, key): (Signer, VerifyingKey) = if auth.key == OPERATOR {
        (Signer::Operator, state.operator)
    } else {
        let party = PartyId::new(&auth.key)
            .ok()
            .and_then(|p| Some((p, *state.party_keys().get(&p)?)))
            .ok_or_else(|| unauthenticated(AuthError::UnknownKey(auth.key.clone())))?;
        (Signer::Party(party.0), party.1)
    };
    Ok(Claim {
        auth,
        signer,
        key,
        now,
    })
}

/// The second half of [`authenticate`]: the signature over this request, and the replay
/// window.
pub(crate) fn verify(
    state: &Shared,
    claim: Claim,
    method: &Method,
    uri: &Uri,
    body: &[u8],
) -> Result<Signer, AppError> {
    let Claim {
        auth,
        signer,
        key,
        now,
    } = claim;
    let message = auth
        .verify(
            &key,
            state.keys.origin(),
            method.as_str(),
            target(uri),
            body,
        )
        .map_err(unauthenticated)?;
    let mut digest = Sha256::new();
    digest.update(auth.key.as_bytes());
    digest.update(b"\n");
    digest.update(&message);
    if !state.seen.insert(auth.time, digest.finalize().into(), now) {
        return Err(unauthenticated(AuthError::Replayed));
    }
    Ok(signer)
}

/// The same, for calls only the operator may make.
pub(crate) fn operator(
    state: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), AppError> {
    match authenticate(state, method, uri, headers, body)? {
        Signer::Operator => Ok(()),
        Signer::Party(p) => Err(AppError::Forbidden(format!(
            "only the hub's operator may call {}; {p} signed this request",
            uri.path()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_forgets_only_what_can_no_longer_be_accepted() {
        let seen = Seen::default();
        assert!(seen.insert(1000, [1; 32], 1000));
        assert!(!seen.insert(1000, [1; 32], 1000 + MAX_SKEW_SECS));
        assert!(seen.insert(1000, [2; 32], 1000));
        // At now = 1301 a message dated 1000 is stale anyway: forgotten.
        assert!(seen.insert(1301, [3; 32], 1000 + MAX_SKEW_SECS + 1));
        assert_eq!(seen.0.lock().unwrap().len(), 1);
    }
}
