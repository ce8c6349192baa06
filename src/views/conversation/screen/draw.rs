//! Drawing the conversation screen: the conversation, then the open input's prompt (search,
//! comment, tags, a number) or picker popup.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout as RLayout, Rect};
use ratatui::text::Span;
use ratatui::widgets::Clear;

use super::{ConversationScreen, Mode};
use crate::app::DrawCtx;
use crate::render::sanitize;
use crate::widgets::list::cells;

impl ConversationScreen {
    /// The conversation, and the open input or picker (the screen's `draw`).
    pub(super) fn draw_screen(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let prompt_h = u16::from(matches!(
            self.mode,
            Mode::Comment(_) | Mode::Tag(_) | Mode::Number { .. }
        ));
        let [main, prompt_area] =
            RLayout::vertical([Constraint::Min(1), Constraint::Length(prompt_h * 2)]).areas(area);
        self.conv.draw(frame, main, t);
        let pending = self.conv.pending_renders();
        if !pending.is_empty() {
            // Rendered off the UI thread at the next tick; the result only says "the cache
            // is warm".
            self.pending_render = Some((pending, t.clone()));
        }
        match &self.mode {
            Mode::Search(input) => {
                let [_, line] =
                    RLayout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(main);
                frame.render_widget(Clear, line);
                input.draw(frame, line, "/", t.text, t.accent, true);
            }
            Mode::Comment(input) => {
                frame.render_widget(
                    Span::styled("Comment on the thread (Enter saves, Esc cancels)", t.dim),
                    prompt_area,
                );
                let line = Rect {
                    y: prompt_area.y + 1,
                    height: 1,
                    ..prompt_area
                };
                input.draw(frame, line, "comment: ", t.text, t.accent, true);
            }
            Mode::Tag(input) => {
                let current = self
                    .conv
                    .thread
                    .as_ref()
                    .and_then(|th| th.tags.as_deref())
                    .filter(|tags| !tags.is_empty())
                    .map_or_else(|| "none".to_string(), cells::tags);
                frame.render_widget(
                    Span::styled(
                        format!(
                            "Tags now: {current} — tags to add (commas or spaces between), -tag removes"
                        ),
                        t.dim,
                    ),
                    prompt_area,
                );
                let line = Rect {
                    y: prompt_area.y + 1,
                    height: 1,
                    ..prompt_area
                };
                input.draw(frame, line, "tags: ", t.text, t.accent, true);
            }
            Mode::Number {
                name,
                min,
                max,
                input,
                error,
            } => {
                let msg = match error {
                    Some(e) => Span::styled(e.clone(), t.error),
                    None => Span::styled(
                        format!("{}: a number from {min} to {max}", sanitize::one_line(name)),
                        t.dim,
                    ),
                };
                frame.render_widget(msg, prompt_area);
                let line = Rect {
                    y: prompt_area.y + 1,
                    height: 1,
                    ..prompt_area
                };
                input.draw(frame, line, "value: ", t.text, t.accent, true);
            }
            Mode::Pick(p) => p.picker.draw_popup(frame, area, ctx.theme),
            Mode::Normal => {}
        }
    }
}
