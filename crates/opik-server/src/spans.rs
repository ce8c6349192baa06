//! Span endpoints: writes (batch/single create, PATCH, batch PATCH; logic in `ingest`) and
//! reads (list page, get, NDJSON search stream, exists) with filters, sorting, text search,
//! `type`/`trace_id` selection, time window on the id's time, `truncate` and `exclude`.
//! A span's `total_estimated_cost` is the client's, else estimated (see `cost.rs`).

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
use super::ingest::{self, CreateMode, CreateRec, Kind, PatchRec, SPAN_TYPES};
use super::traces::stream_limit;
use super::{AppState, Caller, LJson, ServerError, comments, projects, scores};
use opik_model::{Filter, Sorting, SpanBatch, SpanSearchRequest, SpanUpdate, SpanWrite, Timestamp};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/spans", get(list).post(create_one))
        .route(
            "/v1/private/spans/batch",
            post(create_batch).patch(patch_batch),
        )
        .route("/v1/private/spans/search", post(search))
        .route("/v1/private/spans/exists", get(exists))
        .route("/v1/private/spans/{id}", get(get_one).patch(patch_one))
}

async fn create_batch(
    State(st): State<AppState>,
    caller: Caller,
    LJson(b): LJson<SpanBatch>,
) -> Result<StatusCode, ServerError> {
    if b.spans.is_empty() || b.spans.len() > 1000 {
        return Err(ServerError::unprocessable(
            "spans size must be between 1 and 1000",
        ));
    }
    let recs = b
        .spans
        .into_iter()
        .map(CreateRec::from_span_owned)
        .collect::<Result<Vec<_>, _>>()?;
    st.db
        .write(move |tx| ingest::create_all(tx, Kind::Span, recs, CreateMode::Upsert, &caller.user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_one(
    State(st): State<AppState>,
    caller: Caller,
    LJson(w): LJson<SpanWrite>,
) -> Result<Response, ServerError> {
    let rec = CreateRec::from_span_owned(w)?;
    let id = rec.id.clone();
    st.db
        .write(move |tx| {
            ingest::create_all(tx, Kind::Span, vec![rec], CreateMode::Merge, &caller.user)
        })
        .await?;
    Ok(created(format!("{}/v1/private/spans/{id}", st.base_url())))
}

async fn patch_one(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    LJson(u): LJson<SpanUpdate>,
) -> Result<StatusCode, ServerError> {
    let id = parse_uuid(&id, "span id")?;
    if u.trace_id.is_none() {
        return Err(ServerError::unprocessable("trace_id must not be null"));
    }
    let p = PatchRec::from_span(&u);
    st.db
        .write(move |tx| ingest::patch(tx, Kind::Span, &id, p, &caller.user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct BatchUpdate {
    #[serde(default)]
    ids: Vec<uuid::Uuid>,
    update: Option<SpanUpdate>,
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
        && let Some(tags) = u.tags.take()
    {
        u.tags_to_add = Some(tags);
    }
    st.db
        .write(move |tx| {
            for id in &b.ids {
                ingest::patch(tx, Kind::Span, id, PatchRec::from_span(&u), &caller.user)?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

const SELECT: &str = "s.id, s.project_id, s.trace_id, s.parent_span_id, s.name, s.type, s.start_time, s.end_time, \
    s.duration, s.input, s.output, s.metadata, s.model, s.provider, s.tags, s.usage, s.error_info, s.est_cost, \
    s.total_estimated_cost_version, s.ttft, s.source, s.environment, s.created_at, s.created_by, s.last_updated_at, \
    s.last_updated_by, p.name";

fn row_json(r: &rusqlite::Row) -> rusqlite::Result<Map<String, Value>> {
    let mut m = Map::new();
    put_str(&mut m, "id", r.get(0)?);
    put_str(&mut m, "project_id", r.get(1)?);
    put_str(&mut m, "trace_id", r.get(2)?);
    put_str(&mut m, "parent_span_id", r.get(3)?);
    put_str(&mut m, "name", r.get(4)?);
    put_str(&mut m, "type", r.get(5)?);
    put_str(&mut m, "start_time", r.get(6)?);
    put_str(&mut m, "end_time", r.get(7)?);
    put(
        &mut m,
        "duration",
        r.get::<_, Option<f64>>(8)?.map(Value::from),
    );
    put(&mut m, "input", json_col(r.get(9)?));
    put(&mut m, "output", json_col(r.get(10)?));
    put(&mut m, "metadata", json_col(r.get(11)?));
    put_str(&mut m, "model", r.get(12)?);
    put_str(&mut m, "provider", r.get(13)?);
    put(&mut m, "tags", json_col(r.get(14)?));
    put(&mut m, "usage", json_col(r.get(15)?));
    put(&mut m, "error_info", json_col(r.get(16)?));
    put(
        &mut m,
        "total_estimated_cost",
        r.get::<_, Option<f64>>(17)?.map(Value::from),
    );
    put_str(&mut m, "total_estimated_cost_version", r.get(18)?);
    put(
        &mut m,
        "ttft",
        r.get::<_, Option<f64>>(19)?.map(Value::from),
    );
    put_str(&mut m, "source", r.get(20)?);
    put_str(&mut m, "environment", r.get(21)?);
    put_str(&mut m, "created_at", r.get(22)?);
    put_str(&mut m, "created_by", r.get(23)?);
    put_str(&mut m, "last_updated_at", r.get(24)?);
    put_str(&mut m, "last_updated_by", r.get(25)?);
    put_str(&mut m, "project_name", r.get(26)?);
    Ok(m)
}

/// What a span query asks for.
#[derive(Debug, Default, Clone)]
pub struct SpanQuery {
    pub project_id: Option<String>,
    pub trace_id: Option<String>,
    pub span_type: Option<String>,
    pub filters: Vec<Filter>,
    pub search: Option<String>,
    pub sorting: Vec<Sorting>,
    pub from_time: Option<Timestamp>,
    pub to_time: Option<Timestamp>,
    pub before_id: Option<String>,
    pub limit: i64,
    pub offset: i64,
    pub truncate: bool,
    pub exclude: Vec<String>,
    pub with_total: bool,
}

pub fn query(conn: &Connection, q: &SpanQuery) -> Result<(Vec<Value>, Option<i64>), ServerError> {
    let ctx = Ctx::detect(conn);
    let mut w = Where::default();
    w.push("s.has_create = 1", []);
    if let Some(p) = &q.project_id {
        w.push("s.project_id = ?", [sv(p.clone())]);
    }
    if let Some(t) = &q.trace_id {
        w.push("s.trace_id = ?", [sv(t.clone())]);
    }
    if let Some(t) = &q.span_type {
        w.push("s.type = ?", [sv(t.clone())]);
    }
    filters::build(Entity::Span, &q.filters, ctx, &mut w)?;
    if let Some(s) = &q.search {
        filters::search(Entity::Span, s, &mut w);
    }
    push_id_window(&mut w, "s.id", q.from_time.as_ref(), q.to_time.as_ref());
    let total = if q.with_total {
        let sql = format!("SELECT count(*) FROM spans s WHERE {}", w.sql());
        Some(
            conn.query_row(&sql, params_from_iter(w.params.iter()), |r| {
                r.get::<_, i64>(0)
            })?,
        )
    } else {
        None
    };
    if let Some(c) = &q.before_id {
        w.push("s.id < ?", [sv(c.clone())]);
    }
    let (order, order_params) = filters::order_by(Entity::Span, &q.sorting)?;
    let sql = format!(
        "SELECT {SELECT} FROM spans s LEFT JOIN projects p ON p.id = s.project_id WHERE {} ORDER BY {order} LIMIT ? OFFSET ?",
        w.sql()
    );
    let mut params = w.params.clone();
    params.extend(order_params);
    params.push(SqlValue::Integer(q.limit));
    params.push(SqlValue::Integer(q.offset));
    let rows: Vec<Map<String, Value>> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(params.iter()), row_json)?
        .collect::<Result<_, _>>()?;
    Ok((enrich(conn, rows, q.truncate, &q.exclude)?, total))
}

fn enrich(
    conn: &Connection,
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
        scores::load(conn, "span", &ids)?
    } else {
        Default::default()
    };
    let mut cm = if wants("comments") {
        comments::load(conn, "span", &ids)?
    } else {
        Default::default()
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
        if let Some(v) = cm.remove(&id) {
            m.insert("comments".into(), Value::from(v));
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

async fn get_one(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ServerError> {
    let id = parse_uuid(&id, "span id")?.to_string();
    let v = st
        .db
        .read(move |c| {
            let sql = format!(
                "SELECT {SELECT} FROM spans s LEFT JOIN projects p ON p.id = s.project_id WHERE s.id = ?1 AND s.has_create = 1"
            );
            let rows: Vec<Map<String, Value>> =
                c.prepare_cached(&sql)?.query_map([&id], row_json)?.collect::<Result<_, _>>()?;
            enrich(c, rows, false, &[])?
                .into_iter()
                .next()
                .ok_or_else(|| ServerError::not_found("Span not found"))
        })
        .await?;
    Ok(Json(v))
}

fn check_type(t: Option<&str>) -> Result<Option<String>, ServerError> {
    match t.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) if SPAN_TYPES.contains(&t) => Ok(Some(t.to_string())),
        Some(t) => Err(ServerError::bad_request(format!(
            "Invalid span type {t:?}: use general, tool, llm or guardrail"
        ))),
    }
}

const SORTABLE: &[&str] = &[
    "id",
    "name",
    "type",
    "start_time",
    "end_time",
    "duration",
    "total_estimated_cost",
    "model",
    "provider",
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
    let mut q = SpanQuery {
        trace_id: match lq.trace_id.as_deref().filter(|s| !s.is_empty()) {
            Some(t) => Some(parse_uuid(t, "trace_id")?.to_string()),
            None => None,
        },
        span_type: check_type(lq.span_type.as_deref())?,
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
    filters::validate(Entity::Span, &q.filters, &q.sorting)?;
    let v = st
        .db
        .read(move |c| {
            if lq.project_id.is_some() || lq.project_name.is_some() || q.trace_id.is_none() {
                match projects::resolve(c, lq.project_id.as_deref(), lq.project_name.as_deref())? {
                    Some(p) => q.project_id = Some(p),
                    None => {
                        return Ok(json!({"page": page, "size": 0, "total": 0, "content": [], "sortable_by": SORTABLE}));
                    }
                }
            }
            let (rows, total) = query(c, &q)?;
            Ok(json!({"page": page, "size": rows.len(), "total": total.unwrap_or(0), "content": rows, "sortable_by": SORTABLE}))
        })
        .await?;
    Ok(Json(v))
}

async fn search(
    State(st): State<AppState>,
    LJson(r): LJson<SpanSearchRequest>,
) -> Result<Response, ServerError> {
    let mut q = SpanQuery {
        trace_id: r.trace_id.map(|t| t.to_string()),
        span_type: check_type(r.span_type.as_deref())?,
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
    filters::validate(Entity::Span, &q.filters, &q.sorting)?;
    let (pid, pname) = (r.project_id.map(|p| p.to_string()), r.project_name);
    let rows = st
        .db
        .read(move |c| {
            if pid.is_some() || pname.is_some() || q.trace_id.is_none() {
                let name = if pid.is_none() && pname.is_none() {
                    Some(projects::DEFAULT_PROJECT.to_string())
                } else {
                    pname
                };
                match projects::resolve(c, pid.as_deref(), name.as_deref())? {
                    Some(p) => q.project_id = Some(p),
                    None => return Ok(Vec::new()),
                }
            }
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

async fn exists(
    State(st): State<AppState>,
    Query(q): Query<ExistsQuery>,
) -> Result<Json<Value>, ServerError> {
    let v = st
        .db
        .read(move |c| {
            let found = if let Some(id) = q.id.as_deref() {
                let id = parse_uuid(id, "id")?.to_string();
                c.query_row("SELECT count(*) FROM spans WHERE id = ?1 AND has_create = 1", [id], |r| r.get::<_, i64>(0))? > 0
            } else {
                match projects::resolve(c, q.project_id.as_deref(), q.project_name.as_deref()) {
                    Ok(Some(pid)) => c.query_row(
                        "SELECT EXISTS (SELECT 1 FROM spans WHERE project_id = ?1 AND has_create = 1)",
                        [pid],
                        |r| r.get::<_, bool>(0),
                    )?,
                    Ok(None) => false,
                    Err(_) => c.query_row("SELECT EXISTS (SELECT 1 FROM spans WHERE has_create = 1)", [], |r| r.get(0))?,
                }
            };
            Ok(json!({ "exists": found }))
        })
        .await?;
    Ok(Json(v))
}
