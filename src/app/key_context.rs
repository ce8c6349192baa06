//! [`KeyContext`]: which screen's bindings apply. Each screen names its context
//! ([`crate::app::Screen::context`]); the settings file's `[keys]` table binds a key in one
//! context with `"traces.L" = "live_tail"` (the snake_case names below).

use std::fmt;
use std::str::FromStr;

/// A keymap context: bindings in a screen's context win over the global ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyContext {
    /// No screen-specific bindings (`global.x` in the settings is the same as `x`).
    Global,
    Connect,
    Projects,
    Traces,
    /// One trace: span tree and detail (`trace`).
    TraceView,
    Threads,
    Conversation,
    Queues,
    /// The create-queue form.
    QueueForm,
    /// Picking a queue (add to queue, `:annotate` without a queue).
    QueuePick,
    /// The SME scoring panel of an item.
    Annotate,
    /// The annotation screen before the first item (instructions, progress).
    AnnotateIntro,
    Dashboard,
    /// A queue's agreement between annotators, and one item of it.
    Agreement,
    /// `:compare A B`: two scores over the same items.
    Compare,
}

impl KeyContext {
    pub const ALL: [KeyContext; 15] = [
        KeyContext::Global,
        KeyContext::Connect,
        KeyContext::Projects,
        KeyContext::Traces,
        KeyContext::TraceView,
        KeyContext::Threads,
        KeyContext::Conversation,
        KeyContext::Queues,
        KeyContext::QueueForm,
        KeyContext::QueuePick,
        KeyContext::Annotate,
        KeyContext::AnnotateIntro,
        KeyContext::Dashboard,
        KeyContext::Agreement,
        KeyContext::Compare,
    ];

    /// The name used in the settings file (`traces` in `"traces.L"`).
    pub fn name(self) -> &'static str {
        match self {
            KeyContext::Global => "global",
            KeyContext::Connect => "connect",
            KeyContext::Projects => "projects",
            KeyContext::Traces => "traces",
            KeyContext::TraceView => "trace",
            KeyContext::Threads => "threads",
            KeyContext::Conversation => "conversation",
            KeyContext::Queues => "queues",
            KeyContext::QueueForm => "queue_form",
            KeyContext::QueuePick => "queue_pick",
            KeyContext::Annotate => "annotate",
            KeyContext::AnnotateIntro => "annotate_intro",
            KeyContext::Dashboard => "dashboard",
            KeyContext::Agreement => "agreement",
            KeyContext::Compare => "compare",
        }
    }
}

impl fmt::Display for KeyContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyContext {
    type Err = String;

    /// A context by its settings name; an unknown one names the valid ones.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase().replace('-', "_");
        KeyContext::ALL
            .into_iter()
            .find(|c| c.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = KeyContext::ALL.iter().map(|c| c.name()).collect();
                format!("unknown key context `{s}`: use one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_valid_ones() {
        for c in KeyContext::ALL {
            assert_eq!(c.name().parse::<KeyContext>(), Ok(c));
        }
        assert_eq!("trace".parse(), Ok(KeyContext::TraceView));
        assert_eq!("Queue-Form".parse(), Ok(KeyContext::QueueForm));
        let e = "tracez".parse::<KeyContext>().unwrap_err();
        assert!(e.contains("`tracez`"), "{e}");
        assert!(
            e.contains("traces") && e.contains("queue_pick") && e.contains("dashboard"),
            "{e}"
        );
    }
}
