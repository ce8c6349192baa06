//! The conversation screen's input: keymap actions, keys for the search / comment / tag /
//! number inputs and the pickers, and what a pick does.

use crossterm::event::KeyEvent;

use super::{ConversationMsg, ConversationScreen, Mode, Pick, PickList};
use crate::app::{Action, Ctx, Handled, ScreenRequest};
use crate::opik::conversations::Grouping;
use crate::opik::model::{FeedbackDefinition, FeedbackDetails};
use crate::render::sanitize;
use crate::views::share;
use crate::widgets::input::{InputEvent, TextInput};
use crate::widgets::picker::{Picker, PickerEvent};

impl ConversationScreen {
    /// A key while a popup or input has focus (the screen's `handle_key`).
    pub(super) fn mode_key(&mut self, key: KeyEvent, ctx: &mut Ctx<ConversationMsg>) -> Handled {
        let mode = std::mem::replace(&mut self.mode, Mode::Normal);
        match mode {
            Mode::Normal => return Handled::No,
            Mode::Search(mut input) => match input.handle_key(key) {
                InputEvent::Submit => {
                    self.conv.search.editing = false;
                    self.conv.confirm_search(input.value().trim(), ctx.theme);
                }
                InputEvent::Cancel => {
                    self.conv.search.editing = false;
                    self.conv.set_query("");
                }
                _ => {
                    self.conv.search.query = input.value();
                    self.mode = Mode::Search(input);
                }
            },
            Mode::Comment(mut input) => match input.handle_key(key) {
                InputEvent::Submit => {
                    let text = input.value().trim().to_string();
                    if !text.is_empty() {
                        self.add_comment(text, ctx);
                    }
                }
                InputEvent::Cancel => {}
                _ => self.mode = Mode::Comment(input),
            },
            Mode::Tag(mut input) => match input.handle_key(key) {
                InputEvent::Submit => {
                    let text = input.value();
                    if !text.trim().is_empty() {
                        self.apply_tags(&text, ctx);
                    }
                }
                InputEvent::Cancel => {}
                _ => self.mode = Mode::Tag(input),
            },
            Mode::Number {
                name,
                min,
                max,
                mut input,
                ..
            } => match input.handle_key(key) {
                InputEvent::Submit => {
                    let text = input.value();
                    match text.trim().parse::<f64>() {
                        Ok(v) if v.is_finite() && v >= min && v <= max => {
                            self.put_thread_score(name, v, None, ctx);
                        }
                        _ => {
                            self.mode = Mode::Number {
                                name,
                                min,
                                max,
                                input,
                                error: Some(format!("enter a number from {min} to {max}")),
                            };
                        }
                    }
                }
                InputEvent::Cancel => {}
                _ => {
                    self.mode = Mode::Number {
                        name,
                        min,
                        max,
                        input,
                        error: None,
                    }
                }
            },
            Mode::Pick(mut p) => match p.picker.handle_key(key) {
                PickerEvent::Cancelled => {}
                PickerEvent::Chosen(_) => self.picked(p, ctx),
                PickerEvent::Moved | PickerEvent::Ignored => self.mode = Mode::Pick(p),
            },
        }
        Handled::Yes
    }

    /// An action from the keymap (the screen's `handle_action`).
    pub(super) fn action(&mut self, action: Action, ctx: &mut Ctx<ConversationMsg>) -> Handled {
        match action {
            Action::Down => self.conv.next_turn(),
            Action::Up => self.conv.prev_turn(),
            Action::PageDown => self.conv.page(true),
            Action::PageUp => self.conv.page(false),
            Action::ScrollDown => self.conv.scroll_by(3),
            Action::ScrollUp => self.conv.scroll_by(-3),
            Action::First => self.conv.select(0),
            Action::Last => self.conv.select(self.conv.turns.len().saturating_sub(1)),
            Action::Open | Action::ToggleRaw => self.conv.toggle_fold(),
            Action::ThumbUp => self.thumb(1, ctx),
            Action::ThumbDown => self.thumb(0, ctx),
            Action::OpenTrace => match self.conv.selected_trace() {
                Some(trace_id) => ctx.open(ScreenRequest::Trace {
                    project: self.conv.project.clone(),
                    trace_id,
                }),
                None => return Handled::No,
            },
            Action::Search => {
                self.conv.search.editing = true;
                self.mode = Mode::Search(TextInput::new(&self.conv.search.query));
            }
            Action::NextMatch => self.conv.jump_match(true),
            Action::PrevMatch => self.conv.jump_match(false),
            Action::CloseThread if self.opik_thread(ctx) => self.close_thread(ctx),
            Action::Comment if self.opik_thread(ctx) => {
                self.mode = Mode::Comment(TextInput::new(""))
            }
            Action::Tag if self.opik_thread(ctx) => self.mode = Mode::Tag(TextInput::new("")),
            Action::Score if self.opik_thread(ctx) => self.open_definitions(ctx),
            Action::AddToQueue if self.opik_thread(ctx) => self.open_queues(ctx),
            Action::CloseThread
            | Action::Comment
            | Action::Tag
            | Action::Score
            | Action::AddToQueue => {}
            Action::Copy => ctx.copy(self.conv.thread_id.clone()),
            Action::CopyUrl => {
                let Some(env) = self.env.clone() else {
                    return Handled::No;
                };
                if self.conv.thread_id.is_empty() {
                    ctx.toast_error("the conversation is not loaded yet");
                    return Handled::Yes;
                }
                let target = match &self.conv.grouping {
                    Grouping::ThreadId => share::Target::Thread(self.conv.thread_id.clone()),
                    Grouping::Metadata(k) => share::Target::Conversation {
                        key: k.clone(),
                        value: self.conv.thread_id.clone(),
                    },
                };
                let project_id = self.conv.thread.as_ref().and_then(|t| t.project_id);
                share::copy_url(&env, &self.conv.project, project_id, target, ctx);
            }
            Action::Export => {
                let md = self.conv.to_markdown();
                let path = share::export_path("opik-conversation", &self.conv.thread_id, "md");
                ctx.spawn("export", async move {
                    let r: Result<String, String> = tokio::fs::write(&path, md)
                        .await
                        .map(|_| path.display().to_string())
                        .map_err(|e| format!("{}: {e}", path.display()));
                    ConversationMsg::Export(r)
                });
            }
            Action::Back if !self.conv.search.query.is_empty() => self.conv.set_query(""),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn picked(&mut self, p: PickList, ctx: &mut Ctx<ConversationMsg>) {
        match p.what {
            Pick::Definition => {
                let Some(def) = self.definitions.get(p.picker.selected_index()).cloned() else {
                    return;
                };
                match def.details {
                    FeedbackDetails::Categorical { categories } => {
                        let mut cats: Vec<(String, f64)> = categories.into_iter().collect();
                        cats.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                        self.mode = Mode::Pick(PickList {
                            what: Pick::Category {
                                name: def.name.clone(),
                            },
                            picker: Picker::labels(
                                format!("{} — category", sanitize::one_line(&def.name)),
                                cats.iter()
                                    .map(|(n, v)| format!("{} ({v})", sanitize::one_line(n)))
                                    .collect(),
                            ),
                        });
                        self.category_values = cats;
                    }
                    FeedbackDetails::Boolean {
                        true_label,
                        false_label,
                    } => {
                        let t = if true_label.is_empty() {
                            "true".to_string()
                        } else {
                            true_label
                        };
                        let f = if false_label.is_empty() {
                            "false".to_string()
                        } else {
                            false_label
                        };
                        self.category_values = vec![(t.clone(), 1.0), (f.clone(), 0.0)];
                        self.mode = Mode::Pick(PickList {
                            what: Pick::Category {
                                name: def.name.clone(),
                            },
                            picker: Picker::labels(
                                format!("{} — value", sanitize::one_line(&def.name)),
                                vec![
                                    format!("{} (1)", sanitize::one_line(&t)),
                                    format!("{} (0)", sanitize::one_line(&f)),
                                ],
                            ),
                        });
                    }
                    FeedbackDetails::Numerical { min, max } => {
                        self.mode = Mode::Number {
                            name: def.name.clone(),
                            min,
                            max,
                            input: TextInput::new(""),
                            error: None,
                        };
                    }
                }
            }
            Pick::Category { name } => {
                if let Some((label, value)) =
                    self.category_values.get(p.picker.selected_index()).cloned()
                {
                    self.put_thread_score(name, value, Some(label), ctx);
                }
            }
            Pick::Queue => {
                let Some(q) = self.queues.get(p.picker.selected_index()).cloned() else {
                    return;
                };
                let (Some(client), Some(model_id), Some(qid)) =
                    (self.client(), self.thread_model_id(), q.id)
                else {
                    ctx.toast_error("the thread is not loaded yet: try again in a moment");
                    return;
                };
                self.spawn_unit("add_queue", ctx, async move {
                    client.add_queue_items(qid, &[model_id]).await
                });
                self.last_queue = Some(sanitize::one_line(&q.name));
            }
        }
    }
}

pub(super) fn describe_definition(d: &FeedbackDefinition) -> String {
    let kind = match &d.details {
        FeedbackDetails::Numerical { min, max } => format!("numerical {min}–{max}"),
        FeedbackDetails::Categorical { categories } => {
            format!("categorical ({})", categories.len())
        }
        FeedbackDetails::Boolean { .. } => "boolean".into(),
    };
    format!("{}  · {kind}", sanitize::one_line(&d.name))
}
