//! Screens of the TUI (one module per screen; each implements `app::Screen`).
pub mod conversation;
pub mod dashboard;
