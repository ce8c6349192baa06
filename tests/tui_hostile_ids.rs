//! Ids shown vs ids sent (issue 17 item 9): a thread whose id carries control characters and
//! an escape sequence is listed with the id sanitised, and opening it through the app's own
//! code path sends the raw id, so the conversation loads instead of "not found".
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::rc::Rc;

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::registry;
use opik_tui::app::tasks::Tasks;
use opik_tui::app::testing::test_config;
use opik_tui::app::{App, AppEnv, ScreenRequest};
use opik_tui::config::Connection;
use opik_tui::opik::client::OpikClient;
use opik_tui::server::{self, ServerConfig};
use serde_json::json;

mod common;
use common::driver::Driver;

#[tokio::test(flavor = "current_thread")]
async fn a_thread_id_with_control_characters_opens() {
    let dir = tempfile::tempdir().expect("tempdir");
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("OPIK_TUI_STATE_DIR", dir.path().join("state")) };
    let srv = server::spawn(ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("opik.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .expect("server");
    let base = srv.base_url();
    let thread_id = "evil\u{1b}[31m\u{7}thread\tid\u{202e}";
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/private/traces/batch"))
        .json(&json!({"traces": [{
            "id": opik_tui::opik::model::new_id().to_string(),
            "project_name": "live", "name": "chat",
            "start_time": "2026-11-21T10:00:10.000Z",
            "end_time": "2026-11-21T10:00:11.000Z",
            "input": {"messages": [{"role": "user", "content": "Hostile question?"}]},
            "output": {"choices": [{"message": {"role": "assistant", "content": "Calm answer."}}]},
            "thread_id": thread_id,
        }]}))
        .send()
        .await
        .expect("post traces");
    assert!(r.status().is_success(), "traces batch: {}", r.status());

    let client = OpikClient::new(&Connection {
        base_url: base.clone(),
        api_key: None,
        workspace: "default".into(),
        project: Some("live".into()),
        explicit: true,
    })
    .expect("client");
    let env = Rc::new(AppEnv::new(client, &base, "default"));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = App::new(test_config(), registry::opener(env), Tasks::new(Some(tx)));
    let mut d = Driver::new(app, rx, 140, 40);
    d.app.open(
        &ScreenRequest::Threads {
            project: "live".into(),
        },
        Utc::now(),
    );
    // Drawn sanitised: no escape, bell or bidi override reaches the screen.
    let s = d.until_has("evilthread").await;
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}') && !s.contains('\u{202e}'));
    d.press_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let s = d.until_has("Turn 1/1").await;
    assert!(s.contains("Hostile question?"), "{s}");
    assert!(!s.contains("not found"), "{s}");
}
