use super::*;

#[test]
fn a_cut_trace_says_how_many_of_how_many_and_how_to_see_the_rest() {
    assert_eq!(
        span_count_label(50_000, Some(200_000)),
        "showing 50,000 of 200,000 spans · e exports"
    );
    assert_eq!(span_count_label(12, Some(12)), "12 spans");
    assert_eq!(span_count_label(12, None), "12 spans");
    assert_eq!(span_count_label(1, Some(1)), "1 span");
    let note = cut_note(50_000, 200_000);
    assert!(note.contains("200,000 spans"), "{note}");
    assert!(note.contains("first 50,000"), "{note}");
    assert!(note.contains("export up to 100,000"), "{note}");
    assert!(note.contains("filter"), "{note}");
}

#[test]
fn the_status_bar_of_a_cut_trace_shows_the_total() {
    let now = crate::app::testing::fixed_now();
    let (mut trace, spans) = crate::views::fixtures::agent_trace(now, 0);
    let n = spans.len();
    trace.span_count = Some(200_000);
    let s = TraceViewScreen::with_data("p", Uuid::nil(), Some(trace), spans);
    assert_eq!(
        s.status().as_deref(),
        Some(format!("showing {n} of 200,000 spans · e exports").as_str())
    );
}
