//! The traces table of one project: start time (relative, `t` toggles absolute), name,
//! one-line input/output previews, duration, tokens, cost, compact feedback scores, tags and
//! an error mark. Pages load as you scroll (`1–50 of 12,345`); `/` is a server-side search,
//! `f` an Opik filter string (`name = "x" and duration > 2`), `s`/`S` sort, `L` live tail
//! (new traces appear on top, the selection stays on its trace), `y` copies the id, `space`
//! marks rows (`a` adds them to a queue, `A` every trace matching the filter and search),
//! `Enter` opens the trace.

use std::rc::Rc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use uuid::Uuid;

use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::client::ListQuery;
use crate::opik::error::ApiError;
use crate::opik::filter_string::{self, Entity};
use crate::opik::messages::{self, Kind};
use crate::opik::model::{Filter, Page, Trace};
use crate::render::{format, sanitize};
use crate::theme::Theme;
use crate::views::queues::{AddToQueueScreen, Matching};
use crate::widgets::list::cells::{clip, compact_scores, dash, tags, time};
use crate::widgets::list::screen::{self as list, ListScreen};
use crate::widgets::list::{ListCore, ListView, PageRequest, Prompts, SortOption};
use crate::widgets::table::{Cell, Column};

const PAGE: u32 = 100;

/// One table row, sanitised once when it enters the model.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRow {
    pub id: Option<Uuid>,
    pub name: String,
    pub input: String,
    pub output: String,
    pub start: Option<DateTime<Utc>>,
    pub duration_ms: Option<f64>,
    pub tokens: Option<i64>,
    pub cost: Option<f64>,
    /// Compact scores (`helpfulness 0.80 · relevance 1`) and the first score's value.
    pub scores: String,
    pub first_score: Option<f64>,
    pub tags: String,
    pub error: bool,
}

impl TraceRow {
    pub fn from_trace(t: &Trace) -> TraceRow {
        let duration_ms = t.duration.or_else(|| match (t.start_time, t.end_time) {
            (Some(s), Some(e)) => Some((e - s).num_microseconds()? as f64 / 1000.0),
            _ => None,
        });
        let scores = t.feedback_scores.as_deref().unwrap_or_default();
        TraceRow {
            id: t.id,
            name: sanitize::one_line(t.name.as_deref().unwrap_or("")),
            input: clip(messages::preview(t.input.as_ref(), Kind::Input)),
            output: clip(messages::preview(t.output.as_ref(), Kind::Output)),
            start: t.start_time,
            duration_ms,
            tokens: t
                .usage
                .as_ref()
                .and_then(|u| u.get("total_tokens").copied()),
            cost: t.total_estimated_cost,
            scores: compact_scores(scores),
            first_score: scores.first().and_then(|s| s.value),
            tags: tags(t.tags.as_deref().unwrap_or_default()),
            error: t.error_info.is_some(),
        }
    }
}

/// Sort orders `s` cycles through, with the column that shows the arrow; the first is the
/// server's default (newest first: by id, which is time-ordered in Opik and here).
const SORTS: &[SortOption] = &[
    SortOption::server_default("newest", "id", true, 0),
    SortOption::by("duration", "duration", true, 4),
    SortOption::by("cost", "total_estimated_cost", true, 6),
    SortOption::by("name", "name", false, 1),
    SortOption::by("start", "start_time", false, 0),
];

type PageResult = Result<(PageRequest, Page<Trace>), ApiError>;

/// What the traces screen's tasks return.
pub enum TracesMsg {
    /// A page of traces for task `key` (`page`: a page of the list; `tail`: live tail's head).
    Page { key: &'static str, res: PageResult },
    /// `Y`: the web URL was built.
    Url(crate::views::share::UrlReady),
}

impl From<crate::views::share::UrlReady> for TracesMsg {
    fn from(r: crate::views::share::UrlReady) -> Self {
        TracesMsg::Url(r)
    }
}

pub struct TracesScreen {
    env: Option<Rc<AppEnv>>,
    pub project: String,
    pub list: ListCore<TraceRow>,
    pub live: bool,
    /// The applied filter string, parsed (its text is `list.prompts.filter`).
    filters: Vec<Filter>,
    /// The project's id, once known (web URLs, `Y`).
    project_id: Option<Uuid>,
}

impl TracesScreen {
    pub fn new(env: Rc<AppEnv>, project: &str) -> TracesScreen {
        TracesScreen {
            env: Some(env),
            ..TracesScreen::with_rows(project, Vec::new(), None)
        }
    }

    /// A screen showing `rows` (no server; for snapshots and benchmarks).
    pub fn with_rows(project: &str, rows: Vec<TraceRow>, total: Option<i64>) -> TracesScreen {
        let list = ListCore::new(rows, total)
            .sorted(SORTS)
            .prompts(Prompts::search("search: ").with_filter())
            .timed()
            .paged(PAGE);
        TracesScreen {
            env: None,
            project: project.to_string(),
            list,
            live: false,
            filters: Vec::new(),
            project_id: None,
        }
    }

    /// Ids of the marked rows (multi-select), for actions on several traces.
    pub fn marked_ids(&self) -> Vec<Uuid> {
        self.list.marks.iter().copied().collect()
    }

    /// The list's columns; the start time is wider when shown as an absolute date (`t`).
    /// A narrow terminal drops the least useful columns first (tags, scores, tokens, cost)
    /// rather than squeezing the previews below a readable width, as k9s does.
    fn columns(absolute_time: bool) -> Vec<Column> {
        vec![
            Column::fixed("Start", if absolute_time { 19 } else { 10 }),
            Column::flex("Name", 2, 10),
            Column::flex("Input", 3, 14).optional(6),
            Column::flex("Output", 3, 14).optional(5),
            Column::fixed("Duration", 8).right(),
            Column::fixed("Tokens", 6).right().optional(3),
            Column::fixed("Cost", format::COST_WIDTH)
                .right()
                .optional(4),
            Column::flex("Scores", 2, 10).optional(2),
            Column::fixed("Tags", 10).optional(1),
            Column::fixed("Err", 3),
        ]
    }

    fn query(&self, req: PageRequest) -> ListQuery {
        ListQuery {
            project_name: Some(self.project.clone()),
            page: req.page,
            size: req.size,
            filters: self.filters.clone(),
            sorting: self.list.sort.sorting(),
            search: self.list.prompts.search_query(),
            truncate: true,
            ..ListQuery::default()
        }
    }

    fn load(&mut self, req: PageRequest, key: &'static str, ctx: &mut Ctx<TracesMsg>) {
        let Some(env) = &self.env else { return };
        let client = env.client.clone();
        let q = self.query(req);
        if key == "page" {
            self.list.loading = true;
        }
        ctx.spawn(key, async move {
            let res: PageResult = client.list_traces(&q).await.map(|p| (req, p));
            TracesMsg::Page { key, res }
        });
    }

    fn reload(&mut self, ctx: &mut Ctx<TracesMsg>) {
        ctx.cancel("tail");
        let req = self.list.request_first();
        self.load(req, "page", ctx);
    }

    fn selected_id(&self) -> Option<Uuid> {
        self.list.selected().and_then(|r| r.id)
    }

    /// Merge a fresh first page on top (live tail): rows not seen yet go above, the
    /// selection stays on the same trace.
    pub fn merge_head(&mut self, fresh: &[Trace], total: Option<i64>) -> usize {
        let rows = fresh
            .iter()
            .filter(|t| t.id.is_some())
            .map(TraceRow::from_trace)
            .collect();
        self.list.merge_top(rows, total, |r| r.id)
    }
}

fn cell(r: &TraceRow, c: usize, now: DateTime<Utc>, abs: bool, t: &Theme) -> Cell {
    match c {
        0 => (time(r.start, now, abs), t.dim),
        1 => (r.name.clone(), t.accent),
        2 => (r.input.clone(), t.text),
        3 => (r.output.clone(), t.text),
        4 => (
            r.duration_ms.map(format::duration_ms).unwrap_or_else(dash),
            t.text,
        ),
        5 => (
            r.tokens
                .map(|n| format::tokens(n as f64))
                .unwrap_or_else(dash),
            t.text,
        ),
        6 => (r.cost.map(format::cost).unwrap_or_else(dash), t.text),
        7 => (
            r.scores.clone(),
            r.first_score.map(|v| t.score(v, 0.0, 1.0)).unwrap_or(t.dim),
        ),
        8 => (r.tags.clone(), t.info),
        _ if r.error => (" ✗".into(), t.error),
        _ => (" ".into(), t.dim),
    }
}

impl ListScreen for TracesScreen {
    type Row = TraceRow;
    type Msg = TracesMsg;

    fn list(&mut self) -> &mut ListCore<TraceRow> {
        &mut self.list
    }

    fn requery(&mut self, ctx: &mut Ctx<TracesMsg>) {
        self.reload(ctx);
    }

    fn load_more(&mut self, ctx: &mut Ctx<TracesMsg>) {
        if self.env.is_some()
            && let Some(req) = self.list.request_more(30)
        {
            self.load(req, "page", ctx);
        }
    }

    /// A filter string: applied if it parses, else explained under the prompt.
    fn filter_submitted(&mut self, text: String, ctx: &mut Ctx<TracesMsg>) {
        match filter_string::parse(&text, Entity::Traces) {
            Ok(f) => {
                self.filters = f;
                self.list.filter_applied(text);
                self.reload(ctx);
            }
            Err(e) => self.list.prompts.filter_invalid(e.to_string()),
        }
    }

    fn filter_cleared(&mut self, ctx: &mut Ctx<TracesMsg>) {
        self.filters.clear();
        self.reload(ctx);
    }

    /// This screen's own keys (the list core took movement, sort, prompts and times).
    fn own_action(&mut self, action: Action, ctx: &mut Ctx<TracesMsg>) -> Handled {
        match action {
            Action::Open | Action::Right => {
                if let Some(id) = self.selected_id() {
                    ctx.open(ScreenRequest::Trace {
                        project: self.project.clone(),
                        trace_id: id,
                    });
                }
            }
            Action::LiveTail => {
                self.live = !self.live;
                if self.live && !self.list.sort.is_default() {
                    self.list.sort.reset();
                    self.reload(ctx);
                }
                ctx.toast_info(if self.live {
                    "live tail on"
                } else {
                    "live tail off"
                });
            }
            Action::Copy => match self.selected_id() {
                Some(id) => ctx.copy(id.to_string()),
                None => return Handled::No,
            },
            Action::Mark => self.list.mark(self.selected_id()),
            Action::Threads => ctx.open(ScreenRequest::Threads {
                project: self.project.clone(),
            }),
            Action::CopyUrl => match (&self.env, self.selected_id()) {
                (Some(env), Some(trace_id)) => crate::views::share::copy_url(
                    env,
                    &self.project,
                    self.project_id,
                    crate::views::share::Target::Trace {
                        trace_id,
                        span_id: None,
                    },
                    ctx,
                ),
                _ => return Handled::No,
            },
            Action::Conversation => match self.selected_id() {
                Some(trace_id) => ctx.open(ScreenRequest::ConversationOf {
                    project: self.project.clone(),
                    trace_id,
                }),
                None => return Handled::No,
            },
            // Annotation queues (issue 12): the marked rows, or the selected one.
            Action::AddToQueue => {
                let ids = self.list.marked_or(self.selected_id());
                let (Some(env), false) = (&self.env, ids.is_empty()) else {
                    return Handled::No;
                };
                let outcome = AddToQueueScreen::open(env, "trace", &self.project, ids, ctx);
                self.list.marks_sent(outcome);
            }
            // Every trace matching the filter and search (issue 21).
            Action::AddMatchingToQueue => {
                let Some(env) = &self.env else {
                    return Handled::No;
                };
                let m = Matching::Traces {
                    project: self.project.clone(),
                    filters: self.filters.clone(),
                    search: self.list.prompts.search_query(),
                };
                AddToQueueScreen::open_matching(env, m, ctx);
            }
            Action::Back if self.list.prompts.is_narrowed() || !self.filters.is_empty() => {
                self.list.prompts.clear();
                self.filters.clear();
                self.reload(ctx);
            }
            Action::Back if !self.list.marks.is_empty() => self.list.marks.clear(),
            _ => return Handled::No,
        }
        Handled::Yes
    }
}

impl Screen for TracesScreen {
    type Msg = TracesMsg;

    fn title(&self) -> String {
        format!("Traces · {}", sanitize::one_line(&self.project))
    }

    fn context(&self) -> KeyContext {
        KeyContext::Traces
    }

    fn on_open(&mut self, ctx: &mut Ctx<TracesMsg>) {
        self.reload(ctx);
    }

    /// Back from a trace (or the queue picker): marks go if they were added to a queue,
    /// and rows read longer ago than the refresh interval are re-read in the background,
    /// the selection staying on its trace.
    fn on_resume(&mut self, ctx: &mut Ctx<TracesMsg>) {
        self.list.resumed();
        if let Some(env) = &self.env
            && self.list.is_stale(ctx.now, env.refresh)
        {
            ctx.cancel("tail");
            let req = self.list.request_refresh();
            self.load(req, "page", ctx);
        }
    }

    fn refresh(&mut self, ctx: &mut Ctx<TracesMsg>) {
        self.reload(ctx);
    }

    fn capturing_text(&self) -> bool {
        self.list.capturing_text()
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<TracesMsg>) -> Handled {
        list::on_key(self, key, ctx)
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<TracesMsg>) -> Handled {
        list::on_action(self, action, ctx)
    }

    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<TracesMsg>) -> Handled {
        list::on_mouse(self, ev, ctx)
    }

    /// Live tail's interval; otherwise the redraws relative times need to tick.
    fn tick_interval(&self) -> Option<std::time::Duration> {
        if self.live {
            Some(
                self.env
                    .as_ref()
                    .map(|e| e.refresh)
                    .unwrap_or(std::time::Duration::from_secs(2)),
            )
        } else {
            self.list.time_tick()
        }
    }

    fn on_tick(&mut self, ctx: &mut Ctx<TracesMsg>) {
        if self.live && !ctx.in_flight("tail") && !ctx.in_flight("page") {
            let head = PageRequest {
                page: 1,
                size: PAGE,
                replace: false,
            };
            self.load(head, "tail", ctx);
        }
    }

    fn on_msg(&mut self, msg: TracesMsg, ctx: &mut Ctx<TracesMsg>) {
        let (key, res) = match msg {
            TracesMsg::Url(ready) => {
                if let Some(id) = crate::views::share::url_ready(ready, ctx) {
                    self.project_id = Some(id);
                }
                return;
            }
            TracesMsg::Page { key, res } => (key, res),
        };
        if key == "page" {
            self.list.loading = false;
        }
        match res {
            Ok((req, p)) => {
                if key == "tail" {
                    self.merge_head(&p.content, p.total);
                } else {
                    let rows = p.content.iter().map(TraceRow::from_trace).collect();
                    self.list.place(req, rows, p.total, |r| r.id);
                }
                self.list.error = None;
                self.list.loaded(ctx.now);
                ctx.refreshed();
                self.load_more(ctx);
            }
            // The server rejected the filter (an unknown field, a bad value): don't claim it
            // is applied; reopen it in the prompt with the server's reason, and list without it.
            Err(ApiError::Rejected { message, .. })
                if key == "page" && !self.filters.is_empty() =>
            {
                self.filters.clear();
                self.list.prompts.rejected_by_server(&message);
                self.reload(ctx);
            }
            Err(e) => {
                self.list.error = Some(e.to_string());
                ctx.toast_error(format!("loading traces: {e}"));
            }
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let list = &self.list;
        let mut title = vec![Span::styled(
            format!(" Traces · {} ", sanitize::one_line(&self.project)),
            t.title,
        )];
        if self.live {
            title.push(Span::styled("● live ", t.success));
        }
        title.extend(list.prompts.search_span(t));
        title.extend(list.prompts.filter_span(t));
        title.extend(list.marks_span("", t));
        title.extend(list.sort.span(t));
        let empty = if list.loading {
            "loading…".to_string()
        } else if let Some(e) = &list.error {
            format!(
                "could not load traces: {} — r retries",
                sanitize::one_line(e)
            )
        } else if !list.prompts.search.is_empty() || !self.filters.is_empty() {
            "no trace matches — Esc clears the search and filter".into()
        } else {
            "no traces in this project yet".into()
        };
        let (now, abs) = (ctx.now, list.absolute_time);
        self.list.draw(
            frame,
            area,
            t,
            ListView {
                title: Line::from(title),
                columns: &Self::columns(abs),
                empty: &empty,
            },
            |r, c| cell(r, c, now, abs, t),
            |r| r.id,
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
            Action::Copy,
            Action::CopyUrl,
            Action::Mark,
            Action::AddToQueue,
            Action::AddMatchingToQueue,
            Action::Threads,
            Action::Refresh,
        ]
    }

    fn status(&self) -> Option<String> {
        self.live.then(|| "live".to_string())
    }
}

#[cfg(test)]
mod column_tests;
