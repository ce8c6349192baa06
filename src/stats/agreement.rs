//! Agreement between annotators on reliability data: one row per unit (an item of a queue),
//! one slot per annotator, `None` where that annotator gave no value. Rows may have any
//! number of values; a row with fewer than two is not *pairable* and carries no information
//! about agreement, so every statistic here leaves it out.
//!
//! Formulas (Krippendorff, *Computing Krippendorff's Alpha-Reliability*, 2011):
//! - **exact agreement**: the share of pairable units on which every value is the same;
//! - **Krippendorff's α** = 1 − D_o / D_e over the coincidence matrix o_ck = Σ_u (number of
//!   ordered pairs (c, k) of values in unit u) / (m_u − 1), with n_c = Σ_k o_ck and n = Σ_c n_c:
//!   D_o = (1/n) Σ_ck o_ck δ²(c,k) and D_e = 1/(n(n−1)) Σ_ck n_c n_k δ²(c,k); δ² is 0/1
//!   (nominal) or (c − k)² (interval). The sums are computed in closed form per unit (the same
//!   numbers without building the k × k matrix, so 0–1 scores with thousands of distinct values
//!   cost nothing);
//! - **Cohen's κ** = (p_o − p_e) / (1 − p_e) over the units both annotators rated
//!   ([`crate::stats::Confusion::kappa`]);
//! - **pairwise**: κ for nominal data and α for interval data, per pair of annotators, on the
//!   units both rated.

use std::collections::BTreeMap;

use super::{Confusion, Key, Stat, Why};

/// How values compare: as categories, or as numbers whose differences matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Categories (categorical and boolean definitions): equal or not.
    Nominal,
    /// Numbers (numerical definitions): the squared difference.
    Interval,
}

impl Level {
    /// Krippendorff's δ² between two values.
    pub fn delta2(self, a: f64, b: f64) -> f64 {
        match self {
            Level::Nominal if Key(a) == Key(b) => 0.0,
            Level::Nominal => 1.0,
            Level::Interval => (a - b) * (a - b),
        }
    }

    /// `nominal` / `interval`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Nominal => "nominal",
            Level::Interval => "interval",
        }
    }
}

/// One unit: each annotator's value or `None`.
pub type Unit = Vec<Option<f64>>;

/// The finite values of a unit.
fn values(unit: &[Option<f64>]) -> Vec<f64> {
    unit.iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect()
}

fn all_equal(v: &[f64]) -> bool {
    v.windows(2).all(|w| Key(w[0]) == Key(w[1]))
}

/// Units with values from at least two annotators.
pub fn pairable(units: &[Unit]) -> usize {
    units.iter().filter(|u| values(u).len() >= 2).count()
}

/// Exact agreement: the share of pairable units on which every annotator gave the same value.
pub fn exact_agreement(units: &[Unit]) -> Stat {
    let (mut n, mut same) = (0usize, 0usize);
    for u in units {
        let v = values(u);
        if v.len() < 2 {
            continue;
        }
        n += 1;
        if all_equal(&v) {
            same += 1;
        }
    }
    if n == 0 {
        return Err(Why::NoPairs);
    }
    Ok(same as f64 / n as f64)
}

/// Σ over ordered pairs i ≠ j of δ²(v_i, v_j).
fn pair_sum(v: &[f64], level: Level) -> f64 {
    let m = v.len() as f64;
    match level {
        Level::Nominal => {
            let mut counts: BTreeMap<Key, f64> = BTreeMap::new();
            for x in v {
                *counts.entry(Key(*x)).or_default() += 1.0;
            }
            m * m - counts.values().map(|c| c * c).sum::<f64>()
        }
        Level::Interval => {
            // Σ_i Σ_j (v_i − v_j)² = 2 m Σ (v_i − mean)².
            let mean = v.iter().sum::<f64>() / m;
            2.0 * m * v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>()
        }
    }
}

/// Krippendorff's α at `level` (see the module docs). `NoPairs` when no unit is pairable,
/// `NoVariation` when every pairable value is the same.
pub fn krippendorff_alpha(units: &[Unit], level: Level) -> Stat {
    let mut observed = 0.0;
    let mut all = Vec::new();
    for u in units {
        let v = values(u);
        if v.len() < 2 {
            continue;
        }
        observed += pair_sum(&v, level) / (v.len() as f64 - 1.0);
        all.extend(v);
    }
    if all.is_empty() {
        return Err(Why::NoPairs);
    }
    if all_equal(&all) {
        return Err(Why::NoVariation);
    }
    // α = 1 − D_o / D_e with D_o = observed / n and D_e = pair_sum(all) / (n (n − 1)).
    let expected = pair_sum(&all, level) / (all.len() as f64 - 1.0);
    if expected <= 0.0 {
        return Err(Why::NoVariation);
    }
    Ok(1.0 - observed / expected)
}

/// Cohen's κ of two annotators' values on the units both rated (nominal).
pub fn cohen_kappa(pairs: &[(f64, f64)]) -> Stat {
    Confusion::from_pairs(pairs.iter().map(|(a, b)| (Key(*a), Key(*b)))).kappa()
}

/// Annotators `a` and `b` (indices into the unit slots): how many units both rated and
/// their agreement (κ for nominal data, α for interval data).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairStat {
    pub a: usize,
    pub b: usize,
    pub shared: usize,
    pub stat: Stat,
}

/// The values annotators `a` and `b` (slot indices) both gave, unit by unit.
pub fn shared_values(units: &[Unit], a: usize, b: usize) -> Vec<(f64, f64)> {
    units
        .iter()
        .filter_map(
            |u| match (u.get(a).copied().flatten(), u.get(b).copied().flatten()) {
                (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Some((x, y)),
                _ => None,
            },
        )
        .collect()
}

/// Agreement of every pair of the `coders` annotators (a < b), in order.
pub fn pairwise(units: &[Unit], coders: usize, level: Level) -> Vec<PairStat> {
    let mut out = Vec::new();
    for a in 0..coders {
        for b in a + 1..coders {
            let pairs = shared_values(units, a, b);
            let stat = match level {
                Level::Nominal => cohen_kappa(&pairs),
                Level::Interval => {
                    let two: Vec<Unit> = pairs
                        .iter()
                        .map(|(x, y)| vec![Some(*x), Some(*y)])
                        .collect();
                    krippendorff_alpha(&two, level)
                }
            };
            out.push(PairStat {
                a,
                b,
                shared: pairs.len(),
                stat,
            });
        }
    }
    out
}

/// How much the annotators of one unit disagree, from 0 (all gave the same value) to 1: the
/// share of pairs that differ (nominal), or the mean absolute difference of pairs divided by
/// `scale`, the width of the value range (interval). `None` with fewer than two values.
pub fn unit_disagreement(values: &[f64], level: Level, scale: f64) -> Option<f64> {
    let m = values.len();
    if m < 2 {
        return None;
    }
    let mut sum = 0.0;
    for (i, a) in values.iter().enumerate() {
        for b in &values[i + 1..] {
            sum += match level {
                Level::Nominal => level.delta2(*a, *b),
                Level::Interval => (a - b).abs(),
            };
        }
    }
    let mean = sum / (m * (m - 1) / 2) as f64;
    Some(match level {
        Level::Nominal => mean,
        Level::Interval if scale > 0.0 && scale.is_finite() => (mean / scale).clamp(0.0, 1.0),
        Level::Interval => mean.min(1.0),
    })
}
