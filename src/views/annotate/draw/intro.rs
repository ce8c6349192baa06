//! The annotate intro (instructions, progress, the feedback definitions) and the end screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::{keys_label, progress_bar};
use crate::annotate::session::Session;
use crate::app::{Action, KeyContext, KeyMap};
use crate::render::sanitize::{one_line, truncate_to_width};
use crate::theme::Theme;

pub(super) fn draw_intro(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    km: &KeyMap,
    s: &Session,
    status: String,
) {
    let instructions = s.queue.instructions.clone().unwrap_or_default();
    let instr_lines = if instructions.trim().is_empty() {
        1
    } else {
        instructions.lines().count() as u16 + 2
    };
    let [head, instr, table, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(instr_lines.min(area.height / 3).max(3)),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    draw_intro_head(frame, head, area.width, theme, s, &status);
    let instr_text = if instructions.trim().is_empty() {
        Text::styled("No instructions.", theme.dim)
    } else {
        (*crate::render::markdown::render(&instructions, instr.width.saturating_sub(2), theme))
            .clone()
    };
    frame.render_widget(
        Paragraph::new(instr_text).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(" Instructions ", theme.title)),
        ),
        instr,
    );
    draw_definitions(frame, table, theme, s);
    draw_intro_foot(frame, foot, theme, km, s);
}

/// Queue name, scope and project; my progress; the team's counts and the save status.
fn draw_intro_head(
    frame: &mut Frame,
    head: Rect,
    width: u16,
    theme: &Theme,
    s: &Session,
    status: &str,
) {
    let p = s.progress();
    let scope = if s.queue.scope == "thread" {
        "threads"
    } else {
        "traces"
    };
    let bar_w = (width as usize / 4).clamp(5, 30);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(one_line(&s.queue.name), theme.heading1),
                Span::styled(
                    format!(
                        " · {scope} · project {}",
                        one_line(s.queue.project_name.as_deref().unwrap_or("?"))
                    ),
                    theme.dim,
                ),
            ]),
            Line::from(vec![
                Span::raw("Your progress "),
                Span::styled(progress_bar(p.ratio(), bar_w), theme.accent),
                Span::raw(format!(" {}", p.label())),
            ]),
            Line::styled(
                format!(
                    "Team: {} completed · {}{} in review · {} to review · {} per item · {status}",
                    p.completed,
                    // Items I did that wait for others (only with 2+ per item); shown so the
                    // counts add up to the total.
                    if p.awaiting > 0 {
                        format!("{} awaiting others · ", p.awaiting)
                    } else {
                        String::new()
                    },
                    p.in_review,
                    p.to_review,
                    s.annotators_per_item()
                ),
                theme.dim,
            ),
        ]),
        head,
    );
}

/// The feedback definitions: name, description and values, wrapped.
fn draw_definitions(frame: &mut Frame, table: Rect, theme: &Theme, s: &Session) {
    let inner = table.width.saturating_sub(2) as usize;
    let desc_w = (inner * 35 / 100).saturating_sub(3).max(4);
    let values_w = (inner * 45 / 100).saturating_sub(3).max(4);
    let rows: Vec<Row> = s
        .defs
        .iter()
        .map(|d| {
            let values = wrap_words(&one_line(&d.values_summary()), values_w);
            let desc = wrap_words(&one_line(d.description.as_deref().unwrap_or("")), desc_w);
            let h = values.len().max(desc.len()).max(1) as u16;
            Row::new(vec![
                Cell::from(one_line(&d.name)),
                Cell::from(Text::from(
                    desc.into_iter().map(Line::raw).collect::<Vec<_>>(),
                )),
                Cell::from(Text::from(
                    values.into_iter().map(Line::raw).collect::<Vec<_>>(),
                )),
            ])
            .height(h)
        })
        .collect();
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Percentage(20),
                Constraint::Percentage(35),
                Constraint::Percentage(45),
            ],
        )
        .header(Row::new(vec!["Feedback", "Description", "Values"]).style(theme.header))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(" Feedback definitions ", theme.title)),
        ),
        table,
    );
}

/// How to start (or resume), reload and leave; a warning when the queue is empty or
/// definitions are missing.
fn draw_intro_foot(frame: &mut Frame, foot: Rect, theme: &Theme, km: &KeyMap, s: &Session) {
    let p = s.progress();
    let k = |a: Action| keys_label(km, KeyContext::AnnotateIntro, a, 1);
    let start = format!(
        "{}: {} annotating",
        k(Action::Open),
        if p.done_for_me > 0 { "resume" } else { "start" }
    );
    let mut foot_lines = vec![Line::from(vec![
        Span::styled(start, theme.accent),
        Span::styled(
            format!(
                " · {}: reload · {}: leave",
                k(Action::Refresh),
                k(Action::Close)
            ),
            theme.dim,
        ),
    ])];
    if s.items.is_empty() {
        foot_lines.insert(
            0,
            Line::styled("This queue has no items yet.", theme.warning),
        );
    } else if !s.missing_defs.is_empty() {
        foot_lines.insert(
            0,
            Line::styled(
                format!(
                    "Definitions not found on the server: {}",
                    s.missing_defs.join(", ")
                ),
                theme.warning,
            ),
        );
    }
    frame.render_widget(Paragraph::new(foot_lines), foot);
}

pub(super) fn draw_finished(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    km: &KeyMap,
    s: &Session,
    status: String,
) {
    let p = s.progress();
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled(
                format!("Nothing left to review in “{}”.", one_line(&s.queue.name)),
                theme.heading2,
            ),
            Line::default(),
            Line::raw(format!("You annotated {}.", p.label())),
            Line::styled(
                format!(
                    "Team: {} completed · {} in review by others.",
                    p.completed, p.in_review
                ),
                theme.dim,
            ),
            Line::styled(status, theme.dim),
            Line::default(),
            Line::styled(
                format!(
                    "{}: back to the intro (review again) · {}{}: leave",
                    keys_label(km, KeyContext::AnnotateIntro, Action::Open, 1),
                    if s.can_undo() {
                        format!(
                            "{}: undo my last submit · ",
                            keys_label(km, KeyContext::AnnotateIntro, Action::Undo, 1)
                        )
                    } else {
                        String::new()
                    },
                    keys_label(km, KeyContext::AnnotateIntro, Action::Close, 1)
                ),
                theme.accent,
            ),
        ])
        .wrap(Wrap { trim: false }),
        area,
    );
}

/// Greedy word wrap to `width` columns (long words are cut).
fn wrap_words(s: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for w in s.split(' ') {
        let candidate = if cur.is_empty() {
            w.to_string()
        } else {
            format!("{cur} {w}")
        };
        if crate::render::sanitize::display_width(&candidate) <= width {
            cur = candidate;
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur = truncate_to_width(w, width).into_owned();
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
