//! Human formatting of numbers shared by every screen: cost, tokens, durations, percentages,
//! and relative/absolute times. Pure functions, so tables, the dashboard and snapshots agree.

use chrono::{DateTime, Local, Utc};

/// Columns a [`cost`] takes below $1M (`<$0.000001`): a cost column this wide never cuts one.
pub const COST_WIDTH: u16 = 10;

/// A cost that reads and sorts by eye, the same in every list, detail, dashboard and header:
/// two significant digits below $1 (`$0.000023`, `$0.0012`, `$0.45`), cents from $1 (`$1.59`),
/// whole dollars from $1,000 (`$12,346`), and `<$0.000001` for a non-zero cost below that.
pub fn cost(usd: f64) -> String {
    if !usd.is_finite() {
        return "–".into();
    }
    if usd == 0.0 {
        return "$0".into();
    }
    let sign = if usd < 0.0 { "-" } else { "" };
    let a = usd.abs();
    if a < 0.000_001 {
        return if usd < 0.0 {
            ">-$0.000001".into()
        } else {
            "<$0.000001".into()
        };
    }
    if a < 1.0 {
        // Two significant digits, at most six decimals (a millionth of a dollar).
        let decimals = ((-a.log10().floor()) as usize + 1).min(6);
        let s = format!("{a:.decimals$}");
        if s.parse::<f64>().is_ok_and(|r| r < 1.0) {
            return format!("{sign}${s}");
        }
    }
    if a < 1000.0 {
        format!("{sign}${a:.2}")
    } else {
        format!("{sign}${}", thousands(a.round() as i64))
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

/// A short cost for chart axes (at most 7 columns): `$0`, `$0.012`, `$1.23`, `$123`, `$1.2k`.
pub fn cost_short(usd: f64) -> String {
    if !usd.is_finite() {
        return "–".into();
    }
    let a = usd.abs();
    if a == 0.0 {
        "$0".into()
    } else if a < 0.001 {
        format!("${usd:.1e}")
    } else if a < 1.0 {
        let s = format!("{usd:.3}");
        let s = s.trim_end_matches('0');
        format!("${s}")
    } else if a < 100.0 {
        format!("${usd:.2}")
    } else if a < 1000.0 {
        format!("${usd:.0}")
    } else {
        format!("${}", compact(usd))
    }
}

/// A feedback-score value: `0.85`, `1`, `12.5`, `-0.3`; up to 2 decimals, trailing zeros dropped.
pub fn score(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if v.abs() >= 1000.0 {
        return compact(v);
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// A relative change (ratio) with its sign: `+12.3%`, `−4.0%`, `0.0%`; large ones `+3.2×`.
pub fn signed_percent(ratio: f64) -> String {
    if !ratio.is_finite() {
        return "–".into();
    }
    if ratio.abs() >= 10.0 {
        let x = ratio + 1.0;
        return if ratio > 0.0 {
            format!("+{}×", compact((x * 10.0).round() / 10.0))
        } else {
            format!("−{}×", compact((x.abs() * 10.0).round() / 10.0))
        };
    }
    let p = ratio * 100.0;
    let body = if p.abs() >= 100.0 {
        format!("{:.0}%", p.abs())
    } else {
        format!("{:.1}%", p.abs())
    };
    if body == "0.0%" {
        body
    } else if p > 0.0 {
        format!("+{body}")
    } else {
        format!("−{body}")
    }
}

/// A count with its noun: `0 traces`, `1 trace`, `1,234 traces` (`noun` is the singular; the
/// plural adds `s`).
pub fn count(n: usize, noun: &str) -> String {
    let n = n.min(i64::MAX as usize) as i64;
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(n))
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
        assert_eq!(cost(0.0123), "$0.012");
        assert_eq!(cost(1.2345), "$1.23");
        assert_eq!(cost(1.59), "$1.59");
        assert_eq!(cost(0.0), "$0");
        assert_eq!(cost(0.00001234), "$0.000012");
        assert_eq!(cost(0.000023), "$0.000023");
        assert_eq!(cost(0.00123), "$0.0012");
        assert_eq!(cost(0.45), "$0.45");
        assert_eq!(cost(0.1), "$0.10");
        assert_eq!(cost(0.999), "$1.00");
        assert_eq!(cost(0.0000012), "$0.000001");
        assert_eq!(cost(0.0000004), "<$0.000001");
        assert_eq!(cost(-0.0012), "-$0.0012");
        assert_eq!(cost(12345.6), "$12,346");
        assert_eq!(cost(f64::NAN), "–");
    }

    #[test]
    fn cheap_costs_keep_their_digits_and_fit_the_column() {
        // gpt-4o-mini / haiku rows: distinct, ordered by eye, never cut by the column.
        let cheap = [
            0.0000004, 0.0000071, 0.000023, 0.000089, 0.00012, 0.0012, 0.045,
        ];
        let shown: Vec<String> = cheap.iter().map(|&c| cost(c)).collect();
        for (s, next) in shown.iter().zip(shown.iter().skip(1)) {
            assert_ne!(s, next);
        }
        for c in cheap.iter().chain(&[0.0999, 999.99, 999_999.0]) {
            let s = cost(*c);
            assert!(s.chars().count() <= COST_WIDTH as usize, "{s}");
        }
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
        assert_eq!(count(1, "comment"), "1 comment");
        assert_eq!(count(0, "comment"), "0 comments");
        assert_eq!(count(1234, "trace"), "1,234 traces");
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
    #[test]
    fn dashboard_formats() {
        assert_eq!(cost_short(0.012345), "$0.012");
        assert_eq!(cost_short(0.5), "$0.5");
        assert_eq!(cost_short(12.345), "$12.35");
        assert_eq!(cost_short(250.0), "$250");
        assert_eq!(cost_short(12_345.0), "$12.3k");
        assert_eq!(cost_short(0.0), "$0");
        assert_eq!(cost_short(0.00012), "$1.2e-4");
        assert_eq!(score(0.853), "0.85");
        assert_eq!(score(1.0), "1");
        assert_eq!(score(0.5), "0.5");
        assert_eq!(score(-0.001), "0");
        assert_eq!(score(f64::NAN), "–");
        assert_eq!(signed_percent(0.123), "+12.3%");
        assert_eq!(signed_percent(-0.04), "−4.0%");
        assert_eq!(signed_percent(0.0), "0.0%");
        assert_eq!(signed_percent(1.5), "+150%");
        assert_eq!(signed_percent(-1.0), "−100%");
        assert_eq!(signed_percent(22.0), "+23×");
        assert_eq!(signed_percent(f64::INFINITY), "–");
    }
}
