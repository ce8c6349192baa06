//! The scoring panel's model: one field per feedback definition of the queue, in the queue's
//! order, with per-field editing rules, validation, dirty tracking and the writes a submit
//! produces.
//!
//! Pure logic, no I/O. The annotate view (`views::annotate`) turns keys into calls on
//! [`ItemForm`] and hands [`ItemForm::submission`] to the outbox (`crate::outbox`).
//!
//! Rules (issue 12 §2, as Opik's SME view does them):
//! - categorical: options in ascending value order, ties by name, shown as "name (value)";
//!   `1`–`9` picks the Nth; written with `category_name`;
//! - boolean: `y`/`n`, shown with the definition's true/false labels; written as 1/0 with the
//!   label as `category_name`;
//! - numerical: shows min–max; digits, `.` and `-` edit the text; `←`/`→` step; a value that is
//!   not a number or is out of range is an inline error and is never sent;
//! - each score can carry a reason;
//! - clearing a field I had scored deletes my score.

use crate::opik::model::{FeedbackDefinition, FeedbackDetails, FeedbackScore};

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

/// A field's current value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum FieldValue {
    #[default]
    Empty,
    /// Index into the sorted options.
    Category(usize),
    Bool(bool),
    /// The text typed, validated on submit and shown with an inline error when invalid.
    Number(String),
}

/// What I had saved for a field (my entry in `value_by_author`).
#[derive(Debug, Clone, PartialEq)]
pub struct SavedScore {
    pub value: f64,
    pub category_name: Option<String>,
    pub reason: Option<String>,
}

/// One field's editing state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldState {
    pub value: FieldValue,
    pub reason: String,
    /// What the server had from me when the item was opened (or after my last submit).
    pub saved: Option<SavedScore>,
    /// Value and reason as loaded, to tell whether the field changed.
    baseline: (FieldValue, String),
}

/// A score to write (`PUT …/feedback-scores`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreWrite {
    pub name: String,
    pub value: f64,
    pub category_name: Option<String>,
    pub reason: Option<String>,
}

/// What happens to my comment on submit.
#[derive(Debug, Clone, PartialEq)]
pub enum CommentChange {
    None,
    Add(String),
    Update(String),
    Delete,
}

/// The writes one submit produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub puts: Vec<ScoreWrite>,
    pub deletes: Vec<String>,
    pub comment: CommentChange,
}

impl Submission {
    pub fn is_empty(&self) -> bool {
        self.puts.is_empty() && self.deletes.is_empty() && self.comment == CommentChange::None
    }
}

/// The scoring panel for one item: fields in the queue's order, focus, the comment text.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemForm {
    pub defs: Vec<FieldDef>,
    pub fields: Vec<FieldState>,
    pub focus: usize,
    pub comment: String,
    /// My existing comment's text on this item (the one a submit updates).
    pub saved_comment: Option<String>,
    /// Inline errors by field index, set by [`ItemForm::validate`].
    pub errors: Vec<Option<String>>,
}

impl ItemForm {
    /// A blank form, first field focused.
    pub fn new(defs: Vec<FieldDef>) -> Self {
        let n = defs.len();
        ItemForm {
            defs,
            fields: vec![FieldState::default(); n],
            focus: 0,
            comment: String::new(),
            saved_comment: None,
            errors: vec![None; n],
        }
    }

    /// A form pre-filled with my previous values from the item's feedback scores
    /// (`value_by_author[me]`) and my latest comment text.
    pub fn with_saved(
        defs: Vec<FieldDef>,
        scores: &[FeedbackScore],
        me: &str,
        my_comment: Option<&str>,
    ) -> Self {
        let mut form = ItemForm::new(defs);
        for (i, def) in form.defs.clone().iter().enumerate() {
            let Some(saved) = my_saved_score(scores, &def.name, me) else {
                continue;
            };
            let value = value_from_saved(def, &saved);
            let reason = saved.reason.clone().unwrap_or_default();
            let f = &mut form.fields[i];
            f.value = value.clone();
            f.reason = reason.clone();
            f.baseline = (value, reason);
            f.saved = Some(saved);
        }
        if let Some(c) = my_comment {
            form.comment = c.to_string();
            form.saved_comment = Some(c.to_string());
        }
        form
    }

    pub fn focused_def(&self) -> Option<&FieldDef> {
        self.defs.get(self.focus)
    }

    pub fn focus_next(&mut self) {
        if !self.defs.is_empty() {
            self.focus = (self.focus + 1) % self.defs.len();
        }
    }

    pub fn focus_prev(&mut self) {
        if !self.defs.is_empty() {
            self.focus = (self.focus + self.defs.len() - 1) % self.defs.len();
        }
    }

    fn set(&mut self, v: FieldValue) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.value = v;
        }
        if let Some(e) = self.errors.get_mut(self.focus) {
            *e = None;
        }
    }

    /// A digit key on the focused field: picks the Nth option (categorical, 1-based) or
    /// types the digit (numerical). Returns whether the key was used.
    pub fn digit(&mut self, d: u8) -> bool {
        let Some(def) = self.defs.get(self.focus) else {
            return false;
        };
        match &def.kind {
            FieldKind::Categorical { options } => {
                let idx = d as usize;
                if idx >= 1 && idx <= options.len() {
                    self.set(FieldValue::Category(idx - 1));
                    true
                } else {
                    false
                }
            }
            FieldKind::Numerical { .. } => self.type_char(char::from(b'0' + d.min(9))),
            FieldKind::Boolean { .. } => false,
        }
    }

    /// Type a character into a numerical field (digits, `.`, `-`).
    pub fn type_char(&mut self, c: char) -> bool {
        if !matches!(
            self.defs.get(self.focus).map(|d| &d.kind),
            Some(FieldKind::Numerical { .. })
        ) {
            return false;
        }
        if !(c.is_ascii_digit() || c == '.' || c == '-') {
            return false;
        }
        let mut text = match self.fields.get(self.focus).map(|f| &f.value) {
            Some(FieldValue::Number(s)) => s.clone(),
            _ => String::new(),
        };
        if text.len() >= 24 {
            return false;
        }
        text.push(c);
        self.set(FieldValue::Number(text));
        true
    }

    /// Backspace: deletes a typed character; on other kinds clears the value.
    pub fn backspace(&mut self) {
        match self.fields.get(self.focus).map(|f| f.value.clone()) {
            Some(FieldValue::Number(mut s)) => {
                s.pop();
                if s.is_empty() {
                    self.set(FieldValue::Empty)
                } else {
                    self.set(FieldValue::Number(s))
                }
            }
            Some(_) => self.clear(),
            None => {}
        }
    }

    /// Clear the focused field (a submit then deletes my saved score for it).
    pub fn clear(&mut self) {
        self.set(FieldValue::Empty);
    }

    /// `y` / `n` on a boolean field.
    pub fn set_bool(&mut self, b: bool) -> bool {
        if matches!(
            self.defs.get(self.focus).map(|d| &d.kind),
            Some(FieldKind::Boolean { .. })
        ) {
            self.set(FieldValue::Bool(b));
            true
        } else {
            false
        }
    }

    /// `←` (-1) / `→` (+1): previous/next option, toggle a boolean, or step a number
    /// (clamped to the range).
    pub fn step(&mut self, dir: i32) {
        let Some(def) = self.defs.get(self.focus).cloned() else {
            return;
        };
        let cur = self.fields[self.focus].value.clone();
        let next = match &def.kind {
            FieldKind::Categorical { options } => {
                if options.is_empty() {
                    return;
                }
                let n = options.len() as i64;
                let i = match cur {
                    FieldValue::Category(i) => (i as i64 + dir as i64).clamp(0, n - 1),
                    _ if dir < 0 => n - 1,
                    _ => 0,
                };
                FieldValue::Category(i as usize)
            }
            FieldKind::Boolean { .. } => match cur {
                FieldValue::Bool(b) => FieldValue::Bool(!b),
                _ => FieldValue::Bool(dir > 0),
            },
            FieldKind::Numerical { min, max } => {
                let step = def.step();
                let v = match &cur {
                    FieldValue::Number(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                };
                let v = match v {
                    Some(v) if v.is_finite() => v + step * dir as f64,
                    _ if dir < 0 => *max,
                    _ => *min,
                };
                // Round to the step's precision to avoid 0.30000000000000004.
                let v = (v / step).round() * step;
                FieldValue::Number(fmt_num(v.clamp(*min, *max)))
            }
        };
        self.set(next);
    }

    /// Set the reason of the focused field.
    pub fn set_reason(&mut self, reason: String) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.reason = reason;
        }
    }

    /// The numeric value and category a field would be written with, or an error message.
    /// `Ok(None)` is an empty field.
    pub fn field_write(&self, i: usize) -> Result<Option<(f64, Option<String>)>, String> {
        let (Some(def), Some(f)) = (self.defs.get(i), self.fields.get(i)) else {
            return Ok(None);
        };
        match (&def.kind, &f.value) {
            (_, FieldValue::Empty) => Ok(None),
            (FieldKind::Categorical { options }, FieldValue::Category(idx)) => options
                .get(*idx)
                .map(|(n, v)| Some((*v, Some(n.clone()))))
                .ok_or_else(|| "pick one of the options".to_string()),
            (
                FieldKind::Boolean {
                    true_label,
                    false_label,
                },
                FieldValue::Bool(b),
            ) => Ok(Some(if *b {
                (1.0, Some(true_label.clone()))
            } else {
                (0.0, Some(false_label.clone()))
            })),
            (FieldKind::Numerical { min, max }, FieldValue::Number(s)) => {
                let range = format!("{} – {}", fmt_num(*min), fmt_num(*max));
                match s.trim().parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= *min && v <= *max => Ok(Some((v, None))),
                    Ok(v) if v.is_finite() => Err(format!("{} is out of range {range}", s.trim())),
                    _ => Err(format!("“{}” is not a number ({range})", s.trim())),
                }
            }
            _ => Err("value does not match the definition".into()),
        }
    }

    /// Check every field; fills [`ItemForm::errors`]. Returns whether all are valid.
    pub fn validate(&mut self) -> bool {
        let errs: Vec<Option<String>> = (0..self.defs.len())
            .map(|i| self.field_write(i).err())
            .collect();
        let ok = errs.iter().all(Option::is_none);
        if let Some(first) = errs.iter().position(Option::is_some) {
            self.focus = first;
        }
        self.errors = errs;
        ok
    }

    fn field_changed(&self, i: usize) -> bool {
        let f = &self.fields[i];
        f.value != f.baseline.0 || f.reason.trim() != f.baseline.1.trim()
    }

    /// Whether anything was edited since the form was loaded or last submitted.
    pub fn is_dirty(&self) -> bool {
        (0..self.fields.len()).any(|i| self.field_changed(i))
            || self.comment.trim() != self.saved_comment.as_deref().unwrap_or("").trim()
    }

    /// The writes a submit makes: changed fields are put, fields I had scored and cleared
    /// are deleted, the comment is added, updated, or deleted when emptied. Errors (out of
    /// range, not a number) are returned instead, and nothing is sent.
    pub fn submission(&mut self) -> Result<Submission, Vec<(usize, String)>> {
        if !self.validate() {
            return Err(self
                .errors
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.clone().map(|e| (i, e)))
                .collect());
        }
        let mut puts = Vec::new();
        let mut deletes = Vec::new();
        for i in 0..self.defs.len() {
            if !self.field_changed(i) {
                continue;
            }
            let name = self.defs[i].name.clone();
            match self.field_write(i) {
                Ok(Some((value, category_name))) => {
                    let reason = self.fields[i].reason.trim();
                    puts.push(ScoreWrite {
                        name,
                        value,
                        category_name,
                        reason: (!reason.is_empty()).then(|| reason.to_string()),
                    })
                }
                Ok(None) => {
                    if self.fields[i].saved.is_some() {
                        deletes.push(name);
                    }
                }
                Err(_) => {}
            }
        }
        let text = self.comment.trim();
        let comment = match self.saved_comment.as_deref().map(str::trim) {
            None if text.is_empty() => CommentChange::None,
            None => CommentChange::Add(text.to_string()),
            Some(old) if old == text => CommentChange::None,
            Some(_) if text.is_empty() => CommentChange::Delete,
            Some(_) => CommentChange::Update(text.to_string()),
        };
        Ok(Submission {
            puts,
            deletes,
            comment,
        })
    }

    /// After a submit was queued: what was submitted becomes the saved baseline.
    pub fn mark_submitted(&mut self) {
        for i in 0..self.defs.len() {
            let saved = match self.field_write(i) {
                Ok(Some((value, category_name))) => Some(SavedScore {
                    value,
                    category_name,
                    reason: Some(self.fields[i].reason.trim().to_string())
                        .filter(|r| !r.is_empty()),
                }),
                _ => None,
            };
            let f = &mut self.fields[i];
            f.saved = saved;
            f.baseline = (f.value.clone(), f.reason.clone());
        }
        let text = self.comment.trim().to_string();
        self.saved_comment = (!text.is_empty()).then_some(text);
    }

    /// Whether the form holds a score or a comment (the item counts as done for me).
    pub fn has_any_value(&self) -> bool {
        self.fields.iter().any(|f| f.value != FieldValue::Empty) || !self.comment.trim().is_empty()
    }

    /// How a field's value is displayed: the option "name (value)", the boolean label, or the
    /// typed number; `None` when empty.
    pub fn display_value(&self, i: usize) -> Option<String> {
        let (def, f) = (self.defs.get(i)?, self.fields.get(i)?);
        match (&def.kind, &f.value) {
            (_, FieldValue::Empty) => None,
            (FieldKind::Categorical { options }, FieldValue::Category(idx)) => options
                .get(*idx)
                .map(|(n, v)| format!("{n} ({})", fmt_num(*v))),
            (
                FieldKind::Boolean {
                    true_label,
                    false_label,
                },
                FieldValue::Bool(b),
            ) => Some(if *b { true_label } else { false_label }.clone()),
            (_, FieldValue::Number(s)) => Some(s.clone()),
            _ => None,
        }
    }
}

/// My entry (`value_by_author[me]`) for a score name. A score without `value_by_author` but
/// created by me (older servers) counts too.
pub fn my_saved_score(scores: &[FeedbackScore], name: &str, me: &str) -> Option<SavedScore> {
    let s = scores.iter().find(|s| s.name == name)?;
    if let Some(by) = &s.value_by_author {
        let e = by.get(me)?;
        return Some(SavedScore {
            value: e.value?,
            category_name: e.category_name.clone(),
            reason: e.reason.clone(),
        });
    }
    let author = s.last_updated_by.as_deref().or(s.created_by.as_deref());
    if author == Some(me) {
        return Some(SavedScore {
            value: s.value?,
            category_name: s.category_name.clone(),
            reason: s.reason.clone(),
        });
    }
    None
}

fn value_from_saved(def: &FieldDef, saved: &SavedScore) -> FieldValue {
    match &def.kind {
        FieldKind::Categorical { options } => {
            let by_name = saved
                .category_name
                .as_ref()
                .and_then(|c| options.iter().position(|(n, _)| n == c));
            let by_value = || options.iter().position(|(_, v)| *v == saved.value);
            by_name
                .or_else(by_value)
                .map(FieldValue::Category)
                .unwrap_or(FieldValue::Number(fmt_num(saved.value)))
        }
        FieldKind::Boolean { .. } => FieldValue::Bool(saved.value >= 0.5),
        FieldKind::Numerical { .. } => FieldValue::Number(fmt_num(saved.value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opik::model::ValueEntry;
    use std::collections::BTreeMap;

    fn def(name: &str, details: FeedbackDetails) -> FeedbackDefinition {
        FeedbackDefinition {
            id: None,
            name: name.into(),
            description: None,
            details,
            created_at: None,
            created_by: None,
            last_updated_at: None,
            last_updated_by: None,
        }
    }

    fn defs() -> Vec<FieldDef> {
        let cats: BTreeMap<String, f64> =
            [("good", 1.0), ("bad", 0.0), ("meh", 0.5), ("fine", 0.5)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        vec![
            FieldDef::from_definition(&def(
                "quality",
                FeedbackDetails::Categorical { categories: cats },
            )),
            FieldDef::from_definition(&def(
                "correct",
                FeedbackDetails::Boolean {
                    true_label: "Yes".into(),
                    false_label: "No".into(),
                },
            )),
            FieldDef::from_definition(&def(
                "rating",
                FeedbackDetails::Numerical {
                    min: 0.0,
                    max: 10.0,
                },
            )),
        ]
    }

    #[test]
    fn categorical_options_ascending_by_value_ties_by_name() {
        let d = &defs()[0];
        let FieldKind::Categorical { options } = &d.kind else {
            panic!("kind")
        };
        let names: Vec<&str> = options.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["bad", "fine", "meh", "good"]);
        assert_eq!(
            d.values_summary(),
            "bad (0), fine (0.5), meh (0.5), good (1)"
        );
    }

    #[test]
    fn digits_pick_the_nth_option_and_out_of_range_digits_are_ignored() {
        let mut f = ItemForm::new(defs());
        assert!(f.digit(3));
        assert_eq!(f.display_value(0).as_deref(), Some("meh (0.5)"));
        assert!(!f.digit(9));
        assert!(!f.digit(0));
        assert_eq!(f.display_value(0).as_deref(), Some("meh (0.5)"));
        let s = f.submission().unwrap();
        assert_eq!(
            s.puts,
            vec![ScoreWrite {
                name: "quality".into(),
                value: 0.5,
                category_name: Some("meh".into()),
                reason: None
            }]
        );
    }

    #[test]
    fn boolean_yes_no_writes_one_zero_with_label() {
        let mut f = ItemForm::new(defs());
        f.focus_next();
        assert!(!f.digit(1));
        assert!(f.set_bool(false));
        assert_eq!(f.display_value(1).as_deref(), Some("No"));
        f.step(1);
        assert_eq!(f.display_value(1).as_deref(), Some("Yes"));
        f.set_reason("  because  ".into());
        let s = f.submission().unwrap();
        assert_eq!(s.puts[0].value, 1.0);
        assert_eq!(s.puts[0].category_name.as_deref(), Some("Yes"));
        assert_eq!(s.puts[0].reason.as_deref(), Some("because"));
    }

    #[test]
    fn numerical_typing_stepping_and_range_errors() {
        let mut f = ItemForm::new(defs());
        f.focus_prev(); // wraps to the last field
        assert_eq!(f.focus, 2);
        assert!(f.digit(1));
        assert!(f.digit(2));
        assert!(!f.type_char('x'));
        let err = f.submission().unwrap_err();
        assert_eq!(err, vec![(2, "12 is out of range 0 – 10".to_string())]);
        assert_eq!(f.errors[2].as_deref(), Some("12 is out of range 0 – 10"));
        f.backspace();
        assert!(f.errors[2].is_none(), "editing clears the inline error");
        f.step(1);
        assert_eq!(f.display_value(2).as_deref(), Some("2"));
        f.step(-1);
        f.step(-1);
        f.step(-1);
        assert_eq!(f.display_value(2).as_deref(), Some("0"), "clamped at min");
        f.clear();
        f.type_char('.');
        assert!(f.submission().unwrap_err()[0].1.contains("not a number"));
        f.type_char('5');
        assert_eq!(f.submission().unwrap().puts[0].value, 0.5);
    }

    #[test]
    fn step_size_follows_the_range() {
        let unit =
            FieldDef::from_definition(&def("p", FeedbackDetails::Numerical { min: 0.0, max: 1.0 }));
        assert_eq!(unit.step(), 0.1);
        let mut f = ItemForm::new(vec![unit]);
        f.step(1);
        f.step(1);
        f.step(1);
        assert_eq!(
            f.display_value(0).as_deref(),
            Some("0.2"),
            "empty → min, then two steps"
        );
        // Inverted bounds are normalised.
        let inv =
            FieldDef::from_definition(&def("q", FeedbackDetails::Numerical { min: 5.0, max: 1.0 }));
        assert_eq!(inv.kind, FieldKind::Numerical { min: 1.0, max: 5.0 });
    }

    fn score(
        name: &str,
        me: &str,
        value: f64,
        cat: Option<&str>,
        reason: Option<&str>,
    ) -> FeedbackScore {
        let mut by = BTreeMap::new();
        by.insert(
            me.to_string(),
            ValueEntry {
                value: Some(value),
                category_name: cat.map(Into::into),
                reason: reason.map(Into::into),
                ..Default::default()
            },
        );
        by.insert(
            "someone-else".into(),
            ValueEntry {
                value: Some(0.0),
                ..Default::default()
            },
        );
        FeedbackScore {
            name: name.into(),
            value: Some(value / 2.0),
            value_by_author: Some(by),
            ..Default::default()
        }
    }

    #[test]
    fn my_previous_values_are_shown_and_unchanged_fields_are_not_resent() {
        let scores = vec![
            score("quality", "ann", 1.0, Some("good"), Some("clear")),
            score("rating", "ann", 7.0, None, None),
        ];
        let mut f = ItemForm::with_saved(defs(), &scores, "ann", Some("nice"));
        assert_eq!(f.display_value(0).as_deref(), Some("good (1)"));
        assert_eq!(f.fields[0].reason, "clear");
        assert_eq!(f.display_value(1), None);
        assert_eq!(f.display_value(2).as_deref(), Some("7"));
        assert!(!f.is_dirty());
        assert!(f.submission().unwrap().is_empty());
        // Another author's values are not mine.
        let other = ItemForm::with_saved(defs(), &scores, "someone-else", None);
        assert_eq!(other.display_value(0).as_deref(), Some("bad (0)"));
    }

    #[test]
    fn clearing_a_saved_field_deletes_it_and_comment_changes() {
        let scores = vec![score("rating", "ann", 7.0, None, None)];
        let mut f = ItemForm::with_saved(defs(), &scores, "ann", Some("old"));
        f.focus = 2;
        f.clear();
        f.comment = "new text".into();
        assert!(f.is_dirty());
        let s = f.submission().unwrap();
        assert_eq!(s.deletes, vec!["rating".to_string()]);
        assert!(s.puts.is_empty());
        assert_eq!(s.comment, CommentChange::Update("new text".into()));
        f.mark_submitted();
        assert!(!f.is_dirty());
        f.comment = "  ".into();
        assert_eq!(f.submission().unwrap().comment, CommentChange::Delete);
        // A field never scored and left empty is neither put nor deleted.
        let mut blank = ItemForm::new(defs());
        blank.comment = "first".into();
        let s = blank.submission().unwrap();
        assert!(s.deletes.is_empty() && s.puts.is_empty());
        assert_eq!(s.comment, CommentChange::Add("first".into()));
    }

    #[test]
    fn resubmitting_after_submit_sends_only_new_changes() {
        let mut f = ItemForm::new(defs());
        f.digit(4);
        let first = f.submission().unwrap();
        assert_eq!(first.puts.len(), 1);
        f.mark_submitted();
        assert!(f.submission().unwrap().is_empty());
        f.digit(1);
        let second = f.submission().unwrap();
        assert_eq!(second.puts[0].category_name.as_deref(), Some("bad"));
        // Clearing after a submit in this session deletes.
        f.mark_submitted();
        f.clear();
        assert_eq!(f.submission().unwrap().deletes, vec!["quality".to_string()]);
    }

    #[test]
    fn missing_definitions_are_reported_in_queue_order() {
        let all = vec![
            def("b", FeedbackDetails::Numerical { min: 0.0, max: 1.0 }),
            def("a", FeedbackDetails::Numerical { min: 0.0, max: 1.0 }),
        ];
        let (fields, missing) = FieldDef::for_queue(&["a".into(), "zz".into(), "b".into()], &all);
        assert_eq!(
            fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(missing, ["zz"]);
    }
}
