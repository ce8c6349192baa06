//! PATCHes (also before the create: kept as `pending_patch`) and deletes.

use rusqlite::Connection;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::common::now_ts;
use crate::{ServerError, projects};
use opik_model::{SpanUpdate, TraceUpdate};

use super::*;

/// A normalised PATCH.
pub struct PatchRec {
    pub project_name: Option<String>,
    pub project_id: Option<String>,
    pub fields: Map<String, Value>,
    pub tags_to_add: Vec<String>,
    pub tags_to_remove: Vec<String>,
}

impl PatchRec {
    pub fn from_trace(u: &TraceUpdate) -> PatchRec {
        PatchRec {
            project_name: u.project_name.clone(),
            project_id: u.project_id.map(|p| p.to_string()),
            fields: to_map(Kind::Trace, u),
            tags_to_add: u.tags_to_add.clone().unwrap_or_default(),
            tags_to_remove: u.tags_to_remove.clone().unwrap_or_default(),
        }
    }
    pub fn from_span(u: &SpanUpdate) -> PatchRec {
        PatchRec {
            project_name: u.project_name.clone(),
            project_id: u.project_id.map(|p| p.to_string()),
            fields: to_map(Kind::Span, u),
            tags_to_add: u.tags_to_add.clone().unwrap_or_default(),
            tags_to_remove: u.tags_to_remove.clone().unwrap_or_default(),
        }
    }
}

pub(super) fn apply_tag_ops(fields: &mut Map<String, Value>, add: &[String], remove: &[String]) {
    if add.is_empty() && remove.is_empty() {
        return;
    }
    let mut tags: Vec<String> = fields
        .get("tags")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for t in add {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    tags.retain(|t| !remove.contains(t));
    fields.insert("tags".into(), Value::from(tags));
}

/// Apply a PATCH to a trace or span (stored even when the entity is not there yet).
pub fn patch(
    tx: &Connection,
    kind: Kind,
    id: &Uuid,
    p: PatchRec,
    user: &str,
) -> Result<(), ServerError> {
    if id.get_version_num() != 7 {
        return Err(ServerError::BadRequestDetails(
            "Invalid UUID for id".into(),
            format!("{} id must be a version 7 UUID (got {id})", kind.name()),
        ));
    }
    if let Some(Value::String(t)) = p.fields.get("type")
        && !SPAN_TYPES.contains(&t.as_str())
    {
        return Err(ServerError::bad_request(format!(
            "Unable to process JSON. Unknown span type {t:?}; expected one of general, tool, llm, guardrail"
        )));
    }
    let now = now_ts();
    let id_s = id.to_string();
    let existing = load(tx, kind, &id_s)?;
    let mut touched = Touched::default();
    let (mut fields, mut pending, project_id, has_create, client_lu) = match existing {
        Some(e) => (e.fields, e.pending, e.project_id, e.has_create, e.client_lu),
        None => {
            let pid = match &p.project_id {
                Some(pid) => pid.clone(),
                None => projects::get_or_create(tx, p.project_name.as_deref(), user)?,
            };
            (Map::new(), Map::new(), pid, false, None)
        }
    };
    if kind == Kind::Span
        && let Some(old) = fields.get("trace_id").and_then(Value::as_str)
    {
        touched.traces.insert(old.to_string());
    }
    for (k, v) in p.fields {
        fields.insert(k.clone(), v.clone());
        pending.insert(k, v);
    }
    apply_tag_ops(&mut fields, &p.tags_to_add, &p.tags_to_remove);
    if (!p.tags_to_add.is_empty() || !p.tags_to_remove.is_empty())
        && let Some(t) = fields.get("tags")
    {
        pending.insert("tags".into(), t.clone());
    }
    save(
        tx,
        kind,
        &id_s,
        &project_id,
        &fields,
        user,
        &now,
        client_lu.as_deref(),
        has_create,
        &pending,
    )?;
    if has_create {
        after_write(kind, &id_s, &project_id, &fields, false, &mut touched);
    }
    touched.flush(tx, &now, user)
}

/// Delete traces with their spans, scores and comments.
pub fn delete_traces(tx: &Connection, ids: &[String]) -> Result<(), ServerError> {
    for id in ids {
        let spans: Vec<String> = tx
            .prepare_cached("SELECT id FROM spans WHERE trace_id = ?1")?
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for s in &spans {
            tx.prepare_cached(
                "DELETE FROM feedback_scores WHERE entity_type = 'span' AND entity_id = ?1",
            )?
            .execute([s])?;
            tx.prepare_cached(
                "DELETE FROM comments WHERE entity_type = 'span' AND entity_id = ?1",
            )?
            .execute([s])?;
        }
        tx.prepare_cached("DELETE FROM spans WHERE trace_id = ?1")?
            .execute([id])?;
        tx.prepare_cached(
            "DELETE FROM feedback_scores WHERE entity_type = 'trace' AND entity_id = ?1",
        )?
        .execute([id])?;
        tx.prepare_cached("DELETE FROM comments WHERE entity_type = 'trace' AND entity_id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM traces WHERE id = ?1")?
            .execute([id])?;
    }
    Ok(())
}
