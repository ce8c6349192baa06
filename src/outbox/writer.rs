//! Storing ops off the UI thread. [`Outbox::submit`] hands an op to a writer thread and
//! returns at once with a [`Ticket`]; the thread owns its own SQLite connection, stores the
//! ops in submit order (each insert durable: `synchronous=FULL`), wakes the drainer, and
//! tells every subscriber the id the op got ([`OutboxEvent::Stored`], before the drainer can
//! report it applied) or why it could not be stored ([`OutboxEvent::NotStored`]).
//!
//! An op may edit a comment whose create was submitted but not stored yet: it refers to it
//! by ticket ([`CommentRef::Ticket`]), which the writer turns into the create's op id before
//! storing it. [`Outbox::flush`] (and so [`Outbox::shutdown`], called on quit) waits until
//! every op submitted before it is stored, so quitting right after a key press loses nothing.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::sync::{Mutex, Weak};
use std::time::Duration;

use rusqlite::{Connection, params};

use super::{CommentRef, Inner, OpId, Outbox, OutboxError, OutboxEvent, WriteOp, now_ms, recovery};

/// How long [`Outbox::flush`] waits for the writer (a locked file makes it give up rather
/// than hang the quit).
const FLUSH_WAIT: Duration = Duration::from_secs(10);

/// A submitted op, numbered in this process (known at once; its op id comes with
/// [`OutboxEvent::Stored`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket(pub u64);

enum Job {
    Store(Ticket, Box<WriteOp>),
    /// The op ids the tickets got (`None`: not stored), once every job before it is done
    /// (with no tickets: a flush).
    Resolve(Vec<Ticket>, std::sync::mpsc::SyncSender<Vec<Option<OpId>>>),
}

/// The writer thread's end in the shared handle (started on the first submit).
#[derive(Default)]
pub(super) struct Writer {
    jobs: Mutex<Option<Sender<Job>>>,
    next: AtomicU64,
}

impl Outbox {
    /// Store `op` durably in the background and wake the drainer; returns at once. Ops are
    /// stored in submit order; subscribers hear [`OutboxEvent::Stored`] with the op's id (or
    /// [`OutboxEvent::NotStored`]). Errs only when the writer thread cannot be started.
    pub fn submit(&self, op: WriteOp) -> Result<Ticket, OutboxError> {
        let w = &self.inner.writer;
        let ticket = Ticket(w.next.fetch_add(1, Ordering::Relaxed) + 1);
        let mut jobs = w.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if jobs.is_none() {
            *jobs = Some(self.start_writer()?);
        }
        let sent = jobs
            .as_ref()
            .is_some_and(|tx| tx.send(Job::Store(ticket, Box::new(op.clone()))).is_ok());
        if !sent {
            // The thread is gone (it only ends with the handle): start another.
            let tx = self.start_writer()?;
            let _ = tx.send(Job::Store(ticket, Box::new(op)));
            *jobs = Some(tx);
        }
        Ok(ticket)
    }

    /// Wait (up to 10 s) until every op submitted so far is stored.
    pub fn flush(&self) {
        self.inner.writer.flush();
    }

    /// Take back submitted ops before they are sent (an undo): once the writer has stored
    /// every op submitted before this call, those of `tickets` still waiting are cancelled
    /// ([`Outbox::cancel`]). Returns the tickets taken back: cancelled, or never stored
    /// (they will never be sent); the others were sent, or are being sent.
    pub fn cancel_submitted(&self, tickets: &[Ticket]) -> Result<Vec<Ticket>, OutboxError> {
        let ids = self.inner.writer.resolve(tickets)?;
        let stored: Vec<OpId> = ids.iter().flatten().copied().collect();
        let cancelled = self.cancel(&stored)?;
        Ok(tickets
            .iter()
            .zip(&ids)
            .filter(|(_, id)| id.is_none_or(|id| cancelled.contains(&id)))
            .map(|(t, _)| *t)
            .collect())
    }

    fn start_writer(&self) -> Result<Sender<Job>, OutboxError> {
        let (tx, rx) = channel();
        let inner = std::sync::Arc::downgrade(&self.inner);
        let path = self.inner.path.clone();
        let target = self.target.clone();
        std::thread::Builder::new()
            .name("outbox-writer".into())
            .spawn(move || run(&path, &target, &inner, rx))
            .map_err(|e| OutboxError::Writer(e.to_string()))?;
        Ok(tx)
    }
}

impl Writer {
    /// The op ids `tickets` got, once every op submitted before is stored.
    fn resolve(&self, tickets: &[Ticket]) -> Result<Vec<Option<OpId>>, OutboxError> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let Some(tx) = jobs.as_ref() else {
            // Nothing was ever submitted through this handle.
            return Ok(vec![None; tickets.len()]);
        };
        let (done_tx, done_rx) = sync_channel(1);
        if tx.send(Job::Resolve(tickets.to_vec(), done_tx)).is_err() {
            return Err(OutboxError::Writer("the outbox writer has stopped".into()));
        }
        drop(jobs);
        done_rx
            .recv_timeout(FLUSH_WAIT)
            .map_err(|_| OutboxError::Writer("the outbox writer did not answer in time".into()))
    }

    pub(super) fn flush(&self) {
        if let Err(e) = self.resolve(&[]) {
            tracing::warn!("{e}");
        }
    }
}

/// The writer's connection: the same file, durable inserts.
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

fn run(path: &Path, target: &str, inner: &Weak<Inner>, jobs: Receiver<Job>) {
    let conn = connect(path).map_err(|e| OutboxError::Open {
        path: path.display().to_string(),
        source: e,
    });
    // Op ids of the ops stored by this thread, by ticket (comment creates are looked up by
    // the edits that follow them, every op by an undo).
    let mut stored: HashMap<Ticket, OpId> = HashMap::new();
    for job in jobs {
        let (ticket, op) = match job {
            Job::Store(t, op) => (t, *op),
            Job::Resolve(tickets, done) => {
                let _ = done.send(tickets.iter().map(|t| stored.get(t).copied()).collect());
                continue;
            }
        };
        let result = match &conn {
            Ok(c) => store(c, target, path, &op, &stored),
            Err(e) => Err(e.to_string()),
        };
        // The handle may be gone (quitting): the op is stored all the same.
        let inner = inner.upgrade();
        match result {
            Ok((id, op)) => {
                stored.insert(ticket, id);
                if let Some(inner) = &inner {
                    inner.fanout(OutboxEvent::Stored { ticket, id, op });
                    inner.notify.notify_one();
                }
            }
            Err(error) => {
                tracing::error!("an outbox write could not be stored: {error}");
                if let Some(inner) = &inner {
                    inner.fanout(OutboxEvent::NotStored { ticket, op, error });
                }
            }
        }
    }
}

/// Insert `op` (its comment ticket resolved); the op id and the op as stored.
fn store(
    conn: &Connection,
    target: &str,
    path: &Path,
    op: &WriteOp,
    stored: &HashMap<Ticket, OpId>,
) -> Result<(OpId, WriteOp), String> {
    let op = match op.comment_ref() {
        Some(CommentRef::Ticket(t)) => match stored.get(&Ticket(t)) {
            Some(id) => op.clone().with_comment_ref(CommentRef::Op(*id)),
            None => return Err("the comment it edits could not be saved".into()),
        },
        _ => op.clone(),
    };
    let json = serde_json::to_string(&op).map_err(|e| e.to_string())?;
    let now = now_ms();
    conn.execute(
        "INSERT INTO ops(target, entity, op, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![target, op.entity(), json, now],
    )
    .map_err(|e| e.to_string())?;
    let id = conn.last_insert_rowid();
    if let Err(e) = recovery::record_seq(path, id) {
        tracing::warn!(
            "cannot record the outbox sequence (damage to the file may go unnoticed): {e}"
        );
    }
    Ok((id, op))
}
