use std::cell::RefCell;
use std::rc::Rc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::*;
use crate::app::Screen;
use crate::app::action::Action;
use crate::app::key_context::KeyContext;
use crate::app::screen::{Ctx, DrawCtx, Handled};
use crate::app::tasks::TaskMsg;
use crate::app::testing::{buffer_text, fixed_now, render_app, test_app};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

/// A small screen that records what reaches it.
struct Probe {
    name: String,
    log: Rc<RefCell<Vec<String>>>,
    gens: Vec<u64>,
}

impl Probe {
    fn boxed(name: &str, log: &Rc<RefCell<Vec<String>>>) -> Box<dyn DynScreen> {
        Box::new(Probe {
            name: name.into(),
            log: log.clone(),
            gens: Vec::new(),
        })
    }
}

impl Screen for Probe {
    type Msg = u32;
    fn title(&self) -> String {
        self.name.clone()
    }
    fn context(&self) -> KeyContext {
        KeyContext::Global
    }
    fn on_open(&mut self, ctx: &mut Ctx<u32>) {
        self.gens.push(ctx.spawn("load", async { 1u32 }));
        self.gens.push(ctx.spawn("load", async { 2u32 }));
        self.log
            .borrow_mut()
            .push(format!("{} open {:?}", self.name, self.gens));
    }
    fn on_resume(&mut self, _ctx: &mut Ctx<u32>) {
        self.log.borrow_mut().push(format!("{} resumed", self.name));
    }
    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<u32>) -> Handled {
        match action {
            Action::Down | Action::Open => {
                self.log
                    .borrow_mut()
                    .push(format!("{} {action:?}", self.name));
                if action == Action::Open {
                    ctx.copy("the-id");
                }
                Handled::Yes
            }
            _ => Handled::No,
        }
    }
    fn on_msg(&mut self, v: u32, ctx: &mut Ctx<u32>) {
        if v == 0 {
            ctx.pop();
        }
        self.log
            .borrow_mut()
            .push(format!("{} result {:?}", self.name, Some(v)));
    }
    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("screen {}", self.name),
                ctx.theme.text,
            )),
            area,
        );
    }
    fn hints(&self) -> Vec<Action> {
        vec![Action::Open, Action::Down]
    }
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn type_str(app: &mut App, s: &str) {
    for c in s.chars() {
        app.handle_key(key(c), fixed_now());
    }
}

#[test]
fn stack_back_close_and_quit() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut app = test_app(crate::app::testing::no_opener());
    let now = fixed_now();
    app.push(Probe::boxed("a", &log), now);
    app.push(Probe::boxed("b", &log), now);
    assert_eq!(app.depth(), 2);
    app.handle_key(key('j'), now);
    assert_eq!(log.borrow().last().unwrap(), "b Down");
    app.handle_key(code(KeyCode::Esc), now);
    assert_eq!(app.top_title().unwrap(), "a");
    // Esc on the first screen does not quit; q does.
    app.handle_key(code(KeyCode::Esc), now);
    assert!(!app.quit);
    app.handle_key(key('q'), now);
    assert!(app.quit);
    let mut app = test_app(crate::app::testing::no_opener());
    app.push(Probe::boxed("a", &log), now);
    app.push(Probe::boxed("b", &log), now);
    app.handle_key(
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        now,
    );
    assert!(app.quit, "ctrl-c quits anywhere");
}

/// A "load" result for `screen` from request `generation`.
fn msg(screen: ScreenId, generation: u64, v: u32) -> TaskMsg {
    TaskMsg {
        screen,
        key: "load",
        generation,
        value: Box::new(v),
    }
}

#[test]
fn stale_and_orphan_results_are_dropped() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut app = test_app(crate::app::testing::no_opener());
    let now = fixed_now();
    app.push(Probe::boxed("a", &log), now);
    app.push(Probe::boxed("b", &log), now);
    assert_eq!(app.busy(), 2);
    // Screen ids are 1 (a) and 2 (b); a's requests had generations 1, 2; b's 3, 4.
    app.on_task(msg(1, 1, 10), now);
    app.on_task(msg(1, 2, 20), now);
    app.handle_key(code(KeyCode::Esc), now); // close b
    app.on_task(msg(2, 4, 40), now);
    let log = log.borrow();
    assert!(log.contains(&"a result Some(20)".to_string()), "{log:?}");
    assert!(!log.iter().any(|l| l.contains("Some(10)")), "{log:?}");
    assert!(!log.iter().any(|l| l.contains("Some(40)")), "{log:?}");
    assert_eq!(app.busy(), 0);
}

/// A result whose value is not the screen's message type (impossible through
/// `Ctx::spawn`) never reaches the screen: in debug builds it trips an assertion.
#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "not its message type")]
fn a_result_of_the_wrong_type_trips_the_debug_assertion() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut app = test_app(crate::app::testing::no_opener());
    let now = fixed_now();
    app.push(Probe::boxed("a", &log), now);
    app.on_task(
        TaskMsg {
            screen: 1,
            key: "load",
            generation: 2,
            value: Box::new("not a u32"),
        },
        now,
    );
}

#[test]
fn help_g_goes_to_the_last_page_and_k_scrolls_back_from_there() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut app = test_app(crate::app::testing::no_opener());
    let now = fixed_now();
    app.push(Probe::boxed("a", &log), now);
    app.handle_key(key('?'), now);
    let top = buffer_text(&render_app(&mut app, 80, 16));
    app.handle_key(key('G'), now);
    let end = buffer_text(&render_app(&mut app, 80, 16));
    assert!(end.contains("Keys can be changed"), "{end}");
    assert_ne!(top, end);
    app.handle_key(key('k'), now);
    let up = buffer_text(&render_app(&mut app, 80, 16));
    assert_ne!(up, end, "k right after G scrolls up one line");
}

#[test]
fn the_screen_below_is_told_when_it_is_shown_again() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut app = test_app(crate::app::testing::no_opener());
    let now = fixed_now();
    app.push(Probe::boxed("a", &log), now);
    app.push(Probe::boxed("b", &log), now);
    assert!(!log.borrow().iter().any(|l| l.contains("resumed")));
    app.handle_key(code(KeyCode::Esc), now);
    assert_eq!(log.borrow().last().unwrap(), "a resumed");
}

#[test]
fn a_screen_closing_itself_on_a_result_closes_itself_even_below_the_top() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut app = test_app(crate::app::testing::no_opener());
    let now = fixed_now();
    app.push(Probe::boxed("a", &log), now);
    app.push(Probe::boxed("b", &log), now);
    app.push(Probe::boxed("c", &log), now);
    // Screen ids 1, 2, 3; b's latest request has generation 4. b (below c) closes itself.
    app.on_task(msg(2, 4, 0), now);
    assert_eq!(app.depth(), 2);
    assert_eq!(app.top_title().unwrap(), "c");
    // The top screen closing itself goes back to a.
    app.on_task(msg(3, 6, 0), now);
    assert_eq!(app.depth(), 1);
    assert_eq!(app.top_title().unwrap(), "a");
    assert!(!app.quit);
}

/// An app whose opener records what it was asked to open (and opens a probe for it).
fn recording_app() -> (App, Rc<RefCell<Vec<ScreenRequest>>>) {
    let opened = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::new(RefCell::new(Vec::new()));
    let o2 = opened.clone();
    let app = test_app(Box::new(move |req: &ScreenRequest| {
        o2.borrow_mut().push(req.clone());
        Ok(Probe::boxed(&format!("{req:?}"), &log))
    }));
    (app, opened)
}

#[test]
fn command_line_runs_commands_and_reports_unknown_ones() {
    let (mut app, opened) = recording_app();
    let now = fixed_now();
    app.open(&ScreenRequest::Projects, now);
    type_str(&mut app, ":traces");
    assert!(app.cmdline_open());
    app.handle_key(code(KeyCode::Enter), now);
    assert!(!app.cmdline_open());
    assert!(app.toasts().items()[0].text.contains("no project selected"));
    type_str(&mut app, ":project demo");
    app.handle_key(code(KeyCode::Enter), now);
    assert_eq!(
        opened.borrow().last().unwrap(),
        &ScreenRequest::Traces {
            project: "demo".into()
        }
    );
    assert_eq!(app.project(), Some("demo"));
    type_str(&mut app, ":thr");
    app.handle_key(code(KeyCode::Tab), now);
    app.handle_key(code(KeyCode::Enter), now);
    assert_eq!(
        opened.borrow().last().unwrap(),
        &ScreenRequest::Threads {
            project: "demo".into()
        }
    );
    type_str(&mut app, ":theme li");
    app.handle_key(code(KeyCode::Tab), now);
    app.handle_key(code(KeyCode::Enter), now);
    assert_eq!(app.theme.name, "light");
    type_str(&mut app, ":theme nope");
    app.handle_key(code(KeyCode::Enter), now);
    assert!(
        app.toasts()
            .items()
            .iter()
            .any(|t| t.text.contains("unknown theme `nope`"))
    );
    type_str(&mut app, ":bogus");
    app.handle_key(code(KeyCode::Enter), now);
    assert!(
        app.toasts()
            .items()
            .iter()
            .any(|t| t.text.contains("unknown command :bogus"))
    );
    type_str(&mut app, ":xx");
    app.handle_key(code(KeyCode::Esc), now);
    assert!(!app.cmdline_open());
    assert!(!app.quit);
    type_str(&mut app, ":q");
    app.handle_key(code(KeyCode::Enter), now);
    assert!(app.quit);
}

#[test]
fn dashboard_opens_the_current_projects_and_all_the_overview() {
    let (mut app, opened) = recording_app();
    let now = fixed_now();
    let dash = |p: Option<&str>| ScreenRequest::Dashboard {
        project: p.map(str::to_string),
    };
    type_str(&mut app, ":dashboard");
    app.handle_key(code(KeyCode::Enter), now);
    assert_eq!(opened.borrow().last().unwrap(), &dash(None));
    type_str(&mut app, ":project demo");
    app.handle_key(code(KeyCode::Enter), now);
    type_str(&mut app, ":dashboard");
    app.handle_key(code(KeyCode::Enter), now);
    assert_eq!(opened.borrow().last().unwrap(), &dash(Some("demo")));
    // The overview stays reachable, offered first by completion.
    app.project_names = vec!["demo".into()];
    type_str(&mut app, ":dashboard ");
    app.handle_key(code(KeyCode::Tab), now);
    assert_eq!(
        app.cmdline.as_ref().unwrap().candidates,
        vec!["all".to_string(), "demo".to_string()]
    );
    app.handle_key(code(KeyCode::Esc), now);
    type_str(&mut app, ":dashboard all");
    app.handle_key(code(KeyCode::Enter), now);
    assert_eq!(opened.borrow().last().unwrap(), &dash(None));
    assert_eq!(app.project(), Some("demo"), "the current project stays");
}

#[test]
fn threads_by_key_completes_from_settings_and_opens() {
    let opened = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::new(RefCell::new(Vec::new()));
    let o2 = opened.clone();
    let l2 = log.clone();
    let mut app = test_app(Box::new(move |req: &ScreenRequest| {
        o2.borrow_mut().push(req.clone());
        Ok(Probe::boxed("threads", &l2))
    }));
    app.set_conversation_keys(
        [("demo".to_string(), vec!["chat_id".to_string()])]
            .into_iter()
            .collect(),
    );
    let now = fixed_now();
    type_str(&mut app, ":project demo");
    app.handle_key(code(KeyCode::Enter), now);
    type_str(&mut app, ":threads by ");
    app.handle_key(code(KeyCode::Tab), now);
    assert_eq!(
        app.cmdline.as_ref().unwrap().candidates,
        vec!["thread_id".to_string(), "chat_id".to_string()]
    );
    app.handle_key(code(KeyCode::Esc), now);
    type_str(&mut app, ":threads by c");
    app.handle_key(code(KeyCode::Tab), now);
    app.handle_key(code(KeyCode::Enter), now);
    assert_eq!(
        opened.borrow().last().unwrap(),
        &ScreenRequest::ThreadsBy {
            project: "demo".into(),
            by: "metadata.chat_id".into()
        }
    );
    // Copies with a label say what was copied.
    app.apply(
        vec![Effect::CopyAs {
            text: "https://x/ws/projects/1/traces?type=threads&thread=t".into(),
            what: "the web URL of thread t".into(),
        }],
        now,
    );
    assert_eq!(app.take_clipboard().len(), 1);
    assert!(
        app.toasts().items().iter().any(|t| t
            .text
            .starts_with("copied the web URL of thread t: https://x/")),
        "{:?}",
        app.toasts().items()
    );
}

#[test]
fn copy_goes_to_clipboard_queue_and_toasts() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut app = test_app(crate::app::testing::no_opener());
    app.push(Probe::boxed("a", &log), fixed_now());
    app.handle_key(code(KeyCode::Enter), fixed_now());
    assert_eq!(app.take_clipboard(), vec!["the-id".to_string()]);
    assert!(app.toasts().items()[0].text.contains("copied the-id"));
}

#[test]
fn idle_app_does_not_wake_up() {
    let mut app = test_app(crate::app::testing::no_opener());
    assert_eq!(app.next_wakeup(fixed_now()), None);
    app.toast(ToastLevel::Info, "x", fixed_now());
    assert!(app.next_wakeup(fixed_now()).is_some());
}

#[test]
fn status_bar_shows_the_outbox_on_any_screen() {
    use crate::outbox::OutboxEvent;
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut app = test_app(crate::app::testing::no_opener());
    app.push(Probe::boxed("a", &log), fixed_now());
    let top = |app: &mut App| {
        buffer_text(&render_app(app, 120, 10))
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert!(!top(&mut app).contains("waiting"));
    app.set_outbox_pending(2);
    assert!(top(&mut app).contains("2 waiting to send"));
    app.outbox_event(&OutboxEvent::Status {
        online: false,
        pending: 3,
        last_error: Some("cannot connect".into()),
    });
    let line = top(&mut app);
    assert!(line.contains("offline · 3 waiting to send"), "{line}");
    app.outbox_event(&OutboxEvent::Status {
        online: true,
        pending: 0,
        last_error: None,
    });
    let line = top(&mut app);
    assert!(
        !line.contains("offline") && !line.contains("waiting"),
        "{line}"
    );
}

#[test]
fn help_overlay_and_hint_bar_snapshot() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut app = test_app(crate::app::testing::no_opener());
    let now = fixed_now();
    app.push(Probe::boxed("demo", &log), now);
    let buf = render_app(&mut app, 80, 24);
    let text = buffer_text(&buf);
    assert!(
        text.lines().last().unwrap().contains("Enter open"),
        "{text}"
    );
    app.handle_key(key('?'), now);
    assert!(app.help_open());
    app.toast(ToastLevel::Error, "cannot connect: connection refused", now);
    let buf = render_app(&mut app, 80, 24);
    insta::assert_snapshot!("shell_help_80x24", buffer_text(&buf));
    app.handle_key(code(KeyCode::Esc), now);
    assert!(!app.help_open());
}
