//! Rule 4: Google ADK (`google.genai` Content objects).

use serde_json::Value;

use super::Kind;
use super::js::{arr, has, str_of};

/// Rule 4: Google ADK (`google.genai` Content objects).
pub(super) fn adk(v: &Value, kind: Kind) -> Option<String> {
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
