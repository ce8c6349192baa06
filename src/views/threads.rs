//! The threads list of one project (`:threads`, `T` from traces): thread id, first and last
//! message (extracted as Opik's web UI does, [`crate::opik::messages`]), turns, duration,
//! last update, cost, tokens, status (active/inactive), thread feedback scores and tags.
//!
//! `s`/`S` sort on the server, `/` is the server's full-text search, `L` toggles live refresh
//! (on by default: the loaded rows are re-read every refresh interval and the selection
//! stays on its thread), pages load as you scroll, `Enter` opens the conversation view.
//!
//! Conversations by any key (issue 13): `b` cycles the grouping from Opik's `thread_id` to
//! each conversation key in metadata ([`conversations::DEFAULT_KEYS`] or the settings'
//! list). For a metadata key the screen scans the traces that carry it (server-side filter
//! `metadata.KEY is_not_empty` over the time range, `[`/`]` = 1h, 24h, 7d, 30d), streamed
//! through the search endpoint in chunks with a progress count, grouped in a background task
//! as chunks arrive ([`conversations::group`]); it says when the scan hit its limit. A
//! project with no Opik threads tries the keys in order by itself.

use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::client::{ListQuery, SearchStream};
use crate::opik::conversations::{self, Grouping};
use crate::opik::error::ApiError;
use crate::opik::messages::{self, Kind};
use crate::opik::model::{Filter, Page, Sorting, Thread, Trace, TraceSearchRequest};
use crate::render::{format, sanitize};
use crate::theme::Theme;
use crate::views::conversation::ConversationScreen;
use crate::views::share::{self, Target};
use crate::widgets::input::{InputEvent, TextInput};
use crate::widgets::table::{self, Column, TableState, TableView};

const PAGE: u32 = 100;
/// Largest page re-read by live refresh.
const MAX_LIVE_ROWS: usize = 500;
const PREVIEW_CHARS: usize = 160;
/// Said when `space`/`a` hits a conversation grouped by a metadata key.
const NOT_QUEUEABLE: &str = "only Opik threads (grouped by thread_id) can be added to an annotation queue: press b to group by thread_id";

/// One row, sanitised once when it enters the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadRow {
    pub id: String,
    pub first: String,
    pub last: String,
    pub turns: Option<i64>,
    pub duration_ms: Option<f64>,
    pub updated: Option<DateTime<Utc>>,
    pub cost: Option<f64>,
    pub tokens: Option<i64>,
    pub active: bool,
    pub status: String,
    pub scores: String,
    pub first_score: Option<f64>,
    pub tags: String,
    /// The server's `thread_model_id` (what annotation queues hold); `None` for
    /// conversations grouped by a metadata key.
    pub model_id: Option<uuid::Uuid>,
}

fn clip(s: String) -> String {
    if s.chars().count() > PREVIEW_CHARS {
        let mut t: String = s.chars().take(PREVIEW_CHARS - 1).collect();
        t.push('…');
        t
    } else {
        s
    }
}

fn score_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

impl ThreadRow {
    pub fn from_thread(t: &Thread) -> ThreadRow {
        let scores = t.feedback_scores.as_deref().unwrap_or_default();
        let status = t.status.clone().unwrap_or_default();
        ThreadRow {
            // Raw: it is sent back to the server (retrieve, search); cells sanitise it.
            id: t.id.clone(),
            first: clip(messages::preview(t.first_message.as_ref(), Kind::Input)),
            last: clip(messages::preview(t.last_message.as_ref(), Kind::Output)),
            turns: t.number_of_messages.map(|n| {
                // Opik counts messages (input + output per trace); a turn is one trace.
                n.saturating_add(1) / 2
            }),
            duration_ms: t.duration.or_else(|| match (t.start_time, t.end_time) {
                (Some(s), Some(e)) => Some((e - s).num_milliseconds() as f64),
                _ => None,
            }),
            updated: t.last_updated_at.or(t.end_time),
            cost: t.total_estimated_cost,
            tokens: t
                .usage
                .as_ref()
                .and_then(|u| u.get("total_tokens").copied()),
            active: status == "active",
            status: sanitize::one_line(&status),
            scores: scores
                .iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        sanitize::one_line(&s.name),
                        s.value.map(score_value).unwrap_or_else(|| "–".into())
                    )
                })
                .collect::<Vec<_>>()
                .join(" · "),
            first_score: scores.first().and_then(|s| s.value),
            tags: t
                .tags
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|t| sanitize::one_line(t))
                .collect::<Vec<_>>()
                .join(","),
            model_id: t.thread_model_id,
        }
    }
}

/// Sorts `s` cycles through: (label, field, descending).
const SORTS: &[(&str, &str, bool)] = &[
    ("updated", "last_updated_at", true),
    ("turns", "number_of_messages", true),
    ("duration", "duration", true),
    ("cost", "total_estimated_cost", true),
    ("started", "start_time", true),
    ("id", "id", false),
];

type PageResult = Result<(u32, Page<Thread>), ApiError>;

/// Most traces one metadata scan reads.
pub const MAX_SCAN: usize = 20_000;
const SCAN_CHUNK: usize = 1_000;
/// Time ranges `[`/`]` step through: (label, hours).
const RANGES: &[(&str, i64)] = &[("1h", 1), ("24h", 24), ("7d", 24 * 7), ("30d", 24 * 30)];

/// A chunk of a metadata scan: the stream (to continue), the traces read, whether it ended.
type ScanChunk = (SearchStream<Trace>, Vec<Trace>, Option<String>, bool);

/// What the threads screen's tasks return.
pub enum ThreadsMsg {
    /// A page of Opik threads for task `key` (`page`, or `live`: a re-read of the top).
    Page { key: &'static str, res: PageResult },
    /// A chunk of the trace scan behind metadata grouping.
    Scan(ScanChunk),
    /// The scanned traces grouped into conversations.
    Grouped(Vec<Thread>),
    /// `Y`: the web URL was built.
    Url(share::UrlReady),
}

impl From<share::UrlReady> for ThreadsMsg {
    fn from(r: share::UrlReady) -> Self {
        ThreadsMsg::Url(r)
    }
}

/// Progress of a metadata scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    pub read: usize,
    pub done: bool,
    pub limited: bool,
    pub error: Option<String>,
}
pub struct ThreadsScreen {
    env: Option<Rc<AppEnv>>,
    pub project: String,
    pub rows: Vec<ThreadRow>,
    pub total: Option<i64>,
    pub state: TableState,
    sort: usize,
    reverse: bool,
    pub live: bool,
    pub absolute_time: bool,
    input: Option<TextInput>,
    pub search: String,
    loaded_pages: u32,
    loading: bool,
    pub error: Option<String>,
    /// What identifies a conversation.
    pub grouping: Grouping,
    /// Metadata conversation keys `b` cycles through.
    pub keys: Vec<String>,
    /// Index into [`RANGES`].
    pub range: usize,
    /// Traces read by the current metadata scan.
    scanned: Vec<Trace>,
    pub scan: Option<Scan>,
    /// Keys still to try when auto-detecting (project without Opik threads).
    auto_keys: Option<Vec<String>>,
    /// All metadata conversations (rows are these, searched and sorted locally).
    grouped: Vec<Thread>,
    /// Auto-detection already ran (once per screen).
    auto_tried: bool,
    /// The project's id, once known (web URLs).
    project_id: Option<uuid::Uuid>,
    /// Marked threads (`space`), by `thread_model_id`, for `a` (add to a queue).
    pub marked: BTreeSet<uuid::Uuid>,
}

impl ThreadsScreen {
    pub fn new(env: Rc<AppEnv>, project: &str) -> ThreadsScreen {
        ThreadsScreen {
            keys: env.conversation_keys(project),
            env: Some(env),
            ..ThreadsScreen::with_rows(project, Vec::new(), None)
        }
    }

    /// Start grouped by `grouping` (`:threads by KEY`), without auto-detection.
    pub fn grouped_by(mut self, grouping: Grouping) -> ThreadsScreen {
        self.grouping = grouping;
        self.auto_tried = true;
        self
    }

    /// A screen showing `rows` without a server (snapshots).
    pub fn with_rows(project: &str, rows: Vec<ThreadRow>, total: Option<i64>) -> ThreadsScreen {
        ThreadsScreen {
            env: None,
            project: project.to_string(),
            rows,
            total,
            state: TableState::default(),
            sort: 0,
            reverse: false,
            live: true,
            absolute_time: false,
            input: None,
            search: String::new(),
            loaded_pages: 1,
            loading: false,
            error: None,
            grouping: Grouping::ThreadId,
            keys: conversations::DEFAULT_KEYS
                .iter()
                .map(|k| k.to_string())
                .collect(),
            range: 2,
            scanned: Vec::new(),
            scan: None,
            auto_keys: None,
            grouped: Vec::new(),
            auto_tried: false,
            project_id: None,
            marked: BTreeSet::new(),
        }
    }

    /// Group by `grouping` (`:threads by KEY`, `b`).
    pub fn set_grouping(&mut self, grouping: Grouping, ctx: &mut Ctx<ThreadsMsg>) {
        self.grouping = grouping;
        self.marked.clear();
        self.auto_keys = None;
        self.state.first();
        self.reload(ctx);
    }

    fn start_scan(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        let Grouping::Metadata(key) = self.grouping.clone() else {
            return;
        };
        ctx.cancel("page");
        ctx.cancel("live");
        self.scanned.clear();
        self.grouped.clear();
        self.rows.clear();
        self.total = None;
        self.scan = Some(Scan::default());
        let Some(env) = &self.env else { return };
        let client = env.client.clone();
        let hours = RANGES[self.range].1;
        let req = TraceSearchRequest {
            project_name: Some(self.project.clone()),
            filters: Some(vec![Filter::keyed("metadata", &key, "is_not_empty", "")]),
            truncate: Some(true),
            from_time: Some(Utc::now() - chrono::Duration::hours(hours)),
            ..TraceSearchRequest::default()
        };
        ctx.spawn("scan", async move {
            let stream = client.search_traces_stream(req, Some(MAX_SCAN));
            ThreadsMsg::Scan(read_chunk(stream).await)
        });
    }

    fn continue_scan(&mut self, stream: SearchStream<Trace>, ctx: &mut Ctx<ThreadsMsg>) {
        ctx.spawn(
            "scan",
            async move { ThreadsMsg::Scan(read_chunk(stream).await) },
        );
    }

    /// Regroup everything scanned so far, off the UI thread.
    fn regroup(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        let traces = self.scanned.clone();
        let g = self.grouping.clone();
        ctx.spawn("group", async move {
            let r: Vec<Thread> =
                tokio::task::spawn_blocking(move || conversations::group(&traces, &g))
                    .await
                    .unwrap_or_default();
            ThreadsMsg::Grouped(r)
        });
    }

    /// Rows from the grouped conversations: local search and sort.
    fn apply_grouped(&mut self) {
        let keep = self.selected().map(|r| r.id.clone());
        let q = self.search.to_lowercase();
        let mut rows: Vec<(ThreadRow, &Thread)> = self
            .grouped
            .iter()
            .map(|t| (ThreadRow::from_thread(t), t))
            .filter(|(r, _)| {
                q.is_empty()
                    || r.id.to_lowercase().contains(&q)
                    || r.first.to_lowercase().contains(&q)
                    || r.last.to_lowercase().contains(&q)
            })
            .collect();
        let (_, field, desc) = SORTS[self.sort];
        let desc = desc ^ self.reverse;
        rows.sort_by(|(a, ta), (b, tb)| {
            let o = match field {
                "number_of_messages" => a.turns.cmp(&b.turns),
                "duration" => a
                    .duration_ms
                    .unwrap_or(0.0)
                    .total_cmp(&b.duration_ms.unwrap_or(0.0)),
                "total_estimated_cost" => a.cost.unwrap_or(0.0).total_cmp(&b.cost.unwrap_or(0.0)),
                "start_time" => ta.start_time.cmp(&tb.start_time),
                "id" => a.id.cmp(&b.id),
                _ => a.updated.cmp(&b.updated),
            };
            if desc { o.reverse() } else { o }
        });
        self.rows = rows.into_iter().map(|(r, _)| r).collect();
        self.total = Some(self.rows.len() as i64);
        self.state.select(
            keep.and_then(|id| self.rows.iter().position(|r| r.id == id))
                .unwrap_or(self.state.selected),
            self.rows.len(),
        );
    }

    /// Auto-detection: scan with the next untried key. False (and detection over) when none
    /// is left.
    fn next_auto_key(&mut self, ctx: &mut Ctx<ThreadsMsg>) -> bool {
        let Some(keys) = &mut self.auto_keys else {
            return false;
        };
        if keys.is_empty() {
            self.auto_keys = None;
            return false;
        }
        let k = keys.remove(0);
        self.grouping = Grouping::Metadata(k);
        self.start_scan(ctx);
        true
    }

    /// The list's columns; "Updated" is wider when shown as an absolute date (`t`).
    fn columns(absolute_time: bool) -> Vec<Column> {
        vec![
            Column::flex("Thread", 2, 16),
            Column::flex("First message", 3, 12).optional(6),
            Column::flex("Last message", 3, 12).optional(5),
            Column::fixed("Turns", 5).right(),
            Column::fixed("Duration", 8).right().optional(2),
            Column::fixed("Updated", if absolute_time { 19 } else { 10 }),
            Column::fixed("Cost", 8).right().optional(3),
            Column::fixed("Tokens", 6).right().optional(1),
            Column::fixed("Status", 8),
            Column::flex("Scores", 2, 10).optional(4),
            Column::fixed("Tags", 10).optional(1),
        ]
    }

    fn query(&self, page: u32, size: u32) -> ListQuery {
        let (_, field, desc) = SORTS[self.sort];
        let desc = desc ^ self.reverse;
        ListQuery {
            project_name: Some(self.project.clone()),
            page,
            size,
            sorting: vec![Sorting {
                field: field.into(),
                direction: if desc { "DESC" } else { "ASC" }.into(),
            }],
            search: (!self.search.is_empty()).then(|| self.search.clone()),
            truncate: true,
            ..ListQuery::default()
        }
    }

    fn load(&mut self, page: u32, size: u32, key: &'static str, ctx: &mut Ctx<ThreadsMsg>) {
        let Some(env) = &self.env else { return };
        let client = env.client.clone();
        let q = self.query(page, size);
        if key == "page" {
            self.loading = true;
        }
        ctx.spawn(key, async move {
            let res: PageResult = client.list_threads(&q).await.map(|p| (page, p));
            ThreadsMsg::Page { key, res }
        });
    }

    fn reload(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        ctx.cancel("live");
        match self.grouping {
            Grouping::ThreadId => {
                ctx.cancel("scan");
                self.scan = None;
                self.load(1, PAGE, "page", ctx);
            }
            Grouping::Metadata(_) => self.start_scan(ctx),
        }
    }

    fn maybe_load_more(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        if self.grouping != Grouping::ThreadId {
            return;
        }
        let more = self.total.is_some_and(|t| (self.rows.len() as i64) < t);
        if more && !self.loading && self.state.selected + 30 >= self.rows.len() {
            let next = (self.rows.len() as u32) / PAGE + 1;
            self.load(next, PAGE, "page", ctx);
        }
    }

    /// Sort or search changed: the server does it for Opik threads, this screen for
    /// metadata conversations.
    fn resort(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        match self.grouping {
            Grouping::ThreadId => self.reload(ctx),
            Grouping::Metadata(_) => self.apply_grouped(),
        }
    }

    fn selected(&self) -> Option<&ThreadRow> {
        self.rows.get(self.state.selected)
    }

    /// Replace rows from `page` on (page 1 replaces everything), keeping the selection on
    /// the same thread.
    pub fn apply_page(&mut self, page: u32, size: u32, p: Page<Thread>) {
        let rows: Vec<ThreadRow> = p.content.iter().map(ThreadRow::from_thread).collect();
        let keep = self.selected().map(|r| r.id.clone());
        if page <= 1 {
            self.rows = rows;
        } else {
            let start = ((page - 1) * size) as usize;
            self.rows.truncate(start.min(self.rows.len()));
            let seen: HashSet<String> = self.rows.iter().map(|r| r.id.clone()).collect();
            self.rows
                .extend(rows.into_iter().filter(|r| !seen.contains(&r.id)));
        }
        self.state.select(
            keep.and_then(|id| self.rows.iter().position(|r| r.id == id))
                .unwrap_or(self.state.selected),
            self.rows.len(),
        );
        self.loaded_pages = page.max(self.loaded_pages);
        self.total = p.total;
    }

    fn time(&self, t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
        match t {
            None => "–".into(),
            Some(t) if self.absolute_time => format::absolute(t),
            Some(t) => format::relative(t, now),
        }
    }

    fn cell(&self, r: &ThreadRow, c: usize, now: DateTime<Utc>, t: &Theme) -> (String, Style) {
        let dash = || "–".to_string();
        match c {
            0 => (sanitize::one_line(&r.id), t.accent),
            1 => (r.first.clone(), t.text),
            2 => (r.last.clone(), t.text),
            3 => (r.turns.map(|n| n.to_string()).unwrap_or_else(dash), t.text),
            4 => (
                r.duration_ms.map(format::duration_ms).unwrap_or_else(dash),
                t.text,
            ),
            5 => (self.time(r.updated, now), t.dim),
            6 => (r.cost.map(format::cost).unwrap_or_else(dash), t.text),
            7 => (
                r.tokens
                    .map(|n| format::tokens(n as f64))
                    .unwrap_or_else(dash),
                t.text,
            ),
            8 => (
                if r.active {
                    "● active".into()
                } else {
                    r.status.clone()
                },
                if r.active { t.success } else { t.dim },
            ),
            9 => (
                r.scores.clone(),
                r.first_score.map(|v| t.score(v, 0.0, 1.0)).unwrap_or(t.dim),
            ),
            _ => (r.tags.clone(), t.info),
        }
    }
}

impl Screen for ThreadsScreen {
    type Msg = ThreadsMsg;

    fn title(&self) -> String {
        format!("Threads · {}", sanitize::one_line(&self.project))
    }

    fn context(&self) -> KeyContext {
        KeyContext::Threads
    }

    fn on_open(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        ctx.set_project(self.project.clone());
        self.reload(ctx);
    }

    fn refresh(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        self.reload(ctx);
    }

    fn take_request(&mut self, req: &ScreenRequest, ctx: &mut Ctx<ThreadsMsg>) -> bool {
        let ScreenRequest::ThreadsBy { project, by } = req else {
            return false;
        };
        if *project != self.project {
            return false;
        }
        match Grouping::parse(by) {
            Some(g) => {
                self.auto_tried = true;
                self.set_grouping(g, ctx);
            }
            None => ctx.toast_error(format!(
                "cannot group threads by `{by}`: give thread_id or a metadata key"
            )),
        }
        true
    }

    fn capturing_text(&self) -> bool {
        self.input.is_some()
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<ThreadsMsg>) -> Handled {
        let Some(input) = self.input.as_mut() else {
            return Handled::No;
        };
        match input.handle_key(key) {
            InputEvent::Submit => {
                self.search = input.value().trim().to_string();
                self.input = None;
                self.state.first();
                self.resort(ctx);
            }
            InputEvent::Cancel => {
                self.input = None;
                if !self.search.is_empty() {
                    self.search.clear();
                    self.resort(ctx);
                }
            }
            _ => {}
        }
        Handled::Yes
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<ThreadsMsg>) -> Handled {
        let len = self.rows.len();
        match action {
            Action::Down => self.state.down(1, len),
            Action::Up => self.state.up(1),
            Action::PageDown => self.state.page_down(len),
            Action::PageUp => self.state.page_up(),
            Action::First => self.state.first(),
            Action::Last => self.state.last(len),
            Action::Open | Action::Right => {
                if let (Some(env), Some(r)) = (&self.env, self.selected()) {
                    ctx.push(Box::new(ConversationScreen::grouped(
                        env.clone(),
                        &self.project,
                        self.grouping.clone(),
                        &r.id,
                    )));
                }
            }
            Action::Search => self.input = Some(TextInput::new(&self.search)),
            Action::CycleSort => {
                self.sort = (self.sort + 1) % SORTS.len();
                self.reverse = false;
                self.resort(ctx);
            }
            Action::ReverseSort => {
                self.reverse = !self.reverse;
                self.resort(ctx);
            }
            Action::CycleGrouping => {
                let cycle = Grouping::cycle(&self.keys);
                let i = cycle
                    .iter()
                    .position(|g| *g == self.grouping)
                    .map(|i| i + 1)
                    .unwrap_or(0);
                self.set_grouping(cycle[i % cycle.len()].clone(), ctx);
            }
            Action::NextTab | Action::PrevTab if self.grouping != Grouping::ThreadId => {
                self.range = if action == Action::NextTab {
                    (self.range + 1).min(RANGES.len() - 1)
                } else {
                    self.range.saturating_sub(1)
                };
                self.reload(ctx);
            }
            Action::ToggleTime => self.absolute_time = !self.absolute_time,
            Action::LiveTail => {
                self.live = !self.live;
                ctx.toast_info(if self.live {
                    "live refresh on"
                } else {
                    "live refresh off"
                });
            }
            Action::Copy => match self.selected() {
                Some(r) => ctx.copy(r.id.clone()),
                None => return Handled::No,
            },
            Action::CopyUrl => match (&self.env, self.selected()) {
                (Some(env), Some(r)) => {
                    let target = match &self.grouping {
                        Grouping::ThreadId => Target::Thread(r.id.clone()),
                        Grouping::Metadata(k) => Target::Conversation {
                            key: k.clone(),
                            value: r.id.clone(),
                        },
                    };
                    share::copy_url(env, &self.project, self.project_id, target, ctx);
                }
                _ => return Handled::No,
            },
            Action::Traces => ctx.open(ScreenRequest::Traces {
                project: self.project.clone(),
            }),
            // Annotation queues (issue 12): mark threads, add them (or the selected one).
            Action::Mark => {
                match self.selected().map(|r| r.model_id) {
                    Some(Some(id)) => {
                        if !self.marked.remove(&id) {
                            self.marked.insert(id);
                        }
                    }
                    Some(None) => ctx.toast_error(NOT_QUEUEABLE),
                    None => return Handled::No,
                }
                self.state.down(1, len);
            }
            Action::AddToQueue => {
                let mut ids: Vec<uuid::Uuid> = self.marked.iter().copied().collect();
                if ids.is_empty() {
                    match self.selected().map(|r| r.model_id) {
                        Some(Some(id)) => ids.push(id),
                        Some(None) => {
                            ctx.toast_error(NOT_QUEUEABLE);
                            return Handled::Yes;
                        }
                        None => return Handled::No,
                    }
                }
                let Some(env) = &self.env else {
                    return Handled::No;
                };
                ctx.push(Box::new(crate::views::queues::AddToQueueScreen::new(
                    env.client.clone(),
                    "thread",
                    Some(self.project.clone()),
                    ids,
                )));
            }
            Action::Back if !self.marked.is_empty() => self.marked.clear(),
            Action::Back if !self.search.is_empty() => {
                self.search.clear();
                self.resort(ctx);
            }
            _ => return Handled::No,
        }
        self.maybe_load_more(ctx);
        Handled::Yes
    }

    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<ThreadsMsg>) -> Handled {
        match super::list_mouse(&mut self.state, self.rows.len(), ev) {
            super::ListMouse::Run(a) => self.handle_action(a, ctx),
            super::ListMouse::Done(h) => h,
        }
    }

    fn tick_interval(&self) -> Option<std::time::Duration> {
        self.live.then(|| {
            self.env
                .as_ref()
                .map(|e| e.refresh.max(std::time::Duration::from_secs(2)))
                .unwrap_or(std::time::Duration::from_secs(5))
        })
    }

    fn on_tick(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        if self.grouping != Grouping::ThreadId {
            // A metadata scan is re-run only on `r` (it can be large).
            return;
        }
        if self.live && !ctx.in_flight("live") && !ctx.in_flight("page") {
            let size = self.rows.len().clamp(PAGE as usize, MAX_LIVE_ROWS) as u32;
            self.load(1, size, "live", ctx);
        }
    }

    fn on_msg(&mut self, msg: ThreadsMsg, ctx: &mut Ctx<ThreadsMsg>) {
        let (key, res) = match msg {
            ThreadsMsg::Url(ready) => {
                if let Some(id) = share::url_ready(ready, ctx) {
                    self.project_id = Some(id);
                }
                return;
            }
            ThreadsMsg::Scan((stream, traces, error, done)) => {
                self.scanned.extend(traces);
                let scan = self.scan.get_or_insert_with(Scan::default);
                scan.read = self.scanned.len();
                scan.error = error;
                scan.done = done;
                scan.limited = done && self.scanned.len() >= MAX_SCAN;
                if !done {
                    self.continue_scan(stream, ctx);
                }
                self.regroup(ctx);
                ctx.refreshed();
                return;
            }
            ThreadsMsg::Grouped(g) => {
                self.grouped = g;
                self.apply_grouped();
                let done = self.scan.as_ref().is_some_and(|s| s.done);
                if done && self.auto_keys.is_some() {
                    if !self.grouped.is_empty() {
                        // Auto-detection found conversations under this key.
                        self.auto_keys = None;
                    } else if !self.next_auto_key(ctx) {
                        // No key has any: back to Opik threads (empty).
                        self.grouping = Grouping::ThreadId;
                        self.scan = None;
                        self.rows.clear();
                        self.total = Some(0);
                    }
                }
                return;
            }
            ThreadsMsg::Page { key, res } => (key, res),
        };
        if key == "page" {
            self.loading = false;
        }
        match res {
            Ok((page, p)) => {
                let size = if key == "live" {
                    p.content.len().max(1) as u32
                } else {
                    PAGE
                };
                if key == "live" {
                    // Re-read of the top: keep rows loaded beyond it.
                    let fresh = p.content.len();
                    let rows: Vec<ThreadRow> =
                        p.content.iter().map(ThreadRow::from_thread).collect();
                    let ids: HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
                    let keep = self.selected().map(|r| r.id.clone());
                    let tail: Vec<ThreadRow> = if fresh < self.rows.len() {
                        self.rows[fresh..]
                            .iter()
                            .filter(|r| !ids.contains(&r.id))
                            .cloned()
                            .collect()
                    } else {
                        Vec::new()
                    };
                    self.rows = rows;
                    self.rows.extend(tail);
                    self.total = p.total;
                    self.state.select(
                        keep.and_then(|id| self.rows.iter().position(|r| r.id == id))
                            .unwrap_or(self.state.selected),
                        self.rows.len(),
                    );
                } else {
                    self.apply_page(page, size, p);
                    let empty = self.rows.is_empty() && self.search.is_empty() && page <= 1;
                    if empty && !self.auto_tried {
                        // No Opik threads here: try the conversation keys in metadata.
                        self.auto_tried = true;
                        self.auto_keys = Some(self.keys.clone());
                        self.next_auto_key(ctx);
                    }
                }
                self.error = None;
                ctx.refreshed();
                self.maybe_load_more(ctx);
            }
            Err(e) => {
                self.error = Some(e.to_string());
                if key != "live" {
                    ctx.toast_error(format!("loading threads: {e}"));
                }
            }
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let [table_area, input_area] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(u16::from(self.input.is_some())),
        ])
        .areas(area);
        let mut title = vec![Span::styled(
            format!(" Threads · {} ", sanitize::one_line(&self.project)),
            t.title,
        )];
        title.push(Span::styled(
            format!("by {} ", sanitize::one_line(&self.grouping.label())),
            t.accent,
        ));
        if self.grouping == Grouping::ThreadId {
            if self.live {
                title.push(Span::styled("● live ", t.success));
            }
        } else {
            title.push(Span::styled(
                format!("last {} ", RANGES[self.range].0),
                t.dim,
            ));
            if let Some(scan) = &self.scan {
                let (txt, st) = if scan.limited {
                    (
                        format!(
                            "scan stopped at {} traces: narrow the range with [ ",
                            format::thousands(scan.read as i64)
                        ),
                        t.warning,
                    )
                } else if scan.done {
                    (
                        format!("{} traces scanned ", format::thousands(scan.read as i64)),
                        t.dim,
                    )
                } else {
                    (
                        format!("scanning… {} traces ", format::thousands(scan.read as i64)),
                        t.info,
                    )
                };
                title.push(Span::styled(txt, st));
                if let Some(e) = &scan.error {
                    title.push(Span::styled(
                        format!("error: {} ", sanitize::one_line(e)),
                        t.error,
                    ));
                }
            }
        }
        if !self.search.is_empty() {
            title.push(Span::styled(
                format!("/{} ", sanitize::one_line(&self.search)),
                t.accent,
            ));
        }
        if !self.marked.is_empty() {
            title.push(Span::styled(
                format!("{} marked · a: add to queue ", self.marked.len()),
                t.marked,
            ));
        }
        let (sort_label, _, _) = SORTS[self.sort];
        title.push(Span::styled(format!("sort: {sort_label} "), t.dim));
        let cols = Self::columns(self.absolute_time);
        let sort_col = match self.sort {
            0 => 5,
            1 => 3,
            2 => 4,
            3 => 6,
            4 => 5,
            _ => 0,
        };
        let empty = if self.loading {
            "loading…".to_string()
        } else if let Some(e) = &self.error {
            format!(
                "could not load threads: {} — r retries",
                sanitize::one_line(e)
            )
        } else if !self.search.is_empty() {
            "no thread matches — Esc clears the search".into()
        } else if self.scan.as_ref().is_some_and(|s| !s.done) {
            "scanning traces for conversations…".into()
        } else if let Grouping::Metadata(k) = &self.grouping {
            format!(
                "no trace in the last {} has metadata.{} — b tries the next key, ] widens the range",
                RANGES[self.range].0,
                sanitize::one_line(k)
            )
        } else {
            "no threads in this project: traces logged with a thread_id (or a conversation key in metadata: b) appear here".into()
        };
        let (_, _, desc) = SORTS[self.sort];
        let view = TableView {
            title: Line::from(title),
            columns: &cols,
            len: self.rows.len(),
            total: self.total,
            sort: Some((sort_col, desc ^ self.reverse)),
            focused: self.input.is_none(),
            empty: &empty,
        };
        let now = ctx.now;
        let rows = &self.rows;
        let marked = &self.marked;
        let this = &*self;
        let mut state = self.state.clone();
        table::render(
            frame,
            table_area,
            &view,
            &mut state,
            t,
            |i, c| this.cell(&rows[i], c, now, t),
            |i| rows[i].model_id.is_some_and(|id| marked.contains(&id)),
        );
        self.state = state;
        if let Some(input) = &self.input {
            input.draw(frame, input_area, "search: ", t.text, t.accent, true);
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::Open,
            Action::Search,
            Action::CycleSort,
            Action::LiveTail,
            Action::ToggleTime,
            Action::CycleGrouping,
            Action::Mark,
            Action::AddToQueue,
            Action::Copy,
            Action::CopyUrl,
            Action::Traces,
            Action::Refresh,
        ]
    }

    fn status(&self) -> Option<String> {
        self.live.then(|| "live".to_string())
    }
}

/// Read up to [`SCAN_CHUNK`] traces from a scan stream.
async fn read_chunk(mut stream: SearchStream<Trace>) -> ScanChunk {
    use futures::StreamExt;
    let mut out = Vec::new();
    while out.len() < SCAN_CHUNK {
        match stream.next().await {
            Some(Ok(t)) => out.push(t),
            Some(Err(e)) => return (stream, out, Some(e.to_string()), true),
            None => return (stream, out, None, true),
        }
    }
    (stream, out, None, false)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::app::testing::{buffer_text, render_screen};
    use crate::opik::model::FeedbackScore;

    fn thread(id: &str, n: i64, active: bool) -> Thread {
        Thread {
            id: id.into(),
            first_message: Some(
                json!({"messages": [{"role": "user", "content": format!("Hello from {id}")}]}),
            ),
            last_message: Some(json!({"answer": "Sure, here is **the** answer", "sources": []})),
            number_of_messages: Some(n * 2),
            duration: Some(1234.0),
            start_time: Utc.with_ymd_and_hms(2026, 11, 22, 11, 0, 0).single(),
            last_updated_at: Utc.with_ymd_and_hms(2026, 11, 22, 11, 58, 0).single(),
            total_estimated_cost: Some(0.0042),
            usage: Some([("total_tokens".to_string(), 1500)].into_iter().collect()),
            status: Some(if active { "active" } else { "inactive" }.into()),
            feedback_scores: Some(vec![FeedbackScore {
                name: "helpful".into(),
                value: Some(1.0),
                ..Default::default()
            }]),
            tags: Some(vec!["prod".into()]),
            ..Default::default()
        }
    }

    #[test]
    fn rows_extract_messages_like_the_web_ui() {
        let r = ThreadRow::from_thread(&thread("t-1", 3, true));
        assert_eq!(r.first, "Hello from t-1");
        assert_eq!(r.last, "Sure, here is **the** answer");
        assert_eq!(r.turns, Some(3));
        assert!(r.active);
        assert_eq!(r.scores, "helpful 1");
    }

    #[test]
    fn space_marks_threads_and_a_offers_their_model_ids_to_a_queue() {
        use crate::app::testing::{fixed_now, no_opener, render_app, test_app};
        use crossterm::event::{KeyCode, KeyModifiers};
        let client = crate::opik::client::OpikClient::new(
            &crate::config::Connection::new("http://127.0.0.1:9/api").expect("url"),
        )
        .expect("client");
        let env = Rc::new(AppEnv::new(client, "http://127.0.0.1:9/api", "default"));
        let mut s = ThreadsScreen::new(env, "demo");
        let threads: Vec<Thread> = (1..=3u128)
            .map(|n| Thread {
                thread_model_id: Some(uuid::Uuid::from_u128(n)),
                ..thread(&format!("chat-{n}"), 2, n == 1)
            })
            .collect();
        s.apply_page(
            1,
            PAGE,
            Page {
                total: Some(3),
                content: threads,
                ..Default::default()
            },
        );
        assert_eq!(s.rows[1].model_id, Some(uuid::Uuid::from_u128(2)));
        let mut app = test_app(no_opener());
        let now = fixed_now();
        app.push(Box::new(s), now);
        let key = |c: char| crossterm::event::KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        // Mark the 1st and 3rd thread (space moves down; j skips the 2nd).
        app.handle_key(key(' '), now);
        app.handle_key(key('j'), now);
        app.handle_key(key(' '), now);
        let text = buffer_text(&render_app(&mut app, 120, 12));
        assert!(text.contains("2 marked"), "{text}");
        app.handle_key(key('a'), now);
        assert_eq!(app.top_title().as_deref(), Some("Add 2 item(s) to a queue"));
        // Esc on the picker goes back; Esc on the list clears the marks.
        app.handle_key(
            crossterm::event::KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
            now,
        );
        app.handle_key(
            crossterm::event::KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
            now,
        );
        let text = buffer_text(&render_app(&mut app, 120, 12));
        assert!(!text.contains("marked"), "{text}");
        // Without marks, `a` queues the selected thread alone.
        app.handle_key(key('a'), now);
        assert_eq!(app.top_title().as_deref(), Some("Add 1 item(s) to a queue"));
    }

    #[test]
    fn snapshot_threads_list() {
        let rows = vec![
            ThreadRow::from_thread(&thread("support-chat-001", 3, true)),
            ThreadRow::from_thread(&thread("support-chat-002", 1, false)),
        ];
        let mut s = ThreadsScreen::with_rows("demo", rows, Some(2));
        let theme = Theme::dark();
        insta::assert_snapshot!(
            "threads_80x24",
            buffer_text(&render_screen(&mut s, 80, 24, &theme))
        );
        insta::assert_snapshot!(
            "threads_160x45",
            buffer_text(&render_screen(&mut s, 160, 45, &theme))
        );
    }
}
