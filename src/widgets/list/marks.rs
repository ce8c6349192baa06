//! Marks (`space`): which rows an action on several rows applies to, the title's count,
//! and clearing them once such an action (run in another screen, like the queue picker)
//! succeeded.

use std::cell::Cell;
use std::rc::Rc;

use ratatui::text::Span;
use uuid::Uuid;

use super::ListCore;
use crate::theme::Theme;

/// Whether an action on the marked rows succeeded: the list keeps one end, the screen that
/// runs the action the other ([`BulkOutcome::succeeded`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkOutcome(Rc<Cell<bool>>);

impl BulkOutcome {
    pub fn new() -> BulkOutcome {
        BulkOutcome::default()
    }

    /// The action succeeded: the list drops its marks when it is shown again.
    pub fn succeeded(&self) {
        self.0.set(true);
    }

    pub fn is_success(&self) -> bool {
        self.0.get()
    }
}

impl<R> ListCore<R> {
    /// `space`: mark or unmark `id` (the selected row's, if it has one), then move down.
    pub fn mark(&mut self, id: Option<Uuid>) {
        if let Some(id) = id
            && !self.marks.remove(&id)
        {
            self.marks.insert(id);
        }
        self.table.down(1, self.rows.len());
    }

    /// What an action on several rows applies to: the marked rows, else `selected`.
    pub fn marked_or(&self, selected: Option<Uuid>) -> Vec<Uuid> {
        if self.marks.is_empty() {
            selected.into_iter().collect()
        } else {
            self.marks.iter().copied().collect()
        }
    }

    /// `N marked{suffix} ` for the title, when rows are marked.
    pub fn marks_span(&self, suffix: &str, t: &Theme) -> Option<Span<'static>> {
        (!self.marks.is_empty())
            .then(|| Span::styled(format!("{} marked{suffix} ", self.marks.len()), t.marked))
    }

    /// The marked rows went to an action that runs in another screen; `outcome` says
    /// whether it succeeded.
    pub fn marks_sent(&mut self, outcome: BulkOutcome) {
        self.bulk = (!self.marks.is_empty()).then_some(outcome);
    }

    /// The list is shown again: the marks go if the action on them succeeded (they stay
    /// when it failed or was cancelled).
    pub fn resumed(&mut self) {
        if self.bulk.take().is_some_and(|b| b.is_success()) {
            self.marks.clear();
        }
    }
}
