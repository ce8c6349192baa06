use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::*;

fn t(s: &str) -> DateTime<Utc> {
    opik_model::ts::parse(s).unwrap()
}

#[test]
fn buckets_align_like_clickhouse() {
    let x = t("2025-11-19T13:45:10Z"); // a Wednesday
    assert_eq!(bucket_start(x, Interval::Hourly), t("2025-11-19T13:00:00Z"));
    assert_eq!(bucket_start(x, Interval::Daily), t("2025-11-19T00:00:00Z"));
    assert_eq!(bucket_start(x, Interval::Weekly), t("2025-11-17T00:00:00Z"));
    let b = buckets(
        t("2025-11-19T22:30:00Z"),
        t("2025-11-20T01:10:00Z"),
        Interval::Hourly,
    );
    assert_eq!(
        b,
        vec![
            t("2025-11-19T22:00:00Z"),
            t("2025-11-19T23:00:00Z"),
            t("2025-11-20T00:00:00Z"),
            t("2025-11-20T01:00:00Z")
        ]
    );
    let w = buckets(
        t("2025-11-01T00:00:00Z"),
        t("2025-11-30T00:00:00Z"),
        Interval::Weekly,
    );
    assert_eq!(w.first(), Some(&t("2025-10-27T00:00:00Z")));
    assert_eq!(w.last(), Some(&t("2025-11-24T00:00:00Z")));
    assert_eq!(w.len(), 5);
}

#[test]
fn quantiles_interpolate_between_ranks() {
    let v = [10.0, 20.0, 30.0, 40.0];
    assert_eq!(quantile(&v, 0.5), Some(25.0));
    assert!((quantile(&v, 0.9).unwrap() - 37.0).abs() < 1e-9);
    assert!((quantile(&v, 0.99).unwrap() - 39.7).abs() < 1e-9);
    assert_eq!(quantile(&[5.0], 0.99), Some(5.0));
    assert_eq!(quantile(&[], 0.5), None);
}

#[test]
fn ids_carry_their_time_and_bounds_sort_with_them() {
    let id = crate::otlp::otel_id_to_uuid_v7(b"abc", 1_763_000_000_123).to_string();
    assert_eq!(id_millis(&id), Some(1_763_000_000_123));
    assert!(id_lower_bound(1_763_000_000_123) <= id);
    assert!(id < id_lower_bound(1_763_000_000_124));
    assert_eq!(id_millis("nope"), None);
}

#[test]
fn series_fill_every_bucket_and_drop_zeros() {
    let b = buckets(
        t("2025-01-01T00:00:00Z"),
        t("2025-01-03T12:00:00Z"),
        Interval::Daily,
    );
    let mut sb = SeriesBuilder::default();
    let d1 = b[0].timestamp_millis();
    sb.add("traces", d1, 1.0);
    sb.add("traces", d1, 1.0);
    sb.add("cost", b[2].timestamp_millis(), 0.0);
    let out = sb.finish(&b, |_| Reduce::Sum);
    let traces = out.iter().find(|s| s.name == "traces").unwrap();
    assert_eq!(traces.data.len(), 3);
    assert_eq!(traces.data[0].value, Some(2.0));
    assert_eq!(traces.data[1].value, None);
    let cost = out.iter().find(|s| s.name == "cost").unwrap();
    assert_eq!(cost.data[2].value, None, "nullIf(sum, 0)");
}

#[test]
fn requests_are_validated() {
    let now = t("2025-01-10T00:00:00Z");
    let p = Uuid::nil();
    let ok = MetricQuery::new(
        p,
        Some("trace_count"),
        Some("daily"),
        Some(t("2025-01-01T00:00:00Z")),
        None,
        now,
    )
    .unwrap();
    assert_eq!(ok.end, now);
    let e = MetricQuery::new(
        p,
        Some("TRACE_COUNT"),
        Some("DAILY"),
        Some(now),
        Some(now),
        now,
    )
    .unwrap_err();
    assert!(e.0.contains("before"));
    let e = MetricQuery::new(p, Some("NOPE"), Some("DAILY"), Some(now), None, now).unwrap_err();
    assert!(e.0.contains("TRACE_COUNT"), "{}", e.0);
    let e = MetricQuery::new(
        p,
        Some("TRACE_COUNT"),
        Some("MINUTELY"),
        Some(now),
        None,
        now,
    )
    .unwrap_err();
    assert!(e.0.contains("HOURLY"));
    let e = MetricQuery::new(
        p,
        Some("TRACE_COUNT"),
        Some("HOURLY"),
        Some(t("2000-01-01T00:00:00Z")),
        Some(now),
        now,
    )
    .unwrap_err();
    assert!(e.0.contains("buckets"));
}
