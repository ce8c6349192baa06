//! The shell ([`App`]): the screen stack, the global keys, the `:` command line, the `?`
//! help overlay, toasts, the status bar and hint bar, and the routing of task results. It is
//! pure state (no terminal, no runtime needed), so tests drive it with key events and render
//! it into a ratatui `TestBackend`.

mod dispatch;
mod draw;
mod events;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::layout::Rect;
use throbber_widgets_tui::ThrobberState;

use super::keymap::KeyMap;
use super::screen::{DynScreen, Effect, ScreenId, ScreenRequest, ToastLevel};
use super::tasks::Tasks;
use crate::theme::Theme;
use crate::widgets::cmdline::CommandLine;
use crate::widgets::toast::Toasts;

/// Builds a screen from a [`ScreenRequest`] (see `app::registry`).
pub type Opener = Box<dyn FnMut(&ScreenRequest) -> Result<Box<dyn DynScreen>, String>>;

/// Everything the shell shows about the connection.
#[derive(Debug, Clone)]
pub struct ShellConfig {
    pub url: String,
    pub workspace: String,
    pub project: Option<String>,
    pub theme: Theme,
    /// Directory of user themes (`<config>/themes`).
    pub theme_dir: Option<PathBuf>,
    pub keymap: KeyMap,
    /// Offset used to show clock times (the local zone; UTC in tests).
    pub local_offset: FixedOffset,
}

pub struct App {
    pub theme: Theme,
    pub keymap: KeyMap,
    theme_dir: Option<PathBuf>,
    url: String,
    workspace: String,
    project: Option<String>,
    project_names: Vec<String>,
    /// The settings' `[conversation_keys]` (completion of `:threads by KEY`).
    conversation_keys: std::collections::BTreeMap<String, Vec<String>>,
    local_offset: FixedOffset,
    stack: Vec<(ScreenId, Box<dyn DynScreen>)>,
    next_id: ScreenId,
    tasks: Tasks,
    opener: Opener,
    toasts: Toasts,
    cmdline: Option<CommandLine>,
    help_scroll: Option<u16>,
    last_refresh: Option<DateTime<Utc>>,
    last_tick: HashMap<ScreenId, DateTime<Utc>>,
    spinner: ThrobberState,
    clipboard: Vec<String>,
    /// Something changed since the last draw.
    pub dirty: bool,
    /// The user asked to quit.
    pub quit: bool,
    /// Area the screen body was last drawn in (for mouse routing).
    body_area: Rect,
    /// The outbox as the app-wide drainer last reported it.
    outbox: OutboxState,
}

/// What the status bar says about the outbox (writes waiting to reach the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxState {
    pub online: bool,
    pub pending: usize,
    pub refused: usize,
}

impl Default for OutboxState {
    fn default() -> Self {
        OutboxState {
            online: true,
            pending: 0,
            refused: 0,
        }
    }
}

impl OutboxState {
    /// `offline · 3 waiting · 1 refused`; `None` when there is nothing to say.
    pub fn label(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.online {
            parts.push("offline".to_string());
        }
        if self.pending > 0 {
            parts.push(format!("{} waiting to send", self.pending));
        }
        if self.refused > 0 {
            parts.push(format!("{} refused", self.refused));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

impl App {
    pub fn new(cfg: ShellConfig, opener: Opener, tasks: Tasks) -> App {
        App {
            theme: cfg.theme,
            keymap: cfg.keymap,
            theme_dir: cfg.theme_dir,
            url: cfg.url,
            workspace: cfg.workspace,
            project: cfg.project,
            project_names: Vec::new(),
            conversation_keys: Default::default(),
            local_offset: cfg.local_offset,
            stack: Vec::new(),
            next_id: 1,
            tasks,
            opener,
            toasts: Toasts::default(),
            cmdline: None,
            help_scroll: None,
            last_refresh: None,
            last_tick: HashMap::new(),
            spinner: ThrobberState::default(),
            clipboard: Vec::new(),
            dirty: true,
            quit: false,
            body_area: Rect::default(),
            outbox: OutboxState::default(),
        }
    }

    /// The outbox as the status bar shows it.
    pub fn outbox_state(&self) -> OutboxState {
        self.outbox
    }

    /// Writes found waiting in the outbox at start.
    pub fn set_outbox_pending(&mut self, pending: usize) {
        self.outbox.pending = pending;
        self.dirty = true;
    }

    /// An event of the app-wide outbox drainer.
    pub fn outbox_event(&mut self, ev: &crate::outbox::OutboxEvent) {
        use crate::outbox::OutboxEvent;
        match ev {
            OutboxEvent::Applied { .. } => {
                self.outbox.online = true;
                self.outbox.pending = self.outbox.pending.saturating_sub(1);
            }
            OutboxEvent::Failed { .. } => {
                self.outbox.refused += 1;
                self.outbox.pending = self.outbox.pending.saturating_sub(1);
            }
            OutboxEvent::Status {
                online, pending, ..
            } => {
                self.outbox.online = *online;
                self.outbox.pending = *pending;
            }
            // Stored by the writer: it waits until the drainer sends it.
            OutboxEvent::Stored { .. } => self.outbox.pending += 1,
            // The screen that submitted it says so.
            OutboxEvent::NotStored { .. } => {}
        }
        self.dirty = true;
    }

    /// The settings' `[conversation_keys]` table, offered by `:threads by <Tab>`.
    pub fn set_conversation_keys(&mut self, keys: std::collections::BTreeMap<String, Vec<String>>) {
        self.conversation_keys = keys;
    }

    /// Open a screen by request (used for the start screen and `:` commands).
    pub fn open(&mut self, req: &ScreenRequest, now: DateTime<Utc>) {
        self.apply(vec![Effect::Open(req.clone())], now);
    }

    /// Push a ready-made screen.
    pub fn push(&mut self, screen: Box<dyn DynScreen>, now: DateTime<Utc>) {
        self.apply(vec![Effect::Push(screen)], now);
    }

    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    pub fn top_title(&self) -> Option<String> {
        self.stack.last().map(|(_, s)| s.title())
    }

    pub fn project(&self) -> Option<&str> {
        self.project.as_deref()
    }

    pub fn toasts(&self) -> &Toasts {
        &self.toasts
    }

    pub fn help_open(&self) -> bool {
        self.help_scroll.is_some()
    }

    pub fn cmdline_open(&self) -> bool {
        self.cmdline.is_some()
    }

    /// Requests in flight.
    pub fn busy(&self) -> usize {
        self.tasks.busy()
    }

    /// Texts waiting to be copied with OSC 52 (the run loop writes them).
    pub fn take_clipboard(&mut self) -> Vec<String> {
        std::mem::take(&mut self.clipboard)
    }

    pub fn toast(&mut self, level: ToastLevel, text: &str, now: DateTime<Utc>) {
        self.toasts.push(level, text, now);
        self.dirty = true;
    }
}

#[cfg(test)]
mod tests;
