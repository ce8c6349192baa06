//! Threads: conversations derived from traces sharing `(project, thread_id)`. Each has a stable
//! server `thread_model_id` (UUIDv7, assigned on the first trace or score). Aggregates are
//! computed from the thread's traces: turn count (`number_of_messages` = 2 per trace, as Opik
//! counts a user and an assistant message per turn), start/end/duration, cost, usage,
//! `first_message` (input of the trace that started first) and `last_message` (output of the
//! trace that ended last).
//!
//! Status: `inactive` when closed or after `OPIK_TRACE_THREAD_TIMEOUT_TO_MARK_AS_INACTIVE`
//! (default 15 min) without a new trace; a new trace re-opens it. Scores are accepted whatever
//! the status and survive re-opening (they hang off `thread_model_id`).
//!
//! Endpoints: list, retrieve, NDJSON search (cursor: a `thread_model_id` or, as the Python SDK
//! sends it, a thread id), open, close, PATCH tags (single and batch), delete.

use std::collections::BTreeMap;

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{self, get, patch, post},
};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter, types::Value as SqlValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{
    ListQuery, add_usage, apply_exclude, duration_ms, json_col, ndjson, now_ts, parse_uuid,
    push_id_window, put, put_str, sv, truncate_value,
};
use super::filters::{self, Ctx, Entity, Where};
use super::traces::{load_queues, stream_limit};
use super::{AppState, Caller, LJson, ServerError, comments, projects, scores};
use opik_model::{
    Filter, Sorting, ThreadBatchIdentifier, ThreadIdentifier, ThreadSearchRequest, ThreadUpdate,
    Timestamp, ts,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/traces/threads", get(list))
        .route("/v1/private/traces/threads/stats", get(stats))
        .route("/v1/private/traces/threads/retrieve", post(retrieve))
        .route("/v1/private/traces/threads/search", post(search))
        .route("/v1/private/traces/threads/open", routing::put(open))
        .route("/v1/private/traces/threads/close", routing::put(close))
        .route("/v1/private/traces/threads/delete", post(delete))
        .route("/v1/private/traces/threads/batch", patch(patch_batch))
        .route("/v1/private/traces/threads/{id}", patch(patch_one))
}

/// The aggregated thread rows of a project as a subquery aliased `x`. Parameters: the
/// inactivity cut-off time, the project id.
const THREADS_SQL: &str = "SELECT th.thread_id AS id, th.project_id AS project_id, th.thread_model_id AS thread_model_id, \
    th.tags AS tags, th.created_at AS created_at, th.created_by AS created_by, th.last_updated_at AS last_updated_at, \
    th.last_updated_by AS last_updated_by, min(t.start_time) AS start_time, max(t.end_time) AS end_time, \
    (julianday(max(t.end_time)) - julianday(min(t.start_time))) * 86400000.0 AS duration, \
    count(t.id) * 2 AS number_of_messages, sum(t.total_estimated_cost) AS total_estimated_cost, \
    (SELECT t2.input FROM traces t2 WHERE t2.project_id = th.project_id AND t2.thread_id = th.thread_id AND t2.has_create = 1 \
       ORDER BY t2.start_time ASC, t2.id ASC LIMIT 1) AS first_message, \
    (SELECT t3.output FROM traces t3 WHERE t3.project_id = th.project_id AND t3.thread_id = th.thread_id AND t3.has_create = 1 \
       ORDER BY coalesce(t3.end_time, t3.start_time) DESC, t3.id DESC LIMIT 1) AS last_message, \
    CASE WHEN th.closed = 1 OR th.last_activity_at < ? THEN 'inactive' ELSE 'active' END AS status, \
    group_concat(t.usage, char(30)) AS usages, max(t.environment) AS environment \
    FROM threads th JOIN traces t ON t.project_id = th.project_id AND t.thread_id = th.thread_id AND t.has_create = 1 \
    WHERE th.project_id = ? GROUP BY th.project_id, th.thread_id";

const COLS: &str = "x.id, x.project_id, x.thread_model_id, x.tags, x.created_at, x.created_by, x.last_updated_at, \
    x.last_updated_by, x.start_time, x.end_time, x.number_of_messages, x.total_estimated_cost, x.first_message, \
    x.last_message, x.status, x.usages, x.environment";

fn row_json(r: &rusqlite::Row) -> rusqlite::Result<Map<String, Value>> {
    let mut m = Map::new();
    put_str(&mut m, "id", r.get(0)?);
    put_str(&mut m, "project_id", r.get(1)?);
    put_str(&mut m, "thread_model_id", r.get(2)?);
    put(&mut m, "tags", json_col(r.get(3)?));
    put_str(&mut m, "created_at", r.get(4)?);
    put_str(&mut m, "created_by", r.get(5)?);
    put_str(&mut m, "last_updated_at", r.get(6)?);
    put_str(&mut m, "last_updated_by", r.get(7)?);
    let start: Option<String> = r.get(8)?;
    let end: Option<String> = r.get(9)?;
    put(
        &mut m,
        "duration",
        duration_ms(start.as_deref(), end.as_deref()).map(Value::from),
    );
    put_str(&mut m, "start_time", start);
    put_str(&mut m, "end_time", end);
    m.insert("number_of_messages".into(), json!(r.get::<_, i64>(10)?));
    put(
        &mut m,
        "total_estimated_cost",
        r.get::<_, Option<f64>>(11)?.map(Value::from),
    );
    put(&mut m, "first_message", json_col(r.get(12)?));
    put(&mut m, "last_message", json_col(r.get(13)?));
    put_str(&mut m, "status", r.get(14)?);
    if let Some(us) = r.get::<_, Option<String>>(15)? {
        let mut total = BTreeMap::new();
        for part in us.split('\u{1e}') {
            if let Ok(v) = serde_json::from_str::<Value>(part) {
                add_usage(&mut total, &v);
            }
        }
        if !total.is_empty() {
            m.insert("usage".into(), json!(total));
        }
    }
    put_str(&mut m, "environment", r.get(16)?);
    Ok(m)
}

/// What a thread query asks for.
#[derive(Debug, Default, Clone)]
pub struct ThreadQuery {
    pub project_id: String,
    pub filters: Vec<Filter>,
    pub search: Option<String>,
    pub sorting: Vec<Sorting>,
    pub from_time: Option<Timestamp>,
    pub to_time: Option<Timestamp>,
    pub thread_id: Option<String>,
    pub before_model_id: Option<String>,
    pub limit: i64,
    pub offset: i64,
    pub truncate: bool,
    pub exclude: Vec<String>,
    pub with_total: bool,
}

fn inactive_cut(st_timeout: chrono::Duration) -> String {
    ts::format(&(chrono::Utc::now() - st_timeout))
}

pub fn query(
    conn: &Connection,
    timeout: chrono::Duration,
    q: &ThreadQuery,
) -> Result<(Vec<Value>, Option<i64>), ServerError> {
    let ctx = Ctx::detect(conn);
    let mut w = Where::default();
    filters::build(Entity::Thread, &q.filters, ctx, &mut w)?;
    if let Some(s) = &q.search {
        filters::search(Entity::Thread, s, &mut w);
    }
    if let Some(t) = &q.thread_id {
        w.push("x.id = ?", [sv(t.clone())]);
    }
    push_id_window(
        &mut w,
        "x.thread_model_id",
        q.from_time.as_ref(),
        q.to_time.as_ref(),
    );
    let base = vec![sv(inactive_cut(timeout)), sv(q.project_id.clone())];
    let total = if q.with_total {
        let sql = format!("SELECT count(*) FROM ({THREADS_SQL}) x WHERE {}", w.sql());
        let mut p = base.clone();
        p.extend(w.params.iter().cloned());
        Some(conn.query_row(&sql, params_from_iter(p.iter()), |r| r.get::<_, i64>(0))?)
    } else {
        None
    };
    if let Some(c) = &q.before_model_id {
        w.push("x.thread_model_id < ?", [sv(c.clone())]);
    }
    let (order, order_params) = filters::order_by(Entity::Thread, &q.sorting)?;
    let sql = format!(
        "SELECT {COLS} FROM ({THREADS_SQL}) x WHERE {} ORDER BY {order} LIMIT ? OFFSET ?",
        w.sql()
    );
    let mut p = base;
    p.extend(w.params.iter().cloned());
    p.extend(order_params);
    p.push(SqlValue::Integer(q.limit));
    p.push(SqlValue::Integer(q.offset));
    let rows: Vec<Map<String, Value>> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(p.iter()), row_json)?
        .collect::<Result<_, _>>()?;
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|m| {
            m.get("thread_model_id")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    let wants = |k: &str| !q.exclude.iter().any(|e| e == k);
    let mut fs = if wants("feedback_scores") {
        scores::load(conn, "thread", &ids)?
    } else {
        Default::default()
    };
    let mut cm = if wants("comments") {
        comments::load(conn, "thread", &ids)?
    } else {
        Default::default()
    };
    let mut qs = if wants("annotation_queues") {
        load_queues(conn, ctx, &ids)?
    } else {
        Default::default()
    };
    let mut out = Vec::with_capacity(rows.len());
    for mut m in rows {
        let id = m
            .get("thread_model_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(v) = fs.remove(&id) {
            m.insert("feedback_scores".into(), Value::from(v));
        }
        if let Some(v) = cm.remove(&id) {
            m.insert("comments".into(), Value::from(v));
        }
        if let Some(v) = qs.remove(&id) {
            m.insert("annotation_queues".into(), Value::from(v));
        }
        if q.truncate {
            for k in ["first_message", "last_message"] {
                if let Some(v) = m.get_mut(k) {
                    truncate_value(v);
                }
            }
        }
        apply_exclude(&mut m, &q.exclude);
        out.push(Value::Object(m));
    }
    Ok((out, total))
}

const SORTABLE: &[&str] = &[
    "id",
    "start_time",
    "end_time",
    "duration",
    "number_of_messages",
    "first_message",
    "last_message",
    "status",
    "created_at",
    "last_updated_at",
    "total_estimated_cost",
    "feedback_scores",
];

async fn list(
    State(st): State<AppState>,
    Query(lq): Query<ListQuery>,
) -> Result<Json<Value>, ServerError> {
    let (page, size) = lq.paging()?;
    let mut q = ThreadQuery {
        filters: lq.filters()?,
        search: lq.search.clone(),
        sorting: lq.sorting()?,
        from_time: lq.time("from_time")?,
        to_time: lq.time("to_time")?,
        limit: size,
        offset: (page - 1) * size,
        truncate: lq.truncate(),
        exclude: lq.exclude()?,
        with_total: true,
        ..Default::default()
    };
    filters::validate(Entity::Thread, &q.filters, &q.sorting)?;
    let timeout = st.settings.thread_timeout;
    let v = st
        .db
        .read(move |c| {
            let Some(pid) = projects::resolve(c, lq.project_id.as_deref(), lq.project_name.as_deref())? else {
                return Ok(json!({"page": page, "size": 0, "total": 0, "content": [], "sortable_by": SORTABLE}));
            };
            q.project_id = pid;
            let (rows, total) = query(c, timeout, &q)?;
            Ok(json!({"page": page, "size": rows.len(), "total": total.unwrap_or(0), "content": rows, "sortable_by": SORTABLE}))
        })
        .await?;
    Ok(Json(v))
}

fn project_of(
    c: &Connection,
    id: Option<uuid::Uuid>,
    name: Option<&str>,
) -> Result<Option<String>, ServerError> {
    let id = id.map(|i| i.to_string());
    let name = if id.is_none() && name.is_none() {
        Some(projects::DEFAULT_PROJECT)
    } else {
        name
    };
    projects::resolve(c, id.as_deref(), name)
}

async fn retrieve(
    State(st): State<AppState>,
    LJson(b): LJson<ThreadIdentifier>,
) -> Result<Json<Value>, ServerError> {
    let timeout = st.settings.thread_timeout;
    let v = st
        .db
        .read(move |c| {
            let Some(pid) = project_of(c, b.project_id, b.project_name.as_deref())? else {
                return Err(ServerError::not_found("Thread not found"));
            };
            let q = ThreadQuery {
                project_id: pid,
                thread_id: Some(b.thread_id.clone()),
                limit: 1,
                truncate: b.truncate.unwrap_or(false),
                ..Default::default()
            };
            query(c, timeout, &q)?
                .0
                .into_iter()
                .next()
                .ok_or_else(|| ServerError::not_found("Thread not found"))
        })
        .await?;
    Ok(Json(v))
}

/// Resolve a thread search cursor: a `thread_model_id` of this project, else a thread id.
fn resolve_cursor(
    c: &Connection,
    project_id: &str,
    cursor: &str,
) -> Result<Option<String>, ServerError> {
    if let Ok(u) = uuid::Uuid::parse_str(cursor) {
        let id = u.to_string();
        let hit: Option<String> = c
            .query_row(
                "SELECT thread_model_id FROM threads WHERE project_id = ?1 AND thread_model_id = ?2",
                [project_id, &id],
                |r| r.get(0),
            )
            .optional()?;
        if hit.is_some() {
            return Ok(hit);
        }
    }
    Ok(c.query_row(
        "SELECT thread_model_id FROM threads WHERE project_id = ?1 AND thread_id = ?2",
        [project_id, cursor],
        |r| r.get(0),
    )
    .optional()?)
}

async fn search(
    State(st): State<AppState>,
    LJson(r): LJson<ThreadSearchRequest>,
) -> Result<Response, ServerError> {
    let timeout = st.settings.thread_timeout;
    let limit = stream_limit(r.limit)?;
    filters::validate(
        Entity::Thread,
        r.filters.as_deref().unwrap_or_default(),
        &[],
    )?;
    let rows = st
        .db
        .read(move |c| {
            let Some(pid) = project_of(c, r.project_id, r.project_name.as_deref())? else {
                return Ok(Vec::new());
            };
            let before = match r.last_retrieved_thread_model_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(cur) => match resolve_cursor(c, &pid, cur)? {
                    Some(m) => Some(m),
                    None => {
                        return Err(ServerError::bad_request(format!(
                            "Invalid last_retrieved_thread_model_id {cur:?}: no such thread in the project"
                        )));
                    }
                },
                None => None,
            };
            let q = ThreadQuery {
                project_id: pid,
                filters: r.filters.unwrap_or_default(),
                from_time: r.from_time,
                to_time: r.to_time,
                before_model_id: before,
                limit,
                truncate: r.truncate.unwrap_or(true),
                ..Default::default()
            };
            Ok(query(c, timeout, &q)?.0)
        })
        .await?;
    Ok(ndjson(rows))
}

async fn open(
    State(st): State<AppState>,
    LJson(b): LJson<ThreadIdentifier>,
) -> Result<StatusCode, ServerError> {
    st.db
        .write(move |tx| {
            let Some(pid) = project_of(tx, b.project_id, b.project_name.as_deref())? else {
                return Err(ServerError::not_found("Thread not found"));
            };
            let n = tx.execute(
                "UPDATE threads SET closed = 0, last_activity_at = ?3, last_updated_at = ?3 WHERE project_id = ?1 AND thread_id = ?2",
                params![pid, b.thread_id, now_ts()],
            )?;
            if n == 0 {
                return Err(ServerError::not_found("Thread not found"));
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn close(
    State(st): State<AppState>,
    LJson(b): LJson<ThreadBatchIdentifier>,
) -> Result<StatusCode, ServerError> {
    let mut ids: Vec<String> = b.thread_ids.clone().unwrap_or_default();
    if let Some(t) = &b.thread_id {
        ids.push(t.clone());
    }
    if ids.is_empty() || ids.len() > 1000 {
        return Err(ServerError::unprocessable(
            "thread_ids size must be between 1 and 1000",
        ));
    }
    st.db
        .write(move |tx| {
            let Some(pid) = project_of(tx, b.project_id, b.project_name.as_deref())? else {
                return Err(ServerError::not_found("Project not found"));
            };
            let now = now_ts();
            let mut found = 0;
            for t in &ids {
                found += tx.execute(
                    "UPDATE threads SET closed = 1, last_updated_at = ?3 WHERE project_id = ?1 AND thread_id = ?2",
                    params![pid, t, now],
                )?;
            }
            if found == 0 {
                return Err(ServerError::not_found("Thread not found"));
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn apply_tags(
    tx: &Connection,
    model_id: &str,
    u: &ThreadUpdate,
    user: &str,
) -> Result<usize, ServerError> {
    let cur: Option<Option<String>> = tx
        .query_row(
            "SELECT tags FROM threads WHERE thread_model_id = ?1",
            [model_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(cur) = cur else { return Ok(0) };
    let mut tags: Vec<String> = match &u.tags {
        Some(t) => t.clone(),
        None => cur
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
    };
    for t in u.tags_to_add.iter().flatten() {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    if let Some(rm) = &u.tags_to_remove {
        tags.retain(|t| !rm.contains(t));
    }
    if tags.len() > 50 {
        return Err(ServerError::unprocessable(
            "tags size must be between 0 and 50",
        ));
    }
    Ok(tx.execute(
        "UPDATE threads SET tags = ?2, last_updated_at = ?3, last_updated_by = ?4 WHERE thread_model_id = ?1",
        params![model_id, serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into()), now_ts(), user],
    )?)
}

async fn patch_one(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    LJson(u): LJson<ThreadUpdate>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id, "thread model id")?.to_string();
    st.db
        .write(move |tx| {
            if apply_tags(tx, &id, &u, &caller.user)? == 0 {
                return Err(ServerError::not_found("Thread not found"));
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct BatchUpdate {
    #[serde(default)]
    ids: Vec<uuid::Uuid>,
    update: Option<ThreadUpdate>,
    #[serde(default)]
    merge_tags: Option<bool>,
}

async fn patch_batch(
    State(st): State<AppState>,
    caller: Caller,
    LJson(b): LJson<BatchUpdate>,
) -> Result<StatusCode, ServerError> {
    if b.ids.is_empty() || b.ids.len() > 1000 {
        return Err(ServerError::unprocessable(
            "ids size must be between 1 and 1000",
        ));
    }
    let Some(mut u) = b.update else {
        return Err(ServerError::unprocessable("update must not be null"));
    };
    if b.merge_tags == Some(true)
        && let Some(t) = u.tags.take()
    {
        u.tags_to_add = Some(t);
    }
    st.db
        .write(move |tx| {
            for id in &b.ids {
                apply_tags(tx, &id.to_string(), &u, &caller.user)?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct DeleteThreads {
    #[serde(default)]
    thread_ids: Vec<String>,
    #[serde(default)]
    project_name: Option<String>,
    #[serde(default)]
    project_id: Option<uuid::Uuid>,
}

async fn delete(
    State(st): State<AppState>,
    LJson(b): LJson<DeleteThreads>,
) -> Result<StatusCode, ServerError> {
    if b.thread_ids.is_empty() || b.thread_ids.len() > 1000 {
        return Err(ServerError::unprocessable(
            "thread_ids size must be between 1 and 1000",
        ));
    }
    st.db
        .write(move |tx| {
            let Some(pid) = project_of(tx, b.project_id, b.project_name.as_deref())? else {
                return Ok(());
            };
            for t in &b.thread_ids {
                let traces: Vec<String> = tx
                    .prepare("SELECT id FROM traces WHERE project_id = ?1 AND thread_id = ?2")?
                    .query_map([&pid, t], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                super::ingest::delete_traces(tx, &traces)?;
                let model: Option<String> = tx
                    .query_row(
                        "SELECT thread_model_id FROM threads WHERE project_id = ?1 AND thread_id = ?2",
                        [&pid, t],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(m) = model {
                    tx.execute("DELETE FROM feedback_scores WHERE entity_type = 'thread' AND entity_id = ?1", [&m])?;
                    tx.execute("DELETE FROM comments WHERE entity_type = 'thread' AND entity_id = ?1", [&m])?;
                    tx.execute("DELETE FROM threads WHERE thread_model_id = ?1", [&m])?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/private/traces/threads/stats`: Opik's `ProjectStats` for the threads the list's
/// `filters` / `search` / time window select: `thread_count` (COUNT), `duration` (PERCENTAGE,
/// ms), `number_of_messages`, `total_estimated_cost` (AVG), `total_estimated_cost_sum` and one
/// `feedback_scores.<name>` AVG per score name. Computed from the same aggregated rows as the
/// list, so the two always agree.
async fn stats(
    State(st): State<AppState>,
    Query(lq): Query<ListQuery>,
) -> Result<Json<opik_model::ProjectStats>, ServerError> {
    let mut q = ThreadQuery {
        filters: lq.filters()?,
        search: lq.search.clone(),
        from_time: lq.time("from_time")?,
        to_time: lq.time("to_time")?,
        limit: 1_000_000,
        truncate: true,
        exclude: vec![
            "comments".into(),
            "annotation_queues".into(),
            "first_message".into(),
            "last_message".into(),
        ],
        ..Default::default()
    };
    filters::validate(Entity::Thread, &q.filters, &q.sorting)?;
    let timeout = st.settings.thread_timeout;
    let rows = st
        .db
        .read(move |c| {
            let Some(pid) =
                projects::resolve(c, lq.project_id.as_deref(), lq.project_name.as_deref())?
            else {
                return Ok(Vec::new());
            };
            q.project_id = pid;
            Ok(query(c, timeout, &q)?.0)
        })
        .await?;
    Ok(Json(thread_stats(&rows)))
}

fn thread_stats(rows: &[Value]) -> opik_model::ProjectStats {
    use opik_model::{ProjectStats, StatItem};
    let num = |r: &Value, k: &str| r.get(k).and_then(Value::as_f64);
    let avg = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let mut durations: Vec<f64> = rows.iter().filter_map(|r| num(r, "duration")).collect();
    durations.sort_by(f64::total_cmp);
    let costs: Vec<f64> = rows
        .iter()
        .filter_map(|r| num(r, "total_estimated_cost"))
        .collect();
    let messages: Vec<f64> = rows
        .iter()
        .filter_map(|r| num(r, "number_of_messages"))
        .collect();
    let mut scores: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in rows {
        for s in r
            .get("feedback_scores")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(n), Some(v)) = (s.get("name").and_then(Value::as_str), num(s, "value")) {
                scores.entry(n.to_string()).or_default().push(v);
            }
        }
    }
    let q = |p: f64| super::metrics::quantile(&durations, p).unwrap_or(0.0);
    let item = |name: &str, t: &str, value: Value| StatItem {
        name: name.into(),
        stat_type: t.into(),
        value,
    };
    let mut stats = vec![
        item("thread_count", "COUNT", json!(rows.len())),
        item(
            "duration",
            "PERCENTAGE",
            json!({"p50": q(0.5), "p90": q(0.9), "p99": q(0.99)}),
        ),
        item("number_of_messages", "AVG", json!(avg(&messages))),
        item("total_estimated_cost", "AVG", json!(avg(&costs))),
        item(
            "total_estimated_cost_sum",
            "AVG",
            json!(costs.iter().sum::<f64>()),
        ),
    ];
    for (name, vals) in scores {
        stats.push(item(
            &format!("feedback_scores.{name}"),
            "AVG",
            json!(avg(&vals)),
        ));
    }
    ProjectStats { stats }
}

#[cfg(test)]
mod stats_tests {
    use super::*;

    #[test]
    fn thread_stats_count_percentiles_costs_and_scores() {
        let rows = vec![
            json!({"duration": 1000.0, "total_estimated_cost": 0.5, "number_of_messages": 4,
                   "feedback_scores": [{"name": "User feedback", "value": 1.0}]}),
            json!({"duration": 3000.0, "total_estimated_cost": 1.5, "number_of_messages": 2,
                   "feedback_scores": [{"name": "User feedback", "value": 0.0}]}),
        ];
        let s = thread_stats(&rows);
        let get = |n: &str| s.stats.iter().find(|i| i.name == n).unwrap().value.clone();
        assert_eq!(get("thread_count"), json!(2));
        assert_eq!(get("duration")["p50"], json!(2000.0));
        assert_eq!(get("total_estimated_cost_sum"), json!(2.0));
        assert_eq!(get("total_estimated_cost"), json!(1.0));
        assert_eq!(get("number_of_messages"), json!(3.0));
        assert_eq!(get("feedback_scores.User feedback"), json!(0.5));
        assert_eq!(thread_stats(&[]).stats[0].value, json!(0));
    }
}
