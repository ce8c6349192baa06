//! The Dify demo fixture (`opik_tui::server::demo::dify`) read the way the TUI reads it: grouped
//! into conversations by `metadata.conversation_id` / `session_id` (no Opik threads), each turn
//! prettified as the user's query and the answer. (Moved from the server crate: it uses TUI code.)
#![allow(clippy::unwrap_used)]

use chrono::TimeZone;
use opik_tui::opik::conversations::{self, Grouping};
use opik_tui::opik::messages::{self, Kind};
use opik_tui::opik::model::{Timestamp, Trace};
use opik_tui::server::demo::dify::{
    BILLING, DIFY_PROJECT, Fixture, RECIPES, SESSION_PROJECT, TRIP, dify, sessions,
};

fn now() -> Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 21, 15, 0, 0)
        .single()
        .expect("time")
}

/// The fixture as the server would return it (traces only, no aggregation).
fn as_traces(f: &Fixture) -> Vec<Trace> {
    f.traces
        .iter()
        .map(|w| serde_json::from_value(serde_json::to_value(w).expect("ser")).expect("de"))
        .collect()
}

#[test]
fn dify_fixture_groups_into_three_conversations_without_thread_ids() {
    let f = dify(DIFY_PROJECT, now());
    assert!(f.traces.iter().all(|t| t.thread_id.is_none()));
    let traces = as_traces(&f);
    assert!(
        conversations::group(&traces, &Grouping::ThreadId).is_empty(),
        "no Opik threads"
    );
    let g = conversations::group(&traces, &Grouping::Metadata("conversation_id".into()));
    let ids: Vec<&str> = g.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, vec![RECIPES, BILLING, TRIP], "most recent first");
    let turns: Vec<Option<i64>> = g.iter().map(|t| t.number_of_messages).collect();
    // generate_name_trace carries the conversation id but is not a turn.
    assert_eq!(turns, vec![Some(4), Some(6), Some(6)]);
    let billing = &g[1];
    let billing_turns = f.turns_of(BILLING);
    assert_eq!(billing_turns.len(), 3);
    assert_eq!(
        billing
            .first_message
            .as_ref()
            .and_then(|v| messages::prettify(v, Kind::Input))
            .as_deref(),
        billing_turns.first().map(|t| t.query.as_str())
    );
    assert_eq!(
        billing
            .last_message
            .as_ref()
            .and_then(|v| messages::prettify(v, Kind::Output))
            .as_deref(),
        billing_turns.last().map(|t| t.answer.as_str())
    );
    // Every turn reads as the user's query and the answer, not the raw inputs.
    for turn in &f.turns {
        let t = traces
            .iter()
            .find(|t| t.id == Some(turn.trace_id))
            .expect("turn trace");
        let q = messages::prettify_trace_field(
            t.input.as_ref(),
            t.output.as_ref(),
            t.metadata.as_ref(),
            Kind::Input,
        );
        let a = messages::prettify_trace_field(
            t.input.as_ref(),
            t.output.as_ref(),
            t.metadata.as_ref(),
            Kind::Output,
        );
        assert_eq!(q.as_deref(), Some(turn.query.as_str()));
        assert_eq!(a.as_deref(), Some(turn.answer.as_str()));
    }
}

#[test]
fn key_detection_picks_the_first_default_key_the_traces_carry() {
    let keys: Vec<String> = conversations::DEFAULT_KEYS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let first_key_with_conversations = |traces: &[Trace]| {
        Grouping::cycle(&keys)
            .into_iter()
            .find(|g| !conversations::group(traces, g).is_empty())
    };
    let dify_traces = as_traces(&dify(DIFY_PROJECT, now()));
    assert_eq!(
        first_key_with_conversations(&dify_traces),
        Some(Grouping::Metadata("conversation_id".into()))
    );
    let session_traces = as_traces(&sessions(SESSION_PROJECT, now()));
    assert_eq!(
        first_key_with_conversations(&session_traces),
        Some(Grouping::Metadata("session_id".into()))
    );
    let g = conversations::group(&session_traces, &Grouping::Metadata("session_id".into()));
    assert_eq!(
        g.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        vec!["sess-beta", "sess-alpha"]
    );
    assert!(g.iter().all(|t| t.number_of_messages == Some(6)));
    // `C` from a Dify trace finds its conversation by metadata.
    let turn = &dify_traces[0];
    assert_eq!(
        conversations::conversation_of(turn, &keys),
        Some((Grouping::Metadata("conversation_id".into()), TRIP.into()))
    );
}
