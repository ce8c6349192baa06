//! The glue between a list screen and its [`ListCore`]: a screen implements [`ListScreen`]
//! (its core, how it queries again, its own keys) and its [`crate::app::Screen`] methods
//! hand keys, actions and the mouse to [`on_key`], [`on_action`] and [`on_mouse`].

use crossterm::event::{KeyEvent, MouseEvent};

use super::{KeyStep, ListCore, ListMouse, Step};
use crate::app::{Action, Ctx, Handled};

/// A screen built on a [`ListCore`].
pub trait ListScreen {
    type Row;
    type Msg;

    fn list(&mut self) -> &mut ListCore<Self::Row>;

    /// The sort or search changed: query again (or re-sort locally).
    fn requery(&mut self, ctx: &mut Ctx<Self::Msg>);

    /// An action the list core passed on: the screen's own keys.
    fn own_action(&mut self, action: Action, ctx: &mut Ctx<Self::Msg>) -> Handled;

    /// After an action was handled: load the next page if the selection nears the end.
    fn load_more(&mut self, _ctx: &mut Ctx<Self::Msg>) {}

    /// A filter string was submitted (`f`): parse it, then
    /// [`ListCore::filter_applied`] and query, or [`super::Prompts::filter_invalid`].
    fn filter_submitted(&mut self, _text: String, _ctx: &mut Ctx<Self::Msg>) {}

    /// Esc dropped the applied filter: forget it and query again.
    fn filter_cleared(&mut self, ctx: &mut Ctx<Self::Msg>) {
        self.requery(ctx);
    }
}

/// [`crate::app::Screen::handle_key`] for a list screen: keys typed into its prompt.
pub fn on_key<S: ListScreen>(s: &mut S, key: KeyEvent, ctx: &mut Ctx<S::Msg>) -> Handled {
    match s.list().handle_key(key) {
        KeyStep::NotMine => return Handled::No,
        KeyStep::Done => {}
        KeyStep::Requery => s.requery(ctx),
        KeyStep::Filter(text) => s.filter_submitted(text, ctx),
        KeyStep::FilterCleared => s.filter_cleared(ctx),
    }
    Handled::Yes
}

/// [`crate::app::Screen::handle_action`] for a list screen: the core's actions, then the
/// screen's own; then more rows if needed.
pub fn on_action<S: ListScreen>(s: &mut S, action: Action, ctx: &mut Ctx<S::Msg>) -> Handled {
    match s.list().handle(action) {
        Step::Done => {}
        Step::Requery => s.requery(ctx),
        Step::Pass(a) => {
            if s.own_action(a, ctx) == Handled::No {
                return Handled::No;
            }
        }
    }
    s.load_more(ctx);
    Handled::Yes
}

/// [`crate::app::Screen::handle_mouse`] for a list screen: the wheel moves, a click selects,
/// a click on the selection opens.
pub fn on_mouse<S: ListScreen>(s: &mut S, ev: MouseEvent, ctx: &mut Ctx<S::Msg>) -> Handled {
    match s.list().mouse(ev) {
        ListMouse::Run(a) => on_action(s, a, ctx),
        ListMouse::Done(h) => h,
    }
}
