//! The hub over real HTTP on loopback: a node's view, tiles included.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rex_domain::Action;
use rex_testkit::{terms, TestHub};
use rex_tlog::{decode_entry_bundle, Checkpoint, SignedNote, TilePath};

#[tokio::test]
async fn a_node_talks_to_the_hub_over_http() {
    let mut t = TestHub::new(&["RU", "US"]).await;
    let base = t.serve().await;
    let client = Client::builder(TokioExecutor::new()).build_http::<Body>();
    let call = |req: Request<Body>| {
        let client = client.clone();
        async move {
            let res = client.request(req).await.unwrap();
            let status = res.status();
            let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
            (status, bytes)
        }
    };
    let url = |path: &str| format!("{base}{path}");

    let envelope = t
        .envelope(
            "US",
            Action::AgreementProposed {
                terms: terms(&["RU", "US"]),
            },
        )
        .await;
    let (status, body) = call(
        Request::post(url("/v1/statements"))
            .header("content-type", "application/json")
            .body(Body::from(envelope.to_json()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let receipt: rex_hub::Receipt = serde_json::from_slice(&body).unwrap();
    t.check_receipt(&envelope, &receipt);

    // The checkpoint and the tiles, as a mirror or an auditor fetches them.
    let (status, note) = call(
        Request::get(url("/checkpoint"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let note = SignedNote::parse(std::str::from_utf8(&note).unwrap()).unwrap();
    let checkpoint = Checkpoint::open(&note, &t.verifier()).unwrap();
    let size = checkpoint.size();
    assert_eq!(size, 3);
    let entries = TilePath::entries(0, size as u16).unwrap().to_string();
    let (status, bundle) = call(
        Request::get(url(&format!("/{entries}")))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let bundle = decode_entry_bundle(&bundle).unwrap();
    assert_eq!(
        bundle[2],
        rex_domain::log::entry_bytes(receipt.time, &envelope)
    );
    // Every entry replays: it parses back into the envelope the hub accepted.
    let again = rex_domain::LogEntry::parse(&bundle[2]).unwrap();
    assert_eq!((again.time, again.envelope), (receipt.time, envelope));
    let hashes = TilePath::hashes(0, 0, size as u16).unwrap().to_string();
    let (status, tile) = call(
        Request::get(url(&format!("/{hashes}")))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((status, tile.len()), (StatusCode::OK, 32 * size as usize));
    let (status, _) = call(
        Request::get(url("/tile/entries/001"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Over a real socket the peer is loopback, and that is not enough: an admin call without
    // the operator's signature is refused (a reverse proxy on the hub's machine would make
    // every caller a loopback peer).
    let (status, body) = call(
        Request::post(url("/v1/admin/match"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    // Signed by the operator, it runs.
    let auth = t.authorization(
        &t.operator_key(),
        "operator",
        "POST",
        "/v1/admin/match",
        t.now(),
        b"",
    );
    let (status, body) = call(
        Request::post(url("/v1/admin/match"))
            .header("authorization", auth)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    t.stop().await;
}
