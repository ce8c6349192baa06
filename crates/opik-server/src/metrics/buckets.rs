//! Time buckets (`toStartOfInterval`), quantiles, and UUIDv7 ids as times.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};

/// Bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Hourly,
    Daily,
    Weekly,
    /// One bucket for the whole window (Opik's newer `TOTAL`).
    Total,
}

impl Interval {
    pub fn parse(s: &str) -> Option<Interval> {
        match s.trim().to_ascii_uppercase().as_str() {
            "HOURLY" => Some(Interval::Hourly),
            "DAILY" => Some(Interval::Daily),
            "WEEKLY" => Some(Interval::Weekly),
            "TOTAL" => Some(Interval::Total),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Hourly => "HOURLY",
            Interval::Daily => "DAILY",
            Interval::Weekly => "WEEKLY",
            Interval::Total => "TOTAL",
        }
    }
}

/// The start of the bucket holding `t` (UTC; weeks start on Monday). For `Total` the window
/// start is the only bucket, so `t` itself is returned.
pub fn bucket_start(t: DateTime<Utc>, iv: Interval) -> DateTime<Utc> {
    let day = || {
        Utc.with_ymd_and_hms(t.year(), t.month(), t.day(), 0, 0, 0)
            .single()
            .unwrap_or(t)
    };
    match iv {
        Interval::Hourly => day() + Duration::hours(t.hour() as i64),
        Interval::Daily => day(),
        Interval::Weekly => day() - Duration::days(t.weekday().num_days_from_monday() as i64),
        Interval::Total => t,
    }
}

pub(super) fn step(iv: Interval) -> Duration {
    match iv {
        Interval::Hourly => Duration::hours(1),
        Interval::Daily => Duration::days(1),
        Interval::Weekly => Duration::weeks(1),
        Interval::Total => Duration::MAX,
    }
}

/// Every bucket start from the bucket of `start` to the bucket of `end` (inclusive). At most
/// `MAX_BUCKETS` (a year of hours); a wider request is refused before it gets here.
pub fn buckets(start: DateTime<Utc>, end: DateTime<Utc>, iv: Interval) -> Vec<DateTime<Utc>> {
    if iv == Interval::Total {
        return vec![start];
    }
    let mut out = Vec::new();
    let mut b = bucket_start(start, iv);
    let last = bucket_start(end, iv);
    while b <= last && out.len() < MAX_BUCKETS {
        out.push(b);
        b += step(iv);
    }
    out
}

/// The most buckets one request may ask for.
pub const MAX_BUCKETS: usize = 24 * 366;

/// `quantile` of sorted values with linear interpolation between the closest ranks
/// (ClickHouse's exact `quantile` for small sets; NumPy's default). `None` when empty.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// The millisecond time inside a UUIDv7 id given as text (first 12 hex digits).
pub fn id_millis(id: &str) -> Option<i64> {
    let b = id.as_bytes();
    if b.len() < 13 || b[8] != b'-' {
        return None;
    }
    let mut ms: i64 = 0;
    for &c in b[0..8].iter().chain(&b[9..13]) {
        let d = (c as char).to_digit(16)?;
        ms = (ms << 4) | i64::from(d);
    }
    Some(ms)
}

/// The smallest UUID text whose embedded time is `ms` (for `id >= lower(ms)` range scans;
/// UUIDv7 text order is time order).
pub fn id_lower_bound(ms: i64) -> String {
    let h = format!("{:012x}", ms.clamp(0, 0xFFFF_FFFF_FFFF));
    format!("{}-{}-0000-0000-000000000000", &h[0..8], &h[8..12])
}
