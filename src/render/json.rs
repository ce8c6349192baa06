//! JSON shown in the terminal: pretty-printed, coloured with the theme's `json_*` styles, and
//! optionally folded below a depth (the "collapsible pretty JSON" of the conversation view).
//!
//! A small hand-written tokenizer colours JSON text line by line (keys, strings, numbers,
//! booleans, null, punctuation); it is much faster than syntect on large values and follows
//! the UI theme exactly. Anything that is not valid JSON is still shown, just less coloured.
//! All text is sanitised.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::render::sanitize::sanitize;
use crate::theme::Theme;

/// Two-space pretty JSON (as the web UI's `JSON.stringify(v, null, 2)`).
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// Colour JSON text (any indentation), one output line per input line.
pub fn highlight_text(text: &str, theme: &Theme) -> Vec<Line<'static>> {
    let clean = sanitize(text);
    clean
        .trim_end_matches('\n')
        .split('\n')
        .map(|l| highlight_line(l, theme))
        .collect()
}

/// Pretty-print and colour a value.
pub fn render_value(v: &Value, theme: &Theme) -> Vec<Line<'static>> {
    highlight_text(&pretty(v), theme)
}

fn highlight_line(line: &str, theme: &Theme) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let push = |spans: &mut Vec<Span<'static>>, s: String, st: Style| {
        if !s.is_empty() {
            spans.push(Span::styled(s, st));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() {
                match chars[i] {
                    '\\' => i += 2,
                    '"' => {
                        i += 1;
                        break;
                    }
                    _ => i += 1,
                }
            }
            let end = i.min(chars.len());
            let s: String = chars[start..end].iter().collect();
            let mut j = end;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let is_key = j < chars.len() && chars[j] == ':';
            push(
                &mut spans,
                s,
                if is_key {
                    theme.json_key
                } else {
                    theme.json_string
                },
            );
            i = end;
        } else if c == '-' || c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || "+-.eE".contains(chars[i])) {
                i += 1;
            }
            push(
                &mut spans,
                chars[start..i].iter().collect(),
                theme.json_number,
            );
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let st = match word.as_str() {
                "true" | "false" => theme.json_bool,
                "null" => theme.json_null,
                "NaN" | "Infinity" => theme.json_number,
                _ => theme.text,
            };
            push(&mut spans, word, st);
        } else if c == ' ' {
            let start = i;
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            push(&mut spans, chars[start..i].iter().collect(), theme.text);
        } else {
            let st = if "{}[],:".contains(c) {
                theme.json_punct
            } else {
                theme.text
            };
            push(&mut spans, c.to_string(), st);
            i += 1;
        }
    }
    Line::from(spans)
}

/// Pretty JSON folded below `max_depth` (containers deeper than that show `{…} N keys` /
/// `[…] N items`). `None` shows everything.
pub fn render_folded(v: &Value, max_depth: Option<usize>, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    write_value(v, 0, max_depth, theme, &mut cur, &mut out);
    if !cur.is_empty() {
        out.push(Line::from(cur));
    }
    out
}

fn scalar_span(v: &Value, theme: &Theme) -> Span<'static> {
    match v {
        Value::Null => Span::styled("null", theme.json_null),
        Value::Bool(b) => Span::styled(b.to_string(), theme.json_bool),
        Value::Number(n) => Span::styled(n.to_string(), theme.json_number),
        Value::String(_) => Span::styled(sanitize(&v.to_string()).into_owned(), theme.json_string),
        _ => Span::raw(""),
    }
}

fn write_value(
    v: &Value,
    depth: usize,
    max_depth: Option<usize>,
    theme: &Theme,
    cur: &mut Vec<Span<'static>>,
    out: &mut Vec<Line<'static>>,
) {
    let indent = |d: usize| Span::styled("  ".repeat(d), theme.text);
    let (open, close, len) = match v {
        Value::Object(m) => ("{", "}", m.len()),
        Value::Array(a) => ("[", "]", a.len()),
        _ => {
            cur.push(scalar_span(v, theme));
            return;
        }
    };
    if len == 0 {
        cur.push(Span::styled(format!("{open}{close}"), theme.json_punct));
        return;
    }
    if max_depth.is_some_and(|m| depth >= m) {
        let what = if v.is_object() {
            if len == 1 { "key" } else { "keys" }
        } else if len == 1 {
            "item"
        } else {
            "items"
        };
        cur.push(Span::styled(format!("{open}…{close}"), theme.json_punct));
        cur.push(Span::styled(format!(" {len} {what}"), theme.dim));
        return;
    }
    cur.push(Span::styled(open, theme.json_punct));
    out.push(Line::from(std::mem::take(cur)));
    let entries: Vec<(Option<&String>, &Value)> = match v {
        Value::Object(m) => m.iter().map(|(k, v)| (Some(k), v)).collect(),
        Value::Array(a) => a.iter().map(|v| (None, v)).collect(),
        _ => Vec::new(),
    };
    let n = entries.len();
    for (i, (k, child)) in entries.into_iter().enumerate() {
        cur.push(indent(depth + 1));
        if let Some(k) = k {
            let key = serde_json::to_string(k).unwrap_or_default();
            cur.push(Span::styled(sanitize(&key).into_owned(), theme.json_key));
            cur.push(Span::styled(": ", theme.json_punct));
        }
        write_value(child, depth + 1, max_depth, theme, cur, out);
        if i + 1 < n {
            cur.push(Span::styled(",", theme.json_punct));
        }
        out.push(Line::from(std::mem::take(cur)));
    }
    cur.push(indent(depth));
    cur.push(Span::styled(close, theme.json_punct));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::render::lines::plain;

    #[test]
    fn keys_strings_numbers_coloured() {
        let theme = Theme::dark();
        let lines = render_value(&json!({"a": "x", "n": 1.5, "b": true, "z": null}), &theme);
        let find = |t: &str| {
            lines
                .iter()
                .flat_map(|l| l.spans.iter())
                .find(|s| s.content == t)
                .map(|s| s.style)
        };
        assert_eq!(find("\"a\""), Some(theme.json_key));
        assert_eq!(find("\"x\""), Some(theme.json_string));
        assert_eq!(find("1.5"), Some(theme.json_number));
        assert_eq!(find("true"), Some(theme.json_bool));
        assert_eq!(find("null"), Some(theme.json_null));
    }

    #[test]
    fn folded_matches_pretty_when_unfolded() {
        let theme = Theme::dark();
        let v = json!({"a": [1, 2, {"b": "c"}], "d": {}, "e": []});
        assert_eq!(plain(&render_folded(&v, None, &theme)), pretty(&v));
    }

    #[test]
    fn folding_summarises_deep_containers() {
        let theme = Theme::dark();
        let v = json!({"a": [1, 2], "b": {"c": 1}, "s": "x"});
        let text = plain(&render_folded(&v, Some(1), &theme));
        assert_eq!(
            text,
            "{\n  \"a\": […] 2 items,\n  \"b\": {…} 1 key,\n  \"s\": \"x\"\n}"
        );
    }

    #[test]
    fn pretty_and_folded_keep_the_senders_key_order() {
        let theme = Theme::dark();
        let v: Value = serde_json::from_str(
            r#"{"user_message":"hi","thread_id":"t","zeta":{"z":1,"a":[{"y":1,"b":2}]},"alpha":0}"#,
        )
        .unwrap();
        let expected = "{\n  \"user_message\": \"hi\",\n  \"thread_id\": \"t\",\n  \"zeta\": {\n    \"z\": 1,\n    \"a\": [\n      {\n        \"y\": 1,\n        \"b\": 2\n      }\n    ]\n  },\n  \"alpha\": 0\n}";
        assert_eq!(pretty(&v), expected);
        assert_eq!(plain(&render_value(&v, &theme)), expected);
        assert_eq!(plain(&render_folded(&v, None, &theme)), expected);
        assert_eq!(
            plain(&render_folded(&v, Some(1), &theme)),
            "{\n  \"user_message\": \"hi\",\n  \"thread_id\": \"t\",\n  \"zeta\": {…} 2 keys,\n  \"alpha\": 0\n}"
        );
    }

    #[test]
    fn escapes_in_strings_never_reach_the_screen() {
        let theme = Theme::dark();
        let text = plain(&highlight_text("{\"a\": \"\u{1b}[2Jboom\"}", &theme));
        assert!(!text.contains('\u{1b}'));
    }
}
