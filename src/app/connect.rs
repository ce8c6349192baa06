//! The first screen: checks that the server answers before opening the start screen. While
//! waiting it says where it is connecting; if the server is unreachable it names the URL, the
//! error and the fix, and `r` retries. On success it replaces itself with the start screen.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::action::Action;
use super::key_context::KeyContext;
use super::screen::{Ctx, DrawCtx, Handled, Screen, ScreenRequest};
use crate::render::sanitize;

/// A connection probe: resolves to `Err(message)` when the server cannot be used.
pub type Probe =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

pub struct ConnectScreen {
    url: String,
    start: ScreenRequest,
    probe: Probe,
    error: Option<String>,
    attempts: u32,
}

impl ConnectScreen {
    pub fn new(url: &str, start: ScreenRequest, probe: Probe) -> ConnectScreen {
        ConnectScreen {
            url: url.to_string(),
            start,
            probe,
            error: None,
            attempts: 0,
        }
    }

    /// A screen already showing `error` (for snapshots).
    pub fn failed(url: &str, start: ScreenRequest, probe: Probe, error: &str) -> ConnectScreen {
        ConnectScreen {
            error: Some(error.to_string()),
            attempts: 1,
            ..ConnectScreen::new(url, start, probe)
        }
    }

    fn try_connect(&mut self, ctx: &mut Ctx<ProbeResult>) {
        self.attempts += 1;
        let probe = self.probe.clone();
        ctx.spawn("probe", async move { probe().await });
    }
}

/// What the probe task returns: the server answered, or why not.
pub type ProbeResult = Result<(), String>;

impl Screen for ConnectScreen {
    type Msg = ProbeResult;

    fn title(&self) -> String {
        "Connecting".into()
    }

    fn context(&self) -> KeyContext {
        KeyContext::Connect
    }

    fn on_open(&mut self, ctx: &mut Ctx<ProbeResult>) {
        if self.error.is_none() {
            self.try_connect(ctx);
        }
    }

    fn refresh(&mut self, ctx: &mut Ctx<ProbeResult>) {
        self.try_connect(ctx);
    }

    fn handle_action(&mut self, _action: Action, _ctx: &mut Ctx<ProbeResult>) -> Handled {
        Handled::No
    }

    fn on_msg(&mut self, msg: ProbeResult, ctx: &mut Ctx<ProbeResult>) {
        match msg {
            Ok(()) => {
                ctx.refreshed();
                ctx.replace_open(self.start.clone());
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let url = sanitize::one_line(&self.url);
        let lines: Vec<Line> = match &self.error {
            None => vec![
                Line::raw(""),
                Line::from(vec![
                    Span::styled("Connecting to ", t.text),
                    Span::styled(url, t.accent),
                    Span::styled(" …", t.text),
                ]),
            ],
            Some(e) => vec![
                Line::from(Span::styled("Cannot reach the Opik server", t.error)),
                Line::raw(""),
                Line::from(vec![
                    Span::styled("URL    ", t.dim),
                    Span::styled(url, t.accent),
                ]),
                Line::from(vec![
                    Span::styled("Error  ", t.dim),
                    Span::styled(sanitize::one_line(e), t.text),
                ]),
                Line::from(vec![
                    Span::styled("Tries  ", t.dim),
                    Span::styled(self.attempts.to_string(), t.text),
                ]),
                Line::raw(""),
                Line::from(Span::styled("How to fix", t.heading2)),
                Line::from(Span::styled(
                    "• Start a local server:  opik-tui serve   (or try:  opik-tui demo)",
                    t.text,
                )),
                Line::from(Span::styled(
                    "• Or point at yours:  opik-tui --url http://host:5173  or  OPIK_URL_OVERRIDE",
                    t.text,
                )),
                Line::from(Span::styled(
                    "• Check the API key and workspace:  opik-tui config",
                    t.text,
                )),
                Line::raw(""),
                Line::from(vec![
                    Span::styled("r", t.hint_key),
                    Span::styled(" retry   ", t.hint_text),
                    Span::styled("q", t.hint_key),
                    Span::styled(" quit", t.hint_text),
                ]),
            ],
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if self.error.is_some() {
                t.error
            } else {
                t.border
            })
            .title(Span::styled(" opik-tui ", t.title));
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block),
            area,
        );
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::Refresh]
    }
}
