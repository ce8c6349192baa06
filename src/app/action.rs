//! The one [`Action`] enum: everything a key can mean. Keymaps map keys to actions (TOML
//! `j = "down"`), screens receive actions, and the hint bar and help overlay describe actions
//! with [`Action::label`] and [`Action::description`].
//!
//! Adding an action: add a variant (snake_case is its TOML name), a label and a description,
//! and a default key in `keymap.rs` if it should have one.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // --- global ---
    /// Quit from anywhere.
    Quit,
    /// Close the current screen; quits on the first screen.
    Close,
    /// Go back: close a popup or input, clear a filter, else close the screen (not the last).
    Back,
    Help,
    CommandLine,
    Refresh,
    // --- movement ---
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    First,
    Last,
    Open,
    NextPane,
    PrevPane,
    NextTab,
    PrevTab,
    ScrollUp,
    ScrollDown,
    // --- lists ---
    Search,
    Filter,
    CycleSort,
    ReverseSort,
    ToggleTime,
    LiveTail,
    Copy,
    Mark,
    // --- trees and detail ---
    Expand,
    Collapse,
    ExpandAll,
    CollapseAll,
    ToggleRaw,
    // --- other screens (threads, queues, annotate, dashboard) ---
    Threads,
    Traces,
    Edit,
    Submit,
    Delete,
    New,
    NextItem,
    PrevItem,
    Skip,
    AddToQueue,
    /// Add every row matching the list's filter and search to a queue (`A`).
    AddMatchingToQueue,
    ToggleOpen,
    TimeRange,
    // --- conversation (threads) ---
    ThumbUp,
    ThumbDown,
    OpenTrace,
    CloseThread,
    Comment,
    Tag,
    Score,
    NextMatch,
    PrevMatch,
    CycleGrouping,
    Conversation,
    Export,
    /// Copy the Opik web URL of the selection (trace, thread, conversation).
    CopyUrl,
    /// Dashboard: the next longer time range.
    RangeNext,
    /// Dashboard: the next shorter time range.
    RangePrev,
    /// Dashboard: pause / resume live refresh.
    Pause,
    // --- annotate (SME mode, issue 12) ---
    Yes,
    No,
    NextField,
    PrevField,
    Increase,
    Decrease,
    ClearField,
    Reason,
    ToggleInstructions,
    ToggleSpans,
    ToggleTraceback,
    TakeOver,
    RemoveFromQueue,
    /// Take back my last submit in SME mode (`u`).
    Undo,
    // --- agreement and score comparison (issue 21) ---
    /// Queues: the selected queue's agreement between annotators.
    Agreement,
    /// Compare view: traces ↔ threads.
    ToggleScope,
    /// Dashboard: compare two of the project's scores.
    Compare,
    /// Unbinds a key in the keymap (`x = "none"`).
    None,
}

impl Action {
    /// Every action, in help order.
    pub const ALL: &'static [Action] = &[
        Action::Quit,
        Action::Close,
        Action::Back,
        Action::Help,
        Action::CommandLine,
        Action::Refresh,
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::PageUp,
        Action::PageDown,
        Action::First,
        Action::Last,
        Action::Open,
        Action::NextPane,
        Action::PrevPane,
        Action::NextTab,
        Action::PrevTab,
        Action::ScrollUp,
        Action::ScrollDown,
        Action::Search,
        Action::Filter,
        Action::CycleSort,
        Action::ReverseSort,
        Action::ToggleTime,
        Action::LiveTail,
        Action::Copy,
        Action::Mark,
        Action::Expand,
        Action::Collapse,
        Action::ExpandAll,
        Action::CollapseAll,
        Action::ToggleRaw,
        Action::Threads,
        Action::Traces,
        Action::Edit,
        Action::Submit,
        Action::Delete,
        Action::New,
        Action::NextItem,
        Action::PrevItem,
        Action::Skip,
        Action::AddToQueue,
        Action::AddMatchingToQueue,
        Action::ToggleOpen,
        Action::TimeRange,
        Action::ThumbUp,
        Action::ThumbDown,
        Action::OpenTrace,
        Action::CloseThread,
        Action::Comment,
        Action::Tag,
        Action::Score,
        Action::NextMatch,
        Action::PrevMatch,
        Action::CycleGrouping,
        Action::Conversation,
        Action::Export,
        Action::CopyUrl,
        Action::RangeNext,
        Action::RangePrev,
        Action::Pause,
        Action::Yes,
        Action::No,
        Action::NextField,
        Action::PrevField,
        Action::Increase,
        Action::Decrease,
        Action::ClearField,
        Action::Reason,
        Action::ToggleInstructions,
        Action::ToggleSpans,
        Action::ToggleTraceback,
        Action::TakeOver,
        Action::RemoveFromQueue,
        Action::Undo,
        Action::Agreement,
        Action::ToggleScope,
        Action::Compare,
        Action::None,
    ];

    /// The TOML name (`page_down`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Parse a TOML name.
    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.trim().to_string())).ok()
    }

    /// A one- or two-word label for the hint bar.
    pub fn label(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Close => "close",
            Action::Back => "back",
            Action::Help => "help",
            Action::CommandLine => "command",
            Action::Refresh => "refresh",
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "left",
            Action::Right => "right",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::First => "first",
            Action::Last => "last",
            Action::Open => "open",
            Action::NextPane => "pane",
            Action::PrevPane => "prev pane",
            Action::NextTab => "tab",
            Action::PrevTab => "prev tab",
            Action::ScrollUp => "scroll up",
            Action::ScrollDown => "scroll down",
            Action::Search => "search",
            Action::Filter => "filter",
            Action::CycleSort => "sort",
            Action::ReverseSort => "reverse",
            Action::ToggleTime => "time",
            Action::LiveTail => "live",
            Action::Copy => "copy id",
            Action::Mark => "mark",
            Action::Expand => "expand",
            Action::Collapse => "fold",
            Action::ExpandAll => "expand all",
            Action::CollapseAll => "fold all",
            Action::ToggleRaw => "raw",
            Action::Threads => "threads",
            Action::Traces => "traces",
            Action::Edit => "edit",
            Action::Submit => "submit",
            Action::Delete => "delete",
            Action::New => "new",
            Action::NextItem => "next",
            Action::PrevItem => "prev",
            Action::Skip => "skip",
            Action::AddToQueue => "to queue",
            Action::AddMatchingToQueue => "all to queue",
            Action::ToggleOpen => "open/close",
            Action::TimeRange => "range",
            Action::ThumbUp => "thumb up",
            Action::ThumbDown => "thumb down",
            Action::OpenTrace => "trace",
            Action::CloseThread => "close thread",
            Action::Comment => "comment",
            Action::Tag => "tags",
            Action::Score => "score",
            Action::NextMatch => "next match",
            Action::PrevMatch => "prev match",
            Action::CycleGrouping => "group by",
            Action::Conversation => "conversation",
            Action::Export => "export",
            Action::CopyUrl => "copy URL",
            Action::RangeNext => "longer",
            Action::RangePrev => "shorter",
            Action::Pause => "pause",
            Action::Yes => "yes",
            Action::No => "no",
            Action::NextField => "next field",
            Action::PrevField => "prev field",
            Action::Increase => "step +",
            Action::Decrease => "step −",
            Action::ClearField => "clear",
            Action::Reason => "reason",
            Action::ToggleInstructions => "instructions",
            Action::ToggleSpans => "spans",
            Action::ToggleTraceback => "traceback",
            Action::TakeOver => "annotate anyway",
            Action::RemoveFromQueue => "remove",
            Action::Undo => "undo",
            Action::Agreement => "agreement",
            Action::ToggleScope => "traces/threads",
            Action::Compare => "compare scores",
            Action::None => "",
        }
    }

    /// A sentence for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "Quit opik-tui",
            Action::Close => "Close this screen (quit on the first one)",
            Action::Back => "Close popup / clear filter / go back",
            Action::Help => "Show or hide this help",
            Action::CommandLine => "Command line (:traces :threads by KEY :theme …)",
            Action::Refresh => "Reload from the server",
            Action::Up => "Move up",
            Action::Down => "Move down",
            Action::Left => "Move left / fold",
            Action::Right => "Move right / unfold",
            Action::PageUp => "Page up",
            Action::PageDown => "Page down",
            Action::First => "Jump to the first row",
            Action::Last => "Jump to the last row",
            Action::Open => "Open the selection",
            Action::NextPane => "Focus the next pane",
            Action::PrevPane => "Focus the previous pane",
            Action::NextTab => "Next tab",
            Action::PrevTab => "Previous tab",
            Action::ScrollUp => "Scroll the detail pane up",
            Action::ScrollDown => "Scroll the detail pane down",
            Action::Search => {
                "Search (a list: on the server; a trace's detail: its whole payload, n/N) — Enter applies, Esc clears"
            }
            Action::Filter => {
                "Filter: name = \"x\" and duration > 500 and tags contains \"prod\" (duration in ms)"
            }
            Action::CycleSort => "Cycle the sort column",
            Action::ReverseSort => "Reverse the sort direction",
            Action::ToggleTime => "Relative / absolute times",
            Action::LiveTail => "Live tail: show new rows as they arrive",
            Action::Copy => "Copy the selected id or value (OSC 52)",
            Action::Mark => "Mark / unmark the row",
            Action::Expand => "Unfold the node",
            Action::Collapse => "Fold the node",
            Action::ExpandAll => "Unfold everything",
            Action::CollapseAll => "Fold everything",
            Action::ToggleRaw => "Raw / pretty view",
            Action::Threads => "Open the project's threads",
            Action::Traces => "Open the project's traces",
            Action::Edit => "Edit",
            Action::Submit => "Submit",
            Action::Delete => "Delete",
            Action::New => "New",
            Action::NextItem => "Next item",
            Action::PrevItem => "Previous item",
            Action::Skip => "Skip the item (nothing written; it comes back at the end)",
            Action::AddToQueue => "Add marked rows to an annotation queue",
            Action::AddMatchingToQueue => {
                "Add every row matching the filter and search (not only the loaded ones) to an annotation queue"
            }
            Action::ToggleOpen => "Open / close (threads)",
            Action::TimeRange => "Change the time range",
            Action::ThumbUp => {
                "Thumbs up (\"User feedback\" = 1) on the selected turn; again removes it"
            }
            Action::ThumbDown => {
                "Thumbs down (\"User feedback\" = 0) on the selected turn; again removes it"
            }
            Action::OpenTrace => "Open the selected turn's trace",
            Action::CloseThread => "Close (mark inactive) the thread",
            Action::Comment => "Comment on the thread (annotate: on the item)",
            Action::Tag => "Add or remove thread tags (+tag -tag)",
            Action::Score => "Score the thread with a feedback definition",
            Action::NextMatch => "Next search match",
            Action::PrevMatch => "Previous search match",
            Action::CycleGrouping => "Group conversations by thread_id or a metadata key",
            Action::Conversation => "Open the conversation this trace belongs to",
            Action::Export => {
                "Export to a file: the conversation as markdown, the trace as JSON (trace, spans, scores)"
            }
            Action::CopyUrl => {
                "Copy the Opik web URL of the selected trace, thread or conversation (OSC 52)"
            }
            Action::RangeNext => "Dashboard: next longer range (1h → 24h → 7d → 30d)",
            Action::RangePrev => "Dashboard: next shorter range",
            Action::Pause => "Dashboard: pause / resume live refresh",
            Action::Yes => "Boolean field: yes (its true label)",
            Action::No => "Boolean field: no (its false label); on other fields: next item",
            Action::NextField => "Next scoring field",
            Action::PrevField => "Previous scoring field",
            Action::Increase => "Numerical field: step up (categorical: next option)",
            Action::Decrease => "Numerical field: step down (categorical: previous option)",
            Action::ClearField => "Clear the field (a score you saved is deleted on submit)",
            Action::Reason => "Add a reason to the focused score",
            Action::ToggleInstructions => {
                "The queue's instructions: a cut box opens whole, then hides, then comes back"
            }
            Action::ToggleSpans => "Unfold / fold the trace's span summary",
            Action::ToggleTraceback => "Show / hide the failed trace's traceback",
            Action::TakeOver => "Annotate an item someone else is reviewing (locks are advisory)",
            Action::RemoveFromQueue => "Remove the item from the queue",
            Action::Undo => "Undo my last submit (scores and comment go back) and reopen it",
            Action::Agreement => {
                "The queue's agreement between annotators: α, κ, every pair, the most disputed items"
            }
            Action::ToggleScope => "Compare the scores over traces or over threads",
            Action::Compare => {
                "Dashboard: compare two scores over the range (a judge against the SMEs: r, ρ, κ)"
            }
            Action::None => "(unbound)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_all_is_complete() {
        for a in Action::ALL {
            let n = a.name();
            assert!(!n.is_empty());
            assert_eq!(Action::from_name(&n), Some(*a), "{n}");
            assert!(!a.description().is_empty());
        }
        assert_eq!(Action::PageDown.name(), "page_down");
        assert_eq!(Action::from_name("live_tail"), Some(Action::LiveTail));
        assert_eq!(Action::from_name("nope"), None);
    }
}
