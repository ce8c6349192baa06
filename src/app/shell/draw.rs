//! Drawing the shell: status bar, the top screen, the hint bar or command line, the help
//! overlay and toasts.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::App;
use crate::app::key_context::KeyContext;
use crate::app::screen::DrawCtx;
use crate::widgets::{help, hintbar, statusbar};

impl App {
    /// Draw everything.
    pub fn draw(&mut self, frame: &mut Frame, now: DateTime<Utc>) {
        let area = frame.area();
        frame.buffer_mut().set_style(area, self.theme.text);
        let [status_area, body, hint_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        self.body_area = body;
        let outbox = self.outbox.label();
        let refreshed = self.last_refresh.map(|t| {
            t.with_timezone(&self.local_offset)
                .format("%H:%M:%S")
                .to_string()
        });
        let (typing, labels) = match self.stack.last() {
            Some((_, s)) if s.capturing_text() => (Some(s.typing_hints()), Vec::new()),
            Some((_, s)) => (None, s.hint_labels()),
            None => (None, Vec::new()),
        };
        let (title, sstatus, context, hints, extra) = match self.stack.last() {
            Some((_, s)) => (
                s.title(),
                s.status(),
                s.context(),
                s.hints(),
                if self.help_scroll.is_some() {
                    s.help_extra()
                } else {
                    Vec::new()
                },
            ),
            None => (
                String::new(),
                None,
                KeyContext::Global,
                Vec::new(),
                Vec::new(),
            ),
        };
        statusbar::render(
            &statusbar::StatusInfo {
                url: &self.url,
                workspace: &self.workspace,
                project: self.project.as_deref(),
                screen: &title,
                screen_status: sstatus.as_deref(),
                busy: self.tasks.busy() > 0,
                refreshed: refreshed.as_deref(),
                outbox: outbox.as_deref(),
            },
            &self.spinner,
            status_area,
            frame.buffer_mut(),
            &self.theme,
        );
        let dctx = DrawCtx {
            theme: &self.theme,
            keymap: &self.keymap,
            now,
        };
        if let Some((_, s)) = self.stack.last_mut() {
            s.draw(frame, body, &dctx);
        }
        if let Some(c) = &self.cmdline {
            frame.buffer_mut().set_style(hint_area, self.theme.text);
            c.draw(frame, hint_area, &self.theme);
        } else {
            let line = match &typing {
                Some(t) => hintbar::typing_line(t, hint_area.width, &self.theme),
                None => hintbar::hint_line_with(
                    &self.keymap,
                    context,
                    &hints,
                    &labels,
                    hint_area.width,
                    &self.theme,
                    self.stack.len() <= 1,
                ),
            };
            hintbar::render(&line, hint_area, frame.buffer_mut(), &self.theme);
        }
        if let Some(scroll) = self.help_scroll {
            let lines =
                help::help_lines_with(&self.keymap, &title, context, &hints, &extra, &self.theme);
            let used = help::draw(frame, body, lines, scroll, &self.theme);
            self.help_scroll = Some(used);
        }
        self.toasts.draw(frame, body, &self.theme);
        self.dirty = false;
    }
}
