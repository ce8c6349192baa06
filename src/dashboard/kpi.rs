//! KPI cards: one value for the selected range, its change against the previous period of the
//! same length, and whether that change is good or bad.
//!
//! The values come from `GET /traces/stats` and `GET /traces/threads/stats` called with
//! `from_time`/`to_time` for the current and the previous window ([`StatsView`] reads Opik's
//! `{stats:[{name,type,value}]}` leniently: `trace_count`, `duration` {p50,p90,p99},
//! `total_estimated_cost` (average per trace), `total_estimated_cost_sum`, `error_count`,
//! `usage.<key>` (average per trace), `feedback_scores.<name>` or `feedback_score.<name>`
//! (averages), `thread_count`), and from the metrics series when stats lack a value.

use serde_json::Value;

use super::units::Unit;
use crate::opik::model::{Percentiles, ProjectStats};
use crate::render::format;

/// Which direction of change is an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    HigherIsBetter,
    LowerIsBetter,
    Neutral,
}

/// How a change reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sentiment {
    Good,
    Bad,
    Neutral,
}

/// The change of a value against the previous period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delta {
    /// Both periods have a value; `ratio` is `(cur - prev) / |prev|` (None when prev is 0).
    Change { abs: f64, ratio: Option<f64> },
    /// Nothing in the previous period.
    New,
}

impl Delta {
    pub fn between(current: Option<f64>, previous: Option<f64>) -> Option<Delta> {
        let cur = current.filter(|v| v.is_finite())?;
        match previous.filter(|v| v.is_finite()) {
            None => Some(Delta::New),
            Some(prev) => {
                let abs = cur - prev;
                let ratio = (prev != 0.0).then(|| abs / prev.abs());
                if prev == 0.0 && cur == 0.0 {
                    return Some(Delta::Change {
                        abs: 0.0,
                        ratio: Some(0.0),
                    });
                }
                Some(Delta::Change { abs, ratio })
            }
        }
    }

    /// `+12.3%`, `−4.0%`, `new`, or the absolute change when the previous value was 0.
    pub fn text(&self, unit: Unit) -> String {
        match self {
            Delta::New => "new".into(),
            Delta::Change { ratio: Some(r), .. } => format::signed_percent(*r),
            Delta::Change { abs, ratio: None } => {
                let sign = if *abs >= 0.0 { "+" } else { "−" };
                format!("{sign}{}", unit.format(abs.abs()))
            }
        }
    }

    pub fn sentiment(&self, polarity: Polarity) -> Sentiment {
        let abs = match self {
            Delta::New => return Sentiment::Neutral,
            Delta::Change { abs, ratio } => {
                // Changes under 1% are noise.
                if ratio.is_some_and(|r| r.abs() < 0.01) || *abs == 0.0 {
                    return Sentiment::Neutral;
                }
                *abs
            }
        };
        match (polarity, abs > 0.0) {
            (Polarity::Neutral, _) => Sentiment::Neutral,
            (Polarity::HigherIsBetter, true) | (Polarity::LowerIsBetter, false) => Sentiment::Good,
            _ => Sentiment::Bad,
        }
    }

    /// `▲`, `▼` or `=`.
    pub fn arrow(&self) -> &'static str {
        match self {
            Delta::New => "✦",
            Delta::Change { abs, ratio } => {
                if ratio.is_some_and(|r| r.abs() < 0.005) || *abs == 0.0 {
                    "="
                } else if *abs > 0.0 {
                    "▲"
                } else {
                    "▼"
                }
            }
        }
    }
}

/// One KPI card.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    pub label: String,
    pub unit: Unit,
    pub current: Option<f64>,
    pub previous: Option<f64>,
    pub polarity: Polarity,
}

impl Kpi {
    pub fn new(label: &str, unit: Unit, polarity: Polarity) -> Kpi {
        Kpi {
            label: label.to_string(),
            unit,
            current: None,
            previous: None,
            polarity,
        }
    }

    pub fn with(mut self, current: Option<f64>, previous: Option<f64>) -> Kpi {
        self.current = current;
        self.previous = previous;
        self
    }

    /// The formatted current value, `–` when unknown.
    pub fn value_text(&self) -> String {
        self.current
            .map(|v| self.unit.format(v))
            .unwrap_or_else(|| "–".into())
    }

    pub fn delta(&self) -> Option<Delta> {
        Delta::between(self.current, self.previous)
    }

    /// `▲ +12.3%` etc.; empty when there is no current value.
    pub fn delta_text(&self) -> String {
        match self.delta() {
            Some(d) => format!("{} {}", d.arrow(), d.text(self.unit)),
            None => String::new(),
        }
    }

    pub fn sentiment(&self) -> Sentiment {
        self.delta()
            .map(|d| d.sentiment(self.polarity))
            .unwrap_or(Sentiment::Neutral)
    }
}

/// Lenient reader over a `{stats:[{name,type,value}]}` answer.
#[derive(Debug, Clone, Copy)]
pub struct StatsView<'a>(pub &'a ProjectStats);

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|v| v.is_finite())
}

impl<'a> StatsView<'a> {
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0
            .stats
            .iter()
            .find(|s| s.name == name)
            .map(|s| &s.value)
    }

    /// A COUNT or AVG stat as a number.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(num)
    }

    /// A PERCENTAGE stat (`{p50,p90,p99}`).
    pub fn percentiles(&self, name: &str) -> Option<Percentiles> {
        let v = self.get(name)?.as_object()?;
        let p = Percentiles {
            p50: v.get("p50").and_then(num),
            p90: v.get("p90").and_then(num),
            p99: v.get("p99").and_then(num),
        };
        (p.p50.is_some() || p.p90.is_some() || p.p99.is_some()).then_some(p)
    }

    pub fn trace_count(&self) -> Option<f64> {
        self.number("trace_count")
    }

    pub fn thread_count(&self) -> Option<f64> {
        self.number("thread_count")
    }

    pub fn error_count(&self) -> Option<f64> {
        self.number("error_count")
    }

    /// Total cost: `total_estimated_cost_sum` when present, else average × count.
    pub fn total_cost(&self) -> Option<f64> {
        self.number("total_estimated_cost_sum").or_else(|| {
            let avg = self.number("total_estimated_cost")?;
            Some(avg * self.trace_count()?)
        })
    }

    /// Total tokens estimated as `usage.total_tokens` (an average per trace) × count.
    pub fn total_tokens(&self) -> Option<f64> {
        let avg = self.number("usage.total_tokens").or_else(|| {
            let p = self.number("usage.prompt_tokens");
            let c = self.number("usage.completion_tokens");
            match (p, c) {
                (None, None) => None,
                (p, c) => Some(p.unwrap_or(0.0) + c.unwrap_or(0.0)),
            }
        })?;
        Some(avg * self.trace_count()?)
    }

    /// Feedback-score averages by name (`feedback_scores.X` and Opik's `feedback_score.X`).
    pub fn feedback_scores(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = self
            .0
            .stats
            .iter()
            .filter_map(|s| {
                let name = s
                    .name
                    .strip_prefix("feedback_scores.")
                    .or_else(|| s.name.strip_prefix("feedback_score."))?;
                Some((name.to_string(), num(&s.value)?))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }
}

/// The inputs of the KPI row: trace and thread stats for the current and previous windows,
/// plus totals from the metrics series when stats lack them.
#[derive(Debug, Clone, Default)]
pub struct KpiInputs {
    pub traces: Option<ProjectStats>,
    pub traces_prev: Option<ProjectStats>,
    pub threads: Option<ProjectStats>,
    pub threads_prev: Option<ProjectStats>,
    /// Tokens summed from the TOKEN_USAGE series (current window), preferred over estimates.
    pub tokens: Option<f64>,
    pub tokens_prev: Option<f64>,
    /// Errors counted from the error series, used when stats have no `error_count`.
    pub errors: Option<f64>,
    pub errors_prev: Option<f64>,
    /// Threads counted from the THREAD_COUNT series, used when thread stats are unavailable.
    pub thread_total: Option<f64>,
    pub thread_total_prev: Option<f64>,
}

/// Builds the KPI row: traces, threads, error rate, cost, tokens, p50/p90/p99, and one card per
/// feedback score (sorted by name).
pub fn build_kpis(inp: &KpiInputs) -> Vec<Kpi> {
    let cur = inp.traces.as_ref().map(StatsView);
    let prev = inp.traces_prev.as_ref().map(StatsView);
    let th = inp.threads.as_ref().map(StatsView);
    let th_prev = inp.threads_prev.as_ref().map(StatsView);
    let f = |v: Option<StatsView>, g: &dyn Fn(StatsView) -> Option<f64>| v.and_then(g);

    let count = f(cur, &|s| s.trace_count());
    let count_prev = f(prev, &|s| s.trace_count());
    let rate = |s: Option<StatsView>, fallback: Option<f64>| {
        let s = s?;
        let n = s.trace_count()?;
        let e = s.error_count().or(fallback)?;
        (n > 0.0).then(|| e / n)
    };
    let pct = |s: Option<StatsView>, which: fn(&Percentiles) -> Option<f64>| {
        s.and_then(|s| s.percentiles("duration"))
            .and_then(|p| which(&p))
    };
    // Zero traces means "no value" for percentiles (Opik reports 0s).
    let has_cur = count.is_some_and(|c| c > 0.0);
    let has_prev = count_prev.is_some_and(|c| c > 0.0);
    let gate = |ok: bool, v: Option<f64>| if ok { v } else { None };

    let mut kpis = vec![
        Kpi::new("traces", Unit::Count, Polarity::Neutral).with(count, count_prev),
        Kpi::new("threads", Unit::Count, Polarity::Neutral).with(
            f(th, &|s| s.thread_count()).or(inp.thread_total),
            f(th_prev, &|s| s.thread_count()).or(inp.thread_total_prev),
        ),
        Kpi::new("error rate", Unit::Ratio, Polarity::LowerIsBetter)
            .with(rate(cur, inp.errors), rate(prev, inp.errors_prev)),
        Kpi::new("cost", Unit::Cost, Polarity::LowerIsBetter)
            .with(f(cur, &|s| s.total_cost()), f(prev, &|s| s.total_cost())),
        Kpi::new("tokens", Unit::Tokens, Polarity::Neutral).with(
            inp.tokens.or_else(|| f(cur, &|s| s.total_tokens())),
            inp.tokens_prev.or_else(|| f(prev, &|s| s.total_tokens())),
        ),
    ];
    for (label, which) in [
        (
            "p50",
            (|p: &Percentiles| p.p50) as fn(&Percentiles) -> Option<f64>,
        ),
        ("p90", |p: &Percentiles| p.p90),
        ("p99", |p: &Percentiles| p.p99),
    ] {
        kpis.push(
            Kpi::new(
                &format!("latency {label}"),
                Unit::DurationMs,
                Polarity::LowerIsBetter,
            )
            .with(
                gate(has_cur, pct(cur, which)),
                gate(has_prev, pct(prev, which)),
            ),
        );
    }
    let prev_scores = prev.map(|s| s.feedback_scores()).unwrap_or_default();
    for (name, value) in cur.map(|s| s.feedback_scores()).unwrap_or_default() {
        let before = prev_scores
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v);
        kpis.push(Kpi::new(&name, Unit::Score, Polarity::HigherIsBetter).with(Some(value), before));
    }
    kpis
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opik::model::StatItem;
    use serde_json::json;

    fn stats(items: &[(&str, &str, Value)]) -> ProjectStats {
        ProjectStats {
            stats: items
                .iter()
                .map(|(n, t, v)| StatItem {
                    name: n.to_string(),
                    stat_type: t.to_string(),
                    value: v.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn deltas() {
        let d = Delta::between(Some(120.0), Some(100.0)).unwrap();
        assert_eq!(d.text(Unit::Count), "+20.0%");
        assert_eq!(d.arrow(), "▲");
        assert_eq!(d.sentiment(Polarity::LowerIsBetter), Sentiment::Bad);
        assert_eq!(d.sentiment(Polarity::HigherIsBetter), Sentiment::Good);
        assert_eq!(d.sentiment(Polarity::Neutral), Sentiment::Neutral);
        let d = Delta::between(Some(0.5), Some(0.0)).unwrap();
        assert_eq!(d.text(Unit::Cost), "+$0.50");
        assert_eq!(Delta::between(Some(3.0), None), Some(Delta::New));
        assert_eq!(Delta::between(None, Some(3.0)), None);
        let same = Delta::between(Some(0.0), Some(0.0)).unwrap();
        assert_eq!(same.arrow(), "=");
        assert_eq!(same.text(Unit::Count), "0.0%");
        let tiny = Delta::between(Some(100.2), Some(100.0)).unwrap();
        assert_eq!(tiny.sentiment(Polarity::LowerIsBetter), Sentiment::Neutral);
        let down = Delta::between(Some(80.0), Some(100.0)).unwrap();
        assert_eq!(down.arrow(), "▼");
        assert_eq!(down.text(Unit::DurationMs), "−20.0%");
        assert_eq!(down.sentiment(Polarity::LowerIsBetter), Sentiment::Good);
    }

    #[test]
    fn kpis_from_opik_stats() {
        let cur = stats(&[
            ("trace_count", "COUNT", json!(200)),
            (
                "duration",
                "PERCENTAGE",
                json!({"p50": 850.0, "p90": 2300.0, "p99": 4020.0}),
            ),
            ("total_estimated_cost", "AVG", json!(0.001)),
            ("usage.total_tokens", "AVG", json!(150.0)),
            ("error_count", "COUNT", json!(9)),
            ("feedback_score.relevance", "AVG", json!(0.8)),
            ("feedback_scores.hallucination", "AVG", json!("0.1")),
        ]);
        let prev = stats(&[
            ("trace_count", "COUNT", json!(100)),
            (
                "duration",
                "PERCENTAGE",
                json!({"p50": 1000.0, "p90": 2000.0, "p99": 4000.0}),
            ),
            ("total_estimated_cost_sum", "AVG", json!(0.5)),
            ("error_count", "COUNT", json!(2)),
            ("feedback_score.relevance", "AVG", json!(0.9)),
        ]);
        let th = stats(&[("thread_count", "COUNT", json!(12))]);
        let kpis = build_kpis(&KpiInputs {
            traces: Some(cur),
            traces_prev: Some(prev),
            threads: Some(th),
            ..Default::default()
        });
        let get = |l: &str| kpis.iter().find(|k| k.label == l).unwrap();
        assert_eq!(get("traces").value_text(), "200");
        assert_eq!(get("traces").delta_text(), "▲ +100%");
        assert_eq!(get("threads").value_text(), "12");
        assert_eq!(get("threads").delta_text(), "✦ new");
        assert_eq!(get("error rate").value_text(), "4.5%");
        assert_eq!(get("error rate").delta_text(), "▲ +125%");
        assert_eq!(get("error rate").sentiment(), Sentiment::Bad);
        assert_eq!(get("cost").value_text(), "$0.20");
        assert_eq!(get("cost").sentiment(), Sentiment::Good);
        assert_eq!(get("tokens").value_text(), "30k");
        assert_eq!(get("latency p50").value_text(), "850 ms");
        assert_eq!(get("latency p50").sentiment(), Sentiment::Good);
        assert_eq!(get("latency p90").value_text(), "2.3 s");
        assert_eq!(get("latency p99").sentiment(), Sentiment::Neutral);
        assert_eq!(get("relevance").value_text(), "0.8");
        assert_eq!(get("relevance").sentiment(), Sentiment::Bad);
        assert_eq!(get("hallucination").delta_text(), "✦ new");
        // Order: fixed cards, then scores by name.
        let labels: Vec<&str> = kpis.iter().map(|k| k.label.as_str()).collect();
        assert_eq!(&labels[8..], &["hallucination", "relevance"]);
    }

    #[test]
    fn empty_period_has_no_latency_and_no_rate() {
        let zero = stats(&[
            ("trace_count", "COUNT", json!(0)),
            (
                "duration",
                "PERCENTAGE",
                json!({"p50": 0, "p90": 0, "p99": 0}),
            ),
        ]);
        let kpis = build_kpis(&KpiInputs {
            traces: Some(zero),
            ..Default::default()
        });
        let get = |l: &str| kpis.iter().find(|k| k.label == l).unwrap();
        assert_eq!(get("traces").value_text(), "0");
        assert_eq!(get("latency p50").value_text(), "–");
        assert_eq!(get("error rate").value_text(), "–");
        assert_eq!(get("cost").value_text(), "–");
        assert_eq!(get("latency p50").delta_text(), "");
    }

    #[test]
    fn error_fallback_and_bad_values() {
        let cur = stats(&[
            ("trace_count", "COUNT", json!(50)),
            ("duration", "PERCENTAGE", json!("garbage")),
            ("total_estimated_cost", "AVG", json!(null)),
        ]);
        let kpis = build_kpis(&KpiInputs {
            traces: Some(cur),
            errors: Some(5.0),
            tokens: Some(1234.0),
            ..Default::default()
        });
        let get = |l: &str| kpis.iter().find(|k| k.label == l).unwrap();
        assert_eq!(get("error rate").value_text(), "10.0%");
        assert_eq!(get("tokens").value_text(), "1.2k");
        assert_eq!(get("latency p90").value_text(), "–");
        assert_eq!(get("cost").value_text(), "–");
    }
}
