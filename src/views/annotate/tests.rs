use super::*;
use crate::annotate::form::FieldValue;
use crate::annotate::session::LockState;
use crate::app::testing::{buffer_text, render_screen};
use crate::app::{Action, Ctx, KeyContext, Screen};
use crate::config::Connection;
use crate::opik::model::{
    FeedbackDefinition, FeedbackDetails, FeedbackScore, Span as ApiSpan, Thread, Trace, ValueEntry,
};
use crate::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

fn def(name: &str, desc: &str, details: FeedbackDetails) -> FeedbackDefinition {
    FeedbackDefinition {
        id: None,
        name: name.into(),
        description: Some(desc.into()),
        details,
        created_at: None,
        created_by: None,
        last_updated_at: None,
        last_updated_by: None,
    }
}

pub(super) fn session() -> Session {
    let cats: BTreeMap<String, f64> = [("wrong", 0.0), ("partly", 0.5), ("right", 1.0)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let defs = vec![
        def(
            "accuracy",
            "Is the answer correct?",
            FeedbackDetails::Categorical { categories: cats },
        ),
        def(
            "safe",
            "No harmful content",
            FeedbackDetails::Boolean {
                true_label: "Safe".into(),
                false_label: "Unsafe".into(),
            },
        ),
        def(
            "helpfulness",
            "How helpful, 0–10",
            FeedbackDetails::Numerical {
                min: 0.0,
                max: 10.0,
            },
        ),
    ];
    let queue = AnnotationQueue {
        id: Some(Uuid::from_u128(0xabc)),
        name: "Support answers".into(),
        project_name: Some("support-bot".into()),
        scope: "trace".into(),
        instructions: Some("Check the **answer** against the docs.".into()),
        feedback_definition_names: Some(vec![
            "accuracy".into(),
            "safe".into(),
            "helpfulness".into(),
        ]),
        annotators_per_item: Some(1),
        comments_enabled: Some(true),
        ..Default::default()
    };
    let mut by = BTreeMap::new();
    by.insert(
        "ann".to_string(),
        ValueEntry {
            value: Some(1.0),
            category_name: Some("Safe".into()),
            ..Default::default()
        },
    );
    let items = (1..=4u128)
        .map(|n| {
            ItemData::Trace(Box::new(Trace {
                id: Some(Uuid::from_u128(n)),
                name: Some(format!("answer-{n}")),
                input: Some(serde_json::json!({"messages": [{"role": "user", "content": format!("How do I reset my password? ({n})")}]})),
                output: Some(serde_json::json!({"content": "Open **Settings → Security** and choose *Reset*."})),
                feedback_scores: (n == 4).then(|| {
                    vec![FeedbackScore {
                        name: "safe".into(),
                        value: Some(1.0),
                        value_by_author: Some(by.clone()),
                        ..Default::default()
                    }]
                }),
                ..Default::default()
            }))
        })
        .collect();
    Session::new(queue, &defs, "ann", items)
}

pub(super) fn screen() -> AnnotateScreen {
    let client =
        OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url")).expect("client");
    AnnotateScreen::with_session(client, session(), Err("test: no outbox".into()))
}

#[test]
fn intro_shows_instructions_progress_and_definitions() {
    let mut s = screen();
    for (w, h) in [(80, 24), (160, 45)] {
        let text = buffer_text(&render_screen(&mut s, w, h, &Theme::dark()));
        assert!(text.contains("Support answers"), "{text}");
        assert!(text.contains("1/4"), "{text}");
        assert!(
            text.contains("wrong (0), partly (0.5)") && text.contains("Safe / Unsafe"),
            "{text}"
        );
        assert!(text.contains("Resume") || text.contains("resume"), "{text}");
        insta::assert_snapshot!(format!("intro_{w}x{h}"), text);
    }
}

#[test]
fn item_screen_shows_item_panel_and_errors() {
    let mut s = screen();
    let sess = s.session_mut().expect("session");
    sess.start();
    let id = sess.current_item().expect("item").id;
    sess.items[sess.current].lock = LockState::Mine(None);
    let form = sess.current_form_mut().expect("form");
    form.digit(2);
    form.focus = 2;
    form.digit(1);
    form.digit(2);
    form.validate();
    s.set_context(
        id,
        ItemContext {
            spans: vec![ApiSpan {
                name: Some("llm-call".into()),
                span_type: Some("llm".into()),
                duration: Some(812.0),
                ..Default::default()
            }],
            turns: vec![],
        },
    );
    s.spans_open = true;
    for (w, h) in [(80, 24), (160, 45)] {
        let text = buffer_text(&render_screen(&mut s, w, h, &Theme::dark()));
        assert!(text.contains("partly (0.5)"), "{text}");
        assert!(text.contains("12 is out of range"), "{text}");
        assert!(text.contains("reset my password"), "{text}");
        insta::assert_snapshot!(format!("item_{w}x{h}"), text);
    }
}

#[test]
fn held_items_say_who_reviews_them() {
    let mut s = screen();
    let sess = s.session_mut().expect("session");
    sess.start();
    let cur = sess.current;
    sess.items[cur].lock = LockState::HeldBy("bob".into());
    let text = buffer_text(&render_screen(&mut s, 100, 30, &Theme::dark()));
    assert!(text.contains("Being reviewed by bob."), "{text}");
    assert!(
        !text.contains("accuracy"),
        "no scoring panel while held: {text}"
    );
}

pub(super) fn press(s: &mut AnnotateScreen, keys: &[KeyCode]) -> Vec<&'static str> {
    press_with(s, &crate::app::KeyMap::default(), keys)
}

/// Route keys as the shell does: raw to a focused editor, else through `keymap` in the
/// screen's context, unbound keys to `handle_unbound_key`.
fn press_with(
    s: &mut AnnotateScreen,
    keymap: &crate::app::KeyMap,
    keys: &[KeyCode],
) -> Vec<&'static str> {
    let theme = Theme::dark();
    let mut tasks = crate::app::tasks::Tasks::new(None);
    let mut effects = Vec::new();
    for k in keys {
        let mut ctx = Ctx::new(
            1,
            &theme,
            keymap,
            crate::app::testing::fixed_now(),
            None,
            &mut tasks,
            &mut effects,
        );
        let ev = KeyEvent::new(*k, KeyModifiers::NONE);
        let key = crate::app::Key::from_event(&ev).expect("key");
        if s.capturing_text() {
            s.handle_key(ev, &mut ctx);
        } else if let Some(a) = keymap.lookup(s.context(), key) {
            s.handle_action(a, &mut ctx);
        } else {
            s.handle_unbound_key(ev, &mut ctx);
        }
    }
    tasks.unrun.iter().map(|(_, k)| *k).collect()
}

#[test]
fn keymap_overrides_apply_in_sme_mode_and_help_lists_its_keys() {
    let overrides: BTreeMap<String, String> = [
        ("annotate.u", "yes"),
        ("annotate.y", "none"),
        ("annotate.ctrl-g", "submit"),
        ("annotate.enter", "none"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (km, errs) = crate::app::KeyMap::with_overrides(&overrides);
    assert!(errs.is_empty(), "{errs:?}");
    let dir = tempfile::tempdir().expect("tmp");
    let outbox = Outbox::open(&dir.path().join("o.sqlite"), "t").expect("outbox");
    let client =
        OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url")).expect("client");
    let mut s = AnnotateScreen::with_session(client, session(), Ok(outbox.clone()));
    // Enter still starts on the intro (its context is not overridden).
    press_with(&mut s, &km, &[KeyCode::Enter]);
    assert_eq!(s.context(), KeyContext::Annotate);
    let safe = |s: &AnnotateScreen| {
        s.session()
            .and_then(Session::current_item)
            .and_then(|i| i.form.as_ref())
            .map(|f| f.fields[1].value.clone())
    };
    // y is unbound now: nothing happens; u answers yes.
    press_with(&mut s, &km, &[KeyCode::Tab, KeyCode::Char('y')]);
    assert_eq!(safe(&s), Some(FieldValue::Empty));
    press_with(&mut s, &km, &[KeyCode::Char('u')]);
    assert_eq!(safe(&s), Some(FieldValue::Bool(true)));
    // Enter no longer submits; Ctrl-g does (Ctrl-s still does too).
    press_with(&mut s, &km, &[KeyCode::Enter]);
    // (Submits are stored by the outbox's writer thread: wait for it before reading.)
    outbox.flush();
    assert_eq!(outbox.pending_count(), 0);
    let theme = Theme::dark();
    let mut tasks = crate::app::tasks::Tasks::new(None);
    let mut effects = Vec::new();
    let mut ctx = Ctx::new(
        1,
        &theme,
        &km,
        crate::app::testing::fixed_now(),
        None,
        &mut tasks,
        &mut effects,
    );
    let ctrl_g = KeyEvent::new(KeyCode::Char('g'), KeyModifiers::CONTROL);
    let action = km.lookup(
        s.context(),
        crate::app::Key::from_event(&ctrl_g).expect("key"),
    );
    assert_eq!(action, Some(Action::Submit));
    s.handle_action(Action::Submit, &mut ctx);
    outbox.flush();
    assert_eq!(outbox.pending_count(), 1, "the safe score was queued");

    // The whole app: `?` on the item screen lists the SME keys with the overrides.
    let client =
        OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url")).expect("client");
    let mut app = crate::app::testing::test_app(crate::app::testing::no_opener());
    app.keymap = km;
    let now = crate::app::testing::fixed_now();
    app.push(
        Box::new(AnnotateScreen::with_session(
            client,
            session(),
            Err("none".into()),
        )),
        now,
    );
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
    app.handle_key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE), now);
    assert!(app.help_open());
    let text = buffer_text(&crate::app::testing::render_app(&mut app, 120, 60));
    let row = |keys: &str, desc: &str| {
        text.lines()
            .any(|l| l.contains(&format!(" {keys} ")) && l.contains(desc))
    };
    assert!(row("u", "Boolean field: yes"), "{text}");
    assert!(row("^g/^s", "Submit"), "{text}");
    assert!(row("Tab/↓", "Next scoring field"), "{text}");
    assert!(row("r", "Add a reason"), "{text}");
    assert!(row("1–9", "pick the Nth option"), "{text}");
    assert!(row("0–9 . -", "type the value"), "{text}");
    assert!(!row("y", "Boolean field: yes"), "{text}");
}

#[test]
fn sme_hint_bar_and_help_snapshot() {
    let client =
        OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url")).expect("client");
    let dir = tempfile::tempdir().expect("tmp");
    let outbox = Outbox::open(&dir.path().join("o.sqlite"), "t").expect("outbox");
    let mut app = crate::app::testing::test_app(crate::app::testing::no_opener());
    let now = crate::app::testing::fixed_now();
    app.push(
        Box::new(AnnotateScreen::with_session(client, session(), Ok(outbox))),
        now,
    );
    let text = buffer_text(&crate::app::testing::render_app(&mut app, 100, 30));
    assert!(text.contains("Enter: resume annotating"), "{text}");
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), now);
    let text = buffer_text(&crate::app::testing::render_app(&mut app, 140, 30));
    let hint_bar = text.lines().last().unwrap_or_default();
    assert!(
        hint_bar.contains("submit") && hint_bar.contains("next field"),
        "{text}"
    );
    insta::assert_snapshot!("sme_item_app_140x30", text);
    app.handle_key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE), now);
    let text = buffer_text(&crate::app::testing::render_app(&mut app, 100, 50));
    insta::assert_snapshot!("sme_help_100x50", text);
}

#[test]
fn keys_score_comment_and_submit_through_the_outbox() {
    let dir = tempfile::tempdir().expect("tmp");
    let outbox = Outbox::open(&dir.path().join("o.sqlite"), "t").expect("outbox");
    let client =
        OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url")).expect("client");
    let mut s = AnnotateScreen::with_session(client, session(), Ok(outbox.clone()));
    // Intro → first item to review: the lock is claimed and the item loaded.
    let spawned = press(&mut s, &[KeyCode::Enter]);
    assert!(
        spawned.contains(&"lock") && spawned.contains(&"item"),
        "{spawned:?}"
    );
    let first = s.session().expect("session").current;
    // accuracy: 3rd option; safe: y; helpfulness: 7; a comment; submit.
    let mut keys = vec![
        KeyCode::Char('3'),
        KeyCode::Tab,
        KeyCode::Char('y'),
        KeyCode::Tab,
    ];
    keys.push(KeyCode::Char('7'));
    keys.push(KeyCode::Char('c'));
    keys.extend("fine".chars().map(KeyCode::Char));
    keys.push(KeyCode::Esc);
    press(&mut s, &keys);
    assert_eq!(s.session().expect("s").unsaved(), 1);
    press(&mut s, &[KeyCode::Enter]);
    // Stored by the outbox's writer thread: wait for it before reading the file.
    outbox.flush();
    let ops: Vec<String> = outbox
        .pending()
        .expect("pending")
        .iter()
        .map(|p| p.op.describe())
        .collect();
    assert_eq!(
        ops,
        [
            "score “accuracy”",
            "score “safe”",
            "score “helpfulness”",
            "comment"
        ]
    );
    let sess = s.session().expect("s");
    assert_ne!(sess.current, first, "moved to the next item");
    assert_eq!(sess.progress().done_for_me, 2);
    // An out-of-range number is not sent and keeps the item.
    let here = sess.current;
    press(
        &mut s,
        &[
            KeyCode::Tab,
            KeyCode::Tab,
            KeyCode::Char('9'),
            KeyCode::Char('9'),
            KeyCode::Enter,
        ],
    );
    assert_eq!(s.session().expect("s").current, here);
    outbox.flush();
    assert_eq!(outbox.pending_count(), 4);
    // Leaving with unsaved edits asks first.
    press(&mut s, &[KeyCode::Char('q')]);
    assert!(s.confirm_leave);
    press(&mut s, &[KeyCode::Char('n')]);
    assert!(!s.confirm_leave);
}

#[test]
fn thread_items_show_status_and_the_conversation() {
    let mut q = session().queue;
    q.scope = "thread".into();
    let thread = Thread {
        id: "conv-42".into(),
        thread_model_id: Some(Uuid::from_u128(0x42)),
        status: Some("inactive".into()),
        ..Default::default()
    };
    let defs = vec![FeedbackDefinition {
        id: None,
        name: "resolved".into(),
        description: None,
        details: FeedbackDetails::Boolean {
            true_label: "Resolved".into(),
            false_label: "Open".into(),
        },
        created_at: None,
        created_by: None,
        last_updated_at: None,
        last_updated_by: None,
    }];
    q.feedback_definition_names = Some(vec!["resolved".into()]);
    let mut sess = Session::new(q, &defs, "ann", vec![ItemData::Thread(Box::new(thread))]);
    sess.start();
    sess.items[0].lock = LockState::Mine(None);
    let client =
        OpikClient::new(&Connection::new("http://127.0.0.1:9/api").expect("url")).expect("client");
    let mut s = AnnotateScreen::with_session(client, sess, Err("none".into()));
    let turn = |q: &str, a: &str| Trace {
        input: Some(serde_json::json!({"messages": [{"role": "user", "content": q}]})),
        output: Some(serde_json::json!({"content": a})),
        ..Default::default()
    };
    s.set_context(
        Uuid::from_u128(0x42),
        ItemContext {
            spans: vec![],
            turns: vec![
                turn("My order is late", "Sorry! It ships today."),
                turn("Thanks", "You're welcome."),
            ],
        },
    );
    let text = buffer_text(&render_screen(&mut s, 80, 24, &Theme::dark()));
    assert!(text.contains("thread conv-42 · inactive"), "{text}");
    assert!(
        text.contains("My order is late") && text.contains("It ships today"),
        "{text}"
    );
    assert!(text.contains("Resolved") && text.contains("Open"), "{text}");
    insta::assert_snapshot!("thread_item_80x24", text);
}
