//! The projects list: name, trace count, last trace time (and cost). `Enter` opens the
//! project's traces; `/` searches names on the server; `s` cycles the sort; `t` toggles
//! relative/absolute times; `y` copies the project id.

use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use uuid::Uuid;

use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::error::ApiError;
use crate::opik::model::{Page, Project, ProjectStatsSummary};
use crate::render::{format, sanitize};
use crate::theme::Theme;
use crate::widgets::list::cells::{dash, time};
use crate::widgets::list::screen::{self as list, ListScreen};
use crate::widgets::list::{ListCore, ListView, PageRequest, Prompts, SortOption};
use crate::widgets::table::{Cell, Column};

const PAGE: u32 = 100;

/// One row. `name` is the project's name as the server has it (requests need it exactly,
/// escape sequences and all); it is sanitised where it is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRow {
    pub id: Option<Uuid>,
    pub name: String,
    pub trace_count: Option<i64>,
    pub last_trace: Option<DateTime<Utc>>,
    pub cost: Option<f64>,
    pub created: Option<DateTime<Utc>>,
}

impl ProjectRow {
    pub fn from_project(p: &Project) -> ProjectRow {
        ProjectRow {
            id: p.id,
            name: p.name.clone(),
            trace_count: p.trace_count,
            last_trace: p.last_updated_trace_at,
            cost: p.total_estimated_cost_sum.or(p.total_estimated_cost),
            created: p.created_at,
        }
    }
}

/// Sort orders `s` cycles through, with the column that shows the arrow.
const SORTS: &[SortOption] = &[
    SortOption::by("last trace", "last_updated_trace_at", true, 2),
    SortOption::by("name", "name", false, 0),
    SortOption::by("created", "created_at", true, 4),
];

pub struct ProjectsScreen {
    env: Option<Rc<AppEnv>>,
    pub list: ListCore<ProjectRow>,
}

/// The projects screen's one task: a page of projects with their stats.
pub type PageResult = Result<(PageRequest, Page<Project>, Option<ProjectStatsSummary>), ApiError>;

impl ProjectsScreen {
    pub fn new(env: Rc<AppEnv>) -> ProjectsScreen {
        ProjectsScreen {
            env: Some(env),
            ..ProjectsScreen::with_rows(Vec::new(), None)
        }
    }

    /// A screen showing `rows` (no server; for snapshots and benchmarks).
    pub fn with_rows(rows: Vec<ProjectRow>, total: Option<i64>) -> ProjectsScreen {
        ProjectsScreen {
            env: None,
            list: ListCore::new(rows, total)
                .sorted(SORTS)
                .prompts(Prompts::search("/"))
                .timed()
                .paged(PAGE),
        }
    }

    fn columns() -> Vec<Column> {
        vec![
            Column::flex("Name", 3, 12),
            Column::fixed("Traces", 9).right(),
            Column::fixed("Last trace", 19),
            Column::fixed("Cost", format::COST_WIDTH)
                .right()
                .optional(2),
            Column::fixed("Created", 19).optional(1),
        ]
    }

    fn load(&mut self, req: PageRequest, ctx: &mut Ctx<PageResult>) {
        let Some(env) = &self.env else { return };
        let client = env.client.clone();
        let sorting = self.list.sort.sorting();
        let name = self.list.prompts.search_query();
        self.list.loading = true;
        ctx.spawn("page", async move {
            let list = client.list_projects(req.page, req.size, name.as_deref(), &sorting);
            let stats = client.project_stats(req.page, req.size);
            let (list, stats) = tokio::join!(list, stats);
            let r: PageResult = list.map(|l| (req, l, stats.ok()));
            r
        });
    }

    fn reload(&mut self, ctx: &mut Ctx<PageResult>) {
        let req = self.list.request_first();
        self.load(req, ctx);
    }

    /// Open `what` for the selected project, making it the current one.
    fn open_selected(&self, what: fn(String) -> ScreenRequest, ctx: &mut Ctx<PageResult>) {
        if let Some(r) = self.list.selected() {
            ctx.set_project(r.name.clone());
            ctx.open(what(r.name.clone()));
        }
    }

    /// Rows from a page of projects, their counts and costs filled from the stats.
    fn rows(list: &Page<Project>, stats: Option<ProjectStatsSummary>) -> Vec<ProjectRow> {
        let counts: HashMap<Uuid, (Option<i64>, Option<f64>)> = stats
            .map(|s| {
                s.content
                    .into_iter()
                    .filter_map(|i| {
                        Some((
                            i.project_id?,
                            (
                                i.trace_count,
                                i.total_estimated_cost_sum.or(i.total_estimated_cost),
                            ),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        list.content
            .iter()
            .map(|p| {
                let mut r = ProjectRow::from_project(p);
                if let Some((count, cost)) = r.id.and_then(|id| counts.get(&id)) {
                    r.trace_count = r.trace_count.or(*count);
                    r.cost = r.cost.or(*cost);
                }
                r
            })
            .collect()
    }
}

fn cell(r: &ProjectRow, c: usize, now: DateTime<Utc>, abs: bool, t: &Theme) -> Cell {
    match c {
        0 => (sanitize::one_line(&r.name), t.accent),
        1 => (
            r.trace_count.map(format::thousands).unwrap_or_else(dash),
            t.text,
        ),
        2 => (time(r.last_trace, now, abs), t.dim),
        3 => (r.cost.map(format::cost).unwrap_or_else(dash), t.text),
        _ => (time(r.created, now, abs), t.dim),
    }
}

impl ListScreen for ProjectsScreen {
    type Row = ProjectRow;
    type Msg = PageResult;

    fn list(&mut self) -> &mut ListCore<ProjectRow> {
        &mut self.list
    }

    fn requery(&mut self, ctx: &mut Ctx<PageResult>) {
        self.reload(ctx);
    }

    fn load_more(&mut self, ctx: &mut Ctx<PageResult>) {
        if self.env.is_some()
            && let Some(req) = self.list.request_more(20)
        {
            self.load(req, ctx);
        }
    }

    fn own_action(&mut self, action: Action, ctx: &mut Ctx<PageResult>) -> Handled {
        match action {
            Action::Open | Action::Right => {
                self.open_selected(|project| ScreenRequest::Traces { project }, ctx)
            }
            Action::Threads => {
                self.open_selected(|project| ScreenRequest::Threads { project }, ctx)
            }
            Action::Copy => match self.list.selected().and_then(|r| r.id) {
                Some(id) => ctx.copy(id.to_string()),
                None => return Handled::No,
            },
            Action::Back if !self.list.prompts.search.is_empty() => {
                self.list.prompts.search.clear();
                self.reload(ctx);
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }
}

impl Screen for ProjectsScreen {
    type Msg = PageResult;

    fn title(&self) -> String {
        "Projects".into()
    }

    fn context(&self) -> KeyContext {
        KeyContext::Projects
    }

    fn on_open(&mut self, ctx: &mut Ctx<PageResult>) {
        self.reload(ctx);
    }

    fn refresh(&mut self, ctx: &mut Ctx<PageResult>) {
        self.reload(ctx);
    }

    /// Back from a project: its trace count and last trace changed if traces came in, so
    /// rows read longer ago than the refresh interval are re-read, keeping the selection.
    fn on_resume(&mut self, ctx: &mut Ctx<PageResult>) {
        if let Some(env) = &self.env
            && self.list.is_stale(ctx.now, env.refresh)
        {
            let req = self.list.request_refresh();
            self.load(req, ctx);
        }
    }

    /// Relative times tick.
    fn tick_interval(&self) -> Option<std::time::Duration> {
        self.list.time_tick()
    }

    fn capturing_text(&self) -> bool {
        self.list.capturing_text()
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<PageResult>) -> Handled {
        list::on_key(self, key, ctx)
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<PageResult>) -> Handled {
        list::on_action(self, action, ctx)
    }

    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<PageResult>) -> Handled {
        list::on_mouse(self, ev, ctx)
    }

    fn on_msg(&mut self, res: PageResult, ctx: &mut Ctx<PageResult>) {
        self.list.loading = false;
        match res {
            Ok((req, list, stats)) => {
                let rows = Self::rows(&list, stats);
                self.list
                    .place(req, rows, list.total, |r| Some(r.name.clone()));
                self.list.error = None;
                self.list.loaded(ctx.now);
                ctx.project_names(completion_names(&self.list.rows));
                ctx.refreshed();
                self.load_more(ctx);
            }
            Err(e) => {
                self.list.error = Some(e.to_string());
                ctx.toast_error(format!("loading projects: {e}"));
            }
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let mut title = vec![Span::styled(" Projects ", t.title)];
        title.extend(self.list.prompts.search_span(t));
        title.extend(self.list.sort.span(t));
        let empty = if self.list.loading {
            "loading…"
        } else if self.list.error.is_some() {
            "could not load projects — r retries"
        } else if self.list.prompts.search.is_empty() {
            "no projects yet — log traces with the Opik SDK, or run `opik-tui demo`"
        } else {
            "no project matches the search — Esc clears it"
        };
        let (now, abs) = (ctx.now, self.list.absolute_time);
        self.list.draw(
            frame,
            area,
            t,
            ListView {
                title: Line::from(title),
                columns: &Self::columns(),
                empty,
            },
            |r, c| cell(r, c, now, abs, t),
            |_| None,
        );
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::Open,
            Action::Search,
            Action::CycleSort,
            Action::Threads,
            Action::ToggleTime,
            Action::Copy,
            Action::Refresh,
        ]
    }
}

/// The names `:project`/`:traces` complete to: raw, as the server knows them (a sanitised
/// name would be "not found"); the candidate list and the input line draw them sanitised.
fn completion_names(rows: &[ProjectRow]) -> Vec<String> {
    rows.iter().map(|r| r.name.clone()).collect()
}

#[cfg(test)]
mod hostile_name_tests {
    use super::*;
    use crate::app::testing::{buffer_text, render_screen};
    use crate::theme::Theme;

    #[test]
    fn a_project_name_with_escapes_is_kept_for_requests_and_sanitised_on_screen() {
        let raw = "hostile \u{1b}[31mred\u{1b}]0;title\u{7}";
        let p = Project {
            name: raw.into(),
            ..Project::default()
        };
        let row = ProjectRow::from_project(&p);
        // The traces screen asks the server for this exact name.
        assert_eq!(row.name, raw);
        let mut s = ProjectsScreen::with_rows(vec![row], Some(1));
        let out = buffer_text(&render_screen(&mut s, 80, 6, &Theme::dark()));
        assert!(!out.contains('\u{1b}'), "{out}");
        assert!(out.contains("hostile red"), "{out}");
    }

    #[test]
    fn completion_offers_the_name_the_server_knows() {
        let raw = "evil\u{7}name\u{1b}[31m";
        let p = Project {
            name: raw.into(),
            ..Project::default()
        };
        assert_eq!(completion_names(&[ProjectRow::from_project(&p)]), [raw]);
    }
}
