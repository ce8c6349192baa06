//! What the detail pane describes (a trace or one span, as plain data) and its tabs.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::opik::dify;
use crate::opik::model::{Comment, ErrorInfo, FeedbackScore, Span, Trace};

/// Payloads at least this big (serialised bytes) render in the background.
pub const LAZY_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    /// Input above Output, as Opik's trace sidebar shows them.
    InputOutput,
    Metadata,
    Usage,
    Scores,
    Error,
    Comments,
}

pub const TABS: [Tab; 6] = [
    Tab::InputOutput,
    Tab::Metadata,
    Tab::Usage,
    Tab::Scores,
    Tab::Error,
    Tab::Comments,
];

impl Tab {
    pub(super) fn label(self) -> &'static str {
        match self {
            Tab::InputOutput => "Input/Output",
            Tab::Metadata => "Metadata",
            Tab::Usage => "Usage",
            Tab::Scores => "Scores",
            Tab::Error => "Error",
            Tab::Comments => "Comments",
        }
    }
}

/// What the detail pane describes: the trace or one span, as plain data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    pub id: Option<Uuid>,
    pub kind: String,
    pub name: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub duration_ms: Option<f64>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub usage: Vec<(String, i64)>,
    /// Where `usage` was found when not in the own `usage` field (Dify: `output.usage`,
    /// `metadata.total_tokens`).
    pub usage_from: Option<&'static str>,
    /// The name as logged, when the shown `name` was made readable ([`dify::display_name`]).
    pub logged_name: Option<String>,
    pub cost: Option<f64>,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub metadata: Option<Value>,
    pub tags: Vec<String>,
    pub scores: Vec<FeedbackScore>,
    pub error: Option<ErrorInfo>,
    pub comments: Vec<Comment>,
}

/// The usage source worth saying (anything but the own field).
fn used_from(src: Option<dify::UsageSource>) -> Option<&'static str> {
    src.filter(|s| *s != dify::UsageSource::Own)
        .map(dify::UsageSource::describe)
}

/// A duration in ms: the logged one, else from the start and end times.
pub(super) fn duration_of(
    d: Option<f64>,
    s: Option<DateTime<Utc>>,
    e: Option<DateTime<Utc>>,
) -> Option<f64> {
    d.or_else(|| Some((e? - s?).num_microseconds()? as f64 / 1000.0))
}

impl Subject {
    pub fn from_trace(t: &Trace) -> Subject {
        let meta = t.metadata.as_ref();
        let name = dify::display_name(t.name.as_deref(), None, meta);
        let (model, provider) = dify::model_provider(None, None, meta);
        let (usage, src) = dify::usage(t.usage.as_ref(), meta, None);
        Subject {
            id: t.id,
            kind: "trace".into(),
            logged_name: t.name.clone().filter(|n| *n != name),
            name,
            start: t.start_time,
            end: t.end_time,
            duration_ms: duration_of(t.duration, t.start_time, t.end_time),
            model,
            provider: t
                .providers
                .as_ref()
                .map(|p| p.join(", "))
                .filter(|s| !s.is_empty())
                .or(provider),
            usage,
            usage_from: used_from(src),
            cost: t.total_estimated_cost,
            input: t.input.clone(),
            output: t.output.clone(),
            metadata: t.metadata.clone(),
            tags: t.tags.clone().unwrap_or_default(),
            scores: t.feedback_scores.clone().unwrap_or_default(),
            error: t.error_info.clone(),
            comments: t.comments.clone().unwrap_or_default(),
        }
    }

    pub fn from_span(s: &Span) -> Subject {
        let meta = s.metadata.as_ref();
        let name = dify::display_name(s.name.as_deref(), s.span_type.as_deref(), meta);
        let (model, provider) =
            dify::model_provider(s.model.as_deref(), s.provider.as_deref(), meta);
        let (usage, src) = dify::usage(s.usage.as_ref(), meta, s.output.as_ref());
        Subject {
            id: s.id,
            kind: s.span_type.clone().unwrap_or_else(|| "general".into()),
            logged_name: s.name.clone().filter(|n| *n != name),
            name,
            start: s.start_time,
            end: s.end_time,
            duration_ms: duration_of(s.duration, s.start_time, s.end_time),
            model,
            provider,
            usage,
            usage_from: used_from(src),
            cost: s.total_estimated_cost.or_else(|| dify::metadata_cost(meta)),
            input: s.input.clone(),
            output: s.output.clone(),
            metadata: s.metadata.clone(),
            tags: s.tags.clone().unwrap_or_default(),
            scores: s.feedback_scores.clone().unwrap_or_default(),
            error: s.error_info.clone(),
            comments: s.comments.clone().unwrap_or_default(),
        }
    }

    pub(super) fn tokens(&self) -> Option<i64> {
        dify::total_tokens(&self.usage)
    }
}

/// Rough serialised size of a JSON value without serialising it.
pub fn approx_size(v: &Value) -> usize {
    let mut total = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        total += match v {
            Value::Null | Value::Bool(_) => 5,
            Value::Number(_) => 8,
            Value::String(s) => s.len() + 2,
            Value::Array(a) => {
                stack.extend(a.iter());
                2 + a.len()
            }
            Value::Object(m) => {
                for (k, v) in m {
                    total += k.len() + 4;
                    stack.push(v);
                }
                2
            }
        };
        if total >= LAZY_BYTES * 4 {
            break;
        }
    }
    total
}
