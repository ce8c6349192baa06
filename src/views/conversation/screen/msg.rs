//! What the conversation screen's tasks return, and how the screen takes each result.

use super::input::describe_definition;
use super::{ConversationScreen, EventWait, Mode, Pick, PickList, Unit};
use crate::app::Ctx;
use crate::opik::error::ApiError;
use crate::opik::model::{AnnotationQueue, FeedbackDefinition, Thread, Trace};
use crate::render::sanitize;
use crate::views::conversation::ThumbOp;
use crate::views::share;
use crate::widgets::picker::Picker;

/// What the conversation screen's tasks return.
// Each message is moved once and travels boxed through the task channel: its size is moot.
#[allow(clippy::large_enum_variant)]
pub enum ConversationMsg {
    /// The conversation's traces, oldest first.
    Traces(Result<Vec<Trace>, ApiError>),
    /// The Opik thread (status, tags, scores).
    Thread(Result<Thread, ApiError>),
    /// A thumb was sent (directly, without the outbox).
    Thumb(ThumbOp, Unit),
    /// Feedback definitions to score the thread with.
    Defs(Result<Vec<FeedbackDefinition>, ApiError>),
    /// Annotation queues to add the thread to.
    Queues(Result<Vec<AnnotationQueue>, ApiError>),
    /// A thread action finished: `close`, `comment`, `tag`, `score` or `add_queue`.
    Done { key: &'static str, res: Unit },
    /// Large messages were rendered into the markdown cache.
    Rendered,
    /// `Y`: the web URL was built.
    Url(share::UrlReady),
    /// `e`: the markdown export was written (its path), or why not.
    Export(Result<String, String>),
    /// The trace `C` was pressed on (to find its conversation).
    Origin(Result<Trace, ApiError>),
    /// The outbox's next event, with the receiver handed back.
    Outbox(EventWait),
}

impl From<share::UrlReady> for ConversationMsg {
    fn from(r: share::UrlReady) -> Self {
        ConversationMsg::Url(r)
    }
}

impl ConversationScreen {
    /// A task's result (the screen's `on_msg`).
    pub(super) fn apply(&mut self, msg: ConversationMsg, ctx: &mut Ctx<ConversationMsg>) {
        match msg {
            ConversationMsg::Traces(r) => match r {
                Ok(traces) => {
                    self.conv.set_traces(&traces);
                    ctx.refreshed();
                }
                Err(e) => {
                    self.conv.loading = false;
                    self.conv.invalidate();
                    ctx.toast_error(format!("loading the conversation: {e}"));
                }
            },
            ConversationMsg::Thread(r) => match r {
                Ok(t) => self.conv.set_thread(t),
                Err(e) => ctx.toast_error(format!("loading the thread: {e}")),
            },
            ConversationMsg::Thumb(op, res) => {
                self.thumb_in_flight = None;
                match res {
                    Ok(()) => self.conv.thumb_settled(op, true),
                    Err(e) => {
                        self.conv.thumb_settled(op, false);
                        ctx.toast_error(format!("thumb not saved yet, will retry: {e}"));
                        self.retry.push(op);
                    }
                }
                self.send_next_thumb(ctx);
            }
            ConversationMsg::Defs(r) => match r {
                Ok(defs) if defs.is_empty() => {
                    ctx.toast_error("no feedback definitions: create one in Opik (or the annotation queues screen) first")
                }
                Ok(defs) => {
                    self.mode = Mode::Pick(PickList {
                        what: Pick::Definition,
                        picker: Picker::labels("Score the thread with", defs.iter().map(describe_definition).collect()),
                    });
                    self.definitions = defs;
                }
                Err(e) => ctx.toast_error(format!("loading feedback definitions: {e}")),
            },
            ConversationMsg::Queues(r) => match r {
                Ok(qs) => {
                    let qs: Vec<AnnotationQueue> = qs.into_iter().filter(|q| q.scope == "thread").collect();
                    if qs.is_empty() {
                        ctx.toast_error("no annotation queue for threads: create one with :queues first");
                    } else {
                        self.mode = Mode::Pick(PickList {
                            what: Pick::Queue,
                            picker: Picker::labels("Add the thread to queue", qs.iter().map(|q| sanitize::one_line(&q.name)).collect()),
                        });
                        self.queues = qs;
                    }
                }
                Err(e) => ctx.toast_error(format!("loading annotation queues: {e}")),
            },
            ConversationMsg::Done { key, res } => {
                match res {
                    Ok(()) => {
                        let msg = match key {
                            "close" => "thread closed".to_string(),
                            "comment" => "comment added".to_string(),
                            "tag" => "tags updated".to_string(),
                            "score" => "thread scored".to_string(),
                            _ => format!("added to {}", self.last_queue.clone().unwrap_or_default()),
                        };
                        ctx.toast_info(msg);
                        self.load_thread(ctx);
                    }
                    Err(e) => ctx.toast_error(format!("{key}: {e}")),
                }
            }
            ConversationMsg::Rendered => self.conv.invalidate(),
            ConversationMsg::Url(ready) => {
                share::url_ready(ready, ctx);
            }
            ConversationMsg::Export(r) => match r {
                Ok(path) => ctx.toast_info(format!("conversation written to {path}")),
                Err(e) => ctx.toast_error(format!("export failed: {e}")),
            },
            ConversationMsg::Origin(r) => self.on_origin(r, ctx),
            ConversationMsg::Outbox((rx, ev)) => {
                if let Some(link) = &mut self.outbox {
                    link.events = Some(rx);
                }
                if let Some(ev) = ev {
                    self.on_outbox_event(ev, ctx);
                    self.listen(ctx);
                }
            }
        }
    }

    /// The trace `C` was pressed on: open its conversation, or say why there is none.
    fn on_origin(&mut self, r: Result<Trace, ApiError>, ctx: &mut Ctx<ConversationMsg>) {
        match r {
            Ok(trace) => {
                let keys: Vec<String> = match &self.env {
                    Some(env) => env.conversation_keys(&self.conv.project),
                    None => crate::opik::conversations::DEFAULT_KEYS
                        .iter()
                        .map(|k| k.to_string())
                        .collect(),
                };
                match crate::opik::conversations::conversation_of(&trace, &keys) {
                    Some((grouping, id)) => {
                        self.conv.grouping = grouping;
                        self.conv.thread_id = id;
                        self.conv.focus_trace = trace.id;
                        self.load(ctx);
                    }
                    None => {
                        // Nothing to show: say why and go back to where `C` was pressed
                        // (not an empty "0 turns" conversation).
                        self.conv.loading = false;
                        ctx.toast_error(format!(
                            "this trace has no thread_id and none of these metadata keys: {}",
                            keys.join(", ")
                        ));
                        ctx.pop();
                    }
                }
            }
            Err(e) => {
                self.conv.loading = false;
                ctx.toast_error(format!("reading the trace: {e}"));
                ctx.pop();
            }
        }
    }
}
