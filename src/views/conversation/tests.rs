//! Conversation view: turn building, thumbs (optimistic, toggle, reconcile), search, and
//! snapshots at 80×24.

use chrono::TimeZone;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use super::*;
use crate::opik::messages::Body;
use crate::opik::model::{FeedbackScore, Thread, Timestamp, Trace};
use crate::theme::Theme;
use serde_json::Value;
use uuid::Uuid;

pub(super) fn at(sec: u32) -> Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 21, 10, 0, sec)
        .single()
        .expect("valid time")
}

pub(super) fn utc(t: Timestamp) -> String {
    t.format("%H:%M:%S").to_string()
}

pub(super) fn trace(n: u128, start: u32, input: Value, output: Value) -> Trace {
    Trace {
        id: Some(Uuid::from_u128(n)),
        name: Some("chat".into()),
        start_time: Some(at(start)),
        end_time: Some(at(start + 2)),
        input: Some(input),
        output: Some(output),
        total_estimated_cost: Some(0.0012),
        ..Default::default()
    }
}

fn sample() -> Conversation {
    let mut c = Conversation::new("demo", "thread-42");
    c.time_fmt = utc;
    let t3 = trace(
        3,
        20,
        json!({"messages": [{"role": "user", "content": "And a table?"}]}),
        json!({"choices": [{"message": {"role": "assistant", "content": "| a | b |\n|---|---|\n| 1 | 2 |"}}]}),
    );
    let mut t1 = trace(
        1,
        0,
        json!({"question": "What is Opik?", "context": 1}),
        json!({"answer": "Opik is an **open-source** LLM observability platform.\n\n- traces\n- threads", "x": 1}),
    );
    t1.feedback_scores = Some(vec![FeedbackScore {
        name: USER_FEEDBACK.into(),
        value: Some(1.0),
        source: Some("ui".into()),
        ..Default::default()
    }]);
    let t2 = trace(
        2,
        10,
        json!({"tool_args": {"a": 1, "b": [1, 2]}, "k": 2}),
        json!({"answer": "{\"ok\":true}", "y": 1}),
    );
    c.set_traces(&[t3, t1, t2]);
    c.set_thread(Thread {
        id: "thread-42".into(),
        status: Some("active".into()),
        number_of_messages: Some(6),
        total_estimated_cost: Some(0.0036),
        tags: Some(vec!["prod".into()]),
        feedback_scores: Some(vec![FeedbackScore {
            name: "helpfulness".into(),
            value: Some(0.75),
            ..Default::default()
        }]),
        ..Default::default()
    });
    c
}

fn screen(c: &mut Conversation, w: u16, h: u16) -> String {
    let theme = Theme::dark();
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| c.draw(f, f.area(), &theme)).expect("draw");
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            let cell = &buf[(x, y)];
            line.push_str(cell.symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn turns_are_oldest_first_and_selection_starts_on_first() {
    let c = sample();
    let ids: Vec<_> = c
        .turns
        .iter()
        .map(|t| t.trace_id.map(|u| u.as_u128()))
        .collect();
    assert_eq!(ids, vec![Some(1), Some(2), Some(3)]);
    assert_eq!(c.selected, 0);
    assert_eq!(c.turns[0].user, Body::Plain("What is Opik?".into()));
    assert!(matches!(c.turns[0].assistant, Body::Markdown(_)));
    assert!(matches!(c.turns[1].user, Body::Raw(_)), "no text: raw JSON");
    assert!(matches!(c.turns[1].assistant, Body::Json(_)));
    assert_eq!(c.turns[2].user, Body::Plain("And a table?".into()));
    assert_eq!(c.turns[0].thumb.server, Some(1));
}

#[test]
fn thumbs_toggle_and_reconcile() {
    let mut c = sample();
    // Turn 1 already has a thumbs up: `+` again removes it.
    let op = c.press_thumb(1).expect("op");
    assert_eq!(
        op,
        ThumbOp::Delete {
            trace_id: Uuid::from_u128(1)
        }
    );
    assert_eq!(c.turns[0].thumb.shown(), None, "optimistic removal");
    c.thumb_settled(op, true);
    assert_eq!(
        c.turns[0].thumb,
        Thumb {
            server: None,
            local: None,
            queued: false
        }
    );
    // `-` sets a thumbs down.
    let op = c.press_thumb(0).expect("op");
    assert_eq!(
        op,
        ThumbOp::Set {
            trace_id: Uuid::from_u128(1),
            value: 0
        }
    );
    assert_eq!(c.turns[0].thumb.shown(), Some(0));
    // Failure: still shown, marked queued.
    c.thumb_settled(op, false);
    assert_eq!(c.turns[0].thumb.shown(), Some(0));
    assert!(c.turns[0].thumb.queued);
    // A refresh from the server does not lose the pending change.
    let t1 = trace(1, 0, json!("q"), json!("a"));
    c.set_traces(&[t1]);
    assert_eq!(c.turns[0].thumb.shown(), Some(0));
    // Later success reconciles.
    c.thumb_settled(op, true);
    assert_eq!(
        c.turns[0].thumb,
        Thumb {
            server: Some(0),
            local: None,
            queued: false
        }
    );
    // `+` on a thumbs-down switches to up (a set, not a delete).
    assert_eq!(
        c.press_thumb(1),
        Some(ThumbOp::Set {
            trace_id: Uuid::from_u128(1),
            value: 1
        })
    );
}

#[test]
fn a_stale_answer_does_not_override_a_newer_press() {
    let mut c = sample();
    c.select(1);
    let up = c.press_thumb(1).expect("op");
    let down = c.press_thumb(0).expect("op");
    c.thumb_settled(up, true);
    assert_eq!(c.turns[1].thumb.shown(), Some(0), "newer press still shown");
    c.thumb_settled(down, true);
    assert_eq!(
        c.turns[1].thumb,
        Thumb {
            server: Some(0),
            local: None,
            queued: false
        }
    );
}

#[test]
fn search_finds_and_jumps_between_turns() {
    let mut c = sample();
    let theme = Theme::dark();
    c.set_query("OPIK");
    c.layout(76, &theme);
    let n = c.search.matches.len();
    assert!(n >= 2, "matches: {:?}", c.search.matches);
    c.set_query("table");
    c.layout(76, &theme);
    assert_eq!(c.search.matches.len(), 1);
    c.jump_match(true);
    assert_eq!(c.selected, 2, "jumping selects the turn holding the match");
    c.set_query("nothing-like-this");
    c.layout(76, &theme);
    assert!(c.search.matches.is_empty());
}

#[test]
fn snapshot_conversation_80x24() {
    let mut c = sample();
    insta::assert_snapshot!("conversation_80x24", screen(&mut c, 80, 24));
    c.next_turn();
    c.toggle_fold();
    insta::assert_snapshot!("conversation_turn2_expanded", screen(&mut c, 80, 24));
}

#[test]
fn snapshot_search_highlight() {
    let mut c = sample();
    c.set_query("observability");
    let out = screen(&mut c, 80, 24);
    assert!(out.contains("match 1/1"), "{out}");
    insta::assert_snapshot!("conversation_search", out);
}

#[test]
fn hostile_content_is_sanitised() {
    let mut c = Conversation::new("p", "t\x1b[2J");
    c.time_fmt = utc;
    c.set_traces(&[trace(
        9,
        0,
        json!("hi \x1b]52;c;AAAA\x07there"),
        json!({"answer": "\x1b[31mred\x1b[0m", "z": 1}),
    )]);
    let out = screen(&mut c, 60, 12);
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(out.contains("hi there"));
}

#[test]
fn export_as_markdown() {
    let c = sample();
    let md = c.to_markdown();
    assert!(md.starts_with("# Conversation thread-42\n"));
    let p1 = md.find("## Turn 1").expect("turn 1");
    let p2 = md.find("## Turn 2").expect("turn 2");
    assert!(p1 < p2);
    assert!(md.contains("**User:**\n\nWhat is Opik?"));
    assert!(md.contains("(👍)"), "thumb shown");
    assert!(
        md.contains("```json\n{\n  \"tool_args\": {\n    \"a\": 1,"),
        "raw input as fenced JSON, keys in the order logged: {md}"
    );
}
