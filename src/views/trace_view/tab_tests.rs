//! The Scores and Metadata tabs: categorical scores by their label, tags as everywhere else.

use super::*;
use crate::opik::model::{FeedbackScore, ValueEntry};

fn tab_text(s: &Subject, tab: Tab) -> String {
    let opts = RenderOpts {
        raw: false,
        fold: None,
        width: 80,
    };
    render_tab(s, tab, opts, &Theme::dark())
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
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
