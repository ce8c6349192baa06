//! Edits on the focused field: options, booleans, typed and stepped numbers, clear, reason.

use super::{FieldKind, FieldValue, ItemForm, fmt_num};

impl ItemForm {
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
}
