//! The list screens through the app's own code path against the embedded server:
//! - at their ends (issue 19 item 5): in a traces list longer than what is loaded, `G` goes
//!   to the real last trace (its page is loaded, not only the last loaded row) and `g` back
//!   to the first, with the footer counting from the right place; `S` reverses the default
//!   "newest" order on the server, not only the arrow;
//! - marks end with the action (issue 20 item 6): after `a` added the marked rows to a
//!   queue the marks are gone; when adding failed they stay;
//! - lists are current when you come back (issue 20 item 2): back from a trace, the traces
//!   list shows the traces logged meanwhile on top with the selection still on its trace,
//!   and the projects list the new count.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};
use crossterm::event::KeyCode;
use opik_tui::app::ScreenRequest;
use opik_tui::opik::client::OpikClient;
use opik_tui::opik::model::AnnotationQueue;
use serde_json::json;

mod common;
use common::driver::{Driver, embedded_server};

/// `n` traces named `t0000` (oldest) … in project `ends`, ids in the same order.
async fn log_traces(base: &str, n: usize) {
    log_more_traces(base, 0..n).await;
}

/// Traces numbered `range` (names `tNNNN`, a second apart) in project `ends`.
async fn log_more_traces(base: &str, range: std::ops::Range<usize>) {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
    let traces: Vec<_> = range
        .map(|i| {
            let start = t0 + Duration::seconds(i as i64);
            json!({
                "id": opik_tui::opik::model::new_id().to_string(),
                "project_name": "ends",
                "name": format!("t{i:04}"),
                "start_time": start.to_rfc3339(),
                "end_time": (start + Duration::milliseconds(300)).to_rfc3339(),
                "input": {"q": format!("question {i}")},
            })
        })
        .collect();
    common::post_traces(base, traces).await;
}

/// The name in the selected row (marked `▌` in the gutter).
fn selected_name(screen: &str) -> Option<String> {
    let line = screen.lines().find(|l| l.contains('▌'))?;
    line.split_whitespace()
        .find(|w| w.starts_with('t') && w.len() == 5 && w[1..].chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

/// Whether the selected row (`▌`) is the one showing `text`.
fn selected_line(screen: &str, text: &str) -> bool {
    screen
        .lines()
        .find(|l| l.contains(text))
        .is_some_and(|l| l.contains('▌'))
}

/// The first trace row's name.
fn top_name(screen: &str) -> Option<String> {
    let header = screen.lines().position(|l| l.contains("Start"))?;
    let row = screen.lines().nth(header + 1)?;
    row.split_whitespace()
        .find(|w| w.starts_with('t') && w.len() == 5)
        .map(str::to_string)
}

/// The embedded server with `n` traces in project `ends`, its database in `dir`. (The list
/// screens write nothing to the outbox, so no state dir is needed.)
async fn server_with_traces(
    dir: &std::path::Path,
    n: usize,
) -> (opik_tui::server::ServerHandle, String) {
    let srv = embedded_server(dir).await;
    let base = srv.base_url();
    log_traces(&base, n).await;
    (srv, base)
}

fn open_traces(d: &mut Driver) {
    d.app.open(
        &ScreenRequest::Traces {
            project: "ends".into(),
        },
        Utc::now(),
    );
}

#[tokio::test(flavor = "current_thread")]
async fn g_and_shift_g_reach_the_ends_of_a_long_traces_list_and_s_reverses_newest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (srv, base) = server_with_traces(dir.path(), 250).await;
    let mut d = Driver::connected(&base, 120, 30);
    open_traces(&mut d);
    let s = d.until_has("of 250").await;
    assert_eq!(top_name(&s).as_deref(), Some("t0249"), "newest first:\n{s}");

    // G: the oldest trace of all 250, though only the first page was loaded.
    d.press('G');
    let s = d
        .until("the last trace selected", |s| {
            selected_name(s).as_deref() == Some("t0000")
        })
        .await;
    assert!(
        s.contains("–250 of 250"),
        "the footer counts to the end:\n{s}"
    );
    // Moving up from there reads the rows above it (a key at the top of what is loaded
    // waits for the page above, as a user would).
    d.press_until("60 rows up", 'k', |s| {
        selected_name(s).as_deref() == Some("t0060")
    })
    .await;

    // g: back to the newest.
    d.press('g');
    let s = d
        .until("the first trace selected", |s| {
            selected_name(s).as_deref() == Some("t0249")
        })
        .await;
    assert!(s.contains("1–"), "{s}");

    // S: the default order, reversed on the server: the oldest on top, the arrow up.
    d.press('S');
    let s = d
        .until("oldest on top", |s| top_name(s).as_deref() == Some("t0000"))
        .await;
    assert!(s.contains("Start ↑"), "{s}");
    assert!(s.contains("of 250"), "{s}");
    d.press('S');
    let s = d
        .until("newest on top again", |s| {
            top_name(s).as_deref() == Some("t0249")
        })
        .await;
    assert!(s.contains("Start ↓"), "{s}");
    srv.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn marks_are_cleared_once_the_rows_are_in_the_queue_and_kept_when_adding_failed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (srv, base) = server_with_traces(dir.path(), 5).await;
    let client = OpikClient::new(&opik_tui::config::Connection::new(&base).unwrap()).unwrap();
    let project = client.retrieve_project("ends").await.unwrap();
    let queue = |name: &str| AnnotationQueue {
        name: name.into(),
        scope: "trace".into(),
        project_id: project.id,
        ..AnnotationQueue::default()
    };
    let good = client.create_queue(&queue("good queue")).await.unwrap();
    let gone = client.create_queue(&queue("gone queue")).await.unwrap();

    let mut d = Driver::connected(&base, 120, 30);
    open_traces(&mut d);
    d.until_has("of 5").await;
    d.type_str(" j ");
    assert!(d.screen().contains("2 marked"), "{}", d.screen());

    // Adding fails (the queue was deleted meanwhile): the marks stay for another try.
    d.press('a');
    d.until_has("gone queue").await;
    client.delete_queues(&[gone]).await.unwrap();
    d.press_until("the gone queue selected", 'j', |s| {
        selected_line(s, "gone queue")
    })
    .await;
    d.press_code(KeyCode::Enter);
    d.until_some("an error toast", |d| {
        d.app
            .toasts()
            .items()
            .iter()
            .find(|t| t.text.contains("gone") || t.text.contains("not found"))
            .map(|t| t.text.clone())
    })
    .await;
    d.press_code(KeyCode::Esc);
    let s = d.until_has("Traces · ends").await;
    assert!(s.contains("2 marked"), "marks kept after a failure:\n{s}");

    // Adding succeeds: the marks are gone, the rows are in the queue.
    d.press('a');
    d.until_has("good queue").await;
    d.press_until("the good queue selected", 'k', |s| {
        selected_line(s, "good queue")
    })
    .await;
    d.press_code(KeyCode::Enter);
    d.toast("Added 2").await;
    let s = d.until_has("Traces · ends").await;
    assert!(!s.contains("marked"), "marks cleared after the add:\n{s}");
    assert_eq!(client.get_queue(good).await.unwrap().items_count, Some(2));
    srv.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn back_from_a_trace_the_lists_show_what_came_in_meanwhile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (srv, base) = server_with_traces(dir.path(), 5).await;
    let mut env = common::driver::env_for(&base);
    env.refresh = std::time::Duration::from_millis(50);
    let mut d = Driver::with_env(env, 120, 30);
    d.app.open(&ScreenRequest::Projects, Utc::now());
    let s = d.until_has("ends").await;
    assert!(
        s.lines().any(|l| l.contains("ends") && l.contains(" 5 ")),
        "{s}"
    );
    d.press_code(KeyCode::Enter);
    d.until_has("of 5").await;
    d.press('j');
    let s = d.screen();
    assert_eq!(selected_name(&s).as_deref(), Some("t0003"), "{s}");
    d.press_code(KeyCode::Enter);
    d.until_has("question 3").await;

    // Three newer traces arrive while the trace is open.
    log_more_traces(&base, 5..8).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    d.press_code(KeyCode::Esc);
    let s = d.until_has("of 8").await;
    assert_eq!(
        top_name(&s).as_deref(),
        Some("t0007"),
        "newest on top:\n{s}"
    );
    assert_eq!(
        selected_name(&s).as_deref(),
        Some("t0003"),
        "the selection stays on its trace:\n{s}"
    );
    d.press_code(KeyCode::Esc);
    let s = d
        .until("the new count", |s| {
            s.lines().any(|l| l.contains("ends") && l.contains(" 8 "))
        })
        .await;
    assert!(s.contains("Projects"), "{s}");
    srv.shutdown().await;
}
