//! Feedback scores on traces, spans and threads, stored **per author** as current Opik does:
//! one row per (entity, name, author). The score shown on an entity has `value` = the average
//! over authors, `reason`/`category_name` joined across authors, and `value_by_author` with each
//! author's entry; a re-sent score replaces only that author's entry. The author is the caller
//! (see `auth.rs`). Scores may arrive before their entity. Thread scores address the thread by
//! `(project, thread_id)`, are accepted whatever the thread's status, and survive a re-opened
//! thread (they are keyed by the stable `thread_model_id`).

use std::collections::{BTreeMap, HashMap};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{get, post, put},
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{SPAN, THREAD, TRACE, entity_kind, now_ts, parse_uuid, put_str};
use super::{AppState, Caller, LJson, ServerError, ingest, projects};
use opik_model::{
    DeleteFeedbackScore, DeleteThreadFeedbackScores, FeedbackScoreBatch, FeedbackScoreItem,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/private/traces/feedback-scores",
            put(put_batch::<TRACE>),
        )
        .route("/v1/private/spans/feedback-scores", put(put_batch::<SPAN>))
        .route(
            "/v1/private/traces/threads/feedback-scores",
            put(put_thread_batch),
        )
        .route(
            "/v1/private/traces/{id}/feedback-scores",
            put(put_one::<TRACE>),
        )
        .route(
            "/v1/private/spans/{id}/feedback-scores",
            put(put_one::<SPAN>),
        )
        .route(
            "/v1/private/traces/{id}/feedback-scores/delete",
            post(delete_entity::<TRACE>),
        )
        .route(
            "/v1/private/spans/{id}/feedback-scores/delete",
            post(delete_entity::<SPAN>),
        )
        .route(
            "/v1/private/traces/threads/feedback-scores/delete",
            post(delete_thread),
        )
        .route(
            "/v1/private/traces/feedback-scores/names",
            get(names::<TRACE>),
        )
        .route(
            "/v1/private/spans/feedback-scores/names",
            get(names::<SPAN>),
        )
        .route(
            "/v1/private/traces/threads/feedback-scores/names",
            get(names::<THREAD>),
        )
        .route(
            "/v1/private/projects/feedback-scores/names",
            get(names::<TRACE>),
        )
}

const SOURCES: &[&str] = &["ui", "sdk", "online_scoring"];

/// Validate one score item; returns (name, value, source).
fn check_item(i: usize, it: &FeedbackScoreItem) -> Result<(String, f64, String), ServerError> {
    let name = it.name.trim();
    if name.is_empty() {
        return Err(ServerError::unprocessable(format!(
            "scores[{i}].name must not be blank"
        )));
    }
    let Some(value) = it.value.filter(|v| v.is_finite()) else {
        return Err(ServerError::unprocessable(format!(
            "scores[{i}].value must not be null"
        )));
    };
    if value.abs() > 999_999_999.999_999_999 {
        return Err(ServerError::unprocessable(format!(
            "scores[{i}].value must be between -999999999.999999999 and 999999999.999999999"
        )));
    }
    let source = it
        .source
        .clone()
        .unwrap_or_else(|| "sdk".into())
        .to_ascii_lowercase();
    if !SOURCES.contains(&source.as_str()) {
        return Err(ServerError::bad_request(format!(
            "Unable to process JSON. Unknown score source {source:?}; expected ui, sdk or online_scoring"
        )));
    }
    Ok((name.to_string(), value, source))
}

/// Insert or replace one author's score.
#[allow(clippy::too_many_arguments)]
fn upsert(
    tx: &Connection,
    entity_type: &str,
    entity_id: &str,
    project_id: Option<&str>,
    name: &str,
    author: &str,
    value: f64,
    it: &FeedbackScoreItem,
    source: &str,
    now: &str,
) -> Result<(), ServerError> {
    tx.prepare_cached(
        "INSERT INTO feedback_scores(entity_type, entity_id, project_id, name, author, value, reason, category_name, source, source_queue_id, created_at, last_updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
         ON CONFLICT(entity_type, entity_id, name, author) DO UPDATE SET
           project_id = coalesce(excluded.project_id, project_id), value = excluded.value, reason = excluded.reason,
           category_name = excluded.category_name, source = excluded.source, source_queue_id = excluded.source_queue_id,
           last_updated_at = excluded.last_updated_at",
    )?
    .execute(params![
        entity_type,
        entity_id,
        project_id,
        name,
        author,
        value,
        it.reason,
        it.category_name,
        source,
        it.source_queue_id.map(|q| q.to_string()),
        now
    ])?;
    Ok(())
}

fn entity_project(tx: &Connection, table: &str, id: &str) -> Result<Option<String>, ServerError> {
    Ok(tx
        .query_row(
            &format!("SELECT project_id FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Store trace or span scores (batch items carry `id`).
pub fn put_entity_scores(
    tx: &Connection,
    entity_type: &str,
    items: &[FeedbackScoreItem],
    user: &str,
) -> Result<(), ServerError> {
    if items.is_empty() || items.len() > 1000 {
        return Err(ServerError::unprocessable(
            "scores size must be between 1 and 1000",
        ));
    }
    let table = if entity_type == "trace" {
        "traces"
    } else {
        "spans"
    };
    let now = now_ts();
    for (i, it) in items.iter().enumerate() {
        let (name, value, source) = check_item(i, it)?;
        let Some(id) = it.id else {
            return Err(ServerError::unprocessable(format!(
                "scores[{i}].id must not be null"
            )));
        };
        let id = id.to_string();
        let project_id = match entity_project(tx, table, &id)? {
            Some(p) => p,
            None => match it.project_id {
                Some(p) => p.to_string(),
                None => projects::get_or_create(tx, it.project_name.as_deref(), user)?,
            },
        };
        upsert(
            tx,
            entity_type,
            &id,
            Some(&project_id),
            &name,
            user,
            value,
            it,
            &source,
            &now,
        )?;
    }
    Ok(())
}

async fn put_batch<const K: u8>(
    State(st): State<AppState>,
    caller: Caller,
    LJson(b): LJson<FeedbackScoreBatch>,
) -> Result<StatusCode, ServerError> {
    st.db
        .write(move |tx| put_entity_scores(tx, entity_kind(K), &b.scores, &caller.user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn put_one<const K: u8>(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    LJson(mut it): LJson<FeedbackScoreItem>,
) -> Result<StatusCode, ServerError> {
    let kind = entity_kind(K);
    it.id = Some(parse_uuid(&id, &format!("{kind} id"))?);
    st.db
        .write(move |tx| put_entity_scores(tx, kind, &[it], &caller.user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Store thread scores (items carry `thread_id` + project).
pub fn put_thread_scores(
    tx: &Connection,
    items: &[FeedbackScoreItem],
    user: &str,
) -> Result<(), ServerError> {
    if items.is_empty() || items.len() > 1000 {
        return Err(ServerError::unprocessable(
            "scores size must be between 1 and 1000",
        ));
    }
    let now = now_ts();
    for (i, it) in items.iter().enumerate() {
        let (name, value, source) = check_item(i, it)?;
        let Some(thread_id) = it
            .thread_id
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Err(ServerError::unprocessable(format!(
                "scores[{i}].thread_id must not be blank"
            )));
        };
        let project_id = match it.project_id {
            Some(p) => p.to_string(),
            None => projects::get_or_create(tx, it.project_name.as_deref(), user)?,
        };
        let model_id = ingest::ensure_thread(tx, &project_id, thread_id, &now, user)?;
        upsert(
            tx,
            "thread",
            &model_id,
            Some(&project_id),
            &name,
            user,
            value,
            it,
            &source,
            &now,
        )?;
    }
    Ok(())
}

async fn put_thread_batch(
    State(st): State<AppState>,
    caller: Caller,
    LJson(b): LJson<FeedbackScoreBatch>,
) -> Result<StatusCode, ServerError> {
    st.db
        .write(move |tx| put_thread_scores(tx, &b.scores, &caller.user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn delete_scores(
    tx: &Connection,
    entity_type: &str,
    entity_id: &str,
    name: &str,
    author: Option<&str>,
) -> Result<(), ServerError> {
    match author {
        Some(a) => tx.execute(
            "DELETE FROM feedback_scores WHERE entity_type = ?1 AND entity_id = ?2 AND name = ?3 AND author = ?4",
            params![entity_type, entity_id, name, a],
        )?,
        None => tx.execute(
            "DELETE FROM feedback_scores WHERE entity_type = ?1 AND entity_id = ?2 AND name = ?3",
            params![entity_type, entity_id, name],
        )?,
    };
    Ok(())
}

/// Whose scores a delete removes: a named author (only oneself unless admin), else all
/// authors for the admin and only one's own for a user.
fn delete_author(caller: &Caller, named: Option<&str>) -> Result<Option<String>, ServerError> {
    match named.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => {
            caller.check_owner(a, "this feedback score")?;
            Ok(Some(a.to_string()))
        }
        None if caller.admin => Ok(None),
        None => Ok(Some(caller.user.clone())),
    }
}

async fn delete_entity<const K: u8>(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    LJson(b): LJson<DeleteFeedbackScore>,
) -> Result<StatusCode, ServerError> {
    let kind = entity_kind(K);
    let id = parse_uuid(&id, &format!("{kind} id"))?.to_string();
    if b.name.trim().is_empty() {
        return Err(ServerError::unprocessable("name must not be blank"));
    }
    let author = delete_author(&caller, b.author.as_deref())?;
    st.db
        .write(move |tx| delete_scores(tx, kind, &id, b.name.trim(), author.as_deref()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_thread(
    State(st): State<AppState>,
    caller: Caller,
    LJson(b): LJson<DeleteThreadFeedbackScores>,
) -> Result<StatusCode, ServerError> {
    if b.names.is_empty() {
        return Err(ServerError::unprocessable(
            "names size must be between 1 and 1000",
        ));
    }
    let author = delete_author(&caller, b.author.as_deref())?;
    st.db
        .write(move |tx| {
            let pid = match b.project_id {
                Some(p) => Some(p.to_string()),
                None => projects::resolve(
                    tx,
                    None,
                    Some(
                        b.project_name
                            .as_deref()
                            .unwrap_or(projects::DEFAULT_PROJECT),
                    ),
                )?,
            };
            let Some(pid) = pid else { return Ok(()) };
            let model: Option<String> = tx
                .query_row(
                    "SELECT thread_model_id FROM threads WHERE project_id = ?1 AND thread_id = ?2",
                    [&pid, &b.thread_id],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(m) = model {
                for n in &b.names {
                    delete_scores(tx, "thread", &m, n, author.as_deref())?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Scores of many entities at once: entity id → `[FeedbackScore]` JSON (per-author aggregated).
pub fn load(
    conn: &Connection,
    entity_type: &str,
    ids: &[String],
) -> Result<HashMap<String, Vec<Value>>, ServerError> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT entity_id, name, author, value, reason, category_name, source, source_queue_id, created_at, last_updated_at
             FROM feedback_scores WHERE entity_type = ? AND entity_id IN ({marks}) ORDER BY entity_id, name, author"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![&entity_type];
        for id in chunk {
            params.push(id);
        }
        let mut rows = stmt.query(params.as_slice())?;
        // entity -> name -> rows
        let mut grouped: BTreeMap<(String, String), Vec<ScoreRow>> = BTreeMap::new();
        while let Some(r) = rows.next()? {
            let row = ScoreRow {
                author: r.get(2)?,
                value: r.get(3)?,
                reason: r.get(4)?,
                category_name: r.get(5)?,
                source: r.get(6)?,
                source_queue_id: r.get(7)?,
                created_at: r.get(8)?,
                last_updated_at: r.get(9)?,
            };
            grouped.entry((r.get(0)?, r.get(1)?)).or_default().push(row);
        }
        for ((eid, name), rows) in grouped {
            out.entry(eid).or_default().push(aggregate(&name, &rows));
        }
    }
    Ok(out)
}

struct ScoreRow {
    author: String,
    value: Option<f64>,
    reason: Option<String>,
    category_name: Option<String>,
    source: Option<String>,
    source_queue_id: Option<String>,
    created_at: String,
    last_updated_at: String,
}

fn join_distinct(items: impl Iterator<Item = Option<String>>) -> Option<String> {
    let mut v: Vec<String> = Vec::new();
    for s in items.flatten() {
        if !s.is_empty() && !v.contains(&s) {
            v.push(s);
        }
    }
    if v.is_empty() {
        None
    } else {
        Some(v.join(", "))
    }
}

fn aggregate(name: &str, rows: &[ScoreRow]) -> Value {
    let vals: Vec<f64> = rows.iter().filter_map(|r| r.value).collect();
    let avg = if vals.is_empty() {
        0.0
    } else {
        vals.iter().sum::<f64>() / vals.len() as f64
    };
    let latest = rows
        .iter()
        .max_by(|a, b| a.last_updated_at.cmp(&b.last_updated_at))
        .expect("rows is never empty");
    let first = rows
        .iter()
        .min_by(|a, b| a.created_at.cmp(&b.created_at))
        .expect("rows is never empty");
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    put_str(
        &mut m,
        "category_name",
        join_distinct(rows.iter().map(|r| r.category_name.clone())),
    );
    m.insert("value".into(), json!(avg));
    put_str(
        &mut m,
        "reason",
        join_distinct(rows.iter().map(|r| r.reason.clone())),
    );
    put_str(&mut m, "source", latest.source.clone());
    m.insert("created_at".into(), json!(first.created_at));
    m.insert("last_updated_at".into(), json!(latest.last_updated_at));
    m.insert("created_by".into(), json!(first.author));
    m.insert("last_updated_by".into(), json!(latest.author));
    put_str(&mut m, "source_queue_id", latest.source_queue_id.clone());
    let mut by = Map::new();
    for r in rows {
        let mut e = Map::new();
        if let Some(v) = r.value {
            e.insert("value".into(), json!(v));
        }
        put_str(&mut e, "reason", r.reason.clone());
        put_str(&mut e, "category_name", r.category_name.clone());
        put_str(&mut e, "source", r.source.clone());
        e.insert("last_updated_at".into(), json!(r.last_updated_at));
        put_str(&mut e, "source_queue_id", r.source_queue_id.clone());
        by.insert(r.author.clone(), Value::Object(e));
    }
    m.insert("value_by_author".into(), Value::Object(by));
    Value::Object(m)
}

/// Span scores averaged per name for each trace (`span_feedback_scores`).
pub fn load_span_averages(
    conn: &Connection,
    trace_ids: &[String],
) -> Result<HashMap<String, Vec<Value>>, ServerError> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for chunk in trace_ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT sp.trace_id, fs.name, avg(fs.value), max(fs.last_updated_at) FROM feedback_scores fs JOIN spans sp
             ON fs.entity_type = 'span' AND fs.entity_id = sp.id WHERE sp.trace_id IN ({marks}) GROUP BY sp.trace_id, fs.name ORDER BY fs.name"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(chunk.iter()), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<f64>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (t, name, v, lu) = row?;
            out.entry(t).or_default().push(json!({
                "name": name, "value": v.unwrap_or(0.0), "source": "sdk", "last_updated_at": lu
            }));
        }
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
struct NamesQuery {
    project_id: Option<String>,
    project_ids: Option<String>,
}

/// Score names of traces (also `projects/feedback-scores/names`), spans or threads.
async fn names<const K: u8>(
    State(st): State<AppState>,
    Query(q): Query<NamesQuery>,
) -> Result<Json<Value>, ServerError> {
    let entity_type = entity_kind(K);
    let project_ids = ids_of(&q)?;
    let v = st
        .db
        .read(move |c| {
            let mut sql =
                "SELECT DISTINCT name FROM feedback_scores WHERE entity_type = ?1".to_string();
            let mut params: Vec<String> = vec![entity_type.to_string()];
            if !project_ids.is_empty() {
                let marks: Vec<String> = (0..project_ids.len())
                    .map(|i| format!("?{}", i + 2))
                    .collect();
                sql.push_str(&format!(" AND project_id IN ({})", marks.join(",")));
                params.extend(project_ids);
            }
            sql.push_str(" ORDER BY name");
            let mut stmt = c.prepare(&sql)?;
            let names: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let scores: Vec<Value> = names
                .into_iter()
                .map(|n| json!({"name": n, "type": "feedback_scores"}))
                .collect();
            Ok(json!({ "scores": scores }))
        })
        .await?;
    Ok(Json(v))
}

fn ids_of(q: &NamesQuery) -> Result<Vec<String>, ServerError> {
    let mut out = Vec::new();
    if let Some(p) = q.project_id.as_deref().filter(|s| !s.is_empty()) {
        out.push(parse_uuid(p, "project_id")?.to_string());
    }
    if let Some(ps) = q.project_ids.as_deref() {
        for p in ps.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            out.push(parse_uuid(p, "project_ids")?.to_string());
        }
    }
    Ok(out)
}
