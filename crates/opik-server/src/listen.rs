//! The accept loop, with limits against slow and idle clients (docs/server.md, "Local-server
//! protections"). `axum::serve` holds a half-sent request or an idle connection forever, so
//! 1,100 idle sockets (past the fd limit) stopped the server answering anyone. Here:
//!
//! - at most [`MAX_CONNECTIONS`] open connections; one more is answered `503` and closed at
//!   once rather than left waiting;
//! - a request's headers must arrive within [`HEADER_TIMEOUT`], which is also how long an idle
//!   keep-alive connection is kept (hyper's header-read timer runs while waiting for the next
//!   request);
//! - a request body must arrive whole within [`BODY_TIMEOUT`] ([`body_deadline_layer`]), else
//!   408.
//!
//! Shutdown is graceful: stop accepting, let in-flight requests finish (idle connections close
//! at once), wait at most [`DRAIN_TIMEOUT`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

/// Open connections served at once (below the common 1024 fd limit, leaving room for the
/// database, logs and the TUI's own client).
pub const MAX_CONNECTIONS: usize = 512;
/// A request's headers (and the next request on an idle keep-alive connection) must arrive
/// within this (nginx's `client_header_timeout` is 60 s; the SDKs keep idle connections ≤ 5 s).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(60);
/// A request body must arrive whole within this (64 MiB at ~220 KB/s).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a shutdown waits for in-flight requests.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The connection limits (defaults: the constants above; tests use small ones).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: MAX_CONNECTIONS,
            header_timeout: HEADER_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
        }
    }
}

/// Serve `app` on `listener` until `shutdown` resolves, with the limits above.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream, limits.max_connections));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let svc = TowerToHyperService::new(app.clone());
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::pin!(conn);
            let stopped = tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!("connection closed: {e}");
                    }
                    false
                }
                _ = async { let _ = stop.wait_for(|s| *s).await; } => true,
            };
            if stopped {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(
        DRAIN_TIMEOUT,
        slots.acquire_many(limits.max_connections as u32),
    )
    .await;
    Ok(())
}

/// Answer a connection beyond the limit with 503 and close it.
async fn refuse_busy(mut stream: TcpStream, max: usize) {
    let body = format!(
        "{{\"code\":503,\"message\":\"the server has too many open connections ({max}); retry shortly\"}}"
    );
    let reply = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nretry-after: 1\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(reply.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// The error a request body gives when it did not arrive within its deadline.
#[derive(Debug)]
pub struct BodyTimeout(Duration);

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body did not arrive within {} s; send it faster or in smaller parts",
            self.0.as_secs()
        )
    }
}

impl std::error::Error for BodyTimeout {}

/// The [`BodyTimeout`] in `e` or what caused it.
pub fn find_body_timeout<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a BodyTimeout> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<BodyTimeout>() {
            return Some(t);
        }
        cur = err.source();
    }
    None
}

/// A request body that fails with [`BodyTimeout`] once its deadline passes.
struct DeadlineBody {
    inner: Body,
    limit: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(r) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(r);
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimeout(this.limit)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Middleware: give the request body its deadline ([`Limits::body_timeout`]).
pub async fn body_deadline_layer(
    State(state): State<super::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let limit = state.limits.body_timeout;
    let deadline = Box::pin(tokio::time::sleep(limit));
    let req = req.map(|inner| {
        Body::new(DeadlineBody {
            inner,
            limit,
            deadline,
        })
    });
    next.run(req).await
}
