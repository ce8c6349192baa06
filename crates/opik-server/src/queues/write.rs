//! Writes: create, update, delete, items, and claiming an item lock in a write transaction.

use std::collections::BTreeMap;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::errors::ServerError;
use opik_model::{
    AnnotationQueue, AnnotationQueueUpdate, ItemLocks, LockResponse, LocksResponse, Timestamp, ts,
};

use super::*;

pub(super) fn validate_numbers(
    annotators: Option<i64>,
    timeout: Option<i64>,
    errors: &mut Vec<String>,
) {
    if let Some(a) = annotators
        && !(1..=1000).contains(&a)
    {
        errors.push(format!(
            "annotators_per_item must be between 1 and 1000, got {a}"
        ));
    }
    if let Some(t) = timeout
        && !(1..=3600).contains(&t)
    {
        errors.push(format!(
            "lock_timeout_seconds must be between 1 and 3600, got {t}"
        ));
    }
}

/// Insert a queue (create or batch item). Returns its id.
pub fn insert(conn: &Connection, q: &AnnotationQueue, user: &str) -> Result<Uuid, ServerError> {
    let mut errors = Vec::new();
    if q.name.trim().is_empty() {
        errors.push("name must not be blank".to_string());
    }
    let scope = q.scope.trim().to_ascii_lowercase();
    if scope != "trace" && scope != "thread" {
        errors.push(format!(
            "scope must be `trace` or `thread`, got `{}`",
            q.scope
        ));
    }
    validate_numbers(q.annotators_per_item, q.lock_timeout_seconds, &mut errors);
    let project_id = match (q.project_id, q.project_name.as_deref()) {
        (Some(p), _) => Some(p.to_string()),
        (None, Some(name)) if !name.trim().is_empty() => {
            Some(project_id_by_name(conn, name.trim())?.ok_or_else(|| {
                ServerError::not_found(format!("Project not found: no project named `{name}`"))
            })?)
        }
        _ => {
            errors.push("project_id must not be null".to_string());
            None
        }
    };
    if !errors.is_empty() {
        return Err(ServerError::Unprocessable(errors));
    }
    let project_id = project_id.unwrap_or_default();
    if project_name(conn, &project_id)?.is_none() {
        return Err(ServerError::not_found(format!(
            "Project not found: no project with id {project_id}"
        )));
    }
    let id = q.id.unwrap_or_else(Uuid::now_v7);
    if let Some(v) = q.id
        && v.get_version_num() != 7
    {
        return Err(ServerError::bad_request(
            "Invalid UUID for id: annotation queue ids must be UUIDv7",
        ));
    }
    if get_row(conn, &id)?.is_some() {
        return Err(ServerError::conflict(format!(
            "Annotation queue already exists: id {id} is taken"
        )));
    }
    let clash: Option<String> = conn
        .query_row(
            "SELECT id FROM annotation_queues WHERE project_id = ?1 AND name = ?2",
            params![project_id, q.name.trim()],
            |r| r.get(0),
        )
        .optional()?;
    if clash.is_some() {
        return Err(ServerError::conflict(format!(
            "Annotation queue already exists: this project already has a queue named `{}`",
            q.name.trim()
        )));
    }
    let now = ts::format(&Utc::now());
    let names = serde_json::to_string(&q.feedback_definition_names.clone().unwrap_or_default())?;
    conn.execute(
        &format!("INSERT INTO annotation_queues ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?11,?12)"),
        params![
            id.to_string(),
            project_id,
            q.name.trim(),
            q.description,
            q.instructions,
            scope,
            q.comments_enabled.map(i64::from),
            names,
            q.annotators_per_item.unwrap_or(DEFAULT_ANNOTATORS_PER_ITEM),
            q.lock_timeout_seconds.unwrap_or(DEFAULT_LOCK_TIMEOUT_SECONDS),
            now,
            user,
        ],
    )?;
    Ok(id)
}

pub fn update(
    conn: &Connection,
    id: &Uuid,
    u: &AnnotationQueueUpdate,
    user: &str,
) -> Result<(), ServerError> {
    let cur = require_row(conn, id)?;
    let mut errors = Vec::new();
    if u.name.as_deref().map(|n| n.trim().is_empty()) == Some(true) {
        errors.push("name must not be blank".to_string());
    }
    validate_numbers(u.annotators_per_item, u.lock_timeout_seconds, &mut errors);
    if !errors.is_empty() {
        return Err(ServerError::Unprocessable(errors));
    }
    let name = u
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or(&cur.name)
        .to_string();
    if name != cur.name {
        let clash: Option<String> = conn
            .query_row(
                "SELECT id FROM annotation_queues WHERE project_id = ?1 AND name = ?2 AND id <> ?3",
                params![cur.project_id, name, id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if clash.is_some() {
            return Err(ServerError::conflict(format!(
                "Annotation queue already exists: this project already has a queue named `{name}`"
            )));
        }
    }
    let names = serde_json::to_string(
        u.feedback_definition_names
            .as_ref()
            .unwrap_or(&cur.feedback_definition_names),
    )?;
    conn.execute(
        "UPDATE annotation_queues SET name = ?2, description = ?3, instructions = ?4, comments_enabled = ?5,
             feedback_definition_names = ?6, annotators_per_item = ?7, lock_timeout_seconds = ?8,
             last_updated_at = ?9, last_updated_by = ?10 WHERE id = ?1",
        params![
            id.to_string(),
            name,
            u.description.clone().or(cur.description),
            u.instructions.clone().or(cur.instructions),
            u.comments_enabled.or(cur.comments_enabled).map(i64::from),
            names,
            u.annotators_per_item.unwrap_or(cur.annotators_per_item),
            u.lock_timeout_seconds.unwrap_or(cur.lock_timeout_seconds),
            ts::format(&Utc::now()),
            user,
        ],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, ids: &[Uuid]) -> Result<(), ServerError> {
    for id in ids {
        let id = id.to_string();
        conn.execute("DELETE FROM annotation_queues WHERE id = ?1", [&id])?;
        conn.execute(
            "DELETE FROM annotation_queue_items WHERE queue_id = ?1",
            [&id],
        )?;
        conn.execute(
            "DELETE FROM annotation_queue_locks WHERE queue_id = ?1",
            [&id],
        )?;
    }
    Ok(())
}

pub(super) fn check_ids(ids: &[Uuid]) -> Result<(), ServerError> {
    if ids.is_empty() || ids.len() > MAX_BATCH {
        return Err(ServerError::unprocessable(format!(
            "ids size must be between 1 and {MAX_BATCH}, got {}",
            ids.len()
        )));
    }
    Ok(())
}

pub fn add_items(conn: &Connection, id: &Uuid, items: &[Uuid]) -> Result<(), ServerError> {
    check_ids(items)?;
    require_row(conn, id)?;
    let now = ts::format(&Utc::now());
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO annotation_queue_items (queue_id, item_id, created_at) VALUES (?1, ?2, ?3)",
    )?;
    for item in items {
        stmt.execute(params![id.to_string(), item.to_string(), now])?;
    }
    Ok(())
}

pub fn delete_items(conn: &Connection, id: &Uuid, items: &[Uuid]) -> Result<(), ServerError> {
    check_ids(items)?;
    require_row(conn, id)?;
    for item in items {
        conn.execute(
            "DELETE FROM annotation_queue_items WHERE queue_id = ?1 AND item_id = ?2",
            params![id.to_string(), item.to_string()],
        )?;
        conn.execute(
            "DELETE FROM annotation_queue_locks WHERE queue_id = ?1 AND item_id = ?2",
            params![id.to_string(), item.to_string()],
        )?;
    }
    Ok(())
}

/// Which of `items` are in the queue (in the order given).
pub fn search_items(
    conn: &Connection,
    id: &Uuid,
    items: &[Uuid],
) -> Result<Vec<Uuid>, ServerError> {
    check_ids(items)?;
    require_row(conn, id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM annotation_queue_items WHERE queue_id = ?1 AND item_id = ?2",
    )?;
    let mut out = Vec::new();
    for item in items {
        if stmt
            .query_row(params![id.to_string(), item.to_string()], |_| Ok(()))
            .optional()?
            .is_some()
        {
            out.push(*item);
        }
    }
    Ok(out)
}

/// Claim or renew `user`'s lock on an item at time `now` (write transaction).
pub fn claim_lock(
    conn: &Connection,
    queue: &Uuid,
    item: &Uuid,
    user: &str,
    now: Timestamp,
) -> Result<LockResponse, ServerError> {
    let q = require_row(conn, queue)?;
    let in_queue = conn
        .query_row(
            "SELECT 1 FROM annotation_queue_items WHERE queue_id = ?1 AND item_id = ?2",
            params![queue.to_string(), item.to_string()],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !in_queue {
        return Err(ServerError::not_found(format!(
            "Item not found: {item} is not in annotation queue {queue}"
        )));
    }
    let now_s = ts::format(&now);
    conn.execute(
        "DELETE FROM annotation_queue_locks WHERE queue_id = ?1 AND item_id = ?2 AND expires_at <= ?3",
        params![queue.to_string(), item.to_string(), now_s],
    )?;
    let locks = item_locks(conn, queue, item)?;
    let done = done_by(conn, &q)?
        .remove(&item.to_string())
        .unwrap_or_default();
    match decide_lock(
        now,
        user,
        q.annotators_per_item,
        q.lock_timeout_seconds,
        &done,
        &locks,
    ) {
        LockDecision::Acquired { expires_at } => {
            conn.execute(
                "INSERT INTO annotation_queue_locks (queue_id, item_id, locked_by, expires_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(queue_id, item_id, locked_by) DO UPDATE SET expires_at = excluded.expires_at",
                params![queue.to_string(), item.to_string(), user, ts::format(&expires_at)],
            )?;
            Ok(LockResponse {
                acquired: true,
                item_id: Some(*item),
                locked_by: Some(user.to_string()),
                expires_at: Some(expires_at),
            })
        }
        LockDecision::Refused {
            locked_by,
            expires_at,
        } => Ok(LockResponse {
            acquired: false,
            item_id: Some(*item),
            locked_by,
            expires_at,
        }),
    }
}

/// Release `user`'s lock on an item (an SME skipped it), so the slot is free at once instead
/// of when the lock expires. Idempotent: releasing a lock I don't hold does nothing.
pub fn release_lock(
    conn: &Connection,
    queue: &Uuid,
    item: &Uuid,
    user: &str,
) -> Result<(), ServerError> {
    require_row(conn, queue)?;
    conn.execute(
        "DELETE FROM annotation_queue_locks WHERE queue_id = ?1 AND item_id = ?2 AND locked_by = ?3",
        params![queue.to_string(), item.to_string(), user],
    )?;
    Ok(())
}

pub(super) fn item_locks(
    conn: &Connection,
    queue: &Uuid,
    item: &Uuid,
) -> Result<Vec<Lock>, ServerError> {
    let mut stmt = conn.prepare_cached(
        "SELECT locked_by, expires_at FROM annotation_queue_locks WHERE queue_id = ?1 AND item_id = ?2",
    )?;
    let rows = stmt.query_map(params![queue.to_string(), item.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (locked_by, exp) = r?;
        if let Some(expires_at) = ts::parse(&exp) {
            out.push(Lock {
                locked_by,
                expires_at,
            });
        }
    }
    Ok(out)
}

/// Active locks of a queue at `now`.
pub fn active_locks(
    conn: &Connection,
    queue: &Uuid,
    now: Timestamp,
) -> Result<LocksResponse, ServerError> {
    require_row(conn, queue)?;
    let mut stmt = conn.prepare_cached(
        "SELECT item_id, locked_by FROM annotation_queue_locks WHERE queue_id = ?1 AND expires_at > ?2 ORDER BY item_id, expires_at",
    )?;
    let rows = stmt.query_map(params![queue.to_string(), ts::format(&now)], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut locks: BTreeMap<String, ItemLocks> = BTreeMap::new();
    for r in rows {
        let (item, by) = r?;
        let e = locks.entry(item).or_default();
        e.active_locks += 1;
        e.locked_by.push(by);
    }
    Ok(LocksResponse { locks })
}
