//! The form that creates an annotation queue (`n` in the queues list): name, scope, project,
//! instructions, annotators per item (1–1000), lock timeout (1–3600 s) and feedback
//! definitions, validated before it is sent.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use uuid::Uuid;

use crate::annotate::load;
use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::client::OpikClient;
use crate::opik::model::{AnnotationQueue, FeedbackDefinition};
use crate::render::sanitize::one_line;

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
        let mut t = crate::app::testing::TestCtx::default();
        let mut f = CreateQueueScreen::new(client(), Some("proj".into()));
        let mut press = |f: &mut CreateQueueScreen, keys: &[KeyCode]| {
            for k in keys {
                f.handle_key(KeyEvent::new(*k, KeyModifiers::NONE), &mut t.ctx());
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
        assert!(t.tasks.unrun.is_empty());
    }
}
