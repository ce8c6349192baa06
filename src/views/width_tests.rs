//! Width-changing text (issue 17 item 10): rows holding line separators, long emoji ZWJ
//! sequences and combining-mark runs keep every border at the same terminal column. The
//! buffer is replayed the way a terminal without grapheme clustering draws it (each
//! character advances by its own width), which is where shifted borders came from.

use ratatui::buffer::Buffer;
use serde_json::json;
use unicode_width::UnicodeWidthChar;

use crate::app::testing::render_screen;
use crate::opik::model::{Span, Thread, Trace};
use crate::theme::Theme;
use crate::views::threads::{ThreadRow, ThreadsScreen};
use crate::views::trace_view::TraceViewScreen;

const HOSTILE: [&str; 4] = [
    "family 👨\u{200D}👩\u{200D}👧\u{200D}👦👨\u{200D}👩\u{200D}👧\u{200D}👦 end",
    "zalgo e\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}\u{307}\u{308}\u{309} end",
    "line\u{2028}separator\u{2029}paragraph end",
    "long 👍\u{200D}👍\u{200D}👍\u{200D}👍\u{200D}👍\u{200D}👍\u{200D}👍 end",
];

/// The terminal columns at which each row's `│` borders land.
fn border_columns(buf: &Buffer) -> Vec<Vec<usize>> {
    let a = buf.area;
    (a.top()..a.bottom())
        .map(|y| {
            let mut term_x = 0usize;
            let mut x = a.left();
            let mut cols = Vec::new();
            while x < a.right() {
                let sym = buf[(x, y)].symbol();
                if sym == "│" {
                    cols.push(term_x);
                }
                let drawn: usize = sym.chars().map(|c| c.width().unwrap_or(0)).sum();
                term_x += drawn;
                // ratatui skips the cells a wide symbol covers.
                x += u16::try_from(unicode_width::UnicodeWidthStr::width(sym).max(1)).unwrap_or(1);
            }
            cols
        })
        .collect()
}

/// Every row that has a border on its right edge has it at the buffer's last column.
fn assert_borders_aligned(buf: &Buffer, what: &str) {
    let want = usize::from(buf.area.width - 1);
    let text = crate::app::testing::buffer_text(buf);
    for (y, cols) in border_columns(buf).iter().enumerate() {
        if let Some(&last) = cols.last()
            && buf[(buf.area.right() - 1, buf.area.top() + y as u16)].symbol() == "│"
        {
            assert_eq!(last, want, "{what}: row {y} border shifted:\n{text}");
        }
    }
}

#[test]
fn threads_table_borders_stay_put() {
    let rows: Vec<ThreadRow> = HOSTILE
        .iter()
        .map(|t| {
            let th: Thread = serde_json::from_value(json!({
                "id": t, "first_message": t, "last_message": t,
            }))
            .expect("thread");
            ThreadRow::from_thread(&th)
        })
        .collect();
    let mut s = ThreadsScreen::with_rows("p", rows, None);
    let buf = render_screen(&mut s, 120, 12, &Theme::dark());
    assert_borders_aligned(&buf, "threads");
}

#[test]
fn trace_view_tree_and_detail_borders_stay_put() {
    let spans: Vec<Span> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::from_value(json!({
                "id": format!("0190a1b2-0000-7000-8000-0000000000{i:02}"),
                "name": t, "input": {"text": t}, "output": t,
            }))
            .expect("span")
        })
        .collect();
    let trace: Trace =
        serde_json::from_value(json!({"name": HOSTILE[0], "input": HOSTILE[1]})).expect("trace");
    let mut v = TraceViewScreen::with_data("p", Default::default(), Some(trace), spans);
    for sel in 0..=HOSTILE.len() {
        v.selected = sel;
        let buf = render_screen(&mut v, 140, 24, &Theme::dark());
        assert_borders_aligned(&buf, &format!("trace view, row {sel}"));
    }
}
