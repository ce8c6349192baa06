//! Association between two scores given to the same items: Pearson's r, Spearman's ρ, the
//! mean difference, and the confusion table of two categorical scores with its Cohen's κ.
//!
//! Formulas:
//! - **Pearson** r = Σ (x − x̄)(y − ȳ) / √(Σ (x − x̄)² · Σ (y − ȳ)²), at least three pairs;
//! - **Spearman** ρ = Pearson's r of the ranks, tied values getting the average of the ranks
//!   they span (so ρ stays exact with ties, where the 1 − 6Σd²/(n(n²−1)) shortcut is not);
//! - **mean difference** = Σ (x − y) / n (positive: the first score is higher);
//! - **Cohen's κ** = (p_o − p_e) / (1 − p_e), p_o the share on the diagonal of the confusion
//!   table and p_e = Σ_c (row_c / n)(column_c / n).

use super::{Key, Stat, Why};

fn all_equal(v: &[f64]) -> bool {
    v.windows(2).all(|w| Key(w[0]) == Key(w[1]))
}

/// Pearson's r of the pairs `(x[i], y[i])` (the shorter length counts).
pub fn pearson(x: &[f64], y: &[f64]) -> Stat {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    match n {
        0 => return Err(Why::NoPairs),
        1 | 2 => return Err(Why::TooFew),
        _ => {}
    }
    if all_equal(x) || all_equal(y) {
        return Err(Why::NoVariation);
    }
    let mx = x.iter().sum::<f64>() / n as f64;
    let my = y.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    let d = (sxx * syy).sqrt();
    if d.is_nan() || d <= 0.0 || !d.is_finite() {
        return Err(Why::NoVariation);
    }
    Ok((sxy / d).clamp(-1.0, 1.0))
}

/// 1-based ranks, ties sharing the average of the ranks they span (`[1, 2, 2, 3]` →
/// `[1, 2.5, 2.5, 4]`).
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by_key(|i| Key(v[*i]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && Key(v[order[j + 1]]) == Key(v[order[i]]) {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for k in &order[i..=j] {
            out[*k] = rank;
        }
        i = j + 1;
    }
    out
}

/// Spearman's ρ: Pearson's r of the average ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> Stat {
    let n = x.len().min(y.len());
    pearson(&ranks(&x[..n]), &ranks(&y[..n]))
}

/// The mean of `x − y` over the pairs; `None` without pairs.
pub fn mean_difference(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    (n > 0).then(|| x.iter().zip(y).map(|(a, b)| a - b).sum::<f64>() / n as f64)
}

/// A confusion table of paired labels: `counts[r][c]` pairs had the first label
/// `labels[r]` and the second `labels[c]`. Labels are the union of both sides, sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct Confusion<L> {
    pub labels: Vec<L>,
    pub counts: Vec<Vec<usize>>,
}

impl<L: Ord + Clone> Confusion<L> {
    pub fn from_pairs(pairs: impl IntoIterator<Item = (L, L)>) -> Confusion<L> {
        let pairs: Vec<(L, L)> = pairs.into_iter().collect();
        let mut labels: Vec<L> = pairs
            .iter()
            .flat_map(|(a, b)| [a.clone(), b.clone()])
            .collect();
        labels.sort();
        labels.dedup();
        let mut counts = vec![vec![0; labels.len()]; labels.len()];
        for (a, b) in &pairs {
            if let (Ok(r), Ok(c)) = (labels.binary_search(a), labels.binary_search(b)) {
                counts[r][c] += 1;
            }
        }
        Confusion { labels, counts }
    }

    /// Pairs counted.
    pub fn n(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    pub fn row_total(&self, r: usize) -> usize {
        self.counts.get(r).map_or(0, |row| row.iter().sum())
    }

    pub fn column_total(&self, c: usize) -> usize {
        self.counts.iter().filter_map(|row| row.get(c)).sum()
    }

    /// The share of pairs on the diagonal (p_o).
    pub fn agreement(&self) -> Stat {
        let n = self.n();
        if n == 0 {
            return Err(Why::NoPairs);
        }
        let diag: usize = (0..self.labels.len()).map(|i| self.counts[i][i]).sum();
        Ok(diag as f64 / n as f64)
    }

    /// Cohen's κ. `NoVariation` when chance agreement is certain (both sides used one and
    /// the same label throughout).
    pub fn kappa(&self) -> Stat {
        let p_o = self.agreement()?;
        let n = self.n() as f64;
        let p_e: f64 = (0..self.labels.len())
            .map(|i| (self.row_total(i) as f64 / n) * (self.column_total(i) as f64 / n))
            .sum();
        if p_e >= 1.0 - 1e-12 {
            return Err(Why::NoVariation);
        }
        Ok((p_o - p_e) / (1.0 - p_e))
    }
}
