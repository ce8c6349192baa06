//! Drawing the annotate screen: the loading / error / picker phases here, the intro and end
//! (`intro`), the item screen (`item`) and its scoring panel (`panel`).

mod failure;
mod intro;
mod item;
mod panel;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{AnnotateScreen, Phase};
use crate::annotate::session::Stage;
use crate::app::{Action, DrawCtx, KeyContext, KeyMap};
use crate::render::sanitize::sanitize;

impl AnnotateScreen {
    /// Draw the current phase (the screen's `draw`).
    pub(super) fn draw_phase(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let theme = ctx.theme;
        if let Phase::Pick(p) = &mut self.phase {
            p.draw(frame, area, theme);
            return;
        }
        match &self.phase {
            Phase::Loading(msg) => {
                frame.render_widget(Paragraph::new(msg.as_str()).style(theme.dim), area)
            }
            Phase::Error(e) => frame.render_widget(
                Paragraph::new(vec![
                    Line::styled(sanitize(e).into_owned(), theme.error),
                    Line::default(),
                    Line::styled("r: retry · Esc: back", theme.dim),
                ])
                .wrap(Wrap { trim: false }),
                area,
            ),
            Phase::Pick(_) => {}
            Phase::Session(s) => match s.stage {
                Stage::Intro => {
                    intro::draw_intro(frame, area, theme, ctx.keymap, s, self.status_line())
                }
                Stage::Finished => {
                    intro::draw_finished(frame, area, theme, ctx.keymap, s, self.status_line())
                }
                Stage::Item => self.draw_item(frame, area, theme, ctx.keymap),
            },
        }
    }
}

/// The keys bound to `action` in `context`, unmodified keys first (`Enter` before `^s`), at
/// most `max`, `/`-joined; `(unbound)` when none.
fn keys_label(km: &KeyMap, context: KeyContext, action: Action, max: usize) -> String {
    let mut keys = km.keys_for(context, action);
    keys.sort_by_key(|k| k.ctrl || k.alt);
    if keys.is_empty() {
        return "(unbound)".into();
    }
    keys.iter()
        .take(max)
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join("/")
}

fn progress_bar(ratio: f64, width: usize) -> String {
    let filled = ((ratio.clamp(0.0, 1.0) * width as f64).round()) as usize;
    format!(
        "{}{}",
        "█".repeat(filled),
        "░".repeat(width.saturating_sub(filled))
    )
}
