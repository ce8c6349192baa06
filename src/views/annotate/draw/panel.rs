//! The annotate scoring panel: the form's fields (or who holds the item), the reason editor
//! and the comment box.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::keys_label;
use crate::annotate::form::{FieldKind, FieldValue, ItemForm, fmt_num};
use crate::annotate::session::LockState;
use crate::app::{Action, KeyContext, KeyMap};
use crate::render::sanitize::{one_line, sanitize, truncate_to_width};
use crate::theme::Theme;
use crate::views::annotate::{AnnotateScreen, Editor, Phase};

impl AnnotateScreen {
    pub(super) fn draw_panel(&mut self, frame: &mut Frame, area: Rect, theme: &Theme, km: &KeyMap) {
        let comments_enabled = self
            .session()
            .is_some_and(|s| s.queue.comments_enabled != Some(false));
        let comment_h = if comments_enabled {
            if matches!(self.editor, Editor::Comment(_)) {
                7
            } else {
                4
            }
        } else {
            0
        };
        let [fields_area, comment_area] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(comment_h)]).areas(area);
        let Phase::Session(s) = &self.phase else {
            return;
        };
        let Some(item) = s.current_item() else {
            return;
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused)
            .title(Span::styled(" Scores ", theme.title));
        let inner_w = fields_area.width.saturating_sub(2) as usize;
        let mut lines: Vec<Line> = Vec::new();
        match &item.lock {
            LockState::HeldBy(who) => {
                lines.push(Line::styled(
                    format!("Being reviewed by {}.", one_line(who)),
                    theme.warning,
                ));
                lines.push(Line::styled(
                    format!(
                        "{}: next item · {}: annotate anyway",
                        keys_label(km, KeyContext::Annotate, Action::Submit, 1),
                        keys_label(km, KeyContext::Annotate, Action::TakeOver, 1)
                    ),
                    theme.dim,
                ));
            }
            LockState::Claiming if item.form.is_none() => {
                lines.push(Line::styled("Claiming the item…", theme.dim));
            }
            _ => {
                if let Some(form) = &item.form {
                    lines.extend(panel_lines(form, theme, inner_w));
                }
                if !s.missing_defs.is_empty() {
                    lines.push(Line::styled(
                        format!("missing definitions: {}", s.missing_defs.join(", ")),
                        theme.warning,
                    ));
                }
                if let Editor::Reason(_) = &self.editor {
                    lines.push(Line::default());
                }
            }
        }
        let reason_row = lines.len() as u16;
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block),
            fields_area,
        );
        if let Editor::Reason(t) = &mut self.editor {
            let r = Rect {
                x: fields_area.x + 1,
                y: (fields_area.y + reason_row).min(fields_area.bottom().saturating_sub(4)),
                width: fields_area.width.saturating_sub(2),
                height: 3,
            };
            t.set_block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border_focused)
                    .title(Span::styled(" Reason ", theme.title)),
            );
            frame.render_widget(Clear, r);
            frame.render_widget(&**t, r);
        }
        if comment_h > 0 {
            match &mut self.editor {
                Editor::Comment(t) => {
                    t.set_block(
                        Block::default()
                            .borders(Borders::ALL)
                            .border_style(theme.border_focused)
                            .title(Span::styled(" Comment (Esc: done) ", theme.title)),
                    );
                    frame.render_widget(&**t, comment_area);
                }
                _ => {
                    let text = item
                        .form
                        .as_ref()
                        .map(|f| f.comment.clone())
                        .unwrap_or_default();
                    let body = if text.trim().is_empty() {
                        Line::styled(
                            format!(
                                "{}: add a comment",
                                keys_label(km, KeyContext::Annotate, Action::Comment, 1)
                            ),
                            theme.dim,
                        )
                    } else {
                        Line::raw(sanitize(&text).into_owned())
                    };
                    frame.render_widget(
                        Paragraph::new(body).wrap(Wrap { trim: false }).block(
                            Block::default()
                                .borders(Borders::ALL)
                                .border_style(theme.border)
                                .title(Span::styled(" Comment ", theme.title)),
                        ),
                        comment_area,
                    );
                }
            }
        }
    }
}

/// The scoring panel's lines for a form.
fn panel_lines(form: &ItemForm, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (i, def) in form.defs.iter().enumerate() {
        let focused = i == form.focus;
        let marker = if focused { "▶ " } else { "  " };
        let name_style = if focused {
            theme.accent.add_modifier(Modifier::BOLD)
        } else {
            theme.text
        };
        let field = &form.fields[i];
        let saved = field.saved.is_some();
        let range = match &def.kind {
            FieldKind::Numerical { min, max } => format!("  {} – {}", fmt_num(*min), fmt_num(*max)),
            _ => String::new(),
        };
        lines.push(Line::from(vec![
            Span::styled(marker, theme.accent),
            Span::styled(
                truncate_to_width(&one_line(&def.name), width.saturating_sub(14)).into_owned(),
                name_style,
            ),
            Span::styled(range, theme.dim),
            Span::styled(if saved { "  ✓ saved" } else { "" }, theme.success),
        ]));
        match &def.kind {
            FieldKind::Categorical { options } => {
                for (k, (n, v)) in options.iter().enumerate() {
                    let on = field.value == FieldValue::Category(k);
                    let key = if k < 9 {
                        format!("{}", k + 1)
                    } else {
                        " ".into()
                    };
                    lines.push(Line::from(vec![
                        Span::raw("    "),
                        Span::styled(format!("{key} "), theme.hint_key),
                        Span::styled(
                            if on { "● " } else { "○ " },
                            if on { theme.accent } else { theme.dim },
                        ),
                        Span::styled(
                            truncate_to_width(
                                &format!("{} ({})", one_line(n), fmt_num(*v)),
                                width.saturating_sub(10),
                            )
                            .into_owned(),
                            if on { theme.accent } else { theme.text },
                        ),
                    ]));
                }
            }
            FieldKind::Boolean {
                true_label,
                false_label,
            } => {
                let t = field.value == FieldValue::Bool(true);
                let f = field.value == FieldValue::Bool(false);
                lines.push(Line::from(vec![
                    Span::raw("    "),
                    Span::styled("y ", theme.hint_key),
                    Span::styled(
                        if t { "● " } else { "○ " },
                        if t { theme.accent } else { theme.dim },
                    ),
                    Span::styled(
                        one_line(true_label),
                        if t { theme.accent } else { theme.text },
                    ),
                    Span::raw("   "),
                    Span::styled("n ", theme.hint_key),
                    Span::styled(
                        if f { "● " } else { "○ " },
                        if f { theme.accent } else { theme.dim },
                    ),
                    Span::styled(
                        one_line(false_label),
                        if f { theme.accent } else { theme.text },
                    ),
                ]));
            }
            FieldKind::Numerical { .. } => {
                let v = form.display_value(i).unwrap_or_default();
                let shown = if v.is_empty() && !focused {
                    "—".to_string()
                } else {
                    v
                };
                let cursor = if focused { "▏" } else { "" };
                lines.push(Line::from(vec![
                    Span::raw("    ["),
                    Span::styled(format!("{shown}{cursor}"), theme.accent),
                    Span::raw("]"),
                ]));
            }
        }
        if let Some(err) = form.errors.get(i).and_then(|e| e.as_ref()) {
            lines.push(Line::styled(format!("    ⚠ {err}"), theme.error));
        }
        if !field.reason.trim().is_empty() {
            lines.push(Line::styled(
                truncate_to_width(&format!("    reason: {}", one_line(&field.reason)), width)
                    .into_owned(),
                theme.dim,
            ));
        }
    }
    lines
}
