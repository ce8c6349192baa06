//! The agreement view and one item of it, from the hand-built queue of
//! `views::fixtures::scores`: snapshots, panes and opening an item.

use super::*;
use crate::annotate::agreement::QueueAgreement;
use crate::app::screen::Effect;
use crate::app::testing::{buffer_text, render_screen, unreachable_client as client, with_ctx};
use crate::theme::Theme;
use crate::views::fixtures::scores::{agreement_items, definitions, queue};

fn screen() -> AgreementScreen {
    let data = QueueAgreement::compute(queue(), &definitions(), agreement_items());
    AgreementScreen::with_data(client(), data)
}

/// Run `actions` on `s`; the effects they asked for.
fn act<S: Screen>(s: &mut S, actions: &[Action]) -> Vec<Effect> {
    with_ctx(|ctx| {
        for a in actions {
            s.handle_action(*a, ctx);
        }
    })
    .1
}

#[test]
fn definitions_pairs_and_items_snapshots() {
    let mut s = screen();
    for (w, h) in [(80, 30), (140, 40)] {
        let text = buffer_text(&render_screen(&mut s, w, h, &Theme::dark()));
        assert!(text.contains("accuracy"), "{text}");
        assert!(text.contains("0.44"), "α of accuracy: {text}");
        assert!(text.contains("0.40"), "κ of accuracy: {text}");
        assert!(text.contains("66.67%"), "{text}");
        assert!(text.contains("0.40 (3)"), "alice–bob κ on 3 items: {text}");
        insta::assert_snapshot!(format!("agreement_{w}x{h}"), text);
    }
}

#[test]
fn the_pairs_follow_the_selected_definition_and_enter_opens_an_item() {
    let mut s = screen();
    act(&mut s, &[Action::Down]);
    let text = buffer_text(&render_screen(&mut s, 140, 40, &Theme::dark()));
    assert!(text.contains("Pairs · helpfulness: α"), "{text}");
    assert!(text.contains("-0.50 (2)"), "{text}");
    assert!(text.contains("every score of this name"), "{text}");
    // Enter on the definitions goes to the items; Enter there opens the most disputed one.
    assert!(act(&mut s, &[Action::Open]).is_empty());
    assert_eq!(s.focus, Pane::Items);
    let effects = act(&mut s, &[Action::Open]);
    let Some(Effect::Push(item)) = effects.into_iter().next() else {
        panic!("Enter on an item pushes its screen");
    };
    assert_eq!(item.title(), "Agreement · answer-2");
    // Tab cycles the panes.
    act(&mut s, &[Action::NextPane]);
    assert_eq!(s.focus, Pane::Definitions);
    act(&mut s, &[Action::PrevPane]);
    assert_eq!(s.focus, Pane::Items);
}

#[test]
fn an_item_shows_every_annotators_value_and_reason_side_by_side() {
    let data = QueueAgreement::compute(queue(), &definitions(), agreement_items());
    let mut s = AgreementItemScreen::new(data.queue, data.definitions, data.items[0].clone());
    let text = buffer_text(&render_screen(&mut s, 100, 20, &Theme::dark()));
    assert!(text.contains("≠ annotators differ"), "{text}");
    assert!(
        text.contains("alice thinks 1") && text.contains("bob thinks 0"),
        "{text}"
    );
    assert!(text.contains("good") && text.contains("bad"), "{text}");
    insta::assert_snapshot!("agreement_item_100x20", text);
    // Enter opens the trace in the queue's project.
    let effects = act(&mut s, &[Action::Open]);
    assert!(
        matches!(&effects[..], [Effect::Open(crate::app::ScreenRequest::Trace { project, .. })] if project == "support-bot"),
        "{}",
        effects.len()
    );
}

#[test]
fn loading_and_errors_are_said() {
    let mut s = AgreementScreen::new(client(), queue());
    let text = buffer_text(&render_screen(&mut s, 80, 10, &Theme::dark()));
    assert!(text.contains("computing agreement"), "{text}");
    s.defs.error = Some("the trace list: connection refused".into());
    let text = buffer_text(&render_screen(&mut s, 80, 10, &Theme::dark()));
    assert!(
        text.contains("connection refused") && text.contains("r: retry"),
        "{text}"
    );
}
