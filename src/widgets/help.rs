//! The `?` help overlay, generated from the keymap: the current screen's actions (with every
//! key bound to them), the global keys, and the `:` commands.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

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
    (":queues", "Annotation queues"),
    (":dashboard", "Dashboard of the current project"),
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
    context: &str,
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
    context: &str,
    actions: &[Action],
    extra: &[(String, String)],
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let section = |name: String| Line::from(Span::styled(name, theme.heading2));
    let row = |keys: String, desc: &str| {
        Line::from(vec![
            Span::styled(format!("  {keys:<14}"), theme.hint_key),
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

/// Draw the overlay centred in `area`, scrolled by `scroll` lines.
pub fn draw(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>, scroll: u16, theme: &Theme) {
    let w = area.width.saturating_sub(4).min(76);
    let h = area.height.saturating_sub(2).min(lines.len() as u16 + 2);
    if w < 10 || h < 3 {
        return;
    }
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, rect);
    let max_scroll = (lines.len() as u16).saturating_sub(h - 2);
    let p = Paragraph::new(lines)
        .scroll((scroll.min(max_scroll), 0))
        .style(theme.popup)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border_focused)
                .title(Span::styled(" Help — Esc closes ", theme.title)),
        );
    frame.render_widget(p, rect);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_screen_keys_global_keys_and_commands() {
        let theme = Theme::dark();
        let mut km = KeyMap::default();
        km.bind(
            Some("traces"),
            crate::app::keymap::Key::ch('!'),
            Action::LiveTail,
        );
        let lines = help_lines(
            &km,
            "Traces",
            "traces",
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
}
