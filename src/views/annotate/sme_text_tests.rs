//! What an SME reads on an item: a failed call's error (type, message, the traceback on `e`)
//! and its failed spans, never a bare "(empty)" output.

use super::tests::{press, screen};
use super::*;
use crate::annotate::session::LockState;
use crate::app::testing::{buffer_text, render_screen};
use crate::opik::model::{ErrorInfo, Span as ApiSpan, Trace};
use crate::theme::Theme;
use crossterm::event::KeyCode;

fn rate_limited() -> ErrorInfo {
    ErrorInfo {
        exception_type: Some("RateLimitError".into()),
        message: Some("Error code: 429 - rate limit reached for gpt-4o-mini".into()),
        traceback: Some("Traceback (most recent call last):\n  File \"app.py\", line 12".into()),
    }
}

/// The screen on its first item, made a failed call (no output) with one failed span.
fn failed_item() -> AnnotateScreen {
    let mut s = screen();
    let sess = s.session_mut().expect("session");
    sess.start();
    let cur = sess.current;
    sess.items[cur].lock = LockState::Mine(None);
    let id = sess.items[cur].id;
    if let ItemData::Trace(t) = &mut sess.items[cur].data {
        **t = Trace {
            output: None,
            error_info: Some(rate_limited()),
            ..(**t).clone()
        };
    }
    s.set_context(
        id,
        ItemContext {
            spans: vec![
                ApiSpan {
                    name: Some("retrieve".into()),
                    span_type: Some("tool".into()),
                    ..Default::default()
                },
                ApiSpan {
                    name: Some("chat_completion".into()),
                    span_type: Some("llm".into()),
                    error_info: Some(rate_limited()),
                    ..Default::default()
                },
            ],
            turns: vec![],
        },
    );
    s
}

#[test]
fn a_failed_trace_shows_its_error_first_and_marks_its_spans() {
    let mut s = failed_item();
    for (w, h) in [(80, 24), (160, 45)] {
        let text = buffer_text(&render_screen(&mut s, w, h, &Theme::dark()));
        assert!(
            text.contains("✗ This call failed: RateLimitError: Error"),
            "{text}"
        );
        assert!(text.contains("e: traceback"), "{text}");
        assert!(!text.contains("(empty)"), "{text}");
        assert!(text.contains("(no output: the call failed"), "{text}");
        assert!(text.contains("Spans (2, 1 failed)"), "{text}");
        assert!(!text.contains("most recent call last"), "folded: {text}");
    }
    // `S` unfolds the spans: the failed one is marked; `e` shows the traceback.
    press(&mut s, &[KeyCode::Char('S'), KeyCode::Char('e')]);
    let text = buffer_text(&render_screen(&mut s, 160, 45, &Theme::dark()));
    assert!(
        text.contains("chat_completion") && text.contains("✗ RateLimitError"),
        "{text}"
    );
    assert!(
        text.contains("Traceback (most recent call last):"),
        "{text}"
    );
    assert!(text.contains("e: hide"), "{text}");
    insta::assert_snapshot!("failed_item_160x45", text);
}

#[test]
fn long_instructions_say_what_is_cut_and_open_whole_on_i() {
    let mut s = screen();
    let sess = s.session_mut().expect("session");
    sess.queue.instructions = Some(
        (1..=9)
            .map(|n| format!("{n}. Rule number {n}: check the answer against the docs."))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    sess.start();
    let render = |s: &mut AnnotateScreen| buffer_text(&render_screen(s, 80, 24, &Theme::dark()));
    // 80×24: a quarter of the screen holds 4 rules; the border says 5 more lines are cut.
    let text = render(&mut s);
    assert!(text.contains("Rule number 1:"), "{text}");
    assert!(!text.contains("Rule number 9:"), "{text}");
    assert!(text.contains("↓ 5 more lines: i shows all"), "{text}");
    // `i` opens the box whole, the next `i` hides it, the next brings the short box back.
    press(&mut s, &[KeyCode::Char('i')]);
    let text = render(&mut s);
    assert!(
        text.contains("Rule number 9:") && !text.contains("more lines"),
        "{text}"
    );
    insta::assert_snapshot!("instructions_whole_80x24", text);
    press(&mut s, &[KeyCode::Char('i')]);
    assert!(!render(&mut s).contains("Rule number 1:"));
    press(&mut s, &[KeyCode::Char('i')]);
    assert!(render(&mut s).contains("↓ 5 more lines"));
}
