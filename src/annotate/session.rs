//! One SME's pass through a queue: the items in the user's review order, their status, the
//! per-item forms (unsaved edits are kept per item), locks, and turning a submit into
//! outbox writes. Pure state; `views::annotate` loads the data, draws it and sends the writes.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::form::{CommentChange, FieldDef, ItemForm};
use super::progress::{self, ItemFacts, ItemStatus, Progress};
use super::undo::SubmitRecord;
use crate::opik::model::{
    AnnotationQueue, Comment, DeleteThreadFeedbackScores, FeedbackDefinition, FeedbackScore,
    FeedbackScoreItem, ItemLocks, LocksResponse, Thread, Trace,
};
use crate::outbox::{CommentRef, CommentTarget, OpId, Ticket, WriteOp};

/// The thing being reviewed.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemData {
    Trace(Box<Trace>),
    Thread(Box<Thread>),
}

impl ItemData {
    /// The queue item id: the trace id, or the thread's `thread_model_id`.
    pub fn item_id(&self) -> Option<Uuid> {
        match self {
            ItemData::Trace(t) => t.id,
            ItemData::Thread(t) => t.thread_model_id,
        }
    }

    pub fn scores(&self) -> &[FeedbackScore] {
        match self {
            ItemData::Trace(t) => t.feedback_scores.as_deref().unwrap_or_default(),
            ItemData::Thread(t) => t.feedback_scores.as_deref().unwrap_or_default(),
        }
    }

    pub fn comments(&self) -> &[Comment] {
        match self {
            ItemData::Trace(t) => t.comments.as_deref().unwrap_or_default(),
            ItemData::Thread(t) => t.comments.as_deref().unwrap_or_default(),
        }
    }

    /// A one-line title: the trace name or the thread id.
    pub fn title(&self) -> String {
        match self {
            ItemData::Trace(t) => t.name.clone().unwrap_or_else(|| "(unnamed trace)".into()),
            ItemData::Thread(t) => format!("thread {}", t.id),
        }
    }
}

/// My latest comment on an item (preferring one made in this queue).
pub fn my_latest_comment<'a>(
    comments: &'a [Comment],
    me: &str,
    queue: Option<Uuid>,
) -> Option<&'a Comment> {
    let key = |c: &&Comment| (c.created_at, c.id);
    let mine = comments
        .iter()
        .filter(|c| c.created_by.as_deref() == Some(me));
    let in_queue = mine
        .clone()
        .filter(|c| queue.is_some() && c.source_queue_id == queue)
        .max_by_key(key);
    in_queue.or_else(|| mine.max_by_key(key))
}

/// The lock on the current item.
#[derive(Debug, Clone, PartialEq)]
pub enum LockState {
    /// Not asked yet / being claimed.
    Claiming,
    /// Mine until `expires`.
    Mine(Option<DateTime<Utc>>),
    /// Someone else reviews it.
    HeldBy(String),
    /// The server is unreachable: locks are advisory, annotation goes on.
    Offline,
}

/// One item of the session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionItem {
    pub id: Uuid,
    pub data: ItemData,
    pub facts: ItemFacts,
    /// Created when the item is first shown; kept (with unsaved edits) while moving around.
    pub form: Option<ItemForm>,
    /// My comment on the item: on the server, or created by a pending outbox op.
    pub comment_ref: Option<CommentRef>,
    pub lock: LockState,
    /// Whether the full item (untruncated input/output) was loaded.
    pub full: bool,
}

/// Where the SME is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Intro,
    Item,
    /// No item left to review.
    Finished,
}

/// A queue being annotated by one user.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub queue: AnnotationQueue,
    pub queue_id: Uuid,
    pub defs: Vec<FieldDef>,
    /// Definition names the queue lists but the server does not have.
    pub missing_defs: Vec<String>,
    pub me: String,
    /// Items in my review order.
    pub items: Vec<SessionItem>,
    pub locks: LocksResponse,
    pub current: usize,
    pub stage: Stage,
    /// My submits in this session, newest last (`u` takes them back).
    pub undo: Vec<SubmitRecord>,
}

impl Session {
    pub fn new(
        queue: AnnotationQueue,
        all_defs: &[FeedbackDefinition],
        me: &str,
        data: Vec<ItemData>,
    ) -> Session {
        let queue_id = queue.id.unwrap_or_default();
        let names = queue.feedback_definition_names.clone().unwrap_or_default();
        let (defs, missing_defs) = FieldDef::for_queue(&names, all_defs);
        let ids: Vec<Uuid> = data.iter().filter_map(ItemData::item_id).collect();
        let order = progress::review_order(&ids, me, &queue_id);
        let mut by_id: std::collections::HashMap<Uuid, ItemData> = data
            .into_iter()
            .filter_map(|d| d.item_id().map(|id| (id, d)))
            .collect();
        let items = order
            .into_iter()
            .filter_map(|id| by_id.remove(&id).map(|d| (id, d)))
            .map(|(id, data)| {
                let facts = ItemFacts::from_item(id, data.scores(), data.comments(), &names);
                let comment_ref = my_latest_comment(data.comments(), me, Some(queue_id))
                    .and_then(|c| c.id)
                    .map(CommentRef::Id);
                SessionItem {
                    id,
                    data,
                    facts,
                    form: None,
                    comment_ref,
                    lock: LockState::Claiming,
                    full: false,
                }
            })
            .collect();
        Session {
            queue,
            queue_id,
            defs,
            missing_defs,
            me: me.to_string(),
            items,
            locks: LocksResponse::default(),
            current: 0,
            stage: Stage::Intro,
            undo: Vec::new(),
        }
    }

    pub fn annotators_per_item(&self) -> i64 {
        self.queue.annotators_per_item.unwrap_or(1).max(1)
    }

    fn locks_of(&self, id: &Uuid) -> Option<ItemLocks> {
        self.locks.locks.get(&id.to_string()).cloned()
    }

    pub fn statuses(&self) -> Vec<ItemStatus> {
        self.items
            .iter()
            .map(|it| {
                progress::item_status(
                    &it.facts,
                    &self.me,
                    self.annotators_per_item(),
                    self.locks_of(&it.id).as_ref(),
                )
            })
            .collect()
    }

    pub fn progress(&self) -> Progress {
        let facts: Vec<ItemFacts> = self.items.iter().map(|i| i.facts.clone()).collect();
        Progress::compute(&facts, &self.me, self.annotators_per_item(), &|id| {
            self.locks_of(id)
        })
    }

    /// `Enter` on the intro: go to my first item to review, or finish.
    pub fn start(&mut self) {
        match progress::resume_position(&self.statuses()) {
            Some(i) => self.go(i),
            None => self.stage = Stage::Finished,
        }
    }

    /// Show item `i` (its form is created from my saved values the first time).
    pub fn go(&mut self, i: usize) {
        if i >= self.items.len() {
            return;
        }
        self.current = i;
        self.stage = Stage::Item;
        self.ensure_form(i);
    }

    fn ensure_form(&mut self, i: usize) {
        let defs = self.defs.clone();
        let me = self.me.clone();
        let queue = Some(self.queue_id);
        let Some(item) = self.items.get_mut(i) else {
            return;
        };
        if item.form.is_none() {
            let comment =
                my_latest_comment(item.data.comments(), &me, queue).map(|c| c.text.clone());
            let mut form = ItemForm::with_saved(defs, item.data.scores(), &me, comment.as_deref());
            form.focus = 0;
            item.form = Some(form);
        }
    }

    /// Replace an item's data with a fresher copy (full payload). The form is rebuilt unless
    /// it holds unsaved edits.
    pub fn update_item(&mut self, data: ItemData) {
        let Some(id) = data.item_id() else { return };
        let names = self
            .queue
            .feedback_definition_names
            .clone()
            .unwrap_or_default();
        let me = self.me.clone();
        let queue = Some(self.queue_id);
        let Some(pos) = self.items.iter().position(|i| i.id == id) else {
            return;
        };
        let item = &mut self.items[pos];
        let mut facts = ItemFacts::from_item(id, data.scores(), data.comments(), &names);
        // What I submitted locally may not be on the server yet.
        if item.facts.done_by(&me) {
            facts.annotators.insert(me.clone());
        }
        item.facts = facts;
        if !matches!(
            item.comment_ref,
            Some(CommentRef::Op(_) | CommentRef::Ticket(_))
        ) {
            item.comment_ref = my_latest_comment(data.comments(), &me, queue)
                .and_then(|c| c.id)
                .map(CommentRef::Id);
        }
        item.data = data;
        item.full = true;
        if item.form.as_ref().is_some_and(|f| !f.is_dirty()) {
            item.form = None;
            if self.stage == Stage::Item && self.current == pos {
                self.ensure_form(pos);
            }
        }
    }

    pub fn current_item(&self) -> Option<&SessionItem> {
        self.items.get(self.current)
    }

    pub fn current_form_mut(&mut self) -> Option<&mut ItemForm> {
        self.items.get_mut(self.current)?.form.as_mut()
    }

    /// `n` / `p`: the next / previous item in my order (wrapping), keeping unsaved edits.
    pub fn step(&mut self, dir: i32) {
        let n = self.items.len();
        if n == 0 {
            return;
        }
        let i = (self.current as i64 + dir as i64).rem_euclid(n as i64) as usize;
        self.go(i);
    }

    /// After a submit: the next item to review (wrapping), or finish.
    pub fn advance(&mut self) {
        match progress::next_to_review(&self.statuses(), self.current) {
            Some(i) => self.go(i),
            None => self.stage = Stage::Finished,
        }
    }

    /// Items with unsaved edits (to ask before leaving).
    pub fn unsaved(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.form.as_ref().is_some_and(ItemForm::is_dirty))
            .count()
    }

    /// Submit the current item: validate, turn the edits into writes and hand each to
    /// `enqueue` (the outbox's writer), in order; it answers the op's [`Ticket`], by which
    /// later ops refer to what the op creates (a submitted comment's [`CommentRef::Ticket`])
    /// and an undo takes it back. On validation errors nothing
    /// is sent and the errors are returned (the form shows them inline).
    pub fn submit_current<E>(&mut self, mut enqueue: E) -> Result<usize, SubmitError>
    where
        E: FnMut(WriteOp) -> Result<Ticket, String>,
    {
        let queue_id = self.queue_id;
        let project_name = self.queue.project_name.clone().unwrap_or_default();
        let me = self.me.clone();
        let Some(item) = self.items.get_mut(self.current) else {
            return Ok(0);
        };
        let Some(form) = item.form.as_mut() else {
            return Ok(0);
        };
        let sub = form.submission().map_err(SubmitError::Invalid)?;
        let before = form.clone();
        let was_done = item.facts.done_by(&me);
        let comment_before = item.comment_ref;
        let mut queued: Vec<(Ticket, WriteOp)> = Vec::new();
        let mut enqueue = |op: WriteOp| {
            let id = enqueue(op.clone())?;
            queued.push((id, op));
            Ok::<Ticket, String>(id)
        };
        let mut ops = Vec::new();
        match &item.data {
            ItemData::Trace(_) => {
                for p in &sub.puts {
                    ops.push(WriteOp::PutTraceScore {
                        trace_id: item.id,
                        score: FeedbackScoreItem {
                            name: p.name.clone(),
                            value: Some(p.value),
                            category_name: p.category_name.clone(),
                            reason: p.reason.clone(),
                            source: Some("ui".into()),
                            source_queue_id: Some(queue_id),
                            ..Default::default()
                        },
                    });
                }
                for name in &sub.deletes {
                    ops.push(WriteOp::DeleteTraceScore {
                        trace_id: item.id,
                        name: name.clone(),
                        author: Some(me.clone()),
                    });
                }
            }
            ItemData::Thread(t) => {
                if !sub.puts.is_empty() {
                    ops.push(WriteOp::PutThreadScores {
                        project_name: project_name.clone(),
                        thread_id: t.id.clone(),
                        scores: sub
                            .puts
                            .iter()
                            .map(|p| FeedbackScoreItem {
                                thread_id: Some(t.id.clone()),
                                project_name: Some(project_name.clone()),
                                name: p.name.clone(),
                                value: Some(p.value),
                                category_name: p.category_name.clone(),
                                reason: p.reason.clone(),
                                source: Some("ui".into()),
                                source_queue_id: Some(queue_id),
                                ..Default::default()
                            })
                            .collect(),
                    });
                }
                if !sub.deletes.is_empty() {
                    ops.push(WriteOp::DeleteThreadScores {
                        request: DeleteThreadFeedbackScores {
                            project_name: Some(project_name.clone()),
                            project_id: None,
                            thread_id: t.id.clone(),
                            names: sub.deletes.clone(),
                            author: Some(me.clone()),
                        },
                    });
                }
            }
        }
        let target = match &item.data {
            ItemData::Trace(_) => CommentTarget::Trace { trace_id: item.id },
            ItemData::Thread(t) => CommentTarget::Thread {
                thread_model_id: item.id,
                project_name: project_name.clone(),
                thread_id: t.id.clone(),
            },
        };
        let mut sent = 0;
        for op in ops {
            enqueue(op).map_err(SubmitError::Outbox)?;
            sent += 1;
        }
        match (&sub.comment, item.comment_ref) {
            (CommentChange::None, _) => {}
            (CommentChange::Add(text), _) | (CommentChange::Update(text), None) => {
                let created = enqueue(WriteOp::AddComment {
                    target,
                    text: text.clone(),
                    source_queue_id: Some(queue_id),
                })
                .map_err(SubmitError::Outbox)?;
                item.comment_ref = Some(CommentRef::Ticket(created.0));
                sent += 1;
            }
            (CommentChange::Update(text), Some(c)) => {
                enqueue(WriteOp::UpdateComment {
                    target,
                    comment: c,
                    text: text.clone(),
                })
                .map_err(SubmitError::Outbox)?;
                sent += 1;
            }
            (CommentChange::Delete, Some(c)) => {
                enqueue(WriteOp::DeleteComment { target, comment: c })
                    .map_err(SubmitError::Outbox)?;
                item.comment_ref = None;
                sent += 1;
            }
            (CommentChange::Delete, None) => {}
        }
        form.mark_submitted();
        // Optimistic: the item is done for me as soon as it holds a score or a comment of mine.
        if form.has_any_value() {
            item.facts.annotators.insert(me);
        } else {
            item.facts.annotators.remove(&me);
        }
        if !queued.is_empty() {
            let item = item.id;
            self.undo.push(SubmitRecord {
                item,
                ops: queued,
                form: before,
                comment_ref: comment_before,
                was_done,
            });
        }
        Ok(sent)
    }

    /// Drop an item (removed from the queue); the current position stays valid.
    pub fn remove_item(&mut self, id: Uuid) {
        let Some(pos) = self.items.iter().position(|i| i.id == id) else {
            return;
        };
        self.items.remove(pos);
        if self.items.is_empty() {
            self.stage = Stage::Finished;
            self.current = 0;
            return;
        }
        if pos < self.current || self.current >= self.items.len() {
            self.current = self.current.saturating_sub(1).min(self.items.len() - 1);
        }
        if self.stage == Stage::Item {
            self.go(self.current);
        }
    }

    /// A submitted op was stored as op `id`: a comment it creates is now known by that op.
    pub fn op_stored(&mut self, ticket: Ticket, id: OpId) {
        for it in &mut self.items {
            if it.comment_ref == Some(CommentRef::Ticket(ticket.0)) {
                it.comment_ref = Some(CommentRef::Op(id));
            }
        }
    }

    /// The outbox created my comment: remember its id.
    pub fn comment_created(&mut self, op: OpId, comment_id: Uuid) {
        for it in &mut self.items {
            if it.comment_ref == Some(CommentRef::Op(op)) {
                it.comment_ref = Some(CommentRef::Id(comment_id));
            }
        }
    }
}

/// Why a submit did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum SubmitError {
    /// Inline errors by field index.
    Invalid(Vec<(usize, String)>),
    /// The outbox file could not be written.
    Outbox(String),
}

#[cfg(test)]
mod tests;
