//! The embedded Opik-compatible server (axum + SQLite).
//!
//! (Placeholder module list from the otlp branch; the server-core branch owns this file and
//! its router. Keep the `otlp` and `metrics` lines when merging.)
pub mod metrics;
pub mod otlp;
