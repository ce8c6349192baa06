//! The dashboard's keys: range, pause, moving through the overview or scrolling the
//! panels, opening a project's dashboard from the overview, and `c`: comparing two of the
//! project's scores (`views::compare`).

use super::{DashboardScreen, Loaded, Target};
use crate::app::{Action, Ctx, Handled};

impl DashboardScreen {
    pub(super) fn act(&mut self, action: Action, ctx: &mut Ctx<Loaded>) -> Handled {
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
            Action::Compare => self.compare(ctx),
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

    /// `c`: pick two of the project's scores and compare them over the range.
    fn compare(&self, ctx: &mut Ctx<Loaded>) {
        let Target::Project { name, .. } = &self.target else {
            ctx.toast_info("Open a project's dashboard to compare its scores");
            return;
        };
        let names: Vec<String> = self
            .project
            .as_ref()
            .map(|d| d.series.scores.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default();
        if names.is_empty() {
            ctx.toast_info(format!(
                "No feedback scores in the last {}",
                self.range.label()
            ));
            return;
        }
        ctx.push(Box::new(crate::views::compare::ComparePickScreen::new(
            name, names, self.range,
        )));
    }
}
