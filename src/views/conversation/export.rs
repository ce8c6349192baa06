//! The conversation as a markdown document (`e`).

use super::Conversation;
use crate::opik::messages::Body;
use crate::render::json;

impl Conversation {
    /// The conversation as a markdown document (`e`): one section per turn with the user's
    /// and the assistant's messages as extracted; raw values as fenced JSON.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# Conversation {}\n\n", self.thread_id);
        out.push_str(&format!(
            "Project: {}  \nGrouped by: {}  \nTurns: {}\n",
            self.project,
            self.grouping.label(),
            self.turns.len()
        ));
        for (i, t) in self.turns.iter().enumerate() {
            out.push_str(&format!("\n## Turn {}", i + 1));
            if let Some(s) = t.start {
                out.push_str(&format!(" — {}", s.to_rfc3339()));
            }
            match t.thumb.shown() {
                Some(1) => out.push_str(" (👍)"),
                Some(_) => out.push_str(" (👎)"),
                None => {}
            }
            out.push('\n');
            if let Some(id) = t.trace_id {
                out.push_str(&format!("\nTrace `{id}`\n"));
            }
            for (role, body) in [("User", &t.user), ("Assistant", &t.assistant)] {
                out.push_str(&format!("\n**{role}:**\n\n"));
                match body {
                    Body::Markdown(s) | Body::Plain(s) => out.push_str(s.trim_end()),
                    Body::Json(s) => out.push_str(&format!("```json\n{}\n```", s.trim_end())),
                    Body::Raw(v) => out.push_str(&format!("```json\n{}\n```", json::pretty(v))),
                    Body::Empty => out.push_str("_(empty)_"),
                }
                out.push('\n');
            }
        }
        out
    }
}
