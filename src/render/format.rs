//! Human formatting of numbers shared by every screen: cost, tokens, durations, percentages,
//! and relative/absolute times. Pure functions, so tables, the dashboard and snapshots agree.

use chrono::{DateTime, Local, Utc};

/// `$0.0123`, `$1.23`, `$1,234.56`. Tiny non-zero costs keep 4 significant decimals.
pub fn cost(usd: f64) -> String {
    if !usd.is_finite() {
        return "–".into();
    }
    if usd == 0.0 {
        return "$0".into();
    }
    let a = usd.abs();
    if a < 0.0001 {
        format!("${usd:.6}")
    } else if a < 1.0 {
        format!("${usd:.4}")
    } else if a < 1000.0 {
        format!("${usd:.2}")
    } else {
        format!("${}", thousands(usd.round() as i64))
    }
}

/// `950`, `1.2k`, `34k`, `1.5M`, `2.1B`.
pub fn compact(n: f64) -> String {
    if !n.is_finite() {
        return "–".into();
    }
    let a = n.abs();
    let (v, suffix) = if a >= 1e9 {
        (n / 1e9, "B")
    } else if a >= 1e6 {
        (n / 1e6, "M")
    } else if a >= 1e3 {
        (n / 1e3, "k")
    } else {
        return if n.fract() == 0.0 {
            format!("{}", n as i64)
        } else {
            format!("{n:.1}")
        };
    };
    if v.abs() >= 100.0 {
        format!("{v:.0}{suffix}")
    } else {
        let s = format!("{v:.1}");
        let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
        format!("{s}{suffix}")
    }
}

/// Token counts: same as [`compact`].
pub fn tokens(n: f64) -> String {
    compact(n)
}

/// Milliseconds to `850 ms`, `2.3 s`, `4m 05s`, `2h 03m`.
pub fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "–".into();
    }
    if ms < 1.0 {
        return format!("{ms:.2} ms");
    }
    if ms < 1000.0 {
        return format!("{} ms", ms.round() as i64);
    }
    let s = ms / 1000.0;
    if s < 60.0 {
        return format!("{s:.1} s");
    }
    let total = s.round() as i64;
    if total < 3600 {
        return format!("{}m {:02}s", total / 60, total % 60);
    }
    if total < 86400 {
        return format!("{}h {:02}m", total / 3600, (total % 3600) / 60);
    }
    format!("{}d {:02}h", total / 86400, (total % 86400) / 3600)
}

/// A ratio 0..=1 as `4.5%`.
pub fn percent(ratio: f64) -> String {
    if !ratio.is_finite() {
        return "–".into();
    }
    let p = ratio * 100.0;
    if p != 0.0 && p.abs() < 0.1 {
        format!("{p:.2}%")
    } else {
        format!("{p:.1}%")
    }
}

/// `1,234,567`.
pub fn thousands(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `just now`, `42s ago`, `5m ago`, `3h ago`, `2d ago`, `in 5m` (for clock skew).
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    let (a, future) = if secs < 0 {
        (-secs, true)
    } else {
        (secs, false)
    };
    let body = if a < 5 {
        return "just now".into();
    } else if a < 60 {
        format!("{a}s")
    } else if a < 3600 {
        format!("{}m", a / 60)
    } else if a < 86400 {
        format!("{}h", a / 3600)
    } else if a < 86400 * 60 {
        format!("{}d", a / 86400)
    } else {
        format!("{}mo", a / (86400 * 30))
    };
    if future {
        format!("in {body}")
    } else {
        format!("{body} ago")
    }
}

/// Absolute local time `2026-11-22 14:03:07`.
pub fn absolute(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn costs() {
        assert_eq!(cost(0.0123), "$0.0123");
        assert_eq!(cost(1.2345), "$1.23");
        assert_eq!(cost(0.0), "$0");
        assert_eq!(cost(0.00001234), "$0.000012");
        assert_eq!(cost(12345.6), "$12,346");
        assert_eq!(cost(f64::NAN), "–");
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1200.0), "1.2k");
        assert_eq!(compact(1000.0), "1k");
        assert_eq!(compact(34_000.0), "34k");
        assert_eq!(compact(150_000.0), "150k");
        assert_eq!(compact(1_500_000.0), "1.5M");
    }

    #[test]
    fn durations() {
        assert_eq!(duration_ms(850.0), "850 ms");
        assert_eq!(duration_ms(2300.0), "2.3 s");
        assert_eq!(duration_ms(245_000.0), "4m 05s");
        assert_eq!(duration_ms(7_380_000.0), "2h 03m");
        assert_eq!(duration_ms(0.5), "0.50 ms");
        assert_eq!(duration_ms(-1.0), "–");
    }

    #[test]
    fn percents_and_thousands() {
        assert_eq!(percent(0.045), "4.5%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(thousands(12345), "12,345");
        assert_eq!(thousands(-1234567), "-1,234,567");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn relative_times() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        assert_eq!(relative(now, now), "just now");
        assert_eq!(
            relative(now - chrono::Duration::seconds(42), now),
            "42s ago"
        );
        assert_eq!(relative(now - chrono::Duration::minutes(5), now), "5m ago");
        assert_eq!(relative(now - chrono::Duration::hours(3), now), "3h ago");
        assert_eq!(relative(now - chrono::Duration::days(2), now), "2d ago");
        assert_eq!(relative(now + chrono::Duration::minutes(5), now), "in 5m");
    }
}
