//! A queue's agreement between annotators (`g` on the queues list): three panes, `Tab` moves
//! between them.
//! - **Definitions**: per feedback definition of the queue, its level (nominal for categorical
//!   and boolean, interval for numerical), the annotators, the items scored by two or more,
//!   exact agreement, Krippendorff's α and, with exactly two annotators, Cohen's κ — two
//!   decimals, or `n/a (reason)`; under it, the selected definition's reasons in full and
//!   which scores counted.
//! - **Pairs**: the selected definition's annotator × annotator table: κ (categories) or α
//!   (numbers) of each pair with the number of items both scored, so a lead sees who
//!   disagrees with whom.
//! - **Items**: the most disputed first; `Enter` opens one read-only ([`item`]) with every
//!   annotator's value and reason side by side.
//!
//! The numbers are computed in a task ([`crate::annotate::load::agreement`]), never while
//! drawing. All three tables use the shared list core (movement, paging, the mouse) and table
//! widget.

mod draw;
pub mod item;

use crossterm::event::MouseEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::annotate::agreement::{DefinitionAgreement, ItemAgreement, QueueAgreement};
use crate::annotate::load;
use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, Screen};
use crate::opik::client::OpikClient;
use crate::opik::model::AnnotationQueue;
use crate::render::sanitize::one_line;
use crate::widgets::list::{ListCore, ListMouse, Step};

pub use item::AgreementItemScreen;

/// The pane that has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Definitions,
    Pairs,
    Items,
}

impl Pane {
    fn next(self, back: bool) -> Pane {
        match (self, back) {
            (Pane::Definitions, false) | (Pane::Items, true) => Pane::Pairs,
            (Pane::Pairs, false) | (Pane::Definitions, true) => Pane::Items,
            (Pane::Items, false) | (Pane::Pairs, true) => Pane::Definitions,
        }
    }
}

/// What the agreement view's task returns.
pub enum AgreementMsg {
    Loaded(Result<QueueAgreement, String>),
}

/// The agreement view of one queue.
pub struct AgreementScreen {
    client: OpikClient,
    queue: AnnotationQueue,
    defs: ListCore<DefinitionAgreement>,
    /// The selected definition's annotators (the pairwise table's rows).
    pairs: ListCore<String>,
    items: ListCore<ItemAgreement>,
    focus: Pane,
    loaded: bool,
}

impl AgreementScreen {
    pub fn new(client: OpikClient, queue: AnnotationQueue) -> Self {
        let mut defs = ListCore::new(Vec::new(), None);
        defs.loading = true;
        AgreementScreen {
            client,
            queue,
            defs,
            pairs: ListCore::new(Vec::new(), None),
            items: ListCore::new(Vec::new(), None),
            focus: Pane::Definitions,
            loaded: false,
        }
    }

    /// A view with computed data (snapshot tests).
    pub fn with_data(client: OpikClient, data: QueueAgreement) -> Self {
        let mut s = Self::new(client, data.queue.clone());
        s.set_data(data);
        s
    }

    fn set_data(&mut self, data: QueueAgreement) {
        self.queue = data.queue;
        self.defs.rows = data.definitions;
        self.defs.loading = false;
        self.defs.error = None;
        self.defs.clamp_selection();
        self.items.rows = data.items;
        self.items.clamp_selection();
        self.loaded = true;
        self.sync_pairs();
    }

    /// The pairwise table follows the selected definition.
    fn sync_pairs(&mut self) {
        let annotators = self
            .defs
            .selected()
            .map(|d| d.annotators.clone())
            .unwrap_or_default();
        if annotators != self.pairs.rows {
            self.pairs.rows = annotators;
            self.pairs.table.first();
        }
    }

    fn load(&mut self, ctx: &mut Ctx<AgreementMsg>) {
        self.defs.loading = true;
        let client = self.client.clone();
        let queue = self.queue.clone();
        ctx.spawn("agreement", async move {
            AgreementMsg::Loaded(
                load::agreement(&client, queue)
                    .await
                    .map_err(|e| e.to_string()),
            )
        });
    }

    /// Move in the focused pane.
    fn move_in_pane(&mut self, action: Action) -> Step {
        let step = match self.focus {
            Pane::Definitions => self.defs.handle(action),
            Pane::Pairs => self.pairs.handle(action),
            Pane::Items => self.items.handle(action),
        };
        if self.focus == Pane::Definitions {
            self.sync_pairs();
        }
        step
    }

    fn open_item(&mut self, ctx: &mut Ctx<AgreementMsg>) {
        let Some(item) = self.items.selected() else {
            return;
        };
        ctx.push(Box::new(AgreementItemScreen::new(
            self.queue.clone(),
            self.defs.rows.clone(),
            item.clone(),
        )));
    }
}

impl Screen for AgreementScreen {
    type Msg = AgreementMsg;

    fn title(&self) -> String {
        format!("Agreement · {}", one_line(&self.queue.name))
    }

    fn context(&self) -> KeyContext {
        KeyContext::Agreement
    }

    fn on_open(&mut self, ctx: &mut Ctx<AgreementMsg>) {
        self.load(ctx);
    }

    fn refresh(&mut self, ctx: &mut Ctx<AgreementMsg>) {
        self.load(ctx);
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<AgreementMsg>) -> Handled {
        match action {
            Action::NextPane | Action::PrevPane => {
                self.focus = self.focus.next(action == Action::PrevPane);
            }
            Action::Open if self.focus == Pane::Items => self.open_item(ctx),
            Action::Open => self.focus = Pane::Items,
            Action::Refresh => self.load(ctx),
            other => match self.move_in_pane(other) {
                Step::Pass(_) => return Handled::No,
                Step::Done | Step::Requery => {}
            },
        }
        Handled::Yes
    }

    /// The wheel and clicks go to the pane under the pointer.
    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<AgreementMsg>) -> Handled {
        let hit = |a: Rect| {
            // The header and borders are part of the pane too.
            ev.column >= a.x
                && ev.column < a.x + a.width
                && ev.row + 2 >= a.y
                && ev.row < a.y + a.height + 1
        };
        let pane = if hit(self.items.table.rows_area) {
            Pane::Items
        } else if hit(self.pairs.table.rows_area) {
            Pane::Pairs
        } else if hit(self.defs.table.rows_area) {
            Pane::Definitions
        } else {
            return Handled::No;
        };
        self.focus = pane;
        let m = match pane {
            Pane::Definitions => self.defs.mouse(ev),
            Pane::Pairs => self.pairs.mouse(ev),
            Pane::Items => self.items.mouse(ev),
        };
        match m {
            ListMouse::Run(a) => self.handle_action(a, ctx),
            ListMouse::Done(h) => {
                self.sync_pairs();
                h
            }
        }
    }

    fn on_msg(&mut self, msg: AgreementMsg, ctx: &mut Ctx<AgreementMsg>) {
        match msg {
            AgreementMsg::Loaded(Ok(data)) => {
                self.set_data(data);
                ctx.refreshed();
            }
            AgreementMsg::Loaded(Err(e)) => {
                self.defs.loading = false;
                self.defs.error = Some(e.clone());
                ctx.toast_error(e);
            }
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        draw::draw(self, frame, area, ctx.theme);
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::NextPane, Action::Open, Action::Refresh]
    }

    fn hint_labels(&self) -> Vec<(Action, &'static str)> {
        let open = if self.focus == Pane::Items {
            "open item"
        } else {
            "to items"
        };
        vec![(Action::Open, open)]
    }

    fn status(&self) -> Option<String> {
        let n = self.items.len();
        self.loaded.then(|| format!("{n} scored items"))
    }
}

#[cfg(test)]
mod tests;
