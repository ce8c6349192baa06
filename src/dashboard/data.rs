//! What one dashboard shows, assembled from server answers (pure: no network here; the
//! requests are made by [`crate::dashboard::fetch`]).
//!
//! Series come from `POST /projects/{id}/metrics` (Opik names them `traces`, `cost`,
//! `duration.p50|p90|p99`, one per usage key for TOKEN_USAGE and one per score name for
//! FEEDBACK_SCORES; empty buckets are `null`). Errors per bucket are TRACE_COUNT with the trace
//! filter `error_info is_not_empty`, which works on every Opik version that has the metrics
//! endpoint. For the `1h` range the same series are computed from the traces of the hour
//! ([`SeriesSet::from_traces`]).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::kpi::Kpi;
use super::range::{Bucket, TimeRange, Window};
use super::series::{self, Agg, Kind, Series};
use crate::opik::model::{Filter, ProjectMetricRequest, ProjectMetricResponse, Trace};

/// The metrics the dashboard asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    TraceCount,
    Cost,
    Duration,
    TokenUsage,
    FeedbackScores,
    /// TRACE_COUNT of traces with an error.
    Errors,
    /// THREAD_COUNT (threads by the time of their first trace).
    ThreadCount,
}

impl Metric {
    pub const ALL: [Metric; 6] = [
        Metric::TraceCount,
        Metric::Cost,
        Metric::Duration,
        Metric::TokenUsage,
        Metric::FeedbackScores,
        Metric::Errors,
    ];

    pub fn wire_type(self) -> &'static str {
        match self {
            Metric::TraceCount | Metric::Errors => "TRACE_COUNT",
            Metric::Cost => "COST",
            Metric::Duration => "DURATION",
            Metric::TokenUsage => "TOKEN_USAGE",
            Metric::FeedbackScores => "FEEDBACK_SCORES",
            Metric::ThreadCount => "THREAD_COUNT",
        }
    }

    /// The request body for `window` at `bucket` (whose interval must exist on the API).
    pub fn request(self, window: Window, bucket: Bucket) -> ProjectMetricRequest {
        ProjectMetricRequest {
            metric_type: Some(self.wire_type().into()),
            // Client-side buckets (1h) still need an API interval: sums stay exact.
            interval: Some(
                bucket
                    .interval()
                    .unwrap_or(super::range::Interval::Hourly)
                    .as_str()
                    .to_string(),
            ),
            interval_start: Some(window.start),
            interval_end: Some(window.end),
            trace_filters: match self {
                Metric::Errors => Some(vec![Filter {
                    field: "error_info".into(),
                    operator: "is_not_empty".into(),
                    key: None,
                    value: Some(String::new()),
                    field_type: None,
                }]),
                _ => None,
            },
            ..Default::default()
        }
    }
}

/// All time series of one project on one bucket grid.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSet {
    pub traces: Series,
    pub cost: Series,
    /// p50, p90, p99.
    pub latency: [Series; 3],
    pub tokens: Series,
    pub errors: Series,
    /// One per feedback-score name, sorted by name.
    pub scores: Vec<Series>,
}

/// Metrics answers, one per [`Metric`] (None when the request failed or was not made).
#[derive(Debug, Clone, Default)]
pub struct MetricAnswers {
    pub traces: Option<ProjectMetricResponse>,
    pub cost: Option<ProjectMetricResponse>,
    pub duration: Option<ProjectMetricResponse>,
    pub tokens: Option<ProjectMetricResponse>,
    pub scores: Option<ProjectMetricResponse>,
    pub errors: Option<ProjectMetricResponse>,
}

fn first_series(
    name: &str,
    resp: Option<&ProjectMetricResponse>,
    window: Window,
    bucket: Bucket,
    kind: Kind,
) -> Series {
    match resp.and_then(|r| r.results.first()) {
        Some(s) => {
            let mut s = series::from_metric(s, window, bucket, kind);
            s.name = name.to_string();
            s
        }
        None => Series::empty(name, window, bucket, kind),
    }
}

impl SeriesSet {
    pub fn empty(window: Window, bucket: Bucket) -> SeriesSet {
        let e = |n: &str, k| Series::empty(n, window, bucket, k);
        SeriesSet {
            traces: e("traces", Kind::Additive),
            cost: e("cost", Kind::Additive),
            latency: [
                e("p50", Kind::Level),
                e("p90", Kind::Level),
                e("p99", Kind::Level),
            ],
            tokens: e("tokens", Kind::Additive),
            errors: e("errors", Kind::Additive),
            scores: Vec::new(),
        }
    }

    /// Aligns metrics answers on the grid of `window`.
    pub fn from_metrics(a: &MetricAnswers, window: Window, bucket: Bucket) -> SeriesSet {
        let mut set = SeriesSet::empty(window, bucket);
        set.traces = first_series("traces", a.traces.as_ref(), window, bucket, Kind::Additive);
        set.cost = first_series("cost", a.cost.as_ref(), window, bucket, Kind::Additive);
        set.errors = first_series("errors", a.errors.as_ref(), window, bucket, Kind::Additive);
        if let Some(d) = &a.duration {
            for (slot, p) in set.latency.iter_mut().zip(["p50", "p90", "p99"]) {
                if let Some(s) = d
                    .results
                    .iter()
                    .find(|s| s.name == p || s.name.ends_with(&format!(".{p}")))
                {
                    *slot = series::from_metric(s, window, bucket, Kind::Level);
                    slot.name = p.to_string();
                }
            }
        }
        if let Some(t) = &a.tokens {
            let by = |n: &str| {
                t.results
                    .iter()
                    .find(|s| s.name == n)
                    .map(|s| series::from_metric(s, window, bucket, Kind::Additive))
            };
            set.tokens = match by("total_tokens") {
                Some(mut s) => {
                    s.name = "tokens".into();
                    s
                }
                None => {
                    let parts: Vec<Series> = ["prompt_tokens", "completion_tokens"]
                        .iter()
                        .filter_map(|n| by(n))
                        .collect();
                    let refs: Vec<&Series> = parts.iter().collect();
                    Series::sum_of("tokens", &refs, window, bucket)
                }
            };
        }
        if let Some(sc) = &a.scores {
            let mut scores: Vec<Series> = sc
                .results
                .iter()
                .filter(|s| !s.name.is_empty())
                .map(|s| series::from_metric(s, window, bucket, Kind::Level))
                .collect();
            scores.sort_by(|a, b| a.name.cmp(&b.name));
            scores.dedup_by(|a, b| a.name == b.name);
            set.scores = scores;
        }
        set
    }

    /// Computes the series from raw traces (client-side bucketing for ranges finer than the
    /// API's hourly interval). Duration is the trace's `duration`, else end − start.
    pub fn from_traces(traces: &[Trace], window: Window, bucket: Bucket) -> SeriesSet {
        let mut starts = Vec::new();
        let mut durations = Vec::new();
        let mut costs = Vec::new();
        let mut tokens = Vec::new();
        let mut errors = Vec::new();
        let mut scores: std::collections::BTreeMap<String, Vec<(DateTime<Utc>, f64)>> =
            Default::default();
        for t in traces {
            let Some(start) = t.start_time else { continue };
            starts.push((start, 1.0));
            let dur = t.duration.or_else(|| {
                t.end_time
                    .map(|e| (e - start).num_microseconds().unwrap_or(0) as f64 / 1000.0)
            });
            if let Some(d) = dur.filter(|d| d.is_finite() && *d >= 0.0) {
                durations.push((start, d));
            }
            if let Some(c) = t.total_estimated_cost {
                costs.push((start, c));
            }
            if let Some(u) = &t.usage {
                let total = u.get("total_tokens").copied().or_else(|| {
                    let p = u.get("prompt_tokens").copied();
                    let c = u.get("completion_tokens").copied();
                    (p.is_some() || c.is_some()).then(|| p.unwrap_or(0) + c.unwrap_or(0))
                });
                if let Some(total) = total {
                    tokens.push((start, total as f64));
                }
            }
            if t.error_info.is_some() {
                errors.push((start, 1.0));
            }
            for s in t.feedback_scores.iter().flatten() {
                if let Some(v) = s.value.filter(|v| v.is_finite()) {
                    scores.entry(s.name.clone()).or_default().push((start, v));
                }
            }
        }
        let any = !starts.is_empty();
        let additive = |name: &str, samples: &[(DateTime<Utc>, f64)], agg: Agg| {
            let mut s = series::bucket_samples(name, samples, window, bucket, agg);
            if any && samples.is_empty() {
                // Traces exist but none had this value: zeros, not "no data" markers.
                s.values = vec![Some(0.0); s.values.len()];
            }
            s
        };
        SeriesSet {
            traces: additive("traces", &starts, Agg::Count),
            cost: additive("cost", &costs, Agg::Sum),
            latency: [
                series::bucket_samples("p50", &durations, window, bucket, Agg::Quantile(0.5)),
                series::bucket_samples("p90", &durations, window, bucket, Agg::Quantile(0.9)),
                series::bucket_samples("p99", &durations, window, bucket, Agg::Quantile(0.99)),
            ],
            tokens: additive("tokens", &tokens, Agg::Sum),
            errors: additive("errors", &errors, Agg::Count),
            scores: scores
                .iter()
                .map(|(name, samples)| {
                    series::bucket_samples(name, samples, window, bucket, Agg::Mean)
                })
                .collect(),
        }
    }
}

/// One project's dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectData {
    pub project_id: Uuid,
    pub project_name: String,
    pub range: TimeRange,
    pub window: Window,
    pub series: SeriesSet,
    pub kpis: Vec<Kpi>,
    /// Things that went wrong or are approximate (a failed request, a sampled hour), shown
    /// under the panels; the rest of the dashboard still shows.
    pub notes: Vec<String>,
    pub fetched_at: DateTime<Utc>,
}

/// One row of the all-projects overview.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewRow {
    pub project_id: Uuid,
    pub name: String,
    pub traces: Series,
    pub cost: Series,
    pub p90: Series,
    pub errors: Series,
    /// A request for this project failed (shown in the row).
    pub error: Option<String>,
}

impl OverviewRow {
    pub fn total_traces(&self) -> f64 {
        self.traces.total().unwrap_or(0.0)
    }

    pub fn total_cost(&self) -> Option<f64> {
        self.cost.total().filter(|c| *c != 0.0)
    }

    pub fn total_errors(&self) -> f64 {
        self.errors.total().unwrap_or(0.0)
    }

    /// The latest bucket's p90.
    pub fn last_p90(&self) -> Option<f64> {
        self.p90.last()
    }
}

/// The all-projects overview.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewData {
    pub range: TimeRange,
    pub window: Window,
    pub rows: Vec<OverviewRow>,
    /// Projects beyond the ones shown.
    pub more: usize,
    pub fetched_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opik::model::{ErrorInfo, FeedbackScore};
    use crate::views::fixtures::metric_response as resp;
    use chrono::{Duration, TimeZone};
    use std::collections::BTreeMap;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
    }

    #[test]
    fn requests_match_opik() {
        let w = Window {
            start: at(0, 0),
            end: at(12, 0),
        };
        let r = Metric::Errors.request(w, Bucket::Hour);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["metric_type"], "TRACE_COUNT");
        assert_eq!(v["interval"], "HOURLY");
        assert_eq!(v["interval_start"], "2026-11-22T00:00:00.000000Z");
        assert_eq!(v["trace_filters"][0]["field"], "error_info");
        assert_eq!(v["trace_filters"][0]["operator"], "is_not_empty");
        let r = Metric::Duration.request(w, Bucket::Day);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["metric_type"], "DURATION");
        assert_eq!(v["interval"], "DAILY");
        assert!(v.get("trace_filters").is_none());
    }

    #[test]
    fn series_from_opik_answers() {
        let w = Window {
            start: at(9, 30),
            end: at(12, 10),
        };
        let a = MetricAnswers {
            traces: Some(resp(&[(
                "traces",
                &[(at(10, 0), Some(3.0)), (at(12, 0), None)],
            )])),
            duration: Some(resp(&[
                ("duration.p50", &[(at(10, 0), Some(100.0))]),
                ("duration.p90", &[(at(10, 0), Some(200.0))]),
                ("duration.p99", &[(at(10, 0), Some(300.0))]),
            ])),
            tokens: Some(resp(&[
                ("completion_tokens", &[(at(11, 0), Some(5.0))]),
                ("prompt_tokens", &[(at(11, 0), Some(10.0))]),
            ])),
            scores: Some(resp(&[
                ("relevance", &[(at(11, 0), Some(0.5))]),
                ("accuracy", &[(at(10, 0), Some(1.0))]),
            ])),
            ..Default::default()
        };
        let s = SeriesSet::from_metrics(&a, w, Bucket::Hour);
        assert_eq!(
            s.traces.values,
            vec![Some(0.0), Some(3.0), Some(0.0), Some(0.0)]
        );
        assert_eq!(s.latency[1].values[1], Some(200.0));
        assert_eq!(s.latency[2].name, "p99");
        assert_eq!(s.tokens.values[2], Some(15.0));
        assert_eq!(s.scores.len(), 2);
        assert_eq!(s.scores[0].name, "accuracy");
        assert!(!s.cost.has_data());
        assert!(!s.errors.has_data());
    }

    fn trace(start: DateTime<Utc>, ms: f64, cost: f64, err: bool) -> Trace {
        Trace {
            start_time: Some(start),
            end_time: Some(start + Duration::milliseconds(ms as i64)),
            total_estimated_cost: Some(cost),
            usage: Some(BTreeMap::from([("total_tokens".to_string(), 100)])),
            error_info: err.then(ErrorInfo::default),
            feedback_scores: Some(vec![FeedbackScore {
                name: "relevance".into(),
                value: Some(if err { 0.0 } else { 1.0 }),
                ..Default::default()
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn series_from_traces_bucket_on_the_client() {
        let w = Window {
            start: at(12, 0),
            end: at(12, 15),
        };
        let traces = vec![
            trace(at(12, 1), 100.0, 0.01, false),
            trace(at(12, 2), 300.0, 0.02, true),
            trace(at(12, 11), 50.0, 0.0, false),
        ];
        let s = SeriesSet::from_traces(&traces, w, Bucket::Minutes(5));
        assert_eq!(s.traces.values, vec![Some(2.0), Some(0.0), Some(1.0)]);
        assert_eq!(s.errors.values, vec![Some(1.0), Some(0.0), Some(0.0)]);
        assert_eq!(s.latency[0].values, vec![Some(200.0), None, Some(50.0)]);
        assert_eq!(s.tokens.total(), Some(300.0));
        assert!((s.cost.total().unwrap() - 0.03).abs() < 1e-12);
        assert_eq!(s.scores[0].values, vec![Some(0.5), None, Some(1.0)]);
        let none = SeriesSet::from_traces(&[], w, Bucket::Minutes(5));
        assert!(!none.traces.has_data());
        assert!(none.scores.is_empty());
    }
}
