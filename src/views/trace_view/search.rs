//! `/` in the detail pane: search the current tab's whole document — JSON sections walk
//! their tree, folded parts included, lines search their text — then `n`/`N` go from hit to
//! hit, unfolding what hides each one. ASCII letters match either case.

use crossterm::event::KeyEvent;

use super::doc::DocHit;
use super::{Focus, TraceViewMsg, TraceViewScreen};
use crate::app::{Ctx, Handled};
use crate::render::format::thousands;
use crate::render::sanitize::one_line;
use crate::widgets::input::{InputEvent, TextInput};

#[derive(Debug, Default)]
pub struct DetailSearch {
    /// The search box, while typing.
    pub input: Option<TextInput>,
    /// The confirmed query.
    pub query: String,
    pub hits: Vec<DocHit>,
    pub current: usize,
}

impl DetailSearch {
    pub fn clear(&mut self) {
        *self = DetailSearch::default();
    }

    /// ` /query 3/120 ` for the pane's border.
    pub fn label(&self) -> String {
        let pos = if self.hits.is_empty() {
            "no match".to_string()
        } else {
            format!(
                "{}/{}",
                thousands(self.current as i64 + 1),
                thousands(self.hits.len() as i64)
            )
        };
        format!(" /{} · {pos} ", one_line(&self.query))
    }
}

impl TraceViewScreen {
    /// `/`: open the search box in the detail pane.
    pub(super) fn start_search(&mut self) {
        self.focus = Focus::Detail;
        self.search.input = Some(TextInput::new(&self.search.query));
    }

    /// A key while the search box is open.
    pub(super) fn search_key(&mut self, key: KeyEvent, _ctx: &mut Ctx<TraceViewMsg>) -> Handled {
        let Some(mut input) = self.search.input.take() else {
            return Handled::No;
        };
        match input.handle_key(key) {
            InputEvent::Submit => {
                self.search.query = input.value().trim().to_string();
                self.run_search();
            }
            InputEvent::Cancel => self.search.clear(),
            _ => self.search.input = Some(input),
        }
        Handled::Yes
    }

    /// Search the document for the query and go to the first hit.
    fn run_search(&mut self) {
        self.search.hits = match &self.doc {
            Some(d) if !self.search.query.is_empty() => d.search(&self.search.query),
            _ => Vec::new(),
        };
        self.search.current = 0;
        self.jump();
    }

    /// The hits again in the current document (laid out anew), staying at the same one.
    pub(super) fn refresh_hits(&mut self) {
        self.search.hits = match &self.doc {
            Some(d) => d.search(&self.search.query),
            None => Vec::new(),
        };
        self.search.current = self
            .search
            .current
            .min(self.search.hits.len().saturating_sub(1));
    }

    /// `n` / `N`: the next or previous hit (searching again if the document changed).
    pub(super) fn next_hit(&mut self, forward: bool) -> bool {
        if self.search.query.is_empty() {
            return false;
        }
        if self.search.hits.is_empty() {
            self.run_search();
            return true;
        }
        let n = self.search.hits.len();
        self.search.current = if forward {
            (self.search.current + 1) % n
        } else {
            (self.search.current + n - 1) % n
        };
        self.jump();
        true
    }

    /// Unfold to the current hit and put the cursor on it, a third down the pane.
    fn jump(&mut self) {
        let Some(hit) = self.search.hits.get(self.search.current).copied() else {
            return;
        };
        let Some(row) = self.doc.as_mut().and_then(|d| d.reveal(&hit)) else {
            return;
        };
        self.cursor = row;
        let h = self.detail_page.max(1);
        if row < self.scroll || row >= self.scroll + h {
            self.scroll = row.saturating_sub(h / 3);
        }
    }
}
