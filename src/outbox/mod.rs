//! The durable outbox: REST writes (feedback scores, comments) that must reach Opik exactly
//! once, even across network failures and restarts.
//!
//! The TUI never waits for a write: a view calls [`Outbox::submit`], which returns at once
//! (a writer thread does the SQLite insert, `synchronous=FULL`, so the op survives a crash,
//! and reports the op's id to the subscribers; quitting waits for it: `writer`) and updates
//! its own state optimistically. [`Outbox::enqueue`] is the same insert on the calling
//! thread (tools and tests). A background drainer ([`Outbox::ensure_drainer`]) sends pending ops with the
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

mod drain;
mod ops;
mod recovery;
mod store;
#[cfg(test)]
mod tests;
mod writer;
#[cfg(test)]
mod writer_tests;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use rusqlite::{Connection, params};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::opik::client::OpikClient;

pub use drain::DrainReport;
pub use ops::{CommentRef, CommentTarget, PendingOp, WriteOp};
pub use recovery::Damage;
pub use writer::Ticket;

/// Id of an enqueued op (row id, increasing in enqueue order).
pub type OpId = i64;

/// How many times a 404 is retried (the entity may still be on its way in) before the op
/// is given up.
const NOT_FOUND_ATTEMPTS: i64 = 5;
/// How long a drainer holds an op it is sending before another process may take it.
const LEASE_SECS: i64 = 120;
/// Longest wait between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

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
    /// A submitted op ([`Outbox::submit`]) is stored under `id` (always heard before it is
    /// applied).
    Stored {
        ticket: Ticket,
        id: OpId,
        op: WriteOp,
    },
    /// A submitted op could not be stored: it will not be sent.
    NotStored {
        ticket: Ticket,
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
    #[error("the outbox writer could not be started: {0}")]
    Writer(String),
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
    /// The thread that stores submitted ops.
    writer: writer::Writer,
}

impl Inner {
    /// Tell every subscriber.
    fn fanout(&self, ev: OutboxEvent) {
        let listeners: Vec<Listener> = self
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
    }

    fn shutdown(&self) {
        // What was submitted before quitting is stored first.
        self.writer.flush();
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

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Damage found in the file when it was opened (already set aside; see [`Damage`]).
    pub fn damage(&self) -> Option<&Damage> {
        self.inner.damage.as_ref()
    }

    /// Wait for the ops submitted so far to be stored, then stop taking leases and release
    /// the ones this process holds, so the next start (or another process) sends those ops
    /// at once instead of after the lease ran out. Called when the app quits.
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
}
