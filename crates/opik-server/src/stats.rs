//! Aggregate stats for the list screens: `GET /v1/private/traces/stats`, `GET
//! /v1/private/spans/stats` (Opik's `ProjectStats`: `{stats: [{name, type, value}]}`) and `GET
//! /v1/private/projects/stats` (the projects list's per-project summary).
//!
//! Names and types mirror Opik's `StatsMapper`: `trace_count` / `span_count` (COUNT),
//! `duration` (PERCENTAGE: `{p50, p90, p99}` in ms), `input`, `output`, `metadata` (COUNT of
//! entities where the field is set), `tags` (AVG number of tags), for traces `llm_span_count`
//! and `span_count` (AVG per trace), `total_estimated_cost` (AVG), `total_estimated_cost_sum`,
//! `usage.<key>` (AVG per entity), `feedback_scores.<name>` (AVG of the per-entity average over
//! authors), `guardrails_failed_count` (traces; this server stores no guardrails, so 0) and
//! `error_count` (COUNT). The same `filters`, `search`, `from_time` / `to_time` as the lists
//! apply, through the server's filter module.
//!
//! Threads stats (`GET /traces/threads/stats`) live with the threads module, which owns the
//! aggregated thread row the thread filters refer to.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::{Connection, params_from_iter, types::Value as SqlValue};
use serde_json::{Value, json};

use super::common::{ListQuery, id_bound, sv};
use super::filters::{self, Ctx, Where};
use super::metrics::quantile;
use super::{AppState, ServerError, projects};
use opik_model::{
    ErrorCount, FeedbackScoreAverage, Percentiles, ProjectStats, ProjectStatsSummary,
    ProjectStatsSummaryItem, StatItem,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/traces/stats", get(trace_stats))
        .route("/v1/private/spans/stats", get(span_stats))
        .route("/v1/private/projects/stats", get(project_stats))
}

fn count(name: &str, v: i64) -> StatItem {
    StatItem {
        name: name.into(),
        stat_type: "COUNT".into(),
        value: json!(v),
    }
}

fn avg(name: &str, v: f64) -> StatItem {
    StatItem {
        name: name.into(),
        stat_type: "AVG".into(),
        value: if v.is_finite() { json!(v) } else { json!(0.0) },
    }
}

/// `{p50, p90, p99}` of unsorted durations (ms).
pub fn percentiles(mut d: Vec<f64>) -> Percentiles {
    d.sort_by(|a, b| a.total_cmp(b));
    Percentiles {
        p50: Some(quantile(&d, 0.5).unwrap_or(0.0)),
        p90: Some(quantile(&d, 0.9).unwrap_or(0.0)),
        p99: Some(quantile(&d, 0.99).unwrap_or(0.0)),
    }
}

/// The WHERE clause for one project's traces or spans with the list's filters.
fn entity_where(
    conn: &Connection,
    entity: filters::Entity,
    project_id: &str,
    q: &ListQuery,
) -> Result<Where, ServerError> {
    let a = if entity == filters::Entity::Trace {
        "t"
    } else {
        "s"
    };
    let mut w = Where::default();
    w.push(format!("{a}.project_id = ?"), [sv(project_id)]);
    w.push(format!("{a}.has_create = 1"), []);
    if let Some(t) = q.time("from_time")? {
        w.push(format!("{a}.id >= ?"), [sv(id_bound(&t))]);
    }
    if let Some(t) = q.time("to_time")? {
        w.push(
            format!("{a}.id < ?"),
            [sv(id_bound(&(t + chrono::Duration::milliseconds(1))))],
        );
    }
    if entity == filters::Entity::Span {
        if let Some(tid) = q
            .trace_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let tid = super::common::parse_uuid(tid, "trace_id")?;
            w.push("s.trace_id = ?", [sv(tid.to_string())]);
        }
        if let Some(ty) = q
            .span_type
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            w.push("s.type = ?", [sv(ty)]);
        }
    }
    filters::build(entity, &q.filters()?, Ctx::detect(conn), &mut w)?;
    if let Some(s) = q.search.as_deref() {
        filters::search(entity, s, &mut w);
    }
    Ok(w)
}

const NONEMPTY: &str = "IS NOT NULL AND {c} NOT IN ('', 'null', '{}', '[]', '\"\"')";

fn set(col: &str) -> String {
    format!("sum({col} {})", NONEMPTY.replace("{c}", col))
}

/// Compute the stats of one project's traces (`entity = Trace`) or spans.
pub fn compute(
    conn: &Connection,
    entity: filters::Entity,
    project_id: &str,
    q: &ListQuery,
) -> Result<ProjectStats, ServerError> {
    let trace = entity == filters::Entity::Trace;
    let (table, a, etype) = if trace {
        ("traces", "t", "trace")
    } else {
        ("spans", "s", "span")
    };
    let w = entity_where(conn, entity, project_id, q)?;
    let cond = w.sql();
    let p = || params_from_iter(w.params.iter());

    // Spans keep the shown cost (the client's, else estimated from model and usage) in est_cost.
    let cost = if trace {
        "total_estimated_cost"
    } else {
        "est_cost"
    };
    let extra = if trace {
        format!(", avg({a}.llm_span_count), avg({a}.span_count)")
    } else {
        ", 0.0, 0.0".to_string()
    };
    let sql = format!(
        "SELECT count(*), coalesce({inp}, 0), coalesce({out}, 0), coalesce({meta}, 0), \
         coalesce(avg(CASE WHEN json_valid({a}.tags) THEN json_array_length({a}.tags) ELSE 0 END), 0.0), \
         coalesce(avg({a}.{cost}), 0.0), coalesce(sum({a}.{cost}), 0.0), \
         coalesce(sum({a}.error_info {ne}), 0){extra} \
         FROM {table} {a} WHERE {cond}",
        inp = set(&format!("{a}.input")),
        out = set(&format!("{a}.output")),
        meta = set(&format!("{a}.metadata")),
        ne = NONEMPTY.replace("{c}", &format!("{a}.error_info")),
    );
    struct Row {
        n: i64,
        inp: i64,
        out: i64,
        meta: i64,
        tags: f64,
        cost_avg: f64,
        cost_sum: f64,
        errors: i64,
        llm: Option<f64>,
        spans: Option<f64>,
    }
    let Row {
        n,
        inp,
        out,
        meta,
        tags,
        cost_avg,
        cost_sum,
        errors,
        llm,
        spans,
    } = conn.query_row(&sql, p(), |r| {
        Ok(Row {
            n: r.get(0)?,
            inp: r.get(1)?,
            out: r.get(2)?,
            meta: r.get(3)?,
            tags: r.get(4)?,
            cost_avg: r.get(5)?,
            cost_sum: r.get(6)?,
            errors: r.get(7)?,
            llm: r.get(8)?,
            spans: r.get(9)?,
        })
    })?;

    let durations: Vec<f64> = {
        let sql = format!(
            "SELECT {a}.duration FROM {table} {a} WHERE {cond} AND {a}.duration IS NOT NULL"
        );
        let mut st = conn.prepare(&sql)?;
        let rows = st.query_map(p(), |r| r.get::<_, f64>(0))?;
        rows.collect::<Result<_, _>>()?
    };

    // Usage: average per entity of each key (entities without the key count as 0, as Opik's
    // avgMap over the usage map column does for present keys only; we divide by all entities).
    let usage: BTreeMap<String, f64> = {
        let sql = format!(
            "SELECT j.key, sum(j.value) FROM {table} {a}, json_each(CASE WHEN json_valid({a}.usage) THEN {a}.usage ELSE '{{}}' END) j \
             WHERE {cond} GROUP BY j.key"
        );
        let mut st = conn.prepare(&sql)?;
        let rows = st.query_map(p(), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<f64>>(1)?))
        })?;
        let mut m = BTreeMap::new();
        for row in rows {
            let (k, s) = row?;
            if n > 0 {
                m.insert(k, s.unwrap_or(0.0) / n as f64);
            }
        }
        m
    };

    let scores: BTreeMap<String, f64> = {
        let sql = format!(
            "SELECT name, avg(v) FROM (SELECT fs.name AS name, avg(fs.value) AS v FROM {table} {a} \
             JOIN feedback_scores fs ON fs.entity_type = '{etype}' AND fs.entity_id = {a}.id \
             WHERE {cond} AND fs.value IS NOT NULL GROUP BY {a}.id, fs.name) GROUP BY name"
        );
        let mut st = conn.prepare(&sql)?;
        let rows = st.query_map(p(), |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };

    let mut stats = vec![
        count(if trace { "trace_count" } else { "span_count" }, n),
        StatItem {
            name: "duration".into(),
            stat_type: "PERCENTAGE".into(),
            value: serde_json::to_value(percentiles(durations)).unwrap_or(Value::Null),
        },
        count("input", inp),
        count("output", out),
        count("metadata", meta),
        avg("tags", tags),
    ];
    if trace {
        stats.push(avg("llm_span_count", llm.unwrap_or(0.0)));
        stats.push(avg("span_count", spans.unwrap_or(0.0)));
    }
    stats.push(avg("total_estimated_cost", cost_avg));
    stats.push(avg("total_estimated_cost_sum", cost_sum));
    for (k, v) in usage {
        stats.push(avg(&format!("usage.{k}"), v));
    }
    for (k, v) in scores {
        stats.push(avg(&format!("feedback_scores.{k}"), v));
    }
    if trace {
        stats.push(count("guardrails_failed_count", 0));
    }
    stats.push(count("error_count", errors));
    Ok(ProjectStats { stats })
}

async fn entity_stats(
    st: AppState,
    entity: filters::Entity,
    q: ListQuery,
) -> Result<Json<ProjectStats>, ServerError> {
    let out = st
        .db
        .read(move |conn| {
            match projects::resolve(conn, q.project_id.as_deref(), q.project_name.as_deref())? {
                Some(pid) => compute(conn, entity, &pid, &q),
                // A project name that does not exist yet: the stats of nothing.
                None => compute(conn, entity, "", &q),
            }
        })
        .await?;
    Ok(Json(out))
}

async fn trace_stats(
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<ProjectStats>, ServerError> {
    entity_stats(st, filters::Entity::Trace, q).await
}

async fn span_stats(
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<ProjectStats>, ServerError> {
    entity_stats(st, filters::Entity::Span, q).await
}

/// Error counts for the projects list: errors in the last 7 days and in the 7 days before,
/// as Opik's `recent_error_count` / `past_period_error_count` (`count` = both, `deviation` =
/// recent, `deviation_percentage` = change against the past period, when it had errors).
pub fn error_count(
    conn: &Connection,
    project_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ErrorCount, ServerError> {
    let week = chrono::Duration::days(7);
    let lo_recent = id_bound(&(now - week));
    let lo_past = id_bound(&(now - week - week));
    let ne = NONEMPTY.replace("{c}", "t.error_info");
    let (recent, past): (i64, i64) = conn
        .prepare_cached(&format!(
            "SELECT coalesce(sum(t.id >= ?2), 0), coalesce(sum(t.id < ?2), 0) FROM traces t \
             WHERE t.project_id = ?1 AND t.has_create = 1 AND t.id >= ?3 AND t.error_info {ne}"
        ))?
        .query_row(rusqlite::params![project_id, lo_recent, lo_past], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok(ErrorCount {
        count: Some(recent + past),
        deviation: Some(recent),
        deviation_percentage: (past > 0)
            .then(|| ((recent as f64 - past as f64) / past as f64 * 100.0).round() as i64),
    })
}

/// One project's summary for `GET /projects/stats`.
pub fn project_summary(
    conn: &Connection,
    project_id: &str,
) -> Result<ProjectStatsSummaryItem, ServerError> {
    let q = ListQuery::default();
    let s = compute(conn, filters::Entity::Trace, project_id, &q)?;
    let mut item = ProjectStatsSummaryItem {
        project_id: uuid::Uuid::parse_str(project_id).ok(),
        ..Default::default()
    };
    let mut usage = BTreeMap::new();
    let mut scores = Vec::new();
    for st in s.stats {
        match st.name.as_str() {
            "trace_count" => item.trace_count = st.value.as_i64(),
            "duration" => item.duration = serde_json::from_value(st.value).ok(),
            "total_estimated_cost" => item.total_estimated_cost = st.value.as_f64(),
            "total_estimated_cost_sum" => item.total_estimated_cost_sum = st.value.as_f64(),
            "guardrails_failed_count" => item.guardrails_failed_count = st.value.as_i64(),
            n if n.starts_with("usage.") => {
                usage.insert(
                    n["usage.".len()..].to_string(),
                    st.value.as_f64().unwrap_or(0.0),
                );
            }
            n if n.starts_with("feedback_scores.") => scores.push(FeedbackScoreAverage {
                name: n["feedback_scores.".len()..].to_string(),
                value: st.value.as_f64(),
            }),
            _ => {}
        }
    }
    item.usage = Some(usage);
    item.feedback_scores = Some(scores);
    let threads: i64 = conn
        .prepare_cached(
            "SELECT count(DISTINCT thread_id) FROM traces WHERE project_id = ?1 AND has_create = 1 \
             AND thread_id IS NOT NULL AND thread_id <> ''",
        )?
        .query_row([project_id], |r| r.get(0))?;
    item.thread_count = Some(threads);
    item.error_count = Some(error_count(conn, project_id, chrono::Utc::now())?);
    Ok(item)
}

async fn project_stats(
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<ProjectStatsSummary>, ServerError> {
    let (page, size) = q.paging()?;
    let name = q.name.clone().unwrap_or_default();
    let out = st
        .db
        .read(move |conn| {
            let pat = format!("%{}%", super::common::like_escape(name.trim()));
            let ids: Vec<String> = {
                let mut stmt = conn.prepare(
                    "SELECT id FROM projects WHERE name LIKE ?1 ESCAPE '\\' \
                     ORDER BY coalesce(last_updated_trace_at, created_at) DESC, id DESC LIMIT ?2 OFFSET ?3",
                )?;
                let rows = stmt.query_map(
                    params_from_iter([
                        SqlValue::from(pat),
                        SqlValue::from(size),
                        SqlValue::from((page - 1) * size),
                    ]),
                    |r| r.get::<_, String>(0),
                )?;
                rows.collect::<Result<_, _>>()?
            };
            let content = ids
                .iter()
                .map(|id| project_summary(conn, id))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ProjectStatsSummary { content })
        })
        .await?;
    Ok(Json(out))
}
