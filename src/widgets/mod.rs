//! Reusable widgets: pure functions of (state, area, theme) drawn into a ratatui frame. The
//! shell's chrome (status bar, hint bar, help overlay, command line, toasts) and the building
//! blocks screens share (data table, JSON view, scrollable text, one-line input, charts).

pub mod chart;
pub mod cmdline;
pub mod help;
pub mod hintbar;
pub mod input;
pub mod list;
pub mod picker;
pub mod statusbar;
pub mod table;
pub mod toast;
