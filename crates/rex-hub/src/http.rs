//! The HTTP API (docs/hub-api.md): handlers, their OpenAPI description, the router.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::prelude::{Engine as _, BASE64_STANDARD};
use rex_domain::{
    Actor, Envelope, ExchangeStatus, PartyId, Prechecked, PublicKeyFile, Registry, RequestStatus,
    Route,
};
use rex_store::Tiles;
use rex_tlog::{Checkpoint, Cosignature, Hash, NoteVerifier, SignatureKind, SignedNote, TilePath};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use utoipa::{OpenApi, ToSchema};

use crate::engine::{Accepted, Job};
use crate::error::ErrorBody;
use crate::{read_registry, AppError, AppState};

/// Largest statement body, in bytes.
pub const MAX_STATEMENT_BYTES: usize = 64 * 1024;
/// Largest dossier, in bytes.
pub const MAX_DOSSIER_BYTES: usize = 16 * 1024 * 1024;

/// The hub's identity.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HubInfo {
    /// The log's origin line.
    pub origin: String,
    /// The C2SP verifier key of the checkpoint key.
    pub note_vkey: String,
    /// The hub's statement key, base64 of its 32 bytes.
    pub hub_ed25519: String,
}

/// What a node keeps for each accepted statement.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    /// The leaf index of the statement's log entry.
    pub index: u64,
    /// The size of the tree of `checkpoint`.
    pub tree_size: u64,
    /// SHA-256 (hex) of the statement payload as signed.
    pub statement_sha256: String,
    /// The C2SP signed checkpoint note.
    pub checkpoint: String,
    /// The inclusion proof of leaf `index` in the tree of `tree_size`, base64 hashes.
    pub inclusion: Vec<String>,
    /// The acceptance time (unix seconds) written in the log entry.
    pub time: u64,
}

/// `{next_seq}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NextSeq {
    /// The sequence number the actor's next statement must carry.
    pub next_seq: u64,
}

/// A stored dossier.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DossierStored {
    /// SHA-256 (hex) of the ciphertext.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A node's cosignature of a checkpoint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CosignatureIn {
    /// The cosigning party (its code, also the cosigner key name).
    pub party: String,
    /// The checkpoint note with the party's cosignature line added.
    pub note: String,
}

/// A Merkle proof.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Proof {
    /// Base64 hashes.
    pub proof: Vec<String>,
}

/// A DSSE envelope (documentation only; parsed by `rex_domain::Envelope::from_json`).
#[derive(Serialize, ToSchema)]
pub struct EnvelopeDoc {
    /// Base64 of the statement payload.
    pub payload: String,
    /// `application/vnd.rex.statement+json`.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// Exactly one `{keyid, sig}`.
    pub signatures: Vec<Value>,
}

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
        admin_match,
        admin_register,
        checkpoint,
        tile,
        inclusion,
        consistency
    ),
    components(schemas(
        HubInfo,
        Receipt,
        NextSeq,
        DossierStored,
        CosignatureIn,
        Proof,
        ErrorBody,
        EnvelopeDoc
    ))
)]
pub struct ApiDoc;

/// The hub's router over `state`. Every route answers errors as `{code, message}`.
pub fn app(state: AppState) -> Router {
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
        .route("/v1/admin/match", post(admin_match))
        .route("/v1/admin/parties", post(admin_register))
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*path}", get(tile))
        .route("/v1/log/inclusion", get(inclusion))
        .route("/v1/log/consistency", get(consistency))
        .route("/openapi.json", get(openapi))
        .layer(DefaultBodyLimit::max(MAX_STATEMENT_BYTES))
        .merge(dossiers)
        .fallback(|| async { AppError::NotFound("no such endpoint".into()) })
        .with_state(state)
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A body, or `too_large` / `bad_json`.
fn body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, AppError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(format!("the body exceeds {limit} bytes"))
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

#[utoipa::path(get, path = "/v1/hub", responses((status = 200, body = HubInfo)))]
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
    job: impl FnOnce(oneshot::Sender<Result<Accepted, AppError>>) -> Job,
) -> Result<Json<Receipt>, AppError> {
    let (reply, answer) = oneshot::channel();
    state
        .jobs
        .send(job(reply))
        .await
        .map_err(|_| AppError::Unavailable)?;
    let accepted = answer.await.map_err(|_| AppError::Unavailable)??;
    let store = Arc::clone(&state.store);
    let proof = blocking(move || {
        Ok(rex_tlog::inclusion_proof(
            &Tiles(&*store),
            accepted.index,
            accepted.tree_size,
        )?)
    })
    .await?;
    Ok(Json(Receipt {
        index: accepted.index,
        tree_size: accepted.tree_size,
        statement_sha256: accepted.statement_sha256.to_string(),
        checkpoint: accepted.checkpoint.to_string(),
        inclusion: b64(&proof),
        time: accepted.time,
    }))
}

#[utoipa::path(
    post, path = "/v1/statements", request_body = EnvelopeDoc,
    responses(
        (status = 200, body = Receipt, description = "durable, with its checkpoint and proof"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)
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
    responses((status = 200, body = Receipt), (status = 403, body = ErrorBody))
)]
async fn admin_match(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
) -> Result<Json<Receipt>, AppError> {
    require_loopback(&extensions)?;
    sequence(&state, |reply| Job::Match { reply }).await
}

/// Admin calls come from the hub's own machine only (the operator).
fn require_loopback(extensions: &axum::http::Extensions) -> Result<(), AppError> {
    // What `ConnectInfo` reads: the real connection's, or the one a test layer mocks.
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
        .or_else(|| extensions.get::<MockConnectInfo<SocketAddr>>().map(|m| m.0));
    if peer.is_some_and(|p| p.ip().is_loopback()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "admin calls are taken from loopback addresses only".into(),
        ))
    }
}

#[utoipa::path(
    post, path = "/v1/admin/parties",
    request_body(content = Object, description = "the public key file a node exported (rex-public-keys/v1)"),
    responses((status = 200, body = Receipt), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn admin_register(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Receipt>, AppError> {
    require_loopback(&extensions)?;
    let raw = body(raw, MAX_STATEMENT_BYTES)?;
    let text = std::str::from_utf8(&raw)
        .map_err(|_| AppError::BadJson("the key file is not UTF-8".into()))?;
    let keys = PublicKeyFile::from_json(text).map_err(AppError::Rejected)?;
    sequence(&state, |reply| Job::Register {
        keys: Box::new(keys),
        reply,
    })
    .await
}

#[utoipa::path(get, path = "/v1/registry", responses((status = 200, body = Object)))]
async fn registry(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let registry = Arc::clone(&state.registry);
    blocking(move || Ok(Json(snapshot(&read_registry(&registry))))).await
}

#[utoipa::path(
    get, path = "/v1/next-seq/{actor}",
    params(("actor" = String, Path, description = "`hub` or a party code")),
    responses((status = 200, body = NextSeq), (status = 404, body = ErrorBody))
)]
async fn next_seq(
    State(state): State<AppState>,
    Path(actor): Path<String>,
) -> Result<Json<NextSeq>, AppError> {
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
    post, path = "/v1/dossiers", request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = DossierStored), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn post_dossier(
    State(state): State<AppState>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<DossierStored>), AppError> {
    let raw = body(raw, MAX_DOSSIER_BYTES)?;
    if !is_age(&raw) {
        return Err(AppError::Rejected(rex_domain::Rejection::Invalid {
            what: "dossier",
            reason: "not an age file: the hub stores ciphertext only".into(),
        }));
    }
    let size = raw.len() as u64;
    let store = Arc::clone(&state.store);
    let sha = blocking(move || Ok(store.put_dossier(&raw)?)).await?;
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
    params(("sha256" = String, Path, description = "hex SHA-256 of the ciphertext")),
    responses((status = 200, body = Vec<u8>, content_type = "application/octet-stream"), (status = 404, body = ErrorBody))
)]
async fn get_dossier(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Response, AppError> {
    let digest = rex_domain::Digest::parse(&sha256)
        .map_err(|_| AppError::NotFound(format!("no dossier {sha256}")))?;
    let store = Arc::clone(&state.store);
    let bytes = blocking(move || Ok(store.dossier(&digest.0)?)).await?;
    let bytes = bytes.ok_or_else(|| AppError::NotFound(format!("no dossier {sha256}")))?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

#[utoipa::path(
    post, path = "/v1/cosignatures", request_body = CosignatureIn,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn post_cosignature(
    State(state): State<AppState>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AppError> {
    let raw = body(raw, MAX_STATEMENT_BYTES)?;
    let input: CosignatureIn = serde_json::from_slice(&raw)
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
    // Checked again as a cosignature proper: 72 bytes, timestamp in range.
    Cosignature::from_note_signature(
        note.signatures()
            .iter()
            .find(|s| s.name() == verifier.name())
            .ok_or_else(bad_signature)?,
    )
    .map_err(|e| invalid(e.to_string()))?;
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
    Ok(Json(json!({})))
}

#[utoipa::path(
    get, path = "/checkpoint",
    responses((status = 200, body = String, content_type = "text/plain; charset=utf-8"))
)]
async fn checkpoint(State(state): State<AppState>) -> Result<Response, AppError> {
    let store = Arc::clone(&state.store);
    let latest = blocking(move || Ok(store.latest_checkpoint()?))
        .await?
        .ok_or_else(|| AppError::Internal("no checkpoint stored".into()))?;
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
    responses((status = 200, body = Vec<u8>, content_type = "application/octet-stream"), (status = 404, body = ErrorBody))
)]
async fn tile(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, AppError> {
    let full = format!("tile/{path}");
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
    responses((status = 200, body = Proof), (status = 404, body = ErrorBody))
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
    responses((status = 200, body = Proof), (status = 404, body = ErrorBody))
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

fn request_status(s: &RequestStatus) -> Value {
    match s {
        RequestStatus::AwaitingAnswer => json!({"state": "awaiting_answer"}),
        RequestStatus::Refused(ground) => json!({"state": "refused", "ground": ground}),
        RequestStatus::Pooled => json!({"state": "pooled"}),
        RequestStatus::InExchange(x) => json!({"state": "in_exchange", "exchange": x}),
        RequestStatus::Fulfilled(x) => json!({"state": "fulfilled", "exchange": x}),
        RequestStatus::Withdrawn => json!({"state": "withdrawn"}),
    }
}

fn exchange_status(s: ExchangeStatus) -> &'static str {
    match s {
        ExchangeStatus::Proposed => "proposed",
        ExchangeStatus::Binding => "binding",
        ExchangeStatus::Completed => "completed",
        ExchangeStatus::Lapsed => "lapsed",
    }
}

/// The registry as JSON: metadata only, as the registry holds nothing else.
pub fn snapshot(registry: &Registry) -> Value {
    let parties: Vec<Value> = registry
        .parties()
        .map(|p| {
            json!({
                "keys": p.keys,
                "last_seq": p.last_seq,
                "registered_at": p.registered_at,
            })
        })
        .collect();
    let agreements: Vec<Value> = registry
        .agreements()
        .map(|a| {
            json!({
                "id": a.id, "proposer": a.proposer, "terms": a.terms,
                "proposed_at": a.proposed_at, "signed": a.signed,
                "in_force_since": a.in_force_since,
            })
        })
        .collect();
    let requests: Vec<Value> = registry
        .requests()
        .map(|r| {
            json!({
                "id": r.id, "metadata": r.metadata, "dossier": r.dossier,
                "filed_at": r.filed_at,
                "route": match r.route { Route::Any => "any", Route::ProsecutionOnly => "prosecution_only" },
                "answer": r.answer,
                "status": request_status(&r.status),
            })
        })
        .collect();
    let exchanges: Vec<Value> = registry
        .exchanges()
        .map(|x| {
            json!({
                "id": x.proposal.id, "proposal": x.proposal, "digest": x.digest,
                "proposed_at": x.proposed_at, "parties": x.parties, "signed": x.signed,
                "status": exchange_status(x.status), "binding_since": x.binding_since,
                "execution_deadline": x.execution_deadline, "go_at": x.go_at,
                "stages": x.stages, "breaches": x.breaches,
            })
        })
        .collect();
    json!({
        "hub_next_seq": registry.next_seq(Actor::Hub),
        "parties": parties,
        "agreements": agreements,
        "requests": requests,
        "exchanges": exchanges,
    })
}
