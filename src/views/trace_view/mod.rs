//! One trace: on the left a collapsible span tree (type label, name, duration, a waterfall
//! bar placed by start time and sized by duration within the trace, cost, tokens, error mark,
//! score count); on the right the detail of the selected trace or span — a header (name,
//! type, start, duration, model/provider, tokens, cost) and tabs Input/Output (input above
//! output, each with its header and its own fold), Metadata, Usage, Scores, Error, Comments.
//! `Tab` switches focus, `h`/`l` fold (the tree, or in the detail the section, JSON node or
//! long string on the cursor line; `Enter` toggles), `[`/`]` change tabs, `J`/`K` scroll the
//! detail, `/` searches the whole payload (`n`/`N`), `R` shows raw JSON, `+`/`-` unfold/fold
//! all JSON, `y` copies the id.
//!
//! Heavy traces stay fluid: the detail's content is decided and laid out once per (subject,
//! part, raw, width, theme) — in the background for large payloads ([`content::Job`]) — and
//! kept in `Arc`s; a frame renders only the visible rows ([`doc::Doc::render`]), and JSON is a
//! tree whose lines come from its fold state ([`crate::render::json_tree`]).
//! Narrow terminals (< 100 columns) stack the tree above the detail.

mod content;
mod detail;
mod doc;
mod keys;
mod pane;
mod search;
mod subject;
mod tabs;
mod tree;

#[cfg(test)]
mod doc_tests;

use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use uuid::Uuid;

use crate::render::json_tree::layout::JsonLayout;
use content::{Caches, ContentKey, Job, Who};
use doc::{Doc, PartState};
pub use subject::{LAZY_BYTES, Subject, TABS, Tab, approx_size};
pub use tabs::render_tab;
pub use tree::bar_cells;

use super::span_tree::{Row, SpanTree};
use crate::app::{Action, AppEnv, Ctx, DrawCtx, Handled, KeyContext, Screen};
use crate::opik::error::ApiError;
use crate::opik::model::{Span, SpanSearchRequest, Trace};
use crate::render::format;
use crate::render::sanitize::one_line;

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
        _ => format::count(shown, "span"),
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

type Loaded = Result<(Trace, Vec<Span>), ApiError>;

/// What the trace view's tasks return.
pub enum TraceViewMsg {
    /// The trace and its spans.
    Loaded(Loaded),
    /// One span read in full (the list holds truncated payloads).
    Span(Result<Span, ApiError>),
    /// Parts of the detail built off the UI thread.
    Built(content::Built),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    Tree,
    Detail,
}

pub struct TraceViewScreen {
    env: Option<Rc<AppEnv>>,
    pub project: String,
    pub trace_id: Uuid,
    /// The trace; its input and output move into the detail's subject once shown.
    pub trace: Option<Trace>,
    pub tree: SpanTree,
    folded: HashSet<usize>,
    rows: Vec<Row>,
    /// 0 = the trace row, i+1 = rows[i].
    pub selected: usize,
    offset: usize,
    tree_page: usize,
    tree_area: Rect,
    /// The widest tree label ([`TraceViewScreen::label_width`]), until the data changes.
    label_w: Option<usize>,
    focus: Focus,
    pub tab: Tab,
    raw: bool,
    /// The detail's cursor row and first visible row.
    cursor: usize,
    scroll: usize,
    detail_page: usize,
    /// Where the detail's rows were drawn (mouse clicks).
    detail_body: Rect,
    /// Full (untruncated) spans fetched on selection.
    full: HashMap<Uuid, Span>,
    /// The selected subject: who, whether from the full span, the data.
    subject: Option<(Who, bool, Arc<Subject>)>,
    trace_subject: Option<Arc<Subject>>,
    caches: Caches,
    /// The current tab of the current subject, laid out.
    doc: Option<Doc>,
    /// Fold states of the parts shown before.
    states: HashMap<ContentKey, PartState>,
    /// Their JSON layouts, reused when shown again with the same folds and width.
    layouts: HashMap<ContentKey, JsonLayout>,
    /// The background job the last draw asked for.
    want: Option<Job>,
    search: search::DetailSearch,
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
            label_w: None,
            focus: Focus::Tree,
            tab: Tab::InputOutput,
            raw: false,
            cursor: 0,
            scroll: 0,
            detail_page: 10,
            detail_body: Rect::default(),
            full: HashMap::new(),
            subject: None,
            trace_subject: None,
            caches: Caches::default(),
            doc: None,
            states: HashMap::new(),
            layouts: HashMap::new(),
            want: None,
            search: search::DetailSearch::default(),
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

    fn on_select(&mut self, ctx: &mut Ctx<TraceViewMsg>) {
        self.reset_detail();
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

    /// Back to the top of the detail, without a search (another subject or tab).
    fn reset_detail(&mut self) {
        self.cursor = 0;
        self.scroll = 0;
        self.search.clear();
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
        self.forget(None);
        self.load(ctx);
    }

    fn capturing_text(&self) -> bool {
        self.search.input.is_some()
    }

    fn handle_key(&mut self, key: KeyEvent, ctx: &mut Ctx<TraceViewMsg>) -> Handled {
        self.search_key(key, ctx)
    }

    fn hint_labels(&self) -> Vec<(Action, &'static str)> {
        match self.focus {
            Focus::Detail => vec![(Action::Open, "fold/unfold")],
            Focus::Tree => Vec::new(),
        }
    }

    fn handle_action(&mut self, action: Action, ctx: &mut Ctx<TraceViewMsg>) -> Handled {
        // Keys act on the document as drawn (the previous key may have changed the tab).
        if self.detail_body.width > 0 {
            self.ensure_doc(self.detail_body.width, ctx.theme);
        }
        let handled = self.act(action, ctx);
        self.kick_background(ctx);
        if handled { Handled::Yes } else { Handled::No }
    }

    fn handle_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx<TraceViewMsg>) -> Handled {
        self.mouse(ev, ctx)
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
                        self.trace_subject = None;
                        self.tree = SpanTree::build(spans);
                        self.label_w = None;
                        self.folded.retain(|n| *n < self.tree.nodes.len());
                        self.rows = self.tree.flatten(&self.folded);
                        self.selected = self.selected.min(self.rows.len());
                        self.forget(None);
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
                        let node = self.tree.nodes.iter().position(|n| n.span.id == Some(id));
                        self.full.insert(id, s);
                        if let Some(n) = node {
                            self.forget(Some(Who::Node(n)));
                        }
                    }
                }
                Err(e) => ctx.toast_error(format!("loading span: {e}")),
            },
            TraceViewMsg::Built(b) => self.on_built(b),
        }
        self.kick_background(ctx);
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let wide = area.width >= 100;
        let (tree_area, detail_area) = if wide {
            let tree_w = tree::pane_width(area.width, self.label_width());
            let [a, b] =
                Layout::horizontal([Constraint::Length(tree_w), Constraint::Min(0)]).areas(area);
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
        // What both panes offer after their own keys.
        const TAIL: &[Action] = &[
            Action::ToggleRaw,
            Action::CollapseAll,
            Action::ExpandAll,
            Action::Copy,
            Action::CopyUrl,
            Action::Export,
        ];
        match self.focus {
            Focus::Tree => [
                &[
                    Action::NextPane,
                    Action::Collapse,
                    Action::Expand,
                    Action::NextTab,
                    Action::ScrollDown,
                    Action::Search,
                ],
                TAIL,
                &[Action::Refresh],
            ]
            .concat(),
            Focus::Detail => {
                let mut h = vec![
                    Action::NextPane,
                    Action::Open,
                    Action::Collapse,
                    Action::Expand,
                    Action::NextTab,
                    Action::Search,
                ];
                if !self.search.query.is_empty() {
                    h.extend([Action::NextMatch, Action::PrevMatch]);
                }
                h.extend(TAIL);
                h
            }
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

#[cfg(test)]
mod usage_tab_tests;

#[cfg(test)]
mod tab_tests;

#[cfg(test)]
mod cap_tests;
