//! Dossiers (and messages' ciphertexts, uploaded the same way) are uploaded by registered
//! states only, bounded by a per-state quota, served only to the states they concern, and
//! collected when no statement references them in time.

use std::time::Duration;

use axum::http::StatusCode;
use rex_domain::{ActedBy, Action, Conversation, ConversationName, Digest, DossierRef};
use rex_testkit::{key_of, metadata, party, Answer, TestHub, DAY};

fn age_file(plaintext: &[u8]) -> Vec<u8> {
    let identity = age::x25519::Identity::generate();
    age::encrypt(&identity.to_public(), plaintext).unwrap()
}

async fn upload(t: &TestHub, who: &str, bytes: &[u8]) -> Answer {
    t.signed(who, &key_of(who), "POST", "/v1/dossiers", bytes.to_vec())
        .await
}

async fn download(t: &TestHub, who: &str, sha: &str) -> Answer {
    t.signed(
        who,
        &key_of(who),
        "GET",
        &format!("/v1/dossiers/{sha}"),
        Vec::new(),
    )
    .await
}

fn code(a: &Answer) -> (StatusCode, &str) {
    (a.status, a.json["code"].as_str().unwrap_or_default())
}

/// US files a request to RU naming the dossier `ciphertext`.
async fn file_request(t: &TestHub, ciphertext: &[u8]) {
    let agreement = t.agreement_in_force("US", "RU").await;
    let metadata = metadata("US", "RU", agreement);
    t.act(
        "US",
        Action::RequestFiled {
            metadata,
            dossier: DossierRef {
                sha256: Digest::of(ciphertext),
                size: ciphertext.len() as u64,
            },
        },
    )
    .await;
}

#[tokio::test]
async fn only_members_upload_and_only_within_their_quota() {
    // age files vary in length (a random "grease" stanza): the quota is made to fit two.
    let files = [age_file(b"one"), age_file(b"two"), age_file(b"three")];
    let two = (files[0].len() + files[1].len()) as u64;
    let t = TestHub::with_config(&["RU", "US"], |c| {
        c.dossiers.quota = two + files[2].len() as u64 - 1;
    })
    .await;
    let dossier = age_file(b"a dossier");

    // Not signed; signed by a key no state holds; signed by a state with another's key;
    // signed by the operator: none of them uploads.
    let unsigned = t.post("/v1/dossiers", dossier.clone()).await;
    assert_eq!(
        code(&unsigned),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    let stranger = t
        .signed("XX", &key_of("XX"), "POST", "/v1/dossiers", dossier.clone())
        .await;
    assert_eq!(
        code(&stranger),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    assert!(stranger.json["message"]
        .as_str()
        .unwrap()
        .contains("\"XX\""));
    let impostor = t
        .signed("US", &key_of("RU"), "POST", "/v1/dossiers", dossier.clone())
        .await;
    assert_eq!(
        code(&impostor),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    let operator = t
        .signed(
            "operator",
            &t.operator_key(),
            "POST",
            "/v1/dossiers",
            dossier.clone(),
        )
        .await;
    assert_eq!(code(&operator), (StatusCode::FORBIDDEN, "forbidden"));
    let store = t.state().store().clone();
    assert_eq!(store.dossier_bytes_held("US").unwrap(), 0);
    assert_eq!(store.dossier_bytes_held("XX").unwrap(), 0);

    // US: two fit in its quota, the third does not, and is not stored.
    for (n, file) in files[..2].iter().enumerate() {
        let a = upload(&t, "US", file).await;
        assert_eq!(a.status, StatusCode::CREATED, "upload {n}: {}", a.json);
    }
    let third = files[2].clone();
    let over = upload(&t, "US", &third).await;
    assert_eq!(code(&over), (StatusCode::PAYLOAD_TOO_LARGE, "over_quota"));
    assert!(
        over.json["message"].as_str().unwrap().contains("US holds"),
        "{}",
        over.json
    );
    assert_eq!(store.dossier_bytes_held("US").unwrap(), two);
    assert_eq!(store.dossier(&Digest::of(&third).0).unwrap(), None);
    // RU's quota is its own.
    let ru = upload(&t, "RU", &third).await;
    assert_eq!(ru.status, StatusCode::CREATED, "{}", ru.json);

    // A replayed upload (the same signed request again) is refused.
    let fresh = age_file(b"another");
    let auth = t.authorization(&key_of("RU"), "RU", "POST", "/v1/dossiers", t.now(), &fresh);
    let send = || {
        t.request(
            axum::http::Request::post("/v1/dossiers")
                .header("authorization", auth.clone())
                .body(axum::body::Body::from(fresh.clone()))
                .unwrap(),
        )
    };
    assert_eq!(send().await.status, StatusCode::CREATED);
    let replay = send().await;
    assert_eq!(code(&replay), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    assert!(replay.json["message"].as_str().unwrap().contains("replay"));
}

/// The window of signed requests already received is in the hub's database: a restart (or a
/// crash) does not open it to a replay.
#[tokio::test]
async fn a_replay_is_refused_after_a_restart_too() {
    let mut t = TestHub::new(&["DE", "RU", "US"]).await;
    let fresh = age_file(b"once");
    let auth = t.authorization(&key_of("RU"), "RU", "POST", "/v1/dossiers", t.now(), &fresh);
    let request = || {
        axum::http::Request::post("/v1/dossiers")
            .header("authorization", auth.clone())
            .body(axum::body::Body::from(fresh.clone()))
            .unwrap()
    };
    assert_eq!(t.request(request()).await.status, StatusCode::CREATED);
    t.restart().await;
    let replay = t.request(request()).await;
    assert_eq!(code(&replay), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    assert!(replay.json["message"].as_str().unwrap().contains("replay"));
}

#[tokio::test]
async fn a_dossier_is_served_to_the_states_it_concerns_only() {
    let t = TestHub::new(&["DE", "RU", "US"]).await;
    let dossier = age_file(b"US dossier");
    let stored = upload(&t, "US", &dossier).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.json);
    let sha = stored.json["sha256"].as_str().unwrap().to_owned();

    // Before a request names it: the uploader only.
    assert_eq!(download(&t, "US", &sha).await.bytes, dossier);
    let early = download(&t, "RU", &sha).await;
    assert_eq!(code(&early), (StatusCode::FORBIDDEN, "forbidden"));

    // Once US's request to RU names it: the custodian too; a third state still not, nor the
    // operator, nor anyone unsigned.
    file_request(&t, &dossier).await;
    assert_eq!(download(&t, "RU", &sha).await.bytes, dossier);
    let third = download(&t, "DE", &sha).await;
    assert_eq!(code(&third), (StatusCode::FORBIDDEN, "forbidden"));
    assert!(third.json["message"]
        .as_str()
        .unwrap()
        .contains("DE neither uploaded"));
    let path = format!("/v1/dossiers/{sha}");
    let operator = t
        .signed("operator", &t.operator_key(), "GET", &path, Vec::new())
        .await;
    assert_eq!(code(&operator), (StatusCode::FORBIDDEN, "forbidden"));
    assert_eq!(
        code(&t.get(&path).await),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    // A download signed long ago (a captured request) is stale.
    let old = t.authorization(&key_of("RU"), "RU", "GET", &path, t.now() - DAY, b"");
    let stale = t
        .request(
            axum::http::Request::get(&path)
                .header("authorization", old)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(code(&stale), (StatusCode::UNAUTHORIZED, "unauthenticated"));
}

#[tokio::test]
async fn unreferenced_uploads_are_collected_after_their_time_to_live() {
    let t = TestHub::with_config(&["RU", "US"], |c| {
        c.dossiers.ttl = Duration::from_secs(DAY);
    })
    .await;
    let kept = age_file(b"named by a request");
    let dropped = age_file(b"never named");
    let late = age_file(b"uploaded later");
    for d in [&kept, &dropped] {
        assert_eq!(upload(&t, "US", d).await.status, StatusCode::CREATED);
    }
    file_request(&t, &kept).await;
    let store = t.state().store().clone();
    let held = store.dossier_bytes_held("US").unwrap();

    // Not older than the time to live yet: nothing collected.
    t.clock.advance(DAY);
    assert_eq!(t.state().collect_dossiers().await.unwrap(), 0);
    assert_eq!(upload(&t, "US", &late).await.status, StatusCode::CREATED);

    // A second later, the upload no statement names is collected; the named one and the
    // recent one stay, and the collected bytes no longer count against US's quota.
    t.clock.advance(1);
    assert_eq!(t.state().collect_dossiers().await.unwrap(), 1);
    assert_eq!(store.dossier(&Digest::of(&dropped).0).unwrap(), None);
    let sha = |b: &[u8]| Digest::of(b).to_string();
    assert_eq!(
        code(&download(&t, "US", &sha(&dropped)).await).0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(download(&t, "RU", &sha(&kept)).await.bytes, kept);
    assert_eq!(download(&t, "US", &sha(&late)).await.bytes, late);
    assert_eq!(
        store.dossier_bytes_held("US").unwrap(),
        held - dropped.len() as u64 + late.len() as u64
    );

    // Restarted, the hub still knows what to keep (the registry is replayed from the log).
    // (The idle hub may collect by itself once its clock has moved an hour: what is checked is
    // what is left, not who collected it.)
    let mut t = t;
    t.restart().await;
    t.clock.advance(2 * DAY);
    t.state().collect_dossiers().await.unwrap();
    let store = t.state().store().clone();
    assert_eq!(store.dossier(&Digest::of(&late).0).unwrap(), None);
    assert_eq!(download(&t, "RU", &sha(&kept)).await.bytes, kept);
}

/// US sends a message to RU and DE in a free conversation, naming `ciphertext`.
async fn send_message(t: &TestHub, ciphertext: &[u8]) {
    t.act(
        "US",
        Action::MessageSent {
            conversation: Conversation::Free {
                name: ConversationName::new("liaison").unwrap(),
            },
            to: vec![party("DE"), party("RU")],
            ciphertext: DossierRef {
                sha256: Digest::of(ciphertext),
                size: ciphertext.len() as u64,
            },
            ack_by: t.now() + DAY,
            acted_by: ActedBy::NoOfficer,
        },
    )
    .await;
}

#[tokio::test]
async fn a_message_is_served_to_its_sender_and_recipients_only_and_kept_while_named() {
    let t = TestHub::with_config(&["CN", "DE", "RU", "US"], |c| {
        c.dossiers.ttl = Duration::from_secs(DAY);
    })
    .await;
    let letter = age_file(b"a letter");
    let stored = upload(&t, "US", &letter).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.json);
    let sha = stored.json["sha256"].as_str().unwrap().to_owned();
    // Before the statement names them, the recipients cannot fetch it.
    assert_eq!(
        code(&download(&t, "RU", &sha).await),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    send_message(&t, &letter).await;
    for who in ["US", "RU", "DE"] {
        assert_eq!(download(&t, who, &sha).await.bytes, letter, "{who}");
    }
    let outsider = download(&t, "CN", &sha).await;
    assert_eq!(code(&outsider), (StatusCode::FORBIDDEN, "forbidden"));
    assert!(outsider.json["message"]
        .as_str()
        .unwrap()
        .contains("CN neither uploaded"));
    let path = format!("/v1/dossiers/{sha}");
    let operator = t
        .signed("operator", &t.operator_key(), "GET", &path, Vec::new())
        .await;
    assert_eq!(code(&operator), (StatusCode::FORBIDDEN, "forbidden"));
    // CN reads the digest in the log and names it in a message of its own: the hub serves a
    // message's ciphertext only for messages its uploader sent.
    t.act(
        "CN",
        Action::MessageSent {
            conversation: Conversation::Free {
                name: ConversationName::new("borrowed").unwrap(),
            },
            to: vec![party("DE")],
            ciphertext: DossierRef {
                sha256: Digest::of(&letter),
                size: letter.len() as u64,
            },
            ack_by: t.now() + DAY,
            acted_by: ActedBy::NoOfficer,
        },
    )
    .await;
    assert_eq!(
        code(&download(&t, "CN", &sha).await),
        (StatusCode::FORBIDDEN, "forbidden")
    );

    // Past its time to live, an upload a message names is not collected. (The idle hub may
    // collect by itself once its clock has moved an hour: what is checked is what is left.)
    let stray = age_file(b"never sent");
    assert_eq!(upload(&t, "US", &stray).await.status, StatusCode::CREATED);
    t.clock.advance(DAY + 1);
    t.state().collect_dossiers().await.unwrap();
    let store = t.state().store().clone();
    assert_eq!(store.dossier(&Digest::of(&stray).0).unwrap(), None);
    assert_eq!(download(&t, "RU", &sha).await.bytes, letter);
}
