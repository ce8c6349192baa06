//! Toasts: short messages in the top-right corner that never take input. Errors stay longer
//! than information; at most [`MAX_VISIBLE`] show at once, newest at the bottom.

use chrono::{DateTime, Duration, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::screen::ToastLevel;
use crate::render::sanitize;
use crate::theme::Theme;

pub const MAX_VISIBLE: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub level: ToastLevel,
    pub text: String,
    pub expires: DateTime<Utc>,
}

#[derive(Debug, Default, Clone)]
pub struct Toasts {
    items: Vec<Toast>,
}

impl Toasts {
    /// Add a toast; the same text again only extends the existing one.
    pub fn push(&mut self, level: ToastLevel, text: &str, now: DateTime<Utc>) {
        let secs = match level {
            ToastLevel::Error => 8,
            ToastLevel::Info => 3,
        };
        let text = sanitize::sanitize(text).trim().to_string();
        let expires = now + Duration::seconds(secs);
        if let Some(t) = self.items.iter_mut().find(|t| t.text == text) {
            t.expires = expires;
            return;
        }
        self.items.push(Toast {
            level,
            text,
            expires,
        });
        if self.items.len() > 8 {
            self.items.remove(0);
        }
    }

    /// Drop expired toasts; true if any went away (redraw needed).
    pub fn expire(&mut self, now: DateTime<Utc>) -> bool {
        let n = self.items.len();
        self.items.retain(|t| t.expires > now);
        n != self.items.len()
    }

    /// When the next toast expires.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        self.items.iter().map(|t| t.expires).min()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn items(&self) -> &[Toast] {
        &self.items
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let width = area.width.saturating_sub(2).clamp(10, 60);
        if area.width < 12 || area.height < 4 {
            return;
        }
        let x = area.x + area.width - width - 1;
        let mut y = area.y + 1;
        let start = self.items.len().saturating_sub(MAX_VISIBLE);
        for t in &self.items[start..] {
            let inner_w = width.saturating_sub(2).max(1) as usize;
            let lines = wrap_count(&t.text, inner_w).min(6) as u16;
            let h = lines + 2;
            if y + h > area.y + area.height {
                break;
            }
            let rect = Rect::new(x, y, width, h);
            let (style, title) = match t.level {
                ToastLevel::Error => (theme.toast_error, " error "),
                ToastLevel::Info => (theme.toast_info, " info "),
            };
            frame.render_widget(Clear, rect);
            let p = Paragraph::new(Line::raw(t.text.clone()))
                .wrap(Wrap { trim: true })
                .style(style)
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(title)
                        .style(style),
                );
            frame.render_widget(p, rect);
            y += h;
        }
    }
}

/// Number of rows `text` takes at `width` columns when word-wrapped as the toast's paragraph
/// wraps it (greedy, words never split unless longer than a row), so no line is cut off.
fn wrap_count(text: &str, width: usize) -> usize {
    let width = width.max(1);
    text.lines()
        .map(|l| {
            let mut rows = 1;
            let mut cur = 0usize;
            for word in l.split_whitespace() {
                let w = sanitize::display_width(word);
                if cur > 0 && cur + 1 + w <= width {
                    cur += 1 + w;
                    continue;
                }
                if cur > 0 {
                    rows += 1;
                }
                // A word longer than a row is broken over several.
                rows += w.saturating_sub(1) / width;
                cur = if w == 0 { 0 } else { (w - 1) % width + 1 };
            }
            rows
        })
        .sum::<usize>()
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toasts_expire_and_dedupe_and_strip_escapes() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut t = Toasts::default();
        t.push(ToastLevel::Info, "saved", now);
        t.push(ToastLevel::Error, "boom \u{1b}]0;title\u{7}now", now);
        t.push(ToastLevel::Info, "saved", now + Duration::seconds(2));
        assert_eq!(t.items().len(), 2);
        assert_eq!(t.items()[1].text, "boom now");
        assert_eq!(t.next_deadline(), Some(now + Duration::seconds(5)));
        assert!(t.expire(now + Duration::seconds(6)));
        assert_eq!(t.items().len(), 1);
        assert!(t.expire(now + Duration::seconds(9)));
        assert!(t.is_empty());
    }

    #[test]
    fn a_long_toast_is_shown_whole_when_word_wrapped() {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let now = Utc::now();
        let mut t = Toasts::default();
        let msg = "this trace has no thread_id and none of these metadata keys: \
                   conversation_id, session_id, thread_id, user_session_id";
        t.push(ToastLevel::Error, msg, now);
        let mut term = Terminal::new(TestBackend::new(160, 20)).expect("terminal");
        term.draw(|f| t.draw(f, f.area(), &Theme::dark()))
            .expect("draw");
        let buf = term.backend().buffer().clone();
        let screen: String = (0..20)
            .map(|y| (0..160).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
            .collect();
        assert!(screen.contains("user_session_id"), "{screen}");
        assert_eq!(wrap_count("aaaa bbbb cccc", 9), 2);
        assert_eq!(wrap_count("aaaa bbbb cccc", 4), 3);
        assert_eq!(wrap_count("abcdefghij", 4), 3);
    }
}
