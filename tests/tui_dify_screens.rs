//! Snapshots of Dify-logged data (the fixture of `opik_tui::server::demo::dify`, the records
//! Dify's Opik integration builds), rendered through the whole shell into a TestBackend:
//!
//! - a chatflow turn's span tree: node rows named by title and node type
//!   (`Weather lookup · http-request`), Dify task names read plainly (`workflow`), tokens
//!   where Dify put them (the workflow span's `metadata.total_tokens`);
//! - the detail of its LLM node (model, provider, usage) and of a chat app's `llm` span whose
//!   model and provider exist only in `metadata.ls_model_name` / `ls_provider`;
//! - a conversation grouped by `metadata.conversation_id`: the user's queries and the answers
//!   (not the raw prompt-message lists), oldest first, without the `generate_name_trace`.
#![allow(clippy::unwrap_used)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::testing::{buffer_text, fixed_now, no_opener, render_app, test_app};
use opik_tui::app::{App, DynScreen};
use opik_tui::opik::conversations::Grouping;
use opik_tui::opik::model::{Span, Timestamp, Trace};
use opik_tui::server::demo::dify::{self as demo_dify, BILLING, DIFY_PROJECT, Fixture, TRIP};
use opik_tui::views::conversation::{Conversation, ConversationScreen};
use opik_tui::views::trace_view::TraceViewScreen;
use uuid::Uuid;

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

fn screen(app: &mut App, w: u16, h: u16) -> String {
    let text = buffer_text(&render_app(app, w, h));
    assert!(!text.contains('\u{1b}'), "escape reached the screen");
    text
}

fn fixture() -> Fixture {
    demo_dify::dify(DIFY_PROJECT, fixed_now())
}

fn trace_of(f: &Fixture, id: Uuid) -> Trace {
    let w = f.traces.iter().find(|t| t.id == Some(id)).expect("trace");
    serde_json::from_value(serde_json::to_value(w).expect("ser")).expect("de")
}

fn spans_of(f: &Fixture, id: Uuid) -> Vec<Span> {
    f.spans
        .iter()
        .filter(|s| s.trace_id == Some(id))
        .map(|w| serde_json::from_value(serde_json::to_value(w).expect("ser")).expect("de"))
        .collect()
}

fn trace_view(f: &Fixture, id: Uuid) -> TraceViewScreen {
    TraceViewScreen::with_data(DIFY_PROJECT, id, Some(trace_of(f, id)), spans_of(f, id))
}

#[test]
fn dify_chatflow_trace_tree() {
    let f = fixture();
    // The weather turn: start, retrieval, http-request, llm and answer nodes.
    let turn = &f.turns_of(TRIP)[1];
    let mut app = app_with(Box::new(trace_view(&f, turn.trace_id)));
    let text = screen(&mut app, 160, 45);
    for want in [
        "TRACE message",
        "SPAN workflow",
        "TOOL start ",
        // Whole names: the tree pane is as wide as its names need (issue 20, item 8).
        "TOOL City guides · knowledge-retrieval ",
        "TOOL Weather lookup · http-request ",
        "LLM Travel planner · llm ",
        "TOOL answer ",
        "name message_trace",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    insta::assert_snapshot!("dify_trace_tree_160x45", text);

    // The LLM node: model and provider from its own fields, usage from `usage`.
    keys(&mut app, "jjjjj");
    keys(&mut app, "]]");
    let text = screen(&mut app, 160, 45);
    assert!(text.contains("gpt-4o-mini (openai)"), "{text}");
    assert!(text.contains("prompt_tokens"), "{text}");
    insta::assert_snapshot!("dify_llm_node_usage_160x45", text);
    // Its output: the node's `text`, not the outputs dict; its input: the user's prompt.
    keys(&mut app, "[[");
    let text = screen(&mut app, 160, 45);
    assert!(text.contains("Sunny on Saturday (24°C)"), "{text}");
    assert!(!text.contains("finish_reason"), "{text}");
    assert!(text.contains("What will the weather be like?"), "{text}");
    assert!(!text.contains("You plan short city trips"), "{text}");

    // The workflow span: Dify logs no usage on it, the run's total is in metadata.
    keys(&mut app, "g");
    keys(&mut app, "j]]");
    let text = screen(&mut app, 160, 45);
    assert!(text.contains("(from metadata.total_tokens)"), "{text}");
    insta::assert_snapshot!("dify_workflow_span_usage_80x24", screen(&mut app, 80, 24));
}

#[test]
fn dify_chat_app_llm_span_model_from_metadata() {
    let f = fixture();
    let turn = &f.turns_of(BILLING)[2];
    let mut app = app_with(Box::new(trace_view(&f, turn.trace_id)));
    let text = screen(&mut app, 160, 45);
    for want in [
        "TOOL moderation",
        "TOOL dataset retrieval",
        "LLM llm",
        "TOOL current_time",
        "TOOL suggested questi",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    // The llm span has no model/provider fields: they come from metadata.ls_*.
    let rows: Vec<&str> = text.lines().collect();
    let llm_row = rows
        .iter()
        .position(|l| l.contains("LLM llm"))
        .expect("llm row");
    let trace_row = rows
        .iter()
        .position(|l| l.contains("TRACE message"))
        .expect("trace row");
    for _ in 0..(llm_row - trace_row) {
        keys(&mut app, "j");
    }
    keys(&mut app, "]]");
    let text = screen(&mut app, 160, 45);
    assert!(text.contains("model gpt-4o-mini (openai)"), "{text}");
    insta::assert_snapshot!("dify_chat_llm_span_160x45", text);
}

fn hms(t: Timestamp) -> String {
    t.format("%H:%M:%S").to_string()
}

#[test]
fn dify_metadata_conversation() {
    let f = fixture();
    let traces: Vec<Trace> = f
        .traces
        .iter()
        .map(|w| serde_json::from_value(serde_json::to_value(w).expect("ser")).expect("de"))
        .filter(|t: &Trace| {
            t.metadata
                .as_ref()
                .and_then(|m| m.get("conversation_id"))
                .and_then(|v| v.as_str())
                == Some(BILLING)
        })
        .collect();
    assert_eq!(traces.len(), 4, "three turns and the generate_name_trace");
    let mut conv = Conversation::new(DIFY_PROJECT, BILLING);
    conv.grouping = Grouping::Metadata("conversation_id".into());
    conv.time_fmt = hms;
    // As the screen's loader does: the name-generation trace is no turn.
    let turns: Vec<Trace> = traces
        .into_iter()
        .filter(|t| !opik_tui::opik::dify::is_side_trace(t))
        .collect();
    conv.set_traces(&turns);
    conv.loading = false;
    let mut app = app_with(Box::new(ConversationScreen::offline(conv)));
    let text = screen(&mut app, 100, 40);
    let mut at = 0;
    for t in f.turns_of(BILLING) {
        let q = text[at..]
            .find(&t.query)
            .unwrap_or_else(|| panic!("{:?} not after the previous turn:\n{text}", t.query));
        at += q;
    }
    assert!(!text.contains("\"role\""), "raw prompt list shown:\n{text}");
    assert!(
        !text.contains("Billing email"),
        "generate_name shown:\n{text}"
    );
    insta::assert_snapshot!("dify_conversation_100x40", text);
}

#[test]
fn dify_plain_workflow_run_nodes_sit_at_the_top_level() {
    let f = fixture();
    let run = f.workflow_runs[0];
    let view = trace_view(&f, run);
    // Dify logs no root span for a plain workflow: the nodes are orphans by design.
    assert_eq!(view.tree.orphans, 3);
    assert_eq!(view.tree.unexpected_orphans(), 0);
    let mut app = app_with(Box::new(view));
    let text = screen(&mut app, 120, 20);
    for want in [
        "TRACE workflow run",
        "TOOL start",
        "LLM Summarizer · llm",
        "TOOL end",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    insta::assert_snapshot!("dify_workflow_run_120x20", text);
}
