//! OTLP JSON → the prost message, walked by hand so every spelling the spec allows decodes.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use serde_json::{Map, Value};

use opik_model::parse_lenient;

use super::decode::*;
use crate::ServerError;

/// Decode OTLP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). Keys may
/// be lowerCamelCase (the spec) or the proto's snake_case names; unknown keys are ignored.
pub fn decode_json(raw: &[u8]) -> Result<ExportTraceServiceRequest, OtlpError> {
    crate::body_limits::check_json(raw).map_err(|e| match e {
        ServerError::PayloadTooLarge(m) => OtlpError::Limit(m),
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
            if span_count > crate::otlp_limits::MAX_OTLP_SPANS {
                return Err(OtlpError::Limit(format!(
                    "more than {} spans in one request",
                    crate::otlp_limits::MAX_OTLP_SPANS
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

pub(super) fn get<'a>(o: &'a Map<String, Value>, camel: &str, snake: &str) -> Option<&'a Value> {
    o.get(camel)
        .or_else(|| o.get(snake))
        .filter(|v| !v.is_null())
}

pub(super) fn arr<'a>(o: &'a Map<String, Value>, camel: &str, snake: &str) -> &'a [Value] {
    get(o, camel, snake)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(super) fn str_of(o: &Map<String, Value>, camel: &str, snake: &str) -> String {
    get(o, camel, snake)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A 64-bit unsigned integer sent as a number or a decimal string.
pub(super) fn u64_of(o: &Map<String, Value>, camel: &str, snake: &str) -> Result<u64, String> {
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
pub(super) fn id_of(
    o: &Map<String, Value>,
    camel: &str,
    snake: &str,
    len: usize,
) -> Result<Vec<u8>, String> {
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

pub(super) fn enum_of(o: &Map<String, Value>, camel: &str, snake: &str, names: &[&str]) -> i32 {
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

pub(super) fn json_attrs(o: &Map<String, Value>) -> Vec<KeyValue> {
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

pub(super) fn json_any(v: &Value) -> AnyValue {
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

pub(super) fn json_attrs_values(o: &Map<String, Value>) -> Vec<KeyValue> {
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

pub(super) fn plain_json_to_any(v: &Value) -> Option<any_value::Value> {
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

pub(super) fn json_span(o: &Map<String, Value>) -> Result<Span, String> {
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
