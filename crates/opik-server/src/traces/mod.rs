//! Trace endpoints: writes (batch/single create, PATCH, batch PATCH, delete; logic in
//! `ingest`) and reads (list page, get, the NDJSON search stream, exists), with filters,
//! sorting, text search, time window on the id's time, `truncate` and `exclude`.
//!
//! The read model carries the denormalised aggregates (duration, usage, span counts, cost,
//! providers, span error count) plus feedback scores (per author), span score averages,
//! comments and annotation queues.

use std::collections::HashMap;

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use rusqlite::{Connection, params_from_iter, types::Value as SqlValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{
    ListQuery, apply_exclude, created, json_col, ndjson, parse_uuid, push_id_window, put, put_str,
    sv, truncate_value,
};
use super::filters::{self, Ctx, Entity, Where};
use super::ingest::{self, CreateMode, CreateRec, Kind, PatchRec};
use super::{AppState, Caller, LJson, ServerError, comments, projects, scores};
use opik_model::{
    BatchDelete, Filter, Sorting, Timestamp, TraceBatch, TraceSearchRequest, TraceUpdate,
    TraceWrite,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/traces", get(list).post(create_one))
        .route(
            "/v1/private/traces/batch",
            post(create_batch).patch(patch_batch),
        )
        .route("/v1/private/traces/search", post(search))
        .route("/v1/private/traces/exists", get(exists))
        .route("/v1/private/traces/delete", post(delete_batch))
        .route(
            "/v1/private/traces/{id}",
            get(get_one).patch(patch_one).delete(delete_one),
        )
}

// ---------------------------------------------------------------- writes

async fn create_batch(
    State(st): State<AppState>,
    caller: Caller,
    LJson(b): LJson<TraceBatch>,
) -> Result<StatusCode, ServerError> {
    if b.traces.is_empty() || b.traces.len() > 1000 {
        return Err(ServerError::unprocessable(
            "traces size must be between 1 and 1000",
        ));
    }
    let recs = b
        .traces
        .into_iter()
        .map(CreateRec::from_trace_owned)
        .collect::<Result<Vec<_>, _>>()?;
    st.db
        .write(move |tx| {
            ingest::create_all(tx, Kind::Trace, recs, CreateMode::Upsert, &caller.user)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_one(
    State(st): State<AppState>,
    caller: Caller,
    LJson(w): LJson<TraceWrite>,
) -> Result<Response, ServerError> {
    let rec = CreateRec::from_trace_owned(w)?;
    let id = rec.id.clone();
    st.db
        .write(move |tx| {
            ingest::create_all(tx, Kind::Trace, vec![rec], CreateMode::Merge, &caller.user)
        })
        .await?;
    Ok(created(format!("{}/v1/private/traces/{id}", st.base_url())))
}

async fn patch_one(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    LJson(u): LJson<TraceUpdate>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id, "trace id")?;
    let p = PatchRec::from_trace(&u);
    st.db
        .write(move |tx| ingest::patch(tx, Kind::Trace, &id, p, &caller.user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct BatchUpdate<U> {
    #[serde(default)]
    ids: Vec<uuid::Uuid>,
    update: Option<U>,
    #[serde(default)]
    merge_tags: Option<bool>,
}

async fn patch_batch(
    State(st): State<AppState>,
    caller: Caller,
    LJson(b): LJson<BatchUpdate<TraceUpdate>>,
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
        && let Some(tags) = u.tags.take()
    {
        u.tags_to_add = Some(tags);
    }
    st.db
        .write(move |tx| {
            for id in &b.ids {
                ingest::patch(tx, Kind::Trace, id, PatchRec::from_trace(&u), &caller.user)?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id, "trace id")?.to_string();
    st.db
        .write(move |tx| ingest::delete_traces(tx, &[id]))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_batch(
    State(st): State<AppState>,
    LJson(b): LJson<BatchDelete>,
) -> Result<StatusCode, ServerError> {
    if b.ids.is_empty() || b.ids.len() > 1000 {
        return Err(ServerError::unprocessable(
            "ids size must be between 1 and 1000",
        ));
    }
    let ids: Vec<String> = b.ids.iter().map(|i| i.to_string()).collect();
    st.db
        .write(move |tx| ingest::delete_traces(tx, &ids))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- reads

const SELECT: &str = "t.id, t.project_id, t.name, t.start_time, t.end_time, t.duration, t.input, t.output, t.metadata, \
    t.tags, t.error_info, t.thread_id, t.ttft, t.source, t.environment, t.created_at, t.created_by, t.last_updated_at, \
    t.last_updated_by, t.span_count, t.llm_span_count, t.has_tool_spans, t.span_error_count, t.usage, \
    t.total_estimated_cost, t.providers";

fn row_json(r: &rusqlite::Row) -> rusqlite::Result<Map<String, Value>> {
    let mut m = Map::new();
    put_str(&mut m, "id", r.get(0)?);
    put_str(&mut m, "project_id", r.get(1)?);
    put_str(&mut m, "name", r.get(2)?);
    put_str(&mut m, "start_time", r.get(3)?);
    put_str(&mut m, "end_time", r.get(4)?);
    put(
        &mut m,
        "duration",
        r.get::<_, Option<f64>>(5)?.map(Value::from),
    );
    put(&mut m, "input", json_col(r.get(6)?));
    put(&mut m, "output", json_col(r.get(7)?));
    put(&mut m, "metadata", json_col(r.get(8)?));
    put(&mut m, "tags", json_col(r.get(9)?));
    put(&mut m, "error_info", json_col(r.get(10)?));
    put_str(&mut m, "thread_id", r.get(11)?);
    put(
        &mut m,
        "ttft",
        r.get::<_, Option<f64>>(12)?.map(Value::from),
    );
    put_str(&mut m, "source", r.get(13)?);
    put_str(&mut m, "environment", r.get(14)?);
    put_str(&mut m, "created_at", r.get(15)?);
    put_str(&mut m, "created_by", r.get(16)?);
    put_str(&mut m, "last_updated_at", r.get(17)?);
    put_str(&mut m, "last_updated_by", r.get(18)?);
    m.insert("span_count".into(), json!(r.get::<_, i64>(19)?));
    m.insert("llm_span_count".into(), json!(r.get::<_, i64>(20)?));
    m.insert("has_tool_spans".into(), json!(r.get::<_, i64>(21)? != 0));
    m.insert("error_count".into(), json!(r.get::<_, i64>(22)?));
    put(&mut m, "usage", json_col(r.get(23)?));
    put(
        &mut m,
        "total_estimated_cost",
        r.get::<_, Option<f64>>(24)?.map(Value::from),
    );
    put(&mut m, "providers", json_col(r.get(25)?));
    m.insert("visibility_mode".into(), json!("default"));
    Ok(m)
}

/// Queue refs (`annotation_queues: [{id, name}]`) of many items.
pub fn load_queues(
    conn: &Connection,
    ctx: Ctx,
    ids: &[String],
) -> Result<HashMap<String, Vec<Value>>, ServerError> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    if !ctx.queues {
        return Ok(out);
    }
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT qi.item_id, q.id, q.name FROM annotation_queue_items qi JOIN annotation_queues q ON q.id = qi.queue_id \
             WHERE qi.item_id IN ({marks}) ORDER BY q.name"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(chunk.iter()), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        for row in rows {
            let (item, id, name) = row?;
            out.entry(item)
                .or_default()
                .push(json!({"id": id, "name": name}));
        }
    }
    Ok(out)
}

/// What a trace query asks for.
#[derive(Debug, Default, Clone)]
pub struct TraceQuery {
    pub project_id: String,
    pub filters: Vec<Filter>,
    pub search: Option<String>,
    pub sorting: Vec<Sorting>,
    pub from_time: Option<Timestamp>,
    pub to_time: Option<Timestamp>,
    /// only ids below this (search stream cursor)
    pub before_id: Option<String>,
    pub limit: i64,
    pub offset: i64,
    pub truncate: bool,
    pub exclude: Vec<String>,
    pub with_total: bool,
}

/// Run a trace query: (rows, total if asked).
pub fn query(conn: &Connection, q: &TraceQuery) -> Result<(Vec<Value>, Option<i64>), ServerError> {
    let ctx = Ctx::detect(conn);
    let mut w = Where::default();
    w.push(
        "t.project_id = ? AND t.has_create = 1",
        [sv(q.project_id.clone())],
    );
    filters::build(Entity::Trace, &q.filters, ctx, &mut w)?;
    if let Some(s) = &q.search {
        filters::search(Entity::Trace, s, &mut w);
    }
    push_id_window(&mut w, "t.id", q.from_time.as_ref(), q.to_time.as_ref());
    let total = if !q.with_total {
        None
    } else if let Some(n) = tag_filter_count(conn, q)? {
        Some(n)
    } else {
        let sql = format!("SELECT count(*) FROM traces t WHERE {}", w.sql());
        Some(
            conn.query_row(&sql, params_from_iter(w.params.iter()), |r| {
                r.get::<_, i64>(0)
            })?,
        )
    };
    if let Some(c) = &q.before_id {
        w.push("t.id < ?", [sv(c.clone())]);
    }
    let (order, order_params) = filters::order_by(Entity::Trace, &q.sorting)?;
    let sql = format!(
        "SELECT {SELECT} FROM traces t WHERE {} ORDER BY {order} LIMIT ? OFFSET ?",
        w.sql()
    );
    let mut params = w.params.clone();
    params.extend(order_params);
    params.push(SqlValue::Integer(q.limit));
    params.push(SqlValue::Integer(q.offset));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows: Vec<Map<String, Value>> = stmt
        .query_map(params_from_iter(params.iter()), row_json)?
        .collect::<Result<_, _>>()?;
    Ok((enrich(conn, ctx, rows, q.truncate, &q.exclude)?, total))
}

/// At most this many distinct tags of a project are enumerated for [`tag_filter_count`].
const MAX_DISTINCT_TAGS: usize = 500;

/// The exact `total` of a query whose only filters are `tags contains …` (no search; a time
/// window is fine), counted on the `trace_tags` index instead of reading every trace row: the
/// project's distinct tags are few, so they are enumerated (a skip scan), matched against each
/// pattern with the same `LIKE` the filter uses, and the traces carrying a matching tag are
/// counted on index ranges. `None` when the query is not of that shape (or the project has
/// very many distinct tags): the caller counts the general way.
pub fn tag_filter_count(conn: &Connection, q: &TraceQuery) -> Result<Option<i64>, ServerError> {
    if q.filters.is_empty() || q.search.is_some() {
        return Ok(None);
    }
    // the time window is on the trace id, which `trace_tags` carries
    let mut win = Where::default();
    push_id_window(
        &mut win,
        "trace_id",
        q.from_time.as_ref(),
        q.to_time.as_ref(),
    );
    let win_sql = if win.sql.is_empty() {
        String::new()
    } else {
        format!(" AND {}", win.sql())
    };
    let mut patterns = Vec::new();
    for f in &q.filters {
        match filters::tags_contains_pattern(Entity::Trace, f)? {
            Some(p) => patterns.push(p),
            None => return Ok(None),
        }
    }
    let distinct: Vec<String> = conn
        .prepare_cached(
            "WITH RECURSIVE d(tag) AS ( \
               SELECT (SELECT min(tag) FROM trace_tags WHERE project_id = ?1) \
               UNION ALL \
               SELECT (SELECT min(tag) FROM trace_tags WHERE project_id = ?1 AND tag > d.tag) FROM d WHERE d.tag IS NOT NULL \
             ) SELECT tag FROM d WHERE tag IS NOT NULL LIMIT ?2",
        )?
        .query_map(
            rusqlite::params![q.project_id, MAX_DISTINCT_TAGS as i64 + 1],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    if distinct.len() > MAX_DISTINCT_TAGS {
        return Ok(None);
    }
    let all = Value::from(distinct).to_string();
    let mut sets: Vec<Vec<String>> = Vec::new();
    for p in &patterns {
        let matching: Vec<String> = conn
            .prepare_cached("SELECT value FROM json_each(?1) WHERE value LIKE ?2 ESCAPE '\\'")?
            .query_map(rusqlite::params![all, p], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if matching.is_empty() {
            return Ok(Some(0));
        }
        sets.push(matching);
    }
    if let [only] = sets.as_slice()
        && let [tag] = only.as_slice()
    {
        let mut params = vec![sv(q.project_id.clone()), sv(tag.clone())];
        params.extend(win.params.iter().cloned());
        let n = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM trace_tags WHERE project_id = ? AND tag = ?{win_sql}"
            ))?
            .query_row(params_from_iter(params.iter()), |r| r.get(0))?;
        return Ok(Some(n));
    }
    // Several matching tags or several filters: the distinct traces in every set.
    let mut params = Vec::new();
    let parts: Vec<String> = sets
        .iter()
        .map(|set| {
            params.push(sv(q.project_id.clone()));
            params.extend(set.iter().map(|t| sv(t.clone())));
            params.extend(win.params.iter().cloned());
            format!(
                "SELECT trace_id FROM trace_tags WHERE project_id = ? AND tag IN ({}){win_sql}",
                vec!["?"; set.len()].join(",")
            )
        })
        .collect();
    // (INTERSECT and DISTINCT both count a trace with two matching tags once)
    let sql = if parts.len() == 1 {
        format!("SELECT count(DISTINCT trace_id) FROM ({})", parts[0])
    } else {
        format!("SELECT count(*) FROM ({})", parts.join(" INTERSECT "))
    };
    let n = conn.query_row(&sql, params_from_iter(params.iter()), |r| r.get(0))?;
    Ok(Some(n))
}

/// Add scores, span score averages, comments and queues; apply truncate/exclude.
fn enrich(
    conn: &Connection,
    ctx: Ctx,
    rows: Vec<Map<String, Value>>,
    truncate: bool,
    exclude: &[String],
) -> Result<Vec<Value>, ServerError> {
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    let wants = |k: &str| !exclude.iter().any(|e| e == k);
    let mut fs = if wants("feedback_scores") {
        scores::load(conn, "trace", &ids)?
    } else {
        HashMap::new()
    };
    let mut sfs = if wants("span_feedback_scores") {
        scores::load_span_averages(conn, &ids)?
    } else {
        HashMap::new()
    };
    let mut cm = if wants("comments") {
        comments::load(conn, "trace", &ids)?
    } else {
        HashMap::new()
    };
    let mut qs = if wants("annotation_queues") {
        load_queues(conn, ctx, &ids)?
    } else {
        HashMap::new()
    };
    let mut out = Vec::with_capacity(rows.len());
    for mut m in rows {
        let id = m
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(v) = fs.remove(&id) {
            m.insert("feedback_scores".into(), Value::from(v));
        }
        if let Some(v) = sfs.remove(&id) {
            m.insert("span_feedback_scores".into(), Value::from(v));
        }
        if let Some(v) = cm.remove(&id) {
            m.insert("comments".into(), Value::from(v));
        }
        if let Some(v) = qs.remove(&id) {
            m.insert("annotation_queues".into(), Value::from(v));
        }
        if truncate {
            for k in ["input", "output", "metadata"] {
                if let Some(v) = m.get_mut(k) {
                    truncate_value(v);
                }
            }
        }
        apply_exclude(&mut m, exclude);
        out.push(Value::Object(m));
    }
    Ok(out)
}

/// Fetch one trace (visible only once its create arrived).
pub fn get_trace(conn: &Connection, id: &str) -> Result<Option<Value>, ServerError> {
    let sql = format!("SELECT {SELECT} FROM traces t WHERE t.id = ?1 AND t.has_create = 1");
    let rows: Vec<Map<String, Value>> = conn
        .prepare_cached(&sql)?
        .query_map([id], row_json)?
        .collect::<Result<_, _>>()?;
    let ctx = Ctx::detect(conn);
    Ok(enrich(conn, ctx, rows, false, &[])?.into_iter().next())
}

async fn get_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ServerError> {
    let id = parse_uuid(&id, "trace id")?.to_string();
    let v = st
        .db
        .read(move |c| get_trace(c, &id)?.ok_or_else(|| ServerError::not_found("Trace not found")))
        .await?;
    Ok(Json(v))
}

const SORTABLE: &[&str] = &[
    "id",
    "name",
    "start_time",
    "end_time",
    "duration",
    "total_estimated_cost",
    "span_count",
    "llm_span_count",
    "thread_id",
    "created_at",
    "last_updated_at",
    "feedback_scores",
    "usage.total_tokens",
];

async fn list(
    State(st): State<AppState>,
    Query(lq): Query<ListQuery>,
) -> Result<Json<Value>, ServerError> {
    let (page, size) = lq.paging()?;
    let mut q = TraceQuery {
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
    filters::validate(Entity::Trace, &q.filters, &q.sorting)?;
    let v = st
        .db
        .read(move |c| {
            let Some(pid) = projects::resolve(c, lq.project_id.as_deref(), lq.project_name.as_deref())? else {
                return Ok(json!({"page": page, "size": 0, "total": 0, "content": [], "sortable_by": SORTABLE}));
            };
            q.project_id = pid;
            let (rows, total) = query(c, &q)?;
            Ok(json!({
                "page": page, "size": rows.len(), "total": total.unwrap_or(0), "content": rows,
                "sortable_by": SORTABLE
            }))
        })
        .await?;
    Ok(Json(v))
}

/// Clamp a stream `limit` (default 500, at most 2000 as in Opik).
pub fn stream_limit(limit: Option<i64>) -> Result<i64, ServerError> {
    match limit {
        None => Ok(500),
        Some(l) if l < 1 => Err(ServerError::unprocessable(
            "limit must be greater than or equal to 1",
        )),
        Some(l) => Ok(l.min(2000)),
    }
}

async fn search(
    State(st): State<AppState>,
    LJson(r): LJson<TraceSearchRequest>,
) -> Result<Response, ServerError> {
    let mut q = TraceQuery {
        filters: r.filters.unwrap_or_default(),
        from_time: r.from_time,
        to_time: r.to_time,
        before_id: match r
            .last_retrieved_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(c) => Some(parse_uuid(c, "last_retrieved_id")?.to_string()),
            None => None,
        },
        limit: stream_limit(r.limit)?,
        truncate: r.truncate.unwrap_or(true),
        exclude: r.exclude.unwrap_or_default(),
        ..Default::default()
    };
    filters::validate(Entity::Trace, &q.filters, &q.sorting)?;
    let project_id = r.project_id.map(|p| p.to_string());
    let project_name = r.project_name;
    let rows = st
        .db
        .read(move |c| {
            let name = if project_id.is_none() && project_name.is_none() {
                Some(projects::DEFAULT_PROJECT.to_string())
            } else {
                project_name
            };
            let Some(pid) = projects::resolve(c, project_id.as_deref(), name.as_deref())? else {
                return Ok(Vec::new());
            };
            q.project_id = pid;
            Ok(query(c, &q)?.0)
        })
        .await?;
    Ok(ndjson(rows))
}

#[derive(Deserialize, Default)]
struct ExistsQuery {
    project_id: Option<String>,
    project_name: Option<String>,
    id: Option<String>,
}

/// `GET /traces/exists`: whether the project (or the id) has any trace.
async fn exists(
    State(st): State<AppState>,
    Query(q): Query<ExistsQuery>,
) -> Result<Json<Value>, ServerError> {
    let v = st
        .db
        .read(move |c| {
            let found = if let Some(id) = q.id.as_deref() {
                let id = parse_uuid(id, "id")?.to_string();
                c.query_row("SELECT count(*) FROM traces WHERE id = ?1 AND has_create = 1", [id], |r| r.get::<_, i64>(0))?
                    > 0
            } else {
                match projects::resolve(c, q.project_id.as_deref(), q.project_name.as_deref()) {
                    Ok(Some(pid)) => {
                        c.query_row(
                            "SELECT EXISTS (SELECT 1 FROM traces WHERE project_id = ?1 AND has_create = 1)",
                            [pid],
                            |r| r.get::<_, bool>(0),
                        )?
                    }
                    Ok(None) => false,
                    Err(_) => c.query_row("SELECT EXISTS (SELECT 1 FROM traces WHERE has_create = 1)", [], |r| {
                        r.get::<_, bool>(0)
                    })?,
                }
            };
            Ok(json!({ "exists": found }))
        })
        .await?;
    Ok(Json(v))
}

#[cfg(test)]
mod tests;
