//! Trace and span writes: batch creates, single creates, PATCHes and deletes, with the merge
//! rules the Python SDK relies on (see `shared/reference/opik-sdk-traffic.md` §4 and
//! `current-opik.md` "Writes"):
//!
//! - a batch create of an existing id is an upsert: the record with the newer `last_updated_at`
//!   wins as a whole;
//! - a single `POST /traces` of an existing id merges, keeping existing non-empty fields;
//! - a PATCH merges field by field, **also when it arrives before the create**: the PATCH is
//!   kept (`pending_patch`) and laid over the create when that arrives. Real Opik can lose a
//!   create that arrives after a PATCH of the same id; this server does not (better than Opik);
//! - spans may arrive before their trace; scores before their entity; projects are created on
//!   first use.
//!
//! A batch is one transaction (all-or-nothing). Trace aggregates (span counts, usage, cost,
//! providers, span errors) are denormalised onto the trace row in the same transaction, and a
//! trace with a `thread_id` creates/re-opens its thread.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use rusqlite::{Connection, OptionalExtension, params_from_iter, types::Value as SqlValue};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::common::{add_usage, check_v7, duration_ms, now_ts};
use super::{ServerError, cost, projects};
use opik_model::{SpanUpdate, SpanWrite, TraceUpdate, TraceWrite, new_id, ts};

/// Which table a write goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Trace,
    Span,
}

const TRACE_FIELDS: &[&str] = &[
    "name",
    "start_time",
    "end_time",
    "input",
    "output",
    "metadata",
    "tags",
    "error_info",
    "thread_id",
    "ttft",
    "source",
    "environment",
];

const SPAN_FIELDS: &[&str] = &[
    "trace_id",
    "parent_span_id",
    "name",
    "type",
    "start_time",
    "end_time",
    "input",
    "output",
    "metadata",
    "model",
    "provider",
    "tags",
    "usage",
    "error_info",
    "total_estimated_cost",
    "total_estimated_cost_version",
    "ttft",
    "source",
    "environment",
];

/// Fields stored as JSON text.
pub const JSON_FIELDS: &[&str] = &["input", "output", "metadata", "tags", "error_info", "usage"];
/// Fields stored as REAL.
const REAL_FIELDS: &[&str] = &["ttft", "total_estimated_cost"];

pub const SPAN_TYPES: &[&str] = &["general", "tool", "llm", "guardrail"];

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Kind::Trace => "traces",
            Kind::Span => "spans",
        }
    }
    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Trace => TRACE_FIELDS,
            Kind::Span => SPAN_FIELDS,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Kind::Trace => "trace",
            Kind::Span => "span",
        }
    }

    /// `SELECT` of the stored fields + meta for one id.
    fn select_sql(self) -> &'static str {
        static T: OnceLock<String> = OnceLock::new();
        static S: OnceLock<String> = OnceLock::new();
        let cell = if self == Kind::Trace { &T } else { &S };
        cell.get_or_init(|| {
            format!(
                "SELECT project_id, has_create, client_last_updated_at, pending_patch, {} FROM {} WHERE id = ?1",
                self.fields().join(", "),
                self.table()
            )
        })
    }

    /// The insert-if-new statement (same columns as [`Kind::upsert_sql`]): a fresh record
    /// needs no look-up first; `changes() == 0` means the id exists and must be merged.
    fn insert_new_sql(self) -> &'static str {
        static T: OnceLock<String> = OnceLock::new();
        static S: OnceLock<String> = OnceLock::new();
        let cell = if self == Kind::Trace { &T } else { &S };
        cell.get_or_init(|| {
            let upsert = self.upsert_sql();
            let head = upsert
                .split(" ON CONFLICT")
                .next()
                .unwrap_or(upsert)
                .to_string();
            format!("{head} ON CONFLICT(id) DO NOTHING")
        })
    }

    /// The upsert statement: id, project_id, fields…, duration, created_at, created_by,
    /// last_updated_at, last_updated_by, client_last_updated_at, has_create, pending_patch
    /// [, est_cost].
    fn upsert_sql(self) -> &'static str {
        static T: OnceLock<String> = OnceLock::new();
        static S: OnceLock<String> = OnceLock::new();
        let cell = if self == Kind::Trace { &T } else { &S };
        cell.get_or_init(|| {
            let mut cols: Vec<&str> = vec!["id", "project_id"];
            cols.extend(self.fields());
            cols.extend([
                "duration",
                "created_at",
                "created_by",
                "last_updated_at",
                "last_updated_by",
                "client_last_updated_at",
                "has_create",
                "pending_patch",
            ]);
            if self == Kind::Span {
                cols.push("est_cost");
            }
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
            let updates: Vec<String> = cols
                .iter()
                .filter(|c| !matches!(**c, "id" | "created_at" | "created_by"))
                .map(|c| format!("{c} = excluded.{c}"))
                .collect();
            format!(
                "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT(id) DO UPDATE SET {}",
                self.table(),
                cols.join(", "),
                marks.join(", "),
                updates.join(", ")
            )
        })
    }
}

/// A stored record as read back for merging.
struct Existing {
    project_id: String,
    has_create: bool,
    client_lu: Option<String>,
    pending: Map<String, Value>,
    fields: Map<String, Value>,
}

fn load(conn: &Connection, kind: Kind, id: &str) -> Result<Option<Existing>, ServerError> {
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

fn from_sql(field: &str, v: SqlValue) -> Option<Value> {
    match v {
        SqlValue::Null => None,
        SqlValue::Text(s) if JSON_FIELDS.contains(&field) => serde_json::from_str(&s).ok(),
        SqlValue::Text(s) => Some(Value::String(s)),
        SqlValue::Real(f) => serde_json::Number::from_f64(f).map(Value::Number),
        SqlValue::Integer(i) => Some(Value::from(i)),
        SqlValue::Blob(_) => None,
    }
}

fn to_sql(field: &str, v: Option<&Value>) -> SqlValue {
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
fn pick(kind: Kind, v: Value) -> Map<String, Value> {
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

fn is_empty(v: Option<&Value>) -> bool {
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
    fn flush(self, tx: &Connection, now: &str, user: &str) -> Result<(), ServerError> {
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
fn row_values(kind: Kind, fields: &Map<String, Value>) -> Vec<SqlValue> {
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
fn save_row(
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
fn save(
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
fn span_cost(fields: &Map<String, Value>) -> Option<f64> {
    if let Some(c) = fields.get("total_estimated_cost").and_then(Value::as_f64) {
        return Some(c);
    }
    let model = fields.get("model").and_then(Value::as_str)?;
    let mut usage = BTreeMap::new();
    add_usage(&mut usage, fields.get("usage")?);
    cost::estimate(model, &usage)
}

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

fn validate_fields(
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

fn to_map<T: serde::Serialize>(kind: Kind, w: &T) -> Map<String, Value> {
    pick(kind, serde_json::to_value(w).unwrap_or(Value::Null))
}

/// [`to_map`] of an owned record whose big JSON values (input/output/metadata) are moved
/// into the map rather than copied through `serde_json::to_value`.
fn to_map_moving<T: serde::Serialize>(
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
    fn new(
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

fn check_trace_ref(id: &Uuid) -> Result<(), ServerError> {
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

/// Note what a stored create or PATCH must be followed by ([`Touched::flush`]).
fn after_write(
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

fn apply_tag_ops(fields: &mut Map<String, Value>, add: &[String], remove: &[String]) {
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
