//! Annotation queues (`/v1/private/annotation-queues`): lists of traces or threads that
//! reviewers score, with progress and advisory item locks.
//!
//! - CRUD: create (client-sent UUIDv7 id accepted, 201 + Location), batch create, get, list
//!   (page/size, `name` substring, `filters` on `id`/`project_id`/`name`/`scope`, `sorting`),
//!   PATCH, delete. Read-only fields are computed on read: `project_name`, `items_count`,
//!   `reviewers` (`[{username, status}]`, status = items that user completed: scored one of
//!   the queue's definitions, or commented), `feedback_scores` (averages over the items).
//! - Items: add / delete / `items/search {ids}` (which of these ids are in the queue). Trace
//!   queues hold trace ids; thread queues hold `thread_model_id`s. Tables
//!   `annotation_queues` and `annotation_queue_items` are also read by the trace and thread
//!   filters (`annotation_queue_ids`) and their `annotation_queues` field.
//! - Locks, as `opik-sme-annotation.md` describes Opik's: `PUT …/items/{item}/lock` claims one
//!   of the item's free slots or renews my lock; slots = `annotators_per_item` − people who
//!   already completed the item; a lock lasts `lock_timeout_seconds`; there is no release.
//!   `GET …/{id}/locks` lists active locks only. The decision is the pure [`decide_lock`]
//!   (unit-tested with explicit clocks); [`claim_lock`] applies it in a write transaction.

use std::collections::{BTreeMap, BTreeSet};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post, put},
};
use chrono::{Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use uuid::Uuid;

use super::errors::{LJson, ServerError};
use super::feedback_definitions::{created, page_params};
use super::{AppState, Caller};
use opik_model::{
    AnnotationQueue, AnnotationQueueUpdate, BatchDelete, FeedbackScoreAverage, Filter, ItemIds,
    ItemLocks, LockResponse, LocksResponse, Page, Reviewer, Sorting, Timestamp, ts,
};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS annotation_queues (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    instructions TEXT,
    scope TEXT NOT NULL,
    comments_enabled INTEGER,
    feedback_definition_names TEXT,
    annotators_per_item INTEGER NOT NULL DEFAULT 1,
    lock_timeout_seconds INTEGER NOT NULL DEFAULT 300,
    created_at TEXT NOT NULL,
    created_by TEXT,
    last_updated_at TEXT NOT NULL,
    last_updated_by TEXT
);
CREATE INDEX IF NOT EXISTS annotation_queues_project ON annotation_queues(project_id, id);
CREATE TABLE IF NOT EXISTS annotation_queue_items (
    queue_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (queue_id, item_id)
);
CREATE INDEX IF NOT EXISTS annotation_queue_items_item ON annotation_queue_items(item_id);
CREATE TABLE IF NOT EXISTS annotation_queue_locks (
    queue_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    locked_by TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (queue_id, item_id, locked_by)
);
"#;

pub const DEFAULT_ANNOTATORS_PER_ITEM: i64 = 1;
pub const DEFAULT_LOCK_TIMEOUT_SECONDS: i64 = 300;
const MAX_BATCH: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/private/annotation-queues",
            get(list_handler).post(create_handler),
        )
        .route("/v1/private/annotation-queues/batch", post(batch_handler))
        .route("/v1/private/annotation-queues/delete", post(delete_handler))
        .route(
            "/v1/private/annotation-queues/{id}",
            get(get_handler).patch(update_handler),
        )
        .route(
            "/v1/private/annotation-queues/{id}/items/add",
            post(items_add_handler),
        )
        .route(
            "/v1/private/annotation-queues/{id}/items/delete",
            post(items_delete_handler),
        )
        .route(
            "/v1/private/annotation-queues/{id}/items/search",
            post(items_search_handler),
        )
        .route(
            "/v1/private/annotation-queues/{id}/locks",
            get(locks_handler),
        )
        .route(
            "/v1/private/annotation-queues/{id}/items/{item}/lock",
            put(lock_handler),
        )
}

// ---------------------------------------------------------------------------------------------
// Locks: pure decision

/// A stored lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Lock {
    pub locked_by: String,
    pub expires_at: Timestamp,
}

/// What a lock claim decides.
#[derive(Debug, Clone, PartialEq)]
pub enum LockDecision {
    /// The caller holds the lock until `expires_at` (new or renewed).
    Acquired { expires_at: Timestamp },
    /// All slots are taken. `locked_by`/`expires_at` name the earliest-expiring other
    /// holder when there is one (none when the item is already complete).
    Refused {
        locked_by: Option<String>,
        expires_at: Option<Timestamp>,
    },
}

/// Decide a lock claim by `user` on an item at time `now`.
///
/// `done_by` = people who already completed the item (scored one of the queue's definitions or
/// commented); `locks` = the item's stored locks (expired ones are ignored). Rules:
/// - my active lock → renewed; I already completed the item → granted (I may edit my scores);
/// - otherwise slots = `annotators_per_item` − |done_by|, and active locks held by people who
///   have not completed the item take slots; a free slot → granted, else refused.
pub fn decide_lock(
    now: Timestamp,
    user: &str,
    annotators_per_item: i64,
    lock_timeout_seconds: i64,
    done_by: &BTreeSet<String>,
    locks: &[Lock],
) -> LockDecision {
    let expires_at = now + Duration::seconds(lock_timeout_seconds.max(1));
    let active: Vec<&Lock> = locks.iter().filter(|l| l.expires_at > now).collect();
    if active.iter().any(|l| l.locked_by == user) || done_by.contains(user) {
        return LockDecision::Acquired { expires_at };
    }
    let slots = annotators_per_item.max(1) - done_by.len() as i64;
    let mut others: Vec<&&Lock> = active
        .iter()
        .filter(|l| !done_by.contains(&l.locked_by))
        .collect();
    if (others.len() as i64) < slots {
        return LockDecision::Acquired { expires_at };
    }
    others.sort_by_key(|l| l.expires_at);
    LockDecision::Refused {
        locked_by: others.first().map(|l| l.locked_by.clone()),
        expires_at: others.first().map(|l| l.expires_at),
    }
}

// ---------------------------------------------------------------------------------------------
// Storage

/// A stored queue (the writable fields).
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    pub id: Uuid,
    pub project_id: String,
    pub name: String,
    pub description: Option<String>,
    pub instructions: Option<String>,
    pub scope: String,
    pub comments_enabled: Option<bool>,
    pub feedback_definition_names: Vec<String>,
    pub annotators_per_item: i64,
    pub lock_timeout_seconds: i64,
    pub created_at: Option<String>,
    pub created_by: Option<String>,
    pub last_updated_at: Option<String>,
    pub last_updated_by: Option<String>,
}

const COLS: &str = "id, project_id, name, description, instructions, scope, comments_enabled, \
    feedback_definition_names, annotators_per_item, lock_timeout_seconds, created_at, created_by, \
    last_updated_at, last_updated_by";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueueRow> {
    let id: String = r.get(0)?;
    let names: Option<String> = r.get(7)?;
    Ok(QueueRow {
        id: Uuid::parse_str(&id).unwrap_or_default(),
        project_id: r.get(1)?,
        name: r.get(2)?,
        description: r.get(3)?,
        instructions: r.get(4)?,
        scope: r.get(5)?,
        comments_enabled: r.get::<_, Option<i64>>(6)?.map(|v| v != 0),
        feedback_definition_names: names
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        annotators_per_item: r.get(8)?,
        lock_timeout_seconds: r.get(9)?,
        created_at: r.get(10)?,
        created_by: r.get(11)?,
        last_updated_at: r.get(12)?,
        last_updated_by: r.get(13)?,
    })
}

pub fn get_row(conn: &Connection, id: &Uuid) -> Result<Option<QueueRow>, ServerError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLS} FROM annotation_queues WHERE id = ?1"),
            [id.to_string()],
            row,
        )
        .optional()?)
}

fn queue_not_found(id: &Uuid) -> ServerError {
    ServerError::not_found(format!("Annotation queue not found: no queue with id {id}"))
}

fn require_row(conn: &Connection, id: &Uuid) -> Result<QueueRow, ServerError> {
    get_row(conn, id)?.ok_or_else(|| queue_not_found(id))
}

fn project_name(conn: &Connection, project_id: &str) -> Result<Option<String>, ServerError> {
    Ok(conn
        .query_row(
            "SELECT name FROM projects WHERE id = ?1",
            [project_id],
            |r| r.get(0),
        )
        .optional()?)
}

fn project_id_by_name(conn: &Connection, name: &str) -> Result<Option<String>, ServerError> {
    Ok(conn
        .query_row("SELECT id FROM projects WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

/// SQL selecting `(item_id, author)` pairs of people who completed items of queue `?1`:
/// scores (on the queue's definitions, `?2` = JSON array of names, or any name when the queue
/// names none) and comments. Thread items are `thread_model_id`s; scores and comments on a
/// thread may be keyed by `thread_model_id` or by the string thread id, so both are matched.
fn done_sql(scope: &str) -> &'static str {
    if scope == "thread" {
        r#"
        SELECT i.item_id, s.author FROM annotation_queue_items i
          LEFT JOIN threads th ON th.thread_model_id = i.item_id
          JOIN feedback_scores s ON s.entity_type = 'thread'
               AND (s.entity_id = i.item_id OR (th.thread_id IS NOT NULL AND s.entity_id = th.thread_id
                    AND (s.project_id IS NULL OR s.project_id = th.project_id)))
         WHERE i.queue_id = ?1 AND (json_array_length(?2) = 0 OR s.name IN (SELECT value FROM json_each(?2)))
        UNION
        SELECT i.item_id, c.created_by FROM annotation_queue_items i
          LEFT JOIN threads th ON th.thread_model_id = i.item_id
          JOIN comments c ON c.entity_type = 'thread'
               AND (c.entity_id = i.item_id OR (th.thread_id IS NOT NULL AND c.entity_id = th.thread_id))
         WHERE i.queue_id = ?1 AND c.created_by IS NOT NULL
        "#
    } else {
        r#"
        SELECT i.item_id, s.author FROM annotation_queue_items i
          JOIN feedback_scores s ON s.entity_type = 'trace' AND s.entity_id = i.item_id
         WHERE i.queue_id = ?1 AND (json_array_length(?2) = 0 OR s.name IN (SELECT value FROM json_each(?2)))
        UNION
        SELECT i.item_id, c.created_by FROM annotation_queue_items i
          JOIN comments c ON c.entity_type = 'trace' AND c.entity_id = i.item_id
         WHERE i.queue_id = ?1 AND c.created_by IS NOT NULL
        "#
    }
}

/// item id → people who completed it.
pub fn done_by(
    conn: &Connection,
    q: &QueueRow,
) -> Result<BTreeMap<String, BTreeSet<String>>, ServerError> {
    let names = serde_json::to_string(&q.feedback_definition_names)?;
    let mut stmt = conn.prepare_cached(done_sql(&q.scope))?;
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let rows = stmt.query_map(params![q.id.to_string(), names], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    for r in rows {
        let (item, author) = r?;
        if let Some(a) = author {
            out.entry(item).or_default().insert(a);
        }
    }
    Ok(out)
}

fn score_averages(
    conn: &Connection,
    q: &QueueRow,
) -> Result<Vec<FeedbackScoreAverage>, ServerError> {
    let names = serde_json::to_string(&q.feedback_definition_names)?;
    let (entity, join) = if q.scope == "thread" {
        (
            "thread",
            "LEFT JOIN threads th ON th.thread_model_id = i.item_id \
             JOIN feedback_scores s ON s.entity_type = 'thread' AND (s.entity_id = i.item_id \
                  OR (th.thread_id IS NOT NULL AND s.entity_id = th.thread_id AND (s.project_id IS NULL OR s.project_id = th.project_id)))",
        )
    } else {
        (
            "trace",
            "JOIN feedback_scores s ON s.entity_type = 'trace' AND s.entity_id = i.item_id",
        )
    };
    let _ = entity;
    let sql = format!(
        "SELECT s.name, avg(s.value) FROM annotation_queue_items i {join} \
         WHERE i.queue_id = ?1 AND s.value IS NOT NULL \
           AND (json_array_length(?2) = 0 OR s.name IN (SELECT value FROM json_each(?2))) \
         GROUP BY s.name ORDER BY s.name"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![q.id.to_string(), names], |r| {
        Ok(FeedbackScoreAverage {
            name: r.get(0)?,
            value: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The public view of a stored queue, with its computed fields.
pub fn to_public(conn: &Connection, q: &QueueRow) -> Result<AnnotationQueue, ServerError> {
    let items_count: i64 = conn.query_row(
        "SELECT count(*) FROM annotation_queue_items WHERE queue_id = ?1",
        [q.id.to_string()],
        |r| r.get(0),
    )?;
    let mut per_user: BTreeMap<String, i64> = BTreeMap::new();
    for users in done_by(conn, q)?.values() {
        for u in users {
            *per_user.entry(u.clone()).or_default() += 1;
        }
    }
    let reviewers = per_user
        .into_iter()
        .map(|(username, n)| Reviewer {
            username,
            status: Some(n),
        })
        .collect();
    Ok(AnnotationQueue {
        id: Some(q.id),
        project_id: Uuid::parse_str(&q.project_id).ok(),
        project_name: project_name(conn, &q.project_id)?,
        name: q.name.clone(),
        description: q.description.clone(),
        instructions: q.instructions.clone(),
        scope: q.scope.clone(),
        comments_enabled: q.comments_enabled,
        feedback_definition_names: Some(q.feedback_definition_names.clone()),
        annotators_per_item: Some(q.annotators_per_item),
        lock_timeout_seconds: Some(q.lock_timeout_seconds),
        reviewers: Some(reviewers),
        feedback_scores: Some(score_averages(conn, q)?),
        items_count: Some(items_count),
        created_at: q.created_at.as_deref().and_then(ts::parse),
        created_by: q.created_by.clone(),
        last_updated_at: q.last_updated_at.as_deref().and_then(ts::parse),
        last_updated_by: q.last_updated_by.clone(),
    })
}

fn validate_numbers(annotators: Option<i64>, timeout: Option<i64>, errors: &mut Vec<String>) {
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

fn check_ids(ids: &[Uuid]) -> Result<(), ServerError> {
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

fn item_locks(conn: &Connection, queue: &Uuid, item: &Uuid) -> Result<Vec<Lock>, ServerError> {
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

// ---------------------------------------------------------------------------------------------
// Listing

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub page: Option<String>,
    pub size: Option<String>,
    pub name: Option<String>,
    pub filters: Option<String>,
    pub sorting: Option<String>,
}

fn parse_json_param<T: serde::de::DeserializeOwned>(
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
fn filter_sql(filters: &[Filter]) -> Result<(Vec<String>, Vec<String>), ServerError> {
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

// ---------------------------------------------------------------------------------------------
// Handlers

fn parse_uuid(s: &str) -> Result<Uuid, ServerError> {
    Uuid::parse_str(s.trim())
        .map_err(|_| ServerError::bad_request(format!("Invalid UUID `{s}` in the path")))
}

async fn list_handler(
    State(st): State<AppState>,
    _c: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<AnnotationQueue>>, ServerError> {
    Ok(Json(st.db.read(move |c| list(c, &q)).await?))
}

async fn get_handler(
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

async fn create_handler(
    State(st): State<AppState>,
    c: Caller,
    LJson(q): LJson<AnnotationQueue>,
) -> Result<Response, ServerError> {
    let id = st.db.write(move |tx| insert(tx, &q, &c.user)).await?;
    Ok(created(format!("/v1/private/annotation-queues/{id}")))
}

#[derive(Debug, Deserialize)]
struct QueueBatch {
    #[serde(default)]
    annotation_queues: Vec<AnnotationQueue>,
}

async fn batch_handler(
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

async fn update_handler(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    LJson(u): LJson<AnnotationQueueUpdate>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id)?;
    st.db.write(move |tx| update(tx, &id, &u, &c.user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_handler(
    State(st): State<AppState>,
    _c: Caller,
    LJson(b): LJson<BatchDelete>,
) -> Result<StatusCode, ServerError> {
    check_ids(&b.ids)?;
    st.db.write(move |tx| delete(tx, &b.ids)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn items_add_handler(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
    LJson(b): LJson<ItemIds>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id)?;
    st.db.write(move |tx| add_items(tx, &id, &b.ids)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn items_delete_handler(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
    LJson(b): LJson<ItemIds>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id)?;
    st.db.write(move |tx| delete_items(tx, &id, &b.ids)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn items_search_handler(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
    LJson(b): LJson<ItemIds>,
) -> Result<Json<ItemIds>, ServerError> {
    let id = parse_uuid(&id)?;
    let ids = st.db.read(move |c| search_items(c, &id, &b.ids)).await?;
    Ok(Json(ItemIds { ids }))
}

async fn locks_handler(
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

async fn lock_handler(
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> Timestamp {
        Utc.timestamp_opt(1_800_000_000 + s, 0)
            .single()
            .unwrap_or_default()
    }
    fn set(xs: &[&str]) -> BTreeSet<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }
    fn lock(by: &str, exp: i64) -> Lock {
        Lock {
            locked_by: by.into(),
            expires_at: t(exp),
        }
    }

    #[test]
    fn lock_slots_and_expiry() {
        // One slot: alice takes it, bob is refused until it expires.
        assert_eq!(
            decide_lock(t(0), "alice", 1, 300, &set(&[]), &[]),
            LockDecision::Acquired { expires_at: t(300) }
        );
        let locks = [lock("alice", 300)];
        assert_eq!(
            decide_lock(t(10), "bob", 1, 300, &set(&[]), &locks),
            LockDecision::Refused {
                locked_by: Some("alice".into()),
                expires_at: Some(t(300))
            }
        );
        assert_eq!(
            decide_lock(t(300), "bob", 1, 300, &set(&[]), &locks),
            LockDecision::Acquired { expires_at: t(600) }
        );
        // Renewal by the holder extends it.
        assert_eq!(
            decide_lock(t(200), "alice", 1, 300, &set(&[]), &locks),
            LockDecision::Acquired { expires_at: t(500) }
        );
    }

    #[test]
    fn people_who_scored_use_up_slots() {
        // Two annotators per item, carol already scored: one slot left.
        let done = set(&["carol"]);
        assert!(matches!(
            decide_lock(t(0), "alice", 2, 60, &done, &[]),
            LockDecision::Acquired { .. }
        ));
        let locks = [lock("alice", 60)];
        assert!(matches!(
            decide_lock(t(1), "bob", 2, 60, &done, &locks),
            LockDecision::Refused { .. }
        ));
        // A lock still held by someone who has since scored takes no extra slot.
        let done2 = set(&["carol", "alice"]);
        assert_eq!(
            decide_lock(t(1), "bob", 3, 60, &done2, &locks),
            LockDecision::Acquired { expires_at: t(61) }
        );
        // Complete item: refused without a holder; the scorers themselves may come back.
        assert_eq!(
            decide_lock(t(1), "bob", 2, 60, &done2, &[]),
            LockDecision::Refused {
                locked_by: None,
                expires_at: None
            }
        );
        assert!(matches!(
            decide_lock(t(1), "carol", 2, 60, &done2, &[]),
            LockDecision::Acquired { .. }
        ));
    }

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(super::super::db::CORE_SCHEMA).unwrap();
        c.execute_batch(SCHEMA).unwrap();
        c.execute(
            "INSERT INTO projects(id,name,created_at,last_updated_at) VALUES('0190babc-0000-7000-8000-000000000001','p','t','t')",
            [],
        )
        .unwrap();
        c
    }

    #[test]
    fn thread_queue_progress_counts_scores_and_comments() {
        let c = db();
        let q = AnnotationQueue {
            project_id: Uuid::parse_str("0190babc-0000-7000-8000-000000000001").ok(),
            name: "threads".into(),
            scope: "thread".into(),
            feedback_definition_names: Some(vec!["resolved".into()]),
            ..Default::default()
        };
        let id = insert(&c, &q, "admin").unwrap();
        let (m1, m2) = (Uuid::now_v7(), Uuid::now_v7());
        for (m, t) in [(m1, "chat-1"), (m2, "chat-2")] {
            c.execute(
                "INSERT INTO threads(project_id,thread_id,thread_model_id,created_at,last_updated_at) VALUES('0190babc-0000-7000-8000-000000000001',?1,?2,'t','t')",
                params![t, m.to_string()],
            )
            .unwrap();
        }
        add_items(&c, &id, &[m1, m2]).unwrap();
        // alice scores thread 1 (keyed by thread_model_id), bob comments on thread 2.
        c.execute(
            "INSERT INTO feedback_scores(entity_type,entity_id,project_id,name,author,value,created_at,last_updated_at) VALUES('thread',?1,'0190babc-0000-7000-8000-000000000001','resolved','alice',1,'t','t')",
            [m1.to_string()],
        )
        .unwrap();
        c.execute(
            "INSERT INTO comments(id,entity_type,entity_id,text,created_at,created_by,last_updated_at) VALUES('c1','thread',?1,'hm','t','bob','t')",
            [m2.to_string()],
        )
        .unwrap();
        let p = to_public(&c, &get_row(&c, &id).unwrap().unwrap()).unwrap();
        assert_eq!(p.items_count, Some(2));
        assert_eq!(
            p.reviewers,
            Some(vec![
                Reviewer {
                    username: "alice".into(),
                    status: Some(1)
                },
                Reviewer {
                    username: "bob".into(),
                    status: Some(1)
                },
            ])
        );
        // Thread 1 is complete (one annotator per item): carol is refused, alice is not.
        assert!(!claim_lock(&c, &id, &m1, "carol", t(0)).unwrap().acquired);
        assert!(claim_lock(&c, &id, &m1, "alice", t(0)).unwrap().acquired);
        assert!(claim_lock(&c, &id, &m1, "alice", t(0)).unwrap().acquired);
    }

    #[test]
    fn claim_lock_in_storage_with_injected_clock() {
        let c = db();
        let q = AnnotationQueue {
            project_id: Uuid::parse_str("0190babc-0000-7000-8000-000000000001").ok(),
            name: "q".into(),
            scope: "trace".into(),
            feedback_definition_names: Some(vec!["helpfulness".into()]),
            lock_timeout_seconds: Some(100),
            ..Default::default()
        };
        let id = insert(&c, &q, "admin").unwrap();
        let item = Uuid::now_v7();
        assert!(matches!(
            claim_lock(&c, &id, &item, "alice", t(0)),
            Err(ServerError::NotFound(_))
        ));
        add_items(&c, &id, &[item]).unwrap();
        let r = claim_lock(&c, &id, &item, "alice", t(0)).unwrap();
        assert!(r.acquired && r.expires_at == Some(t(100)));
        let r = claim_lock(&c, &id, &item, "bob", t(50)).unwrap();
        assert!(!r.acquired && r.locked_by.as_deref() == Some("alice"));
        assert_eq!(
            active_locks(&c, &id, t(50)).unwrap().locks[&item.to_string()].locked_by,
            vec!["alice"]
        );
        assert!(active_locks(&c, &id, t(100)).unwrap().locks.is_empty());
        // alice scores the item: it is complete (1 annotator), so bob is still refused even
        // after alice's lock expires, while alice may lock it again.
        c.execute(
            "INSERT INTO feedback_scores(entity_type,entity_id,name,author,value,created_at,last_updated_at) VALUES('trace',?1,'helpfulness','alice',1,'t','t')",
            [item.to_string()],
        )
        .unwrap();
        let r = claim_lock(&c, &id, &item, "bob", t(150)).unwrap();
        assert!(!r.acquired && r.locked_by.is_none());
        assert!(
            claim_lock(&c, &id, &item, "alice", t(150))
                .unwrap()
                .acquired
        );
        let pubq = to_public(&c, &get_row(&c, &id).unwrap().unwrap()).unwrap();
        assert_eq!(pubq.items_count, Some(1));
        assert_eq!(
            pubq.reviewers,
            Some(vec![Reviewer {
                username: "alice".into(),
                status: Some(1)
            }])
        );
        assert_eq!(pubq.feedback_scores.unwrap()[0].value, Some(1.0));
    }
}
