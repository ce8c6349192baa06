//! The threads list's filter (`f`) and `A` (add every matching row to a queue).
//!
//! Grouped by `thread_id`, the filter is an Opik thread filter sent with every page
//! (`feedback_scores."User feedback" = 0`, `number_of_messages > 3`, …) and `A` adds the
//! matching threads to a thread queue. Grouped by a metadata key, the filter is a trace filter
//! added to the scan, so conversations are made of the matching traces; `A` then adds the
//! traces of every conversation the search leaves to a trace queue.

use std::collections::HashSet;

use crate::app::{Ctx, Handled};
use crate::opik::conversations::{self, Grouping};
use crate::opik::filter_string::{self, Entity};
use crate::views::queues::{AddToQueueScreen, Matching};

use super::{ThreadsMsg, ThreadsScreen};

impl ThreadsScreen {
    /// What the filter selects: threads, or the traces a metadata scan reads.
    fn filter_entity(&self) -> Entity {
        match self.grouping {
            Grouping::ThreadId => Entity::Threads,
            Grouping::Metadata(_) => Entity::Traces,
        }
    }

    /// A submitted filter string: applied if it parses, else explained under the prompt.
    pub(super) fn apply_filter(&mut self, text: String, ctx: &mut Ctx<ThreadsMsg>) {
        match filter_string::parse(&text, self.filter_entity()) {
            Ok(f) => {
                self.filters = f;
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
            self.filters.clear();
            return;
        }
        match filter_string::parse(&text, self.filter_entity()) {
            Ok(f) => self.filters = f,
            Err(e) => {
                self.filters.clear();
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
        let m = match &self.grouping {
            Grouping::ThreadId => Matching::Threads {
                project: self.project.clone(),
                filters: self.filters.clone(),
                search: self.list.prompts.search_query(),
            },
            Grouping::Metadata(_) => {
                if self.scan.as_ref().is_some_and(|s| !s.done) {
                    ctx.toast_error(
                        "the scan for conversations is still running: A when it is done",
                    );
                    return Handled::Yes;
                }
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
