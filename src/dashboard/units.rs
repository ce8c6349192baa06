//! Units of dashboard values and how each is shown, built on [`crate::render::format`]:
//! `$0.012`, `1.2k` tokens, `850 ms` / `2.3 s`, `4.5%`, scores `0.85`.

use crate::render::format;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Whole things (traces, threads, errors): `950`, `1.2k`.
    Count,
    /// US dollars.
    Cost,
    /// Token counts.
    Tokens,
    /// Milliseconds.
    DurationMs,
    /// A ratio 0..=1 shown as a percentage.
    Ratio,
    /// A feedback-score average.
    Score,
}

impl Unit {
    /// The full human form used in KPI cards and tooltips.
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Count | Unit::Tokens => format::compact(v),
            Unit::Cost => format::cost(v),
            Unit::DurationMs => format::duration_ms(v),
            Unit::Ratio => format::percent(v),
            Unit::Score => format::score(v),
        }
    }

    /// A short form for axis labels (at most ~7 columns).
    pub fn axis(self, v: f64) -> String {
        if v == 0.0 {
            return if self == Unit::Cost { "$0" } else { "0" }.into();
        }
        match self {
            Unit::Cost => format::cost_short(v),
            Unit::Count | Unit::Tokens => format::compact(if v.abs() >= 10.0 {
                v.round()
            } else {
                (v * 10.0).round() / 10.0
            }),
            _ => self.format(v),
        }
    }

    /// Whether fractional values make sense (integer axes step by whole numbers).
    pub fn is_integral(self) -> bool {
        matches!(self, Unit::Count | Unit::Tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_format_for_humans() {
        assert_eq!(Unit::Cost.format(0.0123), "$0.012");
        assert_eq!(Unit::Tokens.format(1234.0), "1.2k");
        assert_eq!(Unit::DurationMs.format(850.0), "850 ms");
        assert_eq!(Unit::DurationMs.format(2300.0), "2.3 s");
        assert_eq!(Unit::Ratio.format(0.045), "4.5%");
        assert_eq!(Unit::Score.format(0.853), "0.85");
        assert_eq!(Unit::Count.format(12.0), "12");
    }

    #[test]
    fn axis_labels_are_short() {
        assert_eq!(Unit::Cost.axis(0.012345), "$0.012");
        assert_eq!(Unit::Count.axis(2.5), "2.5");
        assert_eq!(Unit::DurationMs.axis(0.0), "0");
        assert_eq!(Unit::Cost.axis(0.0), "$0");
        assert_eq!(Unit::Count.axis(12.4), "12");
        assert_eq!(Unit::Tokens.axis(15_234.0), "15.2k");
        for v in [0.0, 0.000012, 0.5, 12.0, 123_456.0] {
            assert!(
                Unit::Cost.axis(v).chars().count() <= 7,
                "{}",
                Unit::Cost.axis(v)
            );
        }
    }
}
