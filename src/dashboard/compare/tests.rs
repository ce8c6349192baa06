//! Comparing two scores from hand-built traces (`views::fixtures::scores`): specs with
//! sources, numbers and categories.

use super::*;
use crate::opik::model::FeedbackDetails;
use crate::stats::Why;
use crate::views::fixtures::scores::{
    SAFE_ROWS, by, definition, definitions, safe_by_source, score, trace_item,
};

fn spec(s: &str) -> ScoreSpec {
    ScoreSpec::parse(s).unwrap()
}

#[test]
fn specs_name_a_score_and_maybe_a_source() {
    assert_eq!(
        spec("judge@online_scoring"),
        ScoreSpec {
            name: "judge".into(),
            source: Some("online_scoring".into())
        }
    );
    assert_eq!(spec(" User feedback ").name, "User feedback");
    assert_eq!(spec("a@b c").name, "a@b c", "not a source: has a space");
    assert_eq!(spec("quality@UI").source.as_deref(), Some("ui"));
    assert_eq!(spec("quality@UI").label(), "quality@ui");
    assert!(ScoreSpec::parse("  ").is_err());
}

#[test]
fn numbers_get_correlations_and_the_most_different_come_first() {
    // An LLM judge against two SMEs (averaged) on four traces, plus one trace without the judge.
    let judge = |v: f64| score("judge", &[by("bot", v).source("online_scoring")]);
    let items = vec![
        trace_item(
            1,
            vec![
                judge(0.9),
                score("quality", &[by("alice", 1.0), by("bob", 0.8)]),
            ],
        ),
        trace_item(2, vec![judge(0.2), score("quality", &[by("alice", 0.9)])]),
        trace_item(3, vec![judge(0.5), score("quality", &[by("alice", 0.5)])]),
        trace_item(4, vec![judge(0.1), score("quality", &[by("alice", 0.0)])]),
        trace_item(5, vec![score("quality", &[by("alice", 0.7)])]),
    ];
    let defs = vec![definition(
        "quality",
        FeedbackDetails::Numerical { min: 0.0, max: 1.0 },
    )];
    let c = Comparison::compute(spec("judge"), spec("quality@ui"), items, &defs);
    assert_eq!((c.read, c.pairs.len()), (5, 4));
    assert_eq!(c.pairs[0].title, "answer-2", "0.2 against 0.9 differs most");
    assert_eq!(c.pairs[0].b.label, "0.9");
    assert_eq!(c.pairs[0].preview, "Question 2?");
    let t1 = c.pairs.iter().find(|p| p.title == "answer-1").unwrap();
    assert!(
        (t1.b.value - 0.9).abs() < 1e-12 && t1.b.authors == 2,
        "the mean of two SMEs"
    );
    // x = (0.9, 0.2, 0.5, 0.1), y = (0.9, 0.9, 0.5, 0.0): by hand Σdxdy = 0.2625,
    // Σdx² = 0.3875, Σdy² = 0.5475, r = 0.5689; ranks x (4, 2, 3, 1), y (3.5, 3.5, 2, 1):
    // Σdxdy = 3, Σdx² = 5, Σdy² = 4.5, ρ = 3 / √22.5 = 0.6325.
    let r = c.pearson.unwrap();
    assert!(
        (r - 0.2625 / (0.3875f64 * 0.5475).sqrt()).abs() < 1e-9,
        "{r}"
    );
    let rho = c.spearman.unwrap();
    assert!((rho - 3.0 / 22.5f64.sqrt()).abs() < 1e-9, "{rho}");
    // Mean of A − B: (0 − 0.7 + 0 + 0.1) / 4 = −0.15.
    assert!((c.mean_difference.unwrap() + 0.15).abs() < 1e-9);
    assert_eq!(c.categories, None, "numbers on both sides");
}

#[test]
fn a_01_judge_against_a_yes_no_definition_gets_kappa_and_a_confusion_table() {
    // One name, split by source: the SME's `safe` from the UI, the judge's from online scoring.
    let items = safe_by_source(&SAFE_ROWS);
    let c = Comparison::compute(
        spec("safe@ui"),
        spec("safe@online_scoring"),
        items,
        &definitions(),
    );
    assert_eq!(c.pairs.len(), 6);
    let cat = c.categories.expect("both take categories");
    assert_eq!(cat.labels.get(&Key(1.0)).map(String::as_str), Some("Safe"));
    assert_eq!(
        cat.labels.get(&Key(0.0)).map(String::as_str),
        Some("Unsafe")
    );
    // Rows SME (Unsafe, Safe), columns judge: [[1, 1], [1, 3]].
    assert_eq!(cat.table.counts, vec![vec![1, 1], vec![1, 3]]);
    // p_o = 4/6, p_e = (2/6)(2/6) + (4/6)(4/6) = 20/36 → κ = (24/36 − 20/36) / (16/36) = 0.25.
    assert!((cat.kappa.unwrap() - 0.25).abs() < 1e-9);
    assert!((cat.agreement.unwrap() - 4.0 / 6.0).abs() < 1e-9);
    assert_eq!(c.pairs[0].a.label, "Unsafe");
}

#[test]
fn no_pairs_says_why() {
    let items = vec![trace_item(1, vec![score("judge", &[by("bot", 1.0)])])];
    let c = Comparison::compute(spec("judge"), spec("quality"), items, &[]);
    assert!(c.pairs.is_empty());
    assert_eq!(c.pearson, Err(Why::NoPairs));
    assert_eq!(c.mean_difference, None);
    assert_eq!(c.categories, None);
}
