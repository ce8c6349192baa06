//! Comments on traces, spans and threads (threads by `thread_model_id`): add (201 + Location),
//! get, edit, batch delete; the author is the caller; `source_queue_id` records the annotation
//! queue a comment was made in. Comments are also embedded in the entities' read models.

use std::collections::HashMap;

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
    routing::{get, patch, post},
};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use super::common::{SPAN, THREAD, TRACE, created, entity_kind, now_ts, parse_uuid, put_str};
use super::{AppState, Caller, LJson, ServerError};
use opik_model::{BatchDelete, Comment, new_id};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/traces/{id}/comments", post(add::<TRACE>))
        .route("/v1/private/spans/{id}/comments", post(add::<SPAN>))
        .route(
            "/v1/private/traces/threads/{id}/comments",
            post(add::<THREAD>),
        )
        .route(
            "/v1/private/traces/{id}/comments/{cid}",
            get(get_one::<TRACE>),
        )
        .route(
            "/v1/private/spans/{id}/comments/{cid}",
            get(get_one::<SPAN>),
        )
        .route(
            "/v1/private/traces/threads/{id}/comments/{cid}",
            get(get_one::<THREAD>),
        )
        .route("/v1/private/traces/comments/{cid}", patch(edit::<TRACE>))
        .route("/v1/private/spans/comments/{cid}", patch(edit::<SPAN>))
        .route(
            "/v1/private/traces/threads/comments/{cid}",
            patch(edit::<THREAD>),
        )
        .route("/v1/private/traces/comments/delete", post(delete::<TRACE>))
        .route("/v1/private/spans/comments/delete", post(delete::<SPAN>))
        .route(
            "/v1/private/traces/threads/comments/delete",
            post(delete::<THREAD>),
        )
}

fn row_json(r: &rusqlite::Row) -> rusqlite::Result<(String, Value)> {
    let mut m = Map::new();
    put_str(&mut m, "id", r.get(1)?);
    put_str(&mut m, "text", r.get(2)?);
    put_str(&mut m, "created_at", r.get(3)?);
    put_str(&mut m, "last_updated_at", r.get(4)?);
    put_str(&mut m, "created_by", r.get(5)?);
    put_str(&mut m, "last_updated_by", r.get(6)?);
    put_str(&mut m, "source_queue_id", r.get(7)?);
    Ok((r.get(0)?, Value::Object(m)))
}

const COLS: &str = "entity_id, id, text, created_at, last_updated_at, created_by, last_updated_by, source_queue_id";

/// Comments of many entities: entity id → `[Comment]` (oldest first).
pub fn load(
    conn: &Connection,
    entity_type: &str,
    ids: &[String],
) -> Result<HashMap<String, Vec<Value>>, ServerError> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT {COLS} FROM comments WHERE entity_type = ? AND entity_id IN ({marks}) ORDER BY created_at, id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![&entity_type];
        for id in chunk {
            params.push(id);
        }
        let rows = stmt.query_map(params.as_slice(), row_json)?;
        for r in rows {
            let (eid, v) = r?;
            out.entry(eid).or_default().push(v);
        }
    }
    Ok(out)
}

fn check_text(c: &Comment) -> Result<(), ServerError> {
    if c.text.trim().is_empty() {
        return Err(ServerError::unprocessable("text must not be blank"));
    }
    Ok(())
}

/// Store a comment on a trace, span or thread (`kind`; a thread by its `thread_model_id`) by
/// `user`; returns the new comment id. Used by the handlers and the demo data loader.
pub fn insert(
    tx: &rusqlite::Connection,
    kind: &str,
    entity_id: &str,
    text: &str,
    source_queue_id: Option<uuid::Uuid>,
    user: &str,
) -> Result<String, ServerError> {
    let (table, col) = match kind {
        "trace" => ("traces", "id"),
        "span" => ("spans", "id"),
        _ => ("threads", "thread_model_id"),
    };
    let project: Option<String> = tx
        .query_row(
            &format!("SELECT project_id FROM {table} WHERE {col} = ?1"),
            [entity_id],
            |r| r.get(0),
        )
        .optional()?;
    if kind == "thread" && project.is_none() {
        return Err(ServerError::not_found("Thread not found"));
    }
    let cid = new_id().to_string();
    let now = now_ts();
    tx.execute(
        "INSERT INTO comments(id, entity_type, entity_id, project_id, text, source_queue_id, created_at, created_by, last_updated_at, last_updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?8)",
        params![cid, kind, entity_id, project, text, source_queue_id.map(|q| q.to_string()), now, user],
    )?;
    Ok(cid)
}

async fn add<const K: u8>(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    LJson(c): LJson<Comment>,
) -> Result<Response, ServerError> {
    let kind = entity_kind(K);
    let eid = parse_uuid(&id, &format!("{kind} id"))?.to_string();
    check_text(&c)?;
    let text = c.text.clone();
    let queue = c.source_queue_id;
    let eid2 = eid.clone();
    let cid = st
        .db
        .write(move |tx| insert(tx, kind, &eid2, &text, queue, &caller.user))
        .await?;
    let base = match kind {
        "trace" => "traces",
        "span" => "spans",
        _ => "traces/threads",
    };
    Ok(created(format!(
        "{}/v1/private/{base}/{eid}/comments/{cid}",
        st.base_url()
    )))
}

async fn get_one<const K: u8>(
    State(st): State<AppState>,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Json<Value>, ServerError> {
    let kind = entity_kind(K);
    let eid = parse_uuid(&id, &format!("{kind} id"))?.to_string();
    let cid = parse_uuid(&cid, "comment id")?.to_string();
    let v = st
        .db
        .read(move |c| {
            c.query_row(
                &format!("SELECT {COLS} FROM comments WHERE id = ?1 AND entity_id = ?2 AND entity_type = ?3"),
                [&cid, &eid, kind],
                row_json,
            )
            .optional()?
            .map(|(_, v)| v)
            .ok_or_else(|| ServerError::not_found("Comment not found"))
        })
        .await?;
    Ok(Json(v))
}

async fn edit<const K: u8>(
    State(st): State<AppState>,
    caller: Caller,
    Path(cid): Path<String>,
    LJson(c): LJson<Comment>,
) -> Result<StatusCode, ServerError> {
    let kind = entity_kind(K);
    let cid = parse_uuid(&cid, "comment id")?.to_string();
    check_text(&c)?;
    st.db
        .write(move |tx| {
            let Some(author) = comment_author(tx, &cid, kind)? else {
                return Err(ServerError::not_found("Comment not found"));
            };
            caller.check_owner(&author, "this comment")?;
            tx.execute(
                "UPDATE comments SET text = ?1, last_updated_at = ?2, last_updated_by = ?3 WHERE id = ?4 AND entity_type = ?5",
                params![c.text, now_ts(), caller.user, cid, kind],
            )?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who wrote comment `id` (None: no such comment).
fn comment_author(
    tx: &rusqlite::Connection,
    id: &str,
    kind: &str,
) -> Result<Option<String>, ServerError> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .query_row(
            "SELECT created_by FROM comments WHERE id = ?1 AND entity_type = ?2",
            params![id, kind],
            |r| r.get(0),
        )
        .optional()?)
}

/// Deletes the comments (all or none: a user naming another's comment gets 403).
async fn delete<const K: u8>(
    State(st): State<AppState>,
    caller: Caller,
    LJson(b): LJson<BatchDelete>,
) -> Result<StatusCode, ServerError> {
    let kind = entity_kind(K);
    if b.ids.is_empty() || b.ids.len() > 1000 {
        return Err(ServerError::unprocessable(
            "ids size must be between 1 and 1000",
        ));
    }
    st.db
        .write(move |tx| {
            for id in &b.ids {
                if let Some(author) = comment_author(tx, &id.to_string(), kind)? {
                    caller.check_owner(&author, "this comment")?;
                }
            }
            for id in &b.ids {
                tx.execute(
                    "DELETE FROM comments WHERE id = ?1 AND entity_type = ?2",
                    params![id.to_string(), kind],
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
