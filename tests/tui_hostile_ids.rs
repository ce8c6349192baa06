//! Ids shown vs ids sent (issue 17 item 9): a thread whose id carries control characters and
//! an escape sequence is listed with the id sanitised, and opening it through the app's own
//! code path sends the raw id, so the conversation loads instead of "not found".
#![allow(clippy::unwrap_used)]

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::ScreenRequest;
use serde_json::json;

mod common;
use common::embedded;

#[tokio::test(flavor = "current_thread")]
async fn a_thread_id_with_control_characters_opens() {
    let e = embedded::start("live").await;
    let thread_id = "evil\u{1b}[31m\u{7}thread\tid\u{202e}";
    common::post_traces(
        &e.handle.base_url(),
        vec![json!({
            "id": opik_tui::opik::model::new_id().to_string(),
            "project_name": "live", "name": "chat",
            "start_time": "2026-11-21T10:00:10.000Z",
            "end_time": "2026-11-21T10:00:11.000Z",
            "input": {"messages": [{"role": "user", "content": "Hostile question?"}]},
            "output": {"choices": [{"message": {"role": "assistant", "content": "Calm answer."}}]},
            "thread_id": thread_id,
        })],
    )
    .await;
    let mut d = e.driver(140, 40);
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
