//! Keeping the detail pane's [`Doc`] current: the selected subject (built once per selection,
//! shared through an `Arc`), the document of its current tab at the pane's width, assembled
//! from the content and text caches; what is missing and large is built by one background
//! [`Job`] at a time, and the pane shows a placeholder (or, after a resize, the lines at the
//! old width) until it is back.

use std::sync::Arc;

use super::content::{self, Built, Content, ContentKey, Job, Part, Who, heavy_text, wrap};
use super::doc::{Body, Doc, Section};
use super::subject::Subject;
use super::{TraceViewMsg, TraceViewScreen};
use crate::app::Ctx;
use crate::theme::Theme;

impl TraceViewScreen {
    /// The selected subject: the trace, or the span (its full version once fetched).
    pub(super) fn current(&mut self) -> Option<(Who, Arc<Subject>)> {
        let who = match self.selected.checked_sub(1) {
            None => Who::Trace,
            Some(i) => Who::Node(self.rows.get(i)?.node),
        };
        let full = match who {
            Who::Trace => true,
            Who::Node(n) => self.tree.nodes[n]
                .span
                .id
                .is_some_and(|id| self.full.contains_key(&id)),
        };
        if let Some((w, f, s)) = &self.subject
            && *w == who
            && *f == full
        {
            return Some((who, s.clone()));
        }
        let s = Arc::new(match who {
            // The trace's subject is kept: it may hold megabytes (built once per load).
            Who::Trace => match &self.trace_subject {
                Some(s) => return Some((who, self.remember(who, full, s.clone()))),
                None => {
                    // The payloads move into the subject (they may be megabytes: not twice).
                    let t = self.trace.as_mut()?;
                    let (input, output) = (t.input.take(), t.output.take());
                    let mut s = Subject::from_trace(t);
                    s.input = input;
                    s.output = output;
                    let s = Arc::new(s);
                    self.trace_subject = Some(s.clone());
                    return Some((who, self.remember(who, full, s)));
                }
            },
            Who::Node(n) => {
                let span = &self.tree.nodes[n].span;
                Subject::from_span(span.id.and_then(|id| self.full.get(&id)).unwrap_or(span))
            }
        });
        Some((who, self.remember(who, full, s)))
    }

    fn remember(&mut self, who: Who, full: bool, s: Arc<Subject>) -> Arc<Subject> {
        self.subject = Some((who, full, s.clone()));
        s
    }

    /// Forget what was built for `who` (its data changed), or everything.
    pub(super) fn forget(&mut self, who: Option<Who>) {
        match who {
            Some(w) => {
                self.caches.contents.forget(|k| k.0 == w);
                self.caches.texts.forget(|k| k.0.0 == w);
                self.states.retain(|k, _| k.0 != w);
                self.layouts.retain(|k, _| k.0 != w);
            }
            None => {
                self.caches.contents.clear();
                self.caches.texts.clear();
                self.states.clear();
                self.layouts.clear();
            }
        }
        self.subject = None;
        if let Some(d) = &mut self.doc {
            d.stale = true;
        }
    }

    /// Make `self.doc` the current tab of the current subject at `width`.
    pub(super) fn ensure_doc(&mut self, width: u16, theme: &Theme) {
        let Some((who, subject)) = self.current() else {
            self.doc = None;
            return;
        };
        let key = (who, self.tab, self.raw);
        if let Some(d) = &self.doc
            && d.key == key
            && d.width == width
            && d.theme == theme.name
            && !d.stale
        {
            return;
        }
        let mut old = self.doc.take();
        // Search hits belong to one document: another one starts without; the same one at
        // another width is searched again (hits in text are rows).
        let mut research = false;
        // The same document at another width: keep the cursor on what it showed.
        let anchor = old
            .as_ref()
            .filter(|d| d.key == key && d.width != width)
            .and_then(|d| d.anchor(self.cursor));
        if let Some(old) = &mut old {
            // Fold states, and JSON layouts (reused while folds and width are the same).
            for s in &mut old.sections {
                let ck = (old.key.0, s.part, old.key.2);
                self.states.insert(ck, s.state.clone());
                if let Body::Json { layout, .. } = &mut s.body {
                    self.layouts.insert(ck, std::mem::take(layout));
                }
            }
            if old.key != key {
                self.search.clear();
            } else if old.width != width && !self.search.hits.is_empty() {
                research = true;
            }
        }
        let mut missing = Vec::new();
        let mut sections = Vec::new();
        for (part, title) in Part::of(self.tab, &subject) {
            let ck: ContentKey = (who, part, self.raw);
            let (body, need) = self.body(ck, &subject, width, theme, old.as_ref());
            if let Some(n) = need {
                missing.push((part, n));
            }
            sections.push(Section {
                part,
                title,
                state: self.states.get(&ck).cloned().unwrap_or_default(),
                body,
            });
        }
        if self.layouts.len() > 8 {
            self.layouts.clear();
        }
        // Sections still building are filled in when the job's result comes (`on_built`).
        let doc = Doc::new(key, width, &theme.name, sections);
        if let Some(row) = anchor.and_then(|a| doc.restore(a)) {
            let above = self.cursor.saturating_sub(self.scroll);
            self.cursor = row;
            self.scroll = row.saturating_sub(above);
        }
        self.doc = Some(doc);
        if research {
            self.refresh_hits();
        }
        self.want = (!missing.is_empty()).then(|| Job {
            subject,
            who,
            raw: self.raw,
            width,
            theme: theme.clone(),
            parts: missing,
        });
    }

    /// The body of one part from the caches, built now when small; else what is there to
    /// show meanwhile and what the background job must build (`Some(content if known)`).
    #[allow(clippy::type_complexity)]
    fn body(
        &mut self,
        ck: ContentKey,
        subject: &Subject,
        width: u16,
        theme: &Theme,
        old: Option<&Doc>,
    ) -> (Body, Option<Option<Arc<Content>>>) {
        let (_, part, raw) = ck;
        let content = match self.caches.contents.get(&ck) {
            Some(c) => c,
            None if part.heavy(subject) => return (Body::Pending, Some(None)),
            None => {
                let c = Arc::new(content::build(subject, part, raw, theme));
                self.caches.contents.put(ck, c.clone());
                c
            }
        };
        if let Content::Json(tree) = &*content {
            return (
                Body::Json {
                    tree: tree.clone(),
                    layout: self.layouts.remove(&ck).unwrap_or_default(),
                },
                None,
            );
        }
        let tk = (ck, width, theme.name.clone());
        if let Some(t) = self.caches.texts.get(&tk) {
            return (Body::Lines(t), None);
        }
        if heavy_text(&content) {
            // Meanwhile, the same part's lines at the old width (a resize), if shown.
            let stale = old
                .filter(|d| d.key.0 == ck.0 && d.key.2 == raw)
                .and_then(|d| d.sections.iter().find(|s| s.part == part))
                .and_then(|s| match &s.body {
                    Body::Lines(t) => Some(Body::Lines(t.clone())),
                    _ => None,
                });
            return (stale.unwrap_or(Body::Pending), Some(Some(content)));
        }
        match wrap(&content, subject, width, theme) {
            Some(t) => {
                self.caches.texts.put(tk, t.clone());
                (Body::Lines(t), None)
            }
            None => (Body::Pending, None),
        }
    }

    /// Start the background job asked for by the last draw (one at a time).
    pub(super) fn kick_background(&mut self, ctx: &mut Ctx<TraceViewMsg>) {
        if self.want.is_none() || ctx.in_flight("render") {
            return;
        }
        let Some(job) = self.want.take() else {
            return;
        };
        ctx.spawn("render", async move {
            let built = tokio::task::spawn_blocking(move || job.run())
                .await
                .unwrap_or_default();
            TraceViewMsg::Built(built)
        });
    }

    /// A background job finished: cache what it made; the next draw assembles the document.
    pub(super) fn on_built(&mut self, b: Built) {
        for (k, c) in b.contents {
            self.caches.contents.put(k, c);
        }
        for (k, t) in b.texts {
            self.caches.texts.put(k, t);
        }
        self.want = None;
        if let Some(d) = &mut self.doc {
            d.stale = true;
        }
    }
}
