//! The span tree pane: one row per visible node (type label, name, duration, a waterfall
//! bar placed by start time and sized by duration within the trace, cost, tokens, error
//! mark, score count), the trace itself as row 0.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span as TSpan};
use ratatui::widgets::{Block, Borders};

use super::subject::duration_of;
use super::{Focus, TraceViewScreen};
use crate::opik::dify;
use crate::render::format;
use crate::render::sanitize::{display_width, one_line, truncate_to_width};
use crate::theme::Theme;

/// The waterfall cells `a..b` (of `bar_w`) a span covers, from its start, end or duration
/// (ms) relative to the trace's first start `t0` over `total_us`. Any server numbers (a
/// duration of ±1e300, an end before the start, dates far apart) give cells within the bar.
pub fn bar_cells(
    t0: Option<DateTime<Utc>>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    dur: Option<f64>,
    total_us: f64,
    bar_w: usize,
) -> (usize, usize) {
    let (Some(t0), Some(st), true) = (t0, start, bar_w > 0) else {
        return (0, 0);
    };
    let us = |t: DateTime<Utc>| (t - t0).num_microseconds().unwrap_or(i64::MAX) as f64;
    let s_us = us(st).max(0.0);
    let e_us = match (end, dur) {
        (Some(e), _) => us(e),
        (None, Some(d)) if d.is_finite() => s_us + d * 1000.0,
        _ => s_us,
    };
    let total_us = if total_us.is_finite() && total_us > 0.0 {
        total_us
    } else {
        1.0
    };
    // `as usize` saturates (NaN → 0), so no cast can wrap.
    let a = ((s_us / total_us) * bar_w as f64).floor() as usize;
    let b = ((e_us / total_us) * bar_w as f64).ceil() as usize;
    let a = a.min(bar_w - 1);
    (a, b.clamp(a + 1, bar_w))
}

pub(super) fn type_label(kind: &str) -> &'static str {
    match kind {
        "llm" => "LLM",
        "tool" => "TOOL",
        "guardrail" => "GUARD",
        "trace" => "TRACE",
        _ => "SPAN",
    }
}

/// Column widths: label+name (flex) | duration 8 | waterfall | cost | tokens 6 | marks 4.
/// Narrow panes drop the waterfall, cost and tokens (width 0).
struct Cols {
    name: usize,
    dur: usize,
    water: usize,
    cost: usize,
    tok: usize,
}

impl Cols {
    /// Widths for an inner width `w` whose widest label is `label_w`: the waterfall takes a
    /// quarter (8–30 cells) and gives cells back, down to 8, while a label would be cut.
    fn new(w: usize, label_w: usize) -> Cols {
        let (dur, cost, tok, mark) = (
            8usize,
            if w >= 70 {
                format::COST_WIDTH as usize + 1
            } else {
                0
            },
            if w >= 60 { 6 } else { 0 },
            4usize,
        );
        let fixed = dur + cost + tok + mark;
        let mut water = if w >= 50 { (w / 4).clamp(8, 30) } else { 0 };
        if water > 8 {
            let name = w.saturating_sub(fixed + water + 1);
            water -= label_w.saturating_sub(name).min(water - 8);
        }
        let name = w.saturating_sub(fixed + water + 1).max(6);
        Cols {
            name,
            dur,
            water,
            cost,
            tok,
        }
    }
}

/// The tree pane's width (borders included) beside the detail pane, in `total` columns:
/// enough for the widest label (`label_w`: indent, fold mark, type and name), every number
/// column and a 16-cell waterfall; from 45% of the screen (as wide as it always was) up to
/// 62%, leaving the detail pane at least 50 columns.
pub(super) fn pane_width(total: u16, label_w: usize) -> u16 {
    let total = total as usize;
    let min = total * 45 / 100;
    let max = (total * 62 / 100).min(total.saturating_sub(50)).max(min);
    let numbers = 8 + format::COST_WIDTH as usize + 1 + 6 + 4;
    (2 + label_w + 1 + numbers + 16).clamp(min, max) as u16
}

/// A row's label width before the number columns: indent, fold mark, type label and name.
fn label_width(depth: usize, kind: &str, name: &str) -> usize {
    depth * 2 + 2 + type_label(kind).len() + 1 + display_width(&one_line(name))
}

/// A span's name as the tree shows it.
fn node_name(s: &crate::opik::model::Span) -> String {
    dify::display_name(
        s.name.as_deref(),
        s.span_type.as_deref(),
        s.metadata.as_ref(),
    )
}

/// What the waterfall spans: the trace's first start and its length in µs.
#[derive(Clone, Copy)]
struct Timeline {
    t0: Option<DateTime<Utc>>,
    total_us: f64,
}

/// What one tree row shows.
struct RowData {
    depth: usize,
    fold_mark: &'static str,
    kind: String,
    name: String,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    dur: Option<f64>,
    cost: Option<f64>,
    tokens: Option<i64>,
    err: bool,
    scores: usize,
}

impl TraceViewScreen {
    pub(super) fn draw_tree(&mut self, frame: &mut Frame, area: Rect, t: &Theme) {
        let focused = self.focus == Focus::Tree;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if focused { t.border_focused } else { t.border })
            .title(TSpan::styled(" Spans ", t.title))
            .title_bottom(
                Line::from(TSpan::styled(
                    format!(" {}/{} ", self.selected + 1, self.rows_len()),
                    t.dim,
                ))
                .right_aligned(),
            );
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.height == 0 || inner.width < 10 {
            return;
        }
        let h = inner.height as usize;
        self.tree_page = h;
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + h {
            self.offset = self.selected + 1 - h;
        }
        let label_w = self.label_width();
        let cols = Cols::new(inner.width as usize, label_w);
        let timeline = self.timeline();
        let buf = frame.buffer_mut();
        for r in 0..h {
            let i = self.offset + r;
            if i >= self.rows_len() {
                break;
            }
            let y = inner.y + r as u16;
            let selected = i == self.selected;
            let row_style = if selected {
                if focused {
                    t.selection
                } else {
                    t.selection_inactive
                }
            } else {
                Style::default()
            };
            if selected {
                buf.set_style(Rect::new(inner.x, y, inner.width, 1), row_style);
            }
            let data = if i == 0 {
                self.trace_row()
            } else {
                self.span_row(i - 1)
            };
            draw_row(buf, (inner.x, y), &cols, timeline, &data, row_style, t);
        }
    }

    /// The widest label, measured once per loaded trace.
    pub(super) fn label_width(&mut self) -> usize {
        match self.label_w {
            Some(w) => w,
            None => *self.label_w.insert(self.widest_label()),
        }
    }

    /// The widest label of the trace row and every span, folded or not (so folding does not
    /// move the panes).
    fn widest_label(&self) -> usize {
        let trace = self.trace_row();
        let spans = self.tree.flatten(&Default::default());
        spans
            .iter()
            .map(|r| {
                let s = &self.tree.nodes[r.node].span;
                let kind = s.span_type.as_deref().unwrap_or("general");
                label_width(r.depth + 1, kind, &node_name(s))
            })
            .chain([label_width(0, "trace", &trace.name)])
            .max()
            .unwrap_or(0)
    }

    fn timeline(&self) -> Timeline {
        let t0 = self
            .tree
            .start
            .or_else(|| self.trace.as_ref().and_then(|t| t.start_time));
        let t1 = self
            .tree
            .end
            .into_iter()
            .chain(self.trace.as_ref().and_then(|t| t.end_time))
            .max();
        let total_us = match (t0, t1) {
            (Some(a), Some(b)) => (b - a).num_microseconds().unwrap_or(0).max(1) as f64,
            _ => 1.0,
        };
        Timeline { t0, total_us }
    }

    /// Row 0: the trace (its name, or the id, or `loading…`).
    fn trace_row(&self) -> RowData {
        let tr = self.trace.as_ref();
        RowData {
            depth: 0,
            fold_mark: if self.tree.nodes.is_empty() {
                " "
            } else {
                "▾"
            },
            kind: "trace".to_string(),
            name: tr
                .map(|t| dify::display_name(t.name.as_deref(), None, t.metadata.as_ref()))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| {
                    if self.loading {
                        "loading…".into()
                    } else {
                        self.trace_id.to_string()
                    }
                }),
            start: tr.and_then(|t| t.start_time),
            end: tr.and_then(|t| t.end_time),
            dur: tr.and_then(|t| duration_of(t.duration, t.start_time, t.end_time)),
            cost: tr.and_then(|t| t.total_estimated_cost),
            tokens: tr.and_then(|t| {
                dify::total_tokens(&dify::usage(t.usage.as_ref(), t.metadata.as_ref(), None).0)
            }),
            err: tr.is_some_and(|t| t.error_info.is_some()),
            scores: tr
                .and_then(|t| t.feedback_scores.as_ref())
                .map(|s| s.len())
                .unwrap_or(0),
        }
    }

    /// The span row `rows[i]`.
    fn span_row(&self, i: usize) -> RowData {
        let row = self.rows[i];
        let node = &self.tree.nodes[row.node];
        let s = &node.span;
        let fold_mark = if node.children.is_empty() {
            " "
        } else if self.folded.contains(&row.node) {
            "▸"
        } else {
            "▾"
        };
        RowData {
            depth: row.depth + 1,
            fold_mark,
            kind: s.span_type.clone().unwrap_or_else(|| "general".into()),
            name: node_name(s),
            start: s.start_time,
            end: s.end_time,
            dur: duration_of(s.duration, s.start_time, s.end_time),
            cost: s
                .total_estimated_cost
                .or_else(|| dify::metadata_cost(s.metadata.as_ref())),
            tokens: dify::total_tokens(
                &dify::usage(s.usage.as_ref(), s.metadata.as_ref(), s.output.as_ref()).0,
            )
            .filter(|n| *n > 0),
            err: s.error_info.is_some(),
            scores: s.feedback_scores.as_ref().map(|f| f.len()).unwrap_or(0),
        }
    }
}

/// One row at `(x, y)`: indent, fold mark, type label and name, then the number columns.
fn draw_row(
    buf: &mut Buffer,
    (mut x, y): (u16, u16),
    cols: &Cols,
    timeline: Timeline,
    d: &RowData,
    row_style: Style,
    t: &Theme,
) {
    let name_w = cols.name;
    // Indent (capped so deep trees keep their names visible).
    let indent = (d.depth * 2).min(name_w / 2);
    let label = type_label(&d.kind);
    let name = one_line(&d.name);
    let head = format!("{}{} ", " ".repeat(indent), d.fold_mark);
    let head_w = display_width(&head);
    buf.set_string(x, y, &head, t.dim.patch(row_style));
    let lab = format!("{label} ");
    let lab_w = display_width(&lab);
    let kind_style = if d.kind == "trace" {
        t.title
    } else {
        t.span_type(&d.kind)
    };
    if head_w + lab_w < name_w {
        buf.set_string(x + head_w as u16, y, &lab, kind_style.patch(row_style));
        let rest = name_w - head_w - lab_w;
        buf.set_string(
            x + (head_w + lab_w) as u16,
            y,
            truncate_to_width(&name, rest),
            t.text.patch(row_style),
        );
    }
    x += name_w as u16 + 1;
    let dur = d.dur.map(format::duration_ms).unwrap_or_else(|| "–".into());
    buf.set_string(x, y, format!("{dur:>7} "), t.text.patch(row_style));
    x += cols.dur as u16;
    if cols.water > 0 {
        draw_bar(buf, (x, y), cols.water - 1, timeline, d, row_style, t);
        x += cols.water as u16;
    }
    if cols.cost > 0 {
        let c = d.cost.map(format::cost).unwrap_or_default();
        let w = cols.cost - 1;
        buf.set_string(x, y, format!("{c:>w$} "), t.text.patch(row_style));
        x += cols.cost as u16;
    }
    if cols.tok > 0 {
        let c = d
            .tokens
            .map(|n| format::tokens(n as f64))
            .unwrap_or_default();
        buf.set_string(x, y, format!("{c:>5} "), t.dim.patch(row_style));
        x += cols.tok as u16;
    }
    if d.err {
        buf.set_string(x, y, "✗", t.error.patch(row_style));
    }
    if d.scores > 0 {
        buf.set_string(
            x + 1,
            y,
            format!("★{}", d.scores.min(9)),
            t.score_mid.patch(row_style),
        );
    }
}

/// The waterfall of one row, `bar_w` cells: the track, then the span's segment over it.
fn draw_bar(
    buf: &mut Buffer,
    (x, y): (u16, u16),
    bar_w: usize,
    tl: Timeline,
    d: &RowData,
    row_style: Style,
    t: &Theme,
) {
    let (a, b) = bar_cells(tl.t0, d.start, d.end, d.dur, tl.total_us, bar_w);
    let mut bar = String::with_capacity(bar_w * 3);
    for c in 0..bar_w {
        bar.push(if c >= a && c < b { '━' } else { '·' });
    }
    // Draw track then bar segment in two styles.
    buf.set_string(x, y, &bar, t.waterfall_track.patch(row_style));
    if b > a {
        let seg: String = std::iter::repeat_n('━', b - a).collect();
        let style = if d.err { t.error } else { t.waterfall_bar };
        buf.set_string(x + a as u16, y, seg, style.patch(row_style));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_pane_is_as_wide_as_its_names_within_limits() {
        // Short names: as wide as it always was (45%), every number column shown.
        assert_eq!(pane_width(160, 20), 72);
        let c = Cols::new(70, 20);
        assert!(c.cost > 0 && c.tok > 0 && c.water >= 8);
        // `LLM chat_completion_with_tools` three levels down (44 columns) fits whole at 160.
        let label = label_width(3, "llm", "chat_completion_with_tools_and_more");
        let w = pane_width(160, label);
        assert!(w > 72, "{w}");
        assert!(Cols::new(w as usize - 2, label).name >= label);
        // Very long names: at most 62%, and the detail pane keeps 50 columns at 100.
        assert_eq!(pane_width(160, 500), 99);
        assert_eq!(pane_width(100, 500), 50);
        // A pane too narrow for a name gives the waterfall's cells to it, down to 8.
        let c = Cols::new(70, 60);
        assert_eq!(c.water, 8);
        assert_eq!(Cols::new(70, 0).water, 17);
    }
}
