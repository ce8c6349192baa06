//! A failed call in SME mode, so that nobody scores a provider error as a bad answer: the
//! error at the top of the item (type and message; the traceback on a key), a note in place
//! of the empty output, and a mark on each failed span, as the trace view marks them.

use ratatui::text::{Line, Span};

use crate::opik::model::ErrorInfo;
use crate::render::markdown::plain_wrapped;
use crate::render::sanitize::one_line;
use crate::theme::Theme;

/// `RateLimitError: Error code: 429 …` (sanitised; either part may be missing).
pub(super) fn summary(e: &ErrorInfo) -> String {
    let part = |s: Option<&String>| s.map(|s| one_line(s)).filter(|s| !s.trim().is_empty());
    match (part(e.exception_type.as_ref()), part(e.message.as_ref())) {
        (Some(t), Some(m)) => format!("{t}: {m}"),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => "an error without a message".into(),
    }
}

/// The error block: what failed, and the traceback when `open` (else the key that shows it).
pub(super) fn error_lines(
    e: &ErrorInfo,
    open: bool,
    key: &str,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let head = format!("✗ This call failed: {}", summary(e));
    let mut out = plain_wrapped(&head, width as usize, theme.error).lines;
    match e.traceback.as_deref().filter(|t| !t.trim().is_empty()) {
        None => {}
        Some(_) if !open => out.push(Line::styled(format!("  {key}: traceback"), theme.dim)),
        Some(tb) => {
            out.push(Line::styled(
                format!("  traceback ({key}: hide)"),
                theme.dim,
            ));
            out.extend(plain_wrapped(tb, width as usize, theme.error).lines);
        }
    }
    out
}

/// In place of an empty output when the call failed.
pub(super) fn no_output(theme: &Theme) -> Line<'static> {
    Line::styled(
        "(no output: the call failed, see the error above)",
        theme.error,
    )
}

/// The mark after a failed span in the span summary: `✗ RateLimitError`.
pub(super) fn span_mark(e: &ErrorInfo, theme: &Theme) -> Span<'static> {
    let what = e
        .exception_type
        .as_deref()
        .map(one_line)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "error".into());
    Span::styled(format!("  ✗ {what}"), theme.error)
}
