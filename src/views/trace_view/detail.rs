//! The detail pane: a three-line header (name and type; start and duration; model or
//! providers, tokens, cost), the tab bar, and the visible rows of the current tab's document
//! with the cursor line (when focused), search matches, the position and the search line.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span as TSpan};
use ratatui::widgets::{Block, Borders};

use super::subject::{Subject, TABS, Tab};
use super::tree::type_label;
use super::{Focus, TraceViewScreen};
use crate::render::format;
use crate::render::json_tree::find_ci;
use crate::render::lines::plain_line;
use crate::render::sanitize::{display_width, one_line, truncate_to_width};
use crate::theme::Theme;

impl TraceViewScreen {
    pub(super) fn draw_detail(
        &mut self,
        frame: &mut Frame,
        area: Rect,
        t: &Theme,
        _now: DateTime<Utc>,
    ) {
        let focused = self.focus == Focus::Detail;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if focused { t.border_focused } else { t.border })
            .title(TSpan::styled(" Detail ", t.title));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.height < 3 || inner.width < 10 {
            return;
        }
        let Some((_, subject)) = self.current() else {
            let msg = match &self.error {
                Some(e) => format!("could not load the trace: {} — r retries", one_line(e)),
                None => "loading…".into(),
            };
            frame.buffer_mut().set_stringn(
                inner.x,
                inner.y,
                msg,
                inner.width as usize,
                if self.error.is_some() { t.error } else { t.dim },
            );
            return;
        };
        let buf = frame.buffer_mut();
        for (i, l) in header_lines(&subject, t).iter().enumerate() {
            buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
        }
        let tabs_y = inner.y + 3;
        draw_tabs(buf, inner, tabs_y, &subject, self.tab, self.raw, t);
        let body = Rect::new(
            inner.x,
            tabs_y + 1,
            inner.width,
            inner.bottom().saturating_sub(tabs_y + 1),
        );
        if body.height == 0 {
            return;
        }
        self.draw_body(frame, body, area, t);
    }

    /// The current tab's visible rows in `body`, with the cursor line when focused, the
    /// search matches highlighted, a `from–to/of` position on the pane's bottom border
    /// (`area`) when they don't fit, and the search line.
    fn draw_body(&mut self, frame: &mut Frame, body: Rect, area: Rect, t: &Theme) {
        self.detail_page = body.height as usize;
        self.detail_body = body;
        self.ensure_doc(body.width, t);
        let Some(doc) = &self.doc else {
            return;
        };
        let rows = doc.rows();
        let h = body.height as usize;
        self.cursor = self.cursor.min(rows.saturating_sub(1));
        if self.cursor < self.scroll {
            self.scroll = self.cursor;
        } else if self.cursor >= self.scroll + h {
            self.scroll = self.cursor + 1 - h;
        }
        self.scroll = self.scroll.min(rows.saturating_sub(h));
        let lines = doc.render(self.scroll, self.scroll + h, t);
        let buf = frame.buffer_mut();
        let q = self.search.query.as_bytes();
        for (i, l) in lines.iter().enumerate() {
            let y = body.y + i as u16;
            buf.set_line(body.x, y, l, body.width);
            if !self.search.hits.is_empty() {
                let text = plain_line(l);
                for at in find_ci(text.as_bytes(), q) {
                    let x = display_width(&text[..at]) as u16;
                    let w = display_width(&text[at..at + q.len()]) as u16;
                    if x < body.width {
                        let r = Rect::new(body.x + x, y, w.min(body.width - x), 1);
                        buf.set_style(r, t.search_match);
                    }
                }
            }
        }
        if self.focus == Focus::Detail && rows > 0 {
            let y = body.y + (self.cursor - self.scroll) as u16;
            buf.set_style(Rect::new(body.x, y, body.width, 1), t.selection_inactive);
        }
        if rows > h {
            let pos = format!(
                " {}–{}/{} ",
                self.scroll + 1,
                (self.scroll + h).min(rows),
                rows
            );
            let w = display_width(&pos) as u16;
            if area.width > w + 2 {
                buf.set_string(area.right() - w - 1, area.bottom() - 1, pos, t.dim);
            }
        }
        self.draw_search(frame, body, area, t);
    }

    /// The search box on the body's last row while typing, else the query and the current
    /// match on the bottom border.
    fn draw_search(&self, frame: &mut Frame, body: Rect, area: Rect, t: &Theme) {
        if let Some(input) = &self.search.input {
            let line = Rect::new(body.x, body.bottom() - 1, body.width, 1);
            frame.buffer_mut().set_style(line, t.text);
            frame
                .buffer_mut()
                .set_string(line.x, line.y, " ".repeat(line.width as usize), t.text);
            input.draw(frame, line, "/", t.text, t.accent, true);
        } else if !self.search.query.is_empty() {
            let label = self.search.label();
            let max = (area.width as usize).saturating_sub(24);
            let label = truncate_to_width(&label, max);
            frame
                .buffer_mut()
                .set_string(area.x + 2, area.bottom() - 1, label.as_ref(), t.accent);
        }
    }
}

/// Header: name + type; times; model and usage.
fn header_lines(subject: &Subject, t: &Theme) -> [Line<'static>; 3] {
    let label = type_label(&subject.kind);
    let kind_style = if subject.kind == "trace" {
        t.title
    } else {
        t.span_type(&subject.kind)
    };
    let mut l1 = vec![
        TSpan::styled(format!("{label} "), kind_style),
        TSpan::styled(one_line(&subject.name), t.accent),
    ];
    if let Some(n) = subject.logged_name.as_deref().filter(|n| !n.is_empty()) {
        l1.push(TSpan::styled(format!("  name {}", one_line(n)), t.dim));
    }
    if subject.error.is_some() {
        l1.push(TSpan::styled("  ✗ error", t.error));
    }
    let start = subject
        .start
        .map(|s| s.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
        .unwrap_or_else(|| "–".into());
    let l2 = vec![
        TSpan::styled("start ", t.dim),
        TSpan::styled(start, t.text),
        TSpan::styled("  duration ", t.dim),
        TSpan::styled(
            subject
                .duration_ms
                .map(format::duration_ms)
                .unwrap_or_else(|| "–".into()),
            t.text,
        ),
    ];
    [
        Line::from(l1),
        Line::from(l2),
        Line::from(usage_spans(subject, t)),
    ]
}

/// The third header line: model (provider) or a trace's providers, tokens, cost.
fn usage_spans(subject: &Subject, t: &Theme) -> Vec<TSpan<'static>> {
    let mut l3 = vec![];
    if let (None, Some(p)) = (&subject.model, &subject.provider) {
        // A trace (no model of its own) lists its spans' providers.
        l3.push(TSpan::styled("provider ", t.dim));
        l3.push(TSpan::styled(one_line(p), t.text));
        l3.push(TSpan::styled("  ", t.text));
    } else if subject.model.is_some() || subject.provider.is_some() {
        l3.push(TSpan::styled("model ", t.dim));
        l3.push(TSpan::styled(
            format!(
                "{}{}",
                subject
                    .model
                    .as_deref()
                    .map(one_line)
                    .unwrap_or_else(|| "–".into()),
                subject
                    .provider
                    .as_deref()
                    .map(|p| format!(" ({})", one_line(p)))
                    .unwrap_or_default()
            ),
            t.text,
        ));
        l3.push(TSpan::styled("  ", t.text));
    }
    l3.push(TSpan::styled("tokens ", t.dim));
    l3.push(TSpan::styled(
        subject
            .tokens()
            .map(format::thousands)
            .unwrap_or_else(|| "–".into()),
        t.text,
    ));
    l3.push(TSpan::styled("  cost ", t.dim));
    l3.push(TSpan::styled(
        subject.cost.map(format::cost).unwrap_or_else(|| "–".into()),
        t.text,
    ));
    l3
}

/// The tab bar at `y` (counts on Scores, Comments, Error; ` raw ` at the right when on).
fn draw_tabs(
    buf: &mut Buffer,
    inner: Rect,
    y: u16,
    subject: &Subject,
    current: Tab,
    raw: bool,
    t: &Theme,
) {
    let mut x = inner.x;
    for tab in TABS {
        let mut label = tab.label().to_string();
        let count = match tab {
            Tab::Scores => subject.scores.len(),
            Tab::Comments => subject.comments.len(),
            Tab::Error => usize::from(subject.error.is_some()),
            _ => 0,
        };
        if count > 0 {
            label.push_str(&format!(" {count}"));
        }
        let text = format!(" {label} ");
        let w = display_width(&text) as u16;
        if x + w > inner.right() {
            break;
        }
        let style = if tab == current {
            t.tab_active
        } else {
            t.tab_inactive
        };
        buf.set_string(x, y, &text, style);
        x += w + 1;
    }
    if raw {
        let s = " raw ";
        if x + 5 <= inner.right() {
            buf.set_string(inner.right() - 5, y, s, t.warning);
        }
    }
}
