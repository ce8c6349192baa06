//! Syntax highlighting of code blocks with syntect, using two-face's syntax and theme sets
//! (bat's collection: far more languages than syntect's defaults, fancy-regex engine).
//!
//! Both sets are loaded once, lazily, on first use (a few milliseconds; themes are
//! deserialised one at a time). [`highlight`] turns source text plus a fence language into
//! ratatui lines, styled by the syntect theme the UI theme names (`Theme::syntax_theme`).
//! Input is sanitised first. Very large blocks are not highlighted (shown in the plain code
//! style) so a huge message never costs seconds of regex work. Results are cached (by code,
//! language, theme and base style, up to [`CACHE_BYTES`] of code): highlighting does not
//! depend on the width, so laying a long answer out again at another width (a resize) does
//! not run the regexes again.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex};

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme as SynTheme};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;
use two_face::theme::LazyThemeSet;

use crate::render::sanitize::sanitize;

/// Blocks larger than this (bytes) are shown unhighlighted.
pub const MAX_HIGHLIGHT_BYTES: usize = 64 * 1024;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);
static THEMES: LazyLock<LazyThemeSet> =
    LazyLock::new(|| LazyThemeSet::from(two_face::theme::extra()));

/// The syntax for a fence language (`rust`, `py`, `json`, `sh`, …), if known.
pub fn syntax_for(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = lang.trim();
    if lang.is_empty() {
        return None;
    }
    let ss: &'static SyntaxSet = &SYNTAXES;
    ss.find_syntax_by_token(lang)
        .or_else(|| ss.find_syntax_by_token(&lang.to_ascii_lowercase()))
}

fn syn_theme(name: &str) -> Option<&'static SynTheme> {
    let set: &'static LazyThemeSet = &THEMES;
    set.get(name).or_else(|| set.get("base16-ocean.dark"))
}

/// Convert a syntect colour. bat's `ansi`/`base16` themes encode palette colours with alpha 0
/// (index in red) and "terminal default" with alpha 1.
fn color(c: syntect::highlighting::Color) -> Option<Color> {
    match c.a {
        0 => Some(match c.r {
            0 => Color::Black,
            1 => Color::Red,
            2 => Color::Green,
            3 => Color::Yellow,
            4 => Color::Blue,
            5 => Color::Magenta,
            6 => Color::Cyan,
            7 => Color::Gray,
            n => Color::Indexed(n),
        }),
        1 => None,
        _ => Some(Color::Rgb(c.r, c.g, c.b)),
    }
}

/// Code bytes the highlight cache keeps at most (it starts over when full).
pub const CACHE_BYTES: usize = 4 * 1024 * 1024;

type Key = (u64, usize, String, String, Style);
/// Cached highlights and the code bytes they cover.
type Cache = (HashMap<Key, Arc<Vec<Line<'static>>>>, usize);

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);

/// Highlight `code` as `lang` with the syntect theme `syntax_theme`; every line gets `base`
/// underneath (the UI's code style). Unknown languages, unknown themes and oversized blocks
/// come back in the `base` style only. Never fails. Cached (see the module docs).
pub fn highlight(code: &str, lang: &str, syntax_theme: &str, base: Style) -> Vec<Line<'static>> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    code.hash(&mut h);
    let key: Key = (
        h.finish(),
        code.len(),
        lang.into(),
        syntax_theme.into(),
        base,
    );
    if let Some(hit) = CACHE.lock().ok().and_then(|c| c.0.get(&key).cloned()) {
        return hit.as_ref().clone();
    }
    let lines = highlight_uncached(code, lang, syntax_theme, base);
    if let Ok(mut c) = CACHE.lock() {
        if c.1 + code.len() > CACHE_BYTES {
            *c = Default::default();
        }
        c.1 += code.len();
        c.0.insert(key, Arc::new(lines.clone()));
    }
    lines
}

/// [`highlight`] without the cache.
pub fn highlight_uncached(
    code: &str,
    lang: &str,
    syntax_theme: &str,
    base: Style,
) -> Vec<Line<'static>> {
    let clean = sanitize(code);
    let code: &str = clean.trim_end_matches('\n');
    let plain = || -> Vec<Line<'static>> {
        code.split('\n')
            .map(|l| Line::from(Span::styled(l.to_owned(), base)))
            .collect()
    };
    if code.len() > MAX_HIGHLIGHT_BYTES {
        return plain();
    }
    let (Some(syntax), Some(theme)) = (syntax_for(lang), syn_theme(syntax_theme)) else {
        return plain();
    };
    let mut h = HighlightLines::new(syntax, theme);
    let mut out = Vec::new();
    for line in LinesWithEndings::from(code) {
        let Ok(ranges) = h.highlight_line(line, &SYNTAXES) else {
            return plain();
        };
        let mut spans: Vec<Span<'static>> = Vec::new();
        for span in ranges.into_iter().filter_map(|(st, text)| {
            let text = text.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                return None;
            }
            let mut style = base;
            if let Some(fg) = color(st.foreground) {
                style = style.fg(fg);
            }
            if st.font_style.contains(FontStyle::BOLD) {
                style = style.add_modifier(Modifier::BOLD);
            }
            if st.font_style.contains(FontStyle::ITALIC) {
                style = style.add_modifier(Modifier::ITALIC);
            }
            if st.font_style.contains(FontStyle::UNDERLINE) {
                style = style.add_modifier(Modifier::UNDERLINED);
            }
            Some(Span::styled(text.to_owned(), style))
        }) {
            match spans.last_mut() {
                Some(last) if last.style == span.style => {
                    last.content.to_mut().push_str(&span.content)
                }
                _ => spans.push(span),
            }
        }
        out.push(Line::from(spans));
    }
    if out.is_empty() {
        out.push(Line::from(Span::styled(String::new(), base)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_language_gets_several_colours() {
        let lines = highlight(
            "fn main() {\n    let x = 1;\n}\n",
            "rust",
            "base16-ocean.dark",
            Style::default(),
        );
        assert_eq!(lines.len(), 3);
        let fgs: std::collections::HashSet<_> = lines
            .iter()
            .flat_map(|l| l.spans.iter().map(|s| s.style.fg))
            .collect();
        assert!(fgs.len() >= 3, "expected several colours, got {fgs:?}");
        let text: String = lines[1].spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "    let x = 1;");
    }

    #[test]
    fn unknown_language_is_plain_and_sanitised() {
        let base = Style::default().fg(Color::Yellow);
        let lines = highlight("a\x1b[31mb\n", "no-such-lang", "base16-ocean.dark", base);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].spans[0].content, "ab");
        assert_eq!(lines[0].spans[0].style, base);
    }

    #[test]
    fn aliases_resolve() {
        for lang in [
            "py", "python", "js", "json", "sh", "bash", "yaml", "sql", "Rust", "ts",
        ] {
            assert!(syntax_for(lang).is_some(), "{lang}");
        }
    }

    #[test]
    fn ansi_theme_uses_palette_colours() {
        let lines = highlight("{\"a\": 1}", "json", "ansi", Style::default());
        assert!(
            lines[0]
                .spans
                .iter()
                .all(|s| !matches!(s.style.fg, Some(Color::Rgb(..)))),
            "{:?}",
            lines[0]
        );
    }
}
