//! Drawing the agreement view: the header, the definitions table with the selected
//! definition's note, the pairwise table and the items table. Text in the model is already
//! sanitised (`annotate::agreement`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{AgreementScreen, Pane};
use crate::annotate::agreement::{DefinitionAgreement, ItemAgreement};
use crate::render::sanitize::one_line;
use crate::stats::{Level, Stat, show};
use crate::theme::Theme;
use crate::widgets::list::ListCore;
use crate::widgets::table::{self, Cell, Column, TableView};

/// The style of an agreement coefficient, after Krippendorff's guide: ≥ 0.800 reliable,
/// ≥ 0.667 tentative, below that not.
pub(super) fn stat_style(s: &Stat, t: &Theme) -> Style {
    match s {
        Ok(v) if *v >= 0.8 => t.score_good,
        Ok(v) if *v >= 0.667 => t.score_mid,
        Ok(_) => t.score_bad,
        Err(_) => t.dim,
    }
}

/// `66.67%`, or `n/a (reason)`.
fn percent(s: &Stat) -> String {
    match s {
        Ok(v) => format!("{:.2}%", v * 100.0),
        Err(_) => show(s),
    }
}

fn annotators_word(n: usize) -> String {
    if n == 1 {
        "1 annotator".into()
    } else {
        format!("{n} annotators")
    }
}

/// κ's cell: the statistic with exactly two annotators, else why there is none.
fn kappa_text(d: &DefinitionAgreement) -> String {
    match &d.kappa {
        Some(k) => show(k),
        None => format!("– ({}; κ needs 2)", annotators_word(d.annotators.len())),
    }
}

/// A list core drawn as a table, focused or not.
#[allow(clippy::too_many_arguments)]
fn list_table<R>(
    frame: &mut Frame,
    area: Rect,
    list: &mut ListCore<R>,
    title: Line,
    columns: &[Column],
    focused: bool,
    t: &Theme,
    cell: impl Fn(&R, usize) -> Cell,
) {
    let view = TableView {
        title,
        columns,
        first: 0,
        len: list.rows.len(),
        total: None,
        sort: None,
        focused,
        empty: "",
    };
    let rows = &list.rows;
    table::render(
        frame,
        area,
        &view,
        &mut list.table,
        t,
        |i, c| cell(&rows[i], c),
        |_| false,
    );
}

pub(super) fn draw(s: &mut AgreementScreen, frame: &mut Frame, area: Rect, t: &Theme) {
    if let Some(e) = &s.defs.error {
        let msg = vec![
            Line::styled(one_line(e), t.error),
            Line::styled("r: retry", t.dim),
        ];
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: false }), area);
        return;
    }
    if !s.loaded {
        let msg = "Reading the queue's items and computing agreement…";
        frame.render_widget(Paragraph::new(msg).style(t.dim), area);
        return;
    }
    if s.defs.is_empty() {
        let msg = "This queue has no feedback definitions: there is nothing to agree on.";
        frame.render_widget(Paragraph::new(msg).style(t.dim), area);
        return;
    }
    let defs_h = (s.defs.len() as u16 + 3).min(9);
    let pairs_h = if s.pairs.len() >= 2 {
        (s.pairs.len() as u16 + 3).min(9)
    } else {
        1
    };
    let [head, defs, note, pairs, items] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(defs_h),
        Constraint::Length(2),
        Constraint::Length(pairs_h),
        Constraint::Min(4),
    ])
    .areas(area);
    header(s, frame, head, t);
    definitions(s, frame, defs, t);
    if let Some(d) = s.defs.selected() {
        frame.render_widget(Paragraph::new(note_lines(d, t)), note);
    }
    pairwise(s, frame, pairs, t);
    item_table(s, frame, items, t);
}

fn header(s: &AgreementScreen, frame: &mut Frame, area: Rect, t: &Theme) {
    let q = &s.queue;
    let scope = if q.scope == "thread" {
        "threads"
    } else {
        "traces"
    };
    let line = Line::from(vec![
        Span::styled(one_line(&q.name), t.accent),
        Span::styled(
            format!(
                " · {scope} · {} scored items · {} per item",
                s.items.len(),
                q.annotators_per_item.unwrap_or(1)
            ),
            t.dim,
        ),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

fn definitions(s: &mut AgreementScreen, frame: &mut Frame, area: Rect, t: &Theme) {
    let columns = [
        Column::flex("Definition", 2, 10),
        Column::fixed("Level", 8),
        Column::fixed("Annotators", 10).right(),
        Column::fixed("Items ≥2", 9).right(),
        Column::fixed("Exact", 8).right(),
        Column::flex("Krippendorff α", 2, 14),
        Column::flex("Cohen κ", 2, 8),
    ];
    let title = Line::styled(" Agreement per definition ", t.title);
    let focused = s.focus == Pane::Definitions;
    list_table(
        frame,
        area,
        &mut s.defs,
        title,
        &columns,
        focused,
        t,
        |d, c| match c {
            0 => (d.name.clone(), t.text),
            1 => (d.level.name().into(), t.dim),
            2 => (d.annotators.len().to_string(), t.text),
            3 => (format!("{} of {}", d.pairable, d.scored), t.text),
            4 => (percent(&d.exact), stat_style(&d.exact, t)),
            5 => (show(&d.alpha), stat_style(&d.alpha, t)),
            _ => match &d.kappa {
                Some(k) => (show(k), stat_style(k, t)),
                None => (kappa_text(d), t.dim),
            },
        },
    );
}

/// The selected definition in words: what counted and every statistic with its reason.
fn note_lines(d: &DefinitionAgreement, t: &Theme) -> Vec<Line<'static>> {
    let kind = match (d.undefined, d.level) {
        (true, _) => "no definition on the server",
        (false, Level::Nominal) => "categories",
        (false, Level::Interval) => "numbers",
    };
    let source = if d.from_queue {
        "scores written in this queue"
    } else {
        "every score of this name on the queue's items (none names the queue)"
    };
    vec![
        Line::from(vec![
            Span::styled(format!("{}: ", d.name), t.accent),
            Span::styled(format!("{} ({kind}) · {source}", d.level.name()), t.dim),
        ]),
        Line::from(vec![
            Span::styled(
                format!("exact {}", percent(&d.exact)),
                stat_style(&d.exact, t),
            ),
            Span::styled(format!(" of {} items · ", d.pairable), t.dim),
            Span::styled(format!("α {}", show(&d.alpha)), stat_style(&d.alpha, t)),
            Span::styled(" · ", t.dim),
            Span::styled(
                format!("κ {}", kappa_text(d)),
                d.kappa.as_ref().map_or(t.dim, |k| stat_style(k, t)),
            ),
        ]),
    ]
}

fn pairwise(s: &mut AgreementScreen, frame: &mut Frame, area: Rect, t: &Theme) {
    let Some(d) = s.defs.selected().cloned() else {
        return;
    };
    if d.annotators.len() < 2 {
        let msg = format!(
            "{}: {} — no pairs to compare",
            d.name,
            annotators_word(d.annotators.len())
        );
        frame.render_widget(Paragraph::new(msg).style(t.dim), area);
        return;
    }
    let mut columns = vec![Column::fixed("Annotator", 16)];
    columns.extend(d.annotators.iter().map(|a| Column::fixed(a, 12).right()));
    columns.push(Column::flex("", 1, 0));
    let title = Line::styled(
        format!(
            " Pairs · {}: {} (items both scored) ",
            d.name,
            d.pair_symbol()
        ),
        t.title,
    );
    let focused = s.focus == Pane::Pairs;
    let names = d.annotators.clone();
    list_table(
        frame,
        area,
        &mut s.pairs,
        title,
        &columns,
        focused,
        t,
        |a, c| {
            let Some(row) = names.iter().position(|n| n == a) else {
                return (String::new(), t.text);
            };
            if c == 0 {
                return (a.clone(), t.text);
            }
            let col = c - 1;
            if col == row {
                return ("—".into(), t.dim);
            }
            match d.pair(row, col) {
                Some(p) if p.shared == 0 => ("– (0)".into(), t.dim),
                Some(p) => (
                    format!("{} ({})", crate::stats::show_short(&p.stat), p.shared),
                    stat_style(&p.stat, t),
                ),
                None => (String::new(), t.text),
            }
        },
    );
}

fn item_table(s: &mut AgreementScreen, frame: &mut Frame, area: Rect, t: &Theme) {
    let columns = [
        Column::flex("Item", 2, 12),
        Column::flex("Input", 3, 10).optional(1),
        Column::fixed("Annotators", 10).right(),
        Column::fixed("Disagreement", 12).right(),
        Column::flex("Disputed", 2, 10),
    ];
    let title = Line::styled(" Items, most disagreement first ", t.title);
    let focused = s.focus == Pane::Items;
    list_table(
        frame,
        area,
        &mut s.items,
        title,
        &columns,
        focused,
        t,
        |i: &ItemAgreement, c| match c {
            0 => (i.title.clone(), t.text),
            1 => (i.preview.clone(), t.dim),
            2 => (i.annotators.to_string(), t.text),
            3 => match i.disagreement {
                Some(d) if d > 0.0 => (format!("{d:.2}"), t.warning),
                Some(d) => (format!("{d:.2}"), t.success),
                None => ("n/a (alone)".into(), t.dim),
            },
            _ => (i.disputed.join(", "), t.warning),
        },
    );
}
