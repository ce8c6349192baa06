//! The small detail tabs (Usage, Scores, Error, Comments): one pure function per tab,
//! building lines already wrapped to the pane, and the line helpers the parts share.

use ratatui::style::Style;
use ratatui::text::{Line, Span as TSpan};

use super::subject::{Subject, Tab};
use crate::opik::model::{ErrorInfo, FeedbackScore};
use crate::render::format;
use crate::render::lines::wrap_lines;
use crate::render::sanitize::{one_line, sanitize};
use crate::theme::Theme;
use crate::widgets::list::cells;

/// A `key  value` line (key column of 13).
pub(super) fn kv(theme: &Theme, k: &str, v: String) -> Line<'static> {
    kv_w(theme, k, v, 13)
}

/// A `key  value` line with the key padded to `w` columns.
fn kv_w(theme: &Theme, k: &str, v: String, w: usize) -> Line<'static> {
    Line::from(vec![
        TSpan::styled(format!("{k:<w$} "), theme.dim),
        TSpan::styled(v, theme.text),
    ])
}

/// Sanitised text, one line per line.
pub(super) fn text_lines(s: &str, style: Style) -> Vec<Line<'static>> {
    sanitize(s)
        .split('\n')
        .map(|l| Line::styled(l.to_string(), style))
        .collect()
}

/// `(no what)`, dimmed.
fn none(what: &str, theme: &Theme) -> Vec<Line<'static>> {
    vec![Line::styled(format!("(no {what})"), theme.dim)]
}

/// Render one of the small tabs (Usage, Scores, Error, Comments) of `s` into lines wrapped
/// to `width`; the payload tabs are parts ([`super::content`]) and give nothing here.
pub fn render_tab(s: &Subject, tab: Tab, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let lines = match tab {
        Tab::InputOutput | Tab::Metadata => Vec::new(),
        Tab::Usage => usage_lines(s, theme),
        Tab::Scores => scores_lines(&s.scores, theme),
        Tab::Error => match &s.error {
            None => none("error", theme),
            Some(e) => error_lines(e, theme),
        },
        Tab::Comments => comments_lines(s, theme),
    };
    wrap_lines(lines, width.into())
}

fn usage_lines(s: &Subject, theme: &Theme) -> Vec<Line<'static>> {
    // One key column for the fixed rows and the usage keys (`completion_tokens` is
    // longer than the default 13), so the values line up.
    let w = s
        .usage
        .iter()
        .map(|(k, _)| one_line(k).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(13, 40);
    let kv = |theme: &Theme, k: &str, v: String| kv_w(theme, k, v, w);
    let or_dash = |v: Option<&str>| v.map(one_line).unwrap_or_else(|| "–".into());
    let mut out = vec![
        kv(theme, "model", or_dash(s.model.as_deref())),
        kv(theme, "provider", or_dash(s.provider.as_deref())),
        kv(
            theme,
            "cost",
            s.cost.map(format::cost).unwrap_or_else(|| "–".into()),
        ),
        Line::raw(""),
    ];
    if s.usage.is_empty() {
        out.extend(none("usage", theme));
    } else if let Some(from) = s.usage_from {
        out.push(Line::styled(format!("(from {from})"), theme.dim));
    }
    for (k, v) in &s.usage {
        out.push(kv(theme, &one_line(k), format::thousands(*v)));
    }
    out
}

fn scores_lines(scores: &[FeedbackScore], theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if scores.is_empty() {
        out.extend(none("feedback scores", theme));
    }
    for sc in scores {
        // A categorical score by its label, as the conversation header shows it.
        let v = cells::score_text(sc.value, sc.category_name.as_deref());
        let style = sc
            .value
            .map(|v| theme.score(v, 0.0, 1.0))
            .unwrap_or(theme.dim);
        let mut head = vec![
            TSpan::styled(one_line(&sc.name), theme.accent),
            TSpan::styled("  ", theme.text),
            TSpan::styled(v, style),
        ];
        if let Some(src) = &sc.source {
            head.push(TSpan::styled(format!("  ({})", one_line(src)), theme.dim));
        }
        out.push(Line::from(head));
        out.extend(score_author_lines(sc, theme));
    }
    out
}

/// Under a score: each author's value and reason, or the one author and reason.
fn score_author_lines(sc: &FeedbackScore, theme: &Theme) -> Vec<Line<'static>> {
    let reason = |r: Option<&str>| {
        r.filter(|r| !r.is_empty())
            .map(|r| TSpan::styled(format!("  {}", one_line(r)), theme.text))
    };
    match &sc.value_by_author {
        Some(by) if !by.is_empty() => by
            .iter()
            .map(|(author, e)| {
                let mut l = vec![
                    TSpan::styled(format!("  {}: ", one_line(author)), theme.dim),
                    TSpan::styled(
                        cells::score_text(e.value, e.category_name.as_deref()),
                        theme.text,
                    ),
                ];
                l.extend(reason(e.reason.as_deref()));
                Line::from(l)
            })
            .collect(),
        _ => {
            let author = sc
                .last_updated_by
                .as_deref()
                .or(sc.created_by.as_deref())
                .unwrap_or("–");
            let mut l = vec![TSpan::styled(format!("  {}", one_line(author)), theme.dim)];
            l.extend(reason(sc.reason.as_deref()));
            vec![Line::from(l)]
        }
    }
}

fn error_lines(e: &ErrorInfo, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![
        kv(
            theme,
            "type",
            e.exception_type
                .as_deref()
                .map(one_line)
                .unwrap_or_default(),
        ),
        kv(
            theme,
            "message",
            e.message.as_deref().map(one_line).unwrap_or_default(),
        ),
        Line::raw(""),
    ];
    if let Some(tb) = &e.traceback {
        out.push(Line::styled("traceback", theme.dim));
        out.extend(text_lines(tb, theme.error));
    }
    out
}

fn comments_lines(s: &Subject, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if s.comments.is_empty() {
        out.extend(none("comments", theme));
    }
    for c in &s.comments {
        let who = c
            .created_by
            .as_deref()
            .map(one_line)
            .unwrap_or_else(|| "–".into());
        let when = c
            .created_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        out.push(Line::from(vec![
            TSpan::styled(who, theme.accent),
            TSpan::styled(format!("  {when}"), theme.dim),
        ]));
        out.extend(text_lines(&c.text, theme.text));
        out.push(Line::raw(""));
    }
    out
}
