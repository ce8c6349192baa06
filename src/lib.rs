//! opik-tui: a terminal UI for Opik, and an embedded Opik-compatible server.
//!
//! Modules:
//! - `opik`: the wire model shared by client and server, and the REST client;
//! - `config`, `settings`, `logging`, `cli`: connection resolution, app settings, the log
//!   file and the command line (used by `main.rs`);
//! - `server`: the embedded Opik-compatible server (axum + SQLite);
//! - `app`, `views`, `widgets`: the TUI (event loop, screens, reusable widgets);
//! - `render`: pure text rendering (sanitising, markdown, highlighting, number formats).

pub mod annotate;
pub mod app;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod logging;
pub mod opik;
pub mod outbox;
pub mod private_fs;
pub mod render;
pub mod server;
pub mod settings;
pub mod theme;
pub mod views;
pub mod widgets;
