//! The live dashboard's logic, independent of the terminal. All of it is pure except
//! [`fetch`], which makes the requests:
//! - [`fetch`]: the requests of one refresh, run concurrently, each failure a note instead of
//!   an error (the only module here that uses the network);
//! - [`data`]: what one dashboard shows, assembled from those answers;
//! - [`range`]: the `1h`/`24h`/`7d`/`30d` ranges, their bucket sizes, windows and the
//!   previous-period window;
//! - [`series`]: series on an explicit bucket grid (aligning metrics answers, client-side
//!   bucketing, percentiles), with "no data" kept apart from zeros;
//! - [`kpi`]: KPI cards from the stats endpoints with deltas against the previous period;
//! - [`units`]: how each value is written;
//! - [`compare`]: two feedback scores compared over the items that carry both (`:compare`).
//!
//! The screen itself is `views::dashboard`; its charts are `widgets::chart`.

pub mod compare;
pub mod data;
pub mod fetch;
pub mod kpi;
pub mod range;
pub mod series;
pub mod units;

pub use kpi::{Delta, Kpi, KpiInputs, Polarity, Sentiment, StatsView, build_kpis};
pub use range::{Bucket, Interval, TimeRange, Window};
pub use series::{Agg, Kind, Series};
pub use units::Unit;
