//! The OpenAPI document is the contract: every endpoint of the live router, in its success and
//! error answers, answers a body that validates against the schema the document gives for
//! that path and status; and every path and status the document lists is exercised here.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use rex_domain::{
    Action, AgreementId, Answer, Digest, DossierRef, Envelope, MetadataDraft, Offence,
    RefusalGround, RequestId, RequestMetadata, Severity, Statement,
};
use rex_hub::Clock as _;
use rex_testkit::{key_file, key_of, party, terms, TestHub};
use rex_tlog::{Checkpoint, Cosigner, Hash, SignedNote};
use serde_json::{json, Value};
use tower::ServiceExt as _;

/// An answer with what a check needs.
struct Reply {
    status: StatusCode,
    content_type: String,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
}

/// Where a request comes from: no credential (admin calls need the operator's signature
/// from loopback too), but the answers must not depend on it.
#[derive(Clone, Copy)]
enum Peer {
    Unknown,
    Loopback,
    Remote,
}

async fn call(router: &Router, peer: Peer, req: Request<Body>) -> Reply {
    let router = match peer {
        Peer::Unknown => router.clone(),
        Peer::Loopback => router
            .clone()
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000)))),
        Peer::Remote => router
            .clone()
            .layer(MockConnectInfo(SocketAddr::from(([192, 0, 2, 7], 40000)))),
    };
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply {
        status,
        content_type,
        bytes,
    }
}

/// The document, and the (method, path, status) answers checked against it so far.
struct Contract {
    doc: Value,
    checked: BTreeSet<(String, String, u16)>,
}

impl Contract {
    /// A schema of the document, made a root that resolves `#/components/...` references.
    fn schema(&self, schema: &Value) -> jsonschema::Validator {
        let mut root = schema.clone();
        root["components"] = self.doc["components"].clone();
        jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("bad schema {schema}: {e}"))
    }

    fn validate(&self, what: &str, schema: &Value, instance: &Value) {
        let validator = self.schema(schema);
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: {instance}\ndoes not validate against {schema}:\n{}",
            errors.join("\n")
        );
    }

    /// Sends `req` (the `template` path of the document) and checks the answer against the
    /// document: its status is listed, its content type is the listed one, and a JSON body
    /// validates against the listed schema. A JSON request body is checked too.
    async fn check(
        &mut self,
        router: &Router,
        peer: Peer,
        template: &str,
        req: Request<Body>,
        expect: StatusCode,
    ) -> Reply {
        let method = req.method().as_str().to_lowercase();
        let op = self.doc["paths"][template][&method].clone();
        assert!(op.is_object(), "{method} {template} is not in the document");
        let (parts, body) = req.into_parts();
        let sent = body.collect().await.unwrap().to_bytes();
        if let Some(schema) = op["requestBody"]["content"]["application/json"]
            .get("schema")
            .filter(|_| expect.is_success())
        {
            let sent: Value = serde_json::from_slice(&sent).unwrap();
            self.validate(&format!("request of {method} {template}"), schema, &sent);
        }
        let reply = call(router, peer, Request::from_parts(parts, Body::from(sent))).await;
        assert_eq!(
            reply.status,
            expect,
            "{method} {template}: {}",
            String::from_utf8_lossy(&reply.bytes)
        );
        let status = reply.status.as_u16();
        let response = &op["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{method} {template} answered {status}, which the document does not list"
        );
        let content = response["content"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {template} {status}: no content documented"));
        let media = reply.content_type.split(';').next().unwrap().trim();
        let (_, documented) = content
            .iter()
            .find(|(k, _)| k.split(';').next().unwrap().trim() == media)
            .unwrap_or_else(|| {
                panic!(
                    "{method} {template} {status}: content type {:?}, documented {:?}",
                    reply.content_type,
                    content.keys().collect::<Vec<_>>()
                )
            });
        if media == "application/json" {
            let body: Value = serde_json::from_slice(&reply.bytes).unwrap();
            self.validate(
                &format!("{method} {template} {status}"),
                &documented["schema"],
                &body,
            );
        }
        self.checked.insert((method, template.to_owned(), status));
        reply
    }

    /// Every answer the document lists was checked.
    fn finish(&self) {
        let mut documented = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for status in op["responses"].as_object().unwrap().keys() {
                    documented.insert((method.clone(), path.clone(), status.parse().unwrap()));
                }
            }
        }
        let unchecked: Vec<_> = documented.difference(&self.checked).collect();
        assert!(
            unchecked.is_empty(),
            "documented, never checked: {unchecked:?}"
        );
        assert_eq!(documented, self.checked);
    }
}

/// A request signed by `key` under `name` (`operator` or a party code) for the hub of
/// `origin`, dated `time`, with a nonce of its own.
fn signed(
    origin: &str,
    name: &str,
    key: &ed25519_dalek::SigningKey,
    method: &str,
    path: &str,
    time: u64,
    body: Vec<u8>,
) -> Request<Body> {
    static NONCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NONCES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let mut nonce = [0u8; 16];
    nonce[..8].copy_from_slice(&n.to_le_bytes());
    let auth = rex_api::auth::authorization(key, name, origin, method, path, time, &nonce, &body);
    Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", auth)
        .body(Body::from(body))
        .unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn post(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

fn json_body(v: &Value) -> Body {
    Body::from(v.to_string())
}

fn age_file(bytes: &[u8]) -> Vec<u8> {
    let recipient = age::x25519::Identity::generate().to_public();
    age::encrypt(&recipient, bytes).unwrap()
}

fn metadata(
    requester: &str,
    custodian: &str,
    agreement: AgreementId,
    own: bool,
) -> RequestMetadata {
    RequestMetadata::new(MetadataDraft {
        requester: party(requester),
        custodian: party(custodian),
        agreement,
        offences: vec![Offence::IllegalAccess],
        max_penalty_months: 120,
        severity: Severity::Serious,
        subject_is_custodian_national: own,
        sentence_remaining_months: None,
    })
    .unwrap()
}

/// Every path and status of the document, through the live router.
#[tokio::test]
async fn every_answer_of_the_live_router_validates_against_the_openapi_document() {
    let mut t = TestHub::new(&["RU", "US"]).await;
    let doc = call(&t.router, Peer::Unknown, get("/openapi.json"))
        .await
        .json();
    let mut c = Contract {
        doc,
        checked: BTreeSet::new(),
    };
    let r = t.router.clone();
    let ok = StatusCode::OK;

    c.check(&r, Peer::Unknown, "/v1/hub", get("/v1/hub"), ok)
        .await;

    // Statements: accepted, and refused for each reason the document lists.
    let mut accepted = Vec::new();
    let submit = async |c: &mut Contract, t: &TestHub, actor: &str, action: Action| {
        let e = t.envelope(actor, action).await;
        c.check(
            &r,
            Peer::Unknown,
            "/v1/statements",
            post("/v1/statements", e.to_json()),
            ok,
        )
        .await;
        e
    };
    let e = submit(
        &mut c,
        &t,
        "US",
        Action::AgreementProposed {
            terms: terms(&["RU", "US"]),
        },
    )
    .await;
    let agreement = AgreementId::from_digest(&e.payload_digest());
    accepted.push(e);
    submit(&mut c, &t, "RU", Action::AgreementSigned { agreement }).await;

    let statements = |body: Body| post("/v1/statements", body);
    let replay = accepted[0].to_json();
    c.check(
        &r,
        Peer::Unknown,
        "/v1/statements",
        statements(replay.into()),
        StatusCode::CONFLICT,
    )
    .await;
    let forged = Envelope::sign_statement(
        &Statement::new(
            party("US"),
            2,
            t.now(),
            Action::AgreementSigned { agreement },
        ),
        &key_of("RU"),
    );
    c.check(
        &r,
        Peer::Unknown,
        "/v1/statements",
        statements(forged.to_json().into()),
        StatusCode::FORBIDDEN,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/statements",
        statements("not json".into()),
        StatusCode::BAD_REQUEST,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/statements",
        statements(json_body(&json!({"payload": 1}))),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let huge = json!({"payload": "A".repeat(rex_hub::MAX_STATEMENT_BYTES)});
    c.check(
        &r,
        Peer::Unknown,
        "/v1/statements",
        statements(json_body(&huge)),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;

    // Dossiers, and requests that name them: one pooled, one for prosecution only, one refused.
    // Uploads and downloads are signed by a registered state.
    let by = |name: &str, method: &str, path: &str, body: Vec<u8>| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(
                "authorization",
                t.authorization(&key_of(name), name, method, path, t.now(), &body),
            )
            .body(Body::from(body))
            .unwrap()
    };
    let dossier = age_file(b"the dossier");
    let stored = c
        .check(
            &r,
            Peer::Unknown,
            "/v1/dossiers",
            by("US", "POST", "/v1/dossiers", dossier.clone()),
            StatusCode::CREATED,
        )
        .await
        .json();
    let sha256 = stored["sha256"].as_str().unwrap().to_owned();
    c.check(
        &r,
        Peer::Unknown,
        "/v1/dossiers",
        by("US", "POST", "/v1/dossiers", b"plain text".to_vec()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/dossiers",
        by(
            "US",
            "POST",
            "/v1/dossiers",
            vec![b'a'; rex_hub::MAX_DOSSIER_BYTES + 1],
        ),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    c.check(
        &r,
        Peer::Loopback,
        "/v1/dossiers",
        post("/v1/dossiers", dossier.clone()),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let operator = t.operator_key();
    let body = age_file(b"the operator's");
    c.check(
        &r,
        Peer::Unknown,
        "/v1/dossiers",
        Request::post("/v1/dossiers")
            .header(
                "authorization",
                t.authorization(
                    &operator,
                    "operator",
                    "POST",
                    "/v1/dossiers",
                    t.now(),
                    &body,
                ),
            )
            .body(Body::from(body))
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    let path = format!("/v1/dossiers/{sha256}");
    let fetched = c
        .check(
            &r,
            Peer::Unknown,
            "/v1/dossiers/{sha256}",
            by("US", "GET", &path, Vec::new()),
            ok,
        )
        .await;
    assert_eq!(fetched.bytes, dossier);
    c.check(
        &r,
        Peer::Unknown,
        "/v1/dossiers/{sha256}",
        by("RU", "GET", &path, Vec::new()),
        StatusCode::FORBIDDEN,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/dossiers/{sha256}",
        get(&path),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let missing = format!("/v1/dossiers/{}", "0".repeat(64));
    c.check(
        &r,
        Peer::Unknown,
        "/v1/dossiers/{sha256}",
        by("US", "GET", &missing, Vec::new()),
        StatusCode::NOT_FOUND,
    )
    .await;

    let dossier_ref = DossierRef {
        sha256: Digest::parse(&sha256).unwrap(),
        size: dossier.len() as u64,
    };
    let mut requests = Vec::new();
    for (requester, custodian, own) in
        [("US", "RU", true), ("RU", "US", false), ("RU", "US", false)]
    {
        let e = submit(
            &mut c,
            &t,
            requester,
            Action::RequestFiled {
                metadata: metadata(requester, custodian, agreement, own),
                dossier: dossier_ref,
            },
        )
        .await;
        requests.push(RequestId::from_digest(&e.payload_digest()));
    }
    for (who, request, answer) in [
        ("RU", requests[0], Answer::ProsecutionAtHome),
        ("US", requests[1], Answer::Surrender),
        (
            "US",
            requests[2],
            Answer::Refused {
                ground: RefusalGround::InsufficientEvidence,
            },
        ),
    ] {
        submit(&mut c, &t, who, Action::RequestAnswered { request, answer }).await;
    }

    // A matching round proposes an exchange; both sign it, one leg moves. Admin calls are
    // signed by the operator; unsigned ones are refused from loopback too, and a state's
    // signature is not the operator's.
    let operator = t.operator_key();
    // Owned, so that the closures outlive `t.stop()` below.
    let (origin, clock) = (t.origin().to_owned(), t.clock.clone());
    let signed_as = |name: &str, key: &ed25519_dalek::SigningKey, path: &str, body: Vec<u8>| {
        signed(&origin, name, key, "POST", path, clock.now(), body)
    };
    let admin = |path: &str, body: Vec<u8>| signed_as("operator", &operator, path, body);
    c.check(
        &r,
        Peer::Loopback,
        "/v1/admin/match",
        admin("/v1/admin/match", Vec::new()),
        ok,
    )
    .await;
    c.check(
        &r,
        Peer::Loopback,
        "/v1/admin/match",
        Request::post("/v1/admin/match")
            .body(Body::empty())
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    c.check(
        &r,
        Peer::Remote,
        "/v1/admin/match",
        signed_as("US", &key_of("US"), "/v1/admin/match", Vec::new()),
        StatusCode::FORBIDDEN,
    )
    .await;
    let x = t
        .state()
        .registry()
        .await
        .exchanges()
        .next()
        .unwrap()
        .clone();
    for who in ["RU", "US"] {
        submit(
            &mut c,
            &t,
            who,
            Action::ExchangeSigned {
                exchange: x.proposal.id,
                proposal_sha256: x.digest,
            },
        )
        .await;
    }
    submit(
        &mut c,
        &t,
        "US",
        Action::LegReady {
            exchange: x.proposal.id,
            request: requests[1],
        },
    )
    .await;

    // The registry, typed: every kind of record is in it now.
    let snapshot = c
        .check(&r, Peer::Unknown, "/v1/registry", get("/v1/registry"), ok)
        .await;
    // The check has teeth: a field the schema does not know is refused.
    let schema = json!({"$ref": "#/components/schemas/RegistrySnapshot"});
    let mut altered = snapshot.json();
    altered["agreements"][0]["terms"]["extra"] = json!(1);
    assert!(!c.schema(&schema).is_valid(&altered));
    assert!(c.schema(&schema).is_valid(&snapshot.json()));
    let typed: rex_api::RegistrySnapshot = serde_json::from_slice(&snapshot.bytes).unwrap();
    assert_eq!(
        typed,
        rex_api::RegistrySnapshot::of(&t.state().registry().await)
    );
    assert_eq!(typed.exchanges.len(), 1);

    c.check(
        &r,
        Peer::Unknown,
        "/v1/next-seq/{actor}",
        get("/v1/next-seq/US"),
        ok,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/next-seq/{actor}",
        get("/v1/next-seq/FR"),
        StatusCode::NOT_FOUND,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/next-seq/{actor}",
        get("/v1/next-seq/usa"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // Registering a state on the running hub.
    let de = key_file("DE").to_json();
    let parties = |body: Vec<u8>| admin("/v1/admin/parties", body);
    c.check(
        &r,
        Peer::Remote,
        "/v1/admin/parties",
        parties(de.clone().into()),
        ok,
    )
    .await;
    c.check(
        &r,
        Peer::Loopback,
        "/v1/admin/parties",
        parties(de.clone().into()),
        StatusCode::CONFLICT,
    )
    .await;
    c.check(
        &r,
        Peer::Remote,
        "/v1/admin/parties",
        signed_as("RU", &key_of("RU"), "/v1/admin/parties", de.clone().into()),
        StatusCode::FORBIDDEN,
    )
    .await;
    c.check(
        &r,
        Peer::Loopback,
        "/v1/admin/parties",
        Request::post("/v1/admin/parties")
            .body(Body::from(de.clone()))
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    c.check(
        &r,
        Peer::Loopback,
        "/v1/admin/parties",
        parties(vec![0xff, 0xfe]),
        StatusCode::BAD_REQUEST,
    )
    .await;
    c.check(
        &r,
        Peer::Loopback,
        "/v1/admin/parties",
        parties("{}".into()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // Cosignatures.
    let note = t.state().published_note();
    let checkpoint = Checkpoint::open(&SignedNote::parse(&note).unwrap(), &t.verifier()).unwrap();
    let cosigned_at = |key: &str, checkpoint: &Checkpoint, note: &str, time: u64| {
        let cosigner = Cosigner::new("US", key_of(key)).unwrap();
        let mut signed = SignedNote::parse(note).unwrap();
        signed
            .add_signature(
                cosigner
                    .cosign(checkpoint, time)
                    .unwrap()
                    .to_note_signature(),
            )
            .unwrap();
        json!({"party": "US", "note": signed.to_string()})
    };
    let cosigned = |key: &str, checkpoint: &Checkpoint, note: &str| {
        cosigned_at(key, checkpoint, note, t.now())
    };
    let cosign = |v: &Value| post("/v1/cosignatures", json_body(v));
    c.check(
        &r,
        Peer::Unknown,
        "/v1/cosignatures",
        cosign(&cosigned("US", &checkpoint, &note)),
        ok,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/cosignatures",
        cosign(&cosigned("RU", &checkpoint, &note)),
        StatusCode::FORBIDDEN,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/cosignatures",
        post("/v1/cosignatures", "[]"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/cosignatures",
        cosign(&json!({"party": "US", "note": "no note"})),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // A cosignature dated ahead of the hub's clock by more than the allowed skew.
    let ahead = c
        .check(
            &r,
            Peer::Unknown,
            "/v1/cosignatures",
            cosign(&cosigned_at("US", &checkpoint, &note, t.now() + 301)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(ahead.json()["message"]
        .as_str()
        .unwrap()
        .contains("ahead of the hub clock"));
    // The newest checkpoint each state cosigned, with its line.
    let listed = c
        .check(&r, Peer::Unknown, "/v1/cosigned", get("/v1/cosigned"), ok)
        .await;
    let listed: rex_api::CosignedList = serde_json::from_slice(&listed.bytes).unwrap();
    assert_eq!(listed.cosigned.len(), 1);
    assert_eq!(listed.cosigned[0].party, "US");
    let listed_note = SignedNote::parse(&listed.cosigned[0].note).unwrap();
    assert_eq!(
        Checkpoint::open(&listed_note, &t.verifier())
            .unwrap()
            .size(),
        checkpoint.size()
    );
    assert_eq!(listed_note.signatures().len(), 2, "the hub's and the US's");
    // A checkpoint the hub's key signed but the hub never published.
    let other = Checkpoint::new(checkpoint.origin(), checkpoint.size(), Hash([7; 32]))
        .unwrap()
        .sign(&t.state().keys().checkpoint)
        .unwrap();
    let other_checkpoint = Checkpoint::open(&other, &t.verifier()).unwrap();
    c.check(
        &r,
        Peer::Unknown,
        "/v1/cosignatures",
        cosign(&cosigned("US", &other_checkpoint, &other.to_string())),
        StatusCode::NOT_FOUND,
    )
    .await;

    // Evidence of a split view: two checkpoints signed by the hub's key that conflict.
    let evidence = |v: &Value| post("/v1/evidence", json_body(v));
    let forked = Checkpoint::new(checkpoint.origin(), checkpoint.size(), Hash([9; 32]))
        .unwrap()
        .sign(&t.state().keys().checkpoint)
        .unwrap()
        .to_string();
    let taken = c
        .check(
            &r,
            Peer::Unknown,
            "/v1/evidence",
            evidence(&json!({"a": note, "b": forked})),
            ok,
        )
        .await;
    assert_eq!(taken.bytes, br#"{"new":true}"#);
    // The same pair again, the other way round, with a cosignature line: held already.
    let again = c
        .check(
            &r,
            Peer::Unknown,
            "/v1/evidence",
            evidence(&json!({"a": forked, "b": cosigned("US", &checkpoint, &note)["note"]})),
            ok,
        )
        .await;
    assert_eq!(again.bytes, br#"{"new":false}"#);
    // Two checkpoints that agree, and a note the hub's key did not sign: no evidence.
    for (a, b) in [
        (note.clone(), note.clone()),
        (note.clone(), {
            let stranger =
                rex_tlog::NoteSigner::new(checkpoint.origin(), key_of("stranger")).unwrap();
            Checkpoint::new(checkpoint.origin(), checkpoint.size(), Hash([8; 32]))
                .unwrap()
                .sign(&stranger)
                .unwrap()
                .to_string()
        }),
    ] {
        c.check(
            &r,
            Peer::Unknown,
            "/v1/evidence",
            evidence(&json!({"a": a, "b": b})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    c.check(
        &r,
        Peer::Unknown,
        "/v1/evidence",
        post("/v1/evidence", "[]"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/evidence",
        evidence(&json!({"a": "A".repeat(rex_hub::MAX_EVIDENCE_BYTES), "b": note})),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    let listed = c
        .check(&r, Peer::Unknown, "/v1/evidence", get("/v1/evidence"), ok)
        .await;
    let listed: rex_api::EvidenceList = serde_json::from_slice(&listed.bytes).unwrap();
    assert_eq!(listed.evidence.len(), 1);
    let pair = &listed.evidence[0];
    assert!([&pair.a, &pair.b]
        .iter()
        .any(|n| n.contains(&Hash([9; 32]).to_string())));

    // The log.
    let size = t.tree_size();
    c.check(&r, Peer::Unknown, "/checkpoint", get("/checkpoint"), ok)
        .await;
    c.check(
        &r,
        Peer::Unknown,
        "/tile/{path}",
        get(&format!("/tile/0/000.p/{size}")),
        ok,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        "/tile/{path}",
        get("/tile/0/999"),
        StatusCode::NOT_FOUND,
    )
    .await;
    let inclusion = "/v1/log/inclusion";
    c.check(
        &r,
        Peer::Unknown,
        inclusion,
        get(&format!("{inclusion}?index=1&size={size}")),
        ok,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        inclusion,
        get(&format!("{inclusion}?index=1&size={}", size + 1)),
        StatusCode::NOT_FOUND,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        inclusion,
        get(&format!("{inclusion}?index=x")),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let consistency = "/v1/log/consistency";
    c.check(
        &r,
        Peer::Unknown,
        consistency,
        get(&format!("{consistency}?old=2&new={size}")),
        ok,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        consistency,
        get(&format!("{consistency}?old=2&new={}", size + 1)),
        StatusCode::NOT_FOUND,
    )
    .await;
    c.check(
        &r,
        Peer::Unknown,
        consistency,
        get(&format!("{consistency}?old=2")),
        StatusCode::BAD_REQUEST,
    )
    .await;

    // A stopped hub: the router still answers, the sequencer does not.
    let next = t
        .envelope("US", Action::AgreementSigned { agreement })
        .await;
    t.stop().await;
    c.check(
        &r,
        Peer::Unknown,
        "/v1/statements",
        statements(next.to_json().into()),
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
    c.check(
        &r,
        Peer::Loopback,
        "/v1/admin/match",
        admin("/v1/admin/match", Vec::new()),
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
    let fr = key_file("FR").to_json();
    c.check(
        &r,
        Peer::Loopback,
        "/v1/admin/parties",
        parties(fr.into()),
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;

    c.finish();
}

/// No body is described as a bare object: every request and response body has a schema.
#[tokio::test]
async fn every_body_has_a_real_schema() {
    let doc = serde_json::to_value(<rex_hub::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
    let mut bodies = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut contents = vec![(
                format!("{method} {path} request"),
                &op["requestBody"]["content"],
            )];
            for (status, response) in op["responses"].as_object().unwrap() {
                contents.push((format!("{method} {path} {status}"), &response["content"]));
            }
            for (what, content) in contents {
                for (media, body) in content.as_object().into_iter().flatten() {
                    bodies.push((format!("{what} {media}"), body["schema"].clone()));
                }
            }
        }
    }
    assert!(bodies.len() > 30, "{}", bodies.len());
    for (what, schema) in bodies {
        let bare = schema.get("$ref").is_none()
            && schema.get("type").is_none_or(|t| t == "object")
            && schema.get("properties").is_none();
        assert!(!bare, "{what} has no real schema: {schema}");
    }
}
