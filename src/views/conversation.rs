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
//! bodies come from the markdown cache; bodies at least [`markdown::LARGE_BYTES`] long that
//! are not cached yet show a placeholder and are listed in [`Conversation::pending_renders`]
//! so the screen renders them in a background task and input never stalls.
//!
//! Thumbs: `+`/`-` set the turn trace's **"User feedback"** score to 1/0 exactly as the web UI
//! does (`PUT /traces/{id}/feedback-scores {name, value, source: "ui"}`), and pressing the
//! same thumb again deletes it. [`Conversation::press_thumb`] applies the change at once
//! (optimistic) and returns the [`ThumbOp`] to send; [`Conversation::thumb_settled`]
//! reconciles it with the server's answer.

use std::collections::{BTreeMap, HashSet};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout as RLayout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};
use serde_json::Value;
use uuid::Uuid;

use crate::opik::messages::{self, Body, Kind};
use crate::opik::model::{FeedbackScore, Thread, Timestamp, Trace};
use crate::render::lines::wrap_lines;
use crate::render::sanitize::{display_width, one_line, sanitize, truncate_to_width};
use crate::render::{format, json, markdown};
use crate::theme::Theme;

/// The score name Opik's web UI uses for thumbs.
pub const USER_FEEDBACK: &str = "User feedback";

/// Columns before a message body (gutter + indentation).
const BODY_INDENT: usize = 4;

/// A thumb as shown: the server's value, a local change not yet confirmed, and whether the
/// change is waiting in the outbox after a failure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thumb {
    /// "User feedback" value on the server (1 up, 0 down), as last read.
    pub server: Option<u8>,
    /// A local change in flight: `Some(None)` is a removal.
    pub local: Option<Option<u8>>,
    /// The change failed and waits in the outbox to be retried.
    pub queued: bool,
}

impl Thumb {
    /// What the user sees.
    pub fn shown(&self) -> Option<u8> {
        self.local.unwrap_or(self.server)
    }

    fn from_scores(scores: Option<&Vec<FeedbackScore>>) -> Thumb {
        let server = scores
            .and_then(|s| s.iter().find(|f| f.name == USER_FEEDBACK))
            .and_then(|f| f.value)
            .map(|v| if v >= 0.5 { 1 } else { 0 });
        Thumb {
            server,
            local: None,
            queued: false,
        }
    }
}

/// What a thumb press asks the server to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThumbOp {
    /// `PUT /traces/{id}/feedback-scores {name: "User feedback", value, source: "ui"}`.
    Set { trace_id: Uuid, value: u8 },
    /// `POST /traces/{id}/feedback-scores/delete {name: "User feedback"}`.
    Delete { trace_id: Uuid },
}

impl ThumbOp {
    pub fn trace_id(&self) -> Uuid {
        match self {
            ThumbOp::Set { trace_id, .. } | ThumbOp::Delete { trace_id } => *trace_id,
        }
    }
}

/// One turn: a trace of the thread.
#[derive(Debug, Clone)]
pub struct Turn {
    pub trace_id: Option<Uuid>,
    pub name: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub duration_ms: Option<f64>,
    pub cost: Option<f64>,
    pub error: Option<String>,
    pub user: Body,
    pub assistant: Body,
    pub thumb: Thumb,
}

impl Turn {
    pub fn from_trace(t: &Trace) -> Turn {
        let meta = t.metadata.as_ref();
        let user = messages::body_from(
            t.input.as_ref().unwrap_or(&Value::Null),
            messages::prettify_trace_field(t.input.as_ref(), t.output.as_ref(), meta, Kind::Input),
        );
        let assistant = messages::body_from(
            t.output.as_ref().unwrap_or(&Value::Null),
            messages::prettify_trace_field(t.input.as_ref(), t.output.as_ref(), meta, Kind::Output),
        );
        let fix_empty = |b: Body, v: Option<&Value>| match v {
            None | Some(Value::Null) => Body::Empty,
            _ => b,
        };
        Turn {
            trace_id: t.id,
            name: one_line(&crate::opik::dify::display_name(
                t.name.as_deref(),
                None,
                t.metadata.as_ref(),
            )),
            start: t.start_time,
            end: t.end_time,
            duration_ms: t.duration.or_else(|| match (t.start_time, t.end_time) {
                (Some(s), Some(e)) => Some((e - s).num_milliseconds() as f64),
                _ => None,
            }),
            cost: t.total_estimated_cost,
            error: t.error_info.as_ref().map(|e| {
                one_line(
                    e.message
                        .as_deref()
                        .or(e.exception_type.as_deref())
                        .unwrap_or("error"),
                )
            }),
            user: fix_empty(user, t.input.as_ref()),
            assistant: fix_empty(assistant, t.output.as_ref()),
            thumb: Thumb::from_scores(t.feedback_scores.as_ref()),
        }
    }
}

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
    layout: Option<Layout>,
    selected_style_gutter: bool,
    /// Large bodies not yet in the markdown cache (text, width) seen by the last layout.
    pending: Vec<(String, u16)>,
    viewport: usize,
    scroll_to_selected_pending: bool,
    /// Width of the last layout (to lay out again outside drawing).
    last_width: Option<u16>,
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

    fn max_scroll(&self) -> usize {
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

    fn scroll_to_selected(&mut self) {
        self.scroll_to_selected_pending = true;
    }

    /// Toggle the raw-JSON fold of the selected turn.
    pub fn toggle_fold(&mut self) {
        if !self.expanded.remove(&self.selected) {
            self.expanded.insert(self.selected);
        }
        self.invalidate();
    }

    // ---- thumbs -----------------------------------------------------------------------

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

    // ---- search -----------------------------------------------------------------------

    /// Set the query and find matches (case-insensitive) in the laid-out text.
    pub fn set_query(&mut self, q: &str) {
        self.search.query = q.to_owned();
        self.search.current = 0;
        self.invalidate();
    }

    /// Confirm a search: find the matches now and reveal the first one at or after the
    /// selected turn.
    pub fn confirm_search(&mut self, q: &str, theme: &Theme) {
        self.set_query(q);
        let Some(w) = self.last_width else { return };
        self.layout(w, theme);
        let from = self
            .layout
            .as_ref()
            .and_then(|l| l.turns.get(self.selected))
            .map(|t| t.0)
            .unwrap_or(0);
        self.search.current = self
            .search
            .matches
            .iter()
            .position(|m| m.0 >= from)
            .unwrap_or(0);
        self.reveal_current_match();
    }

    /// Jump to the next (`forward`) or previous match, selecting its turn.
    pub fn jump_match(&mut self, forward: bool) {
        let n = self.search.matches.len();
        if n == 0 {
            return;
        }
        self.search.current = if forward {
            (self.search.current + 1) % n
        } else {
            (self.search.current + n - 1) % n
        };
        self.reveal_current_match();
    }

    fn reveal_current_match(&mut self) {
        let Some(&(line, _, _)) = self.search.matches.get(self.search.current) else {
            return;
        };
        if let Some(l) = &self.layout
            && let Some(i) = l.turns.iter().position(|&(s, e)| s <= line && line < e)
            && i != self.selected
        {
            self.selected = i;
            self.layout = None;
        }
        if line < self.scroll || line >= self.scroll + self.viewport {
            self.scroll = line.saturating_sub(self.viewport / 3);
        }
    }

    // ---- layout -----------------------------------------------------------------------

    /// Large bodies the last layout showed as placeholders: render these off the UI thread
    /// with [`markdown::render`] (which fills the cache), then [`Conversation::invalidate`].
    pub fn pending_renders(&mut self) -> Vec<(String, u16)> {
        std::mem::take(&mut self.pending)
    }

    /// The laid-out lines for `width` and `theme` (cached).
    pub fn layout(&mut self, width: u16, theme: &Theme) -> &Layout {
        let stale = match &self.layout {
            Some(l) => l.width != width || l.theme != theme.name,
            None => true,
        };
        self.last_width = Some(width);
        if stale {
            let l = self.build_layout(width, theme);
            self.layout = Some(l);
            self.apply_search();
        }
        self.layout.get_or_insert_with(Layout::default)
    }

    fn apply_search(&mut self) {
        let Some(layout) = &mut self.layout else {
            return;
        };
        self.search.matches.clear();
        let q = self.search.query.to_lowercase();
        if q.is_empty() {
            return;
        }
        for (i, p) in layout.plain.iter().enumerate() {
            let lower = p.to_lowercase();
            if lower.len() != p.len() {
                // Case folding changed byte lengths: match exactly instead.
                for (s, _) in p.match_indices(self.search.query.as_str()) {
                    self.search
                        .matches
                        .push((i, s, s + self.search.query.len()));
                }
                continue;
            }
            for (s, _) in lower.match_indices(&q) {
                self.search.matches.push((i, s, s + q.len()));
            }
        }
        if self.search.current >= self.search.matches.len() {
            self.search.current = 0;
        }
    }

    fn build_layout(&mut self, width: u16, theme: &Theme) -> Layout {
        let w = width as usize;
        let body_w = w.saturating_sub(BODY_INDENT + 1).max(10) as u16;
        let mut lines: Vec<Line<'static>> = Vec::new();
        let mut turns = Vec::new();
        let mut pending = Vec::new();
        let n = self.turns.len();
        for (i, turn) in self.turns.iter().enumerate() {
            let selected = i == self.selected;
            let start = lines.len();
            let gutter = if selected && self.selected_style_gutter {
                Span::styled("▌", theme.accent)
            } else {
                Span::raw(" ")
            };
            // Header: "Turn 2/5 · name · 12:03:41 · 1.2s · $0.0012   ▲ up"
            let mut head = vec![
                gutter.clone(),
                Span::styled(
                    format!("Turn {}/{}", i + 1, n),
                    if selected {
                        theme.selection
                    } else {
                        theme.title
                    },
                ),
            ];
            let mut facts = Vec::new();
            if !turn.name.is_empty() {
                facts.push(turn.name.clone());
            }
            if let Some(d) = turn.duration_ms {
                facts.push(format::duration_ms(d));
            }
            if let Some(c) = turn.cost {
                facts.push(format::cost(c));
            }
            if !facts.is_empty() {
                head.push(Span::styled(format!("  {}", facts.join(" · ")), theme.dim));
            }
            let thumb = thumb_spans(&turn.thumb, theme);
            if !thumb.is_empty() {
                head.push(Span::raw("  "));
                head.extend(thumb);
            }
            if let Some(e) = &turn.error {
                head.push(Span::styled(format!("  ✗ {e}"), theme.error));
            }
            lines.push(fit_line(head, w));
            for (role, body, at) in [
                ("user", &turn.user, turn.start),
                ("assistant", &turn.assistant, turn.end),
            ] {
                let mut label = vec![
                    gutter.clone(),
                    Span::raw("  "),
                    Span::styled(
                        role.to_uppercase(),
                        if role == "user" {
                            theme.accent
                        } else {
                            theme.success
                        }
                        .add_modifier(Modifier::BOLD),
                    ),
                ];
                if let Some(t) = at {
                    label.push(Span::styled(format!("  {}", (self.time_fmt)(t)), theme.dim));
                }
                lines.push(fit_line(label, w));
                let rendered = body_lines(
                    body,
                    body_w,
                    theme,
                    self.expanded.contains(&i),
                    &mut pending,
                );
                for l in rendered {
                    let mut spans = vec![gutter.clone(), Span::raw(" ".repeat(BODY_INDENT - 1))];
                    spans.extend(l.spans);
                    lines.push(Line::from(spans));
                }
            }
            lines.push(Line::from(vec![gutter.clone()]));
            turns.push((start, lines.len()));
        }
        self.pending = pending;
        let plain = lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect();
        Layout {
            width,
            theme: theme.name.clone(),
            lines,
            plain,
            turns,
        }
    }

    // ---- drawing ----------------------------------------------------------------------

    /// Header lines above the turns: thread id, status, turns, scores, tags.
    pub fn header(&self, theme: &Theme, width: usize) -> Vec<Line<'static>> {
        let label = match &self.grouping {
            crate::opik::conversations::Grouping::ThreadId => "Thread ".to_string(),
            g => format!("Conversation ({}) ", g.label()),
        };
        let mut first = vec![
            Span::styled(label, theme.dim),
            Span::styled(
                one_line(&self.thread_id),
                theme.accent.add_modifier(Modifier::BOLD),
            ),
        ];
        let mut second: Vec<Span<'static>> = Vec::new();
        if let Some(t) = &self.thread {
            let status = t.status.as_deref().unwrap_or("unknown");
            let st = if status == "active" {
                theme.success
            } else {
                theme.dim
            };
            first.push(Span::styled(format!("  ● {status}"), st));
            first.push(Span::styled(
                format!("  {} turns", self.turns.len()),
                theme.dim,
            ));
            if let Some(c) = t.total_estimated_cost {
                first.push(Span::styled(format!("  {}", format::cost(c)), theme.dim));
            }
            let scores: Vec<String> = t
                .feedback_scores
                .iter()
                .flatten()
                .map(|s| {
                    let v = s
                        .value
                        .map(|v| format!("{v:.2}"))
                        .unwrap_or_else(|| "–".into());
                    match &s.category_name {
                        Some(c) if !c.is_empty() => {
                            format!("{}={} ({})", one_line(&s.name), one_line(c), v)
                        }
                        _ => format!("{}={}", one_line(&s.name), v),
                    }
                })
                .collect();
            if !scores.is_empty() {
                second.push(Span::styled("scores ", theme.dim));
                second.push(Span::styled(scores.join("  "), theme.text));
            }
            let tags: Vec<String> = t.tags.iter().flatten().map(|s| one_line(s)).collect();
            if !tags.is_empty() {
                second.push(Span::styled("  tags ", theme.dim));
                second.push(Span::styled(tags.join(", "), theme.info));
            }
            let comments = t.comments.as_ref().map(Vec::len).unwrap_or(0);
            if comments > 0 {
                second.push(Span::styled(format!("  {comments} comments"), theme.dim));
            }
        } else {
            first.push(Span::styled(
                format!("  {} turns", self.turns.len()),
                theme.dim,
            ));
        }
        let mut out = vec![fit_line(first, width)];
        if !second.is_empty() {
            out.push(fit_line(second, width));
        }
        out
    }

    /// Draw the conversation into `area`.
    pub fn draw(&mut self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let header = self.header(theme, area.width as usize);
        let search_h = u16::from(self.search.editing || !self.search.query.is_empty());
        let [head_area, body_area, search_area] = RLayout::vertical([
            Constraint::Length(header.len() as u16 + 1),
            Constraint::Min(1),
            Constraint::Length(search_h),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(Text::from(header)), head_area);
        let text_w = body_area.width.saturating_sub(1);
        self.viewport = body_area.height as usize;
        self.layout(text_w, theme);
        if self.scroll_to_selected_pending {
            self.scroll_to_selected_pending = false;
            if let Some(l) = &self.layout
                && let Some(&(s, e)) = l.turns.get(self.selected)
            {
                let vp = self.viewport;
                if s < self.scroll || e.min(s + vp) > self.scroll + vp {
                    self.scroll = s;
                }
            }
        }
        let max = self.max_scroll();
        self.scroll = self.scroll.min(max);
        let Some(layout) = &self.layout else { return };
        if self.loading {
            frame.render_widget(
                Paragraph::new(Span::styled(" loading conversation…", theme.dim)),
                body_area,
            );
            return;
        }
        if layout.lines.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled(" This thread has no traces.", theme.dim)),
                body_area,
            );
        }
        let end = (self.scroll + self.viewport).min(layout.lines.len());
        let mut visible: Vec<Line<'static>> = layout.lines[self.scroll..end].to_vec();
        if !self.search.matches.is_empty() {
            for (k, &(li, s, e)) in self.search.matches.iter().enumerate() {
                if li < self.scroll || li >= end {
                    continue;
                }
                let st = if k == self.search.current {
                    theme
                        .search_match
                        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                } else {
                    theme.search_match
                };
                let line = &mut visible[li - self.scroll];
                *line = highlight_range(std::mem::take(line), s, e, st);
            }
        }
        let text_area = Rect {
            width: text_w,
            ..body_area
        };
        frame.render_widget(Paragraph::new(Text::from(visible)), text_area);
        if layout.lines.len() > self.viewport {
            let mut sb = ScrollbarState::new(max + 1).position(self.scroll);
            frame.render_stateful_widget(
                Scrollbar::new(ScrollbarOrientation::VerticalRight)
                    .begin_symbol(None)
                    .end_symbol(None),
                body_area,
                &mut sb,
            );
        }
        if search_h > 0 {
            let mut spans = vec![
                Span::styled("/", theme.accent),
                Span::styled(sanitize(&self.search.query).into_owned(), theme.text),
            ];
            if self.search.editing {
                spans.push(Span::styled("█", theme.accent));
            } else if self.search.matches.is_empty() {
                spans.push(Span::styled("  no matches", theme.warning));
            } else {
                spans.push(Span::styled(
                    format!(
                        "  match {}/{} · n/N",
                        self.search.current + 1,
                        self.search.matches.len()
                    ),
                    theme.dim,
                ));
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), search_area);
        }
    }
}

impl Conversation {
    /// The conversation as a markdown document (`e`): one section per turn with the user's
    /// and the assistant's messages as extracted; raw values as fenced JSON.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# Conversation {}\n\n", self.thread_id);
        out.push_str(&format!(
            "Project: {}  \nGrouped by: {}  \nTurns: {}\n",
            self.project,
            self.grouping.label(),
            self.turns.len()
        ));
        for (i, t) in self.turns.iter().enumerate() {
            out.push_str(&format!("\n## Turn {}", i + 1));
            if let Some(s) = t.start {
                out.push_str(&format!(" — {}", s.to_rfc3339()));
            }
            match t.thumb.shown() {
                Some(1) => out.push_str(" (👍)"),
                Some(_) => out.push_str(" (👎)"),
                None => {}
            }
            out.push('\n');
            if let Some(id) = t.trace_id {
                out.push_str(&format!("\nTrace `{id}`\n"));
            }
            for (role, body) in [("User", &t.user), ("Assistant", &t.assistant)] {
                out.push_str(&format!("\n**{role}:**\n\n"));
                match body {
                    Body::Markdown(s) | Body::Plain(s) => out.push_str(s.trim_end()),
                    Body::Json(s) => out.push_str(&format!("```json\n{}\n```", s.trim_end())),
                    Body::Raw(v) => out.push_str(&format!("```json\n{}\n```", json::pretty(v))),
                    Body::Empty => out.push_str("_(empty)_"),
                }
                out.push('\n');
            }
        }
        out
    }
}

fn thumb_spans(t: &Thumb, theme: &Theme) -> Vec<Span<'static>> {
    let mut out = match t.shown() {
        Some(1) => vec![Span::styled(
            "▲ up",
            theme.success.add_modifier(Modifier::BOLD),
        )],
        Some(_) => vec![Span::styled(
            "▼ down",
            theme.error.add_modifier(Modifier::BOLD),
        )],
        None => Vec::new(),
    };
    if t.local.is_some() {
        if t.queued {
            out.push(Span::styled(" (queued)", theme.warning));
        } else {
            out.push(Span::styled(" …", theme.dim));
        }
    }
    out
}

/// Cut a line to `width` columns (with `…`).
fn fit_line(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let mut out = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = display_width(&s.content);
        if used + w <= width {
            used += w;
            out.push(s);
        } else {
            let room = width.saturating_sub(used);
            if room > 0 {
                let cut = truncate_to_width(&s.content, room).into_owned();
                out.push(Span::styled(cut, s.style));
            }
            break;
        }
    }
    Line::from(out)
}

/// A message body as lines of at most `width` columns.
fn body_lines(
    body: &Body,
    width: u16,
    theme: &Theme,
    expanded: bool,
    pending: &mut Vec<(String, u16)>,
) -> Vec<Line<'static>> {
    let w = width as usize;
    match body {
        Body::Empty => vec![Line::from(Span::styled("(empty)", theme.dim))],
        Body::Markdown(s) => {
            if s.len() >= markdown::LARGE_BYTES {
                match markdown::cached(s, width, theme) {
                    Some(t) => t.lines.clone(),
                    None => {
                        pending.push((s.clone(), width));
                        vec![Line::from(Span::styled(
                            format!("rendering {} KB of markdown…", s.len() / 1024),
                            theme.dim,
                        ))]
                    }
                }
            } else {
                markdown::render(s, width, theme).lines.clone()
            }
        }
        Body::Plain(s) => markdown::plain_wrapped(s, w, Style::default()).lines,
        Body::Json(s) => wrap_lines(json::highlight_text(s, theme), w),
        Body::Raw(v) => {
            let depth = if expanded { None } else { Some(1) };
            let mut out = wrap_lines(json::render_folded(v, depth, theme), w);
            if !expanded
                && v.as_object()
                    .is_some_and(|m| m.values().any(|x| x.is_object() || x.is_array()))
            {
                out.push(Line::from(Span::styled(
                    "(no message text: raw JSON · Enter expands)",
                    theme.dim,
                )));
            }
            out
        }
    }
}

/// Restyle bytes `start..end` of a line's text with `style` (search matches).
fn highlight_range(line: Line<'static>, start: usize, end: usize, style: Style) -> Line<'static> {
    let mut out = Vec::new();
    let mut pos = 0;
    for s in line.spans {
        let text = s.content.as_ref();
        let (a, b) = (pos, pos + text.len());
        pos = b;
        if b <= start || a >= end {
            out.push(s);
            continue;
        }
        let lo = start.saturating_sub(a).min(text.len());
        let hi = (end - a).min(text.len());
        if !text.is_char_boundary(lo) || !text.is_char_boundary(hi) {
            out.push(s);
            continue;
        }
        if lo > 0 {
            out.push(Span::styled(text[..lo].to_owned(), s.style));
        }
        out.push(Span::styled(text[lo..hi].to_owned(), s.style.patch(style)));
        if hi < text.len() {
            out.push(Span::styled(text[hi..].to_owned(), s.style));
        }
    }
    Line::from(out)
}

mod screen;
pub use screen::ConversationScreen;

#[cfg(test)]
mod tests;
