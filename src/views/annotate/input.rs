//! The annotate screen's input: actions from the keymap (picker, intro, item, end), the
//! value keys the keymap leaves unbound, and raw keys for the editors and the "leave?" prompt.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{AnnotateMsg, AnnotateScreen, Editor, Phase};
use crate::annotate::form::{FieldKind, ItemForm};
use crate::annotate::session::{LockState, Stage};
use crate::app::{Action, Ctx, Handled};
use crate::widgets::picker::PickerEvent;

impl AnnotateScreen {
    /// An action from the keymap, by phase and stage (the screen's `handle_action`).
    pub(super) fn action(&mut self, action: Action, ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        match &mut self.phase {
            Phase::Pick(p) => {
                match p.handle_action(action) {
                    PickerEvent::Moved => {}
                    PickerEvent::Chosen(i) => {
                        if let Some(q) = p.get(i).cloned() {
                            self.load_session(q, ctx);
                        }
                    }
                    PickerEvent::Cancelled => ctx.pop(),
                    PickerEvent::Ignored => return Handled::No,
                }
                Handled::Yes
            }
            Phase::Session(s) => match s.stage {
                Stage::Intro => {
                    match action {
                        Action::Open | Action::Submit => {
                            s.start();
                            self.item_shown(ctx);
                        }
                        Action::Undo => self.undo(ctx),
                        Action::Back | Action::Close => ctx.pop(),
                        _ => return Handled::No,
                    }
                    Handled::Yes
                }
                Stage::Finished => {
                    match action {
                        Action::Open | Action::Submit => s.stage = Stage::Intro,
                        Action::Undo => self.undo(ctx),
                        Action::Back | Action::Close => self.leave(ctx),
                        _ => return Handled::No,
                    }
                    Handled::Yes
                }
                Stage::Item => self.item_action(action, ctx),
            },
            _ => Handled::No,
        }
    }

    /// Raw keys while a text editor or the "leave?" prompt has focus.
    pub(super) fn modal_key(&mut self, key: KeyEvent, ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if !matches!(self.editor, Editor::None) {
            let is_reason = matches!(self.editor, Editor::Reason(_));
            match key.code {
                KeyCode::Char('s') if ctrl => self.submit(ctx),
                KeyCode::Esc => self.editor_commit(),
                KeyCode::Enter if is_reason => self.editor_commit(),
                _ => {
                    if let Editor::Comment(t) | Editor::Reason(t) = &mut self.editor {
                        t.input(key);
                    }
                }
            }
            return Handled::Yes;
        }
        if self.confirm_leave {
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => ctx.pop(),
                _ => self.confirm_leave = false,
            }
            return Handled::Yes;
        }
        Handled::No
    }

    /// An action on the item screen (keys come through the keymap, context `annotate`).
    fn item_action(&mut self, action: Action, ctx: &mut Ctx<AnnotateMsg>) -> Handled {
        let Phase::Session(s) = &mut self.phase else {
            return Handled::No;
        };
        let held = s
            .current_item()
            .is_some_and(|i| matches!(i.lock, LockState::HeldBy(_)));
        let focused_bool = s
            .current_item()
            .and_then(|i| i.form.as_ref())
            .and_then(ItemForm::focused_def)
            .is_some_and(|d| matches!(d.kind, FieldKind::Boolean { .. }));
        let mut shown = false;
        match action {
            Action::Submit | Action::Open if held => {
                s.advance();
                shown = true;
            }
            Action::Submit => {
                self.submit(ctx);
                return Handled::Yes;
            }
            Action::TakeOver if held => {
                if let Some(it) = s.items.get_mut(s.current) {
                    it.lock = LockState::Offline;
                }
            }
            Action::Back | Action::Close => {
                self.leave(ctx);
                return Handled::Yes;
            }
            Action::Undo => {
                self.undo(ctx);
                return Handled::Yes;
            }
            Action::Skip => {
                self.skip(ctx);
                return Handled::Yes;
            }
            Action::No if !focused_bool || held => {
                s.step(1);
                shown = true;
            }
            Action::NextItem => {
                s.step(1);
                shown = true;
            }
            Action::PrevItem => {
                s.step(-1);
                shown = true;
            }
            Action::RemoveFromQueue => {
                if let Some(id) = s.current_item().map(|i| i.id) {
                    let (client, qid) = (self.client.clone(), s.queue_id);
                    ctx.spawn("remove", async move {
                        AnnotateMsg::Removed(id, client.remove_queue_items(qid, &[id]).await)
                    });
                }
            }
            Action::ToggleInstructions => self.instructions.toggle(),
            Action::ToggleSpans => self.spans_open = !self.spans_open,
            Action::ToggleTraceback => self.traceback_open = !self.traceback_open,
            Action::ScrollDown | Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::ScrollUp | Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(10),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Action::Comment if s.queue.comments_enabled != Some(false) && !held => {
                let hint = ctx.theme.dim;
                self.open_editor(true, hint);
            }
            Action::Reason if !held => {
                let hint = ctx.theme.dim;
                self.open_editor(false, hint);
            }
            _ if held => return Handled::No,
            action => {
                let Some(form) = s.current_form_mut() else {
                    return Handled::No;
                };
                match action {
                    Action::NextField => form.focus_next(),
                    Action::PrevField => form.focus_prev(),
                    Action::Decrease => form.step(-1),
                    Action::Increase => form.step(1),
                    Action::ClearField => form.clear(),
                    Action::Yes => {
                        form.set_bool(true);
                    }
                    Action::No => {
                        form.set_bool(false);
                    }
                    _ => return Handled::No,
                }
            }
        }
        if shown {
            self.note = None;
            self.item_shown(ctx);
        }
        Handled::Yes
    }

    /// Value keys on the item screen (unbound in the keymap): `1`–`9` pick an option,
    /// digits `.` `-` type a number, Backspace deletes.
    pub(super) fn value_key(&mut self, key: KeyEvent) -> Handled {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return Handled::No;
        }
        let Some(form) = self.session_mut().and_then(|s| {
            let held = s
                .current_item()
                .is_some_and(|i| matches!(i.lock, LockState::HeldBy(_)));
            (!held).then(|| s.current_form_mut()).flatten()
        }) else {
            return Handled::No;
        };
        match key.code {
            KeyCode::Backspace => form.backspace(),
            KeyCode::Char(c) if c.is_ascii_digit() => {
                form.digit(c as u8 - b'0');
            }
            KeyCode::Char(c @ ('.' | '-')) => {
                form.type_char(c);
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }
}
