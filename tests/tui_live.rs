//! The TUI's screens against the real embedded server over HTTP, in process: the shell with a
//! real task channel, the real client and the registry. Checks that the projects list loads
//! with counts, the traces table pages as you scroll (`1–… of 250`), search and filter go to
//! the server, a trace opens with its span tree, and errors mid-session keep the data and
//! raise a toast.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::shell::{App, ShellConfig};
use opik_tui::app::tasks::{TaskMsg, Tasks};
use opik_tui::app::testing::{buffer_text, render_app, test_config};
use opik_tui::app::{AppEnv, ScreenRequest, registry};
use opik_tui::config::Connection;
use opik_tui::opik::client::OpikClient;
use opik_tui::opik::model::{new_id, ts};
use opik_tui::server::{self, ServerConfig, ServerHandle};
use serde_json::json;
use tokio::sync::mpsc::UnboundedReceiver;

const PROJECT: &str = "live-tui";

async fn start(dir: &tempfile::TempDir) -> ServerHandle {
    server::spawn(ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("opik.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .expect("server")
}

async fn post(base: &str, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .expect("POST");
    assert!(r.status().is_success(), "POST {path}: {}", r.status());
}

/// 250 traces (the newest named `needle_trace` and carrying two spans).
async fn seed(base: &str) -> uuid::Uuid {
    let now = Utc::now();
    let mut traces = Vec::new();
    let mut newest = None;
    for i in 0..250i64 {
        let id = new_id();
        let name = if i == 249 {
            "needle_trace".to_string()
        } else {
            format!("trace_{i:03}")
        };
        if i == 249 {
            newest = Some(id);
        }
        let start = now - chrono::Duration::seconds(250 - i);
        traces.push(json!({
            "id": id, "project_name": PROJECT, "name": name,
            "start_time": ts::format(&start),
            "end_time": ts::format(&(start + chrono::Duration::milliseconds(100 + i * 10))),
            "input": {"question": format!("q{i}")}, "output": {"answer": format!("a{i}")},
            "tags": if i % 2 == 0 { json!(["even"]) } else { json!(["odd"]) }
        }));
        // Ids are time-ordered; keep creation strictly increasing.
        std::thread::sleep(Duration::from_millis(1));
    }
    post(
        base,
        "/v1/private/traces/batch",
        json!({ "traces": traces }),
    )
    .await;
    let trace = newest.expect("newest");
    let t0 = now - chrono::Duration::seconds(1);
    let root = new_id();
    post(base, "/v1/private/spans/batch", json!({"spans": [
        {"id": root, "trace_id": trace, "project_name": PROJECT, "name": "root_step", "type": "general",
         "start_time": ts::format(&t0), "end_time": ts::format(&(t0 + chrono::Duration::milliseconds(500)))},
        {"id": new_id(), "trace_id": trace, "parent_span_id": root, "project_name": PROJECT,
         "name": "llm_call", "type": "llm", "model": "gpt-4o-mini", "provider": "openai",
         "start_time": ts::format(&(t0 + chrono::Duration::milliseconds(10))),
         "end_time": ts::format(&(t0 + chrono::Duration::milliseconds(400))),
         "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
    ]})).await;
    trace
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE), Utc::now());
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Deliver task results until `done(app)` holds (each wait bounded generously).
async fn pump(
    app: &mut App,
    rx: &mut UnboundedReceiver<TaskMsg>,
    what: &str,
    done: impl Fn(&mut App) -> bool,
) {
    for _ in 0..200 {
        if done(app) {
            return;
        }
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(msg)) => app.on_task(msg, Utc::now()),
            _ => break,
        }
    }
    let text = buffer_text(&render_app(app, 160, 45));
    assert!(done(app), "never reached: {what}\n{text}");
}

fn screen(app: &mut App) -> String {
    buffer_text(&render_app(app, 160, 45))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screens_load_page_search_and_open_traces_from_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let srv = start(&dir).await;
    let base = srv.base_url();
    seed(&base).await;

    let client = OpikClient::new(&Connection::new(&base).expect("conn")).expect("client");
    let env = Rc::new(AppEnv::new(client, &base, "default"));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cfg = ShellConfig {
        url: base.clone(),
        ..test_config()
    };
    let mut app = App::new(cfg, registry::opener(env), Tasks::new(Some(tx)));
    app.open(&ScreenRequest::Projects, Utc::now());
    pump(&mut app, &mut rx, "projects loaded", |a| {
        screen(a).contains(PROJECT)
    })
    .await;
    let text = screen(&mut app);
    assert!(text.contains("250"), "trace count shown:\n{text}");

    // Enter opens the project's traces; the first page shows the server total.
    key(&mut app, KeyCode::Enter);
    pump(&mut app, &mut rx, "traces loaded", |a| {
        screen(a).contains("needle_trace")
    })
    .await;
    let text = screen(&mut app);
    assert!(text.contains("of 250"), "{text}");
    assert_eq!(app.project(), Some(PROJECT));

    // Scrolling to the end of the loaded rows loads the next pages.
    for _ in 0..3 {
        key(&mut app, KeyCode::Char('G'));
        pump(&mut app, &mut rx, "next page", |a| a.busy() == 0).await;
    }
    key(&mut app, KeyCode::Char('G'));
    let text = screen(&mut app);
    assert!(
        text.contains("of 250") && text.contains("trace_000"),
        "all pages loaded:\n{text}"
    );

    // Server-side filter string: only odd-tagged traces.
    key(&mut app, KeyCode::Char('f'));
    typed(&mut app, "tags contains \"odd\"");
    key(&mut app, KeyCode::Enter);
    pump(&mut app, &mut rx, "filtered", |a| {
        screen(a).contains("of 125")
    })
    .await;
    key(&mut app, KeyCode::Esc);
    pump(&mut app, &mut rx, "filter cleared", |a| {
        screen(a).contains("of 250")
    })
    .await;

    // Open the newest trace: span tree and the LLM span's detail (fetched in full).
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Enter);
    pump(&mut app, &mut rx, "trace opened", |a| {
        screen(a).contains("llm_call")
    })
    .await;
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    pump(&mut app, &mut rx, "span detail", |a| a.busy() == 0).await;
    let text = screen(&mut app);
    assert!(text.contains("LLM llm_call"), "{text}");
    assert!(text.contains("gpt-4o-mini (openai)"), "{text}");

    // The server goes away: refreshing keeps the data and shows a toast.
    srv.shutdown().await;
    key(&mut app, KeyCode::Char('r'));
    pump(&mut app, &mut rx, "error toast", |a| {
        a.toasts()
            .items()
            .iter()
            .any(|t| t.text.contains("loading trace"))
    })
    .await;
    let text = screen(&mut app);
    assert!(
        text.contains("llm_call"),
        "data kept after the error:\n{text}"
    );
}
