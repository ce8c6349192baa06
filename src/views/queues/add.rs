//! The "add to queue" picker the traces and threads lists push for their marked rows
//! (`space` … `a`), or for every row matching their filter and search (`A`, a fill:
//! [`super::fill`], [`super::fill_flow`]): only queues of the right scope (and project, when
//! known) are offered.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Wrap};
use uuid::Uuid;

use super::fill::{FillJob, Matching};
use super::fill_flow::{FillFlow, Stage};
use crate::annotate::load;
use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen};
use crate::opik::client::OpikClient;
use crate::opik::model::AnnotationQueue;
use crate::render::sanitize::one_line;
use crate::widgets::list::BulkOutcome;
use crate::widgets::picker::{Picker, PickerEvent};
use crate::widgets::table::Column;

/// A picker of annotation queues: name, scope, project, items (this one and SME mode's).
pub fn queue_picker(title: String, queues: Vec<AnnotationQueue>) -> Picker<AnnotationQueue> {
    Picker::new(
        title,
        vec![
            Column::flex("Queue", 4, 10),
            Column::fixed("Scope", 7),
            Column::flex("Project", 3, 8).optional(1),
            Column::fixed("Items", 7).right(),
        ],
        queues,
        |q| {
            vec![
                one_line(&q.name),
                if q.scope == "thread" {
                    "threads"
                } else {
                    "traces"
                }
                .into(),
                one_line(q.project_name.as_deref().unwrap_or("")),
                q.items_count.unwrap_or(0).to_string(),
            ]
        },
    )
}

/// Pick a queue and add items to it.
pub struct AddToQueueScreen {
    client: OpikClient,
    /// `trace` or `thread`.
    scope: String,
    /// The project the items belong to (only its queues are offered).
    project: Option<String>,
    /// Trace ids, or threads' `thread_model_id`s.
    ids: Vec<Uuid>,
    picker: Picker<AnnotationQueue>,
    /// Told when the items were added (the list then drops its marks).
    outcome: BulkOutcome,
    /// `A`: everything matching a filter instead of `ids`.
    fill: Option<FillFlow>,
}

/// What the queue picker's tasks return.
pub enum AddToQueueMsg {
    Queues(Result<Vec<AnnotationQueue>, String>),
    /// The queue's size before and after adding (when known).
    Added(Result<(Option<i64>, Option<i64>), String>),
    /// A fill's matches, counted.
    Counted(Result<u64, String>),
    /// A fill's batch went in (or failed); the job continues from here.
    Filled(Box<FillJob>, Result<(), String>),
}

/// Whether queue `q` can take items of `scope` from `project`.
pub fn fits(q: &AnnotationQueue, scope: &str, project: Option<&str>) -> bool {
    q.scope == scope
        && (project.is_none() || q.project_name.is_none() || q.project_name.as_deref() == project)
}

impl AddToQueueScreen {
    pub fn new(client: OpikClient, scope: &str, project: Option<String>, ids: Vec<Uuid>) -> Self {
        let picker = Self::picker(scope, ids.len(), Vec::new()).with_empty("Loading queues…");
        AddToQueueScreen {
            client,
            scope: scope.into(),
            project,
            ids,
            picker,
            outcome: BulkOutcome::new(),
            fill: None,
        }
    }

    /// A fill: add everything `matching` selects (as of now).
    pub fn matching(client: OpikClient, matching: Matching) -> Self {
        let project = Some(matching.project().to_string());
        let flow = FillFlow::new(matching, chrono::Utc::now());
        let mut s = Self::new(client, flow.matching.scope(), project, Vec::new());
        s.picker.set_title(flow.title());
        s.fill = Some(flow);
        s
    }

    /// Push the fill picker for `matching` (`A`).
    pub fn open_matching<M: Send + 'static>(env: &AppEnv, matching: Matching, ctx: &mut Ctx<M>) {
        ctx.push(Box::new(AddToQueueScreen::matching(
            env.client.clone(),
            matching,
        )));
    }

    /// Push the picker for `ids` (of `scope`, `trace` or `thread`) of `project`; the
    /// outcome says whether they were added.
    pub fn open<M: Send + 'static>(
        env: &AppEnv,
        scope: &str,
        project: &str,
        ids: Vec<Uuid>,
        ctx: &mut Ctx<M>,
    ) -> BulkOutcome {
        let screen =
            AddToQueueScreen::new(env.client.clone(), scope, Some(project.to_string()), ids);
        let outcome = screen.outcome.clone();
        ctx.push(Box::new(screen));
        outcome
    }

    fn picker(scope: &str, n: usize, queues: Vec<AnnotationQueue>) -> Picker<AnnotationQueue> {
        queue_picker(format!("Add {n} {scope}(s) to:"), queues)
            .with_footer("Enter: add · Esc: cancel")
    }

    /// Start the next batch of the fill.
    fn fill_step(job: FillJob, ctx: &mut Ctx<AddToQueueMsg>) {
        ctx.spawn("fill", async move {
            let (job, r) = job.step().await;
            AddToQueueMsg::Filled(Box::new(job), r.map_err(|e| e.to_string()))
        });
    }

    /// The fill's keys while it asks or runs (`y`/`n`, Esc); `None` when it is picking.
    fn fill_action(&mut self, action: Action, ctx: &mut Ctx<AddToQueueMsg>) -> Option<Handled> {
        let flow = self.fill.as_mut()?;
        match &flow.stage {
            Stage::Pick => None,
            Stage::Confirm { .. } => {
                let yes = match action {
                    Action::Yes => true,
                    Action::No | Action::Back | Action::Close => false,
                    Action::Help => return Some(Handled::No),
                    _ => return Some(Handled::Yes),
                };
                if let Some(qid) = flow.answer(yes) {
                    let job = FillJob::new(&self.client, &flow.matching, qid, flow.until);
                    Self::fill_step(job, ctx);
                }
                Some(Handled::Yes)
            }
            Stage::Running { .. } => {
                if matches!(action, Action::Back | Action::Close) {
                    ctx.cancel("fill");
                    ctx.toast_info(flow.finished(true));
                    ctx.pop();
                }
                Some(Handled::Yes)
            }
        }
    }

    fn on_fill_msg(&mut self, msg: AddToQueueMsg, ctx: &mut Ctx<AddToQueueMsg>) {
        let Some(flow) = self.fill.as_mut() else {
            return;
        };
        match msg {
            AddToQueueMsg::Counted(res) => {
                flow.count = Some(res);
                self.picker.set_title(flow.title());
            }
            AddToQueueMsg::Filled(job, Ok(())) => {
                flow.progressed(job.progress);
                if job.progress.done {
                    ctx.toast_info(flow.finished(false));
                    ctx.pop();
                } else {
                    Self::fill_step(*job, ctx);
                }
            }
            AddToQueueMsg::Filled(job, Err(e)) => {
                flow.progressed(job.progress);
                ctx.toast_error(format!("{} — {e}", flow.finished(true)));
                ctx.pop();
            }
            _ => {}
        }
    }

    fn add(&self, q: &AnnotationQueue, ctx: &mut Ctx<AddToQueueMsg>) {
        let Some(qid) = q.id else { return };
        let client = self.client.clone();
        let ids = self.ids.clone();
        let before = q.items_count;
        ctx.spawn("add", async move {
            let added = async {
                client
                    .add_queue_items(qid, &ids)
                    .await
                    .map_err(|e| e.to_string())?;
                // The queue's size afterwards: items already in it are not added
                // again.
                let after = client.get_queue(qid).await.ok().and_then(|q| q.items_count);
                Ok::<_, String>((before, after))
            };
            AddToQueueMsg::Added(added.await)
        });
    }
}

impl Screen for AddToQueueScreen {
    type Msg = AddToQueueMsg;

    fn title(&self) -> String {
        match &self.fill {
            Some(f) => format!("Add matching {}s to a queue", f.matching.scope()),
            None => format!("Add {} item(s) to a queue", self.ids.len()),
        }
    }

    fn context(&self) -> KeyContext {
        KeyContext::QueuePick
    }

    fn on_open(&mut self, ctx: &mut Ctx<AddToQueueMsg>) {
        let client = self.client.clone();
        if let Some(f) = &self.fill {
            let (m, until, client) = (f.matching.clone(), f.until, client.clone());
            ctx.spawn("count", async move {
                AddToQueueMsg::Counted(m.count(&client, until).await.map_err(|e| e.to_string()))
            });
        }
        ctx.spawn("queues", async move {
            AddToQueueMsg::Queues(load::all_queues(&client).await.map_err(|e| e.to_string()))
        });
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<AddToQueueMsg>) -> Handled {
        if let Some(h) = self.fill_action(action, ctx) {
            return h;
        }
        match self.picker.handle_action(action) {
            PickerEvent::Moved => {}
            PickerEvent::Chosen(i) => match (self.picker.get(i), self.fill.as_mut()) {
                (Some(q), Some(flow)) => {
                    if let Err(why) = flow.choose(q) {
                        ctx.toast_error(why);
                    }
                }
                (Some(q), None) => self.add(q, ctx),
                (None, _) => {}
            },
            // Esc and `q` close the screen as anywhere else.
            PickerEvent::Cancelled | PickerEvent::Ignored => return Handled::No,
        }
        Handled::Yes
    }

    fn on_msg(&mut self, msg: AddToQueueMsg, ctx: &mut Ctx<AddToQueueMsg>) {
        match msg {
            AddToQueueMsg::Queues(res) => {
                let queues = match res {
                    Ok(qs) => qs
                        .into_iter()
                        .filter(|q| fits(q, &self.scope, self.project.as_deref()))
                        .collect(),
                    Err(e) => {
                        ctx.toast_error(e);
                        Vec::new()
                    }
                };
                self.picker =
                    Self::picker(&self.scope, self.ids.len(), queues).with_empty(format!(
                        "No {} queue in this project: create one with :queues then n.",
                        self.scope
                    ));
                if let Some(f) = &self.fill {
                    self.picker.set_title(f.title());
                }
            }
            AddToQueueMsg::Added(Ok((before, after))) => {
                let name = self
                    .picker
                    .selected()
                    .map(|q| q.name.clone())
                    .unwrap_or_default();
                ctx.toast_info(added_message(self.ids.len(), before, after, &name));
                self.outcome.succeeded();
                ctx.pop();
            }
            AddToQueueMsg::Added(Err(e)) => ctx.toast_error(e),
            other => self.on_fill_msg(other, ctx),
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let Some(status) = self.fill.as_ref().and_then(|f| f.status()) else {
            self.picker.draw(frame, area, ctx.theme);
            return;
        };
        let [top, bottom] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(area);
        self.picker.draw(frame, top, ctx.theme);
        let style = if self.fill.as_ref().is_some_and(|f| f.running()) {
            ctx.theme.info
        } else {
            ctx.theme.warning
        };
        frame.render_widget(
            Paragraph::new(status)
                .style(style)
                .wrap(Wrap { trim: false }),
            bottom,
        );
    }

    fn hints(&self) -> Vec<Action> {
        match self.fill.as_ref().map(|f| &f.stage) {
            Some(Stage::Confirm { .. }) => vec![Action::Yes, Action::No],
            Some(Stage::Running { .. }) => vec![Action::Back],
            _ => vec![Action::Open, Action::Back],
        }
    }
}

/// The toast after adding `sent` items to queue `name`, which held `before` items and holds
/// `after` now (when known): items already in the queue are not added twice, so say so.
fn added_message(sent: usize, before: Option<i64>, after: Option<i64>, name: &str) -> String {
    let name = one_line(name);
    match (before, after) {
        (Some(b), Some(a)) => {
            let added = usize::try_from(a - b).unwrap_or(0).min(sent);
            if added == sent {
                format!("Added {sent} item(s) to “{name}” ({a} now)")
            } else {
                format!(
                    "Added {added} of {sent} item(s) to “{name}”: {} already in it ({a} now)",
                    sent - added
                )
            }
        }
        _ => format!("Added {sent} item(s) to “{name}”"),
    }
}

#[cfg(test)]
mod tests {
    use super::added_message;

    #[test]
    fn adding_items_already_in_the_queue_says_so() {
        assert_eq!(
            added_message(2, Some(8), Some(8), "Coding sessions"),
            "Added 0 of 2 item(s) to “Coding sessions”: 2 already in it (8 now)"
        );
        assert_eq!(
            added_message(3, Some(8), Some(9), "Q"),
            "Added 1 of 3 item(s) to “Q”: 2 already in it (9 now)"
        );
        assert_eq!(
            added_message(2, Some(8), Some(10), "Q"),
            "Added 2 item(s) to “Q” (10 now)"
        );
        assert_eq!(added_message(2, None, None, "Q"), "Added 2 item(s) to “Q”");
    }
}
