//! `u` and `s` in SME mode: taking back my last submit, and skipping an item.
//!
//! A submit leaves a [`SubmitRecord`]: the outbox ops it queued, the form as it was (with my
//! earlier saved values as its baseline), my comment before it, and whether the item was done
//! for me. Undo takes the newest record: ops still waiting in the outbox are cancelled there
//! (never sent), the others are reversed by new ops queued behind them on the same entity —
//! a score I had before is put back, a new one is deleted, an added comment is deleted, an
//! edited one gets its old text back, a deleted one is written again. So whatever was or
//! wasn't sent, the server ends where it was before the submit, and nothing is sent twice.
//! The form comes back as it was submitted (unsaved again) and the item is done for me only
//! if it was before.
//!
//! Skip writes nothing: the item stays to review and moves to the end of my order, and the
//! next item to review opens.

use uuid::Uuid;

use super::form::{ItemForm, SavedScore};
use super::progress::{self, ItemStatus};
use super::session::{Session, Stage};
use crate::opik::model::{DeleteThreadFeedbackScores, FeedbackScoreItem};
use crate::outbox::{CommentRef, Ticket, WriteOp};

/// What one submit did, to take it back.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmitRecord {
    pub item: Uuid,
    /// The ops it queued (by the outbox's ticket), in order.
    pub ops: Vec<(Ticket, WriteOp)>,
    /// The form as submitted; its baseline holds my values from before the submit.
    pub form: ItemForm,
    /// My comment before the submit.
    pub comment_ref: Option<CommentRef>,
    /// Whether the item was done for me before the submit.
    pub was_done: bool,
}

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UndoOutcome {
    /// Ops taken out of the outbox before they were sent.
    pub cancelled: usize,
    /// Ops queued to reverse writes already sent (or being sent).
    pub reversed: usize,
}

/// Why an undo did nothing (or stopped).
#[derive(Debug, Clone, PartialEq)]
pub enum UndoError {
    /// No submit of this session is left to undo.
    Nothing,
    /// The outbox could not be read or written.
    Outbox(String),
}

impl SubmitRecord {
    /// What I had saved for `name` before the submit.
    fn before(&self, name: &str) -> Option<&SavedScore> {
        let i = self.form.defs.iter().position(|d| d.name == name)?;
        self.form.fields.get(i)?.saved.as_ref()
    }

    /// A score item restoring `saved` under `name` (a put in this queue, from the UI).
    fn put(name: &str, saved: &SavedScore, queue: Uuid) -> FeedbackScoreItem {
        FeedbackScoreItem {
            name: name.to_string(),
            value: Some(saved.value),
            category_name: saved.category_name.clone(),
            reason: saved.reason.clone(),
            source: Some("ui".into()),
            source_queue_id: Some(queue),
            ..Default::default()
        }
    }

    /// The ops that reverse `op` (sent, or on its way), given my values before the submit.
    pub fn reversal(&self, id: Ticket, op: &WriteOp, me: &str, queue: Uuid) -> Vec<WriteOp> {
        let back = |name: &str| self.before(name).map(|s| Self::put(name, s, queue));
        match op {
            WriteOp::PutTraceScore { trace_id, score } => vec![match back(&score.name) {
                Some(score) => WriteOp::PutTraceScore {
                    trace_id: *trace_id,
                    score,
                },
                None => WriteOp::DeleteTraceScore {
                    trace_id: *trace_id,
                    name: score.name.clone(),
                    author: Some(me.to_string()),
                },
            }],
            WriteOp::DeleteTraceScore { trace_id, name, .. } => back(name)
                .map(|score| WriteOp::PutTraceScore {
                    trace_id: *trace_id,
                    score,
                })
                .into_iter()
                .collect(),
            WriteOp::PutThreadScores {
                project_name,
                thread_id,
                scores,
            } => {
                let names: Vec<&str> = scores.iter().map(|s| s.name.as_str()).collect();
                self.thread_back(project_name, thread_id, &names, &[], me, queue)
            }
            WriteOp::DeleteThreadScores { request } => {
                let names: Vec<&str> = request.names.iter().map(String::as_str).collect();
                let project = request.project_name.clone().unwrap_or_default();
                self.thread_back(&project, &request.thread_id, &[], &names, me, queue)
            }
            WriteOp::AddComment { target, .. } => vec![WriteOp::DeleteComment {
                target: target.clone(),
                comment: CommentRef::Ticket(id.0),
            }],
            WriteOp::UpdateComment {
                target, comment, ..
            } => match &self.form.saved_comment {
                Some(text) => vec![WriteOp::UpdateComment {
                    target: target.clone(),
                    comment: *comment,
                    text: text.clone(),
                }],
                None => vec![WriteOp::DeleteComment {
                    target: target.clone(),
                    comment: *comment,
                }],
            },
            WriteOp::DeleteComment { target, .. } => match &self.form.saved_comment {
                Some(text) => vec![WriteOp::AddComment {
                    target: target.clone(),
                    text: text.clone(),
                    source_queue_id: Some(queue),
                }],
                None => Vec::new(),
            },
            // SME mode writes no span scores.
            WriteOp::PutSpanScore { .. } | WriteOp::DeleteSpanScore { .. } => Vec::new(),
        }
    }

    /// Thread scores `put` (written) and `deleted` put back to my earlier values: those I had
    /// are written again, the others deleted.
    fn thread_back(
        &self,
        project: &str,
        thread_id: &str,
        put: &[&str],
        deleted: &[&str],
        me: &str,
        queue: Uuid,
    ) -> Vec<WriteOp> {
        let mut restore = Vec::new();
        let mut delete = Vec::new();
        for name in put.iter().chain(deleted) {
            match self.before(name) {
                Some(s) => restore.push(FeedbackScoreItem {
                    thread_id: Some(thread_id.to_string()),
                    project_name: Some(project.to_string()),
                    ..Self::put(name, s, queue)
                }),
                None if put.contains(name) => delete.push(name.to_string()),
                None => {}
            }
        }
        let mut out = Vec::new();
        if !restore.is_empty() {
            out.push(WriteOp::PutThreadScores {
                project_name: project.to_string(),
                thread_id: thread_id.to_string(),
                scores: restore,
            });
        }
        if !delete.is_empty() {
            out.push(WriteOp::DeleteThreadScores {
                request: DeleteThreadFeedbackScores {
                    project_name: Some(project.to_string()),
                    project_id: None,
                    thread_id: thread_id.to_string(),
                    names: delete,
                    author: Some(me.to_string()),
                },
            });
        }
        out
    }
}

impl Session {
    /// Whether a submit of this session can be undone.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// `u`: take back my last submit. `cancel(ids)` takes the ops that have not been sent out
    /// of the outbox and answers which it took; `enqueue` queues the reversing ops. I am taken
    /// back to the item with the form as I submitted it.
    pub fn undo_last<C, E>(
        &mut self,
        mut cancel: C,
        mut enqueue: E,
    ) -> Result<UndoOutcome, UndoError>
    where
        C: FnMut(&[Ticket]) -> Result<Vec<Ticket>, String>,
        E: FnMut(WriteOp) -> Result<Ticket, String>,
    {
        let Some(rec) = self.undo.pop() else {
            return Err(UndoError::Nothing);
        };
        let ids: Vec<Ticket> = rec.ops.iter().map(|(id, _)| *id).collect();
        let cancelled = match cancel(&ids) {
            Ok(c) => c,
            Err(e) => {
                self.undo.push(rec);
                return Err(UndoError::Outbox(e));
            }
        };
        let mut out = UndoOutcome {
            cancelled: cancelled.len(),
            reversed: 0,
        };
        let mut comment_ref = rec.comment_ref;
        // Reverse the sent ones newest first, so the server steps back through them.
        for (id, op) in rec.ops.iter().rev() {
            if cancelled.contains(id) {
                continue;
            }
            for back in rec.reversal(*id, op, &self.me, self.queue_id) {
                let re_added = matches!(back, WriteOp::AddComment { .. });
                let new = enqueue(back).map_err(UndoError::Outbox)?;
                if re_added {
                    comment_ref = Some(CommentRef::Ticket(new.0));
                }
                out.reversed += 1;
            }
        }
        let me = self.me.clone();
        if let Some(pos) = self.items.iter().position(|i| i.id == rec.item) {
            let item = &mut self.items[pos];
            item.form = Some(rec.form);
            item.comment_ref = comment_ref;
            if rec.was_done {
                item.facts.annotators.insert(me);
            } else {
                item.facts.annotators.remove(&me);
            }
            self.go(pos);
        }
        Ok(out)
    }

    /// `s`: leave the current item to review, move it to the end of my order and open the
    /// next item to review (the skipped one again when it is the only one left). Nothing is
    /// written. Returns the skipped item's id.
    pub fn skip_current(&mut self) -> Option<Uuid> {
        if self.stage != Stage::Item || self.current >= self.items.len() {
            return None;
        }
        let pos = self.current;
        let item = self.items.remove(pos);
        let id = item.id;
        self.items.push(item);
        let statuses = self.statuses();
        let last = self.items.len() - 1;
        let from = (pos + last) % self.items.len();
        let next = progress::next_to_review(&statuses, from)
            .or_else(|| (statuses[last] == ItemStatus::ToReview).then_some(last));
        match next {
            Some(i) => self.go(i),
            None => self.stage = Stage::Finished,
        }
        Some(id)
    }
}

#[cfg(test)]
mod tests;
