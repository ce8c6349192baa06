//! Screens (implementations of [`crate::app::Screen`]): the projects list, the traces table,
//! the trace view (span tree + detail), the conversation view, and the screens other modules
//! add.

pub mod agreement;
pub mod annotate;
pub mod compare;
pub mod conversation;
pub mod dashboard;
#[cfg(any(test, feature = "test-support"))]
pub mod fixtures;
#[cfg(test)]
mod hostile_numbers;
pub mod projects;
pub mod queues;
pub mod share;
pub mod span_tree;
pub mod threads;
pub mod trace_view;
pub mod traces;
#[cfg(test)]
mod width_tests;
