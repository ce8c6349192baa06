//! Helpers over already-rendered lines: hard wrapping to a width, and their plain text.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use crate::render::sanitize::display_width;

/// Cut lines wider than `width` columns, continuing on the next line (char-level wrap,
/// styles kept). A width of 0 counts as 1; a character wider than the width still gets a
/// line of its own (never an empty line before it).
pub fn wrap_lines(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let total: usize = line.spans.iter().map(|s| display_width(&s.content)).sum();
        if total <= width {
            out.push(line);
            continue;
        }
        let mut cur: Vec<Span<'static>> = Vec::new();
        let mut used = 0;
        for span in line.spans {
            let mut buf = String::new();
            for c in span.content.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width && used > 0 {
                    if !buf.is_empty() {
                        cur.push(Span::styled(std::mem::take(&mut buf), span.style));
                    }
                    out.push(Line::from(std::mem::take(&mut cur)));
                    used = 0;
                }
                buf.push(c);
                used += cw;
            }
            if !buf.is_empty() {
                cur.push(Span::styled(buf, span.style));
            }
        }
        if !cur.is_empty() {
            out.push(Line::from(cur));
        }
    }
    out
}

/// Plain text of rendered lines, one per `\n` (tests and search).
pub fn plain(lines: &[Line<'_>]) -> String {
    lines.iter().map(plain_line).collect::<Vec<_>>().join("\n")
}

/// Plain text of one rendered line.
pub fn plain_line(line: &Line<'_>) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Style};

    use super::*;

    fn texts(lines: &[Line<'_>]) -> Vec<String> {
        plain(lines).split('\n').map(str::to_string).collect()
    }

    #[test]
    fn wraps_across_spans_and_keeps_styles() {
        let red = Style::default().fg(Color::Red);
        let line = Line::from(vec![Span::raw("abc"), Span::styled("defg", red)]);
        let out = wrap_lines(vec![line, Line::raw("ok")], 3);
        assert_eq!(texts(&out), ["abc", "def", "g", "ok"]);
        assert_eq!(out[1].spans[0].style, red);
        assert_eq!(out[2].spans[0].style, red);
    }

    #[test]
    fn a_wide_char_at_line_start_gets_no_empty_line_before_it() {
        let out = wrap_lines(vec![Line::raw("中文")], 1);
        assert_eq!(texts(&out), ["中", "文"]);
        let out = wrap_lines(vec![Line::raw("a中")], 0);
        assert_eq!(texts(&out), ["a", "中"]);
    }

    #[test]
    fn short_and_empty_lines_pass_through() {
        let out = wrap_lines(vec![Line::default(), Line::raw("中")], 2);
        assert_eq!(texts(&out), ["", "中"]);
    }
}
