//! The statistics against textbook examples, computed by hand in the sources named.

use super::agreement::{
    Level, Unit, cohen_kappa, exact_agreement, krippendorff_alpha, pairable, pairwise,
    unit_disagreement,
};
use super::correlation::{mean_difference, pearson, ranks, spearman};
use super::*;

fn close(got: Stat, want: f64) {
    let v = got.unwrap_or_else(|w| panic!("expected {want}, got n/a ({})", w.reason()));
    assert!((v - want).abs() < 5e-4, "expected {want}, got {v}");
}

/// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
/// observers, twelve units, values 1–5, with missing values (unit 12 has one value only).
fn krippendorff_2011() -> Vec<Unit> {
    const N: Option<f64> = None;
    let s = |v: f64| Some(v);
    let a = [
        s(1.),
        s(2.),
        s(3.),
        s(3.),
        s(2.),
        s(1.),
        s(4.),
        s(1.),
        s(2.),
        N,
        N,
        N,
    ];
    let b = [
        s(1.),
        s(2.),
        s(3.),
        s(3.),
        s(2.),
        s(2.),
        s(4.),
        s(1.),
        s(2.),
        s(5.),
        N,
        s(3.),
    ];
    let c = [
        N,
        s(3.),
        s(3.),
        s(3.),
        s(2.),
        s(3.),
        s(4.),
        s(2.),
        s(2.),
        s(5.),
        s(1.),
        N,
    ];
    let d = [
        s(1.),
        s(2.),
        s(3.),
        s(3.),
        s(2.),
        s(4.),
        s(4.),
        s(1.),
        s(2.),
        s(5.),
        s(1.),
        N,
    ];
    (0..12).map(|u| vec![a[u], b[u], c[u], d[u]]).collect()
}

#[test]
fn krippendorff_alpha_matches_the_2011_paper_with_missing_values() {
    let units = krippendorff_2011();
    assert_eq!(pairable(&units), 11, "unit 12 has a single value");
    // The paper: α_nominal = 0.743, α_interval = 0.849 (n = 40 pairable values).
    close(krippendorff_alpha(&units, Level::Nominal), 0.743);
    close(krippendorff_alpha(&units, Level::Interval), 0.849);
}

#[test]
fn krippendorff_alpha_two_observers_binary() {
    // The paper's section A: two observers, ten units, binary values: α = 0.095.
    let a = [0., 1., 0., 0., 0., 0., 0., 0., 1., 0.];
    let b = [1., 1., 1., 0., 0., 1., 0., 0., 0., 0.];
    let units: Vec<Unit> = a
        .iter()
        .zip(b)
        .map(|(x, y)| vec![Some(*x), Some(y)])
        .collect();
    close(krippendorff_alpha(&units, Level::Nominal), 0.095);
    // The same data by Cohen: p_o = 0.6, p_e = 0.56 → κ = 0.04 / 0.44 = 0.0909.
    let pairs: Vec<(f64, f64)> = a.iter().copied().zip(b).collect();
    close(cohen_kappa(&pairs), 0.0909);
}

#[test]
fn exact_agreement_counts_pairable_units_only() {
    // Units 1, 3, 4, 5, 7, 9, 10, 11 agree; 2, 6 and 8 do not; 12 is not pairable: 8 / 11.
    close(exact_agreement(&krippendorff_2011()), 8.0 / 11.0);
}

#[test]
fn not_computable_says_why() {
    let single: Vec<Unit> = vec![vec![Some(1.0), None], vec![None, Some(2.0)]];
    assert_eq!(
        krippendorff_alpha(&single, Level::Nominal),
        Err(Why::NoPairs)
    );
    assert_eq!(exact_agreement(&single), Err(Why::NoPairs));
    let same: Vec<Unit> = vec![
        vec![Some(1.0), Some(1.0)],
        vec![Some(1.0), Some(1.0), Some(1.0)],
    ];
    assert_eq!(
        krippendorff_alpha(&same, Level::Interval),
        Err(Why::NoVariation)
    );
    assert_eq!(
        krippendorff_alpha(&same, Level::Nominal),
        Err(Why::NoVariation)
    );
    close(exact_agreement(&same), 1.0);
    assert_eq!(
        cohen_kappa(&[(1.0, 1.0), (1.0, 1.0)]),
        Err(Why::NoVariation)
    );
    assert_eq!(cohen_kappa(&[]), Err(Why::NoPairs));
    // A value that is not a number is a missing value, not a NaN in the result.
    let nan: Vec<Unit> = vec![vec![Some(f64::NAN), Some(1.0)]];
    assert_eq!(krippendorff_alpha(&nan, Level::Interval), Err(Why::NoPairs));
}

#[test]
fn cohen_kappa_matches_the_wikipedia_examples() {
    // 50 proposals, two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15:
    // p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    let table = |yy: usize, yn: usize, ny: usize, nn: usize| -> Vec<(f64, f64)> {
        let mut v = Vec::new();
        v.extend(std::iter::repeat_n((1.0, 1.0), yy));
        v.extend(std::iter::repeat_n((1.0, 0.0), yn));
        v.extend(std::iter::repeat_n((0.0, 1.0), ny));
        v.extend(std::iter::repeat_n((0.0, 0.0), nn));
        v
    };
    close(cohen_kappa(&table(20, 5, 10, 15)), 0.4);
    // Same p_o = 0.6, different marginals: κ = 0.1304 and 0.2593.
    close(cohen_kappa(&table(45, 15, 25, 15)), 0.1304);
    close(cohen_kappa(&table(25, 35, 5, 35)), 0.2593);
    let c = Confusion::from_pairs(
        table(20, 5, 10, 15)
            .into_iter()
            .map(|(a, b)| (Key(a), Key(b))),
    );
    assert_eq!(c.labels, vec![Key(0.0), Key(1.0)]);
    assert_eq!(c.counts, vec![vec![15, 10], vec![5, 20]]);
    assert_eq!((c.n(), c.row_total(1), c.column_total(1)), (50, 25, 30));
    close(c.agreement(), 0.7);
}

#[test]
fn pairwise_uses_kappa_for_categories_and_alpha_for_numbers() {
    // Pairs of the 2011 example, on the units both observers rated (checked by hand for A–B:
    // nine shared units, one disagreement 1 vs 2 on unit 6).
    let units = krippendorff_2011();
    let nominal = pairwise(&units, 4, Level::Nominal);
    assert_eq!(nominal.len(), 6);
    let ab = nominal[0];
    assert_eq!((ab.a, ab.b, ab.shared), (0, 1, 9));
    close(ab.stat, 0.8448);
    let ac = nominal[1];
    assert_eq!((ac.a, ac.b, ac.shared), (0, 2, 8));
    close(ac.stat, 0.4783);
    let interval = pairwise(&units, 4, Level::Interval);
    close(interval[0].stat, 0.9428);
    let cd = interval[5];
    assert_eq!((cd.a, cd.b, cd.shared), (2, 3, 10));
    close(cd.stat, 0.8973);
    // An annotator pair that shares no unit.
    let apart: Vec<Unit> = vec![
        vec![Some(1.0), None, Some(1.0)],
        vec![None, Some(2.0), Some(2.0)],
    ];
    let p = pairwise(&apart, 3, Level::Nominal);
    assert_eq!((p[0].shared, p[0].stat), (0, Err(Why::NoPairs)));
}

#[test]
fn unit_disagreement_is_zero_to_one() {
    assert_eq!(unit_disagreement(&[1.0], Level::Nominal, 1.0), None);
    assert_eq!(
        unit_disagreement(&[1.0, 1.0, 1.0], Level::Nominal, 1.0),
        Some(0.0)
    );
    // Three values, one differs: two of three pairs differ.
    let d = unit_disagreement(&[1.0, 1.0, 2.0], Level::Nominal, 1.0).unwrap();
    assert!((d - 2.0 / 3.0).abs() < 1e-9, "{d}");
    // 0 and 10 on a 0–10 scale: all the way apart.
    assert_eq!(
        unit_disagreement(&[0.0, 10.0], Level::Interval, 10.0),
        Some(1.0)
    );
    assert_eq!(
        unit_disagreement(&[2.0, 4.0], Level::Interval, 10.0),
        Some(0.2)
    );
}

#[test]
fn pearson_matches_anscombes_first_set() {
    // Anscombe (1973), data set I: r = 0.816.
    let x = [10., 8., 13., 9., 11., 14., 6., 4., 12., 7., 5.];
    let y = [
        8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68,
    ];
    close(pearson(&x, &y), 0.8164);
    close(pearson(&x, &x), 1.0);
    assert_eq!(pearson(&[1.0, 2.0], &[2.0, 1.0]), Err(Why::TooFew));
    assert_eq!(pearson(&[], &[]), Err(Why::NoPairs));
    assert_eq!(
        pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]),
        Err(Why::NoVariation)
    );
}

#[test]
fn spearman_matches_the_wikipedia_example_and_handles_ties() {
    // IQ against hours of TV per week (Wikipedia, "Spearman's rank correlation
    // coefficient"): Σd² = 194, ρ = 1 − 6·194 / (10·99) = −29/165 = −0.1758.
    let iq = [106., 100., 86., 101., 99., 103., 97., 113., 112., 110.];
    let tv = [7., 27., 2., 50., 28., 29., 20., 12., 6., 17.];
    close(spearman(&iq, &tv), -29.0 / 165.0);
    // Ties get average ranks: [1, 2.5, 2.5, 4, 5] and [1, 4, 2.5, 2.5, 5]; by hand
    // Σ dxdy = 7.25, Σ dx² = Σ dy² = 9.5, ρ = 7.25 / 9.5 = 0.7632.
    assert_eq!(ranks(&[1., 2., 2., 3., 4.]), vec![1., 2.5, 2.5, 4., 5.]);
    close(
        spearman(&[1., 2., 2., 3., 4.], &[1., 3., 2., 2., 5.]),
        7.25 / 9.5,
    );
}

#[test]
fn mean_difference_is_first_minus_second() {
    assert_eq!(mean_difference(&[1.0, 0.5], &[0.0, 0.5]), Some(0.5));
    assert_eq!(mean_difference(&[], &[]), None);
}

#[test]
fn stats_print_with_two_decimals_or_the_reason() {
    assert_eq!(show(&Ok(0.7434)), "0.74");
    assert_eq!(show(&Ok(-0.1758)), "-0.18");
    assert_eq!(show(&Err(Why::NoVariation)), "n/a (no variation)");
    assert_eq!(show_short(&Err(Why::NoPairs)), "n/a");
    assert_eq!(Key(-0.0), Key(0.0));
    assert!(Key(1.0) > Key(0.5));
}
