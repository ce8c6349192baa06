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

mod def;
mod edit;
#[cfg(test)]
mod tests;
mod validate;

pub use def::{FieldDef, FieldKind, fmt_num};
pub use validate::{CommentChange, ScoreWrite, Submission};

use crate::opik::model::FeedbackScore;

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
