//! How an extracted message is shown: markdown and JSON detection (as the web UI's
//! `isStringMarkdown`), the [`Body`] classification and one-line previews.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{Kind, prettify};

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

/// Classify with an already extracted text (e.g. from [`prettify_trace_field`](super::prettify_trace_field)).
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
