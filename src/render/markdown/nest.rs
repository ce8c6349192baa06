//! Markdown from a trace placed in a section of a document (the conversation export): its
//! own headings are demoted below the section's heading, and text that would not stay inside
//! its section (an unclosed code fence, a raw HTML block running on) is fenced as code.

use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag};

use super::OPTIONS;

/// `src` fit to sit under a heading of level `under` (1–5): every heading in it at least one
/// level deeper (at most 6), and nothing in it that swallows the document's next section.
pub fn nest(src: &str, under: usize) -> String {
    let under = under.clamp(1, 5);
    let demoted = demote_headings(src, under);
    if stays_inside(&demoted, under) {
        demoted
    } else {
        fence(src)
    }
}

/// Each heading `shift` levels deeper (capped at 6); setext headings become ATX ones.
fn demote_headings(src: &str, shift: usize) -> String {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for (ev, range) in Parser::new_ext(src, OPTIONS).into_offset_iter() {
        let Event::Start(Tag::Heading { level, .. }) = ev else {
            continue;
        };
        let level = level as usize;
        let new = (level + shift).min(6);
        let text = &src[range.clone()];
        let lead = text.len() - text.trim_start().len();
        if text.trim_start().starts_with('#') {
            let at = range.start + lead;
            edits.push((at..at, "#".repeat(new - level)));
        } else {
            // Setext: the text lines, then the `===` / `---` underline.
            let body = text.trim_end();
            let content = body.rsplit_once('\n').map_or(body, |(c, _)| c);
            let joined: Vec<&str> = content.lines().map(str::trim).collect();
            let end = if text.ends_with('\n') { "\n" } else { "" };
            edits.push((
                range,
                format!("{} {}{end}", "#".repeat(new), joined.join(" ")),
            ));
        }
    }
    let mut out = src.to_string();
    for (r, with) in edits.into_iter().rev() {
        out.replace_range(r, &with);
    }
    out
}

/// Whether a heading of level `under` written after `src` is still a heading (nothing in
/// `src` runs on into it).
fn stays_inside(src: &str, under: usize) -> bool {
    const PROBE: &str = "nest-probe-7f3a";
    let doc = format!("{src}\n\n{} {PROBE}\n", "#".repeat(under));
    let mut in_heading = false;
    let mut last_heading = String::new();
    for ev in Parser::new_ext(&doc, OPTIONS) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                in_heading = level as usize == under;
                last_heading.clear();
            }
            Event::Text(t) if in_heading => last_heading.push_str(&t),
            Event::End(_) => in_heading = false,
            _ => {}
        }
    }
    last_heading == PROBE
}

fn fence(src: &str) -> String {
    fenced(src, "text")
}

/// `src` as a `lang` code block whose fence is longer than any backtick run inside it.
pub fn fenced(src: &str, lang: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in src.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let f = "`".repeat((longest + 1).max(3));
    format!("{f}{lang}\n{}\n{f}", src.trim_end_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_go_below_the_section() {
        assert_eq!(nest("# A\ntext\n## B", 2), "### A\ntext\n#### B");
        assert_eq!(
            nest("##### deep\n###### deeper", 2),
            "###### deep\n###### deeper"
        );
        assert_eq!(
            nest("Title\n=====\n\nSub\n---\n", 2),
            "### Title\n\n#### Sub\n"
        );
        assert_eq!(nest("> # quoted", 2), "> ### quoted");
        // Not headings: code, `#hashtags`, text.
        let code = "```\n# not a heading\n```\n#hashtag and 1 # 2";
        assert_eq!(nest(code, 2), code);
    }

    #[test]
    fn what_would_swallow_the_next_section_is_fenced() {
        let open = "Here is code:\n```python\nprint(1)\n";
        let n = nest(open, 2);
        assert!(n.starts_with("````text\nHere is code:"), "{n}");
        assert!(stays_inside(&n, 2), "{n}");
        let comment = "before <!-- never closed\n\nafter";
        assert!(stays_inside(&nest(comment, 2), 2));
        // A body with backtick fences of its own gets a longer fence.
        let f = fence("a ```` b");
        assert!(
            f.starts_with("`````text\n") && f.ends_with("\n`````"),
            "{f}"
        );
    }
}
