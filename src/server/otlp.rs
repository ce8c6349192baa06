//! OTLP/HTTP trace ingest: decoding and mapping (pure; no storage).
//!
//! What any OpenTelemetry exporter sends to `POST /api/v1/private/otel/v1/traces` (Opik's path)
//! or `POST /v1/traces` (the exporters' default path) is an `ExportTraceServiceRequest`, as
//! protobuf (`application/x-protobuf`) or as OTLP JSON (`application/json`: lowerCamelCase
//! keys, hex trace/span ids, 64-bit integers as strings or numbers), gzip-compressed or not.
//! [`decode`] turns either into the prost message (JSON is walked by hand so that the spellings
//! the spec allows, snake_case keys, numeric enums or their names, numbers as strings, all
//! decode; `opentelemetry-proto`'s serde derive insists on string timestamps). Nothing here
//! panics on any input: bad bytes give an [`OtlpError`] naming the problem (tested by proptest).
//!
//! [`map_request`] turns the decoded spans into Opik [`SpanWrite`]s and, for root spans, a
//! [`TraceWrite`] too (like Opik, the root span is both the trace and its first span). The
//! OpenInference and OpenTelemetry GenAI conventions are understood:
//! input/output values and chat messages, model, provider, token usage, span kind → span type,
//! `session.id` / `gen_ai.conversation.id` → thread, status ERROR (+ `exception` event) →
//! `error_info`, `tag.tags` → tags, `metadata` → metadata. Attributes not understood are kept in
//! the span's metadata (Opik puts them in the input; metadata keeps the input readable).
//!
//! ## Ids (mirrors Opik's `OpenTelemetryMapper.convertOtelIdToUUIDv7`)
//! Opik needs UUIDv7 ids whose embedded time is meaningful. An OTel trace id becomes
//! `otel_id_to_uuid_v7(trace_id, t)`: 48 bits of `t` (ms), then the first 80 bits of
//! SHA-256(trace id), with the v7 version and RFC 4122 variant bits set. `t` is the earliest span
//! start seen in the first batch that mentions the trace (the root's start when the whole trace
//! comes in one batch). The server remembers each OTel trace id's Opik id (a table, through the
//! [`TraceIdResolver`]), so later batches of the same trace, and re-sends, land on the same
//! trace. Span ids (and parent span ids) use the same function with the trace's `t`, so they
//! are predictable without any look-up: a span whose parent has not arrived yet already carries
//! its parent's final id and is linked as soon as the parent comes; a re-sent span upserts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use chrono::{DateTime, Utc};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use prost::Message;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::opik::model::{ErrorInfo, SpanWrite, TraceWrite, parse_lenient};

use super::ingest::{self, CreateMode, CreateRec, Kind, PatchRec};
use super::{ApiError, AppState, Caller};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rusqlite::OptionalExtension;

/// The project used when neither the header nor the resource names one.
pub const DEFAULT_PROJECT: &str = "Default Project";

/// Largest accepted body after decompression (a gzip bomb gets a clear 413 instead of OOM).
pub const MAX_DECODED_BYTES: usize = 64 * 1024 * 1024;

/// Why a body could not be decoded. The message says what was wrong and what to send instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OtlpError {
    #[error("the body is not valid gzip: {0}")]
    Gzip(String),
    #[error(
        "the body is larger than {MAX_DECODED_BYTES} bytes once decompressed; send smaller batches"
    )]
    TooLarge,
    #[error(
        "the body is not a valid OTLP ExportTraceServiceRequest protobuf message ({0}); send \
         `Content-Type: application/x-protobuf` with a protobuf body or `application/json` with OTLP JSON"
    )]
    Protobuf(String),
    #[error("the body is not valid OTLP JSON: {0}")]
    Json(String),
    #[error("unsupported Content-Encoding `{0}`; send gzip or no encoding")]
    Encoding(String),
    #[error("the request is too large: {0}; send smaller batches")]
    Limit(String),
}

impl OtlpError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            OtlpError::TooLarge | OtlpError::Limit(_) => 413,
            OtlpError::Encoding(_) => 415,
            _ => 400,
        }
    }
}

/// The wire encoding of a request (and of its answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// From a `Content-Type` header: JSON if it says json, protobuf otherwise (the OTLP
    /// default; exporters send `application/x-protobuf`).
    pub fn from_content_type(ct: Option<&str>) -> Encoding {
        match ct {
            Some(ct) if ct.to_ascii_lowercase().contains("json") => Encoding::Json,
            _ => Encoding::Protobuf,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// Undo `Content-Encoding` (gzip; `identity` or none pass through). A body that starts with the
/// gzip magic bytes is inflated even when the header is missing.
pub fn decompress<'a>(
    body: &'a [u8],
    content_encoding: Option<&str>,
) -> Result<std::borrow::Cow<'a, [u8]>, OtlpError> {
    let enc = content_encoding.map(|e| e.trim().to_ascii_lowercase());
    let gz = match enc.as_deref() {
        None | Some("") | Some("identity") => body.starts_with(&[0x1f, 0x8b]),
        Some("gzip") | Some("x-gzip") => true,
        Some(other) => return Err(OtlpError::Encoding(other.to_string())),
    };
    if !gz {
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(MAX_DECODED_BYTES));
    let mut dec = flate2::read::MultiGzDecoder::new(body).take(MAX_DECODED_BYTES as u64 + 1);
    dec.read_to_end(&mut out)
        .map_err(|e| OtlpError::Gzip(e.to_string()))?;
    if out.len() > MAX_DECODED_BYTES {
        return Err(OtlpError::TooLarge);
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Decode an OTLP/HTTP trace export body.
pub fn decode(
    body: &[u8],
    content_type: Option<&str>,
    content_encoding: Option<&str>,
) -> Result<ExportTraceServiceRequest, OtlpError> {
    let raw = decompress(body, content_encoding)?;
    match Encoding::from_content_type(content_type) {
        Encoding::Protobuf => {
            super::otlp_limits::check_protobuf(&raw)?;
            ExportTraceServiceRequest::decode(raw.as_ref())
                .map_err(|e| OtlpError::Protobuf(e.to_string()))
        }
        Encoding::Json => decode_json(&raw),
    }
}

/// The success answer, in the request's encoding. `rejected` spans (bad ids) are reported as
/// OTLP partial success.
pub fn encode_response(enc: Encoding, rejected: i64, message: &str) -> Vec<u8> {
    let partial = (rejected > 0).then(|| ExportTracePartialSuccess {
        rejected_spans: rejected,
        error_message: message.to_string(),
    });
    match enc {
        Encoding::Protobuf => ExportTraceServiceResponse {
            partial_success: partial,
        }
        .encode_to_vec(),
        Encoding::Json => {
            let v = match partial {
                Some(p) => json!({"partialSuccess": {"rejectedSpans": p.rejected_spans.to_string(),
                    "errorMessage": p.error_message}}),
                None => json!({}),
            };
            v.to_string().into_bytes()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// OTLP JSON → prost
// ---------------------------------------------------------------------------------------------

/// Decode OTLP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). Keys may
/// be lowerCamelCase (the spec) or the proto's snake_case names; unknown keys are ignored.
pub fn decode_json(raw: &[u8]) -> Result<ExportTraceServiceRequest, OtlpError> {
    super::body_limits::check_json(raw).map_err(|e| match e {
        ApiError::PayloadTooLarge(m) => OtlpError::Limit(m),
        other => OtlpError::Json(other.to_string()),
    })?;
    let v: Value = parse_lenient(raw).map_err(|e| OtlpError::Json(e.to_string()))?;
    let obj = v
        .as_object()
        .ok_or_else(|| OtlpError::Json("the top level must be an object".into()))?;
    let mut req = ExportTraceServiceRequest::default();
    let mut span_count = 0usize;
    for (i, rs) in arr(obj, "resourceSpans", "resource_spans")
        .iter()
        .enumerate()
    {
        let rs = rs
            .as_object()
            .ok_or_else(|| OtlpError::Json(format!("resourceSpans[{i}] is not an object")))?;
        let resource = get(rs, "resource", "resource")
            .and_then(Value::as_object)
            .map(|r| Resource {
                attributes: json_attrs(r),
                ..Default::default()
            });
        let mut scope_spans = Vec::new();
        let mut ss_list = arr(rs, "scopeSpans", "scope_spans").to_vec();
        // Pre-1.0 exporters called it instrumentationLibrarySpans.
        ss_list.extend(
            arr(
                rs,
                "instrumentationLibrarySpans",
                "instrumentation_library_spans",
            )
            .to_vec(),
        );
        for (j, ss) in ss_list.iter().enumerate() {
            let ss = ss.as_object().ok_or_else(|| {
                OtlpError::Json(format!(
                    "resourceSpans[{i}].scopeSpans[{j}] is not an object"
                ))
            })?;
            let scope = get(ss, "scope", "scope")
                .or_else(|| get(ss, "instrumentationLibrary", "instrumentation_library"))
                .and_then(Value::as_object)
                .map(|s| InstrumentationScope {
                    name: str_of(s, "name", "name"),
                    version: str_of(s, "version", "version"),
                    attributes: json_attrs(s),
                    ..Default::default()
                });
            let mut spans = Vec::new();
            span_count += arr(ss, "spans", "spans").len();
            if span_count > super::otlp_limits::MAX_OTLP_SPANS {
                return Err(OtlpError::Limit(format!(
                    "more than {} spans in one request",
                    super::otlp_limits::MAX_OTLP_SPANS
                )));
            }
            for (k, sp) in arr(ss, "spans", "spans").iter().enumerate() {
                let sp = sp.as_object().ok_or_else(|| {
                    OtlpError::Json(format!(
                        "resourceSpans[{i}].scopeSpans[{j}].spans[{k}] is not an object"
                    ))
                })?;
                spans.push(json_span(sp).map_err(|e| {
                    OtlpError::Json(format!(
                        "resourceSpans[{i}].scopeSpans[{j}].spans[{k}]: {e}"
                    ))
                })?);
            }
            scope_spans.push(ScopeSpans {
                scope,
                spans,
                schema_url: str_of(ss, "schemaUrl", "schema_url"),
            });
        }
        req.resource_spans.push(ResourceSpans {
            resource,
            scope_spans,
            schema_url: str_of(rs, "schemaUrl", "schema_url"),
        });
    }
    Ok(req)
}

fn get<'a>(o: &'a Map<String, Value>, camel: &str, snake: &str) -> Option<&'a Value> {
    o.get(camel)
        .or_else(|| o.get(snake))
        .filter(|v| !v.is_null())
}

fn arr<'a>(o: &'a Map<String, Value>, camel: &str, snake: &str) -> &'a [Value] {
    get(o, camel, snake)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn str_of(o: &Map<String, Value>, camel: &str, snake: &str) -> String {
    get(o, camel, snake)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A 64-bit unsigned integer sent as a number or a decimal string.
fn u64_of(o: &Map<String, Value>, camel: &str, snake: &str) -> Result<u64, String> {
    match get(o, camel, snake) {
        None => Ok(0),
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .ok_or_else(|| format!("`{camel}` must be a non-negative integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("`{camel}` must be an integer, got `{s}`")),
        Some(_) => Err(format!("`{camel}` must be an integer")),
    }
}

/// Trace/span ids: hex per the OTLP JSON spec; base64 (the plain protobuf JSON mapping, which
/// some hand-written senders use) is accepted too.
fn id_of(o: &Map<String, Value>, camel: &str, snake: &str, len: usize) -> Result<Vec<u8>, String> {
    let s = match get(o, camel, snake) {
        None => return Ok(Vec::new()),
        Some(Value::String(s)) => s.trim(),
        Some(_) => return Err(format!("`{camel}` must be a hex string")),
    };
    if s.is_empty() {
        return Ok(Vec::new());
    }
    if s.len() == len * 2
        && let Ok(b) = hex::decode(s)
    {
        return Ok(b);
    }
    use base64::Engine;
    if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(s)
        && b.len() == len
    {
        return Ok(b);
    }
    Err(format!(
        "`{camel}` must be {} hex characters, got `{}`",
        len * 2,
        s.chars().take(40).collect::<String>()
    ))
}

fn enum_of(o: &Map<String, Value>, camel: &str, snake: &str, names: &[&str]) -> i32 {
    match get(o, camel, snake) {
        Some(Value::Number(n)) => n.as_i64().map(|i| i as i32).unwrap_or(0),
        Some(Value::String(s)) => {
            let up = s.trim().to_ascii_uppercase();
            names
                .iter()
                .position(|n| up == *n || up.ends_with(&format!("_{n}")))
                .map(|p| p as i32)
                .or_else(|| up.parse::<i32>().ok())
                .unwrap_or(0)
        }
        _ => 0,
    }
}

fn json_attrs(o: &Map<String, Value>) -> Vec<KeyValue> {
    arr(o, "attributes", "attributes")
        .iter()
        .filter_map(|kv| {
            let kv = kv.as_object()?;
            let key = kv.get("key")?.as_str()?.to_string();
            let value = kv.get("value").map(json_any);
            Some(KeyValue { key, value })
        })
        .collect()
}

fn json_any(v: &Value) -> AnyValue {
    let Some(o) = v.as_object() else {
        // Not the AnyValue object form: be forgiving and take the plain JSON value.
        return AnyValue {
            value: plain_json_to_any(v),
        };
    };
    let mut value = None;
    for (k, v) in o {
        value = match k.as_str() {
            "stringValue" | "string_value" => {
                v.as_str().map(|s| any_value::Value::StringValue(s.into()))
            }
            "boolValue" | "bool_value" => v.as_bool().map(any_value::Value::BoolValue),
            "intValue" | "int_value" => match v {
                Value::Number(n) => n
                    .as_i64()
                    .or_else(|| n.as_f64().map(|f| f as i64))
                    .map(any_value::Value::IntValue),
                Value::String(s) => s.trim().parse().ok().map(any_value::Value::IntValue),
                _ => None,
            },
            "doubleValue" | "double_value" => match v {
                Value::Number(n) => n.as_f64().map(any_value::Value::DoubleValue),
                Value::String(s) => s.trim().parse().ok().map(any_value::Value::DoubleValue),
                _ => None,
            },
            "arrayValue" | "array_value" => Some(any_value::Value::ArrayValue(ArrayValue {
                values: v
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().map(json_any).collect())
                    .unwrap_or_default(),
            })),
            "kvlistValue" | "kvlist_value" => Some(any_value::Value::KvlistValue(KeyValueList {
                values: v.as_object().map(json_attrs_values).unwrap_or_default(),
            })),
            "bytesValue" | "bytes_value" => v.as_str().and_then(|s| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .ok()
                    .map(any_value::Value::BytesValue)
            }),
            _ => continue,
        };
        if value.is_some() {
            break;
        }
    }
    AnyValue { value }
}

fn json_attrs_values(o: &Map<String, Value>) -> Vec<KeyValue> {
    arr(o, "values", "values")
        .iter()
        .filter_map(|kv| {
            let kv = kv.as_object()?;
            Some(KeyValue {
                key: kv.get("key")?.as_str()?.to_string(),
                value: kv.get("value").map(json_any),
            })
        })
        .collect()
}

fn plain_json_to_any(v: &Value) -> Option<any_value::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => any_value::Value::BoolValue(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => any_value::Value::IntValue(i),
            None => any_value::Value::DoubleValue(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => any_value::Value::StringValue(s.clone()),
        Value::Array(a) => any_value::Value::ArrayValue(ArrayValue {
            values: a
                .iter()
                .map(|v| AnyValue {
                    value: plain_json_to_any(v),
                })
                .collect(),
        }),
        Value::Object(_) => any_value::Value::StringValue(v.to_string()),
    })
}

fn json_span(o: &Map<String, Value>) -> Result<Span, String> {
    let status = get(o, "status", "status")
        .and_then(Value::as_object)
        .map(|s| Status {
            message: str_of(s, "message", "message"),
            code: enum_of(s, "code", "code", &["UNSET", "OK", "ERROR"]),
        });
    let mut events = Vec::new();
    for ev in arr(o, "events", "events") {
        if let Some(ev) = ev.as_object() {
            events.push(span::Event {
                time_unix_nano: u64_of(ev, "timeUnixNano", "time_unix_nano")?,
                name: str_of(ev, "name", "name"),
                attributes: json_attrs(ev),
                dropped_attributes_count: 0,
            });
        }
    }
    Ok(Span {
        trace_id: id_of(o, "traceId", "trace_id", 16)?,
        span_id: id_of(o, "spanId", "span_id", 8)?,
        trace_state: str_of(o, "traceState", "trace_state"),
        parent_span_id: id_of(o, "parentSpanId", "parent_span_id", 8)?,
        flags: 0,
        name: str_of(o, "name", "name"),
        kind: enum_of(
            o,
            "kind",
            "kind",
            &[
                "UNSPECIFIED",
                "INTERNAL",
                "SERVER",
                "CLIENT",
                "PRODUCER",
                "CONSUMER",
            ],
        ),
        start_time_unix_nano: u64_of(o, "startTimeUnixNano", "start_time_unix_nano")?,
        end_time_unix_nano: u64_of(o, "endTimeUnixNano", "end_time_unix_nano")?,
        attributes: json_attrs(o),
        dropped_attributes_count: 0,
        events,
        dropped_events_count: 0,
        links: Vec::new(),
        dropped_links_count: 0,
        status,
    })
}

// ---------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------

/// A UUIDv7 from an OTel id and a time in ms: 48 bits of time, then 80 bits of SHA-256(id),
/// version and variant bits set. Same bytes as Opik's `convertOtelIdToUUIDv7`.
pub fn otel_id_to_uuid_v7(otel_id: &[u8], timestamp_ms: u64) -> Uuid {
    let mut b = [0u8; 16];
    let ts = timestamp_ms & 0xFFFF_FFFF_FFFF;
    b[..6].copy_from_slice(&ts.to_be_bytes()[2..8]);
    let hash = Sha256::digest(otel_id);
    b[6..16].copy_from_slice(&hash[..10]);
    b[6] = (b[6] & 0x0F) | 0x70;
    b[8] = (b[8] & 0x3F) | 0x80;
    Uuid::from_bytes(b)
}

/// The ms timestamp embedded in a UUIDv7.
pub fn uuid_v7_millis(id: &Uuid) -> u64 {
    let b = id.as_bytes();
    let mut t = [0u8; 8];
    t[2..8].copy_from_slice(&b[..6]);
    u64::from_be_bytes(t)
}

/// Remembers which Opik trace id an OTel trace id maps to (per project). The server backs this
/// with a table so the mapping survives restarts; tests use [`MemoryResolver`].
pub trait TraceIdResolver {
    /// The Opik trace id for `otel_trace_id`, creating the mapping with
    /// `otel_id_to_uuid_v7(otel_trace_id, first_seen_ms)` when the id is new.
    fn resolve(&mut self, project: &str, otel_trace_id: &[u8], first_seen_ms: u64) -> Uuid;
}

/// An in-memory [`TraceIdResolver`].
#[derive(Debug, Default, Clone)]
pub struct MemoryResolver {
    pub map: HashMap<(String, Vec<u8>), Uuid>,
}

impl TraceIdResolver for MemoryResolver {
    fn resolve(&mut self, project: &str, otel_trace_id: &[u8], first_seen_ms: u64) -> Uuid {
        *self
            .map
            .entry((project.to_string(), otel_trace_id.to_vec()))
            .or_insert_with(|| otel_id_to_uuid_v7(otel_trace_id, first_seen_ms))
    }
}

// ---------------------------------------------------------------------------------------------
// Mapping
// ---------------------------------------------------------------------------------------------

/// The Opik records a request maps to.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Mapped {
    /// One per root span.
    pub traces: Vec<TraceWrite>,
    /// Every accepted span, roots included.
    pub spans: Vec<SpanWrite>,
    /// Thread ids learnt from non-root spans whose root is not in this request:
    /// `(project, trace id, thread id)`; the server sets them on the trace (now or when the
    /// root arrives).
    pub thread_hints: Vec<(String, Uuid, String)>,
    /// Spans skipped because their trace or span id is not 16/8 bytes, and why.
    pub rejected: i64,
    pub reject_reason: String,
}

/// Map a decoded request. `header_project` is the `projectName` header.
pub fn map_request(
    req: &ExportTraceServiceRequest,
    header_project: Option<&str>,
    resolver: &mut dyn TraceIdResolver,
) -> Mapped {
    let mut out = Mapped::default();
    for rs in &req.resource_spans {
        let res_attrs: &[KeyValue] = rs
            .resource
            .as_ref()
            .map(|r| r.attributes.as_slice())
            .unwrap_or(&[]);
        let project = project_name(header_project, res_attrs);

        // First pass: the earliest start per trace in this request (Opik sorts by start time
        // and uses the first span's time for a trace it has not seen).
        let mut first_seen: HashMap<&[u8], u64> = HashMap::new();
        for ss in &rs.scope_spans {
            for sp in &ss.spans {
                if valid_ids(sp) {
                    let t = first_seen
                        .entry(sp.trace_id.as_slice())
                        .or_insert(sp.start_time_unix_nano);
                    *t = (*t).min(sp.start_time_unix_nano);
                }
            }
        }
        let mut trace_ids: HashMap<&[u8], Uuid> = HashMap::new();
        for (otel, ns) in &first_seen {
            trace_ids.insert(otel, resolver.resolve(&project, otel, ns / 1_000_000));
        }

        // Thread ids found anywhere in a trace of this request.
        let mut threads: HashMap<&[u8], String> = HashMap::new();
        let mut roots: HashSet<&[u8]> = HashSet::new();
        for ss in &rs.scope_spans {
            for sp in &ss.spans {
                if !valid_ids(sp) {
                    continue;
                }
                if sp.parent_span_id.is_empty() {
                    roots.insert(sp.trace_id.as_slice());
                }
                if let Some(t) = thread_of(&sp.attributes) {
                    threads.entry(sp.trace_id.as_slice()).or_insert(t);
                }
            }
        }

        for ss in &rs.scope_spans {
            for sp in &ss.spans {
                if !valid_ids(sp) {
                    out.rejected += 1;
                    out.reject_reason = format!(
                        "span `{}` has a trace id of {} bytes and a span id of {} bytes; OTLP needs 16 and 8",
                        sp.name.chars().take(80).collect::<String>(),
                        sp.trace_id.len(),
                        sp.span_id.len()
                    );
                    continue;
                }
                let Some(trace_id) = trace_ids.get(sp.trace_id.as_slice()).copied() else {
                    continue;
                };
                let t_ms = uuid_v7_millis(&trace_id);
                let m = map_span(sp, ss.scope.as_ref());
                let id = otel_id_to_uuid_v7(&sp.span_id, t_ms);
                let parent = (!sp.parent_span_id.is_empty())
                    .then(|| otel_id_to_uuid_v7(&sp.parent_span_id, t_ms));
                let thread = threads.get(sp.trace_id.as_slice()).cloned();
                if parent.is_none() {
                    out.traces.push(TraceWrite {
                        id: Some(trace_id),
                        project_name: Some(project.clone()),
                        name: Some(sp.name.clone()),
                        start_time: Some(m.start),
                        end_time: m.end,
                        input: m.input.clone(),
                        output: m.output.clone(),
                        metadata: m.metadata.clone(),
                        tags: m.tags.clone(),
                        error_info: m.error.clone(),
                        thread_id: thread,
                        ..Default::default()
                    });
                } else if let Some(th) = thread
                    && !roots.contains(sp.trace_id.as_slice())
                    && thread_of(&sp.attributes).is_some()
                {
                    out.thread_hints.push((project.clone(), trace_id, th));
                }
                out.spans.push(SpanWrite {
                    id: Some(id),
                    project_name: Some(project.clone()),
                    trace_id: Some(trace_id),
                    parent_span_id: parent,
                    name: Some(sp.name.clone()),
                    span_type: Some(m.span_type.to_string()),
                    start_time: Some(m.start),
                    end_time: m.end,
                    input: m.input,
                    output: m.output,
                    metadata: m.metadata,
                    model: m.model,
                    provider: m.provider,
                    tags: m.tags,
                    usage: m.usage,
                    error_info: m.error,
                    total_estimated_cost: m.cost,
                    ..Default::default()
                });
            }
        }
    }
    out.thread_hints.sort();
    out.thread_hints.dedup();
    out
}

fn valid_ids(sp: &Span) -> bool {
    sp.trace_id.len() == 16
        && sp.span_id.len() == 8
        && sp.trace_id.iter().any(|b| *b != 0)
        && (sp.parent_span_id.is_empty() || sp.parent_span_id.len() == 8)
}

/// `projectName` header, else resource `openinference.project.name`, else `service.name`
/// (the SDKs' placeholder `unknown_service…` counts as none), else the default project.
pub fn project_name(header: Option<&str>, resource: &[KeyValue]) -> String {
    if let Some(h) = header.map(str::trim).filter(|h| !h.is_empty()) {
        return h.to_string();
    }
    for key in ["openinference.project.name", "service.name"] {
        if let Some(v) = find(resource, key).and_then(any_str)
            && !v.trim().is_empty()
            && !v.starts_with("unknown_service")
        {
            return v.trim().to_string();
        }
    }
    DEFAULT_PROJECT.to_string()
}

fn find<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

fn thread_of(attrs: &[KeyValue]) -> Option<String> {
    [
        "session.id",
        "gen_ai.conversation.id",
        "thread_id",
        "thread.id",
    ]
    .iter()
    .find_map(|k| find(attrs, k).and_then(any_str))
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty())
}

/// An attribute as a string (numbers and bools in their text form).
fn any_str(v: &AnyValue) -> Option<String> {
    match v.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        any_value::Value::IntValue(i) => Some(i.to_string()),
        any_value::Value::DoubleValue(d) => Some(d.to_string()),
        any_value::Value::BoolValue(b) => Some(b.to_string()),
        _ => None,
    }
}

fn any_i64(v: &AnyValue) -> Option<i64> {
    match v.value.as_ref()? {
        any_value::Value::IntValue(i) => Some(*i),
        any_value::Value::DoubleValue(d) if d.is_finite() => Some(*d as i64),
        any_value::Value::StringValue(s) => s.trim().parse::<i64>().ok().or_else(|| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

/// An attribute as JSON: strings that hold a JSON object or array are parsed.
fn any_json(v: &AnyValue) -> Value {
    match v.value.as_ref() {
        None => Value::Null,
        Some(any_value::Value::StringValue(s)) => json_text(s),
        Some(any_value::Value::BoolValue(b)) => Value::Bool(*b),
        Some(any_value::Value::IntValue(i)) => json!(i),
        Some(any_value::Value::DoubleValue(d)) => serde_json::Number::from_f64(*d)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Some(any_value::Value::ArrayValue(a)) => {
            Value::Array(a.values.iter().map(any_json).collect())
        }
        Some(any_value::Value::KvlistValue(kv)) => Value::Object(
            kv.values
                .iter()
                .map(|kv| {
                    (
                        kv.key.clone(),
                        kv.value.as_ref().map(any_json).unwrap_or(Value::Null),
                    )
                })
                .collect(),
        ),
        Some(any_value::Value::BytesValue(b)) => {
            use base64::Engine;
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
    }
}

/// Text that looks like a JSON object/array is parsed; anything else stays a string.
fn json_text(s: &str) -> Value {
    let t = s.trim_start();
    if (t.starts_with('{') || t.starts_with('['))
        && let Ok(v) = parse_lenient::<Value>(t.as_bytes())
    {
        return v;
    }
    Value::String(s.to_string())
}

fn nanos_to_time(ns: u64) -> Option<DateTime<Utc>> {
    if ns == 0 {
        return None;
    }
    let secs = (ns / 1_000_000_000) as i64;
    // Microsecond precision, as Opik stores it.
    let nanos = ((ns % 1_000_000_000) / 1000 * 1000) as u32;
    DateTime::from_timestamp(secs, nanos)
}

struct SpanFields {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    span_type: &'static str,
    input: Option<Value>,
    output: Option<Value>,
    metadata: Option<Value>,
    model: Option<String>,
    provider: Option<String>,
    tags: Option<Vec<String>>,
    usage: Option<BTreeMap<String, i64>>,
    error: Option<ErrorInfo>,
    cost: Option<f64>,
}

/// Chat messages collected from indexed attributes (`prefix.N.…`).
#[derive(Default)]
struct Msg {
    role: Option<String>,
    content: Option<Value>,
    parts: BTreeMap<usize, String>,
    extra: Map<String, Value>,
}

fn push_msg_attr(msgs: &mut BTreeMap<usize, Msg>, rest: &str, v: &AnyValue) -> bool {
    // rest = "N.message.role" (OpenInference), "N.role" (GenAI legacy), "N.content", ...
    let Some((idx, field)) = rest.split_once('.') else {
        return false;
    };
    let Ok(idx) = idx.parse::<usize>() else {
        return false;
    };
    let field = field.strip_prefix("message.").unwrap_or(field);
    let m = msgs.entry(idx).or_default();
    match field {
        "role" => m.role = any_str(v),
        "content" => m.content = Some(any_json(v)),
        f => {
            // OpenInference multi-part content: contents.K.message_content.text
            if let Some(p) = f.strip_prefix("contents.")
                && let Some((k, what)) = p.split_once('.')
                && let Ok(k) = k.parse::<usize>()
            {
                if what.ends_with("text")
                    && let Some(s) = any_str(v)
                {
                    m.parts.insert(k, s);
                }
                return true;
            }
            m.extra.insert(f.to_string(), any_json(v));
        }
    }
    true
}

fn msgs_to_json(msgs: BTreeMap<usize, Msg>) -> Vec<Value> {
    msgs.into_values()
        .map(|m| {
            let mut o = Map::new();
            o.insert(
                "role".into(),
                Value::String(m.role.unwrap_or_else(|| "user".into())),
            );
            let content = m.content.or_else(|| {
                (!m.parts.is_empty())
                    .then(|| Value::String(m.parts.into_values().collect::<Vec<_>>().join("\n")))
            });
            if let Some(c) = content {
                o.insert("content".into(), c);
            }
            // Tool calls etc. keep their dotted names, nested under the message.
            for (k, v) in m.extra {
                o.insert(k, v);
            }
            Value::Object(o)
        })
        .collect()
}

/// GenAI `gen_ai.input.messages` / `gen_ai.output.messages`: a JSON array of
/// `{role, parts:[{type:"text", content}, …]}`; rewritten as `{role, content}` chat messages
/// (text parts joined; other parts kept as `parts`).
fn genai_messages(v: &Value) -> Option<Vec<Value>> {
    let a = v.as_array()?;
    Some(
        a.iter()
            .map(|m| {
                let Some(o) = m.as_object() else {
                    return m.clone();
                };
                if o.contains_key("content") || !o.contains_key("parts") {
                    return m.clone();
                }
                let parts = o.get("parts").and_then(Value::as_array);
                let texts: Vec<&str> = parts
                    .map(|p| {
                        p.iter()
                            .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
                            .filter_map(|p| p.get("content").and_then(Value::as_str))
                            .collect()
                    })
                    .unwrap_or_default();
                let mut out = Map::new();
                out.insert(
                    "role".into(),
                    o.get("role").cloned().unwrap_or_else(|| json!("user")),
                );
                let all_text = parts.is_some_and(|p| p.len() == texts.len());
                if !texts.is_empty() {
                    out.insert("content".into(), Value::String(texts.join("\n")));
                }
                if !all_text && let Some(p) = o.get("parts") {
                    out.insert("parts".into(), p.clone());
                }
                for (k, v) in o {
                    if k != "role" && k != "parts" {
                        out.insert(k.clone(), v.clone());
                    }
                }
                Value::Object(out)
            })
            .collect(),
    )
}

/// Put `messages` into an input/output object (creating it), without overwriting a
/// `messages` key the value already has.
fn with_messages(base: Option<Value>, key: &str, msgs: Vec<Value>) -> Option<Value> {
    if msgs.is_empty() {
        return base;
    }
    match base {
        Some(Value::Object(mut o)) => {
            o.entry(key.to_string()).or_insert(Value::Array(msgs));
            Some(Value::Object(o))
        }
        None => Some(json!({ key: msgs })),
        Some(other) => Some(json!({ "value": other, key: msgs })),
    }
}

/// A value attribute (`input.value`) as an Opik input/output object: JSON objects as they are,
/// anything else wrapped as `{key: value}`.
fn value_object(v: Value, key: &str) -> Value {
    match v {
        Value::Object(_) => v,
        other => json!({ key: other }),
    }
}

fn map_span(sp: &Span, scope: Option<&InstrumentationScope>) -> SpanFields {
    let start = nanos_to_time(sp.start_time_unix_nano)
        .or_else(|| nanos_to_time(sp.end_time_unix_nano))
        .unwrap_or_else(Utc::now);
    let end = nanos_to_time(sp.end_time_unix_nano).filter(|e| *e >= start);

    let mut used: HashSet<&str> = HashSet::new();
    let mut input: Option<Value> = None;
    let mut output: Option<Value> = None;
    let mut in_msgs: BTreeMap<usize, Msg> = BTreeMap::new();
    let mut out_msgs: BTreeMap<usize, Msg> = BTreeMap::new();
    let mut in_list: Vec<Value> = Vec::new();
    let mut out_list: Vec<Value> = Vec::new();
    let mut metadata = Map::new();
    let mut model_req: Option<String> = None;
    let mut model_resp: Option<String> = None;
    let mut provider: Option<String> = None;
    let mut usage: BTreeMap<String, i64> = BTreeMap::new();
    let mut tags: Vec<String> = Vec::new();
    let mut kind_oi: Option<String> = None;
    let mut gen_ai_op: Option<String> = None;
    let mut cost: Option<f64> = None;

    for kv in &sp.attributes {
        let Some(v) = kv.value.as_ref() else { continue };
        let k = kv.key.as_str();
        let consumed = match k {
            "input.value" => {
                input = Some(value_object(any_json(v), "input"));
                true
            }
            "output.value" => {
                output = Some(value_object(any_json(v), "output"));
                true
            }
            "input.mime_type" | "output.mime_type" => true,
            "openinference.span.kind" => {
                kind_oi = any_str(v).map(|s| s.to_ascii_uppercase());
                true
            }
            "llm.model_name" | "gen_ai.response.model" => {
                model_resp = any_str(v);
                true
            }
            "gen_ai.request.model" => {
                model_req = any_str(v);
                true
            }
            "llm.provider" | "gen_ai.provider.name" => {
                provider = any_str(v).or(provider);
                true
            }
            "llm.system" | "gen_ai.system" => {
                if provider.is_none() {
                    provider = any_str(v);
                }
                true
            }
            "gen_ai.operation.name" => {
                gen_ai_op = any_str(v);
                true
            }
            "llm.token_count.prompt"
            | "gen_ai.usage.input_tokens"
            | "gen_ai.usage.prompt_tokens" => {
                if let Some(n) = any_i64(v) {
                    usage.insert("prompt_tokens".into(), n);
                }
                true
            }
            "llm.token_count.completion"
            | "gen_ai.usage.output_tokens"
            | "gen_ai.usage.completion_tokens" => {
                if let Some(n) = any_i64(v) {
                    usage.insert("completion_tokens".into(), n);
                }
                true
            }
            "llm.token_count.total" | "gen_ai.usage.total_tokens" => {
                if let Some(n) = any_i64(v) {
                    usage.insert("total_tokens".into(), n);
                }
                true
            }
            "llm.cost.total" | "gen_ai.usage.cost" => {
                cost = match v.value.as_ref() {
                    Some(any_value::Value::DoubleValue(d)) if d.is_finite() => Some(*d),
                    Some(any_value::Value::IntValue(i)) => Some(*i as f64),
                    Some(any_value::Value::StringValue(s)) => {
                        s.trim().parse::<f64>().ok().filter(|f| f.is_finite())
                    }
                    _ => None,
                };
                true
            }
            "gen_ai.input.messages" | "gen_ai.prompt" => {
                let j = any_json(v);
                match genai_messages(&j) {
                    Some(m) => in_list.extend(m),
                    None => {
                        input
                            .get_or_insert_with(|| json!({}))
                            .as_object_mut()
                            .map(|o| o.insert("prompt".into(), j));
                    }
                }
                true
            }
            "gen_ai.output.messages" | "gen_ai.completion" => {
                let j = any_json(v);
                match genai_messages(&j) {
                    Some(m) => out_list.extend(m),
                    None => {
                        output
                            .get_or_insert_with(|| json!({}))
                            .as_object_mut()
                            .map(|o| o.insert("completion".into(), j));
                    }
                }
                true
            }
            "gen_ai.system_instructions" => {
                if let Some(s) = genai_messages(&any_json(v)) {
                    for m in s {
                        let mut m = m;
                        if let Some(o) = m.as_object_mut() {
                            o.insert("role".into(), json!("system"));
                        }
                        in_list.insert(0, m);
                    }
                }
                true
            }
            "tag.tags" => {
                tags.extend(tags_of(v));
                true
            }
            "metadata" => {
                match any_json(v) {
                    Value::Object(o) => metadata.extend(o),
                    other => {
                        metadata.insert("metadata".into(), other);
                    }
                }
                true
            }
            "session.id" | "gen_ai.conversation.id" | "thread_id" | "thread.id" => {
                // Becomes the trace's thread id; kept in metadata too so span-level views show it.
                metadata.insert(k.to_string(), any_json(v));
                true
            }
            "llm.invocation_parameters" => {
                metadata.insert("invocation_parameters".into(), any_json(v));
                true
            }
            _ => {
                if let Some(rest) = k.strip_prefix("llm.input_messages.") {
                    push_msg_attr(&mut in_msgs, rest, v)
                } else if let Some(rest) = k.strip_prefix("llm.output_messages.") {
                    push_msg_attr(&mut out_msgs, rest, v)
                } else if let Some(rest) = k.strip_prefix("gen_ai.prompt.") {
                    push_msg_attr(&mut in_msgs, rest, v)
                } else if let Some(rest) = k.strip_prefix("gen_ai.completion.") {
                    push_msg_attr(&mut out_msgs, rest, v)
                } else {
                    false
                }
            }
        };
        if consumed {
            used.insert(k);
        }
    }
    for kv in &sp.attributes {
        if !used.contains(kv.key.as_str())
            && let Some(v) = kv.value.as_ref()
        {
            metadata.insert(kv.key.clone(), any_json(v));
        }
    }

    // Older GenAI semconv sends messages as events.
    let mut error: Option<ErrorInfo> = None;
    for ev in &sp.events {
        match ev.name.as_str() {
            "gen_ai.system.message"
            | "gen_ai.user.message"
            | "gen_ai.assistant.message"
            | "gen_ai.tool.message" => {
                let role = ev.name["gen_ai.".len()..].trim_end_matches(".message");
                let content = find(&ev.attributes, "content").map(any_json);
                let mut m = json!({ "role": role });
                if let Some(c) = content {
                    m["content"] = c;
                }
                in_list.push(m);
            }
            "gen_ai.choice" => {
                if let Some(msg) = find(&ev.attributes, "message").map(any_json) {
                    out_list.push(msg);
                }
            }
            "exception" => {
                error = Some(ErrorInfo {
                    exception_type: find(&ev.attributes, "exception.type").and_then(any_str),
                    message: find(&ev.attributes, "exception.message").and_then(any_str),
                    traceback: Some(
                        find(&ev.attributes, "exception.stacktrace")
                            .and_then(any_str)
                            .unwrap_or_default(),
                    ),
                });
            }
            _ => {}
        }
    }

    let mut in_all = msgs_to_json(in_msgs);
    in_all.extend(in_list);
    let mut out_all = msgs_to_json(out_msgs);
    out_all.extend(out_list);
    let input = with_messages(input, "messages", in_all);
    let output = with_messages(output, "messages", out_all);

    let status_error = sp.status.as_ref().is_some_and(|s| s.code == 2);
    let error = if status_error {
        let msg = sp
            .status
            .as_ref()
            .map(|s| s.message.clone())
            .unwrap_or_default();
        let mut e = error.unwrap_or_default();
        if e.exception_type.is_none() {
            e.exception_type = Some("Error".into());
        }
        if e.message.as_deref().unwrap_or("").is_empty() && !msg.is_empty() {
            e.message = Some(msg);
        }
        if e.traceback.is_none() {
            e.traceback = Some(String::new());
        }
        Some(e)
    } else {
        // An exception event on a span that did not fail is kept, but not as an error.
        if let Some(e) = error {
            metadata.insert(
                "exception".into(),
                serde_json::to_value(e).unwrap_or(Value::Null),
            );
        }
        None
    };

    if !usage.contains_key("total_tokens")
        && let (Some(p), Some(c)) = (usage.get("prompt_tokens"), usage.get("completion_tokens"))
    {
        let t = p.saturating_add(*c);
        usage.insert("total_tokens".into(), t);
    }

    let model = model_resp.or(model_req);
    let span_type = span_type(
        kind_oi.as_deref(),
        gen_ai_op.as_deref(),
        model.is_some() || !usage.is_empty(),
    );
    if let Some(s) = scope.filter(|s| !s.name.is_empty()) {
        metadata
            .entry("otel.scope.name")
            .or_insert_with(|| json!(s.name));
    }
    tags.dedup();
    SpanFields {
        start,
        end,
        span_type,
        input,
        output,
        metadata: (!metadata.is_empty()).then_some(Value::Object(metadata)),
        model,
        provider: provider.map(|p| p.to_ascii_lowercase()),
        tags: (!tags.is_empty()).then_some(tags),
        usage: (!usage.is_empty()).then_some(usage),
        error,
        cost,
    }
}

/// Opik's span types are `general`, `tool`, `llm` and `guardrail`.
fn span_type(
    openinference: Option<&str>,
    gen_ai_op: Option<&str>,
    looks_llm: bool,
) -> &'static str {
    if let Some(k) = openinference {
        return match k {
            "LLM" | "EMBEDDING" => "llm",
            "TOOL" => "tool",
            "GUARDRAIL" => "guardrail",
            // RETRIEVER, CHAIN, AGENT, RERANKER, EVALUATOR, …
            _ => "general",
        };
    }
    if let Some(op) = gen_ai_op {
        return match op {
            "chat" | "text_completion" | "generate_content" | "embeddings" | "completion" => "llm",
            "execute_tool" => "tool",
            _ => "general",
        };
    }
    if looks_llm { "llm" } else { "general" }
}

fn tags_of(v: &AnyValue) -> Vec<String> {
    let j = any_json(v);
    let list: Vec<String> = match j {
        Value::Array(a) => a
            .into_iter()
            .filter_map(|t| match t {
                Value::String(s) => Some(s),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// HTTP route and storage
// ---------------------------------------------------------------------------------------------

/// The OTel trace id → Opik trace id mapping (see "Ids" above), per project name.
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS otel_trace_map (
    project_name TEXT NOT NULL,
    otel_trace_id BLOB NOT NULL,
    opik_trace_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (project_name, otel_trace_id)
) WITHOUT ROWID;
"#;

/// A [`TraceIdResolver`] over the `otel_trace_map` table, inside the write transaction.
pub struct DbResolver<'a> {
    pub conn: &'a rusqlite::Connection,
    pub error: Option<rusqlite::Error>,
}

impl TraceIdResolver for DbResolver<'_> {
    fn resolve(&mut self, project: &str, otel_trace_id: &[u8], first_seen_ms: u64) -> Uuid {
        let fresh = otel_id_to_uuid_v7(otel_trace_id, first_seen_ms);
        let r = (|| -> rusqlite::Result<Uuid> {
            let found: Option<String> = self
                .conn
                .prepare_cached(
                    "SELECT opik_trace_id FROM otel_trace_map WHERE project_name = ?1 AND otel_trace_id = ?2",
                )?
                .query_row(rusqlite::params![project, otel_trace_id], |r| r.get(0))
                .optional()?;
            if let Some(id) = found.and_then(|s| Uuid::parse_str(&s).ok()) {
                return Ok(id);
            }
            self.conn
                .prepare_cached(
                    "INSERT OR REPLACE INTO otel_trace_map(project_name, otel_trace_id, opik_trace_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(rusqlite::params![
                    project,
                    otel_trace_id,
                    fresh.to_string(),
                    crate::opik::model::ts::format(&Utc::now())
                ])?;
            Ok(fresh)
        })();
        match r {
            Ok(id) => id,
            Err(e) => {
                self.error.get_or_insert(e);
                fresh
            }
        }
    }
}

/// `POST /v1/private/otel/v1/traces` (Opik) and `POST /v1/traces` (the exporters' default).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/otel/v1/traces", post(export))
        .route("/v1/traces", post(export))
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Store what a request maps to, in one transaction (all or nothing).
pub fn store(tx: &rusqlite::Connection, m: Mapped, user: &str) -> Result<(), ApiError> {
    let traces = m
        .traces
        .into_iter()
        .map(CreateRec::from_trace_owned)
        .collect::<Result<Vec<_>, _>>()?;
    let spans = m
        .spans
        .into_iter()
        .map(CreateRec::from_span_owned)
        .collect::<Result<Vec<_>, _>>()?;
    if !traces.is_empty() {
        ingest::create_all(tx, Kind::Trace, traces, CreateMode::Upsert, user)?;
    }
    if !spans.is_empty() {
        ingest::create_all(tx, Kind::Span, spans, CreateMode::Upsert, user)?;
    }
    // A session id seen on a child whose root is not here yet: set it on the trace (kept as a
    // pending patch and laid over the root when it arrives).
    for (project, trace_id, thread) in m.thread_hints {
        let mut fields = Map::new();
        fields.insert("thread_id".into(), Value::String(thread));
        ingest::patch(
            tx,
            Kind::Trace,
            &trace_id,
            PatchRec {
                project_name: Some(project),
                project_id: None,
                fields,
                tags_to_add: Vec::new(),
                tags_to_remove: Vec::new(),
            },
            user,
        )?;
    }
    Ok(())
}

async fn export(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let enc = Encoding::from_content_type(header_str(&headers, header::CONTENT_TYPE.as_str()));
    let ct = header_str(&headers, header::CONTENT_TYPE.as_str()).map(str::to_string);
    let ce = header_str(&headers, header::CONTENT_ENCODING.as_str()).map(str::to_string);
    let project = header_str(&headers, "projectName")
        .or_else(|| header_str(&headers, "project_name"))
        .map(str::to_string);
    // Decoding is CPU work: off the async threads, and outside the write lock.
    let decoded =
        tokio::task::spawn_blocking(move || decode(&body, ct.as_deref(), ce.as_deref())).await;
    let req = match decoded {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return (
                status,
                axum::Json(json!({"code": e.status(), "message": e.to_string()})),
            )
                .into_response();
        }
        Err(e) => return ApiError::internal(format!("decode task failed: {e}")).into_response(),
    };
    let user = caller.user;
    let r = st
        .db
        .write(move |tx| {
            let mut resolver = DbResolver {
                conn: tx,
                error: None,
            };
            let m = map_request(&req, project.as_deref(), &mut resolver);
            if let Some(e) = resolver.error {
                return Err(e.into());
            }
            let rejected = (m.rejected, m.reject_reason.clone());
            store(tx, m, &user)?;
            Ok(rejected)
        })
        .await;
    match r {
        Ok((rejected, reason)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, enc.content_type())],
            encode_response(enc, rejected, &reason),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(k: &str, v: any_value::Value) -> KeyValue {
        KeyValue {
            key: k.into(),
            value: Some(AnyValue { value: Some(v) }),
        }
    }
    fn s(k: &str, v: &str) -> KeyValue {
        kv(k, any_value::Value::StringValue(v.into()))
    }
    fn i(k: &str, v: i64) -> KeyValue {
        kv(k, any_value::Value::IntValue(v))
    }

    const T0: u64 = 1_763_700_000_000_000_000; // 2025-11-21T04:40:00Z in ns

    fn span(tid: u8, sid: u8, parent: Option<u8>, start_ms: u64, attrs: Vec<KeyValue>) -> Span {
        Span {
            trace_id: vec![tid; 16],
            span_id: vec![sid; 8],
            parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
            name: format!("span-{sid}"),
            start_time_unix_nano: T0 + start_ms * 1_000_000,
            end_time_unix_nano: T0 + (start_ms + 100) * 1_000_000,
            attributes: attrs,
            ..Default::default()
        }
    }

    fn request(resource: Vec<KeyValue>, spans: Vec<Span>) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(Resource {
                    attributes: resource,
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope {
                        name: "test".into(),
                        ..Default::default()
                    }),
                    spans,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        }
    }

    #[test]
    fn ids_match_opik_layout_and_are_deterministic() {
        let id = otel_id_to_uuid_v7(&[7u8; 8], 1_700_000_000_123);
        assert_eq!(id.get_version_num(), 7);
        assert_eq!(uuid_v7_millis(&id), 1_700_000_000_123);
        assert_eq!(id, otel_id_to_uuid_v7(&[7u8; 8], 1_700_000_000_123));
        assert_ne!(id, otel_id_to_uuid_v7(&[8u8; 8], 1_700_000_000_123));
        // Bytes 6..16 come from SHA-256 of the id with version/variant bits forced.
        let h = Sha256::digest([7u8; 8]);
        let b = id.as_bytes();
        assert_eq!(b[7], h[1]);
        assert_eq!(b[6] & 0x0F, h[0] & 0x0F);
        assert_eq!(b[8] & 0x3F, h[2] & 0x3F);
        assert_eq!(&b[9..16], &h[3..10]);
    }

    #[test]
    fn openinference_llm_span_maps_messages_model_usage_and_kind() {
        let req = request(
            vec![
                s("openinference.project.name", "oi-proj"),
                s("service.name", "svc"),
            ],
            vec![
                span(
                    1,
                    1,
                    None,
                    0,
                    vec![
                        s("openinference.span.kind", "CHAIN"),
                        s("input.value", "What is 2+2?"),
                        s("output.value", "{\"answer\": \"4\"}"),
                        s("output.mime_type", "application/json"),
                        s("session.id", "sess-1"),
                        s("tag.tags", "[\"a\",\"b\"]"),
                        s("metadata", "{\"user\":\"u1\"}"),
                    ],
                ),
                span(
                    1,
                    2,
                    Some(1),
                    10,
                    vec![
                        s("openinference.span.kind", "LLM"),
                        s("llm.model_name", "gpt-4o-mini"),
                        s("llm.provider", "OpenAI"),
                        s("llm.input_messages.0.message.role", "system"),
                        s("llm.input_messages.0.message.content", "Be brief"),
                        s("llm.input_messages.1.message.role", "user"),
                        s("llm.input_messages.1.message.content", "What is 2+2?"),
                        s("llm.output_messages.0.message.role", "assistant"),
                        s("llm.output_messages.0.message.content", "4"),
                        i("llm.token_count.prompt", 12),
                        i("llm.token_count.completion", 3),
                        s("custom.attr", "kept"),
                    ],
                ),
                span(
                    1,
                    3,
                    Some(2),
                    20,
                    vec![s("openinference.span.kind", "RETRIEVER")],
                ),
                span(
                    1,
                    4,
                    Some(1),
                    30,
                    vec![s("openinference.span.kind", "TOOL")],
                ),
                span(
                    1,
                    5,
                    Some(1),
                    40,
                    vec![s("openinference.span.kind", "GUARDRAIL")],
                ),
            ],
        );
        let mut r = MemoryResolver::default();
        let m = map_request(&req, None, &mut r);
        assert_eq!(m.traces.len(), 1);
        assert_eq!(m.spans.len(), 5);
        let t = &m.traces[0];
        assert_eq!(t.project_name.as_deref(), Some("oi-proj"));
        assert_eq!(t.thread_id.as_deref(), Some("sess-1"));
        assert_eq!(t.input, Some(json!({"input": "What is 2+2?"})));
        assert_eq!(t.output, Some(json!({"answer": "4"})));
        assert_eq!(t.tags, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(t.metadata.as_ref().unwrap()["user"], "u1");
        let trace_id = t.id.unwrap();
        assert_eq!(uuid_v7_millis(&trace_id), T0 / 1_000_000);

        let llm = &m.spans[1];
        assert_eq!(llm.span_type.as_deref(), Some("llm"));
        assert_eq!(llm.model.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(llm.provider.as_deref(), Some("openai"));
        assert_eq!(llm.trace_id, Some(trace_id));
        assert_eq!(llm.parent_span_id, m.spans[0].id);
        let usage = llm.usage.as_ref().unwrap();
        assert_eq!(usage["prompt_tokens"], 12);
        assert_eq!(usage["completion_tokens"], 3);
        assert_eq!(usage["total_tokens"], 15);
        assert_eq!(
            llm.input.as_ref().unwrap()["messages"],
            json!([{"role":"system","content":"Be brief"},{"role":"user","content":"What is 2+2?"}])
        );
        assert_eq!(
            llm.output.as_ref().unwrap()["messages"],
            json!([{"role":"assistant","content":"4"}])
        );
        assert_eq!(llm.metadata.as_ref().unwrap()["custom.attr"], "kept");
        let types: Vec<_> = m
            .spans
            .iter()
            .map(|s| s.span_type.clone().unwrap())
            .collect();
        assert_eq!(types, ["general", "llm", "general", "tool", "guardrail"]);
    }

    #[test]
    fn genai_conventions_map_messages_model_usage_and_conversation() {
        let msgs = r#"[{"role":"user","parts":[{"type":"text","content":"hi there"}]}]"#;
        let out = r#"[{"role":"assistant","parts":[{"type":"text","content":"hello"}],"finish_reason":"stop"}]"#;
        let req = request(
            vec![s("service.name", "genai-svc")],
            vec![span(
                2,
                1,
                None,
                0,
                vec![
                    s("gen_ai.operation.name", "chat"),
                    s("gen_ai.request.model", "claude-x"),
                    s("gen_ai.response.model", "claude-x-2025"),
                    s("gen_ai.provider.name", "anthropic"),
                    i("gen_ai.usage.input_tokens", 7),
                    i("gen_ai.usage.output_tokens", 2),
                    s("gen_ai.conversation.id", "conv-9"),
                    s("gen_ai.input.messages", msgs),
                    s("gen_ai.output.messages", out),
                ],
            )],
        );
        let m = map_request(&req, Some("hdr-proj"), &mut MemoryResolver::default());
        let sp = &m.spans[0];
        assert_eq!(sp.project_name.as_deref(), Some("hdr-proj"), "header wins");
        assert_eq!(sp.span_type.as_deref(), Some("llm"));
        assert_eq!(sp.model.as_deref(), Some("claude-x-2025"));
        assert_eq!(sp.provider.as_deref(), Some("anthropic"));
        assert_eq!(sp.usage.as_ref().unwrap()["total_tokens"], 9);
        assert_eq!(
            sp.input,
            Some(json!({"messages":[{"role":"user","content":"hi there"}]}))
        );
        assert_eq!(
            sp.output,
            Some(
                json!({"messages":[{"role":"assistant","content":"hello","finish_reason":"stop"}]})
            )
        );
        assert_eq!(m.traces[0].thread_id.as_deref(), Some("conv-9"));
    }

    #[test]
    fn legacy_genai_indexed_prompt_and_completion() {
        let req = request(
            vec![],
            vec![span(
                3,
                1,
                None,
                0,
                vec![
                    s("gen_ai.system", "openai"),
                    s("gen_ai.prompt.0.role", "user"),
                    s("gen_ai.prompt.0.content", "q"),
                    s("gen_ai.completion.0.role", "assistant"),
                    s("gen_ai.completion.0.content", "a"),
                    i("gen_ai.usage.prompt_tokens", 1),
                ],
            )],
        );
        let m = map_request(&req, None, &mut MemoryResolver::default());
        let sp = &m.spans[0];
        assert_eq!(sp.project_name.as_deref(), Some(DEFAULT_PROJECT));
        assert_eq!(sp.provider.as_deref(), Some("openai"));
        assert_eq!(sp.span_type.as_deref(), Some("llm"));
        assert_eq!(
            sp.input,
            Some(json!({"messages":[{"role":"user","content":"q"}]}))
        );
        assert_eq!(
            sp.output,
            Some(json!({"messages":[{"role":"assistant","content":"a"}]}))
        );
    }

    #[test]
    fn error_status_and_exception_event_become_error_info() {
        let mut sp = span(4, 1, None, 0, vec![]);
        sp.status = Some(Status {
            code: 2,
            message: "boom".into(),
        });
        sp.events.push(span::Event {
            name: "exception".into(),
            attributes: vec![
                s("exception.type", "ValueError"),
                s("exception.message", "bad value"),
                s("exception.stacktrace", "Traceback..."),
            ],
            ..Default::default()
        });
        let m = map_request(
            &request(vec![], vec![sp]),
            None,
            &mut MemoryResolver::default(),
        );
        let e = m.traces[0].error_info.clone().unwrap();
        assert_eq!(e.exception_type.as_deref(), Some("ValueError"));
        assert_eq!(e.message.as_deref(), Some("bad value"));
        assert_eq!(e.traceback.as_deref(), Some("Traceback..."));
        assert_eq!(m.spans[0].error_info, Some(e));

        let mut ok = span(4, 2, None, 0, vec![]);
        ok.status = Some(Status {
            code: 2,
            message: "only status".into(),
        });
        let m = map_request(
            &request(vec![], vec![ok]),
            None,
            &mut MemoryResolver::default(),
        );
        let e = m.spans[0].error_info.clone().unwrap();
        assert_eq!(e.exception_type.as_deref(), Some("Error"));
        assert_eq!(e.message.as_deref(), Some("only status"));
    }

    #[test]
    fn orphans_get_their_parents_final_ids_across_batches() {
        // The child arrives first (as BatchSpanProcessor often sends it), the root later.
        let mut r = MemoryResolver::default();
        let child = request(
            vec![],
            vec![span(5, 2, Some(1), 50, vec![s("session.id", "s5")])],
        );
        let m1 = map_request(&child, None, &mut r);
        assert!(m1.traces.is_empty());
        let trace_id = m1.spans[0].trace_id.unwrap();
        assert_eq!(
            m1.thread_hints,
            vec![(DEFAULT_PROJECT.to_string(), trace_id, "s5".to_string())]
        );
        let root = request(vec![], vec![span(5, 1, None, 0, vec![])]);
        let m2 = map_request(&root, None, &mut r);
        assert_eq!(m2.traces[0].id, Some(trace_id), "same trace across batches");
        assert_eq!(
            m1.spans[0].parent_span_id, m2.spans[0].id,
            "child linked to the root"
        );
        // A re-send gives the same ids (upsert).
        let m3 = map_request(&root, None, &mut r);
        assert_eq!(m3.spans[0].id, m2.spans[0].id);
    }

    #[test]
    fn bad_ids_are_rejected_not_fatal() {
        let mut bad = span(6, 1, None, 0, vec![]);
        bad.span_id = vec![1, 2, 3];
        let good = span(6, 2, None, 0, vec![]);
        let m = map_request(
            &request(vec![], vec![bad, good]),
            None,
            &mut MemoryResolver::default(),
        );
        assert_eq!(m.rejected, 1);
        assert!(m.reject_reason.contains("3 bytes"), "{}", m.reject_reason);
        assert_eq!(m.spans.len(), 1);
    }

    #[test]
    fn project_falls_back_from_header_to_resource() {
        assert_eq!(project_name(Some(" p "), &[]), "p");
        assert_eq!(project_name(None, &[s("service.name", "svc")]), "svc");
        assert_eq!(
            project_name(
                None,
                &[
                    s("service.name", "svc"),
                    s("openinference.project.name", "oi")
                ]
            ),
            "oi"
        );
        assert_eq!(
            project_name(None, &[s("service.name", "unknown_service:python")]),
            DEFAULT_PROJECT
        );
    }

    fn sample_json() -> String {
        r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-svc"}}]},
          "scopeSpans":[{"scope":{"name":"x"},"spans":[
            {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"root",
             "kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":1544712661000000000,
             "attributes":[{"key":"input.value","value":{"stringValue":"hello"}},
                           {"key":"llm.token_count.prompt","value":{"intValue":"5"}},
                           {"key":"score","value":{"doubleValue":0.5}},
                           {"key":"flags","value":{"arrayValue":{"values":[{"boolValue":true}]}}},
                           {"key":"obj","value":{"kvlistValue":{"values":[{"key":"a","value":{"intValue":1}}]}}}],
             "status":{"code":"STATUS_CODE_ERROR","message":"bad"}},
            {"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b175","parent_span_id":"eee19b7ec3c1b174",
             "name":"child","start_time_unix_nano":"1544712660500000000","end_time_unix_nano":"1544712660600000000"}
          ]}]}]}"#
            .to_string()
    }

    #[test]
    fn json_and_protobuf_decode_to_the_same_request() {
        let from_json = decode(sample_json().as_bytes(), Some("application/json"), None).unwrap();
        let sp = &from_json.resource_spans[0].scope_spans[0].spans;
        assert_eq!(sp.len(), 2);
        assert_eq!(
            hex::encode(&sp[0].trace_id),
            "5b8efff798038103d269b633813fc60c"
        );
        assert_eq!(sp[0].start_time_unix_nano, 1_544_712_660_000_000_000);
        assert_eq!(sp[0].end_time_unix_nano, 1_544_712_661_000_000_000);
        assert_eq!(sp[0].status.as_ref().unwrap().code, 2);
        assert_eq!(sp[0].kind, 2);
        assert_eq!(sp[1].parent_span_id, sp[0].span_id);
        let pb = from_json.encode_to_vec();
        let from_pb = decode(&pb, Some("application/x-protobuf"), None).unwrap();
        assert_eq!(from_pb, from_json);

        // gzip, with and without the header.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &pb).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decode(&gz, None, Some("gzip")).unwrap(), from_json);
        assert_eq!(decode(&gz, None, None).unwrap(), from_json);

        let m = map_request(&from_json, None, &mut MemoryResolver::default());
        assert_eq!(m.traces[0].project_name.as_deref(), Some("json-svc"));
        assert_eq!(
            m.traces[0].error_info.as_ref().unwrap().message.as_deref(),
            Some("bad")
        );
        let meta = m.spans[0].metadata.as_ref().unwrap();
        assert_eq!(meta["score"], 0.5);
        assert_eq!(meta["flags"], json!([true]));
        assert_eq!(meta["obj"], json!({"a": 1}));
        assert_eq!(m.spans[0].usage.as_ref().unwrap()["prompt_tokens"], 5);
    }

    #[test]
    fn malformed_bodies_name_the_problem() {
        let e = decode(b"\xff\xff\xff\xff", Some("application/x-protobuf"), None).unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.to_string().contains("protobuf"), "{e}");
        let e = decode(b"{not json", Some("application/json"), None).unwrap_err();
        assert!(e.to_string().contains("OTLP JSON"), "{e}");
        let e = decode(
            br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}"#,
            Some("application/json"),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("traceId"), "{e}");
        let e = decode(b"\x1f\x8b\x08garbage", None, Some("gzip")).unwrap_err();
        assert!(e.to_string().contains("gzip"), "{e}");
        let e = decode(b"x", None, Some("br")).unwrap_err();
        assert_eq!(e.status(), 415);
    }

    #[test]
    fn responses_use_the_request_encoding() {
        assert!(encode_response(Encoding::Protobuf, 0, "").is_empty());
        assert_eq!(encode_response(Encoding::Json, 0, ""), b"{}");
        let pb = encode_response(Encoding::Protobuf, 2, "bad ids");
        let r = ExportTraceServiceResponse::decode(pb.as_slice()).unwrap();
        assert_eq!(r.partial_success.unwrap().rejected_spans, 2);
        let j: Value = serde_json::from_slice(&encode_response(Encoding::Json, 2, "x")).unwrap();
        assert_eq!(j["partialSuccess"]["rejectedSpans"], "2");
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            #[test]
            fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512),
                                        json in any::<bool>(), gz in any::<bool>()) {
                let ct = if json { "application/json" } else { "application/x-protobuf" };
                let enc = if gz { Some("gzip") } else { None };
                if let Ok(req) = decode(&bytes, Some(ct), enc) {
                    let _ = map_request(&req, None, &mut MemoryResolver::default());
                }
            }

            #[test]
            fn mutated_valid_protobuf_never_panics(pos in 0usize..4096, byte in any::<u8>(), cut in 0usize..4096) {
                let req = decode(sample_json().as_bytes(), Some("application/json"), None).unwrap();
                let mut pb = req.encode_to_vec();
                let n = pb.len();
                pb[pos % n] = byte;
                pb.truncate(cut % (n + 1));
                if let Ok(req) = decode(&pb, None, None) {
                    let _ = map_request(&req, Some("p"), &mut MemoryResolver::default());
                }
            }

            #[test]
            fn mutated_valid_json_never_panics(pos in 0usize..4096, ch in proptest::char::any()) {
                let mut s: Vec<char> = sample_json().chars().collect();
                let n = s.len();
                s[pos % n] = ch;
                let s: String = s.into_iter().collect();
                if let Ok(req) = decode(s.as_bytes(), Some("application/json"), None) {
                    let _ = map_request(&req, None, &mut MemoryResolver::default());
                }
            }

            #[test]
            fn arbitrary_attribute_values_map(key in "[a-z_.0-9]{1,30}", sv in ".{0,40}", iv in any::<i64>(), dv in any::<f64>()) {
                let req = request(vec![], vec![span(9, 1, None, 0, vec![
                    s(&key, &sv), i(&format!("{key}.n"), iv), kv(&format!("{key}.d"), any_value::Value::DoubleValue(dv)),
                    s("llm.input_messages.x.message.role", &sv), s("gen_ai.input.messages", &sv), s("tag.tags", &sv),
                ])]);
                let m = map_request(&req, None, &mut MemoryResolver::default());
                prop_assert_eq!(m.spans.len(), 1);
            }
        }
    }
}
