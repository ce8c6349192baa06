//! The `?` help overlay, generated from the keymap: the current screen's actions (with every
//! key bound to them), the global keys, and the `:` commands.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::action::Action;
use crate::app::keymap::KeyMap;
use crate::theme::Theme;

/// Global actions always listed.
pub const GLOBAL: &[Action] = &[
    Action::Help,
    Action::CommandLine,
    Action::Refresh,
    Action::Back,
    Action::Close,
    Action::Quit,
];

/// `:` commands and what they do (kept here so help and docs agree).
pub const COMMANDS: &[(&str, &str)] = &[
    (":projects", "Projects list"),
    (":traces", "Traces of the current project"),
    (":threads", "Threads of the current project"),
    (
        ":threads by KEY",
        "Threads grouped by metadata.KEY (thread_id: Opik's)",
    ),
    (":queues", "Annotation queues"),
    (
        ":dashboard",
        "Dashboard of the current project (:dashboard all: of all)",
    ),
    (
        ":compare A B",
        "Compare two scores of the project (e.g. a judge against the SMEs)",
    ),
    (":project NAME", "Switch project and open its traces"),
    (
        ":theme NAME",
        "Switch theme (dark, light, high-contrast, ansi16, yours)",
    ),
    (":q", "Quit"),
];

/// The help lines for a screen (`title`, `context`, its `actions`).
pub fn help_lines(
    keymap: &KeyMap,
    title: &str,
    context: crate::app::KeyContext,
    actions: &[Action],
    theme: &Theme,
) -> Vec<Line<'static>> {
    help_lines_with(keymap, title, context, actions, &[], theme)
}

/// As [`help_lines`], plus the screen's fixed keys (`extra`: keys, description) listed after
/// its actions.
pub fn help_lines_with(
    keymap: &KeyMap,
    title: &str,
    context: crate::app::KeyContext,
    actions: &[Action],
    extra: &[(String, String)],
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let section = |name: String| Line::from(Span::styled(name, theme.heading2));
    let row = |keys: String, desc: &str| {
        Line::from(vec![
            Span::styled(format!("  {keys:<15} "), theme.hint_key),
            Span::styled(desc.to_string(), theme.text),
        ])
    };
    out.push(section(title.to_string()));
    for a in actions {
        if GLOBAL.contains(a) {
            continue;
        }
        if let Some(keys) = keymap.describe(context, *a, 4) {
            out.push(row(keys, a.description()));
        }
    }
    for (keys, desc) in extra {
        out.push(row(keys.clone(), desc));
    }
    out.push(Line::raw(""));
    out.push(section("Everywhere".into()));
    for a in GLOBAL {
        if let Some(keys) = keymap.describe(context, *a, 4) {
            out.push(row(keys, a.description()));
        }
    }
    out.push(Line::raw(""));
    out.push(section("Commands".into()));
    for (c, d) in COMMANDS {
        out.push(row(c.to_string(), d));
    }
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled(
        "  Keys can be changed in the settings file, [keys] table: j = \"down\"",
        theme.dim,
    )));
    out
}

/// Wrap each `  key  description` row that is wider than `width` itself, continuing the
/// description under its start (a hanging indent) rather than at the left edge.
fn hang_descriptions(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let [key, desc] = line.spans.as_slice() else {
            out.push(line);
            continue;
        };
        let indent = key.width();
        if line.width() <= width || indent + 10 > width {
            out.push(line);
            continue;
        }
        let room = width - indent;
        let mut rows: Vec<String> = vec![String::new()];
        for word in desc.content.split(' ') {
            let cur = rows.last_mut().expect("one row");
            let cw = crate::render::sanitize::display_width(cur);
            let ww = crate::render::sanitize::display_width(word);
            if cw > 0 && cw + 1 + ww > room {
                rows.push(word.to_string());
            } else {
                if cw > 0 {
                    cur.push(' ');
                }
                cur.push_str(word);
            }
        }
        for (i, r) in rows.into_iter().enumerate() {
            let head = if i == 0 {
                key.clone()
            } else {
                Span::styled(" ".repeat(indent), key.style)
            };
            out.push(Line::from(vec![head, Span::styled(r, desc.style)]));
        }
    }
    out
}

/// Draw the overlay centred in `area`, scrolled by `scroll` lines. It is as wide as its
/// longest line (so descriptions are not cut) up to the screen's width, and wraps below that.
/// Returns the scroll actually used (clamped to the last page).
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    lines: Vec<Line<'static>>,
    scroll: u16,
    theme: &Theme,
) -> u16 {
    let longest = lines.iter().map(|l| l.width()).max().unwrap_or(0);
    let w = area
        .width
        .saturating_sub(4)
        .min(u16::try_from(longest + 2).unwrap_or(u16::MAX));
    let inner = usize::from(w.saturating_sub(2)).max(1);
    let lines = hang_descriptions(lines, inner);
    // Rows once wrapped (word wrapping may take a little more; the last lines stay reachable
    // by the extra row per wrapped line).
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner) + usize::from(l.width() > inner))
        .sum();
    let rows = u16::try_from(rows).unwrap_or(u16::MAX);
    let h = area.height.saturating_sub(2).min(rows.saturating_add(2));
    if w < 10 || h < 3 {
        return 0;
    }
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, rect);
    let max_scroll = rows.saturating_sub(h - 2);
    let scroll = scroll.min(max_scroll);
    // Cut to fit: say that more is below (or above) and how to get there.
    let title = match (scroll > 0, scroll < max_scroll) {
        (_, true) => " Help — j/↓ more below · Esc closes ",
        (true, false) => " Help — k/↑ more above · Esc closes ",
        (false, false) => " Help — Esc closes ",
    };
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .style(theme.popup)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border_focused)
                .title(Span::styled(title, theme.title)),
        );
    frame.render_widget(p, rect);
    scroll
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_screen_keys_global_keys_and_commands() {
        let theme = Theme::dark();
        let mut km = KeyMap::default();
        km.bind(
            crate::app::KeyContext::Traces,
            crate::app::keymap::Key::ch('!'),
            Action::LiveTail,
        );
        let lines = help_lines(
            &km,
            "Traces",
            crate::app::KeyContext::Traces,
            &[Action::LiveTail, Action::Help],
            &theme,
        );
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        let all = text.join("\n");
        assert!(all.contains("!/L"), "{all}");
        assert!(all.contains("Live tail"), "{all}");
        assert!(all.contains("^c"), "{all}");
        assert!(all.contains(":theme NAME"), "{all}");
        // Help is listed once, under "Everywhere".
        assert_eq!(all.matches("Show or hide this help").count(), 1);
    }

    fn render(w: u16, h: u16, lines: Vec<Line<'static>>) -> String {
        render_at(w, h, lines, 0)
    }

    fn render_at(w: u16, h: u16, lines: Vec<Line<'static>>, scroll: u16) -> String {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let theme = Theme::dark();
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        t.draw(|f| {
            draw(f, f.area(), lines.clone(), scroll, &theme);
        })
        .expect("draw");
        let buf = t.backend().buffer().clone();
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn help_is_wide_enough_for_its_longest_line_and_wraps_when_narrow() {
        let theme = Theme::dark();
        let lines = help_lines(
            &KeyMap::default(),
            "Traces",
            crate::app::KeyContext::Traces,
            &[Action::Filter, Action::CopyUrl],
            &theme,
        );
        // Wide terminal: the longest descriptions are shown whole, on one row.
        let wide = render(160, 45, lines.clone());
        assert!(wide.contains("tags contains \"prod\""), "{wide}");
        assert!(
            wide.contains("duration > 500") && wide.contains("(duration in ms)"),
            "{wide}"
        );
        assert!(wide.contains(":threads by KEY"), "{wide}");
        // Narrow terminal: nothing is cut, the long line wraps onto the next row.
        let narrow = render(60, 45, lines);
        let squeezed: String = narrow
            .split('\n')
            .map(|r| r.trim_matches(|c: char| c == '│' || c == ' '))
            .collect::<Vec<_>>()
            .join(" ");
        let squeezed = squeezed.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squeezed.contains("\"prod\""), "{narrow}");
        // Continuation rows start under the description, not at the left edge.
        let rows: Vec<&str> = narrow.split('\n').collect();
        let at = rows
            .iter()
            .position(|r| r.contains("Filter:"))
            .expect("filter row");
        let desc_col = rows[at].find("Filter:").expect("col");
        let next = rows[at + 1];
        let first_text = next
            .char_indices()
            .skip(next.find('│').map_or(0, |i| i + '│'.len_utf8()))
            .find(|(_, c)| *c != ' ')
            .map(|(i, _)| i)
            .expect("text");
        assert_eq!(first_text, desc_col, "{narrow}");
    }

    #[test]
    fn a_help_cut_to_fit_says_more_is_below_or_above() {
        let lines: Vec<Line<'static>> = (0..40)
            .map(|i| Line::raw(format!("line {i} of the help, long enough for its title")))
            .collect();
        let top = render_at(60, 20, lines.clone(), 0);
        assert!(top.contains("more below"), "{top}");
        let bottom = render_at(60, 20, lines.clone(), u16::MAX);
        assert!(
            bottom.contains("more above") && bottom.contains("line 39"),
            "{bottom}"
        );
        let whole = render_at(60, 45, lines, 0);
        assert!(!whole.contains("more"), "{whole}");
        assert!(whole.contains("Help — Esc closes"), "{whole}");
    }
}
