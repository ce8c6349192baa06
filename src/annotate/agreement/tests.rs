//! A queue's agreement from hand-built items (`views::fixtures::scores`): the queue's own
//! scores win over others, the statistics match hand computations, and items come most
//! disputed first.

use super::*;
use crate::stats::Why;
use crate::views::fixtures::scores::{agreement_items, by, definitions, queue, score, trace_item};

fn close(s: Stat, want: f64) {
    let v = s.unwrap_or_else(|w| panic!("expected {want}, got {w:?}"));
    assert!((v - want).abs() < 1e-9, "expected {want}, got {v}");
}

#[test]
fn the_queues_own_scores_count_and_the_statistics_match_hand_computation() {
    let a = QueueAgreement::compute(queue(), &definitions(), agreement_items());
    let acc = &a.definitions[0];
    assert_eq!(acc.name, "accuracy");
    assert_eq!(acc.level, Level::Nominal);
    assert!(acc.from_queue && !acc.undefined);
    assert_eq!(
        acc.annotators,
        vec!["alice", "bob"],
        "carol's score was not in the queue"
    );
    assert_eq!((acc.scored, acc.pairable), (4, 3));
    // (good, good), (good, bad: bob's 0 without a name is "bad"), (bad, bad).
    close(acc.exact, 2.0 / 3.0);
    // κ: p_o = 2/3, p_e = 2/3·1/3 + 1/3·2/3 = 4/9 → (2/9) / (5/9) = 0.4.
    close(acc.kappa.expect("two annotators"), 0.4);
    // α: n = 6 (3 good, 3 bad), D_o ∝ 2 (unit 2), D_e ∝ (36 − 18) / 5 = 3.6 → 1 − 2/3.6.
    close(acc.alpha, 1.0 - 2.0 / 3.6);
    assert_eq!(acc.pair_symbol(), "κ");
    assert_eq!(acc.pair(1, 0).map(|p| p.shared), Some(3));

    // No helpfulness score carries a queue id: all of them count.
    let help = &a.definitions[1];
    assert_eq!(help.level, Level::Interval);
    assert!(!help.from_queue);
    close(help.exact, 0.5);
    // α interval: units (8, 2) and (5, 5): D_o ∝ 72, D_e ∝ 144 / 3 = 48 → 1 − 72/48.
    close(help.alpha, -0.5);
    // κ on the values as categories: p_o = 1/2, p_e = 1/4 → 1/3.
    close(help.kappa.expect("two annotators"), 1.0 / 3.0);
    assert_eq!(help.pair_symbol(), "α");
}

#[test]
fn items_come_most_disputed_first_with_everyones_values_and_reasons() {
    let a = QueueAgreement::compute(queue(), &definitions(), agreement_items());
    let order: Vec<&str> = a.items.iter().map(|i| i.title.as_str()).collect();
    // 2: accuracy differs (1.0); 1: helpfulness 8 vs 2 on 0–10 (0.6); 3: agree; 4: alone;
    // 5: nobody scored it.
    assert_eq!(order, vec!["answer-2", "answer-1", "answer-3", "answer-4"]);
    assert_eq!(a.items[0].disagreement, Some(1.0));
    assert_eq!(a.items[0].disputed, vec!["accuracy"]);
    assert!((a.items[1].disagreement.unwrap() - 0.6).abs() < 1e-9);
    assert_eq!(a.items[1].disputed, vec!["helpfulness"]);
    assert_eq!(a.items[2].disagreement, Some(0.0));
    assert_eq!(
        a.items[2].annotators, 2,
        "carol's out-of-queue score is not shown"
    );
    assert_eq!(a.items[3].disagreement, None);
    let bob = &a.items[0].ratings[0]["bob"];
    assert_eq!((bob.label.as_str(), bob.value), ("bad", 0.0));
    assert_eq!(bob.reason.as_deref(), Some("bob thinks 0"));
    assert_eq!(a.items[0].preview, "Question 2?");
}

#[test]
fn nothing_to_compare_says_why() {
    let mut q = queue();
    q.feedback_definition_names = Some(vec!["accuracy".into(), "tone".into()]);
    let items = vec![
        trace_item(1, vec![score("accuracy", &[by("alice", 1.0).cat("good")])]),
        trace_item(
            2,
            vec![score(
                "tone",
                &[by("alice", 1.0).cat("warm"), by("bob", 1.0).cat("warm")],
            )],
        ),
    ];
    let a = QueueAgreement::compute(q, &definitions(), items);
    let acc = &a.definitions[0];
    assert_eq!(acc.alpha, Err(Why::NoPairs));
    assert_eq!(acc.kappa, None, "one annotator");
    let tone = &a.definitions[1];
    assert!(tone.undefined);
    assert_eq!(tone.level, Level::Nominal, "every entry names a category");
    assert_eq!(tone.alpha, Err(Why::NoVariation));
    assert_eq!(tone.kappa, Some(Err(Why::NoVariation)));
    close(tone.exact, 1.0);
}
