//! Time series on an explicit bucket grid: aligning what `POST /projects/{id}/metrics`
//! returns, bucketing raw samples on the client (the `1h` range), and percentiles.
//!
//! Every series has exactly one slot per bucket of its window. What an empty slot means
//! depends on the [`Kind`]: for additive measures (counts, cost, tokens) a bucket with no
//! point is a real zero, for levels (latency, score averages) it is a gap in the line.
//! A series whose slots are all empty or zero has *no data* ([`Series::has_data`]), and the
//! dashboard says so instead of drawing a flat line.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::range::{Bucket, Window};
use crate::opik::model::{MetricSeries, Percentiles};

/// How buckets combine and what a missing bucket means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Sums (counts, cost, tokens): points in one bucket add up, a missing bucket is 0.
    Additive,
    /// Levels (latency, averages): points in one bucket are averaged, a missing bucket is a gap.
    Level,
}

/// One named series on a bucket grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub bucket: Bucket,
    /// Start of each bucket, ascending, one per slot of `values`.
    pub times: Vec<DateTime<Utc>>,
    pub values: Vec<Option<f64>>,
    pub kind: Kind,
}

impl Series {
    /// A series with every bucket of `window` empty.
    pub fn empty(name: &str, window: Window, bucket: Bucket, kind: Kind) -> Series {
        let times = window.buckets(bucket);
        let values = vec![None; times.len()];
        Series {
            name: name.to_string(),
            bucket,
            times,
            values,
            kind,
        }
    }

    /// True when at least one bucket holds a value (a non-zero one for additive series).
    pub fn has_data(&self) -> bool {
        self.values.iter().flatten().any(|v| match self.kind {
            Kind::Additive => *v != 0.0,
            Kind::Level => true,
        })
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn max(&self) -> Option<f64> {
        self.values.iter().flatten().copied().reduce(f64::max)
    }

    pub fn min(&self) -> Option<f64> {
        self.values.iter().flatten().copied().reduce(f64::min)
    }

    /// Sum of all buckets (`None` when no bucket has a value).
    pub fn total(&self) -> Option<f64> {
        let mut it = self.values.iter().flatten().peekable();
        it.peek()?;
        Some(it.sum())
    }

    /// Mean of the buckets that have a value.
    pub fn mean(&self) -> Option<f64> {
        let vals: Vec<f64> = self.values.iter().flatten().copied().collect();
        if vals.is_empty() {
            None
        } else {
            Some(vals.iter().sum::<f64>() / vals.len() as f64)
        }
    }

    /// The most recent bucket that has a value.
    pub fn last(&self) -> Option<f64> {
        self.values.iter().rev().flatten().next().copied()
    }

    /// Element-wise sum of several additive series on the same grid (e.g. prompt + completion
    /// tokens). Slots where no input has a value stay empty.
    pub fn sum_of(name: &str, parts: &[&Series], window: Window, bucket: Bucket) -> Series {
        let mut out = Series::empty(name, window, bucket, Kind::Additive);
        for part in parts {
            for (slot, v) in out.values.iter_mut().zip(&part.values) {
                if let Some(v) = v {
                    *slot = Some(slot.unwrap_or(0.0) + v);
                }
            }
        }
        out
    }
}

/// Puts `points` onto the bucket grid of `window`. Each point is floored to its bucket, points
/// outside the grid are dropped, non-finite values are ignored. Additive series fill missing
/// buckets with 0 when any point landed in the window (so "no data" stays distinguishable).
pub fn align(
    name: &str,
    points: impl IntoIterator<Item = (DateTime<Utc>, Option<f64>)>,
    window: Window,
    bucket: Bucket,
    kind: Kind,
) -> Series {
    let mut series = Series::empty(name, window, bucket, kind);
    let index: BTreeMap<DateTime<Utc>, usize> = series
        .times
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, i))
        .collect();
    let mut sums = vec![0.0; series.len()];
    let mut counts = vec![0usize; series.len()];
    let mut any = false;
    for (t, v) in points {
        let Some(&i) = index.get(&bucket.floor(t)) else {
            continue;
        };
        any = true;
        if let Some(v) = v.filter(|v| v.is_finite()) {
            sums[i] += v;
            counts[i] += 1;
        }
    }
    for i in 0..series.len() {
        series.values[i] = match (kind, counts[i]) {
            (_, n) if n > 0 => Some(match kind {
                Kind::Additive => sums[i],
                Kind::Level => sums[i] / n as f64,
            }),
            (Kind::Additive, _) if any => Some(0.0),
            _ => None,
        };
    }
    series
}

/// Aligns one `results[]` entry of a metrics answer.
pub fn from_metric(series: &MetricSeries, window: Window, bucket: Bucket, kind: Kind) -> Series {
    align(
        &series.name,
        series
            .data
            .iter()
            .filter_map(|p| p.time.map(|t| (t, p.value))),
        window,
        bucket,
        kind,
    )
}

/// How raw samples in one bucket become one value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Agg {
    /// Number of samples (value ignored); missing buckets are 0.
    Count,
    /// Sum of values; missing buckets are 0.
    Sum,
    /// Mean of values; missing buckets are gaps.
    Mean,
    /// Percentile `q` in 0..=1 of values; missing buckets are gaps.
    Quantile(f64),
}

/// Buckets raw `(time, value)` samples on the client (used for the `1h` range, which the metrics
/// endpoint cannot resolve below one hour). Samples outside `window` are dropped.
pub fn bucket_samples(
    name: &str,
    samples: &[(DateTime<Utc>, f64)],
    window: Window,
    bucket: Bucket,
    agg: Agg,
) -> Series {
    let kind = match agg {
        Agg::Count | Agg::Sum => Kind::Additive,
        Agg::Mean | Agg::Quantile(_) => Kind::Level,
    };
    let mut series = Series::empty(name, window, bucket, kind);
    let index: BTreeMap<DateTime<Utc>, usize> = series
        .times
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, i))
        .collect();
    let mut groups: Vec<Vec<f64>> = vec![Vec::new(); series.len()];
    let mut any = false;
    for (t, v) in samples {
        if !window.contains(*t) {
            continue;
        }
        let Some(&i) = index.get(&bucket.floor(*t)) else {
            continue;
        };
        any = true;
        if agg == Agg::Count || v.is_finite() {
            groups[i].push(*v);
        }
    }
    for (slot, group) in series.values.iter_mut().zip(groups.iter_mut()) {
        *slot = match agg {
            Agg::Count => any.then_some(group.len() as f64),
            Agg::Sum => any.then(|| group.iter().sum()),
            Agg::Mean if group.is_empty() => None,
            Agg::Mean => Some(group.iter().sum::<f64>() / group.len() as f64),
            Agg::Quantile(q) => {
                group.sort_by(f64::total_cmp);
                quantile_sorted(group, q)
            }
        };
    }
    series
}

/// Percentile `q` (0..=1) of an ascending slice by linear interpolation between closest ranks
/// (numpy's default, and what Opik's tests compute). `None` for an empty slice.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !q.is_finite() {
        return None;
    }
    let q = q.clamp(0.0, 1.0);
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// p50/p90/p99 of `values` (non-finite values ignored).
pub fn percentiles(values: &[f64]) -> Option<Percentiles> {
    let mut v: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(Percentiles {
        p50: quantile_sorted(&v, 0.5),
        p90: quantile_sorted(&v, 0.9),
        p99: quantile_sorted(&v, 0.99),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opik::model::MetricPoint;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
    }

    fn window_3h() -> Window {
        Window {
            start: at(10, 30),
            end: at(13, 10),
        }
    }

    #[test]
    fn additive_series_fill_missing_buckets_with_zero() {
        let s = align(
            "traces",
            vec![(at(11, 0), Some(4.0)), (at(13, 0), Some(2.0))],
            window_3h(),
            Bucket::Hour,
            Kind::Additive,
        );
        assert_eq!(s.times, vec![at(10, 0), at(11, 0), at(12, 0), at(13, 0)]);
        assert_eq!(s.values, vec![Some(0.0), Some(4.0), Some(0.0), Some(2.0)]);
        assert!(s.has_data());
        assert_eq!(s.total(), Some(6.0));
        assert_eq!(s.last(), Some(2.0));
    }

    #[test]
    fn level_series_leave_gaps_and_average_duplicates() {
        let s = align(
            "duration.p50",
            vec![
                (at(11, 0), Some(100.0)),
                (at(11, 20), Some(300.0)),
                (at(13, 0), None),
                (at(13, 0), Some(f64::NAN)),
            ],
            window_3h(),
            Bucket::Hour,
            Kind::Level,
        );
        assert_eq!(s.values, vec![None, Some(200.0), None, None]);
        assert_eq!(s.mean(), Some(200.0));
    }

    #[test]
    fn points_outside_the_grid_are_dropped() {
        let s = align(
            "traces",
            vec![(at(9, 59), Some(7.0)), (at(14, 0), Some(7.0))],
            window_3h(),
            Bucket::Hour,
            Kind::Additive,
        );
        assert!(!s.has_data());
        assert_eq!(s.values, vec![None; 4]);
    }

    #[test]
    fn all_zero_or_null_is_no_data() {
        let zeros = align(
            "errors",
            (0..3).map(|h| (at(10 + h, 0), Some(0.0))),
            window_3h(),
            Bucket::Hour,
            Kind::Additive,
        );
        assert!(!zeros.has_data());
        // Opik answers `nullIf(count, 0)`: nulls everywhere, filled by WITH FILL.
        let nulls = MetricSeries {
            name: "traces".into(),
            data: (0..4)
                .map(|h| MetricPoint {
                    time: Some(at(10 + h, 0)),
                    value: None,
                })
                .collect(),
        };
        let s = from_metric(&nulls, window_3h(), Bucket::Hour, Kind::Additive);
        assert!(!s.has_data());
        assert_eq!(s.total(), Some(0.0));
    }

    #[test]
    fn client_side_bucketing() {
        let w = Window {
            start: at(12, 0),
            end: at(12, 30),
        };
        let samples = vec![
            (at(12, 1), 100.0),
            (at(12, 2), 300.0),
            (at(12, 3), 200.0),
            (at(12, 21), 50.0),
            (at(11, 59), 9999.0), // before the window
            (at(12, 30), 9999.0), // end is exclusive
        ];
        let b = Bucket::Minutes(10);
        let count = bucket_samples("traces", &samples, w, b, Agg::Count);
        assert_eq!(count.values, vec![Some(3.0), Some(0.0), Some(1.0)]);
        let sum = bucket_samples("cost", &samples, w, b, Agg::Sum);
        assert_eq!(sum.values, vec![Some(600.0), Some(0.0), Some(50.0)]);
        let p50 = bucket_samples("p50", &samples, w, b, Agg::Quantile(0.5));
        assert_eq!(p50.values, vec![Some(200.0), None, Some(50.0)]);
        let mean = bucket_samples("score", &samples, w, b, Agg::Mean);
        assert_eq!(mean.values, vec![Some(200.0), None, Some(50.0)]);
        let none = bucket_samples("traces", &[], w, b, Agg::Count);
        assert!(!none.has_data());
        assert_eq!(none.values, vec![None; 3]);
    }

    #[test]
    fn quantiles_interpolate_linearly() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile_sorted(&v, 0.5), Some(5.5));
        assert!((quantile_sorted(&v, 0.9).unwrap() - 9.1).abs() < 1e-9);
        assert!((quantile_sorted(&v, 0.99).unwrap() - 9.91).abs() < 1e-9);
        assert_eq!(quantile_sorted(&v, 0.0), Some(1.0));
        assert_eq!(quantile_sorted(&v, 1.0), Some(10.0));
        assert_eq!(quantile_sorted(&[42.0], 0.99), Some(42.0));
        assert_eq!(quantile_sorted(&[], 0.5), None);
        let p = percentiles(&[300.0, f64::NAN, 100.0, 200.0]).unwrap();
        assert_eq!(p.p50, Some(200.0));
        assert!((p.p99.unwrap() - 298.0).abs() < 1e-9);
        assert_eq!(percentiles(&[f64::INFINITY]), None);
    }

    #[test]
    fn sum_of_parts() {
        let w = window_3h();
        let a = align(
            "prompt",
            vec![(at(11, 0), Some(10.0))],
            w,
            Bucket::Hour,
            Kind::Additive,
        );
        let b = align(
            "completion",
            vec![(at(11, 0), Some(5.0)), (at(12, 0), Some(1.0))],
            w,
            Bucket::Hour,
            Kind::Additive,
        );
        let s = Series::sum_of("tokens", &[&a, &b], w, Bucket::Hour);
        assert_eq!(s.values, vec![Some(0.0), Some(15.0), Some(1.0), Some(0.0)]);
    }
}
