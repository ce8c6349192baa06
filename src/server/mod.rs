//! The embedded Opik-compatible server.
pub mod otlp;
