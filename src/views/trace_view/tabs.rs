//! The content of the detail tabs: one pure function per tab, building lines already
//! wrapped to the pane (runs on a blocking thread for large payloads).

use ratatui::style::Style;
use ratatui::text::{Line, Span as TSpan};
use serde_json::Value;

use super::subject::{RenderOpts, Subject, Tab};
use crate::opik::messages::{self, Body, Kind};
use crate::opik::model::{ErrorInfo, FeedbackScore};
use crate::render::lines::wrap_lines;
use crate::render::sanitize::{one_line, sanitize};
use crate::render::{format, json, markdown};
use crate::theme::Theme;
use crate::widgets::list::cells;

fn kv(theme: &Theme, k: &str, v: String) -> Line<'static> {
    kv_w(theme, k, v, 13)
}

/// A `key  value` line with the key padded to `w` columns.
fn kv_w(theme: &Theme, k: &str, v: String, w: usize) -> Line<'static> {
    Line::from(vec![
        TSpan::styled(format!("{k:<w$} "), theme.dim),
        TSpan::styled(v, theme.text),
    ])
}

fn text_lines(s: &str, style: Style) -> Vec<Line<'static>> {
    sanitize(s)
        .split('\n')
        .map(|l| Line::styled(l.to_string(), style))
        .collect()
}

fn value_lines(v: &Value, opts: RenderOpts, theme: &Theme) -> Vec<Line<'static>> {
    if opts.fold.is_some() {
        json::render_folded(v, opts.fold, theme)
    } else {
        json::render_value(v, theme)
    }
}

/// `(no what)`, dimmed.
fn none(what: &str, theme: &Theme) -> Vec<Line<'static>> {
    vec![Line::styled(format!("(no {what})"), theme.dim)]
}

/// Render one tab of `s` into lines already wrapped to `opts.width`. Pure (runs on a
/// blocking thread for large payloads).
pub fn render_tab(s: &Subject, tab: Tab, opts: RenderOpts, theme: &Theme) -> Vec<Line<'static>> {
    let lines = match tab {
        Tab::Input | Tab::Output => return payload_lines(s, tab, opts, theme),
        Tab::Metadata => metadata_lines(s, opts, theme),
        Tab::Usage => usage_lines(s, theme),
        Tab::Scores => scores_lines(&s.scores, theme),
        Tab::Error => match &s.error {
            None => none("error", theme),
            Some(e) => error_lines(e, theme),
        },
        Tab::Comments => comments_lines(s, theme),
    };
    wrap_lines(lines, opts.width.into())
}

/// Input or Output: the messages or text found in the payload (markdown rendered to the
/// width), or the JSON as is when `opts.raw`. Wrapped to `opts.width`.
fn payload_lines(s: &Subject, tab: Tab, opts: RenderOpts, theme: &Theme) -> Vec<Line<'static>> {
    let kind = if tab == Tab::Input {
        Kind::Input
    } else {
        Kind::Output
    };
    let value = s.payload(tab);
    let lines = if opts.raw {
        match value {
            None | Some(Value::Null) => none(tab.label(), theme),
            Some(v) => value_lines(v, opts, theme),
        }
    } else {
        match messages::body(value, kind) {
            Body::Empty => none(&tab.label().to_lowercase(), theme),
            Body::Markdown(m) => {
                return markdown::render(&m, opts.width.max(1), theme).lines.clone();
            }
            Body::Plain(p) => text_lines(&p, theme.text),
            Body::Json(j) => json::highlight_text(&j, theme),
            Body::Raw(v) => value_lines(&v, opts, theme),
        }
    };
    wrap_lines(lines, opts.width.into())
}

fn metadata_lines(s: &Subject, opts: RenderOpts, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if !s.tags.is_empty() {
        out.push(kv(theme, "tags", cells::tags(&s.tags)));
        out.push(Line::raw(""));
    }
    match &s.metadata {
        None | Some(Value::Null) => out.extend(none("metadata", theme)),
        Some(Value::Object(m)) if m.is_empty() => out.extend(none("metadata", theme)),
        Some(v) => out.extend(value_lines(v, opts, theme)),
    }
    out
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
