//! Time ranges of the dashboard (`1h`, `24h`, `7d`, `30d`), their bucket sizes and windows.
//!
//! Buckets are aligned in UTC the way Opik's backend does it (ClickHouse `toStartOfInterval`):
//! an hourly bucket starts on the hour, a daily one at 00:00 UTC and a weekly one on Monday
//! 00:00 UTC. The bucket for a range follows Opik's own frontend (`calculateIntervalType`:
//! up to 3 days hourly, up to 30 days daily, beyond that weekly), except `1h`: the metrics
//! endpoint has nothing finer than hourly, which would be one or two points, so the `1h` range
//! uses 5-minute buckets computed on the client from the traces of that hour
//! (see [`crate::dashboard::series::bucket_samples`]).

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};

/// A preset range; `[`/`]` cycle through [`TimeRange::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeRange {
    Hour,
    #[default]
    Day,
    Week,
    Month,
}

impl TimeRange {
    pub const ALL: [TimeRange; 4] = [
        TimeRange::Hour,
        TimeRange::Day,
        TimeRange::Week,
        TimeRange::Month,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TimeRange::Hour => "1h",
            TimeRange::Day => "24h",
            TimeRange::Week => "7d",
            TimeRange::Month => "30d",
        }
    }

    /// Parses `1h`, `24h`/`1d`, `7d`/`1w`, `30d` (case-insensitive).
    pub fn parse(s: &str) -> Option<TimeRange> {
        match s.trim().to_ascii_lowercase().as_str() {
            "1h" | "hour" => Some(TimeRange::Hour),
            "24h" | "1d" | "day" => Some(TimeRange::Day),
            "7d" | "1w" | "week" => Some(TimeRange::Week),
            "30d" | "month" => Some(TimeRange::Month),
            _ => None,
        }
    }

    fn index(self) -> usize {
        TimeRange::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }

    /// The next longer range, wrapping around (`]`).
    pub fn next(self) -> TimeRange {
        TimeRange::ALL[(self.index() + 1) % TimeRange::ALL.len()]
    }

    /// The next shorter range, wrapping around (`[`).
    pub fn prev(self) -> TimeRange {
        let n = TimeRange::ALL.len();
        TimeRange::ALL[(self.index() + n - 1) % n]
    }

    pub fn duration(self) -> Duration {
        match self {
            TimeRange::Hour => Duration::hours(1),
            TimeRange::Day => Duration::hours(24),
            TimeRange::Week => Duration::days(7),
            TimeRange::Month => Duration::days(30),
        }
    }

    pub fn bucket(self) -> Bucket {
        match self {
            TimeRange::Hour => Bucket::Minutes(5),
            TimeRange::Day => Bucket::Hour,
            TimeRange::Week | TimeRange::Month => Bucket::Day,
        }
    }

    /// The window `[now - duration, now]`.
    pub fn window(self, now: DateTime<Utc>) -> Window {
        Window {
            start: now - self.duration(),
            end: now,
        }
    }
}

/// The `interval` of `POST /projects/{id}/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interval {
    Hourly,
    Daily,
    Weekly,
}

impl Interval {
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Hourly => "HOURLY",
            Interval::Daily => "DAILY",
            Interval::Weekly => "WEEKLY",
        }
    }
}

/// The width of one chart bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// N minutes (N divides 60); computed on the client, the API has no such interval.
    Minutes(u32),
    Hour,
    Day,
    Week,
}

impl Bucket {
    /// The API interval that returns this bucket, or `None` when the client buckets itself.
    pub fn interval(self) -> Option<Interval> {
        match self {
            Bucket::Minutes(_) => None,
            Bucket::Hour => Some(Interval::Hourly),
            Bucket::Day => Some(Interval::Daily),
            Bucket::Week => Some(Interval::Weekly),
        }
    }

    pub fn step(self) -> Duration {
        match self {
            Bucket::Minutes(m) => Duration::minutes(i64::from(m.clamp(1, 60))),
            Bucket::Hour => Duration::hours(1),
            Bucket::Day => Duration::days(1),
            Bucket::Week => Duration::weeks(1),
        }
    }

    /// Start of the bucket containing `t` (UTC; weeks start on Monday like ClickHouse).
    pub fn floor(self, t: DateTime<Utc>) -> DateTime<Utc> {
        let day = Utc
            .with_ymd_and_hms(t.year(), t.month(), t.day(), 0, 0, 0)
            .single()
            .unwrap_or(t);
        // Checked: a server's point at the edge of chrono's range must not panic (it stays
        // in the bucket of its own day then).
        let r = match self {
            Bucket::Minutes(m) => {
                let m = m.clamp(1, 60);
                let minute = t.minute() - t.minute() % m;
                day.checked_add_signed(
                    Duration::hours(i64::from(t.hour())) + Duration::minutes(i64::from(minute)),
                )
            }
            Bucket::Hour => day.checked_add_signed(Duration::hours(i64::from(t.hour()))),
            Bucket::Day => Some(day),
            Bucket::Week => day.checked_sub_signed(Duration::days(i64::from(
                t.weekday().num_days_from_monday(),
            ))),
        };
        r.unwrap_or(day)
    }

    /// `5-min`, `hourly`, `daily`, `weekly` (panel subtitles).
    pub fn label(self) -> String {
        match self {
            Bucket::Minutes(m) => format!("{m}-min"),
            Bucket::Hour => "hourly".into(),
            Bucket::Day => "daily".into(),
            Bucket::Week => "weekly".into(),
        }
    }

    /// A short axis label for the bucket starting at `t` (UTC): `14:05`, `14:00`, `11-22`.
    pub fn tick(self, t: DateTime<Utc>) -> String {
        match self {
            Bucket::Minutes(_) | Bucket::Hour => t.format("%H:%M").to_string(),
            Bucket::Day | Bucket::Week => t.format("%m-%d").to_string(),
        }
    }
}

/// A half-open time window `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    pub fn len(&self) -> Duration {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The window of the same length right before this one (KPI comparisons).
    pub fn previous(&self) -> Window {
        Window {
            start: self.start - self.len(),
            end: self.start,
        }
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && t < self.end
    }

    /// Bucket starts covering the window: from the bucket holding `start` up to the one
    /// holding the last instant before `end`. Never more than 10,000 buckets.
    pub fn buckets(&self, bucket: Bucket) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        let mut t = bucket.floor(self.start);
        while t < self.end && out.len() < 10_000 {
            out.push(t);
            let Some(next) = t.checked_add_signed(bucket.step()) else {
                break;
            };
            t = next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn ranges_cycle_both_ways() {
        assert_eq!(TimeRange::Hour.next(), TimeRange::Day);
        assert_eq!(TimeRange::Month.next(), TimeRange::Hour);
        assert_eq!(TimeRange::Hour.prev(), TimeRange::Month);
        assert_eq!(TimeRange::Week.prev(), TimeRange::Day);
        for r in TimeRange::ALL {
            assert_eq!(TimeRange::parse(r.label()), Some(r));
        }
        assert_eq!(TimeRange::parse("2y"), None);
    }

    #[test]
    fn buckets_fit_the_range() {
        assert_eq!(TimeRange::Hour.bucket(), Bucket::Minutes(5));
        assert_eq!(TimeRange::Day.bucket().interval(), Some(Interval::Hourly));
        assert_eq!(TimeRange::Week.bucket().interval(), Some(Interval::Daily));
        assert_eq!(TimeRange::Month.bucket().interval(), Some(Interval::Daily));
        assert_eq!(Bucket::Week.interval().unwrap().as_str(), "WEEKLY");
    }

    #[test]
    fn floor_aligns_in_utc() {
        let t = at(2026, 11, 22, 14, 37, 12); // a Sunday
        assert_eq!(Bucket::Minutes(5).floor(t), at(2026, 11, 22, 14, 35, 0));
        assert_eq!(Bucket::Hour.floor(t), at(2026, 11, 22, 14, 0, 0));
        assert_eq!(Bucket::Day.floor(t), at(2026, 11, 22, 0, 0, 0));
        assert_eq!(Bucket::Week.floor(t), at(2026, 11, 16, 0, 0, 0)); // Monday
        let monday = at(2026, 11, 16, 0, 0, 0);
        assert_eq!(Bucket::Week.floor(monday), monday);
    }

    #[test]
    fn windows_and_previous_period() {
        let now = at(2026, 11, 22, 14, 37, 12);
        let w = TimeRange::Day.window(now);
        assert_eq!(w.start, at(2026, 11, 21, 14, 37, 12));
        let p = w.previous();
        assert_eq!(p.end, w.start);
        assert_eq!(p.start, at(2026, 11, 20, 14, 37, 12));
        assert!(w.contains(now - Duration::seconds(1)));
        assert!(!w.contains(now));
        assert!(!w.contains(p.start));
    }

    #[test]
    fn bucket_grid_covers_partial_edges() {
        let now = at(2026, 11, 22, 14, 37, 12);
        let grid = TimeRange::Day.window(now).buckets(Bucket::Hour);
        // 14:00 yesterday (partial) .. 14:00 today (partial): 25 buckets.
        assert_eq!(grid.len(), 25);
        assert_eq!(grid[0], at(2026, 11, 21, 14, 0, 0));
        assert_eq!(grid[24], at(2026, 11, 22, 14, 0, 0));
        let grid = TimeRange::Hour.window(now).buckets(Bucket::Minutes(5));
        assert_eq!(grid.len(), 13);
        assert_eq!(grid[0], at(2026, 11, 22, 13, 35, 0));
        let exact = Window {
            start: at(2026, 11, 22, 0, 0, 0),
            end: at(2026, 11, 23, 0, 0, 0),
        };
        assert_eq!(exact.buckets(Bucket::Hour).len(), 24);
        assert_eq!(exact.buckets(Bucket::Day).len(), 1);
        let empty = Window {
            start: now,
            end: now,
        };
        assert!(empty.buckets(Bucket::Hour).is_empty());
    }

    #[test]
    fn ticks() {
        let t = at(2026, 11, 22, 14, 5, 0);
        assert_eq!(Bucket::Minutes(5).tick(t), "14:05");
        assert_eq!(Bucket::Day.tick(t), "11-22");
        assert_eq!(Bucket::Minutes(5).label(), "5-min");
    }
}
