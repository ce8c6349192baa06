//! The list core every list screen (projects, traces, threads, queues) is built on: the rows
//! and their total, the table's selection and scrolling, paging (`PgUp`/`PgDn`, loading more
//! near the end), the sort order (`s`/`S`), the search and filter prompts (`/`, `f`), marks
//! (`space`), relative or absolute times (`t`), the mouse, and drawing through
//! [`crate::widgets::table`] with the prompt under it.
//!
//! A screen owns a [`ListCore`] and keeps only what is its own: its columns and cells, its
//! data source (it loads pages and hands the rows here), and its keys. Its `handle_action`
//! starts with [`ListCore::handle`] and takes what comes back as [`Step::Pass`]; its
//! `handle_key` starts with [`ListCore::handle_key`].

pub mod cells;
pub mod marks;
pub mod prompt;
pub mod screen;
pub mod sort;
pub mod window;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use uuid::Uuid;

use crate::app::{Action, Handled};
use crate::theme::Theme;
use crate::widgets::table::{self, Cell, Column, TableState, TableView};

pub use marks::BulkOutcome;
pub use prompt::{PromptKind, PromptStep, Prompts};
pub use sort::{Sort, SortOption};
pub use window::{PageRequest, Window};

/// What an action on a list comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The list did it (moved, opened a prompt, switched the time format).
    Done,
    /// The sort changed: query again (or re-sort locally).
    Requery,
    /// Not a list action: the screen's own.
    Pass(Action),
}

/// What a key comes to while a prompt may be open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStep {
    /// No prompt is open: not the list's key.
    NotMine,
    /// Typed into the prompt.
    Done,
    /// The search changed: query again.
    Requery,
    /// A filter string to parse: then [`Prompts::filter_applied`] (and query again) or
    /// [`Prompts::filter_invalid`].
    Filter(String),
    /// The applied filter was dropped: forget it and query again.
    FilterCleared,
}

/// What a mouse event on a list comes to.
pub enum ListMouse {
    /// Run this action as if its key had been pressed.
    Run(Action),
    /// Nothing more to do; whether the event was used.
    Done(Handled),
}

/// What [`ListCore::draw`] shows besides the rows.
pub struct ListView<'a> {
    pub title: Line<'a>,
    pub columns: &'a [Column],
    /// Shown when there are no rows.
    pub empty: &'a str,
}

/// Rows of type `R` and everything a list screen does with them.
#[derive(Debug, Clone, PartialEq)]
pub struct ListCore<R> {
    pub rows: Vec<R>,
    /// Rows on the server, if known (the footer; whether more can load).
    pub total: Option<i64>,
    pub table: TableState,
    pub sort: Sort,
    pub prompts: Prompts,
    /// Marked rows (`space`), by id.
    pub marks: BTreeSet<Uuid>,
    /// An action on the marked rows running in another screen ([`marks`]).
    bulk: Option<BulkOutcome>,
    /// Times as dates instead of `2m ago` (`t`).
    pub absolute_time: bool,
    /// The part of a server-paged result that is loaded ([`window`]).
    pub window: Window,
    /// A page is on its way.
    pub loading: bool,
    /// The last load failed with this.
    pub error: Option<String>,
    /// When rows were last read from the server ([`ListCore::loaded`]).
    pub loaded_at: Option<DateTime<Utc>>,
    has_time: bool,
}

/// How often a list showing relative times (`2m ago`) is redrawn so that they tick.
pub const TIME_TICK: Duration = Duration::from_secs(10);

impl<R> ListCore<R> {
    /// A list of `rows` that can be moved through (sort, prompts and times off).
    pub fn new(rows: Vec<R>, total: Option<i64>) -> ListCore<R> {
        ListCore {
            rows,
            total,
            table: TableState::default(),
            sort: Sort::none(),
            prompts: Prompts::none(),
            marks: BTreeSet::new(),
            bulk: None,
            absolute_time: false,
            window: Window::default(),
            loading: false,
            error: None,
            loaded_at: None,
            has_time: false,
        }
    }

    /// Sorted by `s`/`S` through `options`.
    pub fn sorted(mut self, options: &'static [SortOption]) -> Self {
        self.sort = Sort::new(options);
        self
    }

    /// With these prompts (`/`, `f`).
    pub fn prompts(mut self, prompts: Prompts) -> Self {
        self.prompts = prompts;
        self
    }

    /// With time cells `t` switches between relative and absolute.
    pub fn timed(mut self) -> Self {
        self.has_time = true;
        self
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The selected row.
    pub fn selected(&self) -> Option<&R> {
        self.rows.get(self.table.selected)
    }

    /// Select the first row `pred` accepts; false (selection unchanged) when none does.
    pub fn select_where(&mut self, pred: impl Fn(&R) -> bool) -> bool {
        match self.rows.iter().position(pred) {
            Some(i) => {
                self.table.select(i, self.rows.len());
                true
            }
            None => false,
        }
    }

    /// Rows were just read from the server.
    pub fn loaded(&mut self, now: DateTime<Utc>) {
        self.loaded_at = Some(now);
    }

    /// Whether the rows were read longer than `interval` ago (or never): a screen shown
    /// again then re-reads them ([`ListCore::request_refresh`]).
    pub fn is_stale(&self, now: DateTime<Utc>, interval: Duration) -> bool {
        self.loaded_at
            .is_none_or(|t| (now - t).to_std().is_ok_and(|age| age >= interval))
    }

    /// How often the screen should redraw for its relative times to tick: while it shows
    /// them ([`TIME_TICK`]); never with absolute times or none.
    pub fn time_tick(&self) -> Option<Duration> {
        (self.has_time && !self.absolute_time).then_some(TIME_TICK)
    }

    /// Keep the selection on a row (after rows were removed).
    pub fn clamp_selection(&mut self) {
        self.table.select(self.table.selected, self.rows.len());
    }

    /// The list's part of an action: movement, paging, `t`, `/`, `f`, `s`, `S`.
    pub fn handle(&mut self, action: Action) -> Step {
        let len = self.rows.len();
        match action {
            Action::Down => self.table.down(1, len),
            Action::Up => self.table.up(1),
            Action::PageDown => self.table.page_down(len),
            Action::PageUp => self.table.page_up(),
            Action::First => self.jump(window::Jump::First),
            Action::Last => self.jump(window::Jump::Last),
            Action::ToggleTime if self.has_time => self.absolute_time = !self.absolute_time,
            Action::Search if self.prompts.open(PromptKind::Search) => {}
            Action::Filter if self.prompts.open(PromptKind::Filter) => {}
            Action::CycleSort if self.sort.is_sortable() => {
                self.sort.cycle();
                return Step::Requery;
            }
            Action::ReverseSort if self.sort.is_sortable() => {
                self.sort.reverse();
                return Step::Requery;
            }
            other => return Step::Pass(other),
        }
        Step::Done
    }

    /// Whether keys type into a prompt.
    pub fn capturing_text(&self) -> bool {
        self.prompts.is_open()
    }

    /// A raw key: the open prompt's.
    pub fn handle_key(&mut self, key: KeyEvent) -> KeyStep {
        match self.prompts.handle_key(key) {
            PromptStep::Closed => KeyStep::NotMine,
            PromptStep::Typing => KeyStep::Done,
            PromptStep::Searched => {
                self.table.first();
                KeyStep::Requery
            }
            PromptStep::SearchCleared => KeyStep::Requery,
            PromptStep::Filter(text) => KeyStep::Filter(text),
            PromptStep::FilterCleared => KeyStep::FilterCleared,
        }
    }

    /// The screen parsed the submitted filter: it applies, from the top.
    pub fn filter_applied(&mut self, text: String) {
        self.prompts.filter_applied(text);
        self.table.first();
    }

    /// Mouse on the table: the wheel moves like `j`/`k`, a click selects a row and a click on
    /// the selected row opens it.
    pub fn mouse(&mut self, ev: MouseEvent) -> ListMouse {
        let len = self.rows.len();
        match ev.kind {
            MouseEventKind::ScrollDown => ListMouse::Run(Action::Down),
            MouseEventKind::ScrollUp => ListMouse::Run(Action::Up),
            MouseEventKind::Down(_) => match self.table.row_at(ev.column, ev.row, len) {
                Some(i) if i == self.table.selected => ListMouse::Run(Action::Open),
                Some(i) => {
                    self.table.select(i, len);
                    ListMouse::Done(Handled::Yes)
                }
                None => ListMouse::Done(Handled::No),
            },
            _ => ListMouse::Done(Handled::No),
        }
    }

    /// Draw the table (with the prompt under it when one is open). `cell(row, column)` gives
    /// a cell; `id(row)` the id marks are kept by.
    pub fn draw(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        t: &Theme,
        view: ListView,
        cell: impl Fn(&R, usize) -> Cell,
        id: impl Fn(&R) -> Option<Uuid>,
    ) {
        let [table_area, prompt_area] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(self.prompts.height()),
        ])
        .areas(area);
        let tv = TableView {
            title: view.title,
            columns: view.columns,
            first: self.window.first,
            len: self.rows.len(),
            total: self.total,
            sort: self.sort.arrow(),
            focused: !self.prompts.is_open(),
            empty: view.empty,
        };
        let rows = &self.rows;
        let marks = &self.marks;
        table::render(
            frame,
            table_area,
            &tv,
            &mut self.table,
            t,
            |i, c| cell(&rows[i], c),
            |i| !marks.is_empty() && id(&rows[i]).is_some_and(|id| marks.contains(&id)),
        );
        self.prompts.draw(frame, prompt_area, t);
    }
}

#[cfg(test)]
mod tests;
