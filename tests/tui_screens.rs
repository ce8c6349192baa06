//! Snapshot tests of every screen of the trace browser at 80×24 and 160×45, rendered through
//! the whole shell (status bar, hint bar) into a ratatui TestBackend with fixed data and a
//! fixed "now". Also checks that hostile text never reaches the buffer. The trace view's
//! detail pane on a retrieval trace: the Input/Output tab with the passages folded to a
//! count above the markdown answer, the input section folded away, a search hit unfolded
//! inside the folded array (long passages cut with their length), `Enter` on an array.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::connect::ConnectScreen;
use opik_tui::app::testing::{buffer_text, fixed_now, no_opener, render_app, test_app};
use opik_tui::app::{App, DynScreen, ScreenRequest};
use opik_tui::views::fixtures;
use opik_tui::views::projects::ProjectsScreen;
use opik_tui::views::trace_view::TraceViewScreen;
use opik_tui::views::traces::{TraceRow, TracesScreen};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 45)];

fn app_with(screen: Box<dyn DynScreen>) -> App {
    let mut app = test_app(no_opener());
    app.push(screen, fixed_now());
    app
}

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        app.handle_key(KeyEvent::new(code, KeyModifiers::NONE), fixed_now());
    }
}

fn snap(name: &str, app: &mut App) {
    for (w, h) in SIZES {
        let text = buffer_text(&render_app(app, w, h));
        assert!(
            !text.contains('\u{1b}'),
            "escape reached the screen:\n{text}"
        );
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

fn traces_screen() -> TracesScreen {
    let rows: Vec<TraceRow> = fixtures::traces(60, fixed_now())
        .iter()
        .map(TraceRow::from_trace)
        .collect();
    TracesScreen::with_rows("support-bot", rows, Some(12_345))
}

fn trace_view() -> TraceViewScreen {
    let (trace, spans) = fixtures::agent_trace(fixed_now(), 0);
    TraceViewScreen::with_data("support-bot", trace.id.unwrap(), Some(trace), spans)
}

#[test]
fn projects_list() {
    let rows = fixtures::projects(fixed_now());
    let mut app = app_with(Box::new(ProjectsScreen::with_rows(rows, Some(5))));
    keys(&mut app, "j");
    snap("projects", &mut app);
}

#[test]
fn projects_empty() {
    let mut app = app_with(Box::new(ProjectsScreen::with_rows(Vec::new(), Some(0))));
    snap("projects_empty", &mut app);
}

#[test]
fn traces_table() {
    let mut app = app_with(Box::new(traces_screen()));
    keys(&mut app, "jjj ");
    snap("traces", &mut app);
    let text = buffer_text(&render_app(&mut app, 160, 45));
    assert!(text.contains("1–40 of 12,345"), "{text}");
    assert!(text.contains("1 marked"), "{text}");
    // The hostile name is shown without its escape sequences.
    assert!(text.contains("agent run"), "{text}");
    assert!(!text.contains("pwned"), "{text}");
}

#[test]
fn traces_filter_input_with_error() {
    let mut app = app_with(Box::new(traces_screen()));
    keys(&mut app, "fname = unquoted\n");
    snap("traces_filter_error", &mut app);
}

#[test]
fn trace_view_trace_selected() {
    let mut app = app_with(Box::new(trace_view()));
    snap("trace_view", &mut app);
}

#[test]
fn trace_view_llm_span_output_tab() {
    let mut app = app_with(Box::new(trace_view()));
    // The Input/Output tab shows the span's input above its output.
    keys(&mut app, "jj");
    snap("trace_view_llm_output", &mut app);
    let text = buffer_text(&render_app(&mut app, 160, 45));
    assert!(text.contains("gpt-4o (openai)"), "{text}");
}

#[test]
fn trace_view_error_and_scores_tabs() {
    let mut app = app_with(Box::new(trace_view()));
    // Select the failing tool span (trace, agent_loop, plan, lookup_order, db.query, http).
    keys(&mut app, "jjjjj");
    for _ in 0..4 {
        keys(&mut app, "]");
    }
    snap("trace_view_error_tab", &mut app);
    let text = buffer_text(&render_app(&mut app, 160, 45));
    assert!(text.contains("ConnectionResetError"), "{text}");
    // Trace-level scores with author and reason.
    let mut app = app_with(Box::new(trace_view()));
    keys(&mut app, "]]]");
    let text = buffer_text(&render_app(&mut app, 160, 45));
    assert!(
        text.contains("alice: 0.75  found the order quickly"),
        "{text}"
    );
}

#[test]
fn trace_view_folding() {
    let mut app = app_with(Box::new(trace_view()));
    keys(&mut app, "jh");
    let text = buffer_text(&render_app(&mut app, 160, 45));
    assert!(text.contains("▸ SPAN agent_loop"), "{text}");
    assert!(!text.contains("lookup_order"), "{text}");
    keys(&mut app, "l");
    let text = buffer_text(&render_app(&mut app, 160, 45));
    assert!(text.contains("lookup_order"), "{text}");
}

#[test]
fn connection_failed_screen() {
    let probe: opik_tui::app::connect::Probe = Arc::new(|| Box::pin(async { Ok(()) }));
    let mut app = app_with(Box::new(ConnectScreen::failed(
        "http://127.0.0.1:9/api",
        ScreenRequest::Projects,
        probe,
        "cannot connect to http://127.0.0.1:9/api: connection refused — is Opik running? set --url or OPIK_URL_OVERRIDE",
    )));
    snap("connect_failed", &mut app);
}

#[test]
fn command_line_completion_popup() {
    let rows = fixtures::projects(fixed_now());
    let mut app = app_with(Box::new(ProjectsScreen::with_rows(rows, Some(5))));
    keys(&mut app, ":t\t");
    snap("command_line", &mut app);
}

#[test]
fn trace_view_markdown_output_and_raw_toggle() {
    let mut app = app_with(Box::new(trace_view()));
    // Fold the input section: the output follows its header.
    render_app(&mut app, 160, 45);
    keys(&mut app, "\th");
    snap("trace_view_markdown_output", &mut app);
    let text = buffer_text(&render_app(&mut app, 160, 45));
    assert!(text.contains("Order #1234"), "{text}");
    assert!(
        !text.contains("## Order"),
        "markdown heading is rendered, not raw:\n{text}"
    );
    keys(&mut app, "R");
    let text = buffer_text(&render_app(&mut app, 160, 45));
    assert!(text.contains("\"output\": \"## Order #1234"), "{text}");
}

#[test]
fn live_tail_merge_keeps_the_selection_on_its_trace() {
    let all = fixtures::traces(30, fixed_now());
    // The screen has the 20 older traces; 10 newer ones arrive with the next tail page.
    let rows: Vec<TraceRow> = all[10..].iter().map(TraceRow::from_trace).collect();
    let mut s = TracesScreen::with_rows("p", rows, Some(20));
    s.list.table.selected = 4;
    let selected_id = s.list.rows[4].id;
    let added = s.merge_head(&all[..15], Some(30));
    assert_eq!(added, 10, "only unseen traces are added");
    assert_eq!(s.list.rows.len(), 30);
    assert_eq!(s.list.rows[s.list.table.selected].id, selected_id);
    assert_eq!(s.list.rows[0].id, all[0].id, "newest on top");
    assert_eq!(s.list.total, Some(30));
}

#[tokio::test]
async fn megabyte_payloads_render_in_the_background() {
    let (mut trace, spans) = fixtures::agent_trace(fixed_now(), 0);
    let big: Vec<serde_json::Value> = (0..20_000)
        .map(|i| serde_json::json!({"i": i, "text": "lorem ipsum dolor sit amet"}))
        .collect();
    trace.input = Some(serde_json::json!({ "rows": big }));
    let screen = TraceViewScreen::with_data("p", trace.id.unwrap(), Some(trace), spans);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut app = App::new(
        opik_tui::app::testing::test_config(),
        no_opener(),
        opik_tui::app::tasks::Tasks::new(Some(tx)),
    );
    app.push(Box::new(screen), fixed_now());
    let first = buffer_text(&render_app(&mut app, 160, 45));
    assert!(first.contains("laying out a large payload"), "{first}");
    assert_eq!(app.busy(), 1, "the render was started after the frame");
    let msg = tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
        .await
        .expect("render finished")
        .expect("message");
    app.on_task(msg, fixed_now());
    let text = buffer_text(&render_app(&mut app, 160, 45));
    assert!(text.contains("\"rows\": [ … 20,000 items ]"), "{text}");
}

// ---- the detail pane on a retrieval trace (issue #19) ----

/// A trace whose input is ~150 KB of passages (folded: above 64 KB) and whose answer is a
/// few KB of markdown: small enough to lay out without a runtime.
fn rag_trace_view() -> App {
    let (trace, spans) = fixtures::heavy::heavy_trace(fixed_now(), 150_000, 3_000, 0);
    let screen = TraceViewScreen::with_data("rag", trace.id.unwrap(), Some(trace), spans);
    let mut app = test_app(no_opener());
    app.push(Box::new(screen), fixed_now());
    // Drawn once, as the app always does before the first key.
    render_app(&mut app, 160, 45);
    app
}

fn screen(app: &mut App) -> String {
    buffer_text(&render_app(app, 160, 45))
}

#[test]
fn input_and_output_together_with_the_passages_folded() {
    let mut app = rag_trace_view();
    snap("trace_detail_input_output", &mut app);
    let s = screen(&mut app);
    assert!(s.contains(" Input/Output "), "{s}");
    assert!(s.contains("\"retrieved\": [ … 18 items ]"), "{s}");
    assert!(s.contains("▾ Output"), "{s}");
    assert!(s.contains("Incident report: delayed orders"), "{s}");
}

#[test]
fn the_input_section_folds_from_its_header() {
    let mut app = rag_trace_view();
    keys(&mut app, "\th");
    snap("trace_detail_input_folded", &mut app);
    let s = screen(&mut app);
    assert!(s.contains("▸ Input …"), "{s}");
    keys(&mut app, "l");
    assert!(screen(&mut app).contains("\"index\": \"kb-v3\""));
}

#[test]
fn a_search_hit_inside_the_folded_array_is_unfolded_and_marked() {
    let mut app = rag_trace_view();
    keys(&mut app, "\t/DOC-00007\n");
    snap("trace_detail_search_hit", &mut app);
    let s = screen(&mut app);
    assert!(s.contains("\"id\": \"doc-00007\""), "{s}");
    assert!(s.contains("/DOC-00007 · 1/1"), "{s}");
    assert!(
        s.contains("chars)"),
        "a passage is cut with its length:\n{s}"
    );
}

#[test]
fn enter_opens_a_folded_array_on_the_cursor_line_and_h_folds_it() {
    let mut app = rag_trace_view();
    // To the array's line (its key is a search hit), then Enter.
    keys(&mut app, "\t/\"retrieved\"\n\n");
    let s = screen(&mut app);
    assert!(s.contains("\"retrieved\": ["), "{s}");
    assert!(s.contains("\"id\": \"doc-00000\""), "{s}");
    keys(&mut app, "h");
    assert!(screen(&mut app).contains("\"retrieved\": [ … 18 items ]"));
}
