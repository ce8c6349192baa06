//! The queues list: progress, team and definitions, and its snapshots.

use super::*;
use crate::app::testing::{buffer_text, render_screen};
use crate::theme::Theme;

use crate::app::testing::unreachable_client as client;

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
fn page_keys_and_the_mouse_move_through_a_long_list() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let queues: Vec<AnnotationQueue> = (1..=60u128)
        .map(|n| AnnotationQueue {
            id: Some(Uuid::from_u128(n)),
            name: format!("queue {n}"),
            scope: "trace".into(),
            ..Default::default()
        })
        .collect();
    let mut s = QueuesScreen::with_data(client(), queues, HashMap::new());
    let theme = Theme::dark();
    // 24 rows: 4 of detail, borders and header leave 17 rows of queues.
    render_screen(&mut s, 80, 24, &theme);
    let keymap = crate::app::KeyMap::default();
    let mut tasks = crate::app::tasks::Tasks::new(None);
    let mut effects = Vec::new();
    let mut ctx = Ctx::new(
        1,
        &theme,
        &keymap,
        crate::app::testing::fixed_now(),
        None,
        &mut tasks,
        &mut effects,
    );
    assert_eq!(s.handle_action(Action::PageDown, &mut ctx), Handled::Yes);
    assert_eq!(s.list.table.selected, 17);
    s.handle_action(Action::PageDown, &mut ctx);
    s.handle_action(Action::PageUp, &mut ctx);
    assert_eq!(s.list.table.selected, 17);
    s.handle_action(Action::Last, &mut ctx);
    let text = buffer_text(&render_screen(&mut s, 80, 24, &theme));
    assert!(
        text.contains("queue 60") && text.contains("44–60 of 60"),
        "{text}"
    );
    // A click on a row selects it.
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 2,
        modifiers: KeyModifiers::NONE,
    };
    assert_eq!(s.handle_mouse(click, &mut ctx), Handled::Yes);
    assert_eq!(s.list.table.selected, 43);
}
