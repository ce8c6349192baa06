//! Input: terminal events, keys (help overlay, command line, the top screen, then the
//! shell's defaults) and `:` commands.

use chrono::{DateTime, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent};

use super::App;
use crate::app::action::Action;
use crate::app::commands::{self, Command};
use crate::app::key_context::KeyContext;
use crate::app::keymap::Key;
use crate::app::screen::{Handled, ScreenRequest, ToastLevel};
use crate::theme::Theme;
use crate::widgets::cmdline::CommandLine;
use crate::widgets::input::InputEvent;

impl App {
    /// Handle one terminal event.
    pub fn handle_event(&mut self, ev: Event, now: DateTime<Utc>) {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.handle_key(k, now),
            Event::Mouse(m) => self.handle_mouse(m, now),
            Event::Resize(..) => self.dirty = true,
            Event::Paste(text) => {
                if let Some(c) = self.cmdline.as_mut() {
                    for ch in text.chars().filter(|c| !c.is_control()) {
                        c.handle_key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE));
                    }
                    self.dirty = true;
                } else if self.stack.last().is_some_and(|(_, s)| s.capturing_text()) {
                    self.with_top(now, |s, ctx| {
                        for ch in text.chars().filter(|c| !c.is_control()) {
                            s.handle_key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE), ctx);
                        }
                    });
                }
            }
            _ => {}
        }
    }

    fn handle_mouse(&mut self, m: MouseEvent, now: DateTime<Utc>) {
        if self.help_scroll.is_some() || self.cmdline.is_some() {
            return;
        }
        self.with_top(now, |s, ctx| s.handle_mouse(m, ctx));
    }

    /// Handle a key press.
    pub fn handle_key(&mut self, k: KeyEvent, now: DateTime<Utc>) {
        let Some(key) = Key::from_event(&k) else {
            return;
        };
        if key == Key::ctrl('c') {
            self.quit = true;
            return;
        }
        let context = self
            .stack
            .last()
            .map(|(_, s)| s.context())
            .unwrap_or(KeyContext::Global);
        let action = self.keymap.lookup(context, key);
        if let Some(scroll) = self.help_scroll.as_mut() {
            self.dirty = true;
            match action {
                Some(Action::Down | Action::ScrollDown) => *scroll = scroll.saturating_add(1),
                Some(Action::Up | Action::ScrollUp) => *scroll = scroll.saturating_sub(1),
                Some(Action::PageDown) => *scroll = scroll.saturating_add(10),
                Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
                Some(Action::First) => *scroll = 0,
                // Clamped to the last page when drawn.
                Some(Action::Last) => *scroll = u16::MAX,
                Some(Action::Quit) => self.quit = true,
                Some(Action::Help | Action::Back | Action::Close) => self.help_scroll = None,
                _ if k.code == KeyCode::Esc => self.help_scroll = None,
                _ => {}
            }
            return;
        }
        if self.cmdline.is_some() {
            self.cmdline_key(k, now);
            return;
        }
        if self.stack.last().is_some_and(|(_, s)| s.capturing_text()) {
            self.with_top(now, |s, ctx| s.handle_key(k, ctx));
            return;
        }
        let Some(action) = action else {
            self.with_top(now, |s, ctx| s.handle_unbound_key(k, ctx));
            return;
        };
        self.dispatch(action, now);
    }

    /// Send an action to the top screen, falling back to the shell's defaults.
    pub fn dispatch(&mut self, action: Action, now: DateTime<Utc>) {
        if action == Action::Quit {
            self.quit = true;
            return;
        }
        if action == Action::Refresh {
            self.with_top(now, |s, ctx| s.refresh(ctx));
            return;
        }
        let handled = self
            .with_top(now, |s, ctx| s.handle_action(action, ctx))
            .unwrap_or(Handled::No);
        if handled == Handled::Yes {
            return;
        }
        self.dirty = true;
        match action {
            Action::Close => {
                if self.stack.len() > 1 {
                    self.back_to_previous(now);
                } else {
                    self.quit = true;
                }
            }
            Action::Back if self.stack.len() > 1 => self.back_to_previous(now),
            Action::Help => self.help_scroll = Some(0),
            Action::CommandLine => self.cmdline = Some(CommandLine::new()),
            _ => {}
        }
    }

    fn cmdline_key(&mut self, k: KeyEvent, now: DateTime<Utc>) {
        let Some(c) = self.cmdline.as_mut() else {
            return;
        };
        self.dirty = true;
        match c.handle_key(k) {
            InputEvent::Cancel => self.cmdline = None,
            InputEvent::Submit => {
                let line = c.input.value();
                self.cmdline = None;
                self.run_command(&line, now);
            }
            InputEvent::Complete => {
                let names = self.project_names.clone();
                let themes = Theme::names(self.theme_dir.as_deref());
                let groupings: Vec<String> = std::iter::once("thread_id".to_string())
                    .chain(crate::opik::conversations::keys_for(
                        self.project.as_deref().unwrap_or(""),
                        &self.conversation_keys,
                    ))
                    .collect();
                c.complete(|before| match before {
                    [] => commands::NAMES.iter().map(|s| s.to_string()).collect(),
                    ["threads" | "th"] => std::iter::once("by".to_string())
                        .chain(names.iter().cloned())
                        .collect(),
                    ["threads" | "th", .., "by"] => groupings.clone(),
                    ["project" | "traces"] => names.clone(),
                    ["dashboard" | "dash"] => std::iter::once(commands::ALL_PROJECTS.to_string())
                        .chain(names.iter().cloned())
                        .collect(),
                    ["theme"] => themes.clone(),
                    _ => Vec::new(),
                });
            }
            InputEvent::Changed | InputEvent::Ignored => {}
        }
    }

    /// Execute a `:` command line (without the colon).
    pub fn run_command(&mut self, line: &str, now: DateTime<Utc>) {
        self.dirty = true;
        match commands::parse(line, self.project.as_deref()) {
            Ok(Command::Open(req)) => {
                if let ScreenRequest::Traces { project }
                | ScreenRequest::Threads { project }
                | ScreenRequest::ThreadsBy { project, .. } = &req
                {
                    self.project = Some(project.clone());
                }
                // The top screen may take it (`:threads by KEY` on that project's threads).
                if self
                    .with_top(now, |s, ctx| s.take_request(&req, ctx))
                    .unwrap_or(false)
                {
                    return;
                }
                self.open(&req, now)
            }
            Ok(Command::Project(p)) => {
                self.project = Some(p.clone());
                self.open(&ScreenRequest::Traces { project: p }, now);
            }
            Ok(Command::Theme(name)) => match Theme::by_name(&name, self.theme_dir.as_deref()) {
                Ok(t) => {
                    self.theme = t;
                    self.toasts
                        .push(ToastLevel::Info, &format!("theme {name}"), now);
                }
                Err(e) => self.toasts.push(ToastLevel::Error, &e.to_string(), now),
            },
            Ok(Command::Help) => self.help_scroll = Some(0),
            Ok(Command::Quit) => self.quit = true,
            Err(msg) => self.toasts.push(ToastLevel::Error, &msg, now),
        }
    }
}
