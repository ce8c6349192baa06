//! Drawing the compare view: the header, the statistics, the confusion table (categories)
//! and the items where the two scores differ most. Labels and titles in the model are
//! already sanitised (`dashboard::compare`).

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::CompareScreen;
use crate::dashboard::compare::{Categories, Comparison, Pair};
use crate::render::format;
use crate::render::sanitize::{display_width, one_line, truncate_to_width};
use crate::stats::{Stat, show};
use crate::theme::Theme;
use crate::widgets::list::ListView;
use crate::widgets::list::cells::{score_value, time};
use crate::widgets::table::Column;

/// A correlation's style: strong (≥ 0.7), moderate (≥ 0.4), weak.
fn stat_style(s: &Stat, t: &Theme) -> ratatui::style::Style {
    match s {
        Ok(v) if *v >= 0.7 => t.score_good,
        Ok(v) if *v >= 0.4 => t.score_mid,
        Ok(_) => t.score_bad,
        Err(_) => t.dim,
    }
}

pub(super) fn draw(
    s: &mut CompareScreen,
    frame: &mut Frame,
    area: Rect,
    t: &Theme,
    now: DateTime<Utc>,
) {
    let [head, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let header = Line::from(vec![
        Span::styled(s.a.label(), t.accent),
        Span::styled(" vs ", t.dim),
        Span::styled(s.b.label(), t.accent),
        Span::styled(
            format!(
                " · {} · last {} · {}",
                one_line(&s.project),
                s.range.label(),
                s.scope.label()
            ),
            t.dim,
        ),
    ]);
    frame.render_widget(Paragraph::new(header), head);
    if let Some(e) = &s.list.error {
        let msg = vec![
            Line::styled(one_line(e), t.error),
            Line::styled("r: retry", t.dim),
        ];
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: false }), rest);
        return;
    }
    let Some(data) = &s.data else {
        let msg = format!(
            "Reading the {} of the last {}…",
            s.scope.label(),
            s.range.label()
        );
        frame.render_widget(Paragraph::new(msg).style(t.dim), rest);
        return;
    };
    if s.list.is_empty() {
        let msg = format!(
            "No {} of the last {} has both {} and {} ({} read). [ / ] change the range, T switches traces/threads.",
            s.scope.label(),
            s.range.label(),
            s.a.label(),
            s.b.label(),
            data.read
        );
        frame.render_widget(
            Paragraph::new(msg).style(t.dim).wrap(Wrap { trim: false }),
            rest,
        );
        return;
    }
    let cats = data.categories.as_ref();
    let stats_h = if cats.is_some() { 8 } else { 6 };
    let table_h = cats.map_or(0, |c| c.table.labels.len() as u16 + 3);
    let [top, items] = Layout::vertical([
        Constraint::Length(stats_h.max(table_h).min(14)),
        Constraint::Min(4),
    ])
    .areas(rest);
    let [left, right] = Layout::horizontal([Constraint::Length(46), Constraint::Min(0)]).areas(top);
    frame.render_widget(
        Paragraph::new(stat_lines(s, data, t)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.border)
                .title(Line::styled(" Statistics ", t.title)),
        ),
        left,
    );
    match cats {
        Some(c) => confusion(frame, right, c, s, t),
        None => {
            let legend = vec![
                Line::styled("r: linear agreement of the values", t.dim),
                Line::styled("ρ: agreement of their order (ranks)", t.dim),
                Line::styled("≥ 0.70 strong · ≥ 0.40 moderate · weaker", t.dim),
                Line::styled("A − B: which one scores higher, on average", t.dim),
            ];
            frame.render_widget(
                Paragraph::new(legend).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(t.border),
                ),
                right,
            );
        }
    }
    let (a, b) = (s.a.label(), s.b.label());
    let columns = [
        Column::flex("Item", 2, 12),
        Column::flex("Input", 3, 10).optional(1),
        Column::flex(&a, 1, 8).right(),
        Column::flex(&b, 1, 8).right(),
        Column::fixed("A − B", 7).right(),
        Column::fixed("Time", 10).right().optional(2),
    ];
    let title = Line::styled(" Items where they differ most ", t.title);
    s.list.draw(
        frame,
        items,
        t,
        ListView {
            title,
            columns: &columns,
            empty: "",
        },
        |p: &Pair, c| match c {
            0 => (p.title.clone(), t.text),
            1 => (p.preview.clone(), t.dim),
            2 => (p.a.label.clone(), t.text),
            3 => (p.b.label.clone(), t.text),
            4 if p.diff() == 0.0 => ("0".into(), t.success),
            4 => (signed(p.diff()), t.warning),
            _ => (time(p.time, now, false), t.dim),
        },
        |_| None,
    );
}

/// `+0.7`, `-0.15`.
fn signed(v: f64) -> String {
    let s = score_value(v);
    if v > 0.0 { format!("+{s}") } else { s }
}

fn stat_lines(s: &CompareScreen, d: &Comparison, t: &Theme) -> Vec<Line<'static>> {
    let row = |k: &str, v: String, style| {
        Line::from(vec![
            Span::styled(format!("{k:<18}"), t.dim),
            Span::styled(v, style),
        ])
    };
    let read = match s.total {
        Some(total) => format!(
            "{} (of the latest {} of {})",
            s.list.len(),
            format::thousands(d.read as i64),
            format::thousands(total)
        ),
        None => format!("{} ({} read)", s.list.len(), d.read),
    };
    let mut lines = vec![
        row("items with both", read, t.text),
        row("Pearson r", show(&d.pearson), stat_style(&d.pearson, t)),
        row("Spearman ρ", show(&d.spearman), stat_style(&d.spearman, t)),
        row(
            "mean A − B",
            d.mean_difference
                .map_or_else(|| "n/a (no pairs)".into(), |m| format!("{m:.2}")),
            t.text,
        ),
    ];
    if let Some(c) = &d.categories {
        lines.push(row("Cohen κ", show(&c.kappa), stat_style(&c.kappa, t)));
        let same = match c.agreement {
            Ok(v) => format!("{:.2}%", v * 100.0),
            Err(_) => show(&c.agreement),
        };
        lines.push(row("same category", same, t.text));
    }
    lines
}

/// The confusion table: A's categories down, B's across.
fn confusion(frame: &mut Frame, area: Rect, c: &Categories, s: &CompareScreen, t: &Theme) {
    let label = |k| c.labels.get(k).cloned().unwrap_or_default();
    let names: Vec<String> = c.table.labels.iter().map(label).collect();
    let w = names
        .iter()
        .map(|n| display_width(n))
        .chain([5])
        .max()
        .unwrap_or(5)
        .min(12)
        + 2;
    let cell = |text: &str| format!("{:>w$}", truncate_to_width(text, w - 1), w = w);
    let mut head = vec![Span::styled(cell("A \\ B"), t.dim)];
    head.extend(names.iter().map(|n| Span::styled(cell(n), t.header)));
    let mut lines = vec![Line::from(head)];
    for (r, name) in names.iter().enumerate() {
        let mut spans = vec![Span::styled(cell(name), t.header)];
        for col in 0..names.len() {
            let n = c.table.counts[r][col];
            let style = match (r == col, n) {
                (_, 0) => t.dim,
                (true, _) => t.success,
                (false, _) => t.warning,
            };
            spans.push(Span::styled(cell(&n.to_string()), style));
        }
        lines.push(Line::from(spans));
    }
    let title = format!(" {} (rows) × {} ", s.a.label(), s.b.label());
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.border)
                .title(Line::styled(title, t.title)),
        ),
        area,
    );
}
