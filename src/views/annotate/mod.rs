//! SME mode (`opik-tui annotate [QUEUE]`, `:annotate`): work through an annotation queue.
//!
//! Flow: resolve the QUEUE argument (name / id / share link; a picker when absent or
//! ambiguous) → intro (instructions, progress, the feedback definitions) → `Enter` resumes
//! at my first item to review → item screen: instructions (`i`), the item (trace input and
//! output plus a collapsible span summary `S`, or a thread's conversation), the scoring panel
//! ([`crate::annotate::form`]) and a comment editor (`c` … `Esc`). `u` takes back my last
//! submit of the session and `s` skips an item ([`undo`]).
//!
//! Writes go through the durable outbox ([`crate::outbox`]): submitting never waits for the
//! network (the UI is optimistic), and with the server unreachable annotation goes on while
//! the status line says "offline" and counts what is waiting. Locks are claimed before the
//! scoring panel is shown, renewed every half timeout, and when someone else holds the item
//! the screen says who and offers the next item (`a` annotates anyway: locks are advisory).
//!
//! Keys go through the app's keymap (context `annotate` on the item screen, `annotate_intro`
//! on the intro and the end, `queue_pick` in the picker), so the settings' `[keys]` table
//! applies here and the hint bar and `?` are generated from it. The defaults are issue 12's:
//! `Tab`/`↓`/`↑` fields, `y`/`n` booleans, `←`/`→` step, `x` clear, `r` reason, `c` comment,
//! `Enter`/`Ctrl-s` submit + next, `n`/`p` (or `]`/`[`) next/previous (when a boolean field
//! is focused `n` means "no"; use `]`), `s` skip, `u` undo the last submit, `j`/`k` scroll the
//! item, `D` remove the item, `Esc`/`q` leave (asking when edits are unsaved). Keys the keymap leaves unbound type values:
//! `1`–`9` pick an option, digits `.` `-` and Backspace edit a number. The comment and reason
//! editors, and the "leave?" prompt, take raw keys while open.

mod draw;
mod input;
mod screen;
#[cfg(test)]
mod sme_text_tests;
mod state;
#[cfg(test)]
mod tests;
mod undo;

use std::collections::HashMap;
use std::sync::Arc;

use ratatui_textarea::TextArea;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::annotate::load::{ItemContext, Resolved};
use crate::annotate::session::{ItemData, Session, Stage};
use crate::opik::client::OpikClient;
use crate::opik::error::ApiError;
use crate::opik::model::{AnnotationQueue, LockResponse};
use crate::outbox::{Outbox, OutboxEvent};
use crate::widgets::picker::Picker;

enum Phase {
    Loading(String),
    Error(String),
    /// Choose the queue (the picker's title says why).
    Pick(Picker<AnnotationQueue>),
    Session(Box<Session>),
}

enum Editor {
    None,
    Comment(Box<TextArea<'static>>),
    Reason(Box<TextArea<'static>>),
}

/// How the item screen shows the queue's instructions (`i` steps through them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Instructions {
    /// Hidden (`i`).
    hidden: bool,
    /// Shown whole rather than in a box of a quarter of the screen.
    full: bool,
    /// The last draw cut the box (it says how many lines are left out).
    cut: bool,
}

impl Instructions {
    /// `i`: a cut box opens whole, a whole (or uncut) box hides, a hidden one comes back.
    fn toggle(&mut self) {
        if self.hidden {
            *self = Instructions::default();
        } else if self.cut && !self.full {
            self.full = true;
        } else {
            self.hidden = true;
        }
    }
}

/// The SME annotate screen.
pub struct AnnotateScreen {
    client: OpikClient,
    arg: Option<String>,
    outbox: Result<Outbox, String>,
    events_tx: mpsc::UnboundedSender<OutboxEvent>,
    events_rx: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<OutboxEvent>>>,
    drainer: Option<tokio::task::JoinHandle<()>>,
    phase: Phase,
    online: bool,
    pending: usize,
    failed: usize,
    instructions: Instructions,
    editor: Editor,
    confirm_leave: bool,
    contexts: HashMap<Uuid, ItemContext>,
    spans_open: bool,
    /// A failed trace's traceback is shown (`e`).
    traceback_open: bool,
    scroll: u16,
    note: Option<String>,
}

impl Drop for AnnotateScreen {
    fn drop(&mut self) {
        if let Some(d) = self.drainer.take() {
            d.abort();
        }
    }
}

/// What the annotation screen's tasks return.
pub enum AnnotateMsg {
    /// Which queue the argument names (or the queues to choose from).
    Resolved(Result<Resolved, String>),
    /// The queue's session: items, definitions, the annotator's name.
    Session(Result<Box<Session>, String>),
    /// The outbox's next event (`None`: the outbox is gone).
    Outbox(Option<Box<OutboxEvent>>),
    /// Claiming or renewing the lock of an item.
    Lock(Uuid, Result<LockResponse, ApiError>),
    /// Removing an item from the queue.
    Removed(Uuid, Result<(), ApiError>),
    /// Releasing my lock on a skipped item (`false`: the server only lets locks expire).
    Released(Uuid, Result<bool, ApiError>),
    /// An item read in full.
    Item(Result<ItemData, ApiError>),
    /// An item's context (spans / thread turns).
    Context(Uuid, Result<ItemContext, ApiError>),
}

impl AnnotateScreen {
    /// A screen for `queue` (name, id or share link; `None` opens the picker), writing
    /// through the outbox in the state dir.
    pub fn new(client: OpikClient, queue: Option<String>) -> Self {
        let outbox = Outbox::for_client(None, &client).map_err(|e| e.to_string());
        Self::with_outbox(client, queue, outbox)
    }

    /// As [`AnnotateScreen::new`] with a given outbox (tests).
    pub fn with_outbox(
        client: OpikClient,
        queue: Option<String>,
        outbox: Result<Outbox, String>,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let pending = outbox.as_ref().map(|o| o.pending_count()).unwrap_or(0);
        AnnotateScreen {
            client,
            arg: queue,
            outbox,
            events_tx: tx,
            events_rx: Arc::new(tokio::sync::Mutex::new(rx)),
            drainer: None,
            phase: Phase::Loading("Loading the queue…".into()),
            online: true,
            pending,
            failed: 0,
            instructions: Instructions::default(),
            editor: Editor::None,
            confirm_leave: false,
            contexts: HashMap::new(),
            spans_open: false,
            traceback_open: false,
            scroll: 0,
            note: None,
        }
    }

    /// A screen showing a ready session (snapshot tests).
    pub fn with_session(
        client: OpikClient,
        session: Session,
        outbox: Result<Outbox, String>,
    ) -> Self {
        let mut s = Self::with_outbox(client, None, outbox);
        s.phase = Phase::Session(Box::new(session));
        s
    }

    pub fn session(&self) -> Option<&Session> {
        match &self.phase {
            Phase::Session(s) => Some(s),
            _ => None,
        }
    }

    pub fn session_mut(&mut self) -> Option<&mut Session> {
        match &mut self.phase {
            Phase::Session(s) => Some(s),
            _ => None,
        }
    }

    /// Record an item's context (spans / thread turns) (tests and task results).
    pub fn set_context(&mut self, id: Uuid, c: ItemContext) {
        self.contexts.insert(id, c);
    }

    fn stage(&self) -> Option<Stage> {
        self.session().map(|s| s.stage)
    }
}
