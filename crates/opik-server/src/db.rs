//! SQLite storage for the embedded server: one writer connection (serialised by a mutex and
//! used inside `spawn_blocking`) and a small pool of read connections, all on one WAL database.
//!
//! `journal_mode=WAL` + `synchronous=NORMAL`: a committed transaction survives `kill -9` of the
//! process (it is in the WAL file; only an OS crash / power loss may lose the last commits).
//! Handlers use [`Db::write`] (one transaction, committed when the closure returns `Ok`, rolled
//! back on `Err`, so a batch is all-or-nothing) and [`Db::read`].
//!
//! The schema is the concatenation of [`SCHEMA_PARTS`]; every module that owns tables
//! (queues, feedback definitions, attachments, OTLP, …) exposes a `pub const SCHEMA: &str` of
//! `CREATE TABLE IF NOT EXISTS …` statements and adds it to that list.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rusqlite::{Connection, OpenFlags, Transaction};

use super::errors::ServerError;

/// The schema, applied in order at open. Append a module's `SCHEMA` here.
pub const SCHEMA_PARTS: &[&str] = &[
    CORE_SCHEMA,
    TRACE_TAGS_SCHEMA,
    super::feedback_definitions::SCHEMA,
    super::queues::SCHEMA,
    super::attachments::SCHEMA,
    super::otlp::SCHEMA,
];

/// How many idle read connections are kept.
const MAX_IDLE_READERS: usize = 4;

/// Core tables: projects, traces, spans, threads, feedback scores, comments.
///
/// Conventions: ids are lowercase hyphenated UUID strings (UUIDv7 sorts by time as text);
/// timestamps are `model::ts::format` strings (fixed width, UTC, so text order = time order);
/// JSON values (input/output/metadata/tags/usage/error_info) are stored as JSON text.
pub const CORE_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT,
    last_updated_at TEXT NOT NULL,
    last_updated_by TEXT,
    last_updated_trace_at TEXT
);

CREATE TABLE IF NOT EXISTS traces (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT,
    start_time TEXT,
    end_time TEXT,
    duration REAL,
    input TEXT,
    output TEXT,
    metadata TEXT,
    tags TEXT,
    error_info TEXT,
    thread_id TEXT,
    ttft REAL,
    source TEXT,
    environment TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT,
    last_updated_at TEXT NOT NULL,
    last_updated_by TEXT,
    client_last_updated_at TEXT,
    has_create INTEGER NOT NULL DEFAULT 0,
    pending_patch TEXT,
    -- aggregates over the trace's spans, maintained in the span write's transaction
    span_count INTEGER NOT NULL DEFAULT 0,
    llm_span_count INTEGER NOT NULL DEFAULT 0,
    has_tool_spans INTEGER NOT NULL DEFAULT 0,
    span_error_count INTEGER NOT NULL DEFAULT 0,
    usage TEXT,
    total_estimated_cost REAL,
    providers TEXT
);
DROP INDEX IF EXISTS traces_project_id;
-- the visible traces of a project by id (= time); it also carries the columns the trace
-- metrics read, so a 30-day metrics request scans this index, not the trace rows
DROP INDEX IF EXISTS traces_project_visible;
CREATE INDEX IF NOT EXISTS traces_visible_metrics
    ON traces(project_id, has_create, id, duration, total_estimated_cost, usage);
CREATE INDEX IF NOT EXISTS traces_thread ON traces(project_id, thread_id, start_time);
CREATE INDEX IF NOT EXISTS traces_project_start ON traces(project_id, start_time);

CREATE TABLE IF NOT EXISTS spans (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    parent_span_id TEXT,
    name TEXT,
    type TEXT,
    start_time TEXT,
    end_time TEXT,
    duration REAL,
    input TEXT,
    output TEXT,
    metadata TEXT,
    model TEXT,
    provider TEXT,
    tags TEXT,
    usage TEXT,
    error_info TEXT,
    total_estimated_cost REAL,
    total_estimated_cost_version TEXT,
    -- the cost shown: the client's total_estimated_cost, else estimated from model + usage
    est_cost REAL,
    ttft REAL,
    source TEXT,
    environment TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT,
    last_updated_at TEXT NOT NULL,
    last_updated_by TEXT,
    client_last_updated_at TEXT,
    has_create INTEGER NOT NULL DEFAULT 0,
    pending_patch TEXT
);
CREATE INDEX IF NOT EXISTS spans_trace ON spans(trace_id);
DROP INDEX IF EXISTS spans_project_id;
CREATE INDEX IF NOT EXISTS spans_project_visible ON spans(project_id, has_create, id);

CREATE TABLE IF NOT EXISTS threads (
    project_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    thread_model_id TEXT NOT NULL UNIQUE,
    closed INTEGER NOT NULL DEFAULT 0,
    last_activity_at TEXT,
    tags TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT,
    last_updated_at TEXT NOT NULL,
    last_updated_by TEXT,
    PRIMARY KEY (project_id, thread_id)
);

CREATE TABLE IF NOT EXISTS feedback_scores (
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    project_id TEXT,
    name TEXT NOT NULL,
    author TEXT NOT NULL,
    value REAL,
    reason TEXT,
    category_name TEXT,
    source TEXT,
    source_queue_id TEXT,
    created_at TEXT NOT NULL,
    last_updated_at TEXT NOT NULL,
    PRIMARY KEY (entity_type, entity_id, name, author)
);

CREATE TABLE IF NOT EXISTS comments (
    id TEXT PRIMARY KEY,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    project_id TEXT,
    text TEXT NOT NULL,
    source_queue_id TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT,
    last_updated_at TEXT NOT NULL,
    last_updated_by TEXT
);
CREATE INDEX IF NOT EXISTS comments_entity ON comments(entity_type, entity_id);
"#;

/// `trace_tags`: one row per (project, tag, trace) of every created trace, kept by triggers in
/// the writing transaction, so "how many traces have a tag like X" is an index range count
/// instead of a `json_each` over every trace row (the `total` of a tag-filtered page; see
/// `traces::tag_filter_count`). Rows exist only for traces whose create arrived
/// (`has_create = 1`), like the traces a page shows.
pub const TRACE_TAGS_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS trace_tags (
    project_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    PRIMARY KEY (project_id, tag, trace_id)
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS trace_tags_insert AFTER INSERT ON traces
WHEN new.has_create = 1 AND new.tags IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO trace_tags(project_id, tag, trace_id)
    SELECT new.project_id, j.value, new.id
    FROM json_each(CASE WHEN json_valid(new.tags) THEN new.tags END) j
    WHERE j.value IS NOT NULL;
END;

CREATE TRIGGER IF NOT EXISTS trace_tags_update AFTER UPDATE OF project_id, has_create, tags ON traces
BEGIN
    DELETE FROM trace_tags WHERE project_id = old.project_id AND trace_id = old.id AND tag IN
        (SELECT j.value FROM json_each(CASE WHEN json_valid(old.tags) THEN old.tags END) j);
    INSERT OR IGNORE INTO trace_tags(project_id, tag, trace_id)
    SELECT new.project_id, j.value, new.id
    FROM json_each(CASE WHEN new.has_create = 1 AND json_valid(new.tags) THEN new.tags END) j
    WHERE j.value IS NOT NULL;
END;

CREATE TRIGGER IF NOT EXISTS trace_tags_delete AFTER DELETE ON traces
BEGIN
    DELETE FROM trace_tags WHERE project_id = old.project_id AND trace_id = old.id AND tag IN
        (SELECT j.value FROM json_each(CASE WHEN json_valid(old.tags) THEN old.tags END) j);
END;
"#;

/// Fill `trace_tags` from the traces of a database written before the table existed.
const TRACE_TAGS_BACKFILL: &str = r#"
INSERT OR IGNORE INTO trace_tags(project_id, tag, trace_id)
SELECT t.project_id, j.value, t.id
FROM traces t, json_each(CASE WHEN json_valid(t.tags) THEN t.tags END) j
WHERE t.has_create = 1 AND t.tags IS NOT NULL AND j.value IS NOT NULL;
"#;

/// The database: cheap to clone (shared handles).
#[derive(Clone)]
pub struct Db {
    path: Arc<PathBuf>,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -32000)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

impl Db {
    /// Open (creating if needed) the database at `path` and apply the schema.
    pub fn open(path: &Path) -> anyhow::Result<Db> {
        // The directory 0700 and the file 0600 (the WAL and SHM files inherit its mode).
        crate::private_fs::prepare(path)
            .with_context(|| format!("cannot create the database file {}", path.display()))?;
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .with_context(|| format!("cannot switch {} to WAL mode", path.display()))?;
        if !mode.eq_ignore_ascii_case("wal") {
            anyhow::bail!(
                "the database {} cannot use WAL mode (got {mode}); put it on a local disk",
                path.display()
            );
        }
        configure(&conn)?;
        // The writer checkpoints every 8000 pages (32 MB of WAL) instead of SQLite's 1000:
        // the index pages at the growing end of each index are rewritten by every batch, and
        // a longer interval copies each of them back to the database file once, not per
        // batch. (Readers keep the default cache; the WAL stays bounded.)
        conn.pragma_update(None, "wal_autocheckpoint", 8000)?;
        let had_tag_table: bool = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'trace_tags'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .with_context(|| format!("cannot read the schema of {}", path.display()))?;
        {
            let tx = conn.unchecked_transaction()?;
            for part in SCHEMA_PARTS {
                tx.execute_batch(part)
                    .with_context(|| format!("cannot create the schema in {}", path.display()))?;
            }
            if !had_tag_table {
                tx.execute_batch(TRACE_TAGS_BACKFILL).with_context(|| {
                    format!("cannot index the trace tags of {}", path.display())
                })?;
            }
            tx.commit()
                .with_context(|| format!("cannot create the schema in {}", path.display()))?;
        }
        Ok(Db {
            path: Arc::new(path.to_path_buf()),
            writer: Arc::new(Mutex::new(conn)),
            readers: Arc::new(Mutex::new(Vec::new())),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `f` in one write transaction on a blocking thread. Commits when `f` returns `Ok`,
    /// rolls back on `Err`. Writers are serialised.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, ServerError> + Send + 'static,
    {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(|e| ServerError::internal(format!("write task failed: {e}")))?
    }

    /// Run `f` on a read connection (a consistent snapshot if `f` opens a transaction).
    pub async fn read<T, F>(&self, f: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ServerError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .map_err(|e| ServerError::internal(format!("read task failed: {e}")))?
    }

    /// [`Db::read`] for code already on a blocking thread (e.g. a stream producer).
    pub fn read_blocking<T, F>(&self, f: F) -> Result<T, ServerError>
    where
        F: FnOnce(&Connection) -> Result<T, ServerError>,
    {
        let conn = self.take_reader()?;
        let out = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
        out
    }

    fn take_reader(&self) -> Result<Connection, ServerError> {
        if let Some(c) = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(c);
        }
        let conn = Connection::open_with_flags(
            self.path.as_ref(),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        configure(&conn)?;
        Ok(conn)
    }

    /// Checkpoint the WAL into the main file (at shutdown).
    pub fn checkpoint(&self) {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
            tracing::warn!("WAL checkpoint failed: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn write_commits_and_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        db.write(|tx| {
            tx.execute(
                "INSERT INTO projects(id,name,created_at,last_updated_at) VALUES('a','p','t','t')",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
        let r: Result<(), ServerError> = db
            .write(|tx| {
                tx.execute(
                    "INSERT INTO projects(id,name,created_at,last_updated_at) VALUES('b','q','t','t')",
                    [],
                )?;
                Err(ServerError::bad_request("no"))
            })
            .await;
        assert!(r.is_err());
        let n: i64 = db
            .read(|c| Ok(c.query_row("SELECT count(*) FROM projects", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}
