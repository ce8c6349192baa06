//! Owning the terminal: raw mode, alternate screen, mouse capture and bracketed paste on
//! entry; all of it undone on quit, on error (the guard's `Drop`) and on panic (a hook that
//! restores the terminal before the default hook prints the message).

use std::io::{self, Write};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<io::Stdout>>;

/// Why the TUI cannot run here, if it cannot: it draws on standard output, which must be a
/// terminal, and reads keys from standard input or else the controlling terminal (`/dev/tty`),
/// which one of must exist. Piped, redirected, under cron or `nohup`, this says so — instead
/// of crossterm's "No such device or address (os error 6)" — and points at the commands that
/// need no terminal.
pub fn unavailable() -> Option<String> {
    use std::io::IsTerminal;
    let why = if !io::stdout().is_terminal() {
        "its output is not a terminal (piped or redirected)"
    } else if !io::stdin().is_terminal() && !controlling_terminal() {
        "there is no terminal to read keys from (cron, nohup, a service)"
    } else {
        return None;
    };
    Some(format!(
        "the TUI needs a terminal: {why}. Run it in a terminal; without one, `opik-tui serve` runs \
         the headless server and `opik-tui config` prints the connection"
    ))
}

#[cfg(unix)]
fn controlling_terminal() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok()
}

#[cfg(not(unix))]
fn controlling_terminal() -> bool {
    true
}

/// Restore the terminal (idempotent; errors ignored: there is nothing better to do).
pub fn restore() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
}

/// Restores the terminal when dropped (normal exit and `?` errors).
pub struct TerminalGuard {
    pub terminal: Term,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Install a panic hook that restores the terminal first (once per process).
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            tracing::error!("panic: {info}");
            prev(info);
        }));
    });
}

/// Enter raw mode and the alternate screen.
pub fn enter() -> io::Result<TerminalGuard> {
    install_panic_hook();
    enable_raw_mode()?;
    let mut out = io::stdout();
    if let Err(e) = execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    ) {
        restore();
        return Err(e);
    }
    match Terminal::new(CrosstermBackend::new(io::stdout())) {
        Ok(terminal) => Ok(TerminalGuard { terminal }),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

/// Copy `text` to the clipboard with OSC 52 (works over SSH in most terminals).
pub fn copy_osc52(text: &str) -> io::Result<()> {
    use crossterm::clipboard::CopyToClipboard;
    let mut out = io::stdout();
    execute!(out, CopyToClipboard::to_clipboard_from(text))?;
    out.flush()
}
