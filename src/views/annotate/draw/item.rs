//! The annotate item screen: header (progress, save status), note, instructions, the item
//! (a trace's input, output and spans, or a thread's turns), the scoring panel and the key line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{keys_label, progress_bar};
use crate::annotate::load::ItemContext;
use crate::annotate::progress::ItemStatus;
use crate::annotate::session::{ItemData, LockState, Session};
use crate::app::{Action, KeyContext, KeyMap};
use crate::opik::messages::{self, Body, Kind};
use crate::render::sanitize::{one_line, truncate_to_width};
use crate::theme::Theme;
use crate::views::annotate::{AnnotateScreen, Editor, Phase};

impl AnnotateScreen {
    pub(super) fn draw_item(&mut self, frame: &mut Frame, area: Rect, theme: &Theme, km: &KeyMap) {
        let Phase::Session(s) = &self.phase else {
            return;
        };
        let Some(item) = s.current_item() else {
            return;
        };
        let instructions = s
            .queue
            .instructions
            .as_deref()
            .filter(|t| !t.trim().is_empty() && self.show_instructions);
        let instr_h = instructions
            .map(|t| (t.lines().count() as u16 + 2).min(area.height / 4).max(3))
            .unwrap_or(0);
        let note_h = u16::from(self.note.is_some());
        let [head, note, instr, body, foot] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(note_h),
            Constraint::Length(instr_h),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(area);
        draw_header(frame, head, theme, s, &self.status_line());
        if let Some(n) = &self.note {
            frame.render_widget(Paragraph::new(Line::styled(n.clone(), theme.info)), note);
        }
        if let Some(t) = instructions {
            let text = crate::render::markdown::render(t, instr.width.saturating_sub(2), theme);
            frame.render_widget(
                Paragraph::new((*text).clone()).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(theme.border)
                        .title(Span::styled(" Instructions (i) ", theme.title)),
                ),
                instr,
            );
        }
        let panel_w = if body.width >= 100 {
            44
        } else {
            body.width * 2 / 5
        };
        let [left, right] =
            Layout::horizontal([Constraint::Min(20), Constraint::Length(panel_w)]).areas(body);
        // The item.
        let ctx_data = self.contexts.get(&item.id);
        let spans_key = keys_label(km, KeyContext::Annotate, Action::ToggleSpans, 1);
        let text = item_text(
            &item.data,
            ctx_data,
            self.spans_open,
            &spans_key,
            left.width.saturating_sub(2),
            theme,
        );
        let status = match &item.data {
            ItemData::Thread(t) => format!(
                " {} · {} ",
                one_line(&item.data.title()),
                t.status.as_deref().unwrap_or("unknown status")
            ),
            ItemData::Trace(_) => format!(" {} ", one_line(&item.data.title())),
        };
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0))
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(theme.border)
                        .title(Span::styled(
                            truncate_to_width(&status, left.width as usize - 2).into_owned(),
                            theme.title,
                        )),
                ),
            left,
        );
        // The panel.
        let held = matches!(item.lock, LockState::HeldBy(_));
        self.draw_panel(frame, right, theme, km);
        let hint = self.item_hint(km, held);
        let style = if self.confirm_leave {
            theme.warning
        } else {
            theme.dim
        };
        frame.render_widget(
            Paragraph::new(truncate_to_width(&hint, foot.width as usize).into_owned()).style(style),
            foot,
        );
    }

    /// The key line under the item: the editor's keys, the held item's choices, the "leave?"
    /// prompt, or every item key.
    fn item_hint(&self, km: &KeyMap, held: bool) -> String {
        let k = |a: Action| keys_label(km, KeyContext::Annotate, a, 1);
        match (&self.editor, held) {
            (Editor::Comment(_), _) => "Esc: done · Ctrl-s: submit + next".to_string(),
            (Editor::Reason(_), _) => "Enter/Esc: done".to_string(),
            (_, true) => format!(
                "{}: next item · {}: annotate anyway · {}: previous · {}: leave",
                k(Action::Submit),
                k(Action::TakeOver),
                k(Action::PrevItem),
                k(Action::Close)
            ),
            _ if self.confirm_leave => {
                "Unsaved edits will be lost. Leave? y: yes · any other key: stay".to_string()
            }
            _ => format!(
                "{}/{} field · 1-9 pick · {}/{} · {}/{} step · {} clear · {} reason · {} comment · {} submit+next · {}/{} item · {} instructions · {} spans · {} remove · {} leave · ? keys",
                k(Action::NextField),
                k(Action::PrevField),
                k(Action::Yes),
                k(Action::No),
                k(Action::Decrease),
                k(Action::Increase),
                k(Action::ClearField),
                k(Action::Reason),
                k(Action::Comment),
                k(Action::Submit),
                k(Action::NextItem),
                k(Action::PrevItem),
                k(Action::ToggleInstructions),
                k(Action::ToggleSpans),
                k(Action::RemoveFromQueue),
                k(Action::Close),
            ),
        }
    }
}

fn draw_header(frame: &mut Frame, area: Rect, theme: &Theme, s: &Session, status: &str) {
    let p = s.progress();
    let scope = if s.queue.scope == "thread" {
        "threads"
    } else {
        "traces"
    };
    let item_pos = format!("item {}/{}", s.current + 1, s.items.len());
    let status_of = match s.statuses().get(s.current) {
        Some(ItemStatus::Completed) => "completed",
        Some(ItemStatus::Scored) => "done by me",
        Some(ItemStatus::InReview) => "in review",
        Some(ItemStatus::ToReview) => "to review",
        None => "",
    };
    let line1 = Line::from(vec![
        Span::styled(one_line(&s.queue.name), theme.title),
        Span::styled(
            format!(
                " · {scope} · {}",
                one_line(s.queue.project_name.as_deref().unwrap_or(""))
            ),
            theme.dim,
        ),
    ]);
    let bar_w = (area.width as usize / 5).clamp(5, 20);
    let line2 = Line::from(vec![
        Span::styled(progress_bar(p.ratio(), bar_w), theme.accent),
        Span::raw(format!(" {} ", p.label())),
        Span::styled(
            format!("· team done {} · {item_pos} ({status_of}) · ", p.completed),
            theme.dim,
        ),
        Span::styled(
            status.to_string(),
            if status.starts_with("offline") {
                theme.warning
            } else {
                theme.success
            },
        ),
    ]);
    frame.render_widget(Paragraph::new(vec![line1, line2]), area);
}

fn body_lines(
    v: Option<&serde_json::Value>,
    kind: Kind,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    match messages::body(v, kind) {
        Body::Markdown(t) => crate::render::markdown::render(&t, width, theme)
            .lines
            .clone(),
        Body::Plain(t) => {
            crate::render::markdown::plain_wrapped(&t, width as usize, theme.text).lines
        }
        Body::Json(t) => crate::render::json::highlight_text(&t, theme),
        Body::Raw(v) => crate::render::json::render_value(&v, theme),
        Body::Empty => vec![Line::styled("(empty)", theme.dim)],
    }
}

/// The item pane: a trace's input, output and span summary, or a thread's turns.
fn item_text(
    data: &ItemData,
    context: Option<&ItemContext>,
    spans_open: bool,
    spans_key: &str,
    width: u16,
    theme: &Theme,
) -> Text<'static> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    match data {
        ItemData::Trace(t) => {
            lines.push(Line::styled("Input", theme.heading2));
            lines.extend(body_lines(t.input.as_ref(), Kind::Input, width, theme));
            lines.push(Line::default());
            lines.push(Line::styled("Output", theme.heading2));
            lines.extend(body_lines(t.output.as_ref(), Kind::Output, width, theme));
            lines.push(Line::default());
            match context {
                None => lines.push(Line::styled("Spans: loading…", theme.dim)),
                Some(c) if !spans_open => lines.push(Line::from(vec![
                    Span::styled(format!("▸ Spans ({})", c.spans.len()), theme.heading3),
                    Span::styled(format!("  {spans_key}: expand"), theme.dim),
                ])),
                Some(c) => {
                    lines.push(Line::from(vec![
                        Span::styled(format!("▾ Spans ({})", c.spans.len()), theme.heading3),
                        Span::styled(format!("  {spans_key}: fold"), theme.dim),
                    ]));
                    for sp in &c.spans {
                        let ty = sp.span_type.clone().unwrap_or_else(|| "general".into());
                        let dur = sp
                            .duration
                            .map(crate::render::format::duration_ms)
                            .unwrap_or_default();
                        lines.push(Line::from(vec![
                            Span::raw("  "),
                            Span::styled(format!("{ty:<9}"), theme.span_type(&ty)),
                            Span::raw(one_line(sp.name.as_deref().unwrap_or("(unnamed)"))),
                            Span::styled(format!("  {dur}"), theme.dim),
                        ]));
                    }
                }
            }
        }
        ItemData::Thread(th) => {
            let turns = context.map(|c| c.turns.as_slice()).unwrap_or_default();
            if context.is_none() {
                lines.push(Line::styled("Loading the conversation…", theme.dim));
            } else if turns.is_empty() {
                lines.push(Line::styled("User", theme.heading3));
                lines.extend(body_lines(
                    th.first_message.as_ref(),
                    Kind::Input,
                    width,
                    theme,
                ));
                lines.push(Line::styled("Assistant", theme.heading3));
                lines.extend(body_lines(
                    th.last_message.as_ref(),
                    Kind::Output,
                    width,
                    theme,
                ));
            }
            for t in turns {
                lines.push(Line::styled("User", theme.heading3));
                lines.extend(body_lines(t.input.as_ref(), Kind::Input, width, theme));
                lines.push(Line::styled("Assistant", theme.heading3));
                lines.extend(body_lines(t.output.as_ref(), Kind::Output, width, theme));
                lines.push(Line::default());
            }
        }
    }
    Text::from(lines)
}
