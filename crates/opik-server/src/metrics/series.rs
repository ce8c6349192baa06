//! [`SeriesBuilder`]: values per (series, bucket), rendered in Opik's response shape.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use opik_model::{MetricPoint, MetricSeries};

use super::*;

/// Accumulates values per (series, bucket) and renders Opik's response shape.
#[derive(Default)]
pub struct SeriesBuilder {
    pub(super) series: BTreeMap<String, BTreeMap<i64, Agg>>,
}

#[derive(Default, Clone)]
pub(super) struct Agg {
    pub(super) sum: f64,
    pub(super) n: u64,
    pub(super) values: Vec<f64>,
}

/// How a series' bucket value is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reduce {
    Count,
    Sum,
    Avg,
    Quantile(f64),
}

impl SeriesBuilder {
    pub(super) fn agg(&mut self, name: &str, bucket: i64) -> &mut Agg {
        // (no key allocation once the series exists: this runs once per row)
        if !self.series.contains_key(name) {
            self.series.insert(name.to_string(), BTreeMap::new());
        }
        self.series
            .get_mut(name)
            .expect("inserted above")
            .entry(bucket)
            .or_default()
    }

    pub fn add(&mut self, name: &str, bucket: i64, value: f64) {
        let a = self.agg(name, bucket);
        a.sum += value;
        a.n += 1;
    }

    pub fn add_sample(&mut self, name: &str, bucket: i64, value: f64) {
        let a = self.agg(name, bucket);
        a.values.push(value);
        a.n += 1;
    }

    /// Make sure a series exists even if no value landed in it.
    pub fn touch(&mut self, name: &str) {
        self.series.entry(name.to_string()).or_default();
    }

    /// Render every series over every bucket. `reduce` picks the aggregation per series name.
    pub fn finish(
        self,
        buckets: &[DateTime<Utc>],
        reduce: impl Fn(&str) -> Reduce,
    ) -> Vec<MetricSeries> {
        self.series
            .into_iter()
            .map(|(name, mut per_bucket)| {
                let how = reduce(&name);
                let data = buckets
                    .iter()
                    .map(|b| {
                        let value = per_bucket.get_mut(&b.timestamp_millis()).and_then(|a| {
                            let v = match how {
                                Reduce::Count => a.n as f64,
                                Reduce::Sum => a.sum,
                                Reduce::Avg => a.sum / a.n.max(1) as f64,
                                Reduce::Quantile(q) => {
                                    a.values.sort_by(|x, y| x.total_cmp(y));
                                    quantile(&a.values, q)?
                                }
                            };
                            // Opik: nullIf(x, 0) for counts, sums and averages.
                            (v.is_finite() && (v != 0.0 || matches!(how, Reduce::Quantile(_))))
                                .then_some(v)
                        });
                        MetricPoint {
                            time: Some(*b),
                            value,
                        }
                    })
                    .collect();
                MetricSeries { name, data }
            })
            .collect()
    }
}
