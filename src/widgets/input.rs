//! A one-line text input (search box, filter box, command line): editing keys, cursor,
//! horizontal scrolling, and rendering with a prompt. Input is typed by the user, but it is
//! still sanitised for display.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use crate::render::sanitize;

/// What a key did to the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputEvent {
    /// Enter.
    Submit,
    /// Esc.
    Cancel,
    /// Tab (for completion).
    Complete,
    /// Text or cursor changed.
    Changed,
    /// Not an editing key.
    Ignored,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextInput {
    value: Vec<char>,
    cursor: usize,
}

impl TextInput {
    pub fn new(value: &str) -> TextInput {
        let value: Vec<char> = value.chars().collect();
        TextInput {
            cursor: value.len(),
            value,
        }
    }

    pub fn value(&self) -> String {
        self.value.iter().collect()
    }

    pub fn set(&mut self, value: &str) {
        *self = TextInput::new(value);
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> InputEvent {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Enter => InputEvent::Submit,
            KeyCode::Esc => InputEvent::Cancel,
            KeyCode::Tab => InputEvent::Complete,
            KeyCode::Char('u') if ctrl => {
                self.value.drain(..self.cursor);
                self.cursor = 0;
                InputEvent::Changed
            }
            KeyCode::Char('w') if ctrl => {
                let mut i = self.cursor;
                while i > 0 && self.value[i - 1] == ' ' {
                    i -= 1;
                }
                while i > 0 && self.value[i - 1] != ' ' {
                    i -= 1;
                }
                self.value.drain(i..self.cursor);
                self.cursor = i;
                InputEvent::Changed
            }
            KeyCode::Char('a') if ctrl => {
                self.cursor = 0;
                InputEvent::Changed
            }
            KeyCode::Char('e') if ctrl => {
                self.cursor = self.value.len();
                InputEvent::Changed
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                self.value.insert(self.cursor, c);
                self.cursor += 1;
                InputEvent::Changed
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                self.value.remove(self.cursor);
                InputEvent::Changed
            }
            KeyCode::Delete if self.cursor < self.value.len() => {
                self.value.remove(self.cursor);
                InputEvent::Changed
            }
            KeyCode::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                InputEvent::Changed
            }
            KeyCode::Right => {
                self.cursor = (self.cursor + 1).min(self.value.len());
                InputEvent::Changed
            }
            KeyCode::Home => {
                self.cursor = 0;
                InputEvent::Changed
            }
            KeyCode::End => {
                self.cursor = self.value.len();
                InputEvent::Changed
            }
            _ => InputEvent::Ignored,
        }
    }

    /// Draw `prompt` + value into one row; places the terminal cursor when `focused`.
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        prompt: &str,
        style: Style,
        prompt_style: Style,
        focused: bool,
    ) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let prompt_w = sanitize::display_width(prompt) as u16;
        let avail = area.width.saturating_sub(prompt_w + 1) as usize;
        // Scroll so the cursor stays visible.
        let widths: Vec<usize> = self
            .value
            .iter()
            .map(|c| {
                if sanitize::is_hidden(*c) {
                    0
                } else {
                    c.width().unwrap_or(0)
                }
            })
            .collect();
        let mut start = 0;
        let mut before: usize = widths[..self.cursor].iter().sum();
        while before > avail && start < self.cursor {
            before -= widths[start];
            start += 1;
        }
        let mut shown = String::new();
        let mut w = 0;
        for (i, c) in self.value.iter().enumerate().skip(start) {
            if w + widths[i] > avail {
                break;
            }
            if !sanitize::is_hidden(*c) {
                shown.push(*c);
            }
            w += widths[i];
        }
        let line = Line::from(vec![
            Span::styled(prompt.to_string(), prompt_style),
            Span::styled(shown, style),
        ]);
        frame.buffer_mut().set_style(area, style);
        frame
            .buffer_mut()
            .set_line(area.x, area.y, &line, area.width);
        if focused {
            let x = area.x + prompt_w + before as u16;
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits() {
        let mut t = TextInput::default();
        for c in "hello world".chars() {
            t.handle_key(k(KeyCode::Char(c)));
        }
        assert_eq!(t.value(), "hello world");
        t.handle_key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(t.value(), "hello ");
        t.handle_key(k(KeyCode::Home));
        t.handle_key(k(KeyCode::Delete));
        assert_eq!(t.value(), "ello ");
        t.handle_key(k(KeyCode::End));
        t.handle_key(k(KeyCode::Backspace));
        assert_eq!(t.value(), "ello");
        assert_eq!(t.handle_key(k(KeyCode::Enter)), InputEvent::Submit);
        assert_eq!(t.handle_key(k(KeyCode::Esc)), InputEvent::Cancel);
        assert_eq!(t.handle_key(k(KeyCode::F(3))), InputEvent::Ignored);
    }

    #[test]
    fn a_raw_name_with_controls_and_bidi_overrides_is_drawn_without_them() {
        // A completed project name stays raw in the value (it is sent as is).
        let t = TextInput::new("traces evil\u{1b}[31m\u{202E}name");
        let mut term =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(40, 1)).expect("terminal");
        term.draw(|f| t.draw(f, f.area(), ":", Style::default(), Style::default(), true))
            .expect("draw");
        let row: String = (0..40)
            .map(|x| term.backend().buffer()[(x, 0)].symbol().to_string())
            .collect();
        assert!(row.starts_with(":traces evil[31mname"), "{row:?}");
        assert!(t.value().contains('\u{1b}'));
    }
}
