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
//!       (`content: [{type: "text", text}, …]`) gives its text blocks joined by a blank line.
//!   12. **Addition:** Dify's saved prompt messages (`[{role, text, files}, …]`, the input
//!       of its `message_trace`): the last user (input) or assistant (output) `text`; a Dify
//!       LLM node's outputs (`{text, usage, finish_reason}`): `text`.
//!       Additions run last, so every shape the web UI recognises reads the same here.
//! - A result that is itself JSON (a non-empty object, array or string) is re-indented with
//!   two spaces. No result means "not prettified": callers show the raw value as JSON.
//!
//! The web UI evaluates these in JavaScript and a handful of malformed inputs make it throw
//! (e.g. a string inside `choices[]`); here such inputs simply do not match.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

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

// ---------------------------------------------------------------------------------------
// Small JSON helpers mirroring the JavaScript checks.

fn str_of(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

fn non_empty(v: Option<&Value>) -> Option<&str> {
    str_of(v).filter(|s| !s.is_empty())
}

fn arr<'a>(v: &'a Value, key: &str) -> Option<&'a Vec<Value>> {
    v.get(key).and_then(Value::as_array)
}

fn has(v: &Value, key: &str) -> bool {
    v.as_object().is_some_and(|m| m.contains_key(key))
}

fn field_is(v: &Value, key: &str, want: &str) -> bool {
    str_of(v.get(key)) == Some(want)
}

/// lodash `get(obj, path)`: a key present literally wins, else the dotted path is followed.
fn lodash_get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(x) = index_key(v, path) {
        return Some(x);
    }
    if !path.contains('.') {
        return None;
    }
    let mut cur = v;
    for part in path.split('.') {
        cur = index_key(cur, part)?;
    }
    Some(cur)
}

/// Member access that treats arrays as objects keyed by index, as JavaScript does.
fn index_key<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) => m.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    }
}

/// The only value of an object (or one-element array), if it has exactly one.
fn single_value(v: &Value) -> Option<&Value> {
    match v {
        Value::Object(m) if m.len() == 1 => m.values().next(),
        Value::Array(a) if a.len() == 1 => a.first(),
        _ => None,
    }
}

fn last_text_part(parts: &[Value]) -> Option<&Value> {
    parts.iter().rev().find(|c| field_is(c, "type", "text"))
}

// ---------------------------------------------------------------------------------------
// Handlers, in the web UI's order.

/// Rule 2: OpenAI chat completions.
fn openai_chat(v: &Value, kind: Kind) -> Option<String> {
    match kind {
        Kind::Input => {
            let messages = arr(v, "messages")?;
            let last_user = messages
                .iter()
                .rfind(|m| field_is(m, "role", "user") && has(m, "content"))?;
            match last_user.get("content") {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Array(parts)) => {
                    non_empty(last_text_part(parts)?.get("text")).map(str::to_owned)
                }
                _ => None,
            }
        }
        Kind::Output => {
            if let Some(choices) = arr(v, "choices") {
                let last = choices.last()?;
                return non_empty(last.get("message")?.get("content")).map(str::to_owned);
            }
            let messages = arr(v, "messages")?;
            let last = messages
                .iter()
                .rev()
                .find(|m| field_is(m, "role", "assistant"))?;
            non_empty(last.get("content")).map(str::to_owned)
        }
    }
}

/// Rule 3: OpenAI Agents SDK.
fn openai_agents(v: &Value, kind: Kind) -> Option<String> {
    let texts: Vec<&str> = match kind {
        Kind::Input => arr(v, "input")?
            .iter()
            .filter(|m| field_is(m, "role", "user"))
            .filter_map(|m| non_empty(m.get("content")))
            .collect(),
        Kind::Output => arr(v, "output")?
            .iter()
            .filter(|m| field_is(m, "role", "assistant") && field_is(m, "type", "message"))
            .filter_map(|m| m.get("content").and_then(Value::as_array))
            .flatten()
            .filter(|c| field_is(c, "type", "output_text"))
            .filter_map(|c| non_empty(c.get("text")))
            .collect(),
    };
    (!texts.is_empty()).then(|| texts.join(MESSAGES_DIVIDER))
}

/// Rule 4: Google ADK (`google.genai` Content objects).
fn adk(v: &Value, kind: Kind) -> Option<String> {
    let holder = match kind {
        Kind::Input => {
            if !v.is_object() {
                return None;
            }
            if !has(v, "parts") {
                match arr(v, "contents") {
                    Some(contents) => contents.last()?,
                    None => v,
                }
            } else {
                v
            }
        }
        Kind::Output => {
            let content = v.get("content").filter(|c| c.is_object())?;
            content.get("parts").and_then(Value::as_array)?;
            content
        }
    };
    let last = arr(holder, "parts")?.last()?;
    str_of(last.get("text")).map(str::to_owned)
}

/// The last human message of a LangChain/LangGraph message list (string content, or the last
/// non-empty text item of array content).
fn last_human(messages: &[Value]) -> Option<String> {
    messages
        .iter()
        .filter(|m| field_is(m, "type", "human"))
        .filter_map(|m| match m.get("content") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
            Some(Value::Array(parts)) => parts
                .iter()
                .rev()
                .find(|c| field_is(c, "type", "text") && non_empty(c.get("text")).is_some())
                .and_then(|c| str_of(c.get("text"))),
            _ => None,
        })
        .next_back()
        .map(str::to_owned)
}

/// Rule 5: LangGraph state with `messages[]` typed `human` / `ai`.
fn langgraph(v: &Value, kind: Kind) -> Option<String> {
    let messages = arr(v, "messages")?;
    match kind {
        Kind::Input => last_human(messages),
        Kind::Output => messages
            .iter()
            .filter(|m| field_is(m, "type", "ai"))
            .filter_map(|m| match m.get("content") {
                Some(Value::String(s)) => Some(s.as_str()),
                Some(Value::Array(parts)) => {
                    let texts: Vec<&str> = parts
                        .iter()
                        .filter(|c| field_is(c, "type", "text"))
                        .filter_map(|c| non_empty(c.get("text")))
                        .collect();
                    (texts.len() == 1).then(|| texts[0])
                }
                _ => None,
            })
            .next_back()
            .map(str::to_owned),
    }
}

/// Rule 6: LangChain callbacks (`messages: [[…]]`, `generations: [[…]]`), single prompt only.
fn langchain(v: &Value, kind: Kind) -> Option<String> {
    match kind {
        Kind::Input => {
            let messages = arr(v, "messages")?;
            match messages.as_slice() {
                [Value::Array(inner)] => last_human(inner),
                _ => None,
            }
        }
        Kind::Output => {
            let generations = arr(v, "generations")?;
            let [Value::Array(inner)] = generations.as_slice() else {
                return None;
            };
            inner
                .iter()
                .filter(|g| {
                    g.get("message")
                        .and_then(|m| m.get("kwargs"))
                        .is_some_and(|k| field_is(k, "type", "ai"))
                })
                .filter_map(|g| non_empty(g.get("text")))
                .next_back()
                .map(str::to_owned)
        }
    }
}

/// Rule 7: text blocks (`{blocks: [{block_type: "text", text}]}`), also under `output` for outputs.
fn text_blocks(v: &Value, kind: Kind) -> Option<String> {
    let join = |blocks: &Vec<Value>| {
        let texts: Vec<&str> = blocks
            .iter()
            .filter(|b| field_is(b, "block_type", "text"))
            .filter_map(|b| str_of(b.get("text")))
            .filter(|t| !t.trim().is_empty())
            .collect();
        (!texts.is_empty()).then(|| texts.join("\n\n"))
    };
    if let Some(blocks) = arr(v, "blocks") {
        return join(blocks);
    }
    if kind == Kind::Output
        && let Some(blocks) = v
            .get("output")
            .filter(|o| o.is_object())
            .and_then(|o| arr(o, "blocks"))
    {
        return join(blocks);
    }
    None
}

static UNTRUSTED_METADATA_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[^\n]*\(untrusted metadata\):\s*```json\s*\n(?s:.*?)```\s*)+")
        .expect("static regex")
});
static LEADING_TIMESTAMP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[[A-Za-z0-9_\s\-:+/]+\]\s*").expect("static regex"));

/// Rule 8: OpenClaw agent traces.
fn openclaw(v: &Value, kind: Kind) -> Option<String> {
    if !v.is_object() {
        return None;
    }
    match kind {
        Kind::Input => {
            let prompt = str_of(v.get("prompt"))?;
            str_of(v.get("systemPrompt"))?;
            let stripped = UNTRUSTED_METADATA_BLOCK.replace(prompt, "");
            let stripped = LEADING_TIMESTAMP.replace(&stripped, "");
            let stripped = stripped.trim();
            Some(
                if stripped.is_empty() {
                    prompt
                } else {
                    stripped
                }
                .to_owned(),
            )
        }
        Kind::Output => {
            let out = str_of(v.get("output"))?;
            v.get("lastAssistant").filter(|a| a.is_object())?;
            Some(out.to_owned())
        }
    }
}

/// Rule 9: other known shapes (`prompt[]` chats, Gemini `candidates[]`, `output[]` of ai messages).
fn other_shapes(v: &Value, kind: Kind) -> Option<String> {
    if !v.is_object() {
        return None;
    }
    match kind {
        Kind::Input => arr(v, "prompt")?
            .iter()
            .filter(|m| field_is(m, "role", "user"))
            .filter_map(|m| non_empty(m.get("content")))
            .next_back()
            .map(str::to_owned),
        Kind::Output => {
            if let Some(candidates) = arr(v, "candidates")
                && let Some(parts) = candidates
                    .last()
                    .and_then(|c| c.get("content"))
                    .filter(|c| c.is_object())
                    .and_then(|c| arr(c, "parts"))
                && let Some(text) = parts.iter().rev().find_map(|p| non_empty(p.get("text")))
            {
                return Some(text.to_owned());
            }
            arr(v, "output")?
                .iter()
                .filter(|m| field_is(m, "type", "ai"))
                .filter_map(|m| non_empty(m.get("content")))
                .next_back()
                .map(str::to_owned)
        }
    }
}

/// Rule 10: one-key unwrapping and the generic key lists.
fn generic(v: &Value, kind: Kind) -> Option<String> {
    let unwrapped = single_value(v).unwrap_or(v);
    if let Value::String(s) = unwrapped {
        return Some(s.clone());
    }
    if !(unwrapped.is_object() || unwrapped.is_array()) {
        return None;
    }
    if let Some(only) = single_value(unwrapped) {
        return str_of(Some(only)).map(str::to_owned);
    }
    let keys = match kind {
        Kind::Input => INPUT_KEYS,
        Kind::Output => OUTPUT_KEYS,
    };
    keys.iter()
        .find_map(|k| str_of(lodash_get(unwrapped, k)))
        .map(str::to_owned)
}

/// Rule 11 (addition): Anthropic Messages API content blocks.
fn anthropic(v: &Value, _kind: Kind) -> Option<String> {
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
fn dify_prompt(v: &Value, kind: Kind) -> Option<String> {
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

/// OpenInference (Arize/Phoenix instrumentations) message extraction, as the web UI's
/// `lib/openinference.ts` does for its short "pretty" text: flat legacy attributes
/// (`llm.input_messages.0.message.content`) and canonical `{messages: [{role, content}]}`.
pub mod openinference {
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
                LEGACY_KEYS.contains(&k.as_str())
                    || LEGACY_PREFIXES.iter().any(|p| k.starts_with(p))
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
}

// ---------------------------------------------------------------------------------------
// Markdown and JSON detection.

static MARKDOWN_PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(?m)^#{1,6}\s+.+$",
        r"(\*\*|__).+?(\*\*|__)",
        r"(\*|_).+?(\*|_)",
        r"~~.+?~~",
        r"\[.+?\]\(.+?\)",
        r"!\[.+?\]\(.+?\)",
        r"(?m)^(\s*[*\-+]\s+.+)$",
        r"(?m)^(\s*\d+\.\s+.+)$",
        r"(?m)^>\s+.+$",
        r"```[\s\S]*?```",
        r"`[^`]+`",
        r"(?m)^\|.+\|\s*$",
        r"(?m)^[|\-:\s]+$",
        r"(?m)^(\*{3,}|-{3,}|_{3,})$",
        r"(?m)^\s*[*\-+]\s+\[[ xX]\]\s+.+$",
        r"(?m)^.+?\n:\s+.+$",
        r"\[\^.+?\]",
        r"(?m)^\[\^.+?\]:",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("static regex"))
    .collect()
});

/// Whether the web UI would render `s` as markdown (`isStringMarkdown`): at least 3
/// characters, not a JSON object/array, and any common markdown construct present. The test
/// is deliberately permissive, as the web UI's is.
pub fn looks_like_markdown(s: &str) -> bool {
    if s.chars().count() < 3 || looks_like_json(s) {
        return false;
    }
    MARKDOWN_PATTERNS.iter().any(|re| re.is_match(s))
}

/// Whether `s` is a JSON object or array (`{…}` / `[…]` that parses).
pub fn looks_like_json(s: &str) -> bool {
    let t = s.trim();
    ((t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']')))
        && serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok()
}

/// How a message body should be displayed.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Extracted text that looks like markdown.
    Markdown(String),
    /// Extracted text shown as wrapped plain text.
    Plain(String),
    /// Extracted text that is JSON (re-indented): shown highlighted.
    Json(String),
    /// Nothing could be extracted: the raw value, shown as collapsible pretty JSON.
    Raw(Value),
    /// The side is absent or null.
    Empty,
}

/// Classify a trace field for display: extract, then pick markdown / JSON / plain / raw.
pub fn body(value: Option<&Value>, kind: Kind) -> Body {
    match value {
        None | Some(Value::Null) => Body::Empty,
        Some(v) => body_from(v, prettify(v, kind)),
    }
}

/// Classify with an already extracted text (e.g. from [`prettify_trace_field`]).
pub fn body_from(raw: &Value, extracted: Option<String>) -> Body {
    match extracted {
        None => match raw {
            Value::Object(m) if m.is_empty() => Body::Empty,
            _ => Body::Raw(raw.clone()),
        },
        Some(t) if looks_like_json(&t) => Body::Json(t),
        Some(t) if looks_like_markdown(&t) => Body::Markdown(t),
        Some(t) => Body::Plain(t),
    }
}

/// One-line preview of a thread's first/last message for table cells.
pub fn preview(value: Option<&Value>, kind: Kind) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(v) => match prettify(v, kind) {
            Some(t) => crate::render::sanitize::one_line(&t),
            None => crate::render::sanitize::one_line(&v.to_string()),
        },
    }
}

#[cfg(test)]
mod tests;
