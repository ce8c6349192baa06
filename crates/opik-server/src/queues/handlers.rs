//! The HTTP handlers of `/v1/private/annotation-queues`.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use crate::errors::{LJson, ServerError};
use crate::feedback_definitions::created;
use crate::{AppState, Caller};
use opik_model::{
    AnnotationQueue, AnnotationQueueUpdate, BatchDelete, ItemIds, LockResponse, LocksResponse, Page,
};

use super::*;

pub(super) fn parse_uuid(s: &str) -> Result<Uuid, ServerError> {
    Uuid::parse_str(s.trim())
        .map_err(|_| ServerError::bad_request(format!("Invalid UUID `{s}` in the path")))
}

pub(super) async fn list_handler(
    State(st): State<AppState>,
    _c: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<AnnotationQueue>>, ServerError> {
    Ok(Json(st.db.read(move |c| list(c, &q)).await?))
}

pub(super) async fn get_handler(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
) -> Result<Json<AnnotationQueue>, ServerError> {
    let id = parse_uuid(&id)?;
    Ok(Json(
        st.db
            .read(move |c| to_public(c, &require_row(c, &id)?))
            .await?,
    ))
}

pub(super) async fn create_handler(
    State(st): State<AppState>,
    c: Caller,
    LJson(q): LJson<AnnotationQueue>,
) -> Result<Response, ServerError> {
    let id = st.db.write(move |tx| insert(tx, &q, &c.user)).await?;
    Ok(created(format!("/v1/private/annotation-queues/{id}")))
}

#[derive(Debug, Deserialize)]
pub(super) struct QueueBatch {
    #[serde(default)]
    annotation_queues: Vec<AnnotationQueue>,
}

pub(super) async fn batch_handler(
    State(st): State<AppState>,
    c: Caller,
    LJson(b): LJson<QueueBatch>,
) -> Result<StatusCode, ServerError> {
    if b.annotation_queues.is_empty() || b.annotation_queues.len() > MAX_BATCH {
        return Err(ServerError::unprocessable(format!(
            "annotation_queues size must be between 1 and {MAX_BATCH}"
        )));
    }
    st.db
        .write(move |tx| {
            for q in &b.annotation_queues {
                insert(tx, q, &c.user)?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn update_handler(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    LJson(u): LJson<AnnotationQueueUpdate>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id)?;
    st.db.write(move |tx| update(tx, &id, &u, &c.user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn delete_handler(
    State(st): State<AppState>,
    _c: Caller,
    LJson(b): LJson<BatchDelete>,
) -> Result<StatusCode, ServerError> {
    check_ids(&b.ids)?;
    st.db.write(move |tx| delete(tx, &b.ids)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn items_add_handler(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
    LJson(b): LJson<ItemIds>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id)?;
    st.db.write(move |tx| add_items(tx, &id, &b.ids)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn items_delete_handler(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
    LJson(b): LJson<ItemIds>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id)?;
    st.db.write(move |tx| delete_items(tx, &id, &b.ids)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn items_search_handler(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
    LJson(b): LJson<ItemIds>,
) -> Result<Json<ItemIds>, ServerError> {
    let id = parse_uuid(&id)?;
    let ids = st.db.read(move |c| search_items(c, &id, &b.ids)).await?;
    Ok(Json(ItemIds { ids }))
}

pub(super) async fn locks_handler(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
) -> Result<Json<LocksResponse>, ServerError> {
    let id = parse_uuid(&id)?;
    Ok(Json(
        st.db
            .read(move |c| active_locks(c, &id, Utc::now()))
            .await?,
    ))
}

pub(super) async fn lock_handler(
    State(st): State<AppState>,
    c: Caller,
    Path((id, item)): Path<(String, String)>,
) -> Result<Json<LockResponse>, ServerError> {
    let id = parse_uuid(&id)?;
    let item = parse_uuid(&item)?;
    Ok(Json(
        st.db
            .write(move |tx| claim_lock(tx, &id, &item, &c.user, Utc::now()))
            .await?,
    ))
}

/// `DELETE …/items/{item}/lock`: release the caller's lock (not in Opik, whose locks only
/// expire; the TUI falls back to that).
pub(super) async fn unlock_handler(
    State(st): State<AppState>,
    c: Caller,
    Path((id, item)): Path<(String, String)>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id)?;
    let item = parse_uuid(&item)?;
    st.db
        .write(move |tx| release_lock(tx, &id, &item, &c.user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
