//! One trace: on the left a collapsible span tree (type label, name, duration, a waterfall
//! bar placed by start time and sized by duration within the trace, cost, tokens, error mark,
//! score count); on the right the detail of the selected trace or span — a header (name,
//! type, start, duration, model/provider, tokens, cost) and tabs Input, Output, Metadata,
//! Usage, Scores, Error, Comments. `Tab` switches focus, `h`/`l` fold, `[`/`]` change tabs,
//! `J`/`K` scroll the detail, `R` shows raw JSON, `+`/`-` unfold/fold JSON, `y` copies the
//! id. Payloads of 256 KB or more are rendered in the background so the UI never stalls.
//! Narrow terminals (< 100 columns) stack the tree above the detail.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use chrono::{DateTime, Utc};
use crossterm::event::{MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span as TSpan};
use ratatui::widgets::{Block, Borders};
use serde_json::Value;
use uuid::Uuid;

use super::span_tree::{Row, SpanTree};
use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen, ScreenRequest};
use crate::opik::dify;
use crate::opik::error::ApiError;
use crate::opik::messages::{self, Body, Kind};
use crate::opik::model::{Comment, ErrorInfo, FeedbackScore, Span, SpanSearchRequest, Trace};
use crate::render::lines::wrap_lines;
use crate::render::sanitize::{display_width, one_line, sanitize, truncate_to_width};
use crate::render::{format, json, markdown};
use crate::theme::Theme;

/// Payloads at least this big (serialised bytes) render in the background.
pub const LAZY_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Input,
    Output,
    Metadata,
    Usage,
    Scores,
    Error,
    Comments,
}

pub const TABS: [Tab; 7] = [
    Tab::Input,
    Tab::Output,
    Tab::Metadata,
    Tab::Usage,
    Tab::Scores,
    Tab::Error,
    Tab::Comments,
];

impl Tab {
    fn label(self) -> &'static str {
        match self {
            Tab::Input => "Input",
            Tab::Output => "Output",
            Tab::Metadata => "Metadata",
            Tab::Usage => "Usage",
            Tab::Scores => "Scores",
            Tab::Error => "Error",
            Tab::Comments => "Comments",
        }
    }
}

/// What the detail pane describes: the trace or one span, as plain data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    pub id: Option<Uuid>,
    pub kind: String,
    pub name: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub duration_ms: Option<f64>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub usage: Vec<(String, i64)>,
    /// Where `usage` was found when not in the own `usage` field (Dify: `output.usage`,
    /// `metadata.total_tokens`).
    pub usage_from: Option<&'static str>,
    /// The name as logged, when the shown `name` was made readable ([`dify::display_name`]).
    pub logged_name: Option<String>,
    pub cost: Option<f64>,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub metadata: Option<Value>,
    pub tags: Vec<String>,
    pub scores: Vec<FeedbackScore>,
    pub error: Option<ErrorInfo>,
    pub comments: Vec<Comment>,
}

/// The usage source worth saying (anything but the own field).
fn used_from(src: Option<dify::UsageSource>) -> Option<&'static str> {
    src.filter(|s| *s != dify::UsageSource::Own)
        .map(dify::UsageSource::describe)
}

/// The waterfall cells `a..b` (of `bar_w`) a span covers, from its start, end or duration
/// (ms) relative to the trace's first start `t0` over `total_us`. Any server numbers (a
/// duration of ±1e300, an end before the start, dates far apart) give cells within the bar.
pub fn bar_cells(
    t0: Option<DateTime<Utc>>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    dur: Option<f64>,
    total_us: f64,
    bar_w: usize,
) -> (usize, usize) {
    let (Some(t0), Some(st), true) = (t0, start, bar_w > 0) else {
        return (0, 0);
    };
    let us = |t: DateTime<Utc>| (t - t0).num_microseconds().unwrap_or(i64::MAX) as f64;
    let s_us = us(st).max(0.0);
    let e_us = match (end, dur) {
        (Some(e), _) => us(e),
        (None, Some(d)) if d.is_finite() => s_us + d * 1000.0,
        _ => s_us,
    };
    let total_us = if total_us.is_finite() && total_us > 0.0 {
        total_us
    } else {
        1.0
    };
    // `as usize` saturates (NaN → 0), so no cast can wrap.
    let a = ((s_us / total_us) * bar_w as f64).floor() as usize;
    let b = ((e_us / total_us) * bar_w as f64).ceil() as usize;
    let a = a.min(bar_w - 1);
    (a, b.clamp(a + 1, bar_w))
}

/// Spans loaded into the trace view at most (the tree and its rows stay responsive).
pub const MAX_SPANS: usize = 50_000;

/// The status bar's span count: `12 spans`, or, when the trace holds more than were loaded,
/// `showing 50,000 of 200,000 spans · e exports`.
pub fn span_count_label(shown: usize, total: Option<i64>) -> String {
    let shown_i = i64::try_from(shown).unwrap_or(i64::MAX);
    match total {
        Some(t) if t > shown_i => format!(
            "showing {} of {} spans · e exports",
            format::thousands(shown_i),
            format::thousands(t)
        ),
        _ => format!("{} spans", format::thousands(shown_i)),
    }
}

/// The toast when a trace was cut: how many are shown and how to see the rest.
pub fn cut_note(shown: usize, total: i64) -> String {
    format!(
        "this trace has {} spans; showing the first {} the server sent. Press e to export up to {} to JSON, or search the rest with a filter (spans search in the SDK or API, e.g. by name or type)",
        format::thousands(total),
        format::thousands(i64::try_from(shown).unwrap_or(i64::MAX)),
        format::thousands(i64::try_from(crate::views::share::EXPORT_MAX_SPANS).unwrap_or(0)),
    )
}

fn duration_of(d: Option<f64>, s: Option<DateTime<Utc>>, e: Option<DateTime<Utc>>) -> Option<f64> {
    d.or_else(|| Some((e? - s?).num_microseconds()? as f64 / 1000.0))
}

impl Subject {
    pub fn from_trace(t: &Trace) -> Subject {
        let meta = t.metadata.as_ref();
        let name = dify::display_name(t.name.as_deref(), None, meta);
        let (model, provider) = dify::model_provider(None, None, meta);
        let (usage, src) = dify::usage(t.usage.as_ref(), meta, None);
        Subject {
            id: t.id,
            kind: "trace".into(),
            logged_name: t.name.clone().filter(|n| *n != name),
            name,
            start: t.start_time,
            end: t.end_time,
            duration_ms: duration_of(t.duration, t.start_time, t.end_time),
            model,
            provider: t
                .providers
                .as_ref()
                .map(|p| p.join(", "))
                .filter(|s| !s.is_empty())
                .or(provider),
            usage,
            usage_from: used_from(src),
            cost: t.total_estimated_cost,
            input: t.input.clone(),
            output: t.output.clone(),
            metadata: t.metadata.clone(),
            tags: t.tags.clone().unwrap_or_default(),
            scores: t.feedback_scores.clone().unwrap_or_default(),
            error: t.error_info.clone(),
            comments: t.comments.clone().unwrap_or_default(),
        }
    }

    pub fn from_span(s: &Span) -> Subject {
        let meta = s.metadata.as_ref();
        let name = dify::display_name(s.name.as_deref(), s.span_type.as_deref(), meta);
        let (model, provider) =
            dify::model_provider(s.model.as_deref(), s.provider.as_deref(), meta);
        let (usage, src) = dify::usage(s.usage.as_ref(), meta, s.output.as_ref());
        Subject {
            id: s.id,
            kind: s.span_type.clone().unwrap_or_else(|| "general".into()),
            logged_name: s.name.clone().filter(|n| *n != name),
            name,
            start: s.start_time,
            end: s.end_time,
            duration_ms: duration_of(s.duration, s.start_time, s.end_time),
            model,
            provider,
            usage,
            usage_from: used_from(src),
            cost: s.total_estimated_cost.or_else(|| dify::metadata_cost(meta)),
            input: s.input.clone(),
            output: s.output.clone(),
            metadata: s.metadata.clone(),
            tags: s.tags.clone().unwrap_or_default(),
            scores: s.feedback_scores.clone().unwrap_or_default(),
            error: s.error_info.clone(),
            comments: s.comments.clone().unwrap_or_default(),
        }
    }

    fn tokens(&self) -> Option<i64> {
        dify::total_tokens(&self.usage)
    }

    fn payload(&self, tab: Tab) -> Option<&Value> {
        match tab {
            Tab::Input => self.input.as_ref(),
            Tab::Output => self.output.as_ref(),
            Tab::Metadata => self.metadata.as_ref(),
            _ => None,
        }
    }
}

/// Options that change how a tab renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenderOpts {
    pub raw: bool,
    /// Fold JSON below this depth (`None` = everything open).
    pub fold: Option<usize>,
    pub width: u16,
}

fn kv(theme: &Theme, k: &str, v: String) -> Line<'static> {
    kv_w(theme, k, v, 13)
}

/// A `key  value` line with the key padded to `w` columns.
fn kv_w(theme: &Theme, k: &str, v: String, w: usize) -> Line<'static> {
    Line::from(vec![
        TSpan::styled(format!("{k:<w$} "), theme.dim),
        TSpan::styled(v, theme.text),
    ])
}

fn text_lines(s: &str, style: Style) -> Vec<Line<'static>> {
    sanitize(s)
        .split('\n')
        .map(|l| Line::styled(l.to_string(), style))
        .collect()
}

fn value_lines(v: &Value, opts: RenderOpts, theme: &Theme) -> Vec<Line<'static>> {
    if opts.fold.is_some() {
        json::render_folded(v, opts.fold, theme)
    } else {
        json::render_value(v, theme)
    }
}

/// Render one tab of `s` into lines already wrapped to `opts.width`. Pure (runs on a
/// blocking thread for large payloads).
pub fn render_tab(s: &Subject, tab: Tab, opts: RenderOpts, theme: &Theme) -> Vec<Line<'static>> {
    let none = |what: &str| vec![Line::styled(format!("(no {what})"), theme.dim)];
    let lines: Vec<Line<'static>> = match tab {
        Tab::Input | Tab::Output => {
            let kind = if tab == Tab::Input {
                Kind::Input
            } else {
                Kind::Output
            };
            let value = s.payload(tab);
            if opts.raw {
                match value {
                    None | Some(Value::Null) => none(tab.label()),
                    Some(v) => value_lines(v, opts, theme),
                }
            } else {
                match messages::body(value, kind) {
                    Body::Empty => none(&tab.label().to_lowercase()),
                    Body::Markdown(m) => {
                        return markdown::render(&m, opts.width.max(1), theme).lines.clone();
                    }
                    Body::Plain(p) => text_lines(&p, theme.text),
                    Body::Json(j) => json::highlight_text(&j, theme),
                    Body::Raw(v) => value_lines(&v, opts, theme),
                }
            }
        }
        Tab::Metadata => {
            let mut out = Vec::new();
            if !s.tags.is_empty() {
                out.push(kv(
                    theme,
                    "tags",
                    s.tags
                        .iter()
                        .map(|t| one_line(t))
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
                out.push(Line::raw(""));
            }
            match &s.metadata {
                None | Some(Value::Null) => out.extend(none("metadata")),
                Some(Value::Object(m)) if m.is_empty() => out.extend(none("metadata")),
                Some(v) => out.extend(value_lines(v, opts, theme)),
            }
            out
        }
        Tab::Usage => {
            // One key column for the fixed rows and the usage keys (`completion_tokens` is
            // longer than the default 13), so the values line up.
            let w = s
                .usage
                .iter()
                .map(|(k, _)| one_line(k).chars().count())
                .max()
                .unwrap_or(0)
                .clamp(13, 40);
            let kv = |theme: &Theme, k: &str, v: String| kv_w(theme, k, v, w);
            let mut out = vec![
                kv(
                    theme,
                    "model",
                    s.model
                        .as_deref()
                        .map(one_line)
                        .unwrap_or_else(|| "–".into()),
                ),
                kv(
                    theme,
                    "provider",
                    s.provider
                        .as_deref()
                        .map(one_line)
                        .unwrap_or_else(|| "–".into()),
                ),
                kv(
                    theme,
                    "cost",
                    s.cost.map(format::cost).unwrap_or_else(|| "–".into()),
                ),
                Line::raw(""),
            ];
            if s.usage.is_empty() {
                out.extend(none("usage"));
            } else if let Some(from) = s.usage_from {
                out.push(Line::styled(format!("(from {from})"), theme.dim));
            }
            for (k, v) in &s.usage {
                out.push(kv(theme, &one_line(k), format::thousands(*v)));
            }
            out
        }
        Tab::Scores => {
            let mut out = Vec::new();
            if s.scores.is_empty() {
                out.extend(none("feedback scores"));
            }
            for sc in &s.scores {
                let v = sc
                    .value
                    .map(|v| format!("{v:.2}"))
                    .unwrap_or_else(|| "–".into());
                let style = sc
                    .value
                    .map(|v| theme.score(v, 0.0, 1.0))
                    .unwrap_or(theme.dim);
                let mut head = vec![
                    TSpan::styled(one_line(&sc.name), theme.accent),
                    TSpan::styled("  ", theme.text),
                    TSpan::styled(v, style),
                ];
                if let Some(src) = &sc.source {
                    head.push(TSpan::styled(format!("  ({})", one_line(src)), theme.dim));
                }
                out.push(Line::from(head));
                match &sc.value_by_author {
                    Some(by) if !by.is_empty() => {
                        for (author, e) in by {
                            let mut l = vec![
                                TSpan::styled(format!("  {}: ", one_line(author)), theme.dim),
                                TSpan::styled(
                                    e.value
                                        .map(|v| format!("{v:.2}"))
                                        .unwrap_or_else(|| "–".into()),
                                    theme.text,
                                ),
                            ];
                            if let Some(r) = e.reason.as_deref().filter(|r| !r.is_empty()) {
                                l.push(TSpan::styled(format!("  {}", one_line(r)), theme.text));
                            }
                            out.push(Line::from(l));
                        }
                    }
                    _ => {
                        let author = sc
                            .last_updated_by
                            .as_deref()
                            .or(sc.created_by.as_deref())
                            .unwrap_or("–");
                        let mut l =
                            vec![TSpan::styled(format!("  {}", one_line(author)), theme.dim)];
                        if let Some(r) = sc.reason.as_deref().filter(|r| !r.is_empty()) {
                            l.push(TSpan::styled(format!("  {}", one_line(r)), theme.text));
                        }
                        out.push(Line::from(l));
                    }
                }
            }
            out
        }
        Tab::Error => match &s.error {
            None => none("error"),
            Some(e) => {
                let mut out = vec![
                    kv(
                        theme,
                        "type",
                        e.exception_type
                            .as_deref()
                            .map(one_line)
                            .unwrap_or_default(),
                    ),
                    kv(
                        theme,
                        "message",
                        e.message.as_deref().map(one_line).unwrap_or_default(),
                    ),
                    Line::raw(""),
                ];
                if let Some(tb) = &e.traceback {
                    out.push(Line::styled("traceback", theme.dim));
                    out.extend(text_lines(tb, theme.error));
                }
                out
            }
        },
        Tab::Comments => {
            let mut out = Vec::new();
            if s.comments.is_empty() {
                out.extend(none("comments"));
            }
            for c in &s.comments {
                let who = c
                    .created_by
                    .as_deref()
                    .map(one_line)
                    .unwrap_or_else(|| "–".into());
                let when = c
                    .created_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default();
                out.push(Line::from(vec![
                    TSpan::styled(who, theme.accent),
                    TSpan::styled(format!("  {when}"), theme.dim),
                ]));
                out.extend(text_lines(&c.text, theme.text));
                out.push(Line::raw(""));
            }
            out
        }
    };
    wrap_lines(lines, opts.width.into())
}

type Loaded = Result<(Trace, Vec<Span>), ApiError>;
type Rendered = (CacheKey, Vec<Line<'static>>);

/// What the trace view's tasks return.
pub enum TraceViewMsg {
    /// The trace and its spans.
    Loaded(Loaded),
    /// One span read in full (the list holds truncated payloads).
    Span(Result<Span, ApiError>),
    /// A detail tab rendered off the UI thread.
    Rendered(Rendered),
    /// `Y`: the web URL was built.
    Url(crate::views::share::UrlReady),
    /// `e`: the trace export finished.
    Export(crate::views::share::ExportDone),
}

impl From<crate::views::share::UrlReady> for TraceViewMsg {
    fn from(r: crate::views::share::UrlReady) -> Self {
        TraceViewMsg::Url(r)
    }
}

impl From<crate::views::share::ExportDone> for TraceViewMsg {
    fn from(r: crate::views::share::ExportDone) -> Self {
        TraceViewMsg::Export(r)
    }
}
type CacheKey = (Option<Uuid>, Tab, RenderOpts, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    Tree,
    Detail,
}

pub struct TraceViewScreen {
    env: Option<Rc<AppEnv>>,
    pub project: String,
    pub trace_id: Uuid,
    pub trace: Option<Trace>,
    pub tree: SpanTree,
    folded: HashSet<usize>,
    rows: Vec<Row>,
    /// 0 = the trace row, i+1 = rows[i].
    pub selected: usize,
    offset: usize,
    tree_page: usize,
    tree_area: Rect,
    focus: Focus,
    pub tab: Tab,
    raw: bool,
    fold: Option<usize>,
    scroll: usize,
    detail_page: usize,
    /// Full (untruncated) spans fetched on selection.
    full: HashMap<Uuid, Span>,
    cache: Option<(CacheKey, Vec<Line<'static>>)>,
    pending: Option<CacheKey>,
    pub error: Option<String>,
    loading: bool,
    /// Spans received (before duplicates are dropped), to compare with the trace's count.
    loaded: usize,
}

impl TraceViewScreen {
    pub fn new(env: Rc<AppEnv>, project: &str, trace_id: Uuid) -> TraceViewScreen {
        let mut s = TraceViewScreen::with_data(project, trace_id, None, Vec::new());
        s.env = Some(env);
        s.loading = true;
        s
    }

    /// A screen with data already loaded (snapshots, benchmarks).
    pub fn with_data(
        project: &str,
        trace_id: Uuid,
        trace: Option<Trace>,
        spans: Vec<Span>,
    ) -> TraceViewScreen {
        let tree = SpanTree::build(spans);
        let rows = tree.flatten(&HashSet::new());
        TraceViewScreen {
            env: None,
            project: project.into(),
            trace_id,
            trace,
            tree,
            folded: HashSet::new(),
            rows,
            selected: 0,
            offset: 0,
            tree_page: 10,
            tree_area: Rect::default(),
            focus: Focus::Tree,
            tab: Tab::Input,
            raw: false,
            fold: None,
            scroll: 0,
            detail_page: 10,
            full: HashMap::new(),
            cache: None,
            pending: None,
            error: None,
            loading: false,
            loaded: 0,
        }
    }

    fn load(&mut self, ctx: &mut Ctx<TraceViewMsg>) {
        let Some(env) = &self.env else { return };
        let client = env.client.clone();
        let id = self.trace_id;
        let project = self.project.clone();
        self.loading = true;
        ctx.spawn("load", async move {
            let trace = client.get_trace(id);
            let spans = client.search_spans(
                SpanSearchRequest {
                    trace_id: Some(id),
                    project_name: Some(project),
                    truncate: Some(true),
                    ..SpanSearchRequest::default()
                },
                Some(MAX_SPANS),
            );
            let (trace, spans) = tokio::join!(trace, spans);
            let r: Loaded = match (trace, spans) {
                (Ok(t), Ok(s)) => Ok((t, s)),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            TraceViewMsg::Loaded(r)
        });
    }

    fn selected_span(&self) -> Option<&Span> {
        let row = self.rows.get(self.selected.checked_sub(1)?)?;
        let s = &self.tree.nodes[row.node].span;
        Some(s.id.and_then(|id| self.full.get(&id)).unwrap_or(s))
    }

    fn subject(&self) -> Option<Subject> {
        if self.selected == 0 {
            self.trace.as_ref().map(Subject::from_trace)
        } else {
            self.selected_span().map(Subject::from_span)
        }
    }

    fn on_select(&mut self, ctx: &mut Ctx<TraceViewMsg>) {
        self.scroll = 0;
        let Some(env) = &self.env else { return };
        let Some(row) = self.selected.checked_sub(1).and_then(|i| self.rows.get(i)) else {
            return;
        };
        let Some(id) = self.tree.nodes[row.node].span.id else {
            return;
        };
        if self.full.contains_key(&id) {
            return;
        }
        let client = env.client.clone();
        ctx.spawn("span", async move {
            TraceViewMsg::Span(client.get_span(id).await)
        });
    }

    fn rows_len(&self) -> usize {
        self.rows.len() + 1
    }

    fn select(&mut self, i: usize, ctx: &mut Ctx<TraceViewMsg>) {
        let i = i.min(self.rows_len() - 1);
        if i != self.selected {
            self.selected = i;
            self.on_select(ctx);
        }
    }

    fn refold(&mut self) {
        let keep = self
            .selected
            .checked_sub(1)
            .and_then(|i| self.rows.get(i))
            .map(|r| r.node);
        self.rows = self.tree.flatten(&self.folded);
        if let Some(n) = keep {
            // The selected node may now be hidden: select its nearest visible ancestor.
            let mut cur = Some(n);
            while let Some(c) = cur {
                if let Some(p) = self.rows.iter().position(|r| r.node == c) {
                    self.selected = p + 1;
                    return;
                }
                cur = self.tree.nodes[c].parent;
            }
            self.selected = 0;
        }
    }

    fn selected_node(&self) -> Option<usize> {
        Some(self.rows.get(self.selected.checked_sub(1)?)?.node)
    }

    fn tree_action(&mut self, action: Action, ctx: &mut Ctx<TraceViewMsg>) -> bool {
        let len = self.rows_len();
        match action {
            Action::Down => self.select(self.selected + 1, ctx),
            Action::Up => self.select(self.selected.saturating_sub(1), ctx),
            Action::PageDown => self.select(self.selected + self.tree_page.max(1), ctx),
            Action::PageUp => self.select(self.selected.saturating_sub(self.tree_page.max(1)), ctx),
            Action::First => self.select(0, ctx),
            Action::Last => self.select(len - 1, ctx),
            Action::Left | Action::Collapse => match self.selected_node() {
                Some(n) if !self.tree.nodes[n].children.is_empty() && !self.folded.contains(&n) => {
                    self.folded.insert(n);
                    self.refold();
                }
                Some(n) => {
                    // Already folded or a leaf: go to the parent.
                    let target = match self.tree.nodes[n].parent {
                        Some(p) => self.rows.iter().position(|r| r.node == p).map(|i| i + 1),
                        None => Some(0),
                    };
                    if let Some(t) = target {
                        self.select(t, ctx);
                    }
                }
                None => {}
            },
            Action::Right | Action::Expand => {
                if let Some(n) = self.selected_node()
                    && self.folded.remove(&n)
                {
                    self.refold();
                }
            }
            Action::ExpandAll => {
                self.folded.clear();
                self.refold();
            }
            Action::CollapseAll => {
                self.folded = self.tree.parents().collect();
                self.refold();
            }
            Action::Open => self.focus = Focus::Detail,
            _ => return false,
        }
        true
    }

    fn detail_action(&mut self, action: Action) -> bool {
        match action {
            Action::Down | Action::ScrollDown => self.scroll += 1,
            Action::Up | Action::ScrollUp => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll += self.detail_page.max(1),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(self.detail_page.max(1)),
            Action::First => self.scroll = 0,
            Action::Last => self.scroll = usize::MAX / 2,
            Action::Left | Action::Collapse => self.switch_tab(-1),
            Action::Right | Action::Expand => self.switch_tab(1),
            Action::ExpandAll => self.fold = None,
            Action::CollapseAll => self.fold = Some(2),
            _ => return false,
        }
        true
    }

    fn switch_tab(&mut self, d: i32) {
        let i = TABS.iter().position(|t| *t == self.tab).unwrap_or(0) as i32;
        let n = TABS.len() as i32;
        self.tab = TABS[((i + d).rem_euclid(n)) as usize];
        self.scroll = 0;
    }

    /// Lines for the current tab, from the cache or rendered now; large payloads are
    /// rendered in the background (returns `None` meanwhile).
    fn detail_lines(&mut self, width: u16, theme: &Theme) -> Option<&[Line<'static>]> {
        let subject = self.subject()?;
        let opts = RenderOpts {
            raw: self.raw,
            fold: self.fold,
            width,
        };
        let key: CacheKey = (subject.id, self.tab, opts, theme.name.clone());
        if self.cache.as_ref().is_some_and(|(k, _)| *k == key) {
            return self.cache.as_ref().map(|(_, l)| l.as_slice());
        }
        let big = subject
            .payload(self.tab)
            .is_some_and(|v| approx_size(v) >= LAZY_BYTES);
        if big {
            if self.pending.as_ref() != Some(&key) {
                // Asked for in draw; the spawn happens in `kick_background`.
                self.pending = Some(key);
            }
            return None;
        }
        let lines = render_tab(&subject, self.tab, opts, theme);
        self.cache = Some((key, lines));
        self.cache.as_ref().map(|(_, l)| l.as_slice())
    }

    /// Start the background render asked for by the last draw (called from input paths).
    fn kick_background(&mut self, ctx: &mut Ctx<TraceViewMsg>) {
        let Some(key) = self.pending.clone() else {
            return;
        };
        if ctx.in_flight("render") {
            return;
        }
        let Some(subject) = self.subject() else {
            return;
        };
        if subject.id != key.0 {
            self.pending = None;
            return;
        }
        let theme = ctx.theme.clone();
        let (_, tab, opts, _) = key.clone();
        ctx.spawn("render", async move {
            let lines =
                tokio::task::spawn_blocking(move || render_tab(&subject, tab, opts, &theme))
                    .await
                    .unwrap_or_default();
            TraceViewMsg::Rendered((key, lines))
        });
    }
}

/// Rough serialised size of a JSON value without serialising it.
pub fn approx_size(v: &Value) -> usize {
    let mut total = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        total += match v {
            Value::Null | Value::Bool(_) => 5,
            Value::Number(_) => 8,
            Value::String(s) => s.len() + 2,
            Value::Array(a) => {
                stack.extend(a.iter());
                2 + a.len()
            }
            Value::Object(m) => {
                for (k, v) in m {
                    total += k.len() + 4;
                    stack.push(v);
                }
                2
            }
        };
        if total >= LAZY_BYTES * 4 {
            break;
        }
    }
    total
}

fn type_label(kind: &str) -> &'static str {
    match kind {
        "llm" => "LLM",
        "tool" => "TOOL",
        "guardrail" => "GUARD",
        "trace" => "TRACE",
        _ => "SPAN",
    }
}

impl Screen for TraceViewScreen {
    type Msg = TraceViewMsg;

    fn title(&self) -> String {
        let name = self
            .trace
            .as_ref()
            .and_then(|t| t.name.as_deref())
            .map(one_line)
            .unwrap_or_else(|| self.trace_id.to_string());
        format!("Trace · {name}")
    }

    fn context(&self) -> KeyContext {
        KeyContext::TraceView
    }

    fn on_open(&mut self, ctx: &mut Ctx<TraceViewMsg>) {
        self.load(ctx);
    }

    fn refresh(&mut self, ctx: &mut Ctx<TraceViewMsg>) {
        self.full.clear();
        self.cache = None;
        self.load(ctx);
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<TraceViewMsg>) -> Handled {
        let handled = match action {
            Action::Conversation => {
                ctx.open(ScreenRequest::ConversationOf {
                    project: self.project.clone(),
                    trace_id: self.trace_id,
                });
                true
            }
            Action::NextPane | Action::PrevPane => {
                self.focus = if self.focus == Focus::Tree {
                    Focus::Detail
                } else {
                    Focus::Tree
                };
                true
            }
            Action::NextTab => {
                self.switch_tab(1);
                true
            }
            Action::PrevTab => {
                self.switch_tab(-1);
                true
            }
            Action::ToggleRaw => {
                self.raw = !self.raw;
                self.scroll = 0;
                true
            }
            Action::ScrollDown | Action::ScrollUp => self.detail_action(action),
            Action::Copy => match self.subject().and_then(|s| s.id) {
                Some(id) => {
                    ctx.copy(id.to_string());
                    true
                }
                None => false,
            },
            Action::CopyUrl => match &self.env {
                Some(env) => {
                    let span_id = if self.selected == 0 {
                        None
                    } else {
                        self.selected_span().and_then(|s| s.id)
                    };
                    let project_id = self.trace.as_ref().and_then(|t| t.project_id);
                    crate::views::share::copy_url(
                        env,
                        &self.project,
                        project_id,
                        crate::views::share::Target::Trace {
                            trace_id: self.trace_id,
                            span_id,
                        },
                        ctx,
                    );
                    true
                }
                None => false,
            },
            Action::Export => match &self.env {
                Some(env) => {
                    crate::views::share::export_trace(
                        env.client.clone(),
                        &self.project,
                        self.trace_id,
                        ctx,
                    );
                    true
                }
                None => false,
            },
            Action::Back if self.focus == Focus::Detail => {
                self.focus = Focus::Tree;
                true
            }
            _ => match self.focus {
                Focus::Tree => self.tree_action(action, ctx),
                Focus::Detail => self.detail_action(action),
            },
        };
        self.kick_background(ctx);
        if handled { Handled::Yes } else { Handled::No }
    }

    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<TraceViewMsg>) -> Handled {
        let in_tree =
            |x: u16, y: u16, a: Rect| x >= a.x && x < a.right() && y >= a.y && y < a.bottom();
        match ev.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = ev.kind == MouseEventKind::ScrollDown;
                if in_tree(ev.column, ev.row, self.tree_area) {
                    self.tree_action(if down { Action::Down } else { Action::Up }, ctx);
                } else {
                    self.detail_action(if down {
                        Action::ScrollDown
                    } else {
                        Action::ScrollUp
                    });
                }
                Handled::Yes
            }
            MouseEventKind::Down(_) => {
                let a = self.tree_area;
                if in_tree(ev.column, ev.row, a) && ev.row > a.y {
                    let i = self.offset + (ev.row - a.y - 1) as usize;
                    if i < self.rows_len() {
                        self.focus = Focus::Tree;
                        self.select(i, ctx);
                    }
                } else {
                    self.focus = Focus::Detail;
                }
                Handled::Yes
            }
            _ => Handled::No,
        }
    }

    fn on_msg(&mut self, msg: TraceViewMsg, ctx: &mut Ctx<TraceViewMsg>) {
        match msg {
            TraceViewMsg::Url(ready) => {
                crate::views::share::url_ready(ready, ctx);
            }
            TraceViewMsg::Export(done) => crate::views::share::export_done(done, ctx),
            TraceViewMsg::Loaded(r) => {
                self.loading = false;
                match r {
                    Ok((trace, spans)) => {
                        let total = trace.span_count.unwrap_or(0);
                        if spans.len() >= MAX_SPANS && total > spans.len() as i64 {
                            ctx.toast_info(cut_note(spans.len(), total));
                        }
                        self.loaded = spans.len();
                        self.trace = Some(trace);
                        self.tree = SpanTree::build(spans);
                        self.folded.retain(|n| *n < self.tree.nodes.len());
                        self.rows = self.tree.flatten(&self.folded);
                        self.selected = self.selected.min(self.rows.len());
                        self.cache = None;
                        self.error = None;
                        ctx.refreshed();
                        let orphans = self.tree.unexpected_orphans();
                        if orphans + self.tree.cycles > 0 {
                            ctx.toast_info(format!(
                                "{} span(s) with a missing parent and {} in a parent cycle are shown at the top level",
                                orphans, self.tree.cycles
                            ));
                        }
                    }
                    Err(e) => {
                        self.error = Some(e.to_string());
                        ctx.toast_error(format!("loading trace: {e}"));
                    }
                }
            }
            TraceViewMsg::Span(r) => match r {
                Ok(s) => {
                    if let Some(id) = s.id {
                        self.full.insert(id, s);
                        self.cache = None;
                    }
                }
                Err(e) => ctx.toast_error(format!("loading span: {e}")),
            },
            TraceViewMsg::Rendered((key, lines)) => {
                if self.pending.as_ref() == Some(&key) {
                    self.pending = None;
                }
                self.cache = Some((key, lines));
            }
        }
        self.kick_background(ctx);
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let wide = area.width >= 100;
        let (tree_area, detail_area) = if wide {
            let [a, b] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                    .areas(area);
            (a, b)
        } else {
            let [a, b] = Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(area);
            (a, b)
        };
        self.tree_area = tree_area;
        self.draw_tree(frame, tree_area, t);
        self.draw_detail(frame, detail_area, t, ctx.now);
    }

    fn hints(&self) -> Vec<Action> {
        match self.focus {
            Focus::Tree => vec![
                Action::NextPane,
                Action::Collapse,
                Action::Expand,
                Action::NextTab,
                Action::ScrollDown,
                Action::ToggleRaw,
                Action::CollapseAll,
                Action::ExpandAll,
                Action::Copy,
                Action::CopyUrl,
                Action::Export,
                Action::Refresh,
            ],
            Focus::Detail => vec![
                Action::NextPane,
                Action::ScrollDown,
                Action::NextTab,
                Action::PrevTab,
                Action::ToggleRaw,
                Action::CollapseAll,
                Action::ExpandAll,
                Action::Copy,
                Action::CopyUrl,
                Action::Export,
            ],
        }
    }

    fn status(&self) -> Option<String> {
        Some(span_count_label(
            self.loaded.max(self.tree.nodes.len()),
            self.trace.as_ref().and_then(|t| t.span_count),
        ))
    }

    fn after_draw(&mut self, ctx: &mut Ctx<TraceViewMsg>) {
        self.kick_background(ctx);
    }
}

impl TraceViewScreen {
    fn draw_tree(&mut self, frame: &mut Frame, area: Rect, t: &Theme) {
        let focused = self.focus == Focus::Tree;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if focused { t.border_focused } else { t.border })
            .title(TSpan::styled(" Spans ", t.title))
            .title_bottom(
                Line::from(TSpan::styled(
                    format!(" {}/{} ", self.selected + 1, self.rows_len()),
                    t.dim,
                ))
                .right_aligned(),
            );
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.height == 0 || inner.width < 10 {
            return;
        }
        let h = inner.height as usize;
        self.tree_page = h;
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + h {
            self.offset = self.selected + 1 - h;
        }
        // Columns: label+name (flex) | duration 8 | waterfall | cost 8 | tokens 6 | marks 4.
        let w = inner.width as usize;
        let (dur_w, cost_w, tok_w, mark_w) = (
            8usize,
            if w >= 70 { 8 } else { 0 },
            if w >= 60 { 6 } else { 0 },
            4usize,
        );
        let water_w = if w >= 50 { (w / 4).clamp(8, 30) } else { 0 };
        let fixed = dur_w + cost_w + tok_w + mark_w + water_w;
        let name_w = w.saturating_sub(fixed + 1).max(6);
        let t0 = self
            .tree
            .start
            .or_else(|| self.trace.as_ref().and_then(|t| t.start_time));
        let t1 = self
            .tree
            .end
            .into_iter()
            .chain(self.trace.as_ref().and_then(|t| t.end_time))
            .max();
        let total_us = match (t0, t1) {
            (Some(a), Some(b)) => (b - a).num_microseconds().unwrap_or(0).max(1) as f64,
            _ => 1.0,
        };
        let buf = frame.buffer_mut();
        for r in 0..h {
            let i = self.offset + r;
            if i >= self.rows_len() {
                break;
            }
            let y = inner.y + r as u16;
            let selected = i == self.selected;
            let row_style = if selected {
                if focused {
                    t.selection
                } else {
                    t.selection_inactive
                }
            } else {
                Style::default()
            };
            if selected {
                buf.set_style(Rect::new(inner.x, y, inner.width, 1), row_style);
            }
            let subject_span;
            let (depth, fold_mark, kind, name, start, end, dur, cost, tokens, err, scores) = if i
                == 0
            {
                let tr = self.trace.as_ref();
                (
                    0usize,
                    if self.tree.nodes.is_empty() {
                        " "
                    } else {
                        "▾"
                    },
                    "trace".to_string(),
                    tr.map(|t| dify::display_name(t.name.as_deref(), None, t.metadata.as_ref()))
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| {
                            if self.loading {
                                "loading…".into()
                            } else {
                                self.trace_id.to_string()
                            }
                        }),
                    tr.and_then(|t| t.start_time),
                    tr.and_then(|t| t.end_time),
                    tr.and_then(|t| duration_of(t.duration, t.start_time, t.end_time)),
                    tr.and_then(|t| t.total_estimated_cost),
                    tr.and_then(|t| {
                        dify::total_tokens(
                            &dify::usage(t.usage.as_ref(), t.metadata.as_ref(), None).0,
                        )
                    }),
                    tr.is_some_and(|t| t.error_info.is_some()),
                    tr.and_then(|t| t.feedback_scores.as_ref())
                        .map(|s| s.len())
                        .unwrap_or(0),
                )
            } else {
                let row = self.rows[i - 1];
                let node = &self.tree.nodes[row.node];
                subject_span = &node.span;
                let s = subject_span;
                let mark = if node.children.is_empty() {
                    " "
                } else if self.folded.contains(&row.node) {
                    "▸"
                } else {
                    "▾"
                };
                (
                    row.depth + 1,
                    mark,
                    s.span_type.clone().unwrap_or_else(|| "general".into()),
                    dify::display_name(
                        s.name.as_deref(),
                        s.span_type.as_deref(),
                        s.metadata.as_ref(),
                    ),
                    s.start_time,
                    s.end_time,
                    duration_of(s.duration, s.start_time, s.end_time),
                    s.total_estimated_cost
                        .or_else(|| dify::metadata_cost(s.metadata.as_ref())),
                    dify::total_tokens(
                        &dify::usage(s.usage.as_ref(), s.metadata.as_ref(), s.output.as_ref()).0,
                    )
                    .filter(|n| *n > 0),
                    s.error_info.is_some(),
                    s.feedback_scores.as_ref().map(|f| f.len()).unwrap_or(0),
                )
            };
            let mut x = inner.x;
            // Indent (capped so deep trees keep their names visible).
            let indent = (depth * 2).min(name_w / 2);
            let label = type_label(&kind);
            let name = one_line(&name);
            let head = format!("{}{} ", " ".repeat(indent), fold_mark);
            let head_w = display_width(&head);
            buf.set_string(x, y, &head, t.dim.patch(row_style));
            let lab = format!("{label} ");
            let lab_w = display_width(&lab);
            let kind_style = if kind == "trace" {
                t.title
            } else {
                t.span_type(&kind)
            };
            if head_w + lab_w < name_w {
                buf.set_string(x + head_w as u16, y, &lab, kind_style.patch(row_style));
                let rest = name_w - head_w - lab_w;
                buf.set_string(
                    x + (head_w + lab_w) as u16,
                    y,
                    truncate_to_width(&name, rest),
                    t.text.patch(row_style),
                );
            }
            x += name_w as u16 + 1;
            let d = dur.map(format::duration_ms).unwrap_or_else(|| "–".into());
            buf.set_string(x, y, format!("{d:>7} "), t.text.patch(row_style));
            x += dur_w as u16;
            if water_w > 0 {
                let bar_w = water_w - 1;
                let (a, b) = bar_cells(t0, start, end, dur, total_us, bar_w);
                let mut bar = String::with_capacity(bar_w * 3);
                for c in 0..bar_w {
                    bar.push(if c >= a && c < b { '━' } else { '·' });
                }
                // Draw track then bar segment in two styles.
                buf.set_string(x, y, &bar, t.waterfall_track.patch(row_style));
                if b > a {
                    let seg: String = std::iter::repeat_n('━', b - a).collect();
                    let style = if err { t.error } else { t.waterfall_bar };
                    buf.set_string(x + a as u16, y, seg, style.patch(row_style));
                }
                x += water_w as u16;
            }
            if cost_w > 0 {
                let c = cost.map(format::cost).unwrap_or_default();
                buf.set_string(x, y, format!("{c:>7} "), t.text.patch(row_style));
                x += cost_w as u16;
            }
            if tok_w > 0 {
                let c = tokens.map(|n| format::tokens(n as f64)).unwrap_or_default();
                buf.set_string(x, y, format!("{c:>5} "), t.dim.patch(row_style));
                x += tok_w as u16;
            }
            if err {
                buf.set_string(x, y, "✗", t.error.patch(row_style));
            }
            if scores > 0 {
                buf.set_string(
                    x + 1,
                    y,
                    format!("★{}", scores.min(9)),
                    t.score_mid.patch(row_style),
                );
            }
        }
    }

    fn draw_detail(&mut self, frame: &mut Frame, area: Rect, t: &Theme, _now: DateTime<Utc>) {
        let focused = self.focus == Focus::Detail;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if focused { t.border_focused } else { t.border })
            .title(TSpan::styled(" Detail ", t.title));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.height < 3 || inner.width < 10 {
            return;
        }
        let Some(subject) = self.subject() else {
            let msg = match &self.error {
                Some(e) => format!("could not load the trace: {} — r retries", one_line(e)),
                None => "loading…".into(),
            };
            frame.buffer_mut().set_stringn(
                inner.x,
                inner.y,
                msg,
                inner.width as usize,
                if self.error.is_some() { t.error } else { t.dim },
            );
            return;
        };
        // Header: name + type; times; model and usage.
        let label = type_label(&subject.kind);
        let kind_style = if subject.kind == "trace" {
            t.title
        } else {
            t.span_type(&subject.kind)
        };
        let mut l1 = vec![
            TSpan::styled(format!("{label} "), kind_style),
            TSpan::styled(one_line(&subject.name), t.accent),
        ];
        if let Some(n) = subject.logged_name.as_deref().filter(|n| !n.is_empty()) {
            l1.push(TSpan::styled(format!("  name {}", one_line(n)), t.dim));
        }
        if subject.error.is_some() {
            l1.push(TSpan::styled("  ✗ error", t.error));
        }
        let start = subject
            .start
            .map(|s| s.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
            .unwrap_or_else(|| "–".into());
        let l2 = vec![
            TSpan::styled("start ", t.dim),
            TSpan::styled(start, t.text),
            TSpan::styled("  duration ", t.dim),
            TSpan::styled(
                subject
                    .duration_ms
                    .map(format::duration_ms)
                    .unwrap_or_else(|| "–".into()),
                t.text,
            ),
        ];
        let mut l3 = vec![];
        if let (None, Some(p)) = (&subject.model, &subject.provider) {
            // A trace (no model of its own) lists its spans' providers.
            l3.push(TSpan::styled("provider ", t.dim));
            l3.push(TSpan::styled(one_line(p), t.text));
            l3.push(TSpan::styled("  ", t.text));
        } else if subject.model.is_some() || subject.provider.is_some() {
            l3.push(TSpan::styled("model ", t.dim));
            l3.push(TSpan::styled(
                format!(
                    "{}{}",
                    subject
                        .model
                        .as_deref()
                        .map(one_line)
                        .unwrap_or_else(|| "–".into()),
                    subject
                        .provider
                        .as_deref()
                        .map(|p| format!(" ({})", one_line(p)))
                        .unwrap_or_default()
                ),
                t.text,
            ));
            l3.push(TSpan::styled("  ", t.text));
        }
        l3.push(TSpan::styled("tokens ", t.dim));
        l3.push(TSpan::styled(
            subject
                .tokens()
                .map(format::thousands)
                .unwrap_or_else(|| "–".into()),
            t.text,
        ));
        l3.push(TSpan::styled("  cost ", t.dim));
        l3.push(TSpan::styled(
            subject.cost.map(format::cost).unwrap_or_else(|| "–".into()),
            t.text,
        ));
        let header = [Line::from(l1), Line::from(l2), Line::from(l3)];
        let buf = frame.buffer_mut();
        for (i, l) in header.iter().enumerate() {
            buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
        }
        // Tabs.
        let tabs_y = inner.y + 3;
        let mut x = inner.x;
        for tab in TABS {
            let mut label = tab.label().to_string();
            let count = match tab {
                Tab::Scores => subject.scores.len(),
                Tab::Comments => subject.comments.len(),
                Tab::Error => usize::from(subject.error.is_some()),
                _ => 0,
            };
            if count > 0 {
                label.push_str(&format!(" {count}"));
            }
            let text = format!(" {label} ");
            let w = display_width(&text) as u16;
            if x + w > inner.right() {
                break;
            }
            let style = if tab == self.tab {
                t.tab_active
            } else {
                t.tab_inactive
            };
            buf.set_string(x, tabs_y, &text, style);
            x += w + 1;
        }
        if self.raw {
            let s = " raw ";
            if x + 5 <= inner.right() {
                buf.set_string(inner.right() - 5, tabs_y, s, t.warning);
            }
        }
        let body = Rect::new(
            inner.x,
            tabs_y + 1,
            inner.width,
            inner.bottom().saturating_sub(tabs_y + 1),
        );
        if body.height == 0 {
            return;
        }
        self.detail_page = body.height as usize;
        let scroll = self.scroll;
        let width = body.width;
        let lines = self.detail_lines(width, t).map(|l| l.to_vec());
        let buf = frame.buffer_mut();
        match lines {
            None => {
                buf.set_string(
                    body.x,
                    body.y,
                    "rendering a large payload in the background…",
                    t.dim,
                );
            }
            Some(lines) => {
                let max = lines.len().saturating_sub(body.height as usize);
                let scroll = scroll.min(max);
                self.scroll = scroll;
                for (i, l) in lines
                    .iter()
                    .skip(scroll)
                    .take(body.height as usize)
                    .enumerate()
                {
                    buf.set_line(body.x, body.y + i as u16, l, body.width);
                }
                if lines.len() > body.height as usize {
                    let pos = format!(
                        " {}–{}/{} ",
                        scroll + 1,
                        (scroll + body.height as usize).min(lines.len()),
                        lines.len()
                    );
                    let w = display_width(&pos) as u16;
                    if area.width > w + 2 {
                        buf.set_string(area.right() - w - 1, area.bottom() - 1, pos, t.dim);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod usage_tab_tests {
    use super::*;

    #[test]
    fn a_trace_without_a_model_shows_its_providers_not_model_dash() {
        let now = crate::app::testing::fixed_now();
        let (mut trace, spans) = crate::views::fixtures::agent_trace(now, 0);
        trace.providers = Some(vec!["anthropic".into(), "openai".into()]);
        let id = trace.id.unwrap_or_default();
        let mut s = TraceViewScreen::with_data("p", id, Some(trace), spans);
        let out = crate::app::testing::buffer_text(&crate::app::testing::render_screen(
            &mut s,
            160,
            20,
            &Theme::dark(),
        ));
        assert!(out.contains("provider anthropic, openai"), "{out}");
        assert!(!out.contains("model – ("), "{out}");
    }

    #[test]
    fn usage_values_line_up_whatever_the_key_length() {
        let s = Subject {
            model: Some("gpt-4o".into()),
            usage: vec![
                ("completion_tokens".into(), 93),
                ("prompt_tokens".into(), 3726),
                ("total_tokens".into(), 3819),
            ],
            ..Subject::default()
        };
        let opts = RenderOpts {
            raw: false,
            fold: None,
            width: 80,
        };
        let lines = render_tab(&s, Tab::Usage, opts, &Theme::dark());
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        let col = |needle: &str| {
            text.iter()
                .find_map(|l| {
                    l.starts_with(needle.split(' ').next().unwrap_or(""))
                        .then(|| l.find(needle.rsplit(' ').next().unwrap_or("")))
                        .flatten()
                })
                .unwrap_or_else(|| panic!("{needle} in {text:?}"))
        };
        let model = col("model gpt-4o");
        assert_eq!(col("completion_tokens 93"), model, "{text:#?}");
        assert_eq!(col("prompt_tokens 3,726"), model, "{text:#?}");
        assert_eq!(col("total_tokens 3,819"), model, "{text:#?}");
    }
}

#[cfg(test)]
mod cap_tests {
    use super::*;

    #[test]
    fn a_cut_trace_says_how_many_of_how_many_and_how_to_see_the_rest() {
        assert_eq!(
            span_count_label(50_000, Some(200_000)),
            "showing 50,000 of 200,000 spans · e exports"
        );
        assert_eq!(span_count_label(12, Some(12)), "12 spans");
        assert_eq!(span_count_label(12, None), "12 spans");
        let note = cut_note(50_000, 200_000);
        assert!(note.contains("200,000 spans"), "{note}");
        assert!(note.contains("first 50,000"), "{note}");
        assert!(note.contains("export up to 100,000"), "{note}");
        assert!(note.contains("filter"), "{note}");
    }

    #[test]
    fn the_status_bar_of_a_cut_trace_shows_the_total() {
        let now = crate::app::testing::fixed_now();
        let (mut trace, spans) = crate::views::fixtures::agent_trace(now, 0);
        let n = spans.len();
        trace.span_count = Some(200_000);
        let s = TraceViewScreen::with_data("p", Uuid::nil(), Some(trace), spans);
        assert_eq!(
            s.status().as_deref(),
            Some(format!("showing {n} of 200,000 spans · e exports").as_str())
        );
    }
}
