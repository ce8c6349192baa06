//! Annotation-queue logic shared by the queues list and the SME annotate screen: the scoring
//! panel model ([`form`]), progress, per-item status, resume order and lock renewal
//! ([`progress`]), queue references (names, ids, web share links) ([`queue_ref`]) and one
//! SME's pass through a queue ([`session`]) with undo and skip ([`undo`]) are pure, with no
//! terminal and no I/O; so are a queue's agreement between annotators ([`agreement`]) and
//! what a score entry means under its definition ([`rating`]).
//! [`load`] is the one part that talks to the server: it loads a queue, its definitions,
//! items and locks over REST, called by the views inside spawned tasks. The views in
//! `views::{queues, annotate}` drive all of it and send writes through the durable outbox
//! (`crate::outbox`).

pub mod agreement;
pub mod form;
pub mod load;
pub mod progress;
pub mod queue_ref;
pub mod rating;
pub mod session;
pub mod undo;
