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

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::Duration;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout as RLayout, Rect};
use ratatui::text::Span;
use ratatui::widgets::Clear;
use uuid::Uuid;

use super::{Conversation, ThumbOp, USER_FEEDBACK};
use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::client::{ListQuery, OpikClient, ProjectRef};
use crate::opik::conversations::Grouping;
use crate::opik::error::ApiError;
use crate::opik::model::{
    AnnotationQueue, FeedbackDefinition, FeedbackDetails, FeedbackScoreBatch, FeedbackScoreItem,
    Filter, Sorting, Thread, ThreadUpdate, Trace,
};
use crate::outbox::{OpId, Outbox, OutboxEvent, WriteOp};
use crate::render::{markdown, sanitize};
use crate::views::share;
use crate::widgets::input::{InputEvent, TextInput};
use crate::widgets::picker::{Picker, PickerEvent};

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
    ops: HashMap<OpId, ThumbOp>,
    offline_warned: bool,
}

type EventWait = (
    tokio::sync::mpsc::UnboundedReceiver<OutboxEvent>,
    Option<OutboxEvent>,
);

/// What the conversation screen's tasks return.
// Each message is moved once and travels boxed through the task channel: its size is moot.
#[allow(clippy::large_enum_variant)]
pub enum ConversationMsg {
    /// The conversation's traces, oldest first.
    Traces(Result<Vec<Trace>, ApiError>),
    /// The Opik thread (status, tags, scores).
    Thread(Result<Thread, ApiError>),
    /// A thumb was sent (directly, without the outbox).
    Thumb(ThumbOp, Unit),
    /// Feedback definitions to score the thread with.
    Defs(Result<Vec<FeedbackDefinition>, ApiError>),
    /// Annotation queues to add the thread to.
    Queues(Result<Vec<AnnotationQueue>, ApiError>),
    /// A thread action finished: `close`, `comment`, `tag`, `score` or `add_queue`.
    Done { key: &'static str, res: Unit },
    /// Large messages were rendered into the markdown cache.
    Rendered,
    /// `Y`: the web URL was built.
    Url(share::UrlReady),
    /// `e`: the markdown export was written (its path), or why not.
    Export(Result<String, String>),
    /// The trace `C` was pressed on (to find its conversation).
    Origin(Result<Trace, ApiError>),
    /// The outbox's next event, with the receiver handed back.
    Outbox(EventWait),
}

impl From<share::UrlReady> for ConversationMsg {
    fn from(r: share::UrlReady) -> Self {
        ConversationMsg::Url(r)
    }
}

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
    fn opik_thread(&self, ctx: &mut Ctx<ConversationMsg>) -> bool {
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

    fn client(&self) -> Option<OpikClient> {
        self.env.as_ref().map(|e| e.client.clone())
    }

    fn project_ref(&self) -> ProjectRef {
        ProjectRef::Name(self.conv.project.clone())
    }

    fn load(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        self.load_thread(ctx);
        let Some(client) = self.client() else { return };
        let project = self.conv.project.clone();
        let thread_id = self.conv.thread_id.clone();
        let filter = match &self.conv.grouping {
            Grouping::ThreadId => Filter::new("thread_id", "=", thread_id.clone()),
            Grouping::Metadata(k) => Filter::keyed("metadata", k, "=", thread_id.clone()),
        };
        ctx.spawn("traces", async move {
            let r: Result<Vec<Trace>, ApiError> = async {
                let mut out = Vec::new();
                let mut page = 1;
                loop {
                    let q = ListQuery {
                        project_name: Some(project.clone()),
                        page,
                        size: 200,
                        filters: vec![filter.clone()],
                        sorting: vec![Sorting {
                            field: "start_time".into(),
                            direction: "ASC".into(),
                        }],
                        truncate: false,
                        ..ListQuery::default()
                    };
                    let p = client.list_traces(&q).await?;
                    let n = p.content.len();
                    out.extend(p.content);
                    let total = p.total.unwrap_or(0).max(0) as usize;
                    if n == 0 || out.len() >= total || out.len() >= MAX_TURNS as usize {
                        break;
                    }
                    page += 1;
                }
                // Dify's `generate_name_trace` shares the conversation id but is no turn.
                out.retain(|t| !crate::opik::dify::is_side_trace(t));
                Ok(out)
            }
            .await;
            ConversationMsg::Traces(r)
        });
    }

    fn load_thread(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        if self.conv.grouping != Grouping::ThreadId {
            return;
        }
        let Some(client) = self.client() else { return };
        let project = self.project_ref();
        let thread_id = self.conv.thread_id.clone();
        ctx.spawn("thread", async move {
            ConversationMsg::Thread(client.retrieve_thread(&project, &thread_id).await)
        });
    }

    fn thread_model_id(&self) -> Option<Uuid> {
        self.conv.thread.as_ref().and_then(|t| t.thread_model_id)
    }

    // ---- thumbs -----------------------------------------------------------------------

    fn thumb(&mut self, value: u8, ctx: &mut Ctx<ConversationMsg>) {
        let Some(op) = self.conv.press_thumb(value) else {
            return;
        };
        if let Some(link) = &mut self.outbox {
            match link.outbox.enqueue(write_op(op)) {
                Ok(id) => {
                    link.ops.insert(id, op);
                    return;
                }
                Err(e) => ctx.toast_error(format!("outbox unavailable, sending directly: {e}")),
            }
        }
        self.thumbs.push_back(op);
        self.send_next_thumb(ctx);
    }

    /// Open the outbox and start its drainer (once).
    fn connect_outbox(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        if self.outbox.is_some() {
            return;
        }
        let Some(client) = self.client() else { return };
        match Outbox::for_client(None, &client) {
            Ok(outbox) => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                let drainer = outbox.spawn_drainer(client, move |ev| {
                    let _ = tx.send(ev);
                });
                self.outbox = Some(OutboxLink {
                    outbox,
                    events: Some(rx),
                    drainer,
                    ops: HashMap::new(),
                    offline_warned: false,
                });
                self.listen(ctx);
            }
            Err(e) => ctx.toast_error(format!(
                "the outbox could not be opened ({e}): thumbs are sent directly and retried while this screen is open"
            )),
        }
    }

    fn listen(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        let Some(mut rx) = self.outbox.as_mut().and_then(|l| l.events.take()) else {
            return;
        };
        ctx.spawn_quiet("outbox", async move {
            let ev = rx.recv().await;
            ConversationMsg::Outbox((rx, ev))
        });
    }

    fn on_outbox_event(&mut self, ev: OutboxEvent, ctx: &mut Ctx<ConversationMsg>) {
        let Some(link) = &mut self.outbox else { return };
        match ev {
            OutboxEvent::Applied { id, .. } => {
                if let Some(op) = link.ops.remove(&id) {
                    self.conv.thumb_settled(op, true);
                }
                link.offline_warned = false;
            }
            OutboxEvent::Failed { id, error, .. } => {
                if let Some(op) = link.ops.remove(&id) {
                    self.conv.thumb_rejected(op);
                    ctx.toast_error(format!("the server rejected a thumb: {error}"));
                }
            }
            OutboxEvent::Status {
                online,
                pending,
                last_error,
            } => {
                if !online && pending > 0 {
                    let mine: Vec<ThumbOp> = link.ops.values().copied().collect();
                    for op in &mine {
                        self.conv.thumb_settled(*op, false);
                    }
                    if !mine.is_empty() && !link.offline_warned {
                        link.offline_warned = true;
                        ctx.toast_error(format!(
                            "cannot reach the server ({}): {pending} write(s) wait in the outbox and will be retried",
                            last_error.unwrap_or_default()
                        ));
                    }
                }
            }
        }
    }

    fn send_next_thumb(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        if self.thumb_in_flight.is_some() {
            return;
        }
        let Some(op) = self.thumbs.pop_front() else {
            return;
        };
        let Some(client) = self.client() else {
            // Offline (tests): settle at once.
            self.conv.thumb_settled(op, true);
            return;
        };
        self.thumb_in_flight = Some(op);
        ctx.spawn("thumb", async move {
            ConversationMsg::Thumb(op, send_thumb(&client, op).await)
        });
    }

    // ---- thread actions ---------------------------------------------------------------

    fn spawn_unit<F>(&mut self, key: &'static str, ctx: &mut Ctx<ConversationMsg>, fut: F)
    where
        F: std::future::Future<Output = Unit> + Send + 'static,
    {
        ctx.spawn(key, async move {
            ConversationMsg::Done {
                key,
                res: fut.await,
            }
        });
    }

    fn close_thread(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        let Some(client) = self.client() else { return };
        if !self.conv.is_active() {
            ctx.toast_info("this thread is already inactive");
            return;
        }
        let project = self.project_ref();
        let id = self.conv.thread_id.clone();
        self.spawn_unit("close", ctx, async move {
            client.close_thread(&project, &id).await
        });
    }

    fn add_comment(&mut self, text: String, ctx: &mut Ctx<ConversationMsg>) {
        let (Some(client), Some(model_id)) = (self.client(), self.thread_model_id()) else {
            ctx.toast_error("the thread is not loaded yet: try again in a moment");
            return;
        };
        self.spawn_unit("comment", ctx, async move {
            client
                .add_thread_comment(model_id, &text, None)
                .await
                .map(|_| ())
        });
    }

    /// `+a -b c`: add `a` and `c`, remove `b`.
    fn apply_tags(&mut self, text: &str, ctx: &mut Ctx<ConversationMsg>) {
        let (Some(client), Some(model_id)) = (self.client(), self.thread_model_id()) else {
            ctx.toast_error("the thread is not loaded yet: try again in a moment");
            return;
        };
        let mut tags: Vec<String> = self
            .conv
            .thread
            .as_ref()
            .and_then(|t| t.tags.clone())
            .unwrap_or_default();
        for word in text.split_whitespace() {
            if let Some(t) = word.strip_prefix('-') {
                tags.retain(|x| x != t);
            } else {
                let t = word.strip_prefix('+').unwrap_or(word).to_string();
                if !t.is_empty() && !tags.contains(&t) {
                    tags.push(t);
                }
            }
        }
        let update = ThreadUpdate {
            tags: Some(tags),
            ..ThreadUpdate::default()
        };
        self.spawn_unit("tag", ctx, async move {
            client.update_thread(model_id, &update).await
        });
    }

    fn put_thread_score(
        &mut self,
        name: String,
        value: f64,
        category: Option<String>,
        ctx: &mut Ctx<ConversationMsg>,
    ) {
        let Some(client) = self.client() else { return };
        let batch = FeedbackScoreBatch {
            scores: vec![FeedbackScoreItem {
                thread_id: Some(self.conv.thread_id.clone()),
                project_name: Some(self.conv.project.clone()),
                name,
                value: Some(value),
                category_name: category,
                source: Some("ui".into()),
                ..FeedbackScoreItem::default()
            }],
        };
        self.spawn_unit("score", ctx, async move {
            client.put_thread_scores(&batch).await
        });
    }

    fn open_definitions(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        let Some(client) = self.client() else { return };
        ctx.spawn("defs", async move {
            let r: Result<Vec<FeedbackDefinition>, ApiError> = client
                .list_feedback_definitions(1, 200, None)
                .await
                .map(|p| p.content);
            ConversationMsg::Defs(r)
        });
    }

    fn open_queues(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        let Some(client) = self.client() else { return };
        ctx.spawn("queues", async move {
            let r: Result<Vec<AnnotationQueue>, ApiError> = client
                .list_queues(1, 200, None, &[])
                .await
                .map(|p| p.content);
            ConversationMsg::Queues(r)
        });
    }

    fn picked(&mut self, p: PickList, ctx: &mut Ctx<ConversationMsg>) {
        match p.what {
            Pick::Definition => {
                let Some(def) = self.definitions.get(p.picker.selected_index()).cloned() else {
                    return;
                };
                match def.details {
                    FeedbackDetails::Categorical { categories } => {
                        let mut cats: Vec<(String, f64)> = categories.into_iter().collect();
                        cats.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                        self.mode = Mode::Pick(PickList {
                            what: Pick::Category {
                                name: def.name.clone(),
                            },
                            picker: Picker::labels(
                                format!("{} — category", sanitize::one_line(&def.name)),
                                cats.iter()
                                    .map(|(n, v)| format!("{} ({v})", sanitize::one_line(n)))
                                    .collect(),
                            ),
                        });
                        self.category_values = cats;
                    }
                    FeedbackDetails::Boolean {
                        true_label,
                        false_label,
                    } => {
                        let t = if true_label.is_empty() {
                            "true".to_string()
                        } else {
                            true_label
                        };
                        let f = if false_label.is_empty() {
                            "false".to_string()
                        } else {
                            false_label
                        };
                        self.category_values = vec![(t.clone(), 1.0), (f.clone(), 0.0)];
                        self.mode = Mode::Pick(PickList {
                            what: Pick::Category {
                                name: def.name.clone(),
                            },
                            picker: Picker::labels(
                                format!("{} — value", sanitize::one_line(&def.name)),
                                vec![
                                    format!("{} (1)", sanitize::one_line(&t)),
                                    format!("{} (0)", sanitize::one_line(&f)),
                                ],
                            ),
                        });
                    }
                    FeedbackDetails::Numerical { min, max } => {
                        self.mode = Mode::Number {
                            name: def.name.clone(),
                            min,
                            max,
                            input: TextInput::new(""),
                            error: None,
                        };
                    }
                }
            }
            Pick::Category { name } => {
                if let Some((label, value)) =
                    self.category_values.get(p.picker.selected_index()).cloned()
                {
                    self.put_thread_score(name, value, Some(label), ctx);
                }
            }
            Pick::Queue => {
                let Some(q) = self.queues.get(p.picker.selected_index()).cloned() else {
                    return;
                };
                let (Some(client), Some(model_id), Some(qid)) =
                    (self.client(), self.thread_model_id(), q.id)
                else {
                    ctx.toast_error("the thread is not loaded yet: try again in a moment");
                    return;
                };
                self.spawn_unit("add_queue", ctx, async move {
                    client.add_queue_items(qid, &[model_id]).await
                });
                self.last_queue = Some(sanitize::one_line(&q.name));
            }
        }
    }
}

/// The outbox op for a thumb (the same request [`send_thumb`] makes).
fn write_op(op: ThumbOp) -> WriteOp {
    match op {
        ThumbOp::Set { trace_id, value } => WriteOp::PutTraceScore {
            trace_id,
            score: FeedbackScoreItem {
                name: USER_FEEDBACK.into(),
                value: Some(f64::from(value)),
                source: Some("ui".into()),
                ..FeedbackScoreItem::default()
            },
        },
        ThumbOp::Delete { trace_id } => WriteOp::DeleteTraceScore {
            trace_id,
            name: USER_FEEDBACK.into(),
            author: None,
        },
    }
}

async fn send_thumb(client: &OpikClient, op: ThumbOp) -> Unit {
    match op {
        ThumbOp::Set { trace_id, value } => {
            let item = FeedbackScoreItem {
                name: USER_FEEDBACK.into(),
                value: Some(f64::from(value)),
                source: Some("ui".into()),
                ..FeedbackScoreItem::default()
            };
            client.put_trace_score(trace_id, &item).await
        }
        ThumbOp::Delete { trace_id } => {
            client
                .delete_trace_score(trace_id, USER_FEEDBACK, None)
                .await
        }
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
        let mode = std::mem::replace(&mut self.mode, Mode::Normal);
        match mode {
            Mode::Normal => return Handled::No,
            Mode::Search(mut input) => match input.handle_key(key) {
                InputEvent::Submit => {
                    self.conv.search.editing = false;
                    self.conv.confirm_search(input.value().trim(), ctx.theme);
                }
                InputEvent::Cancel => {
                    self.conv.search.editing = false;
                    self.conv.set_query("");
                }
                _ => {
                    self.conv.search.query = input.value();
                    self.mode = Mode::Search(input);
                }
            },
            Mode::Comment(mut input) => match input.handle_key(key) {
                InputEvent::Submit => {
                    let text = input.value().trim().to_string();
                    if !text.is_empty() {
                        self.add_comment(text, ctx);
                    }
                }
                InputEvent::Cancel => {}
                _ => self.mode = Mode::Comment(input),
            },
            Mode::Tag(mut input) => match input.handle_key(key) {
                InputEvent::Submit => {
                    let text = input.value();
                    if !text.trim().is_empty() {
                        self.apply_tags(&text, ctx);
                    }
                }
                InputEvent::Cancel => {}
                _ => self.mode = Mode::Tag(input),
            },
            Mode::Number {
                name,
                min,
                max,
                mut input,
                ..
            } => match input.handle_key(key) {
                InputEvent::Submit => {
                    let text = input.value();
                    match text.trim().parse::<f64>() {
                        Ok(v) if v.is_finite() && v >= min && v <= max => {
                            self.put_thread_score(name, v, None, ctx);
                        }
                        _ => {
                            self.mode = Mode::Number {
                                name,
                                min,
                                max,
                                input,
                                error: Some(format!("enter a number from {min} to {max}")),
                            };
                        }
                    }
                }
                InputEvent::Cancel => {}
                _ => {
                    self.mode = Mode::Number {
                        name,
                        min,
                        max,
                        input,
                        error: None,
                    }
                }
            },
            Mode::Pick(mut p) => match p.picker.handle_key(key) {
                PickerEvent::Cancelled => {}
                PickerEvent::Chosen(_) => self.picked(p, ctx),
                PickerEvent::Moved | PickerEvent::Ignored => self.mode = Mode::Pick(p),
            },
        }
        Handled::Yes
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<ConversationMsg>) -> Handled {
        match action {
            Action::Down => self.conv.next_turn(),
            Action::Up => self.conv.prev_turn(),
            Action::PageDown => self.conv.page(true),
            Action::PageUp => self.conv.page(false),
            Action::ScrollDown => self.conv.scroll_by(3),
            Action::ScrollUp => self.conv.scroll_by(-3),
            Action::First => self.conv.select(0),
            Action::Last => self.conv.select(self.conv.turns.len().saturating_sub(1)),
            Action::Open | Action::ToggleRaw => self.conv.toggle_fold(),
            Action::ThumbUp => self.thumb(1, ctx),
            Action::ThumbDown => self.thumb(0, ctx),
            Action::OpenTrace => match self.conv.selected_trace() {
                Some(trace_id) => ctx.open(ScreenRequest::Trace {
                    project: self.conv.project.clone(),
                    trace_id,
                }),
                None => return Handled::No,
            },
            Action::Search => {
                self.conv.search.editing = true;
                self.mode = Mode::Search(TextInput::new(&self.conv.search.query));
            }
            Action::NextMatch => self.conv.jump_match(true),
            Action::PrevMatch => self.conv.jump_match(false),
            Action::CloseThread if self.opik_thread(ctx) => self.close_thread(ctx),
            Action::Comment if self.opik_thread(ctx) => {
                self.mode = Mode::Comment(TextInput::new(""))
            }
            Action::Tag if self.opik_thread(ctx) => self.mode = Mode::Tag(TextInput::new("")),
            Action::Score if self.opik_thread(ctx) => self.open_definitions(ctx),
            Action::AddToQueue if self.opik_thread(ctx) => self.open_queues(ctx),
            Action::CloseThread
            | Action::Comment
            | Action::Tag
            | Action::Score
            | Action::AddToQueue => {}
            Action::Copy => ctx.copy(self.conv.thread_id.clone()),
            Action::CopyUrl => {
                let Some(env) = self.env.clone() else {
                    return Handled::No;
                };
                if self.conv.thread_id.is_empty() {
                    ctx.toast_error("the conversation is not loaded yet");
                    return Handled::Yes;
                }
                let target = match &self.conv.grouping {
                    Grouping::ThreadId => share::Target::Thread(self.conv.thread_id.clone()),
                    Grouping::Metadata(k) => share::Target::Conversation {
                        key: k.clone(),
                        value: self.conv.thread_id.clone(),
                    },
                };
                let project_id = self.conv.thread.as_ref().and_then(|t| t.project_id);
                share::copy_url(&env, &self.conv.project, project_id, target, ctx);
            }
            Action::Export => {
                let md = self.conv.to_markdown();
                let path = share::export_path("opik-conversation", &self.conv.thread_id, "md");
                ctx.spawn("export", async move {
                    let r: Result<String, String> = tokio::fs::write(&path, md)
                        .await
                        .map(|_| path.display().to_string())
                        .map_err(|e| format!("{}: {e}", path.display()));
                    ConversationMsg::Export(r)
                });
            }
            Action::Back if !self.conv.search.query.is_empty() => self.conv.set_query(""),
            _ => return Handled::No,
        }
        Handled::Yes
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
                render_large(items, theme).await;
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
        match msg {
            ConversationMsg::Traces(r) => match r {
                Ok(traces) => {
                    self.conv.set_traces(&traces);
                    ctx.refreshed();
                }
                Err(e) => {
                    self.conv.loading = false;
                    self.conv.invalidate();
                    ctx.toast_error(format!("loading the conversation: {e}"));
                }
            },
            ConversationMsg::Thread(r) => match r {
                Ok(t) => self.conv.set_thread(t),
                Err(e) => ctx.toast_error(format!("loading the thread: {e}")),
            },
            ConversationMsg::Thumb(op, res) => {
                self.thumb_in_flight = None;
                match res {
                    Ok(()) => self.conv.thumb_settled(op, true),
                    Err(e) => {
                        self.conv.thumb_settled(op, false);
                        ctx.toast_error(format!("thumb not saved yet, will retry: {e}"));
                        self.retry.push(op);
                    }
                }
                self.send_next_thumb(ctx);
            }
            ConversationMsg::Defs(r) => match r {
                Ok(defs) if defs.is_empty() => {
                    ctx.toast_error("no feedback definitions: create one in Opik (or the annotation queues screen) first")
                }
                Ok(defs) => {
                    self.mode = Mode::Pick(PickList {
                        what: Pick::Definition,
                        picker: Picker::labels("Score the thread with", defs.iter().map(describe_definition).collect()),
                    });
                    self.definitions = defs;
                }
                Err(e) => ctx.toast_error(format!("loading feedback definitions: {e}")),
            },
            ConversationMsg::Queues(r) => match r {
                Ok(qs) => {
                    let qs: Vec<AnnotationQueue> = qs.into_iter().filter(|q| q.scope == "thread").collect();
                    if qs.is_empty() {
                        ctx.toast_error("no annotation queue for threads: create one with :queues first");
                    } else {
                        self.mode = Mode::Pick(PickList {
                            what: Pick::Queue,
                            picker: Picker::labels("Add the thread to queue", qs.iter().map(|q| sanitize::one_line(&q.name)).collect()),
                        });
                        self.queues = qs;
                    }
                }
                Err(e) => ctx.toast_error(format!("loading annotation queues: {e}")),
            },
            ConversationMsg::Done { key, res } => {
                match res {
                    Ok(()) => {
                        let msg = match key {
                            "close" => "thread closed".to_string(),
                            "comment" => "comment added".to_string(),
                            "tag" => "tags updated".to_string(),
                            "score" => "thread scored".to_string(),
                            _ => format!("added to {}", self.last_queue.clone().unwrap_or_default()),
                        };
                        ctx.toast_info(msg);
                        self.load_thread(ctx);
                    }
                    Err(e) => ctx.toast_error(format!("{key}: {e}")),
                }
            }
            ConversationMsg::Rendered => self.conv.invalidate(),
            ConversationMsg::Url(ready) => {
                share::url_ready(ready, ctx);
            }
            ConversationMsg::Export(r) => match r {
                Ok(path) => ctx.toast_info(format!("conversation written to {path}")),
                Err(e) => ctx.toast_error(format!("export failed: {e}")),
            },
            ConversationMsg::Origin(r) => match r {
                Ok(trace) => {
                    let keys: Vec<String> = match &self.env {
                        Some(env) => env.conversation_keys(&self.conv.project),
                        None => crate::opik::conversations::DEFAULT_KEYS
                            .iter()
                            .map(|k| k.to_string())
                            .collect(),
                    };
                    match crate::opik::conversations::conversation_of(&trace, &keys) {
                        Some((grouping, id)) => {
                            self.conv.grouping = grouping;
                            self.conv.thread_id = id;
                            self.conv.focus_trace = trace.id;
                            self.load(ctx);
                        }
                        None => {
                            // Nothing to show: say why and go back to where `C` was pressed
                            // (not an empty "0 turns" conversation).
                            self.conv.loading = false;
                            ctx.toast_error(format!(
                                "this trace has no thread_id and none of these metadata keys: {}",
                                keys.join(", ")
                            ));
                            ctx.pop();
                        }
                    }
                }
                Err(e) => {
                    self.conv.loading = false;
                    ctx.toast_error(format!("reading the trace: {e}"));
                    ctx.pop();
                }
            },
            ConversationMsg::Outbox((rx, ev)) => {
                if let Some(link) = &mut self.outbox {
                    link.events = Some(rx);
                }
                if let Some(ev) = ev {
                    self.on_outbox_event(ev, ctx);
                    self.listen(ctx);
                }
            }
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let prompt_h = u16::from(matches!(
            self.mode,
            Mode::Comment(_) | Mode::Tag(_) | Mode::Number { .. }
        ));
        let [main, prompt_area] =
            RLayout::vertical([Constraint::Min(1), Constraint::Length(prompt_h * 2)]).areas(area);
        self.conv.draw(frame, main, t);
        let pending = self.conv.pending_renders();
        if !pending.is_empty() {
            // Rendered off the UI thread at the next tick; the result only says "the cache
            // is warm".
            self.pending_render = Some((pending, t.clone()));
        }
        match &self.mode {
            Mode::Search(input) => {
                let [_, line] =
                    RLayout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(main);
                frame.render_widget(Clear, line);
                input.draw(frame, line, "/", t.text, t.accent, true);
            }
            Mode::Comment(input) => {
                frame.render_widget(
                    Span::styled("Comment on the thread (Enter saves, Esc cancels)", t.dim),
                    prompt_area,
                );
                let line = Rect {
                    y: prompt_area.y + 1,
                    height: 1,
                    ..prompt_area
                };
                input.draw(frame, line, "comment: ", t.text, t.accent, true);
            }
            Mode::Tag(input) => {
                let current = self
                    .conv
                    .thread
                    .as_ref()
                    .and_then(|th| th.tags.clone())
                    .unwrap_or_default()
                    .iter()
                    .map(|s| sanitize::one_line(s))
                    .collect::<Vec<_>>()
                    .join(", ");
                frame.render_widget(
                    Span::styled(
                        format!("Tags now: {current} — type +tag to add, -tag to remove"),
                        t.dim,
                    ),
                    prompt_area,
                );
                let line = Rect {
                    y: prompt_area.y + 1,
                    height: 1,
                    ..prompt_area
                };
                input.draw(frame, line, "tags: ", t.text, t.accent, true);
            }
            Mode::Number {
                name,
                min,
                max,
                input,
                error,
            } => {
                let msg = match error {
                    Some(e) => Span::styled(e.clone(), t.error),
                    None => Span::styled(
                        format!("{}: a number from {min} to {max}", sanitize::one_line(name)),
                        t.dim,
                    ),
                };
                frame.render_widget(msg, prompt_area);
                let line = Rect {
                    y: prompt_area.y + 1,
                    height: 1,
                    ..prompt_area
                };
                input.draw(frame, line, "value: ", t.text, t.accent, true);
            }
            Mode::Pick(p) => p.picker.draw_popup(frame, area, ctx.theme),
            Mode::Normal => {}
        }
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
            + self.outbox.as_ref().map(|l| l.ops.len()).unwrap_or(0);
        (queued > 0).then(|| format!("{queued} thumb(s) pending"))
    }
}

fn describe_definition(d: &FeedbackDefinition) -> String {
    let kind = match &d.details {
        FeedbackDetails::Numerical { min, max } => format!("numerical {min}–{max}"),
        FeedbackDetails::Categorical { categories } => {
            format!("categorical ({})", categories.len())
        }
        FeedbackDetails::Boolean { .. } => "boolean".into(),
    };
    format!("{}  · {kind}", sanitize::one_line(&d.name))
}

/// Render large markdown bodies (fills the markdown cache) in a blocking task.
pub(super) async fn render_large(items: Vec<(String, u16)>, theme: crate::theme::Theme) {
    let _ = tokio::task::spawn_blocking(move || {
        for (src, width) in items {
            markdown::render(&src, width, &theme);
        }
    })
    .await;
}
