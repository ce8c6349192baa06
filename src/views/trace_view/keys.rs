//! Key and mouse handling: moving through and folding the tree, scrolling the detail,
//! switching tabs, and the trace-wide actions (copy, URL, export, conversation).

use crossterm::event::{MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::subject::TABS;
use super::{Focus, TraceViewMsg, TraceViewScreen};
use crate::app::{Action, Ctx, Handled, ScreenRequest};

impl TraceViewScreen {
    pub(super) fn rows_len(&self) -> usize {
        self.rows.len() + 1
    }

    pub(super) fn select(&mut self, i: usize, ctx: &mut Ctx<TraceViewMsg>) {
        let i = i.min(self.rows_len() - 1);
        if i != self.selected {
            self.selected = i;
            self.on_select(ctx);
        }
    }

    fn refold(&mut self) {
        let keep = self
            .selected
            .checked_sub(1)
            .and_then(|i| self.rows.get(i))
            .map(|r| r.node);
        self.rows = self.tree.flatten(&self.folded);
        if let Some(n) = keep {
            // The selected node may now be hidden: select its nearest visible ancestor.
            let mut cur = Some(n);
            while let Some(c) = cur {
                if let Some(p) = self.rows.iter().position(|r| r.node == c) {
                    self.selected = p + 1;
                    return;
                }
                cur = self.tree.nodes[c].parent;
            }
            self.selected = 0;
        }
    }

    fn selected_node(&self) -> Option<usize> {
        Some(self.rows.get(self.selected.checked_sub(1)?)?.node)
    }

    fn tree_action(&mut self, action: Action, ctx: &mut Ctx<TraceViewMsg>) -> bool {
        let len = self.rows_len();
        match action {
            Action::Down => self.select(self.selected + 1, ctx),
            Action::Up => self.select(self.selected.saturating_sub(1), ctx),
            Action::PageDown => self.select(self.selected + self.tree_page.max(1), ctx),
            Action::PageUp => self.select(self.selected.saturating_sub(self.tree_page.max(1)), ctx),
            Action::First => self.select(0, ctx),
            Action::Last => self.select(len - 1, ctx),
            Action::Left | Action::Collapse => match self.selected_node() {
                Some(n) if !self.tree.nodes[n].children.is_empty() && !self.folded.contains(&n) => {
                    self.folded.insert(n);
                    self.refold();
                }
                Some(n) => {
                    // Already folded or a leaf: go to the parent.
                    let target = match self.tree.nodes[n].parent {
                        Some(p) => self.rows.iter().position(|r| r.node == p).map(|i| i + 1),
                        None => Some(0),
                    };
                    if let Some(t) = target {
                        self.select(t, ctx);
                    }
                }
                None => {}
            },
            Action::Right | Action::Expand => {
                if let Some(n) = self.selected_node()
                    && self.folded.remove(&n)
                {
                    self.refold();
                }
            }
            Action::ExpandAll => {
                self.folded.clear();
                self.refold();
            }
            Action::CollapseAll => {
                self.folded = self.tree.parents().collect();
                self.refold();
            }
            Action::Open => self.focus = Focus::Detail,
            _ => return false,
        }
        true
    }

    /// Move the detail's cursor to `row` (clamped when drawn); the view follows it.
    fn move_cursor(&mut self, row: usize) {
        self.cursor = row;
    }

    /// Scroll the detail by `d` rows, keeping the cursor in view.
    fn scroll_by(&mut self, d: isize) {
        let h = self.detail_page.max(1);
        let max = self
            .doc
            .as_ref()
            .map(|doc| doc.rows().saturating_sub(h))
            .unwrap_or(0);
        self.scroll = self.scroll.saturating_add_signed(d).min(max);
        self.cursor = self.cursor.clamp(self.scroll, self.scroll + h - 1);
    }

    /// Fold or unfold what the cursor line shows (`None`: toggle).
    fn fold_here(&mut self, want: Option<bool>) {
        if let Some(row) = self.doc.as_mut().and_then(|d| d.fold_at(self.cursor, want)) {
            self.cursor = row;
        }
    }

    fn detail_action(&mut self, action: Action) -> bool {
        let page = self.detail_page.max(1);
        match action {
            Action::Down => self.move_cursor(self.cursor + 1),
            Action::Up => self.move_cursor(self.cursor.saturating_sub(1)),
            Action::ScrollDown => self.scroll_by(1),
            Action::ScrollUp => self.scroll_by(-1),
            Action::PageDown => {
                self.scroll_by(page as isize);
                self.cursor = (self.cursor + page).max(self.scroll);
            }
            Action::PageUp => {
                self.scroll_by(-(page as isize));
                self.cursor = self.cursor.saturating_sub(page);
            }
            Action::First => self.move_cursor(0),
            Action::Last => self.move_cursor(usize::MAX / 2),
            Action::Left | Action::Collapse => self.fold_here(Some(false)),
            Action::Right | Action::Expand => self.fold_here(Some(true)),
            Action::Open => self.fold_here(None),
            Action::ExpandAll | Action::CollapseAll => {
                if let Some(d) = &mut self.doc {
                    d.fold_all(action == Action::ExpandAll);
                }
            }
            Action::NextMatch => return self.next_hit(true),
            Action::PrevMatch => return self.next_hit(false),
            _ => return false,
        }
        true
    }

    fn switch_tab(&mut self, d: i32) {
        let i = TABS.iter().position(|t| *t == self.tab).unwrap_or(0) as i32;
        let n = TABS.len() as i32;
        self.tab = TABS[((i + d).rem_euclid(n)) as usize];
        self.reset_detail();
    }

    /// Handle `action`; `true` when it meant something here.
    pub(super) fn act(&mut self, action: Action, ctx: &mut Ctx<TraceViewMsg>) -> bool {
        match action {
            Action::Conversation => {
                ctx.open(ScreenRequest::ConversationOf {
                    project: self.project.clone(),
                    trace_id: self.trace_id,
                });
                true
            }
            Action::NextPane | Action::PrevPane => {
                self.focus = if self.focus == Focus::Tree {
                    Focus::Detail
                } else {
                    Focus::Tree
                };
                true
            }
            Action::NextTab => {
                self.switch_tab(1);
                true
            }
            Action::PrevTab => {
                self.switch_tab(-1);
                true
            }
            Action::ToggleRaw => {
                self.raw = !self.raw;
                self.reset_detail();
                true
            }
            Action::Search => {
                self.start_search();
                true
            }
            Action::Back if self.focus == Focus::Detail && !self.search.query.is_empty() => {
                self.search.clear();
                true
            }
            Action::ScrollDown | Action::ScrollUp | Action::NextMatch | Action::PrevMatch => {
                self.detail_action(action)
            }
            Action::Copy => match self.current().and_then(|(_, s)| s.id) {
                Some(id) => {
                    ctx.copy(id.to_string());
                    true
                }
                None => false,
            },
            Action::CopyUrl => match &self.env {
                Some(env) => {
                    let span_id = if self.selected == 0 {
                        None
                    } else {
                        self.selected_span().and_then(|s| s.id)
                    };
                    let project_id = self.trace.as_ref().and_then(|t| t.project_id);
                    crate::views::share::copy_url(
                        env,
                        &self.project,
                        project_id,
                        crate::views::share::Target::Trace {
                            trace_id: self.trace_id,
                            span_id,
                        },
                        ctx,
                    );
                    true
                }
                None => false,
            },
            Action::Export => match &self.env {
                Some(env) => {
                    crate::views::share::export_trace(
                        env.client.clone(),
                        &self.project,
                        self.trace_id,
                        ctx,
                    );
                    true
                }
                None => false,
            },
            Action::Back if self.focus == Focus::Detail => {
                self.focus = Focus::Tree;
                true
            }
            _ => match self.focus {
                Focus::Tree => self.tree_action(action, ctx),
                Focus::Detail => self.detail_action(action),
            },
        }
    }

    pub(super) fn mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<TraceViewMsg>) -> Handled {
        let in_tree =
            |x: u16, y: u16, a: Rect| x >= a.x && x < a.right() && y >= a.y && y < a.bottom();
        match ev.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = ev.kind == MouseEventKind::ScrollDown;
                if in_tree(ev.column, ev.row, self.tree_area) {
                    self.tree_action(if down { Action::Down } else { Action::Up }, ctx);
                } else {
                    self.detail_action(if down {
                        Action::ScrollDown
                    } else {
                        Action::ScrollUp
                    });
                }
                Handled::Yes
            }
            MouseEventKind::Down(_) => {
                let a = self.tree_area;
                if in_tree(ev.column, ev.row, a) && ev.row > a.y {
                    let i = self.offset + (ev.row - a.y - 1) as usize;
                    if i < self.rows_len() {
                        self.focus = Focus::Tree;
                        self.select(i, ctx);
                    }
                } else {
                    self.focus = Focus::Detail;
                    let b = self.detail_body;
                    if in_tree(ev.column, ev.row, b) {
                        self.cursor = self.scroll + (ev.row - b.y) as usize;
                    }
                }
                Handled::Yes
            }
            _ => Handled::No,
        }
    }
}
