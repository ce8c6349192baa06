//! Annotation-queue logic shared by the queues list and the SME annotate screen: the scoring
//! panel model ([`form`]), progress, per-item status, resume order and lock renewal
//! ([`progress`]), and queue references (names, ids, web share links) ([`queue_ref`]).
//! Everything here is pure; the views in `views::{queues, annotate}` drive it and send writes
//! through the durable outbox (`crate::outbox`).

pub mod form;
pub mod load;
pub mod progress;
pub mod queue_ref;
pub mod session;
