//! `u` (undo my last submit) and `s` (skip the item) on the annotate screen. The session
//! decides what to cancel, reverse and where to go ([`crate::annotate::undo`]); this part
//! talks to the outbox and the server and says what happened.

use uuid::Uuid;

use super::{AnnotateMsg, AnnotateScreen, Phase};
use crate::annotate::session::LockState;
use crate::annotate::undo::{UndoError, UndoOutcome};
use crate::app::Ctx;
use crate::opik::error::ApiError;

/// What the note says after an undo.
fn undo_note(out: &UndoOutcome, online: bool) -> String {
    match (out.cancelled, out.reversed) {
        (_, 0) => "Undone: the submit was taken back before it was sent.".into(),
        (_, n) => format!(
            "Undone: queued {n} write{} to put it back{}.",
            if n == 1 { "" } else { "s" },
            if online {
                ""
            } else {
                " (offline: sent when the server is back)"
            }
        ),
    }
}

impl AnnotateScreen {
    /// `u`: take back my last submit of this session and reopen its item.
    pub(super) fn undo(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        self.editor_commit();
        let Some(outbox) = self.outbox_or_say("cannot undo", ctx) else {
            return;
        };
        let Phase::Session(s) = &mut self.phase else {
            return;
        };
        let r = s.undo_last(
            |tickets| outbox.cancel_submitted(tickets).map_err(|e| e.to_string()),
            |op| outbox.submit(op).map_err(|e| e.to_string()),
        );
        match r {
            Ok(out) => {
                self.pending = outbox.pending_count();
                self.item_shown(ctx);
                self.note = Some(undo_note(&out, self.online));
            }
            Err(UndoError::Nothing) => {
                ctx.toast_info("Nothing to undo: no submit in this session yet.")
            }
            Err(UndoError::Outbox(e)) => ctx.toast_error(format!("cannot undo: {e}")),
        }
    }

    /// `s`: leave the item to review (nothing is written), release my lock on it and go to
    /// the next item to review; the skipped one comes back at the end.
    pub(super) fn skip(&mut self, ctx: &mut Ctx<AnnotateMsg>) {
        self.editor_commit();
        let Phase::Session(s) = &mut self.phase else {
            return;
        };
        let Some(id) = s.skip_current() else {
            return;
        };
        let again = s.current_item().is_some_and(|i| i.id == id);
        if !again {
            if let Some(it) = s.items.iter_mut().find(|i| i.id == id) {
                it.lock = LockState::Claiming;
            }
            let (client, qid) = (self.client.clone(), s.queue_id);
            ctx.spawn("unlock", async move {
                AnnotateMsg::Released(id, client.release_queue_item_lock(qid, id).await)
            });
        }
        self.item_shown(ctx);
        self.note = Some(if again {
            "Skipped — it is the only item left to review.".into()
        } else {
            "Skipped: nothing written; it comes back at the end of the queue.".into()
        });
    }

    /// The server answered the release of a skipped item's lock.
    pub(super) fn on_released(&mut self, id: Uuid, r: Result<bool, ApiError>) {
        match r {
            Ok(true) => {}
            // Opik has no release: the lock runs out after the queue's lock timeout.
            Ok(false) => tracing::debug!(%id, "the server keeps locks until they expire"),
            Err(e) => tracing::warn!(%id, "releasing the lock of a skipped item: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_says_whether_anything_has_to_travel() {
        let out = |cancelled, reversed| UndoOutcome {
            cancelled,
            reversed,
        };
        assert_eq!(
            undo_note(&out(3, 0), true),
            "Undone: the submit was taken back before it was sent."
        );
        assert_eq!(
            undo_note(&out(1, 2), true),
            "Undone: queued 2 writes to put it back."
        );
        assert_eq!(
            undo_note(&out(0, 1), false),
            "Undone: queued 1 write to put it back (offline: sent when the server is back)."
        );
    }
}
