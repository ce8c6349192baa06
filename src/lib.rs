//! opik-tui: a terminal UI for Opik, and an embedded Opik-compatible server.
//!
//! Modules:
//! - `opik`: the wire model (re-exported from the `opik-model` crate) and the REST client;
//! - `config`, `settings`, `logging`, `cli`, `completions`: connection resolution, app
//!   settings, the log file, the command line and its shell completions / man page (used by
//!   `main.rs`);
//! - `server`: the embedded Opik-compatible server: the UI-free `opik-server` crate, re-exported;
//! - `app`, `views`, `widgets`: the TUI (event loop, screens, reusable widgets);
//! - `render`: pure text rendering (sanitising, markdown, highlighting, number formats);
//! - `stats`: agreement and correlation statistics (pure numbers).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod annotate;
pub mod app;
pub mod cli;
pub mod completions;
pub mod config;
pub mod dashboard;
pub mod logging;
pub mod opik;
pub mod outbox;
pub mod render;
pub mod settings;
pub mod stats;
pub mod theme;
pub mod views;
pub mod widgets;

pub use opik_server as server;
/// Private (owner-only) files: shared with the server, which owns the module.
pub use opik_server::private_fs;
