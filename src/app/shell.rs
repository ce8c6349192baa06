//! The shell ([`App`]): the screen stack, the global keys, the `:` command line, the `?`
//! help overlay, toasts, the status bar and hint bar, and the routing of task results. It is
//! pure state (no terminal, no runtime needed), so tests drive it with key events and render
//! it into a ratatui `TestBackend`.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use throbber_widgets_tui::ThrobberState;

use super::action::Action;
use super::commands::{self, Command};
use super::key_context::KeyContext;
use super::keymap::{Key, KeyMap};
use super::screen::{
    Ctx, DrawCtx, DynScreen, Effect, Handled, NoMsg, ScreenId, ScreenRequest, TaskOutput,
    ToastLevel,
};
use super::tasks::{TaskMsg, Tasks};
use crate::theme::Theme;
use crate::widgets::cmdline::CommandLine;
use crate::widgets::input::InputEvent;
use crate::widgets::toast::Toasts;
use crate::widgets::{help, hintbar, statusbar};

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

    /// Run `f` on the top screen with a [`Ctx`], then apply the effects it asked for.
    fn with_top<R>(
        &mut self,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut dyn DynScreen, &mut Ctx<NoMsg>) -> R,
    ) -> Option<R> {
        let mut effects = Vec::new();
        let r = {
            let (id, screen) = self.stack.last_mut()?;
            let mut ctx = Ctx::new(
                *id,
                &self.theme,
                &self.keymap,
                now,
                self.project.as_deref(),
                &mut self.tasks,
                &mut effects,
            );
            f(screen.as_mut(), &mut ctx)
        };
        self.dirty = true;
        self.apply(effects, now);
        Some(r)
    }

    /// Apply effects (which may cause more, e.g. a pushed screen's `on_open`).
    fn apply(&mut self, effects: Vec<Effect>, now: DateTime<Utc>) {
        for e in effects {
            self.dirty = true;
            match e {
                Effect::Push(s) => self.push_screen(s, now),
                Effect::Open(req) => match (self.opener)(&req) {
                    Ok(s) => self.push_screen(s, now),
                    Err(msg) => self.toasts.push(ToastLevel::Error, &msg, now),
                },
                Effect::Replace(s) => {
                    self.pop_screen();
                    self.push_screen(s, now);
                }
                Effect::ReplaceOpen(req) => match (self.opener)(&req) {
                    Ok(s) => {
                        self.pop_screen();
                        self.push_screen(s, now);
                    }
                    Err(msg) => self.toasts.push(ToastLevel::Error, &msg, now),
                },
                Effect::Pop => {
                    if self.stack.len() > 1 {
                        self.back_to_previous(now);
                    } else {
                        self.quit = true;
                    }
                }
                Effect::Quit => self.quit = true,
                Effect::Toast(level, text) => self.toasts.push(level, &text, now),
                Effect::Copy(text) => {
                    let shown = crate::render::sanitize::truncate_to_width(
                        &crate::render::sanitize::one_line(&text),
                        40,
                    )
                    .into_owned();
                    self.toasts
                        .push(ToastLevel::Info, &format!("copied {shown}"), now);
                    self.clipboard.push(text);
                }
                Effect::CopyAs { text, what } => {
                    let shown = crate::render::sanitize::truncate_to_width(
                        &crate::render::sanitize::one_line(&text),
                        72,
                    )
                    .into_owned();
                    let what = crate::render::sanitize::one_line(&what);
                    self.toasts
                        .push(ToastLevel::Info, &format!("copied {what}: {shown}"), now);
                    self.clipboard.push(text);
                }
                Effect::Refreshed => self.last_refresh = Some(now),
                Effect::SetProject(p) => self.project = Some(p),
                Effect::ProjectNames(n) => self.project_names = n,
            }
        }
    }

    fn push_screen(&mut self, s: Box<dyn DynScreen>, now: DateTime<Utc>) {
        let id = self.next_id;
        self.next_id += 1;
        self.stack.push((id, s));
        self.last_tick.insert(id, now);
        self.with_top(now, |s, ctx| s.on_open(ctx));
    }

    /// Close the top screen and tell the one below it that it is shown again.
    fn back_to_previous(&mut self, now: DateTime<Utc>) {
        self.pop_screen();
        self.with_top(now, |s, ctx| s.on_resume(ctx));
    }

    fn pop_screen(&mut self) {
        if let Some((id, _)) = self.stack.pop() {
            self.tasks.forget_screen(id);
            self.last_tick.remove(&id);
        }
    }

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
                    ["project" | "traces" | "dashboard"] => names.clone(),
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

    /// A background task finished: route it to its screen unless stale.
    pub fn on_task(&mut self, msg: TaskMsg, now: DateTime<Utc>) {
        self.dirty = true;
        if !self.tasks.accept(&msg) {
            return;
        }
        let Some(pos) = self.stack.iter().position(|(id, _)| *id == msg.screen) else {
            return;
        };
        let out = TaskOutput {
            key: msg.key,
            value: msg.value,
        };
        // Results may arrive for a screen below the top (e.g. the list behind an open
        // trace): deliver them there, with effects applied as usual.
        let mut effects = Vec::new();
        {
            let (id, screen) = &mut self.stack[pos];
            let mut ctx = Ctx::new(
                *id,
                &self.theme,
                &self.keymap,
                now,
                self.project.as_deref(),
                &mut self.tasks,
                &mut effects,
            );
            screen.on_task(out, &mut ctx);
        }
        // A screen below the top that asks to close closes itself, not the screen on top.
        if pos + 1 < self.stack.len() && effects.iter().any(|e| matches!(e, Effect::Pop)) {
            effects.retain(|e| !matches!(e, Effect::Pop));
            let (id, _) = self.stack.remove(pos);
            self.tasks.forget_screen(id);
            self.last_tick.remove(&id);
        }
        self.apply(effects, now);
    }

    /// Periodic work: spinner, toast expiry, the top screen's tick.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if self.tasks.busy() > 0 {
            self.spinner.calc_next();
            self.dirty = true;
        }
        if self.toasts.expire(now) {
            self.dirty = true;
        }
        let due = self.stack.last().and_then(|(id, s)| {
            let iv = s.tick_interval()?;
            let last = self.last_tick.get(id).copied().unwrap_or(now);
            let iv = chrono::Duration::from_std(iv).ok()?;
            (now - last >= iv).then_some(*id)
        });
        if let Some(id) = due {
            self.last_tick.insert(id, now);
            self.with_top(now, |s, ctx| s.on_tick(ctx));
        }
    }

    /// How long the run loop may sleep before [`App::tick`] has work; `None` = until the
    /// next event (idle: no wake-ups at all).
    pub fn next_wakeup(&self, now: DateTime<Utc>) -> Option<std::time::Duration> {
        let mut best: Option<std::time::Duration> = None;
        let mut consider = |d: std::time::Duration| {
            best = Some(best.map_or(d, |b| b.min(d)));
        };
        if self.tasks.busy() > 0 {
            consider(std::time::Duration::from_millis(100));
        }
        if let Some(t) = self.toasts.next_deadline() {
            consider((t - now).to_std().unwrap_or_default());
        }
        if let Some((id, s)) = self.stack.last()
            && let Some(iv) = s.tick_interval()
        {
            let last = self.last_tick.get(id).copied().unwrap_or(now);
            let elapsed = (now - last).to_std().unwrap_or_default();
            consider(iv.saturating_sub(elapsed));
        }
        best
    }

    /// Let the top screen react to the frame just drawn (see [`DynScreen::after_draw`]). Only
    /// marks the app dirty if the screen started work.
    pub fn after_draw(&mut self, now: DateTime<Utc>) {
        let was_dirty = self.dirty;
        let busy = self.tasks.busy();
        let toasts = self.toasts.items().len();
        self.with_top(now, |s, ctx| s.after_draw(ctx));
        self.dirty = was_dirty
            || self.tasks.busy() != busy
            || self.toasts.items().len() != toasts
            || self.quit;
    }

    /// Draw everything.
    pub fn draw(&mut self, frame: &mut Frame, now: DateTime<Utc>) {
        let area = frame.area();
        frame.buffer_mut().set_style(area, self.theme.text);
        let [status_area, body, hint_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        self.body_area = body;
        let outbox = self.outbox.label();
        let refreshed = self.last_refresh.map(|t| {
            t.with_timezone(&self.local_offset)
                .format("%H:%M:%S")
                .to_string()
        });
        let (typing, labels) = match self.stack.last() {
            Some((_, s)) if s.capturing_text() => (Some(s.typing_hints()), Vec::new()),
            Some((_, s)) => (None, s.hint_labels()),
            None => (None, Vec::new()),
        };
        let (title, sstatus, context, hints, extra) = match self.stack.last() {
            Some((_, s)) => (
                s.title(),
                s.status(),
                s.context(),
                s.hints(),
                if self.help_scroll.is_some() {
                    s.help_extra()
                } else {
                    Vec::new()
                },
            ),
            None => (
                String::new(),
                None,
                KeyContext::Global,
                Vec::new(),
                Vec::new(),
            ),
        };
        statusbar::render(
            &statusbar::StatusInfo {
                url: &self.url,
                workspace: &self.workspace,
                project: self.project.as_deref(),
                screen: &title,
                screen_status: sstatus.as_deref(),
                busy: self.tasks.busy() > 0,
                refreshed: refreshed.as_deref(),
                outbox: outbox.as_deref(),
            },
            &self.spinner,
            status_area,
            frame.buffer_mut(),
            &self.theme,
        );
        let dctx = DrawCtx {
            theme: &self.theme,
            keymap: &self.keymap,
            now,
        };
        if let Some((_, s)) = self.stack.last_mut() {
            s.draw(frame, body, &dctx);
        }
        if let Some(c) = &self.cmdline {
            frame.buffer_mut().set_style(hint_area, self.theme.text);
            c.draw(frame, hint_area, &self.theme);
        } else {
            let line = match &typing {
                Some(t) => hintbar::typing_line(t, hint_area.width, &self.theme),
                None => hintbar::hint_line_with(
                    &self.keymap,
                    context,
                    &hints,
                    &labels,
                    hint_area.width,
                    &self.theme,
                    self.stack.len() <= 1,
                ),
            };
            hintbar::render(&line, hint_area, frame.buffer_mut(), &self.theme);
        }
        if let Some(scroll) = self.help_scroll {
            let lines =
                help::help_lines_with(&self.keymap, &title, context, &hints, &extra, &self.theme);
            let used = help::draw(frame, body, lines, scroll, &self.theme);
            self.help_scroll = Some(used);
        }
        self.toasts.draw(frame, body, &self.theme);
        self.dirty = false;
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::app::Screen;
    use crate::app::testing::{buffer_text, fixed_now, render_app, test_app};
    use ratatui::text::Line;
    use ratatui::widgets::Paragraph;

    /// A small screen that records what reaches it.
    struct Probe {
        name: String,
        log: Rc<RefCell<Vec<String>>>,
        gens: Vec<u64>,
    }

    impl Probe {
        fn boxed(name: &str, log: &Rc<RefCell<Vec<String>>>) -> Box<dyn DynScreen> {
            Box::new(Probe {
                name: name.into(),
                log: log.clone(),
                gens: Vec::new(),
            })
        }
    }

    impl Screen for Probe {
        type Msg = u32;
        fn title(&self) -> String {
            self.name.clone()
        }
        fn context(&self) -> KeyContext {
            KeyContext::Global
        }
        fn on_open(&mut self, ctx: &mut Ctx<u32>) {
            self.gens.push(ctx.spawn("load", async { 1u32 }));
            self.gens.push(ctx.spawn("load", async { 2u32 }));
            self.log
                .borrow_mut()
                .push(format!("{} open {:?}", self.name, self.gens));
        }
        fn on_resume(&mut self, _ctx: &mut Ctx<u32>) {
            self.log.borrow_mut().push(format!("{} resumed", self.name));
        }
        fn handle_action(&mut self, action: Action, ctx: &mut Ctx<u32>) -> Handled {
            match action {
                Action::Down | Action::Open => {
                    self.log
                        .borrow_mut()
                        .push(format!("{} {action:?}", self.name));
                    if action == Action::Open {
                        ctx.copy("the-id");
                    }
                    Handled::Yes
                }
                _ => Handled::No,
            }
        }
        fn on_msg(&mut self, v: u32, ctx: &mut Ctx<u32>) {
            if v == 0 {
                ctx.pop();
            }
            self.log
                .borrow_mut()
                .push(format!("{} result {:?}", self.name, Some(v)));
        }
        fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!("screen {}", self.name),
                    ctx.theme.text,
                )),
                area,
            );
        }
        fn hints(&self) -> Vec<Action> {
            vec![Action::Open, Action::Down]
        }
    }

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn code(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn type_str(app: &mut App, s: &str) {
        for c in s.chars() {
            app.handle_key(key(c), fixed_now());
        }
    }

    #[test]
    fn stack_back_close_and_quit() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut app = test_app(crate::app::testing::no_opener());
        let now = fixed_now();
        app.push(Probe::boxed("a", &log), now);
        app.push(Probe::boxed("b", &log), now);
        assert_eq!(app.depth(), 2);
        app.handle_key(key('j'), now);
        assert_eq!(log.borrow().last().unwrap(), "b Down");
        app.handle_key(code(KeyCode::Esc), now);
        assert_eq!(app.top_title().unwrap(), "a");
        // Esc on the first screen does not quit; q does.
        app.handle_key(code(KeyCode::Esc), now);
        assert!(!app.quit);
        app.handle_key(key('q'), now);
        assert!(app.quit);
        let mut app = test_app(crate::app::testing::no_opener());
        app.push(Probe::boxed("a", &log), now);
        app.push(Probe::boxed("b", &log), now);
        app.handle_key(
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            now,
        );
        assert!(app.quit, "ctrl-c quits anywhere");
    }

    /// A "load" result for `screen` from request `generation`.
    fn msg(screen: ScreenId, generation: u64, v: u32) -> TaskMsg {
        TaskMsg {
            screen,
            key: "load",
            generation,
            value: Box::new(v),
        }
    }

    #[test]
    fn stale_and_orphan_results_are_dropped() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut app = test_app(crate::app::testing::no_opener());
        let now = fixed_now();
        app.push(Probe::boxed("a", &log), now);
        app.push(Probe::boxed("b", &log), now);
        assert_eq!(app.busy(), 2);
        // Screen ids are 1 (a) and 2 (b); a's requests had generations 1, 2; b's 3, 4.
        app.on_task(msg(1, 1, 10), now);
        app.on_task(msg(1, 2, 20), now);
        app.handle_key(code(KeyCode::Esc), now); // close b
        app.on_task(msg(2, 4, 40), now);
        let log = log.borrow();
        assert!(log.contains(&"a result Some(20)".to_string()), "{log:?}");
        assert!(!log.iter().any(|l| l.contains("Some(10)")), "{log:?}");
        assert!(!log.iter().any(|l| l.contains("Some(40)")), "{log:?}");
        assert_eq!(app.busy(), 0);
    }

    /// A result whose value is not the screen's message type (impossible through
    /// `Ctx::spawn`) never reaches the screen: in debug builds it trips an assertion.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "not its message type")]
    fn a_result_of_the_wrong_type_trips_the_debug_assertion() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut app = test_app(crate::app::testing::no_opener());
        let now = fixed_now();
        app.push(Probe::boxed("a", &log), now);
        app.on_task(
            TaskMsg {
                screen: 1,
                key: "load",
                generation: 2,
                value: Box::new("not a u32"),
            },
            now,
        );
    }

    #[test]
    fn help_g_goes_to_the_last_page_and_k_scrolls_back_from_there() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut app = test_app(crate::app::testing::no_opener());
        let now = fixed_now();
        app.push(Probe::boxed("a", &log), now);
        app.handle_key(key('?'), now);
        let top = buffer_text(&render_app(&mut app, 80, 16));
        app.handle_key(key('G'), now);
        let end = buffer_text(&render_app(&mut app, 80, 16));
        assert!(end.contains("Keys can be changed"), "{end}");
        assert_ne!(top, end);
        app.handle_key(key('k'), now);
        let up = buffer_text(&render_app(&mut app, 80, 16));
        assert_ne!(up, end, "k right after G scrolls up one line");
    }

    #[test]
    fn the_screen_below_is_told_when_it_is_shown_again() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut app = test_app(crate::app::testing::no_opener());
        let now = fixed_now();
        app.push(Probe::boxed("a", &log), now);
        app.push(Probe::boxed("b", &log), now);
        assert!(!log.borrow().iter().any(|l| l.contains("resumed")));
        app.handle_key(code(KeyCode::Esc), now);
        assert_eq!(log.borrow().last().unwrap(), "a resumed");
    }

    #[test]
    fn a_screen_closing_itself_on_a_result_closes_itself_even_below_the_top() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut app = test_app(crate::app::testing::no_opener());
        let now = fixed_now();
        app.push(Probe::boxed("a", &log), now);
        app.push(Probe::boxed("b", &log), now);
        app.push(Probe::boxed("c", &log), now);
        // Screen ids 1, 2, 3; b's latest request has generation 4. b (below c) closes itself.
        app.on_task(msg(2, 4, 0), now);
        assert_eq!(app.depth(), 2);
        assert_eq!(app.top_title().unwrap(), "c");
        // The top screen closing itself goes back to a.
        app.on_task(msg(3, 6, 0), now);
        assert_eq!(app.depth(), 1);
        assert_eq!(app.top_title().unwrap(), "a");
        assert!(!app.quit);
    }

    #[test]
    fn command_line_runs_commands_and_reports_unknown_ones() {
        let opened = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::new(RefCell::new(Vec::new()));
        let o2 = opened.clone();
        let l2 = log.clone();
        let mut app = test_app(Box::new(move |req: &ScreenRequest| {
            o2.borrow_mut().push(req.clone());
            Ok(Probe::boxed(&format!("{req:?}"), &l2))
        }));
        let now = fixed_now();
        app.open(&ScreenRequest::Projects, now);
        type_str(&mut app, ":traces");
        assert!(app.cmdline_open());
        app.handle_key(code(KeyCode::Enter), now);
        assert!(!app.cmdline_open());
        assert!(app.toasts().items()[0].text.contains("no project selected"));
        type_str(&mut app, ":project demo");
        app.handle_key(code(KeyCode::Enter), now);
        assert_eq!(
            opened.borrow().last().unwrap(),
            &ScreenRequest::Traces {
                project: "demo".into()
            }
        );
        assert_eq!(app.project(), Some("demo"));
        type_str(&mut app, ":thr");
        app.handle_key(code(KeyCode::Tab), now);
        app.handle_key(code(KeyCode::Enter), now);
        assert_eq!(
            opened.borrow().last().unwrap(),
            &ScreenRequest::Threads {
                project: "demo".into()
            }
        );
        type_str(&mut app, ":theme li");
        app.handle_key(code(KeyCode::Tab), now);
        app.handle_key(code(KeyCode::Enter), now);
        assert_eq!(app.theme.name, "light");
        type_str(&mut app, ":theme nope");
        app.handle_key(code(KeyCode::Enter), now);
        assert!(
            app.toasts()
                .items()
                .iter()
                .any(|t| t.text.contains("unknown theme `nope`"))
        );
        type_str(&mut app, ":bogus");
        app.handle_key(code(KeyCode::Enter), now);
        assert!(
            app.toasts()
                .items()
                .iter()
                .any(|t| t.text.contains("unknown command :bogus"))
        );
        type_str(&mut app, ":xx");
        app.handle_key(code(KeyCode::Esc), now);
        assert!(!app.cmdline_open());
        assert!(!app.quit);
        type_str(&mut app, ":q");
        app.handle_key(code(KeyCode::Enter), now);
        assert!(app.quit);
    }

    #[test]
    fn threads_by_key_completes_from_settings_and_opens() {
        let opened = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::new(RefCell::new(Vec::new()));
        let o2 = opened.clone();
        let l2 = log.clone();
        let mut app = test_app(Box::new(move |req: &ScreenRequest| {
            o2.borrow_mut().push(req.clone());
            Ok(Probe::boxed("threads", &l2))
        }));
        app.set_conversation_keys(
            [("demo".to_string(), vec!["chat_id".to_string()])]
                .into_iter()
                .collect(),
        );
        let now = fixed_now();
        type_str(&mut app, ":project demo");
        app.handle_key(code(KeyCode::Enter), now);
        type_str(&mut app, ":threads by ");
        app.handle_key(code(KeyCode::Tab), now);
        assert_eq!(
            app.cmdline.as_ref().unwrap().candidates,
            vec!["thread_id".to_string(), "chat_id".to_string()]
        );
        app.handle_key(code(KeyCode::Esc), now);
        type_str(&mut app, ":threads by c");
        app.handle_key(code(KeyCode::Tab), now);
        app.handle_key(code(KeyCode::Enter), now);
        assert_eq!(
            opened.borrow().last().unwrap(),
            &ScreenRequest::ThreadsBy {
                project: "demo".into(),
                by: "metadata.chat_id".into()
            }
        );
        // Copies with a label say what was copied.
        app.apply(
            vec![Effect::CopyAs {
                text: "https://x/ws/projects/1/traces?type=threads&thread=t".into(),
                what: "the web URL of thread t".into(),
            }],
            now,
        );
        assert_eq!(app.take_clipboard().len(), 1);
        assert!(
            app.toasts().items().iter().any(|t| t
                .text
                .starts_with("copied the web URL of thread t: https://x/")),
            "{:?}",
            app.toasts().items()
        );
    }

    #[test]
    fn copy_goes_to_clipboard_queue_and_toasts() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut app = test_app(crate::app::testing::no_opener());
        app.push(Probe::boxed("a", &log), fixed_now());
        app.handle_key(code(KeyCode::Enter), fixed_now());
        assert_eq!(app.take_clipboard(), vec!["the-id".to_string()]);
        assert!(app.toasts().items()[0].text.contains("copied the-id"));
    }

    #[test]
    fn idle_app_does_not_wake_up() {
        let mut app = test_app(crate::app::testing::no_opener());
        assert_eq!(app.next_wakeup(fixed_now()), None);
        app.toast(ToastLevel::Info, "x", fixed_now());
        assert!(app.next_wakeup(fixed_now()).is_some());
    }

    #[test]
    fn status_bar_shows_the_outbox_on_any_screen() {
        use crate::outbox::OutboxEvent;
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut app = test_app(crate::app::testing::no_opener());
        app.push(Probe::boxed("a", &log), fixed_now());
        let top = |app: &mut App| {
            buffer_text(&render_app(app, 120, 10))
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        };
        assert!(!top(&mut app).contains("waiting"));
        app.set_outbox_pending(2);
        assert!(top(&mut app).contains("2 waiting to send"));
        app.outbox_event(&OutboxEvent::Status {
            online: false,
            pending: 3,
            last_error: Some("cannot connect".into()),
        });
        let line = top(&mut app);
        assert!(line.contains("offline · 3 waiting to send"), "{line}");
        app.outbox_event(&OutboxEvent::Status {
            online: true,
            pending: 0,
            last_error: None,
        });
        let line = top(&mut app);
        assert!(
            !line.contains("offline") && !line.contains("waiting"),
            "{line}"
        );
    }

    #[test]
    fn help_overlay_and_hint_bar_snapshot() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut app = test_app(crate::app::testing::no_opener());
        let now = fixed_now();
        app.push(Probe::boxed("demo", &log), now);
        let buf = render_app(&mut app, 80, 24);
        let text = buffer_text(&buf);
        assert!(
            text.lines().last().unwrap().contains("Enter open"),
            "{text}"
        );
        app.handle_key(key('?'), now);
        assert!(app.help_open());
        app.toast(ToastLevel::Error, "cannot connect: connection refused", now);
        let buf = render_app(&mut app, 80, 24);
        insta::assert_snapshot!("shell_help_80x24", buffer_text(&buf));
        app.handle_key(code(KeyCode::Esc), now);
        assert!(!app.help_open());
    }
}
