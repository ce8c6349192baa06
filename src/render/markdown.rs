//! Markdown (CommonMark + GFM tables, strikethrough, task lists) rendered into ratatui
//! [`Text`], word-wrapped to a width. One renderer serves the conversation view, the trace
//! view and annotation queues.
//!
//! pulldown-cmark events drive a small layout engine:
//! - inline content (text, emphasis, strong, strikethrough, inline code, links, images, hard
//!   and soft breaks) collects into a buffer of styled pieces, which is wrapped greedily on
//!   word boundaries by display width (wide characters and emoji count two columns; words
//!   longer than the line are broken);
//! - containers (block quotes, nested list items) contribute a prefix to every line they hold:
//!   `│ ` for quotes, the bullet or number on an item's first line and matching indentation
//!   after it;
//! - fenced code is highlighted by [`crate::render::highlight`] with the fence's language and
//!   hard-wrapped on a code background; tables are box-drawn with columns shrunk to fit and
//!   cells wrapped; links show their text then the URL, dimmed, unless they are the same.
//!
//! Every piece of text goes through [`sanitize`]. Results are cached per (content hash,
//! width, theme name) in [`render`]; [`cached`] lets a view check without rendering, so huge
//! messages can be rendered off the UI thread (see [`LARGE_BYTES`]). Beyond
//! [`MAX_MARKDOWN_BYTES`] the text is shown unparsed (plain wrapped lines), which stays cheap.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex};

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use unicode_width::UnicodeWidthChar;

use crate::render::highlight;
use crate::render::sanitize::{display_width, sanitize};
use crate::theme::Theme;

/// Messages at least this large should be rendered in a background task by views.
pub const LARGE_BYTES: usize = 32 * 1024;
/// Messages larger than this are not parsed as markdown: shown as wrapped plain text.
pub const MAX_MARKDOWN_BYTES: usize = 1024 * 1024;
const CACHE_CAPACITY: usize = 512;

type Key = (u64, usize, u16, String);
static CACHE: LazyLock<Mutex<HashMap<Key, Arc<Text<'static>>>>> = LazyLock::new(Default::default);

fn key(src: &str, width: u16, theme: &Theme) -> Key {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    src.hash(&mut h);
    (h.finish(), src.len(), width, theme.name.clone())
}

/// The cached rendering of `src` at `width` for `theme`, if there is one.
pub fn cached(src: &str, width: u16, theme: &Theme) -> Option<Arc<Text<'static>>> {
    CACHE.lock().ok()?.get(&key(src, width, theme)).cloned()
}

/// Render `src` wrapped to `width` columns, through the cache.
pub fn render(src: &str, width: u16, theme: &Theme) -> Arc<Text<'static>> {
    if let Some(t) = cached(src, width, theme) {
        return t;
    }
    let text = Arc::new(render_uncached(src, width as usize, theme));
    if let Ok(mut cache) = CACHE.lock() {
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(key(src, width, theme), text.clone());
    }
    text
}

/// The markdown extensions the renderer (and [`nest`]) parse.
const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS);

/// Render without the cache.
pub fn render_uncached(src: &str, width: usize, theme: &Theme) -> Text<'static> {
    let width = width.max(1);
    if src.len() > MAX_MARKDOWN_BYTES {
        return plain_wrapped(src, width, Style::default());
    }
    // Sanitise first: escape sequences must not be split across parser events.
    let src = sanitize(src);
    let mut r = Renderer::new(theme, width);
    for ev in Parser::new_ext(&src, OPTIONS) {
        r.event(ev);
    }
    r.finish()
}

/// Plain text wrapped to `width` (sanitised), for text that is not markdown.
pub fn plain_wrapped(src: &str, width: usize, style: Style) -> Text<'static> {
    let clean = sanitize(src);
    let mut lines = Vec::new();
    for raw in clean.split('\n') {
        let pieces = vec![Piece::Text(raw.to_owned(), style)];
        for l in wrap(&pieces, width.max(1)) {
            lines.push(Line::from(l));
        }
    }
    Text::from(lines)
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String, Style),
    Break,
}

enum Container {
    Quote,
    Item {
        marker: String,
        style: Style,
        first: bool,
    },
}

struct TableBuf {
    aligns: Vec<Alignment>,
    rows: Vec<Vec<Vec<Piece>>>,
    head_rows: usize,
}

struct Renderer<'t> {
    theme: &'t Theme,
    width: usize,
    lines: Vec<Line<'static>>,
    containers: Vec<Container>,
    inline: Vec<Piece>,
    styles: Vec<Style>,
    pending_blank: bool,
    lists: Vec<Option<u64>>,
    links: Vec<(String, usize)>,
    code: Option<(String, String)>,
    table: Option<TableBuf>,
    in_head: bool,
}

impl<'t> Renderer<'t> {
    fn new(theme: &'t Theme, width: usize) -> Self {
        Renderer {
            theme,
            width,
            lines: Vec::new(),
            containers: Vec::new(),
            inline: Vec::new(),
            styles: Vec::new(),
            pending_blank: false,
            lists: Vec::new(),
            links: Vec::new(),
            code: None,
            table: None,
            in_head: false,
        }
    }

    fn style(&self) -> Style {
        self.styles
            .iter()
            .fold(Style::default(), |acc, s| acc.patch(*s))
    }

    fn push_text(&mut self, text: &str, style: Style) {
        let clean = sanitize(text);
        for (i, part) in clean.split('\n').enumerate() {
            if i > 0 {
                self.inline.push(Piece::Break);
            }
            if !part.is_empty() {
                self.inline.push(Piece::Text(part.to_owned(), style));
            }
        }
    }

    fn prefix_width(&self) -> usize {
        self.containers
            .iter()
            .map(|c| match c {
                Container::Quote => 2,
                Container::Item { marker, .. } => display_width(marker) + 1,
            })
            .sum()
    }

    fn avail(&self) -> usize {
        self.width.saturating_sub(self.prefix_width()).max(1)
    }

    /// The prefix spans for the next content line; consumes item markers.
    fn take_prefix(&mut self) -> Vec<Span<'static>> {
        let quote = self.theme.quote;
        let mut out = Vec::new();
        for c in &mut self.containers {
            match c {
                Container::Quote => {
                    out.push(Span::styled("│ ", quote.remove_modifier(Modifier::ITALIC)))
                }
                Container::Item {
                    marker,
                    style,
                    first,
                } => {
                    let w = display_width(marker) + 1;
                    if *first {
                        out.push(Span::styled(format!("{marker} "), *style));
                        *first = false;
                    } else {
                        out.push(Span::raw(" ".repeat(w)));
                    }
                }
            }
        }
        out
    }

    fn emit(&mut self, spans: Vec<Span<'static>>) {
        let mut line = self.take_prefix();
        line.extend(spans);
        self.lines.push(Line::from(line));
    }

    fn blank(&mut self) {
        if self.lines.is_empty() {
            return;
        }
        let quote = self.theme.quote.remove_modifier(Modifier::ITALIC);
        let spans: Vec<Span<'static>> = self
            .containers
            .iter()
            .filter(|c| matches!(c, Container::Quote))
            .map(|_| Span::styled("│ ", quote))
            .collect();
        self.lines.push(Line::from(spans));
    }

    fn start_block(&mut self) {
        self.flush();
        if self.pending_blank {
            self.blank();
            self.pending_blank = false;
        }
    }

    fn flush(&mut self) {
        if self.inline.is_empty() {
            return;
        }
        let pieces = std::mem::take(&mut self.inline);
        for l in wrap(&pieces, self.avail()) {
            self.emit(l);
        }
    }

    fn event(&mut self, ev: Event<'_>) {
        if let Some((_, buf)) = &mut self.code {
            match ev {
                Event::Text(t) => {
                    buf.push_str(&t);
                    return;
                }
                Event::End(TagEnd::CodeBlock) => {}
                _ => return,
            }
        }
        match ev {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                let st = self.style();
                self.push_text(&t, st);
            }
            Event::Code(t) => {
                let st = self.style().patch(self.theme.code);
                self.push_text(&t, st);
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                let st = self.style().patch(self.theme.code);
                self.push_text(&t, st);
            }
            Event::Html(t) | Event::InlineHtml(t) => {
                let st = self.style().patch(self.theme.dim);
                let t = t.trim_end_matches('\n').to_owned();
                self.push_text(&t, st);
            }
            Event::FootnoteReference(label) => {
                let st = self.theme.dim;
                self.push_text(&format!("[^{label}]"), st);
            }
            Event::SoftBreak => {
                let st = self.style();
                self.inline.push(Piece::Text(" ".into(), st));
            }
            Event::HardBreak => self.inline.push(Piece::Break),
            Event::Rule => {
                self.start_block();
                let w = self.avail();
                self.emit(vec![Span::styled("─".repeat(w), self.theme.dim)]);
                self.pending_blank = true;
            }
            Event::TaskListMarker(done) => {
                let st = self.theme.dim;
                self.inline
                    .push(Piece::Text(if done { "[x] " } else { "[ ] " }.into(), st));
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.start_block(),
            Tag::Heading { level, .. } => {
                self.start_block();
                let st = match level {
                    HeadingLevel::H1 => self.theme.heading1,
                    HeadingLevel::H2 => self.theme.heading2,
                    _ => self.theme.heading3,
                };
                self.styles.push(st);
            }
            Tag::BlockQuote(_) => {
                self.start_block();
                self.containers.push(Container::Quote);
                self.styles.push(self.theme.quote);
            }
            Tag::CodeBlock(kind) => {
                self.start_block();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split([' ', ',', '{']).next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.start_block();
                } else {
                    self.flush();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                if self.pending_blank {
                    self.blank();
                    self.pending_blank = false;
                }
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}.");
                        *n += 1;
                        m
                    }
                    _ => ["•", "◦", "▪"][depth % 3].to_owned(),
                };
                self.containers.push(Container::Item {
                    marker,
                    style: self.theme.accent,
                    first: true,
                });
            }
            Tag::Emphasis => self
                .styles
                .push(Style::default().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self
                .styles
                .push(Style::default().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self
                .styles
                .push(Style::default().add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.links.push((dest_url.to_string(), self.inline.len()));
                self.styles.push(self.theme.link);
            }
            Tag::Image { dest_url, .. } => {
                let st = self.theme.dim;
                self.inline.push(Piece::Text("[image: ".into(), st));
                self.links.push((dest_url.to_string(), usize::MAX));
                self.styles.push(self.theme.link);
            }
            Tag::Table(aligns) => {
                self.start_block();
                self.table = Some(TableBuf {
                    aligns,
                    rows: Vec::new(),
                    head_rows: 0,
                });
            }
            Tag::TableHead => {
                self.in_head = true;
                if let Some(t) = &mut self.table {
                    t.rows.push(Vec::new());
                    t.head_rows = 1;
                }
                self.styles
                    .push(Style::default().add_modifier(Modifier::BOLD));
            }
            Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => self.inline.clear(),
            Tag::FootnoteDefinition(label) => {
                self.start_block();
                let st = self.theme.dim;
                self.push_text(&format!("[^{label}]: "), st);
            }
            Tag::HtmlBlock => self.start_block(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock | TagEnd::FootnoteDefinition => {
                self.flush();
                self.pending_blank = true;
            }
            TagEnd::Heading(_) => {
                self.flush();
                self.styles.pop();
                self.pending_blank = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.containers.pop();
                self.styles.pop();
                self.pending_blank = true;
            }
            TagEnd::CodeBlock => self.end_code(),
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.pending_blank = true;
                }
            }
            TagEnd::Item => {
                self.flush();
                self.containers.pop();
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link | TagEnd::Image => {
                self.styles.pop();
                if let Some((url, start)) = self.links.pop() {
                    let image = start == usize::MAX;
                    if image {
                        let st = self.theme.dim;
                        self.inline.push(Piece::Text("]".into(), st));
                    }
                    let shown: String = if image {
                        String::new()
                    } else {
                        self.inline[start.min(self.inline.len())..]
                            .iter()
                            .filter_map(|p| match p {
                                Piece::Text(t, _) => Some(t.as_str()),
                                Piece::Break => None,
                            })
                            .collect()
                    };
                    let same = url.is_empty()
                        || shown == url
                        || url.strip_prefix("mailto:") == Some(shown.as_str());
                    if !same {
                        let st = self.theme.dim;
                        let url = sanitize(&url).into_owned();
                        self.inline.push(Piece::Text(format!(" ({url})"), st));
                    }
                }
            }
            TagEnd::Table => self.end_table(),
            TagEnd::TableHead => {
                self.in_head = false;
                self.styles.pop();
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(cell);
                }
            }
            _ => {}
        }
    }

    fn end_code(&mut self) {
        let Some((lang, buf)) = self.code.take() else {
            return;
        };
        let base = self.theme.code_bg.patch(self.theme.code);
        let avail = self.avail();
        let hl = highlight::highlight(&buf, &lang, &self.theme.syntax_theme, base);
        for line in hl {
            for mut chunk in hard_wrap(line.spans, avail) {
                let used: usize = chunk.iter().map(|s| display_width(&s.content)).sum();
                if used < avail {
                    chunk.push(Span::styled(" ".repeat(avail - used), self.theme.code_bg));
                }
                self.emit(chunk);
            }
        }
        self.pending_blank = true;
    }

    fn end_table(&mut self) {
        let Some(t) = self.table.take() else { return };
        let ncols = t.rows.iter().map(Vec::len).max().unwrap_or(0);
        if ncols == 0 {
            return;
        }
        let border = self.theme.table_border;
        let avail = self.avail();
        let natural: Vec<usize> = (0..ncols)
            .map(|c| {
                t.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| pieces_width(cell))
                    .max()
                    .unwrap_or(0)
                    .max(1)
            })
            .collect();
        let widths = fit_columns(&natural, avail.saturating_sub(3 * ncols + 1));
        let rule = |l: &str, m: &str, r: &str| -> Vec<Span<'static>> {
            let mut s = String::from(l);
            for (i, w) in widths.iter().enumerate() {
                s.push_str(&"─".repeat(w + 2));
                s.push_str(if i + 1 < widths.len() { m } else { r });
            }
            vec![Span::styled(s, border)]
        };
        self.emit(rule("┌", "┬", "┐"));
        for (ri, row) in t.rows.iter().enumerate() {
            let wrapped: Vec<Vec<Vec<Span<'static>>>> = (0..ncols)
                .map(|c| {
                    row.get(c)
                        .map(|cell| wrap(cell, widths[c]))
                        .unwrap_or_default()
                })
                .collect();
            let height = wrapped.iter().map(Vec::len).max().unwrap_or(0).max(1);
            for li in 0..height {
                let mut spans = vec![Span::styled("│", border)];
                for (c, w) in widths.iter().enumerate() {
                    let content = wrapped[c].get(li).cloned().unwrap_or_default();
                    let used: usize = content.iter().map(|s| display_width(&s.content)).sum();
                    let pad = w.saturating_sub(used);
                    let (left, right) = match t.aligns.get(c) {
                        Some(Alignment::Right) => (pad, 0),
                        Some(Alignment::Center) => (pad / 2, pad - pad / 2),
                        _ => (0, pad),
                    };
                    spans.push(Span::raw(" ".repeat(left + 1)));
                    spans.extend(content);
                    spans.push(Span::raw(" ".repeat(right + 1)));
                    spans.push(Span::styled("│", border));
                }
                self.emit(spans);
            }
            if ri + 1 == t.head_rows && t.rows.len() > t.head_rows {
                self.emit(rule("├", "┼", "┤"));
            }
        }
        self.emit(rule("└", "┴", "┘"));
        self.pending_blank = true;
    }

    fn finish(mut self) -> Text<'static> {
        if let Some((_, _)) = &self.code {
            self.end_code();
        }
        self.flush();
        Text::from(self.lines)
    }
}

/// Display width of pieces (the widest line, breaks split lines).
fn pieces_width(pieces: &[Piece]) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for p in pieces {
        match p {
            Piece::Text(t, _) => cur += display_width(t),
            Piece::Break => {
                best = best.max(cur);
                cur = 0;
            }
        }
    }
    best.max(cur)
}

/// Shrink column widths to fit `budget` columns: narrow columns keep their width, the rest
/// share what is left (water-filling). Every column keeps at least one column.
fn fit_columns(natural: &[usize], budget: usize) -> Vec<usize> {
    let total: usize = natural.iter().sum();
    if total <= budget {
        return natural.to_vec();
    }
    let n = natural.len();
    let mut widths = vec![0usize; n];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| natural[i]);
    let mut left = budget;
    for (k, &i) in order.iter().enumerate() {
        let share = left / (n - k);
        let w = natural[i].min(share).max(1);
        widths[i] = w;
        left = left.saturating_sub(w);
    }
    widths
}

/// Greedy word wrap of styled pieces to `width` columns. Spaces at a wrap point are dropped;
/// words wider than the line are broken by character.
fn wrap(pieces: &[Piece], width: usize) -> Vec<Vec<Span<'static>>> {
    let width = width.max(1);
    let mut lines: Vec<Vec<Span<'static>>> = Vec::new();
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut col = 0usize;
    let push = |line: &mut Vec<Span<'static>>, s: &str, st: Style| {
        if let Some(last) = line.last_mut()
            && last.style == st
        {
            last.content.to_mut().push_str(s);
            return;
        }
        line.push(Span::styled(s.to_owned(), st));
    };
    for p in pieces {
        let (text, st) = match p {
            Piece::Break => {
                lines.push(std::mem::take(&mut line));
                col = 0;
                continue;
            }
            Piece::Text(t, st) => (t.as_str(), *st),
        };
        for token in split_words(text) {
            let w = display_width(token);
            let is_space = token.starts_with(' ');
            if is_space {
                if col == 0 && !lines.is_empty() {
                    continue;
                }
                if col + w <= width {
                    push(&mut line, token, st);
                    col += w;
                } else {
                    lines.push(std::mem::take(&mut line));
                    col = 0;
                }
                continue;
            }
            if col + w <= width {
                push(&mut line, token, st);
                col += w;
                continue;
            }
            if w <= width && col > 0 {
                trim_trailing_space(&mut line);
                lines.push(std::mem::take(&mut line));
                push(&mut line, token, st);
                col = w;
                continue;
            }
            // Break a word longer than the line.
            let mut buf = String::new();
            for c in token.chars() {
                let cw = c.width().unwrap_or(0);
                if col + cw > width && col > 0 {
                    if !buf.is_empty() {
                        push(&mut line, &buf, st);
                        buf.clear();
                    }
                    lines.push(std::mem::take(&mut line));
                    col = 0;
                }
                buf.push(c);
                col += cw;
            }
            if !buf.is_empty() {
                push(&mut line, &buf, st);
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn trim_trailing_space(line: &mut Vec<Span<'static>>) {
    while let Some(last) = line.last_mut() {
        let trimmed = last.content.trim_end_matches(' ').len();
        if trimmed == 0 {
            line.pop();
        } else {
            last.content.to_mut().truncate(trimmed);
            break;
        }
    }
}

/// Split into runs of spaces and runs of non-spaces.
fn split_words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<bool> = None;
    for (i, c) in s.char_indices() {
        let sp = c == ' ';
        if prev.is_some_and(|p| p != sp) {
            out.push(&s[start..i]);
            start = i;
        }
        prev = Some(sp);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Break styled spans into chunks of at most `width` columns (code lines).
fn hard_wrap(spans: Vec<Span<'static>>, width: usize) -> Vec<Vec<Span<'static>>> {
    let width = width.max(1);
    let mut out = vec![Vec::new()];
    let mut col = 0;
    for span in spans {
        let mut buf = String::new();
        for c in span.content.chars() {
            let cw = c.width().unwrap_or(0);
            if col + cw > width && col > 0 {
                if !buf.is_empty() {
                    out.last_mut()
                        .expect("non-empty")
                        .push(Span::styled(std::mem::take(&mut buf), span.style));
                }
                out.push(Vec::new());
                col = 0;
            }
            buf.push(c);
            col += cw;
        }
        if !buf.is_empty() {
            out.last_mut()
                .expect("non-empty")
                .push(Span::styled(buf, span.style));
        }
    }
    out
}

pub mod nest;

#[cfg(test)]
mod tests;
