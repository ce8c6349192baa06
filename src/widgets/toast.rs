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
            let lines = wrap_count(&t.text, inner_w).min(4) as u16;
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

/// Rough number of wrapped lines for `text` at `width` columns.
fn wrap_count(text: &str, width: usize) -> usize {
    text.lines()
        .map(|l| sanitize::display_width(l).div_ceil(width).max(1))
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
}
