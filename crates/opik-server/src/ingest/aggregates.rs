//! After a write: trace aggregates (span counts, usage, cost, errors) and threads.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};

use crate::ServerError;
use crate::common::add_usage;
use opik_model::new_id;

use super::*;

/// Note what a stored create or PATCH must be followed by ([`Touched::flush`]).
pub(super) fn after_write(
    kind: Kind,
    id: &str,
    project_id: &str,
    fields: &Map<String, Value>,
    newly_created: bool,
    touched: &mut Touched,
) {
    match kind {
        Kind::Trace => {
            touched.projects.insert(project_id.to_string());
            if newly_created {
                touched.traces.insert(id.to_string());
            }
            if let Some(thread) = fields.get("thread_id").and_then(Value::as_str)
                && !thread.is_empty()
            {
                touched
                    .threads
                    .insert((project_id.to_string(), thread.to_string()));
            }
        }
        Kind::Span => {
            if let Some(t) = fields.get("trace_id").and_then(Value::as_str) {
                touched.traces.insert(t.to_string());
            }
        }
    }
}

/// Create the thread row for `(project, thread_id)` if missing, and mark it active (a new
/// trace re-opens a closed or inactive thread). Returns its `thread_model_id`.
pub fn touch_thread(
    tx: &Connection,
    project_id: &str,
    thread_id: &str,
    now: &str,
    user: &str,
) -> Result<String, ServerError> {
    let model_id = ensure_thread(tx, project_id, thread_id, now, user)?;
    tx.prepare_cached(
        "UPDATE threads SET closed = 0, last_activity_at = ?3, last_updated_at = ?3 WHERE project_id = ?1 AND thread_id = ?2",
    )?
    .execute(rusqlite::params![project_id, thread_id, now])?;
    Ok(model_id)
}

/// The thread row's `thread_model_id`, creating the row (without activity) if missing.
pub fn ensure_thread(
    tx: &Connection,
    project_id: &str,
    thread_id: &str,
    now: &str,
    user: &str,
) -> Result<String, ServerError> {
    if let Some(id) = tx
        .prepare_cached(
            "SELECT thread_model_id FROM threads WHERE project_id = ?1 AND thread_id = ?2",
        )?
        .query_row([project_id, thread_id], |r| r.get::<_, String>(0))
        .optional()?
    {
        return Ok(id);
    }
    let id = new_id().to_string();
    tx.prepare_cached(
        "INSERT INTO threads(project_id, thread_id, thread_model_id, closed, last_activity_at, created_at, created_by, last_updated_at, last_updated_by) VALUES (?1, ?2, ?3, 0, ?4, ?4, ?5, ?4, ?5)",
    )?
    .execute(rusqlite::params![project_id, thread_id, id, now, user])?;
    Ok(id)
}

/// Recompute a trace's span aggregates (the row is only written when they changed).
pub fn recompute_trace(tx: &Connection, trace_id: &str) -> Result<(), ServerError> {
    let mut stmt = tx.prepare_cached(
        "SELECT type, est_cost, usage, provider, error_info IS NOT NULL FROM spans WHERE trace_id = ?1 AND has_create = 1",
    )?;
    let mut rows = stmt.query([trace_id])?;
    let (mut n, mut llm, mut tool, mut errs) = (0i64, 0i64, false, 0i64);
    let mut cost: Option<f64> = None;
    let mut usage = BTreeMap::new();
    let mut providers = BTreeSet::new();
    while let Some(r) = rows.next()? {
        n += 1;
        let t: Option<String> = r.get(0)?;
        match t.as_deref() {
            Some("llm") => llm += 1,
            Some("tool") => tool = true,
            _ => {}
        }
        if let Some(c) = r.get::<_, Option<f64>>(1)? {
            cost = Some(cost.unwrap_or(0.0) + c);
        }
        if let Some(u) = r.get::<_, Option<String>>(2)?
            && let Ok(v) = serde_json::from_str::<Value>(&u)
        {
            add_usage(&mut usage, &v);
        }
        if let Some(p) = r.get::<_, Option<String>>(3)?
            && !p.is_empty()
        {
            providers.insert(p);
        }
        if r.get::<_, bool>(4)? {
            errs += 1;
        }
    }
    let usage_s = if usage.is_empty() {
        None
    } else {
        serde_json::to_string(&usage).ok()
    };
    let providers_s = if providers.is_empty() {
        None
    } else {
        serde_json::to_string(&providers).ok()
    };
    tx.prepare_cached(
        "UPDATE traces SET span_count = ?2, llm_span_count = ?3, has_tool_spans = ?4, span_error_count = ?5, usage = ?6, total_estimated_cost = ?7, providers = ?8 \
         WHERE id = ?1 AND (span_count IS NOT ?2 OR llm_span_count IS NOT ?3 OR has_tool_spans IS NOT ?4 OR span_error_count IS NOT ?5 \
         OR usage IS NOT ?6 OR total_estimated_cost IS NOT ?7 OR providers IS NOT ?8)",
    )?
    .execute(rusqlite::params![trace_id, n, llm, tool, errs, usage_s, cost, providers_s])?;
    Ok(())
}
