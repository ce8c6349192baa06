//! The questions of a fill (`A`), as pure state: count the matches, pick a queue, confirm
//! ("Add N traces to Q? (y/n)", and once more above [`CONFIRM_ABOVE`]), then show the
//! progress while the batches run. [`super::AddToQueueScreen`] drives it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::fill::{CONFIRM_ABOVE, FillProgress, Matching};
use crate::opik::model::AnnotationQueue;
use crate::render::format::thousands;
use crate::render::sanitize::one_line;

/// Where a fill is.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Picking the queue.
    Pick,
    /// Asking whether to add to queue `id` named `name`; `again` is the second question
    /// above [`CONFIRM_ABOVE`].
    Confirm {
        id: Option<Uuid>,
        name: String,
        again: bool,
    },
    /// Adding, batch by batch.
    Running {
        queue: String,
        progress: FillProgress,
    },
}

/// A fill from a list's filter and search.
#[derive(Debug, Clone, PartialEq)]
pub struct FillFlow {
    pub matching: Matching,
    /// The moment the set is frozen at (counted and read up to).
    pub until: DateTime<Utc>,
    /// The number of matches, once counted.
    pub count: Option<Result<u64, String>>,
    pub stage: Stage,
}

fn n(v: u64) -> String {
    thousands(i64::try_from(v).unwrap_or(i64::MAX))
}

impl FillFlow {
    pub fn new(matching: Matching, until: DateTime<Utc>) -> FillFlow {
        FillFlow {
            matching,
            until,
            count: None,
            stage: Stage::Pick,
        }
    }

    /// What is added, in words: `the 1,234 traces matching the filter and search`.
    fn what(&self, count: u64) -> String {
        let label = self.matching.count_label(count);
        match &self.matching {
            Matching::TraceIds { .. } => format!("the {label} of these conversations"),
            Matching::ThreadIds { .. } => format!("the {label} whose turns match the filter"),
            Matching::Traces {
                filters, search, ..
            }
            | Matching::Threads {
                filters, search, ..
            } => {
                let by = match (
                    filters.is_empty(),
                    search.as_deref().unwrap_or("").is_empty(),
                ) {
                    (true, true) => return format!("all {label}"),
                    (false, true) => "the filter",
                    (true, false) => "the search",
                    (false, false) => "the filter and search",
                };
                format!("the {label} matching {by}")
            }
        }
    }

    /// The picker's heading.
    pub fn title(&self) -> String {
        let noun = self.matching.scope();
        match &self.count {
            None => format!("Counting the {noun}s that match…"),
            Some(Err(e)) => format!("Could not count the {noun}s: {}", one_line(e)),
            Some(Ok(0)) => format!("No {noun} matches: nothing to add (Esc)"),
            Some(Ok(c)) => format!("Add {} to:", self.what(*c)),
        }
    }

    /// Enter on queue `q`: ask, or say why not (still counting, nothing matches).
    pub fn choose(&mut self, q: &AnnotationQueue) -> Result<(), String> {
        match &self.count {
            None => Err("still counting the matches…".into()),
            Some(Err(e)) => Err(format!("could not count the matches: {}", one_line(e))),
            Some(Ok(0)) => Err(format!(
                "no {} matches: nothing to add",
                self.matching.scope()
            )),
            Some(Ok(_)) => {
                self.stage = Stage::Confirm {
                    id: q.id,
                    name: q.name.clone(),
                    again: false,
                };
                Ok(())
            }
        }
    }

    /// `y` or `n` to the question: the queue to fill when it is time to start.
    pub fn answer(&mut self, yes: bool) -> Option<Uuid> {
        let Stage::Confirm { id, name, again } = &self.stage else {
            return None;
        };
        if !yes {
            self.stage = Stage::Pick;
            return None;
        }
        let count = self.count.as_ref().and_then(|c| c.as_ref().ok().copied());
        if !again && count.is_some_and(|c| c > CONFIRM_ABOVE) {
            self.stage = Stage::Confirm {
                id: *id,
                name: name.clone(),
                again: true,
            };
            return None;
        }
        let id = (*id)?;
        self.stage = Stage::Running {
            queue: name.clone(),
            progress: FillProgress::default(),
        };
        Some(id)
    }

    /// The line under the picker: the question, or the progress.
    pub fn status(&self) -> Option<String> {
        let count = self
            .count
            .as_ref()
            .and_then(|c| c.as_ref().ok().copied())
            .unwrap_or(0);
        let label = self.matching.count_label(count);
        match &self.stage {
            Stage::Pick => None,
            Stage::Confirm { name, again, .. } if *again => Some(format!(
                "That is over {} {}s. Add all {label} to “{}” anyway? (y/n)",
                n(CONFIRM_ABOVE),
                self.matching.scope(),
                one_line(name)
            )),
            Stage::Confirm { name, .. } => {
                Some(format!("Add {label} to “{}”? (y/n)", one_line(name)))
            }
            Stage::Running { queue, progress } => Some(format!(
                "Adding to “{}”: {} of {} read · {} added · {} already in it — Esc stops",
                one_line(queue),
                n(progress.read),
                n(count.max(progress.read)),
                n(progress.added),
                n(progress.already)
            )),
        }
    }

    /// A batch went in.
    pub fn progressed(&mut self, p: FillProgress) {
        if let Stage::Running { progress, .. } = &mut self.stage {
            *progress = p;
        }
    }

    pub fn running(&self) -> bool {
        matches!(self.stage, Stage::Running { .. })
    }

    /// The toast at the end (or when stopped early, `stopped`).
    pub fn finished(&self, stopped: bool) -> String {
        let Stage::Running { queue, progress } = &self.stage else {
            return String::new();
        };
        let added = self.matching.count_label(progress.added);
        let already = if progress.already > 0 {
            format!(" ({} already in it)", n(progress.already))
        } else {
            String::new()
        };
        let head = if stopped { "Stopped: added" } else { "Added" };
        format!("{head} {added} to “{}”{already}", one_line(queue))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(name: &str) -> AnnotationQueue {
        AnnotationQueue {
            id: Some(Uuid::from_u128(7)),
            name: name.into(),
            ..AnnotationQueue::default()
        }
    }

    fn flow(filters: bool) -> FillFlow {
        let filters = if filters {
            vec![crate::opik::model::Filter::new("name", "=", "x")]
        } else {
            Vec::new()
        };
        FillFlow::new(
            Matching::Traces {
                project: "p".into(),
                filters,
                search: None,
            },
            crate::app::testing::fixed_now(),
        )
    }

    #[test]
    fn counts_then_asks_then_runs() {
        let mut f = flow(true);
        assert_eq!(f.title(), "Counting the traces that match…");
        assert_eq!(
            f.choose(&queue("SMEs")).unwrap_err(),
            "still counting the matches…"
        );
        f.count = Some(Ok(120));
        assert_eq!(f.title(), "Add the 120 traces matching the filter to:");
        f.choose(&queue("SMEs")).expect("asks");
        assert_eq!(
            f.status().as_deref(),
            Some("Add 120 traces to “SMEs”? (y/n)")
        );
        assert_eq!(f.answer(false), None);
        assert_eq!(f.stage, Stage::Pick, "n goes back to the picker");
        f.choose(&queue("SMEs")).expect("asks");
        assert_eq!(f.answer(true), Some(Uuid::from_u128(7)));
        f.progressed(FillProgress {
            read: 100,
            added: 90,
            already: 10,
            done: false,
        });
        assert_eq!(
            f.status().as_deref(),
            Some("Adding to “SMEs”: 100 of 120 read · 90 added · 10 already in it — Esc stops")
        );
        assert_eq!(
            f.finished(false),
            "Added 90 traces to “SMEs” (10 already in it)"
        );
    }

    #[test]
    fn over_ten_thousand_asks_again() {
        let mut f = flow(false);
        f.count = Some(Ok(12_345));
        assert_eq!(f.title(), "Add all 12,345 traces to:");
        f.choose(&queue("Q")).expect("asks");
        assert_eq!(f.answer(true), None, "a second question first");
        assert_eq!(
            f.status().as_deref(),
            Some("That is over 10,000 traces. Add all 12,345 traces to “Q” anyway? (y/n)")
        );
        assert_eq!(f.answer(true), Some(Uuid::from_u128(7)));
        assert!(f.running());
    }

    #[test]
    fn nothing_to_add_says_so() {
        let mut f = flow(true);
        f.count = Some(Ok(0));
        assert_eq!(f.title(), "No trace matches: nothing to add (Esc)");
        assert_eq!(
            f.choose(&queue("Q")).unwrap_err(),
            "no trace matches: nothing to add"
        );
        f.count = Some(Err("timed out".into()));
        assert!(f.choose(&queue("Q")).unwrap_err().contains("timed out"));
    }
}
