//! The queues list: progress, team and definitions, and its snapshots.

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
