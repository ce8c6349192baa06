//! The top status bar: server URL, workspace, current project, the screen's own status,
//! a spinner while requests are in flight, and the time of the last refresh.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use throbber_widgets_tui::{BRAILLE_SIX, Throbber, ThrobberState};

use crate::render::sanitize::{display_width, one_line, truncate_to_width};
use crate::theme::Theme;

/// What the status bar shows.
pub struct StatusInfo<'a> {
    pub url: &'a str,
    pub workspace: &'a str,
    pub project: Option<&'a str>,
    pub screen: &'a str,
    pub screen_status: Option<&'a str>,
    pub busy: bool,
    /// Preformatted time of the last refresh (`12:03:04`).
    pub refreshed: Option<&'a str>,
    /// Writes waiting in the outbox (`offline · 3 waiting`), shown on the right.
    pub outbox: Option<&'a str>,
}

pub fn render(
    info: &StatusInfo,
    spinner: &ThrobberState,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    buf.set_style(area, theme.status_bar);
    let width = area.width as usize;
    // Right side first (it must not be cut): spinner + refresh time.
    let mut right: Vec<Span> = Vec::new();
    if let Some(o) = info.outbox {
        right.push(Span::styled(format!("{} ", one_line(o)), theme.warning));
    }
    if info.busy {
        let t = Throbber::default().throbber_set(BRAILLE_SIX);
        let mut s = t.to_symbol_span(spinner);
        s.style = theme.status_accent;
        right.push(s);
        right.push(Span::styled(" loading ", theme.status_bar));
    }
    if let Some(r) = info.refreshed {
        right.push(Span::styled(format!("⟳ {r} "), theme.status_bar));
    }
    let right_w: usize = right.iter().map(|s| display_width(&s.content)).sum();

    let mut left: Vec<Span> = vec![Span::styled(" opik ", theme.status_accent)];
    let mut parts: Vec<(String, bool)> = vec![
        (one_line(info.url), false),
        (format!("ws:{}", one_line(info.workspace)), true),
    ];
    if let Some(p) = info.project {
        parts.push((format!("project:{}", one_line(p)), true));
    }
    parts.push((one_line(info.screen), false));
    if let Some(s) = info.screen_status {
        parts.push((one_line(s), true));
    }
    let mut used = 6usize;
    let budget = width.saturating_sub(right_w + 1);
    for (text, accent) in parts {
        if used + 3 >= budget {
            break;
        }
        let sep = Span::styled("│ ", theme.status_bar);
        let room = budget - used - 2;
        let t = truncate_to_width(&text, room).into_owned();
        used += 2 + display_width(&t) + 1;
        left.push(sep);
        left.push(Span::styled(
            format!("{t} "),
            if accent {
                theme.status_accent
            } else {
                theme.status_bar
            },
        ));
    }
    buf.set_line(area.x, area.y, &Line::from(left), area.width);
    if right_w > 0 && right_w < width {
        let x = area.x + (width - right_w) as u16;
        buf.set_line(x, area.y, &Line::from(right), right_w as u16);
    }
}
