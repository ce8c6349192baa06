//! Deterministic dashboards (fixed "now" of the test helpers) for snapshots and
//! `examples/screenshots.rs`.

use super::*;
use crate::app::testing::fixed_now;
use crate::dashboard::data::{MetricAnswers, SeriesSet};
use crate::dashboard::kpi::{KpiInputs, build_kpis};
use crate::opik::model::{ProjectMetricResponse, ProjectStats, StatItem};
use crate::views::fixtures::metric_response;
use serde_json::{Value, json};

/// A metrics answer: each series' values at the buckets of `data`'s window.
fn resp(series: &[(&str, Vec<Option<f64>>)], data: &ProjectData) -> ProjectMetricResponse {
    let times = data.window.buckets(data.range.bucket());
    let points: Vec<(&str, Vec<_>)> = series
        .iter()
        .map(|(n, vals)| {
            (
                *n,
                times.iter().copied().zip(vals.iter().copied()).collect(),
            )
        })
        .collect();
    metric_response(&points)
}

fn stats(items: &[(&str, Value)]) -> ProjectStats {
    ProjectStats {
        stats: items
            .iter()
            .map(|(n, v)| StatItem {
                name: n.to_string(),
                stat_type: "COUNT".into(),
                value: v.clone(),
            })
            .collect(),
    }
}

fn wave(n: usize, base: f64, amp: f64) -> Vec<Option<f64>> {
    (0..n)
        .map(|i| Some(base + amp * (((i * 7) % 11) as f64 / 10.0)))
        .collect()
}

/// A deterministic 24h project dashboard.
pub fn sample_project() -> ProjectData {
    let range = TimeRange::Day;
    let window = range.window(fixed_now());
    let mut data = ProjectData {
        project_id: Uuid::nil(),
        project_name: "checkout-bot".into(),
        range,
        window,
        series: SeriesSet::empty(window, range.bucket()),
        kpis: Vec::new(),
        notes: Vec::new(),
        fetched_at: fixed_now() - chrono::Duration::seconds(3),
    };
    let n = window.buckets(range.bucket()).len();
    let mut errors = vec![Some(0.0); n];
    errors[20] = Some(3.0);
    errors[21] = Some(1.0);
    let answers = MetricAnswers {
        traces: Some(resp(&[("traces", wave(n, 40.0, 60.0))], &data)),
        cost: Some(resp(&[("cost", wave(n, 0.02, 0.05))], &data)),
        duration: Some(resp(
            &[
                ("duration.p50", wave(n, 700.0, 300.0)),
                ("duration.p90", wave(n, 1800.0, 600.0)),
                ("duration.p99", wave(n, 3500.0, 1500.0)),
            ],
            &data,
        )),
        tokens: Some(resp(&[("total_tokens", wave(n, 9000.0, 8000.0))], &data)),
        scores: Some(resp(&[("relevance", wave(n, 0.6, 0.3))], &data)),
        errors: Some(resp(&[("traces", errors)], &data)),
    };
    data.series = SeriesSet::from_metrics(&answers, window, range.bucket());
    data.kpis = build_kpis(&KpiInputs {
        traces: Some(stats(&[
            ("trace_count", json!(1840)),
            (
                "duration",
                json!({"p50": 850.0, "p90": 2300.0, "p99": 4800.0}),
            ),
            ("total_estimated_cost_sum", json!(1.4234)),
            ("error_count", json!(4)),
            ("feedback_score.relevance", json!(0.82)),
        ])),
        traces_prev: Some(stats(&[
            ("trace_count", json!(1500)),
            (
                "duration",
                json!({"p50": 900.0, "p90": 2100.0, "p99": 4790.0}),
            ),
            ("total_estimated_cost_sum", json!(1.1)),
            ("error_count", json!(1)),
            ("feedback_score.relevance", json!(0.86)),
        ])),
        threads: Some(stats(&[("thread_count", json!(312))])),
        threads_prev: Some(stats(&[("thread_count", json!(298))])),
        tokens: data.series.tokens.total(),
        tokens_prev: Some(300_000.0),
        ..Default::default()
    });
    data
}

pub fn sample_overview() -> OverviewData {
    let p = sample_project();
    let range = p.range;
    let mk = |name: &str, scale: f64, err: bool| {
        let mut row = OverviewRow {
            project_id: Uuid::nil(),
            name: name.into(),
            traces: p.series.traces.clone(),
            cost: p.series.cost.clone(),
            p90: p.series.latency[1].clone(),
            errors: p.series.errors.clone(),
            error: None,
        };
        for s in [&mut row.traces, &mut row.cost, &mut row.p90] {
            for v in s.values.iter_mut().flatten() {
                *v = (*v * scale * 1000.0).round() / 1000.0;
            }
        }
        for v in row.traces.values.iter_mut().flatten() {
            *v = v.round();
        }
        if !err {
            for v in row.errors.values.iter_mut() {
                *v = Some(0.0);
            }
        }
        row
    };
    let mut empty = mk("sandbox", 0.0, false);
    for s in [&mut empty.traces, &mut empty.cost, &mut empty.p90] {
        s.values = vec![None; s.values.len()];
    }
    let mut broken = mk("legacy\u{1b}[31m-app", 1.0, false);
    broken.error = Some("DURATION metrics: Opik server error (HTTP 500): boom".into());
    OverviewData {
        range,
        window: p.window,
        rows: vec![
            mk("checkout-bot", 1.0, true),
            mk("support-agent", 0.3, false),
            empty,
            broken,
        ],
        more: 2,
        fetched_at: fixed_now() - chrono::Duration::seconds(12),
    }
}
