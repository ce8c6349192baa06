//! A data table for large lists: only visible rows are rendered (cells come from a closure,
//! so 100k rows cost nothing until seen), columns get fixed or flexible widths, cells are cut
//! with `…` by display width, the selected row is highlighted, marked rows (multi-select
//! with space) are flagged, the sort column shows an arrow, and the bottom border shows
//! `1–50 of 12,345`.
//!
//! Cell text must already be sanitised (views sanitise once when rows enter the model).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::render::format;
use crate::render::sanitize::{display_width, truncate_to_width};
use crate::theme::Theme;

/// How wide a column is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Width {
    /// Exactly this many columns.
    Fixed(u16),
    /// A share of what is left after fixed columns (weight), at least `min`.
    Flex { weight: u16, min: u16 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    pub width: Width,
    pub right: bool,
    /// Dropped first when the table is narrow (lower = dropped earlier; 0 = never).
    pub priority: u8,
}

impl Column {
    pub fn fixed(title: &str, w: u16) -> Column {
        Column {
            title: title.into(),
            width: Width::Fixed(w),
            right: false,
            priority: 0,
        }
    }
    pub fn flex(title: &str, weight: u16, min: u16) -> Column {
        Column {
            title: title.into(),
            width: Width::Flex { weight, min },
            right: false,
            priority: 0,
        }
    }
    pub fn right(mut self) -> Column {
        self.right = true;
        self
    }
    /// Hide this column before others with a higher priority when space is short.
    pub fn optional(mut self, priority: u8) -> Column {
        self.priority = priority;
        self
    }
}

/// Selection and scrolling.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableState {
    pub selected: usize,
    pub offset: usize,
    /// Rows visible at the last draw (for paging).
    pub page: usize,
    /// Where the rows were drawn (for mouse clicks).
    pub rows_area: Rect,
}

impl TableState {
    pub fn select(&mut self, i: usize, len: usize) {
        self.selected = if len == 0 { 0 } else { i.min(len - 1) };
    }
    pub fn down(&mut self, n: usize, len: usize) {
        self.select(self.selected.saturating_add(n), len);
    }
    pub fn up(&mut self, n: usize) {
        self.selected = self.selected.saturating_sub(n);
    }
    pub fn page_down(&mut self, len: usize) {
        self.down(self.page.max(1), len);
    }
    pub fn page_up(&mut self) {
        self.up(self.page.max(1));
    }
    pub fn first(&mut self) {
        self.selected = 0;
    }
    pub fn last(&mut self, len: usize) {
        self.select(len.saturating_sub(1), len);
    }
    /// The row under terminal row `y`, if any.
    pub fn row_at(&self, x: u16, y: u16, len: usize) -> Option<usize> {
        let a = self.rows_area;
        if y < a.y || y >= a.y + a.height || x < a.x || x >= a.x + a.width {
            return None;
        }
        let i = self.offset + (y - a.y) as usize;
        (i < len).then_some(i)
    }
    /// Keep the selection visible in `height` rows.
    fn scroll_into_view(&mut self, height: usize, len: usize) {
        if len == 0 || height == 0 {
            self.offset = 0;
            return;
        }
        self.selected = self.selected.min(len - 1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
        if self.selected < self.offset {
            self.offset = self.selected;
        }
    }
}

/// One cell: text (sanitised) and style.
pub type Cell = (String, Style);

/// What to draw.
pub struct TableView<'a> {
    pub title: Line<'a>,
    pub columns: &'a [Column],
    /// Position of the first loaded row in the whole result (a list loaded from further
    /// down, after `G`), for the footer.
    pub first: usize,
    /// Rows loaded.
    pub len: usize,
    /// Total on the server, if known (footer).
    pub total: Option<i64>,
    /// Sort column index and whether descending.
    pub sort: Option<(usize, bool)>,
    pub focused: bool,
    /// Shown when there are no rows.
    pub empty: &'a str,
}

/// Widths for `columns` in `width` columns (1-column gaps); hidden columns get 0.
pub fn layout_columns(columns: &[Column], width: u16) -> Vec<u16> {
    let mut visible: Vec<bool> = vec![true; columns.len()];
    loop {
        let n = visible.iter().filter(|v| **v).count() as u16;
        let gaps = n.saturating_sub(1);
        let fixed: u16 = columns
            .iter()
            .zip(&visible)
            .filter(|(_, v)| **v)
            .map(|(c, _)| match c.width {
                Width::Fixed(w) => w,
                Width::Flex { min, .. } => min,
            })
            .sum();
        if fixed + gaps <= width {
            break;
        }
        // Drop the lowest-priority optional column still visible.
        let drop = columns
            .iter()
            .enumerate()
            .filter(|(i, c)| visible[*i] && c.priority > 0)
            .min_by_key(|(i, c)| (c.priority, usize::MAX - i))
            .map(|(i, _)| i);
        match drop {
            Some(i) => visible[i] = false,
            None => break,
        }
    }
    let n = visible.iter().filter(|v| **v).count() as u16;
    let gaps = n.saturating_sub(1);
    let fixed: u16 = columns
        .iter()
        .zip(&visible)
        .filter(|(_, v)| **v)
        .map(|(c, _)| match c.width {
            Width::Fixed(w) => w,
            Width::Flex { min, .. } => min,
        })
        .sum();
    let mut extra = width.saturating_sub(fixed + gaps);
    let weights: u16 = columns
        .iter()
        .zip(&visible)
        .filter(|(_, v)| **v)
        .map(|(c, _)| match c.width {
            Width::Flex { weight, .. } => weight,
            _ => 0,
        })
        .sum();
    let mut out = Vec::with_capacity(columns.len());
    let mut last_flex = None;
    for (i, (c, v)) in columns.iter().zip(&visible).enumerate() {
        if !v {
            out.push(0);
            continue;
        }
        match c.width {
            Width::Fixed(w) => out.push(w),
            Width::Flex { weight, min } => {
                let share = if weights > 0 {
                    (width.saturating_sub(fixed + gaps) as u32 * weight as u32 / weights as u32)
                        as u16
                } else {
                    0
                };
                let share = share.min(extra);
                extra -= share;
                out.push(min + share);
                last_flex = Some(i);
            }
        }
    }
    if let Some(i) = last_flex {
        out[i] += extra;
    }
    // Shrink if even minimums don't fit (tiny terminals): cut the widest.
    let total: u16 = out.iter().sum::<u16>() + gaps;
    if total > width {
        let mut over = total - width;
        while over > 0 {
            let Some((i, _)) = out.iter().enumerate().max_by_key(|(_, w)| **w) else {
                break;
            };
            if out[i] == 0 {
                break;
            }
            out[i] -= 1;
            over -= 1;
        }
    }
    out
}

fn fit(text: &str, width: u16, right: bool) -> String {
    let w = width as usize;
    let t = truncate_to_width(text, w);
    let tw = display_width(&t);
    let pad = w.saturating_sub(tw);
    if right {
        format!("{}{}", " ".repeat(pad), t)
    } else {
        format!("{}{}", t, " ".repeat(pad))
    }
}

/// A sorted column's title with its arrow, the title cut (not the arrow) to fit `width`.
fn with_sort_arrow(title: &str, desc: bool, width: u16) -> String {
    let arrow = if desc { "↓" } else { "↑" };
    let room = (width as usize).saturating_sub(2);
    format!("{} {arrow}", truncate_to_width(title, room))
}

/// `1–50 of 12,345`: rows `offset..offset + shown` of `len` loaded rows, the loaded rows
/// starting at `base` in a result of `total`.
pub fn range_label(
    base: usize,
    offset: usize,
    shown: usize,
    len: usize,
    total: Option<i64>,
) -> String {
    if len == 0 {
        return format!("0 of {}", format::thousands(total.unwrap_or(0)));
    }
    let first = base + offset + 1;
    let last = base + (offset + shown).min(len);
    let total = total
        .unwrap_or((base + len) as i64)
        .max((base + len) as i64);
    format!(
        "{}–{} of {}",
        format::thousands(first as i64),
        format::thousands(last as i64),
        format::thousands(total)
    )
}

/// Draw the table. `cell(row, col)` gives a cell; `marked(row)` flags multi-selected rows.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    view: &TableView,
    state: &mut TableState,
    theme: &Theme,
    cell: impl Fn(usize, usize) -> Cell,
    marked: impl Fn(usize) -> bool,
) {
    let border = if view.focused {
        theme.border_focused
    } else {
        theme.border
    };
    let inner_h = area.height.saturating_sub(3) as usize; // borders + header
    state.page = inner_h.max(1);
    state.scroll_into_view(inner_h, view.len);
    let shown = inner_h.min(view.len.saturating_sub(state.offset));
    let footer = range_label(view.first, state.offset, shown, view.len, view.total);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(view.title.clone())
        .title_bottom(Line::from(Span::styled(format!(" {footer} "), theme.dim)).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width < 3 || inner.height < 1 {
        return;
    }
    // One column for the mark / selection gutter.
    let widths = layout_columns(view.columns, inner.width.saturating_sub(1));
    let buf = frame.buffer_mut();
    // Header.
    let mut x = inner.x + 1;
    for (i, (c, w)) in view.columns.iter().zip(&widths).enumerate() {
        if *w == 0 {
            continue;
        }
        let mut title = c.title.clone();
        if let Some((si, desc)) = view.sort
            && si == i
        {
            title = with_sort_arrow(&title, desc, *w);
        }
        buf.set_string(x, inner.y, fit(&title, *w, c.right), theme.header);
        x += w + 1;
    }
    let rows_area = Rect::new(
        inner.x,
        inner.y + 1,
        inner.width,
        inner.height.saturating_sub(1),
    );
    state.rows_area = rows_area;
    if view.len == 0 {
        if rows_area.height > 0 {
            buf.set_string(
                rows_area.x + 1,
                rows_area.y,
                truncate_to_width(view.empty, rows_area.width.saturating_sub(1) as usize),
                theme.dim,
            );
        }
        return;
    }
    for r in 0..shown {
        let row = state.offset + r;
        let y = rows_area.y + r as u16;
        let selected = row == state.selected;
        let is_marked = marked(row);
        let row_style = if selected {
            if view.focused {
                theme.selection
            } else {
                theme.selection_inactive
            }
        } else {
            Style::default()
        };
        let line_area = Rect::new(rows_area.x, y, rows_area.width, 1);
        if selected {
            buf.set_style(line_area, row_style);
        }
        let gutter = if is_marked {
            "●"
        } else if selected {
            "▌"
        } else {
            " "
        };
        buf.set_string(
            rows_area.x,
            y,
            gutter,
            if is_marked {
                theme.marked.patch(row_style)
            } else {
                row_style
            },
        );
        let mut x = rows_area.x + 1;
        for (i, (c, w)) in view.columns.iter().zip(&widths).enumerate() {
            if *w == 0 {
                continue;
            }
            let (text, style) = cell(row, i);
            let style = if selected {
                style.patch(row_style)
            } else {
                style
            };
            buf.set_string(x, y, fit(&text, *w, c.right), style);
            x += w + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_share_space_and_drop_optional_ones() {
        let cols = vec![
            Column::fixed("time", 8),
            Column::flex("name", 1, 10),
            Column::flex("input", 2, 10).optional(1),
            Column::fixed("cost", 7).right(),
        ];
        let w = layout_columns(&cols, 80);
        assert_eq!(w.iter().sum::<u16>() + 3, 80);
        assert!(w[2] > w[1]);
        let w = layout_columns(&cols, 30);
        assert_eq!(w[2], 0, "{w:?}");
        assert!(w.iter().sum::<u16>() + 2 <= 30);
    }

    #[test]
    fn selection_scrolls_and_pages() {
        let mut s = TableState {
            page: 10,
            ..TableState::default()
        };
        s.page_down(100);
        assert_eq!(s.selected, 10);
        s.scroll_into_view(10, 100);
        assert_eq!(s.offset, 1);
        s.last(100);
        s.scroll_into_view(10, 100);
        assert_eq!((s.selected, s.offset), (99, 90));
        s.first();
        s.scroll_into_view(10, 100);
        assert_eq!(s.offset, 0);
        s.rows_area = Rect::new(0, 2, 50, 10);
        assert_eq!(s.row_at(3, 4, 100), Some(2));
        assert_eq!(s.row_at(3, 40, 100), None);
    }

    #[test]
    fn range_label_formats() {
        assert_eq!(range_label(0, 0, 50, 100, Some(12345)), "1–50 of 12,345");
        assert_eq!(range_label(0, 0, 0, 0, None), "0 of 0");
        assert_eq!(range_label(0, 90, 20, 100, None), "91–100 of 100");
        // Rows loaded from further down the result (after `G`).
        assert_eq!(
            range_label(12_300, 5, 40, 45, Some(12_345)),
            "12,306–12,345 of 12,345"
        );
    }

    #[test]
    fn the_sort_arrow_stays_visible_in_a_narrow_column() {
        assert_eq!(
            fit(&with_sort_arrow("Duration", true, 8), 8, true),
            "Durat… ↓"
        );
        assert_eq!(
            fit(&with_sort_arrow("Start", false, 10), 10, false),
            "Start ↑   "
        );
    }

    #[test]
    fn fit_pads_and_cuts_by_display_width() {
        assert_eq!(fit("日本語テキスト", 7, false), "日本語…");
        assert_eq!(fit("ab", 4, true), "  ab");
    }
}
