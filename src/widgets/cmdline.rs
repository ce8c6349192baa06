//! The `:` command line: a [`TextInput`] plus completion. The shell supplies the candidates
//! for the word under the cursor (command names, project names, theme names); `Tab` completes
//! the common prefix, then cycles through the candidates, which are listed above the line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::input::{InputEvent, TextInput};
use crate::render::sanitize;
use crate::theme::Theme;

#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    pub input: TextInput,
    /// Candidates offered by the last Tab.
    pub candidates: Vec<String>,
    cycle: Option<usize>,
}

impl CommandLine {
    pub fn new() -> CommandLine {
        CommandLine::default()
    }

    /// Forward a key; on [`InputEvent::Changed`] the candidate list is cleared.
    pub fn handle_key(&mut self, key: crossterm::event::KeyEvent) -> InputEvent {
        let ev = self.input.handle_key(key);
        if ev == InputEvent::Changed {
            self.candidates.clear();
            self.cycle = None;
        }
        ev
    }

    /// Complete the last word with `options(words_before) -> candidates`.
    pub fn complete(&mut self, options: impl Fn(&[&str]) -> Vec<String>) {
        let value = self.input.value();
        if let Some(i) = self.cycle {
            // Cycling: replace the last word by the next candidate.
            if !self.candidates.is_empty() {
                let next = (i + 1) % self.candidates.len();
                self.cycle = Some(next);
                let cand = self.candidates[next].clone();
                self.input.set(&replace_last_word(&value, &cand));
            }
            return;
        }
        let words: Vec<&str> = value.split(' ').collect();
        let (before, last) = words.split_at(words.len().saturating_sub(1));
        let before: Vec<&str> = before.iter().copied().filter(|w| !w.is_empty()).collect();
        let last = last.first().copied().unwrap_or("");
        let lower = last.to_lowercase();
        let cands: Vec<String> = options(&before)
            .into_iter()
            .filter(|c| c.to_lowercase().starts_with(&lower))
            .collect();
        match cands.len() {
            0 => {}
            1 => {
                let with_space = format!("{} ", cands[0]);
                self.input.set(&replace_last_word(&value, &with_space));
                self.candidates.clear();
            }
            _ => {
                let prefix = common_prefix(&cands);
                if prefix.chars().count() > last.chars().count() {
                    self.input.set(&replace_last_word(&value, &prefix));
                } else {
                    self.cycle = Some(0);
                    self.input.set(&replace_last_word(&value, &cands[0]));
                }
                self.candidates = cands;
            }
        }
    }

    /// Draw the line into `area` (one row) and the candidate list just above it.
    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        self.input
            .draw(frame, area, ":", theme.text, theme.accent, true);
        if self.candidates.is_empty() || area.y == 0 {
            return;
        }
        let rows = (self.candidates.len() as u16).min(8).min(area.y);
        let width = self
            .candidates
            .iter()
            .map(|c| sanitize::display_width(c) as u16 + 2)
            .max()
            .unwrap_or(10)
            .clamp(10, area.width);
        let rect = Rect::new(area.x, area.y - rows, width, rows);
        frame.render_widget(Clear, rect);
        let lines: Vec<Line> = self
            .candidates
            .iter()
            .take(rows as usize)
            .enumerate()
            .map(|(i, c)| {
                let style = if Some(i) == self.cycle {
                    theme.selection
                } else {
                    theme.popup
                };
                Line::from(Span::styled(format!(" {} ", sanitize::one_line(c)), style))
            })
            .collect();
        frame.render_widget(Paragraph::new(lines).style(theme.popup), rect);
    }
}

fn replace_last_word(value: &str, word: &str) -> String {
    match value.rfind(' ') {
        Some(i) => format!("{}{}", &value[..=i], word),
        None => word.to_string(),
    }
}

fn common_prefix(c: &[String]) -> String {
    let Some(first) = c.first() else {
        return String::new();
    };
    let mut n = first.chars().count();
    for s in &c[1..] {
        n = n.min(
            first
                .chars()
                .zip(s.chars())
                .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                .count(),
        );
    }
    first.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn typed(s: &str) -> CommandLine {
        let mut c = CommandLine::new();
        for ch in s.chars() {
            c.handle_key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE));
        }
        c
    }

    fn opts(before: &[&str]) -> Vec<String> {
        match before {
            [] => ["projects", "project", "traces", "theme", "threads"]
                .map(String::from)
                .to_vec(),
            ["theme"] => ["dark", "light"].map(String::from).to_vec(),
            _ => vec![],
        }
    }

    #[test]
    fn completes_unique_prefix_and_args() {
        let mut c = typed("tra");
        c.complete(opts);
        assert_eq!(c.input.value(), "traces ");
        let mut c = typed("theme l");
        c.complete(opts);
        assert_eq!(c.input.value(), "theme light ");
    }

    #[test]
    fn completes_common_prefix_then_cycles() {
        let mut c = typed("pro");
        c.complete(opts);
        assert_eq!(c.input.value(), "project");
        assert_eq!(c.candidates, vec!["projects", "project"]);
        c.complete(opts);
        assert_eq!(c.input.value(), "projects");
        c.complete(opts);
        assert_eq!(c.input.value(), "project");
        let mut c = typed("th");
        c.complete(opts);
        assert_eq!(c.input.value(), "theme");
        let mut c = typed("zzz");
        c.complete(opts);
        assert_eq!(c.input.value(), "zzz");
    }
}
