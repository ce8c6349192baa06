//! Nothing panics on input: random JSON documents (and random bytes) posted to the ingest,
//! score, search and thread endpoints get a 2xx or a 4xx, never a 5xx or a panic. Requests go
//! through the real router in-process (`tower::ServiceExt::oneshot`) to keep the run fast.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use opik_tui::server::{AppState, Db, Settings, auth::Auth, router};
use proptest::prelude::*;
use serde_json::{Value, json};
use tower::ServiceExt;

fn state(dir: &tempfile::TempDir) -> AppState {
    AppState {
        db: Db::open(&dir.path().join("fuzz.db")).unwrap(),
        auth: Arc::new(Auth::default()),
        addr: "127.0.0.1:5173".parse().unwrap(),
        settings: Arc::new(Settings::from_env()),
        guard: Arc::default(),
        limits: Default::default(),
    }
}

const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/api/v1/private/traces/batch"),
    ("POST", "/api/v1/private/spans/batch"),
    ("POST", "/api/v1/private/traces"),
    (
        "PATCH",
        "/api/v1/private/traces/01a20053-77c2-7040-bd3b-311e28b1133d",
    ),
    (
        "PATCH",
        "/api/v1/private/spans/01a20053-77c2-7040-bd3b-311e28b1133e",
    ),
    ("PUT", "/api/v1/private/traces/feedback-scores"),
    ("PUT", "/api/v1/private/traces/threads/feedback-scores"),
    ("POST", "/api/v1/private/traces/search"),
    ("POST", "/api/v1/private/spans/search"),
    ("POST", "/api/v1/private/traces/threads/search"),
    ("POST", "/api/v1/private/traces/threads/retrieve"),
    ("POST", "/api/v1/private/projects/retrieve"),
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
        Just(json!("01a20053-77c2-7040-bd3b-311e28b1133d")),
        Just(json!("2026-11-21T10:00:00Z")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        let keys = prop_oneof![
            Just("id".to_string()),
            Just("traces".to_string()),
            Just("spans".to_string()),
            Just("scores".to_string()),
            Just("filters".to_string()),
            Just("start_time".to_string()),
            Just("trace_id".to_string()),
            Just("name".to_string()),
            Just("value".to_string()),
            Just("field".to_string()),
            Just("operator".to_string()),
            Just("usage".to_string()),
            Just("thread_id".to_string()),
            Just("limit".to_string()),
            Just("type".to_string()),
            Just("last_retrieved_id".to_string()),
            "[a-z_A-Z]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn check(app: &axum::Router, method: &str, path: &str, body: Vec<u8>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let resp = rt.block_on(app.clone().oneshot(req)).unwrap();
    assert!(
        resp.status() != StatusCode::INTERNAL_SERVER_ERROR && !resp.status().is_server_error(),
        "{method} {path} -> {}",
        resp.status()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, .. ProptestConfig::default() })]

    #[test]
    fn random_json_never_5xx(doc in arb_json(), ep in 0..ENDPOINTS.len(), wrap in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let app = router(state(&dir));
        let (m, p) = ENDPOINTS[ep];
        // also wrap the document as a batch element so deeper validation is reached
        let doc = if wrap { json!({"traces": [doc.clone()], "spans": [doc.clone()], "scores": [doc]}) } else { doc };
        check(&app, m, p, serde_json::to_vec(&doc).unwrap());
    }

    #[test]
    fn random_bytes_never_5xx(bytes in prop::collection::vec(any::<u8>(), 0..200), ep in 0..ENDPOINTS.len()) {
        let dir = tempfile::tempdir().unwrap();
        let app = router(state(&dir));
        let (m, p) = ENDPOINTS[ep];
        check(&app, m, p, bytes);
    }
}
