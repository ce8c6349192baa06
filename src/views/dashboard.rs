//! The live dashboard screen (`:dashboard`, `opik-tui dashboard [--project P]`).
//!
//! Two modes:
//! - **project**: a KPI row (traces, threads, error rate, cost, tokens, latency p50/p90/p99 and
//!   the average of each feedback score, each with its change against the previous period) and
//!   time-series panels (traces, cost, latency p50/p90/p99, tokens, errors, one per score);
//! - **overview** (no project): one row per project with sparklines for traces, cost, p90
//!   latency and errors; `Enter` opens that project's dashboard.
//!
//! `[`/`]` cycle the range (1h, 24h, 7d, 30d), `p` pauses, `r` refreshes now. While live, the
//! screen refetches every `refresh` (default 5 s) from a task ([`crate::dashboard::fetch`]);
//! the last data stays on screen until the new data replaces it in one step, so nothing
//! flickers and input is never blocked. The header says how long ago the data was fetched.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use uuid::Uuid;

use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, Screen};
use crate::dashboard::data::{OverviewData, OverviewRow, ProjectData};
use crate::dashboard::fetch;
use crate::dashboard::kpi::{Kpi, Sentiment};
use crate::dashboard::range::TimeRange;
use crate::dashboard::series::Series;
use crate::dashboard::units::Unit;
use crate::opik::client::OpikClient;
use crate::render::format;
use crate::render::sanitize::{one_line, truncate_to_width};
use crate::theme::Theme;
use crate::widgets::chart::{ChartLine, Spark, TimeChart};

/// Default live refresh period.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(5);

/// What the screen shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Overview,
    Project { name: String, id: Option<Uuid> },
}

/// What a fetch task hands back.
pub enum Loaded {
    Project(Result<Box<ProjectData>, String>),
    Overview(Result<OverviewData, String>),
}

pub struct DashboardScreen {
    client: Option<OpikClient>,
    target: Target,
    range: TimeRange,
    refresh: Duration,
    paused: bool,
    project: Option<ProjectData>,
    overview: Option<OverviewData>,
    selected: usize,
    /// First panel row shown (project mode, when the panels do not fit).
    scroll: usize,
    loading: bool,
    last_attempt: Option<DateTime<Utc>>,
    /// The last fetch failed as a whole (no project, server down); data stays as it was.
    error: Option<String>,
    /// Panel rows that fit at the last draw (for scrolling).
    panel_rows: (usize, usize),
}

impl DashboardScreen {
    /// A dashboard of `project` (or the overview when `None`) refreshing every `refresh`.
    pub fn new(client: OpikClient, project: Option<String>, refresh: Duration) -> Self {
        let mut s = Self::offline(project, refresh);
        s.client = Some(client);
        s
    }

    /// A dashboard with no client (for rendering tests: feed it data with
    /// [`DashboardScreen::set_project_data`] / [`DashboardScreen::set_overview_data`]).
    pub fn offline(project: Option<String>, refresh: Duration) -> Self {
        DashboardScreen {
            client: None,
            target: match project {
                Some(name) => Target::Project { name, id: None },
                None => Target::Overview,
            },
            range: TimeRange::default(),
            refresh: if refresh.is_zero() {
                DEFAULT_REFRESH
            } else {
                refresh
            },
            paused: false,
            project: None,
            overview: None,
            selected: 0,
            scroll: 0,
            loading: false,
            last_attempt: None,
            error: None,
            panel_rows: (0, 0),
        }
    }

    /// Opens on `range` instead of the default `24h`.
    pub fn with_range(mut self, range: TimeRange) -> Self {
        self.range = range;
        self
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn range(&self) -> TimeRange {
        self.range
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    pub fn set_project_data(&mut self, data: ProjectData) {
        self.range = data.range;
        if let Target::Project { id, .. } = &mut self.target {
            *id = Some(data.project_id);
        }
        self.project = Some(data);
        self.error = None;
    }

    pub fn set_overview_data(&mut self, data: OverviewData) {
        self.range = data.range;
        self.selected = self.selected.min(data.rows.len().saturating_sub(1));
        self.overview = Some(data);
        self.error = None;
    }

    pub fn set_error(&mut self, e: impl Into<String>) {
        self.error = Some(e.into());
    }

    fn due(&self, now: DateTime<Utc>) -> bool {
        match self.last_attempt {
            None => true,
            Some(t) => {
                let elapsed = (now - t).to_std().unwrap_or(Duration::ZERO);
                elapsed >= self.refresh
            }
        }
    }

    /// Starts a fetch of the current target and range (the previous one, if still running,
    /// is superseded: its result is dropped).
    fn fetch(&mut self, ctx: &mut Ctx<Loaded>) {
        let Some(client) = self.client.clone() else {
            return;
        };
        self.loading = true;
        self.last_attempt = Some(ctx.now);
        let range = self.range;
        match self.target.clone() {
            Target::Overview => {
                ctx.spawn("dashboard", async move {
                    let now = Utc::now();
                    Loaded::Overview(
                        fetch::overview(&client, range, now)
                            .await
                            .map_err(|e| e.to_string()),
                    )
                });
            }
            Target::Project { name, id } => {
                ctx.spawn("dashboard", async move {
                    let id = match id {
                        Some(id) => id,
                        None => match client.retrieve_project(&name).await {
                            Ok(p) => match p.id {
                                Some(id) => id,
                                None => {
                                    return Loaded::Project(Err(format!(
                                        "the server returned project `{name}` without an id"
                                    )));
                                }
                            },
                            Err(e) => {
                                return Loaded::Project(Err(format!(
                                    "{e} — check the name with :projects"
                                )));
                            }
                        },
                    };
                    let now = Utc::now();
                    Loaded::Project(Ok(Box::new(
                        fetch::project_dashboard(&client, id, &name, range, now).await,
                    )))
                });
            }
        }
    }

    fn set_range(&mut self, range: TimeRange, ctx: &mut Ctx<Loaded>) {
        if range != self.range {
            self.range = range;
            self.scroll = 0;
            self.fetch(ctx);
        }
    }

    fn fetched_at(&self) -> Option<DateTime<Utc>> {
        match self.target {
            Target::Overview => self.overview.as_ref().map(|o| o.fetched_at),
            Target::Project { .. } => self.project.as_ref().map(|p| p.fetched_at),
        }
    }

    fn header(&self, now: DateTime<Utc>, theme: &Theme, width: u16) -> Line<'static> {
        let full = self.header_line(now, theme, false);
        if full.width() <= width as usize {
            full
        } else {
            self.header_line(now, theme, true)
        }
    }

    fn header_line(&self, now: DateTime<Utc>, theme: &Theme, compact: bool) -> Line<'static> {
        let title = match &self.target {
            Target::Overview => "All projects".to_string(),
            Target::Project { name, .. } => one_line(name),
        };
        let mut spans = vec![
            Span::styled(format!(" {title} "), theme.title),
            Span::styled("│ ", theme.dim),
        ];
        for r in TimeRange::ALL {
            if r == self.range {
                spans.push(Span::styled(
                    format!("[{}]", r.label()),
                    theme.accent.add_modifier(Modifier::BOLD),
                ));
            } else {
                spans.push(Span::styled(format!(" {} ", r.label()), theme.dim));
            }
        }
        spans.push(Span::styled(
            if compact {
                " │ ".to_string()
            } else {
                format!(" │ {} buckets, UTC │ ", self.range.bucket().label())
            },
            theme.dim,
        ));
        match self.fetched_at() {
            Some(t) => spans.push(Span::styled(
                format!("updated {}", format::relative(t, now)),
                theme.text,
            )),
            None if self.error.is_some() => {
                spans.push(Span::styled("not loaded", theme.error));
            }
            None => spans.push(Span::styled("loading…", theme.dim)),
        }
        spans.push(Span::styled(" │ ", theme.dim));
        if self.paused {
            spans.push(Span::styled(
                if compact {
                    "⏸ paused"
                } else {
                    "⏸ paused (p resumes)"
                },
                theme.warning,
            ));
        } else {
            let secs = self.refresh.as_secs().max(1);
            spans.push(Span::styled(
                if compact {
                    format!("● live {secs}s")
                } else {
                    format!("● live every {secs}s")
                },
                theme.success,
            ));
        }
        if self.loading {
            spans.push(Span::styled(" ⟳", theme.dim));
        }
        Line::from(spans)
    }

    fn draw_project(&mut self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let Some(data) = &self.project else {
            let msg = match &self.error {
                Some(e) => format!("{e}\n\nr retries"),
                None => "loading…".into(),
            };
            let style = if self.error.is_some() {
                theme.error
            } else {
                theme.dim
            };
            Paragraph::new(msg)
                .style(style)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        };
        let per_row = (area.width / 15).max(1) as usize;
        let kpi_rows = data.kpis.len().div_ceil(per_row).max(1);
        let notes: Vec<String> = self
            .error
            .iter()
            .cloned()
            .chain(data.notes.iter().cloned())
            .collect();
        let notes_h = if notes.is_empty() { 0 } else { 1 };
        let [kpi_area, panels_area, notes_area] = Layout::vertical([
            Constraint::Length((kpi_rows * 3) as u16),
            Constraint::Min(0),
            Constraint::Length(notes_h),
        ])
        .areas(area);
        draw_kpis(&data.kpis, per_row, kpi_area, buf, theme);
        let (rows, shown) = draw_panels(data, self.scroll, panels_area, buf, theme);
        self.panel_rows = (rows, shown);
        if notes_h > 0 {
            let text = format!("⚠ {}", one_line(&notes.join("; ")));
            Paragraph::new(Span::styled(
                truncate_to_width(&text, notes_area.width as usize).into_owned(),
                theme.warning,
            ))
            .render(notes_area, buf);
        }
    }

    fn draw_overview(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let Some(data) = &self.overview else {
            let msg = match &self.error {
                Some(e) => format!("{e}\n\nr retries"),
                None => "loading…".into(),
            };
            Paragraph::new(msg)
                .style(if self.error.is_some() {
                    theme.error
                } else {
                    theme.dim
                })
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        };
        if data.rows.is_empty() {
            Paragraph::new(
                "no projects yet — log traces with the Opik SDK (OPIK_URL_OVERRIDE=<this server>/api)",
            )
            .style(theme.dim)
            .wrap(Wrap { trim: true })
            .render(area, buf);
            return;
        }
        draw_overview_table(data, self.selected, area, buf, theme);
    }
}

fn sentiment_style(s: Sentiment, theme: &Theme) -> Style {
    match s {
        Sentiment::Good => theme.success,
        Sentiment::Bad => theme.error,
        Sentiment::Neutral => theme.dim,
    }
}

fn draw_kpis(kpis: &[Kpi], per_row: usize, area: Rect, buf: &mut Buffer, theme: &Theme) {
    if area.height == 0 || kpis.is_empty() {
        return;
    }
    let rows = kpis.chunks(per_row);
    for (r, chunk) in rows.enumerate() {
        let y = area.y + (r as u16) * 3;
        if y + 3 > area.bottom() {
            break;
        }
        let row = Rect::new(area.x, y, area.width, 3);
        let cells =
            Layout::horizontal(vec![Constraint::Ratio(1, per_row as u32); per_row]).split(row);
        for (kpi, cell) in chunk.iter().zip(cells.iter()) {
            let w = cell.width.saturating_sub(1) as usize;
            let label = truncate_to_width(&one_line(&kpi.label), w).into_owned();
            let value = truncate_to_width(&kpi.value_text(), w).into_owned();
            let delta = truncate_to_width(&kpi.delta_text(), w).into_owned();
            let lines = vec![
                Line::from(Span::styled(label, theme.dim)),
                Line::from(Span::styled(
                    value,
                    theme.accent.add_modifier(Modifier::BOLD),
                )),
                Line::from(Span::styled(delta, sentiment_style(kpi.sentiment(), theme))),
            ];
            Paragraph::new(lines).render(
                Rect::new(cell.x + 1, cell.y, cell.width.saturating_sub(1), 3),
                buf,
            );
        }
    }
}

/// One chart panel.
struct Panel<'a> {
    title: String,
    unit: Unit,
    lines: Vec<(String, &'a Series)>,
    empty: String,
}

fn panels(data: &ProjectData) -> Vec<Panel<'_>> {
    let r = data.range.label();
    let s = &data.series;
    let mut out = vec![
        Panel {
            title: format!("traces {}", compact_total(&s.traces, Unit::Count)),
            unit: Unit::Count,
            lines: vec![("traces".into(), &s.traces)],
            empty: format!("no traces in {r}"),
        },
        Panel {
            title: format!("cost {}", compact_total(&s.cost, Unit::Cost)),
            unit: Unit::Cost,
            lines: vec![("cost".into(), &s.cost)],
            empty: format!("no cost recorded in {r}"),
        },
        Panel {
            title: "latency p50/p90/p99".into(),
            unit: Unit::DurationMs,
            lines: s.latency.iter().map(|l| (l.name.clone(), l)).collect(),
            empty: format!("no latency data in {r}"),
        },
        Panel {
            title: format!("tokens {}", compact_total(&s.tokens, Unit::Tokens)),
            unit: Unit::Tokens,
            lines: vec![("tokens".into(), &s.tokens)],
            empty: format!("no token usage in {r}"),
        },
        Panel {
            title: format!("errors {}", compact_total(&s.errors, Unit::Count)),
            unit: Unit::Count,
            lines: vec![("errors".into(), &s.errors)],
            empty: format!("no errors in {r}"),
        },
    ];
    for sc in &s.scores {
        let name = one_line(&sc.name);
        // The average over the range is the KPI's (from the stats, every score counted); the
        // mean of the hourly averages is not it (Opik leaves buckets averaging 0 empty, so a
        // 👍/👎 score would read "avg 1").
        let avg = data
            .kpis
            .iter()
            .find(|k| k.unit == Unit::Score && k.label == sc.name)
            .and_then(|k| k.current)
            .or_else(|| sc.mean());
        out.push(Panel {
            title: format!(
                "score {name} · avg {}",
                avg.map(|v| Unit::Score.format(v))
                    .unwrap_or_else(|| "–".into())
            ),
            unit: Unit::Score,
            lines: vec![(name.clone(), sc)],
            empty: format!("no {name} scores in {r}"),
        });
    }
    out
}

fn compact_total(s: &Series, unit: Unit) -> String {
    match s.total() {
        Some(t) if s.has_data() => unit.format(t),
        _ => "–".into(),
    }
}

/// Draws the panels grid from panel row `scroll`; returns (total rows, rows shown).
fn draw_panels(
    data: &ProjectData,
    scroll: usize,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) -> (usize, usize) {
    if area.height < 3 || area.width < 10 {
        return (0, 0);
    }
    let ps = panels(data);
    let cols: usize = if area.width >= 150 {
        3
    } else if area.width >= 60 {
        2
    } else {
        1
    };
    let rows = ps.len().div_ceil(cols);
    let min_h = 6u16;
    let fit = ((area.height / min_h) as usize).clamp(1, rows.max(1));
    let scroll = scroll.min(rows.saturating_sub(fit));
    let row_h = area.height / fit as u16;
    let bucket = data.range.bucket().label();
    for (ri, row_panels) in ps.chunks(cols).enumerate().skip(scroll).take(fit) {
        let y = area.y + (ri - scroll) as u16 * row_h;
        let h = if ri - scroll + 1 == fit {
            area.bottom() - y
        } else {
            row_h
        };
        let row = Rect::new(area.x, y, area.width, h);
        let cells = Layout::horizontal(vec![Constraint::Ratio(1, cols as u32); cols]).split(row);
        for (p, cell) in row_panels.iter().zip(cells.iter()) {
            let title = Line::from(vec![
                Span::styled(format!(" {} ", p.title), theme.title),
                Span::styled(format!("· {bucket} "), theme.dim),
            ]);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(title);
            let lines = p
                .lines
                .iter()
                .enumerate()
                .map(|(i, (label, s))| ChartLine::new(label.clone(), s, theme.chart(i)))
                .collect();
            TimeChart::new(lines, p.unit)
                .block(block)
                .axis_style(theme.dim)
                .empty(p.empty.clone(), theme.dim)
                .render(*cell, buf);
        }
    }
    if rows > fit {
        let more = format!(" ↓ {} more (j/k) ", rows - fit - scroll);
        if scroll + fit < rows {
            let w = more.chars().count() as u16;
            let x = area.right().saturating_sub(w + 1);
            buf.set_string(x, area.bottom() - 1, more, theme.accent);
        }
    }
    (rows, fit)
}

fn draw_overview_table(
    data: &OverviewData,
    selected: usize,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    if area.height < 2 {
        return;
    }
    let name_w = (area.width / 5).clamp(10, 28);
    let rest = area.width.saturating_sub(name_w + 1);
    let group = rest / 4;
    // Wide enough for every row's values (a tiny cost is `$0.000079`), at least 8.
    let widest = data
        .rows
        .iter()
        .flat_map(|row| overview_values(row).map(|t| crate::render::sanitize::display_width(&t)))
        .max()
        .unwrap_or(0);
    let val_w = u16::try_from(widest)
        .unwrap_or(u16::MAX)
        .max(8)
        .min(group.saturating_sub(2));
    let spark_w = group.saturating_sub(val_w + 2);
    let r = data.range.label();
    let heads = [
        format!("traces {r}"),
        format!("cost {r}"),
        "p90 latency".to_string(),
        format!("errors {r}"),
    ];
    let y0 = area.y;
    buf.set_string(area.x + 1, y0, "project", theme.header);
    for (i, h) in heads.iter().enumerate() {
        let x = area.x + name_w + 1 + group * i as u16;
        buf.set_string(
            x,
            y0,
            truncate_to_width(h, group.saturating_sub(1) as usize),
            theme.header,
        );
    }
    let visible = (area.height - 1) as usize;
    let first = selected.saturating_sub(visible.saturating_sub(1));
    for (i, row) in data.rows.iter().enumerate().skip(first).take(visible) {
        let y = y0 + 1 + (i - first) as u16;
        let sel = i == selected;
        if sel {
            buf.set_style(Rect::new(area.x, y, area.width, 1), theme.selection);
        }
        let name_style = if sel { theme.selection } else { theme.text };
        buf.set_string(
            area.x + 1,
            y,
            truncate_to_width(&one_line(&row.name), name_w.saturating_sub(2) as usize),
            name_style,
        );
        if let Some(e) = &row.error {
            buf.set_string(
                area.x + name_w + 1,
                y,
                truncate_to_width(&one_line(e), rest as usize),
                theme.error,
            );
            continue;
        }
        let [traces, cost, p90, errors] = overview_values(row);
        let cols: [(String, &Series, usize); 4] = [
            (traces, &row.traces, 0),
            (cost, &row.cost, 1),
            (p90, &row.p90, 2),
            (errors, &row.errors, 3),
        ];
        for (text, series, i) in cols {
            let x = area.x + name_w + 1 + group * i as u16;
            let val_style = if i == 3 && row.total_errors() > 0.0 {
                theme.error
            } else {
                theme.accent
            };
            buf.set_string(
                x,
                y,
                format!(
                    "{:>w$}",
                    truncate_to_width(&text, val_w as usize),
                    w = val_w as usize
                ),
                if sel { theme.selection } else { val_style },
            );
            if spark_w > 0 {
                Spark::new(series, theme.chart(i))
                    .empty("·", theme.dim)
                    .render(Rect::new(x + val_w + 1, y, spark_w, 1), buf);
            }
        }
    }
    if data.more > 0 && (data.rows.len() < visible) {
        let y = y0 + 1 + data.rows.len() as u16;
        buf.set_string(
            area.x + 1,
            y,
            format!("… {} more projects (least recently active)", data.more),
            theme.dim,
        );
    }
}

impl Screen for DashboardScreen {
    type Msg = Loaded;

    fn title(&self) -> String {
        match &self.target {
            Target::Overview => "Dashboard".into(),
            Target::Project { name, .. } => format!("Dashboard · {}", one_line(name)),
        }
    }

    fn context(&self) -> KeyContext {
        KeyContext::Dashboard
    }

    fn on_open(&mut self, ctx: &mut Ctx<Loaded>) {
        if let Target::Project { name, .. } = &self.target {
            ctx.set_project(name.clone());
        }
        self.fetch(ctx);
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<Loaded>) -> Handled {
        match action {
            Action::RangeNext | Action::TimeRange | Action::NextTab => {
                self.set_range(self.range.next(), ctx)
            }
            Action::RangePrev | Action::PrevTab => self.set_range(self.range.prev(), ctx),
            Action::Pause => {
                self.paused = !self.paused;
                if !self.paused && self.due(ctx.now) {
                    self.fetch(ctx);
                }
            }
            Action::Down | Action::ScrollDown => match self.target {
                Target::Overview => {
                    let n = self.overview.as_ref().map(|o| o.rows.len()).unwrap_or(0);
                    self.selected = (self.selected + 1).min(n.saturating_sub(1));
                }
                Target::Project { .. } => {
                    let (rows, fit) = self.panel_rows;
                    self.scroll = (self.scroll + 1).min(rows.saturating_sub(fit));
                }
            },
            Action::Up | Action::ScrollUp => match self.target {
                Target::Overview => self.selected = self.selected.saturating_sub(1),
                Target::Project { .. } => self.scroll = self.scroll.saturating_sub(1),
            },
            Action::First => {
                self.selected = 0;
                self.scroll = 0;
            }
            Action::Last => {
                let n = self.overview.as_ref().map(|o| o.rows.len()).unwrap_or(0);
                self.selected = n.saturating_sub(1);
                self.scroll = self.panel_rows.0.saturating_sub(self.panel_rows.1);
            }
            Action::Open if self.target == Target::Overview => {
                let Some(row) = self
                    .overview
                    .as_ref()
                    .and_then(|o| o.rows.get(self.selected))
                else {
                    return Handled::No;
                };
                let Some(client) = self.client.clone() else {
                    return Handled::Yes;
                };
                let mut screen = DashboardScreen::new(client, Some(row.name.clone()), self.refresh)
                    .with_range(self.range);
                screen.paused = self.paused;
                screen.target = Target::Project {
                    name: row.name.clone(),
                    id: Some(row.project_id),
                };
                ctx.push(Box::new(screen));
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_msg(&mut self, loaded: Loaded, ctx: &mut Ctx<Loaded>) {
        self.loading = false;
        match loaded {
            Loaded::Project(Ok(d)) => {
                // A result for a range the user has since left is dropped by the shell (same key).
                self.set_project_data(*d);
                ctx.refreshed();
            }
            Loaded::Overview(Ok(d)) => {
                self.set_overview_data(d);
                ctx.refreshed();
            }
            Loaded::Project(Err(e)) | Loaded::Overview(Err(e)) => {
                if self.error.as_deref() != Some(e.as_str()) {
                    ctx.toast_error(e.clone());
                }
                self.error = Some(e);
            }
        }
    }

    fn tick_interval(&self) -> Option<Duration> {
        // Ticks keep "updated Xs ago" current and trigger the live refresh.
        Some(Duration::from_secs(1))
    }

    fn on_tick(&mut self, ctx: &mut Ctx<Loaded>) {
        if !self.paused && !self.loading && self.due(ctx.now) {
            self.fetch(ctx);
        }
    }

    fn refresh(&mut self, ctx: &mut Ctx<Loaded>) {
        self.fetch(ctx);
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        if area.height == 0 {
            return;
        }
        let theme = ctx.theme;
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        let buf = frame.buffer_mut();
        Paragraph::new(self.header(ctx.now, theme, head.width)).render(head, buf);
        match self.target {
            Target::Overview => self.draw_overview(body, buf, theme),
            Target::Project { .. } => self.draw_project(body, buf, theme),
        }
    }

    fn hints(&self) -> Vec<Action> {
        let mut v = Vec::new();
        if self.target == Target::Overview {
            v.push(Action::Open);
        }
        v.extend([
            Action::RangeNext,
            Action::RangePrev,
            Action::Pause,
            Action::Refresh,
        ]);
        v
    }

    fn status(&self) -> Option<String> {
        Some(if self.paused {
            "paused".into()
        } else {
            format!("live {}s", self.refresh.as_secs().max(1))
        })
    }
}

/// Rows of the overview (for tests and callers that want the drill-in target).
/// The overview's four values for a project row: traces, cost, p90 latency, errors.
fn overview_values(row: &OverviewRow) -> [String; 4] {
    [
        Unit::Count.format(row.total_traces()),
        row.total_cost()
            .map(|c| Unit::Cost.format(c))
            .unwrap_or_else(|| "–".into()),
        row.last_p90()
            .map(|v| Unit::DurationMs.format(v))
            .unwrap_or_else(|| "–".into()),
        Unit::Count.format(row.total_errors()),
    ]
}

pub fn overview_row(data: &OverviewData, i: usize) -> Option<&OverviewRow> {
    data.rows.get(i)
}

/// Deterministic dashboards (fixed "now" of the test helpers) for snapshots and
/// `examples/screenshots.rs`.
pub mod samples {
    use super::*;
    use crate::app::testing::fixed_now;
    use crate::dashboard::data::{MetricAnswers, SeriesSet};
    use crate::dashboard::kpi::{KpiInputs, build_kpis};
    use crate::opik::model::{
        MetricPoint, MetricSeries, ProjectMetricResponse, ProjectStats, StatItem,
    };
    use serde_json::{Value, json};

    fn resp(series: &[(&str, Vec<Option<f64>>)], data: &ProjectData) -> ProjectMetricResponse {
        let times = data.window.buckets(data.range.bucket());
        ProjectMetricResponse {
            results: series
                .iter()
                .map(|(n, vals)| MetricSeries {
                    name: n.to_string(),
                    data: times
                        .iter()
                        .zip(vals)
                        .map(|(t, v)| MetricPoint {
                            time: Some(*t),
                            value: *v,
                        })
                        .collect(),
                })
                .collect(),
            ..Default::default()
        }
    }

    fn stats(items: &[(&str, Value)]) -> ProjectStats {
        ProjectStats {
            stats: items
                .iter()
                .map(|(n, v)| StatItem {
                    name: n.to_string(),
                    stat_type: "COUNT".into(),
                    value: v.clone(),
                })
                .collect(),
        }
    }

    fn wave(n: usize, base: f64, amp: f64) -> Vec<Option<f64>> {
        (0..n)
            .map(|i| Some(base + amp * (((i * 7) % 11) as f64 / 10.0)))
            .collect()
    }

    /// A deterministic 24h project dashboard.
    pub fn sample_project() -> ProjectData {
        let range = TimeRange::Day;
        let window = range.window(fixed_now());
        let mut data = ProjectData {
            project_id: Uuid::nil(),
            project_name: "checkout-bot".into(),
            range,
            window,
            series: SeriesSet::empty(window, range.bucket()),
            kpis: Vec::new(),
            notes: Vec::new(),
            fetched_at: fixed_now() - chrono::Duration::seconds(3),
        };
        let n = window.buckets(range.bucket()).len();
        let mut errors = vec![Some(0.0); n];
        errors[20] = Some(3.0);
        errors[21] = Some(1.0);
        let answers = MetricAnswers {
            traces: Some(resp(&[("traces", wave(n, 40.0, 60.0))], &data)),
            cost: Some(resp(&[("cost", wave(n, 0.02, 0.05))], &data)),
            duration: Some(resp(
                &[
                    ("duration.p50", wave(n, 700.0, 300.0)),
                    ("duration.p90", wave(n, 1800.0, 600.0)),
                    ("duration.p99", wave(n, 3500.0, 1500.0)),
                ],
                &data,
            )),
            tokens: Some(resp(&[("total_tokens", wave(n, 9000.0, 8000.0))], &data)),
            scores: Some(resp(&[("relevance", wave(n, 0.6, 0.3))], &data)),
            errors: Some(resp(&[("traces", errors)], &data)),
        };
        data.series = SeriesSet::from_metrics(&answers, window, range.bucket());
        data.kpis = build_kpis(&KpiInputs {
            traces: Some(stats(&[
                ("trace_count", json!(1840)),
                (
                    "duration",
                    json!({"p50": 850.0, "p90": 2300.0, "p99": 4800.0}),
                ),
                ("total_estimated_cost_sum", json!(1.4234)),
                ("error_count", json!(4)),
                ("feedback_score.relevance", json!(0.82)),
            ])),
            traces_prev: Some(stats(&[
                ("trace_count", json!(1500)),
                (
                    "duration",
                    json!({"p50": 900.0, "p90": 2100.0, "p99": 4790.0}),
                ),
                ("total_estimated_cost_sum", json!(1.1)),
                ("error_count", json!(1)),
                ("feedback_score.relevance", json!(0.86)),
            ])),
            threads: Some(stats(&[("thread_count", json!(312))])),
            threads_prev: Some(stats(&[("thread_count", json!(298))])),
            tokens: data.series.tokens.total(),
            tokens_prev: Some(300_000.0),
            ..Default::default()
        });
        data
    }

    pub fn sample_overview() -> OverviewData {
        let p = sample_project();
        let range = p.range;
        let mk = |name: &str, scale: f64, err: bool| {
            let mut row = OverviewRow {
                project_id: Uuid::nil(),
                name: name.into(),
                traces: p.series.traces.clone(),
                cost: p.series.cost.clone(),
                p90: p.series.latency[1].clone(),
                errors: p.series.errors.clone(),
                error: None,
            };
            for s in [&mut row.traces, &mut row.cost, &mut row.p90] {
                for v in s.values.iter_mut().flatten() {
                    *v = (*v * scale * 1000.0).round() / 1000.0;
                }
            }
            for v in row.traces.values.iter_mut().flatten() {
                *v = v.round();
            }
            if !err {
                for v in row.errors.values.iter_mut() {
                    *v = Some(0.0);
                }
            }
            row
        };
        let mut empty = mk("sandbox", 0.0, false);
        for s in [&mut empty.traces, &mut empty.cost, &mut empty.p90] {
            s.values = vec![None; s.values.len()];
        }
        let mut broken = mk("legacy\u{1b}[31m-app", 1.0, false);
        broken.error = Some("DURATION metrics: Opik server error (HTTP 500): boom".into());
        OverviewData {
            range,
            window: p.window,
            rows: vec![
                mk("checkout-bot", 1.0, true),
                mk("support-agent", 0.3, false),
                empty,
                broken,
            ],
            more: 2,
            fetched_at: fixed_now() - chrono::Duration::seconds(12),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::samples::{sample_overview, sample_project};
    use super::*;
    use crate::app::testing::{buffer_text, fixed_now, render_screen};
    use crate::dashboard::data::SeriesSet;
    use crate::dashboard::kpi::{KpiInputs, build_kpis};

    fn screen_text(s: &mut DashboardScreen, w: u16, h: u16) -> String {
        buffer_text(&render_screen(s, w, h, &Theme::dark()))
    }

    #[test]
    fn project_dashboard_snapshots() {
        let mut s = DashboardScreen::offline(Some("checkout-bot".into()), DEFAULT_REFRESH);
        s.set_project_data(sample_project());
        let big = screen_text(&mut s, 160, 45);
        assert!(big.contains("[24h]"), "{big}");
        assert!(
            big.contains("updated just now") || big.contains("updated"),
            "{big}"
        );
        assert!(big.contains("1,840") || big.contains("1.8k"), "{big}");
        assert!(big.contains("▲ +22.7%"), "{big}");
        assert!(big.contains("latency p50/p90/p99"), "{big}");
        assert!(big.contains("p99"), "{big}");
        assert!(big.contains("score relevance"), "{big}");
        insta::assert_snapshot!("project_160x45", big);
        let small = screen_text(&mut s, 80, 24);
        assert!(small.contains("traces"), "{small}");
        insta::assert_snapshot!("project_80x24", small);
    }

    #[test]
    fn empty_project_says_no_data() {
        let mut data = sample_project();
        let w = data.window;
        data.series = SeriesSet::empty(w, data.range.bucket());
        data.kpis = build_kpis(&KpiInputs::default());
        data.notes = vec!["FEEDBACK_SCORES metrics: Opik server error (HTTP 500): boom".into()];
        let mut s = DashboardScreen::offline(Some("quiet".into()), DEFAULT_REFRESH);
        s.set_project_data(data);
        let out = screen_text(&mut s, 120, 30);
        assert!(out.contains("no traces in 24h"), "{out}");
        assert!(out.contains("no latency data in 24h"), "{out}");
        assert!(out.contains("no errors in 24h"), "{out}");
        assert!(out.contains("⚠ FEEDBACK_SCORES metrics"), "{out}");
        assert!(!out.contains('⣀'), "no chart lines expected:\n{out}");
        insta::assert_snapshot!("project_empty_120x30", out);
    }

    #[test]
    fn overview_snapshots() {
        let mut s = DashboardScreen::offline(None, DEFAULT_REFRESH);
        s.set_overview_data(sample_overview());
        let out = screen_text(&mut s, 120, 12);
        assert!(out.contains("All projects"), "{out}");
        assert!(out.contains("checkout-bot"), "{out}");
        assert!(out.contains("HTTP 500"), "{out}");
        assert!(!out.contains('\u{1b}'), "escape sequences must be stripped");
        assert!(out.contains("2 more projects"), "{out}");
        insta::assert_snapshot!("overview_120x12", out);
        let small = screen_text(&mut s, 80, 24);
        insta::assert_snapshot!("overview_80x24", small);
    }

    #[test]
    fn a_score_chart_title_gives_the_range_average_not_the_mean_of_buckets() {
        let data = sample_project();
        let kpi = data
            .kpis
            .iter()
            .find(|k| k.label == "relevance")
            .and_then(|k| k.current)
            .expect("relevance KPI");
        let series_mean = data.series.scores[0].mean().expect("mean");
        assert!((kpi - series_mean).abs() > 0.005, "{kpi} vs {series_mean}");
        let p = panels(&data);
        let title = &p
            .iter()
            .find(|p| p.title.starts_with("score"))
            .expect("panel")
            .title;
        assert_eq!(
            title,
            &format!("score relevance · avg {}", Unit::Score.format(kpi))
        );
    }

    #[test]
    fn overview_shows_a_tiny_cost_whole() {
        let mut data = sample_overview();
        let row = &mut data.rows[1];
        for v in row.cost.values.iter_mut() {
            *v = None;
        }
        if let Some(v) = row.cost.values.last_mut() {
            *v = Some(0.000079);
        }
        let mut s = DashboardScreen::offline(None, DEFAULT_REFRESH);
        s.set_overview_data(data);
        let out = screen_text(&mut s, 160, 12);
        assert!(out.contains("$0.000079"), "{out}");
        assert!(!out.contains("$0.0000…"), "{out}");
    }

    #[test]
    fn header_shows_pause_and_loading_states() {
        let mut s = DashboardScreen::offline(Some("p".into()), Duration::from_secs(10));
        let out = screen_text(&mut s, 100, 3);
        assert!(out.contains("loading…"), "{out}");
        assert!(out.contains("live every 10s"), "{out}");
        s.paused = true;
        s.set_error("project `p` not found — check the name with :projects");
        let out = screen_text(&mut s, 100, 6);
        assert!(out.contains("paused"), "{out}");
        assert!(out.contains("not found"), "{out}");
        assert!(out.contains("r retries"), "{out}");
    }

    #[test]
    fn refresh_is_due_after_the_period() {
        let mut s = DashboardScreen::offline(None, Duration::from_secs(5));
        assert!(s.due(fixed_now()));
        s.last_attempt = Some(fixed_now());
        assert!(!s.due(fixed_now() + chrono::Duration::seconds(4)));
        assert!(s.due(fixed_now() + chrono::Duration::seconds(5)));
        assert_eq!(
            DashboardScreen::offline(None, Duration::ZERO).refresh,
            DEFAULT_REFRESH
        );
    }
}
