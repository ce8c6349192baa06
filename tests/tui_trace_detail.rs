//! Snapshots of the trace view's detail pane on a retrieval trace (issue #19), through the
//! whole shell at 80×24 and 160×45: the Input/Output tab with the passages folded to a count
//! above the markdown answer, the input section folded away, a search hit unfolded inside the
//! folded array (long passages cut with their length), and a JSON array opened with `Enter`.
#![allow(clippy::unwrap_used)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::App;
use opik_tui::app::testing::{buffer_text, fixed_now, no_opener, render_app, test_app};
use opik_tui::views::fixtures::heavy::heavy_trace;
use opik_tui::views::trace_view::TraceViewScreen;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 45)];

/// A trace whose input is ~150 KB of passages (folded: above 64 KB) and whose answer is a
/// few KB of markdown: small enough to lay out without a runtime.
fn app() -> App {
    let (trace, spans) = heavy_trace(fixed_now(), 150_000, 3_000, 0);
    let screen = TraceViewScreen::with_data("rag", trace.id.unwrap(), Some(trace), spans);
    let mut app = test_app(no_opener());
    app.push(Box::new(screen), fixed_now());
    // Drawn once, as the app always does before the first key.
    render_app(&mut app, 160, 45);
    app
}

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
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

fn screen(app: &mut App) -> String {
    buffer_text(&render_app(app, 160, 45))
}

#[test]
fn input_and_output_together_with_the_passages_folded() {
    let mut app = app();
    snap("detail_input_output", &mut app);
    let s = screen(&mut app);
    assert!(s.contains(" Input/Output "), "{s}");
    assert!(s.contains("\"retrieved\": [ … 18 items ]"), "{s}");
    assert!(s.contains("▾ Output"), "{s}");
    assert!(s.contains("Incident report: delayed orders"), "{s}");
}

#[test]
fn the_input_section_folds_from_its_header() {
    let mut app = app();
    keys(&mut app, "\th");
    snap("detail_input_folded", &mut app);
    let s = screen(&mut app);
    assert!(s.contains("▸ Input …"), "{s}");
    keys(&mut app, "l");
    assert!(screen(&mut app).contains("\"index\": \"kb-v3\""));
}

#[test]
fn a_search_hit_inside_the_folded_array_is_unfolded_and_marked() {
    let mut app = app();
    keys(&mut app, "\t/DOC-00007\n");
    snap("detail_search_hit", &mut app);
    let s = screen(&mut app);
    assert!(s.contains("\"id\": \"doc-00007\""), "{s}");
    assert!(s.contains("/DOC-00007 · 1/1"), "{s}");
    assert!(
        s.contains("chars)"),
        "a passage is cut with its length:\n{s}"
    );
    // Esc clears the search, a second Esc goes back to the tree.
    keys(&mut app, "\u{1b}");
}

#[test]
fn enter_opens_a_folded_array_on_the_cursor_line_and_h_folds_it() {
    let mut app = app();
    // To the array's line (its key is a search hit), then Enter.
    keys(&mut app, "\t/\"retrieved\"\n\n");
    let s = screen(&mut app);
    assert!(s.contains("\"retrieved\": ["), "{s}");
    assert!(s.contains("\"id\": \"doc-00000\""), "{s}");
    keys(&mut app, "h");
    assert!(screen(&mut app).contains("\"retrieved\": [ … 18 items ]"));
}
