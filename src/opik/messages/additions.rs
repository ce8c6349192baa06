//! Rules 11 and 12, additions to the web UI's rules (they run last): Anthropic Messages
//! content blocks and Dify's saved prompt messages / LLM node outputs.

use serde_json::Value;

use super::Kind;
use super::js::{arr, field_is, has, non_empty, single_value};

/// Rule 11 (addition): Anthropic Messages API content blocks: text blocks and tool calls in
/// their order, joined by a blank line. A `tool_use` block reads as the web UI shows an OpenAI
/// tool call: its name, then its input as indented JSON in a code block.
pub(super) fn anthropic(v: &Value, _kind: Kind) -> Option<String> {
    let blocks = arr(v, "content")?;
    let parts: Vec<String> = blocks
        .iter()
        .filter_map(|b| {
            if field_is(b, "type", "text") {
                non_empty(b.get("text")).map(str::to_owned)
            } else if field_is(b, "type", "tool_use") {
                tool_use(b)
            } else {
                None
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// `**Tool call** `get_weather`` and its input in a `json` code block; `None` without a name.
fn tool_use(block: &Value) -> Option<String> {
    let name = non_empty(block.get("name"))?.replace('`', "'");
    let input = block.get("input").unwrap_or(&Value::Null);
    let json = serde_json::to_string_pretty(input).unwrap_or_else(|_| input.to_string());
    Some(format!(
        "**Tool call** `{name}`\n\n{}",
        crate::render::markdown::nest::fenced(&json, "json")
    ))
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
