//! The bottom hint bar: the current screen's actions with their keys, generated from the
//! keymap (so it shows what actually works), followed by the global help/command/back keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::action::Action;
use crate::app::keymap::KeyMap;
use crate::render::sanitize::display_width;
use crate::theme::Theme;

/// The hint line while a text field has focus: the field's own keys (`typing`: keys, label)
/// and `^c` (the only global key that still works), cut to `width`.
pub fn typing_line(typing: &[(&str, &str)], width: u16, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(" ", theme.status_bar)];
    let mut used = 1usize;
    for (keys, label) in typing.iter().copied().chain([("^c", "quit")]) {
        let w = display_width(keys) + 1 + display_width(label) + 2;
        if used + w > width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(keys.to_string(), theme.hint_key));
        spans.push(Span::styled(format!(" {label}  "), theme.hint_text));
    }
    Line::from(spans)
}

/// Build the hint line for `actions` in `context`, cut to `width` (whole hints only).
pub fn hint_line(
    keymap: &KeyMap,
    context: crate::app::KeyContext,
    actions: &[Action],
    width: u16,
    theme: &Theme,
    at_top: bool,
) -> Line<'static> {
    hint_line_with(keymap, context, actions, &[], width, theme, at_top)
}

/// As [`hint_line`], with `labels` replacing some actions' labels on this screen.
pub fn hint_line_with(
    keymap: &KeyMap,
    context: crate::app::KeyContext,
    actions: &[Action],
    labels: &[(Action, &'static str)],
    width: u16,
    theme: &Theme,
    at_top: bool,
) -> Line<'static> {
    // Help first, so it is never cut off.
    let mut all: Vec<Action> = vec![Action::Help];
    all.extend(actions.iter().copied().filter(|a| *a != Action::Help));
    for a in [Action::CommandLine, Action::Close] {
        if !all.contains(&a) {
            all.push(a);
        }
    }
    let mut spans = vec![Span::styled(" ", theme.status_bar)];
    let mut used = 1usize;
    for a in all {
        let Some(keys) = keymap.describe(context, a, 2) else {
            continue;
        };
        let label = if a == Action::Close && at_top {
            "quit"
        } else {
            labels
                .iter()
                .find(|(b, _)| *b == a)
                .map_or(a.label(), |(_, l)| *l)
        };
        let w = display_width(&keys) + 1 + display_width(label) + 2;
        if used + w > width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(keys, theme.hint_key));
        spans.push(Span::styled(format!(" {label}  "), theme.hint_text));
    }
    Line::from(spans)
}

/// Render the hint bar into `area` (one row).
pub fn render(line: &Line<'_>, area: Rect, buf: &mut Buffer, theme: &Theme) {
    buf.set_style(area, theme.status_bar);
    buf.set_line(area.x, area.y, line, area.width);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_come_from_the_keymap_and_fit_the_width() {
        let theme = Theme::dark();
        let mut km = KeyMap::default();
        km.bind(
            crate::app::KeyContext::Global,
            crate::app::keymap::Key::ch('z'),
            Action::LiveTail,
        );
        let l = hint_line(
            &km,
            crate::app::KeyContext::Traces,
            &[Action::Open, Action::LiveTail],
            200,
            &theme,
            false,
        );
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(text.contains("Enter open"), "{text}");
        assert!(text.contains("L/z live"), "{text}");
        assert!(text.contains("? help"), "{text}");
        assert!(text.contains("q close"), "{text}");
        let top = hint_line(&km, crate::app::KeyContext::Traces, &[], 200, &theme, true);
        let text: String = top.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(text.contains("q quit"), "{text}");
        let narrow = hint_line(
            &km,
            crate::app::KeyContext::Traces,
            &[Action::Open, Action::LiveTail],
            16,
            &theme,
            false,
        );
        let text: String = narrow.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(display_width(&text) <= 16, "{text}");
        assert!(!text.contains("live"));
    }

    #[test]
    fn typing_line_lists_only_what_works_while_typing_and_labels_can_be_overridden() {
        let theme = Theme::dark();
        let l = typing_line(&[("Enter", "apply"), ("Esc", "cancel")], 200, &theme);
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text.trim_end(), " Enter apply  Esc cancel  ^c quit");
        let km = KeyMap::default();
        let l = hint_line_with(
            &km,
            crate::app::KeyContext::Queues,
            &[Action::Copy],
            &[(Action::Copy, "copy SME link")],
            200,
            &theme,
            false,
        );
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(text.contains("y copy SME link"), "{text}");
        assert!(!text.contains("copy id"), "{text}");
    }
}
