//! The evidence view of one statement, its downloadable bundle, the lists of statements that
//! link to it, and the officers' keys on the admin page.
//!
//! The view never takes the hub's word: the node fetches the entry and the hub's inclusion
//! proof and verifies it against a checkpoint it verified itself
//! ([`rex_node::Node::statement_evidence`]); a proof that fails is shown as failed. The bundle
//! is the same evidence as one file ([`rex_node::evidence`]), which `rex log evidence verify`
//! checks without the hub.
//!
//! **Decision: certifying an officer's key is not a four-eyes act.** The domain's binding acts
//! are the acts on cases and exchanges (`Action::is_binding`); a certificate is the state's
//! administrative act, signed by its node, and the log refuses officers' signatures on it.
//! Requiring two officers to certify officers would also leave a state with none unable to
//! start. So the desk asks of the admin what it asks of an approver: a fresh passkey check
//! (at most [`crate::STEP_UP_TTL`] old) before the node certifies or revokes a key, recorded
//! in the audit trail; the other states see every certificate and revocation in the log.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use rex_domain::{Actor, OfficerId, PartyId, Role as DomainRole};
use rex_node::evidence::{Inclusion, Logged};

use crate::role::{labels_of, Role};
use crate::web::{
    blocking, form_field, officer, registry_of, render, require, session_id, when, Frame, WebError,
};
use crate::Desk;

type AppState = Arc<Desk>;

/// One statement in a list, linking to its evidence.
pub(crate) struct StatementRow {
    pub(crate) index: u64,
    pub(crate) time: String,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) officers: String,
}

impl StatementRow {
    pub(crate) fn of(l: &Logged) -> StatementRow {
        StatementRow {
            index: l.index,
            time: when(l.time),
            actor: l.actor.to_string(),
            action: l.action.replace('_', " "),
            officers: l
                .officers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// The statements of the view's log that `about` selects, in log order.
pub(crate) fn statements(desk: &Desk, about: impl Fn(&Logged) -> bool) -> Vec<StatementRow> {
    desk.view()
        .log
        .iter()
        .filter(|l| about(l))
        .map(StatementRow::of)
        .collect()
}

/// The last `n` statements of the view's log, newest first.
pub(crate) fn latest(desk: &Desk, n: usize) -> Vec<StatementRow> {
    desk.view()
        .log
        .iter()
        .rev()
        .take(n)
        .map(StatementRow::of)
        .collect()
}

pub(crate) struct SignerRow {
    who: String,
    signed_as: String,
    key: String,
    roles: String,
    certified_at: Option<u64>,
    revoked_at: Option<u64>,
    valid: bool,
    state: String,
}

pub(crate) struct Field {
    name: String,
    value: String,
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    frame: Frame,
    index: u64,
    summary: String,
    fields: Vec<Field>,
    actor: String,
    seq: u64,
    signed_at: String,
    accepted: String,
    digest: String,
    leaf: String,
    signers: Vec<SignerRow>,
    acted_by: String,
    verified: bool,
    failure: String,
    size: u64,
    root: String,
    is_final: bool,
    cosigned_by: String,
    quorum: String,
    payload: String,
    support: usize,
}

fn index_of(s: &str) -> Result<u64, WebError> {
    s.parse()
        .map_err(|_| WebError::NotFound(format!("{s:?} is not a log index")))
}

/// The evidence, checked on the node, of the statement at `index`.
async fn checked(desk: &AppState, index: u64) -> Result<rex_node::StatementEvidence, WebError> {
    let registry = registry_of(desk)?;
    let log = desk.view().log;
    let d = Arc::clone(desk);
    blocking(move || Ok(d.node().statement_evidence(index, &registry, &log)?)).await
}

/// `GET /evidence/{index}`: every officer may see the evidence of a statement; it holds no
/// case content (the log holds none).
pub(crate) async fn page(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(index): Path<String>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let index = index_of(&index)?;
    let e = checked(&desk, index).await?;
    let registry = registry_of(&desk)?;
    let quorum = registry.quorum(&desk.party).map_or_else(
        || "none required".to_owned(),
        |q| {
            if q.witnesses.is_empty() {
                "none required".to_owned()
            } else {
                let names: Vec<&str> = q.witnesses.iter().map(PartyId::as_str).collect();
                format!("{} of {} ({})", q.threshold, names.len(), names.join(", "))
            }
        },
    );
    let action = serde_json::to_value(&e.statement.action).unwrap_or_default();
    let fields = action
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| *k != "type")
        .map(|(k, v)| Field {
            name: k.replace('_', " "),
            value: match v {
                serde_json::Value::String(s) => s.replace('_', " "),
                other => {
                    let s = other.to_string();
                    if s.chars().count() > 400 {
                        let head: String = s.chars().take(400).collect();
                        format!("{head}… ({} bytes; see the statement below)", s.len())
                    } else {
                        s
                    }
                }
            },
        })
        .collect();
    let acted_by = match &e.statement.acted_by {
        Some(rex_domain::Officers::FourEyes { drafter, approver }) => {
            format!("two officers: {drafter} drafted, {approver} approved")
        }
        Some(rex_domain::Officers::NoOfficer) => {
            "no_officer: the node's key alone (the command line acted; no officer signed)".into()
        }
        None if e.statement.action.is_binding() => {
            "not said (written before officers existed): the node's key alone".into()
        }
        None => "not a binding act: the signer's key alone".into(),
    };
    let summary = format!(
        "{} {}",
        match e.statement.actor {
            Actor::Hub => "The hub:".to_owned(),
            Actor::Party(p) => format!("{p}:"),
        },
        e.statement.action.name().replace('_', " ")
    );
    let (verified, failure) = match &e.inclusion {
        Inclusion::Verified => (true, String::new()),
        Inclusion::Failed(why) => (false, why.clone()),
    };
    let payload = serde_json::from_slice::<serde_json::Value>(&e.entry.envelope.payload)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| String::from_utf8_lossy(&e.entry.envelope.payload).into_owned());
    let cosigned: Vec<&str> = e.cosigned_by.iter().map(PartyId::as_str).collect();
    Ok(render(&EvidencePage {
        frame: Frame::of(&desk, &officer),
        index,
        summary,
        fields,
        actor: e.statement.actor.to_string(),
        seq: e.statement.seq,
        signed_at: when(e.statement.time),
        accepted: when(e.entry.time),
        digest: e.digest.to_string(),
        leaf: e.leaf.to_hex(),
        signers: e
            .signers
            .iter()
            .map(|s| SignerRow {
                who: s.who.clone(),
                signed_as: s.signed_as.clone(),
                key: s.key.clone(),
                roles: labels_of(&s.roles),
                certified_at: s.certified_at,
                revoked_at: s.revoked_at,
                valid: s.valid,
                state: s.state.clone(),
            })
            .collect(),
        acted_by,
        verified,
        failure,
        size: e.checkpoint.size(),
        root: e.checkpoint.root().to_hex(),
        is_final: e.is_final,
        cosigned_by: if cosigned.is_empty() {
            "no state".to_owned()
        } else {
            cosigned.join(", ")
        },
        quorum,
        payload,
        support: e.support.as_ref().map_or(0, Vec::len),
    }))
}

#[derive(serde::Deserialize)]
pub(crate) struct Jump {
    index: String,
}

/// `GET /evidence?index=N` (the log page's form): to `/evidence/N`.
pub(crate) async fn jump(
    State(desk): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<Jump>,
) -> Result<Response, WebError> {
    officer(&desk, &headers).await?;
    let index = index_of(q.index.trim())?;
    Ok(Redirect::to(&format!("/evidence/{index}")).into_response())
}

/// `GET /evidence/{index}/bundle`: the evidence bundle as a file; refused, saying why, when
/// a proof does not verify or the statement is in no checkpoint the node holds yet.
pub(crate) async fn bundle(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(index): Path<String>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let index = index_of(&index)?;
    let e = checked(&desk, index).await?;
    let bundle = e.bundle().map_err(|e| WebError::Input(e.to_string()))?;
    let d = Arc::clone(&desk);
    blocking(move || {
        d.store().audit(
            d.now(),
            Some(officer.id),
            "evidence_exported",
            &format!("entry {index}"),
        )?;
        Ok(())
    })
    .await?;
    let name = format!(
        "attachment; filename=\"rex-evidence-{}-{index}.json\"",
        desk.party.as_str().to_lowercase()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        bundle.to_json(),
    )
        .into_response())
}

// ----- officers' keys -----

/// One officer key certified in the log by this state.
pub(crate) struct KeyRow {
    pub(crate) officer: String,
    pub(crate) roles: String,
    pub(crate) key: String,
    pub(crate) validity: String,
    pub(crate) status: String,
    pub(crate) revoked: bool,
    pub(crate) certified_at: Option<u64>,
    pub(crate) revoked_at: Option<u64>,
}

/// The officer keys this state certified, from the node's replay of the log.
pub(crate) fn keys(desk: &Desk) -> Vec<KeyRow> {
    let view = desk.view();
    let Some(registry) = view.registry else {
        return Vec::new();
    };
    let now = desk.now();
    let at = |action: &str, id: &OfficerId| {
        view.log
            .iter()
            .find(|l| {
                l.action == action && l.actor == Actor::Party(desk.party) && l.officers.contains(id)
            })
            .map(|l| l.index)
    };
    registry
        .officers(&desk.party)
        .map(|o| KeyRow {
            officer: o.id.to_string(),
            roles: labels_of(&o.roles),
            key: o.key.keyid().to_string(),
            validity: format!("{} to {}", when(o.not_before), when(o.not_after)),
            status: match o.revoked_at {
                Some(t) => format!("revoked {}", when(t)),
                None if now >= o.not_after => "expired".into(),
                None if now < o.not_before => "not yet valid".into(),
                None => "certified".into(),
            },
            revoked: o.revoked_at.is_some(),
            certified_at: at("officer_certified", &o.id),
            revoked_at: at("officer_revoked", &o.id),
        })
        .collect()
}

/// The longest validity the desk certifies, in days (the log allows 732).
const MAX_VALIDITY_DAYS: u64 = 732;

/// Refuses unless the session's officer passed a passkey check in the last
/// [`crate::STEP_UP_TTL`] seconds.
async fn stepped_up(desk: &AppState, headers: &HeaderMap, what: &str) -> Result<(), WebError> {
    let session = session_id(headers).unwrap_or_default();
    let d = Arc::clone(desk);
    let stepped = blocking(move || Ok(d.store().stepped_up_at(&session)?)).await?;
    let now = desk.now();
    if stepped.is_none_or(|t| now > t + crate::STEP_UP_TTL) {
        return Err(WebError::Denied(format!(
            "confirm with your passkey first: {what} needs a passkey check of the last 5 minutes"
        )));
    }
    Ok(())
}

/// `POST /officers/keys`: the admin, after a passkey check, makes a key for an enrolled
/// officer (same handle as its officer id) and certifies it in the log with the officer's
/// roles, valid from now for `days` days.
pub(crate) async fn certify(
    State(desk): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let admin = officer(&desk, &headers).await?;
    require(&admin, &[Role::Admin], "certifying an officer's key")?;
    stepped_up(&desk, &headers, "certifying an officer's key").await?;
    let handle = form_field(&body, "handle");
    let days: u64 = match form_field(&body, "days").trim() {
        "" => 365,
        d => d
            .parse()
            .ok()
            .filter(|d| (1..=MAX_VALIDITY_DAYS).contains(d))
            .ok_or_else(|| {
                WebError::Input(format!(
                    "validity {d:?}: a number of days from 1 to {MAX_VALIDITY_DAYS}"
                ))
            })?,
    };
    let registry = registry_of(&desk)?;
    let d = Arc::clone(&desk);
    blocking(move || {
        let target = d
            .store()
            .officer_by_handle(&handle)?
            .ok_or_else(|| WebError::NotFound(format!("no officer {handle:?} on this desk")))?;
        if target.revoked_at.is_some() {
            return Err(WebError::Input(format!(
                "officer {handle} is revoked on this desk; enrol the person again under a new handle"
            )));
        }
        let id = OfficerId::new(&target.handle)
            .map_err(|e| WebError::Input(format!("handle {handle:?} as an officer id: {e}")))?;
        if registry.officer(&d.party, &id).is_some() {
            return Err(WebError::Input(format!(
                "officer {id} has a certified key already; an id is certified once (revoke it and enrol the person under a new handle for a new key)"
            )));
        }
        let roles: Vec<DomainRole> = target.roles.iter().map(DomainRole::from).collect();
        let now = d.now();
        let submitted = {
            let mut node = d.node();
            if node.officer_key(&id).is_err() {
                node.create_officer_key(&id)?;
            }
            node.certify_officer(&id, &roles, now, now + days * 86_400)?
        };
        d.store().audit(
            now,
            Some(admin.id),
            "officer_key_certified",
            &format!(
                "{id}: logged at index {}, valid {days} days",
                submitted.index
            ),
        )?;
        let _ = d.sync_now();
        Ok(())
    })
    .await?;
    Ok(Redirect::to("/officers").into_response())
}

/// `POST /officers/keys/{id}/revoke`: the admin, after a passkey check, revokes an officer's
/// key in the log, for good.
pub(crate) async fn revoke(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let admin = officer(&desk, &headers).await?;
    require(&admin, &[Role::Admin], "revoking an officer's key")?;
    stepped_up(&desk, &headers, "revoking an officer's key").await?;
    let registry = registry_of(&desk)?;
    let id = OfficerId::new(&id)
        .map_err(|e| WebError::NotFound(format!("{id:?} is not an officer id: {e}")))?;
    let o = registry
        .officer(&desk.party, &id)
        .ok_or_else(|| WebError::NotFound(format!("no certified officer {id}")))?;
    if o.revoked_at.is_some() {
        return Err(WebError::Input(format!("officer {id} is revoked already")));
    }
    let d = Arc::clone(&desk);
    blocking(move || {
        let now = d.now();
        let submitted = d.node().revoke_officer(&id)?;
        d.store().audit(
            now,
            Some(admin.id),
            "officer_key_revoked",
            &format!("{id}: logged at index {}", submitted.index),
        )?;
        let _ = d.sync_now();
        Ok(())
    })
    .await?;
    Ok(Redirect::to("/officers").into_response())
}
