//! Slow and too many clients, over real TCP: a hub served on loopback with short limits, and
//! raw sockets that send half a header, promise a body and never send it, drip one, or hold
//! connections. Every wait is bounded by an outcome (the hub closes, or answers), with a
//! bound far beyond the limits, so a slow machine makes these tests slower, never wrong.

use std::time::Duration;

use rex_hub::ConnectionLimits;
use rex_testkit::TestHub;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Far beyond every limit below: only a hub that holds a connection forever reaches it.
const PATIENCE: Duration = Duration::from_secs(60);

/// Short limits, each test shortening the one it tests.
fn limits() -> ConnectionLimits {
    ConnectionLimits {
        header_read: Duration::from_secs(30),
        body_stall: Duration::from_secs(30),
        body_total: Duration::from_secs(30),
        max_connections: 16,
        shutdown_grace: Duration::from_secs(5),
    }
}

async fn served(limits: ConnectionLimits) -> (TestHub, String) {
    let mut hub = TestHub::with_connection_limits(&["US"], limits).await;
    let url = hub.serve().await;
    let addr = url.trim_start_matches("http://").to_owned();
    (hub, addr)
}

/// Reads until the hub closes the connection (EOF, or a reset) and returns what it sent;
/// fails if it is still open after [`PATIENCE`].
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the hub kept the connection open for {PATIENCE:?}; it sent {:?}",
        String::from_utf8_lossy(&got)
    );
    got
}

/// Reads one response with a `content-length` (the hub's are), as status and body.
async fn response(stream: &mut TcpStream) -> (u16, Vec<u8>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let done = tokio::time::timeout(PATIENCE, async {
        loop {
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().expect("a content-length"))
                    .unwrap_or(0);
                if got.len() >= end + 4 + length {
                    let status = head[9..12].parse().expect("a status");
                    return (status, got[end + 4..end + 4 + length].to_vec());
                }
            }
            let n = stream.read(&mut buf).await.expect("reading a response");
            assert!(
                n > 0,
                "closed mid-response: {:?}",
                String::from_utf8_lossy(&got)
            );
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    done.unwrap_or_else(|_| panic!("no response within {PATIENCE:?}"))
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(body)))
}

async fn connect(addr: &str) -> TcpStream {
    TcpStream::connect(addr)
        .await
        .expect("connecting to the hub")
}

const GET_HUB: &[u8] = b"GET /v1/hub HTTP/1.1\r\nhost: hub\r\n\r\n";

#[tokio::test]
async fn half_a_header_is_closed() {
    let (_hub, addr) = served(ConnectionLimits {
        header_read: Duration::from_secs(1),
        ..limits()
    })
    .await;
    let mut s = connect(&addr).await;
    s.write_all(b"GET /v1/hub HTTP/1.1\r\nhost: hub\r\nx-slow: ")
        .await
        .unwrap();
    let got = until_closed(&mut s).await;
    assert!(
        !got.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
}

#[tokio::test]
async fn a_silent_connection_is_closed() {
    let (_hub, addr) = served(ConnectionLimits {
        header_read: Duration::from_secs(1),
        ..limits()
    })
    .await;
    let mut s = connect(&addr).await;
    assert!(until_closed(&mut s).await.is_empty());
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (_hub, addr) = served(ConnectionLimits {
        header_read: Duration::from_secs(1),
        ..limits()
    })
    .await;
    let mut s = connect(&addr).await;
    s.write_all(GET_HUB).await.unwrap();
    let (status, body) = response(&mut s).await;
    assert_eq!(status, 200, "{:?}", String::from_utf8_lossy(&body));
    // Kept alive for a next request that never comes: closed once the header time is up.
    assert!(until_closed(&mut s).await.is_empty());
}

#[tokio::test]
async fn a_promised_body_never_sent_is_answered_408_and_closed() {
    let (_hub, addr) = served(ConnectionLimits {
        body_stall: Duration::from_secs(1),
        ..limits()
    })
    .await;
    let mut s = connect(&addr).await;
    s.write_all(
        b"POST /v1/statements HTTP/1.1\r\nhost: hub\r\ncontent-type: application/json\r\n\
          content-length: 1000\r\n\r\n{\"payloadType\":",
    )
    .await
    .unwrap();
    let (status, body) = response(&mut s).await;
    assert_eq!(status, 408, "{:?}", String::from_utf8_lossy(&body));
    let body = json(&body);
    assert_eq!(body["code"], "timeout", "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("no byte of the request body came for 1 s"),
        "{message}"
    );
    until_closed(&mut s).await;
}

#[tokio::test]
async fn a_dripped_body_is_cut_at_the_total_time() {
    let (_hub, addr) = served(ConnectionLimits {
        body_total: Duration::from_secs(1),
        ..limits()
    })
    .await;
    let s = connect(&addr).await;
    let (mut read, mut write) = s.into_split();
    write
        .write_all(b"POST /v1/statements HTTP/1.1\r\nhost: hub\r\ncontent-length: 100000\r\n\r\n")
        .await
        .unwrap();
    // One byte every 100 ms, well within the stall limit (30 s), never done in the total (1 s).
    let drip = tokio::spawn(async move {
        for _ in 0..100_000 {
            if write.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut got = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, read.read_to_end(&mut got)).await;
    drip.abort();
    assert!(closed.is_ok(), "still open after {PATIENCE:?}");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":\"timeout\""), "{text}");
    assert!(text.contains("did not arrive within 1 s"), "{text}");
}

#[tokio::test]
async fn connections_beyond_the_cap_are_answered_503_busy() {
    let (_hub, addr) = served(ConnectionLimits {
        max_connections: 2,
        ..limits()
    })
    .await;
    // Two connections served, and held open (keep-alive).
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = connect(&addr).await;
        s.write_all(GET_HUB).await.unwrap();
        assert_eq!(response(&mut s).await.0, 200);
        held.push(s);
    }
    // The third is told why, in JSON, and closed.
    let mut third = connect(&addr).await;
    third.write_all(GET_HUB).await.unwrap();
    let (status, body) = response(&mut third).await;
    assert_eq!(status, 503, "{:?}", String::from_utf8_lossy(&body));
    let body = json(&body);
    assert_eq!(body["code"], "busy", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("2 connections"),
        "{body}"
    );
    until_closed(&mut third).await;
    // One held connection goes: its slot is free again once the hub has seen it close.
    drop(held.pop());
    let served_again = tokio::time::timeout(PATIENCE, async {
        loop {
            let mut s = connect(&addr).await;
            s.write_all(GET_HUB).await.unwrap();
            match response(&mut s).await.0 {
                200 => return,
                503 => tokio::time::sleep(Duration::from_millis(50)).await,
                other => panic!("status {other}"),
            }
        }
    })
    .await;
    assert!(served_again.is_ok(), "no slot freed within {PATIENCE:?}");
}

/// Sends `request` on a fresh connection and returns the status, the head (lowercase) and the
/// body of the answer.
async fn exchange(addr: &str, request: &[u8]) -> (u16, Vec<u8>) {
    let mut s = connect(addr).await;
    s.write_all(request).await.unwrap();
    response(&mut s).await
}

/// Answers refused before any handler runs (wrong method, a URI or head too long, a path
/// segment that is not UTF-8) are `{code, message}` like every other.
#[tokio::test]
async fn answers_before_the_handlers_are_json_too() {
    let (_hub, addr) = served(limits()).await;
    let long_uri = format!(
        "GET /v1/next-seq/{} HTTP/1.1\r\nhost: hub\r\n\r\n",
        "A".repeat(10_000)
    );
    let big_head = format!(
        "GET /v1/hub HTTP/1.1\r\nhost: hub\r\nx-big: {}\r\n\r\n",
        "b".repeat(20_000)
    );
    let cases: [(&str, Vec<u8>, u16, &str, &str); 6] = [
        (
            "a wrong method",
            b"DELETE /v1/hub HTTP/1.1\r\nhost: hub\r\n\r\n".to_vec(),
            405,
            "method_not_allowed",
            "DELETE",
        ),
        (
            "a URI of 10 kB",
            long_uri.into_bytes(),
            414,
            "uri_too_long",
            "8192",
        ),
        (
            "a header of 20 kB",
            big_head.into_bytes(),
            431,
            "headers_too_large",
            "16384",
        ),
        (
            "a party that is not UTF-8",
            b"GET /v1/next-seq/%FF HTTP/1.1\r\nhost: hub\r\n\r\n".to_vec(),
            400,
            "bad_request",
            "UTF-8",
        ),
        (
            "a dossier that is not UTF-8",
            b"GET /v1/dossiers/%FE%FF HTTP/1.1\r\nhost: hub\r\n\r\n".to_vec(),
            400,
            "bad_request",
            "UTF-8",
        ),
        (
            "a tile that is not UTF-8",
            b"GET /tile/0/%FF HTTP/1.1\r\nhost: hub\r\n\r\n".to_vec(),
            400,
            "bad_request",
            "UTF-8",
        ),
    ];
    for (what, request, status, code, says) in cases {
        let (got, body) = exchange(&addr, &request).await;
        assert_eq!(got, status, "{what}: {:?}", String::from_utf8_lossy(&body));
        let body = json(&body);
        assert_eq!(body["code"], code, "{what}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains(says),
            "{what}: {message:?} does not say {says:?}"
        );
    }
}
