//! The threads list's filter (`f`) and `A` (add every matching row to a queue).
//!
//! Grouped by `thread_id`, the filter is an Opik thread filter sent with every page
//! (`feedback_scores."User feedback" = 0`, `number_of_messages > 3`, …) and `A` adds the
//! matching threads to a thread queue. Grouped by a metadata key, the filter is a trace filter
//! added to the scan, so conversations are made of the matching traces; `A` then adds the
//! traces of every conversation the search leaves to a trace queue.
//!
//! Grouped by `thread_id`, a filter prefixed with `turns:` is a trace filter on the threads'
//! turns (`turns: feedback_scores."User feedback" = 0`: the threads with a thumbed-down turn,
//! a trace-level score that a thread filter cannot see). It runs the metadata scan's machinery
//! with `thread_id is_not_empty` instead of the metadata key, over the `[`/`]` range; `A` then
//! adds the threads shown to a thread queue.

use std::collections::HashSet;

use crate::app::{Ctx, Handled};
use crate::opik::conversations::{self, Grouping};
use crate::opik::filter_string::{self, Entity, FilterError};
use crate::opik::model::Filter;
use crate::views::queues::{AddToQueueScreen, Matching};
use crate::widgets::list::PromptKind;

use super::{ThreadsMsg, ThreadsScreen};

/// Said when `space`/`a` hits a conversation grouped by a metadata key.
const NOT_QUEUEABLE: &str = "only Opik threads (grouped by thread_id) can be added to an annotation queue: press b to group by thread_id";
/// Said when `space`/`a` hits a row of a `turns:` filter.
const TURNS_NOT_MARKABLE: &str = "rows of a turns: filter cannot be marked: A adds them all to a thread queue (Esc clears the filter)";

/// The prefix that makes the threads' filter a trace filter on their turns.
pub const TURNS: &str = "turns:";

/// `turns: COND` → `Some(COND)`; any other filter → `None`.
pub fn turns_filter(text: &str) -> Option<&str> {
    let t = text.trim_start();
    t.get(..TURNS.len())
        .filter(|p| p.eq_ignore_ascii_case(TURNS))
        .and_then(|_| t.get(TURNS.len()..))
        .map(str::trim)
}

impl ThreadsScreen {
    /// What the filter selects: threads, or the traces a metadata scan reads.
    fn filter_entity(&self) -> Entity {
        match self.grouping {
            Grouping::ThreadId => Entity::Threads,
            Grouping::Metadata(_) => Entity::Traces,
        }
    }

    /// A filter string read for these rows: whether it is a `turns:` filter, and its
    /// conditions.
    fn parse_filter(&self, text: &str) -> Result<(bool, Vec<Filter>), FilterError> {
        match turns_filter(text) {
            Some(cond) => Ok((true, filter_string::parse(cond, Entity::Traces)?)),
            None => Ok((false, filter_string::parse(text, self.filter_entity())?)),
        }
    }

    /// The rows come from a scan of traces: a metadata grouping or a `turns:` filter.
    pub(super) fn scanning(&self) -> bool {
        self.turns || matches!(self.grouping, Grouping::Metadata(_))
    }

    /// No filter any more (Esc, an empty prompt).
    pub(super) fn clear_filter(&mut self) {
        self.filters.clear();
        self.turns = false;
    }

    /// The hint bar while a prompt is open: with the filter's, what `turns:` does.
    pub(super) fn prompt_hints(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = vec![("Enter", "apply"), ("Esc", "cancel")];
        if self.list.prompts.open_kind() == Some(PromptKind::Filter)
            && self.grouping == Grouping::ThreadId
        {
            out.push((
                "turns: …",
                "by their turns (thumbed-down turns); else by the thread",
            ));
        }
        out
    }

    /// The help's line on `f turns:`.
    pub(super) fn filter_help(&self) -> Vec<(String, String)> {
        vec![(
            "f turns: …".into(),
            "Filter threads by their turns (e.g. thumbed-down turns: turns: feedback_scores.\"User feedback\" = 0); without turns: by the thread's own fields and scores".into(),
        )]
    }

    /// Why `space`/`a` cannot take the selected row.
    pub(super) fn not_queueable(&self) -> &'static str {
        if self.turns && self.grouping == Grouping::ThreadId {
            TURNS_NOT_MARKABLE
        } else {
            NOT_QUEUEABLE
        }
    }

    /// A submitted filter string: applied if it parses, else explained under the prompt.
    pub(super) fn apply_filter(&mut self, text: String, ctx: &mut Ctx<ThreadsMsg>) {
        match self.parse_filter(&text) {
            Ok((turns, f)) => {
                self.filters = f;
                self.turns = turns;
                self.list.filter_applied(text);
                self.reload(ctx);
            }
            Err(e) => self.list.prompts.filter_invalid(e.to_string()),
        }
    }

    /// The grouping changed: read the applied filter again for the new kind of rows, and
    /// drop it (saying why) when it does not apply to them.
    pub(super) fn refilter(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        let text = self.list.prompts.filter.clone();
        if text.is_empty() {
            self.clear_filter();
            return;
        }
        match self.parse_filter(&text) {
            Ok((turns, f)) => {
                self.filters = f;
                self.turns = turns;
            }
            Err(e) => {
                self.clear_filter();
                self.list.prompts.filter.clear();
                let what = match self.filter_entity() {
                    Entity::Threads => "threads",
                    _ => "the traces of metadata conversations",
                };
                ctx.toast_error(format!("filter dropped: it does not apply to {what} ({e})"));
            }
        }
    }

    /// `A`: every row the filter and search select goes to a queue (after a count and a
    /// question).
    pub(super) fn add_matching(&mut self, ctx: &mut Ctx<ThreadsMsg>) -> Handled {
        let Some(env) = &self.env else {
            return Handled::No;
        };
        if self.scanning() && self.scan.as_ref().is_some_and(|s| !s.done) {
            ctx.toast_error("the scan for conversations is still running: A when it is done");
            return Handled::Yes;
        }
        let m = match &self.grouping {
            Grouping::ThreadId if self.turns => Matching::ThreadIds {
                project: self.project.clone(),
                thread_ids: self.list.rows.iter().map(|r| r.id.clone()).collect(),
            },
            Grouping::ThreadId => Matching::Threads {
                project: self.project.clone(),
                filters: self.filters.clone(),
                search: self.list.prompts.search_query(),
            },
            Grouping::Metadata(_) => {
                let keys: HashSet<&str> = self.list.rows.iter().map(|r| r.id.as_str()).collect();
                Matching::TraceIds {
                    project: self.project.clone(),
                    ids: conversations::trace_ids(&self.scanned, &self.grouping, &keys),
                }
            }
        };
        AddToQueueScreen::open_matching(env, m, ctx);
        Handled::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turns_prefix_makes_the_rest_a_trace_filter() {
        assert_eq!(
            turns_filter(r#"turns: feedback_scores."User feedback" = 0"#),
            Some(r#"feedback_scores."User feedback" = 0"#)
        );
        assert_eq!(turns_filter("  TURNS:name = \"x\" "), Some("name = \"x\""));
        assert_eq!(turns_filter("turns:"), Some(""));
        assert_eq!(turns_filter(r#"feedback_scores."User feedback" = 0"#), None);
        assert_eq!(turns_filter("turn: x"), None);
        assert_eq!(turns_filter("tür"), None, "no panic inside a character");
        let mut s = ThreadsScreen::with_rows("p", Vec::new(), None);
        let (turns, f) = s
            .parse_filter(r#"turns: feedback_scores."User feedback" = 0"#)
            .expect("parses");
        assert!(turns);
        assert_eq!(
            f,
            filter_string::parse(r#"feedback_scores."User feedback" = 0"#, Entity::Traces)
                .expect("trace filter")
        );
        // Without the prefix it stays a thread filter.
        let (turns, _) = s.parse_filter("number_of_messages > 3").expect("thread");
        assert!(!turns);
        assert!(s.parse_filter("turns: duration >").is_err());
        s.turns = true;
        assert!(s.scanning());
        s.clear_filter();
        assert!(!s.scanning());
    }
}
