//! Validation and what a submit writes: each field's value checked against its definition,
//! inline errors, dirty tracking, the submission (puts, deletes, the comment) and the new
//! baseline after it was queued.

use super::{FieldKind, FieldValue, ItemForm, SavedScore, fmt_num};

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

impl ItemForm {
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
}
