//! What the outbox queues: the write ops, what they refer to, and a pending op as stored.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::OpId;
use crate::opik::model::{DeleteThreadFeedbackScores, FeedbackScoreItem};

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
    pub(super) fn entity(&self) -> String {
        match self {
            CommentTarget::Trace { trace_id } => format!("trace:{trace_id}"),
            CommentTarget::Span { span_id } => format!("span:{span_id}"),
            CommentTarget::Thread {
                thread_model_id, ..
            } => format!("thread-model:{thread_model_id}"),
        }
    }
}

/// A comment that exists on the server (`Id`), that an earlier op creates (`Op`), or whose
/// create was submitted and is not stored yet (`Ticket`: the writer turns it into `Op`
/// before storing, so it is never in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentRef {
    Id(Uuid),
    Op(OpId),
    Ticket(u64),
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

    pub(super) fn comment_ref(&self) -> Option<CommentRef> {
        match self {
            WriteOp::UpdateComment { comment, .. } | WriteOp::DeleteComment { comment, .. } => {
                Some(*comment)
            }
            _ => None,
        }
    }

    pub(super) fn with_comment_id(self, id: Uuid) -> Self {
        self.with_comment_ref(CommentRef::Id(id))
    }

    pub(super) fn with_comment_ref(mut self, to: CommentRef) -> Self {
        if let WriteOp::UpdateComment { comment, .. } | WriteOp::DeleteComment { comment, .. } =
            &mut self
        {
            *comment = to;
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
