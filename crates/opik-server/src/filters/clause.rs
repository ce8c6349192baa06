//! One filter → one SQL condition and its parameters, by the field's type.

use rusqlite::types::Value as SqlValue;

use super::{
    Ctx, Entity, Ty, allowed, check_name, json_path, like_clause, num, resolve, sql_op, type_name,
    url_decode,
};
use crate::ServerError;
use crate::common::{like_escape, sv};
use opik_model::{Filter, ts};

/// Validate `f` for `entity` (field, operator, value) and translate it.
pub(super) fn one(
    entity: Entity,
    f: &Filter,
    ctx: Ctx,
) -> Result<(String, Vec<SqlValue>), ServerError> {
    check_name("filter field", &f.field)?;
    check_name("filter key", f.key.as_deref().unwrap_or(""))?;
    let field = f.field.trim();
    let ty = resolve(entity, field).ok_or_else(|| {
        ServerError::bad_request(format!(
            "Invalid filter field '{field}' for {}",
            entity.name()
        ))
    })?;
    let op = f.operator.trim();
    if !allowed(&ty).contains(&op) {
        return Err(ServerError::bad_request(format!(
            "Invalid operator '{op}' for filter field '{field}' of type {}",
            type_name(&ty)
        )));
    }
    let raw = f.value.clone().unwrap_or_default();
    let key = f.key.clone().unwrap_or_default();
    let val = match ty {
        Ty::Str(_) | Ty::Enum(_) => raw,
        _ => url_decode(&raw)?,
    };
    let mut p: Vec<SqlValue> = Vec::new();
    let sql = match ty {
        Ty::Str(e) | Ty::Enum(e) => text(&e, field, op, val, &mut p)?,
        Ty::Num(e) => match op {
            "is_empty" => format!("{e} IS NULL"),
            "is_not_empty" => format!("{e} IS NOT NULL"),
            _ => {
                p.push(SqlValue::Real(num(field, &val)?));
                format!("{e} {} ?", sql_op(op))
            }
        },
        Ty::Date(e) => {
            let t = ts::parse(val.trim()).ok_or_else(|| {
                ServerError::bad_request(format!(
                    "Invalid value {val:?} for filter field '{field}': expected an ISO-8601 time"
                ))
            })?;
            p.push(sv(ts::format(&t)));
            format!("{e} {} ?", sql_op(op))
        }
        Ty::Dict(col) => dict(&col, op, &key, val, &mut p),
        Ty::List(col) => list(&col, op, &val, &mut p),
        Ty::Queue(item) => queue(&item, op, &val, ctx, &mut p),
        Ty::Score(kind, id) => {
            require_key(field, &key)?;
            // The entity's own score named `key` (averaged over authors).
            let from = format!(
                "FROM feedback_scores fs WHERE fs.entity_type = '{kind}' AND fs.entity_id = {id} AND fs.name = ?"
            );
            score(&from, field, op, key, &val, &mut p)?
        }
        Ty::SpanScore(id) => {
            require_key(field, &key)?;
            // A trace's span scores named `key` (averaged).
            let from = format!(
                "FROM feedback_scores fs JOIN spans sp ON fs.entity_type = 'span' AND fs.entity_id = sp.id WHERE sp.trace_id = {id} AND fs.name = ?"
            );
            score(&from, field, op, key, &val, &mut p)?
        }
        Ty::Error(col) => {
            if op == "is_empty" {
                format!("({col} IS NULL OR {col} = '{{}}')")
            } else {
                format!("({col} IS NOT NULL AND {col} != '{{}}')")
            }
        }
    };
    Ok((sql, p))
}

/// String and enum fields: comparisons, emptiness, `in` lists and `LIKE` operators.
fn text(
    e: &str,
    field: &str,
    op: &str,
    val: String,
    p: &mut Vec<SqlValue>,
) -> Result<String, ServerError> {
    Ok(match op {
        "=" => {
            p.push(sv(val));
            format!("{e} = ?")
        }
        "!=" => {
            p.push(sv(val));
            format!("({e} IS NULL OR {e} != ?)")
        }
        ">" | "<" => {
            p.push(sv(val));
            format!("{e} {op} ?")
        }
        "is_empty" => format!("({e} IS NULL OR {e} = '' OR {e} = '{{}}' OR {e} = '[]')"),
        "is_not_empty" => {
            format!("({e} IS NOT NULL AND {e} != '' AND {e} != '{{}}' AND {e} != '[]')")
        }
        "in" | "not_in" => {
            let items: Vec<&str> = val
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if items.is_empty() {
                return Err(ServerError::bad_request(format!(
                    "Invalid value for filter field '{field}': '{op}' needs a comma-separated list"
                )));
            }
            let marks = vec!["?"; items.len()].join(", ");
            p.extend(items.into_iter().map(sv));
            if op == "in" {
                format!("{e} IN ({marks})")
            } else {
                format!("({e} IS NULL OR {e} NOT IN ({marks}))")
            }
        }
        _ => like_clause(e, op, &val, p),
    })
}

/// Dictionary fields (`metadata`, `input`, …): the value at the key's JSON path, compared as
/// text, or as a number when both sides are numbers.
fn dict(col: &str, op: &str, key: &str, val: String, p: &mut Vec<SqlValue>) -> String {
    let path = json_path(key);
    let ex = format!("json_extract({col}, ?)");
    let tx = format!(
        "(CASE json_type({col}, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST({ex} AS TEXT) END)"
    );
    match op {
        "is_empty" => {
            p.extend([sv(path.clone()), sv(path.clone()), sv(path)]);
            format!("({ex} IS NULL OR {tx} = '')")
        }
        "is_not_empty" => {
            p.extend([sv(path.clone()), sv(path.clone()), sv(path)]);
            format!("({ex} IS NOT NULL AND {tx} != '')")
        }
        "=" | "!=" => {
            p.extend([sv(path.clone()), sv(path)]);
            p.push(sv(val));
            if op == "=" {
                format!("{tx} = ?")
            } else {
                format!("coalesce({tx} != ?, 1)")
            }
        }
        ">" | ">=" | "<" | "<=" => match val.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => {
                p.push(sv(path.clone()));
                p.push(sv(path));
                p.push(SqlValue::Real(n));
                format!(
                    "(json_type({col}, ?) IN ('integer', 'real') AND {ex} {} ?)",
                    sql_op(op)
                )
            }
            _ => {
                p.extend([sv(path.clone()), sv(path)]);
                p.push(sv(val));
                format!("{tx} {} ?", sql_op(op))
            }
        },
        _ => {
            p.extend([sv(path.clone()), sv(path)]);
            like_clause(&tx, op, &val, p)
        }
    }
}

/// List fields (`tags`): an item containing the value, or emptiness.
fn list(col: &str, op: &str, val: &str, p: &mut Vec<SqlValue>) -> String {
    let pat = format!("%{}%", like_escape(val));
    match op {
        "contains" => {
            p.push(sv(pat));
            format!("EXISTS (SELECT 1 FROM json_each({col}) j WHERE j.value LIKE ? ESCAPE '\\')")
        }
        "not_contains" => {
            p.push(sv(pat));
            format!(
                "NOT EXISTS (SELECT 1 FROM json_each({col}) j WHERE j.value LIKE ? ESCAPE '\\')"
            )
        }
        "is_empty" => format!("({col} IS NULL OR json_array_length({col}) = 0)"),
        _ => format!("({col} IS NOT NULL AND json_array_length({col}) > 0)"),
    }
}

/// `annotation_queue_ids contains ID`: the item is in that queue (never, without queues).
fn queue(item: &str, op: &str, val: &str, ctx: Ctx, p: &mut Vec<SqlValue>) -> String {
    if !ctx.queues {
        return if op == "contains" {
            "0".to_string()
        } else {
            "1".to_string()
        };
    }
    p.push(sv(val.trim().to_ascii_lowercase()));
    let ex = format!(
        "EXISTS (SELECT 1 FROM annotation_queue_items qi WHERE qi.queue_id = ? AND qi.item_id = {item})"
    );
    if op == "contains" {
        ex
    } else {
        format!("NOT {ex}")
    }
}

/// Score filters need the score name as their key.
fn require_key(field: &str, key: &str) -> Result<(), ServerError> {
    if key.trim().is_empty() {
        return Err(ServerError::bad_request(format!(
            "Invalid filter on '{field}': the key (score name) is required"
        )));
    }
    Ok(())
}

/// Over the score rows `from` (bound to the name `key`): none, some, or their average
/// compared with the value.
fn score(
    from: &str,
    field: &str,
    op: &str,
    key: String,
    val: &str,
    p: &mut Vec<SqlValue>,
) -> Result<String, ServerError> {
    p.push(sv(key));
    Ok(match op {
        "is_empty" => format!("NOT EXISTS (SELECT 1 {from})"),
        "is_not_empty" => format!("EXISTS (SELECT 1 {from})"),
        _ => {
            p.push(SqlValue::Real(num(field, val)?));
            format!("(SELECT avg(fs.value) {from}) {} ?", sql_op(op))
        }
    })
}
