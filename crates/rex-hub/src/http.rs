//! The HTTP API (docs/hub-api.md): handlers, their OpenAPI description, the router.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::prelude::{Engine as _, BASE64_STANDARD};
use rex_api::auth::MAX_SKEW_SECS;
use rex_api::{
    Bytes as RawBytes, CosignatureBody, CosignatureTaken, CosignedList, DossierStored,
    EnvelopeBody, ErrorBody, EvidenceBody, EvidenceList, EvidenceTaken, HubInfo, MatchAnswer,
    NextSeq, Note, Proof, Receipt, RegistrySnapshot, MAX_EVIDENCE_LISTED,
};
use rex_domain::{Actor, Envelope, PartyId, Prechecked, PublicKeyFile};
use rex_store::{PutDossier, Tiles};
use rex_tlog::{Checkpoint, Cosignature, Hash, NoteVerifier, SignatureKind, SignedNote, TilePath};
use serde::Deserialize;
use tokio::sync::oneshot;
use utoipa::OpenApi;

use crate::auth;
use crate::engine::{Accepted, Job, Refusal, Reply};
use crate::{read_registry, AppError, AppState};

/// Largest statement body, in bytes.
pub const MAX_STATEMENT_BYTES: usize = 64 * 1024;
/// Largest evidence body (two checkpoint notes with their cosignatures), in bytes.
pub const MAX_EVIDENCE_BYTES: usize = 32 * 1024;
/// Largest dossier, in bytes.
pub const MAX_DOSSIER_BYTES: usize = 16 * 1024 * 1024;

/// The OpenAPI description, generated from the handlers below.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "rex hub",
        description = "The clearing house's hub API (docs/hub-api.md)."
    ),
    paths(
        hub_info,
        post_statement,
        registry,
        next_seq,
        post_dossier,
        get_dossier,
        post_cosignature,
        cosigned,
        post_evidence,
        get_evidence,
        admin_match,
        admin_register,
        checkpoint,
        tile,
        inclusion,
        consistency
    ),
    components(schemas(
        HubInfo,
        MatchAnswer,
        Receipt,
        NextSeq,
        DossierStored,
        CosignatureBody,
        CosignatureTaken,
        CosignedList,
        EvidenceBody,
        EvidenceTaken,
        EvidenceList,
        Proof,
        ErrorBody,
        EnvelopeBody,
        RegistrySnapshot,
        rex_api::schema::PublicKeys
    ))
)]
pub struct ApiDoc;

/// The hub's router over `state`. Every route answers errors as `{code, message}`.
pub fn app(state: AppState) -> Router {
    // The upload handler reads its body itself, with this limit, once the signer is known.
    let dossiers = Router::new()
        .route("/v1/dossiers", post(post_dossier))
        .layer(DefaultBodyLimit::max(MAX_DOSSIER_BYTES));
    Router::new()
        .route("/v1/hub", get(hub_info))
        .route("/v1/statements", post(post_statement))
        .route("/v1/registry", get(registry))
        .route("/v1/next-seq/{actor}", get(next_seq))
        .route("/v1/dossiers/{sha256}", get(get_dossier))
        .route("/v1/cosignatures", post(post_cosignature))
        .route("/v1/cosigned", get(cosigned))
        .route("/v1/evidence", post(post_evidence).get(get_evidence))
        .route("/v1/admin/match", post(admin_match))
        .route("/v1/admin/parties", post(admin_register))
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*path}", get(tile))
        .route("/v1/log/inclusion", get(inclusion))
        .route("/v1/log/consistency", get(consistency))
        .route("/openapi.json", get(openapi))
        .layer(DefaultBodyLimit::max(MAX_STATEMENT_BYTES))
        .merge(dossiers)
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(|| async { AppError::NotFound("no such endpoint".into()) })
        .layer(axum::middleware::from_fn(bounded_head))
        .with_state(state)
}

/// Longest request target (path and query) the hub reads, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest header section the hub reads, in bytes (names, values and their separators).
/// Heads far beyond it (past hyper's own buffer, about 400 KiB) are refused by hyper itself,
/// with an empty `431` and a close, before any request exists to answer.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Refuses, as `{code, message}`, a request target or a header section longer than the hub
/// reads: no endpoint needs more.
async fn bounded_head(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return AppError::UriTooLong(format!(
            "the request target has {target} bytes; the hub reads at most {MAX_URI_BYTES}"
        ))
        .into_response();
    }
    let head: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if head > MAX_HEADER_BYTES {
        return AppError::HeadersTooLarge(format!(
            "the headers have {head} bytes; the hub reads at most {MAX_HEADER_BYTES}"
        ))
        .into_response();
    }
    next.run(request).await
}

/// The answer to a method an endpoint does not take.
async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> AppError {
    AppError::MethodNotAllowed(format!("{} does not take {method}", uri.path()))
}

/// A path parameter, or `bad_request` (a segment that is not UTF-8 once percent-decoded).
fn path(p: Result<Path<String>, PathRejection>) -> Result<String, AppError> {
    p.map(|Path(s)| s).map_err(|e| match e {
        PathRejection::FailedToDeserializePathParams(e) => match e.into_kind() {
            ErrorKind::InvalidUtf8InPathParam { key } => AppError::BadRequest(format!(
                "the path segment `{key}` is not UTF-8 once percent-decoded"
            )),
            kind => AppError::BadRequest(format!("bad path: {kind}")),
        },
        e => AppError::BadRequest(e.body_text()),
    })
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The answer to a job the engine refused: the one place engine outcomes meet HTTP.
impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Rejected(r) => AppError::Rejected(r),
            r @ Refusal::TooLarge { .. } => AppError::TooLarge(r.to_string()),
            Refusal::Poisoned => AppError::Unavailable,
            Refusal::Internal(detail) => AppError::Internal(detail),
        }
    }
}

/// A body, or `too_large` / `timeout` / `bad_json`.
fn body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, AppError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(format!("the body exceeds {limit} bytes"))
        } else if let Some(timeout) = crate::serve::body_timeout(&e) {
            AppError::Timeout(timeout.to_string())
        } else {
            AppError::BadJson(e.body_text())
        }
    })
}

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(format!("blocking task: {e}")))?
}

fn b64(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(Hash::to_base64).collect()
}

#[utoipa::path(get, path = "/v1/hub", responses((status = 200, body = HubInfo, description = "the hub's identity")))]
async fn hub_info(State(state): State<AppState>) -> Json<HubInfo> {
    Json(HubInfo {
        origin: state.keys.origin().to_owned(),
        note_vkey: state.keys.checkpoint.verifier().to_string(),
        hub_ed25519: BASE64_STANDARD.encode(state.keys.statement.verifying_key().as_bytes()),
    })
}

/// Sends a job to the sequencer and waits for the durable answer, then adds the proof.
async fn sequence(
    state: &AppState,
    job: impl FnOnce(Reply) -> Job,
) -> Result<Json<Receipt>, AppError> {
    let (reply, answer) = oneshot::channel();
    state
        .jobs
        .send(job(reply))
        .await
        .map_err(|_| AppError::Unavailable)?;
    let accepted = answer.await.map_err(|_| AppError::Unavailable)??;
    receipt(state, accepted).await.map(Json)
}

/// The receipt of a durable statement: where it is, and its inclusion proof.
async fn receipt(state: &AppState, accepted: Accepted) -> Result<Receipt, AppError> {
    let store = Arc::clone(&state.store);
    let proof = blocking(move || {
        Ok(rex_tlog::inclusion_proof(
            &Tiles(&*store),
            accepted.index,
            accepted.tree_size,
        )?)
    })
    .await?;
    Ok(Receipt {
        index: accepted.index,
        tree_size: accepted.tree_size,
        statement_sha256: accepted.statement_sha256.to_string(),
        checkpoint: accepted.checkpoint.to_string(),
        inclusion: b64(&proof),
        time: accepted.time,
    })
}

#[utoipa::path(
    post, path = "/v1/statements", request_body = EnvelopeBody,
    responses(
        (status = 200, body = Receipt, description = "durable, with its checkpoint and proof"),
        (status = 400, body = ErrorBody, description = "`bad_json`: the body is not JSON"),
        (status = 403, body = ErrorBody, description = "`wrong_key`, `bad_signature`, `unknown_party`, `not_member`, `four_eyes`"),
        (status = 409, body = ErrorBody, description = "`replay`, `seq_gap`, `conflict`, `not_allowed`"),
        (status = 413, body = ErrorBody, description = "`too_large`: the body or its log entry"),
        (status = 422, body = ErrorBody, description = "every other rejection (`bad_envelope`, `invalid`, ...)"),
        (status = 503, body = ErrorBody, description = "`unavailable`: the hub is stopping or refuses writes")
    )
)]
async fn post_statement(
    State(state): State<AppState>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Receipt>, AppError> {
    let raw = body(raw, MAX_STATEMENT_BYTES)?;
    serde_json::from_slice::<serde::de::IgnoredAny>(&raw)
        .map_err(|e| AppError::BadJson(format!("the body is not JSON: {e}")))?;
    let envelope = Envelope::from_json(&raw).map_err(AppError::Rejected)?;
    // Parsing and the signature check here, on the request's thread, in parallel with other
    // requests and with the sequencer's commit; the sequencer keeps every other check.
    let mut checked = Prechecked::new(envelope).map_err(AppError::Rejected)?;
    let key = match checked.statement().actor {
        Actor::Hub => Some(state.keys.statement.verifying_key()),
        Actor::Party(p) => state
            .party_keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&p)
            .copied(),
    };
    if let Some(key) = key {
        checked.verify(&key);
    }
    sequence(&state, |reply| Job::Submit {
        checked: Box::new(checked),
        reply,
    })
    .await
}

#[utoipa::path(
    post, path = "/v1/admin/match",
    params(("Authorization" = String, Header, description = "`Rex-Ed25519 key=operator, ...`: signed by the operator (docs/hub-api.md)")),
    responses(
        (status = 200, body = MatchAnswer, description = "`{round}`: the receipt of the hub's `matching_round` statement, or `null` when the round proposed nothing (nothing is appended then)"),
        (status = 401, body = ErrorBody, description = "`unauthenticated`: unsigned, badly signed, stale or replayed"),
        (status = 403, body = ErrorBody, description = "`forbidden`: signed by a state, not the operator"),
        (status = 503, body = ErrorBody, description = "`unavailable`: the hub is stopping or refuses writes")
    )
)]
async fn admin_match(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: axum::body::Body,
) -> Result<Json<MatchAnswer>, AppError> {
    // The body is empty; it is read (bounded) only because the signature covers it.
    let raw = axum::body::to_bytes(raw, MAX_STATEMENT_BYTES)
        .await
        .map_err(|_| AppError::TooLarge(format!("the body exceeds {MAX_STATEMENT_BYTES} bytes")))?;
    auth::operator(&state, &method, &uri, &headers, &raw)?;
    let (reply, answer) = oneshot::channel();
    state
        .jobs
        .send(Job::Match { reply })
        .await
        .map_err(|_| AppError::Unavailable)?;
    let Some(accepted) = answer.await.map_err(|_| AppError::Unavailable)?? else {
        return Ok(Json(MatchAnswer { round: None }));
    };
    let receipt = receipt(&state, accepted).await?;
    Ok(Json(MatchAnswer {
        round: Some(receipt),
    }))
}

#[utoipa::path(
    post, path = "/v1/admin/parties",
    params(("Authorization" = String, Header, description = "`Rex-Ed25519 key=operator, ...`: signed by the operator (docs/hub-api.md)")),
    request_body(content = rex_api::schema::PublicKeys, description = "the public key file a node exported (rex-public-keys/v1)"),
    responses(
        (status = 200, body = Receipt, description = "the receipt of the hub's `party_registered` statement"),
        (status = 400, body = ErrorBody, description = "`bad_json`: the body is not UTF-8"),
        (status = 401, body = ErrorBody, description = "`unauthenticated`: unsigned, badly signed, stale or replayed"),
        (status = 403, body = ErrorBody, description = "`forbidden`: signed by a state, not the operator"),
        (status = 409, body = ErrorBody, description = "the state is already registered"),
        (status = 422, body = ErrorBody, description = "a malformed key file or a weak key"),
        (status = 503, body = ErrorBody, description = "`unavailable`: the hub is stopping or refuses writes")
    )
)]
async fn admin_register(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Receipt>, AppError> {
    let raw = body(raw, MAX_STATEMENT_BYTES)?;
    auth::operator(&state, &method, &uri, &headers, &raw)?;
    let text = std::str::from_utf8(&raw)
        .map_err(|_| AppError::BadJson("the key file is not UTF-8".into()))?;
    let keys = PublicKeyFile::from_json(text).map_err(AppError::Rejected)?;
    sequence(&state, |reply| Job::Register {
        keys: Box::new(keys),
        reply,
    })
    .await
}

#[utoipa::path(
    get, path = "/v1/registry",
    responses((status = 200, body = RegistrySnapshot, description = "as of the last durable batch"))
)]
async fn registry(State(state): State<AppState>) -> Result<Json<RegistrySnapshot>, AppError> {
    let registry = Arc::clone(&state.registry);
    blocking(move || Ok(Json(RegistrySnapshot::of(&read_registry(&registry))))).await
}

#[utoipa::path(
    get, path = "/v1/next-seq/{actor}",
    params(("actor" = String, Path, description = "`hub` or a party code")),
    responses(
        (status = 200, body = NextSeq),
        (status = 404, body = ErrorBody, description = "`not_found`: no such party"),
        (status = 422, body = ErrorBody, description = "`invalid`: not an actor")
    )
)]
async fn next_seq(
    State(state): State<AppState>,
    actor: Result<Path<String>, PathRejection>,
) -> Result<Json<NextSeq>, AppError> {
    let actor = path(actor)?;
    let actor: Actor = actor.parse().map_err(AppError::Rejected)?;
    let registry = Arc::clone(&state.registry);
    let next = blocking(move || Ok(read_registry(&registry).next_seq(actor))).await?;
    next.map(|next_seq| Json(NextSeq { next_seq }))
        .ok_or_else(|| AppError::NotFound(format!("no party {actor}")))
}

/// Whether bytes look like an age file (binary or armored). The hub cannot read a dossier,
/// but it can refuse what is plainly not a ciphertext.
fn is_age(bytes: &[u8]) -> bool {
    bytes.starts_with(b"age-encryption.org/v1\n")
        || bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
}

#[utoipa::path(
    post, path = "/v1/dossiers",
    params(("Authorization" = String, Header, description = "`Rex-Ed25519 key=<state>, ...`: signed by a registered state (docs/hub-api.md)")),
    request_body(content = RawBytes, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = DossierStored, description = "stored, and charged to the uploading state's quota"),
        (status = 401, body = ErrorBody, description = "`unauthenticated`: unsigned, not a registered state's signature, stale or replayed"),
        (status = 403, body = ErrorBody, description = "`forbidden`: signed by the operator, who uploads nothing"),
        (status = 413, body = ErrorBody, description = "`too_large`: more than 16 MiB; `over_quota`: the state's dossiers would exceed its quota"),
        (status = 422, body = ErrorBody, description = "`invalid`: not an age file")
    )
)]
async fn post_dossier(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: axum::body::Body,
) -> Result<(StatusCode, Json<DossierStored>), AppError> {
    // Who claims to send it is checked before the body is read: an unsigned or stale request,
    // or one naming no registered state, costs the hub no 16 MiB read.
    let claim = auth::claim(&state, &headers)?;
    let raw = axum::body::to_bytes(raw, MAX_DOSSIER_BYTES)
        .await
        .map_err(|_| {
            AppError::TooLarge(format!(
                "the body exceeds {MAX_DOSSIER_BYTES} bytes (or could not be read)"
            ))
        })?;
    let uploader = match auth::verify(&state, claim, &method, &uri, &raw)? {
        auth::Signer::Party(p) => p,
        auth::Signer::Operator => {
            return Err(AppError::Forbidden(
                "dossiers are uploaded by registered states, not by the operator".into(),
            ))
        }
    };
    if !is_age(&raw) {
        return Err(AppError::Rejected(rex_domain::Rejection::Invalid {
            what: "dossier",
            reason: "not an age file: the hub stores ciphertext only".into(),
        }));
    }
    let size = raw.len() as u64;
    let store = Arc::clone(&state.store);
    let (now, quota) = (state.clock.now(), state.dossiers.quota);
    let stored =
        blocking(move || Ok(store.put_dossier(&raw, uploader.as_str(), now, quota)?)).await?;
    let sha = match stored {
        PutDossier::Stored(sha) => sha,
        PutDossier::OverQuota { held } => {
            return Err(AppError::OverQuota(format!(
                "{uploader} holds {held} bytes of dossiers; {size} more would exceed its quota of {quota} bytes (uploads no statement references are deleted after a day)"
            )))
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(DossierStored {
            sha256: rex_domain::Digest(sha).to_string(),
            size,
        }),
    ))
}

#[utoipa::path(
    get, path = "/v1/dossiers/{sha256}",
    params(
        ("sha256" = String, Path, description = "hex SHA-256 of the ciphertext"),
        ("Authorization" = String, Header, description = "`Rex-Ed25519 key=<state>, ...`: signed by the uploader, the requester or custodian of a request that references the dossier, or a recipient of a message its uploader sent that references it")
    ),
    responses(
        (status = 200, body = RawBytes, content_type = "application/octet-stream", description = "the ciphertext"),
        (status = 401, body = ErrorBody, description = "`unauthenticated`: unsigned, not a registered state's signature, stale or replayed"),
        (status = 403, body = ErrorBody, description = "`forbidden`: the signer neither uploaded it nor is a party to a request that references it, nor a recipient of a message its uploader sent that references it"),
        (status = 404, body = ErrorBody, description = "`not_found`")
    )
)]
async fn get_dossier(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    sha256: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let sha256 = path(sha256)?;
    let reader = match auth::authenticate(&state, &method, &uri, &headers, b"")? {
        auth::Signer::Party(p) => p,
        auth::Signer::Operator => {
            return Err(AppError::Forbidden(
                "dossiers are served to the states they concern, not to the operator".into(),
            ))
        }
    };
    let digest = rex_domain::Digest::parse(&sha256)
        .map_err(|_| AppError::NotFound(format!("no dossier {sha256}")))?;
    let store = Arc::clone(&state.store);
    let registry = Arc::clone(&state.registry);
    let bytes = blocking(move || {
        let info = store
            .dossier_info(&digest.0)?
            .ok_or_else(|| AppError::NotFound(format!("no dossier {digest}")))?;
        let registry = read_registry(&registry);
        let named = registry.requests().any(|r| {
            r.dossier.sha256 == digest
                && (r.metadata.requester == reader || r.metadata.custodian == reader)
        }) || registry.messages().any(|m| {
            // Only a message its uploader sent: anyone can read a digest in the log and name
            // it in a message of its own.
            m.ciphertext.sha256 == digest
                && m.from.as_str() == info.uploader
                && m.concerns(reader)
        });
        drop(registry);
        if info.uploader != reader.as_str() && !named {
            return Err(AppError::Forbidden(format!(
                "{reader} neither uploaded {digest} nor is requester or custodian of a request that references it, nor a recipient of a message its uploader sent that references it"
            )));
        }
        store
            .dossier(&digest.0)?
            .ok_or_else(|| AppError::NotFound(format!("no dossier {digest}")))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

#[utoipa::path(
    post, path = "/v1/cosignatures", request_body = CosignatureBody,
    responses(
        (status = 200, body = CosignatureTaken, description = "kept with its checkpoint"),
        (status = 400, body = ErrorBody, description = "`bad_json`: not `{party, note}`"),
        (status = 403, body = ErrorBody, description = "`bad_signature`, `unknown_party`"),
        (status = 404, body = ErrorBody, description = "`not_found`: the hub signed no such checkpoint"),
        (status = 422, body = ErrorBody, description = "`invalid`: not a note, or not a checkpoint of this hub")
    )
)]
async fn post_cosignature(
    State(state): State<AppState>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<CosignatureTaken>, AppError> {
    let raw = body(raw, MAX_STATEMENT_BYTES)?;
    let input: CosignatureBody = serde_json::from_slice(&raw)
        .map_err(|e| AppError::BadJson(format!("expected {{party, note}}: {e}")))?;
    let party = PartyId::new(&input.party).map_err(AppError::Rejected)?;
    let registry = Arc::clone(&state.registry);
    let key = blocking(move || {
        read_registry(&registry)
            .party(&party)
            .map(|p| *p.keys.signing_key())
            .ok_or_else(|| {
                AppError::Rejected(rex_domain::Rejection::UnknownParty(party.to_string()))
            })
    })
    .await?;
    let invalid = |reason: String| {
        AppError::Rejected(rex_domain::Rejection::Invalid {
            what: "cosignature",
            reason,
        })
    };
    let bad_signature = || {
        AppError::Rejected(rex_domain::Rejection::BadSignature {
            actor: party.to_string(),
        })
    };
    let note = SignedNote::parse(&input.note).map_err(|e| invalid(e.to_string()))?;
    let checkpoint = Checkpoint::open(&note, state.keys.checkpoint.verifier())
        .map_err(|e| invalid(format!("not a checkpoint of this hub: {e}")))?;
    let verifier = NoteVerifier::new(party.as_str(), SignatureKind::CosignatureV1, key)
        .map_err(|e| invalid(e.to_string()))?;
    let verified = note
        .verified_signatures(std::slice::from_ref(&verifier))
        .map_err(|_| bad_signature())?;
    if verified.is_empty() {
        return Err(bad_signature());
    }
    let line = note
        .signatures()
        .iter()
        .find(|s| s.name() == verifier.name() && s.key_id() == verifier.key_id())
        .map(|s| s.to_line())
        .ok_or_else(bad_signature)?;
    // Checked again as a cosignature proper: 72 bytes, timestamp in range, and not dated
    // ahead of the hub's clock (a witness cannot vouch now for a time to come).
    let dated = Cosignature::from_note_signature(
        note.signatures()
            .iter()
            .find(|s| s.name() == verifier.name())
            .ok_or_else(bad_signature)?,
    )
    .map_err(|e| invalid(e.to_string()))?
    .timestamp();
    let now = state.clock.now();
    if dated > now.saturating_add(MAX_SKEW_SECS) {
        return Err(invalid(format!(
            "dated {dated}, more than {MAX_SKEW_SECS} s ahead of the hub clock {now}; check {party}'s clock"
        )));
    }
    let store = Arc::clone(&state.store);
    let size = checkpoint.size();
    let text = note.text().to_owned();
    let cosigner = party.to_string();
    blocking(move || {
        let stored = store
            .checkpoint(size)?
            .ok_or_else(|| AppError::NotFound(format!("no checkpoint of size {size}")))?;
        let stored_text = SignedNote::parse(&stored.note)?.text().to_owned();
        if stored_text != text {
            return Err(AppError::NotFound(format!(
                "the hub signed another checkpoint of size {size}"
            )));
        }
        store.add_cosignature(size, &cosigner, &line)?;
        Ok(())
    })
    .await?;
    Ok(Json(CosignatureTaken {}))
}

#[utoipa::path(
    get, path = "/v1/cosigned",
    responses((status = 200, body = CosignedList, description = "for each state, the newest checkpoint it cosigned, with the hub's signature and that state's line"))
)]
/// For each state that cosigned, the newest checkpoint it cosigned: nodes judge finality by
/// the largest tree each witness vouched for.
async fn cosigned(State(state): State<AppState>) -> Result<Json<CosignedList>, AppError> {
    let store = Arc::clone(&state.store);
    let newest = blocking(move || Ok(store.newest_cosigned()?)).await?;
    Ok(Json(CosignedList {
        cosigned: newest
            .into_iter()
            .map(|c| CosignatureBody {
                party: c.cosigner,
                note: format!("{}{}\n", c.note, c.line),
            })
            .collect(),
    }))
}

#[utoipa::path(
    post, path = "/v1/evidence", request_body = EvidenceBody,
    responses(
        (status = 200, body = EvidenceTaken, description = "kept (or held already): the two checkpoints conflict"),
        (status = 400, body = ErrorBody, description = "`bad_json`: not `{a, b}`"),
        (status = 413, body = ErrorBody, description = "`too_large`: more than 32 KiB"),
        (status = 422, body = ErrorBody, description = "`invalid`: a note that is not a checkpoint signed by this hub's key, or two checkpoints that do not conflict")
    )
)]
/// Takes evidence of a split view from a node: two checkpoints, both signed by this hub's key,
/// that conflict. The hub checks it itself: the same size with different roots, or a
/// checkpoint whose root is not the root of this hub's own tree at its size. Anything else is
/// refused, so the list cannot be filled with noise; only the hub's key can make evidence.
async fn post_evidence(
    State(state): State<AppState>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<EvidenceTaken>, AppError> {
    let raw = body(raw, MAX_EVIDENCE_BYTES)?;
    if raw.len() > MAX_EVIDENCE_BYTES {
        return Err(AppError::TooLarge(format!(
            "the body exceeds {MAX_EVIDENCE_BYTES} bytes"
        )));
    }
    let input: EvidenceBody = serde_json::from_slice(&raw)
        .map_err(|e| AppError::BadJson(format!("expected {{a, b}}: {e}")))?;
    let invalid = |reason: String| {
        AppError::Rejected(rex_domain::Rejection::Invalid {
            what: "evidence",
            reason,
        })
    };
    let verifier = state.keys.checkpoint.verifier().clone();
    let open = |which: &str, text: &str| -> Result<(Checkpoint, String), AppError> {
        let note = SignedNote::parse(text).map_err(|e| invalid(format!("{which}: {e}")))?;
        let checkpoint = Checkpoint::open(&note, &verifier)
            .map_err(|e| invalid(format!("{which} is not a checkpoint of this hub: {e}")))?;
        // Kept with the hub's signature only: one pair is one pair, whoever cosigned it.
        let mut own = SignedNote::new(note.text()).map_err(|e| invalid(e.to_string()))?;
        for s in note.signatures() {
            if s.name() == verifier.name() && s.key_id() == verifier.key_id() {
                own.add_signature(s.clone())
                    .map_err(|e| invalid(e.to_string()))?;
            }
        }
        Ok((checkpoint, own.to_string()))
    };
    let (mut a, mut b) = (open("a", &input.a)?, open("b", &input.b)?);
    if (a.0.size(), a.0.root().0) > (b.0.size(), b.0.root().0) {
        std::mem::swap(&mut a, &mut b);
    }
    let published = state.published_size();
    let store = Arc::clone(&state.store);
    let new = blocking(move || {
        let conflict = if a.0.size() == b.0.size() {
            a.0.root() != b.0.root()
        } else {
            // One of them is not this hub's tree at its size: this key signed two histories.
            let mut other = false;
            for c in [&a.0, &b.0] {
                if c.size() <= published {
                    let own = rex_tlog::Tree::load(&Tiles(&*store), c.size())?;
                    other |= own.root() != c.root();
                }
            }
            other
        };
        if !conflict {
            return Err(AppError::Rejected(rex_domain::Rejection::Invalid {
                what: "evidence",
                reason: format!(
                    "checkpoints {} and {} do not conflict with each other nor with this hub's log",
                    a.0.size(),
                    b.0.size()
                ),
            }));
        }
        Ok(store.add_evidence(&a.1, &b.1)?)
    })
    .await?;
    Ok(Json(EvidenceTaken { new }))
}

#[utoipa::path(
    get, path = "/v1/evidence",
    responses((status = 200, body = EvidenceList, description = "every pair of conflicting checkpoints reported, oldest first, at most 100"))
)]
async fn get_evidence(State(state): State<AppState>) -> Result<Json<EvidenceList>, AppError> {
    let store = Arc::clone(&state.store);
    let pairs = blocking(move || Ok(store.evidence(MAX_EVIDENCE_LISTED)?)).await?;
    Ok(Json(EvidenceList {
        evidence: pairs
            .into_iter()
            .map(|(a, b)| EvidenceBody { a, b })
            .collect(),
    }))
}

#[utoipa::path(
    get, path = "/checkpoint",
    responses((status = 200, body = Note, content_type = "text/plain; charset=utf-8", description = "the latest checkpoint note with its cosignatures"))
)]
async fn checkpoint(State(state): State<AppState>) -> Result<Response, AppError> {
    // The published checkpoint, not the store's latest: a batch is in the store a moment
    // before it is published, and every proof and tile is served up to the published size
    // only, so a node that read the newer one would be refused its consistency proof and take
    // the refusal for a fork.
    let size = state.published_size();
    let store = Arc::clone(&state.store);
    let latest = blocking(move || Ok(store.checkpoint(size)?))
        .await?
        .ok_or_else(|| AppError::Internal(format!("no checkpoint of size {size} stored")))?;
    let mut note = latest.note;
    for line in &latest.cosignatures {
        note.push_str(line);
        note.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        note,
    )
        .into_response())
}

#[utoipa::path(
    get, path = "/tile/{path}",
    params(("path" = String, Path, description = "`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`")),
    responses(
        (status = 200, body = RawBytes, content_type = "application/octet-stream", description = "the tile"),
        (status = 404, body = ErrorBody, description = "`not_found`: no such tile, or beyond the published tree")
    )
)]
async fn tile(
    State(state): State<AppState>,
    tile_path: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let full = format!("tile/{}", path(tile_path)?);
    let tile: TilePath = full
        .parse()
        .map_err(|_| AppError::NotFound(format!("no tile {full}")))?;
    let size = state.published_size();
    let store = Arc::clone(&state.store);
    let bytes = blocking(move || {
        rex_tlog::read_tile(&Tiles(&*store), size, &tile).map_err(|e| match e {
            rex_tlog::Error::TileNotAvailable { .. } => {
                AppError::NotFound(format!("tile {full} is beyond the tree of size {size}"))
            }
            e => e.into(),
        })
    })
    .await?;
    let cache = if tile.is_partial() {
        "no-store"
    } else {
        "public, max-age=31536000, immutable"
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response())
}

/// `?index=I&size=N`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    index: u64,
    size: u64,
}

/// `?old=M&new=N`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    old: u64,
    new: u64,
}

fn query<T>(q: Result<Query<T>, axum::extract::rejection::QueryRejection>) -> Result<T, AppError> {
    q.map(|Query(t)| t)
        .map_err(|e| AppError::BadJson(e.body_text()))
}

#[utoipa::path(
    get, path = "/v1/log/inclusion", params(InclusionQuery),
    responses(
        (status = 200, body = Proof),
        (status = 400, body = ErrorBody, description = "`bad_json`: the query is not `index` and `size`"),
        (status = 404, body = ErrorBody, description = "`not_found`: no such leaf in the published tree")
    )
)]
async fn inclusion(
    State(state): State<AppState>,
    q: Result<Query<InclusionQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Proof>, AppError> {
    let q = query(q)?;
    let published = state.published_size();
    if q.size > published || q.index >= q.size {
        return Err(AppError::NotFound(format!(
            "no leaf {} in a tree of size {} (the log has {published})",
            q.index, q.size
        )));
    }
    let store = Arc::clone(&state.store);
    let proof =
        blocking(move || Ok(rex_tlog::inclusion_proof(&Tiles(&*store), q.index, q.size)?)).await?;
    Ok(Json(Proof { proof: b64(&proof) }))
}

#[utoipa::path(
    get, path = "/v1/log/consistency", params(ConsistencyQuery),
    responses(
        (status = 200, body = Proof),
        (status = 400, body = ErrorBody, description = "`bad_json`: the query is not `old` and `new`"),
        (status = 404, body = ErrorBody, description = "`not_found`: beyond the published tree")
    )
)]
async fn consistency(
    State(state): State<AppState>,
    q: Result<Query<ConsistencyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Proof>, AppError> {
    let q = query(q)?;
    let published = state.published_size();
    if q.new > published || q.old > q.new {
        return Err(AppError::NotFound(format!(
            "no consistency from {} to {} (the log has {published})",
            q.old, q.new
        )));
    }
    let store = Arc::clone(&state.store);
    let proof =
        blocking(move || Ok(rex_tlog::consistency_proof(&Tiles(&*store), q.old, q.new)?)).await?;
    Ok(Json(Proof { proof: b64(&proof) }))
}
