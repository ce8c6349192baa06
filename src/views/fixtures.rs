//! Deterministic demo-like data for snapshots, screenshots and benchmarks: projects, traces
//! (with scores, tags, errors, wide characters and hostile escape sequences) and a trace
//! with an agent-style span tree. Everything is derived from a fixed "now". Hand-built scores,
//! definitions and queue items are in [`scores`].

pub mod heavy;

use std::collections::BTreeMap;

pub mod scores;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::projects::ProjectRow;
use crate::opik::model::{
    Comment, ErrorInfo, FeedbackScore, MetricPoint, MetricSeries, ProjectMetricResponse, Span,
    Trace, ValueEntry,
};

/// A deterministic UUID from a number (v7-shaped is not needed for display).
pub fn uid(kind: u8, n: u64) -> Uuid {
    Uuid::from_u128(((kind as u128) << 120) | n as u128)
}

/// A metrics answer: each series by name with its `(bucket start, value)` points.
pub fn metric_response<P: AsRef<[(DateTime<Utc>, Option<f64>)]>>(
    series: &[(&str, P)],
) -> ProjectMetricResponse {
    ProjectMetricResponse {
        results: series
            .iter()
            .map(|(n, pts)| MetricSeries {
                name: n.to_string(),
                data: pts
                    .as_ref()
                    .iter()
                    .map(|(t, v)| MetricPoint {
                        time: Some(*t),
                        value: *v,
                    })
                    .collect(),
            })
            .collect(),
        ..Default::default()
    }
}

pub fn projects(now: DateTime<Utc>) -> Vec<ProjectRow> {
    let p = |i: u64, name: &str, count: i64, mins: i64, cost: f64| ProjectRow {
        id: Some(uid(1, i)),
        name: name.into(),
        trace_count: Some(count),
        last_trace: Some(now - Duration::minutes(mins)),
        cost: Some(cost),
        created: Some(now - Duration::days(30 + i as i64)),
    };
    vec![
        p(1, "support-bot", 12_345, 1, 42.17),
        p(2, "rag-pipeline", 3_410, 25, 8.9),
        p(3, "agent-playground", 877, 180, 1.234),
        p(4, "evals-nightly", 120_004, 60 * 26, 310.0),
        p(5, "日本語-プロジェクト", 42, 60 * 24 * 9, 0.0042),
    ]
}

const QUESTIONS: &[&str] = &[
    "How do I reset my password?",
    "Summarise the Q3 report in three bullet points",
    "What is the refund policy for annual plans?",
    "Translate 'good morning' into Japanese",
    "Why did my deployment fail with exit code 137?",
    "Write a haiku about observability",
];

const ANSWERS: &[&str] = &[
    "Go to Settings → Security and choose **Reset password**.",
    "- Revenue up 12%\n- Churn down to 2.1%\n- Two new regions",
    "Annual plans can be refunded within 30 days.",
    "おはようございます 🌅",
    "Exit code 137 means the container was OOM-killed; raise the memory limit.",
    "Spans like falling leaves / each one a small decision / the trace remembers",
];

fn score(name: &str, v: f64, author: &str, reason: Option<&str>) -> FeedbackScore {
    let mut by = BTreeMap::new();
    by.insert(
        author.to_string(),
        ValueEntry {
            value: Some(v),
            reason: reason.map(str::to_string),
            source: Some("ui".into()),
            ..ValueEntry::default()
        },
    );
    FeedbackScore {
        name: name.into(),
        value: Some(v),
        reason: reason.map(str::to_string),
        source: Some("ui".into()),
        value_by_author: Some(by),
        ..FeedbackScore::default()
    }
}

/// `n` traces, newest first, one every 37 seconds before `now`.
pub fn traces(n: usize, now: DateTime<Utc>) -> Vec<Trace> {
    traces_range(0, n, n, now)
}

/// Traces `start..start + count` of a list of `n` (for building big lists page by page).
pub fn traces_range(start: usize, count: usize, n: usize, now: DateTime<Utc>) -> Vec<Trace> {
    (start..(start + count).min(n))
        .map(|i| {
            let q = QUESTIONS[i % QUESTIONS.len()];
            let a = ANSWERS[i % ANSWERS.len()];
            let start = now - Duration::seconds(37 * i as i64 + 5);
            let dur_ms = 300.0 + ((i * 7919) % 9000) as f64;
            let mut usage = BTreeMap::new();
            let prompt = 40 + (i as i64 * 13) % 900;
            usage.insert("prompt_tokens".to_string(), prompt);
            usage.insert("completion_tokens".to_string(), 20 + (i as i64 * 7) % 300);
            usage.insert(
                "total_tokens".to_string(),
                prompt + 20 + (i as i64 * 7) % 300,
            );
            let name = match i % 7 {
                3 => "agent \u{1b}]0;pwned\u{7}run\u{1b}[31m".to_string(),
                5 => "検索 🔍 retrieval".to_string(),
                _ => ["chat", "rag_query", "summarise", "translate"][i % 4].to_string(),
            };
            let mut scores = vec![score("helpfulness", ((i % 5) as f64) / 4.0, "alice", Some("clear and correct"))];
            if i % 3 == 0 {
                scores.push(score("relevance", 1.0, "bob", None));
            }
            Trace {
                id: Some(uid(2, (n - i) as u64)),
                name: Some(name),
                start_time: Some(start),
                end_time: Some(start + Duration::microseconds((dur_ms * 1000.0) as i64)),
                input: Some(json!({"messages": [{"role": "user", "content": q}]})),
                output: Some(json!({"output": a})),
                metadata: Some(json!({"model": "gpt-4o-mini", "env": "prod", "user": {"id": i, "tier": "pro"}})),
                tags: Some(if i % 2 == 0 { vec!["prod".into()] } else { vec!["staging".into(), "v2".into()] }),
                error_info: (i % 11 == 4).then(|| ErrorInfo {
                    exception_type: Some("TimeoutError".into()),
                    message: Some("upstream model timed out after 30s".into()),
                    traceback: Some("Traceback (most recent call last):\n  File \"app.py\", line 12, in run\nTimeoutError".into()),
                }),
                usage: Some(usage),
                feedback_scores: Some(scores),
                total_estimated_cost: Some(0.00021 * (1 + i % 9) as f64),
                duration: Some(dur_ms),
                span_count: Some(4),
                ..Trace::default()
            }
        })
        .collect()
}

/// An agent trace with `extra` additional tool spans (0 for the small demo).
pub fn agent_trace(now: DateTime<Utc>, extra: usize) -> (Trace, Vec<Span>) {
    let t0 = now - Duration::minutes(3);
    let tid = uid(2, 9_999);
    let at = |ms: i64| t0 + Duration::milliseconds(ms);
    let mut usage = BTreeMap::new();
    usage.insert("prompt_tokens".to_string(), 1_520i64);
    usage.insert("completion_tokens".to_string(), 310i64);
    usage.insert("total_tokens".to_string(), 1_830i64);
    let mut trace = Trace {
        id: Some(tid),
        name: Some("support_agent".into()),
        start_time: Some(at(0)),
        end_time: Some(at(4_200)),
        duration: Some(4_200.0),
        input: Some(json!({"messages": [
            {"role": "system", "content": "You are a helpful support agent."},
            {"role": "user", "content": "My order #1234 has not arrived. Can you check?"}
        ]})),
        output: Some(
            json!({"output": "## Order #1234\n\nYour order shipped on **Monday** and is at the local depot.\n\n- Carrier: DHL\n- ETA: tomorrow\n\n```json\n{\"status\": \"in_transit\"}\n```"}),
        ),
        metadata: Some(
            json!({"session": "s-42", "channel": "web", "flags": {"beta": true, "retries": 0}}),
        ),
        tags: Some(vec!["prod".into(), "agent".into()]),
        usage: Some(usage.clone()),
        total_estimated_cost: Some(0.0123),
        feedback_scores: Some(vec![score(
            "helpfulness",
            0.75,
            "alice",
            Some("found the order quickly"),
        )]),
        comments: Some(vec![Comment {
            text: "Escalate if the depot does not confirm.".into(),
            created_by: Some("bob".into()),
            created_at: Some(now - Duration::minutes(1)),
            ..Comment::default()
        }]),
        ..Trace::default()
    };
    let span = |n: u64, parent: Option<u64>, name: &str, kind: &str, s: i64, e: i64| Span {
        id: Some(uid(3, n)),
        trace_id: Some(tid),
        parent_span_id: parent.map(|p| uid(3, p)),
        name: Some(name.into()),
        span_type: Some(kind.into()),
        start_time: Some(at(s)),
        end_time: Some(at(e)),
        duration: Some((e - s) as f64),
        input: Some(json!({"query": name})),
        output: Some(json!({"result": "ok"})),
        ..Span::default()
    };
    let mut llm = span(2, Some(1), "plan (gpt-4o)", "llm", 50, 1_300);
    llm.model = Some("gpt-4o".into());
    llm.provider = Some("openai".into());
    llm.usage = Some(usage);
    llm.total_estimated_cost = Some(0.0091);
    llm.input = Some(
        json!({"messages": [{"role": "user", "content": "My order #1234 has not arrived. Can you check?"}]}),
    );
    llm.output = Some(
        json!({"choices": [{"message": {"role": "assistant", "content": "I'll look up order 1234."}}]}),
    );
    let mut tool_err = span(5, Some(3), "http GET /depots/17", "tool", 1_900, 2_600);
    tool_err.error_info = Some(ErrorInfo {
        exception_type: Some("ConnectionResetError".into()),
        message: Some("peer closed connection".into()),
        traceback: Some("Traceback (most recent call last):\n  File \"tools.py\", line 88, in get\nConnectionResetError: peer closed connection".into()),
    });
    let mut guard = span(7, Some(1), "pii_guardrail", "guardrail", 3_700, 3_800);
    guard.feedback_scores = Some(vec![score("passed", 1.0, "guardrails", None)]);
    let mut spans = vec![
        span(1, None, "agent_loop", "general", 10, 4_150),
        llm,
        span(3, Some(1), "lookup_order", "tool", 1_350, 2_900),
        span(4, Some(3), "db.query orders", "tool", 1_400, 1_800),
        tool_err,
        span(6, Some(1), "answer (gpt-4o-mini)", "llm", 2_950, 3_650),
        guard,
    ];
    for k in 0..extra {
        let s = 100 + (k as i64 * 3) % 4_000;
        let parent = if k % 10 == 0 {
            1
        } else {
            1_000 + (k - k % 10) as u64
        };
        spans.push(span(
            1_000 + k as u64,
            Some(parent),
            &format!("tool_call_{k}"),
            "tool",
            s,
            s + 40,
        ));
    }
    trace.span_count = Some(spans.len() as i64);
    (trace, spans)
}
