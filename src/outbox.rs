//! The durable outbox: REST writes (feedback scores, comments) that must reach Opik exactly
//! once, even across network failures and restarts.
//!
//! The TUI never waits for a write: a view calls [`Outbox::enqueue`] (a synchronous SQLite
//! insert, `synchronous=FULL`, so the op survives a crash) and updates its own state
//! optimistically. A background drainer ([`Outbox::ensure_drainer`]) sends pending ops with the
//! REST client, in order per entity, retrying with exponential backoff (1 s … 60 s) and at
//! once when woken ([`Outbox::notify`], called by `enqueue`). The app starts it at launch on
//! the shared handle ([`Outbox::for_client`]), so ops left over from an earlier run are sent at
//! the next start and pending ops drain whatever screen is open; results reach every
//! [`Outbox::subscribe`]r (the status bar, the screens that wrote) as [`OutboxEvent`]s.
//!
//! # Exactly once
//! - **Scores** are idempotent by nature: Opik keeps one score per (entity, name, author), so
//!   a PUT that is repeated after an ambiguous failure replaces the same value. Deleting a
//!   score that is already gone is a no-op (204). Ops on one entity are applied in enqueue
//!   order, so a put followed by a delete (or two puts) ends in the state the user left.
//! - **Comments** are not idempotent: Opik generates the comment id, so a create that is sent
//!   twice makes two comments. The outbox records the created id from the `Location` header.
//!   A failure where the request surely never reached the server (connection refused, 429,
//!   401/403, 4xx) is retried as is. A failure where it may have (timeout, connection broken
//!   mid-reply, 5xx, unreadable reply) marks the op *ambiguous*: before posting again, the
//!   drainer reads the entity's comments and adopts a comment with the same text and queue
//!   created no earlier than a minute before the op was enqueued and not already owned by
//!   another op; only when none exists does it post again.
//! - Updating or deleting a comment that an earlier op created refers to that op
//!   ([`CommentRef::Op`]); it is resolved to the created id when the create is done, and it
//!   waits behind the create (same entity).
//! - Ops are scoped to one server and workspace (`target`), so an op made against one Opik is
//!   never sent to another. Two processes sharing the file take a short lease on an op before
//!   sending it, so they don't both send it. Quitting ([`Outbox::shutdown`], or dropping the
//!   last handle) releases the leases this process holds, so the next start sends at once.
//! - A damaged file (corrupt, or a write-ahead log that lost committed inserts) is found at
//!   open, kept aside and reported with the number of writes lost ([`Damage`], see
//!   `recovery`).
//! - An op that the server rejects for good (400/409/422, or 404 five times) is marked
//!   `failed`, reported, and kept in the file for inspection; it no longer blocks its entity.

mod recovery;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::opik::client::{OpikClient, ProjectRef};
use crate::opik::error::ApiError;
use crate::opik::model::{
    Comment, DeleteThreadFeedbackScores, FeedbackScoreBatch, FeedbackScoreItem,
};

pub use recovery::Damage;

/// Id of an enqueued op (row id, increasing in enqueue order).
pub type OpId = i64;

/// How many times a 404 is retried (the entity may still be on its way in) before the op
/// is given up.
const NOT_FOUND_ATTEMPTS: i64 = 5;
/// How long a drainer holds an op it is sending before another process may take it.
const LEASE_SECS: i64 = 120;
/// Longest wait between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What a comment is attached to. Thread comments go by `thread_model_id`; `project_name` and
/// `thread_id` let the drainer read the thread's comments back after an ambiguous failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommentTarget {
    Trace {
        trace_id: Uuid,
    },
    Span {
        span_id: Uuid,
    },
    Thread {
        thread_model_id: Uuid,
        project_name: String,
        thread_id: String,
    },
}

impl CommentTarget {
    fn entity(&self) -> String {
        match self {
            CommentTarget::Trace { trace_id } => format!("trace:{trace_id}"),
            CommentTarget::Span { span_id } => format!("span:{span_id}"),
            CommentTarget::Thread {
                thread_model_id, ..
            } => format!("thread-model:{thread_model_id}"),
        }
    }
}

/// A comment that exists on the server (`Id`) or that an earlier op creates (`Op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentRef {
    Id(Uuid),
    Op(OpId),
}

/// One REST write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WriteOp {
    /// `PUT /traces/{id}/feedback-scores`.
    PutTraceScore {
        trace_id: Uuid,
        score: FeedbackScoreItem,
    },
    /// `POST /traces/{id}/feedback-scores/delete`.
    DeleteTraceScore {
        trace_id: Uuid,
        name: String,
        author: Option<String>,
    },
    /// `PUT /spans/{id}/feedback-scores`.
    PutSpanScore {
        span_id: Uuid,
        score: FeedbackScoreItem,
    },
    /// `POST /spans/{id}/feedback-scores/delete`.
    DeleteSpanScore {
        span_id: Uuid,
        name: String,
        author: Option<String>,
    },
    /// `PUT /traces/threads/feedback-scores` for one thread (items carry `thread_id` and
    /// `project_name`).
    PutThreadScores {
        project_name: String,
        thread_id: String,
        scores: Vec<FeedbackScoreItem>,
    },
    /// `POST /traces/threads/feedback-scores/delete`.
    DeleteThreadScores { request: DeleteThreadFeedbackScores },
    /// `POST …/comments` (trace, span, or thread by `thread_model_id`).
    AddComment {
        target: CommentTarget,
        text: String,
        source_queue_id: Option<Uuid>,
    },
    /// `PATCH …/comments/{id}`.
    UpdateComment {
        target: CommentTarget,
        comment: CommentRef,
        text: String,
    },
    /// `POST …/comments/delete`.
    DeleteComment {
        target: CommentTarget,
        comment: CommentRef,
    },
}

impl WriteOp {
    /// The entity whose ops are applied strictly in order.
    pub fn entity(&self) -> String {
        match self {
            WriteOp::PutTraceScore { trace_id, .. }
            | WriteOp::DeleteTraceScore { trace_id, .. } => {
                format!("trace:{trace_id}")
            }
            WriteOp::PutSpanScore { span_id, .. } | WriteOp::DeleteSpanScore { span_id, .. } => {
                format!("span:{span_id}")
            }
            WriteOp::PutThreadScores {
                project_name,
                thread_id,
                ..
            } => format!("thread:{project_name}\u{1f}{thread_id}"),
            WriteOp::DeleteThreadScores { request } => format!(
                "thread:{}\u{1f}{}",
                request.project_name.as_deref().unwrap_or_default(),
                request.thread_id
            ),
            WriteOp::AddComment { target, .. }
            | WriteOp::UpdateComment { target, .. }
            | WriteOp::DeleteComment { target, .. } => target.entity(),
        }
    }

    /// A short description for status lines and logs.
    pub fn describe(&self) -> String {
        match self {
            WriteOp::PutTraceScore { score, .. } | WriteOp::PutSpanScore { score, .. } => {
                format!("score “{}”", score.name)
            }
            WriteOp::PutThreadScores { scores, .. } => format!(
                "thread score “{}”",
                scores
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join("”, “")
            ),
            WriteOp::DeleteTraceScore { name, .. } | WriteOp::DeleteSpanScore { name, .. } => {
                format!("deleting score “{name}”")
            }
            WriteOp::DeleteThreadScores { request } => {
                format!("deleting thread score “{}”", request.names.join("”, “"))
            }
            WriteOp::AddComment { .. } => "comment".into(),
            WriteOp::UpdateComment { .. } => "comment edit".into(),
            WriteOp::DeleteComment { .. } => "deleting comment".into(),
        }
    }

    fn comment_ref(&self) -> Option<CommentRef> {
        match self {
            WriteOp::UpdateComment { comment, .. } | WriteOp::DeleteComment { comment, .. } => {
                Some(*comment)
            }
            _ => None,
        }
    }

    fn with_comment_id(mut self, id: Uuid) -> Self {
        if let WriteOp::UpdateComment { comment, .. } | WriteOp::DeleteComment { comment, .. } =
            &mut self
        {
            *comment = CommentRef::Id(id);
        }
        self
    }
}

/// An op still to send.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingOp {
    pub id: OpId,
    pub op: WriteOp,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// A send may have reached the server (comments are checked before re-posting).
    pub ambiguous: bool,
    pub created_at: chrono::DateTime<Utc>,
}

/// What the drainer reports.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxEvent {
    /// An op reached the server. `comment_id` is the created comment's id for `AddComment`.
    Applied {
        id: OpId,
        op: WriteOp,
        comment_id: Option<Uuid>,
    },
    /// The server rejected an op for good; it is kept in the file as `failed`.
    Failed {
        id: OpId,
        op: WriteOp,
        error: String,
    },
    /// After each round: whether the server was reachable, how many ops wait, the last error.
    Status {
        online: bool,
        pending: usize,
        last_error: Option<String>,
    },
}

/// Errors of the outbox file itself.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(
        "cannot open the outbox {path}: {source} — check the directory's permissions, or set OPIK_TUI_STATE_DIR"
    )]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "the outbox {path} is damaged and could not be moved aside: {source} — move it away by hand"
    )]
    SetAside {
        path: String,
        source: std::io::Error,
    },
    #[error("outbox database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("outbox entry could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
}

struct Inner {
    db: Mutex<Connection>,
    notify: Notify,
    path: PathBuf,
    lease_owner: String,
    /// Set by [`Outbox::shutdown`]: no new leases are taken.
    closed: AtomicBool,
    /// Damage found (and set aside) when the file was opened.
    damage: Option<Damage>,
    /// Who hears the drainer's events, and whether the drainer runs.
    subs: Mutex<Subscribers>,
}

impl Inner {
    fn shutdown(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = db.execute(
            "UPDATE ops SET lease_until = 0, lease_owner = NULL WHERE lease_owner = ?1",
            params![self.lease_owner],
        ) {
            tracing::warn!("cannot release the outbox leases: {e}");
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if !self.closed.load(Ordering::SeqCst) {
            self.shutdown();
        }
    }
}

/// An event listener.
type Listener = Arc<dyn Fn(OutboxEvent) + Send + Sync>;

#[derive(Default)]
struct Subscribers {
    next: u64,
    list: Vec<(u64, Listener)>,
    drainer: bool,
}

/// A registration with [`Outbox::subscribe`]; dropping it stops the events (not the drainer).
pub struct Subscription {
    inner: std::sync::Weak<Inner>,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            let mut subs = inner.subs.lock().unwrap_or_else(|p| p.into_inner());
            subs.list.retain(|(id, _)| *id != self.id);
        }
    }
}

/// The outboxes [`Outbox::for_client`] opened in this process, by (path, target): every
/// screen and the app share one handle, so one drainer sends each op.
static SHARED: std::sync::OnceLock<Mutex<std::collections::HashMap<(PathBuf, String), Outbox>>> =
    std::sync::OnceLock::new();

/// A handle on the outbox file (cheap to clone). `target` scopes ops to one server and
/// workspace.
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
    target: String,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("path", &self.inner.path)
            .field("target", &self.target)
            .finish()
    }
}

/// The scope key of a client: its base URL and workspace.
pub fn target_of(client: &OpikClient) -> String {
    format!("{}#{}", client.base_url(), client.workspace())
}

/// `$OPIK_TUI_STATE_DIR/outbox.sqlite`, else the platform state dir (data-local dir where
/// there is none), e.g. `~/.local/state/opik-tui/outbox.sqlite`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("OPIK_TUI_STATE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("outbox.sqlite"));
    }
    let dirs = directories::ProjectDirs::from("", "", "opik-tui")?;
    let dir = dirs
        .state_dir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dirs.data_local_dir().to_path_buf());
    Some(dir.join("outbox.sqlite"))
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

impl Outbox {
    /// Open (or create) the outbox at `path`, creating its directory. Ops are scoped to
    /// `target` (see [`target_of`]).
    pub fn open(path: &Path, target: impl Into<String>) -> Result<Outbox, OutboxError> {
        let open_err = |source| OutboxError::Open {
            path: path.display().to_string(),
            source,
        };
        let _ = crate::private_fs::prepare(path);
        let salvage = recovery::check(path).map_err(|e| OutboxError::SetAside {
            path: path.display().to_string(),
            source: e,
        })?;
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS ops(
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                target TEXT NOT NULL,
                entity TEXT NOT NULL,
                op TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0,
                ambiguous INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                result TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                lease_owner TEXT,
                lease_until INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX IF NOT EXISTS ops_pending ON ops(target, state, id);",
        )
        .map_err(open_err)?;
        // Applied ops are kept a week (comment ids of later edits resolve through them).
        let week_ago = now_ms() - 7 * 24 * 3600 * 1000;
        conn.execute(
            "DELETE FROM ops WHERE state = 'done' AND updated_at < ?1",
            params![week_ago],
        )
        .map_err(open_err)?;
        let damage = match salvage {
            Some(s) => {
                let d = recovery::restore(&mut conn, s).map_err(open_err)?;
                tracing::error!("{}", d.message());
                Some(d)
            }
            None => None,
        };
        Ok(Outbox {
            inner: Arc::new(Inner {
                db: Mutex::new(conn),
                notify: Notify::new(),
                path: path.to_path_buf(),
                lease_owner: Uuid::new_v4().to_string(),
                closed: AtomicBool::new(false),
                damage,
                subs: Mutex::new(Subscribers::default()),
            }),
            target: target.into(),
        })
    }

    /// The outbox for `client` at [`default_path`] (or `path`). Within one process every
    /// call for the same file and server returns the same shared handle (one drainer, its
    /// events heard by every subscriber).
    pub fn for_client(path: Option<&Path>, client: &OpikClient) -> Result<Outbox, OutboxError> {
        let path = path
            .map(Path::to_path_buf)
            .or_else(default_path)
            .ok_or_else(|| OutboxError::Open {
                path: "(no state directory)".into(),
                source: rusqlite::Error::InvalidPath(PathBuf::new()),
            })?;
        let key = (path, target_of(client));
        let shared = SHARED.get_or_init(Default::default);
        let mut map = shared.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(o) = map.get(&key) {
            return Ok(o.clone());
        }
        let o = Outbox::open(&key.0, key.1.clone())?;
        map.insert(key, o.clone());
        Ok(o)
    }

    /// Hear the drainer's events until the returned [`Subscription`] is dropped.
    pub fn subscribe<F>(&self, events: F) -> Subscription
    where
        F: Fn(OutboxEvent) + Send + Sync + 'static,
    {
        let mut subs = self.inner.subs.lock().unwrap_or_else(|p| p.into_inner());
        subs.next += 1;
        let id = subs.next;
        subs.list.push((id, Arc::new(events)));
        Subscription {
            inner: Arc::downgrade(&self.inner),
            id,
        }
    }

    /// Whether this handle's drainer is running.
    pub fn draining(&self) -> bool {
        self.inner
            .subs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drainer
    }

    /// Start this outbox's drainer unless it runs already (one per handle family, for the
    /// life of the process): a round at once, after every enqueue or [`Outbox::notify`],
    /// and after a backoff (1 s doubling to 60 s) while ops wait. Its events go to every
    /// [`Outbox::subscribe`]r. False without a tokio runtime.
    pub fn ensure_drainer(&self, client: OpikClient) -> bool {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        {
            let mut subs = self.inner.subs.lock().unwrap_or_else(|p| p.into_inner());
            if subs.drainer {
                return true;
            }
            subs.drainer = true;
        }
        let outbox = self.clone();
        handle.spawn(async move {
            let fanout = |ev: OutboxEvent| {
                let listeners: Vec<Listener> = outbox
                    .inner
                    .subs
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .list
                    .iter()
                    .map(|(_, l)| l.clone())
                    .collect();
                for l in listeners {
                    l(ev.clone());
                }
            };
            let mut backoff = Duration::from_secs(1);
            loop {
                let report = outbox.drain_once(&client, &fanout).await;
                if report.pending == 0 {
                    backoff = Duration::from_secs(1);
                    outbox.inner.notify.notified().await;
                    continue;
                }
                if report.applied > 0 {
                    backoff = Duration::from_secs(1);
                }
                tokio::select! {
                    _ = outbox.inner.notify.notified() => {}
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        });
        true
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Damage found in the file when it was opened (already set aside; see [`Damage`]).
    pub fn damage(&self) -> Option<&Damage> {
        self.inner.damage.as_ref()
    }

    /// Stop taking leases and release the ones this process holds, so the next start (or
    /// another process) sends those ops at once instead of after the lease ran out. Called
    /// when the app quits.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }

    /// [`Outbox::shutdown`] every handle [`Outbox::for_client`] opened in this process.
    pub fn shutdown_all() {
        if let Some(shared) = SHARED.get() {
            let map = shared.lock().unwrap_or_else(|p| p.into_inner());
            for o in map.values() {
                o.shutdown();
            }
        }
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A poisoned lock only means another thread panicked mid-call; SQLite's own
        // transaction kept the file consistent.
        self.inner.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Store an op durably and wake the drainer. Returns its id.
    pub fn enqueue(&self, op: WriteOp) -> Result<OpId, OutboxError> {
        let json = serde_json::to_string(&op)?;
        let now = now_ms();
        let id = {
            let db = self.db();
            db.execute(
                "INSERT INTO ops(target, entity, op, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![self.target, op.entity(), json, now],
            )?;
            db.last_insert_rowid()
        };
        if let Err(e) = recovery::record_seq(&self.inner.path, id) {
            tracing::warn!(
                "cannot record the outbox sequence (damage to the file may go unnoticed): {e}"
            );
        }
        self.notify();
        Ok(id)
    }

    /// Wake the drainer (e.g. after the network came back).
    pub fn notify(&self) {
        self.inner.notify.notify_one();
    }

    /// Ops still to send for this target, in order.
    pub fn pending(&self) -> Result<Vec<PendingOp>, OutboxError> {
        let db = self.db();
        let mut st = db.prepare(
            "SELECT id, op, attempts, last_error, ambiguous, created_at FROM ops
             WHERE target = ?1 AND state = 'pending' ORDER BY id",
        )?;
        let rows = st.query_map(params![self.target], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json, attempts, last_error, ambiguous, created) = row?;
            match serde_json::from_str::<WriteOp>(&json) {
                Ok(op) => out.push(PendingOp {
                    id,
                    op,
                    attempts,
                    last_error,
                    ambiguous: ambiguous != 0,
                    created_at: chrono::DateTime::from_timestamp_millis(created)
                        .unwrap_or_else(Utc::now),
                }),
                Err(e) => {
                    // Written by another version of opik-tui: keep it, but out of the way.
                    tracing::warn!(id, "unreadable outbox entry, marked failed: {e}");
                    db.execute(
                        "UPDATE ops SET state = 'failed', last_error = ?2 WHERE id = ?1",
                        params![id, format!("unreadable entry: {e}")],
                    )?;
                }
            }
        }
        Ok(out)
    }

    /// How many ops wait for this target.
    pub fn pending_count(&self) -> usize {
        self.db()
            .query_row(
                "SELECT COUNT(*) FROM ops WHERE target = ?1 AND state = 'pending'",
                params![self.target],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .unwrap_or(0)
    }

    /// Ops the server rejected for good: `(id, op description, error)`.
    pub fn failed(&self) -> Result<Vec<(OpId, String, String)>, OutboxError> {
        let db = self.db();
        let mut st = db.prepare(
            "SELECT id, op, COALESCE(last_error, '') FROM ops WHERE target = ?1 AND state = 'failed' ORDER BY id",
        )?;
        let rows = st.query_map(params![self.target], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json, err) = row?;
            let what = serde_json::from_str::<WriteOp>(&json)
                .map(|o| o.describe())
                .unwrap_or_else(|_| "unreadable entry".into());
            out.push((id, what, err));
        }
        Ok(out)
    }

    /// The comment id an `AddComment` op created, once applied.
    pub fn created_comment(&self, id: OpId) -> Option<Uuid> {
        self.db()
            .query_row(
                "SELECT result FROM ops WHERE id = ?1 AND state = 'done'",
                params![id],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .ok()
            .flatten()
            .flatten()
            .and_then(|s| Uuid::parse_str(&s).ok())
    }

    /// Comment ids already owned by applied `AddComment` ops of this target (so an ambiguous
    /// retry does not adopt another op's comment).
    fn owned_comment_ids(&self) -> HashSet<Uuid> {
        let db = self.db();
        let Ok(mut st) =
            db.prepare("SELECT result FROM ops WHERE target = ?1 AND result IS NOT NULL")
        else {
            return HashSet::new();
        };
        st.query_map(params![self.target], |r| r.get::<_, String>(0))
            .map(|rows| {
                rows.filter_map(Result::ok)
                    .filter_map(|s| Uuid::parse_str(&s).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn claim(&self, id: OpId) -> bool {
        if self.inner.closed.load(Ordering::SeqCst) {
            return false;
        }
        let now = now_ms();
        self.db()
            .execute(
                "UPDATE ops SET lease_owner = ?2, lease_until = ?3
                 WHERE id = ?1 AND state = 'pending' AND (lease_until < ?4 OR lease_owner = ?2)",
                params![id, self.inner.lease_owner, now + LEASE_SECS * 1000, now],
            )
            .map(|n| n == 1)
            .unwrap_or(false)
    }

    fn mark_done(&self, id: OpId, result: Option<Uuid>) -> Result<(), OutboxError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        tx.execute(
            "UPDATE ops SET state = 'done', result = ?2, updated_at = ?3, lease_until = 0 WHERE id = ?1",
            params![id, result.map(|u| u.to_string()), now_ms()],
        )?;
        if let Some(comment_id) = result {
            // Later edits of this comment now know its id.
            let dependents: Vec<(i64, String)> = {
                let mut st = tx.prepare(
                    "SELECT id, op FROM ops WHERE target = ?1 AND state = 'pending' AND id > ?2",
                )?;
                st.query_map(params![self.target, id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .filter_map(Result::ok)
                    .collect()
            };
            for (dep, json) in dependents {
                let Ok(op) = serde_json::from_str::<WriteOp>(&json) else {
                    continue;
                };
                if op.comment_ref() == Some(CommentRef::Op(id)) {
                    let op = op.with_comment_id(comment_id);
                    tx.execute(
                        "UPDATE ops SET op = ?2 WHERE id = ?1",
                        params![dep, serde_json::to_string(&op)?],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn mark_attempt(&self, id: OpId, err: &str, ambiguous: bool, failed: bool) {
        let _ = self.db().execute(
            "UPDATE ops SET attempts = attempts + 1, last_error = ?2,
                ambiguous = MAX(ambiguous, ?3), state = CASE WHEN ?4 THEN 'failed' ELSE state END,
                updated_at = ?5, lease_until = 0
             WHERE id = ?1",
            params![id, err, ambiguous as i64, failed, now_ms()],
        );
    }

    /// Send every pending op once (in order per entity) and report each result through
    /// `events`. Stops early when the server is unreachable.
    pub async fn drain_once(
        &self,
        client: &OpikClient,
        events: &(dyn Fn(OutboxEvent) + Send + Sync),
    ) -> DrainReport {
        let mut report = DrainReport {
            online: true,
            ..Default::default()
        };
        let pending = match self.pending() {
            Ok(p) => p,
            Err(e) => {
                report.last_error = Some(e.to_string());
                return report;
            }
        };
        let mut blocked: BTreeSet<String> = BTreeSet::new();
        for p in pending {
            let entity = p.op.entity();
            if blocked.contains(&entity) || !self.claim(p.id) {
                blocked.insert(entity);
                continue;
            }
            match self.apply(client, &p).await {
                Ok(comment_id) => {
                    if let Err(e) = self.mark_done(p.id, comment_id) {
                        report.last_error = Some(e.to_string());
                        blocked.insert(entity);
                        continue;
                    }
                    report.applied += 1;
                    events(OutboxEvent::Applied {
                        id: p.id,
                        op: p.op,
                        comment_id,
                    });
                }
                Err(Failure::Retry { error, ambiguous }) => {
                    self.mark_attempt(p.id, &error, ambiguous, false);
                    report.last_error = Some(error);
                    blocked.insert(entity);
                }
                Err(Failure::Unreachable(error)) => {
                    self.mark_attempt(p.id, &error, false, false);
                    report.online = false;
                    report.last_error = Some(error);
                    break;
                }
                Err(Failure::Permanent(error)) => {
                    self.mark_attempt(p.id, &error, false, true);
                    report.failed += 1;
                    report.last_error = Some(error.clone());
                    events(OutboxEvent::Failed {
                        id: p.id,
                        op: p.op,
                        error,
                    });
                }
            }
        }
        report.pending = self.pending_count();
        events(OutboxEvent::Status {
            online: report.online,
            pending: report.pending,
            last_error: report.last_error.clone(),
        });
        report
    }

    async fn apply(&self, client: &OpikClient, p: &PendingOp) -> Result<Option<Uuid>, Failure> {
        let classify =
            |e: ApiError, may_have_arrived: bool| classify(e, may_have_arrived, p.attempts);
        match &p.op {
            WriteOp::PutTraceScore { trace_id, score } => client
                .put_trace_score(*trace_id, score)
                .await
                .map(|_| None)
                .map_err(|e| classify(e, true)),
            WriteOp::DeleteTraceScore {
                trace_id,
                name,
                author,
            } => client
                .delete_trace_score(*trace_id, name, author.as_deref())
                .await
                .map(|_| None)
                .map_err(|e| classify(e, true)),
            WriteOp::PutSpanScore { span_id, score } => client
                .put_span_score(*span_id, score)
                .await
                .map(|_| None)
                .map_err(|e| classify(e, true)),
            WriteOp::DeleteSpanScore {
                span_id,
                name,
                author,
            } => client
                .delete_span_score(*span_id, name, author.as_deref())
                .await
                .map(|_| None)
                .map_err(|e| classify(e, true)),
            WriteOp::PutThreadScores {
                project_name,
                thread_id,
                scores,
            } => {
                let scores = scores
                    .iter()
                    .cloned()
                    .map(|mut s| {
                        s.thread_id = Some(thread_id.clone());
                        if s.project_name.is_none() && s.project_id.is_none() {
                            s.project_name = Some(project_name.clone());
                        }
                        s
                    })
                    .collect();
                client
                    .put_thread_scores(&FeedbackScoreBatch { scores })
                    .await
                    .map(|_| None)
                    .map_err(|e| classify(e, true))
            }
            WriteOp::DeleteThreadScores { request } => client
                .delete_thread_scores(request)
                .await
                .map(|_| None)
                .map_err(|e| classify(e, true)),
            WriteOp::AddComment {
                target,
                text,
                source_queue_id,
            } => {
                if p.ambiguous
                    && let Some(existing) = self
                        .find_sent_comment(client, target, text, *source_queue_id, p.created_at)
                        .await
                        .map_err(|e| classify(e, false))?
                {
                    return Ok(Some(existing));
                }
                let res = match target {
                    CommentTarget::Trace { trace_id } => {
                        client
                            .add_trace_comment(*trace_id, text, *source_queue_id)
                            .await
                    }
                    CommentTarget::Span { span_id } => {
                        client
                            .add_span_comment(*span_id, text, *source_queue_id)
                            .await
                    }
                    CommentTarget::Thread {
                        thread_model_id, ..
                    } => {
                        client
                            .add_thread_comment(*thread_model_id, text, *source_queue_id)
                            .await
                    }
                };
                res.map(Some).map_err(|e| classify(e, true))
            }
            WriteOp::UpdateComment {
                target,
                comment,
                text,
            } => {
                let id = self.resolve(*comment)?;
                let res = match target {
                    CommentTarget::Trace { .. } => client.update_trace_comment(id, text).await,
                    CommentTarget::Span { .. } => client.update_span_comment(id, text).await,
                    CommentTarget::Thread { .. } => client.update_thread_comment(id, text).await,
                };
                res.map(|_| None).map_err(|e| classify(e, true))
            }
            WriteOp::DeleteComment { target, comment } => {
                let id = self.resolve(*comment)?;
                let ids = [id];
                let res = match target {
                    CommentTarget::Trace { .. } => client.delete_trace_comments(&ids).await,
                    CommentTarget::Span { .. } => client.delete_span_comments(&ids).await,
                    CommentTarget::Thread { .. } => client.delete_thread_comments(&ids).await,
                };
                res.map(|_| None).map_err(|e| classify(e, true))
            }
        }
    }

    fn resolve(&self, c: CommentRef) -> Result<Uuid, Failure> {
        match c {
            CommentRef::Id(id) => Ok(id),
            CommentRef::Op(op) => self.created_comment(op).ok_or_else(|| {
                let state: Option<String> = self
                    .db()
                    .query_row("SELECT state FROM ops WHERE id = ?1", params![op], |r| {
                        r.get(0)
                    })
                    .optional()
                    .ok()
                    .flatten();
                match state.as_deref() {
                    Some("pending") => Failure::Retry {
                        error: "waiting for the comment to be created".into(),
                        ambiguous: false,
                    },
                    _ => Failure::Permanent("the comment it edits was never created".into()),
                }
            }),
        }
    }

    /// After an ambiguous create: a comment on `target` with the same text and queue, made
    /// no earlier than a minute before the op was enqueued, that no other op owns.
    async fn find_sent_comment(
        &self,
        client: &OpikClient,
        target: &CommentTarget,
        text: &str,
        queue: Option<Uuid>,
        since: chrono::DateTime<Utc>,
    ) -> Result<Option<Uuid>, ApiError> {
        let comments: Vec<Comment> = match target {
            CommentTarget::Trace { trace_id } => client.get_trace(*trace_id).await?.comments,
            CommentTarget::Span { span_id } => client.get_span(*span_id).await?.comments,
            CommentTarget::Thread {
                project_name,
                thread_id,
                ..
            } => {
                client
                    .retrieve_thread(&ProjectRef::Name(project_name.clone()), thread_id)
                    .await?
                    .comments
            }
        }
        .unwrap_or_default();
        let owned = self.owned_comment_ids();
        let earliest = since - chrono::Duration::minutes(1);
        Ok(comments
            .into_iter()
            .filter(|c| c.text.trim() == text.trim())
            .filter(|c| {
                queue.is_none() || c.source_queue_id.is_none() || c.source_queue_id == queue
            })
            .filter(|c| c.created_at.is_none_or(|t| t >= earliest))
            .filter_map(|c| c.id)
            .find(|id| !owned.contains(id)))
    }

    /// Make sure the drainer runs ([`Outbox::ensure_drainer`]) and hear its events until the
    /// returned handle is aborted or dropped with its task. Aborting stops the events only:
    /// the drainer goes on sending whatever is pending while the app runs.
    pub fn spawn_drainer<F>(&self, client: OpikClient, events: F) -> tokio::task::JoinHandle<()>
    where
        F: Fn(OutboxEvent) + Send + Sync + 'static,
    {
        self.ensure_drainer(client);
        let sub = self.subscribe(events);
        tokio::spawn(async move {
            let _sub = sub;
            std::future::pending::<()>().await
        })
    }
}

/// The outcome of one [`Outbox::drain_once`] round.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrainReport {
    pub applied: usize,
    pub failed: usize,
    pub pending: usize,
    pub online: bool,
    pub last_error: Option<String>,
}

enum Failure {
    /// The server is unreachable: stop this round.
    Unreachable(String),
    /// Try again later; `ambiguous` when the request may have reached the server.
    Retry { error: String, ambiguous: bool },
    /// The server refused the op for good.
    Permanent(String),
}

fn classify(e: ApiError, may_have_arrived: bool, attempts: i64) -> Failure {
    let msg = e.to_string();
    match e {
        ApiError::Connect { .. } => Failure::Unreachable(msg),
        ApiError::Timeout { .. } | ApiError::Interrupted { .. } => {
            // The request may have been processed; the server is slow or went away.
            if may_have_arrived {
                Failure::Retry {
                    error: msg,
                    ambiguous: true,
                }
            } else {
                Failure::Unreachable(msg)
            }
        }
        ApiError::Server { .. } | ApiError::Decode { .. } | ApiError::Stream { .. } => {
            Failure::Retry {
                error: msg,
                ambiguous: may_have_arrived,
            }
        }
        ApiError::RateLimited { .. } | ApiError::Unauthorized { .. } => Failure::Retry {
            error: msg,
            ambiguous: false,
        },
        ApiError::NotFound { .. } if attempts + 1 < NOT_FOUND_ATTEMPTS => Failure::Retry {
            error: msg,
            ambiguous: false,
        },
        ApiError::NotFound { .. } | ApiError::Rejected { .. } | ApiError::Invalid(_) => {
            Failure::Permanent(msg)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("state").join("outbox.sqlite");
        (dir, p)
    }

    fn put(trace: u128, name: &str, v: f64) -> WriteOp {
        WriteOp::PutTraceScore {
            trace_id: Uuid::from_u128(trace),
            score: FeedbackScoreItem {
                name: name.into(),
                value: Some(v),
                source: Some("ui".into()),
                ..Default::default()
            },
        }
    }

    #[test]
    fn ops_survive_reopen_in_order_and_are_scoped_to_their_target() {
        let (_d, path) = tmp();
        {
            let ob = Outbox::open(&path, "http://a/api#default").unwrap();
            let a = ob.enqueue(put(1, "x", 1.0)).unwrap();
            let b = ob.enqueue(put(2, "y", 0.5)).unwrap();
            assert!(b > a);
        }
        let ob = Outbox::open(&path, "http://a/api#default").unwrap();
        let p = ob.pending().unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].op, put(1, "x", 1.0));
        assert_eq!(p[1].op, put(2, "y", 0.5));
        let other = Outbox::open(&path, "http://b/api#default").unwrap();
        assert_eq!(
            other.pending_count(),
            0,
            "another server's ops are not mine"
        );
    }

    #[test]
    fn op_json_is_stable_and_entities_group_ops() {
        let op = WriteOp::AddComment {
            target: CommentTarget::Thread {
                thread_model_id: Uuid::from_u128(7),
                project_name: "p".into(),
                thread_id: "t-1".into(),
            },
            text: "hi".into(),
            source_queue_id: None,
        };
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(json["op"], "add_comment");
        assert_eq!(json["target"]["kind"], "thread");
        assert_eq!(serde_json::from_value::<WriteOp>(json).unwrap(), op);
        let upd = WriteOp::UpdateComment {
            target: CommentTarget::Thread {
                thread_model_id: Uuid::from_u128(7),
                project_name: "p".into(),
                thread_id: "t-1".into(),
            },
            comment: CommentRef::Op(3),
            text: "x".into(),
        };
        assert_eq!(op.entity(), upd.entity());
        assert_ne!(put(1, "a", 1.0).entity(), put(2, "a", 1.0).entity());
        assert_eq!(
            upd.clone()
                .with_comment_id(Uuid::from_u128(9))
                .comment_ref(),
            Some(CommentRef::Id(Uuid::from_u128(9)))
        );
    }

    #[test]
    fn completing_a_create_resolves_later_edits() {
        let (_d, path) = tmp();
        let ob = Outbox::open(&path, "t").unwrap();
        let target = CommentTarget::Trace {
            trace_id: Uuid::from_u128(1),
        };
        let add = ob
            .enqueue(WriteOp::AddComment {
                target: target.clone(),
                text: "a".into(),
                source_queue_id: None,
            })
            .unwrap();
        ob.enqueue(WriteOp::UpdateComment {
            target: target.clone(),
            comment: CommentRef::Op(add),
            text: "b".into(),
        })
        .unwrap();
        let cid = Uuid::from_u128(42);
        ob.mark_done(add, Some(cid)).unwrap();
        assert_eq!(ob.created_comment(add), Some(cid));
        let p = ob.pending().unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].op.comment_ref(), Some(CommentRef::Id(cid)));
        assert!(ob.owned_comment_ids().contains(&cid));
    }

    #[test]
    fn leases_keep_two_drainers_off_one_op() {
        let (_d, path) = tmp();
        let a = Outbox::open(&path, "t").unwrap();
        let b = Outbox::open(&path, "t").unwrap();
        let id = a.enqueue(put(1, "x", 1.0)).unwrap();
        assert!(a.claim(id));
        assert!(a.claim(id), "the owner may renew");
        assert!(!b.claim(id), "another process may not");
        a.mark_attempt(id, "boom", false, false);
        assert!(b.claim(id), "a released lease can be taken");
        let p = b.pending().unwrap();
        assert_eq!(p[0].attempts, 1);
        assert_eq!(p[0].last_error.as_deref(), Some("boom"));
    }

    #[test]
    fn quitting_releases_leases_so_the_next_start_sends_at_once() {
        let (_d, path) = tmp();
        let a = Outbox::open(&path, "t").unwrap();
        let id = a.enqueue(put(1, "x", 1.0)).unwrap();
        assert!(
            a.claim(id),
            "a send in flight (e.g. offline, waiting for a timeout)"
        );
        a.shutdown();
        assert!(!a.claim(id), "a closed outbox takes no new lease");
        let next = Outbox::open(&path, "t").unwrap();
        assert!(next.claim(id), "the next start may send at once");
        // Dropping the last handle (no explicit shutdown) releases too.
        drop(a);
        drop(next);
        let c = Outbox::open(&path, "t").unwrap();
        assert!(c.claim(id));
        drop(c);
        let d = Outbox::open(&path, "t").unwrap();
        assert!(d.claim(id));
    }

    fn sibling(p: &Path, suffix: &str) -> PathBuf {
        let mut s = p.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    }

    #[test]
    fn a_truncated_wal_is_detected_kept_aside_and_counted() {
        let (d, path) = tmp();
        {
            let ob = Outbox::open(&path, "t").unwrap();
            ob.enqueue(put(1, "a", 1.0)).unwrap();
            ob.enqueue(put(2, "b", 1.0)).unwrap();
        }
        // The last handle closed: the log is checkpointed into the file.
        let ob = Outbox::open(&path, "t").unwrap();
        assert_eq!(ob.damage(), None, "a clean file is not damage");
        for i in 3..=5 {
            ob.enqueue(put(i, "c", 1.0)).unwrap();
        }
        // A crash: copy the file, its log and the side record while the outbox is open.
        let crash = d.path().join("crash").join("outbox.sqlite");
        std::fs::create_dir_all(crash.parent().unwrap()).unwrap();
        for suffix in ["", "-wal", ".seq"] {
            std::fs::copy(sibling(&path, suffix), sibling(&crash, suffix)).unwrap();
        }
        drop(ob);
        // The log loses its tail: the last commit frame is cut, so SQLite drops that insert
        // without any error.
        let wal = sibling(&crash, "-wal");
        let len = std::fs::metadata(&wal).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&wal)
            .unwrap()
            .set_len(len - 100)
            .unwrap();

        let ob = Outbox::open(&crash, "t").unwrap();
        let damage = ob.damage().cloned().expect("damage detected");
        assert_eq!(damage.lost, Some(1), "{damage:?}");
        assert_eq!(damage.recovered, 4, "{damage:?}");
        assert!(damage.kept_at.exists(), "{damage:?}");
        assert!(sibling(&damage.kept_at, "-wal").exists(), "{damage:?}");
        assert!(
            damage.message().contains("1 queued write "),
            "{}",
            damage.message()
        );
        let ids: Vec<_> = ob.pending().unwrap().iter().map(|p| p.id).collect();
        assert_eq!(ids, vec![1, 2, 3, 4]);
        assert_eq!(
            ob.enqueue(put(6, "d", 1.0)).unwrap(),
            6,
            "ids are never reused"
        );
        drop(ob);
        let again = Outbox::open(&crash, "t").unwrap();
        assert_eq!(again.damage(), None, "the fresh outbox is clean");
        assert_eq!(again.pending_count(), 5);
    }

    #[test]
    fn a_corrupt_file_is_detected_kept_aside_and_counted() {
        let (_d, path) = tmp();
        {
            let ob = Outbox::open(&path, "t").unwrap();
            for i in 1..=3 {
                ob.enqueue(put(i, "x", 1.0)).unwrap();
            }
        }
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[..100].fill(0x5a);
        std::fs::write(&path, &bytes).unwrap();

        let ob = Outbox::open(&path, "t").unwrap();
        let damage = ob.damage().cloned().expect("damage detected");
        assert_eq!(damage.lost, Some(3), "{damage:?}");
        assert_eq!(damage.recovered, 0);
        assert_eq!(std::fs::read(&damage.kept_at).unwrap(), bytes, "kept as is");
        assert!(
            damage.message().contains("3 queued writes"),
            "{}",
            damage.message()
        );
        assert_eq!(ob.pending_count(), 0, "a fresh outbox");
        assert_eq!(ob.enqueue(put(9, "y", 1.0)).unwrap(), 4);
    }

    #[test]
    fn failures_are_classified_for_exactly_once() {
        let conn = ApiError::Connect {
            url: "u".into(),
            reason: "refused".into(),
        };
        assert!(matches!(classify(conn, true, 0), Failure::Unreachable(_)));
        let to = ApiError::Timeout {
            url: "u".into(),
            timeout: Duration::from_secs(1),
        };
        assert!(matches!(
            classify(to, true, 0),
            Failure::Retry {
                ambiguous: true,
                ..
            }
        ));
        let s5 = ApiError::Server {
            status: 503,
            message: "x".into(),
        };
        assert!(matches!(
            classify(s5, true, 0),
            Failure::Retry {
                ambiguous: true,
                ..
            }
        ));
        let nf = || ApiError::NotFound {
            resource: "trace".into(),
            detail: None,
        };
        assert!(matches!(
            classify(nf(), true, 0),
            Failure::Retry {
                ambiguous: false,
                ..
            }
        ));
        assert!(matches!(classify(nf(), true, 4), Failure::Permanent(_)));
        let rej = ApiError::Rejected {
            status: 422,
            message: "bad".into(),
        };
        assert!(matches!(classify(rej, true, 0), Failure::Permanent(_)));
    }

    #[test]
    fn unreadable_entries_are_set_aside() {
        let (_d, path) = tmp();
        let ob = Outbox::open(&path, "t").unwrap();
        ob.db()
            .execute(
                "INSERT INTO ops(target, entity, op, created_at, updated_at) VALUES ('t', 'e', '{\"op\":\"future\"}', 0, 0)",
                [],
            )
            .unwrap();
        ob.enqueue(put(1, "x", 1.0)).unwrap();
        assert_eq!(ob.pending().unwrap().len(), 1);
        let failed = ob.failed().unwrap();
        assert_eq!(failed.len(), 1);
        assert!(failed[0].2.contains("unreadable"));
    }

    /// A create whose reply was lost (the comment exists on the server) is adopted, not
    /// posted again.
    #[tokio::test]
    async fn ambiguous_comment_create_is_adopted_not_reposted() {
        let dir = tempfile::tempdir().expect("tmp");
        let srv = crate::server::spawn(crate::server::ServerConfig {
            bind: "127.0.0.1:0".parse().expect("addr"),
            db_path: dir.path().join("db.sqlite"),
            api_key: None,
            users_file: None,
        })
        .await
        .expect("server");
        let client =
            OpikClient::new(&crate::config::Connection::new(&srv.base_url()).expect("url"))
                .expect("client");
        let trace = crate::opik::model::new_id();
        let now = crate::opik::model::ts::format(&Utc::now());
        reqwest::Client::new()
            .post(format!("{}/v1/private/traces/batch", srv.base_url()))
            .json(&serde_json::json!({"traces": [{"id": trace, "project_name": "p", "start_time": now}]}))
            .send()
            .await
            .expect("create trace");
        let queue = Uuid::now_v7();
        let ob = Outbox::open(&dir.path().join("o.sqlite"), target_of(&client)).expect("outbox");
        let id = ob
            .enqueue(WriteOp::AddComment {
                target: CommentTarget::Trace { trace_id: trace },
                text: "lost reply".into(),
                source_queue_id: Some(queue),
            })
            .expect("enqueue");
        // The first send reached the server, but its reply was lost (timeout).
        let made = client
            .add_trace_comment(trace, "lost reply", Some(queue))
            .await
            .expect("comment");
        ob.mark_attempt(id, "no answer within 30s", true, false);
        let report = ob.drain_once(&client, &|_| {}).await;
        assert_eq!((report.applied, report.pending), (1, 0));
        assert_eq!(
            ob.created_comment(id),
            Some(made),
            "the existing comment is adopted"
        );
        let comments = client
            .get_trace(trace)
            .await
            .expect("trace")
            .comments
            .unwrap_or_default();
        assert_eq!(comments.len(), 1, "not posted twice: {comments:?}");
        srv.shutdown().await;
    }
}
