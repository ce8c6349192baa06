//! The Opik wire model, shared by the REST client (`opik::client`) and the embedded server
//! (`server`), so the two cannot drift apart.
//!
//! Rules (see `shared/reference/current-opik.md`):
//! - every key on the wire is snake_case; `None` fields are omitted when writing;
//! - reading is lenient: unknown fields are ignored, missing optional fields are fine,
//!   camelCase spellings that Opik's spec shows are accepted as aliases, and
//!   `NaN`/`Infinity` tokens are tolerated via [`parse_lenient`];
//! - timestamps are RFC 3339, written as UTC with microseconds and a trailing `Z`.
#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use uuid::Uuid;

/// A timestamp as Opik sends it.
pub type Timestamp = DateTime<Utc>;

/// Timestamp (de)serialisation: writes `2026-11-21T22:50:49.066757Z`, reads RFC 3339 with or
/// without a fraction and with `Z` or any offset, and also a naive `YYYY-MM-DDTHH:MM:SS[.f]`
/// (taken as UTC).
pub mod ts {
    use super::*;
    use serde::Serializer;

    pub fn format(t: &Timestamp) -> String {
        t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }

    pub fn parse(s: &str) -> Option<Timestamp> {
        let s = s.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(t.with_timezone(&Utc));
        }
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
            return Some(t.and_utc());
        }
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f") {
            return Some(t.and_utc());
        }
        None
    }

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid timestamp `{s}`")))
    }

    /// For `Option<Timestamp>` fields.
    pub mod opt {
        use super::*;
        pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::format(t)),
                None => s.serialize_none(),
            }
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            let v = Option::<Value>::deserialize(d)?;
            match v {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => super::parse(&s)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom(format!("invalid timestamp `{s}`"))),
                Some(other) => Err(serde::de::Error::custom(format!(
                    "expected a timestamp string, got {other}"
                ))),
            }
        }
    }
}

/// Lenient number maps (usage): accepts integers, floats (truncated), numeric strings and
/// nulls (dropped), so an odd value never fails a whole page.
pub mod lenient_usage {
    use super::*;
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<BTreeMap<String, i64>>, D::Error> {
        let v = Option::<BTreeMap<String, Value>>::deserialize(d)?;
        Ok(v.map(|m| {
            m.into_iter()
                .filter_map(|(k, v)| {
                    let n = match &v {
                        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                        Value::String(s) => s.parse::<f64>().ok().map(|f| f as i64),
                        _ => None,
                    }?;
                    Some((k, n))
                })
                .collect()
        }))
    }
}

/// Lenient `f64`: accepts numbers, numeric strings and null.
pub mod lenient_f64 {
    use super::*;
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        let v = Option::<Value>::deserialize(d)?;
        Ok(match v {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.parse::<f64>().ok(),
            _ => None,
        })
    }
}

/// Replace the bare `NaN`, `Infinity` and `-Infinity` tokens Python's `json.dumps` emits
/// (outside strings) with `null`, so serde_json can read the document. Returns the input
/// unchanged (borrowed) when there is nothing to replace.
pub fn sanitize_nonfinite(input: &str) -> std::borrow::Cow<'_, str> {
    if !(input.contains("NaN") || input.contains("Infinity")) {
        return std::borrow::Cow::Borrowed(input);
    }
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    let mut in_str = false;
    let mut last = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_str {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                i += 1;
            }
            b'N' if input[i..].starts_with("NaN") => {
                out.push_str(&input[last..i]);
                out.push_str("null");
                i += 3;
                last = i;
            }
            b'I' if input[i..].starts_with("Infinity") => {
                out.push_str(&input[last..i]);
                out.push_str("null");
                i += 8;
                last = i;
            }
            b'-' if input[i..].starts_with("-Infinity") => {
                out.push_str(&input[last..i]);
                out.push_str("null");
                i += 9;
                last = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&input[last..]);
    std::borrow::Cow::Owned(out)
}

/// Parse JSON leniently: non-finite number tokens become `null`.
pub fn parse_lenient<T: serde::de::DeserializeOwned>(input: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(input) {
        Ok(s) => serde_json::from_str(&sanitize_nonfinite(s)),
        Err(_) => serde_json::from_slice(input),
    }
}

/// Convert a camelCase key to snake_case (`lastUpdatedAt` → `last_updated_at`).
pub fn to_snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for (i, c) in key.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Rewrite the top-level keys of a JSON object to snake_case (never recursing into user data
/// such as `input`/`output`/`metadata`). Used by the server to accept camelCase input.
pub fn snake_case_top_level(v: &mut Value) {
    if let Value::Object(map) = v
        && map
            .keys()
            .any(|k| k.chars().any(|c| c.is_ascii_uppercase()))
    {
        let old = std::mem::take(map);
        for (k, val) in old {
            let nk = to_snake_case(&k);
            // An explicit snake_case key wins over its camelCase twin.
            if !map.contains_key(&nk) || nk == k {
                map.insert(nk, val);
            }
        }
    }
}

/// A paged list envelope. Opik sends `sortableBy` on most pages and `sortable_by` on others.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Page<T> {
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub total: Option<i64>,
    #[serde(default = "Vec::new")]
    pub content: Vec<T>,
    #[serde(default, alias = "sortableBy")]
    pub sortable_by: Option<Vec<String>>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            page: Some(1),
            size: Some(0),
            total: Some(0),
            content: Vec::new(),
            sortable_by: None,
        }
    }
}

/// `{code, message, details}`: Opik's error body for not-found, bad JSON and the like.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ErrorMessage {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
}

/// `{errors: [..]}`: Opik's error body for validation failures (422) and conflicts (409).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ErrorList {
    #[serde(default)]
    pub errors: Vec<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Project {
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default, with = "ts::opt", alias = "createdAt")]
    pub created_at: Option<Timestamp>,
    #[serde(default, alias = "createdBy")]
    pub created_by: Option<String>,
    #[serde(default, with = "ts::opt", alias = "lastUpdatedAt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default, alias = "lastUpdatedBy")]
    pub last_updated_by: Option<String>,
    #[serde(default, with = "ts::opt", alias = "lastUpdatedTraceAt")]
    pub last_updated_trace_at: Option<Timestamp>,
    // Detailed / stats fields (`POST /projects/retrieve`, `/projects/stats`).
    #[serde(default)]
    pub trace_count: Option<i64>,
    #[serde(default)]
    pub thread_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub total_estimated_cost: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub total_estimated_cost_sum: Option<f64>,
    #[serde(default)]
    pub duration: Option<Percentiles>,
    #[serde(default)]
    pub feedback_scores: Option<Vec<FeedbackScoreAverage>>,
    #[serde(default)]
    pub error_count: Option<ErrorCount>,
    #[serde(default)]
    pub guardrails_failed_count: Option<i64>,
    #[serde(default)]
    pub usage: Option<BTreeMap<String, f64>>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Percentiles {
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub p50: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub p90: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub p99: Option<f64>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ErrorCount {
    #[serde(default)]
    pub count: Option<i64>,
    #[serde(default)]
    pub deviation: Option<i64>,
    #[serde(default)]
    pub deviation_percentage: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct FeedbackScoreAverage {
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub value: Option<f64>,
}

/// One item of `GET /projects/stats` (`{content: [...]}`, no page/total).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ProjectStatsSummaryItem {
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub feedback_scores: Option<Vec<FeedbackScoreAverage>>,
    #[serde(default)]
    pub duration: Option<Percentiles>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub total_estimated_cost: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub total_estimated_cost_sum: Option<f64>,
    #[serde(default)]
    pub usage: Option<BTreeMap<String, f64>>,
    #[serde(default)]
    pub trace_count: Option<i64>,
    #[serde(default)]
    pub thread_count: Option<i64>,
    #[serde(default)]
    pub guardrails_failed_count: Option<i64>,
    #[serde(default)]
    pub error_count: Option<ErrorCount>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ProjectStatsSummary {
    #[serde(default)]
    pub content: Vec<ProjectStatsSummaryItem>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ErrorInfo {
    #[serde(default)]
    pub exception_type: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub traceback: Option<String>,
}

/// One author's entry in a feedback score's `value_by_author`.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ValueEntry {
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub value: Option<f64>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub category_name: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default)]
    pub span_type: Option<String>,
    #[serde(default)]
    pub span_id: Option<String>,
    #[serde(default)]
    pub source_queue_id: Option<Uuid>,
}

/// A feedback score as returned on traces, spans and threads. `value` is the average over
/// authors; `value_by_author` holds each author's entry.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct FeedbackScore {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub category_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub value: Option<f64>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub created_at: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub last_updated_by: Option<String>,
    #[serde(default)]
    pub value_by_author: Option<BTreeMap<String, ValueEntry>>,
    #[serde(default)]
    pub source_queue_id: Option<Uuid>,
}

/// An item of `PUT /traces/feedback-scores`, `/spans/feedback-scores` (with `id`) or
/// `/traces/threads/feedback-scores` (with `thread_id`). Also the body of the single
/// `PUT /traces/{id}/feedback-scores` (without `id`).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct FeedbackScoreItem {
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub thread_id: Option<String>,
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub value: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub category_name: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub source_queue_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct FeedbackScoreBatch {
    #[serde(default)]
    pub scores: Vec<FeedbackScoreItem>,
}

/// `POST /traces/{id}/feedback-scores/delete` body.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct DeleteFeedbackScore {
    pub name: String,
    #[serde(default)]
    pub author: Option<String>,
}

/// `POST /traces/threads/feedback-scores/delete` body.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct DeleteThreadFeedbackScores {
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    pub thread_id: String,
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub author: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Comment {
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub text: String,
    #[serde(default, with = "ts::opt")]
    pub created_at: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub last_updated_by: Option<String>,
    #[serde(default)]
    pub source_queue_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct BatchDelete {
    #[serde(default)]
    pub ids: Vec<Uuid>,
}

/// `{id, name}` reference to an annotation queue, as carried on traces and threads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct QueueRef {
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub name: Option<String>,
}

/// A trace as read (`Trace_Public`).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Trace {
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub end_time: Option<Timestamp>,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default)]
    pub output: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub error_info: Option<ErrorInfo>,
    #[serde(default, deserialize_with = "lenient_usage::deserialize")]
    pub usage: Option<BTreeMap<String, i64>>,
    #[serde(default, with = "ts::opt")]
    pub created_at: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub last_updated_by: Option<String>,
    #[serde(default)]
    pub feedback_scores: Option<Vec<FeedbackScore>>,
    #[serde(default)]
    pub span_feedback_scores: Option<Vec<FeedbackScore>>,
    #[serde(default)]
    pub comments: Option<Vec<Comment>>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub total_estimated_cost: Option<f64>,
    #[serde(default)]
    pub span_count: Option<i64>,
    #[serde(default)]
    pub llm_span_count: Option<i64>,
    #[serde(default)]
    pub has_tool_spans: Option<bool>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub duration: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub ttft: Option<f64>,
    #[serde(default)]
    pub thread_id: Option<String>,
    #[serde(default)]
    pub visibility_mode: Option<String>,
    #[serde(default)]
    pub providers: Option<Vec<String>>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub annotation_queues: Option<Vec<QueueRef>>,
    #[serde(default)]
    pub error_count: Option<i64>,
}

/// A trace create record (`Trace_Write`), as in `POST /traces/batch` and `POST /traces`.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct TraceWrite {
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub end_time: Option<Timestamp>,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default)]
    pub output: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub error_info: Option<ErrorInfo>,
    #[serde(default, with = "ts::opt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default)]
    pub thread_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub ttft: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct TraceBatch {
    #[serde(default)]
    pub traces: Vec<TraceWrite>,
}

/// `PATCH /traces/{id}` body (`TraceUpdate`).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct TraceUpdate {
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub end_time: Option<Timestamp>,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default)]
    pub output: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub tags_to_add: Option<Vec<String>>,
    #[serde(default)]
    pub tags_to_remove: Option<Vec<String>>,
    #[serde(default)]
    pub error_info: Option<ErrorInfo>,
    #[serde(default)]
    pub thread_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub ttft: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
}

/// A span as read (`Span_Public`).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Span {
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub trace_id: Option<Uuid>,
    #[serde(default)]
    pub parent_span_id: Option<Uuid>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub span_type: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub end_time: Option<Timestamp>,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default)]
    pub output: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient_usage::deserialize")]
    pub usage: Option<BTreeMap<String, i64>>,
    #[serde(default)]
    pub error_info: Option<ErrorInfo>,
    #[serde(default, with = "ts::opt")]
    pub created_at: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub last_updated_by: Option<String>,
    #[serde(default)]
    pub feedback_scores: Option<Vec<FeedbackScore>>,
    #[serde(default)]
    pub comments: Option<Vec<Comment>>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub total_estimated_cost: Option<f64>,
    #[serde(default)]
    pub total_estimated_cost_version: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub duration: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub ttft: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
}

/// A span create record (`Span_Write`).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SpanWrite {
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub trace_id: Option<Uuid>,
    #[serde(default)]
    pub parent_span_id: Option<Uuid>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub span_type: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub end_time: Option<Timestamp>,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default)]
    pub output: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient_usage::deserialize")]
    pub usage: Option<BTreeMap<String, i64>>,
    #[serde(default)]
    pub error_info: Option<ErrorInfo>,
    #[serde(default, with = "ts::opt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub total_estimated_cost: Option<f64>,
    #[serde(default)]
    pub total_estimated_cost_version: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub ttft: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SpanBatch {
    #[serde(default)]
    pub spans: Vec<SpanWrite>,
}

/// `PATCH /spans/{id}` body (`SpanUpdate`).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SpanUpdate {
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub trace_id: Option<Uuid>,
    #[serde(default)]
    pub parent_span_id: Option<Uuid>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub span_type: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub end_time: Option<Timestamp>,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default)]
    pub output: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub tags_to_add: Option<Vec<String>>,
    #[serde(default)]
    pub tags_to_remove: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient_usage::deserialize")]
    pub usage: Option<BTreeMap<String, i64>>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub total_estimated_cost: Option<f64>,
    #[serde(default)]
    pub error_info: Option<ErrorInfo>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub ttft: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
}

/// A thread (`TraceThread`): `id` is the user's string thread id, `thread_model_id` the
/// server's UUID for it.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Thread {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub thread_model_id: Option<Uuid>,
    #[serde(default, with = "ts::opt")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub end_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub duration: Option<f64>,
    #[serde(default)]
    pub first_message: Option<Value>,
    #[serde(default)]
    pub last_message: Option<Value>,
    #[serde(default)]
    pub feedback_scores: Option<Vec<FeedbackScore>>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub number_of_messages: Option<i64>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub total_estimated_cost: Option<f64>,
    #[serde(default, deserialize_with = "lenient_usage::deserialize")]
    pub usage: Option<BTreeMap<String, i64>>,
    #[serde(default)]
    pub comments: Option<Vec<Comment>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default, with = "ts::opt")]
    pub created_at: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub last_updated_by: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub annotation_queues: Option<Vec<QueueRef>>,
}

/// `{thread_id, project_name|project_id, truncate}`: retrieve / open a thread.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ThreadIdentifier {
    pub thread_id: String,
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub truncate: Option<bool>,
}

/// `PUT /traces/threads/close` body.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ThreadBatchIdentifier {
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub thread_id: Option<String>,
    #[serde(default)]
    pub thread_ids: Option<Vec<String>>,
}

/// `PATCH /traces/threads/{thread_model_id}` body.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ThreadUpdate {
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub tags_to_add: Option<Vec<String>>,
    #[serde(default)]
    pub tags_to_remove: Option<Vec<String>>,
}

/// A filter object (`TraceFilter` / `SpanFilter` / `TraceThreadFilter`). `value` is always a
/// string on the wire; `key` addresses keyed fields (metadata key, score name).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default, Hash)]
pub struct Filter {
    pub field: String,
    pub operator: String,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    /// The SDK also sends the field's type (`string`, `number`, `list`, ...); optional.
    #[serde(default, rename = "type")]
    pub field_type: Option<String>,
}

impl Filter {
    pub fn new(field: &str, operator: &str, value: impl Into<String>) -> Self {
        Filter {
            field: field.into(),
            operator: operator.into(),
            key: None,
            value: Some(value.into()),
            field_type: None,
        }
    }
    pub fn keyed(field: &str, key: &str, operator: &str, value: impl Into<String>) -> Self {
        Filter {
            key: Some(key.into()),
            ..Filter::new(field, operator, value)
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default, Hash)]
pub struct Sorting {
    pub field: String,
    /// `ASC` or `DESC`.
    pub direction: String,
}

/// `POST /traces/search` body.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct TraceSearchRequest {
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub filters: Option<Vec<Filter>>,
    #[serde(default)]
    pub last_retrieved_id: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub truncate: Option<bool>,
    #[serde(default)]
    pub strip_attachments: Option<bool>,
    #[serde(default)]
    pub exclude: Option<Vec<String>>,
    #[serde(default, with = "ts::opt")]
    pub from_time: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub to_time: Option<Timestamp>,
}

/// `POST /spans/search` body.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SpanSearchRequest {
    #[serde(default)]
    pub trace_id: Option<Uuid>,
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default, rename = "type")]
    pub span_type: Option<String>,
    #[serde(default)]
    pub filters: Option<Vec<Filter>>,
    #[serde(default)]
    pub last_retrieved_id: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub truncate: Option<bool>,
    #[serde(default)]
    pub exclude: Option<Vec<String>>,
    #[serde(default, with = "ts::opt")]
    pub from_time: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub to_time: Option<Timestamp>,
}

/// `POST /traces/threads/search` body. The cursor may be a `thread_model_id` or (as the
/// Python SDK sends it) a string thread id.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ThreadSearchRequest {
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub filters: Option<Vec<Filter>>,
    #[serde(default)]
    pub last_retrieved_thread_model_id: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub truncate: Option<bool>,
    #[serde(default)]
    pub strip_attachments: Option<bool>,
    #[serde(default, with = "ts::opt")]
    pub from_time: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub to_time: Option<Timestamp>,
}

/// Feedback definition details, discriminated by `type`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", content = "details", rename_all = "lowercase")]
pub enum FeedbackDetails {
    Numerical {
        #[serde(default)]
        min: f64,
        #[serde(default)]
        max: f64,
    },
    Categorical {
        #[serde(default)]
        categories: BTreeMap<String, f64>,
    },
    Boolean {
        #[serde(default, alias = "trueLabel")]
        true_label: String,
        #[serde(default, alias = "falseLabel")]
        false_label: String,
    },
}

/// A feedback definition (the schema of a score an annotator gives).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeedbackDefinition {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(flatten)]
    pub details: FeedbackDetails,
    #[serde(default, with = "ts::opt", alias = "createdAt")]
    pub created_at: Option<Timestamp>,
    #[serde(default, alias = "createdBy")]
    pub created_by: Option<String>,
    #[serde(default, with = "ts::opt", alias = "lastUpdatedAt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default, alias = "lastUpdatedBy")]
    pub last_updated_by: Option<String>,
}

impl FeedbackDefinition {
    /// A definition to create: a name and its values, nothing server-given.
    pub fn new(name: impl Into<String>, details: FeedbackDetails) -> Self {
        FeedbackDefinition {
            id: None,
            name: name.into(),
            description: None,
            details,
            created_at: None,
            created_by: None,
            last_updated_at: None,
            last_updated_by: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Reviewer {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub status: Option<i64>,
}

/// An annotation queue (`AnnotationQueue_Public`; also the write shape).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AnnotationQueue {
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub instructions: Option<String>,
    /// `trace` or `thread`.
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub comments_enabled: Option<bool>,
    #[serde(default)]
    pub feedback_definition_names: Option<Vec<String>>,
    #[serde(default)]
    pub annotators_per_item: Option<i64>,
    #[serde(default)]
    pub lock_timeout_seconds: Option<i64>,
    #[serde(default)]
    pub reviewers: Option<Vec<Reviewer>>,
    #[serde(default)]
    pub feedback_scores: Option<Vec<FeedbackScoreAverage>>,
    #[serde(default)]
    pub items_count: Option<i64>,
    #[serde(default, with = "ts::opt")]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default)]
    pub last_updated_by: Option<String>,
}

/// `PATCH /annotation-queues/{id}` body.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AnnotationQueueUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub instructions: Option<String>,
    #[serde(default)]
    pub comments_enabled: Option<bool>,
    #[serde(default)]
    pub feedback_definition_names: Option<Vec<String>>,
    #[serde(default)]
    pub annotators_per_item: Option<i64>,
    #[serde(default)]
    pub lock_timeout_seconds: Option<i64>,
}

/// `{ids: [...]}` for queue items add/delete/search.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ItemIds {
    #[serde(default)]
    pub ids: Vec<Uuid>,
}

/// `PUT /annotation-queues/{queue}/items/{item}/lock` answer.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct LockResponse {
    #[serde(default)]
    pub acquired: bool,
    #[serde(default)]
    pub item_id: Option<Uuid>,
    #[serde(default)]
    pub locked_by: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ItemLocks {
    #[serde(default)]
    pub active_locks: i64,
    #[serde(default)]
    pub locked_by: Vec<String>,
}

/// `GET /annotation-queues/{queue}/locks` answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct LocksResponse {
    #[serde(default)]
    pub locks: BTreeMap<String, ItemLocks>,
}

/// `GET /auth/workspace` answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct WorkspaceNameHolder {
    #[serde(default)]
    pub workspace_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Permission {
    #[serde(default, alias = "permissionName")]
    pub permission_name: String,
    #[serde(default, alias = "permissionValue")]
    pub permission_value: Value,
}

/// `GET /workspace-permissions` answer: names the calling user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct WorkspaceUserPermissions {
    #[serde(default, alias = "userName")]
    pub user_name: String,
    #[serde(default, alias = "workspaceName")]
    pub workspace_name: String,
    #[serde(default)]
    pub permissions: Vec<Permission>,
}

/// One stat of `traces/stats`, `spans/stats`, `threads/stats`: `value` is an integer for
/// COUNT, a float for AVG and `{p50,p90,p99}` for PERCENTAGE.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StatItem {
    pub name: String,
    #[serde(rename = "type")]
    pub stat_type: String,
    #[serde(default)]
    pub value: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ProjectStats {
    #[serde(default)]
    pub stats: Vec<StatItem>,
}

/// `POST /projects/{id}/metrics` body.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ProjectMetricRequest {
    #[serde(default)]
    pub metric_type: Option<String>,
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default, with = "ts::opt")]
    pub interval_start: Option<Timestamp>,
    #[serde(default, with = "ts::opt")]
    pub interval_end: Option<Timestamp>,
    #[serde(default)]
    pub trace_filters: Option<Vec<Filter>>,
    #[serde(default)]
    pub span_filters: Option<Vec<Filter>>,
    #[serde(default)]
    pub thread_filters: Option<Vec<Filter>>,
    #[serde(default)]
    pub breakdown: Option<Value>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct MetricPoint {
    #[serde(default, with = "ts::opt")]
    pub time: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient_f64::deserialize")]
    pub value: Option<f64>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct MetricSeries {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub data: Vec<MetricPoint>,
}

/// `POST /projects/{id}/metrics` answer. `results` has one series per name (score name,
/// usage key, `p50`/`p90`/`p99`, ...).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ProjectMetricResponse {
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub metric_type: Option<String>,
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default)]
    pub results: Vec<MetricSeries>,
}

/// `POST /attachment/upload-start` body.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AttachmentUploadStart {
    #[serde(default)]
    pub file_name: String,
    #[serde(default)]
    pub num_of_file_parts: Option<i64>,
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub entity_type: Option<String>,
    #[serde(default)]
    pub entity_id: Option<Uuid>,
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AttachmentUploadStartResponse {
    #[serde(default)]
    pub upload_id: String,
    #[serde(default)]
    pub pre_sign_urls: Vec<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Attachment {
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub file_name: String,
    #[serde(default)]
    pub file_size: i64,
    #[serde(default)]
    pub mime_type: String,
}

/// Generate a UUIDv7 id from the current time, as the SDKs do.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_and_infinity_become_null_outside_strings() {
        let s = r#"{"a": NaN, "b": "NaN Infinity", "c": [Infinity, -Infinity], "d": "x\"NaN"}"#;
        let v: Value = parse_lenient(s.as_bytes()).unwrap();
        assert_eq!(v["a"], Value::Null);
        assert_eq!(v["b"], "NaN Infinity");
        assert_eq!(v["c"], serde_json::json!([null, null]));
        assert_eq!(v["d"], "x\"NaN");
    }

    #[test]
    fn reads_sdk_trace_sample_and_writes_snake_case_without_nulls() {
        let raw = r#"{"id":"01a20053-77c2-7040-bd3b-311e28b1133d","start_time":"2026-11-21T22:56:39.8742Z",
            "usage":{"total_tokens":134,"weird":1.5,"bad":"x"},"duration":1.838,"unknown_field":{"x":1},
            "feedback_scores":[{"name":"helpfulness","value":1.0,"source":"sdk","value_by_author":{"admin":{"value":1.0}}}]}"#;
        let t: Trace = parse_lenient(raw.as_bytes()).unwrap();
        assert_eq!(t.usage.as_ref().unwrap()["weird"], 1);
        assert!(!t.usage.as_ref().unwrap().contains_key("bad"));
        let out = serde_json::to_string(&t).unwrap();
        assert!(
            out.contains(r#""start_time":"2026-11-21T22:56:39.874200Z""#),
            "{out}"
        );
        assert!(!out.contains("null"), "{out}");
    }

    #[test]
    fn timestamps_accept_offsets_and_no_fraction() {
        assert!(ts::parse("2025-01-02T03:04:05+02:00").is_some());
        assert!(ts::parse("2026-11-21T22:50:49.066757Z").is_some());
        assert!(ts::parse("2026-11-21T22:50:49").is_some());
        assert!(ts::parse("yesterday").is_none());
    }

    #[test]
    fn feedback_definitions_read_camel_case_labels() {
        let raw = r#"{"name":"ok","type":"boolean","details":{"trueLabel":"yes","falseLabel":"no"},"createdAt":"2026-01-01T00:00:00Z"}"#;
        let d: FeedbackDefinition = serde_json::from_str(raw).unwrap();
        assert_eq!(
            d.details,
            FeedbackDetails::Boolean {
                true_label: "yes".into(),
                false_label: "no".into()
            }
        );
        let out = serde_json::to_value(&d).unwrap();
        assert_eq!(out["details"]["true_label"], "yes");
        assert_eq!(out["type"], "boolean");
    }

    #[test]
    fn camel_case_top_level_keys_are_rewritten() {
        let mut v = serde_json::json!({"projectName": "p", "input": {"someKey": 1}});
        snake_case_top_level(&mut v);
        assert_eq!(v["project_name"], "p");
        assert_eq!(v["input"]["someKey"], 1);
    }
}
