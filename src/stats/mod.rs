//! Statistics of agreement between annotators and of association between two scores. Pure
//! functions of numbers, with no Opik types: the agreement view (`annotate::agreement`) and the
//! score comparison (`dashboard::compare`) turn scores into the plain data these take.
//!
//! - [`agreement`]: reliability data (items × annotators, values may be missing), exact
//!   agreement, Krippendorff's α (nominal and interval), Cohen's κ, pairwise tables and the
//!   disagreement of one item;
//! - [`correlation`]: Pearson's r, Spearman's ρ (average ranks for ties), the mean difference
//!   and the confusion table (with its κ) of paired values.
//!
//! A statistic that cannot be computed is an `Err(`[`Why`]`)`, never a NaN: the views print it
//! as `n/a (reason)` ([`show`]).

pub mod agreement;
pub mod correlation;

pub use agreement::{Level, PairStat};
pub use correlation::Confusion;

/// Why a statistic is not available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// No item carries values from two annotators (or, for paired data, no pair at all).
    NoPairs,
    /// Every value is the same: chance agreement is perfect, and the coefficient is 0 / 0.
    NoVariation,
    /// Too few pairs for the statistic (a correlation needs at least three).
    TooFew,
}

impl Why {
    /// The reason in words (`fewer than two annotators on every item`).
    pub fn reason(self) -> &'static str {
        match self {
            Why::NoPairs => "no item has two annotators",
            Why::NoVariation => "no variation",
            Why::TooFew => "too few pairs",
        }
    }
}

/// A statistic or why it cannot be computed.
pub type Stat = Result<f64, Why>;

/// Two decimals, or `n/a (reason)`.
pub fn show(s: &Stat) -> String {
    match s {
        Ok(v) => format!("{v:.2}"),
        Err(w) => format!("n/a ({})", w.reason()),
    }
}

/// Two decimals, or `n/a` alone (table cells too narrow for the reason).
pub fn show_short(s: &Stat) -> String {
    match s {
        Ok(v) => format!("{v:.2}"),
        Err(_) => "n/a".into(),
    }
}

/// A value as a key with a total order (for counting distinct values): `-0.0` is `0.0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key(pub f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.0 + 0.0).total_cmp(&(other.0 + 0.0))
    }
}

#[cfg(test)]
mod tests;
