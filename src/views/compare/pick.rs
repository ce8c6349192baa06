//! `c` on a project's dashboard: pick the two scores to compare — first A (the judge,
//! typically), then B — from the project's score names, each also split by source
//! (`NAME@ui`, `NAME@online_scoring`, `NAME@sdk`); the compare view then replaces the picker,
//! over the dashboard's range.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::{Action, Ctx, DrawCtx, Handled, KeyContext, NoMsg, Screen, ScreenRequest};
use crate::dashboard::TimeRange;
use crate::dashboard::compare::{Scope, ScoreSpec};
use crate::render::sanitize::one_line;
use crate::widgets::picker::{Picker, PickerEvent};

/// The sources a score is offered split by.
const SOURCES: [&str; 3] = ["ui", "online_scoring", "sdk"];

/// Picks A, then B.
pub struct ComparePickScreen {
    project: String,
    range: TimeRange,
    /// A, once picked.
    first: Option<ScoreSpec>,
    picker: Picker<ScoreSpec>,
    names: Vec<String>,
}

fn picker(title: String, specs: Vec<ScoreSpec>) -> Picker<ScoreSpec> {
    Picker::labels_of(title, specs, ScoreSpec::label)
        .with_footer("Enter: pick · Esc: back · NAME@SOURCE keeps one source's scores (ui: people, online_scoring: judges)")
}

/// Every name, then each split by source.
fn specs(names: &[String], except: Option<&ScoreSpec>) -> Vec<ScoreSpec> {
    let mut out = Vec::new();
    for n in names {
        out.push(ScoreSpec {
            name: n.clone(),
            source: None,
        });
        for s in SOURCES {
            out.push(ScoreSpec {
                name: n.clone(),
                source: Some(s.into()),
            });
        }
    }
    out.retain(|s| Some(s) != except);
    out
}

impl ComparePickScreen {
    pub fn new(project: &str, names: Vec<String>, range: TimeRange) -> Self {
        let title = format!("Compare scores in {} — first score (A)", one_line(project));
        ComparePickScreen {
            project: project.to_string(),
            range,
            first: None,
            picker: picker(title, specs(&names, None)),
            names,
        }
    }
}

impl Screen for ComparePickScreen {
    type Msg = NoMsg;

    fn title(&self) -> String {
        "Compare scores".into()
    }

    fn context(&self) -> KeyContext {
        KeyContext::Compare
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<NoMsg>) -> Handled {
        match self.picker.handle_action(action) {
            PickerEvent::Chosen(i) => {
                let Some(chosen) = self.picker.get(i).cloned() else {
                    return Handled::Yes;
                };
                match self.first.take() {
                    None => {
                        let title = format!("Compare {} against (B)", chosen.label());
                        self.picker = picker(title, specs(&self.names, Some(&chosen)));
                        self.first = Some(chosen);
                    }
                    Some(a) => ctx.replace_open(ScreenRequest::Compare {
                        project: self.project.clone(),
                        a,
                        b: chosen,
                        range: self.range,
                        scope: Scope::Traces,
                    }),
                }
                Handled::Yes
            }
            PickerEvent::Cancelled => {
                ctx.pop();
                Handled::Yes
            }
            PickerEvent::Moved => Handled::Yes,
            PickerEvent::Ignored => Handled::No,
        }
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        self.picker.draw(frame, area, ctx.theme);
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::Open, Action::Back]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::screen::Effect;
    use crate::app::testing::{buffer_text, render_screen, with_ctx};
    use crate::theme::Theme;

    #[test]
    fn picks_a_then_b_and_opens_the_comparison_over_the_range() {
        let mut s = ComparePickScreen::new(
            "bot",
            vec!["accuracy".into(), "judge".into()],
            TimeRange::Week,
        );
        let text = buffer_text(&render_screen(&mut s, 80, 14, &Theme::dark()));
        assert!(
            text.contains("first score (A)") && text.contains("accuracy@online_scoring"),
            "{text}"
        );
        fn run(s: &mut ComparePickScreen, actions: &[Action]) -> Vec<Effect> {
            with_ctx(|ctx| {
                for a in actions {
                    s.handle_action(*a, ctx);
                }
            })
            .1
        }
        // A: judge (the fifth entry); B: accuracy@ui (the second).
        let down = Action::Down;
        assert!(run(&mut s, &[down, down, down, down, Action::Open]).is_empty());
        let text = buffer_text(&render_screen(&mut s, 80, 14, &Theme::dark()));
        assert!(text.contains("Compare judge against (B)"), "{text}");
        let effects = run(&mut s, &[Action::Down, Action::Open]);
        let want = ScreenRequest::Compare {
            project: "bot".into(),
            a: ScoreSpec::parse("judge").unwrap(),
            b: ScoreSpec::parse("accuracy@ui").unwrap(),
            range: TimeRange::Week,
            scope: Scope::Traces,
        };
        assert!(matches!(&effects[..], [Effect::ReplaceOpen(r)] if *r == want));
    }
}
