//! Annotation queues (`:queues`): the list, creating a queue, and the "add to queue" picker
//! that the traces and threads lists push for their marked rows (`space` … `a`).
//!
//! The list shows, per queue: name, scope, project, item count, my progress (done/total, %),
//! items completed by the team (`annotators_per_item` reached), a preview of the
//! instructions, and the feedback definitions. Progress is computed client-side from each
//! queue's items (`crate::annotate::progress`), in one background task after the list loads.
//! `Enter` opens SME mode on the queue, `n` creates a queue (name, scope, project,
//! instructions, annotators per item 1–1000, lock timeout 1–3600 s, feedback definitions;
//! validated before it is sent), `r` reloads.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};
use uuid::Uuid;

use crate::annotate::load;
use crate::annotate::progress::{ItemFacts, Progress};
use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::client::OpikClient;
use crate::opik::model::{AnnotationQueue, FeedbackDefinition};
use crate::render::sanitize::{one_line, truncate_to_width};

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
    queues: Vec<AnnotationQueue>,
    progress: HashMap<Uuid, Progress>,
    state: TableState,
    loading: bool,
    error: Option<String>,
}

/// What the queues list's tasks return.
pub enum QueuesMsg {
    Queues(Result<Vec<AnnotationQueue>, String>),
    /// Items done / total per queue.
    Progress(HashMap<Uuid, Progress>),
}

impl QueuesScreen {
    pub fn new(client: OpikClient) -> Self {
        QueuesScreen {
            client,
            queues: Vec::new(),
            progress: HashMap::new(),
            state: TableState::default(),
            loading: true,
            error: None,
        }
    }

    /// A list with ready data (snapshot tests).
    pub fn with_data(
        client: OpikClient,
        queues: Vec<AnnotationQueue>,
        progress: HashMap<Uuid, Progress>,
    ) -> Self {
        let mut s = Self::new(client);
        s.queues = queues;
        s.progress = progress;
        s.loading = false;
        s.state.select(Some(0));
        s
    }

    fn load(&mut self, ctx: &mut Ctx<QueuesMsg>) {
        self.loading = true;
        let client = self.client.clone();
        ctx.spawn("queues", async move {
            QueuesMsg::Queues(load::all_queues(&client).await.map_err(|e| e.to_string()))
        });
    }

    fn selected(&self) -> Option<&AnnotationQueue> {
        self.state.selected().and_then(|i| self.queues.get(i))
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
        let n = self.queues.len();
        match action {
            Action::Down if n > 0 => {
                let i = self.state.selected().map_or(0, |i| (i + 1).min(n - 1));
                self.state.select(Some(i));
            }
            Action::Up if n > 0 => {
                let i = self.state.selected().map_or(0, |i| i.saturating_sub(1));
                self.state.select(Some(i));
            }
            Action::First if n > 0 => self.state.select(Some(0)),
            Action::Last if n > 0 => self.state.select(Some(n - 1)),
            Action::Open => {
                if let Some(q) = self.selected().and_then(|q| q.id) {
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
                if let Some(id) = self.selected().and_then(|q| q.id) {
                    ctx.copy(crate::annotate::queue_ref::share_link(
                        self.client.base_url(),
                        self.client.workspace(),
                        &id,
                    ));
                    ctx.toast_info("Copied the queue's SME link");
                }
            }
            Action::Refresh => self.load(ctx),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn refresh(&mut self, ctx: &mut Ctx<QueuesMsg>) {
        self.load(ctx);
    }

    fn on_msg(&mut self, msg: QueuesMsg, ctx: &mut Ctx<QueuesMsg>) {
        match msg {
            QueuesMsg::Queues(Ok(qs)) => {
                self.loading = false;
                self.error = None;
                self.queues = qs;
                if self.state.selected().is_none_or(|i| i >= self.queues.len()) {
                    self.state.select((!self.queues.is_empty()).then_some(0));
                }
                ctx.refreshed();
                let client = self.client.clone();
                let qs = self.queues.clone();
                ctx.spawn("progress", async move {
                    QueuesMsg::Progress(queue_progress(&client, &qs).await)
                });
            }
            QueuesMsg::Queues(Err(e)) => {
                self.loading = false;
                self.error = Some(e.clone());
                ctx.toast_error(e);
            }
            QueuesMsg::Progress(p) => self.progress = p,
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let theme = ctx.theme;
        if let Some(e) = &self.error {
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
        if self.queues.is_empty() {
            let msg = if self.loading {
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
        let header = if wide {
            vec![
                "Name",
                "Scope",
                "Project",
                "Items",
                "My progress",
                "Team done",
                "Instructions",
                "Feedback",
            ]
        } else {
            vec![
                "Name",
                "Scope",
                "Items",
                "My progress",
                "Team done",
                "Feedback",
            ]
        };
        let rows: Vec<Row> = self
            .queues
            .iter()
            .map(|q| {
                let p = q.id.and_then(|id| self.progress.get(&id));
                let total = q.items_count.unwrap_or(p.map_or(0, |p| p.total as i64));
                let mine = p.map_or("…".to_string(), |p| p.label());
                let team = p.map_or("…".to_string(), |p| p.completed.to_string());
                let scope = if q.scope == "thread" {
                    "threads"
                } else {
                    "traces"
                };
                let defs = q
                    .feedback_definition_names
                    .clone()
                    .unwrap_or_default()
                    .join(", ");
                let mut cells = vec![Cell::from(one_line(&q.name)), Cell::from(scope)];
                if wide {
                    cells.push(Cell::from(one_line(
                        q.project_name.as_deref().unwrap_or(""),
                    )));
                }
                cells.push(Cell::from(total.to_string()));
                cells.push(Cell::from(mine));
                cells.push(Cell::from(team));
                if wide {
                    cells.push(Cell::from(one_line(
                        q.instructions.as_deref().unwrap_or(""),
                    )));
                }
                cells.push(Cell::from(one_line(&defs)));
                Row::new(cells)
            })
            .collect();
        let widths: Vec<Constraint> = if wide {
            vec![
                Constraint::Percentage(16),
                Constraint::Length(7),
                Constraint::Percentage(12),
                Constraint::Length(6),
                Constraint::Length(15),
                Constraint::Length(9),
                Constraint::Percentage(25),
                Constraint::Percentage(20),
            ]
        } else {
            vec![
                Constraint::Percentage(28),
                Constraint::Length(7),
                Constraint::Length(5),
                Constraint::Length(15),
                Constraint::Length(9),
                Constraint::Percentage(30),
            ]
        };
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(theme.header))
            .row_highlight_style(theme.selection)
            // Also a mark, so the selection shows without colour.
            .highlight_symbol("▌")
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border)
                    .title(Span::styled(
                        format!(" Annotation queues ({}) ", self.queues.len()),
                        theme.title,
                    )),
            );
        frame.render_stateful_widget(table, table_area, &mut self.state);
        if let Some(q) = self.selected() {
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
                        "Enter: annotate · n: new queue · y: copy SME link · r: reload",
                        theme.dim,
                    ),
                ]),
                detail,
            );
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::Open, Action::New, Action::Copy, Action::Refresh]
    }

    fn hint_labels(&self) -> Vec<(Action, &'static str)> {
        vec![(Action::Copy, "copy SME link")]
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

/// Opik's bounds (`AnnotationQueueWrite`): 1–1000 annotators per item, locks of 1–3600 s.
pub const MAX_ANNOTATORS: i64 = 1000;
pub const MAX_LOCK_SECS: i64 = 3600;
/// Opik's default lock timeout.
pub const DEFAULT_LOCK_SECS: i64 = 300;

/// Form fields, in focus order.
const F_NAME: usize = 0;
const F_SCOPE: usize = 1;
const F_PROJECT: usize = 2;
const F_INSTRUCTIONS: usize = 3;
const F_ANNOTATORS: usize = 4;
const F_LOCK: usize = 5;
const F_FEEDBACK: usize = 6;
const FIELDS: usize = 7;

/// Create a queue: name, scope, project, instructions, annotators per item, lock timeout,
/// feedback definitions.
pub struct CreateQueueScreen {
    client: OpikClient,
    name: String,
    thread_scope: bool,
    project: String,
    instructions: String,
    /// How many people must review each item (typed; validated by [`CreateQueueScreen::build`]).
    annotators: String,
    /// How long a reviewer's lock on an item lasts, seconds.
    lock_secs: String,
    defs: Vec<FeedbackDefinition>,
    chosen: Vec<bool>,
    def_cursor: usize,
    /// One of the `F_*` fields.
    focus: usize,
    error: Option<String>,
    busy: bool,
}

/// What the create-queue form's tasks return.
pub enum QueueFormMsg {
    /// The feedback definitions to choose from.
    Defs(Result<Vec<FeedbackDefinition>, String>),
    /// The new queue's id.
    Created(Result<Uuid, String>),
}

impl CreateQueueScreen {
    pub fn new(client: OpikClient, project: Option<String>) -> Self {
        CreateQueueScreen {
            client,
            name: String::new(),
            thread_scope: false,
            project: project.unwrap_or_default(),
            instructions: String::new(),
            annotators: "1".into(),
            lock_secs: DEFAULT_LOCK_SECS.to_string(),
            defs: Vec::new(),
            chosen: Vec::new(),
            def_cursor: 0,
            focus: F_NAME,
            error: None,
            busy: false,
        }
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self.focus {
            F_NAME => Some(&mut self.name),
            F_PROJECT => Some(&mut self.project),
            F_INSTRUCTIONS => Some(&mut self.instructions),
            F_ANNOTATORS => Some(&mut self.annotators),
            F_LOCK => Some(&mut self.lock_secs),
            _ => None,
        }
    }

    fn numeric_focus(&self) -> bool {
        matches!(self.focus, F_ANNOTATORS | F_LOCK)
    }

    /// `←`/`→` on a number field: step by 1 (annotators) or 30 s (lock), within bounds.
    fn step(&mut self, dir: i64) {
        let (text, step, max) = match self.focus {
            F_ANNOTATORS => (&mut self.annotators, 1, MAX_ANNOTATORS),
            F_LOCK => (&mut self.lock_secs, 30, MAX_LOCK_SECS),
            _ => return,
        };
        let v = text.trim().parse::<i64>().unwrap_or(0);
        *text = (v + dir * step).clamp(1, max).to_string();
    }

    /// Parse a whole number in `1..=max` for `what`.
    fn bounded(text: &str, what: &str, max: i64) -> Result<i64, String> {
        match text.trim().parse::<i64>() {
            Ok(v) if (1..=max).contains(&v) => Ok(v),
            Ok(v) => Err(format!("{what} must be between 1 and {max}, not {v}")),
            Err(_) if text.trim().is_empty() => Err(format!("give the {what} (1–{max})")),
            Err(_) => Err(format!(
                "{what} must be a whole number between 1 and {max}, not “{}”",
                one_line(text.trim())
            )),
        }
    }

    /// The queue to create, or what is missing.
    pub fn build(&self) -> Result<AnnotationQueue, String> {
        if self.name.trim().is_empty() {
            return Err("give the queue a name".into());
        }
        if self.project.trim().is_empty() {
            return Err("give the project the queue's items come from".into());
        }
        let annotators = Self::bounded(&self.annotators, "annotators per item", MAX_ANNOTATORS)?;
        let lock = Self::bounded(&self.lock_secs, "lock timeout (seconds)", MAX_LOCK_SECS)?;
        let names: Vec<String> = self
            .defs
            .iter()
            .zip(&self.chosen)
            .filter(|(_, c)| **c)
            .map(|(d, _)| d.name.clone())
            .collect();
        Ok(AnnotationQueue {
            name: self.name.trim().to_string(),
            project_name: Some(self.project.trim().to_string()),
            scope: if self.thread_scope { "thread" } else { "trace" }.into(),
            instructions: Some(self.instructions.trim().to_string()).filter(|s| !s.is_empty()),
            feedback_definition_names: Some(names),
            comments_enabled: Some(true),
            annotators_per_item: Some(annotators),
            lock_timeout_seconds: Some(lock),
            ..Default::default()
        })
    }

    fn create(&mut self, ctx: &mut Ctx<QueueFormMsg>) {
        let mut q = match self.build() {
            Ok(q) => q,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        self.busy = true;
        let client = self.client.clone();
        ctx.spawn("create", async move {
            let created = async {
                let project = client
                    .retrieve_project(q.project_name.as_deref().unwrap_or_default())
                    .await
                    .map_err(|e| e.to_string())?;
                q.project_id = project.id;
                client.create_queue(&q).await.map_err(|e| e.to_string())
            };
            QueueFormMsg::Created(created.await)
        });
    }
}

impl Screen for CreateQueueScreen {
    type Msg = QueueFormMsg;

    fn title(&self) -> String {
        "New annotation queue".into()
    }

    fn context(&self) -> KeyContext {
        KeyContext::QueueForm
    }

    fn on_open(&mut self, ctx: &mut Ctx<QueueFormMsg>) {
        let client = self.client.clone();
        ctx.spawn("defs", async move {
            QueueFormMsg::Defs(load::definitions(&client).await.map_err(|e| e.to_string()))
        });
    }

    fn handle_action(&mut self, _action: Action, _ctx: &mut Ctx<QueueFormMsg>) -> Handled {
        Handled::No
    }

    fn capturing_text(&self) -> bool {
        true
    }

    fn typing_hints(&self) -> Vec<(&'static str, &'static str)> {
        vec![("Tab", "next field"), ("^s", "create"), ("Esc", "cancel")]
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<QueueFormMsg>) -> Handled {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        // A key clears the last message; creating may set a new one.
        self.error = None;
        match key.code {
            KeyCode::Esc => ctx.pop(),
            KeyCode::Char('s') if ctrl => self.create(ctx),
            KeyCode::Tab => self.focus = (self.focus + 1) % FIELDS,
            KeyCode::BackTab => self.focus = (self.focus + FIELDS - 1) % FIELDS,
            KeyCode::Enter if self.focus == F_FEEDBACK => self.create(ctx),
            KeyCode::Enter => self.focus += 1,
            KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if self.focus == F_SCOPE => {
                self.thread_scope = !self.thread_scope
            }
            KeyCode::Left if self.numeric_focus() => self.step(-1),
            KeyCode::Right if self.numeric_focus() => self.step(1),
            KeyCode::Char(c) if self.numeric_focus() && !c.is_ascii_digit() => {
                self.error = Some("type digits only here (←/→ step)".into());
                return Handled::Yes;
            }
            KeyCode::Down if self.focus == F_FEEDBACK => {
                self.def_cursor = (self.def_cursor + 1).min(self.defs.len().saturating_sub(1))
            }
            KeyCode::Up if self.focus == F_FEEDBACK => {
                self.def_cursor = self.def_cursor.saturating_sub(1)
            }
            KeyCode::Char(' ') if self.focus == F_FEEDBACK => {
                if let Some(c) = self.chosen.get_mut(self.def_cursor) {
                    *c = !*c;
                }
            }
            KeyCode::Backspace => {
                if let Some(t) = self.text_mut() {
                    t.pop();
                }
            }
            KeyCode::Char(c) if !ctrl => {
                if let Some(t) = self.text_mut() {
                    t.push(c);
                }
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_msg(&mut self, msg: QueueFormMsg, ctx: &mut Ctx<QueueFormMsg>) {
        match msg {
            QueueFormMsg::Defs(Ok(d)) => {
                self.chosen = vec![false; d.len()];
                self.defs = d;
            }
            QueueFormMsg::Defs(Err(e)) => self.error = Some(e),
            QueueFormMsg::Created(created) => {
                self.busy = false;
                match created {
                    Ok(_) => {
                        ctx.toast_info(format!("Created queue “{}”", one_line(&self.name)));
                        ctx.pop();
                        ctx.open(ScreenRequest::Queues);
                    }
                    Err(e) => self.error = Some(e),
                }
            }
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let theme = ctx.theme;
        let label = |i: usize, l: &str| {
            Span::styled(
                format!("{}{l:<14}", if self.focus == i { "▶ " } else { "  " }),
                if self.focus == i {
                    theme.accent
                } else {
                    theme.text
                },
            )
        };
        let caret = |i: usize| if self.focus == i { "▏" } else { "" };
        let mut lines = vec![
            Line::from(vec![
                label(F_NAME, "Name"),
                Span::raw(format!("{}{}", one_line(&self.name), caret(F_NAME))),
            ]),
            Line::from(vec![
                label(F_SCOPE, "Scope"),
                Span::raw(if self.thread_scope {
                    "threads"
                } else {
                    "traces"
                }),
                Span::styled("  (←/→ to switch)", theme.dim),
            ]),
            Line::from(vec![
                label(F_PROJECT, "Project"),
                Span::raw(format!("{}{}", one_line(&self.project), caret(F_PROJECT))),
            ]),
            Line::from(vec![
                label(F_INSTRUCTIONS, "Instructions"),
                Span::raw(format!(
                    "{}{}",
                    one_line(&self.instructions),
                    caret(F_INSTRUCTIONS)
                )),
            ]),
            Line::from(vec![
                label(F_ANNOTATORS, "Annotators"),
                Span::raw(format!(
                    "{}{}",
                    one_line(&self.annotators),
                    caret(F_ANNOTATORS)
                )),
                Span::styled(
                    format!(
                        "  per item: reviews needed before it is done (1–{MAX_ANNOTATORS}, ←/→)"
                    ),
                    theme.dim,
                ),
            ]),
            Line::from(vec![
                label(F_LOCK, "Lock timeout"),
                Span::raw(format!("{}{}", one_line(&self.lock_secs), caret(F_LOCK))),
                Span::styled(
                    format!("  seconds a reviewer holds an item (1–{MAX_LOCK_SECS}, ←/→)"),
                    theme.dim,
                ),
            ]),
            Line::from(vec![
                label(F_FEEDBACK, "Feedback"),
                Span::styled("(space: choose)", theme.dim),
            ]),
        ];
        for (i, d) in self.defs.iter().enumerate() {
            let on = self.chosen.get(i).copied().unwrap_or(false);
            let cur = self.focus == F_FEEDBACK && i == self.def_cursor;
            lines.push(Line::from(vec![
                Span::raw("      "),
                Span::styled(
                    if on { "[x] " } else { "[ ] " },
                    if on { theme.accent } else { theme.dim },
                ),
                Span::styled(
                    one_line(&d.name),
                    if cur { theme.selection } else { theme.text },
                ),
            ]));
        }
        lines.push(Line::default());
        if let Some(e) = &self.error {
            lines.push(Line::styled(one_line(e), theme.error));
        }
        lines.push(Line::styled(
            if self.busy {
                "Creating…"
            } else {
                "Tab: next field · Ctrl-s (or Enter on Feedback): create · Esc: cancel"
            },
            theme.dim,
        ));
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border_focused)
                    .title(Span::styled(" New annotation queue ", theme.title)),
            ),
            area,
        );
    }

    fn hints(&self) -> Vec<Action> {
        vec![]
    }
}

/// Pick a queue and add items to it (pushed by the traces / threads lists for their marked
/// rows). Only queues of the right scope (and project, when known) are offered.
pub struct AddToQueueScreen {
    client: OpikClient,
    /// `trace` or `thread`.
    scope: String,
    /// The project the items belong to (only its queues are offered).
    project: Option<String>,
    /// Trace ids, or threads' `thread_model_id`s.
    ids: Vec<Uuid>,
    queues: Vec<AnnotationQueue>,
    sel: usize,
    loading: bool,
}

/// What the queue picker's tasks return.
pub enum AddToQueueMsg {
    Queues(Result<Vec<AnnotationQueue>, String>),
    /// The queue's size before and after adding (when known).
    Added(Result<(Option<i64>, Option<i64>), String>),
}

impl AddToQueueScreen {
    pub fn new(client: OpikClient, scope: &str, project: Option<String>, ids: Vec<Uuid>) -> Self {
        AddToQueueScreen {
            client,
            scope: scope.into(),
            project,
            ids,
            queues: Vec::new(),
            sel: 0,
            loading: true,
        }
    }
}

impl Screen for AddToQueueScreen {
    type Msg = AddToQueueMsg;

    fn title(&self) -> String {
        format!("Add {} item(s) to a queue", self.ids.len())
    }

    fn context(&self) -> KeyContext {
        KeyContext::QueuePick
    }

    fn on_open(&mut self, ctx: &mut Ctx<AddToQueueMsg>) {
        let client = self.client.clone();
        ctx.spawn("queues", async move {
            AddToQueueMsg::Queues(load::all_queues(&client).await.map_err(|e| e.to_string()))
        });
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<AddToQueueMsg>) -> Handled {
        match action {
            Action::Down => self.sel = (self.sel + 1).min(self.queues.len().saturating_sub(1)),
            Action::Up => self.sel = self.sel.saturating_sub(1),
            Action::Open => {
                if let Some(qid) = self.queues.get(self.sel).and_then(|q| q.id) {
                    let client = self.client.clone();
                    let ids = self.ids.clone();
                    let before = self.queues.get(self.sel).and_then(|q| q.items_count);
                    ctx.spawn("add", async move {
                        let added = async {
                            client
                                .add_queue_items(qid, &ids)
                                .await
                                .map_err(|e| e.to_string())?;
                            // The queue's size afterwards: items already in it are not added
                            // again.
                            let after =
                                client.get_queue(qid).await.ok().and_then(|q| q.items_count);
                            Ok::<_, String>((before, after))
                        };
                        AddToQueueMsg::Added(added.await)
                    });
                }
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_msg(&mut self, msg: AddToQueueMsg, ctx: &mut Ctx<AddToQueueMsg>) {
        match msg {
            AddToQueueMsg::Queues(res) => {
                self.loading = false;
                match res {
                    Ok(qs) => {
                        self.queues = qs
                            .into_iter()
                            .filter(|q| q.scope == self.scope)
                            .filter(|q| {
                                self.project.is_none()
                                    || q.project_name.is_none()
                                    || q.project_name == self.project
                            })
                            .collect();
                    }
                    Err(e) => ctx.toast_error(e),
                }
            }
            AddToQueueMsg::Added(Ok((before, after))) => {
                let name = self
                    .queues
                    .get(self.sel)
                    .map(|q| q.name.clone())
                    .unwrap_or_default();
                ctx.toast_info(added_message(self.ids.len(), before, after, &name));
                ctx.pop();
            }
            AddToQueueMsg::Added(Err(e)) => ctx.toast_error(e),
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let theme = ctx.theme;
        let mut lines = vec![Line::styled(
            format!("Add {} {}(s) to:", self.ids.len(), self.scope),
            theme.heading2,
        )];
        if self.loading {
            lines.push(Line::styled("Loading queues…", theme.dim));
        } else if self.queues.is_empty() {
            lines.push(Line::styled(
                format!(
                    "No {} queue in this project: create one with :queues then n.",
                    self.scope
                ),
                theme.warning,
            ));
        }
        for (i, q) in self.queues.iter().enumerate() {
            lines.push(Line::styled(
                format!(
                    "  {}  ({} items)",
                    one_line(&q.name),
                    q.items_count.unwrap_or(0)
                ),
                if i == self.sel {
                    theme.selection
                } else {
                    theme.text
                },
            ));
        }
        lines.push(Line::styled("Enter: add · Esc: cancel", theme.dim));
        frame.render_widget(Paragraph::new(lines), area);
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::Open, Action::Back]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::{buffer_text, render_screen};
    use crate::config::Connection;
    use crate::theme::Theme;

    fn client() -> OpikClient {
        OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url")).expect("client")
    }

    #[test]
    fn list_shows_progress_team_and_definitions() {
        let q = |n: u128, name: &str, scope: &str, items: i64| AnnotationQueue {
            id: Some(Uuid::from_u128(n)),
            name: name.into(),
            scope: scope.into(),
            project_name: Some("support-bot".into()),
            instructions: Some("Rate the **answer**.".into()),
            feedback_definition_names: Some(vec!["accuracy".into(), "safe".into()]),
            items_count: Some(items),
            annotators_per_item: Some(2),
            ..Default::default()
        };
        let mut progress = HashMap::new();
        progress.insert(
            Uuid::from_u128(1),
            Progress {
                total: 8,
                done_for_me: 2,
                completed: 1,
                awaiting: 1,
                in_review: 0,
                to_review: 5,
            },
        );
        let mut s = QueuesScreen::with_data(
            client(),
            vec![
                q(1, "Support answers", "trace", 8),
                q(2, "Chats", "thread", 3),
            ],
            progress,
        );
        for (w, h) in [(80, 24), (160, 45)] {
            let text = buffer_text(&render_screen(&mut s, w, h, &Theme::dark()));
            assert!(text.contains("2/8 (25.0%)"), "{text}");
            assert!(text.contains("threads"), "{text}");
            assert!(text.contains("accuracy, safe"), "{text}");
            insta::assert_snapshot!(format!("queues_{w}x{h}"), text);
        }
    }

    #[test]
    fn create_form_requires_name_and_project_and_keeps_choices() {
        let mut f = CreateQueueScreen::new(client(), Some("proj".into()));
        assert!(f.build().unwrap_err().contains("name"));
        f.name = " Review ".into();
        f.thread_scope = true;
        f.defs = vec![
            FeedbackDefinition {
                id: None,
                name: "a".into(),
                description: None,
                details: crate::opik::model::FeedbackDetails::Numerical { min: 0.0, max: 1.0 },
                created_at: None,
                created_by: None,
                last_updated_at: None,
                last_updated_by: None,
            };
            2
        ];
        f.defs[1].name = "b".into();
        f.chosen = vec![false, true];
        let q = f.build().expect("valid");
        assert_eq!(q.name, "Review");
        assert_eq!(q.scope, "thread");
        assert_eq!(q.project_name.as_deref(), Some("proj"));
        assert_eq!(q.feedback_definition_names, Some(vec!["b".to_string()]));
        assert_eq!(q.annotators_per_item, Some(1));
        assert_eq!(q.lock_timeout_seconds, Some(DEFAULT_LOCK_SECS));
        f.project.clear();
        assert!(f.build().unwrap_err().contains("project"));
    }

    #[test]
    fn create_form_sets_and_validates_annotators_and_lock_timeout() {
        let theme = Theme::dark();
        let keymap = crate::app::KeyMap::default();
        let mut tasks = crate::app::tasks::Tasks::new(None);
        let mut effects = Vec::new();
        let mut f = CreateQueueScreen::new(client(), Some("proj".into()));
        let mut press = |f: &mut CreateQueueScreen, keys: &[KeyCode]| {
            for k in keys {
                let mut ctx = Ctx::new(
                    1,
                    &theme,
                    &keymap,
                    crate::app::testing::fixed_now(),
                    None,
                    &mut tasks,
                    &mut effects,
                );
                f.handle_key(KeyEvent::new(*k, KeyModifiers::NONE), &mut ctx);
            }
        };
        press(&mut f, &[KeyCode::Char('Q')]);
        // Name → scope → project → instructions → annotators: clear, type 3, step up.
        press(
            &mut f,
            &[
                KeyCode::Tab,
                KeyCode::Tab,
                KeyCode::Tab,
                KeyCode::Tab,
                KeyCode::Backspace,
                KeyCode::Char('3'),
                KeyCode::Right,
            ],
        );
        assert_eq!(f.annotators, "4");
        // Letters are refused in a number field.
        press(&mut f, &[KeyCode::Char('x')]);
        assert_eq!(f.annotators, "4");
        assert!(f.error.as_deref().is_some_and(|e| e.contains("digits")));
        // Lock timeout: ← steps 30 s down from the default.
        press(&mut f, &[KeyCode::Tab, KeyCode::Left]);
        assert_eq!(f.lock_secs, "270");
        let q = f.build().expect("valid");
        assert_eq!(q.annotators_per_item, Some(4));
        assert_eq!(q.lock_timeout_seconds, Some(270));
        let text = buffer_text(&render_screen(&mut f, 100, 20, &theme));
        assert!(
            text.contains("Annotators") && text.contains("Lock timeout"),
            "{text}"
        );
        // Out of range and empty values are explained, not sent.
        f.annotators = "0".into();
        assert!(f.build().unwrap_err().contains("between 1 and 1000, not 0"));
        f.annotators = "2".into();
        f.lock_secs = "9999".into();
        assert!(f.build().unwrap_err().contains("between 1 and 3600"));
        f.lock_secs = String::new();
        assert!(f.build().unwrap_err().contains("give the lock timeout"));
        // Creating with an invalid value shows the error and starts no request.
        f.focus = F_FEEDBACK;
        press(&mut f, &[KeyCode::Enter]);
        assert!(
            f.error
                .as_deref()
                .is_some_and(|e| e.contains("lock timeout"))
        );
        assert!(tasks.unrun.is_empty());
    }
}

#[cfg(test)]
mod added_message_tests {
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
