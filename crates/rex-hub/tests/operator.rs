//! The operator is whoever signs with the operator's key, not whoever calls from loopback:
//! every `/v1/admin/` call without a valid, fresh, unreplayed operator signature is refused
//! and appends nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rex_api::auth::MAX_SKEW_SECS;
use rex_testkit::{key_file, key_of, party, Answer, TestHub};

/// Sends `POST path` with `body` and this `Authorization` value.
async fn post_with(t: &TestHub, path: &str, auth: &str, body: &str) -> Answer {
    t.request(
        Request::post(path)
            .header("authorization", auth)
            .body(Body::from(body.to_owned()))
            .unwrap(),
    )
    .await
}

fn refused(a: &Answer, status: StatusCode, says: &str) {
    assert_eq!(a.status, status, "{}", a.json);
    let message = a.json["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{message:?} does not say {says:?}");
}

#[tokio::test]
async fn admin_calls_need_the_operators_fresh_signature() {
    let t = TestHub::new(&["RU", "US"]).await;
    let size = t.tree_size();
    let de = key_file("DE").to_json();
    let operator = t.operator_key();
    let path = "/v1/admin/parties";

    // Unsigned, from loopback: refused, saying how to sign.
    let a = t.post_unsigned_from_loopback(path, de.clone()).await;
    refused(&a, StatusCode::UNAUTHORIZED, "must be signed");
    assert_eq!(a.json["code"], "unauthenticated");

    // Signed as "operator" with another key: refused.
    let forged = t.authorization(
        &key_of("mallory"),
        "operator",
        "POST",
        path,
        t.now(),
        de.as_bytes(),
    );
    refused(
        &post_with(&t, path, &forged, &de).await,
        StatusCode::UNAUTHORIZED,
        "not operator's",
    );

    // A state signing for itself is known, and not the operator.
    let us = t.authorization(&key_of("US"), "US", "POST", path, t.now(), de.as_bytes());
    refused(
        &post_with(&t, path, &us, &de).await,
        StatusCode::FORBIDDEN,
        "only the hub's operator",
    );
    // A state signing for another: not that state's signature.
    let as_ru = t.authorization(&key_of("US"), "RU", "POST", path, t.now(), de.as_bytes());
    refused(
        &post_with(&t, path, &as_ru, &de).await,
        StatusCode::UNAUTHORIZED,
        "not RU's",
    );
    // A name nobody holds.
    let nobody = t.authorization(&key_of("XX"), "XX", "POST", path, t.now(), de.as_bytes());
    refused(
        &post_with(&t, path, &nobody, &de).await,
        StatusCode::UNAUTHORIZED,
        "no key named",
    );

    // The operator's signature over another body, another path, another hub: refused.
    let other_body = t.authorization(&operator, "operator", "POST", path, t.now(), b"{}");
    refused(
        &post_with(&t, path, &other_body, &de).await,
        StatusCode::UNAUTHORIZED,
        "altered",
    );
    let other_path = t.authorization(
        &operator,
        "operator",
        "POST",
        "/v1/admin/match",
        t.now(),
        de.as_bytes(),
    );
    refused(
        &post_with(&t, path, &other_path, &de).await,
        StatusCode::UNAUTHORIZED,
        "altered",
    );
    let other_hub = rex_api::auth::authorization(
        &operator,
        "operator",
        "rex-hub/00000000",
        "POST",
        path,
        t.now(),
        &[9; 16],
        de.as_bytes(),
    );
    refused(
        &post_with(&t, path, &other_hub, &de).await,
        StatusCode::UNAUTHORIZED,
        "altered",
    );

    // Stale either way: more than the window off the hub's clock.
    for time in [t.now() - MAX_SKEW_SECS - 1, t.now() + MAX_SKEW_SECS + 1] {
        let stale = t.authorization(&operator, "operator", "POST", path, time, de.as_bytes());
        refused(
            &post_with(&t, path, &stale, &de).await,
            StatusCode::UNAUTHORIZED,
            "clock",
        );
    }
    // Not the scheme.
    refused(
        &post_with(&t, path, "Basic b3A6b3A=", &de).await,
        StatusCode::UNAUTHORIZED,
        "Rex-Ed25519",
    );
    assert_eq!(
        t.tree_size(),
        size,
        "a refused admin call appended something"
    );

    // The operator's signature, at the edge of the window: accepted, once.
    let good = t.authorization(
        &operator,
        "operator",
        "POST",
        path,
        t.now() - MAX_SKEW_SECS,
        de.as_bytes(),
    );
    let a = post_with(&t, path, &good, &de).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert!(t.state().registry().await.party(&party("DE")).is_some());
    assert_eq!(t.tree_size(), size + 1);
    // The same signed request again (a replay, even of a call that would now be refused for
    // another reason): refused as a replay, before anything else.
    refused(
        &post_with(&t, path, &good, &de).await,
        StatusCode::UNAUTHORIZED,
        "replay",
    );
    let round = t.authorization(
        &operator,
        "operator",
        "POST",
        "/v1/admin/match",
        t.now(),
        b"",
    );
    assert_eq!(
        post_with(&t, "/v1/admin/match", &round, "").await.status,
        StatusCode::OK
    );
    let size = t.tree_size();
    refused(
        &post_with(&t, "/v1/admin/match", &round, "").await,
        StatusCode::UNAUTHORIZED,
        "replay",
    );
    assert_eq!(t.tree_size(), size);
}

#[tokio::test]
async fn the_operator_key_is_made_once_and_a_named_one_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let made = rex_hub::keys::operator_key(dir.path(), None).unwrap();
    let private = rex_hub::keys::read_operator_key(&dir.path().join("operator.key")).unwrap();
    assert_eq!(private.verifying_key(), made);
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(dir.path().join("operator.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // The next start keeps it.
    assert_eq!(rex_hub::keys::operator_key(dir.path(), None).unwrap(), made);
    // A key the operator names (made on its own machine) replaces it, and stays.
    let named = key_of("operator elsewhere").verifying_key();
    assert_eq!(
        rex_hub::keys::operator_key(dir.path(), Some(named)).unwrap(),
        named
    );
    assert_eq!(
        rex_hub::keys::operator_key(dir.path(), None).unwrap(),
        named
    );
    // A damaged operator.pub is named, not replaced by a new key.
    std::fs::write(dir.path().join("operator.pub"), "not a key\n").unwrap();
    let e = rex_hub::keys::operator_key(dir.path(), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("operator.pub") && e.contains("not an operator public key"),
        "{e}"
    );
}
