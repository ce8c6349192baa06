//! Reusable TUI widgets.
pub mod chart;
