//! The metric request, validated: supported types, window, interval, filters, entity.

use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use uuid::Uuid;

use super::*;

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

    pub(super) fn id_range(&self) -> (String, String) {
        (
            id_lower_bound(self.start.timestamp_millis()),
            id_lower_bound(self.end.timestamp_millis() + 1),
        )
    }

    /// [`MetricQuery::bucket_of`] remembering the last bucket `[start, end)`: rows come in id
    /// (= time) order, so nearly every row falls in the bucket of the one before.
    pub(super) fn bucket_cached(&self, ms: i64, last: &mut Option<(i64, i64)>) -> i64 {
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

    pub(super) fn bucket_of(&self, ms: i64) -> i64 {
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

pub(super) fn where_filter(q: &MetricQuery, params: &mut Vec<SqlValue>) -> String {
    match &q.filter_sql {
        Some((sql, p)) if !sql.trim().is_empty() => {
            params.extend(p.iter().cloned());
            format!(" AND ({sql})")
        }
        _ => String::new(),
    }
}
