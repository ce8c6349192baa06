//! The live dashboard screen (`:dashboard`, `opik-tui dashboard [--project P]`).
//!
//! Two modes:
//! - **project**: a KPI row (traces, threads, error rate, cost, tokens, latency p50/p90/p99 and
//!   the average of each feedback score, each with its change against the previous period) and
//!   time-series panels (traces, cost, latency p50/p90/p99, tokens, errors, one per score);
//! - **overview** (no project): one row per project with sparklines for traces, cost, p90
//!   latency and errors; `Enter` opens that project's dashboard.
//!
//! `[`/`]` cycle the range (1h, 24h, 7d, 30d), `p` pauses, `r` refreshes now, `c` compares
//! two of the project's scores over the range (`views::compare`). While live, the
//! screen refetches every `refresh` (default 5 s) from a task ([`crate::dashboard::fetch`]);
//! the last data stays on screen until the new data replaces it in one step, so nothing
//! flickers and input is never blocked. The header says how long ago the data was fetched.

mod draw;
mod input;
mod panels;
#[cfg(any(test, feature = "test-support"))]
pub mod samples;
mod state;
mod table;

use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Widget};
use uuid::Uuid;

use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, Screen};
use crate::dashboard::data::{OverviewData, OverviewRow, ProjectData};
use crate::dashboard::range::TimeRange;
use crate::opik::client::OpikClient;
use crate::render::sanitize::one_line;

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
        self.act(action, ctx)
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
        if self
            .project
            .as_ref()
            .is_some_and(|d| !d.series.scores.is_empty())
        {
            v.push(Action::Compare);
        }
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
pub fn overview_row(data: &OverviewData, i: usize) -> Option<&OverviewRow> {
    data.rows.get(i)
}

#[cfg(test)]
mod tests;
