//! Conversations beyond `thread_id`: traces grouped by a conversation key in their metadata.
//!
//! Opik builds threads only from a trace's `thread_id`. Many apps put the conversation in
//! metadata instead (Dify: `metadata.conversation_id`; LangSmith-style apps:
//! `metadata.session_id`, `thread_id`, `conversation_id`). A [`Grouping`] says which key
//! identifies a conversation; [`group`] turns the traces that carry it into one
//! [`Thread`]-shaped summary per conversation, computed the way Opik computes threads
//! (first message = input of the trace that started first, last message = output of the trace
//! that ended last, `number_of_messages` = 2 × traces, cost and tokens summed), so the
//! threads table and the conversation view work the same for both.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::opik::dify;
use crate::opik::model::{FeedbackScore, Thread, Trace};

/// Metadata keys tried, in order, when a project has no Opik threads.
pub const DEFAULT_KEYS: &[&str] = &[
    "conversation_id",
    "session_id",
    "thread_id",
    "user_session_id",
];

/// What identifies a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Grouping {
    /// Opik's own threads (`trace.thread_id`).
    ThreadId,
    /// `metadata.<key>`.
    Metadata(String),
}

impl Grouping {
    /// `thread_id` or `metadata.KEY` (as shown in the header and taken by `:threads by`).
    pub fn label(&self) -> String {
        match self {
            Grouping::ThreadId => "thread_id".into(),
            Grouping::Metadata(k) => format!("metadata.{k}"),
        }
    }

    /// Parse `thread_id`, `metadata.KEY` or a bare `KEY` (a metadata key).
    pub fn parse(s: &str) -> Option<Grouping> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if s == "thread_id" {
            return Some(Grouping::ThreadId);
        }
        let key = s.strip_prefix("metadata.").unwrap_or(s);
        (!key.is_empty()).then(|| Grouping::Metadata(key.to_string()))
    }

    /// The cycle `b` walks: thread_id, then each metadata key.
    pub fn cycle(keys: &[String]) -> Vec<Grouping> {
        std::iter::once(Grouping::ThreadId)
            .chain(keys.iter().map(|k| Grouping::Metadata(k.clone())))
            .collect()
    }
}

/// A metadata value as a conversation id: strings as they are (non-empty), numbers printed.
fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The conversation id of `trace` under `grouping`.
pub fn key_of(trace: &Trace, grouping: &Grouping) -> Option<String> {
    match grouping {
        Grouping::ThreadId => trace.thread_id.clone().filter(|t| !t.is_empty()),
        Grouping::Metadata(k) => trace
            .metadata
            .as_ref()
            .and_then(|m| m.get(k))
            .and_then(id_string),
    }
}

/// The conversation a trace belongs to (for `C` from any trace): its `thread_id` if set, else
/// the first of `keys` found in its metadata.
pub fn conversation_of(trace: &Trace, keys: &[String]) -> Option<(Grouping, String)> {
    if let Some(t) = key_of(trace, &Grouping::ThreadId) {
        return Some((Grouping::ThreadId, t));
    }
    keys.iter().find_map(|k| {
        let g = Grouping::Metadata(k.clone());
        key_of(trace, &g).map(|v| (g, v))
    })
}

/// Group traces by `grouping` into thread summaries, most recently active first. Traces
/// without the key are skipped, and so are traces that only describe a conversation
/// (Dify's `generate_name_trace`, [`dify::is_side_trace`]).
pub fn group(traces: &[Trace], grouping: &Grouping) -> Vec<Thread> {
    let mut by: BTreeMap<String, Vec<&Trace>> = BTreeMap::new();
    for t in traces {
        if dify::is_side_trace(t) {
            continue;
        }
        if let Some(k) = key_of(t, grouping) {
            by.entry(k).or_default().push(t);
        }
    }
    let mut out: Vec<Thread> = by.into_iter().map(|(id, ts)| summarize(id, &ts)).collect();
    out.sort_by(|a, b| {
        b.last_updated_at
            .cmp(&a.last_updated_at)
            .then(a.id.cmp(&b.id))
    });
    out
}

/// The ids of the traces [`group`] puts in the conversations `keys` (a queue of traces
/// filled from grouped conversations), in scan order.
pub fn trace_ids(
    traces: &[Trace],
    grouping: &Grouping,
    keys: &std::collections::HashSet<&str>,
) -> Vec<uuid::Uuid> {
    traces
        .iter()
        .filter(|t| !dify::is_side_trace(t))
        .filter(|t| key_of(t, grouping).is_some_and(|k| keys.contains(k.as_str())))
        .filter_map(|t| t.id)
        .collect()
}

/// One conversation's summary, computed as Opik computes a thread.
pub fn summarize(id: String, traces: &[&Trace]) -> Thread {
    let first = traces
        .iter()
        .filter(|t| t.start_time.is_some())
        .min_by_key(|t| (t.start_time, t.id));
    let last = traces
        .iter()
        .filter(|t| t.end_time.is_some())
        .max_by_key(|t| (t.end_time, t.id));
    let start = traces.iter().filter_map(|t| t.start_time).min();
    let end = traces.iter().filter_map(|t| t.end_time).max();
    let updated = traces
        .iter()
        .filter_map(|t| t.last_updated_at.or(t.end_time).or(t.start_time))
        .max();
    let mut usage: BTreeMap<String, i64> = BTreeMap::new();
    for t in traces {
        for (k, v) in t.usage.iter().flatten() {
            let e = usage.entry(k.clone()).or_default();
            *e = e.saturating_add(*v); // hostile counts must not overflow
        }
    }
    let costs: Vec<f64> = traces
        .iter()
        .filter_map(|t| t.total_estimated_cost)
        .collect();
    // Thumbs summary: average of each trace score name, like a thread's aggregated view.
    let mut scores: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for t in traces {
        for s in t.feedback_scores.iter().flatten() {
            if let Some(v) = s.value {
                let e = scores.entry(s.name.clone()).or_default();
                e.0 += v;
                e.1 += 1;
            }
        }
    }
    let mut tags: Vec<String> = traces
        .iter()
        .flat_map(|t| t.tags.clone().unwrap_or_default())
        .collect();
    tags.sort();
    tags.dedup();
    Thread {
        id,
        project_id: traces.first().and_then(|t| t.project_id),
        start_time: start,
        end_time: end,
        duration: match (start, end) {
            (Some(s), Some(e)) => Some((e - s).num_microseconds().unwrap_or(0) as f64 / 1000.0),
            _ => None,
        },
        first_message: first.and_then(|t| t.input.clone()),
        last_message: last.and_then(|t| t.output.clone()),
        number_of_messages: Some(traces.len() as i64 * 2),
        total_estimated_cost: (!costs.is_empty()).then(|| costs.iter().sum()),
        usage: (!usage.is_empty()).then_some(usage),
        feedback_scores: (!scores.is_empty()).then(|| {
            scores
                .into_iter()
                .map(|(name, (sum, n))| FeedbackScore {
                    name,
                    value: Some(sum / n as f64),
                    ..Default::default()
                })
                .collect()
        }),
        tags: (!tags.is_empty()).then_some(tags),
        last_updated_at: updated,
        created_at: start,
        ..Thread::default()
    }
}

/// Conversation keys for `project` from the settings (`[conversation_keys]`: a per-project
/// list, else `default`, else [`DEFAULT_KEYS`]).
pub fn keys_for(project: &str, settings: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    settings
        .get(project)
        .or_else(|| settings.get("default"))
        .filter(|v| !v.is_empty())
        .cloned()
        .unwrap_or_else(|| DEFAULT_KEYS.iter().map(|s| s.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    fn tr(n: u128, start: u32, end: u32, meta: Value, thread: Option<&str>) -> Trace {
        let at = |s: u32| chrono::Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, s).single();
        Trace {
            id: Some(Uuid::from_u128(n)),
            start_time: at(start),
            end_time: at(end),
            input: Some(json!({"query": format!("q{n}")})),
            output: Some(json!({"answer": format!("a{n}")})),
            metadata: Some(meta),
            thread_id: thread.map(str::to_string),
            total_estimated_cost: Some(0.5),
            usage: Some([("total_tokens".to_string(), 10)].into_iter().collect()),
            ..Default::default()
        }
    }

    #[test]
    fn groups_by_metadata_key_like_opik_threads() {
        let traces = vec![
            tr(1, 0, 5, json!({"conversation_id": "c1"}), None),
            // Started later but ended last: its output is the last message.
            tr(2, 10, 50, json!({"conversation_id": "c1"}), None),
            tr(3, 20, 30, json!({"conversation_id": "c1"}), None),
            tr(
                4,
                1,
                2,
                json!({"conversation_id": "c2", "session_id": "s"}),
                None,
            ),
            tr(5, 1, 2, json!({"other": 1}), Some("t")),
        ];
        let g = group(&traces, &Grouping::Metadata("conversation_id".into()));
        assert_eq!(g.len(), 2);
        let c1 = g.iter().find(|t| t.id == "c1").expect("c1");
        assert_eq!(c1.number_of_messages, Some(6));
        assert_eq!(c1.first_message, Some(json!({"query": "q1"})));
        assert_eq!(c1.last_message, Some(json!({"answer": "a2"})));
        assert_eq!(c1.total_estimated_cost, Some(1.5));
        assert_eq!(
            c1.usage.as_ref().and_then(|u| u.get("total_tokens")),
            Some(&30)
        );
        assert_eq!(c1.duration, Some(50_000.0));
        assert_eq!(g[0].id, "c1", "most recently active first");
    }

    #[test]
    fn dify_name_generation_traces_are_no_turns() {
        let dify = |n: u128, name: &str| {
            let mut t = tr(
                n,
                n as u32,
                n as u32 + 1,
                json!({"conversation_id": "c", "created_from": "dify"}),
                None,
            );
            t.name = Some(name.into());
            t
        };
        let traces = vec![
            dify(1, "message_trace"),
            dify(2, "generate_name_trace"),
            dify(3, "message_trace"),
        ];
        let g = group(&traces, &Grouping::Metadata("conversation_id".into()));
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].number_of_messages, Some(4));
        assert_eq!(g[0].first_message, Some(json!({"query": "q1"})));
        assert_eq!(g[0].last_message, Some(json!({"answer": "a3"})));
        // Only that: a conversation made of a name-generation trace alone is no conversation.
        let only = vec![dify(2, "generate_name_trace")];
        assert!(group(&only, &Grouping::Metadata("conversation_id".into())).is_empty());
        // A trace of that name not logged by Dify is an ordinary turn.
        let mut other = dify(4, "generate_name_trace");
        other.metadata = Some(json!({"conversation_id": "c"}));
        assert_eq!(
            group(&[other], &Grouping::Metadata("conversation_id".into()))[0].number_of_messages,
            Some(2)
        );
    }

    #[test]
    fn numbers_count_and_blanks_do_not() {
        let traces = vec![
            tr(1, 0, 1, json!({"session_id": 42}), None),
            tr(2, 0, 1, json!({"session_id": " "}), None),
            tr(3, 0, 1, json!({"session_id": null}), None),
        ];
        let g = group(&traces, &Grouping::Metadata("session_id".into()));
        assert_eq!(
            g.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            vec!["42"]
        );
    }

    #[test]
    fn conversation_of_prefers_thread_id_then_keys_in_order() {
        let keys: Vec<String> = DEFAULT_KEYS.iter().map(|s| s.to_string()).collect();
        let t = tr(
            1,
            0,
            1,
            json!({"session_id": "s", "conversation_id": "c"}),
            Some("th"),
        );
        assert_eq!(
            conversation_of(&t, &keys),
            Some((Grouping::ThreadId, "th".into()))
        );
        let t = tr(
            1,
            0,
            1,
            json!({"session_id": "s", "conversation_id": "c"}),
            None,
        );
        assert_eq!(
            conversation_of(&t, &keys),
            Some((Grouping::Metadata("conversation_id".into()), "c".into()))
        );
        let t = tr(1, 0, 1, json!({"user_session_id": "u"}), Some(""));
        assert_eq!(
            conversation_of(&t, &keys),
            Some((Grouping::Metadata("user_session_id".into()), "u".into()))
        );
        assert_eq!(conversation_of(&tr(1, 0, 1, json!({}), None), &keys), None);
    }

    #[test]
    fn grouping_labels_parse_and_cycle() {
        assert_eq!(Grouping::parse("thread_id"), Some(Grouping::ThreadId));
        assert_eq!(
            Grouping::parse("metadata.session_id"),
            Some(Grouping::Metadata("session_id".into()))
        );
        assert_eq!(
            Grouping::parse("conversation_id"),
            Some(Grouping::Metadata("conversation_id".into()))
        );
        assert_eq!(Grouping::parse("  "), None);
        let keys: Vec<String> = vec!["a".into(), "b".into()];
        let c = Grouping::cycle(&keys);
        assert_eq!(
            c.iter().map(Grouping::label).collect::<Vec<_>>(),
            vec!["thread_id", "metadata.a", "metadata.b"]
        );
    }

    #[test]
    fn keys_from_settings() {
        let mut s = BTreeMap::new();
        assert_eq!(
            keys_for("p", &s),
            DEFAULT_KEYS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        );
        s.insert("default".to_string(), vec!["x".to_string()]);
        s.insert("p".to_string(), vec!["y".to_string()]);
        assert_eq!(keys_for("p", &s), vec!["y".to_string()]);
        assert_eq!(keys_for("q", &s), vec!["x".to_string()]);
    }
}
