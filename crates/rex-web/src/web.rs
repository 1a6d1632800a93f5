//! The router: pages, the WebAuthn ceremonies, sessions, and the headers every answer carries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::prelude::{Engine as _, BASE64_URL_SAFE_NO_PAD};
use rand_core::{OsRng, RngCore};
use rex_domain::{ExchangeId, ExchangeStatus, PartyId, Registry, RequestId, RequestStatus};
use serde::{Deserialize, Serialize};
use tower_http::csrf::CsrfLayer;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::db::Officer;
use crate::role::Role;
use crate::{Desk, Error};

type AppState = Arc<Desk>;

/// The session cookie's name.
pub const COOKIE: &str = "rex_session";

/// How long a WebAuthn ceremony may take, in seconds.
const CEREMONY_TTL: u64 = 300;

/// The most ceremonies in progress at once; more are refused until some finish or expire.
const MAX_CEREMONIES: usize = 1024;

/// The Content-Security-Policy of every answer but an attachment's download (which has a
/// stricter one): nothing but this origin, no inline script or style, no framing, forms posted
/// here only.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// 32 random bytes.
pub(crate) fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A one-time enrolment code for people to type: 20 characters of Crockford base32 in groups
/// of five (100 bits).
pub(crate) fn enrolment_code() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes: [u8; 20] = random();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[(b & 31) as usize] as char)
        .collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The WebAuthn relying party of the desk at `public_url`.
pub(crate) fn relying_party(public_url: &str, party: PartyId) -> Result<Webauthn, Error> {
    let url = Url::parse(public_url)
        .map_err(|e| Error::Config(format!("the desk's public URL {public_url:?}: {e}")))?;
    let host = url.host_str().ok_or_else(|| {
        Error::Config(format!("the desk's public URL {public_url:?} has no host"))
    })?;
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return Err(Error::Config(format!(
            "the desk's public URL {public_url:?} names an IP address, which WebAuthn refuses; use a name such as http://localhost:PORT or http://{}.localhost:PORT",
            party.as_str().to_lowercase()
        )));
    }
    let name = format!("rex desk {party}");
    WebauthnBuilder::new(host, &url)
        .and_then(|b| b.rp_name(&name).build())
        .map_err(|e| Error::Config(format!("WebAuthn for {public_url}: {e}")))
}

enum Ceremony {
    Enrol {
        code: String,
        officer: i64,
        state: Box<PasskeyRegistration>,
    },
    Login {
        officer: i64,
        state: Box<PasskeyAuthentication>,
    },
    StepUp {
        session: Vec<u8>,
        officer: i64,
        state: Box<PasskeyAuthentication>,
    },
}

/// WebAuthn ceremonies in progress, by a random id the page sends back.
#[derive(Default)]
pub(crate) struct Ceremonies(Mutex<HashMap<String, (Ceremony, u64)>>);

impl Ceremonies {
    fn start(&self, ceremony: Ceremony, now: u64) -> Result<String, WebError> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, (_, expires)| *expires >= now);
        if map.len() >= MAX_CEREMONIES {
            return Err(WebError::Busy);
        }
        let id = BASE64_URL_SAFE_NO_PAD.encode(random::<16>());
        map.insert(id.clone(), (ceremony, now + CEREMONY_TTL));
        Ok(id)
    }

    fn take(&self, id: &str, now: u64) -> Result<Ceremony, WebError> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match map.remove(id) {
            Some((c, expires)) if expires >= now => Ok(c),
            _ => Err(WebError::Denied(
                "this login or enrolment has expired or was used; start again".into(),
            )),
        }
    }
}

/// A failure, answered as a page (or as `{message}` to the ceremony scripts).
#[derive(Debug)]
pub(crate) enum WebError {
    /// Not logged in: to the login page.
    Login,
    Denied(String),
    NotFound(String),
    Input(String),
    /// The body is larger than its route accepts: the message says the limit.
    TooLarge(String),
    Busy,
    Internal(String),
}

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        match e {
            Error::Input(m) => WebError::Input(m),
            Error::Denied(m) => WebError::Denied(m),
            Error::NotFound(m) => WebError::NotFound(m),
            Error::Node(e) => e.into(),
            e => WebError::Internal(e.to_string()),
        }
    }
}

impl From<rex_node::Error> for WebError {
    fn from(e: rex_node::Error) -> Self {
        match e {
            rex_node::Error::Input(m) => WebError::Input(m),
            rex_node::Error::Denied(m) => WebError::Denied(m),
            e @ rex_node::Error::Refused { .. } => WebError::Input(e.to_string()),
            e => WebError::Internal(e.to_string()),
        }
    }
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::Login => StatusCode::UNAUTHORIZED,
            WebError::Denied(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Input(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> String {
        match self {
            WebError::Login => "log in first".into(),
            WebError::Denied(m)
            | WebError::NotFound(m)
            | WebError::Input(m)
            | WebError::TooLarge(m) => m.clone(),
            WebError::Busy => "too many logins in progress; try again in a minute".into(),
            WebError::Internal(m) => format!("the desk failed: {m}"),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Login = self {
            return Redirect::to("/login").into_response();
        }
        let page = ErrorPage {
            title: self
                .status()
                .canonical_reason()
                .unwrap_or("Error")
                .to_owned(),
            message: self.message(),
        };
        (self.status(), render(&page)).into_response()
    }
}

/// The same failure for the ceremony scripts: `{message}`.
struct JsonError(WebError);

impl From<WebError> for JsonError {
    fn from(e: WebError) -> Self {
        JsonError(e)
    }
}

impl From<Error> for JsonError {
    fn from(e: Error) -> Self {
        JsonError(e.into())
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let status = match self.0 {
            WebError::Login => StatusCode::UNAUTHORIZED,
            ref e => e.status(),
        };
        (
            status,
            Json(serde_json::json!({ "message": self.0.message() })),
        )
            .into_response()
    }
}

pub(crate) fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the page failed to render: {e}"),
        )
            .into_response(),
    }
}

/// Runs blocking work (SQLite, the node) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
}

/// Every value of the form field `name` in an `application/x-www-form-urlencoded` body, in
/// order (a field repeats once per checked box).
pub(crate) fn form_values(body: &[u8], name: &str) -> Vec<String> {
    form_urlencoded::parse(body)
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// The first value of the form field `name`, or empty.
pub(crate) fn form_field(body: &[u8], name: &str) -> String {
    form_values(body, name)
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// The registered states other than `me`, by code.
pub(crate) fn other_states(registry: &Registry, me: PartyId) -> Vec<String> {
    registry
        .parties()
        .map(|p| p.keys.party())
        .filter(|p| *p != me)
        .map(|p| p.to_string())
        .collect()
}

/// The router of the desk.
pub fn router(desk: Arc<Desk>) -> Router {
    Router::new()
        .route("/", get(desk_page))
        .route("/queue", get(queue_page))
        .route("/requests/{id}", get(case_page))
        .route("/requests/{id}/dossier", get(dossier_page))
        .route(
            "/requests/{id}/attachments/{n}",
            get(crate::attachments::of_request),
        )
        .route("/exchanges/{id}", get(exchange_page))
        .route(
            "/messages",
            get(crate::messages::inbox).post(crate::messages::send),
        )
        .route("/messages/new", get(crate::messages::compose))
        .route("/messages/{id}", get(crate::messages::show))
        .route("/messages/{id}/answer", post(crate::messages::answer))
        .route("/log", get(log_page))
        .route("/ledger", get(crate::ledger::page))
        .route(
            "/profile",
            get(crate::profile::page).post(crate::profile::publish),
        )
        .route("/log/sync", post(sync_now))
        .route("/officers", get(officers_page))
        .route("/officers/{handle}/revoke", post(revoke))
        .route("/officers/keys", post(crate::evidence::certify))
        .route("/officers/keys/{id}/revoke", post(crate::evidence::revoke))
        .route("/evidence", get(crate::evidence::jump))
        .route("/evidence/{index}", get(crate::evidence::page))
        .route("/evidence/{index}/bundle", get(crate::evidence::bundle))
        .route("/audit", get(audit_page))
        .route("/login", get(login_page))
        .route("/login/options", post(login_options))
        .route("/login/finish", post(login_finish))
        .route("/enrol", get(enrol_page))
        .route("/enrol/options", post(enrol_options))
        .route("/enrol/finish", post(enrol_finish))
        .route("/stepup/options", post(stepup_options))
        .route("/stepup/finish", post(stepup_finish))
        .route(
            "/requests/new",
            get(crate::drafts::new_request)
                .post(crate::drafts::draft_request)
                .layer(DefaultBodyLimit::max(crate::attachments::MAX_FORM_BYTES)),
        )
        .route("/requests/{id}/answer", post(crate::drafts::draft_answer))
        // The law in the loop: a person's decision (four eyes) and raising a check.
        .route("/requests/{id}/decide", post(crate::drafts::draft_decision))
        .route("/requests/{id}/raise", post(raise_check))
        .route("/requests/{id}/extend", post(extend_answer))
        // Deferred reciprocity: an unconditional offer (four eyes), and its withdrawal.
        .route("/requests/{id}/offer", post(crate::drafts::draft_offer))
        .route(
            "/requests/{id}/compete",
            post(crate::drafts::draft_competition),
        )
        .route(
            "/exchanges/{id}/speciality",
            post(crate::drafts::draft_speciality)
                .layer(DefaultBodyLimit::max(crate::attachments::MAX_FORM_BYTES)),
        )
        .route("/requests/{id}/withdraw-offer", post(withdraw_offer))
        .route("/approvals", get(crate::drafts::approvals))
        .route("/approvals/{id}", get(crate::drafts::approval))
        .route("/approvals/{id}/approve", post(crate::drafts::approve))
        .route("/approvals/{id}/reject", post(crate::drafts::reject))
        .route(
            "/approvals/{id}/attachments/{n}",
            get(crate::attachments::of_draft),
        )
        // Issue 10, exchanges: an act on an exchange drafted from its execution board.
        .route(
            "/exchanges/{id}/draft",
            post(crate::drafts::draft_exchange_act),
        )
        .route("/logout", post(logout))
        .route("/health", get(health))
        .route("/assets/{file}", get(asset))
        .fallback(|| async { WebError::NotFound("no such page".into()) })
        .layer(CsrfLayer::new())
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(desk)
}

/// The headers every answer carries.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    // A download of the other state's content sets a stricter policy of its own.
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    for (name, value) in [
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    h.insert(
        axum::http::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

// ----- sessions -----

pub(crate) fn session_id(headers: &HeaderMap) -> Option<Vec<u8>> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| BASE64_URL_SAFE_NO_PAD.decode(value).ok())
        .filter(|id| id.len() == 32)
}

/// The officer of the request's session, or the login page.
pub(crate) async fn officer(desk: &AppState, headers: &HeaderMap) -> Result<Officer, WebError> {
    let id = session_id(headers).ok_or(WebError::Login)?;
    let desk = Arc::clone(desk);
    blocking(move || {
        let now = desk.now();
        desk.store().session(&id, now)?.ok_or(WebError::Login)
    })
    .await
}

pub(crate) fn require(officer: &Officer, allowed: &[Role], what: &str) -> Result<(), WebError> {
    if allowed.iter().any(|r| officer.has(*r)) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(|r| r.label()).collect();
    Err(WebError::Denied(format!(
        "{what} is for the {} role{}; {} holds {}",
        names.join(" or "),
        if names.len() > 1 { "s" } else { "" },
        officer.handle,
        officer.roles.labels()
    )))
}

fn session_cookie(desk: &Desk, id: &[u8]) -> String {
    let secure = if desk.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/{secure}",
        BASE64_URL_SAFE_NO_PAD.encode(id)
    )
}

// ----- the common frame of every page -----

/// What the frame of every page shows: the state, the officer, the navigation.
pub(crate) struct Frame {
    pub(crate) party: String,
    pub(crate) handle: String,
    pub(crate) roles: String,
    pub(crate) audits: bool,
    /// The officer may read the messages (the navigation shows no link that would be refused).
    pub(crate) messages: bool,
    /// The officer may see the approvals.
    pub(crate) approvals: bool,
}

impl Frame {
    pub(crate) fn of(desk: &Desk, officer: &Officer) -> Frame {
        let any = |roles: &[Role]| roles.iter().any(|r| officer.has(*r));
        Frame {
            party: desk.party.to_string(),
            handle: officer.handle.clone(),
            roles: officer.roles.labels(),
            audits: officer.has(Role::Admin) || officer.has(Role::Auditor),
            messages: any(&crate::messages::READERS),
            approvals: any(&crate::drafts::SEE_DRAFTS),
        }
    }
}

/// A domain value as people read it: its wire name with spaces (`illegal access`).
pub(crate) fn label<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

/// `2026-12-01 04:30 UTC`.
pub(crate) use rex_domain::id::utc as when;

/// `in 3 d 4 h`, `2 h 5 min ago`, `now`.
pub(crate) fn relative(t: u64, now: u64) -> String {
    if t == now {
        "now".to_owned()
    } else if t > now {
        format!("in {}", rex_node::witness::duration(t - now))
    } else {
        format!("{} ago", rex_node::witness::duration(now - t))
    }
}

// ----- the desk -----

/// One thing awaiting this state.
pub(crate) struct Item {
    pub(crate) what: String,
    pub(crate) link: String,
    pub(crate) due: String,
    pub(crate) overdue: bool,
    pub(crate) sort: u64,
}

#[derive(Template)]
#[template(path = "desk.html")]
struct DeskPage {
    frame: Frame,
    items: Vec<Item>,
    unread: usize,
    health: Health,
}

/// The node's health as the desk shows it.
pub(crate) struct Health {
    synced: String,
    size: u64,
    final_size: u64,
    witnesses: String,
    error: Option<String>,
    ok: bool,
}

fn health_of(desk: &Desk) -> Health {
    let view = desk.view();
    let now = desk.now();
    let (size, final_size, witnesses) = match &view.report {
        Some(r) => {
            let f = &r.finality;
            let w: Vec<String> = f
                .vouched
                .iter()
                .map(|(p, n)| format!("{p} up to {n}"))
                .collect();
            (
                r.size,
                f.final_size,
                if f.quorum.witnesses.is_empty() {
                    "none required".to_owned()
                } else {
                    format!(
                        "{} of {} needed: {}",
                        f.quorum.threshold,
                        f.quorum.witnesses.len(),
                        w.join(", ")
                    )
                },
            )
        }
        None => (0, 0, "not synced yet".to_owned()),
    };
    Health {
        synced: view.synced_at.map_or("never".to_owned(), |t| {
            format!("{} ({})", when(t), relative(t, now))
        }),
        size,
        final_size,
        witnesses,
        ok: view.error.is_none() && view.synced_at.is_some(),
        error: view.error,
    }
}

pub(crate) fn registry_of(desk: &Desk) -> Result<Arc<Registry>, WebError> {
    desk.view().registry.ok_or_else(|| {
        WebError::Internal("the node has not synced with the hub yet; see the log page".into())
    })
}

/// When the next step of the leg of `request` in binding exchange `x` is due: the soonest of
/// its running deadlines (surrender, milestones), else the exchange's execution deadline.
pub(crate) fn leg_due(
    registry: &Registry,
    x: &rex_domain::Exchange,
    request: RequestId,
) -> Option<u64> {
    let exchange = x.proposal.id;
    [
        rex_domain::Deadline::Surrender { exchange, request },
        rex_domain::Deadline::Milestone {
            exchange,
            request,
            milestone: rex_domain::Milestone::Opened,
        },
        rex_domain::Deadline::Milestone {
            exchange,
            request,
            milestone: rex_domain::Milestone::Charged,
        },
        rex_domain::Deadline::Milestone {
            exchange,
            request,
            milestone: rex_domain::Milestone::Verdict,
        },
    ]
    .iter()
    .filter_map(|d| registry.deadline_due(d))
    .min()
    .or(x.execution_deadline)
}

/// When what a request waits for is due: the custodian's answer, or the next step of its
/// exchange (signatures, then execution).
pub(crate) fn request_due(registry: &Registry, r: &rex_domain::Request) -> Option<u64> {
    match r.status {
        RequestStatus::AwaitingAnswer => r.answer_due,
        RequestStatus::InExchange(x) => registry.exchange(&x).and_then(|x| match x.status {
            ExchangeStatus::Proposed => Some(x.proposal.deadline),
            ExchangeStatus::Binding => leg_due(registry, x, r.id),
            _ => None,
        }),
        _ => None,
    }
}

/// Everything awaiting `me`, soonest due first (no due date last).
pub(crate) fn awaiting(registry: &Registry, me: PartyId, now: u64) -> Vec<Item> {
    let mut items = Vec::new();
    let mut push = |what: String, link: String, due: Option<u64>| {
        items.push(Item {
            what,
            link,
            due: due.map_or("no deadline".to_owned(), |d| {
                format!("{} ({})", when(d), relative(d, now))
            }),
            overdue: due.is_some_and(|d| d < now),
            sort: due.unwrap_or(u64::MAX),
        });
    };
    for r in registry.requests() {
        // A competing request can open after an exchangeable answer, while the request waits
        // in the pool; every other person's check comes before the answer.
        let open = r.status == RequestStatus::AwaitingAnswer || r.status == RequestStatus::Pooled;
        if open {
            for c in &r.screening {
                if let rex_domain::Outcome::Awaiting {
                    party,
                    role: Some(_),
                    ..
                } = &c.outcome
                {
                    let before_answer = r.status == RequestStatus::AwaitingAnswer
                        || c.check == rex_domain::Check::CompetingRequest;
                    if *party == me && before_answer {
                        push(
                            format!("decide {} on request {}", label(&c.check), r.id),
                            format!("/requests/{}", r.id),
                            r.answer_due,
                        );
                    }
                }
            }
        }
        if r.metadata.custodian == me && r.status == RequestStatus::AwaitingAnswer {
            push(
                format!("answer request {} from {}", r.id, r.metadata.requester),
                format!("/requests/{}", r.id),
                r.answer_due,
            );
        }
    }
    for x in registry.exchanges() {
        let id = x.proposal.id;
        if x.status == ExchangeStatus::Proposed
            && x.parties.contains(&me)
            && !x.signed.contains(&me)
        {
            push(
                format!("sign exchange {id} ({} states)", x.parties.len()),
                format!("/exchanges/{id}"),
                Some(x.proposal.deadline),
            );
        }
        if x.status == ExchangeStatus::Binding {
            for (leg, stage) in x.proposal.legs.iter().zip(&x.stages) {
                if leg.owed_by(*stage, x.go_at.is_some()) == Some(me) {
                    push(
                        format!(
                            "next step of the leg {} → {} of exchange {id} ({stage:?})",
                            leg.giver, leg.receiver
                        ),
                        format!("/exchanges/{id}"),
                        leg_due(registry, x, leg.request),
                    );
                }
            }
        }
    }
    items.sort_by(|a, b| a.sort.cmp(&b.sort).then_with(|| a.what.cmp(&b.what)));
    items
}

async fn desk_page(State(desk): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let (items, unread) = match desk.view().registry {
        Some(r) => {
            let mut items = awaiting(&r, desk.party, desk.now());
            if officer.has(Role::Liaison) {
                items.extend(crate::messages::to_answer(&r, desk.party, desk.now()));
                items.sort_by(|a, b| a.sort.cmp(&b.sort).then_with(|| a.what.cmp(&b.what)));
            }
            if officer.has(Role::Approver) {
                let (d, me) = (Arc::clone(&desk), officer.id);
                let drafts = blocking(move || Ok(d.store().drafts()?)).await?;
                for draft in drafts
                    .into_iter()
                    .filter(|x| x.state == "awaiting" && x.drafter_id != me)
                {
                    items.push(Item {
                        what: format!("approve draft {}: {}", draft.id, draft.summary),
                        link: format!("/approvals/{}", draft.id),
                        due: "no deadline".into(),
                        overdue: false,
                        sort: u64::MAX,
                    });
                }
            }
            let unread = r
                .messages()
                .filter(|m| {
                    m.recipients
                        .get(&desk.party)
                        .is_some_and(|e| e.read.is_none())
                })
                .count();
            (items, unread)
        }
        None => (Vec::new(), 0),
    };
    Ok(render(&DeskPage {
        frame: Frame::of(&desk, &officer),
        items,
        unread,
        health: health_of(&desk),
    }))
}

// ----- the work queue -----

#[derive(Deserialize, Default)]
struct QueueFilter {
    side: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

/// Rows on one page of the work queue.
pub const QUEUE_PAGE: usize = 100;

pub(crate) struct Row {
    id: String,
    side: &'static str,
    counterpart: String,
    offences: String,
    status: String,
    filed: String,
    due: String,
    due_in: String,
}

/// A link to another page of a list (the queue, the inbox), with the same filters.
pub(crate) struct PageLink {
    pub(crate) label: &'static str,
    pub(crate) href: String,
    pub(crate) rel: &'static str,
}

/// The links to the pages before and after `page` of `pages`, each at `href(n)`.
pub(crate) fn page_links(
    page: usize,
    pages: usize,
    href: impl Fn(usize) -> String,
) -> Vec<PageLink> {
    let mut links = Vec::new();
    if page > 1 {
        links.push(PageLink {
            label: "Previous page",
            href: href(page - 1),
            rel: "prev",
        });
    }
    if page < pages {
        links.push(PageLink {
            label: "Next page",
            href: href(page + 1),
            rel: "next",
        });
    }
    links
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    frame: Frame,
    rows: Vec<Row>,
    side: String,
    status: String,
    statuses: Vec<&'static str>,
    /// How many requests match, on every page.
    total: usize,
    /// The 1-based positions of the first and last rows shown.
    first: usize,
    last: usize,
    page: usize,
    pages: usize,
    links: Vec<PageLink>,
}

fn status_name(s: &RequestStatus) -> &'static str {
    match s {
        RequestStatus::AwaitingAnswer => "awaiting_answer",
        RequestStatus::Refused(_) => "refused",
        RequestStatus::Pooled => "pooled",
        RequestStatus::InExchange(_) => "in_exchange",
        RequestStatus::Fulfilled(_) => "fulfilled",
        RequestStatus::Withdrawn => "withdrawn",
    }
}

const STATUSES: [&str; 6] = [
    "awaiting_answer",
    "pooled",
    "in_exchange",
    "fulfilled",
    "refused",
    "withdrawn",
];

/// A request that matches the queue's filters, before it is formatted.
struct Queued<'r> {
    request: &'r rex_domain::Request,
    side: &'static str,
    due: Option<u64>,
}

impl Queued<'_> {
    /// Soonest due first (no due date last), then oldest filed, then by id.
    fn key(&self) -> (u64, u64, RequestId) {
        (
            self.due.unwrap_or(u64::MAX),
            self.request.filed_at,
            self.request.id,
        )
    }
}

/// `?page=N` (from 1; absent: 1), refused in one line if it is not a page of `pages` of
/// `what` ("the queue", "the inbox").
pub(crate) fn page_number(page: Option<&str>, pages: usize, what: &str) -> Result<usize, WebError> {
    let Some(text) = page.filter(|p| !p.is_empty()) else {
        return Ok(1);
    };
    match text.parse::<usize>() {
        Ok(n) if (1..=pages.max(1)).contains(&n) => Ok(n),
        _ => Err(WebError::Input(format!(
            "page {text:?}: {what} has {} page{} with these filters",
            pages.max(1),
            if pages > 1 { "s" } else { "" }
        ))),
    }
}

async fn queue_page(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Query(filter): Query<QueueFilter>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let registry = registry_of(&desk)?;
    let (me, now) = (desk.party, desk.now());
    let side = filter.side.unwrap_or_default();
    let status = filter.status.unwrap_or_default();
    if !["", "incoming", "outgoing"].contains(&side.as_str()) {
        return Err(WebError::Input(format!(
            "side {side:?}: use incoming or outgoing"
        )));
    }
    if !status.is_empty() && !STATUSES.contains(&status.as_str()) {
        return Err(WebError::Input(format!(
            "status {status:?}: use one of {}",
            STATUSES.join(", ")
        )));
    }
    // Every matching request with its sort key first (cheap), then only one page of them
    // formatted: a node may hold tens of thousands of requests.
    let mut matching: Vec<Queued<'_>> = registry
        .requests()
        .filter_map(|r| {
            let m = &r.metadata;
            let side_name = if m.custodian == me {
                "incoming"
            } else if m.requester == me {
                "outgoing"
            } else {
                return None;
            };
            let name = status_name(&r.status);
            if (!side.is_empty() && side != side_name) || (!status.is_empty() && status != name) {
                return None;
            }
            let due = request_due(&registry, r);
            Some(Queued {
                request: r,
                side: side_name,
                due,
            })
        })
        .collect();
    let total = matching.len();
    let pages = total.div_ceil(QUEUE_PAGE);
    let page = page_number(filter.page.as_deref(), pages, "the queue")?;
    let skip = (page - 1) * QUEUE_PAGE;
    // Soonest due first, then oldest filed, then by id: a total order, so pages never
    // overlap.
    let by_due = |a: &Queued<'_>, b: &Queued<'_>| a.key().cmp(&b.key());
    if skip + QUEUE_PAGE < total {
        matching.select_nth_unstable_by(skip + QUEUE_PAGE, by_due);
        matching.truncate(skip + QUEUE_PAGE);
    }
    matching.sort_unstable_by(by_due);
    let rows: Vec<Row> = matching
        .into_iter()
        .skip(skip)
        .map(
            |Queued {
                 request: r,
                 side: side_name,
                 due,
             }| {
                let m = &r.metadata;
                let counterpart = if side_name == "incoming" {
                    m.requester
                } else {
                    m.custodian
                };
                let offences: Vec<String> = m.offences.iter().map(label).collect();
                Row {
                    id: r.id.to_string(),
                    side: side_name,
                    counterpart: counterpart.to_string(),
                    offences: offences.join(", "),
                    status: status_name(&r.status).replace('_', " "),
                    // The day is enough in a list; the case page has the time.
                    filed: when(r.filed_at).chars().take(10).collect(),
                    due: due.map_or("—".to_owned(), when),
                    due_in: due.map_or(String::new(), |d| relative(d, now)),
                }
            },
        )
        .collect();
    let href = |n: usize| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if !side.is_empty() {
            query.append_pair("side", &side);
        }
        if !status.is_empty() {
            query.append_pair("status", &status);
        }
        query.append_pair("page", &n.to_string());
        format!("/queue?{}", query.finish())
    };
    let links = page_links(page, pages, href);
    Ok(render(&QueuePage {
        frame: Frame::of(&desk, &officer),
        first: if rows.is_empty() { 0 } else { skip + 1 },
        last: skip + rows.len(),
        rows,
        side,
        status,
        statuses: STATUSES.to_vec(),
        total,
        page,
        pages: pages.max(1),
        links,
    }))
}

// ----- a case -----

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    frame: Frame,
    id: String,
    requester: String,
    custodian: String,
    agreement: String,
    offences: String,
    penalty: u32,
    severity: String,
    own_national: bool,
    route: String,
    status: String,
    answer: Option<String>,
    exchange: Option<String>,
    filed: String,
    dossier_sha256: String,
    dossier_size: u64,
    may_read: bool,
    may_answer: bool,
    grounds: Vec<String>,
    checks: Vec<CheckRow>,
    profiles: String,
    /// The messages on this request that concern this state, oldest first.
    messages: Vec<CaseMessage>,
    /// Checks awaiting a decision by this state's person, which this officer may draft.
    decidable: Vec<(String, String)>,
    /// Person's checks this officer may raise on this state's behalf (custodian, open).
    raisable: Vec<(String, String)>,
    statements: Vec<crate::evidence::StatementRow>,
    /// The request's deadlines and breaches, in words.
    deadlines: Vec<DeadlineRow>,
    /// Reasons this officer may extend the answer deadline with (custodian, once, in time).
    extension_reasons: Vec<(String, String)>,
    /// The unconditional offer under deferred reciprocity, in words, where the agreement
    /// allows credit and this state is the custodian.
    offer: Option<String>,
    /// Whether this officer may draft an unconditional offer of it.
    may_offer: bool,
    /// Whether this officer may withdraw its open offer.
    may_withdraw_offer: bool,
    /// The open requests competing for this request's subject, when a decision between them
    /// awaits this state's person and this officer may draft it: id, requester, severity,
    /// offences.
    competing: Vec<(String, String, String, String)>,
    /// The factors a decision between competing requests may weigh: value, words.
    factors: Vec<(String, String)>,
}

/// A deadline of a request, or a breach of one, in words.
struct DeadlineRow {
    what: String,
    due: String,
    state: String,
    /// Missed and not cured.
    breach: bool,
}

/// The deadlines that run on request `r` (its answer, its leg), then every breach on it.
fn deadline_rows(registry: &Registry, r: &rex_domain::Request, now: u64) -> Vec<DeadlineRow> {
    let mut rows: Vec<DeadlineRow> = registry
        .running_deadlines()
        .filter(|(_, d)| d.request() == r.id)
        .map(|(due, d)| DeadlineRow {
            what: format!("{} by {}", d.what(), owing(registry, &d)),
            due: format!("{} ({})", when(due), relative(due, now)),
            state: match r
                .extension
                .filter(|_| matches!(d, rex_domain::Deadline::Answer { .. }))
            {
                Some(e) => format!(
                    "running; extended from {} ({})",
                    when(e.previous_due),
                    label(&e.reason)
                ),
                None => "running".to_owned(),
            },
            breach: false,
        })
        .collect();
    if let RequestStatus::InExchange(x) = r.status {
        let exchange = registry.exchange(&x);
        let due = exchange.and_then(|e| match e.status {
            ExchangeStatus::Proposed => Some((
                "every member's signature on its exchange",
                e.proposal.deadline,
            )),
            ExchangeStatus::Binding => e
                .execution_deadline
                .map(|d| ("the execution of its exchange", d)),
            _ => None,
        });
        if let Some((what, due)) = due {
            rows.push(DeadlineRow {
                what: what.to_owned(),
                due: format!("{} ({})", when(due), relative(due, now)),
                state: if due > now { "running" } else { "passed" }.to_owned(),
                breach: false,
            });
        }
    }
    rows.extend(
        registry
            .breaches()
            .iter()
            .filter(|b| b.of_request() == r.id)
            .map(|b| DeadlineRow {
                what: format!("{} — breach by {}", b.of, b.party),
                due: when(b.due),
                state: match b.cured_at {
                    Some(t) => format!("missed; cured {}", when(t)),
                    None => "missed; not cured".to_owned(),
                },
                breach: b.is_open(),
            }),
    );
    rows
}

/// The state that owes what `d` is for.
fn owing(registry: &Registry, d: &rex_domain::Deadline) -> String {
    match *d {
        rex_domain::Deadline::Answer { request } => registry
            .request(&request)
            .map_or(String::new(), |r| r.metadata.custodian.to_string()),
        rex_domain::Deadline::Surrender { exchange, request }
        | rex_domain::Deadline::Milestone {
            exchange, request, ..
        } => registry
            .exchange(&exchange)
            .and_then(|x| Some(x.proposal.legs[x.leg_index(&request)?].giver.to_string()))
            .unwrap_or_default(),
    }
}

fn request_of(registry: &Registry, id: &str) -> Result<RequestId, WebError> {
    request_named(registry, id).map(|r| r.id)
}

/// The request a path segment names (404 for a malformed or unknown id).
pub(crate) fn request_named<'r>(
    registry: &'r Registry,
    id: &str,
) -> Result<&'r rex_domain::Request, WebError> {
    let id: RequestId = id
        .parse()
        .map_err(|e| WebError::NotFound(format!("{id:?} is not a request id: {e}")))?;
    registry
        .request(&id)
        .ok_or_else(|| WebError::NotFound(format!("no request {id}")))
}

async fn case_page(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let registry = registry_of(&desk)?;
    let id = request_of(&registry, &id)?;
    let r = registry.request(&id).expect("checked");
    let m = &r.metadata;
    let concerned = m.requester == desk.party || m.custodian == desk.party;
    let offences: Vec<String> = m.offences.iter().map(label).collect();
    let exchange = match r.status {
        RequestStatus::InExchange(x) | RequestStatus::Fulfilled(x) => Some(x.to_string()),
        _ => None,
    };
    Ok(render(&CasePage {
        frame: Frame::of(&desk, &officer),
        id: id.to_string(),
        requester: m.requester.to_string(),
        custodian: m.custodian.to_string(),
        agreement: m.agreement.to_string(),
        offences: offences.join(", "),
        penalty: m.max_penalty_months,
        severity: label(&m.severity),
        own_national: m.subject_is_custodian_national,
        route: match r.route {
            rex_domain::Route::Any => "any answer".to_owned(),
            rex_domain::Route::ProsecutionOnly => {
                "prosecution at home or refusal only (own-national bar)".to_owned()
            }
        },
        status: status_name(&r.status).replace('_', " "),
        answer: r.answer.map(|a| match a {
            rex_domain::Answer::Surrender => "surrender".to_owned(),
            rex_domain::Answer::ProsecutionAtHome => "prosecution at home".to_owned(),
            rex_domain::Answer::Refused { ground } => format!("refused: {}", label(&ground)),
        }),
        exchange,
        filed: when(r.filed_at),
        dossier_sha256: r.dossier.sha256.to_string(),
        dossier_size: r.dossier.size,
        may_read: concerned && officer.roles.reads_dossiers(),
        may_answer: m.custodian == desk.party
            && r.status == RequestStatus::AwaitingAnswer
            && officer.has(Role::CaseOfficer),
        grounds: rex_domain::RefusalGround::ALL
            .iter()
            .filter_map(|g| serde_json::to_value(g).ok()?.as_str().map(str::to_owned))
            .collect(),
        checks: r
            .screening
            .iter()
            .map(|c| CheckRow {
                check: label(&c.check),
                by: match c.check.evaluator() {
                    rex_domain::Evaluator::Hub => "hub, on the metadata".to_owned(),
                    rex_domain::Evaluator::Node => {
                        format!("{}'s node, on the dossier", m.custodian)
                    }
                    rex_domain::Evaluator::Person => "a person".to_owned(),
                },
                outcome: match &c.outcome {
                    rex_domain::Outcome::Passed { .. } => "passed".to_owned(),
                    rex_domain::Outcome::Failed { .. } => "failed".to_owned(),
                    rex_domain::Outcome::Awaiting {
                        party,
                        role: Some(role),
                        ..
                    } => format!("awaiting a decision by {party} ({})", label(role)),
                    rex_domain::Outcome::Awaiting {
                        party, role: None, ..
                    } => format!("awaiting {party}'s node"),
                },
                reason: c.outcome.reason().to_owned(),
            })
            .collect(),
        messages: registry
            .messages()
            .filter(|msg| {
                msg.conversation == rex_domain::Conversation::Request { request: id }
                    && msg.concerns(desk.party)
            })
            .map(|msg| CaseMessage {
                id: msg.id.to_string(),
                from: msg.from.to_string(),
                sent: when(msg.sent_at),
                recipients: msg
                    .recipients
                    .iter()
                    .map(|(p, e)| format!("{p}: {}", e.state()))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        decidable: if officer.has(Role::CaseOfficer) {
            awaits_person(r, desk.party)
                .into_iter()
                // Decided by `competition_decided`, below, not by a check's decision.
                .filter(|c| *c != rex_domain::Check::CompetingRequest)
                .map(|c| (c.as_str().to_owned(), label(&c)))
                .collect()
        } else {
            Vec::new()
        },
        raisable: if officer.has(Role::CaseOfficer)
            && m.custodian == desk.party
            && r.status == RequestStatus::AwaitingAnswer
        {
            rex_domain::Check::ALL
                .into_iter()
                .filter(|c| c.raisable() && r.screening.iter().all(|x| x.check != *c))
                .map(|c| (c.as_str().to_owned(), label(&c)))
                .collect()
        } else {
            Vec::new()
        },
        profiles: format!(
            "{} profile {}, {} profile {}",
            m.requester,
            r.profiles
                .requester
                .map_or("none".to_owned(), |v| format!("v{v}")),
            m.custodian,
            r.profiles
                .custodian
                .map_or("none".to_owned(), |v| format!("v{v}")),
        ),
        statements: crate::evidence::statements(&desk, |l| l.requests.contains(&id)),
        deadlines: deadline_rows(&registry, r, desk.now()),
        extension_reasons: if officer.has(Role::CaseOfficer)
            && m.custodian == desk.party
            && r.status == RequestStatus::AwaitingAnswer
            && r.extension.is_none()
            && registry
                .deadline_due(&rex_domain::Deadline::Answer { request: id })
                .is_some()
            && registry
                .agreement(&m.agreement)
                .and_then(|a| a.terms.deadlines)
                .is_some_and(|d| d.extension_days > 0)
        {
            rex_domain::ExtensionReason::ALL
                .into_iter()
                .map(|e| (e.as_str().to_owned(), label(&e)))
                .collect()
        } else {
            Vec::new()
        },
        offer: offer_words(&registry, r, desk.party),
        may_offer: officer.has(Role::CaseOfficer)
            && m.custodian == desk.party
            && r.status == RequestStatus::Pooled
            && r.offered.is_none()
            && credit_of(&registry, r).is_some(),
        may_withdraw_offer: officer.has(Role::CaseOfficer)
            && m.custodian == desk.party
            && r.status == RequestStatus::Pooled
            && r.offered.is_some(),
        competing: if officer.has(Role::CaseOfficer) {
            competing(&registry, r, desk.party)
                .iter()
                .filter_map(|q| registry.request(q))
                .map(|q| {
                    let offences: Vec<&str> =
                        q.metadata.offences.iter().map(|o| o.as_str()).collect();
                    (
                        q.id.to_string(),
                        q.metadata.requester.to_string(),
                        label(&q.metadata.severity),
                        offences.join(", "),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        factors: rex_domain::Factor::ALL
            .into_iter()
            .map(|f| (f.as_str().to_owned(), label(&f)))
            .collect(),
    }))
}

/// The open requests sharing the subject's tag of `r`, when a decision between them awaits a
/// person of `me` (its custodian) on `r`; empty otherwise.
pub(crate) fn competing(
    registry: &Registry,
    r: &rex_domain::Request,
    me: PartyId,
) -> Vec<RequestId> {
    let awaits = r.screening.iter().any(|c| {
        c.check == rex_domain::Check::CompetingRequest
            && matches!(&c.outcome, rex_domain::Outcome::Awaiting { party, role: Some(_), .. } if *party == me)
    });
    if awaits && r.metadata.custodian == me {
        registry.sharing_tag(&r.id)
    } else {
        Vec::new()
    }
}

/// The credit terms of a request's agreement, if it allows deferred reciprocity.
fn credit_of<'a>(
    registry: &'a Registry,
    r: &rex_domain::Request,
) -> Option<&'a rex_domain::CreditTerms> {
    registry
        .agreement(&r.metadata.agreement)?
        .terms
        .credit
        .as_ref()
}

/// The unconditional offer of request `r` in words, for the custodian `me`, where its
/// agreement allows credit: whether it is offered, and where `me` stands against the limit.
fn offer_words(registry: &Registry, r: &rex_domain::Request, me: PartyId) -> Option<String> {
    let credit = credit_of(registry, r)?;
    if r.metadata.custodian != me {
        return r.offered.map(|t| {
            format!(
                "{} offered it unconditionally on {}",
                r.metadata.custodian,
                when(t)
            )
        });
    }
    let a = &r.metadata.agreement;
    let balance = registry.credit_balance(a, me);
    let offers = registry.open_offers(a, me).len();
    let standing = format!(
        "{me}'s committed balance under the agreement is {balance:+} with {offers} open \
         offer{}; the credit limit is {} either way",
        if offers == 1 { "" } else { "s" },
        credit.max_outstanding
    );
    Some(match r.offered {
        Some(t) if r.open_offer() => format!(
            "offered unconditionally on {}: the matching may start a chain here. {standing}",
            when(t)
        ),
        Some(t) => format!("offered unconditionally on {}. {standing}", when(t)),
        None => format!("not offered. {standing}"),
    })
}

/// `POST /requests/{id}/withdraw-offer`: a case officer of the custodian withdraws its
/// unconditional offer of a request still in the pool. Not a binding act (it takes back a
/// promise, commits to nothing): the node signs it at once, and the audit trail keeps who.
async fn withdraw_offer(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let act = |request| {
        Ok((
            rex_domain::Action::OfferWithdrawn { request },
            format!("the unconditional offer of request {request}"),
        ))
    };
    let what = "withdrawing an offer";
    case_officer_act(desk, headers, &id, what, "offer_withdrawn", act).await
}

/// The checks of `r` that await a decision by a person of `me`, while it awaits an answer.
pub(crate) fn awaits_person(r: &rex_domain::Request, me: PartyId) -> Vec<rex_domain::Check> {
    if r.status != RequestStatus::AwaitingAnswer {
        return Vec::new();
    }
    r.screening
        .iter()
        .filter(|c| {
            matches!(&c.outcome, rex_domain::Outcome::Awaiting { party, role: Some(_), .. } if *party == me)
        })
        .map(|c| c.check)
        .collect()
}

/// `POST /requests/{id}/raise` (`check`): a case officer of the custodian raises a check that a
/// person of this state must decide before the request can be answered as exchangeable. Not a
/// binding act (it decides nothing): the node signs it at once, and the audit trail keeps who.
async fn raise_check(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let act = |request| {
        let check: rex_domain::Check = form_field(&body, "check")
            .parse()
            .map_err(|e: rex_domain::Rejection| WebError::Input(e.to_string()))?;
        Ok((
            rex_domain::Action::ScreeningRaised { request, check },
            format!("{check} on request {request}"),
        ))
    };
    case_officer_act(desk, headers, &id, "raising a check", "check_raised", act).await
}

/// `POST /requests/{id}/extend` (`reason`): a case officer of the custodian extends the
/// deadline to answer, once, before it passes, by the agreement's extension. Not a binding act
/// (it answers nothing): the node signs it at once, and the audit trail keeps who.
async fn extend_answer(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let act = |request| {
        let reason: rex_domain::ExtensionReason = form_field(&body, "reason")
            .parse()
            .map_err(WebError::Input)?;
        let words = format!(
            "the answer deadline of request {request} ({})",
            reason.as_str()
        );
        Ok((
            rex_domain::Action::AnswerExtended { request, reason },
            words,
        ))
    };
    let what = "extending an answer deadline";
    case_officer_act(desk, headers, &id, what, "answer_extended", act).await
}

/// A case officer's act on request `id` that is not a binding act: after the role check,
/// `act` reads the form into an action and its words; the node signs the action at once, the
/// audit trail records `audit` with those words and the log index, and the case page follows.
async fn case_officer_act(
    desk: AppState,
    headers: HeaderMap,
    id: &str,
    what: &str,
    audit: &'static str,
    act: impl FnOnce(RequestId) -> Result<(rex_domain::Action, String), WebError>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::CaseOfficer], what)?;
    let registry = registry_of(&desk)?;
    let request = request_of(&registry, id)?;
    let (action, words) = act(request)?;
    let d = Arc::clone(&desk);
    blocking(move || {
        let s = d.act(action)?;
        d.store().audit(
            d.now(),
            Some(officer.id),
            audit,
            &format!("{words}: logged at index {}", s.index),
        )?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/requests/{request}")).into_response())
}

/// A message on a request, as its case page lists it.
struct CaseMessage {
    id: String,
    from: String,
    sent: String,
    /// Each recipient and its state, in words.
    recipients: String,
}

/// One check of a request's screening, in words.
struct CheckRow {
    check: String,
    by: String,
    outcome: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct DossierPage {
    frame: Frame,
    id: String,
    text: String,
    bytes: usize,
    attachments: Vec<crate::attachments::AttachmentRow>,
    /// Why the dossier fails its checks, if it does (an attachment altered or unsafe): then
    /// nothing of it is downloadable.
    problem: Option<String>,
}

/// The plaintext of the dossier of request `id`, for an officer whose roles read dossiers, of
/// one of the two states it is addressed to: this node's copy when it filed the request, else
/// the hub's ciphertext, checked and decrypted here. The caller writes the audit trail.
pub(crate) async fn dossier_plaintext(
    desk: &AppState,
    officer: &Officer,
    id: &str,
) -> Result<(RequestId, Vec<u8>), WebError> {
    require(
        officer,
        &[Role::CaseOfficer, Role::Approver, Role::Auditor],
        "reading a dossier",
    )?;
    let registry = registry_of(desk)?;
    let r = request_named(&registry, id)?;
    let id = r.id;
    if r.metadata.requester != desk.party && r.metadata.custodian != desk.party {
        return Err(WebError::Denied(format!(
            "the dossier of {id} is addressed to {} and {}, not to {}",
            r.metadata.requester, r.metadata.custodian, desk.party
        )));
    }
    let sha = r.dossier.sha256;
    let d = Arc::clone(desk);
    let plaintext = blocking(move || {
        let node = d.node();
        Ok(match node.local_dossier(&sha)? {
            Some(p) => p,
            None => node.read_dossier(&id)?,
        })
    })
    .await?;
    Ok((id, plaintext))
}

/// The most of a dossier that fails its checks the page shows, in bytes.
const SHOWN_IF_BROKEN: usize = 64 << 10;

async fn dossier_page(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let (id, plaintext) = dossier_plaintext(&desk, &officer, &id).await?;
    let d = Arc::clone(&desk);
    let who = officer.id;
    blocking(move || {
        d.store()
            .audit(d.now(), Some(who), "dossier_opened", &id.to_string())?;
        Ok(())
    })
    .await?;
    let lossy = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
    let (text, attachments, problem) = match rex_domain::StructuredDossier::parse(&plaintext) {
        Ok(Some(dossier)) if !dossier.attachments.is_empty() => (
            crate::attachments::shown(&dossier),
            crate::attachments::rows(&dossier.attachments, &format!("/requests/{id}/attachments")),
            None,
        ),
        Ok(_) => (lossy(&plaintext), Vec::new(), None),
        Err(e) => (
            lossy(&plaintext[..plaintext.len().min(SHOWN_IF_BROKEN)]),
            Vec::new(),
            Some(e.to_string()),
        ),
    };
    Ok(render(&DossierPage {
        frame: Frame::of(&desk, &officer),
        id: id.to_string(),
        bytes: plaintext.len(),
        text,
        attachments,
        problem,
    }))
}

// ----- an exchange -----

pub(crate) struct LegRow {
    request: String,
    giver: String,
    receiver: String,
    kind: String,
    stage: String,
}

pub(crate) struct SignatureRow {
    party: String,
    signed: String,
}

#[derive(Template)]
#[template(path = "exchange.html")]
struct ExchangePage {
    frame: Frame,
    id: String,
    status: String,
    state: String,
    deadline: String,
    execution_deadline: Option<String>,
    go: Option<String>,
    signatures: Vec<SignatureRow>,
    legs: Vec<LegRow>,
    board: Vec<crate::board::LegBoard>,
    svg: crate::cycle::Drawing,
    /// This state's signature may be drafted here by this officer.
    may_sign: bool,
    /// An awaiting draft of this state's signature.
    sign_draft: Option<i64>,
    /// The officer may draft the steps this state owes.
    drafts_steps: bool,
    /// Acts after or around a surrender this officer may draft: release instruments, consents,
    /// prosecution for more offences, onward transfers.
    speciality: Vec<crate::board::SpecialityForm>,
    statements: Vec<crate::evidence::StatementRow>,
}

/// The exchange named by a path segment.
pub(crate) fn exchange_of<'r>(
    registry: &'r Registry,
    id: &str,
) -> Result<&'r rex_domain::Exchange, WebError> {
    let xid: ExchangeId = id
        .parse()
        .map_err(|e| WebError::NotFound(format!("{id:?} is not an exchange id: {e}")))?;
    registry
        .exchange(&xid)
        .ok_or_else(|| WebError::NotFound(format!("no exchange {xid}")))
}

async fn exchange_page(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let registry = registry_of(&desk)?;
    let x = exchange_of(&registry, &id)?;
    let (me, now) = (desk.party, desk.now());
    let drafts_acts = officer.has(Role::CaseOfficer);
    let awaiting = if drafts_acts {
        let d = Arc::clone(&desk);
        let drafts = blocking(move || Ok(d.store().drafts()?)).await?;
        crate::drafts::awaiting_on(&drafts, x.proposal.id)
    } else {
        Default::default()
    };
    let legs: Vec<LegRow> = x
        .proposal
        .legs
        .iter()
        .zip(&x.stages)
        .map(|(l, s)| LegRow {
            request: l.request.to_string(),
            giver: l.giver.to_string(),
            receiver: l.receiver.to_string(),
            kind: label(&l.kind),
            stage: s.as_str().to_owned(),
        })
        .collect();
    let signatures = x
        .parties
        .iter()
        .map(|p| SignatureRow {
            party: p.to_string(),
            signed: x
                .acts
                .iter()
                .find(|a| a.party == *p && a.step.is_none())
                .map_or("not yet".to_owned(), |a| {
                    format!(
                        "signed {} by {}",
                        when(a.at),
                        crate::board::signers(&a.acted_by)
                    )
                }),
        })
        .collect();
    let arrows: Vec<(String, String)> = x
        .proposal
        .legs
        .iter()
        .map(|l| (l.giver.to_string(), l.receiver.to_string()))
        .collect();
    Ok(render(&ExchangePage {
        frame: Frame::of(&desk, &officer),
        id: x.proposal.id.to_string(),
        status: format!("{:?}", x.status).to_lowercase(),
        state: crate::board::state(x),
        deadline: format!(
            "{} ({})",
            when(x.proposal.deadline),
            relative(x.proposal.deadline, now)
        ),
        execution_deadline: x
            .execution_deadline
            .map(|d| format!("{} ({})", when(d), relative(d, now))),
        go: x.go_at.map(when),
        signatures,
        legs,
        board: crate::board::board(x, me, now, &awaiting),
        svg: crate::cycle::draw(&arrows),
        may_sign: drafts_acts
            && x.status == ExchangeStatus::Proposed
            && x.parties.contains(&me)
            && !x.signed.contains(&me),
        sign_draft: awaiting.get(&None).copied(),
        drafts_steps: drafts_acts,
        speciality: if drafts_acts {
            crate::board::speciality_forms(&registry, x, me)
        } else {
            Vec::new()
        },
        statements: crate::evidence::statements(&desk, |l| l.exchanges.contains(&x.proposal.id)),
    }))
}

// ----- the log -----

#[derive(Template)]
#[template(path = "log.html")]
struct LogPage {
    frame: Frame,
    health: Health,
    checkpoint: Option<String>,
    final_checkpoint: Option<String>,
    cosigned_by: String,
    evidence: Vec<String>,
    statements: Vec<crate::evidence::StatementRow>,
}

async fn log_page(State(desk): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let d = Arc::clone(&desk);
    let (checkpoint, final_checkpoint, evidence) = blocking(move || {
        let node = d.node();
        Ok((
            node.checkpoint()?.map(|(_, n)| n.to_string()),
            node.final_checkpoint()?.map(|(_, n)| n.to_string()),
            node.evidence()?
                .iter()
                .map(|e| e.describe())
                .collect::<Vec<_>>(),
        ))
    })
    .await?;
    let cosigned_by = desk
        .view()
        .report
        .map(|r| {
            let v: Vec<String> = r
                .finality
                .cosigned_by
                .iter()
                .map(|p| p.to_string())
                .collect();
            v.join(", ")
        })
        .unwrap_or_default();
    Ok(render(&LogPage {
        frame: Frame::of(&desk, &officer),
        health: health_of(&desk),
        checkpoint,
        final_checkpoint,
        cosigned_by,
        evidence,
        statements: crate::evidence::latest(&desk, 50),
    }))
}

async fn sync_now(State(desk): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let d = Arc::clone(&desk);
    blocking(move || {
        // A failure is shown on the log page, from the view.
        let _ = d.sync_now();
        d.store()
            .audit(d.now(), Some(officer.id), "log_verified", "")?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to("/log").into_response())
}

// ----- officers and the audit trail -----

pub(crate) struct OfficerRow {
    handle: String,
    name: String,
    roles: String,
    enrolled: String,
    revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "officers.html")]
struct OfficersPage {
    frame: Frame,
    officers: Vec<OfficerRow>,
    may_revoke: bool,
    keys: Vec<crate::evidence::KeyRow>,
    /// Enrolled, not revoked, and without a certified key: whom the admin may certify.
    uncertified: Vec<String>,
    stepped_up: bool,
}

async fn officers_page(
    State(desk): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(
        &officer,
        &[Role::Admin, Role::Auditor],
        "the list of officers",
    )?;
    let d = Arc::clone(&desk);
    let session = session_id(&headers).unwrap_or_default();
    let (officers, stepped) = blocking(move || {
        let store = d.store();
        Ok((store.officers()?, store.stepped_up_at(&session)?))
    })
    .await?;
    let keys = crate::evidence::keys(&desk);
    let uncertified = officers
        .iter()
        .filter(|o| o.revoked_at.is_none() && !keys.iter().any(|k| k.officer == o.handle))
        .map(|o| o.handle.clone())
        .collect();
    let now = desk.now();
    Ok(render(&OfficersPage {
        frame: Frame::of(&desk, &officer),
        keys,
        uncertified,
        stepped_up: stepped.is_some_and(|t| now <= t + crate::STEP_UP_TTL),
        officers: officers
            .into_iter()
            .map(|o| OfficerRow {
                handle: o.handle,
                name: o.name,
                roles: o.roles.labels(),
                enrolled: when(o.created_at),
                revoked: o.revoked_at.map(when),
            })
            .collect(),
        may_revoke: officer.has(Role::Admin),
    }))
}

async fn revoke(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path(handle): Path<String>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::Admin], "revoking an officer")?;
    let d = Arc::clone(&desk);
    blocking(move || {
        let mut store = d.store();
        let target = store
            .officer_by_handle(&handle)?
            .ok_or_else(|| WebError::NotFound(format!("no officer {handle:?}")))?;
        if target.id == officer.id {
            return Err(WebError::Input(
                "an admin does not revoke themself; another admin or `rex node officer revoke` does".into(),
            ));
        }
        let now = d.now();
        store.revoke(&target, Some(officer.id), now)?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to("/officers").into_response())
}

pub(crate) struct AuditRow {
    time: String,
    officer: String,
    action: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    frame: Frame,
    lines: Vec<AuditRow>,
}

async fn audit_page(
    State(desk): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::Admin, Role::Auditor], "the audit trail")?;
    let d = Arc::clone(&desk);
    let lines = blocking(move || Ok(d.store().audit_trail(500)?)).await?;
    Ok(render(&AuditPage {
        frame: Frame::of(&desk, &officer),
        lines: lines
            .into_iter()
            .map(|l| AuditRow {
                time: when(l.time),
                officer: l.officer,
                action: l.action.replace('_', " "),
                detail: l.detail,
            })
            .collect(),
    }))
}

// ----- login and enrolment -----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    party: String,
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    party: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
}

async fn login_page(State(desk): State<AppState>) -> Response {
    render(&LoginPage {
        party: desk.party.to_string(),
    })
}

async fn enrol_page(State(desk): State<AppState>) -> Response {
    render(&EnrolPage {
        party: desk.party.to_string(),
    })
}

/// `POST /enrol/options`.
#[derive(Deserialize)]
pub struct EnrolStart {
    /// The one-time code the admin handed over.
    pub code: String,
}

/// `POST /login/options`.
#[derive(Deserialize)]
pub struct LoginStart {
    /// The officer's handle.
    pub handle: String,
}

/// The answer to `POST /enrol/options` and `POST /login/options`: the ceremony's id, to send
/// back, and the options for `navigator.credentials`.
#[derive(Serialize, Deserialize)]
pub struct Options<T> {
    /// The ceremony's id.
    pub ceremony: String,
    /// `CreationChallengeResponse` or `RequestChallengeResponse`.
    pub options: T,
}

/// `POST /enrol/finish` and `POST /login/finish`.
#[derive(Deserialize, Serialize)]
pub struct Finish<T> {
    /// The ceremony's id.
    pub ceremony: String,
    /// What the authenticator answered.
    pub credential: T,
}

/// Where the page goes next, with the session cookie set.
#[derive(Serialize, Deserialize)]
pub struct Next {
    /// A path of the desk.
    pub next: String,
}

async fn enrol_options(
    State(desk): State<AppState>,
    Json(start): Json<EnrolStart>,
) -> Result<Json<Options<webauthn_rs::prelude::CreationChallengeResponse>>, JsonError> {
    let d = Arc::clone(&desk);
    let code = start.code.trim().to_uppercase();
    let officer = {
        let code = code.clone();
        blocking(move || Ok(d.store().enrolment(&code, d.now())?)).await?
    };
    let d = Arc::clone(&desk);
    let o = officer.clone();
    let existing: Vec<_> = blocking(move || Ok(d.store().passkeys(&o)?))
        .await?
        .into_iter()
        .filter_map(|(_, json)| serde_json::from_str::<Passkey>(&json).ok())
        .map(|p| p.cred_id().clone())
        .collect();
    let (options, state) = desk
        .webauthn
        .start_passkey_registration(
            Uuid::from_bytes(officer.user_id),
            &officer.handle,
            &officer.name,
            Some(existing),
        )
        .map_err(|e| WebError::Internal(format!("WebAuthn: {e}")))?;
    let ceremony = desk.ceremonies.start(
        Ceremony::Enrol {
            code,
            officer: officer.id,
            state: Box::new(state),
        },
        desk.now(),
    )?;
    Ok(Json(Options { ceremony, options }))
}

async fn enrol_finish(
    State(desk): State<AppState>,
    Json(finish): Json<Finish<RegisterPublicKeyCredential>>,
) -> Result<Response, JsonError> {
    let Ceremony::Enrol {
        code,
        officer,
        state,
    } = desk.ceremonies.take(&finish.ceremony, desk.now())?
    else {
        return Err(WebError::Denied("not an enrolment".into()).into());
    };
    let passkey = desk
        .webauthn
        .finish_passkey_registration(&finish.credential, &state)
        .map_err(|e| WebError::Denied(format!("the passkey was not accepted: {e}")))?;
    let json = serde_json::to_string(&passkey).map_err(|e| WebError::Internal(e.to_string()))?;
    let session: [u8; 32] = random();
    let d = Arc::clone(&desk);
    blocking(move || {
        let now = d.now();
        let mut store = d.store();
        let officer = store.officer(officer)?;
        store.finish_enrolment(&code, &officer, passkey.cred_id().as_ref(), &json, now)?;
        store.open_session(&officer, &session, now)?;
        store.audit(now, Some(officer.id), "login", "after enrolment")?;
        Ok(())
    })
    .await?;
    Ok(logged_in(&desk, &session))
}

fn logged_in(desk: &Desk, session: &[u8]) -> Response {
    (
        [(header::SET_COOKIE, session_cookie(desk, session))],
        Json(Next { next: "/".into() }),
    )
        .into_response()
}

async fn login_options(
    State(desk): State<AppState>,
    Json(start): Json<LoginStart>,
) -> Result<Json<Options<webauthn_rs::prelude::RequestChallengeResponse>>, JsonError> {
    let d = Arc::clone(&desk);
    let handle = start.handle.trim().to_lowercase();
    let (officer, passkeys) = blocking(move || {
        let store = d.store();
        let unknown = || {
            WebError::Denied(format!(
                "no officer {handle:?} with a passkey on this desk; check the handle, or ask the admin for an enrolment code"
            ))
        };
        let officer = store.officer_by_handle(&handle)?.ok_or_else(unknown)?;
        if officer.revoked_at.is_some() {
            return Err(WebError::Denied(format!("officer {handle:?} is revoked")));
        }
        let keys: Vec<Passkey> = store
            .passkeys(&officer)?
            .into_iter()
            .filter_map(|(_, json)| serde_json::from_str(&json).ok())
            .collect();
        if keys.is_empty() {
            return Err(unknown());
        }
        Ok((officer, keys))
    })
    .await?;
    let (options, state) = desk
        .webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|e| WebError::Internal(format!("WebAuthn: {e}")))?;
    let ceremony = desk.ceremonies.start(
        Ceremony::Login {
            officer: officer.id,
            state: Box::new(state),
        },
        desk.now(),
    )?;
    Ok(Json(Options { ceremony, options }))
}

async fn login_finish(
    State(desk): State<AppState>,
    Json(finish): Json<Finish<PublicKeyCredential>>,
) -> Result<Response, JsonError> {
    let Ceremony::Login { officer, state } = desk.ceremonies.take(&finish.ceremony, desk.now())?
    else {
        return Err(WebError::Denied("not a login".into()).into());
    };
    let result = desk
        .webauthn
        .finish_passkey_authentication(&finish.credential, &state)
        .map_err(|e| WebError::Denied(format!("the passkey was not accepted: {e}")))?;
    if !result.user_verified() {
        return Err(WebError::Denied(
            "the authenticator did not verify the officer (PIN or biometrics)".into(),
        )
        .into());
    }
    let session: [u8; 32] = random();
    let d = Arc::clone(&desk);
    blocking(move || {
        let now = d.now();
        let store = d.store();
        let officer = store.officer(officer)?;
        if officer.revoked_at.is_some() {
            return Err(WebError::Denied(format!(
                "officer {} is revoked",
                officer.handle
            )));
        }
        for (row, json) in store.passkeys(&officer)? {
            let Ok(mut key) = serde_json::from_str::<Passkey>(&json) else {
                continue;
            };
            if key.update_credential(&result) == Some(true) {
                let json =
                    serde_json::to_string(&key).map_err(|e| WebError::Internal(e.to_string()))?;
                store.update_passkey(row, &json, now)?;
            }
        }
        store.open_session(&officer, &session, now)?;
        store.audit(now, Some(officer.id), "login", "")?;
        Ok(())
    })
    .await?;
    Ok(logged_in(&desk, &session))
}

/// The passkeys of an officer, as webauthn-rs reads them.
async fn passkeys_of(desk: &AppState, officer: &Officer) -> Result<Vec<Passkey>, WebError> {
    let (d, o) = (Arc::clone(desk), officer.clone());
    Ok(blocking(move || Ok(d.store().passkeys(&o)?))
        .await?
        .into_iter()
        .filter_map(|(_, json)| serde_json::from_str(&json).ok())
        .collect())
}

/// `POST /stepup/options`: a fresh passkey check of the session's own officer (before an
/// approval).
async fn stepup_options(
    State(desk): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Options<webauthn_rs::prelude::RequestChallengeResponse>>, JsonError> {
    let officer = officer(&desk, &headers).await?;
    let session = session_id(&headers).ok_or(WebError::Login)?;
    let passkeys = passkeys_of(&desk, &officer).await?;
    let (options, state) = desk
        .webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|e| WebError::Internal(format!("WebAuthn: {e}")))?;
    let ceremony = desk.ceremonies.start(
        Ceremony::StepUp {
            session,
            officer: officer.id,
            state: Box::new(state),
        },
        desk.now(),
    )?;
    Ok(Json(Options { ceremony, options }))
}

/// `POST /stepup/finish`: the session's officer passed the check; the session remembers when.
async fn stepup_finish(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Json(finish): Json<Finish<PublicKeyCredential>>,
) -> Result<Json<Next>, JsonError> {
    let officer = officer(&desk, &headers).await?;
    let Ceremony::StepUp {
        session,
        officer: started_by,
        state,
    } = desk.ceremonies.take(&finish.ceremony, desk.now())?
    else {
        return Err(WebError::Denied("not a passkey check".into()).into());
    };
    if Some(&session) != session_id(&headers).as_ref() || started_by != officer.id {
        return Err(
            WebError::Denied("this passkey check belongs to another session".into()).into(),
        );
    }
    let result = desk
        .webauthn
        .finish_passkey_authentication(&finish.credential, &state)
        .map_err(|e| WebError::Denied(format!("the passkey was not accepted: {e}")))?;
    if !result.user_verified() {
        return Err(WebError::Denied(
            "the authenticator did not verify the officer (PIN or biometrics)".into(),
        )
        .into());
    }
    let d = Arc::clone(&desk);
    blocking(move || {
        let now = d.now();
        let store = d.store();
        store.step_up(&session, now)?;
        store.audit(now, Some(officer.id), "passkey_check", "before approving")?;
        Ok(())
    })
    .await?;
    Ok(Json(Next {
        next: String::new(),
    }))
}

async fn logout(State(desk): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    if let Some(id) = session_id(&headers) {
        let d = Arc::clone(&desk);
        blocking(move || {
            let store = d.store();
            if let Some(o) = store.session(&id, d.now())? {
                store.audit(d.now(), Some(o.id), "logout", "")?;
            }
            store.close_session(&id)?;
            Ok(())
        })
        .await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

// ----- health and assets -----

/// `GET /health`: whether the node is in sync, for monitoring (no case data).
#[derive(Serialize, Deserialize, Debug)]
pub struct HealthBody {
    /// The state.
    pub party: String,
    /// When the last sync succeeded.
    pub synced_at: Option<u64>,
    /// The size of the checkpoint held.
    pub size: u64,
    /// The size of the last final checkpoint.
    pub final_size: u64,
    /// Why the last sync failed, or the alarm it raised.
    pub error: Option<String>,
}

async fn health(State(desk): State<AppState>) -> Response {
    let view = desk.view();
    let body = HealthBody {
        party: desk.party.to_string(),
        synced_at: view.synced_at,
        size: view.report.as_ref().map_or(0, |r| r.size),
        final_size: view.report.as_ref().map_or(0, |r| r.finality.final_size),
        error: view.error,
    };
    let status = if body.error.is_none() && body.synced_at.is_some() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

const APP_CSS: &str = include_str!("../assets/app.css");
const WEBAUTHN_JS: &str = include_str!("../assets/webauthn.js");

async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "webauthn.js" => (WEBAUTHN_JS, "text/javascript; charset=utf-8"),
        _ => return WebError::NotFound(format!("no asset {file:?}")).into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_people_say_them() {
        assert_eq!(relative(1_000, 1_000), "now");
        assert_eq!(relative(1_090, 1_000), "in 1 min");
        assert_eq!(relative(1_000, 4_600), "1 h 0 min ago");
        assert_eq!(when(1_750_000_000), "2025-06-15 15:06 UTC");
    }
}
