//! One turn of a conversation (a trace): its user and assistant messages, facts, and thumb.

use serde_json::Value;
use uuid::Uuid;

use crate::opik::messages::{self, Body, Kind};
use crate::opik::model::{Comment, ErrorInfo, FeedbackScore, Timestamp, Trace};
use crate::render::sanitize::one_line;

/// The score name Opik's web UI uses for thumbs.
pub const USER_FEEDBACK: &str = "User feedback";

/// A thumb as shown: the server's value, a local change not yet confirmed, and whether the
/// change is waiting in the outbox after a failure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thumb {
    /// "User feedback" value on the server (1 up, 0 down), as last read.
    pub server: Option<u8>,
    /// A local change in flight: `Some(None)` is a removal.
    pub local: Option<Option<u8>>,
    /// The change failed and waits in the outbox to be retried.
    pub queued: bool,
}

impl Thumb {
    /// What the user sees.
    pub fn shown(&self) -> Option<u8> {
        self.local.unwrap_or(self.server)
    }

    fn from_scores(scores: Option<&Vec<FeedbackScore>>) -> Thumb {
        let server = scores
            .and_then(|s| s.iter().find(|f| f.name == USER_FEEDBACK))
            .and_then(|f| f.value)
            .map(|v| if v >= 0.5 { 1 } else { 0 });
        Thumb {
            server,
            local: None,
            queued: false,
        }
    }
}

/// What a thumb press asks the server to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThumbOp {
    /// `PUT /traces/{id}/feedback-scores {name: "User feedback", value, source: "ui"}`.
    Set { trace_id: Uuid, value: u8 },
    /// `POST /traces/{id}/feedback-scores/delete {name: "User feedback"}`.
    Delete { trace_id: Uuid },
}

impl ThumbOp {
    pub fn trace_id(&self) -> Uuid {
        match self {
            ThumbOp::Set { trace_id, .. } | ThumbOp::Delete { trace_id } => *trace_id,
        }
    }
}

/// One turn: a trace of the thread.
#[derive(Debug, Clone)]
pub struct Turn {
    pub trace_id: Option<Uuid>,
    pub name: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub duration_ms: Option<f64>,
    pub cost: Option<f64>,
    pub error: Option<String>,
    /// The trace's error in full (the export shows its type and message).
    pub error_info: Option<ErrorInfo>,
    /// The trace's feedback scores, tags and comments (the export lists them).
    pub scores: Vec<FeedbackScore>,
    pub tags: Vec<String>,
    pub comments: Vec<Comment>,
    pub user: Body,
    pub assistant: Body,
    pub thumb: Thumb,
}

impl Turn {
    pub fn from_trace(t: &Trace) -> Turn {
        let meta = t.metadata.as_ref();
        let user = messages::body_from(
            t.input.as_ref().unwrap_or(&Value::Null),
            messages::prettify_trace_field(t.input.as_ref(), t.output.as_ref(), meta, Kind::Input),
        );
        let assistant = messages::body_from(
            t.output.as_ref().unwrap_or(&Value::Null),
            messages::prettify_trace_field(t.input.as_ref(), t.output.as_ref(), meta, Kind::Output),
        );
        let fix_empty = |b: Body, v: Option<&Value>| match v {
            None | Some(Value::Null) => Body::Empty,
            _ => b,
        };
        Turn {
            trace_id: t.id,
            name: one_line(&crate::opik::dify::display_name(
                t.name.as_deref(),
                None,
                t.metadata.as_ref(),
            )),
            start: t.start_time,
            end: t.end_time,
            duration_ms: t.duration.or_else(|| match (t.start_time, t.end_time) {
                (Some(s), Some(e)) => Some((e - s).num_milliseconds() as f64),
                _ => None,
            }),
            cost: t.total_estimated_cost,
            error: t.error_info.as_ref().map(|e| {
                one_line(
                    e.message
                        .as_deref()
                        .or(e.exception_type.as_deref())
                        .unwrap_or("error"),
                )
            }),
            error_info: t.error_info.clone(),
            scores: t.feedback_scores.clone().unwrap_or_default(),
            tags: t.tags.clone().unwrap_or_default(),
            comments: t.comments.clone().unwrap_or_default(),
            user: fix_empty(user, t.input.as_ref()),
            assistant: fix_empty(assistant, t.output.as_ref()),
            thumb: Thumb::from_scores(t.feedback_scores.as_ref()),
        }
    }
}
