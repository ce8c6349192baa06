//! Helpers for rendering tests (used by unit tests and `tests/tui_*.rs`): a fixed "now", a
//! shell without a runtime, and rendering a screen or the whole app into a `TestBackend`
//! buffer as plain text.

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::keymap::KeyMap;
use super::screen::{DrawCtx, Screen, ScreenRequest};
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
    term.backend().buffer().clone()
}

/// Render one screen (without the shell) at `w`×`h` with `theme`.
pub fn render_screen(screen: &mut dyn Screen, w: u16, h: u16, theme: &Theme) -> Buffer {
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
