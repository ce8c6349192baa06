//! Which table a write goes to, and its fields (JSON, real, span types).

use std::sync::OnceLock;

/// Which table a write goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Trace,
    Span,
}

pub(super) const TRACE_FIELDS: &[&str] = &[
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

pub(super) const SPAN_FIELDS: &[&str] = &[
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
pub(super) const REAL_FIELDS: &[&str] = &["ttft", "total_estimated_cost"];

pub const SPAN_TYPES: &[&str] = &["general", "tool", "llm", "guardrail"];

impl Kind {
    pub(super) fn table(self) -> &'static str {
        match self {
            Kind::Trace => "traces",
            Kind::Span => "spans",
        }
    }
    pub(super) fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Trace => TRACE_FIELDS,
            Kind::Span => SPAN_FIELDS,
        }
    }
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Trace => "trace",
            Kind::Span => "span",
        }
    }

    /// `SELECT` of the stored fields + meta for one id.
    pub(super) fn select_sql(self) -> &'static str {
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
    pub(super) fn insert_new_sql(self) -> &'static str {
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
    pub(super) fn upsert_sql(self) -> &'static str {
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
