//! Helpers shared by the server's endpoint modules: clock, UUIDv7 checks, paging and list
//! query parameters, NDJSON stream bodies, JSON-column conversions and output shaping.

use axum::{
    body::Body,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use rusqlite::types::Value as SqlValue;
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::errors::ServerError;
use opik_model::{Filter, Sorting, Timestamp, ts};

/// The current time in the stored format.
pub fn now_ts() -> String {
    ts::format(&Utc::now())
}

/// Normalise a timestamp string to the stored format (fixed width UTC), if it parses.
pub fn norm_ts(s: &str) -> Option<String> {
    ts::parse(s).map(|t| ts::format(&t))
}

/// How far in the future an ingested id's embedded time may lie.
const MAX_FUTURE_MS: i64 = 24 * 3600 * 1000;

/// Check an ingested id as Opik does: it must be a version 7 UUID, and its embedded time must
/// not lie more than a day in the future. (Opik's ingestion window may also reject ids older
/// than its window; we accept old ids so imports and demo data with historical times work.)
pub fn check_v7(id: &Uuid, resource: &str) -> Result<(), ServerError> {
    if id.get_version_num() != 7 {
        return Err(ServerError::BadRequestDetails(
            "Invalid UUID for id".into(),
            format!("{resource} id must be a version 7 UUID (got {id}); generate ids with uuid7"),
        ));
    }
    if let Some(ms) = v7_millis(id)
        && ms - Utc::now().timestamp_millis() > MAX_FUTURE_MS
    {
        return Err(ServerError::BadRequestDetails(
            "Invalid UUID for id".into(),
            format!("{resource} id {id} carries a time more than 24 hours in the future"),
        ));
    }
    Ok(())
}

/// The Unix time in milliseconds inside a UUIDv7.
pub fn v7_millis(id: &Uuid) -> Option<i64> {
    let b = id.as_bytes();
    let mut ms: i64 = 0;
    for byte in &b[..6] {
        ms = (ms << 8) | i64::from(*byte);
    }
    Some(ms)
}

/// The smallest UUID string whose embedded time is `t` (for `from_time`/`to_time` on ids).
pub fn id_bound(t: &Timestamp) -> String {
    let ms = t.timestamp_millis().max(0) as u64;
    format!(
        "{:08x}-{:04x}-0000-0000-000000000000",
        (ms >> 16) & 0xffff_ffff,
        ms & 0xffff
    )
}

/// `from_time` / `to_time` as Opik applies them: on the time inside the UUIDv7 id in `col`
/// (`to_time` inclusive to the millisecond).
pub fn push_id_window(
    w: &mut super::filters::Where,
    col: &str,
    from: Option<&Timestamp>,
    to: Option<&Timestamp>,
) {
    if let Some(t) = from {
        w.push(format!("{col} >= ?"), [sv(id_bound(t))]);
    }
    if let Some(t) = to {
        w.push(
            format!("{col} < ?"),
            [sv(id_bound(&(*t + chrono::Duration::milliseconds(1))))],
        );
    }
}

/// Parse a UUID path/query value; 400 naming the field otherwise.
pub fn parse_uuid(s: &str, what: &str) -> Result<Uuid, ServerError> {
    Uuid::parse_str(s.trim())
        .map_err(|_| ServerError::bad_request(format!("Invalid UUID for {what}: {s:?}")))
}

/// Common list query parameters (`GET /traces`, `/spans`, `/traces/threads`, `/projects`).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub page: Option<String>,
    pub size: Option<String>,
    pub project_name: Option<String>,
    pub project_id: Option<String>,
    pub filters: Option<String>,
    pub sorting: Option<String>,
    pub search: Option<String>,
    pub truncate: Option<String>,
    pub strip_attachments: Option<String>,
    pub exclude: Option<String>,
    pub from_time: Option<String>,
    pub to_time: Option<String>,
    pub trace_id: Option<String>,
    #[serde(rename = "type")]
    pub span_type: Option<String>,
    pub name: Option<String>,
}

impl ListQuery {
    /// `(page, size)`, 1-based page; defaults 1 and 10.
    pub fn paging(&self) -> Result<(i64, i64), ServerError> {
        let page = parse_int(self.page.as_deref(), "page", 1)?;
        let size = parse_int(self.size.as_deref(), "size", 10)?;
        if page < 1 {
            return Err(ServerError::unprocessable(
                "page must be greater than or equal to 1",
            ));
        }
        check_page_range(page)?;
        if size < 1 {
            return Err(ServerError::unprocessable(
                "size must be greater than or equal to 1",
            ));
        }
        Ok((page, size.min(10_000)))
    }

    pub fn filters(&self) -> Result<Vec<Filter>, ServerError> {
        match self.filters.as_deref().map(str::trim) {
            None | Some("") => Ok(Vec::new()),
            Some(s) => serde_json::from_str(s).map_err(|e| {
                ServerError::bad_request(format!(
                    "Invalid filters query parameter: {e}; expected a JSON array of {{field, operator, key, value}}"
                ))
            }),
        }
    }

    pub fn sorting(&self) -> Result<Vec<Sorting>, ServerError> {
        match self.sorting.as_deref().map(str::trim) {
            None | Some("") => Ok(Vec::new()),
            Some(s) => serde_json::from_str(s).map_err(|e| {
                ServerError::bad_request(format!(
                    "Invalid sorting query parameter: {e}; expected a JSON array of {{field, direction}}"
                ))
            }),
        }
    }

    pub fn exclude(&self) -> Result<Vec<String>, ServerError> {
        match self.exclude.as_deref().map(str::trim) {
            None | Some("") => Ok(Vec::new()),
            Some(s) if s.starts_with('[') => serde_json::from_str(s).map_err(|e| {
                ServerError::bad_request(format!("Invalid exclude query parameter: {e}"))
            }),
            Some(s) => Ok(s.split(',').map(|x| x.trim().to_string()).collect()),
        }
    }

    pub fn truncate(&self) -> bool {
        matches!(self.truncate.as_deref(), Some("true") | Some("1"))
    }

    pub fn time(&self, which: &str) -> Result<Option<Timestamp>, ServerError> {
        let v = if which == "from_time" {
            &self.from_time
        } else {
            &self.to_time
        };
        match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => ts::parse(s).map(Some).ok_or_else(|| {
                ServerError::bad_request(format!("Invalid {which}: {s:?} is not an ISO-8601 time"))
            }),
        }
    }
}

/// The largest page number (Opik's `page` is a Java `int`); beyond it the row offset would
/// overflow.
pub const MAX_PAGE: i64 = i32::MAX as i64;

/// 400 when `page` is beyond [`MAX_PAGE`].
pub fn check_page_range(page: i64) -> Result<(), ServerError> {
    if page > MAX_PAGE {
        return Err(ServerError::bad_request(format!(
            "page {page} is out of range: the largest page is {MAX_PAGE}"
        )));
    }
    Ok(())
}

fn parse_int(v: Option<&str>, name: &str, default: i64) -> Result<i64, ServerError> {
    match v.map(str::trim) {
        None | Some("") => Ok(default),
        Some(s) => s.parse().map_err(|_| {
            ServerError::bad_request(format!("Invalid {name}: {s:?} is not an integer"))
        }),
    }
}

/// An NDJSON search-stream answer: 200, `application/octet-stream`, one object per line,
/// each followed by `\r\n` (as Opik's Jersey `ChunkedOutput` writes it).
pub fn ndjson(items: Vec<Value>) -> Response {
    let mut out = String::new();
    for v in items {
        out.push_str(&v.to_string());
        out.push_str("\r\n");
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        Body::from(out),
    )
        .into_response()
}

/// A 201 with a `Location` header (and no body).
pub fn created(location: String) -> Response {
    (StatusCode::CREATED, [(header::LOCATION, location)]).into_response()
}

/// Serialise a JSON value for a JSON text column.
pub fn json_text(v: &Value) -> String {
    v.to_string()
}

/// Read a JSON text column back (None for NULL or unparsable text).
pub fn json_col(s: Option<String>) -> Option<Value> {
    s.and_then(|s| serde_json::from_str(&s).ok())
}

/// Insert `v` under `k` unless it is null.
pub fn put(map: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v
        && !v.is_null()
    {
        map.insert(k.to_string(), v);
    }
}

pub fn put_str(map: &mut Map<String, Value>, k: &str, v: Option<String>) {
    if let Some(v) = v {
        map.insert(k.to_string(), Value::String(v));
    }
}

/// Remove the excluded fields from an output object.
pub fn apply_exclude(map: &mut Map<String, Value>, exclude: &[String]) {
    for k in exclude {
        map.shift_remove(k.as_str());
    }
}

/// `truncate=true`: shorten very long strings (typically base64 images) inside user payloads.
pub fn truncate_value(v: &mut Value) {
    const MAX: usize = 10_000;
    match v {
        Value::String(s) if s.len() > MAX => {
            let mut cut = MAX;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str("…[truncated]");
        }
        Value::Array(a) => a.iter_mut().for_each(truncate_value),
        Value::Object(o) => o.values_mut().for_each(truncate_value),
        _ => {}
    }
}

/// Sum integer usage maps.
pub fn add_usage(total: &mut std::collections::BTreeMap<String, i64>, usage: &Value) {
    if let Value::Object(m) = usage {
        for (k, v) in m {
            let n = v
                .as_i64()
                .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64));
            if let Some(n) = n {
                *total.entry(k.clone()).or_insert(0) += n;
            }
        }
    }
}

/// Escape `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Shorthand for a text SQL parameter.
pub fn sv(s: impl Into<String>) -> SqlValue {
    SqlValue::Text(s.into())
}

/// Milliseconds between two stored timestamps.
pub fn duration_ms(start: Option<&str>, end: Option<&str>) -> Option<f64> {
    let s = ts::parse(start?)?;
    let e = ts::parse(end?)?;
    let micros = (e - s).num_microseconds()?;
    Some(micros as f64 / 1000.0)
}

/// Which entity a route is about (trace, span, thread), as a const generic parameter so one
/// axum handler serves the three routes.
pub const TRACE: u8 = 0;
pub const SPAN: u8 = 1;
pub const THREAD: u8 = 2;

pub const fn entity_kind(k: u8) -> &'static str {
    match k {
        TRACE => "trace",
        SPAN => "span",
        _ => "thread",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_checks() {
        assert!(check_v7(&opik_model::new_id(), "trace").is_ok());
        let v4 = Uuid::new_v4();
        let e = check_v7(&v4, "trace").unwrap_err();
        assert_eq!(e.body()["message"], "Invalid UUID for id");
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let future = Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            (Utc::now().timestamp() + 3 * 86400) as u64,
            0,
        ));
        assert!(check_v7(&future, "span").is_err());
    }

    #[test]
    fn id_bounds_order_like_ids() {
        let id = opik_model::new_id();
        let ms = v7_millis(&id).unwrap();
        let t = chrono::DateTime::from_timestamp_millis(ms).unwrap();
        let lo = id_bound(&t);
        let hi = id_bound(&(t + chrono::Duration::milliseconds(1)));
        let s = id.to_string();
        assert!(
            lo.as_str() <= s.as_str() && s.as_str() < hi.as_str(),
            "{lo} {s} {hi}"
        );
    }

    #[test]
    fn durations_and_usage() {
        assert_eq!(
            duration_ms(
                Some("2026-01-01T00:00:00.000000Z"),
                Some("2026-01-01T00:00:01.500250Z")
            ),
            Some(1500.25)
        );
        let mut u = Default::default();
        add_usage(&mut u, &serde_json::json!({"a": 2, "b": 1.0}));
        add_usage(&mut u, &serde_json::json!({"a": 3}));
        assert_eq!(u.get("a"), Some(&5));
        assert_eq!(u.get("b"), Some(&1));
    }
}
