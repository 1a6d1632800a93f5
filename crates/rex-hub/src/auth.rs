//! Who signed a request ([`rex_api::auth`]): the operator or a registered state, checked
//! against the hub's clock and a window of the signed messages already received.

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
    // A message is accepted only within MAX_SKEW_SECS of its own time: one dated before the
    // window can be forgotten. Kept in the store, so a restarted hub refuses replays too.
    let forget_before = now.saturating_sub(MAX_SKEW_SECS);
    if !state
        .store
        .remember_signed(&digest.finalize().into(), auth.time, forget_before)?
    {
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
