//! Helpers for rendering tests (used by unit tests and `tests/tui_*.rs`): a fixed "now", a
//! shell without a runtime, a screen's `Ctx` ([`with_ctx`]), and rendering a screen or the
//! whole app into a `TestBackend` buffer as plain text.

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::keymap::KeyMap;
use super::screen::{Ctx, DrawCtx, DynScreen, Effect, ScreenRequest};
use super::shell::{App, Opener, ShellConfig};
use super::tasks::Tasks;
use crate::theme::Theme;

/// The "now" every snapshot uses: 2026-11-22 12:00:00 UTC.
pub fn fixed_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Shell settings for tests: dark theme, default keys, UTC clock.
pub fn test_config() -> ShellConfig {
    ShellConfig {
        url: "http://127.0.0.1:5173/api".into(),
        workspace: "default".into(),
        project: None,
        theme: Theme::dark(),
        theme_dir: None,
        keymap: KeyMap::default(),
        local_offset: FixedOffset::east_opt(0).unwrap_or(FixedOffset::east_opt(0).expect("0")),
    }
}

/// An app whose tasks are recorded, not run, opening screens with `opener`.
pub fn test_app(opener: Opener) -> App {
    App::new(test_config(), opener, Tasks::new(None))
}

/// An opener that refuses everything (for apps fed with ready-made screens).
pub fn no_opener() -> Opener {
    Box::new(|req: &ScreenRequest| Err(format!("cannot open {req:?} in this test")))
}

/// A client for a server that is not there (screens built with ready data never call it).
pub fn unreachable_client() -> crate::opik::client::OpikClient {
    let conn = crate::config::Connection::new("http://127.0.0.1:9/api").expect("url");
    crate::opik::client::OpikClient::new(&conn).expect("client")
}

/// Run `f` with a [`Ctx`] for screen 1 (dark theme, default keys, [`fixed_now`], no project,
/// tasks recorded and not run); what `f` returned, and the effects it asked for.
pub fn with_ctx<M: Send + 'static, R>(f: impl FnOnce(&mut Ctx<'_, M>) -> R) -> (R, Vec<Effect>) {
    let theme = Theme::dark();
    let keymap = KeyMap::default();
    let mut tasks = Tasks::new(None);
    let mut effects = Vec::new();
    let mut ctx = Ctx::new(
        1,
        &theme,
        &keymap,
        fixed_now(),
        None,
        &mut tasks,
        &mut effects,
    );
    let r = f(&mut ctx);
    (r, effects)
}

/// Buffer text, one line per row, trailing spaces trimmed.
pub fn buffer_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Render the whole app at `w`×`h`.
pub fn render_app(app: &mut App, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    let now = fixed_now();
    term.draw(|f| app.draw(f, now)).expect("draw");
    app.after_draw(now);
    term.backend().buffer().clone()
}

/// Render one screen (without the shell) at `w`×`h` with `theme`.
pub fn render_screen(screen: &mut dyn DynScreen, w: u16, h: u16, theme: &Theme) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    let keymap = KeyMap::default();
    let ctx = DrawCtx {
        theme,
        keymap: &keymap,
        now: fixed_now(),
    };
    term.draw(|f| {
        let area = f.area();
        f.buffer_mut().set_style(area, theme.text);
        screen.draw(f, area, &ctx)
    })
    .expect("draw");
    term.backend().buffer().clone()
}

/// Hex colour for a ratatui colour (`None` = the default given).
fn hex(c: Option<ratatui::style::Color>, default: &str) -> String {
    use ratatui::style::Color::*;
    let named = |s: &str| s.to_string();
    match c {
        None | Some(Reset) => default.to_string(),
        Some(Rgb(r, g, b)) => format!("#{r:02x}{g:02x}{b:02x}"),
        Some(Black) => named("#1d1f21"),
        Some(Red) => named("#cc342b"),
        Some(Green) => named("#198844"),
        Some(Yellow) => named("#c4a000"),
        Some(Blue) => named("#3971ed"),
        Some(Magenta) => named("#a36ac7"),
        Some(Cyan) => named("#06989a"),
        Some(Gray) => named("#c5c8c6"),
        Some(DarkGray) => named("#707880"),
        Some(LightRed) => named("#ef2929"),
        Some(LightGreen) => named("#8ae234"),
        Some(LightYellow) => named("#fce94f"),
        Some(LightBlue) => named("#729fcf"),
        Some(LightMagenta) => named("#ad7fa8"),
        Some(LightCyan) => named("#34e2e2"),
        Some(White) => named("#ffffff"),
        Some(Indexed(i)) => {
            // xterm 256: 16 system colours, a 6×6×6 cube, a grey ramp.
            let i = i as u32;
            if i < 16 {
                return "#888888".into();
            }
            if i >= 232 {
                let v = 8 + (i - 232) * 10;
                return format!("#{v:02x}{v:02x}{v:02x}");
            }
            let i = i - 16;
            let f = |x: u32| if x == 0 { 0 } else { 55 + x * 40 };
            format!("#{:02x}{:02x}{:02x}", f(i / 36), f((i / 6) % 6), f(i % 6))
        }
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Render a buffer as an SVG picture of the terminal (monospace grid; colours and
/// bold/italic/underline kept). `theme` gives the default colours.
pub fn buffer_to_svg(buf: &Buffer, theme: &Theme) -> String {
    use ratatui::style::Modifier;
    const CW: f32 = 8.4;
    const CH: f32 = 17.0;
    let area = buf.area;
    let def_fg = hex(theme.text.fg, "#c5c8c6");
    let def_bg = hex(theme.text.bg, "#1d1f21");
    let w = area.width as f32 * CW;
    let h = area.height as f32 * CH;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.1} {h:.1}\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"{def_bg}\"/>\n\
         <g font-family=\"'DejaVu Sans Mono','Menlo','Consolas',monospace\" font-size=\"14px\" xml:space=\"preserve\">\n"
    );
    for y in area.top()..area.bottom() {
        // Background runs.
        let mut x = area.left();
        while x < area.right() {
            let cell = &buf[(x, y)];
            let rev = cell.modifier.contains(Modifier::REVERSED);
            let bg = if rev {
                hex(Some(cell.fg), &def_fg)
            } else {
                hex(Some(cell.bg), &def_bg)
            };
            let start = x;
            while x < area.right() {
                let c = &buf[(x, y)];
                let r = c.modifier.contains(Modifier::REVERSED);
                let b = if r {
                    hex(Some(c.fg), &def_fg)
                } else {
                    hex(Some(c.bg), &def_bg)
                };
                if b != bg {
                    break;
                }
                x += 1;
            }
            if bg != def_bg {
                out.push_str(&format!(
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{CH:.1}\" fill=\"{bg}\"/>\n",
                    start as f32 * CW,
                    y as f32 * CH,
                    (x - start) as f32 * CW
                ));
            }
        }
        // Text runs (same style, no wide characters inside a run).
        let mut x = area.left();
        while x < area.right() {
            let cell = &buf[(x, y)];
            let sym = cell.symbol();
            if sym.trim().is_empty() {
                x += 1;
                continue;
            }
            let style_of = |c: &ratatui::buffer::Cell| {
                let rev = c.modifier.contains(Modifier::REVERSED);
                let fg = if rev {
                    hex(Some(c.bg), &def_bg)
                } else {
                    hex(Some(c.fg), &def_fg)
                };
                (fg, c.modifier)
            };
            let (fg, m) = style_of(cell);
            let start = x;
            let mut text = String::new();
            while x < area.right() {
                let c = &buf[(x, y)];
                if style_of(c) != (fg.clone(), m) {
                    break;
                }
                let s = c.symbol();
                let cw = unicode_width::UnicodeWidthStr::width(s);
                text.push_str(s);
                x += cw.max(1) as u16;
                if cw > 1 {
                    break;
                }
            }
            let mut attrs = format!("fill=\"{fg}\"");
            if m.contains(Modifier::BOLD) {
                attrs.push_str(" font-weight=\"bold\"");
            }
            if m.contains(Modifier::ITALIC) {
                attrs.push_str(" font-style=\"italic\"");
            }
            if m.contains(Modifier::UNDERLINED) {
                attrs.push_str(" text-decoration=\"underline\"");
            }
            if m.contains(Modifier::DIM) {
                attrs.push_str(" opacity=\"0.6\"");
            }
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" {attrs}>{}</text>\n",
                start as f32 * CW,
                y as f32 * CH + CH * 0.75,
                xml_escape(text.trim_end())
            ));
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Style};

    #[test]
    fn svg_keeps_text_colours_and_escapes_xml() {
        let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 20, 2));
        buf.set_string(0, 0, "a<b & 日本", Style::default().fg(Color::Rgb(1, 2, 3)));
        buf.set_string(0, 1, "sel", Style::default().bg(Color::Red));
        let svg = buffer_to_svg(&buf, &Theme::dark());
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("a&lt;b &amp; 日"), "{svg}");
        assert!(svg.contains("fill=\"#010203\""), "{svg}");
        assert!(svg.contains("fill=\"#cc342b\""), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
