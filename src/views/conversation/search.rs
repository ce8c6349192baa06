//! In-conversation search: the query, its matches in the laid-out text, and jumping between
//! them (selecting the turn and scrolling it into view).

use super::Conversation;
use crate::theme::Theme;

impl Conversation {
    /// Set the query and find matches (case-insensitive) in the laid-out text.
    pub fn set_query(&mut self, q: &str) {
        self.search.query = q.to_owned();
        self.search.current = 0;
        self.invalidate();
    }

    /// Confirm a search: find the matches now and reveal the first one at or after the
    /// selected turn.
    pub fn confirm_search(&mut self, q: &str, theme: &Theme) {
        self.set_query(q);
        let Some(w) = self.last_width else { return };
        self.layout(w, theme);
        let from = self
            .layout
            .as_ref()
            .and_then(|l| l.turns.get(self.selected))
            .map(|t| t.0)
            .unwrap_or(0);
        self.search.current = self
            .search
            .matches
            .iter()
            .position(|m| m.0 >= from)
            .unwrap_or(0);
        self.reveal_current_match();
    }

    /// Jump to the next (`forward`) or previous match, selecting its turn.
    pub fn jump_match(&mut self, forward: bool) {
        let n = self.search.matches.len();
        if n == 0 {
            return;
        }
        self.search.current = if forward {
            (self.search.current + 1) % n
        } else {
            (self.search.current + n - 1) % n
        };
        self.reveal_current_match();
    }

    fn reveal_current_match(&mut self) {
        let Some(&(line, _, _)) = self.search.matches.get(self.search.current) else {
            return;
        };
        if let Some(l) = &self.layout
            && let Some(i) = l.turns.iter().position(|&(s, e)| s <= line && line < e)
            && i != self.selected
        {
            self.selected = i;
            self.layout = None;
        }
        if line < self.scroll || line >= self.scroll + self.viewport {
            self.scroll = line.saturating_sub(self.viewport / 3);
        }
    }

    pub(super) fn apply_search(&mut self) {
        let Some(layout) = &mut self.layout else {
            return;
        };
        self.search.matches.clear();
        let q = self.search.query.to_lowercase();
        if q.is_empty() {
            return;
        }
        for (i, p) in layout.plain.iter().enumerate() {
            let lower = p.to_lowercase();
            if lower.len() != p.len() {
                // Case folding changed byte lengths: match exactly instead.
                for (s, _) in p.match_indices(self.search.query.as_str()) {
                    self.search
                        .matches
                        .push((i, s, s + self.search.query.len()));
                }
                continue;
            }
            for (s, _) in lower.match_indices(&q) {
                self.search.matches.push((i, s, s + q.len()));
            }
        }
        if self.search.current >= self.search.matches.len() {
            self.search.current = 0;
        }
    }
}
