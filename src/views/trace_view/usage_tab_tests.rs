use super::*;
use crate::theme::Theme;

#[test]
fn a_trace_without_a_model_shows_its_providers_not_model_dash() {
    let now = crate::app::testing::fixed_now();
    let (mut trace, spans) = crate::views::fixtures::agent_trace(now, 0);
    trace.providers = Some(vec!["anthropic".into(), "openai".into()]);
    let id = trace.id.unwrap_or_default();
    let mut s = TraceViewScreen::with_data("p", id, Some(trace), spans);
    let out = crate::app::testing::buffer_text(&crate::app::testing::render_screen(
        &mut s,
        160,
        20,
        &Theme::dark(),
    ));
    assert!(out.contains("provider anthropic, openai"), "{out}");
    assert!(!out.contains("model – ("), "{out}");
}

#[test]
fn usage_values_line_up_whatever_the_key_length() {
    let s = Subject {
        model: Some("gpt-4o".into()),
        usage: vec![
            ("completion_tokens".into(), 93),
            ("prompt_tokens".into(), 3726),
            ("total_tokens".into(), 3819),
        ],
        ..Subject::default()
    };
    let lines = render_tab(&s, Tab::Usage, 80, &Theme::dark());
    let text: Vec<String> = lines
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let col = |needle: &str| {
        text.iter()
            .find_map(|l| {
                l.starts_with(needle.split(' ').next().unwrap_or(""))
                    .then(|| l.find(needle.rsplit(' ').next().unwrap_or("")))
                    .flatten()
            })
            .unwrap_or_else(|| panic!("{needle} in {text:?}"))
    };
    let model = col("model gpt-4o");
    assert_eq!(col("completion_tokens 93"), model, "{text:#?}");
    assert_eq!(col("prompt_tokens 3,726"), model, "{text:#?}");
    assert_eq!(col("total_tokens 3,819"), model, "{text:#?}");
}
