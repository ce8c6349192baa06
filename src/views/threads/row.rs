//! A threads-list row: one Opik thread (or one conversation grouped by a metadata key),
//! sanitised once when it enters the model; the list's columns, cells and sort orders, and
//! the local search and sort of grouped conversations.

use chrono::{DateTime, Utc};

use crate::opik::messages::{self, Kind};
use crate::opik::model::Thread;
use crate::render::{format, sanitize};
use crate::theme::Theme;
use crate::widgets::list::SortOption;
use crate::widgets::list::cells::{clip, compact_scores, dash, tags, time};
use crate::widgets::table::{Cell, Column};

/// One row, sanitised once when it enters the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadRow {
    pub id: String,
    pub first: String,
    pub last: String,
    pub turns: Option<i64>,
    pub duration_ms: Option<f64>,
    pub updated: Option<DateTime<Utc>>,
    pub cost: Option<f64>,
    pub tokens: Option<i64>,
    pub active: bool,
    pub status: String,
    pub scores: String,
    pub first_score: Option<f64>,
    pub tags: String,
    /// The server's `thread_model_id` (what annotation queues hold); `None` for
    /// conversations grouped by a metadata key.
    pub model_id: Option<uuid::Uuid>,
}

impl ThreadRow {
    pub fn from_thread(t: &Thread) -> ThreadRow {
        let scores = t.feedback_scores.as_deref().unwrap_or_default();
        let status = t.status.clone().unwrap_or_default();
        ThreadRow {
            // Raw: it is sent back to the server (retrieve, search); cells sanitise it.
            id: t.id.clone(),
            first: clip(messages::preview(t.first_message.as_ref(), Kind::Input)),
            last: clip(messages::preview(t.last_message.as_ref(), Kind::Output)),
            turns: t.number_of_messages.map(|n| {
                // Opik counts messages (input + output per trace); a turn is one trace.
                n.saturating_add(1) / 2
            }),
            duration_ms: t.duration.or_else(|| match (t.start_time, t.end_time) {
                (Some(s), Some(e)) => Some((e - s).num_milliseconds() as f64),
                _ => None,
            }),
            updated: t.last_updated_at.or(t.end_time),
            cost: t.total_estimated_cost,
            tokens: t
                .usage
                .as_ref()
                .and_then(|u| u.get("total_tokens").copied()),
            active: status == "active",
            status: sanitize::one_line(&status),
            scores: compact_scores(scores),
            first_score: scores.first().and_then(|s| s.value),
            tags: tags(t.tags.as_deref().unwrap_or_default()),
            model_id: t.thread_model_id,
        }
    }
}

/// Sorts `s` cycles through (server fields), with the column that shows the arrow.
pub const SORTS: &[SortOption] = &[
    SortOption::by("updated", "last_updated_at", true, 5),
    SortOption::by("turns", "number_of_messages", true, 3),
    SortOption::by("duration", "duration", true, 4),
    SortOption::by("cost", "total_estimated_cost", true, 6),
    SortOption::by("started", "start_time", true, 5),
    SortOption::by("id", "id", false, 0),
];

/// The list's columns; "Updated" is wider when shown as an absolute date (`t`).
pub fn columns(absolute_time: bool) -> Vec<Column> {
    vec![
        Column::flex("Thread", 2, 16),
        Column::flex("First message", 3, 12).optional(6),
        Column::flex("Last message", 3, 12).optional(5),
        Column::fixed("Turns", 5).right(),
        Column::fixed("Duration", 8).right().optional(2),
        Column::fixed("Updated", if absolute_time { 19 } else { 10 }),
        Column::fixed("Cost", format::COST_WIDTH)
            .right()
            .optional(3),
        Column::fixed("Tokens", 6).right().optional(1),
        Column::fixed("Status", 8),
        Column::flex("Scores", 2, 10).optional(4),
        Column::flex("Tags", 1, 10).optional(1),
    ]
}

pub fn cell(r: &ThreadRow, c: usize, now: DateTime<Utc>, abs: bool, t: &Theme) -> Cell {
    match c {
        0 => (sanitize::one_line(&r.id), t.accent),
        1 => (r.first.clone(), t.text),
        2 => (r.last.clone(), t.text),
        3 => (r.turns.map(|n| n.to_string()).unwrap_or_else(dash), t.text),
        4 => (
            r.duration_ms.map(format::duration_ms).unwrap_or_else(dash),
            t.text,
        ),
        5 => (time(r.updated, now, abs), t.dim),
        6 => (r.cost.map(format::cost).unwrap_or_else(dash), t.text),
        7 => (
            r.tokens
                .map(|n| format::tokens(n as f64))
                .unwrap_or_else(dash),
            t.text,
        ),
        8 if r.active => ("● active".into(), t.success),
        8 => (r.status.clone(), t.dim),
        9 => (
            r.scores.clone(),
            r.first_score.map(|v| t.score(v, 0.0, 1.0)).unwrap_or(t.dim),
        ),
        _ => (r.tags.clone(), t.info),
    }
}

/// Rows of grouped conversations, searched (`search`, any case, in the id and messages) and
/// sorted by the server field `field` here, as the server would.
pub fn local_rows(grouped: &[Thread], search: &str, field: &str, desc: bool) -> Vec<ThreadRow> {
    let q = search.to_lowercase();
    let mut rows: Vec<(ThreadRow, &Thread)> = grouped
        .iter()
        .map(|t| (ThreadRow::from_thread(t), t))
        .filter(|(r, _)| {
            q.is_empty()
                || r.id.to_lowercase().contains(&q)
                || r.first.to_lowercase().contains(&q)
                || r.last.to_lowercase().contains(&q)
        })
        .collect();
    rows.sort_by(|(a, ta), (b, tb)| {
        let o = match field {
            "number_of_messages" => a.turns.cmp(&b.turns),
            "duration" => a
                .duration_ms
                .unwrap_or(0.0)
                .total_cmp(&b.duration_ms.unwrap_or(0.0)),
            "total_estimated_cost" => a.cost.unwrap_or(0.0).total_cmp(&b.cost.unwrap_or(0.0)),
            "start_time" => ta.start_time.cmp(&tb.start_time),
            "id" => a.id.cmp(&b.id),
            _ => a.updated.cmp(&b.updated),
        };
        if desc { o.reverse() } else { o }
    });
    rows.into_iter().map(|(r, _)| r).collect()
}
