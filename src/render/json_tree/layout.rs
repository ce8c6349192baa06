//! Lines of a [`JsonTree`] under its [`Folds`], wrapped to a width — computed without
//! building the text: a layout is the list of visible logical lines (a node's line, or the
//! closing bracket of an unfolded container) with the display row each starts at, so it costs
//! a few bytes per visible line; [`JsonLayout::render`] then builds styled rows for the slice
//! on screen only. A logical line wider than the pane wraps by characters; its continuation
//! rows are indented one level deeper than the line (at most half the width).

use std::borrow::Cow;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use super::{CUT_CHARS, Folds, JsonTree, Kind};
use crate::render::format::{self, thousands};
use crate::theme::Theme;

/// Where the cut of a long string's display text falls (bytes): after its opening quote and
/// [`CUT_CHARS`] characters.
pub fn cut_bytes(text: &str) -> usize {
    text.char_indices()
        .nth(CUT_CHARS + 1)
        .map(|(i, _)| i)
        .unwrap_or(text.len())
}

/// The role of a piece of a line; [`Role::style`] gives the theme's style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Text,
    Key,
    Punct,
    Str,
    Num,
    Bool,
    Null,
    Dim,
}

impl Role {
    pub fn style(self, t: &Theme) -> Style {
        match self {
            Role::Text => t.text,
            Role::Key => t.json_key,
            Role::Punct => t.json_punct,
            Role::Str => t.json_string,
            Role::Num => t.json_number,
            Role::Bool => t.json_bool,
            Role::Null => t.json_null,
            Role::Dim => t.dim,
        }
    }
}

/// A logical line: node `i`'s line (`i << 1`) or its closing bracket (`i << 1 | 1`).
type Packed = u32;

fn pack(node: u32, close: bool) -> Packed {
    node << 1 | u32::from(close)
}

/// The visible lines of a tree under its folds at a width.
#[derive(Debug, Clone, Default)]
pub struct JsonLayout {
    pub width: u16,
    /// The [`Folds::generation`] it was made for.
    pub generation: u64,
    lines: Vec<Packed>,
    /// First display row of each line, then the total.
    starts: Vec<u32>,
}

/// `{ … 42 keys }` / `[ … 6,000 items ]`: the count inside a folded container.
fn count_label(kind: Kind, n: u32) -> String {
    let noun = if kind == Kind::Object { "key" } else { "item" };
    format::count(n as usize, noun)
}

/// The pieces of a logical line, left to right.
pub fn pieces<'a>(tree: &'a JsonTree, folds: &Folds, line: u32) -> Vec<(Cow<'a, str>, Role)> {
    let (i, close) = (line >> 1, line & 1 == 1);
    let n = tree.node(i);
    let mut out: Vec<(Cow<'a, str>, Role)> = Vec::with_capacity(6);
    if n.depth > 0 {
        out.push((Cow::Owned("  ".repeat(n.depth as usize)), Role::Text));
    }
    let (open, shut) = if n.kind == Kind::Object {
        ("{", "}")
    } else {
        ("[", "]")
    };
    let comma = !tree.is_last(i);
    if close {
        out.push((Cow::Borrowed(shut), Role::Punct));
        if comma {
            out.push((Cow::Borrowed(","), Role::Punct));
        }
        return out;
    }
    let key = tree.key_text(i);
    if !key.is_empty() {
        out.push((Cow::Borrowed(key), Role::Key));
        out.push((Cow::Borrowed(": "), Role::Punct));
    }
    let mut trailing_comma = comma;
    match n.kind {
        Kind::Object | Kind::Array if n.len == 0 => {
            out.push((Cow::Owned(format!("{open}{shut}")), Role::Punct));
        }
        Kind::Object | Kind::Array if tree.is_folded(folds, i) => {
            out.push((Cow::Owned(format!("{open} … ")), Role::Punct));
            out.push((Cow::Owned(count_label(n.kind, n.len)), Role::Dim));
            out.push((Cow::Owned(format!(" {shut}")), Role::Punct));
        }
        Kind::Object | Kind::Array => {
            out.push((Cow::Borrowed(open), Role::Punct));
            trailing_comma = false;
        }
        Kind::Str if tree.is_cut(folds, i) => {
            let text = tree.value_text(i);
            out.push((Cow::Borrowed(&text[..cut_bytes(text)]), Role::Str));
            out.push((Cow::Borrowed("…\""), Role::Str));
            if comma {
                out.push((Cow::Borrowed(","), Role::Punct));
                trailing_comma = false;
            }
            out.push((
                Cow::Owned(format!("  ({} chars)", thousands(i64::from(n.len)))),
                Role::Dim,
            ));
        }
        k => {
            let role = match k {
                Kind::Str => Role::Str,
                Kind::Num => Role::Num,
                Kind::Bool => Role::Bool,
                _ => Role::Null,
            };
            out.push((Cow::Borrowed(tree.value_text(i)), role));
        }
    }
    if trailing_comma {
        out.push((Cow::Borrowed(","), Role::Punct));
    }
    out
}

/// Columns of continuation rows' indent for a line at `depth` in a pane `w` wide.
fn cont_indent(depth: u16, w: usize) -> usize {
    (2 * depth as usize + 2).min(w / 2)
}

/// Columns of a piece of a narrow line (every character one column wide).
fn narrow_cols(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// The byte offset of column `col` in a piece of a narrow line.
fn narrow_byte(s: &str, col: usize) -> usize {
    if s.is_ascii() {
        col.min(s.len())
    } else {
        s.char_indices().nth(col).map(|(b, _)| b).unwrap_or(s.len())
    }
}

/// Display rows of a line of `pieces` wrapped at `w` with continuation indent `ci`. A
/// `narrow` line (ASCII text; the fold marks are one column too) is counted without looking
/// at its characters' widths.
fn count_rows(pieces: &[(Cow<'_, str>, Role)], narrow: bool, w: usize, ci: usize) -> usize {
    if narrow {
        let cols: usize = pieces.iter().map(|(s, _)| narrow_cols(s)).sum();
        if cols <= w {
            1
        } else {
            1 + (cols - w).div_ceil(w - ci)
        }
    } else {
        let mut rows = 1;
        let (mut used, mut cap) = (0, w);
        for c in pieces.iter().flat_map(|(s, _)| s.chars()) {
            let cw = c.width().unwrap_or(0);
            if used + cw > cap && used > 0 {
                rows += 1;
                used = 0;
                cap = w - ci;
            }
            used += cw;
        }
        rows
    }
}

impl JsonLayout {
    /// Lay `tree` out under `folds` at `width` columns: O(visible lines).
    pub fn new(tree: &JsonTree, folds: &Folds, width: u16) -> JsonLayout {
        let w = (width as usize).max(2);
        let mut lines = Vec::new();
        let mut starts = Vec::new();
        let mut row: u32 = 0;
        let mut push = |line: Packed, lines: &mut Vec<Packed>| {
            let i = line >> 1;
            let ps = pieces(tree, folds, line);
            let narrow = tree.node(i).ascii;
            let rows = count_rows(&ps, narrow, w, cont_indent(tree.node(i).depth, w));
            lines.push(line);
            starts.push(row);
            row = row.saturating_add(rows as u32);
        };
        let mut open: Vec<u32> = Vec::new();
        let total = tree.len() as u32;
        let mut i = 0;
        while i < total {
            while let Some(&c) = open.last() {
                if tree.end(c) > i {
                    break;
                }
                push(pack(c, true), &mut lines);
                open.pop();
            }
            push(pack(i, false), &mut lines);
            if tree.is_container(i) && tree.node(i).len > 0 && !tree.is_folded(folds, i) {
                open.push(i);
                i += 1;
            } else {
                i = tree.end(i);
            }
        }
        while let Some(c) = open.pop() {
            push(pack(c, true), &mut lines);
        }
        starts.push(row);
        JsonLayout {
            width,
            generation: folds.generation,
            lines,
            starts,
        }
    }

    /// Display rows in all.
    pub fn rows(&self) -> usize {
        self.starts.last().copied().unwrap_or(0) as usize
    }

    /// The logical line holding display row `row`, and the row within it.
    fn line_at(&self, row: usize) -> Option<(usize, usize)> {
        if row >= self.rows() {
            return None;
        }
        let k = self.starts.partition_point(|s| *s as usize <= row) - 1;
        Some((k, row - self.starts[k] as usize))
    }

    /// The node whose line (or closing bracket) is at `row`.
    pub fn node_at(&self, row: usize) -> Option<u32> {
        self.line_at(row).map(|(k, _)| self.lines[k] >> 1)
    }

    /// The first row of `node`'s line, if it is visible.
    pub fn row_of(&self, node: u32) -> Option<usize> {
        let want = pack(node, false);
        self.lines
            .iter()
            .position(|l| *l == want)
            .map(|k| self.starts[k] as usize)
    }

    /// The row within `node`'s line that shows byte `at` of its value text (0 for keys).
    pub fn row_within(&self, tree: &JsonTree, folds: &Folds, node: u32, at: usize) -> usize {
        let ps = pieces(tree, folds, pack(node, false));
        let w = (self.width as usize).max(2);
        let ci = cont_indent(tree.node(node).depth, w);
        // Columns before the value text, then up to `at` within it.
        let value = tree.value_text(node);
        let mut before = String::new();
        for (s, _) in &ps {
            if s.as_ptr() == value.as_ptr() {
                break;
            }
            before.push_str(s);
        }
        before.push_str(value.get(..at).unwrap_or(value));
        let upto = [(Cow::Borrowed(before.as_str()), Role::Text)];
        count_rows(&upto, tree.node(node).ascii, w, ci).saturating_sub(1)
    }

    /// Styled rows `from..to` (clipped to the layout).
    pub fn render(
        &self,
        tree: &JsonTree,
        folds: &Folds,
        from: usize,
        to: usize,
        theme: &Theme,
    ) -> Vec<Line<'static>> {
        let w = (self.width as usize).max(2);
        let mut out = Vec::new();
        let mut row = from;
        while row < to.min(self.rows()) {
            let Some((k, sub)) = self.line_at(row) else {
                break;
            };
            let line = self.lines[k];
            let i = line >> 1;
            let n_rows = (self.starts[k + 1] - self.starts[k]) as usize;
            let last = n_rows.min(sub + (to - row));
            let ps = pieces(tree, folds, line);
            let ci = cont_indent(tree.node(i).depth, w);
            out.extend(wrap_rows(&ps, tree.node(i).ascii, w, ci, sub, last, theme));
            row += last - sub;
        }
        out
    }
}

/// Rows `r0..r1` of a line of `pieces` wrapped at `w` (continuation rows indented by `ci`);
/// a narrow line's rows are cut out directly, others are found by walking its characters.
fn wrap_rows(
    pieces: &[(Cow<'_, str>, Role)],
    narrow: bool,
    w: usize,
    ci: usize,
    r0: usize,
    r1: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut rows: Vec<Vec<Span<'static>>> = Vec::with_capacity(r1 - r0);
    if narrow {
        // Columns and ASCII-ness of each piece, once (a piece may be a megabyte string).
        let info: Vec<(usize, bool)> = pieces
            .iter()
            .map(|(s, _)| (narrow_cols(s), s.is_ascii()))
            .collect();
        let byte = |s: &str, ascii: bool, col: usize| {
            if ascii {
                col.min(s.len())
            } else {
                narrow_byte(s, col)
            }
        };
        for r in r0..r1 {
            let (c0, c1) = if r == 0 {
                (0, w)
            } else {
                (w + (r - 1) * (w - ci), w + r * (w - ci))
            };
            let mut spans = Vec::new();
            if r > 0 {
                spans.push(Span::styled(" ".repeat(ci), theme.text));
            }
            let mut col = 0;
            for ((s, role), &(cols, ascii)) in pieces.iter().zip(&info) {
                let (a, b) = (col, col + cols);
                col = b;
                if b <= c0 || a >= c1 {
                    continue;
                }
                let part = &s[byte(s, ascii, c0.max(a) - a)..byte(s, ascii, c1.min(b) - a)];
                spans.push(Span::styled(part.to_string(), role.style(theme)));
            }
            rows.push(spans);
        }
    } else {
        let (mut row, mut used, mut cap) = (0, 0, w);
        let mut cur: Vec<Span<'static>> = Vec::new();
        for (s, role) in pieces {
            let mut buf = String::new();
            for c in s.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > cap && used > 0 {
                    if row >= r0 && row < r1 {
                        if !buf.is_empty() {
                            cur.push(Span::styled(std::mem::take(&mut buf), role.style(theme)));
                        }
                        rows.push(std::mem::take(&mut cur));
                    }
                    buf.clear();
                    row += 1;
                    if row >= r1 {
                        return rows.into_iter().map(Line::from).collect();
                    }
                    used = 0;
                    cap = w - ci;
                    if row >= r0 {
                        cur.push(Span::styled(" ".repeat(ci), theme.text));
                    }
                }
                used += cw;
                if row >= r0 {
                    buf.push(c);
                }
            }
            if !buf.is_empty() {
                cur.push(Span::styled(buf, role.style(theme)));
            }
        }
        if row >= r0 && row < r1 {
            rows.push(cur);
        }
    }
    rows.into_iter().map(Line::from).collect()
}
