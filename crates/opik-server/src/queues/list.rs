//! The queue list: page, `name` substring, `filters` and `sorting`.

use rusqlite::Connection;
use serde::Deserialize;

use crate::errors::ServerError;
use crate::feedback_definitions::page_params;
use opik_model::{AnnotationQueue, Filter, Page, Sorting};

use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub page: Option<String>,
    pub size: Option<String>,
    pub name: Option<String>,
    pub filters: Option<String>,
    pub sorting: Option<String>,
}

pub(super) fn parse_json_param<T: serde::de::DeserializeOwned>(
    what: &str,
    s: Option<&str>,
) -> Result<Vec<T>, ServerError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Vec::new()),
        Some(s) => serde_json::from_str::<Vec<T>>(s)
            .map_err(|e| ServerError::bad_request(format!("Invalid {what} query parameter: {e}"))),
    }
}

/// Translate queue filters into SQL conditions (with bound values).
pub(super) fn filter_sql(filters: &[Filter]) -> Result<(Vec<String>, Vec<String>), ServerError> {
    let mut conds = Vec::new();
    let mut vals = Vec::new();
    for f in filters {
        let col = match f.field.as_str() {
            "id" => "q.id",
            "project_id" => "q.project_id",
            "name" => "q.name",
            "scope" => "q.scope",
            "description" => "q.description",
            "instructions" => "q.instructions",
            "created_by" => "q.created_by",
            other => {
                return Err(ServerError::bad_request(format!(
                    "Invalid filters query parameter: unknown field `{other}` (annotation queues filter on id, project_id, name, scope, description, instructions, created_by)"
                )));
            }
        };
        let v = f.value.clone().unwrap_or_default();
        let n = vals.len() + 1;
        let cond = match f.operator.as_str() {
            "=" => format!("{col} = ?{n}"),
            "!=" => format!("({col} IS NULL OR {col} <> ?{n})"),
            "contains" => format!("instr(lower({col}), lower(?{n})) > 0"),
            "not_contains" => format!("({col} IS NULL OR instr(lower({col}), lower(?{n})) = 0)"),
            "starts_with" => format!("substr(lower({col}), 1, length(?{n})) = lower(?{n})"),
            "ends_with" => format!(
                "(length({col}) >= length(?{n}) AND substr(lower({col}), -length(?{n})) = lower(?{n}))"
            ),
            "is_empty" => format!("({col} IS NULL OR {col} = '' OR ?{n} IS NULL)"),
            "is_not_empty" => format!("({col} IS NOT NULL AND {col} <> '' AND ?{n} IS NOT NULL)"),
            other => {
                return Err(ServerError::bad_request(format!(
                    "Invalid filters query parameter: operator `{other}` is not supported for field `{}`",
                    f.field
                )));
            }
        };
        conds.push(cond);
        vals.push(v);
    }
    Ok((conds, vals))
}

pub fn list(conn: &Connection, q: &ListQuery) -> Result<Page<AnnotationQueue>, ServerError> {
    let (page, size) = page_params(q.page.as_deref(), q.size.as_deref(), 10)?;
    let filters: Vec<Filter> = parse_json_param("filters", q.filters.as_deref())?;
    let sorting: Vec<Sorting> = parse_json_param("sorting", q.sorting.as_deref())?;
    let (mut conds, mut vals) = filter_sql(&filters)?;
    if let Some(name) = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        vals.push(name.to_string());
        conds.push(format!("instr(lower(q.name), lower(?{})) > 0", vals.len()));
    }
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let mut order = Vec::new();
    for s in &sorting {
        let col = match s.field.as_str() {
            "id" => "q.id",
            "name" => "q.name",
            "created_at" => "q.created_at",
            "last_updated_at" => "q.last_updated_at",
            "created_by" => "q.created_by",
            "scope" => "q.scope",
            "items_count" => {
                "(SELECT count(*) FROM annotation_queue_items i WHERE i.queue_id = q.id)"
            }
            other => {
                return Err(ServerError::bad_request(format!(
                    "Invalid sorting query parameter: cannot sort annotation queues by `{other}`"
                )));
            }
        };
        let dir = if s.direction.eq_ignore_ascii_case("asc") {
            "ASC"
        } else {
            "DESC"
        };
        order.push(format!("{col} {dir}"));
    }
    order.push("q.id DESC".into());
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM annotation_queues q {where_}"),
        rusqlite::params_from_iter(vals.iter()),
        |r| r.get(0),
    )?;
    let cols = COLS
        .split(", ")
        .map(|c| format!("q.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols} FROM annotation_queues q {where_} ORDER BY {} LIMIT {size} OFFSET {}",
        order.join(", "),
        (page - 1) * size
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(vals.iter()), row)?
        .collect::<Result<Vec<_>, _>>()?;
    let content = rows
        .iter()
        .map(|r| to_public(conn, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        page: Some(page),
        size: Some(content.len() as i64),
        total: Some(total),
        content,
        sortable_by: Some(
            [
                "id",
                "name",
                "created_at",
                "last_updated_at",
                "created_by",
                "scope",
                "items_count",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ),
    })
}
