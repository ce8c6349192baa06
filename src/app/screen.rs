//! The [`Screen`] trait (one trait per screen: input, drawing, hints, async results) and the
//! [`Ctx`] a screen gets while handling input, through which it starts tasks, shows toasts,
//! opens or closes screens and copies to the clipboard.
//!
//! Screens never await: they call [`Ctx::spawn`] with a future that returns the screen's own
//! message type ([`Screen::Msg`], checked by the compiler) and get that message back in
//! [`Screen::on_msg`] later (on the UI task). A result for a screen that was closed, or one
//! superseded by a newer request with the same key, is dropped by the shell before it reaches
//! the screen. The shell stores screens as [`DynScreen`] (implemented for every [`Screen`]),
//! whose `on_task` is the one place a finished task's value is turned back into the message.

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::action::Action;
use super::key_context::KeyContext;
use super::keymap::KeyMap;
use super::tasks::Tasks;
use crate::theme::Theme;

/// Identifies a screen instance on the stack (never reused within a run).
pub type ScreenId = u64;

/// Whether a screen used an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Yes,
    No,
}

/// A screen the shell can open by name (`:traces`, the start screen, Enter on a project).
/// [`crate::app::registry`] turns it into a boxed [`Screen`].
#[derive(Debug, Clone, PartialEq)]
pub enum ScreenRequest {
    Projects,
    Traces {
        project: String,
    },
    Threads {
        project: String,
    },
    Queues,
    Dashboard {
        project: Option<String>,
    },
    Annotate {
        queue: Option<String>,
    },
    /// One trace: its span tree and detail.
    Trace {
        project: String,
        trace_id: uuid::Uuid,
    },
    /// The conversation a trace belongs to (`C`): by its `thread_id`, else by the first
    /// conversation key found in its metadata.
    ConversationOf {
        project: String,
        trace_id: uuid::Uuid,
    },
    /// `:threads by KEY`: the threads screen grouped by `thread_id` or `metadata.KEY`
    /// ([`crate::opik::conversations::Grouping::parse`]).
    ThreadsBy {
        project: String,
        by: String,
    },
    /// One Opik thread as a conversation, by its thread id.
    Thread {
        project: String,
        thread_id: String,
    },
    /// `:compare A B`: two feedback scores over the traces (or threads) of `range` that carry
    /// both ([`crate::dashboard::compare`]).
    Compare {
        project: String,
        a: crate::dashboard::compare::ScoreSpec,
        b: crate::dashboard::compare::ScoreSpec,
        range: crate::dashboard::TimeRange,
        scope: crate::dashboard::compare::Scope,
    },
}

/// A finished task on its way to [`DynScreen::on_task`]: the value is the screen's
/// [`Screen::Msg`], boxed because tasks of every screen share one channel.
pub struct TaskOutput {
    /// The key given to [`Ctx::spawn`].
    pub key: &'static str,
    pub value: Box<dyn Any + Send>,
}

/// The message type of a screen that spawns no tasks.
#[derive(Debug)]
pub enum NoMsg {}

/// Something a handler asked the shell to do once it returns.
pub enum Effect {
    Push(Box<dyn DynScreen>),
    Open(ScreenRequest),
    /// Replace the current screen (used by the connection screen once the server answers).
    Replace(Box<dyn DynScreen>),
    /// Replace the current screen by a screen opened by name.
    ReplaceOpen(ScreenRequest),
    /// Close the current screen.
    Pop,
    Quit,
    Toast(ToastLevel, String),
    /// Copy to the system clipboard with OSC 52.
    Copy(String),
    /// Copy with OSC 52; the toast names what was copied (`the web URL of trace …`).
    CopyAs {
        text: String,
        what: String,
    },
    /// The data on screen was just refreshed (status bar time).
    Refreshed,
    /// Make `project` the current project (status bar, `:threads`, `:dashboard`).
    SetProject(String),
    /// Offer these names for `:project NAME` completion.
    ProjectNames(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastLevel {
    Info,
    Error,
}

/// What a screen may touch while handling input or a result. `M` is the screen's message type:
/// [`Ctx::spawn`] only takes futures that return it. The shell holds a `Ctx<NoMsg>` and
/// retypes it for each screen ([`DynScreen`]).
pub struct Ctx<'a, M> {
    pub screen: ScreenId,
    pub theme: &'a Theme,
    pub keymap: &'a KeyMap,
    /// Wall-clock "now" (fixed in tests).
    pub now: DateTime<Utc>,
    /// The current project, if any.
    pub project: Option<&'a str>,
    pub(crate) tasks: &'a mut Tasks,
    pub(crate) effects: &'a mut Vec<Effect>,
    msg: PhantomData<fn(M)>,
}

impl<'a, M> Ctx<'a, M> {
    /// A context for screen `screen` (the shell makes a `Ctx<NoMsg>` and retypes it per screen
    /// through [`DynScreen`]; tests make one of a screen's own type).
    pub(crate) fn new(
        screen: ScreenId,
        theme: &'a Theme,
        keymap: &'a KeyMap,
        now: DateTime<Utc>,
        project: Option<&'a str>,
        tasks: &'a mut Tasks,
        effects: &'a mut Vec<Effect>,
    ) -> Self {
        Ctx {
            screen,
            theme,
            keymap,
            now,
            project,
            tasks,
            effects,
            msg: PhantomData,
        }
    }
}

impl<'a, M: Send + 'static> Ctx<'a, M> {
    /// The same context for a screen whose messages are `N`.
    pub(crate) fn retype<N>(&mut self) -> Ctx<'_, N> {
        Ctx {
            screen: self.screen,
            theme: self.theme,
            keymap: self.keymap,
            now: self.now,
            project: self.project,
            tasks: &mut *self.tasks,
            effects: &mut *self.effects,
            msg: PhantomData,
        }
    }

    /// Run `fut` in the background; its output comes back to this screen's
    /// [`Screen::on_msg`]. Starting a new task with the same key makes the older one's
    /// result stale (dropped). Returns the request's generation.
    ///
    /// The future must return the screen's message type:
    ///
    /// ```
    /// # use opik_tui::app::Ctx;
    /// enum Msg { Page(u32) }
    /// fn load(ctx: &mut Ctx<'_, Msg>) {
    ///     ctx.spawn("page", async { Msg::Page(7) });
    /// }
    /// ```
    ///
    /// ```compile_fail
    /// # use opik_tui::app::Ctx;
    /// enum Msg { Page(u32) }
    /// fn load(ctx: &mut Ctx<'_, Msg>) {
    ///     ctx.spawn("page", async { 7u32 }); // a u32 is not a Msg: does not compile
    /// }
    /// ```
    pub fn spawn<F>(&mut self, key: &'static str, fut: F) -> u64
    where
        F: Future<Output = M> + Send + 'static,
    {
        self.tasks.spawn(self.screen, key, fut)
    }

    /// As [`Ctx::spawn`], for a listener that may wait indefinitely (the outbox's next
    /// event): it does not turn the status-bar spinner on.
    pub fn spawn_quiet<F>(&mut self, key: &'static str, fut: F) -> u64
    where
        F: Future<Output = M> + Send + 'static,
    {
        self.tasks.spawn_quiet(self.screen, key, fut)
    }

    /// Whether a task with `key` is in flight for this screen.
    pub fn in_flight(&self, key: &'static str) -> bool {
        self.tasks.in_flight(self.screen, key)
    }

    /// Forget a running request: its result will be dropped.
    pub fn cancel(&mut self, key: &'static str) {
        self.tasks.cancel(self.screen, key)
    }

    pub fn toast_error(&mut self, msg: impl Into<String>) {
        self.effects
            .push(Effect::Toast(ToastLevel::Error, msg.into()));
    }

    pub fn toast_info(&mut self, msg: impl Into<String>) {
        self.effects
            .push(Effect::Toast(ToastLevel::Info, msg.into()));
    }

    pub fn push(&mut self, screen: Box<dyn DynScreen>) {
        self.effects.push(Effect::Push(screen));
    }

    pub fn open(&mut self, req: ScreenRequest) {
        self.effects.push(Effect::Open(req));
    }

    pub fn replace(&mut self, screen: Box<dyn DynScreen>) {
        self.effects.push(Effect::Replace(screen));
    }

    pub fn replace_open(&mut self, req: ScreenRequest) {
        self.effects.push(Effect::ReplaceOpen(req));
    }

    pub fn pop(&mut self) {
        self.effects.push(Effect::Pop);
    }

    pub fn quit(&mut self) {
        self.effects.push(Effect::Quit);
    }

    pub fn copy(&mut self, text: impl Into<String>) {
        self.effects.push(Effect::Copy(text.into()));
    }

    /// Copy `text`; the toast says "copied {what}" and shows the start of the text.
    pub fn copy_as(&mut self, text: impl Into<String>, what: impl Into<String>) {
        self.effects.push(Effect::CopyAs {
            text: text.into(),
            what: what.into(),
        });
    }

    pub fn refreshed(&mut self) {
        self.effects.push(Effect::Refreshed);
    }

    pub fn set_project(&mut self, name: impl Into<String>) {
        self.effects.push(Effect::SetProject(name.into()));
    }

    pub fn project_names(&mut self, names: Vec<String>) {
        self.effects.push(Effect::ProjectNames(names));
    }
}

/// What a screen gets while drawing.
pub struct DrawCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a KeyMap,
    pub now: DateTime<Utc>,
}

/// One screen of the app (projects, traces, a trace, threads, …). The shell owns a stack of
/// them; only the top one gets input and is drawn.
///
/// Input order: the shell's own popups (help, command line) first; then, if the screen is
/// capturing text ([`Screen::capturing_text`]), every key goes to [`Screen::handle_key`];
/// otherwise the key is mapped through the keymap in this screen's [`Screen::context`] and
/// the action goes to [`Screen::handle_action`]. Actions a screen leaves unhandled get the
/// shell's default (`close`, `back`, `help`, `quit`, `command_line`).
pub trait Screen {
    /// What this screen's tasks return: one enum per screen (`enum TracesMsg { Page(..) }`).
    /// [`Ctx::spawn`] takes only futures with this output; [`Screen::on_msg`] receives it.
    type Msg: Send + 'static;

    /// Short title for the status bar and help (`Traces · my-project`).
    fn title(&self) -> String;

    /// Keymap context: whose bindings apply ([`KeyContext::Traces`], …).
    fn context(&self) -> KeyContext;

    /// Called once when the screen becomes part of the stack: start loading here.
    fn on_open(&mut self, _ctx: &mut Ctx<Self::Msg>) {}

    /// The screen on top of this one was closed: this one is shown again (e.g. reload
    /// counts that the closed screen changed). The default does nothing.
    fn on_resume(&mut self, _ctx: &mut Ctx<Self::Msg>) {}

    /// Handle a mapped action.
    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<Self::Msg>) -> Handled;

    /// True while a text input inside the screen has focus: raw keys then go to
    /// [`Screen::handle_key`] (only Ctrl-c still quits).
    fn capturing_text(&self) -> bool {
        false
    }

    /// What the hint bar shows while [`Screen::capturing_text`] is true (keys, label): the
    /// screen's own keys and actions do not apply then (they type), so they are not listed.
    fn typing_hints(&self) -> Vec<(&'static str, &'static str)> {
        vec![("Enter", "apply"), ("Esc", "cancel")]
    }

    /// Labels for the hint bar that say better than the action's own what it does on this
    /// screen (the queues list's `y` copies the SME link, not an id).
    fn hint_labels(&self) -> Vec<(Action, &'static str)> {
        Vec::new()
    }

    /// Raw key input while [`Screen::capturing_text`] is true.
    fn handle_key(&mut self, _key: KeyEvent, _ctx: &mut Ctx<Self::Msg>) -> Handled {
        Handled::No
    }

    /// A key the keymap binds to nothing in this screen's context (and no text input has
    /// focus). Screens that type values without a text editor use it (the SME scoring panel:
    /// digits, `.`, `-`, Backspace); the default ignores it.
    fn handle_unbound_key(&mut self, _key: KeyEvent, _ctx: &mut Ctx<Self::Msg>) -> Handled {
        Handled::No
    }

    /// Fixed keys the `?` overlay lists after the screen's actions, as (keys, description):
    /// the keys [`Screen::handle_unbound_key`] reads.
    fn help_extra(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Mouse input (wheel, click). The default maps the wheel to up/down.
    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<Self::Msg>) -> Handled {
        use crossterm::event::MouseEventKind;
        match ev.kind {
            MouseEventKind::ScrollDown => self.handle_action(Action::Down, ctx),
            MouseEventKind::ScrollUp => self.handle_action(Action::Up, ctx),
            _ => Handled::No,
        }
    }

    /// A task spawned by this screen finished (and is still wanted) with `msg`.
    fn on_msg(&mut self, _msg: Self::Msg, _ctx: &mut Ctx<Self::Msg>) {}

    /// How often the screen wants [`Screen::on_tick`] (live tail), `None` for never. The app
    /// is idle (no wake-ups, no redraws) when nothing asks for ticks.
    fn tick_interval(&self) -> Option<Duration> {
        None
    }

    /// Periodic work (see [`Screen::tick_interval`]).
    fn on_tick(&mut self, _ctx: &mut Ctx<Self::Msg>) {}

    /// `r`: reload. The default does nothing.
    fn refresh(&mut self, _ctx: &mut Ctx<Self::Msg>) {}

    /// A `:` command asks for `req` while this screen is on top: return true to take it here
    /// (the threads screen of the same project takes `:threads by KEY` by regrouping), false
    /// to let the shell open a new screen.
    fn take_request(&mut self, _req: &ScreenRequest, _ctx: &mut Ctx<Self::Msg>) -> bool {
        false
    }

    /// Draw into `area` (the space between the status bar and the hint bar).
    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx);

    /// The actions this screen answers to right now, most useful first: the hint bar shows
    /// them with their keys from the keymap, and the help overlay lists them.
    fn hints(&self) -> Vec<Action>;

    /// Called after each frame is drawn: start work that depends on the layout just drawn
    /// (e.g. rendering a large payload at the new width in the background).
    fn after_draw(&mut self, _ctx: &mut Ctx<Self::Msg>) {}

    /// Optional status text for the status bar (e.g. `live`, a filter summary).
    fn status(&self) -> Option<String> {
        None
    }
}

/// A [`Screen`] with its message type erased, as the shell stores it (`Box<dyn DynScreen>`).
/// Implemented for every [`Screen`]; the methods forward to the screen's own.
pub trait DynScreen {
    fn title(&self) -> String;
    fn context(&self) -> KeyContext;
    fn on_open(&mut self, ctx: &mut Ctx<NoMsg>);
    fn on_resume(&mut self, ctx: &mut Ctx<NoMsg>);
    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<NoMsg>) -> Handled;
    fn capturing_text(&self) -> bool;
    fn typing_hints(&self) -> Vec<(&'static str, &'static str)>;
    fn hint_labels(&self) -> Vec<(Action, &'static str)>;
    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<NoMsg>) -> Handled;
    fn handle_unbound_key(&mut self, key: KeyEvent, ctx: &mut Ctx<NoMsg>) -> Handled;
    fn help_extra(&self) -> Vec<(String, String)>;
    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<NoMsg>) -> Handled;
    fn tick_interval(&self) -> Option<Duration>;
    fn on_tick(&mut self, ctx: &mut Ctx<NoMsg>);
    fn refresh(&mut self, ctx: &mut Ctx<NoMsg>);
    fn take_request(&mut self, req: &ScreenRequest, ctx: &mut Ctx<NoMsg>) -> bool;
    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx);
    fn hints(&self) -> Vec<Action>;
    fn after_draw(&mut self, ctx: &mut Ctx<NoMsg>);
    fn status(&self) -> Option<String>;
    /// A finished task of this screen: the one place its value becomes [`Screen::Msg`] again.
    /// A value of another type (impossible through [`Ctx::spawn`]) is logged and dropped.
    fn on_task(&mut self, out: TaskOutput, ctx: &mut Ctx<NoMsg>);
}

impl<S: Screen> DynScreen for S {
    fn title(&self) -> String {
        self.title()
    }
    fn context(&self) -> KeyContext {
        self.context()
    }
    fn on_open(&mut self, ctx: &mut Ctx<NoMsg>) {
        self.on_open(&mut ctx.retype())
    }
    fn on_resume(&mut self, ctx: &mut Ctx<NoMsg>) {
        self.on_resume(&mut ctx.retype())
    }
    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<NoMsg>) -> Handled {
        self.handle_action(action, &mut ctx.retype())
    }
    fn capturing_text(&self) -> bool {
        self.capturing_text()
    }
    fn typing_hints(&self) -> Vec<(&'static str, &'static str)> {
        self.typing_hints()
    }
    fn hint_labels(&self) -> Vec<(Action, &'static str)> {
        self.hint_labels()
    }
    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<NoMsg>) -> Handled {
        self.handle_key(key, &mut ctx.retype())
    }
    fn handle_unbound_key(&mut self, key: KeyEvent, ctx: &mut Ctx<NoMsg>) -> Handled {
        self.handle_unbound_key(key, &mut ctx.retype())
    }
    fn help_extra(&self) -> Vec<(String, String)> {
        self.help_extra()
    }
    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<NoMsg>) -> Handled {
        self.handle_mouse(ev, &mut ctx.retype())
    }
    fn tick_interval(&self) -> Option<Duration> {
        self.tick_interval()
    }
    fn on_tick(&mut self, ctx: &mut Ctx<NoMsg>) {
        self.on_tick(&mut ctx.retype())
    }
    fn refresh(&mut self, ctx: &mut Ctx<NoMsg>) {
        self.refresh(&mut ctx.retype())
    }
    fn take_request(&mut self, req: &ScreenRequest, ctx: &mut Ctx<NoMsg>) -> bool {
        self.take_request(req, &mut ctx.retype())
    }
    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        self.draw(frame, area, ctx)
    }
    fn hints(&self) -> Vec<Action> {
        self.hints()
    }
    fn after_draw(&mut self, ctx: &mut Ctx<NoMsg>) {
        self.after_draw(&mut ctx.retype())
    }
    fn status(&self) -> Option<String> {
        self.status()
    }
    fn on_task(&mut self, out: TaskOutput, ctx: &mut Ctx<NoMsg>) {
        match out.value.downcast::<S::Msg>() {
            Ok(msg) => self.on_msg(*msg, &mut ctx.retype()),
            Err(_) => {
                let screen = std::any::type_name::<S>();
                tracing::error!(
                    screen,
                    key = out.key,
                    "task result of the wrong type dropped"
                );
                debug_assert!(
                    false,
                    "task `{}` of {screen} returned a value that is not its message type",
                    out.key
                );
            }
        }
    }
}
