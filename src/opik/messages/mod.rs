//! Readable message text from a trace's input or output, extracted the way Opik's web UI does.
//!
//! Opik's frontend (`apps/opik-frontend/src/lib/traces.ts`, `prettifyMessage`) turns the raw
//! JSON a trace carries into the one string a reviewer reads: the thread view, the "pretty"
//! input/output mode and the thread table cells all use it. [`prettify`] reproduces it so the
//! terminal shows the same words as the browser. The rules, in the order they are tried:
//!
//! - **Scalars.** Numbers and booleans become their string form. A non-blank string is used as
//!   it is, except that a string containing `"field":"…"` (the backend truncates large values
//!   and returns cut-off JSON as a string) yields that field's value
//!   ([`extract_from_truncated_json`]): inputs try `question, message, query, prompt, input,
//!   text, content`; outputs `answer, output, response, reply`.
//! - **Objects** go through handlers, first string wins (an empty string stops the chain but
//!   counts as "no message"):
//!   1. OpenInference attributes (`llm.input_messages.N.message.*`, canonical `messages[]`,
//!      `prompts`/`choices`) when hinted: the last user/human (input) or
//!      assistant/model/ai/agent (output) message ([`openinference`]);
//!   2. OpenAI chat: input `messages[]` → last `role == "user"`, its string content or its
//!      last `type: "text"` part; output `choices[]` → last choice's `message.content`;
//!      output `messages[]` → last assistant message with string content;
//!   3. OpenAI Agents: input `input[]` → all user string contents; output `output[]` →
//!      `output_text` parts of assistant `type: "message"` items; joined with a divider;
//!   4. Google ADK: input `parts` (or last of `contents[]`) → last part's `text`; output
//!      `content.parts` → last part's `text`;
//!   5. LangGraph: `messages[]` by `type`; input → last `human`, output → last `ai` (array
//!      content only when it has exactly one text item);
//!   6. LangChain: input `messages: [[…]]` → last human; output `generations: [[…]]` → last
//!      item with `message.kwargs.type == "ai"`, its `text`;
//!   7. Text blocks (Opik's demo project): `blocks[]` (output also `output.blocks`) with
//!      `block_type: "text"`, joined by a blank line;
//!   8. OpenClaw: `{prompt, systemPrompt}` → the prompt without its leading untrusted-metadata
//!      blocks and timestamp; output `{output: string, lastAssistant}` → output;
//!   9. Other shapes: input `prompt[]` → last user message; output `candidates[]` (Gemini) →
//!      last text part; output `output[]` → last `type: "ai"` message;
//!   10. Generic: an object with one key is unwrapped (arrays count by index); a string is the
//!       message; an object with one string-valued key gives that value; otherwise the first
//!       string at the key list ([`INPUT_KEYS`] / [`OUTPUT_KEYS`], lodash-style paths, so
//!       Dify's `sys.query` works both as a literal key and as a path).
//!   11. **Addition (not in the web UI):** an Anthropic Messages response or message
//!       (`content: [{type: "text", text}, …]`) gives its text blocks and tool calls
//!       (`tool_use`: its name, then its input as JSON in a code block, as the web UI shows
//!       an OpenAI tool call) in order, joined by a blank line.
//!   12. **Addition:** Dify's saved prompt messages (`[{role, text, files}, …]`, the input
//!       of its `message_trace`): the last user (input) or assistant (output) `text`; a Dify
//!       LLM node's outputs (`{text, usage, finish_reason}`): `text`.
//!       Additions run last, so every shape the web UI recognises reads the same here.
//! - A result that is itself JSON (a non-empty object, array or string) is re-indented with
//!   two spaces. No result means "not prettified": callers show the raw value as JSON.
//!
//! The web UI evaluates these in JavaScript and a handful of malformed inputs make it throw
//! (e.g. a string inside `choices[]`); here such inputs simply do not match.

mod additions;
mod body;
mod generic;
mod google;
mod js;
mod langchain;
mod openai;
pub mod openinference;
mod shapes;

use serde_json::Value;

pub use body::{Body, body, body_from, looks_like_json, looks_like_markdown, preview};

use additions::{anthropic, dify_prompt};
use generic::generic;
use google::adk;
use langchain::{langchain, langgraph};
use openai::{openai_agents, openai_chat};
use shapes::{openclaw, other_shapes, text_blocks};

/// Which side of a trace a value is: it selects the handlers and key lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Input,
    Output,
}

/// Extra context the web UI passes along (`PrettifyMessageConfig`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The trace's metadata or fields say it was logged by an OpenInference integration.
    pub openinference_hint: bool,
    /// For outputs: the trace's input, where older ingestion stored output attributes.
    pub openinference_input: Option<&'a Value>,
}

/// Divider between several joined messages (OpenAI Agents), as in the web UI.
pub const MESSAGES_DIVIDER: &str = "\n\n  ----------------- \n\n";

/// Generic input keys, in priority order (lodash `get` paths).
pub const INPUT_KEYS: &[&str] = &[
    "question",
    "message",
    "messages",
    "user_input",
    "user_text",
    "query",
    "input_prompt",
    "prompt",
    "sys.query",
    "contents",
    "user_payload",
    "user_query",
    "input",
    "text",
    "query.body.question",
    "content",
];

/// Generic output keys, in priority order.
pub const OUTPUT_KEYS: &[&str] = &[
    "answer",
    "output",
    "response",
    "reply",
    "final_output",
    "answer.answer",
];

/// Fields looked for inside cut-off JSON strings.
const TRUNCATED_INPUT_FIELDS: &[&str] = &[
    "question", "message", "query", "prompt", "input", "text", "content",
];
const TRUNCATED_OUTPUT_FIELDS: &[&str] = &["answer", "output", "response", "reply"];

/// Extract the readable message of `value`, or `None` when the web UI would not prettify it
/// (then show the raw value as JSON).
pub fn prettify(value: &Value, kind: Kind) -> Option<String> {
    prettify_with(value, kind, &Context::default())
}

/// The same for a trace field: `metadata` / the other side decide the OpenInference hint, as
/// the web UI's `prettifyTraceField` does.
pub fn prettify_trace_field(
    input: Option<&Value>,
    output: Option<&Value>,
    metadata: Option<&Value>,
    kind: Kind,
) -> Option<String> {
    let hint = metadata
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key("openinference.span.kind"))
        || input.is_some_and(openinference::has_legacy_attributes)
        || output.is_some_and(openinference::has_legacy_attributes);
    let ctx = Context {
        openinference_hint: hint,
        openinference_input: if kind == Kind::Output { input } else { None },
    };
    let value = match kind {
        Kind::Input => input,
        Kind::Output => output,
    }?;
    prettify_with(value, kind, &ctx)
}

/// The full extraction with an explicit [`Context`].
pub fn prettify_with(value: &Value, kind: Kind, ctx: &Context<'_>) -> Option<String> {
    match value {
        Value::Number(n) => return Some(js_number(n)),
        Value::Bool(b) => return Some(b.to_string()),
        Value::String(s) if !s.trim().is_empty() => {
            return Some(extract_from_truncated_json(s, kind).unwrap_or_else(|| s.clone()));
        }
        _ => {}
    }
    let mut found = None;
    if ctx.openinference_hint
        || openinference::has_legacy_attributes(value)
        || ctx
            .openinference_input
            .is_some_and(openinference::has_legacy_attributes)
    {
        found = openinference::pretty_text(value, kind);
    }
    let handlers: [fn(&Value, Kind) -> Option<String>; 11] = [
        openai_chat,
        openai_agents,
        adk,
        langgraph,
        langchain,
        text_blocks,
        openclaw,
        other_shapes,
        generic,
        anthropic,
        dify_prompt,
    ];
    for handler in handlers {
        if found.is_some() {
            break;
        }
        found = handler(value, kind);
    }
    if found.as_deref().is_none_or(|s| s.trim().is_empty())
        && kind == Kind::Output
        && ctx
            .openinference_input
            .is_some_and(openinference::has_legacy_output_attributes)
        && !openinference::is_field(value, Kind::Output)
    {
        found = ctx
            .openinference_input
            .and_then(openinference::legacy_output_text);
    }
    let text = found.filter(|s| !s.is_empty())?;
    Some(reindent_json(text))
}

/// `String(n)` as JavaScript prints it: whole floats without a fraction.
fn js_number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
        _ => n.to_string(),
    }
}

/// A string that parses as a non-empty JSON object, array or string is re-indented.
fn reindent_json(text: String) -> String {
    match serde_json::from_str::<Value>(&text) {
        Ok(v) if is_non_empty(&v) => serde_json::to_string_pretty(&v).unwrap_or(text),
        _ => text,
    }
}

fn is_non_empty(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::String(s) => !s.is_empty(),
        _ => false,
    }
}

/// The cut-off JSON rule: find `"field":"` for the side's fields in order and decode the
/// string value that follows, if it is complete and non-empty.
pub fn extract_from_truncated_json(s: &str, kind: Kind) -> Option<String> {
    let fields = match kind {
        Kind::Input => TRUNCATED_INPUT_FIELDS,
        Kind::Output => TRUNCATED_OUTPUT_FIELDS,
    };
    let bytes = s.as_bytes();
    for field in fields {
        let needle = format!("\"{field}\":\"");
        let Some(idx) = s.find(&needle) else { continue };
        let start = idx + needle.len();
        let mut i = start;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        if i <= start || i >= bytes.len() {
            continue;
        }
        let literal = format!("\"{}\"", &s[start..i]);
        if let Ok(decoded) = serde_json::from_str::<String>(&literal) {
            return Some(decoded);
        }
    }
    None
}

#[cfg(test)]
mod tests;
