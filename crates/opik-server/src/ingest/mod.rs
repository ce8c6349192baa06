//! Trace and span writes: batch creates, single creates, PATCHes and deletes, with the merge
//! rules the Python SDK relies on (see `shared/reference/opik-sdk-traffic.md` §4 and
//! `current-opik.md` "Writes"):
//!
//! - a batch create of an existing id is an upsert: the record with the newer `last_updated_at`
//!   wins as a whole;
//! - a single `POST /traces` of an existing id merges, keeping existing non-empty fields;
//! - a PATCH merges field by field, **also when it arrives before the create**: the PATCH is
//!   kept (`pending_patch`) and laid over the create when that arrives. Real Opik can lose a
//!   create that arrives after a PATCH of the same id; this server does not (better than Opik);
//! - spans may arrive before their trace; scores before their entity; projects are created on
//!   first use.
//!
//! A batch is one transaction (all-or-nothing). Trace aggregates (span counts, usage, cost,
//! providers, span errors) are denormalised onto the trace row in the same transaction, and a
//! trace with a `thread_id` creates/re-opens its thread.
//!
//! Modules: [`kinds`] (traces vs spans: tables and fields), [`rows`] (reading and saving one
//! row), [`create`] (batch and single creates), [`aggregates`] (trace aggregates and threads after
//! a write) and [`patch`] (PATCHes and deletes).

mod aggregates;
mod create;
mod kinds;
mod patch;
mod rows;

pub use aggregates::*;
pub use create::*;
pub use kinds::*;
pub use patch::*;
pub use rows::*;
