//! Rules 5 and 6: LangGraph state and LangChain callbacks (`human` / `ai` typed messages).

use serde_json::Value;

use super::Kind;
use super::js::{arr, field_is, non_empty, str_of};

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
pub(super) fn langgraph(v: &Value, kind: Kind) -> Option<String> {
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
pub(super) fn langchain(v: &Value, kind: Kind) -> Option<String> {
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
