//! The outbox file: opening it (schema, pruning, damage recovery) and the SQLite reads and
//! writes of ops (enqueue, pending, leases, results).

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::Notify;
use uuid::Uuid;

use super::{
    CommentRef, Inner, LEASE_SECS, OpId, Outbox, OutboxError, PendingOp, Subscribers, WriteOp,
    now_ms, recovery, writer::Writer,
};

impl Outbox {
    /// Open (or create) the outbox at `path`, creating its directory. Ops are scoped to
    /// `target` (see [`target_of`](super::target_of)).
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
        // Applied (and cancelled) ops are kept a week (comment ids of later edits resolve
        // through them).
        let week_ago = now_ms() - 7 * 24 * 3600 * 1000;
        conn.execute(
            "DELETE FROM ops WHERE state IN ('done', 'cancelled') AND updated_at < ?1",
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
                writer: Writer::default(),
            }),
            target: target.into(),
        })
    }

    pub(super) fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
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

    /// Take ops back before they are sent (an undo): each of `ids` that is still pending,
    /// is not being sent right now and never may have reached the server (not ambiguous) is
    /// marked `cancelled` and will never be sent. Returns the ids cancelled; the others are
    /// sent (or were) and must be reversed by later ops.
    pub fn cancel(&self, ids: &[OpId]) -> Result<Vec<OpId>, OutboxError> {
        let now = now_ms();
        let mut out = Vec::new();
        {
            let mut db = self.db();
            let tx = db.transaction()?;
            for id in ids {
                let n = tx.execute(
                    "UPDATE ops SET state = 'cancelled', updated_at = ?3
                     WHERE id = ?1 AND target = ?2 AND state = 'pending' AND ambiguous = 0
                       AND lease_until < ?3",
                    params![id, self.target, now],
                )?;
                if n == 1 {
                    out.push(*id);
                }
            }
            tx.commit()?;
        }
        // The drainer's next round reports the smaller count.
        self.notify();
        Ok(out)
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
    pub(super) fn owned_comment_ids(&self) -> HashSet<Uuid> {
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

    pub(super) fn claim(&self, id: OpId) -> bool {
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

    pub(super) fn mark_done(&self, id: OpId, result: Option<Uuid>) -> Result<(), OutboxError> {
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

    pub(super) fn mark_attempt(&self, id: OpId, err: &str, ambiguous: bool, failed: bool) {
        let _ = self.db().execute(
            "UPDATE ops SET attempts = attempts + 1, last_error = ?2,
                ambiguous = MAX(ambiguous, ?3), state = CASE WHEN ?4 THEN 'failed' ELSE state END,
                updated_at = ?5, lease_until = 0
             WHERE id = ?1",
            params![id, err, ambiguous as i64, failed, now_ms()],
        );
    }
}
