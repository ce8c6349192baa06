//! The threads list of one project (`:threads`, `T` from traces): thread id, first and last
//! message (extracted as Opik's web UI does, [`crate::opik::messages`]), turns, duration,
//! last update, cost, tokens, status (active/inactive), thread feedback scores and tags.
//!
//! `s`/`S` sort on the server, `/` is the server's full-text search, `f` a filter string
//! ([`narrow`]: a thread filter, or a trace filter for metadata conversations), `A` adds
//! every matching row to a queue, `L` toggles live refresh
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
//!
//! `f turns: COND` (by `thread_id`): the threads with a turn (trace) matching the trace
//! filter COND in the range, found by the same scan ([`narrow`]); `A` adds them to a thread
//! queue.

mod narrow;
mod row;
mod scan;
#[cfg(test)]
mod tests;

use std::rc::Rc;

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use uuid::Uuid;

use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::client::ListQuery;
use crate::opik::conversations::{self, Grouping};
use crate::opik::error::ApiError;
use crate::opik::model::{Filter, Page, Thread, Trace};
use crate::render::sanitize;
use crate::views::conversation::ConversationScreen;
use crate::views::queues::AddToQueueScreen;
use crate::views::share::{self, Target};
use crate::widgets::list::screen::{self as list, ListScreen};
use crate::widgets::list::{ListCore, ListView, PageRequest, Prompts};

pub use narrow::{TURNS, turns_filter};
pub use row::ThreadRow;
use row::{SORTS, cell, columns, local_rows};
pub use scan::{MAX_SCAN, Scan, scan_request};
use scan::{RANGES, ScanChunk};

const PAGE: u32 = 100;
/// Largest page re-read by live refresh.
const MAX_LIVE_ROWS: usize = 500;

type PageResult = Result<(PageRequest, Page<Thread>), ApiError>;

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

pub struct ThreadsScreen {
    env: Option<Rc<AppEnv>>,
    pub project: String,
    /// The rows; marks are threads' `thread_model_id`s (what `a` adds to a queue).
    pub list: ListCore<ThreadRow>,
    pub live: bool,
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
    /// The applied filter string, parsed (its text is `list.prompts.filter`).
    filters: Vec<Filter>,
    /// The filter is a `turns:` filter: the rows are the Opik threads a scan of the matching
    /// traces finds.
    pub turns: bool,
    /// The project's id, once known (web URLs).
    project_id: Option<Uuid>,
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
        let list = ListCore::new(rows, total)
            .sorted(SORTS)
            .prompts(Prompts::search("search: ").with_filter())
            .timed()
            .paged(PAGE);
        ThreadsScreen {
            filters: Vec::new(),
            turns: false,
            env: None,
            project: project.to_string(),
            list,
            live: true,
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
        }
    }

    /// Group by `grouping` (`:threads by KEY`, `b`).
    pub fn set_grouping(&mut self, grouping: Grouping, ctx: &mut Ctx<ThreadsMsg>) {
        self.grouping = grouping;
        self.refilter(ctx);
        self.list.marks.clear();
        self.auto_keys = None;
        self.list.table.first();
        self.reload(ctx);
    }

    /// Rows from the grouped conversations: local search and sort.
    fn apply_grouped(&mut self) {
        let keep = self.list.selected().map(|r| r.id.clone());
        let field = self.list.sort.field().unwrap_or_default();
        let desc = self.list.sort.desc();
        let rows = local_rows(&self.grouped, &self.list.prompts.search, field, desc);
        // `set_all` keeps the selection in range; back on the same conversation if listed.
        self.list.set_all(rows);
        if let Some(id) = keep {
            self.list.select_where(|r| r.id == id);
        }
    }

    fn query(&self, req: PageRequest) -> ListQuery {
        ListQuery {
            project_name: Some(self.project.clone()),
            page: req.page,
            size: req.size,
            sorting: self.list.sort.sorting(),
            search: self.list.prompts.search_query(),
            filters: self.filters.clone(),
            truncate: true,
            ..ListQuery::default()
        }
    }

    fn load(&mut self, req: PageRequest, key: &'static str, ctx: &mut Ctx<ThreadsMsg>) {
        let Some(env) = &self.env else { return };
        let client = env.client.clone();
        let q = self.query(req);
        if key == "page" {
            self.list.loading = true;
        }
        ctx.spawn(key, async move {
            let res: PageResult = client.list_threads(&q).await.map(|p| (req, p));
            ThreadsMsg::Page { key, res }
        });
    }

    fn reload(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        ctx.cancel("live");
        if self.scanning() {
            self.start_scan(ctx);
        } else {
            ctx.cancel("scan");
            self.scan = None;
            let req = self.list.request_first();
            self.load(req, "page", ctx);
        }
    }

    /// Sort or search changed: the server does it for Opik threads, this screen for
    /// metadata conversations.
    fn resort(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        if self.scanning() {
            self.apply_grouped();
        } else {
            self.reload(ctx);
        }
    }

    /// A page of threads came back for `req` (see [`ListCore::place`]).
    pub fn apply_page(&mut self, req: PageRequest, p: Page<Thread>) {
        let rows = p.content.iter().map(ThreadRow::from_thread).collect();
        self.list.place(req, rows, p.total, |r| Some(r.id.clone()));
    }

    /// The selected thread's `thread_model_id`: `Some(None)` for a metadata conversation.
    fn selected_model_id(&self) -> Option<Option<Uuid>> {
        self.list.selected().map(|r| r.model_id)
    }

    /// The empty table's message.
    fn empty_text(&self) -> String {
        let list = &self.list;
        if list.loading {
            "loading…".to_string()
        } else if let Some(e) = &list.error {
            format!(
                "could not load threads: {} — r retries",
                sanitize::one_line(e)
            )
        } else if self.scan.as_ref().is_some_and(|s| !s.done) {
            "scanning traces for conversations…".into()
        } else if list.prompts.is_narrowed() {
            "no thread matches — Esc clears the search and filter".into()
        } else if let Grouping::Metadata(k) = &self.grouping {
            format!(
                "no trace in the last {} has metadata.{} — b tries the next key, ] widens the range",
                RANGES[self.range].0,
                sanitize::one_line(k)
            )
        } else {
            "no threads in this project: traces logged with a thread_id (or a conversation key in metadata: b) appear here".into()
        }
    }
}

impl ListScreen for ThreadsScreen {
    type Row = ThreadRow;
    type Msg = ThreadsMsg;

    fn list(&mut self) -> &mut ListCore<ThreadRow> {
        &mut self.list
    }

    /// Sort or search changed.
    fn requery(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        self.resort(ctx);
    }

    fn load_more(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        if !self.scanning()
            && self.env.is_some()
            && let Some(req) = self.list.request_more(30)
        {
            self.load(req, "page", ctx);
        }
    }

    fn filter_submitted(&mut self, text: String, ctx: &mut Ctx<ThreadsMsg>) {
        self.apply_filter(text, ctx);
    }

    fn filter_cleared(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        self.clear_filter();
        self.reload(ctx);
    }

    /// This screen's own keys (the list core took movement, sort, search and times).
    fn own_action(&mut self, action: Action, ctx: &mut Ctx<ThreadsMsg>) -> Handled {
        match action {
            Action::Open | Action::Right => {
                if let (Some(env), Some(r)) = (&self.env, self.list.selected()) {
                    ctx.push(Box::new(ConversationScreen::grouped(
                        env.clone(),
                        &self.project,
                        self.grouping.clone(),
                        &r.id,
                    )));
                }
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
            Action::NextTab | Action::PrevTab if self.scanning() => {
                self.range = if action == Action::NextTab {
                    (self.range + 1).min(RANGES.len() - 1)
                } else {
                    self.range.saturating_sub(1)
                };
                self.reload(ctx);
            }
            Action::LiveTail => {
                self.live = !self.live;
                ctx.toast_info(if self.live {
                    "live refresh on"
                } else {
                    "live refresh off"
                });
            }
            Action::Copy => match self.list.selected() {
                Some(r) => ctx.copy(r.id.clone()),
                None => return Handled::No,
            },
            Action::CopyUrl => match (&self.env, self.list.selected()) {
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
            Action::Mark => match self.selected_model_id() {
                Some(id) => {
                    if id.is_none() {
                        ctx.toast_error(self.not_queueable());
                    }
                    self.list.mark(id);
                }
                None => return Handled::No,
            },
            Action::AddToQueue => {
                let ids = match self.selected_model_id() {
                    _ if !self.list.marks.is_empty() => self.list.marked_or(None),
                    Some(Some(id)) => vec![id],
                    Some(None) => {
                        ctx.toast_error(self.not_queueable());
                        return Handled::Yes;
                    }
                    None => return Handled::No,
                };
                let Some(env) = &self.env else {
                    return Handled::No;
                };
                let outcome = AddToQueueScreen::open(env, "thread", &self.project, ids, ctx);
                self.list.marks_sent(outcome);
            }
            Action::AddMatchingToQueue => return self.add_matching(ctx),
            Action::Back if !self.list.marks.is_empty() => self.list.marks.clear(),
            Action::Back if !self.list.prompts.filter.is_empty() => {
                self.list.prompts.clear();
                self.filter_cleared(ctx);
            }
            Action::Back if !self.list.prompts.search.is_empty() => {
                self.list.prompts.search.clear();
                self.resort(ctx);
            }
            _ => return Handled::No,
        }
        Handled::Yes
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

    /// Back from a conversation (or the queue picker): marks go if they were added to a
    /// queue, and Opik threads read longer ago than the refresh interval are re-read in
    /// the background, the selection staying on its thread (a metadata scan is re-run
    /// only on `r`).
    fn on_resume(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        self.list.resumed();
        if let Some(env) = &self.env
            && !self.scanning()
            && self.list.is_stale(ctx.now, env.refresh)
        {
            ctx.cancel("live");
            let req = self.list.request_refresh();
            self.load(req, "page", ctx);
        }
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
        self.list.capturing_text()
    }

    fn typing_hints(&self) -> Vec<(&'static str, &'static str)> {
        self.prompt_hints()
    }

    fn help_extra(&self) -> Vec<(String, String)> {
        self.filter_help()
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<ThreadsMsg>) -> Handled {
        list::on_key(self, key, ctx)
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<ThreadsMsg>) -> Handled {
        list::on_action(self, action, ctx)
    }

    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<ThreadsMsg>) -> Handled {
        list::on_mouse(self, ev, ctx)
    }

    /// Live refresh's interval; otherwise the redraws relative times need to tick.
    fn tick_interval(&self) -> Option<std::time::Duration> {
        // A scan (metadata key, `turns:`) is not refreshed live: no wake-ups for it.
        if !self.live || self.scanning() {
            return self.list.time_tick();
        }
        Some(
            self.env
                .as_ref()
                .map(|e| e.refresh.max(std::time::Duration::from_secs(2)))
                .unwrap_or(std::time::Duration::from_secs(5)),
        )
    }

    fn on_tick(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        if self.scanning() {
            // A scan is re-run only on `r` (it can be large).
            return;
        }
        // Live refresh re-reads the top; not while the list shows rows further down (`G`).
        if self.live
            && self.list.window.first == 0
            && !ctx.in_flight("live")
            && !ctx.in_flight("page")
        {
            let size = self.list.rows.len().clamp(PAGE as usize, MAX_LIVE_ROWS) as u32;
            let top = PageRequest {
                page: 1,
                size,
                replace: false,
            };
            self.load(top, "live", ctx);
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
                        self.list.set_all(Vec::new());
                    }
                }
                return;
            }
            ThreadsMsg::Page { key, res } => (key, res),
        };
        if key == "page" {
            self.list.loading = false;
        }
        match res {
            // The server rejected the filter: reopen it in the prompt with the reason.
            Err(ApiError::Rejected { message, .. })
                if key == "page" && !self.filters.is_empty() =>
            {
                self.filters.clear();
                self.list.prompts.rejected_by_server(&message);
                self.reload(ctx);
            }
            Ok((req, p)) => {
                if key == "live" {
                    let rows = p.content.iter().map(ThreadRow::from_thread).collect();
                    self.list.reread_top(rows, p.total, |r| Some(r.id.clone()));
                } else {
                    self.apply_page(req, p);
                    let empty =
                        self.list.is_empty() && !self.list.prompts.is_narrowed() && req.page <= 1;
                    if empty && !self.auto_tried {
                        // No Opik threads here: try the conversation keys in metadata.
                        self.auto_tried = true;
                        self.auto_keys = Some(self.keys.clone());
                        self.next_auto_key(ctx);
                    }
                }
                self.list.error = None;
                self.list.loaded(ctx.now);
                ctx.refreshed();
                self.load_more(ctx);
            }
            Err(e) => {
                self.list.error = Some(e.to_string());
                if key != "live" {
                    ctx.toast_error(format!("loading threads: {e}"));
                }
            }
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let mut title = vec![
            Span::styled(
                format!(" Threads · {} ", sanitize::one_line(&self.project)),
                t.title,
            ),
            Span::styled(
                format!("by {} ", sanitize::one_line(&self.grouping.label())),
                t.accent,
            ),
        ];
        if self.scanning() {
            let range = RANGES[self.range].0;
            let key = match &self.grouping {
                Grouping::Metadata(key) => Some(key.as_str()),
                Grouping::ThreadId => None,
            };
            title.push(Span::styled(format!("last {range} "), t.dim));
            title.extend(self.scan.iter().flat_map(|s| s.spans(key, range, t)));
        } else if self.live {
            title.push(Span::styled("● live ", t.success));
        }
        title.extend(self.list.prompts.search_span(t));
        title.extend(self.list.prompts.filter_span(t));
        title.extend(self.list.marks_span(" · a: add to queue", t));
        title.extend(self.list.sort.span(t));
        let empty = self.empty_text();
        let (now, abs) = (ctx.now, self.list.absolute_time);
        self.list.draw(
            frame,
            area,
            t,
            ListView {
                title: Line::from(title),
                columns: &columns(abs),
                empty: &empty,
            },
            |r, c| cell(r, c, now, abs, t),
            |r| r.model_id,
        );
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::Open,
            Action::Search,
            Action::Filter,
            Action::CycleSort,
            Action::LiveTail,
            Action::ToggleTime,
            Action::CycleGrouping,
            Action::Mark,
            Action::AddToQueue,
            Action::AddMatchingToQueue,
            Action::Copy,
            Action::CopyUrl,
            Action::Traces,
            Action::Refresh,
        ]
    }

    fn status(&self) -> Option<String> {
        (self.live && !self.scanning()).then(|| "live".to_string())
    }
}
