//! Serving the router on a TCP listener with bounded connections.
//!
//! A peer of the hub may be any state, or anyone who can reach its port, so what one peer can
//! hold is bounded: the time to send a request's head (which also bounds an idle keep-alive
//! connection, since hyper starts that timer as soon as it waits for the next request), the
//! time to send a request's body (no byte for [`ConnectionLimits::body_stall`], or the whole
//! body not in within [`ConnectionLimits::body_total`]: a body dripped a byte at a time is cut
//! too), and the number of connections served at once (one more is answered `503 busy` and
//! closed, not queued). The server speaks HTTP/1.1 only: its clients (the node, `curl`) do,
//! and HTTP/1.1 is what hyper's header timeout covers.

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::Router;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

/// What one peer may hold of the hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Time to send a request's head, counted from the connection's start or from the end of
    /// the previous response: so it is also how long an idle keep-alive connection stays open.
    pub header_read: Duration,
    /// Longest wait for the next piece of a request's body.
    pub body_stall: Duration,
    /// Time to send a request's whole body, counted from the end of its head.
    pub body_total: Duration,
    /// Connections served at once; one more is answered `503 busy` and closed.
    pub max_connections: usize,
    /// How long a stopping hub waits for requests in progress before it drops them.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read: Duration::from_secs(10),
            body_stall: Duration::from_secs(10),
            // 16 MiB (the largest dossier) in two minutes: about 1.1 Mbit/s.
            body_total: Duration::from_secs(120),
            // Below the usual limit of 1024 open files, with room for the database's.
            max_connections: 512,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// A request body that did not arrive in time ([`ConnectionLimits::body_stall`],
/// [`ConnectionLimits::body_total`]).
#[derive(Debug)]
pub(crate) struct BodyTimeout {
    stalled: bool,
    limit: Duration,
}

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.stalled {
            write!(
                f,
                "no byte of the request body came for {} s; send the whole body without pauses",
                self.limit.as_secs_f64()
            )
        } else {
            write!(
                f,
                "the request body did not arrive within {} s",
                self.limit.as_secs_f64()
            )
        }
    }
}

impl StdError for BodyTimeout {}

/// The [`BodyTimeout`] behind an error (an extractor's rejection wraps it), if any.
pub(crate) fn body_timeout<'e>(mut e: &'e (dyn StdError + 'static)) -> Option<&'e BodyTimeout> {
    loop {
        if let Some(t) = e.downcast_ref::<BodyTimeout>() {
            return Some(t);
        }
        e = e.source()?;
    }
}

/// A request body with the two deadlines of [`ConnectionLimits`].
struct TimedBody {
    body: Incoming,
    timer: Pin<Box<Sleep>>,
    stall: Duration,
    end: Instant,
    total: Duration,
}

impl TimedBody {
    fn new(body: Incoming, limits: &ConnectionLimits) -> TimedBody {
        let now = Instant::now();
        let end = now + limits.body_total;
        TimedBody {
            body,
            timer: Box::pin(tokio::time::sleep_until(end.min(now + limits.body_stall))),
            stall: limits.body_stall,
            end,
            total: limits.body_total,
        }
    }
}

impl Body for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn StdError + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let next = this.end.min(Instant::now() + this.stall);
                this.timer.as_mut().reset(next);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    let stalled = Instant::now() < this.end;
                    let limit = if stalled { this.stall } else { this.total };
                    Poll::Ready(Some(Err(Box::new(BodyTimeout { stalled, limit }))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Most rejections (`503 busy`) being written at once; beyond that a connection over the cap
/// is closed without an answer.
const MAX_REJECTING: usize = 64;

/// Serves `router` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting, lets requests in progress finish (within [`ConnectionLimits::shutdown_grace`])
/// and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let rejecting = Arc::new(Semaphore::new(MAX_REJECTING));
    let (stop, stopping) = tokio::sync::watch::channel(());
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            if let Ok(permit) = Arc::clone(&rejecting).try_acquire_owned() {
                tokio::spawn(async move {
                    reject_busy(stream, limits.max_connections).await;
                    drop(permit);
                });
            }
            continue;
        };
        let router = router.clone();
        let mut stopping = stopping.clone();
        connections.spawn(async move {
            // Each request's body timed, and the peer's address where `ConnectInfo` finds it.
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let mut request =
                    request.map(|body| axum::body::Body::new(TimedBody::new(body, &limits)));
                request.extensions_mut().insert(ConnectInfo(peer));
                router.clone().oneshot(request)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read)
                .serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopping.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(());
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = connections.len(),
            "requests still in progress at shutdown were dropped"
        );
        connections.shutdown().await;
    }
}

/// Answers a connection over the cap `503 busy` and closes it. The write is one small
/// segment; a peer that does not read it within a second loses it.
async fn reject_busy(mut stream: TcpStream, cap: usize) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let body = serde_json::to_string(&rex_api::ErrorBody {
        code: "busy".into(),
        message: format!("the hub serves {cap} connections at once; try again later"),
    })
    .expect("an error body serialises");
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        // Reads what the peer sent before closing, so that the close is a FIN the peer
        // reads after the answer, not a reset that may discard it.
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, std::io::Error>(())
    })
    .await;
}

/// An accept that failed: a peer that went away is skipped; running out of file descriptors
/// waits a little for connections to close, rather than spinning.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
