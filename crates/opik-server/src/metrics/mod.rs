//! Project metrics (`POST /v1/private/projects/{id}/metrics`) and KPI cards
//! (`POST /v1/private/projects/{id}/kpi-cards`), computed from the SQLite store the way Opik's
//! `ProjectMetricsDAO` computes them from ClickHouse, so the dashboard shows the same numbers
//! against Opik Cloud, self-hosted Opik and this server.
//!
//! What Opik does, and this module mirrors:
//! - an entity's time is the time **inside its UUIDv7 id** (trace id, span id, or the thread's
//!   `thread_model_id`), not `start_time`; the window is `interval_start ≤ t ≤ interval_end`
//!   (`interval_end` defaults to now);
//! - buckets are `toStartOfInterval(t, 1 hour | 1 day | 1 week)` in UTC (weeks start on
//!   Monday); every bucket from the one holding `interval_start` to the one holding
//!   `interval_end` is returned, per series (`WITH FILL`), an empty one with no `value`;
//! - values go through `nullIf(x, 0)`: a zero count, sum or average is returned without a value,
//!   exactly like an empty bucket;
//! - series names: `traces`, `threads`, `spans`, `cost`, `failed`, `duration.p50|p90|p99`,
//!   `thread_duration.p50|p90|p99`, one series per feedback-score name (average over traces of
//!   the per-trace average over authors), one per usage key (sum over the spans of the
//!   traces in the bucket);
//! - percentiles are ClickHouse's `quantiles(0.5, 0.9, 0.99)` (exact below 8192 values: linear
//!   interpolation between the closest ranks), durations in milliseconds.
//!
//! The "previous period comparison" Opik offers is the KPI cards endpoint: for traces, spans or
//! threads, `count`, `errors` (percent of entities with an error), `avg_duration` (ms) and
//! `total_cost`, each for the requested window and for the window of the same length just
//! before it.
//!
//! `trace_filters` / `thread_filters` / `span_filters` use the server's filter module (the same
//! fields and operators as the search endpoints; thread filters through the threads module's
//! aggregated thread row), so a dashboard filter means the same thing everywhere.
//!
//! Modules: [`buckets`] (intervals, buckets, quantiles, ids as times), [`series`] (the
//! per-bucket accumulator), [`query`] (the validated request), [`compute`] (the SQL reads),
//! [`kpi`] (KPI cards) and [`http`] (routes and handlers).

mod buckets;
mod compute;
mod http;
mod kpi;
mod query;
mod series;
#[cfg(test)]
mod tests;

pub use buckets::*;
pub use compute::*;
pub use http::*;
pub use kpi::*;
pub use query::*;
pub use series::*;
