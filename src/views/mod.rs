//! Screens of the TUI.
pub mod conversation;
