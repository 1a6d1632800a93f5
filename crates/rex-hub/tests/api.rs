//! The hub through its real router: receipts that verify, refusals that change nothing,
//! ciphertext-only storage, restarts, group commit, the hub's own statements.

use std::time::Duration;

use axum::http::StatusCode;
use rex_domain::{
    Action, AgreementId, Answer, Digest, DossierRef, Envelope, ExchangeStatus, RequestId, Statement,
};
use rex_testkit::{key_file, key_of, metadata, party, terms, TestHub, DAY};
use rex_tlog::{Checkpoint, Cosigner, SignedNote};

async fn file(t: &TestHub, requester: &str, custodian: &str, agreement: AgreementId) -> RequestId {
    let (e, _) = t
        .act(
            requester,
            Action::RequestFiled {
                metadata: metadata(requester, custodian, agreement),
                dossier: DossierRef {
                    sha256: Digest::of(requester.as_bytes()),
                    size: 1000,
                },
            },
        )
        .await;
    RequestId::from_digest(&e.payload_digest())
}

#[tokio::test]
async fn statements_get_receipts_that_verify() {
    let t = TestHub::new(&["RU", "US"]).await;
    let info = t.get("/v1/hub").await;
    assert_eq!(info.status, StatusCode::OK);
    let origin = info.json["origin"].as_str().unwrap().to_owned();
    assert!(origin.starts_with("rex-hub/"), "{origin}");
    assert_eq!(
        info.json["note_vkey"].as_str().unwrap(),
        t.verifier().to_string()
    );

    // Two registrations (one offline commit each), then the agreement's two statements.
    assert_eq!(t.tree_size(), 2);
    let (e1, r1) = t
        .act(
            "US",
            Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            },
        )
        .await;
    assert_eq!((r1.index, r1.tree_size), (2, 3));
    let agreement = AgreementId::from_digest(&e1.payload_digest());
    let (_, r2) = t.act("RU", Action::AgreementSigned { agreement }).await;
    assert_eq!((r2.index, r2.tree_size), (3, 4));
    assert_eq!(t.get("/v1/next-seq/US").await.json["next_seq"], 2);
    assert_eq!(t.get("/v1/next-seq/hub").await.json["next_seq"], 3);
    assert_eq!(t.get("/v1/next-seq/FR").await.status, StatusCode::NOT_FOUND);

    // The registry snapshot shows the agreement in force.
    let reg = t.get("/v1/registry").await.json;
    assert_eq!(reg["agreements"][0]["id"], agreement.to_string());
    assert!(reg["agreements"][0]["in_force_since"].is_u64());
    assert_eq!(reg["parties"].as_array().unwrap().len(), 2);

    // Proofs on demand agree with the receipts, and the old checkpoint is consistent with the new.
    let p = t.get("/v1/log/inclusion?index=2&size=4").await;
    assert_eq!(p.status, StatusCode::OK);
    let old = Checkpoint::open(&SignedNote::parse(&r1.checkpoint).unwrap(), &t.verifier()).unwrap();
    let new = Checkpoint::open(&SignedNote::parse(&r2.checkpoint).unwrap(), &t.verifier()).unwrap();
    let c = t.get("/v1/log/consistency?old=3&new=4").await.json;
    let proof: Vec<rex_tlog::Hash> = c["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().parse().unwrap())
        .collect();
    rex_tlog::verify_consistency(3, 4, old.root(), new.root(), &proof).unwrap();
    assert_eq!(
        t.get("/v1/log/inclusion?index=9&size=40").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn refusals_answer_their_code_and_append_nothing() {
    let t = TestHub::new(&["RU", "US"]).await;
    let agreement = t.agreement_in_force("US", "RU").await;
    // A replay is an accepted envelope sent again as is: this proposal.
    let (proposal, _) = t
        .act(
            "US",
            Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            },
        )
        .await;

    let us_statement = |seq: u64, now: u64| {
        Statement::new(party("US"), seq, now, Action::AgreementSigned { agreement })
    };
    let now = t.now();
    let wrong_key = Envelope::sign_statement(&us_statement(3, now), &key_of("RU"));
    let mut bad_signature = Envelope::sign_statement(&us_statement(3, now), &key_of("US"));
    bad_signature.signatures[0].sig[0] ^= 1;
    let unknown_state = Envelope::sign_statement(
        &Statement::new(party("FR"), 1, now, Action::AgreementSigned { agreement }),
        &key_of("FR"),
    );
    let not_allowed = Envelope::sign_statement(
        &Statement::new(
            party("US"),
            3,
            now,
            Action::Go {
                exchange: rex_domain::ExchangeId::from_digest(&Digest::of(b"x")),
            },
        ),
        &key_of("US"),
    );
    let seq_gap = Envelope::sign_statement(&us_statement(9, now), &key_of("US"));
    // A binding act naming two officers the US never certified.
    let (drafter, approver) = (
        rex_domain::OfficerId::new("us-case").unwrap(),
        rex_domain::OfficerId::new("us-approver").unwrap(),
    );
    let answered = Statement::new(
        party("US"),
        3,
        now,
        Action::RequestAnswered {
            request: rex_domain::RequestId::from_digest(&Digest::of(b"r")),
            answer: rex_domain::Answer::Surrender,
        },
    )
    .with_officers(drafter.clone(), approver.clone());
    let mut four_eyes = Envelope::sign_statement(&answered, &key_of("US"));
    for (signing, officer) in [
        (rex_domain::Signing::Drafter, &drafter),
        (rex_domain::Signing::Approver, &approver),
    ] {
        four_eyes.add_officer_signature(signing, party("US"), officer, &key_of(officer.as_str()));
    }

    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "malformed JSON",
            b"{\"payload\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_json",
        ),
        (
            "not an envelope",
            b"{\"hello\": 1}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_envelope",
        ),
        (
            "unknown state",
            unknown_state.to_json(),
            StatusCode::FORBIDDEN,
            "unknown_party",
        ),
        (
            "wrong key",
            wrong_key.to_json(),
            StatusCode::FORBIDDEN,
            "wrong_key",
        ),
        (
            "bad signature",
            bad_signature.to_json(),
            StatusCode::FORBIDDEN,
            "bad_signature",
        ),
        (
            "replayed statement",
            proposal.to_json(),
            StatusCode::CONFLICT,
            "replay",
        ),
        (
            "seq gap",
            seq_gap.to_json(),
            StatusCode::CONFLICT,
            "seq_gap",
        ),
        (
            "transition not allowed",
            not_allowed.to_json(),
            StatusCode::CONFLICT,
            "not_allowed",
        ),
        (
            "officers not certified",
            four_eyes.to_json(),
            StatusCode::FORBIDDEN,
            "four_eyes",
        ),
        (
            "oversized body",
            vec![b' '; rex_hub::MAX_STATEMENT_BYTES + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
    ];
    let size = t.tree_size();
    let checkpoint = t.get("/checkpoint").await.bytes;
    for (name, body, status, code) in cases {
        let answer = t.post("/v1/statements", body).await;
        assert_eq!(answer.status, status, "{name}: {}", answer.json);
        assert_eq!(answer.json["code"], code, "{name}: {}", answer.json);
        assert!(
            answer.json["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{name}"
        );
        assert_eq!(t.tree_size(), size, "{name}: nothing appended");
    }
    assert_eq!(
        t.get("/checkpoint").await.bytes,
        checkpoint,
        "no new checkpoint"
    );
    assert_eq!(t.get("/v1/nowhere").await.json["code"], "not_found");
}

#[tokio::test]
async fn the_hub_stores_no_plaintext_dossier() {
    let t = TestHub::new(&["US"]).await;
    let marker = b"MARKER-subject-identity-Ivan-Petrov-1984";
    let identity = age::x25519::Identity::generate();
    let ciphertext = age::encrypt(&identity.to_public(), marker).unwrap();

    let us = key_of("US");
    let stored = t
        .signed("US", &us, "POST", "/v1/dossiers", ciphertext.clone())
        .await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.json);
    let sha = stored.json["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha, Digest::of(&ciphertext).to_string());
    assert_eq!(stored.json["size"], ciphertext.len());
    let back = t
        .signed("US", &us, "GET", &format!("/v1/dossiers/{sha}"), Vec::new())
        .await;
    assert_eq!(back.bytes, ciphertext);
    assert_eq!(age::decrypt(&identity, &back.bytes).unwrap(), marker);

    // Plaintext is refused outright.
    let plain = t
        .signed("US", &us, "POST", "/v1/dossiers", marker.to_vec())
        .await;
    assert_eq!(plain.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = format!("/v1/dossiers/{}", "0".repeat(64));
    assert_eq!(
        t.signed("US", &us, "GET", &missing, Vec::new())
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Nothing in the data directory (database, WAL, keys) holds the marker.
    let mut scanned = 0;
    for entry in std::fs::read_dir(t.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            scanned += bytes.len();
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker),
                "{} holds the plaintext",
                path.display()
            );
            assert!(!bytes.windows(20).any(|w| w == &marker[..20]));
        }
    }
    assert!(
        scanned > ciphertext.len(),
        "the ciphertext was written somewhere"
    );
}

#[tokio::test]
async fn a_restart_rebuilds_the_same_registry_and_tree() {
    let mut t = TestHub::new(&["RU", "US"]).await;
    let agreement = t.agreement_in_force("US", "RU").await;
    file(&t, "US", "RU", agreement).await;
    let registry = t.get("/v1/registry").await.json;
    let checkpoint = t.get("/checkpoint").await.bytes;
    let size = t.tree_size();

    // A second process cannot take the directory while the hub holds it.
    let busy = rex_hub::register_party(t.path(), key_file("CN"), &*t.clock);
    assert!(matches!(busy, Err(rex_hub::HubError::Busy(_))), "{busy:?}");

    t.stop().await;
    t.start().await;
    assert_eq!(t.tree_size(), size);
    assert_eq!(t.get("/v1/registry").await.json, registry);
    assert_eq!(t.get("/checkpoint").await.bytes, checkpoint);
    // And it goes on: the next statement lands at the next index.
    let (_, r) = t
        .act(
            "RU",
            Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            },
        )
        .await;
    assert_eq!(r.index, size);
}

/// Forty states post at once. The sequencer closes a batch when it holds `BATCH` jobs, and
/// its window is far longer than the test, so the batches are exactly the arrival order cut
/// in tens whatever the machine's speed: four durable commits, one checkpoint each, and each
/// receipt names the checkpoint of its own batch. (The window only bounds how long a hub that
/// lost a job would make this test wait before it fails.)
#[tokio::test]
async fn group_commit_batches_concurrent_statements() {
    const STATES: u64 = 40;
    const BATCH: u64 = 10;
    let codes: Vec<String> = (0..STATES as u8)
        .map(|i| format!("{}{}", (b'A' + i / 26) as char, (b'A' + i % 26) as char))
        .collect();
    let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
    let group_commit = rex_hub::GroupCommit {
        window: Duration::from_secs(120),
        max_batch: BATCH as usize,
        // No idle tick while the test runs: nothing is due, and no empty commit interleaves.
        tick: Duration::from_secs(3600),
        ..rex_hub::GroupCommit::default()
    };
    let t = TestHub::with_group_commit(&refs, group_commit).await;
    let size = t.tree_size();
    let mut envelopes = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let other = &codes[(i + 1) % codes.len()];
        envelopes.push(
            t.envelope(
                code,
                Action::AgreementProposed {
                    terms: terms(&[code.as_str(), other.as_str()]),
                },
            )
            .await,
        );
    }
    let posts: Vec<_> = envelopes
        .iter()
        .map(|e| {
            let router = t.router.clone();
            let body = e.to_json();
            tokio::spawn(async move {
                use http_body_util::BodyExt as _;
                use tower::ServiceExt as _;
                let res = router
                    .oneshot(
                        axum::http::Request::post("/v1/statements")
                            .body(axum::body::Body::from(body))
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                let status = res.status();
                let bytes = res.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(
                    status,
                    StatusCode::OK,
                    "{}",
                    String::from_utf8_lossy(&bytes)
                );
                serde_json::from_slice::<rex_hub::Receipt>(&bytes).unwrap()
            })
        })
        .collect();
    let mut receipts = Vec::new();
    for p in posts {
        receipts.push(p.await.unwrap());
    }
    for (e, r) in envelopes.iter().zip(&receipts) {
        t.check_receipt(e, r);
    }
    let mut indexes: Vec<u64> = receipts.iter().map(|r| r.index).collect();
    indexes.sort();
    assert_eq!(indexes, (size..size + STATES).collect::<Vec<_>>());
    // The entry at `size + k` is in batch `k / BATCH`, whose checkpoint is the tree up to the
    // end of that batch.
    for r in &receipts {
        let batch = (r.index - size) / BATCH;
        assert_eq!(
            r.tree_size,
            size + (batch + 1) * BATCH,
            "entry {} is not under its batch's checkpoint",
            r.index
        );
    }
    assert_eq!(t.tree_size(), size + STATES);
}

#[tokio::test]
async fn matching_lapse_and_cosignatures() {
    let t = TestHub::new(&["RU", "US"]).await;
    let agreement = t.agreement_in_force("US", "RU").await;
    let r1 = file(&t, "US", "RU", agreement).await;
    let r2 = file(&t, "RU", "US", agreement).await;
    t.act(
        "RU",
        Action::RequestAnswered {
            request: r1,
            answer: Answer::Surrender,
        },
    )
    .await;
    t.act(
        "US",
        Action::RequestAnswered {
            request: r2,
            answer: Answer::Surrender,
        },
    )
    .await;

    // The admin endpoint only answers the operator.
    let unsigned = t.post("/v1/admin/match", Vec::new()).await;
    assert_eq!(
        (unsigned.status, unsigned.json["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let matched = t.operator("/v1/admin/match", "").await;
    assert_eq!(matched.status, StatusCode::OK, "{}", matched.json);
    let registry = t.state().registry().await;
    let exchange = registry
        .exchanges()
        .next()
        .expect("one exchange proposed")
        .clone();
    assert_eq!(exchange.status, ExchangeStatus::Proposed);

    // Past the deadline the idle hub lapses it by itself, in the log.
    let size = t.tree_size();
    t.clock.advance(8 * DAY);
    t.wait_for_registry("the hub to lapse the exchange", |r| {
        (r.exchange(&exchange.proposal.id)?.status == ExchangeStatus::Lapsed).then_some(())
    })
    .await;
    assert_eq!(t.tree_size(), size + 1);

    // US cosigns the latest checkpoint with its statement key, named "US".
    let note = t.state().published_note();
    let checkpoint = Checkpoint::open(&SignedNote::parse(&note).unwrap(), &t.verifier()).unwrap();
    let cosigner = Cosigner::new("US", key_of("US")).unwrap();
    let cosignature = cosigner.cosign(&checkpoint, t.now()).unwrap();
    let mut signed = SignedNote::parse(&note).unwrap();
    signed
        .add_signature(cosignature.to_note_signature())
        .unwrap();
    let body = serde_json::json!({"party": "US", "note": signed.to_string()});
    let answer = t.post("/v1/cosignatures", body.to_string()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    let served = String::from_utf8(t.get("/checkpoint").await.bytes).unwrap();
    let served = SignedNote::parse(&served).unwrap();
    let verified = served
        .verified_signatures(&[t.verifier(), cosigner.verifier().clone()])
        .unwrap();
    assert_eq!(
        verified.len(),
        2,
        "the hub's signature and the US cosignature"
    );

    // RU cannot cosign as US.
    let forged = Cosigner::new("US", key_of("RU")).unwrap();
    let mut bad = SignedNote::parse(&note).unwrap();
    bad.add_signature(forged.cosign(&checkpoint, 1).unwrap().to_note_signature())
        .unwrap();
    let body = serde_json::json!({"party": "US", "note": bad.to_string()});
    let answer = t.post("/v1/cosignatures", body.to_string()).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.json);

    // The OpenAPI document lists the routes.
    let doc = t.get("/openapi.json").await.json;
    for path in [
        "/v1/statements",
        "/v1/cosignatures",
        "/checkpoint",
        "/v1/log/inclusion",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from openapi.json"
        );
    }
}

#[tokio::test]
async fn the_hub_records_breaches_at_the_execution_deadline() {
    let t = TestHub::new(&["RU", "US"]).await;
    let agreement = t.agreement_in_force("US", "RU").await;
    let r1 = file(&t, "US", "RU", agreement).await;
    let r2 = file(&t, "RU", "US", agreement).await;
    for (who, request) in [("RU", r1), ("US", r2)] {
        t.act(
            who,
            Action::RequestAnswered {
                request,
                answer: Answer::Surrender,
            },
        )
        .await;
    }
    let matched = t.operator("/v1/admin/match", "").await;
    assert_eq!(matched.status, StatusCode::OK, "{}", matched.json);
    let x = t
        .state()
        .registry()
        .await
        .exchanges()
        .next()
        .unwrap()
        .clone();
    for who in ["RU", "US"] {
        t.act(
            who,
            Action::ExchangeSigned {
                exchange: x.proposal.id,
                proposal_sha256: x.digest,
            },
        )
        .await;
    }
    // RU's subject is ready; the US never verifies it, nor readies its own.
    t.act(
        "RU",
        Action::LegReady {
            exchange: x.proposal.id,
            request: r1,
        },
    )
    .await;

    let size = t.tree_size();
    t.clock.advance(61 * DAY);
    let breaches = t
        .wait_for_registry("the hub to record two breaches", |r| {
            let breaches = &r.exchange(&x.proposal.id)?.breaches;
            (breaches.len() == 2).then(|| breaches.clone())
        })
        .await;
    // r1 is ready: its receiver (US) owes the verification; r2 is pending: its giver (US)
    // owes readiness. Two hub statements, in the log.
    assert_eq!(
        breaches,
        [(r1, party("US")), (r2, party("US"))].into_iter().collect()
    );
    assert_eq!(t.tree_size(), size + 2);
    let snapshot = t.get("/v1/registry").await;
    let served = &snapshot.json["exchanges"][0]["breaches"];
    assert_eq!(served[r1.to_string()], "US", "{served}");
    assert_eq!(served[r2.to_string()], "US", "{served}");

    // Nothing more is due: the hub does not record them twice. Every batch checks what has
    // come due, as the idle tick does, so the next batch (a registration) holds that
    // statement alone: a check that does not depend on how many ticks a slow machine ran.
    let registered = t
        .operator("/v1/admin/parties", key_file("DE").to_json())
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.json);
    let receipt: rex_hub::Receipt = serde_json::from_value(registered.json).unwrap();
    assert_eq!((receipt.index, receipt.tree_size), (size + 2, size + 3));
    assert_eq!(t.tree_size(), size + 3);
    let registry = t.state().registry().await;
    assert_eq!(
        registry.exchange(&x.proposal.id).unwrap().breaches,
        breaches
    );
}

#[tokio::test]
async fn the_operator_registers_a_state_on_the_running_hub() {
    let t = TestHub::new(&["RU", "US"]).await;
    let file = key_file("DE").to_json();
    let size = t.tree_size();

    // Only the operator, wherever it calls from.
    let unsigned = t
        .post_unsigned_from_loopback("/v1/admin/parties", file.clone())
        .await;
    assert_eq!(
        (unsigned.status, unsigned.json["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let answer = t.operator("/v1/admin/parties", file.clone()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    let receipt: rex_hub::Receipt = serde_json::from_value(answer.json).unwrap();
    assert_eq!((receipt.index, receipt.tree_size), (size, size + 1));
    let registry = t.state().registry().await;
    assert!(registry.party(&party("DE")).is_some());

    // Once: a second registration is refused and appends nothing.
    let again = t.operator("/v1/admin/parties", file).await;
    assert!(again.status.is_client_error(), "{}", again.json);
    let garbage = t.operator("/v1/admin/parties", "{}").await;
    assert!(garbage.status.is_client_error(), "{}", garbage.json);
    assert_eq!(t.tree_size(), size + 1);

    // DE acts at once.
    t.act(
        "DE",
        Action::AgreementProposed {
            terms: terms(&["DE", "RU"]),
        },
    )
    .await;
}
