//! What each part of a detail tab shows, decided once per (subject, part, raw) and cached:
//! the message text found in a payload (markdown or plain), a JSON tree, or one of the small
//! tabs. Text is then wrapped per (width, theme) into lines shared through an `Arc`. Both
//! steps are pure so a [`Job`] can run them on a blocking thread for large payloads. The
//! caches ([`Recent`]) keep the latest few entries, bounded by count and by bytes held
//! (48 MB of contents, 16 MB of wrapped text).

use std::collections::VecDeque;
use std::sync::Arc;

use ratatui::text::{Line, Text};
use serde_json::Value;

use super::subject::{LAZY_BYTES, Subject, Tab, approx_size};
use super::tabs::{kv, render_tab, text_lines};
use crate::opik::messages::{self, Kind};
use crate::render::json_tree::JsonTree;
use crate::render::lines::wrap_lines;
use crate::render::markdown;
use crate::theme::Theme;
use crate::widgets::list::cells;

/// Which subject the detail describes: the trace, or the span of tree node `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    Trace,
    Node(usize),
}

/// One part of a tab: Input and Output (the Input/Output tab), the tags and the metadata
/// (Metadata), or a whole small tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Input,
    Output,
    Tags,
    Metadata,
    Tab(Tab),
}

impl Part {
    /// The parts of `tab`, in order, with their headers (`None`: no header, no fold).
    pub fn of(tab: Tab, s: &Subject) -> Vec<(Part, Option<&'static str>)> {
        match tab {
            Tab::InputOutput => vec![(Part::Input, Some("Input")), (Part::Output, Some("Output"))],
            Tab::Metadata if s.tags.is_empty() => vec![(Part::Metadata, None)],
            Tab::Metadata => vec![(Part::Tags, None), (Part::Metadata, None)],
            t => vec![(Part::Tab(t), None)],
        }
    }

    fn payload(self, s: &Subject) -> Option<&Value> {
        match self {
            Part::Input => s.input.as_ref(),
            Part::Output => s.output.as_ref(),
            Part::Metadata => s.metadata.as_ref(),
            _ => None,
        }
    }

    /// Whether building its content is worth a background task.
    pub fn heavy(self, s: &Subject) -> bool {
        self.payload(s)
            .is_some_and(|v| approx_size(v) >= LAZY_BYTES)
    }
}

/// What a part shows.
#[derive(Debug)]
pub enum Content {
    Markdown(String),
    Plain(String),
    Json(Arc<JsonTree>),
    /// Ready lines to wrap (tags).
    Lines(Vec<Line<'static>>),
    /// `(no input)`.
    Empty(String),
    /// A small tab, rendered from the subject.
    Tab(Tab),
}

/// A JSON value as a tree, `(no what)` when there is nothing.
fn json_or_empty(v: Option<&Value>, what: &str) -> Content {
    match v {
        None | Some(Value::Null) => Content::Empty(format!("(no {what})")),
        Some(Value::Object(m)) if m.is_empty() => Content::Empty(format!("(no {what})")),
        Some(v) => Content::Json(Arc::new(JsonTree::new(v))),
    }
}

/// Decide what `part` of `s` shows (`raw`: the payload as JSON, never the extracted text).
/// Pretty mode follows [`messages::body`]: the message text found as the web UI finds it
/// (markdown when it looks like it; JSON text becomes a tree), else the JSON itself.
pub fn build(s: &Subject, part: Part, raw: bool, theme: &Theme) -> Content {
    match part {
        Part::Input | Part::Output => {
            let (what, kind) = if part == Part::Input {
                ("input", Kind::Input)
            } else {
                ("output", Kind::Output)
            };
            let v = part.payload(s);
            if raw {
                return json_or_empty(v, what);
            }
            match v.and_then(|v| messages::prettify(v, kind)) {
                None => json_or_empty(v, what),
                Some(t) if messages::looks_like_json(&t) => match serde_json::from_str(&t) {
                    Ok(v) => Content::Json(Arc::new(JsonTree::new(&v))),
                    Err(_) => Content::Plain(t),
                },
                Some(t) if messages::looks_like_markdown(&t) => Content::Markdown(t),
                Some(t) => Content::Plain(t),
            }
        }
        Part::Tags => Content::Lines(vec![kv(theme, "tags", cells::tags(&s.tags))]),
        Part::Metadata => json_or_empty(s.metadata.as_ref(), "metadata"),
        Part::Tab(t) => Content::Tab(t),
    }
}

/// Whether wrapping `c` at a width is worth a background task (large text).
pub fn heavy_text(c: &Content) -> bool {
    match c {
        Content::Markdown(m) | Content::Plain(m) => m.len() >= markdown::LARGE_BYTES,
        _ => false,
    }
}

/// `c` wrapped to `width` (`None` for JSON, which is laid out from its folds instead).
pub fn wrap(c: &Content, s: &Subject, width: u16, theme: &Theme) -> Option<Arc<Text<'static>>> {
    let w = width.max(1);
    Some(match c {
        Content::Json(_) => return None,
        // Large markdown stays out of the app-wide markdown cache: these caches bound it.
        Content::Markdown(m) if heavy_text(c) => {
            Arc::new(markdown::render_uncached(m, w.into(), theme))
        }
        Content::Markdown(m) => markdown::render(m, w, theme),
        Content::Plain(p) => Arc::new(Text::from(wrap_lines(text_lines(p, theme.text), w.into()))),
        Content::Lines(l) => Arc::new(Text::from(wrap_lines(l.clone(), w.into()))),
        Content::Empty(e) => Arc::new(Text::from(Line::styled(e.clone(), theme.dim))),
        Content::Tab(t) => Arc::new(Text::from(render_tab(s, *t, w, theme))),
    })
}

/// (who, part, raw): what a [`Content`] is cached by.
pub type ContentKey = (Who, Part, bool);
/// A content's lines at (width, theme name).
pub type TextKey = (ContentKey, u16, String);

/// A small cache that forgets its oldest entries beyond a count or a total weight (about
/// the bytes its values hold; the newest entry is kept whatever its weight).
#[derive(Debug)]
pub struct Recent<K, V> {
    cap: usize,
    max_weight: usize,
    weigh: fn(&V) -> usize,
    weight: usize,
    items: VecDeque<(K, V, usize)>,
}

impl<K: PartialEq, V: Clone> Recent<K, V> {
    pub fn new(cap: usize, max_weight: usize, weigh: fn(&V) -> usize) -> Self {
        Recent {
            cap,
            max_weight,
            weigh,
            weight: 0,
            items: VecDeque::new(),
        }
    }

    pub fn get(&self, k: &K) -> Option<V> {
        self.items
            .iter()
            .find(|(x, _, _)| x == k)
            .map(|(_, v, _)| v.clone())
    }

    pub fn put(&mut self, k: K, v: V) {
        self.forget(|x| *x == k);
        let w = (self.weigh)(&v);
        self.items.push_back((k, v, w));
        self.weight += w;
        while self.items.len() > 1 && (self.items.len() > self.cap || self.weight > self.max_weight)
        {
            if let Some((_, _, w)) = self.items.pop_front() {
                self.weight -= w;
            }
        }
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.weight = 0;
    }

    /// Forget the entries `f` matches.
    pub fn forget(&mut self, f: impl Fn(&K) -> bool) {
        self.items.retain(|(k, _, _)| !f(k));
        self.weight = self.items.iter().map(|(_, _, w)| w).sum();
    }

    /// The total weight kept.
    #[cfg(test)]
    pub fn weight(&self) -> usize {
        self.weight
    }
}

/// About the bytes a content holds.
fn content_weight(c: &Arc<Content>) -> usize {
    match &**c {
        Content::Json(t) => t.bytes(),
        Content::Markdown(m) | Content::Plain(m) => m.len(),
        _ => 1024,
    }
}

/// About the bytes wrapped lines hold.
fn text_weight(t: &Arc<Text<'static>>) -> usize {
    t.lines
        .iter()
        .map(|l| 64 + l.spans.iter().map(|s| 48 + s.content.len()).sum::<usize>())
        .sum()
}

/// The caches behind the detail pane: a few subjects' parts (a megabyte payload's tree is
/// kept while its neighbours are looked at) and their lines at the recent widths.
#[derive(Debug)]
pub struct Caches {
    pub contents: Recent<ContentKey, Arc<Content>>,
    pub texts: Recent<TextKey, Arc<Text<'static>>>,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            contents: Recent::new(8, 48 << 20, content_weight),
            texts: Recent::new(12, 16 << 20, text_weight),
        }
    }
}

/// Work for a blocking thread: build the contents of `parts` (those not given) and wrap the
/// text ones at `width`.
pub struct Job {
    pub subject: Arc<Subject>,
    pub who: Who,
    pub raw: bool,
    pub width: u16,
    pub theme: Theme,
    pub parts: Vec<(Part, Option<Arc<Content>>)>,
}

/// What a [`Job`] made, to put into the [`Caches`].
#[derive(Default)]
pub struct Built {
    pub contents: Vec<(ContentKey, Arc<Content>)>,
    pub texts: Vec<(TextKey, Arc<Text<'static>>)>,
}

impl Job {
    pub fn run(self) -> Built {
        let mut out = Built::default();
        for (part, have) in self.parts {
            let key = (self.who, part, self.raw);
            let content = match have {
                Some(c) => c,
                None => {
                    let c = Arc::new(build(&self.subject, part, self.raw, &self.theme));
                    out.contents.push((key, c.clone()));
                    c
                }
            };
            if let Some(t) = wrap(&content, &self.subject, self.width, &self.theme) {
                out.texts
                    .push(((key, self.width, self.theme.name.clone()), t));
            }
        }
        out
    }
}
