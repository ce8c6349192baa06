//! Thumbs on the wire: through the durable outbox (enqueue, listen to the drainer's events,
//! reconcile), or sent directly one at a time when the outbox cannot be opened.

use std::collections::HashMap;

use super::{ConversationMsg, ConversationScreen, OutboxLink, Unit};
use crate::app::Ctx;
use crate::opik::client::OpikClient;
use crate::opik::model::FeedbackScoreItem;
use crate::outbox::{Outbox, OutboxEvent, WriteOp};
use crate::views::conversation::{ThumbOp, USER_FEEDBACK};

impl ConversationScreen {
    pub(super) fn thumb(&mut self, value: u8, ctx: &mut Ctx<ConversationMsg>) {
        let Some(op) = self.conv.press_thumb(value) else {
            return;
        };
        if let Some(link) = &mut self.outbox {
            // Stored by the outbox's writer thread: no disk I/O on the key press.
            match link.outbox.submit(write_op(op)) {
                Ok(ticket) => {
                    link.submitted.insert(ticket, op);
                    return;
                }
                Err(e) => ctx.toast_error(format!("outbox unavailable, sending directly: {e}")),
            }
        }
        self.thumbs.push_back(op);
        self.send_next_thumb(ctx);
    }

    /// Open the outbox and start its drainer (once).
    pub(super) fn connect_outbox(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        if self.outbox.is_some() {
            return;
        }
        let Some(client) = self.client() else { return };
        match Outbox::for_client(None, &client) {
            Ok(outbox) => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                let drainer = outbox.spawn_drainer(client, move |ev| {
                    let _ = tx.send(ev);
                });
                self.outbox = Some(OutboxLink {
                    outbox,
                    events: Some(rx),
                    drainer,
                    ops: HashMap::new(),
                    submitted: HashMap::new(),
                    offline_warned: false,
                });
                self.listen(ctx);
            }
            Err(e) => ctx.toast_error(format!(
                "the outbox could not be opened ({e}): thumbs are sent directly and retried while this screen is open"
            )),
        }
    }

    pub(super) fn listen(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        let Some(mut rx) = self.outbox.as_mut().and_then(|l| l.events.take()) else {
            return;
        };
        ctx.spawn_quiet("outbox", async move {
            let ev = rx.recv().await;
            ConversationMsg::Outbox((rx, ev))
        });
    }

    pub(super) fn on_outbox_event(&mut self, ev: OutboxEvent, ctx: &mut Ctx<ConversationMsg>) {
        let Some(link) = &mut self.outbox else { return };
        match ev {
            OutboxEvent::Stored { ticket, id, .. } => {
                if let Some(op) = link.submitted.remove(&ticket) {
                    link.ops.insert(id, op);
                }
            }
            OutboxEvent::NotStored { ticket, error, .. } => {
                if let Some(op) = link.submitted.remove(&ticket) {
                    self.conv.thumb_rejected(op);
                    ctx.toast_error(format!("a thumb could not be saved: {error}"));
                }
            }
            OutboxEvent::Applied { id, .. } => {
                if let Some(op) = link.ops.remove(&id) {
                    self.conv.thumb_settled(op, true);
                }
                link.offline_warned = false;
            }
            OutboxEvent::Failed { id, error, .. } => {
                if let Some(op) = link.ops.remove(&id) {
                    self.conv.thumb_rejected(op);
                    ctx.toast_error(format!("the server rejected a thumb: {error}"));
                }
            }
            OutboxEvent::Status {
                online,
                pending,
                last_error,
            } => {
                if !online && pending > 0 {
                    let mine: Vec<ThumbOp> = link.ops.values().copied().collect();
                    for op in &mine {
                        self.conv.thumb_settled(*op, false);
                    }
                    if !mine.is_empty() && !link.offline_warned {
                        link.offline_warned = true;
                        ctx.toast_error(format!(
                            "cannot reach the server ({}): {pending} write(s) wait in the outbox and will be retried",
                            last_error.unwrap_or_default()
                        ));
                    }
                }
            }
        }
    }

    pub(super) fn send_next_thumb(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        if self.thumb_in_flight.is_some() {
            return;
        }
        let Some(op) = self.thumbs.pop_front() else {
            return;
        };
        let Some(client) = self.client() else {
            // Offline (tests): settle at once.
            self.conv.thumb_settled(op, true);
            return;
        };
        self.thumb_in_flight = Some(op);
        ctx.spawn("thumb", async move {
            ConversationMsg::Thumb(op, send_thumb(&client, op).await)
        });
    }
}

/// The outbox op for a thumb (the same request [`send_thumb`] makes).
fn write_op(op: ThumbOp) -> WriteOp {
    match op {
        ThumbOp::Set { trace_id, value } => WriteOp::PutTraceScore {
            trace_id,
            score: FeedbackScoreItem {
                name: USER_FEEDBACK.into(),
                value: Some(f64::from(value)),
                source: Some("ui".into()),
                ..FeedbackScoreItem::default()
            },
        },
        ThumbOp::Delete { trace_id } => WriteOp::DeleteTraceScore {
            trace_id,
            name: USER_FEEDBACK.into(),
            author: None,
        },
    }
}

async fn send_thumb(client: &OpikClient, op: ThumbOp) -> Unit {
    match op {
        ThumbOp::Set { trace_id, value } => {
            let item = FeedbackScoreItem {
                name: USER_FEEDBACK.into(),
                value: Some(f64::from(value)),
                source: Some("ui".into()),
                ..FeedbackScoreItem::default()
            };
            client.put_trace_score(trace_id, &item).await
        }
        ThumbOp::Delete { trace_id } => {
            client
                .delete_trace_score(trace_id, USER_FEEDBACK, None)
                .await
        }
    }
}
