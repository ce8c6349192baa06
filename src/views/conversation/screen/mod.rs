//! The conversation view as a [`Screen`]: loads the thread and its traces, sends thumbs and
//! thread actions as background tasks, and draws [`Conversation`] plus its popups (search,
//! comment, tag and number inputs; definition / category / queue pickers).
//!
//! Thumbs go through the durable outbox ([`crate::outbox`]): enqueued (on disk) at the press,
//! sent at once by a drainer in press order per trace, retried with backoff when the server
//! cannot be reached, and sent at the next start if the app quits first. The screen listens
//! to the drainer's events: an applied op reconciles the thumb with the server, an offline
//! round marks pending thumbs "(queued)" and shows a toast, a rejected op reverts the thumb
//! and says why. If the outbox file cannot be opened, thumbs are sent directly one at a time
//! and re-sent on a timer after a failure (not durable; a toast says so). Thread score, comment, tags, close and
//! add-to-queue reload the thread afterwards so the header shows the server's state.

mod draw;
mod input;
mod load;
mod msg;
mod thumbs;

pub use msg::ConversationMsg;

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::Duration;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use uuid::Uuid;

use super::{Conversation, ThumbOp};
use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen};
use crate::opik::client::{OpikClient, ProjectRef};
use crate::opik::conversations::Grouping;
use crate::opik::error::ApiError;
use crate::opik::model::{AnnotationQueue, FeedbackDefinition};
use crate::outbox::{OpId, Outbox, OutboxEvent, Ticket};
use crate::render::sanitize;
use crate::widgets::input::TextInput;
use crate::widgets::picker::Picker;

/// Most traces read for one conversation.
const MAX_TURNS: u32 = 2000;
const RETRY_EVERY: Duration = Duration::from_secs(5);

/// What a pick list is choosing.
#[derive(Debug, Clone, PartialEq)]
enum Pick {
    Definition,
    Category { name: String },
    Queue,
}

/// A pick list: what it chooses, and the picker.
#[derive(Debug, Clone)]
struct PickList {
    what: Pick,
    picker: Picker<String>,
}

#[derive(Debug, Clone)]
enum Mode {
    Normal,
    Search(TextInput),
    Comment(TextInput),
    Tag(TextInput),
    /// Numerical score for definition `name` in [min, max].
    Number {
        name: String,
        min: f64,
        max: f64,
        input: TextInput,
        error: Option<String>,
    },
    Pick(PickList),
}

type Unit = Result<(), ApiError>;

/// This screen's link to the outbox: its drainer and the thumbs it carries.
struct OutboxLink {
    outbox: Outbox,
    events: Option<tokio::sync::mpsc::UnboundedReceiver<OutboxEvent>>,
    drainer: tokio::task::JoinHandle<()>,
    /// Thumbs stored in the outbox, by op id, until applied.
    ops: HashMap<OpId, ThumbOp>,
    /// Thumbs submitted to the outbox and not stored yet.
    submitted: HashMap<Ticket, ThumbOp>,
    offline_warned: bool,
}

type EventWait = (
    tokio::sync::mpsc::UnboundedReceiver<OutboxEvent>,
    Option<OutboxEvent>,
);

pub struct ConversationScreen {
    env: Option<Rc<AppEnv>>,
    pub conv: Conversation,
    mode: Mode,
    /// Thumbs waiting to be sent, in press order; the front one is in flight when
    /// `thumb_in_flight` is set.
    thumbs: VecDeque<ThumbOp>,
    thumb_in_flight: Option<ThumbOp>,
    /// Failed thumbs waiting for the retry timer.
    retry: Vec<ThumbOp>,
    definitions: Vec<FeedbackDefinition>,
    /// (label, value) of the categories / boolean labels being picked.
    category_values: Vec<(String, f64)>,
    queues: Vec<AnnotationQueue>,
    last_queue: Option<String>,
    /// Large markdown bodies to render off the UI thread at the next tick.
    pending_render: Option<(Vec<(String, u16)>, crate::theme::Theme)>,
    outbox: Option<OutboxLink>,
    /// Opened from this trace: find its conversation first.
    origin: Option<Uuid>,
}

impl Drop for OutboxLink {
    fn drop(&mut self) {
        // The screen closed: stop its drainer (ops left are sent by the next one).
        self.drainer.abort();
    }
}

impl ConversationScreen {
    pub fn new(env: Rc<AppEnv>, project: &str, thread_id: &str) -> ConversationScreen {
        Self::grouped(env, project, Grouping::ThreadId, thread_id)
    }

    /// The conversation `id` under `grouping` (an Opik thread, or the traces whose
    /// `metadata.KEY` is `id`).
    pub fn grouped(
        env: Rc<AppEnv>,
        project: &str,
        grouping: Grouping,
        id: &str,
    ) -> ConversationScreen {
        let mut conv = Conversation::new(project, id);
        conv.grouping = grouping;
        let mut s = ConversationScreen::offline(conv);
        s.env = Some(env);
        s
    }

    /// The conversation trace `trace_id` belongs to (`C` on a trace): found once the trace is
    /// read, by its `thread_id` or the first conversation key in its metadata.
    pub fn for_trace(env: Rc<AppEnv>, project: &str, trace_id: Uuid) -> ConversationScreen {
        let mut s = ConversationScreen::offline(Conversation::new(project, ""));
        s.env = Some(env);
        s.origin = Some(trace_id);
        s
    }

    /// Thread-level actions need an Opik thread.
    pub(super) fn opik_thread(&self, ctx: &mut Ctx<ConversationMsg>) -> bool {
        if self.conv.grouping == Grouping::ThreadId {
            return true;
        }
        ctx.toast_error(format!(
            "this conversation is grouped by {}, not an Opik thread: thread scores, comments, tags and queues need a thread_id",
            self.conv.grouping.label()
        ));
        false
    }

    /// A screen over ready-made state, without a server (snapshots).
    pub fn offline(conv: Conversation) -> ConversationScreen {
        ConversationScreen {
            env: None,
            conv,
            mode: Mode::Normal,
            thumbs: VecDeque::new(),
            thumb_in_flight: None,
            retry: Vec::new(),
            definitions: Vec::new(),
            category_values: Vec::new(),
            queues: Vec::new(),
            last_queue: None,
            pending_render: None,
            outbox: None,
            origin: None,
        }
    }

    pub(super) fn client(&self) -> Option<OpikClient> {
        self.env.as_ref().map(|e| e.client.clone())
    }

    pub(super) fn project_ref(&self) -> ProjectRef {
        ProjectRef::Name(self.conv.project.clone())
    }
}

impl Screen for ConversationScreen {
    type Msg = ConversationMsg;

    fn title(&self) -> String {
        format!(
            "Conversation · {}",
            sanitize::one_line(&self.conv.thread_id)
        )
    }

    fn context(&self) -> KeyContext {
        KeyContext::Conversation
    }

    fn on_open(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        ctx.set_project(self.conv.project.clone());
        self.connect_outbox(ctx);
        if let Some(trace_id) = self.origin {
            let Some(client) = self.client() else { return };
            ctx.spawn("origin", async move {
                ConversationMsg::Origin(client.get_trace(trace_id).await)
            });
            return;
        }
        self.load(ctx);
    }

    fn refresh(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        if self.origin.is_some() && self.conv.thread_id.is_empty() {
            self.on_open(ctx);
            return;
        }
        self.load(ctx);
    }

    fn capturing_text(&self) -> bool {
        !matches!(self.mode, Mode::Normal)
    }

    fn typing_hints(&self) -> Vec<(&'static str, &'static str)> {
        match self.mode {
            Mode::Pick(_) => vec![("1–9/Enter", "pick"), ("j/k", "move"), ("Esc", "cancel")],
            _ => vec![("Enter", "apply"), ("Esc", "cancel")],
        }
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<ConversationMsg>) -> Handled {
        self.mode_key(key, ctx)
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<ConversationMsg>) -> Handled {
        self.action(action, ctx)
    }

    fn tick_interval(&self) -> Option<Duration> {
        if self.pending_render.is_some() {
            return Some(Duration::from_millis(1));
        }
        (!self.retry.is_empty()).then_some(RETRY_EVERY)
    }

    fn on_tick(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        if let Some((items, theme)) = self.pending_render.take() {
            ctx.spawn("render", async move {
                load::render_large(items, theme).await;
                ConversationMsg::Rendered
            });
            if self.retry.is_empty() {
                return;
            }
        }
        let again: Vec<ThumbOp> = std::mem::take(&mut self.retry);
        for op in again {
            // A newer press on the same trace supersedes the failed one.
            if self.thumbs.iter().any(|o| o.trace_id() == op.trace_id()) {
                continue;
            }
            self.thumbs.push_back(op);
        }
        self.send_next_thumb(ctx);
    }

    fn on_msg(&mut self, msg: ConversationMsg, ctx: &mut Ctx<ConversationMsg>) {
        self.apply(msg, ctx);
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        self.draw_screen(frame, area, ctx);
    }

    fn hints(&self) -> Vec<Action> {
        let mut h = vec![
            Action::ThumbUp,
            Action::ThumbDown,
            Action::OpenTrace,
            Action::Search,
        ];
        if !self.conv.search.matches.is_empty() {
            h.push(Action::NextMatch);
            h.push(Action::PrevMatch);
        }
        h.extend([Action::Score, Action::Comment, Action::Tag]);
        if self.conv.is_active() {
            h.push(Action::CloseThread);
        }
        h.extend([
            Action::AddToQueue,
            Action::Export,
            Action::CopyUrl,
            Action::Open,
            Action::Refresh,
        ]);
        h
    }

    fn status(&self) -> Option<String> {
        let queued = self.retry.len()
            + self.thumbs.len()
            + usize::from(self.thumb_in_flight.is_some())
            + self
                .outbox
                .as_ref()
                .map(|l| l.ops.len() + l.submitted.len())
                .unwrap_or(0);
        (queued > 0).then(|| format!("{queued} thumb(s) pending"))
    }
}
