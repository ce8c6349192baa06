//! The conversation view: a thread read as a chat, one turn per trace, with thumbs.
//!
//! [`Conversation`] is the screen's state and logic, independent of the terminal: turns built
//! from the thread's traces (oldest first), each with the user message (trace input) and the
//! assistant message (trace output) extracted by [`crate::opik::messages`] exactly as Opik's
//! web UI does, and shown as markdown when it looks like markdown, highlighted JSON when it is
//! JSON, and collapsible pretty JSON when nothing could be extracted.
//!
//! Layout is computed once per (width, theme, content, folds, search) into a flat list of
//! lines ([`Conversation::layout`]), so drawing is a slice copy and scrolling is free. Message
//! bodies come from the markdown cache; bodies at least [`crate::render::markdown::LARGE_BYTES`] long that
//! are not cached yet show a placeholder and are listed in [`Conversation::pending_renders`]
//! so the screen renders them in a background task and input never stalls.
//!
//! Thumbs: `+`/`-` set the turn trace's **"User feedback"** score to 1/0 exactly as the web UI
//! does (`PUT /traces/{id}/feedback-scores {name, value, source: "ui"}`), and pressing the
//! same thumb again deletes it. [`Conversation::press_thumb`] applies the change at once
//! (optimistic) and returns the [`ThumbOp`] to send; [`Conversation::thumb_settled`]
//! reconciles it with the server's answer.
//!
//! Files: `turn` (a turn and its thumb), `state` (turns, selection, scrolling, folds,
//! thumbs), `search`, `layout` (the laid-out lines), `draw`, `export` (markdown), and
//! `screen` (the [`ConversationScreen`]: loading, input, thumbs through the outbox, popups).

mod draw;
mod export;
#[cfg(test)]
mod export_tests;
mod layout;
mod screen;
mod search;
mod state;
#[cfg(test)]
mod tests;
mod turn;

pub use screen::{ConversationMsg, ConversationScreen};
pub use state::{Conversation, Layout, Search, TimeFmt};
pub use turn::{Thumb, ThumbOp, Turn, USER_FEEDBACK};
