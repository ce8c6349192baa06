//! Storage: the `otel_trace_map` table ([`SCHEMA`]), its [`DbResolver`], and [`store`], which
//! writes what a request maps to in one transaction.

use chrono::Utc;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{ids::*, map::*};
use crate::ServerError;
use crate::ingest::{self, CreateMode, CreateRec, Kind, PatchRec};
use rusqlite::OptionalExtension;

/// The OTel trace id → Opik trace id mapping (see "Ids" above), per project name.
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS otel_trace_map (
    project_name TEXT NOT NULL,
    otel_trace_id BLOB NOT NULL,
    opik_trace_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (project_name, otel_trace_id)
) WITHOUT ROWID;
"#;

/// A [`TraceIdResolver`] over the `otel_trace_map` table, inside the write transaction.
pub struct DbResolver<'a> {
    pub conn: &'a rusqlite::Connection,
    pub error: Option<rusqlite::Error>,
}

impl TraceIdResolver for DbResolver<'_> {
    fn resolve(&mut self, project: &str, otel_trace_id: &[u8], first_seen_ms: u64) -> Uuid {
        let fresh = otel_id_to_uuid_v7(otel_trace_id, first_seen_ms);
        let r = (|| -> rusqlite::Result<Uuid> {
            let found: Option<String> = self
                .conn
                .prepare_cached(
                    "SELECT opik_trace_id FROM otel_trace_map WHERE project_name = ?1 AND otel_trace_id = ?2",
                )?
                .query_row(rusqlite::params![project, otel_trace_id], |r| r.get(0))
                .optional()?;
            if let Some(id) = found.and_then(|s| Uuid::parse_str(&s).ok()) {
                return Ok(id);
            }
            self.conn
                .prepare_cached(
                    "INSERT OR REPLACE INTO otel_trace_map(project_name, otel_trace_id, opik_trace_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(rusqlite::params![
                    project,
                    otel_trace_id,
                    fresh.to_string(),
                    opik_model::ts::format(&Utc::now())
                ])?;
            Ok(fresh)
        })();
        match r {
            Ok(id) => id,
            Err(e) => {
                self.error.get_or_insert(e);
                fresh
            }
        }
    }
}

/// Store what a request maps to, in one transaction (all or nothing).
pub fn store(tx: &rusqlite::Connection, m: Mapped, user: &str) -> Result<(), ServerError> {
    let traces = m
        .traces
        .into_iter()
        .map(CreateRec::from_trace_owned)
        .collect::<Result<Vec<_>, _>>()?;
    let spans = m
        .spans
        .into_iter()
        .map(CreateRec::from_span_owned)
        .collect::<Result<Vec<_>, _>>()?;
    if !traces.is_empty() {
        ingest::create_all(tx, Kind::Trace, traces, CreateMode::Upsert, user)?;
    }
    if !spans.is_empty() {
        ingest::create_all(tx, Kind::Span, spans, CreateMode::Upsert, user)?;
    }
    // A session id seen on a child whose root is not here yet: set it on the trace (kept as a
    // pending patch and laid over the root when it arrives).
    for (project, trace_id, thread) in m.thread_hints {
        let mut fields = Map::new();
        fields.insert("thread_id".into(), Value::String(thread));
        ingest::patch(
            tx,
            Kind::Trace,
            &trace_id,
            PatchRec {
                project_name: Some(project),
                project_id: None,
                fields,
                tags_to_add: Vec::new(),
                tags_to_remove: Vec::new(),
            },
            user,
        )?;
    }
    Ok(())
}
