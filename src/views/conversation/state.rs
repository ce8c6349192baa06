//! The conversation's state: its turns (from the thread's traces), the selection, scrolling,
//! folds and thumbs pressed but not yet confirmed.

use std::collections::{BTreeMap, HashSet};

use ratatui::text::Line;
use uuid::Uuid;

use super::{Thumb, ThumbOp, Turn};
use crate::opik::model::{Thread, Timestamp, Trace};
use crate::render::format;

/// In-conversation search state.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Text being typed (while the search box has focus) or the confirmed query.
    pub query: String,
    /// The search box has focus.
    pub editing: bool,
    /// Matching (line, byte start, byte end) in the layout's plain text.
    pub matches: Vec<(usize, usize, usize)>,
    /// Index into `matches` of the current one.
    pub current: usize,
}

/// The laid-out conversation.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub width: u16,
    pub theme: String,
    pub lines: Vec<Line<'static>>,
    /// Plain text of each line (search).
    pub plain: Vec<String>,
    /// First and one-past-last line of each turn.
    pub turns: Vec<(usize, usize)>,
}

/// Formats a timestamp for turn headers (local time by default, UTC in tests).
pub type TimeFmt = fn(Timestamp) -> String;

fn local_time(t: Timestamp) -> String {
    format::absolute(t)
}

/// The conversation screen's state.
pub struct Conversation {
    pub project: String,
    /// How this conversation is identified (Opik thread or a metadata key).
    pub grouping: crate::opik::conversations::Grouping,
    pub thread_id: String,
    pub thread: Option<Thread>,
    pub turns: Vec<Turn>,
    pub selected: usize,
    /// First visible line.
    pub scroll: usize,
    pub search: Search,
    /// Turns whose raw-JSON bodies are expanded (collapsed to one level by default).
    pub expanded: HashSet<usize>,
    pub time_fmt: TimeFmt,
    pub loading: bool,
    /// Select this trace's turn when the turns arrive (opened with `C` from a trace).
    pub focus_trace: Option<Uuid>,
    pub(super) layout: Option<Layout>,
    pub(super) selected_style_gutter: bool,
    /// Large bodies not yet in the markdown cache (text, width) seen by the last layout.
    pub(super) pending: Vec<(String, u16)>,
    pub(super) viewport: usize,
    pub(super) scroll_to_selected_pending: bool,
    /// Width of the last layout (to lay out again outside drawing).
    pub(super) last_width: Option<u16>,
}

impl Conversation {
    pub fn new(project: impl Into<String>, thread_id: impl Into<String>) -> Self {
        Conversation {
            project: project.into(),
            grouping: crate::opik::conversations::Grouping::ThreadId,
            thread_id: thread_id.into(),
            thread: None,
            turns: Vec::new(),
            selected: 0,
            scroll: 0,
            search: Search::default(),
            expanded: HashSet::new(),
            time_fmt: local_time,
            loading: true,
            focus_trace: None,
            layout: None,
            selected_style_gutter: true,
            pending: Vec::new(),
            viewport: 20,
            scroll_to_selected_pending: false,
            last_width: None,
        }
    }

    /// Replace the turns with `traces` (any order): sorted oldest first. Local thumb changes
    /// still in flight are kept over the server's values; the selection stays on the same
    /// trace when it still exists, else starts on the first turn.
    pub fn set_traces(&mut self, traces: &[Trace]) {
        let keep_sel = self.turns.get(self.selected).and_then(|t| t.trace_id);
        let old: BTreeMap<Uuid, Thumb> = self
            .turns
            .iter()
            .filter_map(|t| Some((t.trace_id?, t.thumb.clone())))
            .collect();
        let mut sorted: Vec<&Trace> = traces.iter().collect();
        sorted.sort_by_key(|t| (t.start_time, t.id));
        self.turns = sorted.into_iter().map(Turn::from_trace).collect();
        for t in &mut self.turns {
            if let Some(prev) = t.trace_id.and_then(|id| old.get(&id))
                && prev.local.is_some()
            {
                t.thumb.local = prev.local;
                t.thumb.queued = prev.queued;
            }
        }
        let first_load = self.loading;
        self.loading = false;
        self.selected = keep_sel
            .and_then(|id| self.turns.iter().position(|t| t.trace_id == Some(id)))
            .unwrap_or(0);
        if first_load {
            self.selected = 0;
            self.scroll = 0;
            if let Some(i) = self
                .focus_trace
                .take()
                .and_then(|id| self.turns.iter().position(|t| t.trace_id == Some(id)))
            {
                self.select(i);
            }
        }
        self.invalidate();
    }

    pub fn set_thread(&mut self, thread: Thread) {
        self.thread = Some(thread);
        self.invalidate();
    }

    /// Forget the layout (content, folds or search changed).
    pub fn invalidate(&mut self) {
        self.layout = None;
    }

    pub fn selected_trace(&self) -> Option<Uuid> {
        self.turns.get(self.selected).and_then(|t| t.trace_id)
    }

    /// Whether the thread is active (open) per the server.
    pub fn is_active(&self) -> bool {
        self.thread.as_ref().and_then(|t| t.status.as_deref()) == Some("active")
    }

    // ---- navigation -------------------------------------------------------------------

    pub fn select(&mut self, idx: usize) {
        if self.turns.is_empty() {
            return;
        }
        self.selected = idx.min(self.turns.len() - 1);
        self.invalidate();
        self.scroll_to_selected();
    }

    pub fn next_turn(&mut self) {
        self.select(self.selected + 1);
    }

    pub fn prev_turn(&mut self) {
        self.select(self.selected.saturating_sub(1));
    }

    pub fn scroll_by(&mut self, delta: isize) {
        let max = self.max_scroll();
        self.scroll = (self.scroll as isize + delta).clamp(0, max as isize) as usize;
        self.select_turn_at_scroll();
    }

    pub fn page(&mut self, down: bool) {
        let step = self.viewport.saturating_sub(2).max(1) as isize;
        self.scroll_by(if down { step } else { -step });
    }

    pub(super) fn max_scroll(&self) -> usize {
        self.layout
            .as_ref()
            .map(|l| l.lines.len().saturating_sub(self.viewport))
            .unwrap_or(0)
    }

    /// After scrolling by lines, select the turn at the top of the view.
    fn select_turn_at_scroll(&mut self) {
        if let Some(l) = &self.layout
            && let Some(i) = l
                .turns
                .iter()
                .position(|&(s, e)| s <= self.scroll && self.scroll < e)
            && i != self.selected
        {
            self.selected = i;
            self.layout = None;
        }
    }

    pub(super) fn scroll_to_selected(&mut self) {
        self.scroll_to_selected_pending = true;
    }

    /// Toggle the raw-JSON fold of the selected turn.
    pub fn toggle_fold(&mut self) {
        if !self.expanded.remove(&self.selected) {
            self.expanded.insert(self.selected);
        }
        self.invalidate();
    }

    /// `+` (1) or `-` (0) on the selected turn: the same thumb again removes it. Applied
    /// locally at once; returns what to send.
    pub fn press_thumb(&mut self, value: u8) -> Option<ThumbOp> {
        let turn = self.turns.get_mut(self.selected)?;
        let trace_id = turn.trace_id?;
        let op = if turn.thumb.shown() == Some(value) {
            turn.thumb.local = Some(None);
            ThumbOp::Delete { trace_id }
        } else {
            turn.thumb.local = Some(Some(value));
            ThumbOp::Set { trace_id, value }
        };
        turn.thumb.queued = false;
        self.invalidate();
        Some(op)
    }

    /// The server answered `op`: on success the local value becomes the server's (unless a
    /// newer press changed it since); on failure the change stays shown, marked as queued
    /// (the outbox retries it).
    pub fn thumb_settled(&mut self, op: ThumbOp, ok: bool) {
        let Some(turn) = self
            .turns
            .iter_mut()
            .find(|t| t.trace_id == Some(op.trace_id()))
        else {
            return;
        };
        let sent = match op {
            ThumbOp::Set { value, .. } => Some(value),
            ThumbOp::Delete { .. } => None,
        };
        if ok {
            turn.thumb.server = sent;
            if turn.thumb.local == Some(sent) {
                turn.thumb.local = None;
                turn.thumb.queued = false;
            }
        } else if turn.thumb.local == Some(sent) {
            turn.thumb.queued = true;
        }
        self.invalidate();
    }

    /// The server rejected `op` for good: drop the local change (the server's value shows).
    pub fn thumb_rejected(&mut self, op: ThumbOp) {
        let Some(turn) = self
            .turns
            .iter_mut()
            .find(|t| t.trace_id == Some(op.trace_id()))
        else {
            return;
        };
        let sent = match op {
            ThumbOp::Set { value, .. } => Some(value),
            ThumbOp::Delete { .. } => None,
        };
        if turn.thumb.local == Some(sent) {
            turn.thumb.local = None;
            turn.thumb.queued = false;
        }
        self.invalidate();
    }
}
