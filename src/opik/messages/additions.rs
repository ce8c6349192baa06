//! Rules 11 and 12, additions to the web UI's rules (they run last): Anthropic Messages
//! content blocks and Dify's saved prompt messages / LLM node outputs.

use serde_json::Value;

use super::Kind;
use super::js::{arr, field_is, has, non_empty, single_value};

/// Rule 11 (addition): Anthropic Messages API content blocks.
pub(super) fn anthropic(v: &Value, _kind: Kind) -> Option<String> {
    let blocks = arr(v, "content")?;
    let texts: Vec<&str> = blocks
        .iter()
        .filter(|b| field_is(b, "type", "text"))
        .filter_map(|b| non_empty(b.get("text")))
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n\n"))
}

/// Rule 12 (addition): Dify's saved prompt messages (`message_trace` input, also under a
/// single `input` key on its `llm` span): `[{role, text, files}, …]` with the system prompt
/// and earlier turns first; the user's query is the last `user` message's `text`, and for
/// outputs the last `assistant` one. An LLM node's outputs (`{text, usage, …}`) give `text`.
pub(super) fn dify_prompt(v: &Value, kind: Kind) -> Option<String> {
    // A Dify LLM node's outputs: `{text, usage: {…}, finish_reason}`.
    if kind == Kind::Output
        && v.get("usage").is_some_and(Value::is_object)
        && let Some(t) = non_empty(v.get("text"))
    {
        return Some(t.to_owned());
    }
    let list = match v {
        Value::Array(a) => a,
        Value::Object(_) => single_value(v)?.as_array()?,
        _ => return None,
    };
    let want = match kind {
        Kind::Input => "user",
        Kind::Output => "assistant",
    };
    list.iter()
        .rfind(|m| field_is(m, "role", want) && has(m, "text"))
        .and_then(|m| non_empty(m.get("text")))
        .map(str::to_owned)
}
