//! The annotate screen's state changes: loading the queue and its session, claiming and
//! renewing locks, submitting through the outbox, the text editors, and the tasks' results.

use ratatui::style::Style;
use ratatui_textarea::TextArea;

use super::{AnnotateMsg, AnnotateScreen, Editor, Phase};
use crate::annotate::load::{self, Resolved};
use crate::annotate::session::{LockState, Session, Stage, SubmitError};
use crate::app::Ctx;
use crate::opik::error::ApiError;
use crate::opik::model::{AnnotationQueue, LockResponse};
use crate::outbox::OutboxEvent;
use crate::render::sanitize::one_line;
use crate::views::queues::queue_picker;
use uuid::Uuid;

impl AnnotateScreen {
    pub(super) fn start_loading(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        let client = self.client.clone();
        let arg = self.arg.clone();
        self.phase = Phase::Loading("Loading the queue…".into());
        ctx.spawn("resolve", async move {
            AnnotateMsg::Resolved(load::resolve(&client, arg.as_deref()).await)
        });
    }

    pub(super) fn load_session(&mut self, queue: AnnotationQueue, ctx: &mut Ctx<AnnotateMsg>) {
        let client = self.client.clone();
        self.phase = Phase::Loading(format!("Loading “{}”…", one_line(&queue.name)));
        ctx.spawn("session", async move {
            AnnotateMsg::Session(
                load::session(&client, queue)
                    .await
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
            )
        });
    }

    pub(super) fn listen_outbox(&self, ctx: &mut Ctx<AnnotateMsg>) {
        let rx = self.events_rx.clone();
        ctx.spawn_quiet("outbox", async move {
            AnnotateMsg::Outbox(rx.lock().await.recv().await.map(Box::new))
        });
    }

    /// The current item became visible: claim its lock, load it in full and its context.
    pub(super) fn item_shown(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        self.scroll = 0;
        self.editor = Editor::None;
        let client = self.client.clone();
        let Phase::Session(s) = &mut self.phase else {
            return;
        };
        if s.stage != Stage::Item {
            return;
        }
        let queue = s.queue.clone();
        let qid = s.queue_id;
        let Some(item) = s.items.get_mut(s.current) else {
            return;
        };
        let id = item.id;
        if !matches!(item.lock, LockState::Mine(_)) {
            item.lock = LockState::Claiming;
        }
        let data = item.data.clone();
        let c = client.clone();
        ctx.spawn("lock", async move {
            AnnotateMsg::Lock(id, c.lock_queue_item(qid, id).await)
        });
        if !item.full {
            let c = client.clone();
            let (q, d) = (queue.clone(), data.clone());
            ctx.spawn("item", async move {
                AnnotateMsg::Item(load::full_item(&c, &q, &d).await)
            });
        }
        if !self.contexts.contains_key(&id) {
            ctx.spawn("context", async move {
                AnnotateMsg::Context(id, load::item_context(&client, &queue, &data).await)
            });
        }
    }

    pub(super) fn renew_lock(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        let Phase::Session(s) = &self.phase else {
            return;
        };
        if s.stage != Stage::Item {
            return;
        }
        let Some(item) = s.current_item() else {
            return;
        };
        let (qid, id, client) = (s.queue_id, item.id, self.client.clone());
        ctx.spawn("lock", async move {
            AnnotateMsg::Lock(id, client.lock_queue_item(qid, id).await)
        });
        if !self.online
            && let Ok(o) = &self.outbox
        {
            o.notify();
        }
    }

    pub(super) fn submit(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        self.editor_commit();
        let Some(outbox) = self.outbox_or_say("cannot save", ctx) else {
            return;
        };
        let Phase::Session(s) = &mut self.phase else {
            return;
        };
        // Stored by the outbox's writer thread: no disk I/O here.
        let submit = |op| outbox.submit(op).map_err(|e| e.to_string());
        match s.submit_current(submit) {
            Ok(n) => {
                self.note = Some(if n == 0 {
                    "Nothing changed.".into()
                } else if self.online {
                    format!("Saved ({n} write{}).", if n == 1 { "" } else { "s" })
                } else {
                    format!(
                        "Saved offline ({n} write{} waiting).",
                        if n == 1 { "" } else { "s" }
                    )
                });
                self.pending += n;
                s.advance();
                self.item_shown(ctx);
            }
            Err(SubmitError::Invalid(errs)) => {
                self.note = Some(format!(
                    "Not sent: {} — fix the field and submit again.",
                    errs.first()
                        .map(|e| e.1.as_str())
                        .unwrap_or("invalid value")
                ));
            }
            Err(SubmitError::Outbox(e)) => ctx.toast_error(format!("cannot save: {e}")),
        }
    }

    /// The outbox, or a toast `{what}: {why}` when it could not be opened.
    pub(super) fn outbox_or_say(
        &self,
        what: &str,
        ctx: &mut Ctx<AnnotateMsg>,
    ) -> Option<crate::outbox::Outbox> {
        match &self.outbox {
            Ok(o) => Some(o.clone()),
            Err(e) => {
                ctx.toast_error(format!("{what}: {e}"));
                None
            }
        }
    }

    /// Copy an open editor's text into the form.
    pub(super) fn editor_commit(&mut self) {
        let text = match &self.editor {
            Editor::None => return,
            Editor::Comment(t) | Editor::Reason(t) => t.lines().join("\n"),
        };
        let is_comment = matches!(self.editor, Editor::Comment(_));
        if let Some(form) = self.session_mut().and_then(Session::current_form_mut) {
            if is_comment {
                form.comment = text;
            } else {
                form.set_reason(text.replace('\n', " "));
            }
        }
        self.editor = Editor::None;
    }

    pub(super) fn open_editor(&mut self, comment: bool, theme_hint: Style) {
        let Some(form) = self.session_mut().and_then(Session::current_form_mut) else {
            return;
        };
        let initial = if comment {
            form.comment.clone()
        } else {
            form.fields
                .get(form.focus)
                .map(|f| f.reason.clone())
                .unwrap_or_default()
        };
        let mut ta = TextArea::new(initial.split('\n').map(str::to_string).collect());
        ta.move_cursor(ratatui_textarea::CursorMove::Bottom);
        ta.move_cursor(ratatui_textarea::CursorMove::End);
        ta.set_cursor_line_style(Style::default());
        ta.set_placeholder_text(if comment {
            "Write a comment…"
        } else {
            "Why this score?"
        });
        ta.set_placeholder_style(theme_hint);
        self.editor = if comment {
            Editor::Comment(Box::new(ta))
        } else {
            Editor::Reason(Box::new(ta))
        };
    }

    pub(super) fn leave(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        let unsaved = self.session().map(Session::unsaved).unwrap_or(0);
        if unsaved > 0 && !self.confirm_leave {
            self.confirm_leave = true;
        } else {
            ctx.pop();
        }
    }

    pub(super) fn status_line(&self) -> String {
        let mut parts = Vec::new();
        if !self.online {
            parts.push("offline — saving locally".to_string());
        }
        if self.pending > 0 {
            parts.push(format!("{} waiting to send", self.pending));
        }
        if self.failed > 0 {
            parts.push(format!("{} refused", self.failed));
        }
        if parts.is_empty() {
            "all saved".into()
        } else {
            parts.join(" · ")
        }
    }

    /// A task's result (the screen's `on_msg`).
    pub(super) fn apply(&mut self, msg: AnnotateMsg, ctx: &mut Ctx<AnnotateMsg>) {
        match msg {
            AnnotateMsg::Resolved(r) => self.on_resolved(r, ctx),
            AnnotateMsg::Session(r) => match r {
                Ok(s) => {
                    self.phase = Phase::Session(s);
                    ctx.refreshed();
                }
                Err(e) => self.phase = Phase::Error(e),
            },
            AnnotateMsg::Outbox(ev) => {
                if let Some(ev) = ev {
                    self.on_outbox(*ev, ctx);
                }
                self.listen_outbox(ctx);
            }
            AnnotateMsg::Lock(id, r) => self.on_lock(id, r),
            AnnotateMsg::Removed(id, r) => match r {
                Ok(()) => {
                    if let Some(s) = self.session_mut() {
                        s.remove_item(id);
                    }
                    self.note = Some("Removed the item from the queue.".into());
                    self.item_shown(ctx);
                }
                Err(e) => ctx.toast_error(format!("cannot remove the item: {e}")),
            },
            AnnotateMsg::Released(id, r) => self.on_released(id, r),
            AnnotateMsg::Item(r) => {
                if let Ok(data) = r
                    && let Some(s) = self.session_mut()
                {
                    s.update_item(data);
                }
            }
            AnnotateMsg::Context(id, r) => {
                if let Ok(c) = r {
                    self.contexts.insert(id, c);
                }
            }
        }
    }

    fn on_resolved(&mut self, r: Result<Resolved, String>, ctx: &mut Ctx<AnnotateMsg>) {
        match r {
            Ok(Resolved::One(q)) => self.load_session(*q, ctx),
            Ok(Resolved::Choose { why, queues }) if queues.is_empty() => {
                self.phase = Phase::Error(format!(
                    "{why}: there are no annotation queues in workspace {}. Create one with :queues (n) or in Opik's web UI.",
                    self.client.workspace()
                ))
            }
            Ok(Resolved::Choose { why, queues }) => {
                self.phase = Phase::Pick(queue_picker(why, queues))
            }
            Err(e) => self.phase = Phase::Error(e),
        }
    }

    fn on_outbox(&mut self, ev: OutboxEvent, ctx: &mut Ctx<AnnotateMsg>) {
        match ev {
            OutboxEvent::Applied { id, comment_id, .. } => {
                if let (Some(c), Some(s)) = (comment_id, self.session_mut()) {
                    s.comment_created(id, c);
                }
                self.online = true;
            }
            OutboxEvent::Failed { op, error, .. } => {
                self.failed += 1;
                ctx.toast_error(format!("{} was refused: {error}", op.describe()));
            }
            OutboxEvent::Stored { ticket, id, .. } => {
                if let Some(s) = self.session_mut() {
                    s.op_stored(ticket, id);
                }
            }
            OutboxEvent::NotStored { op, error, .. } => {
                self.pending = self.pending.saturating_sub(1);
                ctx.toast_error(format!("{} could not be saved: {error}", op.describe()));
            }
            OutboxEvent::Status {
                online, pending, ..
            } => {
                self.online = online;
                self.pending = pending;
            }
        }
    }

    fn on_lock(&mut self, id: Uuid, r: Result<LockResponse, ApiError>) {
        let Phase::Session(s) = &mut self.phase else {
            return;
        };
        let me = s.me.clone();
        let Some(item) = s.items.iter_mut().find(|i| i.id == id) else {
            return;
        };
        item.lock = match r {
            Ok(l) if l.acquired => {
                self.online = true;
                LockState::Mine(l.expires_at)
            }
            Ok(l) => {
                self.online = true;
                match l.locked_by {
                    Some(who) if who == me => LockState::Mine(l.expires_at),
                    Some(who) => LockState::HeldBy(who),
                    None => LockState::HeldBy("another annotator".into()),
                }
            }
            Err(e) => {
                if e.is_unreachable() {
                    self.online = false;
                }
                LockState::Offline
            }
        };
    }
}
