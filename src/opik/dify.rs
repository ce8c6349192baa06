//! Reading traces logged by Dify's Opik integration (and apps shaped like it) readably.
//!
//! Dify (`api/core/ops/opik_trace/opik_trace.py`, class `OpikDataTrace`) logs through the Opik
//! SDK's low-level client (`Opik().trace(...)` / `.span(...)`) and adds
//! `metadata.created_from = "dify"` to everything (`wrap_metadata`). What it logs:
//!
//! - `message_trace` (trace): chat apps; input = the saved prompt messages
//!   (`[{role, text, files}, …]`, the user's query is the last `user` message), output = the
//!   answer string; metadata `conversation_id`, `ls_provider`, `ls_model_name`, `end_user_id`,
//!   …; one `llm` span under it with the token counts in `usage` but no `model`/`provider`
//!   fields (those stay in `metadata.ls_*`).
//! - `workflow_trace` (a root span of a chatflow's `message_trace`, or the trace itself for a
//!   plain workflow): input = the run inputs (`sys.query`, `sys.conversation_id`, …), output =
//!   the run outputs (`answer`); metadata `total_tokens` (the run's total) and
//!   `conversation_id`.
//! - node spans (`workflow_trace`'s children): **name = the node type** (`llm`,
//!   `knowledge-retrieval`, `code`, `start`, …), the node's title in `metadata.app_name`, its
//!   type again in `metadata.node_type`; `type` is `llm` for chat-model nodes and `tool` for
//!   everything else; LLM nodes carry `model`/`provider` and `usage`, other nodes only
//!   `metadata.total_tokens` (and `total_price`/`currency`) from the node's execution
//!   metadata; an LLM node's `output.usage` holds the counts too.
//! - `moderation_trace`, `suggested_question_trace`, `dataset_retrieval_trace` spans (type
//!   `tool`) on the message's trace; tool spans named after the tool; `generate_name_trace`, a
//!   trace of its own (with `metadata.conversation_id`) that names the conversation.
//!
//! The helpers here give a span or trace a readable row name, fall back to
//! `metadata.ls_model_name`/`ls_provider` when the own fields are empty, and find token usage
//! where Dify put it. They are pure and used by the trace view and the conversation grouping.

use std::collections::BTreeMap;

use serde_json::Value;
use uuid::Uuid;

use crate::opik::model::Trace;

/// Dify's task names and how they read.
const TASK_NAMES: &[(&str, &str)] = &[
    ("message_trace", "message"),
    ("workflow_trace", "workflow"),
    ("moderation_trace", "moderation"),
    ("suggested_question_trace", "suggested questions"),
    ("dataset_retrieval_trace", "dataset retrieval"),
    ("generate_name_trace", "conversation name"),
    ("tool_trace", "tool"),
];

/// The trace or span was logged by Dify (`metadata.created_from == "dify"`).
pub fn from_dify(metadata: Option<&Value>) -> bool {
    metadata
        .and_then(|m| m.get("created_from"))
        .and_then(Value::as_str)
        == Some("dify")
}

fn meta_str<'a>(metadata: Option<&'a Value>, key: &str) -> Option<&'a str> {
    metadata
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A name that says nothing to a reader: empty, or an id (a UUID or a long hex string).
fn is_generic_id(name: &str) -> bool {
    let n = name.trim();
    n.is_empty()
        || Uuid::parse_str(n).is_ok()
        || (n.len() >= 16 && n.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
}

/// The name to show for a span or trace row.
///
/// - A workflow node (`metadata.node_type` set): its title (`metadata.app_name`) followed by
///   the node type, e.g. `Weather lookup · http-request`; just the type when there is no title
///   or the title says the same.
/// - A Dify task name (`message_trace`, …) on something Dify logged: what it is (`message`,
///   `workflow`, `moderation`, …; a `message_trace` without a message is a `workflow run`).
/// - A name that is empty or an id: the title, node type or span type from the metadata,
///   keeping the id after it.
/// - Anything else: the name as logged.
pub fn display_name(
    name: Option<&str>,
    span_type: Option<&str>,
    metadata: Option<&Value>,
) -> String {
    let name = name.unwrap_or("").trim();
    let title = meta_str(metadata, "app_name");
    if let Some(node_type) = meta_str(metadata, "node_type") {
        return match title {
            Some(t) if !t.eq_ignore_ascii_case(node_type) => format!("{t} · {node_type}"),
            _ => node_type.to_string(),
        };
    }
    if from_dify(metadata)
        && let Some((_, readable)) = TASK_NAMES.iter().find(|(k, _)| *k == name)
    {
        // Dify names a plain workflow app's run `message_trace` too; it has no message.
        if name == "message_trace"
            && meta_str(metadata, "message_id").is_none()
            && meta_str(metadata, "workflow_run_id").is_some()
        {
            return "workflow run".into();
        }
        return (*readable).to_string();
    }
    if is_generic_id(name) {
        let what = title.or(span_type.filter(|t| !t.is_empty() && *t != "general"));
        return match (what, name.is_empty()) {
            (Some(w), true) => w.to_string(),
            (Some(w), false) => format!("{w} · {name}"),
            (None, _) => name.to_string(),
        };
    }
    name.to_string()
}

/// Model and provider: the own fields when set, else `metadata.ls_model_name` /
/// `metadata.ls_provider` (where Dify and LangSmith-style integrations put them).
pub fn model_provider(
    model: Option<&str>,
    provider: Option<&str>,
    metadata: Option<&Value>,
) -> (Option<String>, Option<String>) {
    let own = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    (
        own(model).or_else(|| meta_str(metadata, "ls_model_name").map(str::to_owned)),
        own(provider).or_else(|| meta_str(metadata, "ls_provider").map(str::to_owned)),
    )
}

/// A token count from JSON: integers, whole floats and numeric strings.
fn count(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

const USAGE_KEYS: &[&str] = &["prompt_tokens", "completion_tokens", "total_tokens"];

fn usage_object(v: Option<&Value>) -> Option<Vec<(String, i64)>> {
    let obj = v?.as_object()?;
    let out: Vec<(String, i64)> = USAGE_KEYS
        .iter()
        .filter_map(|k| Some((k.to_string(), count(obj.get(*k)?)?)))
        .collect();
    out.iter().any(|(_, n)| *n > 0).then_some(out)
}

/// Where the usage shown came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageSource {
    /// The span's or trace's own `usage`.
    Own,
    /// `output.usage` (a Dify LLM node's outputs).
    OutputUsage,
    /// `metadata.total_tokens` (Dify's workflow run and node execution metadata).
    MetadataTotal,
}

impl UsageSource {
    pub fn describe(self) -> &'static str {
        match self {
            UsageSource::Own => "usage",
            UsageSource::OutputUsage => "output.usage",
            UsageSource::MetadataTotal => "metadata.total_tokens",
        }
    }
}

/// Token usage: the own `usage` when it counts anything, else `output.usage`, else
/// `metadata.total_tokens` (Dify logs zeros in `usage` for nodes whose tokens it only has
/// there). Empty when nothing has a count.
pub fn usage(
    own: Option<&BTreeMap<String, i64>>,
    metadata: Option<&Value>,
    output: Option<&Value>,
) -> (Vec<(String, i64)>, Option<UsageSource>) {
    if let Some(u) = own.filter(|u| u.values().any(|v| *v > 0)) {
        let v = u.iter().map(|(k, v)| (k.clone(), *v)).collect();
        return (v, Some(UsageSource::Own));
    }
    if let Some(u) = usage_object(output.and_then(|o| o.get("usage"))) {
        return (u, Some(UsageSource::OutputUsage));
    }
    if let Some(n) = metadata
        .and_then(|m| m.get("total_tokens"))
        .and_then(count)
        .filter(|n| *n > 0)
    {
        return (
            vec![("total_tokens".into(), n)],
            Some(UsageSource::MetadataTotal),
        );
    }
    match own {
        Some(u) if !u.is_empty() => (
            u.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            Some(UsageSource::Own),
        ),
        _ => (Vec::new(), None),
    }
}

/// The total token count of [`usage`]'s result.
pub fn total_tokens(usage: &[(String, i64)]) -> Option<i64> {
    usage
        .iter()
        .find(|(k, _)| k == "total_tokens")
        .map(|(_, v)| *v)
        .or_else(|| {
            let sum: i64 = usage
                .iter()
                .filter(|(k, _)| k == "prompt_tokens" || k == "completion_tokens")
                .fold(0i64, |a, (_, v)| a.saturating_add(*v));
            (sum > 0).then_some(sum)
        })
}

/// Cost in USD from Dify's node metadata (`total_price` with `currency` USD), for spans
/// without an estimated cost.
pub fn metadata_cost(metadata: Option<&Value>) -> Option<f64> {
    let m = metadata?;
    let currency = m.get("currency").and_then(Value::as_str).unwrap_or("USD");
    if !currency.eq_ignore_ascii_case("USD") {
        return None;
    }
    let v = match m.get("total_price")? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (v.is_finite() && v > 0.0).then_some(v)
}

/// A workflow node's span (`metadata.node_type`, logged by Dify). In a plain workflow app
/// (no chat message) Dify logs no root span, so its node spans name a parent that never
/// exists: for these that is expected, not a broken trace.
pub fn is_node_execution(metadata: Option<&Value>) -> bool {
    from_dify(metadata) && meta_str(metadata, "node_type").is_some()
}

/// A trace that is not a turn of the conversation it names: Dify's `generate_name_trace`
/// (it carries `metadata.conversation_id` but only titles the conversation).
pub fn is_side_trace(t: &Trace) -> bool {
    from_dify(t.metadata.as_ref()) && t.name.as_deref() == Some("generate_name_trace")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn node_spans_read_as_title_and_type() {
        let m = json!({"created_from": "dify", "node_type": "http-request", "app_name": "Weather lookup"});
        assert_eq!(
            display_name(Some("http-request"), Some("tool"), Some(&m)),
            "Weather lookup · http-request"
        );
        let m = json!({"node_type": "llm", "app_name": "LLM"});
        assert_eq!(display_name(Some("llm"), Some("llm"), Some(&m)), "llm");
        let m = json!({"node_type": "start", "app_name": ""});
        assert_eq!(display_name(Some("start"), Some("tool"), Some(&m)), "start");
    }

    #[test]
    fn dify_task_names_read_plainly_only_for_dify() {
        let d = json!({"created_from": "dify"});
        for (raw, want) in [
            ("message_trace", "message"),
            ("workflow_trace", "workflow"),
            ("moderation_trace", "moderation"),
            ("suggested_question_trace", "suggested questions"),
            ("dataset_retrieval_trace", "dataset retrieval"),
            ("generate_name_trace", "conversation name"),
        ] {
            assert_eq!(display_name(Some(raw), None, Some(&d)), want);
        }
        assert_eq!(
            display_name(Some("message_trace"), None, Some(&json!({}))),
            "message_trace"
        );
        let run = json!({"created_from": "dify", "workflow_run_id": "r", "message_id": null});
        assert_eq!(
            display_name(Some("message_trace"), None, Some(&run)),
            "workflow run"
        );
        let chatflow = json!({"created_from": "dify", "workflow_run_id": "r", "message_id": "m"});
        assert_eq!(
            display_name(Some("message_trace"), None, Some(&chatflow)),
            "message"
        );
        assert_eq!(
            display_name(Some("weather"), Some("tool"), Some(&d)),
            "weather"
        );
    }

    #[test]
    fn generic_ids_get_a_readable_prefix() {
        let id = "0190babc-62a0-71d2-832a-0feffa4676eb";
        assert_eq!(
            display_name(Some(id), Some("tool"), None),
            format!("tool · {id}")
        );
        assert_eq!(
            display_name(
                Some(id),
                Some("general"),
                Some(&json!({"app_name": "Search"}))
            ),
            format!("Search · {id}")
        );
        assert_eq!(display_name(None, Some("llm"), None), "llm");
        assert_eq!(display_name(Some(id), Some("general"), None), id);
        assert_eq!(display_name(None, None, None), "");
    }

    #[test]
    fn model_and_provider_fall_back_to_ls_metadata() {
        let m = json!({"ls_model_name": "gpt-4o-mini", "ls_provider": "openai"});
        assert_eq!(
            model_provider(None, Some(""), Some(&m)),
            (Some("gpt-4o-mini".into()), Some("openai".into()))
        );
        assert_eq!(
            model_provider(Some("claude"), None, Some(&m)),
            (Some("claude".into()), Some("openai".into()))
        );
        assert_eq!(model_provider(None, None, None), (None, None));
        let bad = json!({"ls_model_name": 3, "ls_provider": "  "});
        assert_eq!(model_provider(None, None, Some(&bad)), (None, None));
    }

    #[test]
    fn usage_is_found_where_dify_puts_it() {
        let zeros: BTreeMap<String, i64> = USAGE_KEYS.iter().map(|k| (k.to_string(), 0)).collect();
        let meta = json!({"total_tokens": 321, "total_price": "0.0042", "currency": "USD"});
        let (u, src) = usage(Some(&zeros), Some(&meta), None);
        assert_eq!(u, vec![("total_tokens".to_string(), 321)]);
        assert_eq!(src, Some(UsageSource::MetadataTotal));
        assert_eq!(metadata_cost(Some(&meta)), Some(0.0042));
        assert_eq!(
            metadata_cost(Some(&json!({"total_price": 1.0, "currency": "RMB"}))),
            None
        );

        let out = json!({"text": "hi", "usage": {"prompt_tokens": 10, "completion_tokens": 5.0, "total_tokens": "15"}});
        let (u, src) = usage(None, Some(&meta), Some(&out));
        assert_eq!(src, Some(UsageSource::OutputUsage));
        assert_eq!(total_tokens(&u), Some(15));
        assert_eq!(u.len(), 3);

        let own: BTreeMap<String, i64> = [
            ("prompt_tokens".to_string(), 7),
            ("completion_tokens".to_string(), 3),
        ]
        .into_iter()
        .collect();
        let (u, src) = usage(Some(&own), Some(&meta), Some(&out));
        assert_eq!(src, Some(UsageSource::Own));
        assert_eq!(total_tokens(&u), Some(10));

        let (u, src) = usage(Some(&zeros), None, None);
        assert_eq!((u.len(), src), (3, Some(UsageSource::Own)));
        assert_eq!(
            usage(None, Some(&json!({"total_tokens": "x"})), None),
            (vec![], None)
        );
    }

    #[test]
    fn node_executions_are_dify_spans_with_a_node_type() {
        assert!(is_node_execution(Some(
            &json!({"created_from": "dify", "node_type": "llm"})
        )));
        assert!(!is_node_execution(Some(&json!({"node_type": "llm"}))));
        assert!(!is_node_execution(Some(&json!({"created_from": "dify"}))));
        assert!(!is_node_execution(None));
    }

    #[test]
    fn generate_name_traces_are_side_traces() {
        let mut t = Trace {
            name: Some("generate_name_trace".into()),
            metadata: Some(json!({"created_from": "dify", "conversation_id": "c"})),
            ..Default::default()
        };
        assert!(is_side_trace(&t));
        t.metadata = Some(json!({"conversation_id": "c"}));
        assert!(!is_side_trace(&t));
        t.name = Some("message_trace".into());
        t.metadata = Some(json!({"created_from": "dify"}));
        assert!(!is_side_trace(&t));
    }
}
