//! A field's definition: how it is edited, derived from a feedback definition, and how its
//! values and ranges are shown.

use crate::opik::model::{FeedbackDefinition, FeedbackDetails};

/// How a field is edited, derived from a feedback definition.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// Options sorted by value ascending, ties by name.
    Categorical {
        options: Vec<(String, f64)>,
    },
    Boolean {
        true_label: String,
        false_label: String,
    },
    Numerical {
        min: f64,
        max: f64,
    },
}

/// One field's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    pub name: String,
    pub description: Option<String>,
    pub kind: FieldKind,
}

impl FieldDef {
    pub fn from_definition(d: &FeedbackDefinition) -> Self {
        let kind = match &d.details {
            FeedbackDetails::Categorical { categories } => {
                let mut options: Vec<(String, f64)> =
                    categories.iter().map(|(k, v)| (k.clone(), *v)).collect();
                options.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
                FieldKind::Categorical { options }
            }
            FeedbackDetails::Boolean {
                true_label,
                false_label,
            } => FieldKind::Boolean {
                true_label: if true_label.is_empty() {
                    "true".into()
                } else {
                    true_label.clone()
                },
                false_label: if false_label.is_empty() {
                    "false".into()
                } else {
                    false_label.clone()
                },
            },
            FeedbackDetails::Numerical { min, max } => FieldKind::Numerical {
                min: min.min(*max),
                max: max.max(*min),
            },
        };
        FieldDef {
            name: d.name.clone(),
            description: d.description.clone(),
            kind,
        }
    }

    /// A definition named by the queue but missing on the server: shown as a numerical field
    /// without bounds would be wrong, so the view shows it as unavailable; this builds the
    /// fields for the names that exist, in the queue's order.
    pub fn for_queue(
        names: &[String],
        defs: &[FeedbackDefinition],
    ) -> (Vec<FieldDef>, Vec<String>) {
        let mut fields = Vec::new();
        let mut missing = Vec::new();
        for n in names {
            match defs.iter().find(|d| &d.name == n) {
                Some(d) => fields.push(FieldDef::from_definition(d)),
                None => missing.push(n.clone()),
            }
        }
        (fields, missing)
    }

    /// "values" column of the intro table: `bad (0), good (1)`, `yes / no`, `0 – 10`.
    pub fn values_summary(&self) -> String {
        match &self.kind {
            FieldKind::Categorical { options } => options
                .iter()
                .map(|(n, v)| format!("{n} ({})", fmt_num(*v)))
                .collect::<Vec<_>>()
                .join(", "),
            FieldKind::Boolean {
                true_label,
                false_label,
            } => format!("{true_label} / {false_label}"),
            FieldKind::Numerical { min, max } => format!("{} – {}", fmt_num(*min), fmt_num(*max)),
        }
    }

    /// Step for `←`/`→` on a numerical field: 1 for integer ranges of at least 2, else a tenth
    /// of the range rounded down to a power of ten (0–1 steps by 0.1).
    pub fn step(&self) -> f64 {
        match self.kind {
            FieldKind::Numerical { min, max } => {
                let range = max - min;
                if !(range.is_finite()) || range <= 0.0 {
                    return 1.0;
                }
                if min.fract() == 0.0 && max.fract() == 0.0 && range >= 2.0 {
                    1.0
                } else {
                    10f64.powf((range / 10.0).log10().floor())
                }
            }
            _ => 1.0,
        }
    }
}

/// A number without a trailing `.0` (`1`, `0.5`, `-2.25`).
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
