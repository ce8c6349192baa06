//! The detail pane's document: the current tab of the selected trace or span as sections —
//! Input above Output on the Input/Output tab, each with its header and its own fold — whose
//! bodies are lines already wrapped (markdown, text, the small tabs; shared through an `Arc`,
//! never copied) or a JSON tree laid out from its fold state. Rows are numbered across the
//! sections; [`Doc::render`] builds only the rows asked for, so a frame costs what is visible.

use std::sync::Arc;

use ratatui::text::{Line, Span as TSpan, Text};

use super::content::{Part, Who};
use super::subject::Tab;
use crate::render::json_tree::layout::JsonLayout;
use crate::render::json_tree::{Folds, Hit, JsonTree, MAX_HITS, find_ci};
use crate::render::lines::plain_line;
use crate::theme::Theme;

/// (who, tab, raw): the document a [`Doc`] shows, whatever the width.
pub type DocKey = (Who, Tab, bool);

/// A part's fold state, kept while other subjects or tabs are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct PartState {
    pub open: bool,
    pub folds: Folds,
}

impl Default for PartState {
    fn default() -> Self {
        PartState {
            open: true,
            folds: Folds::default(),
        }
    }
}

pub enum Body {
    /// Being built in the background.
    Pending,
    Lines(Arc<Text<'static>>),
    Json {
        tree: Arc<JsonTree>,
        layout: JsonLayout,
    },
}

pub struct Section {
    pub part: Part,
    pub title: Option<&'static str>,
    pub state: PartState,
    pub body: Body,
}

impl Section {
    fn body_rows(&self) -> usize {
        match &self.body {
            Body::Pending => 1,
            Body::Lines(t) => t.lines.len(),
            Body::Json { layout, .. } => layout.rows(),
        }
    }

    fn header(&self) -> usize {
        usize::from(self.title.is_some())
    }

    fn rows(&self) -> usize {
        self.header() + if self.state.open { self.body_rows() } else { 0 }
    }

    /// Lay the JSON out again if its folds or the width changed.
    fn relayout(&mut self, width: u16) {
        if let Body::Json { tree, layout } = &mut self.body
            && (layout.generation != self.state.folds.generation || layout.width != width)
        {
            *layout = JsonLayout::new(tree, &self.state.folds, width);
        }
    }
}

/// What a row of the document shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Header(usize),
    Body(usize, usize),
    /// The blank row between two sections.
    Gap,
}

/// Where a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Json(Hit),
    /// Row of the section's lines and byte offset in its text.
    Line(usize, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocHit {
    pub section: usize,
    pub target: Target,
}

/// What a row shows, to find it again after the document is laid out anew (a resize).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Anchor {
    Header(usize),
    /// A JSON node of a section.
    Node(usize, u32),
    /// A fraction of a section's lines.
    Lines(usize, f64),
}

pub struct Doc {
    pub key: DocKey,
    pub width: u16,
    pub theme: String,
    pub sections: Vec<Section>,
    /// Some part is being built, or was built since: assemble it again at the next draw.
    pub stale: bool,
    /// First row of each section, then the total.
    starts: Vec<usize>,
}

impl Doc {
    pub fn new(key: DocKey, width: u16, theme: &str, sections: Vec<Section>) -> Doc {
        let mut d = Doc {
            key,
            width,
            theme: theme.to_string(),
            sections,
            stale: false,
            starts: Vec::new(),
        };
        d.relayout();
        d
    }

    /// Recompute JSON layouts that are out of date and the section starts.
    pub fn relayout(&mut self) {
        let mut row = 0;
        self.starts.clear();
        let n = self.sections.len();
        for (k, s) in self.sections.iter_mut().enumerate() {
            s.relayout(self.width);
            self.starts.push(row);
            row += s.rows() + usize::from(k + 1 < n);
        }
        self.starts.push(row);
    }

    pub fn rows(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// The first row of section `k`'s body.
    pub fn body_start(&self, k: usize) -> usize {
        self.starts[k] + self.sections[k].header()
    }

    pub fn at(&self, row: usize) -> Option<At> {
        if row >= self.rows() {
            return None;
        }
        let k = self.starts.partition_point(|s| *s <= row) - 1;
        let s = &self.sections[k];
        let r = row - self.starts[k];
        Some(if r < s.header() {
            At::Header(k)
        } else if r < s.rows() {
            At::Body(k, r - s.header())
        } else {
            At::Gap
        })
    }

    /// What `row` shows, to find after a relayout ([`Doc::restore`]).
    pub fn anchor(&self, row: usize) -> Option<Anchor> {
        Some(match self.at(row)? {
            At::Header(k) => Anchor::Header(k),
            At::Gap => return None,
            At::Body(k, r) => match &self.sections[k].body {
                Body::Json { layout, .. } => Anchor::Node(k, layout.node_at(r)?),
                b => {
                    let n = match b {
                        Body::Lines(t) => t.lines.len().max(1),
                        _ => 1,
                    };
                    Anchor::Lines(k, r as f64 / n as f64)
                }
            },
        })
    }

    /// The row showing what `a` was on, in this layout.
    pub fn restore(&self, a: Anchor) -> Option<usize> {
        match a {
            Anchor::Header(k) => self.starts.get(k).copied(),
            Anchor::Node(k, n) => match &self.sections.get(k)?.body {
                Body::Json { layout, .. } => Some(self.body_start(k) + layout.row_of(n)?),
                _ => None,
            },
            Anchor::Lines(k, f) => {
                let s = self.sections.get(k)?;
                let r = (f * s.body_rows() as f64) as usize;
                Some(self.body_start(k) + r.min(s.body_rows().saturating_sub(1)))
            }
        }
    }

    /// Rows `from..to`, styled.
    pub fn render(&self, from: usize, to: usize, theme: &Theme) -> Vec<Line<'static>> {
        let to = to.min(self.rows());
        let mut out = Vec::with_capacity(to.saturating_sub(from));
        let mut row = from;
        while row < to {
            match self.at(row) {
                None => break,
                Some(At::Gap) => {
                    out.push(Line::default());
                    row += 1;
                }
                Some(At::Header(k)) => {
                    out.push(self.header_line(k, theme));
                    row += 1;
                }
                Some(At::Body(k, r)) => {
                    let s = &self.sections[k];
                    let n = (s.body_rows() - r).min(to - row);
                    match &s.body {
                        Body::Pending => out.push(Line::styled(
                            "laying out a large payload in the background…",
                            theme.dim,
                        )),
                        Body::Lines(t) => out.extend(t.lines[r..r + n].iter().cloned()),
                        Body::Json { tree, layout } => {
                            out.extend(layout.render(tree, &s.state.folds, r, r + n, theme))
                        }
                    }
                    row += n;
                }
            }
        }
        out
    }

    fn header_line(&self, k: usize, theme: &Theme) -> Line<'static> {
        let s = &self.sections[k];
        let title = s.title.unwrap_or_default();
        if s.state.open {
            Line::styled(format!("▾ {title}"), theme.heading2)
        } else {
            Line::from(vec![
                TSpan::styled(format!("▸ {title}"), theme.heading2),
                TSpan::styled(" …", theme.dim),
            ])
        }
    }

    /// Open (`Some(true)`), close (`Some(false)`) or toggle (`None`) what `row` shows: a
    /// section, a JSON container or a long string. Closing what is already closed (or cannot
    /// be) goes to its parent. Returns the row the cursor goes to.
    pub fn fold_at(&mut self, row: usize, want: Option<bool>) -> Option<usize> {
        match self.at(row)? {
            At::Gap => None,
            At::Header(k) => {
                let st = &mut self.sections[k].state;
                st.open = want.unwrap_or(!st.open);
                self.relayout();
                Some(row)
            }
            At::Body(k, r) => {
                let start = self.body_start(k);
                let header = self.sections[k].title.map(|_| self.starts[k]);
                let s = &mut self.sections[k];
                let Body::Json { tree, layout } = &s.body else {
                    return if want == Some(false) { header } else { None };
                };
                let node = layout.node_at(r)?;
                let folds = &mut s.state.folds;
                let closed = tree.is_folded(folds, node) || tree.is_cut(folds, node);
                let target = match want.unwrap_or(closed) {
                    true if folds.open(tree, node) => Some(node),
                    false if folds.close(tree, node) => Some(node),
                    false => match tree.parent(node) {
                        Some(p) => Some(p),
                        None => return header,
                    },
                    true => None,
                };
                self.relayout();
                let Body::Json { layout, .. } = &self.sections[k].body else {
                    return None;
                };
                target.and_then(|n| layout.row_of(n)).map(|r| start + r)
            }
        }
    }

    /// Unfold (or fold) every container of every JSON section; sections open.
    pub fn fold_all(&mut self, open: bool) {
        for s in &mut self.sections {
            s.state.open = true;
            if let Body::Json { tree, .. } = &s.body {
                if open {
                    s.state.folds.expand_all(tree);
                } else {
                    s.state.folds.collapse_all(tree);
                }
            }
        }
        self.relayout();
    }

    /// Every hit of `q` (ASCII case-insensitive) in document order: JSON sections search
    /// their whole tree, folded or not; lines search their text.
    pub fn search(&self, q: &str) -> Vec<DocHit> {
        let mut out = Vec::new();
        for (k, s) in self.sections.iter().enumerate() {
            match &s.body {
                Body::Pending => {}
                Body::Json { tree, .. } => out.extend(tree.search(q).into_iter().map(|h| DocHit {
                    section: k,
                    target: Target::Json(h),
                })),
                Body::Lines(t) => {
                    for (r, l) in t.lines.iter().enumerate() {
                        let text = plain_line(l);
                        for at in find_ci(text.as_bytes(), q.as_bytes()) {
                            out.push(DocHit {
                                section: k,
                                target: Target::Line(r, at),
                            });
                        }
                    }
                }
            }
            if out.len() >= MAX_HITS {
                out.truncate(MAX_HITS);
                break;
            }
        }
        out
    }

    /// Unfold what hides `hit` and return its row.
    pub fn reveal(&mut self, hit: &DocHit) -> Option<usize> {
        let s = self.sections.get_mut(hit.section)?;
        s.state.open = true;
        if let (Target::Json(h), Body::Json { tree, .. }) = (hit.target, &s.body) {
            s.state.folds.reveal(tree, h.node, h.in_key, h.at);
        }
        self.relayout();
        let start = self.body_start(hit.section);
        let s = &self.sections[hit.section];
        match (hit.target, &s.body) {
            (Target::Line(r, _), _) => Some(start + r),
            (Target::Json(h), Body::Json { tree, layout }) => {
                let at = if h.in_key { 0 } else { h.at as usize };
                let within = layout.row_within(tree, &s.state.folds, h.node, at);
                layout.row_of(h.node).map(|r| start + r + within)
            }
            _ => None,
        }
    }
}
