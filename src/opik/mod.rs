//! Opik: the wire model (the `opik-model` crate, shared with the embedded server) and the REST
//! client.
pub mod client;
pub mod conversations;
pub mod dify;
pub mod error;
pub mod filter_string;
pub mod messages;
pub mod tags;
pub mod weburl;

/// The wire model lives in its own crate (`crates/opik-model`); `crate::opik::model` stays its path here.
pub use opik_model as model;
