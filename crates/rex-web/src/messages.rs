//! Direct dialogue on the desk: the inbox, a message with its evidence chain per recipient,
//! acknowledging or rejecting, and writing a new one. Every page works without JavaScript
//! (forms and POST-redirect-GET). Liaison officers write and answer; case officers and
//! approvers read; an auditor reads only what opening would not change (a message this state
//! has read already, or sent).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use rex_domain::{
    Conversation, ConversationName, Message, MessageAnswer, MessageId, MessageRejectionReason,
    MessageState, OfficerId, PartyId, Registry, RequestId,
};
use rex_node::Outgoing;

use crate::role::Role;
use crate::web::{
    blocking, form_values, officer, other_states, registry_of, relative, render, require, when,
    Frame, WebError,
};
use crate::Desk;

type AppState = Arc<Desk>;

/// Who reads messages on the desk.
pub(crate) const READERS: [Role; 4] = [
    Role::Liaison,
    Role::CaseOfficer,
    Role::Approver,
    Role::Auditor,
];

/// One recipient's state, as a chip.
pub(crate) struct Chip {
    party: String,
    state: String,
    good: bool,
    bad: bool,
}

fn chips(m: &Message) -> Vec<Chip> {
    m.recipients
        .iter()
        .map(|(p, e)| {
            let s = e.state();
            Chip {
                party: p.to_string(),
                state: s.to_string(),
                good: matches!(s, MessageState::Acknowledged),
                bad: matches!(
                    s,
                    MessageState::NotAcknowledged
                        | MessageState::Rejected(_)
                        | MessageState::LateRejected(_)
                        | MessageState::LateAcknowledged
                ),
            }
        })
        .collect()
}

/// A line of the inbox.
pub(crate) struct Line {
    id: String,
    sent: bool,
    from: String,
    to: String,
    conversation: String,
    at: String,
    chips: Vec<Chip>,
    unread: bool,
    awaits_us: Option<String>,
}

fn line(m: &Message, me: PartyId, now: u64) -> Line {
    let ours = m.recipients.get(&me);
    let to: Vec<String> = m.recipients.keys().map(|p| p.to_string()).collect();
    Line {
        id: m.id.to_string(),
        sent: m.from == me,
        from: m.from.to_string(),
        to: to.join(", "),
        conversation: m.conversation.to_string(),
        at: when(m.sent_at),
        chips: chips(m),
        unread: ours.is_some_and(|e| e.read.is_none()),
        awaits_us: ours
            .filter(|e| e.answer.is_none())
            .map(|_| format!("{} ({})", when(m.ack_by), relative(m.ack_by, now))),
    }
}

/// Messages concerning `me`, newest first.
pub(crate) fn concerning(registry: &Registry, me: PartyId) -> Vec<&Message> {
    let mut all: Vec<&Message> = registry.messages().filter(|m| m.concerns(me)).collect();
    all.sort_by(|a, b| b.sent_at.cmp(&a.sent_at).then_with(|| b.id.cmp(&a.id)));
    all
}

#[derive(Template)]
#[template(path = "messages.html")]
struct InboxPage {
    frame: Frame,
    lines: Vec<Line>,
    may_write: bool,
    total: usize,
    page: usize,
    pages: usize,
    links: Vec<crate::web::PageLink>,
}

/// `?page=N` of the inbox.
#[derive(serde::Deserialize, Default)]
pub(crate) struct InboxQuery {
    page: Option<String>,
}

/// `GET /messages`: the messages sent and received, newest first, a page of
/// [`crate::web::QUEUE_PAGE`] at a time.
pub(crate) async fn inbox(
    State(desk): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<InboxQuery>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &READERS, "the messages")?;
    let registry = registry_of(&desk)?;
    let now = desk.now();
    let all = concerning(&registry, desk.party);
    let per = crate::web::QUEUE_PAGE;
    let pages = all.len().div_ceil(per);
    let page = crate::web::page_number(query.page.as_deref(), pages, "the inbox")?;
    let lines = all
        .iter()
        .skip((page - 1) * per)
        .take(per)
        .map(|m| line(m, desk.party, now))
        .collect();
    Ok(render(&InboxPage {
        frame: Frame::of(&desk, &officer),
        lines,
        may_write: officer.has(Role::Liaison),
        total: all.len(),
        page,
        pages: pages.max(1),
        links: crate::web::page_links(page, pages, |n| format!("/messages?page={n}")),
    }))
}

/// One step of a recipient's evidence chain.
pub(crate) struct Step {
    what: String,
    at: String,
}

pub(crate) struct Chain {
    party: String,
    state: String,
    steps: Vec<Step>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    frame: Frame,
    id: String,
    from: String,
    to: String,
    conversation: String,
    conversation_link: Option<String>,
    subject: String,
    body: String,
    sent: String,
    ack_by: String,
    chains: Vec<Chain>,
    may_answer: bool,
    reasons: Vec<&'static str>,
    statements: Vec<crate::evidence::StatementRow>,
}

/// Who signed a message act besides the node, in words.
fn signed_by(officer: Option<&OfficerId>) -> String {
    match officer {
        Some(o) => format!(", signed by officer {o}"),
        None => ", signed by the node alone".to_owned(),
    }
}

fn chain(m: &Message) -> Vec<Chain> {
    m.recipients
        .iter()
        .map(|(p, e)| {
            let mut steps = vec![Step {
                what: format!(
                    "submitted by {}{} (the hub logged it)",
                    m.from,
                    signed_by(m.acted_by.officer())
                ),
                at: when(m.sent_at),
            }];
            if let Some(t) = e.delivered_at {
                steps.push(Step {
                    what: format!("delivered to {p}'s node"),
                    at: when(t),
                });
            }
            if let Some((t, officer)) = &e.read {
                steps.push(Step {
                    what: match officer {
                        Some(o) => format!("read at {p} by {o}"),
                        None => format!("read at {p}"),
                    },
                    at: when(*t),
                });
            }
            if let Some(t) = e.not_acknowledged_at {
                steps.push(Step {
                    what: "not acknowledged by its deadline (the hub's negative evidence)".into(),
                    at: when(t),
                });
            }
            if let Some((answer, t)) = e.answer {
                steps.push(Step {
                    what: match answer {
                        MessageAnswer::Acknowledged => {
                            format!("acknowledged by {p}{}", signed_by(e.answered_by.as_ref()))
                        }
                        MessageAnswer::Rejected(r) => {
                            format!("rejected by {p}{}: {r}", signed_by(e.answered_by.as_ref()))
                        }
                    },
                    at: when(t),
                });
            }
            Chain {
                party: p.to_string(),
                state: e.state().to_string(),
                steps,
            }
        })
        .collect()
}

fn message_of(registry: &Registry, id: &str, me: PartyId) -> Result<Message, WebError> {
    let id: MessageId = id
        .parse()
        .map_err(|e| WebError::NotFound(format!("{id:?} is not a message id: {e}")))?;
    registry
        .message(&id)
        .filter(|m| m.concerns(me))
        .cloned()
        .ok_or_else(|| WebError::NotFound(format!("no message {id} concerning {me}")))
}

pub(crate) async fn show(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &READERS, "the messages")?;
    let registry = registry_of(&desk)?;
    let me = desk.party;
    let m = message_of(&registry, &id, me)?;
    // Opening logs the reading at a recipient; an auditor changes nothing.
    let ours = m.recipients.get(&me);
    if officer.has(Role::Auditor) && ours.is_some_and(|e| e.read.is_none()) {
        return Err(WebError::Denied(format!(
            "message {} is not read at {me} yet; opening it logs the reading, which an auditor does not do",
            m.id
        )));
    }
    let reader = OfficerId::new(&officer.handle).ok();
    let d = Arc::clone(&desk);
    let (id, who) = (m.id, officer.id);
    let opened = blocking(move || {
        let opened = d.node().open_message(&id, reader)?;
        if !opened.logged.is_empty() {
            d.store()
                .audit(d.now(), Some(who), "message_opened", &id.to_string())?;
            let _ = d.sync_now();
        }
        Ok(opened)
    })
    .await?;
    let m = &opened.view.message;
    let conversation_link = match &m.conversation {
        Conversation::Request { request } => Some(format!("/requests/{request}")),
        Conversation::Exchange { exchange } => Some(format!("/exchanges/{exchange}")),
        Conversation::Free { .. } => None,
    };
    let to: Vec<String> = m.recipients.keys().map(|p| p.to_string()).collect();
    let may_answer =
        officer.has(Role::Liaison) && m.recipients.get(&me).is_some_and(|e| e.answer.is_none());
    Ok(render(&MessagePage {
        frame: Frame::of(&desk, &officer),
        id: m.id.to_string(),
        from: m.from.to_string(),
        to: to.join(", "),
        conversation: m.conversation.to_string(),
        conversation_link,
        subject: opened.letter.subject.clone(),
        body: opened.letter.body.clone(),
        sent: when(m.sent_at),
        ack_by: format!("{} ({})", when(m.ack_by), relative(m.ack_by, desk.now())),
        chains: chain(m),
        may_answer,
        reasons: MessageRejectionReason::ALL
            .iter()
            .map(|r| r.as_str())
            .collect(),
        statements: crate::evidence::statements(&desk, |l| l.messages.contains(&m.id)),
    }))
}

/// `POST /messages/{id}/answer`: acknowledge (no `reject` field) or reject with a reason.
/// The form is read after the officer's role is checked.
pub(crate) async fn answer(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::Liaison], "answering a message")?;
    let registry = registry_of(&desk)?;
    let m = message_of(&registry, &id, desk.party)?;
    let rejection = form_values(&body, "reject")
        .into_iter()
        .next()
        .filter(|r| !r.is_empty())
        .map(|r| MessageRejectionReason::parse(&r))
        .transpose()
        .map_err(|e| WebError::Input(e.to_string()))?;
    let d = Arc::clone(&desk);
    let (mid, who, handle) = (m.id, officer.id, officer.handle.clone());
    blocking(move || {
        {
            // Signed by the liaison officer too when the node holds its key.
            let mut node = d.node();
            let signer = crate::drafts::held_officer(&node, &handle);
            node.answer_message_as(&mid, rejection, signer.as_ref())?;
        }
        let what = match rejection {
            None => "message_acknowledged".to_owned(),
            Some(r) => format!("message_rejected ({r})"),
        };
        d.store()
            .audit(d.now(), Some(who), &what, &mid.to_string())?;
        let _ = d.sync_now();
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/messages/{}", m.id)).into_response())
}

#[derive(Template)]
#[template(path = "compose.html")]
struct ComposePage {
    frame: Frame,
    states: Vec<String>,
    requests: Vec<String>,
}

pub(crate) async fn compose(
    State(desk): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::Liaison], "writing a message")?;
    let registry = registry_of(&desk)?;
    let me = desk.party;
    let states = other_states(&registry, me);
    let requests = registry
        .requests()
        .filter(|r| r.metadata.requester == me || r.metadata.custodian == me)
        .map(|r| r.id.to_string())
        .collect();
    Ok(render(&ComposePage {
        frame: Frame::of(&desk, &officer),
        states,
        requests,
    }))
}

pub(crate) async fn send(
    State(desk): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::Liaison], "writing a message")?;
    // The form: `to` once per checked state, `request` or `conversation`, `subject`, `body`,
    // `ack_days`.
    let field = |name: &str| {
        form_values(&body, name)
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let ack_days: u64 = match field("ack_days").trim() {
        "" => 5,
        d => d
            .parse()
            .map_err(|_| WebError::Input(format!("{d:?} is not a number of days")))?,
    };
    let to = form_values(&body, "to")
        .iter()
        .map(|c| PartyId::new(c).map_err(|e| WebError::Input(format!("recipient {c:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let (request, named) = (field("request"), field("conversation"));
    let conversation = match (request.trim(), named.trim()) {
        ("", "") => {
            return Err(WebError::Input(
                "say what the message is about: a request, or a conversation's name".into(),
            ))
        }
        (r, "") => Conversation::Request {
            request: r
                .parse::<RequestId>()
                .map_err(|e| WebError::Input(format!("request {r:?}: {e}")))?,
        },
        ("", n) => Conversation::Free {
            name: ConversationName::new(n).map_err(|e| WebError::Input(e.to_string()))?,
        },
        _ => {
            return Err(WebError::Input(
                "a message is about a request or a named conversation, not both".into(),
            ))
        }
    };
    if !(1..=366).contains(&ack_days) {
        return Err(WebError::Input(
            "the acknowledgement is due within 1 to 366 days".into(),
        ));
    }
    let out = Outgoing {
        conversation,
        to,
        subject: field("subject"),
        body: field("body"),
        ack_within: ack_days * 86_400,
    };
    let d = Arc::clone(&desk);
    let (who, handle) = (officer.id, officer.handle.clone());
    let id = blocking(move || {
        let (id, _) = {
            // Signed by the liaison officer too when the node holds its key.
            let mut node = d.node();
            let signer = crate::drafts::held_officer(&node, &handle);
            node.send_message_as(out, signer.as_ref())?
        };
        d.store()
            .audit(d.now(), Some(who), "message_sent", &id.to_string())?;
        let _ = d.sync_now();
        Ok(id)
    })
    .await?;
    Ok(Redirect::to(&format!("/messages/{id}")).into_response())
}

/// The messages this state must still acknowledge or reject, as desk items due by their
/// deadline.
pub(crate) fn to_answer(registry: &Registry, me: PartyId, now: u64) -> Vec<crate::web::Item> {
    // Only the few unanswered ones, not every message concerning `me`: the desk sorts them.
    registry
        .messages()
        .filter(|m| m.recipients.get(&me).is_some_and(|e| e.answer.is_none()))
        .map(|m| crate::web::Item {
            what: format!("acknowledge or reject message {} from {}", m.id, m.from),
            link: format!("/messages/{}", m.id),
            due: format!("{} ({})", when(m.ack_by), relative(m.ack_by, now)),
            overdue: m.ack_by < now,
            sort: m.ack_by,
        })
        .collect()
}
