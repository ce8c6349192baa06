//! The traces table of one project: start time (relative, `t` toggles absolute), name,
//! one-line input/output previews, duration, tokens, cost, compact feedback scores, tags and
//! an error mark. Pages load as you scroll (`1–50 of 12,345`); `/` is a server-side search,
//! `f` an Opik filter string (`name = "x" and duration > 2`), `s`/`S` sort, `L` live tail
//! (new traces appear on top, the selection stays on its trace), `y` copies the id, `space`
//! marks rows, `Enter` opens the trace.

use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use uuid::Uuid;

use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::client::ListQuery;
use crate::opik::error::ApiError;
use crate::opik::filter_string::{self, Entity};
use crate::opik::messages::{self, Kind};
use crate::opik::model::{Filter, Page, Sorting, Trace};
use crate::render::{format, sanitize};
use crate::theme::Theme;
use crate::widgets::input::{InputEvent, TextInput};
use crate::widgets::table::{self, Column, TableState, TableView};

const PAGE: u32 = 100;
/// Longest preview kept per row (memory stays flat with 100k rows).
const PREVIEW_CHARS: usize = 160;

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

fn clip(s: String) -> String {
    if s.chars().count() > PREVIEW_CHARS {
        let mut t: String = s.chars().take(PREVIEW_CHARS - 1).collect();
        t.push('…');
        t
    } else {
        s
    }
}

/// Shorten a score value: `0.8`, `1`, `0.333`.
pub fn score_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

impl TraceRow {
    pub fn from_trace(t: &Trace) -> TraceRow {
        let duration_ms = t.duration.or_else(|| match (t.start_time, t.end_time) {
            (Some(s), Some(e)) => Some((e - s).num_microseconds()? as f64 / 1000.0),
            _ => None,
        });
        let scores = t.feedback_scores.as_deref().unwrap_or_default();
        let compact = scores
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    sanitize::one_line(&s.name),
                    s.value.map(score_value).unwrap_or_else(|| "–".into())
                )
            })
            .collect::<Vec<_>>()
            .join(" · ");
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
            scores: compact,
            first_score: scores.first().and_then(|s| s.value),
            tags: t
                .tags
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|t| sanitize::one_line(t))
                .collect::<Vec<_>>()
                .join(","),
            error: t.error_info.is_some(),
        }
    }
}

/// Sort orders `s` cycles through: (label, field, descending). `None` = server default
/// (newest first).
const SORTS: &[(&str, Option<&str>, bool)] = &[
    ("newest", None, true),
    ("duration", Some("duration"), true),
    ("cost", Some("total_estimated_cost"), true),
    ("name", Some("name"), false),
    ("start", Some("start_time"), false),
];

#[derive(Debug, Clone, PartialEq)]
enum InputMode {
    Search(TextInput),
    Filter(TextInput),
}

type PageResult = Result<(u32, Page<Trace>), ApiError>;

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
    pub rows: Vec<TraceRow>,
    ids: HashSet<Uuid>,
    pub total: Option<i64>,
    pub state: TableState,
    pub marked: BTreeSet<Uuid>,
    sort: usize,
    reverse: bool,
    pub absolute_time: bool,
    pub live: bool,
    input: Option<InputMode>,
    pub search: String,
    pub filter_text: String,
    filters: Vec<Filter>,
    filter_error: Option<String>,
    loaded_pages: u32,
    loading: bool,
    pub error: Option<String>,
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
        TracesScreen {
            env: None,
            project: project.to_string(),
            ids: rows.iter().filter_map(|r| r.id).collect(),
            rows,
            total,
            state: TableState::default(),
            marked: BTreeSet::new(),
            sort: 0,
            reverse: false,
            absolute_time: false,
            live: false,
            input: None,
            search: String::new(),
            filter_text: String::new(),
            filters: Vec::new(),
            filter_error: None,
            loaded_pages: 1,
            loading: false,
            error: None,
            project_id: None,
        }
    }

    /// Ids of the marked rows (multi-select), for actions on several traces.
    pub fn marked_ids(&self) -> Vec<Uuid> {
        self.marked.iter().copied().collect()
    }

    /// The list's columns; the start time is wider when shown as an absolute date (`t`).
    fn columns(absolute_time: bool) -> Vec<Column> {
        vec![
            Column::fixed("Start", if absolute_time { 19 } else { 10 }),
            Column::flex("Name", 2, 8),
            Column::flex("Input", 3, 8).optional(5),
            Column::flex("Output", 3, 8).optional(4),
            Column::fixed("Duration", 8).right(),
            Column::fixed("Tokens", 6).right().optional(3),
            Column::fixed("Cost", 8).right().optional(2),
            Column::flex("Scores", 2, 10).optional(1),
            Column::fixed("Tags", 10).optional(1),
            Column::fixed("E", 1),
        ]
    }

    fn query(&self, page: u32) -> ListQuery {
        let (_, field, desc) = SORTS[self.sort];
        let desc = desc ^ self.reverse;
        ListQuery {
            project_name: Some(self.project.clone()),
            page,
            size: PAGE,
            filters: self.filters.clone(),
            sorting: field
                .map(|f| {
                    vec![Sorting {
                        field: f.into(),
                        direction: if desc { "DESC" } else { "ASC" }.into(),
                    }]
                })
                .unwrap_or_default(),
            search: (!self.search.is_empty()).then(|| self.search.clone()),
            truncate: true,
            ..ListQuery::default()
        }
    }

    fn load(&mut self, page: u32, key: &'static str, ctx: &mut Ctx<TracesMsg>) {
        let Some(env) = &self.env else { return };
        let client = env.client.clone();
        let q = self.query(page);
        if key == "page" {
            self.loading = true;
        }
        ctx.spawn(key, async move {
            let res: PageResult = client.list_traces(&q).await.map(|p| (page, p));
            TracesMsg::Page { key, res }
        });
    }

    fn reload(&mut self, ctx: &mut Ctx<TracesMsg>) {
        ctx.cancel("tail");
        self.load(1, "page", ctx);
    }

    fn maybe_load_more(&mut self, ctx: &mut Ctx<TracesMsg>) {
        let more = self.total.is_some_and(|t| (self.rows.len() as i64) < t);
        if more && !self.loading && self.state.selected + 30 >= self.rows.len() {
            self.load(self.loaded_pages + 1, "page", ctx);
        }
    }

    fn selected(&self) -> Option<&TraceRow> {
        self.rows.get(self.state.selected)
    }

    /// Merge a fresh first page on top (live tail): rows not seen yet go above, the
    /// selection stays on the same trace.
    pub fn merge_head(&mut self, fresh: &[Trace], total: Option<i64>) -> usize {
        let new: Vec<TraceRow> = fresh
            .iter()
            .filter(|t| t.id.is_some_and(|id| !self.ids.contains(&id)))
            .map(TraceRow::from_trace)
            .collect();
        let n = new.len();
        if n > 0 {
            let was_empty = self.rows.is_empty();
            self.ids.extend(new.iter().filter_map(|r| r.id));
            self.rows.splice(0..0, new);
            if !was_empty {
                self.state.selected += n;
            }
        }
        if let Some(t) = total {
            self.total = Some(t.max(self.rows.len() as i64));
        }
        n
    }

    fn apply_page(&mut self, page: u32, p: Page<Trace>) {
        let rows: Vec<TraceRow> = p.content.iter().map(TraceRow::from_trace).collect();
        if page <= 1 {
            let keep = self.selected().and_then(|r| r.id);
            self.ids = rows.iter().filter_map(|r| r.id).collect();
            self.rows = rows;
            self.state.select(
                keep.and_then(|id| self.rows.iter().position(|r| r.id == Some(id)))
                    .unwrap_or(0),
                self.rows.len(),
            );
        } else {
            for r in rows {
                if let Some(id) = r.id
                    && !self.ids.insert(id)
                {
                    continue;
                }
                self.rows.push(r);
            }
        }
        self.loaded_pages = page;
        self.total = p.total;
    }

    fn time(&self, t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
        match t {
            None => "–".into(),
            Some(t) if self.absolute_time => format::absolute(t),
            Some(t) => format::relative(t, now),
        }
    }

    fn cell(&self, r: &TraceRow, c: usize, now: DateTime<Utc>, t: &Theme) -> (String, Style) {
        let dash = || "–".to_string();
        match c {
            0 => (self.time(r.start, now), t.dim),
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
            _ => {
                if r.error {
                    ("✗".into(), t.error)
                } else {
                    (" ".into(), t.dim)
                }
            }
        }
    }

    fn submit_input(&mut self, ctx: &mut Ctx<TracesMsg>) {
        match self.input.take() {
            Some(InputMode::Search(i)) => {
                self.search = i.value().trim().to_string();
                self.state.first();
                self.reload(ctx);
            }
            Some(InputMode::Filter(i)) => {
                let text = i.value().trim().to_string();
                match filter_string::parse(&text, Entity::Traces) {
                    Ok(f) => {
                        self.filters = f;
                        self.filter_text = text;
                        self.filter_error = None;
                        self.state.first();
                        self.reload(ctx);
                    }
                    Err(e) => {
                        self.filter_error = Some(e.to_string());
                        self.input = Some(InputMode::Filter(i));
                    }
                }
            }
            None => {}
        }
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
        self.loaded_pages = 0;
        self.reload(ctx);
    }

    fn refresh(&mut self, ctx: &mut Ctx<TracesMsg>) {
        self.reload(ctx);
    }

    fn capturing_text(&self) -> bool {
        self.input.is_some()
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<TracesMsg>) -> Handled {
        let Some(mode) = self.input.as_mut() else {
            return Handled::No;
        };
        let input = match mode {
            InputMode::Search(i) | InputMode::Filter(i) => i,
        };
        match input.handle_key(key) {
            InputEvent::Submit => self.submit_input(ctx),
            InputEvent::Cancel => {
                // Esc clears what this input applies.
                match self.input.take() {
                    Some(InputMode::Search(_)) if !self.search.is_empty() => {
                        self.search.clear();
                        self.reload(ctx);
                    }
                    Some(InputMode::Filter(_)) if !self.filters.is_empty() => {
                        self.filters.clear();
                        self.filter_text.clear();
                        self.reload(ctx);
                    }
                    _ => {}
                }
                self.filter_error = None;
            }
            _ => {}
        }
        Handled::Yes
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<TracesMsg>) -> Handled {
        let len = self.rows.len();
        match action {
            Action::Down => self.state.down(1, len),
            Action::Up => self.state.up(1),
            Action::PageDown => self.state.page_down(len),
            Action::PageUp => self.state.page_up(),
            Action::First => self.state.first(),
            Action::Last => self.state.last(len),
            Action::Open | Action::Right => {
                if let Some(id) = self.selected().and_then(|r| r.id) {
                    ctx.open(ScreenRequest::Trace {
                        project: self.project.clone(),
                        trace_id: id,
                    });
                }
            }
            Action::Search => self.input = Some(InputMode::Search(TextInput::new(&self.search))),
            Action::Filter => {
                self.input = Some(InputMode::Filter(TextInput::new(&self.filter_text)))
            }
            Action::CycleSort => {
                self.sort = (self.sort + 1) % SORTS.len();
                self.reverse = false;
                self.reload(ctx);
            }
            Action::ReverseSort => {
                self.reverse = !self.reverse;
                self.reload(ctx);
            }
            Action::ToggleTime => self.absolute_time = !self.absolute_time,
            Action::LiveTail => {
                self.live = !self.live;
                if self.live && (self.sort != 0 || self.reverse) {
                    self.sort = 0;
                    self.reverse = false;
                    self.reload(ctx);
                }
                ctx.toast_info(if self.live {
                    "live tail on"
                } else {
                    "live tail off"
                });
            }
            Action::Copy => match self.selected().and_then(|r| r.id) {
                Some(id) => ctx.copy(id.to_string()),
                None => return Handled::No,
            },
            Action::Mark => {
                if let Some(id) = self.selected().and_then(|r| r.id)
                    && !self.marked.remove(&id)
                {
                    self.marked.insert(id);
                }
                self.state.down(1, len);
            }
            Action::Threads => ctx.open(ScreenRequest::Threads {
                project: self.project.clone(),
            }),
            Action::CopyUrl => match (&self.env, self.selected().and_then(|r| r.id)) {
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
            Action::Conversation => match self.selected().and_then(|r| r.id) {
                Some(trace_id) => ctx.open(ScreenRequest::ConversationOf {
                    project: self.project.clone(),
                    trace_id,
                }),
                None => return Handled::No,
            },
            // Annotation queues (issue 12): the marked rows, or the selected one.
            Action::AddToQueue => {
                let mut ids = self.marked_ids();
                if ids.is_empty() {
                    ids.extend(self.selected().and_then(|r| r.id));
                }
                let (Some(env), false) = (&self.env, ids.is_empty()) else {
                    return Handled::No;
                };
                ctx.push(Box::new(crate::views::queues::AddToQueueScreen::new(
                    env.client.clone(),
                    "trace",
                    Some(self.project.clone()),
                    ids,
                )));
            }
            Action::Back if !self.search.is_empty() || !self.filters.is_empty() => {
                self.search.clear();
                self.filters.clear();
                self.filter_text.clear();
                self.reload(ctx);
            }
            Action::Back if !self.marked.is_empty() => self.marked.clear(),
            _ => return Handled::No,
        }
        self.maybe_load_more(ctx);
        Handled::Yes
    }

    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<TracesMsg>) -> Handled {
        match super::list_mouse(&mut self.state, self.rows.len(), ev) {
            super::ListMouse::Run(a) => self.handle_action(a, ctx),
            super::ListMouse::Done(h) => h,
        }
    }

    fn tick_interval(&self) -> Option<std::time::Duration> {
        if self.live {
            Some(
                self.env
                    .as_ref()
                    .map(|e| e.refresh)
                    .unwrap_or(std::time::Duration::from_secs(2)),
            )
        } else {
            None
        }
    }

    fn on_tick(&mut self, ctx: &mut Ctx<TracesMsg>) {
        if self.live && !ctx.in_flight("tail") && !ctx.in_flight("page") {
            self.load(1, "tail", ctx);
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
            self.loading = false;
        }
        match res {
            Ok((page, p)) => {
                if key == "tail" {
                    self.merge_head(&p.content, p.total);
                } else {
                    self.apply_page(page, p);
                }
                self.error = None;
                ctx.refreshed();
                self.maybe_load_more(ctx);
            }
            // The server rejected the filter (an unknown field, a bad value): don't claim it
            // is applied; reopen it in the prompt with the server's reason, and list without it.
            Err(ApiError::Rejected { message, .. })
                if key == "page" && !self.filters.is_empty() =>
            {
                let text = std::mem::take(&mut self.filter_text);
                self.filters.clear();
                self.filter_error = Some(format!("the server rejected this filter: {message}"));
                self.input = Some(InputMode::Filter(TextInput::new(&text)));
                self.reload(ctx);
            }
            Err(e) => {
                self.error = Some(e.to_string());
                ctx.toast_error(format!("loading traces: {e}"));
            }
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let extra = match (&self.input, &self.filter_error) {
            (Some(_), Some(_)) => 2,
            (Some(_), None) => 1,
            _ => 0,
        };
        let [table_area, input_area] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(extra)]).areas(area);
        let mut title = vec![Span::styled(
            format!(" Traces · {} ", sanitize::one_line(&self.project)),
            t.title,
        )];
        if self.live {
            title.push(Span::styled("● live ", t.success));
        }
        if !self.search.is_empty() {
            title.push(Span::styled(
                format!("/{} ", sanitize::one_line(&self.search)),
                t.accent,
            ));
        }
        if !self.filter_text.is_empty() {
            title.push(Span::styled(
                format!("f: {} ", sanitize::one_line(&self.filter_text)),
                t.accent,
            ));
        }
        if !self.marked.is_empty() {
            title.push(Span::styled(
                format!("{} marked ", self.marked.len()),
                t.marked,
            ));
        }
        let (sort_label, _, desc) = SORTS[self.sort];
        title.push(Span::styled(format!("sort: {sort_label} "), t.dim));
        let cols = Self::columns(self.absolute_time);
        let sort_col = match self.sort {
            0 | 4 => 0,
            1 => 4,
            2 => 6,
            _ => 1,
        };
        let empty = if self.loading {
            "loading…".to_string()
        } else if let Some(e) = &self.error {
            format!(
                "could not load traces: {} — r retries",
                sanitize::one_line(e)
            )
        } else if !self.search.is_empty() || !self.filters.is_empty() {
            "no trace matches — Esc clears the search and filter".into()
        } else {
            "no traces in this project yet".into()
        };
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
        let marked = &self.marked;
        let rows = &self.rows;
        let this = &*self;
        let mut state = self.state.clone();
        table::render(
            frame,
            table_area,
            &view,
            &mut state,
            t,
            |i, c| this.cell(&rows[i], c, now, t),
            |i| rows[i].id.is_some_and(|id| marked.contains(&id)),
        );
        self.state = state;
        if let Some(mode) = &self.input {
            let (prompt, input) = match mode {
                InputMode::Search(i) => ("search: ", i),
                InputMode::Filter(i) => ("filter: ", i),
            };
            let [line, err] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(input_area);
            input.draw(frame, line, prompt, t.text, t.accent, true);
            if let Some(e) = &self.filter_error {
                frame.buffer_mut().set_stringn(
                    err.x,
                    err.y,
                    sanitize::one_line(e),
                    err.width as usize,
                    t.error,
                );
            }
        }
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
            Action::Threads,
            Action::Refresh,
        ]
    }

    fn status(&self) -> Option<String> {
        self.live.then(|| "live".to_string())
    }
}

#[cfg(test)]
mod column_tests {
    use super::*;

    #[test]
    fn a_filter_the_server_rejects_goes_back_to_the_prompt_and_is_not_shown_as_applied() {
        let mut s = TracesScreen::with_rows("p", Vec::new(), Some(0));
        s.filter_text = "foo = 3".into();
        s.filters = filter_string::parse("foo = 3", Entity::Traces).expect("parses");
        let theme = Theme::dark();
        let keymap = crate::app::KeyMap::default();
        let mut tasks = crate::app::tasks::Tasks::new(None);
        let mut effects = Vec::new();
        let mut ctx = Ctx::new(
            1,
            &theme,
            &keymap,
            crate::app::testing::fixed_now(),
            None,
            &mut tasks,
            &mut effects,
        );
        let res: PageResult = Err(ApiError::Rejected {
            status: 400,
            message: "Invalid filter field 'foo' for traces".into(),
        });
        s.on_msg(TracesMsg::Page { key: "page", res }, &mut ctx);
        assert!(s.filters.is_empty() && s.filter_text.is_empty());
        assert!(s.capturing_text(), "the filter prompt is open again");
        assert!(
            s.filter_error
                .as_deref()
                .is_some_and(|e| e.contains("'foo'")),
            "{:?}",
            s.filter_error
        );
        let out = crate::app::testing::buffer_text(&crate::app::testing::render_screen(
            &mut s, 100, 8, &theme,
        ));
        assert!(out.contains("filter: foo = 3"), "{out}");
        assert!(!out.contains("f: foo"), "{out}");
    }

    #[test]
    fn absolute_start_times_fit_their_column() {
        let t = crate::app::testing::fixed_now();
        let shown = format::absolute(t);
        let w = |absolute| match TracesScreen::columns(absolute)[0].width {
            crate::widgets::table::Width::Fixed(w) => w as usize,
            _ => 0,
        };
        assert!(w(true) >= shown.chars().count(), "{shown} in {}", w(true));
        assert_eq!(w(false), 10);
    }
}
