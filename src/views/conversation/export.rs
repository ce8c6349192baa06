//! The conversation as a markdown document (`e`): the thread's facts, scores, tags and
//! comments, then one `## Turn N` section per turn with its scores, tags, error, messages and
//! comments. Message text is nested under its turn ([`nest`]: its headings demoted, or fenced
//! when it would run into the next section), so the document keeps its shape.

use std::fmt::Write;

use super::{Conversation, Turn};
use crate::opik::messages::Body;
use crate::opik::model::{Comment, FeedbackScore};
use crate::render::json;
use crate::render::markdown::nest::{fenced, nest};
use crate::render::sanitize::one_line;
use crate::widgets::list::cells;

impl Conversation {
    /// The conversation as a markdown document (`e`).
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# Conversation {}\n\n", one_line(&self.thread_id));
        let _ = write!(
            out,
            "Project: {}  \nGrouped by: {}  \nTurns: {}",
            one_line(&self.project),
            one_line(&self.grouping.label()),
            self.turns.len()
        );
        if let Some(t) = &self.thread {
            if let Some(st) = &t.status {
                let _ = write!(out, "  \nStatus: {}", one_line(st));
            }
            facts(&mut out, t.feedback_scores.as_deref(), t.tags.as_deref());
            out.push('\n');
            comments(
                &mut out,
                "## Thread comments",
                t.comments.as_deref().unwrap_or_default(),
            );
        } else {
            out.push('\n');
        }
        for (i, t) in self.turns.iter().enumerate() {
            turn(&mut out, i + 1, t);
        }
        out
    }
}

/// `Scores: …` and `Tags: …` lines (after a line ending in a hard break).
fn facts(out: &mut String, scores: Option<&[FeedbackScore]>, tags: Option<&[String]>) {
    if let Some(s) = scores.filter(|s| !s.is_empty()) {
        let list: Vec<String> = s
            .iter()
            .map(|s| {
                let v = cells::score_text(s.value, s.category_name.as_deref());
                format!("{} {v}", one_line(&s.name))
            })
            .collect();
        let _ = write!(out, "  \nScores: {}", list.join(" · "));
    }
    if let Some(t) = tags.filter(|t| !t.is_empty()) {
        let _ = write!(out, "  \nTags: {}", cells::tags(t));
    }
}

/// A `heading` and one bullet per comment (author, time, text on one line).
fn comments(out: &mut String, heading: &str, list: &[Comment]) {
    if list.is_empty() {
        return;
    }
    let _ = write!(out, "\n{heading}\n\n");
    for c in list {
        let who = c.created_by.as_deref().map(one_line).unwrap_or_default();
        let when = c
            .created_at
            .map(|t| format!(" ({})", t.to_rfc3339()))
            .unwrap_or_default();
        let _ = writeln!(out, "- **{who}**{when}: {}", one_line(&c.text));
    }
}

/// One `## Turn n` section.
fn turn(out: &mut String, n: usize, t: &Turn) {
    let _ = write!(out, "\n## Turn {n}");
    if let Some(s) = t.start {
        let _ = write!(out, " — {}", s.to_rfc3339());
    }
    match t.thumb.shown() {
        Some(1) => out.push_str(" (👍)"),
        Some(_) => out.push_str(" (👎)"),
        None => {}
    }
    out.push('\n');
    if let Some(id) = t.trace_id {
        let _ = write!(out, "\nTrace `{id}`");
        facts(out, Some(&t.scores), Some(&t.tags));
        out.push('\n');
    }
    if let Some(e) = &t.error_info {
        let what = [e.exception_type.as_deref(), e.message.as_deref()]
            .into_iter()
            .flatten()
            .map(one_line)
            .collect::<Vec<_>>()
            .join(": ");
        let _ = writeln!(out, "\n**Error:** {what}");
    }
    for (role, body) in [("User", &t.user), ("Assistant", &t.assistant)] {
        let _ = write!(out, "\n**{role}:**\n\n");
        match body {
            Body::Markdown(s) | Body::Plain(s) => out.push_str(nest(s, 2).trim_end()),
            Body::Json(s) => out.push_str(&fenced(s.trim_end(), "json")),
            Body::Raw(v) => out.push_str(&fenced(&json::pretty(v), "json")),
            Body::Empty if role == "Assistant" && t.error_info.is_some() => {
                out.push_str("_(no output: the call failed)_");
            }
            Body::Empty => out.push_str("_(empty)_"),
        }
        out.push('\n');
    }
    comments(out, "**Comments:**", &t.comments);
}
