//! The background sender: rounds that lease and send pending ops in order per entity,
//! classify failures (retry, ambiguous, unreachable, permanent) and report events.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::{
    CommentRef, CommentTarget, MAX_BACKOFF, NOT_FOUND_ATTEMPTS, Outbox, OutboxEvent, PendingOp,
    WriteOp,
};
use crate::opik::client::{OpikClient, ProjectRef};
use crate::opik::error::ApiError;
use crate::opik::model::{Comment, FeedbackScoreBatch};

impl Outbox {
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
            let fanout = |ev: OutboxEvent| outbox.inner.fanout(ev);
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
            CommentRef::Ticket(_) => Err(Failure::Permanent(
                "the comment it edits was never stored".into(),
            )),
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

pub(super) enum Failure {
    /// The server is unreachable: stop this round.
    Unreachable(String),
    /// Try again later; `ambiguous` when the request may have reached the server.
    Retry { error: String, ambiguous: bool },
    /// The server refused the op for good.
    Permanent(String),
}

pub(super) fn classify(e: ApiError, may_have_arrived: bool, attempts: i64) -> Failure {
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
