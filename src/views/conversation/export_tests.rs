//! The markdown export (`e`) and the header: answers' own headings nested under their turn,
//! a failed turn's error, thread and turn scores (categorical by label), tags, comments; the
//! document keeps its shape through the project's own renderer.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde_json::json;
use uuid::Uuid;

use super::tests::{at, trace, utc};
use super::*;
use crate::opik::model::{Comment, ErrorInfo, FeedbackScore, Thread};
use crate::render::markdown;
use crate::theme::Theme;

fn comment(who: &str, text: &str) -> Comment {
    Comment {
        text: text.into(),
        created_by: Some(who.into()),
        created_at: Some(at(50)),
        ..Comment::default()
    }
}

fn categorical(name: &str, label: &str, value: f64) -> FeedbackScore {
    FeedbackScore {
        name: name.into(),
        value: Some(value),
        category_name: Some(label.into()),
        ..FeedbackScore::default()
    }
}

fn conversation() -> Conversation {
    let mut c = Conversation::new("support", "thread-7");
    c.time_fmt = utc;
    let q = |s: &str| json!({"messages": [{"role": "user", "content": s}]});
    let mut t1 = trace(
        1,
        0,
        q("How do I reset it?"),
        json!({"answer": "## Steps\n\n1. Open settings\n\n```sh\n# as root\nreset --all\n```"}),
    );
    t1.feedback_scores = Some(vec![categorical("Helpfulness", "helpful", 1.0)]);
    t1.tags = Some(vec!["faq".into()]);
    t1.comments = Some(vec![comment("bob", "good\nanswer")]);
    // A cut-off answer: its code fence never closes.
    let t2 = trace(
        2,
        5,
        q("And the script?"),
        json!({"answer": "Run this:\n\n```python\nimport os\n"}),
    );
    let mut t3 = trace(3, 10, q("And the billing?"), json!(null));
    t3.output = None;
    t3.error_info = Some(ErrorInfo {
        exception_type: Some("RateLimitError".into()),
        message: Some("Error code: 429".into()),
        traceback: None,
    });
    let t4 = trace(
        4,
        20,
        q("Thanks"),
        json!({"answer": "Title\n=====\n\nYou're welcome."}),
    );
    c.set_traces(&[t1, t2, t3, t4]);
    c.set_thread(Thread {
        id: "thread-7".into(),
        thread_model_id: Some(Uuid::from_u128(7)),
        status: Some("inactive".into()),
        tags: Some(vec!["reviewed".into(), "billing".into()]),
        feedback_scores: Some(vec![categorical("Resolution", "solved", 1.0)]),
        comments: Some(vec![comment("ann", "escalate the 429")]),
        ..Thread::default()
    });
    c
}

/// Every heading of `md`: (level, text).
fn headings(md: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for ev in Parser::new(md) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                out.push((level as usize, String::new()));
                open = true;
            }
            Event::End(TagEnd::Heading(_)) => open = false,
            Event::Text(t) | Event::Code(t) if open => {
                if let Some(h) = out.last_mut() {
                    h.1.push_str(&t);
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_export_nests_answers_under_their_turn() {
    let md = conversation().to_markdown();
    let h = headings(&md);
    let turns: Vec<&(usize, String)> = h.iter().filter(|(_, t)| t.starts_with("Turn ")).collect();
    assert_eq!(turns.len(), 4, "every turn is a section: {h:?}\n{md}");
    assert!(turns.iter().all(|(l, _)| *l == 2), "{h:?}");
    // The answers' own headings sit below their turn, two levels down (`#` → `###`,
    // `##` → `####`), not the `# as root` in code.
    assert!(h.contains(&(4, "Steps".into())), "{h:?}");
    assert!(h.contains(&(3, "Title".into())), "{h:?}");
    assert_eq!(
        h.iter().filter(|(l, _)| *l <= 2).count(),
        6,
        "title, thread comments, 4 turns: {h:?}"
    );
    assert!(md.contains("# as root\nreset --all"), "{md}");
    // Turn 2's unclosed code fence is fenced whole, so it does not swallow turn 3.
    assert!(md.contains("````text\nRun this:"), "{md}");
}

#[test]
fn the_export_keeps_errors_scores_tags_and_comments() {
    let md = conversation().to_markdown();
    for want in [
        "Status: inactive",
        "Scores: Resolution solved (1)",
        "Tags: reviewed, billing",
        "## Thread comments",
        "- **ann** (2026-11-21T10:00:50+00:00): escalate the 429",
        "Scores: Helpfulness helpful (1)  \nTags: faq",
        "- **bob** (2026-11-21T10:00:50+00:00): good answer",
        "**Error:** RateLimitError: Error code: 429",
        "_(no output: the call failed)_",
    ] {
        assert!(md.contains(want), "{want:?} missing:\n{md}");
    }
    assert!(!md.contains("_(empty)_"), "{md}");
}

#[test]
fn the_export_reads_as_a_document_in_our_renderer() {
    let theme = Theme::dark();
    let text = markdown::render_uncached(&conversation().to_markdown(), 100, &theme);
    let heading = |needle: &str| {
        text.lines.iter().any(|l| {
            l.spans
                .iter()
                .any(|s| s.content.contains(needle) && s.style == theme.heading2)
        })
    };
    for n in 1..=4 {
        assert!(
            heading(&format!("Turn {n}")),
            "Turn {n} is a heading:\n{text:?}"
        );
    }
}

#[test]
fn the_header_shows_labels_tags_and_counts_in_words() {
    let c = conversation();
    let line: String = c
        .header(&Theme::dark(), 200)
        .iter()
        .flat_map(|l| l.spans.iter().map(|s| s.content.to_string()))
        .collect();
    assert!(line.contains("Resolution=solved (1)"), "{line}");
    assert!(line.contains("tags reviewed, billing"), "{line}");
    assert!(
        line.contains("  1 comment") && !line.contains("1 comments"),
        "{line}"
    );
    assert!(line.contains("4 turns"), "{line}");
}
