//! Pure rendering helpers: functions of (data, width, theme), cached by the same key.
pub mod format;
pub mod highlight;
pub mod json;
pub mod json_tree;
pub mod lines;
pub mod markdown;
pub mod sanitize;
