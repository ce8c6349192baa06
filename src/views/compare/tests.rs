//! The compare view from hand-built traces (`views::fixtures::scores`): snapshots of numbers
//! and of categories, opening an item, and changing the range and the scope.

use super::*;
use crate::app::ScreenRequest;
use crate::app::screen::Effect;
use crate::app::testing::{buffer_text, render_screen, unreachable_client as client, with_ctx};
use crate::theme::Theme;
use crate::views::fixtures::scores::{
    SAFE_ROWS, by, definitions, safe_by_source, score, trace_item,
};

fn spec(s: &str) -> ScoreSpec {
    ScoreSpec::parse(s).expect("spec")
}

/// A judge against an SME's helpfulness (0–10) on five traces.
fn numbers() -> Comparison {
    let items = [
        (1, 0.9, 9.0),
        (2, 0.2, 9.0),
        (3, 0.5, 5.0),
        (4, 0.1, 0.0),
        (5, 0.7, 8.0),
    ]
    .into_iter()
    .map(|(n, judge, sme)| {
        let j = score("judge", &[by("bot", judge).source("online_scoring")]);
        trace_item(n, vec![j, score("helpfulness", &[by("alice", sme)])])
    })
    .collect();
    Comparison::compute(spec("judge"), spec("helpfulness@ui"), items, &definitions())
}

/// The SME's `safe` against the judge's, by source.
fn categories() -> Comparison {
    let items = safe_by_source(&SAFE_ROWS);
    Comparison::compute(
        spec("safe@ui"),
        spec("safe@online_scoring"),
        items,
        &definitions(),
    )
}

/// Run `actions` on `s`: the effects, and whether a reload is in flight.
fn act(s: &mut CompareScreen, actions: &[Action]) -> (Vec<Effect>, bool) {
    let (loading, effects) = with_ctx(|ctx| {
        for a in actions {
            s.handle_action(*a, ctx);
        }
        ctx.in_flight("compare")
    });
    (effects, loading)
}

#[test]
fn numbers_snapshot() {
    let mut s = CompareScreen::with_data(client(), "support-bot", numbers(), TimeRange::Day);
    for (w, h) in [(80, 24), (140, 30)] {
        let text = buffer_text(&render_screen(&mut s, w, h, &Theme::dark()));
        assert!(text.contains("Pearson r"), "{text}");
        assert!(text.contains("Spearman ρ"), "{text}");
        assert!(text.contains("answer-2"), "{text}");
        insta::assert_snapshot!(format!("compare_numbers_{w}x{h}"), text);
    }
}

#[test]
fn categories_snapshot_with_kappa_and_the_confusion_table() {
    let mut s = CompareScreen::with_data(client(), "support-bot", categories(), TimeRange::Week);
    let text = buffer_text(&render_screen(&mut s, 120, 24, &Theme::dark()));
    assert!(text.contains("Cohen κ"), "{text}");
    assert!(text.contains("Unsafe") && text.contains("Safe"), "{text}");
    insta::assert_snapshot!("compare_categories_120x24", text);
}

#[test]
fn enter_opens_the_trace_and_range_and_scope_reload() {
    let mut s = CompareScreen::with_data(client(), "support-bot", numbers(), TimeRange::Day);
    let (effects, _) = act(&mut s, &[Action::Open]);
    assert!(
        matches!(&effects[..], [Effect::Open(ScreenRequest::Trace { project, trace_id })]
            if project == "support-bot" && *trace_id == uuid::Uuid::from_u128(2)),
        "the most different item first"
    );
    let (_, loading) = act(&mut s, &[Action::RangeNext]);
    assert!(loading);
    assert_eq!(s.range, TimeRange::Week);
    act(&mut s, &[Action::ToggleScope]);
    assert_eq!(s.scope, Scope::Threads);
    assert_eq!(s.status().as_deref(), Some("7d · threads"));
}

#[test]
fn nothing_in_common_is_said() {
    let items = vec![trace_item(1, vec![score("judge", &[by("bot", 1.0)])])];
    let c = Comparison::compute(spec("judge"), spec("helpfulness"), items, &definitions());
    let mut s = CompareScreen::with_data(client(), "support-bot", c, TimeRange::Day);
    let text = buffer_text(&render_screen(&mut s, 80, 12, &Theme::dark()));
    assert!(text.contains("has both judge and helpfulness"), "{text}");
}
