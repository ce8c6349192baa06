//! Opik: the wire model (shared with the embedded server) and the REST client.
pub mod messages;
pub mod model;
