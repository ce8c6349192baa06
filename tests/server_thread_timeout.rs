//! `OPIK_TRACE_THREAD_TIMEOUT_TO_MARK_AS_INACTIVE` drives thread status: with a zero timeout a
//! thread is inactive as soon as its trace is written (its own test binary, since it sets the
//! environment before starting the server).
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use opik_tui::opik::model::new_id;
use opik_tui::server::{self, ServerConfig};
use serde_json::{Value, json};

#[tokio::test]
async fn zero_timeout_marks_threads_inactive() {
    // SAFETY: this test binary has a single test; nothing else reads the environment concurrently.
    unsafe { std::env::set_var(server::THREAD_TIMEOUT_ENV, "PT0S") };
    let dir = tempfile::tempdir().unwrap();
    let srv = server::spawn(ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("t.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .unwrap();
    let c = reqwest::Client::new();
    let base = format!("{}/v1/private", srv.base_url());
    let r = c
        .post(format!("{base}/traces/batch"))
        .json(&json!({"traces": [{"id": new_id(), "project_name": "to", "name": "t", "start_time": "2026-11-21T10:00:00Z", "thread_id": "c1"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let th: Value = c
        .post(format!("{base}/traces/threads/retrieve"))
        .json(&json!({"project_name": "to", "thread_id": "c1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(th["status"], "inactive");
    // and the status filter sees it
    let f = json!([{"field": "status", "operator": "=", "value": "inactive"}]).to_string();
    let page: Value = c
        .get(format!("{base}/traces/threads"))
        .query(&[("project_name", "to"), ("filters", f.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    srv.shutdown().await;
}
