//! Computing a metric: pure SQL reads over the server schema.

use std::collections::BTreeMap;

use rusqlite::{Connection, params_from_iter, types::Value as SqlValue};
use serde_json::Value;

use opik_model::ProjectMetricResponse;

use super::*;

/// Compute a metric. Pure SQL reads over the server schema (`db::CORE_SCHEMA`).
pub fn compute(conn: &Connection, q: &MetricQuery) -> rusqlite::Result<ProjectMetricResponse> {
    let mt = q.metric_type.as_str();
    match mt {
        "TRACE_COUNT" | "DURATION" | "COST" | "TOKEN_USAGE" | "GUARDRAILS_FAILED_COUNT" => {
            trace_metric(conn, q, mt)
        }
        "SPAN_COUNT" | "SPAN_DURATION" | "SPAN_TOKEN_USAGE" => span_metric(conn, q, mt),
        "FEEDBACK_SCORES" | "SPAN_FEEDBACK_SCORES" => entity_scores(conn, q, mt),
        "THREAD_COUNT" | "THREAD_DURATION" => thread_metric(conn, q, mt),
        "THREAD_FEEDBACK_SCORES" => thread_scores(conn, q),
        _ => Ok(response(q, SeriesBuilder::default(), |_| Reduce::Sum)),
    }
}

/// The p50/p90/p99 series names of a duration metric.
fn dur_names(prefix: &str) -> [String; 3] {
    [
        format!("{prefix}.p50"),
        format!("{prefix}.p90"),
        format!("{prefix}.p99"),
    ]
}

/// Quantiles for the `prefix.p50/p90/p99` series, sums for the others.
fn quantiles_of(prefix: &str) -> impl Fn(&str) -> Reduce + '_ {
    move |name: &str| match name.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) {
        Some("p50") => Reduce::Quantile(0.5),
        Some("p90") => Reduce::Quantile(0.9),
        Some("p99") => Reduce::Quantile(0.99),
        _ => Reduce::Sum,
    }
}

/// The project and id range parameters, then the filter's (its SQL is returned).
fn range_params(q: &MetricQuery) -> (Vec<SqlValue>, String) {
    let (lo, hi) = q.id_range();
    let mut params: Vec<SqlValue> = vec![q.project_id.to_string().into(), lo.into(), hi.into()];
    let f = where_filter(q, &mut params);
    (params, f)
}

/// Run `sql` with `params` and hand each row to `f`.
fn each_row(
    conn: &Connection,
    sql: &str,
    params: Vec<SqlValue>,
    mut f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let mut st = conn.prepare_cached(sql)?;
    let mut rows = st.query(params_from_iter(params))?;
    while let Some(r) = rows.next()? {
        f(r)?;
    }
    Ok(())
}

/// Trace counts, durations, cost, token usage (and the guardrail count, always empty).
fn trace_metric(
    conn: &Connection,
    q: &MetricQuery,
    mt: &str,
) -> rusqlite::Result<ProjectMetricResponse> {
    let mut sb = SeriesBuilder::default();
    let (params, f) = range_params(q);
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
    each_row(conn, &sql, params, |r| {
        let Some(ms) = id_millis(r.get_ref(0)?.as_str()?) else {
            return Ok(());
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
        Ok(())
    })?;
    acc.flush(&mut sb, &names);
    Ok(response(q, sb, quantiles_of("duration")))
}

/// Span counts, durations and token usage.
fn span_metric(
    conn: &Connection,
    q: &MetricQuery,
    mt: &str,
) -> rusqlite::Result<ProjectMetricResponse> {
    let mut sb = SeriesBuilder::default();
    let (params, f) = range_params(q);
    let sql = format!(
        "SELECT s.id, s.duration, s.usage FROM spans s \
         WHERE s.project_id = ?1 AND s.has_create = 1 AND s.id >= ?2 AND s.id < ?3{f}"
    );
    let names = dur_names("duration");
    match mt {
        "SPAN_COUNT" => sb.touch("spans"),
        "SPAN_DURATION" => names.iter().for_each(|n| sb.touch(n)),
        _ => {}
    }
    let mut last = None;
    each_row(conn, &sql, params, |r| {
        let Some(ms) = id_millis(r.get_ref(0)?.as_str()?) else {
            return Ok(());
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
        Ok(())
    })?;
    Ok(response(q, sb, quantiles_of("duration")))
}

/// Trace or span feedback scores: per entity and name the average over authors, then the
/// average per bucket.
fn entity_scores(
    conn: &Connection,
    q: &MetricQuery,
    mt: &str,
) -> rusqlite::Result<ProjectMetricResponse> {
    let (table, a, etype) = if mt == "FEEDBACK_SCORES" {
        ("traces", "t", "trace")
    } else {
        ("spans", "s", "span")
    };
    let (params, f) = range_params(q);
    let sql = format!(
        "SELECT {a}.id, fs.name, avg(fs.value) FROM {table} {a} \
         JOIN feedback_scores fs ON fs.entity_type = '{etype}' AND fs.entity_id = {a}.id \
         WHERE {a}.project_id = ?1 AND {a}.has_create = 1 AND {a}.id >= ?2 AND {a}.id < ?3{f} \
         AND fs.value IS NOT NULL GROUP BY {a}.id, fs.name"
    );
    score_averages(conn, q, &sql, params)
}

/// Thread feedback scores, as [`entity_scores`] over threads.
fn thread_scores(conn: &Connection, q: &MetricQuery) -> rusqlite::Result<ProjectMetricResponse> {
    let (params, f) = range_params(q);
    let sql = format!(
        "SELECT th.thread_model_id, fs.name, avg(fs.value) FROM threads th \
         JOIN feedback_scores fs ON fs.entity_type = 'thread' AND fs.entity_id = th.thread_model_id \
         WHERE th.project_id = ?1 AND th.thread_model_id >= ?2 AND th.thread_model_id < ?3{f} \
         AND fs.value IS NOT NULL GROUP BY th.thread_model_id, fs.name"
    );
    score_averages(conn, q, &sql, params)
}

/// Run a `(id, score name, average)` query and average the values per bucket and name.
fn score_averages(
    conn: &Connection,
    q: &MetricQuery,
    sql: &str,
    params: Vec<SqlValue>,
) -> rusqlite::Result<ProjectMetricResponse> {
    let mut sb = SeriesBuilder::default();
    each_row(conn, sql, params, |r| {
        let id: String = r.get(0)?;
        let name: String = r.get(1)?;
        let v: Option<f64> = r.get(2)?;
        if let (Some(ms), Some(v)) = (id_millis(&id), v) {
            sb.add(&name, q.bucket_of(ms), v);
        }
        Ok(())
    })?;
    Ok(response(q, sb, |_| Reduce::Avg))
}

/// Thread counts and durations (first trace start to last trace end, ms, as Opik).
fn thread_metric(
    conn: &Connection,
    q: &MetricQuery,
    mt: &str,
) -> rusqlite::Result<ProjectMetricResponse> {
    let mut sb = SeriesBuilder::default();
    let (params, f) = range_params(q);
    let names = dur_names("thread_duration");
    match mt {
        "THREAD_COUNT" => sb.touch("threads"),
        "THREAD_DURATION" => names.iter().for_each(|n| sb.touch(n)),
        _ => {}
    }
    let sql = format!(
        "SELECT th.thread_model_id, min(t.start_time), max(t.end_time) FROM threads th \
         JOIN traces t ON t.project_id = th.project_id AND t.thread_id = th.thread_id AND t.has_create = 1 \
         WHERE th.project_id = ?1 AND th.thread_model_id >= ?2 AND th.thread_model_id < ?3{f} \
         GROUP BY th.thread_model_id"
    );
    each_row(conn, &sql, params, |r| {
        let id: String = r.get(0)?;
        let Some(ms) = id_millis(&id) else {
            return Ok(());
        };
        let b = q.bucket_of(ms);
        if mt == "THREAD_COUNT" {
            sb.add("threads", b, 1.0);
            return Ok(());
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
        Ok(())
    })?;
    Ok(response(q, sb, quantiles_of("thread_duration")))
}

/// Sums (and duration samples) of the bucket being read, handed to a [`SeriesBuilder`] when
/// the bucket changes: one map update per bucket and series instead of per row.
#[derive(Default)]
pub(super) struct BucketAcc {
    bucket: Option<i64>,
    sums: Vec<(String, f64)>,
    samples: Vec<f64>,
}

impl BucketAcc {
    /// Move to bucket `b` (flushing the previous one if it differs).
    pub(super) fn at(&mut self, b: i64, sb: &mut SeriesBuilder, sample_names: &[String]) {
        if self.bucket != Some(b) {
            self.flush(sb, sample_names);
            self.bucket = Some(b);
        }
    }

    pub(super) fn add(&mut self, name: &str, v: f64) {
        match self.sums.iter_mut().find(|(k, _)| k == name) {
            Some((_, s)) => *s += v,
            None => self.sums.push((name.to_string(), v)),
        }
    }

    /// Add a usage object's positive numbers (borrowed keys; escaped keys take the owned
    /// path).
    pub(super) fn add_usage(&mut self, usage_json: &str) {
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

    pub(super) fn flush(&mut self, sb: &mut SeriesBuilder, sample_names: &[String]) {
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

pub(super) fn add_usage(sb: &mut SeriesBuilder, bucket: i64, usage_json: &str) {
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

pub(super) fn response(
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
