//! Projects: created on first ingest (by name; `Default Project` when none is given), listed,
//! fetched, retrieved by name, created explicitly, renamed and deleted.

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{ListQuery, created, now_ts, parse_uuid, put_str};
use super::{AppState, Caller, LJson, ServerError};
use opik_model::new_id;

pub const DEFAULT_PROJECT: &str = "Default Project";

/// Longest project name, in characters (Opik's `projects.name` is `VARCHAR(150)`).
pub const MAX_NAME_CHARS: usize = 150;

/// 422 when a project name is longer than [`MAX_NAME_CHARS`].
pub fn check_name_length(name: &str) -> Result<(), ServerError> {
    let n = name.chars().count();
    if n > MAX_NAME_CHARS {
        return Err(ServerError::unprocessable(format!(
            "project name is too long ({n} characters): it must be between 1 and {MAX_NAME_CHARS}"
        )));
    }
    Ok(())
}

/// The project id for `name` (or `Default Project`), creating it if needed.
pub fn get_or_create(
    conn: &Connection,
    name: Option<&str>,
    user: &str,
) -> Result<String, ServerError> {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(DEFAULT_PROJECT);
    check_name_length(name)?;
    if let Some(id) = conn
        .prepare_cached("SELECT id FROM projects WHERE name = ?1")?
        .query_row([name], |r| r.get::<_, String>(0))
        .optional()?
    {
        return Ok(id);
    }
    let id = new_id().to_string();
    let now = now_ts();
    conn.prepare_cached(
        "INSERT INTO projects(id, name, created_at, created_by, last_updated_at, last_updated_by) VALUES (?1, ?2, ?3, ?4, ?3, ?4)",
    )?
    .execute(params![id, name, now, user])?;
    Ok(id)
}

/// Resolve `project_id` or `project_name` (in that order) to an existing project id.
/// `Ok(None)` when a name was given but no such project exists (nothing to list).
pub fn resolve(
    conn: &Connection,
    project_id: Option<&str>,
    project_name: Option<&str>,
) -> Result<Option<String>, ServerError> {
    if let Some(id) = project_id.map(str::trim).filter(|s| !s.is_empty()) {
        let id = parse_uuid(id, "project_id")?.to_string();
        return Ok(Some(id));
    }
    if let Some(name) = project_name.map(str::trim).filter(|s| !s.is_empty()) {
        return Ok(conn
            .prepare_cached("SELECT id FROM projects WHERE name = ?1")?
            .query_row([name], |r| r.get::<_, String>(0))
            .optional()?);
    }
    Err(ServerError::bad_request(
        "Either project_name or project_id must be provided",
    ))
}

/// Record that a trace was written into the project now.
pub fn touch_trace(conn: &Connection, project_id: &str, now: &str) -> Result<(), ServerError> {
    conn.prepare_cached(
        "UPDATE projects SET last_updated_trace_at = ?2 WHERE id = ?1 AND (last_updated_trace_at IS NULL OR last_updated_trace_at < ?2)",
    )?
    .execute(params![project_id, now])?;
    Ok(())
}

const COLS: &str = "id, name, description, created_at, created_by, last_updated_at, last_updated_by, last_updated_trace_at";

fn row_json(r: &rusqlite::Row) -> rusqlite::Result<Map<String, Value>> {
    let mut m = Map::new();
    put_str(&mut m, "id", r.get(0)?);
    put_str(&mut m, "name", r.get(1)?);
    put_str(&mut m, "description", r.get(2)?);
    put_str(&mut m, "created_at", r.get(3)?);
    put_str(&mut m, "created_by", r.get(4)?);
    put_str(&mut m, "last_updated_at", r.get(5)?);
    put_str(&mut m, "last_updated_by", r.get(6)?);
    put_str(&mut m, "last_updated_trace_at", r.get(7)?);
    m.insert("visibility".into(), json!("private"));
    Ok(m)
}

/// Add trace/thread counts (index-only) and, when `totals`, the cost and error totals (these
/// read every trace row, so only single-project answers carry them).
fn add_stats(
    conn: &Connection,
    m: &mut Map<String, Value>,
    totals: bool,
) -> Result<(), ServerError> {
    let Some(id) = m.get("id").and_then(Value::as_str).map(str::to_string) else {
        return Ok(());
    };
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM traces WHERE project_id = ?1 AND has_create = 1")?
        .query_row([&id], |r| r.get(0))?;
    let threads: i64 = conn
        .prepare_cached("SELECT count(*) FROM threads WHERE project_id = ?1")?
        .query_row([&id], |r| r.get(0))?;
    m.insert("trace_count".into(), json!(count));
    m.insert("thread_count".into(), json!(threads));
    if totals {
        let (cost, errors): (Option<f64>, i64) = conn
            .prepare_cached(
                "SELECT sum(total_estimated_cost), sum(error_info IS NOT NULL) FROM traces WHERE project_id = ?1 AND has_create = 1",
            )?
            .query_row([&id], |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0))))?;
        if let Some(c) = cost {
            m.insert("total_estimated_cost_sum".into(), json!(c));
            if count > 0 {
                m.insert("total_estimated_cost".into(), json!(c / count as f64));
            }
        }
        m.insert("error_count".into(), json!({"count": errors}));
    }
    Ok(())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/projects", get(list).post(create))
        .route("/v1/private/projects/retrieve", post(retrieve))
        .route("/v1/private/projects/delete", post(delete_batch))
        .route(
            "/v1/private/projects/{id}",
            get(get_one).patch(update).delete(delete_one),
        )
}

/// Sortable project fields → SQL.
fn sort_sql(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "name",
        "created_at" => "created_at",
        "last_updated_at" => "last_updated_at",
        "last_updated_trace_at" => "coalesce(last_updated_trace_at, created_at)",
        "id" => "id",
        _ => return None,
    })
}

async fn list(
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ServerError> {
    let (page, size) = q.paging()?;
    let mut order = Vec::new();
    for s in q.sorting()? {
        let col = sort_sql(&s.field).ok_or_else(|| {
            ServerError::bad_request(format!("Invalid sorting field '{}' for projects", s.field))
        })?;
        let dir = if s.direction.eq_ignore_ascii_case("asc") {
            "ASC"
        } else {
            "DESC"
        };
        order.push(format!("{col} {dir}"));
    }
    if order.is_empty() {
        order.push("coalesce(last_updated_trace_at, created_at) DESC".into());
    }
    order.push("id DESC".into());
    let name = q.name.clone().unwrap_or_default();
    let v = st
        .db
        .read(move |c| {
            let pat = format!("%{}%", super::common::like_escape(&name));
            let total: i64 = c.query_row(
                "SELECT count(*) FROM projects WHERE name LIKE ?1 ESCAPE '\\'",
                [&pat],
                |r| r.get(0),
            )?;
            let sql = format!(
                "SELECT {COLS} FROM projects WHERE name LIKE ?1 ESCAPE '\\' ORDER BY {} LIMIT ?2 OFFSET ?3",
                order.join(", ")
            );
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt
                .query_map(params![pat, size, (page - 1) * size], row_json)?
                .collect::<Result<Vec<_>, _>>()?;
            let mut content = Vec::new();
            for mut m in rows {
                add_stats(c, &mut m, false)?;
                content.push(Value::Object(m));
            }
            Ok(json!({
                "page": page, "size": content.len(), "total": total, "content": content,
                "sortable_by": ["name", "created_at", "last_updated_at", "last_updated_trace_at"]
            }))
        })
        .await?;
    Ok(Json(v))
}

async fn get_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ServerError> {
    let id = parse_uuid(&id, "project id")?.to_string();
    let v = st
        .db
        .read(move |c| {
            let m = c
                .query_row(
                    &format!("SELECT {COLS} FROM projects WHERE id = ?1"),
                    [&id],
                    row_json,
                )
                .optional()?;
            match m {
                Some(mut m) => {
                    add_stats(c, &mut m, true)?;
                    Ok(Value::Object(m))
                }
                None => Err(ServerError::not_found("Project not found")),
            }
        })
        .await?;
    Ok(Json(v))
}

#[derive(Deserialize)]
struct NameBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

async fn retrieve(
    State(st): State<AppState>,
    LJson(b): LJson<NameBody>,
) -> Result<Json<Value>, ServerError> {
    let name = b.name.unwrap_or_default();
    if name.trim().is_empty() {
        return Err(ServerError::unprocessable("name must not be blank"));
    }
    let v = st
        .db
        .read(move |c| {
            let m = c
                .query_row(
                    &format!("SELECT {COLS} FROM projects WHERE name = ?1"),
                    [name.trim()],
                    row_json,
                )
                .optional()?;
            match m {
                Some(mut m) => {
                    add_stats(c, &mut m, true)?;
                    Ok(Value::Object(m))
                }
                None => Err(ServerError::NotFoundList("Project not found".into())),
            }
        })
        .await?;
    Ok(Json(v))
}

async fn create(
    State(st): State<AppState>,
    caller: Caller,
    LJson(b): LJson<NameBody>,
) -> Result<Response, ServerError> {
    let name = b.name.unwrap_or_default().trim().to_string();
    if name.is_empty() {
        return Err(ServerError::unprocessable("name must not be blank"));
    }
    check_name_length(&name)?;
    if b.description
        .as_deref()
        .is_some_and(|d| d.chars().count() > 255)
    {
        return Err(ServerError::unprocessable(
            "description size must be between 0 and 255",
        ));
    }
    let id = st
        .db
        .write(move |tx| {
            let exists: Option<String> = tx
                .query_row("SELECT id FROM projects WHERE name = ?1", [&name], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                return Err(ServerError::conflict("Project already exists"));
            }
            let id = new_id().to_string();
            let now = now_ts();
            tx.execute(
                "INSERT INTO projects(id, name, description, created_at, created_by, last_updated_at, last_updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?5)",
                params![id, name, b.description, now, caller.user],
            )?;
            Ok(id)
        })
        .await?;
    Ok(created(format!(
        "{}/v1/private/projects/{id}",
        st.base_url()
    )))
}

async fn update(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    LJson(b): LJson<NameBody>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id, "project id")?.to_string();
    if let Some(n) = &b.name {
        check_name_length(n.trim())?;
    }
    st.db
        .write(move |tx| {
            let n = tx.execute(
                "UPDATE projects SET name = coalesce(?2, name), description = coalesce(?3, description), last_updated_at = ?4, last_updated_by = ?5 WHERE id = ?1",
                params![id, b.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()), b.description, now_ts(), caller.user],
            );
            match n {
                Ok(0) => Err(ServerError::not_found("Project not found")),
                Ok(_) => Ok(()),
                Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                    Err(ServerError::conflict("Project already exists"))
                }
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a project and everything in it.
pub fn delete_project(tx: &Connection, id: &str) -> Result<(), ServerError> {
    tx.execute("DELETE FROM feedback_scores WHERE project_id = ?1", [id])?;
    tx.execute("DELETE FROM comments WHERE project_id = ?1", [id])?;
    tx.execute("DELETE FROM spans WHERE project_id = ?1", [id])?;
    tx.execute("DELETE FROM traces WHERE project_id = ?1", [id])?;
    tx.execute("DELETE FROM threads WHERE project_id = ?1", [id])?;
    tx.execute("DELETE FROM projects WHERE id = ?1", [id])?;
    Ok(())
}

async fn delete_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id, "project id")?.to_string();
    st.db.write(move |tx| delete_project(tx, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_batch(
    State(st): State<AppState>,
    LJson(b): LJson<opik_model::BatchDelete>,
) -> Result<StatusCode, ServerError> {
    st.db
        .write(move |tx| {
            for id in b.ids {
                delete_project(tx, &id.to_string())?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
