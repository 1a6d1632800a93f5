//! Four eyes on the desk: a case officer drafts a binding act (filing a request with its
//! dossier, answering one, deciding a screening check with written grounds, signing an
//! exchange, a step on a leg or a prosecution milestone: the execution board's acts); another officer, an approver, sees exactly what will be signed (a
//! readable summary and the SHA-256 of the act's inputs), confirms with a fresh passkey check
//! (step-up, at most [`STEP_UP_TTL`] old) and approves, and only then does the node sign and
//! submit it. Nobody approves their own draft. Every step is in the audit trail.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use rex_domain::{
    Action, AgreementId, Answer, Attachment, AttachmentKind, Check, ExchangeId, ExchangeStatus,
    LegStep, MetadataDraft, Offence, OfficerId, RefusalGround, RequestId, RequestMetadata,
    RequestStatus, Severity, StructuredDossier,
};
use rex_node::Node;
use serde::{Deserialize, Serialize};

use crate::attachments::{AttachmentRow, Posted};
use crate::db::{Draft, NewDraft};
use crate::role::Role;
use crate::web::{
    blocking, form_field as field, label, officer, other_states, registry_of, render, require,
    session_id, when, Frame, WebError,
};
use crate::Desk;

type AppState = Arc<Desk>;

/// How recent the approver's passkey check must be: 5 minutes.
pub const STEP_UP_TTL: u64 = 300;

/// What a draft holds, by kind.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Act {
    /// File a request: its metadata and the dossier's text (encrypted when filed).
    FileRequest {
        metadata: MetadataDraft,
        dossier: String,
    },
    /// Answer a request.
    AnswerRequest { request: RequestId, answer: Answer },
    /// An act on an exchange: its signature, a step on a leg, a prosecution milestone (the
    /// statement's action, exactly as it will be signed).
    Exchange { action: Action },
    /// A person's decision on a screening check, with its written grounds: they stay on this
    /// node, the statement carries their SHA-256.
    Decision {
        request: RequestId,
        check: Check,
        passed: bool,
        grounds: String,
    },
    /// An unconditional offer of a request this state holds, under deferred reciprocity.
    Offer { request: RequestId },
    /// The custodian's decision between open requests for one person, with its written
    /// grounds (kept on this node; the statement carries their SHA-256).
    Competition {
        requests: Vec<RequestId>,
        preferred: RequestId,
        others: rex_domain::Others,
        factors: Vec<rex_domain::Factor>,
        grounds: String,
    },
}

fn name_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn parse_name<T: for<'de> Deserialize<'de>>(what: &str, s: &str) -> Result<T, WebError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| WebError::Input(format!("{s:?} is not a {what}")))
}

#[derive(Template)]
#[template(path = "new_request.html")]
struct NewRequestPage {
    frame: Frame,
    states: Vec<String>,
    agreements: Vec<String>,
    offences: Vec<String>,
    severities: Vec<String>,
    /// Each kind of attachment, its wire name and its label.
    kinds: Vec<(&'static str, &'static str)>,
    max_file_mib: usize,
    max_total_mib: usize,
}

pub(crate) async fn new_request(
    State(desk): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::CaseOfficer], "drafting a request")?;
    let registry = registry_of(&desk)?;
    let me = desk.party;
    Ok(render(&NewRequestPage {
        frame: Frame::of(&desk, &officer),
        states: other_states(&registry, me),
        agreements: registry
            .agreements()
            .filter(|a| a.in_force_since.is_some() && a.terms.members.contains(&me))
            .map(|a| a.id.to_string())
            .collect(),
        offences: Offence::ALL.iter().map(name_of).collect(),
        severities: Severity::ALL.iter().map(name_of).collect(),
        kinds: AttachmentKind::ALL
            .into_iter()
            .map(|k| {
                let label = match k {
                    AttachmentKind::Warrant => "Warrant or order",
                    AttachmentKind::Judgment => "Judgment",
                    AttachmentKind::Evidence => "Evidence",
                    AttachmentKind::Identity => "Identity document or photograph",
                    AttachmentKind::Translation => "Translation",
                };
                (k.as_str(), label)
            })
            .collect(),
        max_file_mib: rex_domain::MAX_ATTACHMENT_BYTES >> 20,
        max_total_mib: rex_domain::MAX_ATTACHMENTS_BYTES >> 20,
    }))
}

/// The dossier of a drafted request: the text alone, or, when the form states facts the
/// custodian's screening reads (offence date, date of birth, a final judgment for the same
/// acts, an amnesty, the subject's names for its tag) or carries attachments, a structured dossier (`rex-dossier/v1`) with
/// those facts, the text and the attachments.
fn dossier_of(form: &Posted, text: String) -> Result<String, WebError> {
    let date = |name: &str| {
        let v = form.field(name);
        (!v.trim().is_empty()).then(|| v.trim().to_owned())
    };
    let flag = |name: &str| match form.field(name).as_str() {
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        "" | "unknown" => Ok(None),
        other => Err(WebError::Input(format!(
            "{name} {other:?}: yes, no or unknown"
        ))),
    };
    let facts = rex_domain::DossierFacts {
        offence_date: date("offence_date"),
        born: date("born"),
        final_judgment_same_acts: flag("final_judgment")?,
        amnesty: flag("amnesty")?,
        identity: date("family_name").map(|family_name| rex_domain::SubjectIdentity {
            family_name,
            given_names: form.field("given_names").trim().to_owned(),
        }),
    };
    if facts == rex_domain::DossierFacts::default() && form.attachments.is_empty() {
        return Ok(text);
    }
    let dossier = StructuredDossier::new(facts, text, form.attachments.clone());
    // The same checks the custodian's node makes (a bad date, the attachments and their
    // limits): refused here, in one line.
    let plaintext = dossier
        .to_plaintext()
        .map_err(|e| WebError::Input(e.to_string()))?;
    String::from_utf8(plaintext).map_err(|e| WebError::Internal(e.to_string()))
}

/// The dossier a draft files, if it files a request.
pub(crate) fn dossier_in(payload: &str) -> Option<String> {
    match serde_json::from_str::<Act>(payload).ok()? {
        Act::FileRequest { dossier, .. } => Some(dossier),
        _ => None,
    }
}

/// `POST /requests/new`: the draft of a request, kept for approval (`multipart/form-data`
/// with the dossier's attachments, or a form without them).
pub(crate) async fn draft_request(
    State(desk): State<AppState>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::CaseOfficer], "drafting a request")?;
    let form = Posted::read(request).await?;
    let custodian = form.field("custodian");
    let agreement = form.field("agreement");
    let mut offences = form
        .values("offence")
        .iter()
        .map(|o| parse_name::<Offence>("offence", o))
        .collect::<Result<Vec<_>, _>>()?;
    offences.sort();
    offences.dedup();
    let penalty = form.field("max_penalty_months");
    let metadata = MetadataDraft {
        requester: desk.party,
        custodian: rex_domain::PartyId::new(&custodian)
            .map_err(|e| WebError::Input(format!("custodian {custodian:?}: {e}")))?,
        agreement: agreement
            .parse::<AgreementId>()
            .map_err(|e| WebError::Input(format!("agreement {agreement:?}: {e}")))?,
        offences,
        max_penalty_months: penalty.parse().map_err(|_| {
            WebError::Input(format!("maximum penalty {penalty:?}: a number of months"))
        })?,
        severity: parse_name("severity", &form.field("severity"))?,
        subject_is_custodian_national: form.field("own_national") == "yes",
        sentence_remaining_months: None,
    };
    // Checked now, so that an approver never sees a draft the hub would refuse as malformed.
    RequestMetadata::new(metadata.clone()).map_err(|e| WebError::Input(e.to_string()))?;
    let text = form.field("dossier");
    if text.trim().is_empty() {
        return Err(WebError::Input("the dossier is empty".into()));
    }
    let sentence = form.field("sentence_remaining_months");
    let mut metadata = metadata;
    if !sentence.trim().is_empty() {
        metadata.sentence_remaining_months = Some(sentence.trim().parse().map_err(|_| {
            WebError::Input(format!(
                "remaining sentence {sentence:?}: a number of months, or empty to prosecute"
            ))
        })?);
        RequestMetadata::new(metadata.clone()).map_err(|e| WebError::Input(e.to_string()))?;
    }
    let dossier = dossier_of(&form, text)?;
    let offences: Vec<String> = metadata.offences.iter().map(label).collect();
    // The summary goes to the audit trail, which the admin reads: the attachments' kinds and
    // sizes, never their names.
    let attached = match form.attachments.as_slice() {
        [] => String::new(),
        a => {
            let kinds: Vec<&str> = a.iter().map(|a| a.kind.as_str()).collect();
            format!(
                " with {} attachment{} ({}; {} bytes)",
                a.len(),
                if a.len() == 1 { "" } else { "s" },
                kinds.join(", "),
                a.iter().map(Attachment::size).sum::<usize>()
            )
        }
    };
    let summary = format!(
        "{} asks {} to hand over a subject under agreement {}: {}; up to {} months; {}; {}national of {}; dossier of {} bytes{attached} (encrypted to both states when filed)",
        metadata.requester,
        metadata.custodian,
        metadata.agreement,
        offences.join(", "),
        metadata.max_penalty_months,
        label(&metadata.severity),
        if metadata.subject_is_custodian_national { "" } else { "not a " },
        metadata.custodian,
        dossier.len()
    );
    keep(
        &desk,
        &officer,
        "file_request",
        summary,
        &Act::FileRequest { metadata, dossier },
    )
    .await
}

/// `POST /requests/{id}/answer`: the draft of an answer to a request awaiting this state's.
pub(crate) async fn draft_answer(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::CaseOfficer], "drafting an answer")?;
    let registry = registry_of(&desk)?;
    let r = crate::web::request_named(&registry, &id)?;
    let request = r.id;
    if r.metadata.custodian != desk.party || r.status != RequestStatus::AwaitingAnswer {
        return Err(WebError::Input(format!(
            "request {request} awaits no answer from {}",
            desk.party
        )));
    }
    let answer = match field(&body, "answer").as_str() {
        "surrender" => Answer::Surrender,
        "prosecution_at_home" => Answer::ProsecutionAtHome,
        "refused" => Answer::Refused {
            ground: parse_name::<RefusalGround>("refusal ground", &field(&body, "ground"))?,
        },
        other => {
            return Err(WebError::Input(format!(
                "answer {other:?}: surrender, prosecution_at_home or refused"
            )))
        }
    };
    let said = match answer {
        Answer::Surrender => "surrender".to_owned(),
        Answer::ProsecutionAtHome => "prosecution at home".to_owned(),
        Answer::Refused { ground } => format!("refusal ({})", label(&ground)),
    };
    let summary = format!(
        "{} answers request {request} from {}: {said}",
        desk.party, r.metadata.requester
    );
    keep(
        &desk,
        &officer,
        "answer_request",
        summary,
        &Act::AnswerRequest { request, answer },
    )
    .await
}

/// `POST /requests/{id}/decide`: the draft of this state's decision on a check that awaits
/// its person (`check`, `decision=pass|fail`, `grounds`).
pub(crate) async fn draft_decision(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::CaseOfficer], "drafting a decision")?;
    let registry = registry_of(&desk)?;
    let r = crate::web::request_named(&registry, &id)?;
    let request = r.id;
    let check: Check = field(&body, "check")
        .parse()
        .map_err(|e: rex_domain::Rejection| WebError::Input(e.to_string()))?;
    if !crate::web::awaits_person(r, desk.party).contains(&check) {
        return Err(WebError::Input(format!(
            "check {check} on request {request} awaits no decision by {}",
            desk.party
        )));
    }
    let passed = match field(&body, "decision").as_str() {
        "pass" => true,
        "fail" => false,
        other => return Err(WebError::Input(format!("decision {other:?}: pass or fail"))),
    };
    let grounds = field(&body, "grounds");
    if grounds.trim().is_empty() {
        return Err(WebError::Input(
            "the grounds are empty; write why the check passes or fails".into(),
        ));
    }
    let summary = format!(
        "{} decides that {} {} on request {request} from {}{}; written grounds of {} bytes, SHA-256 {} (kept on this node)",
        desk.party,
        label(&check),
        if passed { "passes" } else { "fails" },
        r.metadata.requester,
        if passed { "" } else { ", which refuses the request" },
        grounds.len(),
        rex_domain::Digest::of(grounds.as_bytes())
    );
    keep(
        &desk,
        &officer,
        "decision",
        summary,
        &Act::Decision {
            request,
            check,
            passed,
            grounds,
        },
    )
    .await
}

/// `POST /requests/{id}/offer`: the draft of this state's unconditional offer of a request it
/// holds in the pool, under an agreement with credit (a binding act: the matching may then
/// start a chain here, this state giving without an immediate return).
pub(crate) async fn draft_offer(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::CaseOfficer], "drafting an offer")?;
    let registry = registry_of(&desk)?;
    let r = crate::web::request_named(&registry, &id)?;
    let (request, me, a) = (r.id, desk.party, r.metadata.agreement);
    let credit = registry
        .agreement(&a)
        .and_then(|x| x.terms.credit.clone())
        .ok_or_else(|| {
            WebError::Input(format!(
                "agreement {a} allows no credit, so no unconditional offer"
            ))
        })?;
    if r.metadata.custodian != me || r.status != RequestStatus::Pooled || r.offered.is_some() {
        return Err(WebError::Input(format!(
            "request {request} cannot be offered by {me}: only its custodian offers it, once, \
             while it is in the pool"
        )));
    }
    let summary = format!(
        "{me} offers the subject of request {request} from {} unconditionally: the matching may \
         start a chain here, {me} giving without an immediate return (committed balance {:+}, \
         credit limit {})",
        r.metadata.requester,
        registry.credit_balance(&a, me),
        credit.max_outstanding
    );
    keep(&desk, &officer, "offer", summary, &Act::Offer { request }).await
}

/// `POST /requests/{id}/compete`: the draft of this state's decision between the open
/// requests that share the subject's tag of request `id` (`preferred`, `others=refuse|defer`,
/// one `factor` per factor weighed, `grounds`).
pub(crate) async fn draft_competition(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::CaseOfficer], "drafting a decision")?;
    let registry = registry_of(&desk)?;
    let r = crate::web::request_named(&registry, &id)?;
    let requests = crate::web::competing(&registry, r, desk.party);
    if requests.is_empty() {
        return Err(WebError::Input(format!(
            "request {} awaits no decision by {} between competing requests",
            r.id, desk.party
        )));
    }
    let preferred: RequestId = field(&body, "preferred")
        .parse()
        .map_err(|e| WebError::Input(format!("the preferred request: {e}")))?;
    if !requests.contains(&preferred) {
        return Err(WebError::Input(format!(
            "request {preferred} is not among those competing for this person"
        )));
    }
    let others: rex_domain::Others = field(&body, "others")
        .parse()
        .map_err(|e: rex_domain::Rejection| WebError::Input(e.to_string()))?;
    let mut factors = crate::web::form_values(&body, "factor")
        .iter()
        .map(|f| parse_name::<rex_domain::Factor>("factor", f))
        .collect::<Result<Vec<_>, _>>()?;
    factors.sort();
    factors.dedup();
    if factors.is_empty() {
        return Err(WebError::Input(
            "no factor weighed; tick at least one (seriousness, place, dates, nationality, \
             prosecution or sentence)"
                .into(),
        ));
    }
    let grounds = field(&body, "grounds");
    if grounds.trim().is_empty() {
        return Err(WebError::Input(
            "the grounds are empty; write why one request is preferred".into(),
        ));
    }
    let rest: Vec<String> = requests
        .iter()
        .filter(|q| **q != preferred)
        .map(ToString::to_string)
        .collect();
    let summary = format!(
        "{} prefers request {preferred} for one person, and {} {}; factors: {}; written grounds \
         of {} bytes, SHA-256 {} (kept on this node)",
        desk.party,
        match others {
            rex_domain::Others::Refuse => "refuses",
            rex_domain::Others::Defer => "defers",
        },
        rest.join(", "),
        factors.iter().map(label).collect::<Vec<_>>().join(", "),
        grounds.len(),
        rex_domain::Digest::of(grounds.as_bytes())
    );
    keep(
        &desk,
        &officer,
        "competition",
        summary,
        &Act::Competition {
            requests,
            preferred,
            others,
            factors,
            grounds,
        },
    )
    .await
}

/// `POST /exchanges/{id}/speciality`: the draft of an act around a surrender leg (`request`):
/// `act=release` (`kind`, `authority`, the `document` file, kept on this node at once: the
/// statement carries its SHA-256), `act=consent` (`offence`s, or `onward_to`),
/// `act=prosecute` (`offence`s) or `act=transfer` (`to`). Binding acts: an approver approves.
pub(crate) async fn draft_speciality(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    use rex_domain::{Consent, InstrumentKind, ReleaseInstrument};
    let officer = officer(&desk, &headers).await?;
    require(
        &officer,
        &[Role::CaseOfficer],
        "drafting an act on an exchange",
    )?;
    let posted = Posted::read(request).await?;
    let registry = registry_of(&desk)?;
    let x = crate::web::exchange_of(&registry, &id)?;
    let xid = x.proposal.id;
    let leg: RequestId = posted
        .field("request")
        .parse()
        .map_err(|e| WebError::Input(format!("the leg's request: {e}")))?;
    let act = posted.field("act");
    let offered = crate::board::speciality_forms(&registry, x, desk.party);
    let Some(form) = offered
        .iter()
        .find(|f| f.act == act && f.request == leg.to_string())
    else {
        return Err(WebError::Input(format!(
            "{} cannot {act:?} on the leg of request {leg} of exchange {xid} now",
            desk.party
        )));
    };
    let offences = || -> Result<Vec<Offence>, WebError> {
        let mut o = posted
            .values("offence")
            .iter()
            .map(|v| parse_name::<Offence>("offence category", v))
            .collect::<Result<Vec<_>, _>>()?;
        o.sort();
        o.dedup();
        Ok(o)
    };
    let (summary, action) = match act.as_str() {
        "release" => {
            let kind: InstrumentKind = posted.field("kind").parse().map_err(WebError::Input)?;
            let Some((_, document)) = posted.files.iter().find(|(n, _)| n == "document") else {
                return Err(WebError::Input(
                    "no document: attach the instrument (the file stays on this node)".into(),
                ));
            };
            if document.is_empty() {
                return Err(WebError::Input("the document is empty".into()));
            }
            let document = document.clone();
            let d = Arc::clone(&desk);
            let document_sha256 = blocking(move || Ok(d.node().keep_grounds(&document)?)).await?;
            let instrument = ReleaseInstrument {
                kind,
                authority: posted.field("authority"),
                document_sha256,
            };
            instrument
                .validate()
                .map_err(|e| WebError::Input(e.to_string()))?;
            (
                format!(
                    "{} records the {} by {} releasing the subject of request {leg} (exchange \
                     {xid}); document SHA-256 {document_sha256} (kept on this node)",
                    desk.party,
                    label(&kind),
                    instrument.authority
                ),
                Action::ReleaseRecorded {
                    exchange: xid,
                    request: leg,
                    instrument,
                },
            )
        }
        "consent" => {
            let to = posted.field("onward_to");
            let offences = offences()?;
            let consent =
                match (offences.is_empty(), to.is_empty()) {
                    (false, true) => Consent::Offences { offences },
                    (true, false) => Consent::OnwardTransfer {
                        to: to
                            .parse()
                            .map_err(|e| WebError::Input(format!("state {to:?}: {e}")))?,
                    },
                    _ => return Err(WebError::Input(
                        "consent to more offences or to one onward transfer, not both nor neither"
                            .into(),
                    )),
                };
            let what = match &consent {
                Consent::Offences { offences } => format!(
                    "prosecution for {} too",
                    offences.iter().map(label).collect::<Vec<_>>().join(", ")
                ),
                Consent::OnwardTransfer { to } => format!("a transfer to {to}"),
            };
            (
                format!(
                    "{} consents to {what} of the subject of request {leg} (exchange {xid})",
                    desk.party
                ),
                Action::ConsentGiven {
                    exchange: xid,
                    request: leg,
                    consent,
                },
            )
        }
        "prosecute" => {
            let offences = offences()?;
            if offences.is_empty() {
                return Err(WebError::Input("tick at least one offence".into()));
            }
            (
                format!(
                    "{} prosecutes the subject of request {leg} (exchange {xid}) for {}",
                    desk.party,
                    offences.iter().map(label).collect::<Vec<_>>().join(", ")
                ),
                Action::ProsecutionExtended {
                    exchange: xid,
                    request: leg,
                    offences,
                },
            )
        }
        _ => {
            let to = posted.field("to");
            if !form.states.contains(&to) {
                return Err(WebError::Input(format!(
                    "no consent to a transfer to {to:?}; the giver consented to {}",
                    form.states.join(", ")
                )));
            }
            let to: rex_domain::PartyId = to
                .parse()
                .map_err(|e| WebError::Input(format!("state: {e}")))?;
            (
                format!(
                    "{} transfers the subject of request {leg} (exchange {xid}) to {to}",
                    desk.party
                ),
                Action::OnwardTransferred {
                    exchange: xid,
                    request: leg,
                    to,
                },
            )
        }
    };
    keep(
        &desk,
        &officer,
        "speciality",
        summary,
        &Act::Exchange { action },
    )
    .await
}

/// `POST /exchanges/{id}/draft`: the draft of this state's signature of a proposed exchange
/// (`act=sign`), or of the step it owes next on a leg (`act=ready|verified|delivered|received|
/// opened|charged|verdict`, `request=<the leg's request>`).
pub(crate) async fn draft_exchange_act(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(
        &officer,
        &[Role::CaseOfficer],
        "drafting an act on an exchange",
    )?;
    let registry = registry_of(&desk)?;
    let x = crate::web::exchange_of(&registry, &id)?;
    let (me, xid) = (desk.party, x.proposal.id);
    let act = field(&body, "act");
    let (kind, summary, action) = if act == "sign" {
        if x.status != ExchangeStatus::Proposed || x.signed.contains(&me) {
            return Err(WebError::Input(format!(
                "exchange {xid} awaits no signature from {me} ({})",
                crate::board::state(x)
            )));
        }
        if !x.parties.contains(&me) {
            return Err(WebError::Input(format!(
                "{me} is not a party to exchange {xid}"
            )));
        }
        let legs: Vec<String> = x
            .proposal
            .legs
            .iter()
            .map(|l| {
                format!(
                    "{} → {} by {} (request {})",
                    l.giver,
                    l.receiver,
                    label(&l.kind),
                    l.request
                )
            })
            .collect();
        let summary = format!(
            "{me} signs exchange {xid} of {} states under agreement {}: {}; proposal SHA-256 {}; binding once every state has signed, before {}",
            x.parties.len(),
            x.proposal.agreement,
            legs.join("; "),
            x.digest,
            when(x.proposal.deadline)
        );
        let action = Action::ExchangeSigned {
            exchange: xid,
            proposal_sha256: x.digest,
        };
        ("sign_exchange", summary, action)
    } else {
        let step = crate::board::parse_step(&act).ok_or_else(|| {
            WebError::Input(format!(
                "act {act:?}: sign, or a step (ready, verified, delivered, received, opened, charged, verdict)"
            ))
        })?;
        let request = field(&body, "request");
        let request: RequestId = request
            .parse()
            .map_err(|e| WebError::Input(format!("request {request:?}: {e}")))?;
        let leg = crate::board::may_take(x, me, request, step).map_err(WebError::Input)?;
        let summary = format!(
            "{} (exchange {xid}, due {})",
            crate::board::step_sentence(me, &leg, step),
            x.execution_deadline.map_or("—".into(), when)
        );
        let kind = match step {
            LegStep::Milestone(_) => "milestone",
            _ => "leg_step",
        };
        (kind, summary, crate::board::step_action(xid, request, step))
    };
    // One draft per act: a second would only be refused by the hub once the first is signed.
    let d = Arc::clone(&desk);
    let drafts = blocking(move || Ok(d.store().drafts()?)).await?;
    if let Some(id) = draft_key(&action, xid).and_then(|k| awaiting_on(&drafts, xid).remove(&k)) {
        return Err(WebError::Input(format!(
            "draft {id} of this act already awaits approval; approve or refuse it first"
        )));
    }
    keep(&desk, &officer, kind, summary, &Act::Exchange { action }).await
}

/// The acts on exchange `exchange` that drafts on this desk await approval for.
pub(crate) fn awaiting_on(
    drafts: &[Draft],
    exchange: ExchangeId,
) -> std::collections::BTreeMap<crate::board::DraftKey, i64> {
    drafts
        .iter()
        .filter(|d| d.state == "awaiting")
        .filter_map(|d| match serde_json::from_str::<Act>(&d.payload).ok()? {
            Act::Exchange { action } => Some((draft_key(&action, exchange)?, d.id)),
            _ => None,
        })
        .collect()
}

/// Which act on `exchange` an exchange action is: its signature (`None`), or a step on a leg.
fn draft_key(action: &Action, exchange: ExchangeId) -> Option<crate::board::DraftKey> {
    match action {
        Action::ExchangeSigned { exchange: x, .. } => (*x == exchange).then_some(None),
        a => {
            let (x, request, step) = a.leg_step()?;
            (x == exchange).then_some(Some((request, crate::board::step_word(step))))
        }
    }
}

async fn keep(
    desk: &AppState,
    officer: &crate::Officer,
    kind: &'static str,
    summary: String,
    act: &Act,
) -> Result<Response, WebError> {
    let payload = serde_json::to_string(act).map_err(|e| WebError::Internal(e.to_string()))?;
    let (d, o) = (Arc::clone(desk), officer.clone());
    let id = blocking(move || {
        let draft = NewDraft {
            kind,
            summary: &summary,
            payload: &payload,
        };
        Ok(d.store().add_draft(&draft, &o, d.now())?)
    })
    .await?;
    Ok(Redirect::to(&format!("/approvals/{id}")).into_response())
}

pub(crate) struct DraftRow {
    id: i64,
    summary: String,
    drafter: String,
    created: String,
    state: String,
    approver: String,
    outcome: String,
}

fn row(d: Draft) -> DraftRow {
    DraftRow {
        id: d.id,
        summary: d.summary,
        drafter: d.drafter,
        created: when(d.created_at),
        state: d.state,
        approver: d.approver.unwrap_or_default(),
        outcome: d.outcome.unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    frame: Frame,
    drafts: Vec<DraftRow>,
}

pub(crate) const SEE_DRAFTS: [Role; 3] = [Role::CaseOfficer, Role::Approver, Role::Auditor];

pub(crate) async fn approvals(
    State(desk): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &SEE_DRAFTS, "the approvals")?;
    let d = Arc::clone(&desk);
    let drafts = blocking(move || Ok(d.store().drafts()?)).await?;
    Ok(render(&ApprovalsPage {
        frame: Frame::of(&desk, &officer),
        drafts: drafts.into_iter().map(row).collect(),
    }))
}

#[derive(Template)]
#[template(path = "approval.html")]
struct ApprovalPage {
    frame: Frame,
    draft: DraftRow,
    digest: String,
    payload: String,
    /// The attachments of a drafted request's dossier, downloadable.
    attachments: Vec<AttachmentRow>,
    awaiting: bool,
    may_decide: bool,
    own: bool,
    stepped_up: bool,
}

pub(crate) fn draft_id(id: &str) -> Result<i64, WebError> {
    id.parse()
        .map_err(|_| WebError::NotFound(format!("{id:?} is not a draft number")))
}

pub(crate) async fn approval(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &SEE_DRAFTS, "the approvals")?;
    let id = draft_id(&id)?;
    let session = session_id(&headers).unwrap_or_default();
    let d = Arc::clone(&desk);
    let (draft, stepped) = blocking(move || {
        let store = d.store();
        Ok((store.draft(id)?, store.stepped_up_at(&session)?))
    })
    .await?;
    let now = desk.now();
    let own = draft.drafter_id == officer.id;
    let awaiting = draft.state == "awaiting";
    let (payload, attachments) = inputs(&draft);
    Ok(render(&ApprovalPage {
        frame: Frame::of(&desk, &officer),
        digest: draft.digest.clone(),
        payload,
        attachments,
        awaiting,
        may_decide: awaiting && officer.has(Role::Approver) && !own,
        own,
        stepped_up: stepped.is_some_and(|t| now <= t + STEP_UP_TTL),
        draft: row(draft),
    }))
}

/// A draft's inputs as its page shows them, pretty JSON, and its dossier's attachments: in the
/// inputs, each attachment's bytes are replaced by a note of their size (they are listed, with
/// their SHA-256, and downloadable from the page).
fn inputs(draft: &Draft) -> (String, Vec<AttachmentRow>) {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&draft.payload) else {
        return (draft.payload.clone(), Vec::new());
    };
    let structured = dossier_in(&draft.payload)
        .and_then(|d| StructuredDossier::parse(d.as_bytes()).ok().flatten())
        .filter(|d| !d.attachments.is_empty());
    let mut rows = Vec::new();
    if let Some(d) = structured {
        v["dossier"] = crate::attachments::shown(&d).into();
        rows = crate::attachments::rows(
            &d.attachments,
            &format!("/approvals/{}/attachments", draft.id),
        );
    }
    (serde_json::to_string_pretty(&v).unwrap_or_default(), rows)
}

/// `POST /approvals/{id}/approve`: another officer than the drafter, an approver, with a
/// passkey check at most [`STEP_UP_TTL`] old, approves; the node signs and submits the act.
pub(crate) async fn approve(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::Approver], "approving a draft")?;
    let id = draft_id(&id)?;
    let session = session_id(&headers).unwrap_or_default();
    let d = Arc::clone(&desk);
    blocking(move || {
        let now = d.now();
        let (draft, stepped) = {
            let store = d.store();
            (store.draft(id)?, store.stepped_up_at(&session)?)
        };
        if draft.drafter_id == officer.id {
            return Err(WebError::Denied(format!(
                "{} drafted draft {id}; another officer approves it (four eyes)",
                officer.handle
            )));
        }
        if stepped.is_none_or(|t| now > t + STEP_UP_TTL) {
            return Err(WebError::Denied(
                "confirm with your passkey first: approving needs a passkey check of the last 5 minutes".into(),
            ));
        }
        if !d.store().decide(id, &officer, "approved", "submitting", now)? {
            return Err(WebError::Input(format!("draft {id} was decided already")));
        }
        let act: Act = serde_json::from_str(&draft.payload)
            .map_err(|e| WebError::Internal(format!("draft {id}: {e}")))?;
        let mut signed_by = String::new();
        let submitted = {
            let mut node = d.node();
            // Every act but a filing is one binding statement: its action first (keeping the
            // written grounds on the node where it has some), then one signature by both.
            let action = match act {
                Act::FileRequest { metadata, dossier } => Err(node
                    .file_request(metadata, dossier.as_bytes())
                    .map(|(request, s)| (Some(request), s))),
                Act::AnswerRequest { request, answer } => {
                    Ok(Ok(Action::RequestAnswered { request, answer }))
                }
                Act::Exchange { action } => Ok(Ok(action)),
                Act::Offer { request } => Ok(Ok(Action::OfferMade { request })),
                Act::Competition {
                    requests,
                    preferred,
                    others,
                    factors,
                    grounds,
                } => Ok(node.keep_grounds(grounds.as_bytes()).map(|grounds_sha256| {
                    Action::CompetitionDecided {
                        requests,
                        preferred,
                        others,
                        factors,
                        grounds_sha256,
                    }
                })),
                Act::Decision {
                    request,
                    check,
                    passed,
                    grounds,
                } => Ok(node.keep_grounds(grounds.as_bytes()).map(|grounds_sha256| {
                    Action::DecisionRecorded {
                        request,
                        check,
                        passed,
                        grounds_sha256,
                    }
                })),
            };
            match action {
                Err(filed) => filed,
                Ok(action) => action.and_then(|action| {
                    sign_binding(&mut node, action, &draft.drafter, &officer.handle, &mut signed_by)
                        .map(|s| (None, s))
                }),
            }
        };
        let store = d.store();
        match submitted {
            Ok((request, s)) => {
                let what = match request {
                    Some(r) => format!("request {r} filed: "),
                    None => String::new(),
                };
                let outcome = format!(
                    "{what}logged at index {}, statement SHA-256 {}{signed_by}",
                    s.index, s.digest
                );
                store.set_outcome(id, "approved", &outcome)?;
                store.audit(now, Some(officer.id), "draft_approved", &format!("draft {id}: {outcome}"))?;
            }
            Err(e) => {
                store.set_outcome(id, "failed", &e.to_string())?;
                store.audit(now, Some(officer.id), "draft_failed", &format!("draft {id}: {e}"))?;
            }
        }
        drop(store);
        let _ = d.sync_now();
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/approvals/{id}")).into_response())
}

/// The officer id of the desk officer `handle` if the node holds a key for it (`rex node
/// officer-key create`, same handle): then the node signs as that officer too.
pub(crate) fn held_officer(node: &Node, handle: &str) -> Option<OfficerId> {
    OfficerId::new(handle)
        .ok()
        .filter(|o| node.officer_key(o).is_ok())
}

/// Signs and submits a binding act: by both officers when the node holds their keys, else by
/// the node alone, which the statement says (and which a state requiring four eyes refuses).
/// `signed_by` says which, for the draft's outcome.
fn sign_binding(
    node: &mut Node,
    action: Action,
    drafter: &str,
    approver: &str,
    signed_by: &mut String,
) -> Result<rex_node::Submitted, rex_node::Error> {
    if !action.is_binding() {
        return Err(rex_node::Error::Input(format!(
            "{} is not a binding act",
            action.name()
        )));
    }
    match held_officer(node, drafter).zip(held_officer(node, approver)) {
        Some((drafter, approver)) => {
            *signed_by =
                format!("; signed by officers {drafter} (drafter) and {approver} (approver)");
            node.submit_four_eyes(action, &drafter, &approver)
        }
        None => {
            *signed_by =
                "; signed by the node alone (it holds no officer key for both officers)".into();
            node.submit(action)
        }
    }
}

/// `POST /approvals/{id}/reject`: an approver (not the drafter) rejects, with a reason.
pub(crate) async fn reject(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::Approver], "rejecting a draft")?;
    let id = draft_id(&id)?;
    let reason = field(&body, "reason");
    if reason.trim().is_empty() {
        return Err(WebError::Input("say why the draft is rejected".into()));
    }
    let d = Arc::clone(&desk);
    blocking(move || {
        let now = d.now();
        let store = d.store();
        if store.draft(id)?.drafter_id == officer.id {
            return Err(WebError::Denied(format!(
                "{} drafted draft {id}; another officer decides on it (four eyes)",
                officer.handle
            )));
        }
        if !store.decide(id, &officer, "rejected", reason.trim(), now)? {
            return Err(WebError::Input(format!("draft {id} was decided already")));
        }
        store.audit(
            now,
            Some(officer.id),
            "draft_rejected",
            &format!("draft {id}: {reason}"),
        )?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/approvals/{id}")).into_response())
}
