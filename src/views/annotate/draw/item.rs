//! The annotate item screen: header (progress, save status), note, instructions, the item
//! (a trace's input, output and spans, or a thread's turns), the scoring panel and the key line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{failure, keys_label, progress_bar};
use crate::annotate::load::ItemContext;
use crate::annotate::progress::ItemStatus;
use crate::annotate::session::{ItemData, LockState, Session};
use crate::app::{Action, KeyContext, KeyMap};
use crate::opik::messages::{self, Body, Kind};
use crate::opik::model::Trace;
use crate::render::format;
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
        // The instructions as they wrap in the box; a quarter of the screen at most (all but
        // the item's last 8 rows once `i` opened them whole), saying what is left out.
        let instructions = s
            .queue
            .instructions
            .as_deref()
            .filter(|t| !t.trim().is_empty() && !self.instructions.hidden)
            .map(|t| crate::render::markdown::render(t, area.width.saturating_sub(2), theme));
        let cap = if self.instructions.full {
            area.height.saturating_sub(8)
        } else {
            area.height / 4
        };
        let instr_h = instructions
            .as_ref()
            .map(|t| (t.lines.len() as u16 + 2).min(cap).max(3))
            .unwrap_or(0);
        let hidden_lines = instructions
            .as_ref()
            .map(|t| {
                t.lines
                    .len()
                    .saturating_sub(instr_h.saturating_sub(2) as usize)
            })
            .unwrap_or(0);
        self.instructions.cut = hidden_lines > 0;
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
        if let Some(text) = instructions {
            let mut block = Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(" Instructions (i) ", theme.title));
            if hidden_lines > 0 {
                let more = format!(
                    " ↓ {}: i shows all ",
                    format::count(hidden_lines, "more line")
                );
                block = block.title_bottom(Line::styled(more, theme.warning).right_aligned());
            }
            frame.render_widget(Paragraph::new((*text).clone()).block(block), instr);
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
        let folds = Folds {
            spans_open: self.spans_open,
            spans_key: keys_label(km, KeyContext::Annotate, Action::ToggleSpans, 1),
            traceback_open: self.traceback_open,
            traceback_key: keys_label(km, KeyContext::Annotate, Action::ToggleTraceback, 1),
        };
        let text = item_text(
            &item.data,
            ctx_data,
            &folds,
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
                "{}/{} field · 1-9 pick · {}/{} · {}/{} step · {} clear · {} reason · {} comment · {} submit+next · {} skip · {} undo · {}/{} item · {} instructions · {} spans · {} remove · {} leave · ? keys",
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
                k(Action::Skip),
                k(Action::Undo),
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
    lines_of(messages::body(v, kind), width, theme)
}

/// A classified body's lines.
fn lines_of(b: Body, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    match b {
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

/// What the item pane shows unfolded, and the keys that fold it.
struct Folds {
    spans_open: bool,
    spans_key: String,
    traceback_open: bool,
    traceback_key: String,
}

/// A trace's (or turn's) output; a failed call's note in place of nothing.
fn output_lines(t: &Trace, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    match messages::body(t.output.as_ref(), Kind::Output) {
        Body::Empty if t.error_info.is_some() => vec![failure::no_output(theme)],
        b => lines_of(b, width, theme),
    }
}

/// The span summary, folded to a count (with the failed ones) or one line per span.
fn span_lines(spans: &[crate::opik::model::Span], f: &Folds, theme: &Theme) -> Vec<Line<'static>> {
    let failed = spans.iter().filter(|s| s.error_info.is_some()).count();
    let count = match failed {
        0 => format!("Spans ({})", spans.len()),
        n => format!("Spans ({}, {n} failed)", spans.len()),
    };
    let (mark, verb) = if f.spans_open {
        ("▾", "fold")
    } else {
        ("▸", "expand")
    };
    let mut head = vec![Span::styled(format!("{mark} {count}"), theme.heading3)];
    if failed > 0 {
        head[0].style = theme.error;
    }
    head.push(Span::styled(
        format!("  {}: {verb}", f.spans_key),
        theme.dim,
    ));
    let mut lines = vec![Line::from(head)];
    if !f.spans_open {
        return lines;
    }
    for sp in spans {
        let ty = sp.span_type.clone().unwrap_or_else(|| "general".into());
        let dur = sp
            .duration
            .map(crate::render::format::duration_ms)
            .unwrap_or_default();
        let mut row = vec![
            Span::raw("  "),
            Span::styled(format!("{ty:<9}"), theme.span_type(&ty)),
            Span::raw(one_line(sp.name.as_deref().unwrap_or("(unnamed)"))),
            Span::styled(format!("  {dur}"), theme.dim),
        ];
        row.extend(sp.error_info.as_ref().map(|e| failure::span_mark(e, theme)));
        lines.push(Line::from(row));
    }
    lines
}

/// The item pane: a trace's error, input, output and span summary, or a thread's turns.
fn item_text(
    data: &ItemData,
    context: Option<&ItemContext>,
    f: &Folds,
    width: u16,
    theme: &Theme,
) -> Text<'static> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    let error = |e: &crate::opik::model::ErrorInfo| {
        failure::error_lines(e, f.traceback_open, &f.traceback_key, width, theme)
    };
    match data {
        ItemData::Trace(t) => {
            if let Some(e) = &t.error_info {
                lines.extend(error(e));
                lines.push(Line::default());
            }
            lines.push(Line::styled("Input", theme.heading2));
            lines.extend(body_lines(t.input.as_ref(), Kind::Input, width, theme));
            lines.push(Line::default());
            lines.push(Line::styled("Output", theme.heading2));
            lines.extend(output_lines(t, width, theme));
            lines.push(Line::default());
            match context {
                None => lines.push(Line::styled("Spans: loading…", theme.dim)),
                Some(c) => lines.extend(span_lines(&c.spans, f, theme)),
            }
        }
        ItemData::Thread(th) => {
            let turns = context.map(|c| c.turns.as_slice()).unwrap_or_default();
            if context.is_none() {
                lines.push(Line::styled("Loading the conversation…", theme.dim));
            } else if turns.is_empty() {
                for (who, body, kind) in [
                    ("User", th.first_message.as_ref(), Kind::Input),
                    ("Assistant", th.last_message.as_ref(), Kind::Output),
                ] {
                    lines.push(Line::styled(who, theme.heading3));
                    lines.extend(body_lines(body, kind, width, theme));
                }
            }
            for t in turns {
                lines.push(Line::styled("User", theme.heading3));
                lines.extend(body_lines(t.input.as_ref(), Kind::Input, width, theme));
                lines.push(Line::styled("Assistant", theme.heading3));
                if let Some(e) = &t.error_info {
                    lines.extend(error(e));
                }
                lines.extend(output_lines(t, width, theme));
                lines.push(Line::default());
            }
        }
    }
    Text::from(lines)
}
