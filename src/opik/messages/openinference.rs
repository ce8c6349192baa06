//! OpenInference (Arize/Phoenix instrumentations) message extraction, as the web UI's
//! `lib/openinference.ts` does for its short "pretty" text: flat legacy attributes
//! (`llm.input_messages.0.message.content`) and canonical `{messages: [{role, content}]}`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Kind;

const LEGACY_PREFIXES: &[&str] = &[
    "llm.input_messages.",
    "llm.output_messages.",
    "llm.prompts.",
    "llm.choices.",
    "llm.tools.",
];
const LEGACY_KEYS: &[&str] = &[
    "openinference.span.kind",
    "llm.finish_reason",
    "llm.function_call",
];

/// The value is an object carrying flat OpenInference attributes.
pub fn has_legacy_attributes(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.keys().any(|k| {
            LEGACY_KEYS.contains(&k.as_str()) || LEGACY_PREFIXES.iter().any(|p| k.starts_with(p))
        })
    })
}

/// The value carries flat output attributes (older ingestion stored them with the input).
pub fn has_legacy_output_attributes(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.keys().any(|k| {
            k.starts_with("llm.output_messages.")
                || k.starts_with("llm.choices.")
                || k == "llm.finish_reason"
                || k == "llm.function_call"
        })
    })
}

#[derive(Default, Debug)]
struct Msg {
    role: Option<String>,
    content: Option<Value>,
    contents: BTreeMap<u64, String>,
}

impl Msg {
    fn text(&self) -> Option<String> {
        if let Some(Value::String(s)) = &self.content
            && !s.is_empty()
        {
            return Some(s.clone());
        }
        let visible: Vec<&str> = self
            .contents
            .values()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        (!visible.is_empty()).then(|| visible.join("\n\n"))
    }
}

fn canonical_contents(v: &Value) -> BTreeMap<u64, String> {
    let mut out = BTreeMap::new();
    if let Some(items) = v.get("contents").and_then(Value::as_array) {
        for (i, c) in items.iter().enumerate() {
            let text = c.get("text").and_then(Value::as_str).or_else(|| {
                c.get("audio")
                    .and_then(|a| a.get("transcript"))
                    .and_then(Value::as_str)
            });
            if let Some(t) = text {
                out.insert(i as u64, t.to_owned());
            }
        }
    }
    out
}

fn texts(v: &Value, key: &str) -> Vec<String> {
    let legacy = if key == "prompts" {
        "prompt.text"
    } else {
        "completion.text"
    };
    v.get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|it| match it {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o
                        .get("text")
                        .and_then(Value::as_str)
                        .or_else(|| o.get(legacy).and_then(Value::as_str))
                        .map(str::to_owned),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Collect messages, completions and the `value` fallback from one side.
fn parse(v: &Value, kind: Kind) -> (Vec<Msg>, Vec<String>, Option<String>) {
    let side = match kind {
        Kind::Input => "input",
        Kind::Output => "output",
    };
    let mut messages: Vec<Msg> = Vec::new();
    if let Some(items) = v.get("messages").and_then(Value::as_array) {
        for m in items.iter().filter(|m| m.is_object()) {
            let msg = Msg {
                role: m.get("role").and_then(Value::as_str).map(str::to_owned),
                content: m.get("content").cloned(),
                contents: canonical_contents(m),
            };
            if msg.role.is_some() || msg.content.is_some() || !msg.contents.is_empty() {
                messages.push(msg);
            }
        }
    }
    let mut legacy: BTreeMap<u64, Msg> = BTreeMap::new();
    let mut completions: BTreeMap<u64, String> = BTreeMap::new();
    let msg_prefix = format!("llm.{side}_messages.");
    let (list_prefix, list_suffix) = match kind {
        Kind::Input => ("llm.prompts.", ".prompt.text"),
        Kind::Output => ("llm.choices.", ".completion.text"),
    };
    if let Some(obj) = v.as_object() {
        for (k, val) in obj {
            if let Some(rest) = k.strip_prefix(&msg_prefix) {
                let Some((idx, path)) = rest.split_once(".message.") else {
                    continue;
                };
                let Ok(idx) = idx.parse::<u64>() else {
                    continue;
                };
                let msg = legacy.entry(idx).or_default();
                match path {
                    "role" => msg.role = val.as_str().map(str::to_owned),
                    "content" => msg.content = Some(val.clone()),
                    _ => {
                        if let Some(c) = path.strip_prefix("contents.")
                            && let Some((ci, field)) = c.split_once('.')
                            && let Ok(ci) = ci.parse::<u64>()
                            && (field == "message_content.text"
                                || field == "message_content.audio.audio.transcript")
                            && let Some(t) = val.as_str()
                        {
                            msg.contents.insert(ci, t.to_owned());
                        }
                    }
                }
            } else if let Some(rest) = k.strip_prefix(list_prefix)
                && let Some(idx) = rest.strip_suffix(list_suffix)
                && let Ok(idx) = idx.parse::<u64>()
                && let Some(t) = val.as_str()
            {
                completions.insert(idx, t.to_owned());
            }
        }
    }
    messages.extend(legacy.into_values());
    let mut list = texts(
        v,
        if kind == Kind::Input {
            "prompts"
        } else {
            "choices"
        },
    );
    list.extend(completions.into_values());
    let fallback = match v {
        Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_owned),
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    (messages, list, fallback)
}

fn pick(
    messages: &[Msg],
    completions: &[String],
    fallback: Option<String>,
    kind: Kind,
) -> Option<String> {
    let roles: &[&str] = match kind {
        Kind::Input => &["user", "human"],
        Kind::Output => &["assistant", "model", "ai", "agent"],
    };
    let preferred = messages
        .iter()
        .rev()
        .find(|m| {
            m.role
                .as_deref()
                .is_some_and(|r| roles.contains(&r.to_lowercase().as_str()))
        })
        .or(messages.last());
    if let Some(t) = preferred.and_then(Msg::text) {
        return Some(t);
    }
    if let Some(last) = completions.last() {
        return Some(last.clone());
    }
    fallback
}

/// The short text of an OpenInference-shaped value, if it has role-based messages,
/// completions or flat attributes.
pub fn pretty_text(v: &Value, kind: Kind) -> Option<String> {
    let role_based = v
        .get("messages")
        .and_then(Value::as_array)
        .is_some_and(|ms| {
            ms.iter()
                .any(|m| m.get("role").is_some_and(Value::is_string))
        });
    let completion = !texts(v, "prompts").is_empty() || !texts(v, "choices").is_empty();
    if !role_based && !completion && !has_legacy_attributes(v) {
        return None;
    }
    let (messages, completions, fallback) = parse(v, kind);
    pick(&messages, &completions, fallback, kind)
}

/// Output text recovered from flat output attributes stored alongside the input.
pub fn legacy_output_text(input: &Value) -> Option<String> {
    if !has_legacy_output_attributes(input) {
        return None;
    }
    let (messages, completions, _) = parse(input, Kind::Output);
    pick(&messages, &completions, None, Kind::Output)
}

/// `isOpenInferenceField(data, type, hinted = true)`.
pub fn is_field(v: &Value, kind: Kind) -> bool {
    if has_legacy_attributes(v) {
        return true;
    }
    let Some(obj) = v.as_object() else {
        return false;
    };
    if obj
        .get("messages")
        .and_then(Value::as_array)
        .is_some_and(|ms| ms.iter().any(Value::is_object))
    {
        return true;
    }
    match kind {
        Kind::Input => {
            !texts(v, "prompts").is_empty()
                || obj
                    .get("tools")
                    .and_then(Value::as_array)
                    .is_some_and(|t| !t.is_empty())
        }
        Kind::Output => !texts(v, "choices").is_empty() || obj.contains_key("function_call"),
    }
}
