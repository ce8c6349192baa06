//! One row: loading the existing record, SQL conversion, merging and saving.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, params_from_iter, types::Value as SqlValue};
use serde_json::{Map, Value};

use crate::common::{add_usage, duration_ms};
use crate::{ServerError, cost, projects};

use super::*;

/// A stored record as read back for merging.
pub(super) struct Existing {
    pub(super) project_id: String,
    pub(super) has_create: bool,
    pub(super) client_lu: Option<String>,
    pub(super) pending: Map<String, Value>,
    pub(super) fields: Map<String, Value>,
}

pub(super) fn load(
    conn: &Connection,
    kind: Kind,
    id: &str,
) -> Result<Option<Existing>, ServerError> {
    let mut stmt = conn.prepare_cached(kind.select_sql())?;
    let fields = kind.fields();
    let r = stmt
        .query_row([id], |r| {
            let mut m = Map::new();
            for (i, f) in fields.iter().enumerate() {
                let v: SqlValue = r.get(4 + i)?;
                if let Some(v) = from_sql(f, v) {
                    m.insert((*f).to_string(), v);
                }
            }
            let pending: Option<String> = r.get(3)?;
            Ok(Existing {
                project_id: r.get(0)?,
                has_create: r.get::<_, i64>(1)? != 0,
                client_lu: r.get(2)?,
                pending: pending
                    .and_then(|p| serde_json::from_str::<Map<String, Value>>(&p).ok())
                    .unwrap_or_default(),
                fields: m,
            })
        })
        .optional()?;
    Ok(r)
}

pub(super) fn from_sql(field: &str, v: SqlValue) -> Option<Value> {
    match v {
        SqlValue::Null => None,
        SqlValue::Text(s) if JSON_FIELDS.contains(&field) => serde_json::from_str(&s).ok(),
        SqlValue::Text(s) => Some(Value::String(s)),
        SqlValue::Real(f) => serde_json::Number::from_f64(f).map(Value::Number),
        SqlValue::Integer(i) => Some(Value::from(i)),
        SqlValue::Blob(_) => None,
    }
}

pub(super) fn to_sql(field: &str, v: Option<&Value>) -> SqlValue {
    match v {
        None | Some(Value::Null) => SqlValue::Null,
        Some(v) if JSON_FIELDS.contains(&field) => SqlValue::Text(v.to_string()),
        Some(Value::String(s)) => {
            if REAL_FIELDS.contains(&field) {
                s.parse::<f64>()
                    .map(SqlValue::Real)
                    .unwrap_or(SqlValue::Null)
            } else {
                SqlValue::Text(s.clone())
            }
        }
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) => SqlValue::Real(f),
            None => SqlValue::Null,
        },
        Some(Value::Bool(b)) => SqlValue::Integer(i64::from(*b)),
        Some(other) => SqlValue::Text(other.to_string()),
    }
}

/// Keep only the stored fields of a serialised write record.
pub(super) fn pick(kind: Kind, v: Value) -> Map<String, Value> {
    let mut out = Map::new();
    if let Value::Object(m) = v {
        for (k, v) in m {
            if kind.fields().contains(&k.as_str()) && !v.is_null() {
                out.insert(k, v);
            }
        }
    }
    out
}

pub(super) fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    }
}

/// How a create record meets an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateMode {
    /// Batch create: upsert, newer `last_updated_at` wins as a whole.
    Upsert,
    /// Single create: merge, keeping existing non-empty fields.
    Merge,
}

/// What a write did that must be followed up once per batch (not once per record).
#[derive(Default)]
pub struct Touched {
    /// Traces whose aggregates must be recomputed.
    pub traces: BTreeSet<String>,
    /// Projects that received a trace (`last_updated_trace_at`).
    pub projects: BTreeSet<String>,
    /// `(project_id, thread_id)` of threads that received a trace (created / re-opened).
    pub threads: BTreeSet<(String, String)>,
}

impl Touched {
    /// Apply the deferred work: project and thread activity, then the trace aggregates.
    /// Every record of a batch has the same `now`, so doing each once is the same as doing
    /// it per record.
    pub(super) fn flush(self, tx: &Connection, now: &str, user: &str) -> Result<(), ServerError> {
        for p in &self.projects {
            projects::touch_trace(tx, p, now)?;
        }
        for (p, t) in &self.threads {
            touch_thread(tx, p, t, now, user)?;
        }
        for t in &self.traces {
            recompute_trace(tx, t)?;
        }
        Ok(())
    }
}

/// The stored fields of a record as SQL values, in column order, then `duration` and (spans)
/// `est_cost`: everything of a row that depends on the record alone. Built when a record is
/// normalised, i.e. before the write lock is taken.
pub(super) fn row_values(kind: Kind, fields: &Map<String, Value>) -> Vec<SqlValue> {
    let mut vals: Vec<SqlValue> = Vec::with_capacity(kind.fields().len() + 2);
    for f in kind.fields() {
        vals.push(to_sql(f, fields.get(*f)));
    }
    let dur = duration_ms(
        fields.get("start_time").and_then(Value::as_str),
        fields.get("end_time").and_then(Value::as_str),
    );
    vals.push(dur.map(SqlValue::Real).unwrap_or(SqlValue::Null));
    if kind == Kind::Span {
        vals.push(
            span_cost(fields)
                .map(SqlValue::Real)
                .unwrap_or(SqlValue::Null),
        );
    }
    vals
}

/// Bind and run `sql` (the upsert or insert-if-new statement) for one row; returns the
/// number of rows changed.
#[allow(clippy::too_many_arguments)]
pub(super) fn save_row(
    tx: &Connection,
    sql: &str,
    kind: Kind,
    id: &str,
    project_id: &str,
    row: &[SqlValue],
    user: &str,
    now: &str,
    client_lu: Option<&str>,
    has_create: bool,
    pending: &Map<String, Value>,
) -> Result<usize, ServerError> {
    let nf = kind.fields().len();
    let now_v = SqlValue::Text(now.to_string());
    let user_v = SqlValue::Text(user.to_string());
    let pending_v = if pending.is_empty() {
        SqlValue::Null
    } else {
        SqlValue::Text(Value::Object(pending.clone()).to_string())
    };
    let head = [
        SqlValue::Text(id.to_string()),
        SqlValue::Text(project_id.to_string()),
    ];
    let meta = [
        now_v.clone(),
        user_v.clone(),
        now_v,
        user_v,
        client_lu
            .map(|s| SqlValue::Text(s.to_string()))
            .unwrap_or(SqlValue::Null),
        SqlValue::Integer(i64::from(has_create)),
        pending_v,
    ];
    // id, project_id, fields…, duration, meta…, [est_cost]
    let vals = head
        .iter()
        .chain(&row[..=nf])
        .chain(meta.iter())
        .chain(&row[nf + 1..]);
    Ok(tx.prepare_cached(sql)?.execute(params_from_iter(vals))?)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn save(
    tx: &Connection,
    kind: Kind,
    id: &str,
    project_id: &str,
    fields: &Map<String, Value>,
    user: &str,
    now: &str,
    client_lu: Option<&str>,
    has_create: bool,
    pending: &Map<String, Value>,
) -> Result<(), ServerError> {
    let row = row_values(kind, fields);
    save_row(
        tx,
        kind.upsert_sql(),
        kind,
        id,
        project_id,
        &row,
        user,
        now,
        client_lu,
        has_create,
        pending,
    )?;
    Ok(())
}

/// The cost shown for a span: the client's, else estimated from model + usage.
pub(super) fn span_cost(fields: &Map<String, Value>) -> Option<f64> {
    if let Some(c) = fields.get("total_estimated_cost").and_then(Value::as_f64) {
        return Some(c);
    }
    let model = fields.get("model").and_then(Value::as_str)?;
    let mut usage = BTreeMap::new();
    add_usage(&mut usage, fields.get("usage")?);
    cost::estimate(model, &usage)
}
