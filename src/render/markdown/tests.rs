//! Snapshot tests of markdown rendering: layout as plain text, and styles where they matter
//! (highlighted code, emphasis, links).

use ratatui::style::{Color, Modifier};

use super::*;
use crate::render::lines;

fn theme() -> Theme {
    Theme::dark()
}

/// Lines with each styled span shown as `⟦fg,mods⟧text`.
fn annotated(text: &Text<'_>) -> String {
    let mut out = String::new();
    for line in &text.lines {
        for s in &line.spans {
            let st = s.style;
            let mut tag = Vec::new();
            if let Some(fg) = st.fg {
                tag.push(match fg {
                    Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
                    c => format!("{c:?}"),
                });
            }
            if let Some(bg) = st.bg {
                tag.push(match bg {
                    Color::Rgb(r, g, b) => format!("bg#{r:02x}{g:02x}{b:02x}"),
                    c => format!("bg{c:?}"),
                });
            }
            for (m, n) in [
                (Modifier::BOLD, "b"),
                (Modifier::ITALIC, "i"),
                (Modifier::UNDERLINED, "u"),
                (Modifier::CROSSED_OUT, "s"),
            ] {
                if st.add_modifier.contains(m) {
                    tag.push(n.into());
                }
            }
            if tag.is_empty() {
                out.push_str(&s.content);
            } else {
                out.push_str(&format!("⟦{}⟧{}", tag.join(","), s.content));
            }
        }
        out.push('\n');
    }
    out
}

fn layout(src: &str, width: usize) -> String {
    lines::plain(&render_uncached(src, width, &theme()).lines)
}

#[test]
fn snapshot_highlighted_code() {
    let src = "Run this:\n\n```rust\nfn main() {\n    println!(\"hi {}\", 1 + 2); // say hi\n}\n```\n\n```json\n{\"a\": [1, true, null]}\n```\n";
    let text = render_uncached(src, 40, &theme());
    insta::assert_snapshot!("code_layout", lines::plain(&text.lines));
    insta::assert_snapshot!("code_styles", annotated(&text));
}

#[test]
fn snapshot_tables() {
    let src = "| Model | Cost | Notes |\n|:------|-----:|:-----:|\n| gpt-4o | $0.0025 | fast **and** good |\n| claude | $0.003 | a much longer note that will have to wrap inside its cell |\n";
    insta::assert_snapshot!("table_wide", layout(src, 80));
    insta::assert_snapshot!("table_narrow", layout(src, 36));
}

#[test]
fn snapshot_nested_lists() {
    let src = "Steps:\n\n1. First step\n2. Second step with a long description that wraps\n   - nested bullet\n   - another one\n     1. deep ordered\n     2. deep two\n3. Third\n\n- [x] done task\n- [ ] open task\n\n> A quote with **bold** and a\n> second line\n>\n> - list in quote\n";
    insta::assert_snapshot!("nested_lists", layout(src, 34));
}

#[test]
fn snapshot_wide_characters() {
    let src = "# 你好世界\n\n这是一个很长的中文句子，需要在终端中正确换行而不会破坏对齐。 Emoji 🎉🚀 work too.\n\n| 名前 | 値 |\n|---|---|\n| 東京 | 🗼 |\n";
    let text = render_uncached(src, 20, &theme());
    for line in &text.lines {
        let w: usize = line.spans.iter().map(|s| display_width(&s.content)).sum();
        assert!(w <= 20, "line too wide ({w}): {line:?}");
    }
    insta::assert_snapshot!("wide_chars", lines::plain(&text.lines));
}

#[test]
fn snapshot_inline_styles_and_links() {
    let src = "## Heading two\n\nSome *em*, **strong**, ~~gone~~ and `code`.\nSoft break here,  \nhard break there. See [the docs](https://www.comet.com/docs/opik) or <https://example.com>.\n\n---\n\n![diagram](https://x.y/d.png)\n";
    let text = render_uncached(src, 60, &theme());
    insta::assert_snapshot!("inline_styles", annotated(&text));
}

#[test]
fn every_line_fits_the_width() {
    let src = "A paragraph with averyveryveryverylongwordthatcannotfitonaline and more words.\n\n```\nlet a_very_long_code_line = \"that must be wrapped by characters rather than words\";\n```\n\n> > deeply quoted text that wraps a few times around\n";
    for width in [8, 13, 21, 40] {
        let text = render_uncached(src, width, &theme());
        for line in &text.lines {
            let w: usize = line.spans.iter().map(|s| display_width(&s.content)).sum();
            assert!(w <= width, "width {width}: line of {w}: {line:?}");
        }
        let all = lines::plain(&text.lines).replace(['\n', ' ', '│'], "");
        assert!(
            all.contains("averyveryveryverylongwordthatcannotfitonaline"),
            "word lost at {width}"
        );
    }
}

#[test]
fn escapes_are_stripped() {
    let src = "Hello \x1b]0;pwned\x07world \x1b[31mred\x1b[0m\n\n```\ncode \x1b[2J here\n```\n[x](http://a\x1b[1mb)";
    let text = lines::plain(&render_uncached(src, 80, &theme()).lines);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("Hello world red"));
}

#[test]
fn cache_is_keyed_by_width_and_theme() {
    let src = "cache me please, a sentence long enough to wrap";
    let a = render(src, 20, &theme());
    let b = render(src, 20, &theme());
    assert!(Arc::ptr_eq(&a, &b), "same key hits the cache");
    let c = render(src, 30, &theme());
    assert_ne!(a.lines.len(), c.lines.len());
    let mut light = theme();
    light.name = "light".into();
    assert!(cached(src, 20, &light).is_none());
    assert!(cached(src, 20, &theme()).is_some());
}

#[test]
fn huge_input_is_plain_and_complete() {
    let src = "word ".repeat(MAX_MARKDOWN_BYTES / 5 + 10);
    let text = render_uncached(&src, 100, &theme());
    let words: usize = lines::plain(&text.lines).split_whitespace().count();
    assert_eq!(words, MAX_MARKDOWN_BYTES / 5 + 10);
}

#[test]
fn unterminated_code_block_still_renders() {
    let text = layout("```python\nprint('x')\n", 30);
    assert!(text.contains("print('x')"), "{text}");
}
