//! What one author's score means under its feedback definition: the entries of a score by
//! author (from `value_by_author`), the label of a value (`good`, `Safe`, `0.8`), the
//! measurement level of a definition and the width of its scale. Shared by the agreement
//! view (`annotate::agreement`) and the score comparison (`dashboard::compare`). Pure.

use uuid::Uuid;

use crate::opik::model::{FeedbackDefinition, FeedbackDetails, FeedbackScore};
use crate::render::sanitize::one_line;
use crate::stats::{Key, Level};
use crate::widgets::list::cells::score_value;

/// One author's value of a score. Text fields are sanitised (one line).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub author: String,
    pub value: f64,
    pub category: Option<String>,
    pub reason: Option<String>,
    /// `ui`, `sdk`, `online_scoring`, …
    pub source: Option<String>,
    /// The annotation queue it was written in.
    pub queue: Option<Uuid>,
}

/// The author of a score the server sent without `value_by_author`.
pub const UNKNOWN_AUTHOR: &str = "(unknown)";

/// A score's entries, one per author; entries without a finite value are left out. A score
/// without `value_by_author` (older servers) is one entry by its last updater.
pub fn entries(score: &FeedbackScore) -> Vec<Entry> {
    let clean = |s: &Option<String>| s.as_deref().map(one_line).filter(|s| !s.trim().is_empty());
    match &score.value_by_author {
        Some(by) if !by.is_empty() => by
            .iter()
            .filter_map(|(author, e)| {
                Some(Entry {
                    author: one_line(author),
                    value: e.value.filter(|v| v.is_finite())?,
                    category: clean(&e.category_name),
                    reason: clean(&e.reason),
                    source: e.source.clone(),
                    queue: e.source_queue_id,
                })
            })
            .collect(),
        _ => score
            .value
            .filter(|v| v.is_finite())
            .map(|value| Entry {
                author: score
                    .last_updated_by
                    .as_deref()
                    .or(score.created_by.as_deref())
                    .map(one_line)
                    .unwrap_or_else(|| UNKNOWN_AUTHOR.into()),
                value,
                category: clean(&score.category_name),
                reason: clean(&score.reason),
                source: score.source.clone(),
                queue: score.source_queue_id,
            })
            .into_iter()
            .collect(),
    }
}

/// Whether a definition takes categories (categorical, boolean).
pub fn is_categorical(def: &FeedbackDefinition) -> bool {
    !matches!(def.details, FeedbackDetails::Numerical { .. })
}

/// The level values of a definition are compared at: nominal for categorical and boolean
/// definitions, interval for numerical ones. Without a definition: nominal when every entry
/// names a category.
pub fn level<'a>(
    def: Option<&FeedbackDefinition>,
    entries: impl IntoIterator<Item = &'a Entry>,
) -> Level {
    match def {
        Some(d) if is_categorical(d) => Level::Nominal,
        Some(_) => Level::Interval,
        None => {
            let mut it = entries.into_iter().peekable();
            if it.peek().is_some() && it.all(|e| e.category.is_some()) {
                Level::Nominal
            } else {
                Level::Interval
            }
        }
    }
}

/// The label of `value` (with the entry's `category` name, if any) under `def`: the category
/// or boolean label, else the number (`0.8`, `3`).
pub fn label(def: Option<&FeedbackDefinition>, value: f64, category: Option<&str>) -> String {
    let number = || category.map(one_line).unwrap_or_else(|| score_value(value));
    match def.map(|d| &d.details) {
        Some(FeedbackDetails::Categorical { categories }) => {
            if let Some(c) = category.filter(|c| categories.contains_key(*c)) {
                return one_line(c);
            }
            let mut same = categories.iter().filter(|(_, v)| Key(**v) == Key(value));
            match (same.next(), same.next()) {
                (Some((name, _)), None) => one_line(name),
                _ => number(),
            }
        }
        Some(FeedbackDetails::Boolean {
            true_label,
            false_label,
        }) => {
            let pick = |l: &str, d: &str| {
                if l.trim().is_empty() {
                    d.into()
                } else {
                    one_line(l)
                }
            };
            if value == 1.0 {
                pick(true_label, "true")
            } else if value == 0.0 {
                pick(false_label, "false")
            } else {
                number()
            }
        }
        Some(FeedbackDetails::Numerical { .. }) => score_value(value),
        None => number(),
    }
}

/// The width of a numerical definition's scale (`max − min`), when it has one.
pub fn scale(def: Option<&FeedbackDefinition>) -> Option<f64> {
    match def.map(|d| &d.details) {
        Some(FeedbackDetails::Numerical { min, max }) if max > min && (max - min).is_finite() => {
            Some(max - min)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::opik::model::ValueEntry;

    fn def(details: FeedbackDetails) -> FeedbackDefinition {
        crate::views::fixtures::scores::definition("d", details)
    }

    #[test]
    fn labels_follow_the_definition() {
        let cat = def(FeedbackDetails::Categorical {
            categories: BTreeMap::from([
                ("bad".to_string(), 0.0),
                ("good".to_string(), 1.0),
                ("great".to_string(), 1.0),
            ]),
        });
        assert_eq!(label(Some(&cat), 0.0, None), "bad");
        assert_eq!(label(Some(&cat), 1.0, Some("great")), "great");
        // Two categories share 1.0 and none is named: the number.
        assert_eq!(label(Some(&cat), 1.0, None), "1");
        let yes_no = def(FeedbackDetails::Boolean {
            true_label: "Safe".into(),
            false_label: "".into(),
        });
        assert_eq!(label(Some(&yes_no), 1.0, None), "Safe");
        assert_eq!(label(Some(&yes_no), 0.0, None), "false");
        let num = def(FeedbackDetails::Numerical {
            min: 0.0,
            max: 10.0,
        });
        assert_eq!(label(Some(&num), 7.5, Some("x")), "7.5");
        assert_eq!(label(None, 0.25, None), "0.25");
        assert_eq!(label(None, 1.0, Some("ok\x1b[31m")), "ok");
        assert_eq!(scale(Some(&num)), Some(10.0));
        assert_eq!(scale(Some(&cat)), None);
        assert_eq!(level(Some(&cat), []), Level::Nominal);
        assert_eq!(level(Some(&num), []), Level::Interval);
    }

    #[test]
    fn entries_come_from_value_by_author_or_the_score() {
        let q = Uuid::from_u128(9);
        let by = BTreeMap::from([
            (
                "alice".to_string(),
                ValueEntry {
                    value: Some(1.0),
                    category_name: Some("good".into()),
                    reason: Some("clear\nanswer".into()),
                    source_queue_id: Some(q),
                    ..Default::default()
                },
            ),
            (
                "bob".to_string(),
                ValueEntry {
                    value: Some(f64::NAN),
                    ..Default::default()
                },
            ),
        ]);
        let s = FeedbackScore {
            name: "accuracy".into(),
            value: Some(1.0),
            value_by_author: Some(by),
            ..Default::default()
        };
        let e = entries(&s);
        assert_eq!(e.len(), 1, "bob's NaN is no value");
        assert_eq!(e[0].author, "alice");
        assert_eq!(e[0].reason.as_deref(), Some("clear answer"));
        assert_eq!(e[0].queue, Some(q));
        assert_eq!(level(None, &e), Level::Nominal);
        let old = FeedbackScore {
            name: "accuracy".into(),
            value: Some(0.5),
            created_by: Some("carol".into()),
            ..Default::default()
        };
        let e = entries(&old);
        assert_eq!((e[0].author.as_str(), e[0].value), ("carol", 0.5));
        assert_eq!(level(None, &e), Level::Interval);
    }
}
