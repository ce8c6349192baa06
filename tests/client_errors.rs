//! The REST client against a small axum fixture for the error paths: refused connection,
//! timeout, 500 then success, 429 with `Retry-After`, malformed JSON, an NDJSON error object
//! mid-stream, 401, 404, paging through a stream cursor, a stream that breaks mid-way, gzip.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use opik_tui::config::Connection;
use opik_tui::opik::client::{ClientOptions, ListQuery, OpikClient, RetryPolicy};
use opik_tui::opik::error::ApiError;
use opik_tui::opik::model::{Filter, TraceSearchRequest};
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Clone, Default)]
struct Fixture {
    hits: Arc<Mutex<Vec<(String, Instant)>>>,
    bodies: Arc<Mutex<Vec<Value>>>,
    headers: Arc<Mutex<Vec<HeaderMap>>>,
}

impl Fixture {
    fn hit(&self, what: &str) -> usize {
        let mut h = self.hits.lock().unwrap();
        h.push((what.to_string(), Instant::now()));
        h.iter().filter(|(w, _)| w == what).count()
    }
    fn count(&self, what: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|(w, _)| w == what)
            .count()
    }
    fn times(&self, what: &str) -> Vec<Instant> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|(w, _)| w == what)
            .map(|(_, t)| *t)
            .collect()
    }
}

/// Seven trace ids, newest (largest) first, as the search streams order them.
fn trace_ids() -> Vec<String> {
    (0..7)
        .map(|i| format!("0192e0a0-0000-7000-8000-{:012}", 7 - i))
        .collect()
}

fn page(n: usize) -> Value {
    json!({"page": 1, "size": 10, "total": n, "content": [{"name": "p1", "id": Uuid::nil()}],
           "sortable_by": ["name"]})
}

async fn flaky(State(f): State<Fixture>) -> Response {
    if f.hit("flaky") == 1 {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"code": 500, "message": "database hiccup"})),
        )
            .into_response()
    } else {
        axum::Json(json!({"stats": [{"name": "thread_count", "type": "COUNT", "value": 3}]}))
            .into_response()
    }
}

async fn always_500(State(f): State<Fixture>) -> Response {
    f.hit("always500");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({"code": 503, "message": "ClickHouse is down"})),
    )
        .into_response()
}

async fn rate_limited(State(f): State<Fixture>) -> Response {
    if f.hit("429") == 1 {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            axum::Json(json!({"code": 429, "message": "slow down"})),
        )
            .into_response()
    } else {
        axum::Json(page(1)).into_response()
    }
}

async fn slow(State(f): State<Fixture>) -> Response {
    f.hit("slow");
    tokio::time::sleep(Duration::from_secs(5)).await;
    axum::Json(page(1)).into_response()
}

async fn malformed(State(f): State<Fixture>) -> Response {
    f.hit("malformed");
    (
        [("content-type", "application/json")],
        "{\"page\": 1, \"content\": [",
    )
        .into_response()
}

async fn auth_only(State(f): State<Fixture>, headers: HeaderMap) -> Response {
    f.hit("auth");
    f.headers.lock().unwrap().push(headers.clone());
    let key = headers.get("authorization").and_then(|v| v.to_str().ok());
    if key == Some("good-key") {
        axum::Json(json!({"workspace_name": "team-a"})).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"code": 401, "message": "User not allowed to access workspace"})),
        )
            .into_response()
    }
}

async fn trace_by_id(Path(id): Path<String>) -> Response {
    if id == Uuid::nil().to_string() {
        // Python-style NaN and an unknown field must not fail the read.
        (
            [("content-type", "application/json")],
            format!(
                r#"{{"id": "{id}", "name": "found", "duration": NaN, "brand_new": {{"x": 1}}}}"#
            ),
        )
            .into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"code": 404, "message": "Trace not found"})),
        )
            .into_response()
    }
}

fn ndjson(lines: Vec<String>) -> Response {
    let body = lines.join("\r\n") + "\r\n";
    ([("content-type", "application/octet-stream")], body).into_response()
}

/// Honours `limit` and `last_retrieved_id` over seven traces (ids descending).
async fn search(State(f): State<Fixture>, body: axum::body::Bytes) -> Response {
    f.hit("search");
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    f.bodies.lock().unwrap().push(req.clone());
    let limit = req["limit"].as_u64().unwrap_or(500) as usize;
    let cursor = req["last_retrieved_id"].as_str().map(str::to_string);
    let lines = trace_ids()
        .into_iter()
        .filter(|id| cursor.as_ref().is_none_or(|c| id < c))
        .take(limit)
        .map(|id| json!({"id": id, "name": format!("t-{id}"), "start_time": "2026-11-21T22:50:49.066757Z"}).to_string())
        .collect();
    ndjson(lines)
}

async fn search_error_mid_stream(State(f): State<Fixture>) -> Response {
    f.hit("search-err");
    let ids = trace_ids();
    ndjson(vec![
        json!({"id": ids[0], "name": "a"}).to_string(),
        // A record that does not fit the model (tags must be a list) still counts.
        json!({"id": ids[1], "tags": 5}).to_string(),
        json!({"code": 500, "message": "Streaming operation timed out"}).to_string(),
        json!({"id": ids[2], "name": "never read"}).to_string(),
    ])
}

/// First request: two records, then the connection breaks. Later: the rest after the cursor.
async fn search_breaks(State(f): State<Fixture>, body: axum::body::Bytes) -> Response {
    let n = f.hit("search-break");
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    f.bodies.lock().unwrap().push(req.clone());
    let ids = trace_ids();
    if n == 1 {
        let first: Vec<Result<String, std::io::Error>> = vec![
            Ok(json!({"id": ids[0], "name": "a"}).to_string() + "\r\n"),
            Ok(json!({"id": ids[1], "name": "b"}).to_string() + "\r\n"),
            Err(std::io::Error::other("boom")),
        ];
        return Response::builder()
            .header("content-type", "application/octet-stream")
            // Pause before the failure so the two records are flushed to the client first.
            .body(Body::from_stream(futures::stream::iter(first).then(
                |item| async move {
                    if item.is_err() {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    item
                },
            )))
            .unwrap();
    }
    let cursor = req["last_retrieved_thread_model_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let lines = ids
        .into_iter()
        .filter(|id| cursor.is_empty() || *id < cursor)
        .map(|id| json!({"id": id, "name": "rest"}).to_string())
        .collect();
    ndjson(lines)
}

/// Ignores the cursor: always the same full page.
async fn search_ignores_cursor(State(f): State<Fixture>) -> Response {
    f.hit("search-stuck");
    let lines = trace_ids()[..3]
        .iter()
        .map(|id| json!({"id": id, "name": "same"}).to_string())
        .collect();
    ndjson(lines)
}

async fn list_with_query(
    State(f): State<Fixture>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Response {
    f.hit("list");
    f.bodies
        .lock()
        .unwrap()
        .push(Value::String(q.unwrap_or_default()));
    axum::Json(json!({"page": 1, "size": 50, "total": 0, "content": []})).into_response()
}

async fn big_page(State(f): State<Fixture>) -> Response {
    f.hit("big");
    let content: Vec<Value> = (0..300)
        .map(|i| json!({"name": format!("project-{i}"), "description": "x".repeat(200)}))
        .collect();
    axum::Json(json!({"page": 1, "size": 300, "total": 300, "content": content})).into_response()
}

async fn start() -> (String, Fixture) {
    let f = Fixture::default();
    let api = Router::new()
        .route("/is-alive/ping", get(|| async { "{}" }))
        .route("/v1/private/traces/threads/stats", get(flaky))
        .route(
            "/v1/private/projects",
            get(big_page).layer(tower_http::compression::CompressionLayer::new()),
        )
        .route("/v1/private/feedback-definitions", get(always_500))
        .route("/v1/private/annotation-queues", get(rate_limited))
        .route("/v1/private/projects/stats", get(slow))
        .route("/v1/private/traces/threads", get(malformed))
        .route("/v1/private/auth/workspace", get(auth_only))
        .route("/v1/private/traces", get(list_with_query))
        .route("/v1/private/traces/{id}", get(trace_by_id))
        .route("/v1/private/traces/search", post(search))
        .route("/v1/private/spans/search", post(search_error_mid_stream))
        .route("/v1/private/traces/threads/search", post(search_breaks))
        .route(
            "/stuck/v1/private/traces/search",
            post(search_ignores_cursor),
        )
        .with_state(f.clone());
    let app = Router::new().nest("/api", api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    (format!("http://{addr}"), f)
}

fn fast_opts() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_millis(400),
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(3),
        },
        stream_page_size: 3,
        ..ClientOptions::default()
    }
}

fn client(url: &str) -> OpikClient {
    OpikClient::with_options(&Connection::new(url).unwrap(), fast_opts()).unwrap()
}

#[tokio::test]
async fn refused_connection_names_the_url_and_what_to_do() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = client(&format!("http://127.0.0.1:{port}/"));
    let err = c.ping().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot connect to http://127.0.0.1:{port}/api: connection refused — is Opik running? set --url or OPIK_URL_OVERRIDE"
        )
    );
    assert!(err.is_unreachable());
}

#[tokio::test]
async fn url_without_api_suffix_reaches_the_api() {
    let (url, _f) = start().await;
    let c = client(&url);
    assert_eq!(c.base_url(), format!("{url}/api"));
    c.ping().await.unwrap();
    let c = client(&format!("{url}/api/"));
    c.ping().await.unwrap();
}

#[tokio::test]
async fn timeout_is_reported_without_retrying() {
    let (url, f) = start().await;
    let err = client(&url).project_stats(1, 10).await.unwrap_err();
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("no answer from {url}/api within 0.4s"))
    );
    assert_eq!(f.count("slow"), 1);
}

#[tokio::test]
async fn server_error_then_success_is_retried() {
    let (url, f) = start().await;
    let stats = client(&url)
        .thread_stats(&ListQuery::default())
        .await
        .unwrap();
    assert_eq!(stats.stats[0].name, "thread_count");
    assert_eq!(f.count("flaky"), 2);
}

#[tokio::test]
async fn persistent_5xx_shows_the_server_message_after_three_attempts() {
    let (url, f) = start().await;
    let err = client(&url)
        .list_feedback_definitions(1, 10, None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Opik server error (HTTP 503): ClickHouse is down"
    );
    assert_eq!(f.count("always500"), 3);
}

#[tokio::test]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    let (url, f) = start().await;
    let page = client(&url).list_queues(1, 10, None, &[]).await.unwrap();
    assert_eq!(page.total, Some(1));
    let t = f.times("429");
    assert_eq!(t.len(), 2);
    // The second attempt came no earlier than the server asked (a lower bound only; the
    // client's own backoff would have been 20 ms).
    assert!(
        t[1] - t[0] >= Duration::from_millis(950),
        "{:?}",
        t[1] - t[0]
    );
}

#[tokio::test]
async fn malformed_json_names_what_could_not_be_read() {
    let (url, f) = start().await;
    let err = client(&url)
        .list_threads(&ListQuery::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("could not read the thread list from the server's reply: "),
        "{err}"
    );
    assert_eq!(f.count("malformed"), 1, "a bad reply is not retried");
}

#[tokio::test]
async fn unauthorized_names_the_workspace_and_headers_are_raw() {
    let (url, f) = start().await;
    let mut conn = Connection::new(&url).unwrap();
    conn.workspace = "team-a".into();
    conn.api_key = Some("bad-key".into());
    let c = OpikClient::with_options(&conn, fast_opts()).unwrap();
    let err = c.workspace_name().await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("API key rejected for workspace team-a"),
        "{err}"
    );
    assert_eq!(err.status(), Some(401));
    assert_eq!(f.count("auth"), 1, "401 is not retried");

    conn.api_key = Some("good-key".into());
    let c = OpikClient::with_options(&conn, fast_opts()).unwrap();
    assert_eq!(c.workspace_name().await.unwrap(), "team-a");
    {
        let h = f.headers.lock().unwrap();
        assert_eq!(h[1]["authorization"], "good-key");
        assert_eq!(h[1]["comet-workspace"], "team-a");
    }

    // Without a key no authorization header is sent at all.
    let c = client(&url);
    let _ = c.workspace_name().await;
    assert!(f.headers.lock().unwrap()[2].get("authorization").is_none());
}

#[tokio::test]
async fn not_found_names_the_resource_and_lenient_reads_work() {
    let (url, _f) = start().await;
    let c = client(&url);
    let id = Uuid::parse_str("0192e0a0-0000-7000-8000-000000000042").unwrap();
    let err = c.get_trace(id).await.unwrap_err();
    assert_eq!(err.to_string(), format!("trace {id} not found"));
    assert!(err.is_not_found());
    let t = c.get_trace(Uuid::nil()).await.unwrap();
    assert_eq!(t.name.as_deref(), Some("found"));
    assert_eq!(t.duration, None);
}

#[tokio::test]
async fn list_query_travels_json_encoded() {
    let (url, f) = start().await;
    let q = ListQuery {
        project_name: Some("my project".into()),
        filters: vec![Filter::keyed("metadata", "k", "=", "a+b")],
        search: Some("hello world".into()),
        ..ListQuery::default()
    };
    client(&url).list_traces(&q).await.unwrap();
    let raw = f.bodies.lock().unwrap()[0].as_str().unwrap().to_string();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("project_name").as_deref(), Some("my project"));
    assert_eq!(get("search").as_deref(), Some("hello world"));
    let filters: Value = serde_json::from_str(&get("filters").unwrap()).unwrap();
    assert_eq!(
        filters,
        json!([{"field": "metadata", "key": "k", "operator": "=", "value": "a%2Bb"}])
    );
    assert_eq!(get("truncate").as_deref(), Some("true"));
}

#[tokio::test]
async fn stream_follows_the_cursor_until_a_short_page() {
    let (url, f) = start().await;
    let c = client(&url);
    let req = TraceSearchRequest {
        project_name: Some("p".into()),
        ..Default::default()
    };
    let got = c.search_traces(req.clone(), None).await.unwrap();
    let ids: Vec<String> = got.iter().map(|t| t.id.unwrap().to_string()).collect();
    assert_eq!(ids, trace_ids());
    let bodies = f.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 3, "pages of 3, 3, 1");
    assert_eq!(bodies[0]["last_retrieved_id"], Value::Null);
    assert_eq!(bodies[1]["last_retrieved_id"], json!(trace_ids()[2]));
    assert_eq!(bodies[2]["last_retrieved_id"], json!(trace_ids()[5]));
    assert_eq!(bodies[0]["limit"], 3);

    // `max` caps the total and shrinks the last page's limit.
    f.bodies.lock().unwrap().clear();
    let got = c.search_traces(req, Some(5)).await.unwrap();
    assert_eq!(got.len(), 5);
    let bodies = f.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[1]["limit"], 2);
    assert_eq!(f.count("search"), 5);
}

#[tokio::test]
async fn error_object_mid_stream_becomes_an_err_item_and_ends_the_stream() {
    let (url, _f) = start().await;
    let c = client(&url);
    let items: Vec<_> = c
        .search_spans_stream(Default::default(), None)
        .collect()
        .await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().name.as_deref(), Some("a"));
    match &items[1] {
        Err(ApiError::Decode { what, .. }) => {
            assert_eq!(what, &format!("span {}", trace_ids()[1]))
        }
        other => panic!("expected a record decode error, got {other:?}"),
    }
    assert_eq!(
        items[2].as_ref().unwrap_err().to_string(),
        "the server stopped the span stream with an error (code 500): Streaming operation timed out"
    );
    // The collected form fails with the stream error (the bad record alone is skipped).
    let err = c.search_spans(Default::default(), None).await.unwrap_err();
    assert!(matches!(err, ApiError::Stream { .. }), "{err:?}");
}

#[tokio::test]
async fn broken_stream_resumes_from_the_cursor() {
    let (url, f) = start().await;
    let c = client(&url);
    let got = c.search_threads(Default::default(), None).await.unwrap();
    let names: Vec<&str> = got.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(names.len(), 7, "{names:?}");
    assert_eq!(names[..2], trace_ids()[..2]);
    let bodies = f.bodies.lock().unwrap().clone();
    assert!(bodies.len() >= 2);
    assert_eq!(
        bodies[1]["last_retrieved_thread_model_id"],
        json!(trace_ids()[1])
    );
}

#[tokio::test]
async fn gzip_replies_are_decoded() {
    let (url, f) = start().await;
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(format!("{url}/api/v1/private/projects"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(
        raw.headers()["content-encoding"],
        "gzip",
        "the fixture compresses"
    );
    let page = client(&url).list_projects(1, 300, None, &[]).await.unwrap();
    assert_eq!(page.content.len(), 300);
    assert_eq!(page.content[299].name, "project-299");
    assert_eq!(f.count("big"), 2);
}

#[tokio::test]
async fn a_server_ignoring_the_cursor_does_not_loop_forever() {
    let (url, f) = start().await;
    // A raw base URL `…/api/stuck` puts `/v1/private/traces/search` on the stuck route.
    let conn = Connection {
        base_url: format!("{url}/api/stuck"),
        ..Connection::new(&url).unwrap()
    };
    let c = OpikClient::with_options(&conn, fast_opts()).unwrap();
    let got = c.search_traces(Default::default(), None).await.unwrap();
    assert_eq!(
        got.len(),
        6,
        "the first page, then the repeat; then it stops"
    );
    assert_eq!(f.count("search-stuck"), 2);
}
