//! SME mode (`opik-tui annotate [QUEUE]`, `:annotate`): work through an annotation queue.
//!
//! Flow: resolve the QUEUE argument (name / id / share link; a picker when absent or
//! ambiguous) → intro (instructions, progress, the feedback definitions) → `Enter` resumes
//! at my first item to review → item screen: instructions (`i`), the item (trace input and
//! output plus a collapsible span summary `s`, or a thread's conversation), the scoring panel
//! ([`crate::annotate::form`]) and a comment editor (`c` … `Esc`).
//!
//! Writes go through the durable outbox ([`crate::outbox`]): submitting never waits for the
//! network (the UI is optimistic), and with the server unreachable annotation goes on while
//! the status line says "offline" and counts what is waiting. Locks are claimed before the
//! scoring panel is shown, renewed every half timeout, and when someone else holds the item
//! the screen says who and offers the next item (`a` annotates anyway: locks are advisory).
//!
//! Keys go through the app's keymap (context `annotate` on the item screen, `annotate_intro`
//! on the intro and the end, `queue_pick` in the picker), so the settings' `[keys]` table
//! applies here and the hint bar and `?` are generated from it. The defaults are issue 12's:
//! `Tab`/`↓`/`↑` fields, `y`/`n` booleans, `←`/`→` step, `x` clear, `r` reason, `c` comment,
//! `Enter`/`Ctrl-s` submit + next, `n`/`p` (or `]`/`[`) next/previous (when a boolean field
//! is focused `n` means "no"; use `]`), `j`/`k` scroll the item, `D` remove the item, `Esc`/`q`
//! leave (asking when edits are unsaved). Keys the keymap leaves unbound type values:
//! `1`–`9` pick an option, digits `.` `-` and Backspace edit a number. The comment and reason
//! editors, and the "leave?" prompt, take raw keys while open.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui_textarea::TextArea;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::annotate::form::{FieldKind, FieldValue, ItemForm, fmt_num};
use crate::annotate::load::{self, ItemContext, Resolved};
use crate::annotate::progress::{self, ItemStatus};
use crate::annotate::session::{ItemData, LockState, Session, Stage, SubmitError};
use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, KeyMap, Screen};
use crate::opik::client::OpikClient;
use crate::opik::error::ApiError;
use crate::opik::messages::{self, Body, Kind};
use crate::opik::model::{AnnotationQueue, LockResponse};
use crate::outbox::{Outbox, OutboxEvent};
use crate::render::sanitize::{one_line, sanitize, truncate_to_width};
use crate::theme::Theme;
use crate::views::queues::queue_picker;
use crate::widgets::picker::{Picker, PickerEvent};

/// The item screen's actions, in hint-bar and help order.
const ITEM_HINTS: &[Action] = &[
    Action::Submit,
    Action::NextField,
    Action::PrevField,
    Action::Yes,
    Action::No,
    Action::Decrease,
    Action::Increase,
    Action::ClearField,
    Action::Reason,
    Action::Comment,
    Action::NextItem,
    Action::PrevItem,
    Action::ToggleInstructions,
    Action::ToggleSpans,
    Action::ScrollDown,
    Action::ScrollUp,
    Action::RemoveFromQueue,
    Action::Close,
];

enum Phase {
    Loading(String),
    Error(String),
    /// Choose the queue (the picker's title says why).
    Pick(Picker<AnnotationQueue>),
    Session(Box<Session>),
}

enum Editor {
    None,
    Comment(Box<TextArea<'static>>),
    Reason(Box<TextArea<'static>>),
}

/// The SME annotate screen.
pub struct AnnotateScreen {
    client: OpikClient,
    arg: Option<String>,
    outbox: Result<Outbox, String>,
    events_tx: mpsc::UnboundedSender<OutboxEvent>,
    events_rx: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<OutboxEvent>>>,
    drainer: Option<tokio::task::JoinHandle<()>>,
    phase: Phase,
    online: bool,
    pending: usize,
    failed: usize,
    show_instructions: bool,
    editor: Editor,
    confirm_leave: bool,
    contexts: HashMap<Uuid, ItemContext>,
    spans_open: bool,
    scroll: u16,
    note: Option<String>,
}

impl Drop for AnnotateScreen {
    fn drop(&mut self) {
        if let Some(d) = self.drainer.take() {
            d.abort();
        }
    }
}

/// What the annotation screen's tasks return.
pub enum AnnotateMsg {
    /// Which queue the argument names (or the queues to choose from).
    Resolved(Result<Resolved, String>),
    /// The queue's session: items, definitions, the annotator's name.
    Session(Result<Session, String>),
    /// The outbox's next event (`None`: the outbox is gone).
    Outbox(Option<OutboxEvent>),
    /// Claiming or renewing the lock of an item.
    Lock(Uuid, Result<LockResponse, ApiError>),
    /// Removing an item from the queue.
    Removed(Uuid, Result<(), ApiError>),
    /// An item read in full.
    Item(Result<ItemData, ApiError>),
    /// An item's context (spans / thread turns).
    Context(Uuid, Result<ItemContext, ApiError>),
}

impl AnnotateScreen {
    /// A screen for `queue` (name, id or share link; `None` opens the picker), writing
    /// through the outbox in the state dir.
    pub fn new(client: OpikClient, queue: Option<String>) -> Self {
        let outbox = Outbox::for_client(None, &client).map_err(|e| e.to_string());
        Self::with_outbox(client, queue, outbox)
    }

    /// As [`AnnotateScreen::new`] with a given outbox (tests).
    pub fn with_outbox(
        client: OpikClient,
        queue: Option<String>,
        outbox: Result<Outbox, String>,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let pending = outbox.as_ref().map(|o| o.pending_count()).unwrap_or(0);
        AnnotateScreen {
            client,
            arg: queue,
            outbox,
            events_tx: tx,
            events_rx: Arc::new(tokio::sync::Mutex::new(rx)),
            drainer: None,
            phase: Phase::Loading("Loading the queue…".into()),
            online: true,
            pending,
            failed: 0,
            show_instructions: true,
            editor: Editor::None,
            confirm_leave: false,
            contexts: HashMap::new(),
            spans_open: false,
            scroll: 0,
            note: None,
        }
    }

    /// A screen showing a ready session (snapshot tests).
    pub fn with_session(
        client: OpikClient,
        session: Session,
        outbox: Result<Outbox, String>,
    ) -> Self {
        let mut s = Self::with_outbox(client, None, outbox);
        s.phase = Phase::Session(Box::new(session));
        s
    }

    pub fn session(&self) -> Option<&Session> {
        match &self.phase {
            Phase::Session(s) => Some(s),
            _ => None,
        }
    }

    pub fn session_mut(&mut self) -> Option<&mut Session> {
        match &mut self.phase {
            Phase::Session(s) => Some(s),
            _ => None,
        }
    }

    /// Record an item's context (spans / thread turns) (tests and task results).
    pub fn set_context(&mut self, id: Uuid, c: ItemContext) {
        self.contexts.insert(id, c);
    }

    fn start_loading(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        let client = self.client.clone();
        let arg = self.arg.clone();
        self.phase = Phase::Loading("Loading the queue…".into());
        ctx.spawn("resolve", async move {
            AnnotateMsg::Resolved(load::resolve(&client, arg.as_deref()).await)
        });
    }

    fn load_session(&mut self, queue: AnnotationQueue, ctx: &mut Ctx<AnnotateMsg>) {
        let client = self.client.clone();
        self.phase = Phase::Loading(format!("Loading “{}”…", one_line(&queue.name)));
        ctx.spawn("session", async move {
            AnnotateMsg::Session(
                load::session(&client, queue)
                    .await
                    .map_err(|e| e.to_string()),
            )
        });
    }

    fn listen_outbox(&self, ctx: &mut Ctx<AnnotateMsg>) {
        let rx = self.events_rx.clone();
        ctx.spawn_quiet("outbox", async move {
            AnnotateMsg::Outbox(rx.lock().await.recv().await)
        });
    }

    /// The current item became visible: claim its lock, load it in full and its context.
    fn item_shown(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        self.scroll = 0;
        self.editor = Editor::None;
        let client = self.client.clone();
        let Phase::Session(s) = &mut self.phase else {
            return;
        };
        if s.stage != Stage::Item {
            return;
        }
        let queue = s.queue.clone();
        let qid = s.queue_id;
        let Some(item) = s.items.get_mut(s.current) else {
            return;
        };
        let id = item.id;
        if !matches!(item.lock, LockState::Mine(_)) {
            item.lock = LockState::Claiming;
        }
        let data = item.data.clone();
        let c = client.clone();
        ctx.spawn("lock", async move {
            AnnotateMsg::Lock(id, c.lock_queue_item(qid, id).await)
        });
        if !item.full {
            let c = client.clone();
            let (q, d) = (queue.clone(), data.clone());
            ctx.spawn("item", async move {
                AnnotateMsg::Item(load::full_item(&c, &q, &d).await)
            });
        }
        if !self.contexts.contains_key(&id) {
            ctx.spawn("context", async move {
                AnnotateMsg::Context(id, load::item_context(&client, &queue, &data).await)
            });
        }
    }

    fn renew_lock(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        let Phase::Session(s) = &self.phase else {
            return;
        };
        if s.stage != Stage::Item {
            return;
        }
        let Some(item) = s.current_item() else {
            return;
        };
        let (qid, id, client) = (s.queue_id, item.id, self.client.clone());
        ctx.spawn("lock", async move {
            AnnotateMsg::Lock(id, client.lock_queue_item(qid, id).await)
        });
        if !self.online
            && let Ok(o) = &self.outbox
        {
            o.notify();
        }
    }

    fn submit(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        self.editor_commit();
        let outbox = match &self.outbox {
            Ok(o) => o.clone(),
            Err(e) => {
                ctx.toast_error(format!("cannot save: {e}"));
                return;
            }
        };
        let Phase::Session(s) = &mut self.phase else {
            return;
        };
        match s.submit_current(|op| outbox.enqueue(op).map_err(|e| e.to_string())) {
            Ok(n) => {
                self.note = Some(if n == 0 {
                    "Nothing changed.".into()
                } else if self.online {
                    format!("Saved ({n} write{}).", if n == 1 { "" } else { "s" })
                } else {
                    format!(
                        "Saved offline ({n} write{} waiting).",
                        if n == 1 { "" } else { "s" }
                    )
                });
                self.pending = outbox.pending_count();
                s.advance();
                self.item_shown(ctx);
            }
            Err(SubmitError::Invalid(errs)) => {
                self.note = Some(format!(
                    "Not sent: {} — fix the field and submit again.",
                    errs.first()
                        .map(|e| e.1.as_str())
                        .unwrap_or("invalid value")
                ));
            }
            Err(SubmitError::Outbox(e)) => ctx.toast_error(format!("cannot save: {e}")),
        }
    }

    /// Copy an open editor's text into the form.
    fn editor_commit(&mut self) {
        let text = match &self.editor {
            Editor::None => return,
            Editor::Comment(t) | Editor::Reason(t) => t.lines().join("\n"),
        };
        let is_comment = matches!(self.editor, Editor::Comment(_));
        if let Some(form) = self.session_mut().and_then(Session::current_form_mut) {
            if is_comment {
                form.comment = text;
            } else {
                form.set_reason(text.replace('\n', " "));
            }
        }
        self.editor = Editor::None;
    }

    fn open_editor(&mut self, comment: bool, theme_hint: Style) {
        let Some(form) = self.session_mut().and_then(Session::current_form_mut) else {
            return;
        };
        let initial = if comment {
            form.comment.clone()
        } else {
            form.fields
                .get(form.focus)
                .map(|f| f.reason.clone())
                .unwrap_or_default()
        };
        let mut ta = TextArea::new(initial.split('\n').map(str::to_string).collect());
        ta.move_cursor(ratatui_textarea::CursorMove::Bottom);
        ta.move_cursor(ratatui_textarea::CursorMove::End);
        ta.set_cursor_line_style(Style::default());
        ta.set_placeholder_text(if comment {
            "Write a comment…"
        } else {
            "Why this score?"
        });
        ta.set_placeholder_style(theme_hint);
        self.editor = if comment {
            Editor::Comment(Box::new(ta))
        } else {
            Editor::Reason(Box::new(ta))
        };
    }

    fn leave(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        let unsaved = self.session().map(Session::unsaved).unwrap_or(0);
        if unsaved > 0 && !self.confirm_leave {
            self.confirm_leave = true;
        } else {
            ctx.pop();
        }
    }

    /// Raw keys while a text editor or the "leave?" prompt has focus.
    fn modal_key(&mut self, key: KeyEvent, ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if !matches!(self.editor, Editor::None) {
            let is_reason = matches!(self.editor, Editor::Reason(_));
            match key.code {
                KeyCode::Char('s') if ctrl => self.submit(ctx),
                KeyCode::Esc => self.editor_commit(),
                KeyCode::Enter if is_reason => self.editor_commit(),
                _ => {
                    if let Editor::Comment(t) | Editor::Reason(t) = &mut self.editor {
                        t.input(key);
                    }
                }
            }
            return Handled::Yes;
        }
        if self.confirm_leave {
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => ctx.pop(),
                _ => self.confirm_leave = false,
            }
            return Handled::Yes;
        }
        Handled::No
    }

    /// An action on the item screen (keys come through the keymap, context `annotate`).
    fn item_action(&mut self, action: Action, ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        let Phase::Session(s) = &mut self.phase else {
            return Handled::No;
        };
        let held = s
            .current_item()
            .is_some_and(|i| matches!(i.lock, LockState::HeldBy(_)));
        let focused_bool = s
            .current_item()
            .and_then(|i| i.form.as_ref())
            .and_then(ItemForm::focused_def)
            .is_some_and(|d| matches!(d.kind, FieldKind::Boolean { .. }));
        let mut shown = false;
        match action {
            Action::Submit | Action::Open if held => {
                s.advance();
                shown = true;
            }
            Action::Submit => {
                self.submit(ctx);
                return Handled::Yes;
            }
            Action::TakeOver if held => {
                if let Some(it) = s.items.get_mut(s.current) {
                    it.lock = LockState::Offline;
                }
            }
            Action::Back | Action::Close => {
                self.leave(ctx);
                return Handled::Yes;
            }
            Action::No if !focused_bool || held => {
                s.step(1);
                shown = true;
            }
            Action::NextItem => {
                s.step(1);
                shown = true;
            }
            Action::PrevItem => {
                s.step(-1);
                shown = true;
            }
            Action::RemoveFromQueue => {
                if let Some(id) = s.current_item().map(|i| i.id) {
                    let (client, qid) = (self.client.clone(), s.queue_id);
                    ctx.spawn("remove", async move {
                        AnnotateMsg::Removed(id, client.remove_queue_items(qid, &[id]).await)
                    });
                }
            }
            Action::ToggleInstructions => self.show_instructions = !self.show_instructions,
            Action::ToggleSpans => self.spans_open = !self.spans_open,
            Action::ScrollDown | Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::ScrollUp | Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(10),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Action::Comment if s.queue.comments_enabled != Some(false) && !held => {
                let hint = ctx.theme.dim;
                self.open_editor(true, hint);
            }
            Action::Reason if !held => {
                let hint = ctx.theme.dim;
                self.open_editor(false, hint);
            }
            _ if held => return Handled::No,
            action => {
                let Some(form) = s.current_form_mut() else {
                    return Handled::No;
                };
                match action {
                    Action::NextField => form.focus_next(),
                    Action::PrevField => form.focus_prev(),
                    Action::Decrease => form.step(-1),
                    Action::Increase => form.step(1),
                    Action::ClearField => form.clear(),
                    Action::Yes => {
                        form.set_bool(true);
                    }
                    Action::No => {
                        form.set_bool(false);
                    }
                    _ => return Handled::No,
                }
            }
        }
        if shown {
            self.note = None;
            self.item_shown(ctx);
        }
        Handled::Yes
    }

    /// Value keys on the item screen (unbound in the keymap): `1`–`9` pick an option,
    /// digits `.` `-` type a number, Backspace deletes.
    fn value_key(&mut self, key: KeyEvent) -> Handled {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return Handled::No;
        }
        let Some(form) = self.session_mut().and_then(|s| {
            let held = s
                .current_item()
                .is_some_and(|i| matches!(i.lock, LockState::HeldBy(_)));
            (!held).then(|| s.current_form_mut()).flatten()
        }) else {
            return Handled::No;
        };
        match key.code {
            KeyCode::Backspace => form.backspace(),
            KeyCode::Char(c) if c.is_ascii_digit() => {
                form.digit(c as u8 - b'0');
            }
            KeyCode::Char(c @ ('.' | '-')) => {
                form.type_char(c);
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn stage(&self) -> Option<Stage> {
        self.session().map(|s| s.stage)
    }
}

impl Screen for AnnotateScreen {
    type Msg = AnnotateMsg;

    fn title(&self) -> String {
        match &self.phase {
            Phase::Session(s) => format!("Annotate · {}", one_line(&s.queue.name)),
            _ => "Annotate".into(),
        }
    }

    fn context(&self) -> KeyContext {
        match &self.phase {
            Phase::Pick(_) => KeyContext::QueuePick,
            Phase::Session(s) if s.stage == Stage::Item => KeyContext::Annotate,
            _ => KeyContext::AnnotateIntro,
        }
    }

    fn on_open(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        if tokio::runtime::Handle::try_current().is_ok()
            && let Ok(o) = &self.outbox
            && self.drainer.is_none()
        {
            let tx = self.events_tx.clone();
            self.drainer = Some(o.spawn_drainer(self.client.clone(), move |ev| {
                let _ = tx.send(ev);
            }));
        }
        self.listen_outbox(ctx);
        if let Err(e) = &self.outbox {
            ctx.toast_error(format!("scores cannot be saved: {e}"));
        }
        if matches!(self.phase, Phase::Loading(_)) {
            self.start_loading(ctx);
        }
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        match &mut self.phase {
            Phase::Pick(p) => {
                match p.handle_action(action) {
                    PickerEvent::Moved => {}
                    PickerEvent::Chosen(i) => {
                        if let Some(q) = p.get(i).cloned() {
                            self.load_session(q, ctx);
                        }
                    }
                    PickerEvent::Cancelled => ctx.pop(),
                    PickerEvent::Ignored => return Handled::No,
                }
                Handled::Yes
            }
            Phase::Session(s) => match s.stage {
                Stage::Intro => {
                    match action {
                        Action::Open | Action::Submit => {
                            s.start();
                            self.item_shown(ctx);
                        }
                        Action::Back | Action::Close => ctx.pop(),
                        _ => return Handled::No,
                    }
                    Handled::Yes
                }
                Stage::Finished => {
                    match action {
                        Action::Open | Action::Submit => s.stage = Stage::Intro,
                        Action::Back | Action::Close => self.leave(ctx),
                        _ => return Handled::No,
                    }
                    Handled::Yes
                }
                Stage::Item => self.item_action(action, ctx),
            },
            _ => Handled::No,
        }
    }

    /// Text editors (comment, reason) and the "leave?" prompt take raw keys; everything
    /// else comes through the keymap.
    fn capturing_text(&self) -> bool {
        matches!(self.phase, Phase::Session(_))
            && (!matches!(self.editor, Editor::None) || self.confirm_leave)
    }

    fn typing_hints(&self) -> Vec<(&'static str, &'static str)> {
        if self.confirm_leave {
            vec![("y", "leave"), ("any key", "stay")]
        } else {
            vec![("Esc", "done"), ("^s", "submit + next")]
        }
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        self.modal_key(key, ctx)
    }

    fn handle_unbound_key(&mut self, key: KeyEvent, _ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        match self.stage() {
            Some(Stage::Item) => self.value_key(key),
            _ => Handled::No,
        }
    }

    fn help_extra(&self) -> Vec<(String, String)> {
        match self.stage() {
            Some(Stage::Item) => vec![
                (
                    "1–9".into(),
                    "Categorical field: pick the Nth option".into(),
                ),
                ("0–9 . -".into(), "Numerical field: type the value".into()),
                ("Bksp".into(), "Numerical field: delete a character".into()),
                (
                    "c … Esc".into(),
                    "Comment editor: Esc leaves it, Ctrl-s submits".into(),
                ),
            ],
            _ => Vec::new(),
        }
    }

    fn on_msg(&mut self, msg: AnnotateMsg, ctx: &mut Ctx<AnnotateMsg>) {
        match msg {
            AnnotateMsg::Resolved(r) => match r {
                Ok(Resolved::One(q)) => self.load_session(*q, ctx),
                Ok(Resolved::Choose { why, queues }) if queues.is_empty() => {
                    self.phase = Phase::Error(format!(
                        "{why}: there are no annotation queues in workspace {}. Create one with :queues (n) or in Opik's web UI.",
                        self.client.workspace()
                    ))
                }
                Ok(Resolved::Choose { why, queues }) => {
                    self.phase = Phase::Pick(queue_picker(why, queues))
                }
                Err(e) => self.phase = Phase::Error(e),
            },
            AnnotateMsg::Session(r) => match r {
                Ok(s) => {
                    self.phase = Phase::Session(Box::new(s));
                    ctx.refreshed();
                }
                Err(e) => self.phase = Phase::Error(e),
            },
            AnnotateMsg::Outbox(ev) => {
                if let Some(ev) = ev {
                    match ev {
                        OutboxEvent::Applied { id, comment_id, .. } => {
                            if let (Some(c), Some(s)) = (comment_id, self.session_mut()) {
                                s.comment_created(id, c);
                            }
                            self.online = true;
                        }
                        OutboxEvent::Failed { op, error, .. } => {
                            self.failed += 1;
                            ctx.toast_error(format!("{} was refused: {error}", op.describe()));
                        }
                        OutboxEvent::Status {
                            online, pending, ..
                        } => {
                            self.online = online;
                            self.pending = pending;
                        }
                    }
                }
                self.listen_outbox(ctx);
            }
            AnnotateMsg::Lock(id, r) => {
                let Phase::Session(s) = &mut self.phase else {
                    return;
                };
                let me = s.me.clone();
                let Some(item) = s.items.iter_mut().find(|i| i.id == id) else {
                    return;
                };
                item.lock = match r {
                    Ok(l) if l.acquired => {
                        self.online = true;
                        LockState::Mine(l.expires_at)
                    }
                    Ok(l) => {
                        self.online = true;
                        match l.locked_by {
                            Some(who) if who == me => LockState::Mine(l.expires_at),
                            Some(who) => LockState::HeldBy(who),
                            None => LockState::HeldBy("another annotator".into()),
                        }
                    }
                    Err(e) => {
                        if e.is_unreachable() {
                            self.online = false;
                        }
                        LockState::Offline
                    }
                };
            }
            AnnotateMsg::Removed(id, r) => match r {
                Ok(()) => {
                    if let Some(s) = self.session_mut() {
                        s.remove_item(id);
                    }
                    self.note = Some("Removed the item from the queue.".into());
                    self.item_shown(ctx);
                }
                Err(e) => ctx.toast_error(format!("cannot remove the item: {e}")),
            },
            AnnotateMsg::Item(r) => {
                if let Ok(data) = r
                    && let Some(s) = self.session_mut()
                {
                    s.update_item(data);
                }
            }
            AnnotateMsg::Context(id, r) => {
                if let Ok(c) = r {
                    self.contexts.insert(id, c);
                }
            }
        }
    }

    fn tick_interval(&self) -> Option<Duration> {
        match &self.phase {
            Phase::Session(s) if s.stage == Stage::Item => Some(if self.online {
                progress::lock_renewal_interval(s.queue.lock_timeout_seconds)
            } else {
                Duration::from_secs(10)
            }),
            _ => None,
        }
    }

    fn on_tick(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        self.renew_lock(ctx);
    }

    fn refresh(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        if let Phase::Session(s) = &self.phase
            && s.stage != Stage::Item
        {
            let q = s.queue.clone();
            self.load_session(q, ctx);
        } else if matches!(self.phase, Phase::Error(_)) {
            self.start_loading(ctx);
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let theme = ctx.theme;
        if let Phase::Pick(p) = &mut self.phase {
            p.draw(frame, area, theme);
            return;
        }
        match &self.phase {
            Phase::Loading(msg) => {
                frame.render_widget(Paragraph::new(msg.as_str()).style(theme.dim), area)
            }
            Phase::Error(e) => frame.render_widget(
                Paragraph::new(vec![
                    Line::styled(sanitize(e).into_owned(), theme.error),
                    Line::default(),
                    Line::styled("r: retry · Esc: back", theme.dim),
                ])
                .wrap(Wrap { trim: false }),
                area,
            ),
            Phase::Pick(_) => {}
            Phase::Session(s) => match s.stage {
                Stage::Intro => draw_intro(frame, area, theme, ctx.keymap, s, self.status_line()),
                Stage::Finished => {
                    draw_finished(frame, area, theme, ctx.keymap, s, self.status_line())
                }
                Stage::Item => self.draw_item(frame, area, theme, ctx.keymap),
            },
        }
    }

    fn hints(&self) -> Vec<Action> {
        match &self.phase {
            Phase::Error(_) => vec![Action::Refresh, Action::Back],
            Phase::Loading(_) => vec![Action::Back],
            Phase::Pick(_) => vec![Action::Open, Action::Down, Action::Up, Action::Back],
            Phase::Session(s) => match s.stage {
                Stage::Intro | Stage::Finished => {
                    vec![Action::Open, Action::Refresh, Action::Close]
                }
                Stage::Item if !matches!(self.editor, Editor::None) || self.confirm_leave => {
                    vec![]
                }
                Stage::Item
                    if s.current_item()
                        .is_some_and(|i| matches!(i.lock, LockState::HeldBy(_))) =>
                {
                    vec![
                        Action::Submit,
                        Action::NextItem,
                        Action::TakeOver,
                        Action::PrevItem,
                        Action::Close,
                    ]
                }
                Stage::Item => ITEM_HINTS.to_vec(),
            },
        }
    }
}

impl AnnotateScreen {
    fn status_line(&self) -> String {
        let mut parts = Vec::new();
        if !self.online {
            parts.push("offline — saving locally".to_string());
        }
        if self.pending > 0 {
            parts.push(format!("{} waiting to send", self.pending));
        }
        if self.failed > 0 {
            parts.push(format!("{} refused", self.failed));
        }
        if parts.is_empty() {
            "all saved".into()
        } else {
            parts.join(" · ")
        }
    }

    fn draw_item(&mut self, frame: &mut Frame, area: Rect, theme: &Theme, km: &KeyMap) {
        let Phase::Session(s) = &self.phase else {
            return;
        };
        let Some(item) = s.current_item() else {
            return;
        };
        let instructions = s
            .queue
            .instructions
            .as_deref()
            .filter(|t| !t.trim().is_empty() && self.show_instructions);
        let instr_h = instructions
            .map(|t| (t.lines().count() as u16 + 2).min(area.height / 4).max(3))
            .unwrap_or(0);
        let note_h = u16::from(self.note.is_some());
        let [head, note, instr, body, foot] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(note_h),
            Constraint::Length(instr_h),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(area);
        draw_header(frame, head, theme, s, &self.status_line());
        if let Some(n) = &self.note {
            frame.render_widget(Paragraph::new(Line::styled(n.clone(), theme.info)), note);
        }
        if let Some(t) = instructions {
            let text = crate::render::markdown::render(t, instr.width.saturating_sub(2), theme);
            frame.render_widget(
                Paragraph::new((*text).clone()).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(theme.border)
                        .title(Span::styled(" Instructions (i) ", theme.title)),
                ),
                instr,
            );
        }
        let panel_w = if body.width >= 100 {
            44
        } else {
            body.width * 2 / 5
        };
        let [left, right] =
            Layout::horizontal([Constraint::Min(20), Constraint::Length(panel_w)]).areas(body);
        // The item.
        let ctx_data = self.contexts.get(&item.id);
        let spans_key = keys_label(km, KeyContext::Annotate, Action::ToggleSpans, 1);
        let text = item_text(
            &item.data,
            ctx_data,
            self.spans_open,
            &spans_key,
            left.width.saturating_sub(2),
            theme,
        );
        let status = match &item.data {
            ItemData::Thread(t) => format!(
                " {} · {} ",
                one_line(&item.data.title()),
                t.status.as_deref().unwrap_or("unknown status")
            ),
            ItemData::Trace(_) => format!(" {} ", one_line(&item.data.title())),
        };
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0))
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(theme.border)
                        .title(Span::styled(
                            truncate_to_width(&status, left.width as usize - 2).into_owned(),
                            theme.title,
                        )),
                ),
            left,
        );
        // The panel.
        let held = matches!(item.lock, LockState::HeldBy(_));
        self.draw_panel(frame, right, theme, km);
        let k = |a: Action| keys_label(km, KeyContext::Annotate, a, 1);
        let hint = match (&self.editor, held) {
            (Editor::Comment(_), _) => "Esc: done · Ctrl-s: submit + next".to_string(),
            (Editor::Reason(_), _) => "Enter/Esc: done".to_string(),
            (_, true) => format!(
                "{}: next item · {}: annotate anyway · {}: previous · {}: leave",
                k(Action::Submit),
                k(Action::TakeOver),
                k(Action::PrevItem),
                k(Action::Close)
            ),
            _ if self.confirm_leave => {
                "Unsaved edits will be lost. Leave? y: yes · any other key: stay".to_string()
            }
            _ => format!(
                "{}/{} field · 1-9 pick · {}/{} · {}/{} step · {} clear · {} reason · {} comment · {} submit+next · {}/{} item · {} instructions · {} spans · {} remove · {} leave · ? keys",
                k(Action::NextField),
                k(Action::PrevField),
                k(Action::Yes),
                k(Action::No),
                k(Action::Decrease),
                k(Action::Increase),
                k(Action::ClearField),
                k(Action::Reason),
                k(Action::Comment),
                k(Action::Submit),
                k(Action::NextItem),
                k(Action::PrevItem),
                k(Action::ToggleInstructions),
                k(Action::ToggleSpans),
                k(Action::RemoveFromQueue),
                k(Action::Close),
            ),
        };
        let style = if self.confirm_leave {
            theme.warning
        } else {
            theme.dim
        };
        frame.render_widget(
            Paragraph::new(truncate_to_width(&hint, foot.width as usize).into_owned()).style(style),
            foot,
        );
    }

    fn draw_panel(&mut self, frame: &mut Frame, area: Rect, theme: &Theme, km: &KeyMap) {
        let comments_enabled = self
            .session()
            .is_some_and(|s| s.queue.comments_enabled != Some(false));
        let comment_h = if comments_enabled {
            if matches!(self.editor, Editor::Comment(_)) {
                7
            } else {
                4
            }
        } else {
            0
        };
        let [fields_area, comment_area] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(comment_h)]).areas(area);
        let Phase::Session(s) = &self.phase else {
            return;
        };
        let Some(item) = s.current_item() else {
            return;
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused)
            .title(Span::styled(" Scores ", theme.title));
        let inner_w = fields_area.width.saturating_sub(2) as usize;
        let mut lines: Vec<Line> = Vec::new();
        match &item.lock {
            LockState::HeldBy(who) => {
                lines.push(Line::styled(
                    format!("Being reviewed by {}.", one_line(who)),
                    theme.warning,
                ));
                lines.push(Line::styled(
                    format!(
                        "{}: next item · {}: annotate anyway",
                        keys_label(km, KeyContext::Annotate, Action::Submit, 1),
                        keys_label(km, KeyContext::Annotate, Action::TakeOver, 1)
                    ),
                    theme.dim,
                ));
            }
            LockState::Claiming if item.form.is_none() => {
                lines.push(Line::styled("Claiming the item…", theme.dim));
            }
            _ => {
                if let Some(form) = &item.form {
                    lines.extend(panel_lines(form, theme, inner_w));
                }
                if !s.missing_defs.is_empty() {
                    lines.push(Line::styled(
                        format!("missing definitions: {}", s.missing_defs.join(", ")),
                        theme.warning,
                    ));
                }
                if let Editor::Reason(_) = &self.editor {
                    lines.push(Line::default());
                }
            }
        }
        let reason_row = lines.len() as u16;
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block),
            fields_area,
        );
        if let Editor::Reason(t) = &mut self.editor {
            let r = Rect {
                x: fields_area.x + 1,
                y: (fields_area.y + reason_row).min(fields_area.bottom().saturating_sub(4)),
                width: fields_area.width.saturating_sub(2),
                height: 3,
            };
            t.set_block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border_focused)
                    .title(Span::styled(" Reason ", theme.title)),
            );
            frame.render_widget(Clear, r);
            frame.render_widget(&**t, r);
        }
        if comment_h > 0 {
            match &mut self.editor {
                Editor::Comment(t) => {
                    t.set_block(
                        Block::default()
                            .borders(Borders::ALL)
                            .border_style(theme.border_focused)
                            .title(Span::styled(" Comment (Esc: done) ", theme.title)),
                    );
                    frame.render_widget(&**t, comment_area);
                }
                _ => {
                    let text = item
                        .form
                        .as_ref()
                        .map(|f| f.comment.clone())
                        .unwrap_or_default();
                    let body = if text.trim().is_empty() {
                        Line::styled(
                            format!(
                                "{}: add a comment",
                                keys_label(km, KeyContext::Annotate, Action::Comment, 1)
                            ),
                            theme.dim,
                        )
                    } else {
                        Line::raw(sanitize(&text).into_owned())
                    };
                    frame.render_widget(
                        Paragraph::new(body).wrap(Wrap { trim: false }).block(
                            Block::default()
                                .borders(Borders::ALL)
                                .border_style(theme.border)
                                .title(Span::styled(" Comment ", theme.title)),
                        ),
                        comment_area,
                    );
                }
            }
        }
    }
}

/// The keys bound to `action` in `context`, unmodified keys first (`Enter` before `^s`), at
/// most `max`, `/`-joined; `(unbound)` when none.
fn keys_label(km: &KeyMap, context: KeyContext, action: Action, max: usize) -> String {
    let mut keys = km.keys_for(context, action);
    keys.sort_by_key(|k| k.ctrl || k.alt);
    if keys.is_empty() {
        return "(unbound)".into();
    }
    keys.iter()
        .take(max)
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The scoring panel's lines for a form.
pub fn panel_lines(form: &ItemForm, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (i, def) in form.defs.iter().enumerate() {
        let focused = i == form.focus;
        let marker = if focused { "▶ " } else { "  " };
        let name_style = if focused {
            theme.accent.add_modifier(Modifier::BOLD)
        } else {
            theme.text
        };
        let field = &form.fields[i];
        let saved = field.saved.is_some();
        let range = match &def.kind {
            FieldKind::Numerical { min, max } => format!("  {} – {}", fmt_num(*min), fmt_num(*max)),
            _ => String::new(),
        };
        lines.push(Line::from(vec![
            Span::styled(marker, theme.accent),
            Span::styled(
                truncate_to_width(&one_line(&def.name), width.saturating_sub(14)).into_owned(),
                name_style,
            ),
            Span::styled(range, theme.dim),
            Span::styled(if saved { "  ✓ saved" } else { "" }, theme.success),
        ]));
        match &def.kind {
            FieldKind::Categorical { options } => {
                for (k, (n, v)) in options.iter().enumerate() {
                    let on = field.value == FieldValue::Category(k);
                    let key = if k < 9 {
                        format!("{}", k + 1)
                    } else {
                        " ".into()
                    };
                    lines.push(Line::from(vec![
                        Span::raw("    "),
                        Span::styled(format!("{key} "), theme.hint_key),
                        Span::styled(
                            if on { "● " } else { "○ " },
                            if on { theme.accent } else { theme.dim },
                        ),
                        Span::styled(
                            truncate_to_width(
                                &format!("{} ({})", one_line(n), fmt_num(*v)),
                                width.saturating_sub(10),
                            )
                            .into_owned(),
                            if on { theme.accent } else { theme.text },
                        ),
                    ]));
                }
            }
            FieldKind::Boolean {
                true_label,
                false_label,
            } => {
                let t = field.value == FieldValue::Bool(true);
                let f = field.value == FieldValue::Bool(false);
                lines.push(Line::from(vec![
                    Span::raw("    "),
                    Span::styled("y ", theme.hint_key),
                    Span::styled(
                        if t { "● " } else { "○ " },
                        if t { theme.accent } else { theme.dim },
                    ),
                    Span::styled(
                        one_line(true_label),
                        if t { theme.accent } else { theme.text },
                    ),
                    Span::raw("   "),
                    Span::styled("n ", theme.hint_key),
                    Span::styled(
                        if f { "● " } else { "○ " },
                        if f { theme.accent } else { theme.dim },
                    ),
                    Span::styled(
                        one_line(false_label),
                        if f { theme.accent } else { theme.text },
                    ),
                ]));
            }
            FieldKind::Numerical { .. } => {
                let v = form.display_value(i).unwrap_or_default();
                let shown = if v.is_empty() && !focused {
                    "—".to_string()
                } else {
                    v
                };
                let cursor = if focused { "▏" } else { "" };
                lines.push(Line::from(vec![
                    Span::raw("    ["),
                    Span::styled(format!("{shown}{cursor}"), theme.accent),
                    Span::raw("]"),
                ]));
            }
        }
        if let Some(err) = form.errors.get(i).and_then(|e| e.as_ref()) {
            lines.push(Line::styled(format!("    ⚠ {err}"), theme.error));
        }
        if !field.reason.trim().is_empty() {
            lines.push(Line::styled(
                truncate_to_width(&format!("    reason: {}", one_line(&field.reason)), width)
                    .into_owned(),
                theme.dim,
            ));
        }
    }
    lines
}

fn body_lines(
    v: Option<&serde_json::Value>,
    kind: Kind,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    match messages::body(v, kind) {
        Body::Markdown(t) => crate::render::markdown::render(&t, width, theme)
            .lines
            .clone(),
        Body::Plain(t) => {
            crate::render::markdown::plain_wrapped(&t, width as usize, theme.text).lines
        }
        Body::Json(t) => crate::render::json::highlight_text(&t, theme),
        Body::Raw(v) => crate::render::json::render_value(&v, theme),
        Body::Empty => vec![Line::styled("(empty)", theme.dim)],
    }
}

/// The item pane: a trace's input, output and span summary, or a thread's turns.
pub fn item_text(
    data: &ItemData,
    context: Option<&ItemContext>,
    spans_open: bool,
    spans_key: &str,
    width: u16,
    theme: &Theme,
) -> Text<'static> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    match data {
        ItemData::Trace(t) => {
            lines.push(Line::styled("Input", theme.heading2));
            lines.extend(body_lines(t.input.as_ref(), Kind::Input, width, theme));
            lines.push(Line::default());
            lines.push(Line::styled("Output", theme.heading2));
            lines.extend(body_lines(t.output.as_ref(), Kind::Output, width, theme));
            lines.push(Line::default());
            match context {
                None => lines.push(Line::styled("Spans: loading…", theme.dim)),
                Some(c) if !spans_open => lines.push(Line::from(vec![
                    Span::styled(format!("▸ Spans ({})", c.spans.len()), theme.heading3),
                    Span::styled(format!("  {spans_key}: expand"), theme.dim),
                ])),
                Some(c) => {
                    lines.push(Line::from(vec![
                        Span::styled(format!("▾ Spans ({})", c.spans.len()), theme.heading3),
                        Span::styled(format!("  {spans_key}: fold"), theme.dim),
                    ]));
                    for sp in &c.spans {
                        let ty = sp.span_type.clone().unwrap_or_else(|| "general".into());
                        let dur = sp
                            .duration
                            .map(crate::render::format::duration_ms)
                            .unwrap_or_default();
                        lines.push(Line::from(vec![
                            Span::raw("  "),
                            Span::styled(format!("{ty:<9}"), theme.span_type(&ty)),
                            Span::raw(one_line(sp.name.as_deref().unwrap_or("(unnamed)"))),
                            Span::styled(format!("  {dur}"), theme.dim),
                        ]));
                    }
                }
            }
        }
        ItemData::Thread(th) => {
            let turns = context.map(|c| c.turns.as_slice()).unwrap_or_default();
            if context.is_none() {
                lines.push(Line::styled("Loading the conversation…", theme.dim));
            } else if turns.is_empty() {
                lines.push(Line::styled("User", theme.heading3));
                lines.extend(body_lines(
                    th.first_message.as_ref(),
                    Kind::Input,
                    width,
                    theme,
                ));
                lines.push(Line::styled("Assistant", theme.heading3));
                lines.extend(body_lines(
                    th.last_message.as_ref(),
                    Kind::Output,
                    width,
                    theme,
                ));
            }
            for t in turns {
                lines.push(Line::styled("User", theme.heading3));
                lines.extend(body_lines(t.input.as_ref(), Kind::Input, width, theme));
                lines.push(Line::styled("Assistant", theme.heading3));
                lines.extend(body_lines(t.output.as_ref(), Kind::Output, width, theme));
                lines.push(Line::default());
            }
        }
    }
    Text::from(lines)
}

/// Greedy word wrap to `width` columns (long words are cut).
fn wrap_words(s: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for w in s.split(' ') {
        let candidate = if cur.is_empty() {
            w.to_string()
        } else {
            format!("{cur} {w}")
        };
        if crate::render::sanitize::display_width(&candidate) <= width {
            cur = candidate;
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur = truncate_to_width(w, width).into_owned();
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn progress_bar(ratio: f64, width: usize) -> String {
    let filled = ((ratio.clamp(0.0, 1.0) * width as f64).round()) as usize;
    format!(
        "{}{}",
        "█".repeat(filled),
        "░".repeat(width.saturating_sub(filled))
    )
}

fn draw_header(frame: &mut Frame, area: Rect, theme: &Theme, s: &Session, status: &str) {
    let p = s.progress();
    let scope = if s.queue.scope == "thread" {
        "threads"
    } else {
        "traces"
    };
    let item_pos = format!("item {}/{}", s.current + 1, s.items.len());
    let status_of = match s.statuses().get(s.current) {
        Some(ItemStatus::Completed) => "completed",
        Some(ItemStatus::Scored) => "done by me",
        Some(ItemStatus::InReview) => "in review",
        Some(ItemStatus::ToReview) => "to review",
        None => "",
    };
    let line1 = Line::from(vec![
        Span::styled(one_line(&s.queue.name), theme.title),
        Span::styled(
            format!(
                " · {scope} · {}",
                one_line(s.queue.project_name.as_deref().unwrap_or(""))
            ),
            theme.dim,
        ),
    ]);
    let bar_w = (area.width as usize / 5).clamp(5, 20);
    let line2 = Line::from(vec![
        Span::styled(progress_bar(p.ratio(), bar_w), theme.accent),
        Span::raw(format!(" {} ", p.label())),
        Span::styled(
            format!("· team done {} · {item_pos} ({status_of}) · ", p.completed),
            theme.dim,
        ),
        Span::styled(
            status.to_string(),
            if status.starts_with("offline") {
                theme.warning
            } else {
                theme.success
            },
        ),
    ]);
    frame.render_widget(Paragraph::new(vec![line1, line2]), area);
}

fn draw_intro(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    km: &KeyMap,
    s: &Session,
    status: String,
) {
    let p = s.progress();
    let instructions = s.queue.instructions.clone().unwrap_or_default();
    let instr_lines = if instructions.trim().is_empty() {
        1
    } else {
        instructions.lines().count() as u16 + 2
    };
    let [head, instr, table, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(instr_lines.min(area.height / 3).max(3)),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    let scope = if s.queue.scope == "thread" {
        "threads"
    } else {
        "traces"
    };
    let bar_w = (area.width as usize / 4).clamp(5, 30);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(one_line(&s.queue.name), theme.heading1),
                Span::styled(
                    format!(
                        " · {scope} · project {}",
                        one_line(s.queue.project_name.as_deref().unwrap_or("?"))
                    ),
                    theme.dim,
                ),
            ]),
            Line::from(vec![
                Span::raw("Your progress "),
                Span::styled(progress_bar(p.ratio(), bar_w), theme.accent),
                Span::raw(format!(" {}", p.label())),
            ]),
            Line::styled(
                format!(
                    "Team: {} completed · {}{} in review · {} to review · {} per item · {status}",
                    p.completed,
                    // Items I did that wait for others (only with 2+ per item); shown so the
                    // counts add up to the total.
                    if p.awaiting > 0 {
                        format!("{} awaiting others · ", p.awaiting)
                    } else {
                        String::new()
                    },
                    p.in_review,
                    p.to_review,
                    s.annotators_per_item()
                ),
                theme.dim,
            ),
        ]),
        head,
    );
    let instr_text = if instructions.trim().is_empty() {
        Text::styled("No instructions.", theme.dim)
    } else {
        (*crate::render::markdown::render(&instructions, instr.width.saturating_sub(2), theme))
            .clone()
    };
    frame.render_widget(
        Paragraph::new(instr_text).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(" Instructions ", theme.title)),
        ),
        instr,
    );
    let inner = table.width.saturating_sub(2) as usize;
    let desc_w = (inner * 35 / 100).saturating_sub(3).max(4);
    let values_w = (inner * 45 / 100).saturating_sub(3).max(4);
    let rows: Vec<Row> = s
        .defs
        .iter()
        .map(|d| {
            let values = wrap_words(&one_line(&d.values_summary()), values_w);
            let desc = wrap_words(&one_line(d.description.as_deref().unwrap_or("")), desc_w);
            let h = values.len().max(desc.len()).max(1) as u16;
            Row::new(vec![
                Cell::from(one_line(&d.name)),
                Cell::from(Text::from(
                    desc.into_iter().map(Line::raw).collect::<Vec<_>>(),
                )),
                Cell::from(Text::from(
                    values.into_iter().map(Line::raw).collect::<Vec<_>>(),
                )),
            ])
            .height(h)
        })
        .collect();
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Percentage(20),
                Constraint::Percentage(35),
                Constraint::Percentage(45),
            ],
        )
        .header(Row::new(vec!["Feedback", "Description", "Values"]).style(theme.header))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(" Feedback definitions ", theme.title)),
        ),
        table,
    );
    let k = |a: Action| keys_label(km, KeyContext::AnnotateIntro, a, 1);
    let start = format!(
        "{}: {} annotating",
        k(Action::Open),
        if p.done_for_me > 0 { "resume" } else { "start" }
    );
    let mut foot_lines = vec![Line::from(vec![
        Span::styled(start, theme.accent),
        Span::styled(
            format!(
                " · {}: reload · {}: leave",
                k(Action::Refresh),
                k(Action::Close)
            ),
            theme.dim,
        ),
    ])];
    if s.items.is_empty() {
        foot_lines.insert(
            0,
            Line::styled("This queue has no items yet.", theme.warning),
        );
    } else if !s.missing_defs.is_empty() {
        foot_lines.insert(
            0,
            Line::styled(
                format!(
                    "Definitions not found on the server: {}",
                    s.missing_defs.join(", ")
                ),
                theme.warning,
            ),
        );
    }
    frame.render_widget(Paragraph::new(foot_lines), foot);
}

fn draw_finished(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    km: &KeyMap,
    s: &Session,
    status: String,
) {
    let p = s.progress();
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled(
                format!("Nothing left to review in “{}”.", one_line(&s.queue.name)),
                theme.heading2,
            ),
            Line::default(),
            Line::raw(format!("You annotated {}.", p.label())),
            Line::styled(
                format!(
                    "Team: {} completed · {} in review by others.",
                    p.completed, p.in_review
                ),
                theme.dim,
            ),
            Line::styled(status, theme.dim),
            Line::default(),
            Line::styled(
                format!(
                    "{}: back to the intro (review again) · {}: leave",
                    keys_label(km, KeyContext::AnnotateIntro, Action::Open, 1),
                    keys_label(km, KeyContext::AnnotateIntro, Action::Close, 1)
                ),
                theme.accent,
            ),
        ])
        .wrap(Wrap { trim: false }),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::{buffer_text, render_screen};
    use crate::config::Connection;
    use crate::opik::model::{
        FeedbackDefinition, FeedbackDetails, FeedbackScore, Span as ApiSpan, Thread, Trace,
        ValueEntry,
    };
    use std::collections::BTreeMap;

    fn def(name: &str, desc: &str, details: FeedbackDetails) -> FeedbackDefinition {
        FeedbackDefinition {
            id: None,
            name: name.into(),
            description: Some(desc.into()),
            details,
            created_at: None,
            created_by: None,
            last_updated_at: None,
            last_updated_by: None,
        }
    }

    fn session() -> Session {
        let cats: BTreeMap<String, f64> = [("wrong", 0.0), ("partly", 0.5), ("right", 1.0)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let defs = vec![
            def(
                "accuracy",
                "Is the answer correct?",
                FeedbackDetails::Categorical { categories: cats },
            ),
            def(
                "safe",
                "No harmful content",
                FeedbackDetails::Boolean {
                    true_label: "Safe".into(),
                    false_label: "Unsafe".into(),
                },
            ),
            def(
                "helpfulness",
                "How helpful, 0–10",
                FeedbackDetails::Numerical {
                    min: 0.0,
                    max: 10.0,
                },
            ),
        ];
        let queue = AnnotationQueue {
            id: Some(Uuid::from_u128(0xabc)),
            name: "Support answers".into(),
            project_name: Some("support-bot".into()),
            scope: "trace".into(),
            instructions: Some("Check the **answer** against the docs.".into()),
            feedback_definition_names: Some(vec![
                "accuracy".into(),
                "safe".into(),
                "helpfulness".into(),
            ]),
            annotators_per_item: Some(1),
            comments_enabled: Some(true),
            ..Default::default()
        };
        let mut by = BTreeMap::new();
        by.insert(
            "ann".to_string(),
            ValueEntry {
                value: Some(1.0),
                category_name: Some("Safe".into()),
                ..Default::default()
            },
        );
        let items = (1..=4u128)
            .map(|n| {
                ItemData::Trace(Box::new(Trace {
                    id: Some(Uuid::from_u128(n)),
                    name: Some(format!("answer-{n}")),
                    input: Some(serde_json::json!({"messages": [{"role": "user", "content": format!("How do I reset my password? ({n})")}]})),
                    output: Some(serde_json::json!({"content": "Open **Settings → Security** and choose *Reset*."})),
                    feedback_scores: (n == 4).then(|| {
                        vec![FeedbackScore {
                            name: "safe".into(),
                            value: Some(1.0),
                            value_by_author: Some(by.clone()),
                            ..Default::default()
                        }]
                    }),
                    ..Default::default()
                }))
            })
            .collect();
        Session::new(queue, &defs, "ann", items)
    }

    fn screen() -> AnnotateScreen {
        let client = OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url"))
            .expect("client");
        AnnotateScreen::with_session(client, session(), Err("test: no outbox".into()))
    }

    #[test]
    fn intro_shows_instructions_progress_and_definitions() {
        let mut s = screen();
        for (w, h) in [(80, 24), (160, 45)] {
            let text = buffer_text(&render_screen(&mut s, w, h, &Theme::dark()));
            assert!(text.contains("Support answers"), "{text}");
            assert!(text.contains("1/4"), "{text}");
            assert!(
                text.contains("wrong (0), partly (0.5)") && text.contains("Safe / Unsafe"),
                "{text}"
            );
            assert!(text.contains("Resume") || text.contains("resume"), "{text}");
            insta::assert_snapshot!(format!("intro_{w}x{h}"), text);
        }
    }

    #[test]
    fn item_screen_shows_item_panel_and_errors() {
        let mut s = screen();
        let sess = s.session_mut().expect("session");
        sess.start();
        let id = sess.current_item().expect("item").id;
        sess.items[sess.current].lock = LockState::Mine(None);
        let form = sess.current_form_mut().expect("form");
        form.digit(2);
        form.focus = 2;
        form.digit(1);
        form.digit(2);
        form.validate();
        s.set_context(
            id,
            ItemContext {
                spans: vec![ApiSpan {
                    name: Some("llm-call".into()),
                    span_type: Some("llm".into()),
                    duration: Some(812.0),
                    ..Default::default()
                }],
                turns: vec![],
            },
        );
        s.spans_open = true;
        for (w, h) in [(80, 24), (160, 45)] {
            let text = buffer_text(&render_screen(&mut s, w, h, &Theme::dark()));
            assert!(text.contains("partly (0.5)"), "{text}");
            assert!(text.contains("12 is out of range"), "{text}");
            assert!(text.contains("reset my password"), "{text}");
            insta::assert_snapshot!(format!("item_{w}x{h}"), text);
        }
    }

    #[test]
    fn held_items_say_who_reviews_them() {
        let mut s = screen();
        let sess = s.session_mut().expect("session");
        sess.start();
        let cur = sess.current;
        sess.items[cur].lock = LockState::HeldBy("bob".into());
        let text = buffer_text(&render_screen(&mut s, 100, 30, &Theme::dark()));
        assert!(text.contains("Being reviewed by bob."), "{text}");
        assert!(
            !text.contains("accuracy"),
            "no scoring panel while held: {text}"
        );
    }

    fn press(s: &mut AnnotateScreen, keys: &[KeyCode]) -> Vec<&'static str> {
        press_with(s, &crate::app::KeyMap::default(), keys)
    }

    /// Route keys as the shell does: raw to a focused editor, else through `keymap` in the
    /// screen's context, unbound keys to `handle_unbound_key`.
    fn press_with(
        s: &mut AnnotateScreen,
        keymap: &crate::app::KeyMap,
        keys: &[KeyCode],
    ) -> Vec<&'static str> {
        let theme = Theme::dark();
        let mut tasks = crate::app::tasks::Tasks::new(None);
        let mut effects = Vec::new();
        for k in keys {
            let mut ctx = Ctx::new(
                1,
                &theme,
                keymap,
                crate::app::testing::fixed_now(),
                None,
                &mut tasks,
                &mut effects,
            );
            let ev = KeyEvent::new(*k, KeyModifiers::NONE);
            let key = crate::app::Key::from_event(&ev).expect("key");
            if s.capturing_text() {
                s.handle_key(ev, &mut ctx);
            } else if let Some(a) = keymap.lookup(s.context(), key) {
                s.handle_action(a, &mut ctx);
            } else {
                s.handle_unbound_key(ev, &mut ctx);
            }
        }
        tasks.unrun.iter().map(|(_, k)| *k).collect()
    }

    #[test]
    fn keymap_overrides_apply_in_sme_mode_and_help_lists_its_keys() {
        let overrides: BTreeMap<String, String> = [
            ("annotate.u", "yes"),
            ("annotate.y", "none"),
            ("annotate.ctrl-g", "submit"),
            ("annotate.enter", "none"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (km, errs) = crate::app::KeyMap::with_overrides(&overrides);
        assert!(errs.is_empty(), "{errs:?}");
        let dir = tempfile::tempdir().expect("tmp");
        let outbox = Outbox::open(&dir.path().join("o.sqlite"), "t").expect("outbox");
        let client = OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url"))
            .expect("client");
        let mut s = AnnotateScreen::with_session(client, session(), Ok(outbox.clone()));
        // Enter still starts on the intro (its context is not overridden).
        press_with(&mut s, &km, &[KeyCode::Enter]);
        assert_eq!(s.context(), KeyContext::Annotate);
        let safe = |s: &AnnotateScreen| {
            s.session()
                .and_then(Session::current_item)
                .and_then(|i| i.form.as_ref())
                .map(|f| f.fields[1].value.clone())
        };
        // y is unbound now: nothing happens; u answers yes.
        press_with(&mut s, &km, &[KeyCode::Tab, KeyCode::Char('y')]);
        assert_eq!(safe(&s), Some(FieldValue::Empty));
        press_with(&mut s, &km, &[KeyCode::Char('u')]);
        assert_eq!(safe(&s), Some(FieldValue::Bool(true)));
        // Enter no longer submits; Ctrl-g does (Ctrl-s still does too).
        press_with(&mut s, &km, &[KeyCode::Enter]);
        assert_eq!(outbox.pending_count(), 0);
        let theme = Theme::dark();
        let mut tasks = crate::app::tasks::Tasks::new(None);
        let mut effects = Vec::new();
        let mut ctx = Ctx::new(
            1,
            &theme,
            &km,
            crate::app::testing::fixed_now(),
            None,
            &mut tasks,
            &mut effects,
        );
        let ctrl_g = KeyEvent::new(KeyCode::Char('g'), KeyModifiers::CONTROL);
        let action = km.lookup(
            s.context(),
            crate::app::Key::from_event(&ctrl_g).expect("key"),
        );
        assert_eq!(action, Some(Action::Submit));
        s.handle_action(Action::Submit, &mut ctx);
        assert_eq!(outbox.pending_count(), 1, "the safe score was queued");

        // The whole app: `?` on the item screen lists the SME keys with the overrides.
        let client = OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url"))
            .expect("client");
        let mut app = crate::app::testing::test_app(crate::app::testing::no_opener());
        app.keymap = km;
        let now = crate::app::testing::fixed_now();
        app.push(
            Box::new(AnnotateScreen::with_session(
                client,
                session(),
                Err("none".into()),
            )),
            now,
        );
        app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
        app.handle_key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE), now);
        assert!(app.help_open());
        let text = buffer_text(&crate::app::testing::render_app(&mut app, 120, 60));
        let row = |keys: &str, desc: &str| {
            text.lines()
                .any(|l| l.contains(&format!(" {keys} ")) && l.contains(desc))
        };
        assert!(row("u", "Boolean field: yes"), "{text}");
        assert!(row("^g/^s", "Submit"), "{text}");
        assert!(row("Tab/↓", "Next scoring field"), "{text}");
        assert!(row("r", "Add a reason"), "{text}");
        assert!(row("1–9", "pick the Nth option"), "{text}");
        assert!(row("0–9 . -", "type the value"), "{text}");
        assert!(!row("y", "Boolean field: yes"), "{text}");
    }

    #[test]
    fn sme_hint_bar_and_help_snapshot() {
        let client = OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url"))
            .expect("client");
        let dir = tempfile::tempdir().expect("tmp");
        let outbox = Outbox::open(&dir.path().join("o.sqlite"), "t").expect("outbox");
        let mut app = crate::app::testing::test_app(crate::app::testing::no_opener());
        let now = crate::app::testing::fixed_now();
        app.push(
            Box::new(AnnotateScreen::with_session(client, session(), Ok(outbox))),
            now,
        );
        let text = buffer_text(&crate::app::testing::render_app(&mut app, 100, 30));
        assert!(text.contains("Enter: resume annotating"), "{text}");
        app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
        let text = buffer_text(&crate::app::testing::render_app(&mut app, 140, 30));
        let hint_bar = text.lines().last().unwrap_or_default();
        assert!(
            hint_bar.contains("submit") && hint_bar.contains("next field"),
            "{text}"
        );
        insta::assert_snapshot!("sme_item_app_140x30", text);
        app.handle_key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE), now);
        let text = buffer_text(&crate::app::testing::render_app(&mut app, 100, 50));
        insta::assert_snapshot!("sme_help_100x50", text);
    }

    #[test]
    fn keys_score_comment_and_submit_through_the_outbox() {
        let dir = tempfile::tempdir().expect("tmp");
        let outbox = Outbox::open(&dir.path().join("o.sqlite"), "t").expect("outbox");
        let client = OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url"))
            .expect("client");
        let mut s = AnnotateScreen::with_session(client, session(), Ok(outbox.clone()));
        // Intro → first item to review: the lock is claimed and the item loaded.
        let spawned = press(&mut s, &[KeyCode::Enter]);
        assert!(
            spawned.contains(&"lock") && spawned.contains(&"item"),
            "{spawned:?}"
        );
        let first = s.session().expect("session").current;
        // accuracy: 3rd option; safe: y; helpfulness: 7; a comment; submit.
        let mut keys = vec![
            KeyCode::Char('3'),
            KeyCode::Tab,
            KeyCode::Char('y'),
            KeyCode::Tab,
        ];
        keys.push(KeyCode::Char('7'));
        keys.push(KeyCode::Char('c'));
        keys.extend("fine".chars().map(KeyCode::Char));
        keys.push(KeyCode::Esc);
        press(&mut s, &keys);
        assert_eq!(s.session().expect("s").unsaved(), 1);
        press(&mut s, &[KeyCode::Enter]);
        let ops: Vec<String> = outbox
            .pending()
            .expect("pending")
            .iter()
            .map(|p| p.op.describe())
            .collect();
        assert_eq!(
            ops,
            [
                "score “accuracy”",
                "score “safe”",
                "score “helpfulness”",
                "comment"
            ]
        );
        let sess = s.session().expect("s");
        assert_ne!(sess.current, first, "moved to the next item");
        assert_eq!(sess.progress().done_for_me, 2);
        // An out-of-range number is not sent and keeps the item.
        let here = sess.current;
        press(
            &mut s,
            &[
                KeyCode::Tab,
                KeyCode::Tab,
                KeyCode::Char('9'),
                KeyCode::Char('9'),
                KeyCode::Enter,
            ],
        );
        assert_eq!(s.session().expect("s").current, here);
        assert_eq!(outbox.pending_count(), 4);
        // Leaving with unsaved edits asks first.
        press(&mut s, &[KeyCode::Char('q')]);
        assert!(s.confirm_leave);
        press(&mut s, &[KeyCode::Char('n')]);
        assert!(!s.confirm_leave);
    }

    #[test]
    fn thread_items_show_status_and_the_conversation() {
        let mut q = session().queue;
        q.scope = "thread".into();
        let thread = Thread {
            id: "conv-42".into(),
            thread_model_id: Some(Uuid::from_u128(0x42)),
            status: Some("inactive".into()),
            ..Default::default()
        };
        let defs = vec![FeedbackDefinition {
            id: None,
            name: "resolved".into(),
            description: None,
            details: FeedbackDetails::Boolean {
                true_label: "Resolved".into(),
                false_label: "Open".into(),
            },
            created_at: None,
            created_by: None,
            last_updated_at: None,
            last_updated_by: None,
        }];
        q.feedback_definition_names = Some(vec!["resolved".into()]);
        let mut sess = Session::new(q, &defs, "ann", vec![ItemData::Thread(Box::new(thread))]);
        sess.start();
        sess.items[0].lock = LockState::Mine(None);
        let client = OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url"))
            .expect("client");
        let mut s = AnnotateScreen::with_session(client, sess, Err("none".into()));
        let turn = |q: &str, a: &str| Trace {
            input: Some(serde_json::json!({"messages": [{"role": "user", "content": q}]})),
            output: Some(serde_json::json!({"content": a})),
            ..Default::default()
        };
        s.set_context(
            Uuid::from_u128(0x42),
            ItemContext {
                spans: vec![],
                turns: vec![
                    turn("My order is late", "Sorry! It ships today."),
                    turn("Thanks", "You're welcome."),
                ],
            },
        );
        let text = buffer_text(&render_screen(&mut s, 80, 24, &Theme::dark()));
        assert!(text.contains("thread conv-42 · inactive"), "{text}");
        assert!(
            text.contains("My order is late") && text.contains("It ships today"),
            "{text}"
        );
        assert!(text.contains("Resolved") && text.contains("Open"), "{text}");
        insta::assert_snapshot!("thread_item_80x24", text);
    }
}
