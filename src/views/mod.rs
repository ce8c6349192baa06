//! Screens of the TUI.
pub mod conversation;
pub mod threads;
