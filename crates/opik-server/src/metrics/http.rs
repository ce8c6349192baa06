//! `POST /v1/private/projects/{id}/metrics` and `…/kpi-cards`.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, types::Value as SqlValue};
use serde_json::Value;
use uuid::Uuid;

use opik_model::ProjectMetricResponse;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;

use crate::common::parse_uuid;
use crate::filters::{self, Ctx, Where};
use crate::{AppState, LJson, ServerError};
use opik_model::{Filter, ProjectMetricRequest};

use super::*;

/// `POST /v1/private/projects/{id}/metrics` and `POST /v1/private/projects/{id}/kpi-cards`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/projects/{id}/metrics", post(metrics_handler))
        .route("/v1/private/projects/{id}/kpi-cards", post(kpi_handler))
}

pub(super) fn project_exists(conn: &Connection, id: &Uuid) -> Result<(), ServerError> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM projects WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))?;
    if n == 0 {
        return Err(ServerError::not_found("Project not found"));
    }
    Ok(())
}

/// Filters → an SQL condition for the entity's row alias (`t` traces, `s` spans, `th` threads).
/// Thread filters refer to the aggregated thread row of the threads module, so they are
/// evaluated there and come back as the matching `thread_model_id`s.
pub fn filter_sql(
    conn: &Connection,
    entity: Entity,
    filters: &[Filter],
    thread_scope: Option<(&Uuid, DateTime<Utc>, DateTime<Utc>, Duration)>,
) -> Result<Option<(String, Vec<SqlValue>)>, ServerError> {
    if filters.is_empty() {
        return Ok(None);
    }
    let fe = match entity {
        Entity::Traces => filters::Entity::Trace,
        Entity::Spans => filters::Entity::Span,
        Entity::Threads => {
            let Some((pid, start, end, timeout)) = thread_scope else {
                return Ok(None);
            };
            let q = crate::threads::ThreadQuery {
                project_id: pid.to_string(),
                filters: filters.to_vec(),
                from_time: Some(start),
                to_time: Some(end),
                limit: i64::MAX,
                ..Default::default()
            };
            let (rows, _) = crate::threads::query(conn, timeout, &q)?;
            let ids: Vec<Value> = rows
                .iter()
                .filter_map(|r| r.get("thread_model_id").cloned())
                .collect();
            return Ok(Some((
                "th.thread_model_id IN (SELECT value FROM json_each(?))".into(),
                vec![SqlValue::Text(Value::Array(ids).to_string())],
            )));
        }
    };
    let mut w = Where::default();
    filters::build(fe, filters, Ctx::detect(conn), &mut w)?;
    Ok(Some((w.sql(), w.params)))
}

pub(super) async fn metrics_handler(
    State(st): State<AppState>,
    Path(id): Path<String>,
    LJson(req): LJson<ProjectMetricRequest>,
) -> Result<Json<ProjectMetricResponse>, ServerError> {
    let project_id = parse_uuid(&id, "project id")?;
    let mut q = MetricQuery::new(
        project_id,
        req.metric_type.as_deref(),
        req.interval.as_deref(),
        req.interval_start,
        req.interval_end,
        Utc::now(),
    )
    .map_err(|e| ServerError::bad_request(e.0))?;
    let filters = match q.entity() {
        Entity::Traces => req.trace_filters.unwrap_or_default(),
        Entity::Spans => req.span_filters.unwrap_or_default(),
        Entity::Threads => req.thread_filters.unwrap_or_default(),
    };
    let timeout = st.settings.thread_timeout;
    let out = st
        .db
        .read(move |conn| {
            project_exists(conn, &project_id)?;
            q.filter_sql = filter_sql(
                conn,
                q.entity(),
                &filters,
                Some((&project_id, q.start, q.end, timeout)),
            )?;
            Ok(compute(conn, &q)?)
        })
        .await?;
    Ok(Json(out))
}

pub(super) async fn kpi_handler(
    State(st): State<AppState>,
    Path(id): Path<String>,
    LJson(req): LJson<KpiCardRequest>,
) -> Result<Json<KpiCardResponse>, ServerError> {
    let project_id = parse_uuid(&id, "project id")?;
    let entity = match req.entity_type.as_deref().map(str::trim) {
        Some("traces") => Entity::Traces,
        Some("spans") => Entity::Spans,
        Some("threads") => Entity::Threads,
        other => {
            return Err(ServerError::bad_request(format!(
                "`entity_type` must be traces, spans or threads, not {other:?}"
            )));
        }
    };
    let start = req
        .interval_start
        .ok_or_else(|| ServerError::bad_request("`interval_start` is required"))?;
    let end = req.interval_end.unwrap_or_else(Utc::now);
    if start >= end {
        return Err(ServerError::bad_request(
            "'start_time' must be before 'end_time'",
        ));
    }
    let filters: Vec<Filter> = match req.filters.as_deref().map(str::trim) {
        None | Some("") => Vec::new(),
        Some(s) => serde_json::from_str(s).map_err(|e| {
            ServerError::bad_request(format!(
                "Invalid filters: {e}; expected a JSON array of {{field, operator, key, value}}"
            ))
        })?,
    };
    let timeout = st.settings.thread_timeout;
    let out = st
        .db
        .read(move |conn| {
            project_exists(conn, &project_id)?;
            let scope = Some((&project_id, start - (end - start), end, timeout));
            let f = filter_sql(conn, entity, &filters, scope)?;
            Ok(kpi_cards(conn, entity, project_id, start, end, &f)?)
        })
        .await?;
    Ok(Json(out))
}
