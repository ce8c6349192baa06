//! The Scores, Metadata and Input/Output tabs: categorical scores by their label, tags as everywhere
//! else, an Anthropic tool call in the pretty output.

use super::doc_tests::{doc_of, rows};
use super::subject::{Subject, Tab};
use super::tabs::render_tab;
use crate::opik::model::{FeedbackScore, ValueEntry};
use crate::theme::Theme;

/// The tab's text at 80 columns, as the detail pane shows it.
fn tab_text(s: &Subject, tab: Tab) -> String {
    match tab {
        Tab::InputOutput | Tab::Metadata => rows(&doc_of(s, tab, 80)).join("\n"),
        _ => crate::render::lines::plain(&render_tab(s, tab, 80, &Theme::dark())),
    }
}

#[test]
fn a_categorical_score_shows_its_label_and_value() {
    let by = [(
        "ann".to_string(),
        ValueEntry {
            value: Some(0.0),
            category_name: Some("unhelpful".into()),
            ..ValueEntry::default()
        },
    )];
    let s = Subject {
        scores: vec![
            FeedbackScore {
                name: "Helpfulness".into(),
                value: Some(1.0),
                category_name: Some("helpful".into()),
                source: Some("ui".into()),
                ..FeedbackScore::default()
            },
            FeedbackScore {
                name: "Tone".into(),
                value: Some(0.0),
                category_name: Some("rude".into()),
                value_by_author: Some(by.into_iter().collect()),
                ..FeedbackScore::default()
            },
            FeedbackScore {
                name: "relevance".into(),
                value: Some(0.853),
                ..FeedbackScore::default()
            },
        ],
        ..Subject::default()
    };
    let text = tab_text(&s, Tab::Scores);
    assert!(text.contains("Helpfulness  helpful (1)  (ui)"), "{text}");
    assert!(text.contains("Tone  rude (0)"), "{text}");
    assert!(text.contains("ann: unhelpful (0)"), "{text}");
    assert!(text.contains("relevance  0.85"), "{text}");
}

#[test]
fn tags_read_as_in_the_lists() {
    let s = Subject {
        tags: vec!["reviewed".into(), "billing".into()],
        ..Subject::default()
    };
    let text = tab_text(&s, Tab::Metadata);
    assert!(text.contains("reviewed, billing"), "{text}");
}

#[test]
fn an_anthropic_tool_use_output_shows_the_call() {
    let s = Subject {
        output: Some(serde_json::json!({
            "id": "msg_1", "type": "message", "role": "assistant", "stop_reason": "tool_use",
            "content": [
                {"type": "text", "text": "Let me check the weather."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather",
                 "input": {"location": "Paris"}}
            ]
        })),
        ..Subject::default()
    };
    let text = tab_text(&s, Tab::InputOutput);
    assert!(text.contains("Let me check the weather."), "{text}");
    assert!(text.contains("Tool call get_weather"), "{text}");
    assert!(text.contains("\"location\": \"Paris\""), "{text}");
    assert!(
        !text.contains("```") && !text.contains("**"),
        "rendered, not raw: {text}"
    );
}
