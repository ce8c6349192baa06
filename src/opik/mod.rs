//! Opik: the wire model (shared with the embedded server) and the REST client.
pub mod client;
pub mod conversations;
pub mod dify;
pub mod error;
pub mod filter_string;
pub mod messages;
pub mod model;
pub mod weburl;
