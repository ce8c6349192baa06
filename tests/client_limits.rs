//! The REST client against a hostile or broken server (issue 17 item 8): a reply larger than
//! the cap, an NDJSON line that never ends and a reply that drips in byte by byte all end in a
//! clear error, quickly and with bounded memory, instead of growing or "loading" forever.
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::Response;
use axum::routing::{get, post};
use futures::StreamExt;
use opik_tui::config::Connection;
use opik_tui::opik::client::{ClientOptions, OpikClient, RetryPolicy};
use opik_tui::opik::error::ApiError;
use opik_tui::opik::model::TraceSearchRequest;
use uuid::Uuid;

const CAP: usize = 1024 * 1024;

/// An endless body of `chunk` repeated, one chunk every `every`.
fn endless(chunk: &'static [u8], every: Duration) -> Body {
    let s = futures::stream::unfold((), move |()| async move {
        if !every.is_zero() {
            tokio::time::sleep(every).await;
        }
        Some((Ok::<_, Infallible>(Bytes::from_static(chunk)), ()))
    });
    Body::from_stream(s)
}

fn json(body: Body) -> Response {
    Response::builder()
        .header("content-type", "application/json")
        .body(body)
        .unwrap()
}

async fn start() -> String {
    let api = Router::new()
        // 4 MiB in 64 KiB chunks, no Content-Length.
        .route(
            "/huge/v1/private/traces/{id}",
            get(|| async {
                let chunk = vec![b' '; 64 * 1024];
                let s = futures::stream::iter(
                    (0..64).map(move |_| Ok::<_, Infallible>(Bytes::from(chunk.clone()))),
                );
                json(Body::from_stream(s))
            }),
        )
        // 4 MiB with a Content-Length: refused before reading.
        .route(
            "/sized/v1/private/traces/{id}",
            get(|| async { json(Body::from(vec![b' '; 4 * CAP])) }),
        )
        .route(
            "/drip/v1/private/traces/{id}",
            get(|| async { json(endless(b" ", Duration::from_millis(50))) }),
        )
        .route(
            "/endless/v1/private/traces/search",
            post(|| async { json(endless(&[b'x'; 16 * 1024], Duration::ZERO)) }),
        )
        .route(
            "/drip/v1/private/traces/search",
            post(|| async { json(endless(b" ", Duration::from_millis(50))) }),
        );
    let app = Router::new().nest("/api", api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    format!("http://{addr}")
}

/// A client whose API root is the fixture's `/api/{route}`.
fn client(url_and_route: &str) -> OpikClient {
    let (url, route) = url_and_route.rsplit_once('/').unwrap();
    let conn = Connection {
        base_url: format!("{url}/api/{route}"),
        ..Connection::new(url).unwrap()
    };
    let opts = ClientOptions {
        read_timeout: Duration::from_millis(500),
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        max_reply_bytes: CAP,
        max_line_bytes: CAP,
        reply_timeout: Duration::from_secs(1),
        ..ClientOptions::default()
    };
    OpikClient::with_options(&conn, opts).unwrap()
}

#[tokio::test]
async fn a_reply_over_the_cap_is_an_error_naming_the_limit() {
    let url = start().await;
    for prefix in ["huge", "sized"] {
        let err = client(&format!("{url}/{prefix}"))
            .get_trace(Uuid::nil())
            .await
            .unwrap_err();
        assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("larger than 1 MB"), "{text}");
        assert!(text.contains("narrow the request"), "{text}");
    }
}

#[tokio::test]
async fn an_endless_stream_line_is_cut_at_the_line_cap() {
    let url = start().await;
    let c = client(&format!("{url}/endless"));
    let started = Instant::now();
    let mut s = c.search_traces_stream(TraceSearchRequest::default(), None);
    let first = s.next().await.expect("an error item");
    let err = first.unwrap_err();
    assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("trace record"), "{err}");
    assert!(err.to_string().contains("larger than 1 MB"), "{err}");
    assert!(s.next().await.is_none(), "the stream ends after the error");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_dripping_reply_times_out_instead_of_loading_forever() {
    let url = start().await;
    let c = client(&format!("{url}/drip"));
    let started = Instant::now();
    let err = c.get_trace(Uuid::nil()).await.unwrap_err();
    assert!(matches!(err, ApiError::Interrupted { .. }), "{err:?}");
    assert!(
        err.to_string().contains("did not finish within 1s"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let mut s = c.search_traces_stream(TraceSearchRequest::default(), None);
    let err = s.next().await.expect("an error item").unwrap_err();
    assert!(
        err.to_string().contains("did not finish within 1s"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}
