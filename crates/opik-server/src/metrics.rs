//! Project metrics (`POST /v1/private/projects/{id}/metrics`) and KPI cards
//! (`POST /v1/private/projects/{id}/kpi-cards`), computed from the SQLite store the way Opik's
//! `ProjectMetricsDAO` computes them from ClickHouse, so the dashboard shows the same numbers
//! against Opik Cloud, self-hosted Opik and this server.
//!
//! What Opik does, and this module mirrors:
//! - an entity's time is the time **inside its UUIDv7 id** (trace id, span id, or the thread's
//!   `thread_model_id`), not `start_time`; the window is `interval_start ≤ t ≤ interval_end`
//!   (`interval_end` defaults to now);
//! - buckets are `toStartOfInterval(t, 1 hour | 1 day | 1 week)` in UTC (weeks start on
//!   Monday); every bucket from the one holding `interval_start` to the one holding
//!   `interval_end` is returned, per series (`WITH FILL`), an empty one with no `value`;
//! - values go through `nullIf(x, 0)`: a zero count, sum or average is returned without a value,
//!   exactly like an empty bucket;
//! - series names: `traces`, `threads`, `spans`, `cost`, `failed`, `duration.p50|p90|p99`,
//!   `thread_duration.p50|p90|p99`, one series per feedback-score name (average over traces of
//!   the per-trace average over authors), one per usage key (sum over the spans of the
//!   traces in the bucket);
//! - percentiles are ClickHouse's `quantiles(0.5, 0.9, 0.99)` (exact below 8192 values: linear
//!   interpolation between the closest ranks), durations in milliseconds.
//!
//! The "previous period comparison" Opik offers is the KPI cards endpoint: for traces, spans or
//! threads, `count`, `errors` (percent of entities with an error), `avg_duration` (ms) and
//! `total_cost`, each for the requested window and for the window of the same length just
//! before it.
//!
//! `trace_filters` / `thread_filters` / `span_filters` use the server's filter module (the same
//! fields and operators as the search endpoints; thread filters through the threads module's
//! aggregated thread row), so a dashboard filter means the same thing everywhere.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use rusqlite::{Connection, params_from_iter, types::Value as SqlValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use opik_model::{MetricPoint, MetricSeries, ProjectMetricResponse};

/// Bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Hourly,
    Daily,
    Weekly,
    /// One bucket for the whole window (Opik's newer `TOTAL`).
    Total,
}

impl Interval {
    pub fn parse(s: &str) -> Option<Interval> {
        match s.trim().to_ascii_uppercase().as_str() {
            "HOURLY" => Some(Interval::Hourly),
            "DAILY" => Some(Interval::Daily),
            "WEEKLY" => Some(Interval::Weekly),
            "TOTAL" => Some(Interval::Total),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Hourly => "HOURLY",
            Interval::Daily => "DAILY",
            Interval::Weekly => "WEEKLY",
            Interval::Total => "TOTAL",
        }
    }
}

/// The start of the bucket holding `t` (UTC; weeks start on Monday). For `Total` the window
/// start is the only bucket, so `t` itself is returned.
pub fn bucket_start(t: DateTime<Utc>, iv: Interval) -> DateTime<Utc> {
    let day = || {
        Utc.with_ymd_and_hms(t.year(), t.month(), t.day(), 0, 0, 0)
            .single()
            .unwrap_or(t)
    };
    match iv {
        Interval::Hourly => day() + Duration::hours(t.hour() as i64),
        Interval::Daily => day(),
        Interval::Weekly => day() - Duration::days(t.weekday().num_days_from_monday() as i64),
        Interval::Total => t,
    }
}

fn step(iv: Interval) -> Duration {
    match iv {
        Interval::Hourly => Duration::hours(1),
        Interval::Daily => Duration::days(1),
        Interval::Weekly => Duration::weeks(1),
        Interval::Total => Duration::MAX,
    }
}

/// Every bucket start from the bucket of `start` to the bucket of `end` (inclusive). At most
/// `MAX_BUCKETS` (a year of hours); a wider request is refused before it gets here.
pub fn buckets(start: DateTime<Utc>, end: DateTime<Utc>, iv: Interval) -> Vec<DateTime<Utc>> {
    if iv == Interval::Total {
        return vec![start];
    }
    let mut out = Vec::new();
    let mut b = bucket_start(start, iv);
    let last = bucket_start(end, iv);
    while b <= last && out.len() < MAX_BUCKETS {
        out.push(b);
        b += step(iv);
    }
    out
}

/// The most buckets one request may ask for.
pub const MAX_BUCKETS: usize = 24 * 366;

/// `quantile` of sorted values with linear interpolation between the closest ranks
/// (ClickHouse's exact `quantile` for small sets; NumPy's default). `None` when empty.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// The millisecond time inside a UUIDv7 id given as text (first 12 hex digits).
pub fn id_millis(id: &str) -> Option<i64> {
    let b = id.as_bytes();
    if b.len() < 13 || b[8] != b'-' {
        return None;
    }
    let mut ms: i64 = 0;
    for &c in b[0..8].iter().chain(&b[9..13]) {
        let d = (c as char).to_digit(16)?;
        ms = (ms << 4) | i64::from(d);
    }
    Some(ms)
}

/// The smallest UUID text whose embedded time is `ms` (for `id >= lower(ms)` range scans;
/// UUIDv7 text order is time order).
pub fn id_lower_bound(ms: i64) -> String {
    let h = format!("{:012x}", ms.clamp(0, 0xFFFF_FFFF_FFFF));
    format!("{}-{}-0000-0000-000000000000", &h[0..8], &h[8..12])
}

/// Accumulates values per (series, bucket) and renders Opik's response shape.
#[derive(Default)]
pub struct SeriesBuilder {
    series: BTreeMap<String, BTreeMap<i64, Agg>>,
}

#[derive(Default, Clone)]
struct Agg {
    sum: f64,
    n: u64,
    values: Vec<f64>,
}

/// How a series' bucket value is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reduce {
    Count,
    Sum,
    Avg,
    Quantile(f64),
}

impl SeriesBuilder {
    fn agg(&mut self, name: &str, bucket: i64) -> &mut Agg {
        // (no key allocation once the series exists: this runs once per row)
        if !self.series.contains_key(name) {
            self.series.insert(name.to_string(), BTreeMap::new());
        }
        self.series
            .get_mut(name)
            .expect("inserted above")
            .entry(bucket)
            .or_default()
    }

    pub fn add(&mut self, name: &str, bucket: i64, value: f64) {
        let a = self.agg(name, bucket);
        a.sum += value;
        a.n += 1;
    }

    pub fn add_sample(&mut self, name: &str, bucket: i64, value: f64) {
        let a = self.agg(name, bucket);
        a.values.push(value);
        a.n += 1;
    }

    /// Make sure a series exists even if no value landed in it.
    pub fn touch(&mut self, name: &str) {
        self.series.entry(name.to_string()).or_default();
    }

    /// Render every series over every bucket. `reduce` picks the aggregation per series name.
    pub fn finish(
        self,
        buckets: &[DateTime<Utc>],
        reduce: impl Fn(&str) -> Reduce,
    ) -> Vec<MetricSeries> {
        self.series
            .into_iter()
            .map(|(name, mut per_bucket)| {
                let how = reduce(&name);
                let data = buckets
                    .iter()
                    .map(|b| {
                        let value = per_bucket.get_mut(&b.timestamp_millis()).and_then(|a| {
                            let v = match how {
                                Reduce::Count => a.n as f64,
                                Reduce::Sum => a.sum,
                                Reduce::Avg => a.sum / a.n.max(1) as f64,
                                Reduce::Quantile(q) => {
                                    a.values.sort_by(|x, y| x.total_cmp(y));
                                    quantile(&a.values, q)?
                                }
                            };
                            // Opik: nullIf(x, 0) for counts, sums and averages.
                            (v.is_finite() && (v != 0.0 || matches!(how, Reduce::Quantile(_))))
                                .then_some(v)
                        });
                        MetricPoint {
                            time: Some(*b),
                            value,
                        }
                    })
                    .collect();
                MetricSeries { name, data }
            })
            .collect()
    }
}

/// The metric types this server computes (Opik's enum names).
pub const SUPPORTED: &[&str] = &[
    "TRACE_COUNT",
    "DURATION",
    "COST",
    "TOKEN_USAGE",
    "FEEDBACK_SCORES",
    "GUARDRAILS_FAILED_COUNT",
    "THREAD_COUNT",
    "THREAD_DURATION",
    "THREAD_FEEDBACK_SCORES",
    "SPAN_COUNT",
    "SPAN_DURATION",
    "SPAN_TOKEN_USAGE",
    "SPAN_FEEDBACK_SCORES",
];

/// A validated metrics request.
#[derive(Debug, Clone)]
pub struct MetricQuery {
    pub project_id: Uuid,
    pub metric_type: String,
    pub interval: Interval,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// An SQL condition on the entity row (alias `t` traces, `s` spans, `th` threads, as the
    /// filter module writes them) plus its parameters.
    pub filter_sql: Option<(String, Vec<SqlValue>)>,
}

/// Why a request was refused (answered 400 with this message).
#[derive(Debug, Clone, PartialEq)]
pub struct BadRequest(pub String);

impl MetricQuery {
    /// Validate the request fields (Opik: `'start_time' must be before 'end_time'`).
    pub fn new(
        project_id: Uuid,
        metric_type: Option<&str>,
        interval: Option<&str>,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<MetricQuery, BadRequest> {
        let metric_type = metric_type
            .map(|m| m.trim().to_ascii_uppercase())
            .filter(|m| !m.is_empty())
            .ok_or_else(|| {
                BadRequest(format!(
                    "`metric_type` is required; one of {}",
                    SUPPORTED.join(", ")
                ))
            })?;
        if !SUPPORTED.contains(&metric_type.as_str()) {
            return Err(BadRequest(format!(
                "metric type `{metric_type}` is not supported by this server; supported: {}",
                SUPPORTED.join(", ")
            )));
        }
        let interval = match interval {
            None => {
                return Err(BadRequest(
                    "`interval` is required: HOURLY, DAILY, WEEKLY or TOTAL".into(),
                ));
            }
            Some(i) => Interval::parse(i).ok_or_else(|| {
                BadRequest(format!(
                    "`interval` must be HOURLY, DAILY, WEEKLY or TOTAL, not `{i}`"
                ))
            })?,
        };
        let start = start.ok_or_else(|| BadRequest("`interval_start` is required".into()))?;
        let end = end.unwrap_or(now);
        if start >= end {
            return Err(BadRequest("'start_time' must be before 'end_time'".into()));
        }
        if interval != Interval::Total {
            let n = (end - start).num_seconds() / step(interval).num_seconds().max(1);
            if n as usize > MAX_BUCKETS {
                return Err(BadRequest(format!(
                    "the window holds {n} {} buckets, more than {MAX_BUCKETS}; use a wider interval",
                    interval.as_str()
                )));
            }
        }
        Ok(MetricQuery {
            project_id,
            metric_type,
            interval,
            start,
            end,
            filter_sql: None,
        })
    }

    fn id_range(&self) -> (String, String) {
        (
            id_lower_bound(self.start.timestamp_millis()),
            id_lower_bound(self.end.timestamp_millis() + 1),
        )
    }

    /// [`MetricQuery::bucket_of`] remembering the last bucket `[start, end)`: rows come in id
    /// (= time) order, so nearly every row falls in the bucket of the one before.
    fn bucket_cached(&self, ms: i64, last: &mut Option<(i64, i64)>) -> i64 {
        if let Some((b, e)) = *last
            && ms >= b
            && ms < e
        {
            return b;
        }
        let b = self.bucket_of(ms);
        let e = if self.interval == Interval::Total {
            i64::MAX
        } else {
            b.saturating_add(step(self.interval).num_milliseconds())
        };
        *last = Some((b, e));
        b
    }

    fn bucket_of(&self, ms: i64) -> i64 {
        if self.interval == Interval::Total {
            return self.start.timestamp_millis();
        }
        let t = DateTime::from_timestamp_millis(ms).unwrap_or(self.start);
        bucket_start(t, self.interval).timestamp_millis()
    }

    /// Which table the filters apply to.
    pub fn entity(&self) -> Entity {
        entity_of(&self.metric_type)
    }
}

/// The entity a metric is computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Traces,
    Spans,
    Threads,
}

pub fn entity_of(metric_type: &str) -> Entity {
    if metric_type.starts_with("THREAD_") {
        Entity::Threads
    } else if metric_type.starts_with("SPAN_") {
        Entity::Spans
    } else {
        Entity::Traces
    }
}

fn where_filter(q: &MetricQuery, params: &mut Vec<SqlValue>) -> String {
    match &q.filter_sql {
        Some((sql, p)) if !sql.trim().is_empty() => {
            params.extend(p.iter().cloned());
            format!(" AND ({sql})")
        }
        _ => String::new(),
    }
}

/// Compute a metric. Pure SQL reads over the server schema (`db::CORE_SCHEMA`).
pub fn compute(conn: &Connection, q: &MetricQuery) -> rusqlite::Result<ProjectMetricResponse> {
    let (lo, hi) = q.id_range();
    let pid = q.project_id.to_string();
    let mut sb = SeriesBuilder::default();
    let mt = q.metric_type.as_str();
    let dur_names = |prefix: &str| -> [String; 3] {
        [
            format!("{prefix}.p50"),
            format!("{prefix}.p90"),
            format!("{prefix}.p99"),
        ]
    };
    match mt {
        "TRACE_COUNT" | "DURATION" | "COST" | "TOKEN_USAGE" | "GUARDRAILS_FAILED_COUNT" => {
            let mut params: Vec<SqlValue> = vec![pid.into(), lo.into(), hi.into()];
            let f = where_filter(q, &mut params);
            // Only the column the metric needs, so that the scan stays on the
            // `traces_visible_metrics` index.
            let cols = match mt {
                "DURATION" => "t.duration, NULL, NULL",
                "COST" => "NULL, t.total_estimated_cost, NULL",
                "TOKEN_USAGE" => "NULL, NULL, t.usage",
                _ => "NULL, NULL, NULL",
            };
            let sql = format!(
                "SELECT t.id, {cols} FROM traces t \
                 WHERE t.project_id = ?1 AND t.has_create = 1 AND t.id >= ?2 AND t.id < ?3{f}"
            );
            let mut st = conn.prepare_cached(&sql)?;
            let mut rows = st.query(params_from_iter(params))?;
            let names = dur_names("duration");
            match mt {
                "TRACE_COUNT" => sb.touch("traces"),
                "COST" => sb.touch("cost"),
                "GUARDRAILS_FAILED_COUNT" => sb.touch("failed"),
                "DURATION" => names.iter().for_each(|n| sb.touch(n)),
                _ => {}
            }
            let mut last = None;
            // Rows come in bucket order: sum into `acc` and hand each bucket to `sb` once.
            let mut acc = BucketAcc::default();
            while let Some(r) = rows.next()? {
                let Some(ms) = id_millis(r.get_ref(0)?.as_str()?) else {
                    continue;
                };
                let b = q.bucket_cached(ms, &mut last);
                acc.at(b, &mut sb, &names);
                match mt {
                    "TRACE_COUNT" => acc.add("traces", 1.0),
                    "DURATION" => {
                        if let Some(d) = r.get::<_, Option<f64>>(1)? {
                            acc.samples.push(d);
                        }
                    }
                    "COST" => {
                        if let Some(c) = r.get::<_, Option<f64>>(2)? {
                            acc.add("cost", c);
                        }
                    }
                    "TOKEN_USAGE" => {
                        if let Some(u) = r.get_ref(3)?.as_str_or_null()? {
                            acc.add_usage(u);
                        }
                    }
                    _ => {
                        // Guardrails are not stored by this server: the series stays empty.
                    }
                }
            }
            acc.flush(&mut sb, &names);
            let reduce = |name: &str| match name {
                "duration.p50" => Reduce::Quantile(0.5),
                "duration.p90" => Reduce::Quantile(0.9),
                "duration.p99" => Reduce::Quantile(0.99),
                _ => Reduce::Sum,
            };
            return Ok(response(q, sb, reduce));
        }
        "SPAN_COUNT" | "SPAN_DURATION" | "SPAN_TOKEN_USAGE" => {
            let mut params: Vec<SqlValue> = vec![pid.into(), lo.into(), hi.into()];
            let f = where_filter(q, &mut params);
            let sql = format!(
                "SELECT s.id, s.duration, s.usage FROM spans s \
                 WHERE s.project_id = ?1 AND s.has_create = 1 AND s.id >= ?2 AND s.id < ?3{f}"
            );
            let mut st = conn.prepare_cached(&sql)?;
            let mut rows = st.query(params_from_iter(params))?;
            let names = dur_names("duration");
            match mt {
                "SPAN_COUNT" => sb.touch("spans"),
                "SPAN_DURATION" => names.iter().for_each(|n| sb.touch(n)),
                _ => {}
            }
            let mut last = None;
            while let Some(r) = rows.next()? {
                let Some(ms) = id_millis(r.get_ref(0)?.as_str()?) else {
                    continue;
                };
                let b = q.bucket_cached(ms, &mut last);
                match mt {
                    "SPAN_COUNT" => sb.add("spans", b, 1.0),
                    "SPAN_DURATION" => {
                        if let Some(d) = r.get::<_, Option<f64>>(1)? {
                            for n in &names {
                                sb.add_sample(n, b, d);
                            }
                        }
                    }
                    _ => {
                        if let Some(u) = r.get_ref(2)?.as_str_or_null()? {
                            add_usage(&mut sb, b, u);
                        }
                    }
                }
            }
            let reduce = |name: &str| match name {
                "duration.p50" => Reduce::Quantile(0.5),
                "duration.p90" => Reduce::Quantile(0.9),
                "duration.p99" => Reduce::Quantile(0.99),
                _ => Reduce::Sum,
            };
            return Ok(response(q, sb, reduce));
        }
        "FEEDBACK_SCORES" | "SPAN_FEEDBACK_SCORES" => {
            let (table, a, etype) = if mt == "FEEDBACK_SCORES" {
                ("traces", "t", "trace")
            } else {
                ("spans", "s", "span")
            };
            let mut params: Vec<SqlValue> = vec![pid.into(), lo.into(), hi.into()];
            let f = where_filter(q, &mut params);
            // Per entity and name: the average over authors; then the average per bucket.
            let sql = format!(
                "SELECT {a}.id, fs.name, avg(fs.value) FROM {table} {a} \
                 JOIN feedback_scores fs ON fs.entity_type = '{etype}' AND fs.entity_id = {a}.id \
                 WHERE {a}.project_id = ?1 AND {a}.has_create = 1 AND {a}.id >= ?2 AND {a}.id < ?3{f} \
                 AND fs.value IS NOT NULL GROUP BY {a}.id, fs.name"
            );
            let mut st = conn.prepare_cached(&sql)?;
            let mut rows = st.query(params_from_iter(params))?;
            while let Some(r) = rows.next()? {
                let id: String = r.get(0)?;
                let name: String = r.get(1)?;
                let v: Option<f64> = r.get(2)?;
                if let (Some(ms), Some(v)) = (id_millis(&id), v) {
                    sb.add(&name, q.bucket_of(ms), v);
                }
            }
            return Ok(response(q, sb, |_| Reduce::Avg));
        }
        "THREAD_COUNT" | "THREAD_DURATION" | "THREAD_FEEDBACK_SCORES" => {
            let mut params: Vec<SqlValue> = vec![pid.into(), lo.into(), hi.into()];
            let f = where_filter(q, &mut params);
            let names = dur_names("thread_duration");
            match mt {
                "THREAD_COUNT" => sb.touch("threads"),
                "THREAD_DURATION" => names.iter().for_each(|n| sb.touch(n)),
                _ => {}
            }
            if mt == "THREAD_FEEDBACK_SCORES" {
                let sql = format!(
                    "SELECT th.thread_model_id, fs.name, avg(fs.value) FROM threads th \
                     JOIN feedback_scores fs ON fs.entity_type = 'thread' AND fs.entity_id = th.thread_model_id \
                     WHERE th.project_id = ?1 AND th.thread_model_id >= ?2 AND th.thread_model_id < ?3{f} \
                     AND fs.value IS NOT NULL GROUP BY th.thread_model_id, fs.name"
                );
                let mut st = conn.prepare_cached(&sql)?;
                let mut rows = st.query(params_from_iter(params))?;
                while let Some(r) = rows.next()? {
                    let id: String = r.get(0)?;
                    let name: String = r.get(1)?;
                    let v: Option<f64> = r.get(2)?;
                    if let (Some(ms), Some(v)) = (id_millis(&id), v) {
                        sb.add(&name, q.bucket_of(ms), v);
                    }
                }
                return Ok(response(q, sb, |_| Reduce::Avg));
            }
            // Thread duration: first trace start to last trace end (ms), as Opik.
            let sql = format!(
                "SELECT th.thread_model_id, min(t.start_time), max(t.end_time) FROM threads th \
                 JOIN traces t ON t.project_id = th.project_id AND t.thread_id = th.thread_id AND t.has_create = 1 \
                 WHERE th.project_id = ?1 AND th.thread_model_id >= ?2 AND th.thread_model_id < ?3{f} \
                 GROUP BY th.thread_model_id"
            );
            let mut st = conn.prepare_cached(&sql)?;
            let mut rows = st.query(params_from_iter(params))?;
            while let Some(r) = rows.next()? {
                let id: String = r.get(0)?;
                let Some(ms) = id_millis(&id) else { continue };
                let b = q.bucket_of(ms);
                if mt == "THREAD_COUNT" {
                    sb.add("threads", b, 1.0);
                    continue;
                }
                let s: Option<String> = r.get(1)?;
                let e: Option<String> = r.get(2)?;
                if let (Some(s), Some(e)) = (
                    s.as_deref().and_then(opik_model::ts::parse),
                    e.as_deref().and_then(opik_model::ts::parse),
                ) {
                    let d = (e - s).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                    for n in &names {
                        sb.add_sample(n, b, d);
                    }
                }
            }
            let reduce = |name: &str| match name {
                "thread_duration.p50" => Reduce::Quantile(0.5),
                "thread_duration.p90" => Reduce::Quantile(0.9),
                "thread_duration.p99" => Reduce::Quantile(0.99),
                _ => Reduce::Sum,
            };
            return Ok(response(q, sb, reduce));
        }
        _ => {}
    }
    Ok(response(q, sb, |_| Reduce::Sum))
}

/// Sums (and duration samples) of the bucket being read, handed to a [`SeriesBuilder`] when
/// the bucket changes: one map update per bucket and series instead of per row.
#[derive(Default)]
struct BucketAcc {
    bucket: Option<i64>,
    sums: Vec<(String, f64)>,
    samples: Vec<f64>,
}

impl BucketAcc {
    /// Move to bucket `b` (flushing the previous one if it differs).
    fn at(&mut self, b: i64, sb: &mut SeriesBuilder, sample_names: &[String]) {
        if self.bucket != Some(b) {
            self.flush(sb, sample_names);
            self.bucket = Some(b);
        }
    }

    fn add(&mut self, name: &str, v: f64) {
        match self.sums.iter_mut().find(|(k, _)| k == name) {
            Some((_, s)) => *s += v,
            None => self.sums.push((name.to_string(), v)),
        }
    }

    /// Add a usage object's positive numbers (borrowed keys; escaped keys take the owned
    /// path).
    fn add_usage(&mut self, usage_json: &str) {
        if let Ok(m) = serde_json::from_str::<BTreeMap<&str, Value>>(usage_json) {
            for (k, v) in m {
                if let Some(n) = v.as_f64().filter(|n| *n > 0.0) {
                    self.add(k, n);
                }
            }
        } else if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(usage_json) {
            for (k, v) in m {
                if let Some(n) = v.as_f64().filter(|n| *n > 0.0) {
                    self.add(&k, n);
                }
            }
        }
    }

    fn flush(&mut self, sb: &mut SeriesBuilder, sample_names: &[String]) {
        let Some(b) = self.bucket else { return };
        for (k, v) in self.sums.drain(..) {
            sb.add(&k, b, v);
        }
        if !self.samples.is_empty() {
            for n in sample_names {
                let a = sb.agg(n, b);
                a.values.extend_from_slice(&self.samples);
                a.n += self.samples.len() as u64;
            }
            self.samples.clear();
        }
    }
}

fn add_usage(sb: &mut SeriesBuilder, bucket: i64, usage_json: &str) {
    // Borrowed keys first (no allocation per row); keys with escapes take the owned path.
    if let Ok(m) = serde_json::from_str::<BTreeMap<&str, Value>>(usage_json) {
        for (k, v) in m {
            if let Some(n) = v.as_f64().filter(|n| *n > 0.0) {
                sb.add(k, bucket, n);
            }
        }
    } else if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(usage_json) {
        for (k, v) in m {
            if let Some(n) = v.as_f64().filter(|n| *n > 0.0) {
                sb.add(&k, bucket, n);
            }
        }
    }
}

fn response(
    q: &MetricQuery,
    sb: SeriesBuilder,
    reduce: impl Fn(&str) -> Reduce,
) -> ProjectMetricResponse {
    let buckets = buckets(q.start, q.end, q.interval);
    ProjectMetricResponse {
        project_id: Some(q.project_id),
        metric_type: Some(q.metric_type.clone()),
        interval: Some(q.interval.as_str().to_string()),
        results: sb.finish(&buckets, reduce),
    }
}

// ---------------------------------------------------------------------------------------------
// KPI cards
// ---------------------------------------------------------------------------------------------

/// `POST /projects/{id}/kpi-cards` body.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct KpiCardRequest {
    #[serde(default)]
    pub entity_type: Option<String>,
    #[serde(default)]
    pub filters: Option<String>,
    #[serde(default, with = "opik_model::ts::opt")]
    pub interval_start: Option<DateTime<Utc>>,
    #[serde(default, with = "opik_model::ts::opt")]
    pub interval_end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KpiMetric {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_value: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct KpiCardResponse {
    pub stats: Vec<KpiMetric>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Kpi {
    count: f64,
    errors: f64,
    dur_sum: f64,
    dur_n: f64,
    cost: f64,
}

fn kpi_window(
    conn: &Connection,
    entity: Entity,
    project_id: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    filter: &Option<(String, Vec<SqlValue>)>,
) -> rusqlite::Result<Kpi> {
    let lo = id_lower_bound(start.timestamp_millis());
    let hi = id_lower_bound(end.timestamp_millis() + 1);
    let mut params: Vec<SqlValue> = vec![project_id.to_string().into(), lo.into(), hi.into()];
    let f = match filter {
        Some((sql, p)) if !sql.trim().is_empty() => {
            params.extend(p.iter().cloned());
            format!(" AND ({sql})")
        }
        _ => String::new(),
    };
    let sql = match entity {
        Entity::Traces | Entity::Spans => {
            let (table, a, cost) = if entity == Entity::Traces {
                ("traces", "t", "total_estimated_cost")
            } else {
                ("spans", "s", "est_cost")
            };
            format!(
                "SELECT count(*), coalesce(sum({a}.error_info IS NOT NULL AND {a}.error_info <> '' AND {a}.error_info <> 'null'), 0), \
                 coalesce(sum({a}.duration), 0.0), count({a}.duration), coalesce(sum({a}.{cost}), 0.0) \
                 FROM {table} {a} WHERE {a}.project_id = ?1 AND {a}.has_create = 1 AND {a}.id >= ?2 AND {a}.id < ?3{f}"
            )
        }
        Entity::Threads => format!(
            "SELECT count(*), 0, 0.0, 0, 0.0 FROM threads th \
             WHERE th.project_id = ?1 AND th.thread_model_id >= ?2 AND th.thread_model_id < ?3{f}"
        ),
    };
    let mut k = conn.query_row(&sql, params_from_iter(params.iter()), |r| {
        Ok(Kpi {
            count: r.get::<_, i64>(0)? as f64,
            errors: r.get::<_, i64>(1)? as f64,
            dur_sum: r.get::<_, f64>(2)?,
            dur_n: r.get::<_, i64>(3)? as f64,
            cost: r.get::<_, f64>(4)?,
        })
    })?;
    if entity == Entity::Threads {
        // Thread duration, errors and cost come from the thread's traces.
        let lo = id_lower_bound(start.timestamp_millis());
        let hi = id_lower_bound(end.timestamp_millis() + 1);
        let mut params: Vec<SqlValue> = vec![project_id.to_string().into(), lo.into(), hi.into()];
        let f = match filter {
            Some((sql, p)) if !sql.trim().is_empty() => {
                params.extend(p.iter().cloned());
                format!(" AND ({sql})")
            }
            _ => String::new(),
        };
        let sql = format!(
            "SELECT min(t.start_time), max(t.end_time), \
             max(t.error_info IS NOT NULL AND t.error_info <> '' AND t.error_info <> 'null'), \
             coalesce(sum(t.total_estimated_cost), 0.0) FROM threads th \
             JOIN traces t ON t.project_id = th.project_id AND t.thread_id = th.thread_id AND t.has_create = 1 \
             WHERE th.project_id = ?1 AND th.thread_model_id >= ?2 AND th.thread_model_id < ?3{f} \
             GROUP BY th.thread_model_id"
        );
        let mut st = conn.prepare(&sql)?;
        let mut rows = st.query(params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            let s: Option<String> = r.get(0)?;
            let e: Option<String> = r.get(1)?;
            if let (Some(s), Some(e)) = (
                s.as_deref().and_then(opik_model::ts::parse),
                e.as_deref().and_then(opik_model::ts::parse),
            ) {
                k.dur_sum += (e - s).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                k.dur_n += 1.0;
            }
            k.errors += r.get::<_, Option<i64>>(2)?.unwrap_or(0) as f64;
            k.cost += r.get::<_, f64>(3)?;
        }
    }
    Ok(k)
}

/// KPI cards for `[start, end]` and the equally long window just before it.
pub fn kpi_cards(
    conn: &Connection,
    entity: Entity,
    project_id: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    filter: &Option<(String, Vec<SqlValue>)>,
) -> rusqlite::Result<KpiCardResponse> {
    let pid = project_id.to_string();
    let len = end - start;
    let cur = kpi_window(conn, entity, &pid, start, end, filter)?;
    let prev_end = start - Duration::milliseconds(1);
    let prev = kpi_window(conn, entity, &pid, start - len, prev_end, filter)?;
    let card = |kind: &str, f: &dyn Fn(&Kpi) -> Option<f64>| KpiMetric {
        kind: kind.to_string(),
        current_value: f(&cur),
        previous_value: f(&prev),
    };
    Ok(KpiCardResponse {
        stats: vec![
            card("count", &|k| Some(k.count)),
            card("errors", &|k| {
                (k.count > 0.0).then(|| k.errors / k.count * 100.0)
            }),
            card("avg_duration", &|k| {
                (k.dur_n > 0.0).then(|| k.dur_sum / k.dur_n)
            }),
            card("total_cost", &|k| Some(k.cost)),
        ],
    })
}

/// Group helper used by tests and stats: per-name averages.
pub fn averages(pairs: impl IntoIterator<Item = (String, f64)>) -> BTreeMap<String, f64> {
    let mut acc: HashMap<String, (f64, f64)> = HashMap::new();
    for (k, v) in pairs {
        let e = acc.entry(k).or_default();
        e.0 += v;
        e.1 += 1.0;
    }
    acc.into_iter().map(|(k, (s, n))| (k, s / n)).collect()
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;

use super::common::parse_uuid;
use super::filters::{self, Ctx, Where};
use super::{AppState, LJson, ServerError};
use opik_model::{Filter, ProjectMetricRequest};

/// `POST /v1/private/projects/{id}/metrics` and `POST /v1/private/projects/{id}/kpi-cards`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/projects/{id}/metrics", post(metrics_handler))
        .route("/v1/private/projects/{id}/kpi-cards", post(kpi_handler))
}

fn project_exists(conn: &Connection, id: &Uuid) -> Result<(), ServerError> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM projects WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))?;
    if n == 0 {
        return Err(ServerError::not_found("Project not found"));
    }
    Ok(())
}

/// Filters → an SQL condition for the entity's row alias (`t` traces, `s` spans, `th` threads).
/// Thread filters refer to the aggregated thread row of the threads module, so they are
/// evaluated there and come back as the matching `thread_model_id`s.
pub fn filter_sql(
    conn: &Connection,
    entity: Entity,
    filters: &[Filter],
    thread_scope: Option<(&Uuid, DateTime<Utc>, DateTime<Utc>, Duration)>,
) -> Result<Option<(String, Vec<SqlValue>)>, ServerError> {
    if filters.is_empty() {
        return Ok(None);
    }
    let fe = match entity {
        Entity::Traces => filters::Entity::Trace,
        Entity::Spans => filters::Entity::Span,
        Entity::Threads => {
            let Some((pid, start, end, timeout)) = thread_scope else {
                return Ok(None);
            };
            let q = super::threads::ThreadQuery {
                project_id: pid.to_string(),
                filters: filters.to_vec(),
                from_time: Some(start),
                to_time: Some(end),
                limit: i64::MAX,
                ..Default::default()
            };
            let (rows, _) = super::threads::query(conn, timeout, &q)?;
            let ids: Vec<Value> = rows
                .iter()
                .filter_map(|r| r.get("thread_model_id").cloned())
                .collect();
            return Ok(Some((
                "th.thread_model_id IN (SELECT value FROM json_each(?))".into(),
                vec![SqlValue::Text(Value::Array(ids).to_string())],
            )));
        }
    };
    let mut w = Where::default();
    filters::build(fe, filters, Ctx::detect(conn), &mut w)?;
    Ok(Some((w.sql(), w.params)))
}

async fn metrics_handler(
    State(st): State<AppState>,
    Path(id): Path<String>,
    LJson(req): LJson<ProjectMetricRequest>,
) -> Result<Json<ProjectMetricResponse>, ServerError> {
    let project_id = parse_uuid(&id, "project id")?;
    let mut q = MetricQuery::new(
        project_id,
        req.metric_type.as_deref(),
        req.interval.as_deref(),
        req.interval_start,
        req.interval_end,
        Utc::now(),
    )
    .map_err(|e| ServerError::bad_request(e.0))?;
    let filters = match q.entity() {
        Entity::Traces => req.trace_filters.unwrap_or_default(),
        Entity::Spans => req.span_filters.unwrap_or_default(),
        Entity::Threads => req.thread_filters.unwrap_or_default(),
    };
    let timeout = st.settings.thread_timeout;
    let out = st
        .db
        .read(move |conn| {
            project_exists(conn, &project_id)?;
            q.filter_sql = filter_sql(
                conn,
                q.entity(),
                &filters,
                Some((&project_id, q.start, q.end, timeout)),
            )?;
            Ok(compute(conn, &q)?)
        })
        .await?;
    Ok(Json(out))
}

async fn kpi_handler(
    State(st): State<AppState>,
    Path(id): Path<String>,
    LJson(req): LJson<KpiCardRequest>,
) -> Result<Json<KpiCardResponse>, ServerError> {
    let project_id = parse_uuid(&id, "project id")?;
    let entity = match req.entity_type.as_deref().map(str::trim) {
        Some("traces") => Entity::Traces,
        Some("spans") => Entity::Spans,
        Some("threads") => Entity::Threads,
        other => {
            return Err(ServerError::bad_request(format!(
                "`entity_type` must be traces, spans or threads, not {other:?}"
            )));
        }
    };
    let start = req
        .interval_start
        .ok_or_else(|| ServerError::bad_request("`interval_start` is required"))?;
    let end = req.interval_end.unwrap_or_else(Utc::now);
    if start >= end {
        return Err(ServerError::bad_request(
            "'start_time' must be before 'end_time'",
        ));
    }
    let filters: Vec<Filter> = match req.filters.as_deref().map(str::trim) {
        None | Some("") => Vec::new(),
        Some(s) => serde_json::from_str(s).map_err(|e| {
            ServerError::bad_request(format!(
                "Invalid filters: {e}; expected a JSON array of {{field, operator, key, value}}"
            ))
        })?,
    };
    let timeout = st.settings.thread_timeout;
    let out = st
        .db
        .read(move |conn| {
            project_exists(conn, &project_id)?;
            let scope = Some((&project_id, start - (end - start), end, timeout));
            let f = filter_sql(conn, entity, &filters, scope)?;
            Ok(kpi_cards(conn, entity, project_id, start, end, &f)?)
        })
        .await?;
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        opik_model::ts::parse(s).unwrap()
    }

    #[test]
    fn buckets_align_like_clickhouse() {
        let x = t("2025-11-19T13:45:10Z"); // a Wednesday
        assert_eq!(bucket_start(x, Interval::Hourly), t("2025-11-19T13:00:00Z"));
        assert_eq!(bucket_start(x, Interval::Daily), t("2025-11-19T00:00:00Z"));
        assert_eq!(bucket_start(x, Interval::Weekly), t("2025-11-17T00:00:00Z"));
        let b = buckets(
            t("2025-11-19T22:30:00Z"),
            t("2025-11-20T01:10:00Z"),
            Interval::Hourly,
        );
        assert_eq!(
            b,
            vec![
                t("2025-11-19T22:00:00Z"),
                t("2025-11-19T23:00:00Z"),
                t("2025-11-20T00:00:00Z"),
                t("2025-11-20T01:00:00Z")
            ]
        );
        let w = buckets(
            t("2025-11-01T00:00:00Z"),
            t("2025-11-30T00:00:00Z"),
            Interval::Weekly,
        );
        assert_eq!(w.first(), Some(&t("2025-10-27T00:00:00Z")));
        assert_eq!(w.last(), Some(&t("2025-11-24T00:00:00Z")));
        assert_eq!(w.len(), 5);
    }

    #[test]
    fn quantiles_interpolate_between_ranks() {
        let v = [10.0, 20.0, 30.0, 40.0];
        assert_eq!(quantile(&v, 0.5), Some(25.0));
        assert!((quantile(&v, 0.9).unwrap() - 37.0).abs() < 1e-9);
        assert!((quantile(&v, 0.99).unwrap() - 39.7).abs() < 1e-9);
        assert_eq!(quantile(&[5.0], 0.99), Some(5.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn ids_carry_their_time_and_bounds_sort_with_them() {
        let id = crate::otlp::otel_id_to_uuid_v7(b"abc", 1_763_000_000_123).to_string();
        assert_eq!(id_millis(&id), Some(1_763_000_000_123));
        assert!(id_lower_bound(1_763_000_000_123) <= id);
        assert!(id < id_lower_bound(1_763_000_000_124));
        assert_eq!(id_millis("nope"), None);
    }

    #[test]
    fn series_fill_every_bucket_and_drop_zeros() {
        let b = buckets(
            t("2025-01-01T00:00:00Z"),
            t("2025-01-03T12:00:00Z"),
            Interval::Daily,
        );
        let mut sb = SeriesBuilder::default();
        let d1 = b[0].timestamp_millis();
        sb.add("traces", d1, 1.0);
        sb.add("traces", d1, 1.0);
        sb.add("cost", b[2].timestamp_millis(), 0.0);
        let out = sb.finish(&b, |_| Reduce::Sum);
        let traces = out.iter().find(|s| s.name == "traces").unwrap();
        assert_eq!(traces.data.len(), 3);
        assert_eq!(traces.data[0].value, Some(2.0));
        assert_eq!(traces.data[1].value, None);
        let cost = out.iter().find(|s| s.name == "cost").unwrap();
        assert_eq!(cost.data[2].value, None, "nullIf(sum, 0)");
    }

    #[test]
    fn requests_are_validated() {
        let now = t("2025-01-10T00:00:00Z");
        let p = Uuid::nil();
        let ok = MetricQuery::new(
            p,
            Some("trace_count"),
            Some("daily"),
            Some(t("2025-01-01T00:00:00Z")),
            None,
            now,
        )
        .unwrap();
        assert_eq!(ok.end, now);
        let e = MetricQuery::new(
            p,
            Some("TRACE_COUNT"),
            Some("DAILY"),
            Some(now),
            Some(now),
            now,
        )
        .unwrap_err();
        assert!(e.0.contains("before"));
        let e = MetricQuery::new(p, Some("NOPE"), Some("DAILY"), Some(now), None, now).unwrap_err();
        assert!(e.0.contains("TRACE_COUNT"), "{}", e.0);
        let e = MetricQuery::new(
            p,
            Some("TRACE_COUNT"),
            Some("MINUTELY"),
            Some(now),
            None,
            now,
        )
        .unwrap_err();
        assert!(e.0.contains("HOURLY"));
        let e = MetricQuery::new(
            p,
            Some("TRACE_COUNT"),
            Some("HOURLY"),
            Some(t("2000-01-01T00:00:00Z")),
            Some(now),
            now,
        )
        .unwrap_err();
        assert!(e.0.contains("buckets"));
    }
}
