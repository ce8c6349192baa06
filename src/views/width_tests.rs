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

#[test]
fn agreement_and_compare_tables_keep_borders_and_drop_escapes() {
    use crate::annotate::agreement::QueueAgreement;
    use crate::dashboard::TimeRange;
    use crate::dashboard::compare::{Comparison, ScoreSpec};
    use crate::views::agreement::{AgreementItemScreen, AgreementScreen};
    use crate::views::compare::CompareScreen;
    use crate::views::fixtures::scores::{by, definitions, queue, score, trace_item};
    let client = crate::app::testing::unreachable_client();
    // Annotators, categories and trace names from a hostile server.
    let evil = "\u{1b}]52;c;ZXZpbA==\u{7}mallory\u{1b}[31m";
    let items = (0..HOSTILE.len())
        .map(|i| {
            let t = trace_item(
                i as u128 + 1,
                vec![score(
                    "accuracy",
                    &[
                        by(HOSTILE[i], 1.0).cat(HOSTILE[(i + 1) % 4]),
                        by(evil, 0.0).cat(evil),
                    ],
                )],
            );
            match t {
                crate::annotate::session::ItemData::Trace(mut tr) => {
                    tr.name = Some(HOSTILE[i].into());
                    crate::annotate::session::ItemData::Trace(tr)
                }
                other => other,
            }
        })
        .collect::<Vec<_>>();
    let data = QueueAgreement::compute(queue(), &definitions(), items.clone());
    let item = data.items[0].clone();
    let mut s = AgreementScreen::with_data(client.clone(), data.clone());
    let buf = render_screen(&mut s, 120, 30, &Theme::dark());
    assert_borders_aligned(&buf, "agreement");
    let text = crate::app::testing::buffer_text(&buf);
    assert!(
        !text.contains('\u{1b}') && text.contains("mallory"),
        "{text}"
    );
    let mut d = AgreementItemScreen::new(data.queue, data.definitions, item);
    let text = crate::app::testing::buffer_text(&render_screen(&mut d, 100, 20, &Theme::dark()));
    assert!(
        !text.contains('\u{1b}') && text.contains("mallory"),
        "{text}"
    );
    let spec = |s: &str| ScoreSpec::parse(s).expect("spec");
    let c = Comparison::compute(spec("accuracy@ui"), spec(evil), items, &definitions());
    let mut v = CompareScreen::with_data(client, "p", c, TimeRange::Day);
    let buf = render_screen(&mut v, 120, 24, &Theme::dark());
    assert_borders_aligned(&buf, "compare");
    assert!(!crate::app::testing::buffer_text(&buf).contains('\u{1b}'));
}
