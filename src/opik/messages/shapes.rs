//! Rules 7 to 9: text blocks (Opik's demo project), OpenClaw agent traces and other known
//! shapes (`prompt[]` chats, Gemini `candidates[]`, `output[]` of ai messages).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::Kind;
use super::js::{arr, field_is, non_empty, str_of};

/// Rule 7: text blocks (`{blocks: [{block_type: "text", text}]}`), also under `output` for outputs.
pub(super) fn text_blocks(v: &Value, kind: Kind) -> Option<String> {
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
pub(super) fn openclaw(v: &Value, kind: Kind) -> Option<String> {
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
pub(super) fn other_shapes(v: &Value, kind: Kind) -> Option<String> {
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
