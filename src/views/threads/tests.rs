//! The threads list: rows from the server's threads, marks and the queue picker, snapshots.

use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::app::testing::{buffer_text, render_screen};
use crate::opik::model::FeedbackScore;
use crate::theme::Theme;

fn thread(id: &str, n: i64, active: bool) -> Thread {
    Thread {
        id: id.into(),
        first_message: Some(
            json!({"messages": [{"role": "user", "content": format!("Hello from {id}")}]}),
        ),
        last_message: Some(json!({"answer": "Sure, here is **the** answer", "sources": []})),
        number_of_messages: Some(n * 2),
        duration: Some(1234.0),
        start_time: Utc.with_ymd_and_hms(2026, 11, 22, 11, 0, 0).single(),
        last_updated_at: Utc.with_ymd_and_hms(2026, 11, 22, 11, 58, 0).single(),
        total_estimated_cost: Some(0.0042),
        usage: Some([("total_tokens".to_string(), 1500)].into_iter().collect()),
        status: Some(if active { "active" } else { "inactive" }.into()),
        feedback_scores: Some(vec![FeedbackScore {
            name: "helpful".into(),
            value: Some(1.0),
            ..Default::default()
        }]),
        tags: Some(vec!["prod".into()]),
        ..Default::default()
    }
}

#[test]
fn rows_extract_messages_like_the_web_ui() {
    let r = ThreadRow::from_thread(&thread("t-1", 3, true));
    assert_eq!(r.first, "Hello from t-1");
    assert_eq!(r.last, "Sure, here is **the** answer");
    assert_eq!(r.turns, Some(3));
    assert!(r.active);
    assert_eq!(r.scores, "helpful 1");
}

#[test]
fn space_marks_threads_and_a_offers_their_model_ids_to_a_queue() {
    use crate::app::testing::{fixed_now, no_opener, render_app, test_app};
    use crossterm::event::{KeyCode, KeyModifiers};
    let client = crate::opik::client::OpikClient::new(
        &crate::config::Connection::new("http://127.0.0.1:9/api").expect("url"),
    )
    .expect("client");
    let env = Rc::new(AppEnv::new(client, "http://127.0.0.1:9/api", "default"));
    let mut s = ThreadsScreen::new(env, "demo");
    let threads: Vec<Thread> = (1..=3u128)
        .map(|n| Thread {
            thread_model_id: Some(uuid::Uuid::from_u128(n)),
            ..thread(&format!("chat-{n}"), 2, n == 1)
        })
        .collect();
    s.apply_page(
        PageRequest {
            page: 1,
            size: PAGE,
            replace: true,
        },
        Page {
            total: Some(3),
            content: threads,
            ..Default::default()
        },
    );
    assert_eq!(s.list.rows[1].model_id, Some(uuid::Uuid::from_u128(2)));
    let mut app = test_app(no_opener());
    let now = fixed_now();
    app.push(Box::new(s), now);
    let key = |c: char| crossterm::event::KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    // Mark the 1st and 3rd thread (space moves down; j skips the 2nd).
    app.handle_key(key(' '), now);
    app.handle_key(key('j'), now);
    app.handle_key(key(' '), now);
    let text = buffer_text(&render_app(&mut app, 120, 12));
    assert!(text.contains("2 marked"), "{text}");
    app.handle_key(key('a'), now);
    assert_eq!(app.top_title().as_deref(), Some("Add 2 item(s) to a queue"));
    // Esc on the picker goes back; Esc on the list clears the marks.
    app.handle_key(
        crossterm::event::KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
        now,
    );
    app.handle_key(
        crossterm::event::KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
        now,
    );
    let text = buffer_text(&render_app(&mut app, 120, 12));
    assert!(!text.contains("marked"), "{text}");
    // Without marks, `a` queues the selected thread alone.
    app.handle_key(key('a'), now);
    assert_eq!(app.top_title().as_deref(), Some("Add 1 item(s) to a queue"));
}

#[test]
fn snapshot_threads_list() {
    let rows = vec![
        ThreadRow::from_thread(&thread("support-chat-001", 3, true)),
        ThreadRow::from_thread(&thread("support-chat-002", 1, false)),
    ];
    let mut s = ThreadsScreen::with_rows("demo", rows, Some(2));
    let theme = Theme::dark();
    insta::assert_snapshot!(
        "threads_80x24",
        buffer_text(&render_screen(&mut s, 80, 24, &theme))
    );
    insta::assert_snapshot!(
        "threads_160x45",
        buffer_text(&render_screen(&mut s, 160, 45, &theme))
    );
}

#[test]
fn a_scanned_list_is_not_called_live_and_does_not_wake_for_it() {
    let mut s = ThreadsScreen::with_rows("p", Vec::new(), Some(0));
    assert!(s.live);
    assert_eq!(s.status().as_deref(), Some("live"));
    s.turns = true;
    assert_eq!(
        s.status(),
        None,
        "a turns: list is a scan, not refreshed live"
    );
    assert_eq!(s.tick_interval(), s.list.time_tick());
    s.turns = false;
    s.grouping = Grouping::Metadata("session_id".into());
    assert_eq!(s.status(), None, "nor is a metadata scan");
}
