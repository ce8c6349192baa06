//! Opik filters, sorting and text search, validated and translated to SQL for traces, spans and
//! threads.
//!
//! A filter is `{field, operator, key, value}` (value always a string). Each field has a type
//! (string, number, date_time, dictionary, list, feedback_scores_number, error_container,
//! enum) that decides which operators it accepts; an unknown field or an operator the field
//! does not support is a 400 naming it, as Opik answers. For non-string types Opik URL-decodes
//! the value first (`a+b` → `a b`, a lone `%` is a 400); so do we.
//!
//! The SQL refers to the entity's row alias: `t` for traces, `s` for spans and `x` for the
//! aggregated thread row (see `threads.rs`). Values always travel as bound parameters.

mod clause;

use rusqlite::types::Value as SqlValue;

use super::ServerError;
use super::common::{like_escape, sv};
use opik_model::{Filter, Sorting};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Trace,
    Span,
    Thread,
}

impl Entity {
    fn name(self) -> &'static str {
        match self {
            Entity::Trace => "traces",
            Entity::Span => "spans",
            Entity::Thread => "threads",
        }
    }
    fn alias(self) -> &'static str {
        match self {
            Entity::Trace => "t",
            Entity::Span => "s",
            Entity::Thread => "x",
        }
    }
}

/// What the filter builder needs to know about the database.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ctx {
    /// Whether the annotation-queue items table exists (queues are optional).
    pub queues: bool,
}

impl Ctx {
    pub fn detect(conn: &rusqlite::Connection) -> Ctx {
        let queues = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'annotation_queue_items'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .unwrap_or(false);
        Ctx { queues }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Str(String),
    Num(String),
    Date(String),
    Dict(String),
    List(String),
    /// score averaged per name, on (entity_type, entity id expr)
    Score(&'static str, String),
    /// traces: average of the span scores of the trace
    SpanScore(String),
    Error(String),
    Enum(String),
    /// annotation_queue_ids: item id expr
    Queue(String),
}

fn resolve(entity: Entity, field: &str) -> Option<Ty> {
    let a = entity.alias();
    let c = |col: &str| format!("{a}.{col}");
    if let Some(k) = field.strip_prefix("usage.") {
        if entity == Entity::Thread || k.is_empty() {
            return None;
        }
        let path = format!("$.\"{}\"", k.replace('"', "\\\""));
        let path = path.replace('\'', "''");
        return Some(Ty::Num(format!("json_extract({a}.usage, '{path}')")));
    }
    let ty = match (entity, field) {
        (_, "id") => Ty::Str(c("id")),
        (Entity::Trace | Entity::Span, "name") => Ty::Str(c("name")),
        (Entity::Trace | Entity::Span, "input") => Ty::Str(c("input")),
        (Entity::Trace | Entity::Span, "output") => Ty::Str(c("output")),
        (Entity::Trace | Entity::Span, "input_json") => Ty::Dict(c("input")),
        (Entity::Trace | Entity::Span, "output_json") => Ty::Dict(c("output")),
        (Entity::Trace | Entity::Span, "metadata") => Ty::Dict(c("metadata")),
        (_, "start_time" | "end_time" | "created_at" | "last_updated_at") => Ty::Date(c(field)),
        (_, "tags") => Ty::List(c("tags")),
        (Entity::Trace, "total_estimated_cost") => Ty::Num(c("total_estimated_cost")),
        (Entity::Span, "total_estimated_cost") => Ty::Num(c("est_cost")),
        (Entity::Thread, "total_estimated_cost") => Ty::Num(c("total_estimated_cost")),
        (_, "duration") => Ty::Num(c("duration")),
        (Entity::Trace | Entity::Span, "ttft") => Ty::Num(c("ttft")),
        (Entity::Trace, "llm_span_count") => Ty::Num(c("llm_span_count")),
        (Entity::Trace, "span_count") => Ty::Num(c("span_count")),
        (Entity::Trace, "feedback_scores") => Ty::Score("trace", c("id")),
        (Entity::Span, "feedback_scores") => Ty::Score("span", c("id")),
        (Entity::Thread, "feedback_scores") => Ty::Score("thread", c("thread_model_id")),
        (Entity::Trace, "span_feedback_scores") => Ty::SpanScore(c("id")),
        (Entity::Trace | Entity::Span, "error_info") => Ty::Error(c("error_info")),
        (Entity::Trace, "thread_id") => Ty::Str(c("thread_id")),
        (Entity::Trace, "annotation_queue_ids") => Ty::Queue(c("id")),
        (Entity::Thread, "annotation_queue_ids") => Ty::Queue(c("thread_model_id")),
        (Entity::Trace | Entity::Span, "environment" | "source") => Ty::Enum(c(field)),
        // fields Opik has that this server never stores: accepted, never set
        (Entity::Trace, "experiment_id" | "guardrails") => Ty::Str("NULL".into()),
        (Entity::Span, "model") => Ty::Str(c("model")),
        (Entity::Span, "provider") => Ty::Str(c("provider")),
        (Entity::Span, "trace_id") => Ty::Str(c("trace_id")),
        (Entity::Span, "parent_span_id") => Ty::Str(c("parent_span_id")),
        (Entity::Span, "type") => Ty::Enum(c("type")),
        (Entity::Thread, "first_message") => Ty::Str(c("first_message")),
        (Entity::Thread, "last_message") => Ty::Str(c("last_message")),
        (Entity::Thread, "number_of_messages") => Ty::Num(c("number_of_messages")),
        (Entity::Thread, "status") => Ty::Enum(c("status")),
        (Entity::Thread, "thread_model_id") => Ty::Str(c("thread_model_id")),
        (Entity::Thread, "environment" | "source") => Ty::Enum("NULL".into()),
        _ => return None,
    };
    Some(ty)
}

fn type_name(t: &Ty) -> &'static str {
    match t {
        Ty::Str(_) => "string",
        Ty::Num(_) => "number",
        Ty::Date(_) => "date_time",
        Ty::Dict(_) => "dictionary",
        Ty::List(_) | Ty::Queue(_) => "list",
        Ty::Score(..) | Ty::SpanScore(_) => "feedback_scores_number",
        Ty::Error(_) => "error_container",
        Ty::Enum(_) => "enum",
    }
}

fn allowed(t: &Ty) -> &'static [&'static str] {
    const CMP: &[&str] = &["=", "!=", ">", ">=", "<", "<=", "is_empty", "is_not_empty"];
    match t {
        Ty::Str(_) => &[
            "=",
            "!=",
            "contains",
            "not_contains",
            "starts_with",
            "ends_with",
            "is_empty",
            "is_not_empty",
            "in",
            "not_in",
            ">",
            "<",
        ],
        Ty::Num(_) | Ty::Score(..) | Ty::SpanScore(_) => CMP,
        Ty::Date(_) => &["=", "!=", ">", ">=", "<", "<="],
        Ty::Dict(_) => &[
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
            "is_empty",
            "is_not_empty",
        ],
        Ty::List(_) => &["contains", "not_contains", "is_empty", "is_not_empty"],
        Ty::Queue(_) => &["contains", "not_contains"],
        Ty::Error(_) => &["is_empty", "is_not_empty"],
        Ty::Enum(_) => &["=", "!=", "in", "not_in"],
    }
}

/// URL-decode a filter value as Opik does for non-string fields.
pub fn url_decode(v: &str) -> Result<String, ServerError> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        return Err(ServerError::bad_request(format!(
                            "Invalid filter value {v:?}: a '%' must start a %XX escape (encode '%' as %25 and '+' as %2B)"
                        )));
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| {
        ServerError::bad_request(format!(
            "Invalid filter value {v:?}: not UTF-8 after URL-decoding"
        ))
    })
}

fn num(field: &str, v: &str) -> Result<f64, ServerError> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .ok_or_else(|| {
            ServerError::bad_request(format!(
                "Invalid value {v:?} for filter field '{field}': expected a number"
            ))
        })
}

fn sql_op(op: &str) -> &'static str {
    match op {
        "=" => "=",
        "!=" => "!=",
        ">" => ">",
        ">=" => ">=",
        "<" => "<",
        _ => "<=",
    }
}

fn json_path(key: &str) -> String {
    let mut p = String::from("$");
    for seg in key.split('.').filter(|s| !s.is_empty()) {
        p.push_str(".\"");
        p.push_str(&seg.replace('"', "\\\""));
        p.push('"');
    }
    p
}

fn like_clause(expr: &str, op: &str, v: &str, params: &mut Vec<SqlValue>) -> String {
    let e = like_escape(v);
    let (pat, neg) = match op {
        "contains" => (format!("%{e}%"), false),
        "not_contains" => (format!("%{e}%"), true),
        "starts_with" => (format!("{e}%"), false),
        _ => (format!("%{e}"), false),
    };
    params.push(sv(pat));
    if neg {
        format!("({expr} IS NULL OR {expr} NOT LIKE ? ESCAPE '\\')")
    } else {
        format!("{expr} LIKE ? ESCAPE '\\'")
    }
}

/// A WHERE fragment (joined with AND; `1` when empty) and its parameters.
#[derive(Debug, Default, Clone)]
pub struct Where {
    pub sql: Vec<String>,
    pub params: Vec<SqlValue>,
}

impl Where {
    pub fn push(&mut self, sql: impl Into<String>, params: impl IntoIterator<Item = SqlValue>) {
        self.sql.push(sql.into());
        self.params.extend(params);
    }
    pub fn sql(&self) -> String {
        if self.sql.is_empty() {
            "1".into()
        } else {
            self.sql.join(" AND ")
        }
    }
}

/// The `LIKE` pattern of a `tags contains VALUE` filter on `entity` (the same one [`build`]
/// uses), `None` for any other filter.
pub fn tags_contains_pattern(entity: Entity, f: &Filter) -> Result<Option<String>, ServerError> {
    if f.field.trim() != "tags" || f.operator.trim() != "contains" {
        return Ok(None);
    }
    if !matches!(resolve(entity, "tags"), Some(Ty::List(_))) {
        return Ok(None);
    }
    let val = url_decode(f.value.as_deref().unwrap_or_default())?;
    Ok(Some(format!("%{}%", like_escape(&val))))
}

/// Translate `filters` for `entity` into `w`.
pub fn build(
    entity: Entity,
    filters: &[Filter],
    ctx: Ctx,
    w: &mut Where,
) -> Result<(), ServerError> {
    for f in filters {
        let (sql, params) = clause::one(entity, f, ctx)?;
        w.push(sql, params);
    }
    Ok(())
}

/// 400 when a field name or key holds control characters (a NUL in a JSON path or an SQL
/// expression is a storage error, not a lookup).
fn check_name(what: &str, v: &str) -> Result<(), ServerError> {
    if v.chars().any(char::is_control) {
        return Err(ServerError::bad_request(format!(
            "Invalid {what} {:?}: it contains control characters",
            v.escape_default().to_string()
        )));
    }
    Ok(())
}

/// Text search (`search=`) over name, input and output (threads: id and messages).
pub fn search(entity: Entity, text: &str, w: &mut Where) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let pat = format!("%{}%", like_escape(text));
    let a = entity.alias();
    let cols: &[&str] = match entity {
        Entity::Thread => &["id", "first_message", "last_message"],
        _ => &["id", "name", "input", "output"],
    };
    let parts: Vec<String> = cols
        .iter()
        .map(|c| format!("{a}.{c} LIKE ? ESCAPE '\\'"))
        .collect();
    w.push(
        format!("({})", parts.join(" OR ")),
        cols.iter().map(|_| sv(pat.clone())),
    );
}

/// Check filters and sorting without a database (as Opik does before looking the project up):
/// an unknown field or operator is a 400 naming it even when the project does not exist.
pub fn validate(
    entity: Entity,
    filters: &[Filter],
    sorting: &[Sorting],
) -> Result<(), ServerError> {
    let mut w = Where::default();
    build(entity, filters, Ctx { queues: true }, &mut w)?;
    order_by(entity, sorting)?;
    Ok(())
}

/// `ORDER BY` for `sorting` (default: id DESC). Unknown sort fields are a 400.
pub fn order_by(
    entity: Entity,
    sorting: &[Sorting],
) -> Result<(String, Vec<SqlValue>), ServerError> {
    let a = entity.alias();
    let mut parts = Vec::new();
    let mut params = Vec::new();
    for s in sorting {
        let dir = match s.direction.to_ascii_uppercase().as_str() {
            "ASC" => "ASC",
            "DESC" | "" => "DESC",
            d => {
                return Err(ServerError::bad_request(format!(
                    "Invalid sorting direction '{d}': use ASC or DESC"
                )));
            }
        };
        check_name("sorting field", &s.field)?;
        let f = s.field.as_str();
        let expr = if let Some(name) = f.strip_prefix("feedback_scores.") {
            let (kind, id) = match entity {
                Entity::Trace => ("trace", format!("{a}.id")),
                Entity::Span => ("span", format!("{a}.id")),
                Entity::Thread => ("thread", format!("{a}.thread_model_id")),
            };
            params.push(sv(name));
            format!(
                "(SELECT avg(fs.value) FROM feedback_scores fs WHERE fs.entity_type = '{kind}' AND fs.entity_id = {id} AND fs.name = ?)"
            )
        } else if let Some(k) = f.strip_prefix("usage.")
            && entity != Entity::Thread
        {
            params.push(sv(json_path(k)));
            format!("json_extract({a}.usage, ?)")
        } else {
            let col = match (entity, f) {
                (
                    _,
                    "id" | "start_time" | "end_time" | "duration" | "created_at"
                    | "last_updated_at" | "tags",
                ) => f,
                (
                    Entity::Trace | Entity::Span,
                    "name" | "input" | "output" | "metadata" | "ttft" | "error_info",
                ) => f,
                (
                    Entity::Trace,
                    "total_estimated_cost" | "span_count" | "llm_span_count" | "thread_id",
                ) => f,
                (Entity::Trace | Entity::Span, "created_by" | "last_updated_by" | "source") => f,
                (Entity::Span, "total_estimated_cost") => "est_cost",
                (Entity::Span, "type" | "model" | "provider" | "trace_id" | "parent_span_id") => f,
                (
                    Entity::Thread,
                    "number_of_messages"
                    | "first_message"
                    | "last_message"
                    | "status"
                    | "total_estimated_cost"
                    | "created_by"
                    | "last_updated_by",
                ) => f,
                _ => {
                    return Err(ServerError::bad_request(format!(
                        "Invalid sorting field '{f}' for {}",
                        entity.name()
                    )));
                }
            };
            format!("{a}.{col}")
        };
        parts.push(format!("{expr} {dir} NULLS LAST"));
    }
    let tie = match entity {
        Entity::Thread => format!("{a}.thread_model_id DESC"),
        _ => format!("{a}.id DESC"),
    };
    parts.push(tie);
    Ok((parts.join(", "), params))
}

#[cfg(test)]
mod tests;
