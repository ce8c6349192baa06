//! Two feedback scores compared (`:compare SCORE_A SCORE_B [RANGE] [threads]` in a project, or
//! `c` on its dashboard, which picks the two with [`pick`]):
//! over the traces (or threads, `T`) of the time range (`[`/`]`, as the dashboard's) that
//! carry both, the number of items, Pearson's r and Spearman's ρ, the mean difference (A − B)
//! and, when both take categories, Cohen's κ and the confusion table; then the items where
//! they differ most. `Enter` opens the trace, or the conversation of a thread.
//!
//! `NAME@SOURCE` takes one source's entries only (`accuracy@ui` against
//! `accuracy@online_scoring`). The reading and the statistics run in a task
//! ([`crate::dashboard::fetch::compare_rows`], [`crate::dashboard::compare`]).

mod draw;
pub mod pick;

use crossterm::event::MouseEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::annotate::load;
use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, Screen};
use crate::dashboard::TimeRange;
use crate::dashboard::compare::{Comparison, Pair, Scope, ScoreSpec};
use crate::dashboard::fetch::compare_rows;
use crate::opik::client::OpikClient;
use crate::render::sanitize::one_line;
use crate::views::agreement::item::open_request;
use crate::widgets::list::ListCore;

use crate::widgets::list::screen::{self as list, ListScreen};
pub use pick::ComparePickScreen;

/// What the compare view's task returns: the comparison and the server's count of items
/// with both names (when it is more than were read).
pub enum CompareMsg {
    Loaded(Result<(Comparison, Option<i64>), String>),
}

/// The comparison of two scores in one project.
pub struct CompareScreen {
    client: OpikClient,
    project: String,
    a: ScoreSpec,
    b: ScoreSpec,
    range: TimeRange,
    scope: Scope,
    data: Option<Comparison>,
    /// Items with both names on the server, when it said.
    total: Option<i64>,
    list: ListCore<Pair>,
}

impl CompareScreen {
    pub fn new(
        client: OpikClient,
        project: &str,
        (a, b): (ScoreSpec, ScoreSpec),
        range: TimeRange,
        scope: Scope,
    ) -> Self {
        let mut list = ListCore::new(Vec::new(), None);
        list.loading = true;
        CompareScreen {
            client,
            project: project.to_string(),
            a,
            b,
            range,
            scope,
            data: None,
            total: None,
            list,
        }
    }

    /// A view with a computed comparison (snapshot tests).
    pub fn with_data(
        client: OpikClient,
        project: &str,
        data: Comparison,
        range: TimeRange,
    ) -> Self {
        let mut s = Self::new(
            client,
            project,
            (data.a.clone(), data.b.clone()),
            range,
            Scope::Traces,
        );
        s.set_data(data, None);
        s
    }

    fn set_data(&mut self, mut data: Comparison, total: Option<i64>) {
        self.list.rows = std::mem::take(&mut data.pairs);
        self.list.loading = false;
        self.list.error = None;
        self.list.clamp_selection();
        self.data = Some(data);
        self.total = total;
    }

    fn load(&mut self, ctx: &mut Ctx<CompareMsg>) {
        self.list.loading = true;
        let client = self.client.clone();
        let (project, scope) = (self.project.clone(), self.scope);
        let (a, b) = (self.a.clone(), self.b.clone());
        let window = self.range.window(ctx.now);
        ctx.spawn("compare", async move {
            let names = [a.name.as_str(), b.name.as_str()];
            let rows = compare_rows(&client, &project, scope, &names, window).await;
            let defs = load::definitions(&client).await;
            CompareMsg::Loaded(match (rows, defs) {
                (Ok((items, total)), Ok(defs)) => {
                    let read = items.len() as i64;
                    let c = Comparison::compute(a, b, items, &defs);
                    Ok((c, total.filter(|t| *t > read)))
                }
                (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
            })
        });
    }

    fn open(&self, ctx: &mut Ctx<CompareMsg>) {
        let Some(p) = self.list.selected() else {
            return;
        };
        if let Some(req) = open_request(self.project.clone(), &p.item) {
            ctx.open(req);
        }
    }
}

impl ListScreen for CompareScreen {
    type Row = Pair;
    type Msg = CompareMsg;

    fn list(&mut self) -> &mut ListCore<Pair> {
        &mut self.list
    }

    fn requery(&mut self, ctx: &mut Ctx<CompareMsg>) {
        self.load(ctx);
    }

    fn own_action(&mut self, action: Action, ctx: &mut Ctx<CompareMsg>) -> Handled {
        match action {
            Action::Open => self.open(ctx),
            Action::RangeNext => {
                self.range = self.range.next();
                self.load(ctx);
            }
            Action::RangePrev => {
                self.range = self.range.prev();
                self.load(ctx);
            }
            Action::ToggleScope => {
                self.scope = self.scope.toggle();
                self.load(ctx);
            }
            Action::Refresh => self.load(ctx),
            _ => return Handled::No,
        }
        Handled::Yes
    }
}

impl Screen for CompareScreen {
    type Msg = CompareMsg;

    fn title(&self) -> String {
        format!(
            "Compare · {} vs {} · {}",
            self.a.label(),
            self.b.label(),
            one_line(&self.project)
        )
    }

    fn context(&self) -> KeyContext {
        KeyContext::Compare
    }

    fn on_open(&mut self, ctx: &mut Ctx<CompareMsg>) {
        self.load(ctx);
    }

    fn refresh(&mut self, ctx: &mut Ctx<CompareMsg>) {
        self.load(ctx);
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<CompareMsg>) -> Handled {
        list::on_action(self, action, ctx)
    }

    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<CompareMsg>) -> Handled {
        list::on_mouse(self, ev, ctx)
    }

    fn on_msg(&mut self, msg: CompareMsg, ctx: &mut Ctx<CompareMsg>) {
        match msg {
            CompareMsg::Loaded(Ok((data, total))) => {
                self.set_data(data, total);
                ctx.refreshed();
            }
            CompareMsg::Loaded(Err(e)) => {
                self.list.loading = false;
                self.list.error = Some(e.clone());
                ctx.toast_error(e);
            }
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        draw::draw(self, frame, area, ctx.theme, ctx.now);
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::Open,
            Action::RangeNext,
            Action::RangePrev,
            Action::ToggleScope,
            Action::Refresh,
        ]
    }

    fn hint_labels(&self) -> Vec<(Action, &'static str)> {
        let open = match self.scope {
            Scope::Traces => "open trace",
            Scope::Threads => "open conversation",
        };
        vec![(Action::Open, open)]
    }

    fn status(&self) -> Option<String> {
        Some(format!("{} · {}", self.range.label(), self.scope.label()))
    }
}

#[cfg(test)]
mod tests;
