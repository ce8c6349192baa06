//! Opik's filter-string language (the SDK's "OQL"), parsed into wire [`Filter`]s.
//!
//! `name = "x" and duration > 500 and tags contains "prod"`, `metadata.k = "v"`,
//! `feedback_scores.relevance >= 0.5`, `feedback_scores."my score" is_not_empty`,
//! `environment in ("prod", "staging")`. Same rules as the Python SDK 2.2.122: only `AND`
//! (`OR` is rejected), string values must be double-quoted (`""` escapes a quote), numbers may
//! be bare, operators are checked against the field's type for known fields, unknown fields
//! pass as strings (the server validates them). The TUI's filter prompt (`f`) uses this, and
//! errors carry the character position so the prompt can point at it. Durations are in
//! milliseconds, as in Opik (`duration > 500` is over half a second).

use crate::opik::model::Filter;

/// The line under the filter prompt: an example, and the unit people get wrong.
pub const PROMPT_HINT: &str = "e.g. name = \"chat\" and duration > 500 and tags contains \"prod\" · duration is in ms (500 = 0.5 s) · Enter applies, Esc clears";

/// Which entity a filter string is for (the known fields and their types differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Traces,
    Spans,
    Threads,
}

/// A parse error: what is wrong, and where (a char offset into the input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {})", position + 1)]
pub struct FilterError {
    pub message: String,
    pub position: usize,
}

const STRING_OPS: &[&str] = &[
    "=",
    "!=",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    ">",
    "<",
];
const DATE_OPS: &[&str] = &["=", "!=", ">", ">=", "<", "<="];
const NUMBER_OPS: &[&str] = &["=", "!=", ">", ">=", "<", "<="];
const SCORE_OPS: &[&str] = &["=", "!=", ">", ">=", "<", "<=", "is_empty", "is_not_empty"];
const LIST_OPS: &[&str] = &[
    "=",
    "!=",
    "contains",
    "not_contains",
    "is_empty",
    "is_not_empty",
];
const DICT_OPS: &[&str] = &[
    "=",
    "!=",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    ">",
    ">=",
    "<",
    "<=",
];
const ENUM_OPS: &[&str] = &["=", "!=", "in", "not_in"];
const ERROR_OPS: &[&str] = &["is_empty", "is_not_empty"];

/// The wire type of a known field, or `None` for an unknown one.
pub fn field_type(entity: Entity, field: &str) -> Option<&'static str> {
    let t = match (entity, field) {
        (_, "id") => "string",
        (Entity::Traces | Entity::Spans, "name" | "input" | "output") => "string",
        (Entity::Traces, "thread_id" | "guardrails" | "experiment_id") => "string",
        (Entity::Spans, "model" | "provider" | "trace_id") => "string",
        (Entity::Threads, "first_message" | "last_message") => "string",
        (_, "start_time" | "end_time") => "date_time",
        (Entity::Traces | Entity::Threads, "created_at" | "last_updated_at") => "date_time",
        (Entity::Traces | Entity::Spans, "input_json" | "output_json" | "metadata") => "dictionary",
        (Entity::Traces | Entity::Spans, "total_estimated_cost") => "number",
        (Entity::Traces, "llm_span_count") => "number",
        (
            Entity::Traces | Entity::Spans,
            "usage.total_tokens" | "usage.prompt_tokens" | "usage.completion_tokens",
        ) => "number",
        (_, "duration") => "number",
        (Entity::Threads, "number_of_messages") => "number",
        (_, "tags") => "list",
        (Entity::Traces | Entity::Threads, "annotation_queue_ids") => "list",
        (_, "feedback_scores") => "feedback_scores_number",
        (Entity::Traces, "span_feedback_scores") => "feedback_scores_number",
        (Entity::Traces | Entity::Spans, "error_info") => "error_container",
        (_, "environment") => "enum",
        (Entity::Spans, "type") => "enum",
        (Entity::Threads, "status") => "enum",
        _ => return None,
    };
    Some(t)
}

fn operators_for(field_type: &str) -> &'static [&'static str] {
    match field_type {
        "date_time" => DATE_OPS,
        "number" => NUMBER_OPS,
        "feedback_scores_number" => SCORE_OPS,
        "list" => LIST_OPS,
        "dictionary" => DICT_OPS,
        "enum" => ENUM_OPS,
        "error_container" => ERROR_OPS,
        _ => STRING_OPS,
    }
}

fn dictionary_fields(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Traces => &[
            "metadata",
            "input_json",
            "output_json",
            "feedback_scores",
            "span_feedback_scores",
        ],
        Entity::Spans => &["metadata", "input_json", "output_json", "feedback_scores"],
        Entity::Threads => &["feedback_scores"],
    }
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    entity: Entity,
    input: &'a str,
}

impl Parser<'_> {
    fn err<T>(&self, message: impl Into<String>, position: usize) -> Result<T, FilterError> {
        Err(FilterError {
            message: message.into(),
            position,
        })
    }
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// A double-quoted string; the cursor is on the opening quote. `""` is an escaped quote.
    fn quoted(&mut self, what: &str) -> Result<String, FilterError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return self.err(
                        format!("missing closing quote for the {what} that starts here"),
                        open,
                    );
                }
                Some('"') if self.chars.get(self.pos + 1) == Some(&'"') => {
                    out.push('"');
                    self.pos += 2;
                }
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn field(&mut self) -> Result<(String, String, &'static str, bool), FilterError> {
        self.skip_ws();
        let start = self.pos;
        let field = self.take_while(|c| c.is_alphanumeric() || c == '_');
        if field.is_empty() {
            return self.err(
                "expected a field name such as name, tags, metadata.key or feedback_scores.name",
                start,
            );
        }
        if self.peek() != Some('.') {
            return Ok(match field_type(self.entity, &field) {
                Some(t) => (field, String::new(), t, true),
                None => (field, String::new(), "string", false),
            });
        }
        self.pos += 1;
        let key_start = self.pos;
        let key = match self.peek() {
            Some('"') => self.quoted("key")?,
            Some(_) => self.take_while(|c| c.is_alphanumeric() || c == '_'),
            None => String::new(),
        };
        if key.is_empty() {
            return self.err(format!("expected a key after `{field}.`"), key_start);
        }
        if field == "usage" {
            let composite = format!("usage.{key}");
            return match field_type(self.entity, &composite) {
                Some(t) => Ok((composite, String::new(), t, true)),
                None => self.err(
                    format!(
                        "usage.{key} is not supported; use usage.total_tokens, usage.prompt_tokens or usage.completion_tokens"
                    ),
                    start,
                ),
            };
        }
        if !dictionary_fields(self.entity).contains(&field.as_str()) {
            return self.err(
                format!(
                    "`{field}.{key}`: only {} take a .key",
                    dictionary_fields(self.entity).join(", ")
                ),
                start,
            );
        }
        let t = field_type(self.entity, &field).unwrap_or("string");
        Ok((field, key, t, true))
    }

    fn operator(&mut self, field: &str, ftype: &str) -> Result<String, FilterError> {
        self.skip_ws();
        let start = self.pos;
        let op = match self.peek() {
            None => return self.err(format!("expected an operator after `{field}`"), start),
            Some('=') => {
                self.pos += 1;
                "=".to_string()
            }
            Some(c @ ('<' | '>')) => {
                self.pos += 1;
                if self.peek() == Some('=') {
                    self.pos += 1;
                    format!("{c}=")
                } else {
                    c.to_string()
                }
            }
            Some('!') if self.chars.get(self.pos + 1) == Some(&'=') => {
                self.pos += 2;
                "!=".to_string()
            }
            Some(_) => self.take_while(|c| !c.is_whitespace()),
        };
        let allowed = operators_for(ftype);
        if !allowed.contains(&op.as_str()) {
            return self.err(
                format!(
                    "operator `{op}` is not supported for {field}; use one of: {}",
                    allowed.join(" ")
                ),
                start,
            );
        }
        Ok(op)
    }

    fn number(&mut self) -> Result<String, FilterError> {
        let start = self.pos;
        let mut s = String::new();
        if self.peek() == Some('-') {
            s.push('-');
            self.pos += 1;
        }
        let int = self.take_while(|c| c.is_ascii_digit());
        if int.is_empty() {
            return self.err("expected a number", start);
        }
        s.push_str(&int);
        if self.peek() == Some('.') {
            self.pos += 1;
            let frac = self.take_while(|c| c.is_ascii_digit());
            if frac.is_empty() {
                return self.err("expected digits after the decimal point", self.pos);
            }
            s.push('.');
            s.push_str(&frac);
        }
        Ok(s)
    }

    fn value(&mut self) -> Result<String, FilterError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            None => self.err("expected a value: a \"quoted string\" or a number", start),
            Some('"') => self.quoted("value"),
            Some(c) if c.is_ascii_digit() || c == '-' => self.number(),
            Some(_) => {
                let word = self.take_while(|c| !c.is_whitespace());
                self.err(
                    format!("value `{word}` must be in double quotes (\"{word}\") or be a number"),
                    start,
                )
            }
        }
    }

    fn array_value(&mut self) -> Result<String, FilterError> {
        self.skip_ws();
        if self.peek() != Some('(') {
            return self.err(
                "expected a list like (\"a\", \"b\") after in / not_in",
                self.pos,
            );
        }
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => return self.err("missing `)` to close the list", self.pos),
                Some(')') if !items.is_empty() => {
                    self.pos += 1;
                    break;
                }
                Some(')') => return self.err("the list is empty", self.pos),
                _ => {}
            }
            if !items.is_empty() {
                if self.peek() != Some(',') {
                    return self.err("expected `,` between list items", self.pos);
                }
                self.pos += 1;
                self.skip_ws();
            }
            if self.peek() != Some('"') {
                return self.err("list items must be \"quoted strings\"", self.pos);
            }
            items.push(self.quoted("value")?);
        }
        Ok(items.join(","))
    }
}

/// Parse a filter string for `entity`. An empty (or blank) string gives no filters.
pub fn parse(input: &str, entity: Entity) -> Result<Vec<Filter>, FilterError> {
    let mut p = Parser {
        chars: input.chars().collect(),
        pos: 0,
        entity,
        input,
    };
    let mut out = Vec::new();
    p.skip_ws();
    if p.at_end() {
        return Ok(out);
    }
    loop {
        let (field, key, ftype, _known) = p.field()?;
        let op = p.operator(&field, ftype)?;
        let value = match op.as_str() {
            "is_empty" | "is_not_empty" => String::new(),
            "in" | "not_in" => p.array_value()?,
            _ => p.value()?,
        };
        out.push(Filter {
            field,
            operator: op,
            key: if key.is_empty() { None } else { Some(key) },
            value: Some(value),
            field_type: Some(ftype.to_string()),
        });
        p.skip_ws();
        if p.at_end() {
            break;
        }
        let start = p.pos;
        let connector = p.take_while(|c| c.is_alphabetic());
        if connector.eq_ignore_ascii_case("and") {
            p.skip_ws();
            if p.at_end() {
                return p.err("expected another condition after AND", p.pos);
            }
            continue;
        }
        if connector.eq_ignore_ascii_case("or") {
            return p.err(
                "OR is not supported; combine conditions with AND only",
                start,
            );
        }
        let rest: String = p.chars[start..].iter().collect();
        return p.err(
            format!("unexpected `{rest}`; join conditions with AND"),
            start,
        );
    }
    let _ = p.input;
    Ok(out)
}

/// Render filters back into filter-string form (for showing the active filter).
pub fn to_string(filters: &[Filter]) -> String {
    filters
        .iter()
        .map(|f| {
            let field = match &f.key {
                Some(k) if k.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                    format!("{}.{k}", f.field)
                }
                Some(k) => format!("{}.\"{}\"", f.field, k.replace('"', "\"\"")),
                None => f.field.clone(),
            };
            let v = f.value.clone().unwrap_or_default();
            let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            match f.operator.as_str() {
                "is_empty" | "is_not_empty" => format!("{field} {}", f.operator),
                "in" | "not_in" => format!(
                    "{field} {} ({})",
                    f.operator,
                    v.split(',').map(quote).collect::<Vec<_>>().join(", ")
                ),
                op => {
                    let numeric = matches!(
                        f.field_type.as_deref(),
                        Some("number" | "feedback_scores_number")
                    ) && v.parse::<f64>().is_ok();
                    if numeric {
                        format!("{field} {op} {v}")
                    } else {
                        format!("{field} {op} {}", quote(&v))
                    }
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Filter {
        let mut v = parse(s, Entity::Traces).unwrap();
        assert_eq!(v.len(), 1, "{s}");
        v.remove(0)
    }

    #[test]
    fn parses_the_sdk_examples() {
        let f = parse(
            r#"name = "x" and duration > 2 AND tags contains "prod""#,
            Entity::Traces,
        )
        .unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!((f[0].field.as_str(), f[0].operator.as_str()), ("name", "="));
        assert_eq!(f[0].value.as_deref(), Some("x"));
        assert_eq!(f[0].field_type.as_deref(), Some("string"));
        assert_eq!(f[1].value.as_deref(), Some("2"));
        assert_eq!(f[1].field_type.as_deref(), Some("number"));
        assert_eq!(f[2].field_type.as_deref(), Some("list"));

        let m = one(r#"metadata.k = "v""#);
        assert_eq!(
            (m.field.as_str(), m.key.as_deref(), m.value.as_deref()),
            ("metadata", Some("k"), Some("v"))
        );
        let s = one("feedback_scores.relevance >= 0.5");
        assert_eq!(s.key.as_deref(), Some("relevance"));
        assert_eq!(s.operator, ">=");
        assert_eq!(s.value.as_deref(), Some("0.5"));
        let u = one("usage.total_tokens > -10");
        assert_eq!(u.field, "usage.total_tokens");
        assert_eq!(u.value.as_deref(), Some("-10"));
        let e = one(r#"feedback_scores."my ""odd"" score" is_not_empty"#);
        assert_eq!(e.key.as_deref(), Some(r#"my "odd" score"#));
        assert_eq!(e.value.as_deref(), Some(""));
        let i = one(r#"environment in ("prod", "dev")"#);
        assert_eq!(i.value.as_deref(), Some("prod,dev"));
        assert_eq!(one(r#"error_info is_empty"#).operator, "is_empty");
        assert_eq!(
            one(r#"name != "a ""b"" c""#).value.as_deref(),
            Some(r#"a "b" c"#)
        );
        assert!(parse("  ", Entity::Traces).unwrap().is_empty());
    }

    #[test]
    fn rejects_or_unquoted_strings_and_bad_operators_with_positions() {
        let e = parse(r#"name = "a" or name = "b""#, Entity::Traces).unwrap_err();
        assert!(e.message.contains("OR is not supported"), "{e}");
        assert_eq!(e.position, 11);
        let e = parse("name = hello", Entity::Traces).unwrap_err();
        assert!(e.message.contains("double quotes"), "{e}");
        assert_eq!(e.position, 7);
        let e = parse(r#"duration contains "x""#, Entity::Traces).unwrap_err();
        assert!(e.message.contains("not supported for duration"), "{e}");
        let e = parse(r#"name = "open"#, Entity::Traces).unwrap_err();
        assert!(e.message.contains("missing closing quote"), "{e}");
        let e = parse(r#"name = "a" and"#, Entity::Traces).unwrap_err();
        assert!(e.message.contains("after AND"), "{e}");
        let e = parse(r#"name.k = "a""#, Entity::Traces).unwrap_err();
        assert!(e.message.contains("take a .key"), "{e}");
        let e = parse(r#"usage.foo > 1"#, Entity::Traces).unwrap_err();
        assert!(e.message.contains("usage.total_tokens"), "{e}");
        let e = parse(r#"name = "a" xyz"#, Entity::Traces).unwrap_err();
        assert!(e.message.contains("unexpected `xyz`"), "{e}");
        let e = parse(r#"environment in ()"#, Entity::Traces).unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
        assert_eq!(e.to_string(), "the list is empty (at character 17)");
    }

    #[test]
    fn entities_differ_and_unknown_fields_pass_as_strings() {
        assert!(parse(r#"status = "active""#, Entity::Threads).is_ok());
        assert!(parse(r#"model = "gpt""#, Entity::Spans).is_ok());
        let f = parse(r#"bogus_col = "x""#, Entity::Spans).unwrap();
        assert_eq!(f[0].field_type.as_deref(), Some("string"));
        assert!(parse(r#"metadata.k = "v""#, Entity::Threads).is_err());
    }

    #[test]
    fn round_trips_through_to_string() {
        let src = r#"name = "x ""y""" and duration > 2 and metadata.k = "v" and feedback_scores."a b" is_empty and environment in ("p", "q")"#;
        let f = parse(src, Entity::Traces).unwrap();
        let back = to_string(&f);
        assert_eq!(parse(&back, Entity::Traces).unwrap(), f);
    }
}
