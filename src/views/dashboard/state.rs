//! The dashboard's state: construction, the data setters, and the fetch tasks that keep it
//! live.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{DEFAULT_REFRESH, DashboardScreen, Loaded, Target};
use crate::app::Ctx;
use crate::dashboard::data::{OverviewData, ProjectData};
use crate::dashboard::fetch;
use crate::dashboard::range::TimeRange;
use crate::opik::client::OpikClient;

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

    pub(super) fn due(&self, now: DateTime<Utc>) -> bool {
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
    pub(super) fn fetch(&mut self, ctx: &mut Ctx<Loaded>) {
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

    pub(super) fn set_range(&mut self, range: TimeRange, ctx: &mut Ctx<Loaded>) {
        if range != self.range {
            self.range = range;
            self.scroll = 0;
            self.fetch(ctx);
        }
    }

    pub(super) fn fetched_at(&self) -> Option<DateTime<Utc>> {
        match self.target {
            Target::Overview => self.overview.as_ref().map(|o| o.fetched_at),
            Target::Project { .. } => self.project.as_ref().map(|p| p.fetched_at),
        }
    }
}
