//! Property test: whatever numbers and dates a broken or hostile server sends (durations of
//! ±1e300, costs and token counts at the ends of their types, dates at the ends of chrono's
//! range, ends before starts), the client's models parse or refuse them and the span tree,
//! the trace view (tree, waterfall, every detail tab), the trace and thread rows and the
//! thread summaries compute and draw them without a panic.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::app::testing::{fixed_now, render_screen};
use crate::opik::conversations;
use crate::opik::model::{Span, Thread, Trace, ts};
use crate::render::format;
use crate::theme::Theme;
use crate::views::span_tree::SpanTree;
use crate::views::threads::{ThreadRow, ThreadsScreen};
use crate::views::trace_view::{TABS, TraceViewScreen, bar_cells};
use crate::views::traces::{TraceRow, TracesScreen};

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(1e300),
        Just(-1e300),
        Just(f64::MAX),
        Just(f64::MIN),
        Just(f64::MIN_POSITIVE),
        Just(0.0),
        Just(-0.0),
        Just(9.3e18),
        Just(-9.3e18),
        any::<f64>().prop_filter("JSON numbers are finite", |f| f.is_finite()),
        -1e7..1e7f64,
    ]
}

fn int() -> impl Strategy<Value = i64> {
    prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(0), any::<i64>()]
}

fn date() -> impl Strategy<Value = DateTime<Utc>> {
    let (lo, hi) = (
        DateTime::<Utc>::MIN_UTC.timestamp(),
        DateTime::<Utc>::MAX_UTC.timestamp(),
    );
    prop_oneof![
        Just(DateTime::<Utc>::MIN_UTC),
        Just(DateTime::<Utc>::MAX_UTC),
        (lo..=hi).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_default()),
        (-1_000_000_000i64..4_000_000_000)
            .prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_default()),
    ]
}

fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![1 => Just(None), 3 => s.prop_map(Some)]
}

/// One span or trace as the server would send it: numbers as JSON numbers, dates as strings.
/// Dates beyond year 9999 do not survive RFC 3339, so they are also set on the parsed record.
type Dates = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn record(kind: &'static str) -> impl Strategy<Value = (Value, Dates)> {
    (
        (0u8..8, opt(0u8..8)),
        (opt(date()), opt(date()), opt(number())),
        (opt(number()), opt(int()), opt(number()), opt(number())),
    )
        .prop_map(
            move |((id, parent), (start, end, dur), (cost, tokens, score, big))| {
                let uuid = |n: u8| format!("0190a1b2-0000-7000-8000-0000000000{n:02}");
                let mut v = json!({
                    "id": uuid(id),
                    "name": format!("{kind} {id}"),
                    "type": "llm",
                    "input": {"messages": [{"role": "user", "content": "hi"}]},
                    "output": {"content": "ok"},
                    "metadata": {"n": big},
                    "start_time": start.as_ref().map(ts::format),
                    "end_time": end.as_ref().map(ts::format),
                    "duration": dur,
                    "total_estimated_cost": cost,
                    "usage": {
                        "prompt_tokens": tokens,
                        "completion_tokens": tokens,
                        "total_tokens": big,
                    },
                    "feedback_scores": [{"name": "s", "value": score, "source": "ui"}],
                    "number_of_messages": tokens,
                    "span_count": tokens,
                    "last_updated_at": end.as_ref().map(ts::format),
                });
                if let Some(p) = parent {
                    v["parent_span_id"] = json!(uuid(p));
                }
                (v, (start, end))
            },
        )
}

/// Parse like the client does: a value the model refuses is dropped (as a failed page would be).
fn parse<T: serde::de::DeserializeOwned>(v: &[Value]) -> Vec<T> {
    v.iter()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect()
}

fn spans_of(v: &[(Value, Dates)]) -> Vec<Span> {
    v.iter()
        .filter_map(|(v, (s, e))| {
            let mut x: Span = serde_json::from_value(v.clone()).ok()?;
            (x.start_time, x.end_time) = (*s, *e);
            Some(x)
        })
        .collect()
}

fn traces_of(v: &[(Value, Dates)]) -> Vec<Trace> {
    v.iter()
        .filter_map(|(v, (s, e))| {
            let mut x: Trace = serde_json::from_value(v.clone()).ok()?;
            (x.start_time, x.end_time) = (*s, *e);
            Some(x)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn hostile_numbers_and_dates_never_panic(
        spans in prop::collection::vec(record("span"), 0..8),
        traces in prop::collection::vec(record("trace"), 1..4),
        sel in 0usize..9,
        width in 40u16..170,
    ) {
        let theme = Theme::dark();
        let as_sent: Vec<Value> = spans.iter().map(|(v, _)| v.clone()).collect();
        let mut spans_parsed: Vec<Span> = parse(&as_sent);
        spans_parsed.extend(spans_of(&spans));
        let spans = spans_parsed;
        let traces: Vec<Trace> = traces_of(&traces);
        let threads: Vec<Thread> = parse(&traces_as_threads(&traces));

        let tree = SpanTree::build(spans.clone());
        let _ = tree.flatten(&Default::default());

        let trace = traces.first().cloned();
        let id = trace.as_ref().and_then(|t| t.id).unwrap_or_default();
        let mut view = TraceViewScreen::with_data("p", id, trace, spans);
        view.selected = sel.min(view.tree.nodes.len());
        for tab in TABS {
            view.tab = tab;
            render_screen(&mut view, width, 24, &theme);
        }

        let rows: Vec<TraceRow> = traces.iter().map(TraceRow::from_trace).collect();
        render_screen(&mut TracesScreen::with_rows("p", rows, Some(i64::MAX)), width, 12, &theme);
        let refs: Vec<&Trace> = traces.iter().collect();
        let mut threads = threads;
        threads.push(conversations::summarize("t".into(), &refs));
        let rows: Vec<ThreadRow> = threads.iter().map(ThreadRow::from_thread).collect();
        render_screen(&mut ThreadsScreen::with_rows("p", rows, Some(i64::MIN)), width, 12, &theme);

        for t in traces.iter().flat_map(|t| [t.start_time, t.end_time]).flatten() {
            let _ = format::relative(t, fixed_now());
            for b in [
                crate::dashboard::range::Bucket::Minutes(5),
                crate::dashboard::range::Bucket::Hour,
                crate::dashboard::range::Bucket::Day,
                crate::dashboard::range::Bucket::Week,
            ] {
                let _ = b.floor(t);
            }
        }
    }

    #[test]
    fn waterfall_cells_stay_inside_the_bar(
        t0 in opt(date()), start in opt(date()), end in opt(date()),
        dur in opt(number()), total in number(), bar_w in 0usize..40,
    ) {
        let (a, b) = bar_cells(t0, start, end, dur, total, bar_w);
        prop_assert!(a <= b && b <= bar_w, "{a}..{b} of {bar_w}");
    }
}

/// Threads carry the same numbers (duration, cost, message counts) under a string id.
fn traces_as_threads(traces: &[Trace]) -> Vec<Value> {
    traces
        .iter()
        .filter_map(|t| serde_json::to_value(t).ok())
        .map(|mut v| {
            v["id"] = json!("thread\u{1b}[31m\u{7}");
            v
        })
        .collect()
}

#[test]
fn a_span_lasting_1e300_ms_without_an_end_has_no_end() {
    for d in [1e300, -1e300] {
        let s: Span = serde_json::from_value(json!({
            "id": "0190a1b2-0000-7000-8000-000000000001",
            "start_time": "2026-11-22T12:00:00Z",
            "duration": d,
        }))
        .expect("span");
        let tree = SpanTree::build(vec![s.clone()]);
        assert_eq!(tree.end, None);
        let mut view = TraceViewScreen::with_data("p", Default::default(), None, vec![s]);
        view.selected = 1;
        render_screen(&mut view, 160, 20, &Theme::dark());
    }
}
