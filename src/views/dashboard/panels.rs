//! The project dashboard's chart panels: which panels (traces, cost, latency, tokens,
//! errors, one per score) and the grid that draws them, scrolled by panel rows.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use crate::dashboard::data::ProjectData;
use crate::dashboard::series::Series;
use crate::dashboard::units::Unit;
use crate::render::sanitize::one_line;
use crate::theme::Theme;
use crate::widgets::chart::{ChartLine, TimeChart};

/// One chart panel.
pub(super) struct Panel<'a> {
    pub(super) title: String,
    unit: Unit,
    lines: Vec<(String, &'a Series)>,
    empty: String,
}

pub(super) fn panels(data: &ProjectData) -> Vec<Panel<'_>> {
    let r = data.range.label();
    let s = &data.series;
    let mut out = vec![
        Panel {
            title: format!("traces {}", compact_total(&s.traces, Unit::Count)),
            unit: Unit::Count,
            lines: vec![("traces".into(), &s.traces)],
            empty: format!("no traces in {r}"),
        },
        Panel {
            title: format!("cost {}", compact_total(&s.cost, Unit::Cost)),
            unit: Unit::Cost,
            lines: vec![("cost".into(), &s.cost)],
            empty: format!("no cost recorded in {r}"),
        },
        Panel {
            title: "latency p50/p90/p99".into(),
            unit: Unit::DurationMs,
            lines: s.latency.iter().map(|l| (l.name.clone(), l)).collect(),
            empty: format!("no latency data in {r}"),
        },
        Panel {
            title: format!("tokens {}", compact_total(&s.tokens, Unit::Tokens)),
            unit: Unit::Tokens,
            lines: vec![("tokens".into(), &s.tokens)],
            empty: format!("no token usage in {r}"),
        },
        Panel {
            title: format!("errors {}", compact_total(&s.errors, Unit::Count)),
            unit: Unit::Count,
            lines: vec![("errors".into(), &s.errors)],
            empty: format!("no errors in {r}"),
        },
    ];
    for sc in &s.scores {
        let name = one_line(&sc.name);
        // The average over the range is the KPI's (from the stats, every score counted); the
        // mean of the hourly averages is not it (Opik leaves buckets averaging 0 empty, so a
        // 👍/👎 score would read "avg 1").
        let avg = data
            .kpis
            .iter()
            .find(|k| k.unit == Unit::Score && k.label == sc.name)
            .and_then(|k| k.current)
            .or_else(|| sc.mean());
        out.push(Panel {
            title: format!(
                "score {name} · avg {}",
                avg.map(|v| Unit::Score.format(v))
                    .unwrap_or_else(|| "–".into())
            ),
            unit: Unit::Score,
            lines: vec![(name.clone(), sc)],
            empty: format!("no {name} scores in {r}"),
        });
    }
    out
}

fn compact_total(s: &Series, unit: Unit) -> String {
    match s.total() {
        Some(t) if s.has_data() => unit.format(t),
        _ => "–".into(),
    }
}

/// Draws the panels grid from panel row `scroll`; returns (total rows, rows shown).
pub(super) fn draw_panels(
    data: &ProjectData,
    scroll: usize,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) -> (usize, usize) {
    if area.height < 3 || area.width < 10 {
        return (0, 0);
    }
    let ps = panels(data);
    let cols: usize = if area.width >= 150 {
        3
    } else if area.width >= 60 {
        2
    } else {
        1
    };
    let rows = ps.len().div_ceil(cols);
    let min_h = 6u16;
    let fit = ((area.height / min_h) as usize).clamp(1, rows.max(1));
    let scroll = scroll.min(rows.saturating_sub(fit));
    let row_h = area.height / fit as u16;
    let bucket = data.range.bucket().label();
    for (ri, row_panels) in ps.chunks(cols).enumerate().skip(scroll).take(fit) {
        let y = area.y + (ri - scroll) as u16 * row_h;
        let h = if ri - scroll + 1 == fit {
            area.bottom() - y
        } else {
            row_h
        };
        let row = Rect::new(area.x, y, area.width, h);
        let cells = Layout::horizontal(vec![Constraint::Ratio(1, cols as u32); cols]).split(row);
        for (p, cell) in row_panels.iter().zip(cells.iter()) {
            let title = Line::from(vec![
                Span::styled(format!(" {} ", p.title), theme.title),
                Span::styled(format!("· {bucket} "), theme.dim),
            ]);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(title);
            let lines = p
                .lines
                .iter()
                .enumerate()
                .map(|(i, (label, s))| ChartLine::new(label.clone(), s, theme.chart(i)))
                .collect();
            TimeChart::new(lines, p.unit)
                .block(block)
                .axis_style(theme.dim)
                .empty(p.empty.clone(), theme.dim)
                .render(*cell, buf);
        }
    }
    if rows > fit {
        let more = format!(" ↓ {} more (j/k) ", rows - fit - scroll);
        if scroll + fit < rows {
            let w = more.chars().count() as u16;
            let x = area.right().saturating_sub(w + 1);
            buf.set_string(x, area.bottom() - 1, more, theme.accent);
        }
    }
    (rows, fit)
}
