//! Cell text shared by the list screens: times (relative or absolute, `t`), clipped
//! previews, compact score values, and the dash for a missing value.

use chrono::{DateTime, Utc};

use crate::opik::model::FeedbackScore;
use crate::render::{format, sanitize};

/// Longest preview a row keeps (memory stays flat with 100k rows).
pub const PREVIEW_CHARS: usize = 160;

/// `–`: a value the server did not give.
pub fn dash() -> String {
    "–".to_string()
}

/// A time cell: `2m ago`, or the date when `absolute`; `–` when unknown.
pub fn time(t: Option<DateTime<Utc>>, now: DateTime<Utc>, absolute: bool) -> String {
    match t {
        None => dash(),
        Some(t) if absolute => format::absolute(t),
        Some(t) => format::relative(t, now),
    }
}

/// Cut a preview to [`PREVIEW_CHARS`] characters, ending in `…` when cut.
pub fn clip(s: String) -> String {
    if s.chars().count() > PREVIEW_CHARS {
        let mut t: String = s.chars().take(PREVIEW_CHARS - 1).collect();
        t.push('…');
        t
    } else {
        s
    }
}

/// Shorten a score value: `0.8`, `1`, `0.333`.
pub fn score_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A score's value as people chose it, the same in every list, detail and header: a
/// categorical score by its label, `helpful (1)`; any other by its value, `0.8` (`–` unset).
pub fn score_text(value: Option<f64>, category: Option<&str>) -> String {
    let v = value.map(score_value).unwrap_or_else(dash);
    match category.map(str::trim).filter(|c| !c.is_empty()) {
        Some(label) => format!("{} ({v})", sanitize::one_line(label)),
        None => v,
    }
}

/// Scores in one cell: `helpfulness 0.8 · tone polite (1)` (names and labels sanitised).
pub fn compact_scores(scores: &[FeedbackScore]) -> String {
    scores
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                sanitize::one_line(&s.name),
                score_text(s.value, s.category_name.as_deref())
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Tags on one line, the same in every list, detail and header: `prod, beta` (sanitised).
pub fn tags(tags: &[String]) -> String {
    tags.iter()
        .map(|t| sanitize::one_line(t))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_relative_or_absolute() {
        let now = crate::app::testing::fixed_now();
        let t = now - chrono::Duration::minutes(2);
        assert_eq!(time(None, now, false), "–");
        assert_eq!(time(Some(t), now, false), format::relative(t, now));
        assert_eq!(time(Some(t), now, true), format::absolute(t));
    }

    #[test]
    fn previews_are_clipped_by_characters() {
        let long = "é".repeat(PREVIEW_CHARS + 5);
        let c = clip(long);
        assert_eq!(c.chars().count(), PREVIEW_CHARS);
        assert!(c.ends_with('…'));
        assert_eq!(clip("short".into()), "short");
    }

    #[test]
    fn scores_and_tags_fit_one_line() {
        let s = |name: &str, value| FeedbackScore {
            name: name.into(),
            value,
            ..FeedbackScore::default()
        };
        assert_eq!(
            compact_scores(&[s("help\u{1b}[1mful", Some(0.8)), s("safe", None)]),
            "helpful 0.8 · safe –"
        );
        assert_eq!(tags(&["prod".into(), "a\nb".into()]), "prod, a b");
    }

    #[test]
    fn categorical_scores_read_by_their_label() {
        assert_eq!(score_text(Some(1.0), Some("helpful")), "helpful (1)");
        assert_eq!(score_text(Some(0.5), Some("so\u{1b}[2J-so")), "so-so (0.5)");
        assert_eq!(score_text(Some(0.85), None), "0.85");
        assert_eq!(score_text(Some(1.0), Some(" ")), "1");
        assert_eq!(score_text(None, None), "–");
        let s = FeedbackScore {
            name: "Helpfulness".into(),
            value: Some(1.0),
            category_name: Some("helpful".into()),
            ..FeedbackScore::default()
        };
        assert_eq!(compact_scores(&[s]), "Helpfulness helpful (1)");
    }

    #[test]
    fn score_values_are_short() {
        assert_eq!(score_value(1.0), "1");
        assert_eq!(score_value(0.8), "0.8");
        assert_eq!(score_value(1.0 / 3.0), "0.33");
        assert_eq!(score_value(-2.0), "-2");
    }
}
