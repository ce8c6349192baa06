//! Sharing from any screen (issue 13 §5): `Y` copies the Opik web URL of the selection
//! ([`crate::opik::weburl`]) and `e` in the trace view exports the trace as JSON.
//!
//! A web URL needs the project's id, which list screens only know by name: [`copy_url`]
//! starts a task (key [`URL_TASK`]) that looks the project up when needed and builds the
//! link; its output is a [`UrlReady`] wrapped in the screen's message (so the screen's message
//! enum implements `From<UrlReady>`), which the screen hands to [`url_ready`]: that copies it
//! with OSC 52 and says in a toast what was copied. Exports work the same with [`ExportDone`]. Export files go where the conversation markdown export
//! goes: the current directory (the temp dir if that is unknown).

use std::path::PathBuf;
use std::rc::Rc;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::{AppEnv, Ctx};
use crate::opik::client::OpikClient;
use crate::opik::model::{Span, SpanSearchRequest, Trace};
use crate::opik::weburl::WebUrl;
use crate::render::sanitize;

/// Task key of a web URL lookup.
pub const URL_TASK: &str = "weburl";
/// Task key of a trace export.
pub const EXPORT_TASK: &str = "export_json";

/// A finished [`URL_TASK`]: (project id, URL, what it links to), or why not.
pub struct UrlReady(UrlResult);

/// A finished [`EXPORT_TASK`]: the path written (with a note), or why not.
pub struct ExportDone(Result<String, String>);

/// What `Y` links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A trace, optionally with one of its spans selected.
    Trace {
        trace_id: Uuid,
        span_id: Option<Uuid>,
    },
    /// An Opik thread.
    Thread(String),
    /// A conversation kept in `metadata.KEY` = value.
    Conversation { key: String, value: String },
}

impl Target {
    /// The link for this target.
    pub fn url(&self, web: &WebUrl, project_id: Uuid) -> String {
        match self {
            Target::Trace { trace_id, span_id } => web.trace(project_id, *trace_id, *span_id),
            Target::Thread(t) => web.thread(project_id, t),
            Target::Conversation { key, value } => web.conversation(project_id, key, value),
        }
    }

    /// "the web URL of trace …" (for the toast).
    pub fn describe(&self) -> String {
        let short = |s: &str| sanitize::truncate_to_width(&sanitize::one_line(s), 24).into_owned();
        match self {
            Target::Trace {
                trace_id,
                span_id: Some(s),
            } => format!(
                "the web URL of span {} in trace {}",
                short(&s.to_string()),
                short(&trace_id.to_string())
            ),
            Target::Trace { trace_id, .. } => {
                format!("the web URL of trace {}", short(&trace_id.to_string()))
            }
            Target::Thread(t) => format!("the web URL of thread {}", short(t)),
            Target::Conversation { key, value } => format!(
                "the web URL of conversation metadata.{} = {} (traces filtered)",
                short(key),
                short(value)
            ),
        }
    }
}

/// What [`copy_url`]'s task returns: (project id, URL, description) or an error message.
type UrlResult = Result<(Uuid, String, String), String>;

/// Build the web URL of `target` in `project` and copy it (via a task: the project id may
/// have to be looked up). `project_id` is the id if the screen knows it. With the workspace
/// left at `default`, the server's name for the caller's workspace is used (Opik Cloud).
pub fn copy_url<M>(
    env: &Rc<AppEnv>,
    project: &str,
    project_id: Option<Uuid>,
    target: Target,
    ctx: &mut Ctx<M>,
) where
    M: From<UrlReady> + Send + 'static,
{
    let mut web = env.web();
    // Opik Cloud resolves the SDKs' `default` workspace to the user's own; the web UI needs
    // the real name, which the server tells (best effort: `default` stays if it cannot).
    let resolve_workspace = env.workspace.trim().is_empty() || env.workspace == "default";
    let url = env.url.clone();
    let mut what = target.describe();
    if env.embedded {
        what.push_str(
            " — the embedded server has no web UI: open it in an Opik holding the same data",
        );
    }
    let client = env.client.clone();
    let project = project.to_string();
    ctx.spawn(URL_TASK, async move {
        let r: UrlResult = async {
            let id = match project_id {
                Some(id) => id,
                None => client
                    .retrieve_project(&project)
                    .await
                    .map_err(|e| format!("cannot build the web URL: {e}"))?
                    .id
                    .ok_or_else(|| {
                        format!("cannot build the web URL: the server gave no id for project `{project}`")
                    })?,
            };
            if resolve_workspace
                && let Ok(ws) = client.workspace_name().await
                && !ws.trim().is_empty()
            {
                web = WebUrl::new(&url, &ws);
            }
            Ok((id, target.url(&web, id), what))
        }
        .await;
        M::from(UrlReady(r))
    });
}

/// Handle a finished [`URL_TASK`]: copy the URL and remember the project id. Returns the id
/// (to cache) when the link was built.
pub fn url_ready<M: Send + 'static>(ready: UrlReady, ctx: &mut Ctx<M>) -> Option<Uuid> {
    match ready.0 {
        Ok((id, url, what)) => {
            ctx.copy_as(url, what);
            Some(id)
        }
        Err(e) => {
            ctx.toast_error(e);
            None
        }
    }
}

/// The trace export document: the trace, its spans (oldest first) and the scores of both,
/// as the REST API returns them (untruncated).
pub fn trace_document(trace: &Trace, spans: &[Span]) -> Value {
    let mut spans: Vec<&Span> = spans.iter().collect();
    spans.sort_by_key(|s| (s.start_time, s.id));
    let mut scores: Vec<Value> = Vec::new();
    for s in trace.feedback_scores.iter().flatten() {
        scores.push(json!({"entity": "trace", "id": trace.id, "score": s}));
    }
    for sp in &spans {
        for s in sp.feedback_scores.iter().flatten() {
            scores.push(json!({"entity": "span", "id": sp.id, "score": s}));
        }
    }
    json!({
        "exported_by": concat!("opik-tui ", env!("CARGO_PKG_VERSION")),
        "trace": trace,
        "spans": spans,
        "feedback_scores": scores,
    })
}

/// Where an export named `prefix-ID.ext` goes (the conversation export's directory logic).
pub fn export_path(prefix: &str, id: &str, ext: &str) -> PathBuf {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let dir = std::env::current_dir().unwrap_or_else(|_| std::env::temp_dir());
    dir.join(format!("{prefix}-{safe}.{ext}"))
}

/// Spans an export writes at most (the whole document is built in memory).
pub const EXPORT_MAX_SPANS: usize = 100_000;

/// Read trace `trace_id` and all its spans untruncated and write them as pretty JSON to
/// `opik-trace-ID.json` (task [`EXPORT_TASK`]; the output is the path or an error message).
pub fn export_trace<M>(client: OpikClient, project: &str, trace_id: Uuid, ctx: &mut Ctx<M>)
where
    M: From<ExportDone> + Send + 'static,
{
    let path = export_path("opik-trace", &trace_id.to_string(), "json");
    let project = project.to_string();
    ctx.spawn(EXPORT_TASK, async move {
        let r: Result<String, String> = async {
            let trace = client.get_trace(trace_id);
            let spans = client.search_spans(
                SpanSearchRequest {
                    trace_id: Some(trace_id),
                    project_name: Some(project),
                    truncate: Some(false),
                    ..SpanSearchRequest::default()
                },
                Some(EXPORT_MAX_SPANS),
            );
            let (trace, spans) = tokio::join!(trace, spans);
            let trace = trace.map_err(|e| format!("reading the trace: {e}"))?;
            let spans = spans.map_err(|e| format!("reading the spans: {e}"))?;
            let doc = trace_document(&trace, &spans);
            let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
            tokio::fs::write(&path, text)
                .await
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let total = trace.span_count.unwrap_or(0);
            Ok(if total > spans.len() as i64 {
                format!(
                    "{} ({} of {} spans: an export stops at {})",
                    path.display(),
                    crate::render::format::thousands(spans.len() as i64),
                    crate::render::format::thousands(total),
                    crate::render::format::thousands(EXPORT_MAX_SPANS as i64),
                )
            } else {
                format!(
                    "{} ({})",
                    path.display(),
                    crate::render::format::count(spans.len(), "span")
                )
            })
        }
        .await;
        M::from(ExportDone(r))
    });
}

/// Handle a finished [`EXPORT_TASK`]: say where the file went, or why it did not.
pub fn export_done<M: Send + 'static>(done: ExportDone, ctx: &mut Ctx<M>) {
    match done.0 {
        Ok(path) => ctx.toast_info(format!("trace written to {path}")),
        Err(e) => ctx.toast_error(format!("export failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opik::model::FeedbackScore;
    use chrono::TimeZone;

    #[test]
    fn describes_and_links_each_target() {
        let web = WebUrl::new("https://www.comet.com/opik/api", "ws");
        let p = Uuid::from_u128(1);
        let t = Uuid::from_u128(2);
        let trace = Target::Trace {
            trace_id: t,
            span_id: None,
        };
        assert_eq!(
            trace.url(&web, p),
            format!("https://www.comet.com/opik/ws/projects/{p}/traces?type=traces&trace={t}")
        );
        assert!(trace.describe().starts_with("the web URL of trace 0000"));
        let th = Target::Thread("chat-1".into());
        assert!(th.url(&web, p).ends_with("?type=threads&thread=chat-1"));
        assert_eq!(th.describe(), "the web URL of thread chat-1");
        let c = Target::Conversation {
            key: "session_id".into(),
            value: "s\x1b[2J1".into(),
        };
        assert!(c.url(&web, p).contains("traces_filters="));
        assert!(!c.describe().contains('\x1b'), "sanitised");
    }

    #[test]
    fn trace_document_holds_trace_spans_and_scores() {
        let at = |s: u32| chrono::Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, s).single();
        let score = |n: &str, v: f64| FeedbackScore {
            name: n.into(),
            value: Some(v),
            ..Default::default()
        };
        let trace = Trace {
            id: Some(Uuid::from_u128(10)),
            name: Some("chat".into()),
            feedback_scores: Some(vec![score("User feedback", 1.0)]),
            ..Default::default()
        };
        let spans = vec![
            Span {
                id: Some(Uuid::from_u128(12)),
                name: Some("second".into()),
                start_time: at(2),
                feedback_scores: Some(vec![score("relevance", 0.5)]),
                ..Default::default()
            },
            Span {
                id: Some(Uuid::from_u128(11)),
                name: Some("first".into()),
                start_time: at(1),
                ..Default::default()
            },
        ];
        let doc = trace_document(&trace, &spans);
        assert_eq!(doc["trace"]["name"], "chat");
        assert_eq!(doc["spans"][0]["name"], "first");
        assert_eq!(doc["spans"][1]["name"], "second");
        let scores = doc["feedback_scores"].as_array().unwrap();
        assert_eq!(scores.len(), 2);
        assert_eq!(scores[0]["entity"], "trace");
        assert_eq!(scores[0]["score"]["name"], "User feedback");
        assert_eq!(scores[1]["entity"], "span");
        assert_eq!(scores[1]["id"], Uuid::from_u128(12).to_string());
        assert_eq!(scores[1]["score"]["value"], 0.5);
    }

    #[test]
    fn export_paths_are_safe_file_names() {
        let p = export_path("opik-trace", "../a b/c", "json");
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name, "opik-trace-___a_b_c.json");
    }
}
