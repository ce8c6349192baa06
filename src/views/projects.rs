//! The projects list: name, trace count, last trace time (and cost). `Enter` opens the
//! project's traces; `/` searches names on the server; `s` cycles the sort; `t` toggles
//! relative/absolute times; `y` copies the project id.

use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use uuid::Uuid;

use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::error::ApiError;
use crate::opik::model::{Page, Project, ProjectStatsSummary, Sorting};
use crate::render::{format, sanitize};
use crate::widgets::input::{InputEvent, TextInput};
use crate::widgets::table::{self, Column, TableState, TableView};

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

/// Sort orders `s` cycles through: (label, field, descending).
const SORTS: &[(&str, &str, bool)] = &[
    ("last trace", "last_updated_trace_at", true),
    ("name", "name", false),
    ("created", "created_at", true),
];

pub struct ProjectsScreen {
    env: Option<Rc<AppEnv>>,
    pub rows: Vec<ProjectRow>,
    pub total: Option<i64>,
    pub state: TableState,
    sort: usize,
    reverse: bool,
    pub absolute_time: bool,
    search: Option<TextInput>,
    applied_search: String,
    loaded_pages: u32,
    pub error: Option<String>,
    loading: bool,
}

/// The projects screen's one task: a page of projects with their stats.
pub type PageResult = Result<(u32, Page<Project>, Option<ProjectStatsSummary>), ApiError>;

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
            rows,
            total,
            state: TableState::default(),
            sort: 0,
            reverse: false,
            absolute_time: false,
            search: None,
            applied_search: String::new(),
            loaded_pages: 0,
            error: None,
            loading: false,
        }
    }

    fn columns() -> Vec<Column> {
        vec![
            Column::flex("Name", 3, 12),
            Column::fixed("Traces", 9).right(),
            Column::fixed("Last trace", 19),
            Column::fixed("Cost", 10).right().optional(2),
            Column::fixed("Created", 19).optional(1),
        ]
    }

    fn load(&mut self, page: u32, ctx: &mut Ctx<PageResult>) {
        let Some(env) = &self.env else { return };
        let client = env.client.clone();
        let (_, field, desc) = SORTS[self.sort];
        let desc = desc ^ self.reverse;
        let sorting = vec![Sorting {
            field: field.into(),
            direction: if desc { "DESC" } else { "ASC" }.into(),
        }];
        let name = (!self.applied_search.is_empty()).then(|| self.applied_search.clone());
        self.loading = true;
        ctx.spawn("page", async move {
            let list = client.list_projects(page, PAGE, name.as_deref(), &sorting);
            let stats = client.project_stats(page, PAGE);
            let (list, stats) = tokio::join!(list, stats);
            let r: PageResult = list.map(|l| (page, l, stats.ok()));
            r
        });
    }

    fn reload(&mut self, ctx: &mut Ctx<PageResult>) {
        self.loaded_pages = 0;
        self.load(1, ctx);
    }

    fn maybe_load_more(&mut self, ctx: &mut Ctx<PageResult>) {
        let more = self.total.is_some_and(|t| (self.rows.len() as i64) < t);
        if more && !self.loading && self.state.selected + 20 >= self.rows.len() {
            self.load(self.loaded_pages + 1, ctx);
        }
    }

    fn selected(&self) -> Option<&ProjectRow> {
        self.rows.get(self.state.selected)
    }
}

fn time(t: Option<DateTime<Utc>>, now: DateTime<Utc>, absolute: bool) -> String {
    match t {
        None => "–".into(),
        Some(t) if absolute => format::absolute(t),
        Some(t) => format::relative(t, now),
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

    fn capturing_text(&self) -> bool {
        self.search.is_some()
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<PageResult>) -> Handled {
        let Some(input) = self.search.as_mut() else {
            return Handled::No;
        };
        match input.handle_key(key) {
            InputEvent::Submit => {
                self.applied_search = input.value().trim().to_string();
                self.search = None;
                self.state.first();
                self.reload(ctx);
            }
            InputEvent::Cancel => {
                self.search = None;
                if !self.applied_search.is_empty() {
                    self.applied_search.clear();
                    self.reload(ctx);
                }
            }
            _ => {}
        }
        Handled::Yes
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<PageResult>) -> Handled {
        let len = self.rows.len();
        match action {
            Action::Down => self.state.down(1, len),
            Action::Up => self.state.up(1),
            Action::PageDown => self.state.page_down(len),
            Action::PageUp => self.state.page_up(),
            Action::First => self.state.first(),
            Action::Last => self.state.last(len),
            Action::Open | Action::Right => {
                if let Some(r) = self.selected() {
                    let project = r.name.clone();
                    ctx.set_project(project.clone());
                    ctx.open(ScreenRequest::Traces { project });
                }
            }
            Action::Threads => {
                if let Some(r) = self.selected() {
                    let project = r.name.clone();
                    ctx.set_project(project.clone());
                    ctx.open(ScreenRequest::Threads { project });
                }
            }
            Action::Search => {
                self.search = Some(TextInput::new(&self.applied_search));
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
            Action::Copy => match self.selected().and_then(|r| r.id) {
                Some(id) => ctx.copy(id.to_string()),
                None => return Handled::No,
            },
            Action::Back if !self.applied_search.is_empty() => {
                self.applied_search.clear();
                self.reload(ctx);
            }
            _ => return Handled::No,
        }
        self.maybe_load_more(ctx);
        Handled::Yes
    }

    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<PageResult>) -> Handled {
        match super::list_mouse(&mut self.state, self.rows.len(), ev) {
            super::ListMouse::Run(a) => self.handle_action(a, ctx),
            super::ListMouse::Done(h) => h,
        }
    }

    fn on_msg(&mut self, res: PageResult, ctx: &mut Ctx<PageResult>) {
        self.loading = false;
        match res {
            Ok((page, list, stats)) => {
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
                let rows = list.content.iter().map(|p| {
                    let mut r = ProjectRow::from_project(p);
                    if let Some((count, cost)) = r.id.and_then(|id| counts.get(&id)) {
                        r.trace_count = r.trace_count.or(*count);
                        r.cost = r.cost.or(*cost);
                    }
                    r
                });
                let keep = self.selected().map(|r| r.name.clone());
                if page <= 1 {
                    self.rows = rows.collect();
                } else {
                    self.rows.extend(rows);
                }
                self.loaded_pages = page;
                self.total = list.total;
                self.error = None;
                if page <= 1
                    && let Some(name) = keep
                    && let Some(i) = self.rows.iter().position(|r| r.name == name)
                {
                    self.state.select(i, self.rows.len());
                }
                ctx.project_names(completion_names(&self.rows));
                ctx.refreshed();
            }
            Err(e) => {
                self.error = Some(e.to_string());
                ctx.toast_error(format!("loading projects: {e}"));
            }
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let (table_area, input_area) = if self.search.is_some() {
            let [a, b] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
            (a, Some(b))
        } else {
            (area, None)
        };
        let mut title = vec![Span::styled(" Projects ", t.title)];
        if !self.applied_search.is_empty() {
            title.push(Span::styled(
                format!("/{} ", sanitize::one_line(&self.applied_search)),
                t.accent,
            ));
        }
        let (sort_label, _, desc) = SORTS[self.sort];
        let desc = desc ^ self.reverse;
        title.push(Span::styled(format!("sort: {sort_label} "), t.dim));
        let cols = Self::columns();
        let sort_col = match self.sort {
            0 => 2,
            1 => 0,
            _ => 4,
        };
        let empty = if self.loading {
            "loading…"
        } else if self.error.is_some() {
            "could not load projects — r retries"
        } else if self.applied_search.is_empty() {
            "no projects yet — log traces with the Opik SDK, or run `opik-tui demo`"
        } else {
            "no project matches the search — Esc clears it"
        };
        let view = TableView {
            title: Line::from(title),
            columns: &cols,
            len: self.rows.len(),
            total: self.total,
            sort: Some((sort_col, desc)),
            focused: true,
            empty,
        };
        let now = ctx.now;
        let rows = &self.rows;
        let abs = self.absolute_time;
        table::render(
            frame,
            table_area,
            &view,
            &mut self.state,
            t,
            |i, c| {
                let r = &rows[i];
                match c {
                    0 => (sanitize::one_line(&r.name), t.accent),
                    1 => (
                        r.trace_count
                            .map(format::thousands)
                            .unwrap_or_else(|| "–".into()),
                        t.text,
                    ),
                    2 => (time(r.last_trace, now, abs), t.dim),
                    3 => (
                        r.cost.map(format::cost).unwrap_or_else(|| "–".into()),
                        t.text,
                    ),
                    _ => (time(r.created, now, abs), t.dim),
                }
            },
            |_| false,
        );
        if let (Some(input), Some(a)) = (&self.search, input_area) {
            input.draw(frame, a, "/", t.text, t.accent, true);
        }
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
