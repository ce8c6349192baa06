//! Creates: validation, batch upserts and single-create merges ([`create_all`]).

use std::collections::HashMap;

use rusqlite::{Connection, types::Value as SqlValue};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::common::{check_v7, now_ts};
use crate::{ServerError, projects};
use opik_model::{SpanWrite, TraceWrite, new_id, ts};

use super::*;

/// A normalised incoming create record.
pub struct CreateRec {
    pub id: String,
    pub project_name: Option<String>,
    pub last_updated_at: Option<String>,
    pub fields: Map<String, Value>,
    /// `fields` as SQL values ([`row_values`]), computed with the record so that a fresh
    /// insert does no serialising inside the write transaction.
    row: Vec<SqlValue>,
}

pub(super) fn validate_fields(
    kind: Kind,
    idx: Option<usize>,
    f: &Map<String, Value>,
) -> Result<(), ServerError> {
    let prefix = match idx {
        Some(i) => format!("{}s[{i}].", kind.name()),
        None => String::new(),
    };
    if is_empty(f.get("start_time")) {
        return Err(ServerError::unprocessable(format!(
            "{prefix}start_time must not be null"
        )));
    }
    if let Some(Value::Array(tags)) = f.get("tags")
        && tags.len() > 50
    {
        return Err(ServerError::unprocessable(format!(
            "{prefix}tags size must be between 0 and 50"
        )));
    }
    if kind == Kind::Span {
        if is_empty(f.get("trace_id")) {
            return Err(ServerError::unprocessable(format!(
                "{prefix}trace_id must not be null"
            )));
        }
        if let Some(t) = f.get("type").and_then(Value::as_str)
            && !SPAN_TYPES.contains(&t)
        {
            return Err(ServerError::bad_request(format!(
                "Unable to process JSON. Unknown span type {t:?}; expected one of general, tool, llm, guardrail"
            )));
        }
        if let Some(c) = f.get("total_estimated_cost").and_then(Value::as_f64)
            && c < 0.0
        {
            return Err(ServerError::unprocessable(format!(
                "{prefix}total_estimated_cost must be greater than or equal to 0.0"
            )));
        }
    }
    Ok(())
}

pub(super) fn to_map<T: serde::Serialize>(kind: Kind, w: &T) -> Map<String, Value> {
    pick(kind, serde_json::to_value(w).unwrap_or(Value::Null))
}

/// [`to_map`] of an owned record whose big JSON values (input/output/metadata) are moved
/// into the map rather than copied through `serde_json::to_value`.
pub(super) fn to_map_moving<T: serde::Serialize>(
    kind: Kind,
    w: &T,
    big: [(&str, Option<Value>); 3],
) -> Map<String, Value> {
    let mut m = to_map(kind, w);
    for (k, v) in big {
        if let Some(v) = v
            && !v.is_null()
        {
            m.insert(k.to_string(), v);
        }
    }
    m
}

impl CreateRec {
    pub(super) fn new(
        kind: Kind,
        id: String,
        project_name: Option<String>,
        last_updated_at: Option<String>,
        fields: Map<String, Value>,
    ) -> CreateRec {
        let row = row_values(kind, &fields);
        CreateRec {
            id,
            project_name,
            last_updated_at,
            fields,
            row,
        }
    }
    pub fn from_trace(w: &TraceWrite) -> Result<CreateRec, ServerError> {
        CreateRec::from_trace_owned(w.clone())
    }
    pub fn from_span(w: &SpanWrite) -> Result<CreateRec, ServerError> {
        CreateRec::from_span_owned(w.clone())
    }
    /// [`CreateRec::from_trace`] without copying the record's JSON values.
    pub fn from_trace_owned(mut w: TraceWrite) -> Result<CreateRec, ServerError> {
        let id = w.id.unwrap_or_else(new_id);
        check_v7(&id, "trace")?;
        let big = [
            ("input", w.input.take()),
            ("output", w.output.take()),
            ("metadata", w.metadata.take()),
        ];
        Ok(CreateRec::new(
            Kind::Trace,
            id.to_string(),
            w.project_name.take(),
            w.last_updated_at.as_ref().map(ts::format),
            to_map_moving(Kind::Trace, &w, big),
        ))
    }
    /// [`CreateRec::from_span`] without copying the record's JSON values.
    pub fn from_span_owned(mut w: SpanWrite) -> Result<CreateRec, ServerError> {
        let id = w.id.unwrap_or_else(new_id);
        check_v7(&id, "span")?;
        if let Some(t) = &w.trace_id {
            check_trace_ref(t)?;
        }
        let big = [
            ("input", w.input.take()),
            ("output", w.output.take()),
            ("metadata", w.metadata.take()),
        ];
        Ok(CreateRec::new(
            Kind::Span,
            id.to_string(),
            w.project_name.take(),
            w.last_updated_at.as_ref().map(ts::format),
            to_map_moving(Kind::Span, &w, big),
        ))
    }
}

pub(super) fn check_trace_ref(id: &Uuid) -> Result<(), ServerError> {
    if id.get_version_num() != 7 {
        return Err(ServerError::BadRequestDetails(
            "Invalid UUID for trace_id".into(),
            format!("trace id must be a version 7 UUID (got {id})"),
        ));
    }
    Ok(())
}

/// Apply a batch (or single) create of traces or spans inside `tx`.
///
/// A record whose id is new is inserted as built (no look-up, no serialising here); only an
/// id that exists is loaded and merged. Projects are looked up once per name, and project
/// activity, thread activity and trace aggregates are done once per batch.
pub fn create_all(
    tx: &Connection,
    kind: Kind,
    recs: Vec<CreateRec>,
    mode: CreateMode,
    user: &str,
) -> Result<(), ServerError> {
    let now = now_ts();
    let mut touched = Touched::default();
    let mut project_ids: HashMap<Option<String>, String> = HashMap::new();
    let single = recs.len() == 1;
    for (i, rec) in recs.into_iter().enumerate() {
        validate_fields(kind, if single { None } else { Some(i) }, &rec.fields)?;
        let project_id = match project_ids.get(&rec.project_name) {
            Some(p) => p.clone(),
            None => {
                let p = projects::get_or_create(tx, rec.project_name.as_deref(), user)?;
                project_ids.insert(rec.project_name.clone(), p.clone());
                p
            }
        };
        let incoming_lu = rec.last_updated_at.clone().unwrap_or_else(|| now.clone());
        let inserted = save_row(
            tx,
            kind.insert_new_sql(),
            kind,
            &rec.id,
            &project_id,
            &rec.row,
            user,
            &now,
            Some(&incoming_lu),
            true,
            &Map::new(),
        )?;
        if inserted == 1 {
            after_write(kind, &rec.id, &project_id, &rec.fields, true, &mut touched);
            continue;
        }
        let Some(existing) = load(tx, kind, &rec.id)? else {
            return Err(ServerError::internal(format!(
                "{} {} neither inserted nor found",
                kind.name(),
                rec.id
            )));
        };
        let (fields, pending, client_lu, newly_created, project_id) = match existing {
            e if !e.has_create => {
                let mut f = rec.fields;
                for (k, v) in &e.pending {
                    f.insert(k.clone(), v.clone());
                }
                (f, e.pending, incoming_lu, true, project_id)
            }
            e => match mode {
                CreateMode::Merge => {
                    let mut f = e.fields;
                    for (k, v) in rec.fields {
                        if is_empty(f.get(&k)) {
                            f.insert(k, v);
                        }
                    }
                    (
                        f,
                        e.pending,
                        e.client_lu.unwrap_or(incoming_lu),
                        false,
                        e.project_id,
                    )
                }
                CreateMode::Upsert => {
                    if incoming_lu.as_str() >= e.client_lu.as_deref().unwrap_or("") {
                        if kind == Kind::Span
                            && let Some(old) = e.fields.get("trace_id").and_then(Value::as_str)
                        {
                            touched.traces.insert(old.to_string());
                        }
                        let mut f = rec.fields;
                        for (k, v) in &e.pending {
                            f.insert(k.clone(), v.clone());
                        }
                        (f, e.pending, incoming_lu, false, project_id)
                    } else {
                        // an older record of an id we have: ignored, as Opik does
                        continue;
                    }
                }
            },
        };
        save(
            tx,
            kind,
            &rec.id,
            &project_id,
            &fields,
            user,
            &now,
            Some(&client_lu),
            true,
            &pending,
        )?;
        after_write(
            kind,
            &rec.id,
            &project_id,
            &fields,
            newly_created,
            &mut touched,
        );
    }
    touched.flush(tx, &now, user)
}
