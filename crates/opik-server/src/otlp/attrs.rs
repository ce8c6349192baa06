//! OTLP attribute values → JSON, text, numbers and times; chat messages from indexed and
//! GenAI attributes (the pieces [`super::map`] puts together).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use serde_json::{Map, Value, json};

use opik_model::parse_lenient;

pub(super) fn find<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

pub(super) fn thread_of(attrs: &[KeyValue]) -> Option<String> {
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
pub(super) fn any_str(v: &AnyValue) -> Option<String> {
    match v.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        any_value::Value::IntValue(i) => Some(i.to_string()),
        any_value::Value::DoubleValue(d) => Some(d.to_string()),
        any_value::Value::BoolValue(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn any_i64(v: &AnyValue) -> Option<i64> {
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
pub(super) fn any_json(v: &AnyValue) -> Value {
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
pub(super) fn json_text(s: &str) -> Value {
    let t = s.trim_start();
    if (t.starts_with('{') || t.starts_with('['))
        && let Ok(v) = parse_lenient::<Value>(t.as_bytes())
    {
        return v;
    }
    Value::String(s.to_string())
}

pub(super) fn nanos_to_time(ns: u64) -> Option<DateTime<Utc>> {
    if ns == 0 {
        return None;
    }
    let secs = (ns / 1_000_000_000) as i64;
    // Microsecond precision, as Opik stores it.
    let nanos = ((ns % 1_000_000_000) / 1000 * 1000) as u32;
    DateTime::from_timestamp(secs, nanos)
}

/// Chat messages collected from indexed attributes (`prefix.N.…`).
#[derive(Default)]
pub(super) struct Msg {
    role: Option<String>,
    content: Option<Value>,
    parts: BTreeMap<usize, String>,
    extra: Map<String, Value>,
}

pub(super) fn push_msg_attr(msgs: &mut BTreeMap<usize, Msg>, rest: &str, v: &AnyValue) -> bool {
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

pub(super) fn msgs_to_json(msgs: BTreeMap<usize, Msg>) -> Vec<Value> {
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
pub(super) fn genai_messages(v: &Value) -> Option<Vec<Value>> {
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
pub(super) fn with_messages(base: Option<Value>, key: &str, msgs: Vec<Value>) -> Option<Value> {
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
pub(super) fn value_object(v: Value, key: &str) -> Value {
    match v {
        Value::Object(_) => v,
        other => json!({ key: other }),
    }
}
