//! Rules 2 and 3: OpenAI chat completions and the OpenAI Agents SDK.

use serde_json::Value;

use super::js::{arr, field_is, has, last_text_part, non_empty};
use super::{Kind, MESSAGES_DIVIDER};

/// Rule 2: OpenAI chat completions.
pub(super) fn openai_chat(v: &Value, kind: Kind) -> Option<String> {
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
pub(super) fn openai_agents(v: &Value, kind: Kind) -> Option<String> {
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
