//! The annotate screen's [`Screen`] implementation: title, key context, hints and help,
//! ticks and refresh; input, state changes and drawing live in the sibling modules.

use std::time::Duration;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{AnnotateMsg, AnnotateScreen, Editor, Phase};
use crate::annotate::progress;
use crate::annotate::session::{LockState, Stage};
use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, Screen};
use crate::render::sanitize::one_line;

/// The item screen's actions, in hint-bar and help order.
const ITEM_HINTS: &[Action] = &[
    Action::Submit,
    Action::Skip,
    Action::Undo,
    Action::NextField,
    Action::PrevField,
    Action::Yes,
    Action::No,
    Action::Decrease,
    Action::Increase,
    Action::ClearField,
    Action::Reason,
    Action::Comment,
    Action::NextItem,
    Action::PrevItem,
    Action::ToggleInstructions,
    Action::ToggleSpans,
    Action::ToggleTraceback,
    Action::ScrollDown,
    Action::ScrollUp,
    Action::RemoveFromQueue,
    Action::Close,
];

impl Screen for AnnotateScreen {
    type Msg = AnnotateMsg;

    fn title(&self) -> String {
        match &self.phase {
            Phase::Session(s) => format!("Annotate · {}", one_line(&s.queue.name)),
            _ => "Annotate".into(),
        }
    }

    fn context(&self) -> KeyContext {
        match &self.phase {
            Phase::Pick(_) => KeyContext::QueuePick,
            Phase::Session(s) if s.stage == Stage::Item => KeyContext::Annotate,
            _ => KeyContext::AnnotateIntro,
        }
    }

    fn on_open(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        if tokio::runtime::Handle::try_current().is_ok()
            && let Ok(o) = &self.outbox
            && self.drainer.is_none()
        {
            let tx = self.events_tx.clone();
            self.drainer = Some(o.spawn_drainer(self.client.clone(), move |ev| {
                let _ = tx.send(ev);
            }));
        }
        self.listen_outbox(ctx);
        if let Err(e) = &self.outbox {
            ctx.toast_error(format!("scores cannot be saved: {e}"));
        }
        if matches!(self.phase, Phase::Loading(_)) {
            self.start_loading(ctx);
        }
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        self.action(action, ctx)
    }

    /// Text editors (comment, reason) and the "leave?" prompt take raw keys; everything
    /// else comes through the keymap.
    fn capturing_text(&self) -> bool {
        matches!(self.phase, Phase::Session(_))
            && (!matches!(self.editor, Editor::None) || self.confirm_leave)
    }

    fn typing_hints(&self) -> Vec<(&'static str, &'static str)> {
        if self.confirm_leave {
            vec![("y", "leave"), ("any key", "stay")]
        } else {
            vec![("Esc", "done"), ("^s", "submit + next")]
        }
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        self.modal_key(key, ctx)
    }

    fn handle_unbound_key(&mut self, key: KeyEvent, _ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        match self.stage() {
            Some(Stage::Item) => self.value_key(key),
            _ => Handled::No,
        }
    }

    fn help_extra(&self) -> Vec<(String, String)> {
        match self.stage() {
            Some(Stage::Item) => vec![
                (
                    "1–9".into(),
                    "Categorical field: pick the Nth option".into(),
                ),
                ("0–9 . -".into(), "Numerical field: type the value".into()),
                ("Bksp".into(), "Numerical field: delete a character".into()),
                (
                    "c … Esc".into(),
                    "Comment editor: Esc leaves it, Ctrl-s submits".into(),
                ),
            ],
            _ => Vec::new(),
        }
    }

    fn on_msg(&mut self, msg: AnnotateMsg, ctx: &mut Ctx<AnnotateMsg>) {
        self.apply(msg, ctx);
    }

    fn tick_interval(&self) -> Option<Duration> {
        match &self.phase {
            Phase::Session(s) if s.stage == Stage::Item => Some(if self.online {
                progress::lock_renewal_interval(s.queue.lock_timeout_seconds)
            } else {
                Duration::from_secs(10)
            }),
            _ => None,
        }
    }

    fn on_tick(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        self.renew_lock(ctx);
    }

    fn refresh(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        if let Phase::Session(s) = &self.phase
            && s.stage != Stage::Item
        {
            let q = s.queue.clone();
            self.load_session(q, ctx);
        } else if matches!(self.phase, Phase::Error(_)) {
            self.start_loading(ctx);
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        self.draw_phase(frame, area, ctx);
    }

    fn hints(&self) -> Vec<Action> {
        match &self.phase {
            Phase::Error(_) => vec![Action::Refresh, Action::Back],
            Phase::Loading(_) => vec![Action::Back],
            Phase::Pick(_) => vec![Action::Open, Action::Down, Action::Up, Action::Back],
            Phase::Session(s) => match s.stage {
                Stage::Intro | Stage::Finished if s.can_undo() => {
                    vec![Action::Open, Action::Undo, Action::Refresh, Action::Close]
                }
                Stage::Intro | Stage::Finished => {
                    vec![Action::Open, Action::Refresh, Action::Close]
                }
                Stage::Item if !matches!(self.editor, Editor::None) || self.confirm_leave => {
                    vec![]
                }
                Stage::Item
                    if s.current_item()
                        .is_some_and(|i| matches!(i.lock, LockState::HeldBy(_))) =>
                {
                    vec![
                        Action::Submit,
                        Action::NextItem,
                        Action::Skip,
                        Action::TakeOver,
                        Action::PrevItem,
                        Action::Close,
                    ]
                }
                Stage::Item => ITEM_HINTS.to_vec(),
            },
        }
    }
}
