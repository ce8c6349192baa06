//! Drawing the conversation: the header (thread, status, scores, tags), the visible lines
//! with search matches highlighted, the scrollbar and the search line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout as RLayout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};

use super::Conversation;
use super::layout::fit_line;
use crate::render::format;
use crate::render::sanitize::{one_line, sanitize};
use crate::theme::Theme;
use crate::widgets::list::cells;

impl Conversation {
    /// Header lines above the turns: thread id, status, turns, scores, tags.
    pub fn header(&self, theme: &Theme, width: usize) -> Vec<Line<'static>> {
        let label = match &self.grouping {
            crate::opik::conversations::Grouping::ThreadId => "Thread ".to_string(),
            g => format!("Conversation ({}) ", g.label()),
        };
        let mut first = vec![
            Span::styled(label, theme.dim),
            Span::styled(
                one_line(&self.thread_id),
                theme.accent.add_modifier(Modifier::BOLD),
            ),
        ];
        let mut second: Vec<Span<'static>> = Vec::new();
        if let Some(t) = &self.thread {
            let status = t.status.as_deref().unwrap_or("unknown");
            let st = if status == "active" {
                theme.success
            } else {
                theme.dim
            };
            first.push(Span::styled(format!("  ● {status}"), st));
            first.push(Span::styled(
                format!("  {}", format::count(self.turns.len(), "turn")),
                theme.dim,
            ));
            if let Some(c) = t.total_estimated_cost {
                first.push(Span::styled(format!("  {}", format::cost(c)), theme.dim));
            }
            let scores: Vec<String> = t
                .feedback_scores
                .iter()
                .flatten()
                .map(|s| {
                    let v = cells::score_text(s.value, s.category_name.as_deref());
                    format!("{}={v}", one_line(&s.name))
                })
                .collect();
            if !scores.is_empty() {
                second.push(Span::styled("scores ", theme.dim));
                second.push(Span::styled(scores.join("  "), theme.text));
            }
            if let Some(tags) = t.tags.as_deref().filter(|t| !t.is_empty()) {
                second.push(Span::styled("  tags ", theme.dim));
                second.push(Span::styled(cells::tags(tags), theme.info));
            }
            let comments = t.comments.as_ref().map(Vec::len).unwrap_or(0);
            if comments > 0 {
                let n = format::count(comments, "comment");
                second.push(Span::styled(format!("  {n}"), theme.dim));
            }
        } else {
            first.push(Span::styled(
                format!("  {}", format::count(self.turns.len(), "turn")),
                theme.dim,
            ));
        }
        let mut out = vec![fit_line(first, width)];
        if !second.is_empty() {
            out.push(fit_line(second, width));
        }
        out
    }

    /// Draw the conversation into `area`.
    pub fn draw(&mut self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let header = self.header(theme, area.width as usize);
        let search_h = u16::from(self.search.editing || !self.search.query.is_empty());
        let [head_area, body_area, search_area] = RLayout::vertical([
            Constraint::Length(header.len() as u16 + 1),
            Constraint::Min(1),
            Constraint::Length(search_h),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(Text::from(header)), head_area);
        let text_w = body_area.width.saturating_sub(1);
        self.viewport = body_area.height as usize;
        self.layout(text_w, theme);
        if self.scroll_to_selected_pending {
            self.scroll_to_selected_pending = false;
            if let Some(l) = &self.layout
                && let Some(&(s, e)) = l.turns.get(self.selected)
            {
                let vp = self.viewport;
                if s < self.scroll || e.min(s + vp) > self.scroll + vp {
                    self.scroll = s;
                }
            }
        }
        let max = self.max_scroll();
        self.scroll = self.scroll.min(max);
        let Some(layout) = &self.layout else { return };
        if self.loading {
            frame.render_widget(
                Paragraph::new(Span::styled(" loading conversation…", theme.dim)),
                body_area,
            );
            return;
        }
        if layout.lines.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled(" This thread has no traces.", theme.dim)),
                body_area,
            );
        }
        let end = (self.scroll + self.viewport).min(layout.lines.len());
        let mut visible: Vec<Line<'static>> = layout.lines[self.scroll..end].to_vec();
        if !self.search.matches.is_empty() {
            for (k, &(li, s, e)) in self.search.matches.iter().enumerate() {
                if li < self.scroll || li >= end {
                    continue;
                }
                let st = if k == self.search.current {
                    theme
                        .search_match
                        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                } else {
                    theme.search_match
                };
                let line = &mut visible[li - self.scroll];
                *line = highlight_range(std::mem::take(line), s, e, st);
            }
        }
        let text_area = Rect {
            width: text_w,
            ..body_area
        };
        frame.render_widget(Paragraph::new(Text::from(visible)), text_area);
        if layout.lines.len() > self.viewport {
            let mut sb = ScrollbarState::new(max + 1).position(self.scroll);
            frame.render_stateful_widget(
                Scrollbar::new(ScrollbarOrientation::VerticalRight)
                    .begin_symbol(None)
                    .end_symbol(None),
                body_area,
                &mut sb,
            );
        }
        if search_h > 0 {
            let mut spans = vec![
                Span::styled("/", theme.accent),
                Span::styled(sanitize(&self.search.query).into_owned(), theme.text),
            ];
            if self.search.editing {
                spans.push(Span::styled("█", theme.accent));
            } else if self.search.matches.is_empty() {
                spans.push(Span::styled("  no matches", theme.warning));
            } else {
                spans.push(Span::styled(
                    format!(
                        "  match {}/{} · n/N",
                        self.search.current + 1,
                        self.search.matches.len()
                    ),
                    theme.dim,
                ));
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), search_area);
        }
    }
}

/// Restyle bytes `start..end` of a line's text with `style` (search matches).
fn highlight_range(line: Line<'static>, start: usize, end: usize, style: Style) -> Line<'static> {
    let mut out = Vec::new();
    let mut pos = 0;
    for s in line.spans {
        let text = s.content.as_ref();
        let (a, b) = (pos, pos + text.len());
        pos = b;
        if b <= start || a >= end {
            out.push(s);
            continue;
        }
        let lo = start.saturating_sub(a).min(text.len());
        let hi = (end - a).min(text.len());
        if !text.is_char_boundary(lo) || !text.is_char_boundary(hi) {
            out.push(s);
            continue;
        }
        if lo > 0 {
            out.push(Span::styled(text[..lo].to_owned(), s.style));
        }
        out.push(Span::styled(text[lo..hi].to_owned(), s.style.patch(style)));
        if hi < text.len() {
            out.push(Span::styled(text[hi..].to_owned(), s.style));
        }
    }
    Line::from(out)
}
