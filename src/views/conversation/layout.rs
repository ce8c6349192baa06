//! Laying the conversation out: one flat list of styled lines per (width, theme, content,
//! folds, search), so drawing is a slice copy; large markdown bodies not yet rendered show a
//! placeholder and are listed for a background render.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::{Conversation, Layout, Thumb};
use crate::opik::messages::Body;
use crate::render::lines::wrap_lines;
use crate::render::sanitize::{display_width, truncate_to_width};
use crate::render::{format, json, markdown};
use crate::theme::Theme;

/// Columns before a message body (gutter + indentation).
const BODY_INDENT: usize = 4;

impl Conversation {
    /// Large bodies the last layout showed as placeholders: render these off the UI thread
    /// with [`markdown::render`] (which fills the cache), then [`Conversation::invalidate`].
    pub fn pending_renders(&mut self) -> Vec<(String, u16)> {
        std::mem::take(&mut self.pending)
    }

    /// The laid-out lines for `width` and `theme` (cached).
    pub fn layout(&mut self, width: u16, theme: &Theme) -> &Layout {
        let stale = match &self.layout {
            Some(l) => l.width != width || l.theme != theme.name,
            None => true,
        };
        self.last_width = Some(width);
        if stale {
            let l = self.build_layout(width, theme);
            self.layout = Some(l);
            self.apply_search();
        }
        self.layout.get_or_insert_with(Layout::default)
    }

    fn build_layout(&mut self, width: u16, theme: &Theme) -> Layout {
        let w = width as usize;
        let body_w = w.saturating_sub(BODY_INDENT + 1).max(10) as u16;
        let mut lines: Vec<Line<'static>> = Vec::new();
        let mut turns = Vec::new();
        let mut pending = Vec::new();
        let n = self.turns.len();
        for (i, turn) in self.turns.iter().enumerate() {
            let selected = i == self.selected;
            let start = lines.len();
            let gutter = if selected && self.selected_style_gutter {
                Span::styled("▌", theme.accent)
            } else {
                Span::raw(" ")
            };
            // Header: "Turn 2/5 · name · 12:03:41 · 1.2s · $0.0012   ▲ up"
            let mut head = vec![
                gutter.clone(),
                Span::styled(
                    format!("Turn {}/{}", i + 1, n),
                    if selected {
                        theme.selection
                    } else {
                        theme.title
                    },
                ),
            ];
            let mut facts = Vec::new();
            if !turn.name.is_empty() {
                facts.push(turn.name.clone());
            }
            if let Some(d) = turn.duration_ms {
                facts.push(format::duration_ms(d));
            }
            if let Some(c) = turn.cost {
                facts.push(format::cost(c));
            }
            if !facts.is_empty() {
                head.push(Span::styled(format!("  {}", facts.join(" · ")), theme.dim));
            }
            let thumb = thumb_spans(&turn.thumb, theme);
            if !thumb.is_empty() {
                head.push(Span::raw("  "));
                head.extend(thumb);
            }
            if let Some(e) = &turn.error {
                head.push(Span::styled(format!("  ✗ {e}"), theme.error));
            }
            lines.push(fit_line(head, w));
            for (role, body, at) in [
                ("user", &turn.user, turn.start),
                ("assistant", &turn.assistant, turn.end),
            ] {
                let mut label = vec![
                    gutter.clone(),
                    Span::raw("  "),
                    Span::styled(
                        role.to_uppercase(),
                        if role == "user" {
                            theme.accent
                        } else {
                            theme.success
                        }
                        .add_modifier(Modifier::BOLD),
                    ),
                ];
                if let Some(t) = at {
                    label.push(Span::styled(format!("  {}", (self.time_fmt)(t)), theme.dim));
                }
                lines.push(fit_line(label, w));
                let rendered = body_lines(
                    body,
                    body_w,
                    theme,
                    self.expanded.contains(&i),
                    &mut pending,
                );
                for l in rendered {
                    let mut spans = vec![gutter.clone(), Span::raw(" ".repeat(BODY_INDENT - 1))];
                    spans.extend(l.spans);
                    lines.push(Line::from(spans));
                }
            }
            lines.push(Line::from(vec![gutter.clone()]));
            turns.push((start, lines.len()));
        }
        self.pending = pending;
        let plain = lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect();
        Layout {
            width,
            theme: theme.name.clone(),
            lines,
            plain,
            turns,
        }
    }
}

fn thumb_spans(t: &Thumb, theme: &Theme) -> Vec<Span<'static>> {
    let mut out = match t.shown() {
        Some(1) => vec![Span::styled(
            "▲ up",
            theme.success.add_modifier(Modifier::BOLD),
        )],
        Some(_) => vec![Span::styled(
            "▼ down",
            theme.error.add_modifier(Modifier::BOLD),
        )],
        None => Vec::new(),
    };
    if t.local.is_some() {
        if t.queued {
            out.push(Span::styled(" (queued)", theme.warning));
        } else {
            out.push(Span::styled(" …", theme.dim));
        }
    }
    out
}

/// Cut a line to `width` columns (with `…`).
pub(super) fn fit_line(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let mut out = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = display_width(&s.content);
        if used + w <= width {
            used += w;
            out.push(s);
        } else {
            let room = width.saturating_sub(used);
            if room > 0 {
                let cut = truncate_to_width(&s.content, room).into_owned();
                out.push(Span::styled(cut, s.style));
            }
            break;
        }
    }
    Line::from(out)
}

/// A message body as lines of at most `width` columns.
fn body_lines(
    body: &Body,
    width: u16,
    theme: &Theme,
    expanded: bool,
    pending: &mut Vec<(String, u16)>,
) -> Vec<Line<'static>> {
    let w = width as usize;
    match body {
        Body::Empty => vec![Line::from(Span::styled("(empty)", theme.dim))],
        Body::Markdown(s) => {
            if s.len() >= markdown::LARGE_BYTES {
                match markdown::cached(s, width, theme) {
                    Some(t) => t.lines.clone(),
                    None => {
                        pending.push((s.clone(), width));
                        vec![Line::from(Span::styled(
                            format!("rendering {} KB of markdown…", s.len() / 1024),
                            theme.dim,
                        ))]
                    }
                }
            } else {
                markdown::render(s, width, theme).lines.clone()
            }
        }
        Body::Plain(s) => markdown::plain_wrapped(s, w, Style::default()).lines,
        Body::Json(s) => wrap_lines(json::highlight_text(s, theme), w),
        Body::Raw(v) => {
            let depth = if expanded { None } else { Some(1) };
            let mut out = wrap_lines(json::render_folded(v, depth, theme), w);
            if !expanded
                && v.as_object()
                    .is_some_and(|m| m.values().any(|x| x.is_object() || x.is_array()))
            {
                out.push(Line::from(Span::styled(
                    "(no message text: raw JSON · Enter expands)",
                    theme.dim,
                )));
            }
            out
        }
    }
}
