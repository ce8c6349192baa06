//! Annotation queues (`:queues`): the list, creating a queue, and the "add to queue" picker
//! that the traces and threads lists push for their marked rows (`space` … `a`).
//!
//! The list shows, per queue: name, scope, project, item count, my progress (done/total, %),
//! items completed by the team (`annotators_per_item` reached), a preview of the
//! instructions, and the feedback definitions. Progress is computed client-side from each
//! queue's items (`crate::annotate::progress`), in one background task after the list loads.
//! `Enter` opens SME mode on the queue, `g` its agreement between annotators
//! (`views::agreement`), `n` creates a queue (name, scope, project,
//! instructions, annotators per item 1–1000, lock timeout 1–3600 s, feedback definitions;
//! validated before it is sent), `r` reloads.

mod add;
mod create;
pub mod fill;
mod fill_flow;

use std::collections::HashMap;

use crossterm::event::MouseEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use uuid::Uuid;

use crate::annotate::load;
use crate::annotate::progress::{ItemFacts, Progress};
use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::client::OpikClient;
use crate::opik::model::AnnotationQueue;
use crate::render::sanitize::{one_line, truncate_to_width};
use crate::theme::Theme;
use crate::widgets::list::screen::{self as list, ListScreen};
use crate::widgets::list::{ListCore, ListView};
use crate::widgets::table::{Cell, Column};

pub use add::{AddToQueueMsg, AddToQueueScreen, fits, queue_picker};
pub use create::{
    CreateQueueScreen, DEFAULT_LOCK_SECS, MAX_ANNOTATORS, MAX_LOCK_SECS, QueueFormMsg,
};
pub use fill::{FillJob, FillProgress, Matching};

/// My progress and the team's on one queue.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QueueProgress {
    pub progress: Progress,
}

/// Compute progress for queues (items read without their payloads).
pub async fn queue_progress(
    client: &OpikClient,
    queues: &[AnnotationQueue],
) -> HashMap<Uuid, Progress> {
    let me = load::me(client).await;
    let mut out = HashMap::new();
    for q in queues.iter().take(100) {
        let Some(id) = q.id else { continue };
        let Ok(items) = load::items(client, q).await else {
            continue;
        };
        let names = q.feedback_definition_names.clone().unwrap_or_default();
        let facts: Vec<ItemFacts> = items
            .iter()
            .filter_map(|d| {
                d.item_id()
                    .map(|iid| ItemFacts::from_item(iid, d.scores(), d.comments(), &names))
            })
            .collect();
        out.insert(
            id,
            Progress::compute(&facts, &me, q.annotators_per_item.unwrap_or(1), &|_| None),
        );
    }
    out
}

/// The queues list.
pub struct QueuesScreen {
    client: OpikClient,
    list: ListCore<AnnotationQueue>,
    progress: HashMap<Uuid, Progress>,
}

/// What the queues list's tasks return.
pub enum QueuesMsg {
    Queues(Result<Vec<AnnotationQueue>, String>),
    /// Items done / total per queue.
    Progress(HashMap<Uuid, Progress>),
}

impl QueuesScreen {
    pub fn new(client: OpikClient) -> Self {
        let mut list = ListCore::new(Vec::new(), None);
        list.loading = true;
        QueuesScreen {
            client,
            list,
            progress: HashMap::new(),
        }
    }

    /// A list with ready data (snapshot tests).
    pub fn with_data(
        client: OpikClient,
        queues: Vec<AnnotationQueue>,
        progress: HashMap<Uuid, Progress>,
    ) -> Self {
        let mut s = Self::new(client);
        s.list.rows = queues;
        s.progress = progress;
        s.list.loading = false;
        s
    }

    fn load(&mut self, ctx: &mut Ctx<QueuesMsg>) {
        self.list.loading = true;
        let client = self.client.clone();
        ctx.spawn("queues", async move {
            QueuesMsg::Queues(load::all_queues(&client).await.map_err(|e| e.to_string()))
        });
    }

    /// The columns: project and instructions too when the screen is wide.
    fn columns(wide: bool) -> Vec<Column> {
        let mut cols = vec![
            Column::flex("Name", 2, 12),
            Column::fixed("Scope", 7),
            Column::flex("Project", 1, 10),
            Column::fixed("Items", 6),
            Column::fixed("My progress", 15),
            Column::fixed("Team done", 9),
            Column::flex("Instructions", 3, 10),
            Column::flex("Feedback", 2, 12),
        ];
        if !wide {
            cols.remove(6);
            cols.remove(2);
        }
        cols
    }
}

/// Column `c` of queue `q`; the narrow table leaves out project and instructions.
fn cell(
    q: &AnnotationQueue,
    c: usize,
    wide: bool,
    progress: &HashMap<Uuid, Progress>,
    t: &Theme,
) -> Cell {
    let c = match c {
        _ if wide => c,
        0 | 1 => c,
        2..=4 => c + 1,
        _ => 7,
    };
    let p = q.id.and_then(|id| progress.get(&id));
    let text = match c {
        0 => one_line(&q.name),
        1 if q.scope == "thread" => "threads".into(),
        1 => "traces".into(),
        2 => one_line(q.project_name.as_deref().unwrap_or("")),
        3 => q
            .items_count
            .unwrap_or(p.map_or(0, |p| p.total as i64))
            .to_string(),
        4 => p.map_or("…".to_string(), |p| p.label()),
        5 => p.map_or("…".to_string(), |p| p.completed.to_string()),
        6 => one_line(q.instructions.as_deref().unwrap_or("")),
        _ => one_line(
            &q.feedback_definition_names
                .clone()
                .unwrap_or_default()
                .join(", "),
        ),
    };
    (text, t.text)
}

impl ListScreen for QueuesScreen {
    type Row = AnnotationQueue;
    type Msg = QueuesMsg;

    fn list(&mut self) -> &mut ListCore<AnnotationQueue> {
        &mut self.list
    }

    fn requery(&mut self, ctx: &mut Ctx<QueuesMsg>) {
        self.load(ctx);
    }

    /// The list's own keys (the list core took movement and paging).
    fn own_action(&mut self, action: Action, ctx: &mut Ctx<QueuesMsg>) -> Handled {
        match action {
            Action::Open => {
                if let Some(q) = self.list.selected().and_then(|q| q.id) {
                    ctx.open(ScreenRequest::Annotate {
                        queue: Some(q.to_string()),
                    });
                }
            }
            Action::New | Action::NextItem => {
                let project = ctx.project.map(str::to_string);
                ctx.push(Box::new(CreateQueueScreen::new(
                    self.client.clone(),
                    project,
                )));
            }
            Action::Copy => {
                if let Some(id) = self.list.selected().and_then(|q| q.id) {
                    ctx.copy(crate::annotate::queue_ref::share_link(
                        self.client.base_url(),
                        self.client.workspace(),
                        &id,
                    ));
                    ctx.toast_info("Copied the queue's SME link");
                }
            }
            Action::Agreement => {
                if let Some(q) = self.list.selected() {
                    ctx.push(Box::new(crate::views::agreement::AgreementScreen::new(
                        self.client.clone(),
                        q.clone(),
                    )));
                }
            }
            Action::Refresh => self.load(ctx),
            _ => return Handled::No,
        }
        Handled::Yes
    }
}

impl Screen for QueuesScreen {
    type Msg = QueuesMsg;

    fn title(&self) -> String {
        "Annotation queues".into()
    }

    fn context(&self) -> KeyContext {
        KeyContext::Queues
    }

    fn on_open(&mut self, ctx: &mut Ctx<QueuesMsg>) {
        self.load(ctx);
    }

    /// Back from annotating (or creating a queue): the progress columns changed.
    fn on_resume(&mut self, ctx: &mut Ctx<QueuesMsg>) {
        self.load(ctx);
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<QueuesMsg>) -> Handled {
        list::on_action(self, action, ctx)
    }

    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<QueuesMsg>) -> Handled {
        list::on_mouse(self, ev, ctx)
    }

    fn refresh(&mut self, ctx: &mut Ctx<QueuesMsg>) {
        self.load(ctx);
    }

    fn on_msg(&mut self, msg: QueuesMsg, ctx: &mut Ctx<QueuesMsg>) {
        match msg {
            QueuesMsg::Queues(Ok(qs)) => {
                self.list.loading = false;
                self.list.error = None;
                self.list.rows = qs;
                self.list.clamp_selection();
                ctx.refreshed();
                let client = self.client.clone();
                let qs = self.list.rows.clone();
                ctx.spawn("progress", async move {
                    QueuesMsg::Progress(queue_progress(&client, &qs).await)
                });
            }
            QueuesMsg::Queues(Err(e)) => {
                self.list.loading = false;
                self.list.error = Some(e.clone());
                ctx.toast_error(e);
            }
            QueuesMsg::Progress(p) => self.progress = p,
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let theme = ctx.theme;
        if let Some(e) = &self.list.error {
            frame.render_widget(
                Paragraph::new(vec![
                    Line::styled(one_line(e), theme.error),
                    Line::styled("r: retry", theme.dim),
                ])
                .wrap(Wrap { trim: false }),
                area,
            );
            return;
        }
        if self.list.is_empty() {
            let msg = if self.list.loading {
                "Loading queues…"
            } else {
                "No annotation queues yet. n: create one (or add traces with space … a in a list)."
            };
            frame.render_widget(Paragraph::new(msg).style(theme.dim), area);
            return;
        }
        let wide = area.width >= 120;
        let [table_area, detail] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(4)]).areas(area);
        let title = Line::from(Span::styled(
            format!(" Annotation queues ({}) ", self.list.len()),
            theme.title,
        ));
        let progress = &self.progress;
        self.list.draw(
            frame,
            table_area,
            theme,
            ListView {
                title,
                columns: &Self::columns(wide),
                empty: "",
            },
            |q, c| cell(q, c, wide, progress, theme),
            |_| None,
        );
        if let Some(q) = self.list.selected() {
            let w = detail.width as usize;
            let instr = one_line(q.instructions.as_deref().unwrap_or("(no instructions)"));
            frame.render_widget(
                Paragraph::new(vec![
                    Line::from(vec![
                        Span::styled(one_line(&q.name), theme.accent),
                        Span::styled(
                            format!(
                                " · project {} · {} per item",
                                one_line(q.project_name.as_deref().unwrap_or("?")),
                                q.annotators_per_item.unwrap_or(1)
                            ),
                            theme.dim,
                        ),
                    ]),
                    Line::raw(truncate_to_width(&instr, w).into_owned()),
                    Line::styled(
                        "Enter: annotate · g: agreement · n: new queue · y: copy SME link · r: reload",
                        theme.dim,
                    ),
                ]),
                detail,
            );
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::Open,
            Action::Agreement,
            Action::New,
            Action::Copy,
            Action::Refresh,
        ]
    }

    fn hint_labels(&self) -> Vec<(Action, &'static str)> {
        vec![(Action::Copy, "copy SME link")]
    }
}

#[cfg(test)]
mod tests;
