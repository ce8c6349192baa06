//! Untrusted text from traces, made safe for the terminal.
//!
//! Everything a trace carries (names, input, output, metadata, tags, error messages) is
//! attacker-controlled. Before it reaches a ratatui buffer it goes through [`sanitize`], which
//! removes every way text could drive the terminal instead of being shown:
//! - C0 controls (except `\n`, which callers split on) and DEL;
//! - C1 controls (U+0080..=U+009F), including 8-bit CSI/OSC/DCS introducers;
//! - ESC-introduced sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`: titles,
//!   clipboard, hyperlinks), DCS/SOS/PM/APC (`ESC P|X|^|_ … ST`) and two-byte escapes;
//! - bidirectional overrides and isolates (U+202A..=U+202E, U+2066..=U+2069) and the
//!   invisible bidi marks that can reorder what is shown.
//!
//! Text whose width terminals disagree on is normalised so that what is drawn is as wide as
//! what was measured (no shifted borders, no stale cells):
//! - line and paragraph separators (U+2028, U+2029) become `\n`;
//! - zero-width marks (combining accents, variation selectors, ...) are kept at most
//!   [`MAX_MARKS`] per base character ("Zalgo" runs are cut);
//! - a zero-width joiner after a wide character (an emoji ZWJ sequence such as a family) is
//!   dropped, so each emoji stands alone: terminals draw a joined sequence anywhere from 2 to
//!   2 × its parts columns depending on their emoji tables, while a lone emoji is 2 everywhere.
//!   Joiners between narrow letters (Indic, Arabic scripts) are kept.
//!
//! Tabs are expanded to spaces (to the next multiple of [`TAB_WIDTH`] columns). Width helpers
//! ([`display_width`], [`truncate_to_width`]) use Unicode East Asian widths so wide
//! characters and emoji keep table columns aligned.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns a tab expands to.
pub const TAB_WIDTH: usize = 4;

/// A character [`sanitize`] removes on its own (controls other than `\n`, bidi controls,
/// BOM): for widgets that draw user input char by char.
pub fn is_hidden(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || c == '\u{FEFF}'
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Zero-width marks kept after one base character.
pub const MAX_MARKS: usize = 2;

const ZWJ: char = '\u{200D}';

fn is_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// A zero-width character that attaches to the one before (combining mark, variation
/// selector, tag, ...), other than the joiner and the controls handled on their own.
fn is_mark(c: char) -> bool {
    !c.is_ascii()
        && c != ZWJ
        && !c.is_control()
        && !is_bidi_control(c)
        && c != '\u{FEFF}'
        && c.width() == Some(0)
}

fn needs_work(s: &str) -> bool {
    s.chars().any(|c| {
        (c.is_control() && c != '\n')
            || is_bidi_control(c)
            || c == '\u{FEFF}'
            || is_separator(c)
            || c == ZWJ
            || is_mark(c)
    })
}

/// Remove terminal control and escape sequences; keep `\n`; expand tabs; drop `\r`.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !needs_work(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut col = 0usize;
    // Marks kept since the last base character; that base's width.
    let mut marks = 0usize;
    let mut base_w = 0usize;
    // The base was given emoji presentation (VS16).
    let mut emoji_vs = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\u{2028}' | '\u{2029}' => {
                out.push('\n');
                col = 0;
                (marks, base_w) = (0, 0);
            }
            ZWJ => {
                // After an emoji (wide, or made so by VS16) it would start a sequence.
                if base_w == 1 && !emoji_vs {
                    out.push(ZWJ);
                }
            }
            c if is_mark(c) => {
                if marks < MAX_MARKS {
                    out.push(c);
                    marks += 1;
                    emoji_vs |= c == '\u{FE0F}';
                }
            }
            '\t' => {
                let n = TAB_WIDTH - (col % TAB_WIDTH);
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\u{1b}' => skip_escape(&mut chars),
            // 8-bit introducers: CSI, OSC, DCS, SOS, PM, APC carry a payload to skip.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() || is_bidi_control(c) || c == '\u{FEFF}' => {}
            c => {
                out.push(c);
                base_w = c.width().unwrap_or(0);
                col += base_w;
                marks = 0;
                emoji_vs = false;
            }
        }
    }
    Cow::Owned(out)
}

/// Sanitize and fold to one line (newlines become spaces), for table cells and previews.
pub fn one_line(s: &str) -> String {
    let clean = sanitize(s);
    let mut out = String::with_capacity(clean.len());
    let mut last_space = false;
    for c in clean.chars() {
        let c = if c == '\n' { ' ' } else { c };
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim().to_string()
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => skip_string(chars),
        // nF escapes: intermediates then a final byte.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while let Some(&n) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&n) {
                    break;
                }
            }
        }
        // Two-byte escape (ESC c, ESC 7, ...): the second char is consumed.
        _ => {}
    }
}

/// CSI: parameter and intermediate bytes, then one final byte in `@`..=`~`.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // Not a valid CSI byte: stop, dropping it.
            break;
        }
    }
}

/// OSC/DCS/SOS/PM/APC payload: up to BEL, ST (`ESC \`) or the 8-bit ST (U+009C).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// Display width in terminal columns.
pub fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cut `s` to at most `width` columns, ending with `…` when it was cut. Never splits a wide
/// character across the limit.
pub fn truncate_to_width(s: &str, width: usize) -> Cow<'_, str> {
    if display_width(s) <= width {
        return Cow::Borrowed(s);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(sanitize("hello world\nline 2"), Cow::Borrowed(_)));
    }

    #[test]
    fn strips_csi_sgr_and_cursor_moves() {
        assert_eq!(sanitize("a\x1b[31mred\x1b[0m b\x1b[2J\x1b[H"), "ared b");
        assert_eq!(sanitize("x\u{9b}31my"), "xy");
    }

    #[test]
    fn strips_osc_title_clipboard_and_hyperlinks() {
        assert_eq!(sanitize("a\x1b]0;pwned\x07b"), "ab");
        assert_eq!(sanitize("a\x1b]52;c;ZXZpbA==\x1b\\b"), "ab");
        assert_eq!(
            sanitize("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"),
            "click"
        );
        assert_eq!(sanitize("a\u{9d}0;t\u{9c}b"), "ab");
    }

    #[test]
    fn strips_dcs_apc_pm_sos() {
        assert_eq!(sanitize("a\x1bPq#0;2;0;0;0\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1b_Gf=100;AAAA\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1b^pm\x1b\\b\x1bXsos\x1b\\c"), "abc");
    }

    #[test]
    fn strips_c0_c1_and_bidi() {
        assert_eq!(sanitize("a\x07\x08\x00b\rc\x7f"), "abc");
        assert_eq!(sanitize("a\u{85}\u{8d}b"), "ab");
        assert_eq!(sanitize("abc\u{202E}fed\u{2066}x\u{2069}"), "abcfedx");
    }

    #[test]
    fn expands_tabs_to_columns() {
        assert_eq!(sanitize("a\tb"), "a   b");
        assert_eq!(sanitize("abcd\tx"), "abcd    x");
        assert_eq!(sanitize("\t"), "    ");
    }

    #[test]
    fn lone_escape_at_end_is_dropped() {
        assert_eq!(sanitize("abc\x1b"), "abc");
        assert_eq!(sanitize("abc\x1b["), "abc");
        assert_eq!(sanitize("abc\x1b]unterminated"), "abc");
    }

    #[test]
    fn width_aware_truncation() {
        assert_eq!(truncate_to_width("hello", 10), "hello");
        assert_eq!(truncate_to_width("hello world", 6), "hello…");
        // Each CJK char is 2 columns: 5 columns hold two chars and the ellipsis.
        assert_eq!(truncate_to_width("日本語テキスト", 5), "日本…");
        assert_eq!(display_width("👍ok"), 4);
        assert!(display_width(&truncate_to_width("👍👍👍", 4)) <= 4);
    }

    #[test]
    fn line_and_paragraph_separators_become_line_breaks() {
        assert_eq!(sanitize("a\u{2028}b\u{2029}c"), "a\nb\nc");
        assert_eq!(one_line("a\u{2028}b\u{2029}c"), "a b c");
    }

    #[test]
    fn combining_runs_are_capped_per_base_character() {
        let zalgo = format!("e{}x", "\u{301}".repeat(50));
        assert_eq!(sanitize(&zalgo), "e\u{301}\u{301}x");
        // Ordinary accents are untouched.
        assert_eq!(
            sanitize("cafe\u{301} na\u{308}ive"),
            "cafe\u{301} na\u{308}ive"
        );
        assert_eq!(sanitize("❤\u{FE0F}"), "❤\u{FE0F}");
    }

    #[test]
    fn emoji_zwj_sequences_are_split_into_their_emoji() {
        let family = "👨\u{200D}👩\u{200D}👧\u{200D}👦";
        assert_eq!(sanitize(family), "👨👩👧👦");
        let long = "👍\u{200D}".repeat(40);
        assert_eq!(sanitize(&long), "👍".repeat(40));
        let flags = "🏳\u{FE0F}\u{200D}🌈".repeat(5);
        assert_eq!(sanitize(&flags), "🏳\u{FE0F}🌈".repeat(5));
        // A joiner between narrow letters (Devanagari half forms) stays.
        assert_eq!(sanitize("क\u{94D}\u{200D}ष"), "क\u{94D}\u{200D}ष");
    }

    /// What a terminal without grapheme clustering draws: each character by its own width.
    fn per_char_width(s: &str) -> usize {
        s.chars().map(|c| c.width().unwrap_or(0)).sum()
    }

    #[test]
    fn sanitised_text_is_as_wide_drawn_as_measured() {
        for s in [
            "👨\u{200D}👩\u{200D}👧\u{200D}👦 family",
            &"👩\u{200D}🚀".repeat(5),
            &format!("a{}b", "\u{300}\u{301}\u{302}".repeat(20)),
            "x\u{2028}y\u{2029}z",
        ] {
            let clean = one_line(s);
            assert_eq!(
                display_width(&clean),
                per_char_width(&clean),
                "{s:?} → {clean:?}"
            );
        }
    }

    #[test]
    fn one_line_folds_whitespace() {
        assert_eq!(one_line("  a\n\n b\t c  "), "a b c");
    }
}
