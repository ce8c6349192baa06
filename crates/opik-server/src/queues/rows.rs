//! Reading a stored queue: its row, who completed what, and the public shape with computed fields.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::errors::ServerError;
use opik_model::{AnnotationQueue, FeedbackScoreAverage, Reviewer, ts};

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

pub(super) const COLS: &str = "id, project_id, name, description, instructions, scope, comments_enabled, \
    feedback_definition_names, annotators_per_item, lock_timeout_seconds, created_at, created_by, \
    last_updated_at, last_updated_by";

pub(super) fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueueRow> {
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

pub(super) fn queue_not_found(id: &Uuid) -> ServerError {
    ServerError::not_found(format!("Annotation queue not found: no queue with id {id}"))
}

pub(super) fn require_row(conn: &Connection, id: &Uuid) -> Result<QueueRow, ServerError> {
    get_row(conn, id)?.ok_or_else(|| queue_not_found(id))
}

pub(super) fn project_name(
    conn: &Connection,
    project_id: &str,
) -> Result<Option<String>, ServerError> {
    Ok(conn
        .query_row(
            "SELECT name FROM projects WHERE id = ?1",
            [project_id],
            |r| r.get(0),
        )
        .optional()?)
}

pub(super) fn project_id_by_name(
    conn: &Connection,
    name: &str,
) -> Result<Option<String>, ServerError> {
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
pub(super) fn done_sql(scope: &str) -> &'static str {
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

pub(super) fn score_averages(
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
