//! Loading a queue for annotation over REST: resolving the QUEUE argument, the current user,
//! the queue's feedback definitions, its items (traces or threads, filtered with
//! `annotation_queue_ids contains <id>`) and locks. Used by the annotate and queues views
//! inside spawned tasks (never on the render path).

use uuid::Uuid;

use super::queue_ref::{self, NameMatch, QueueRef};
use super::session::{ItemData, Session};
use crate::opik::client::{ListQuery, OpikClient};
use crate::opik::error::ApiError;
use crate::opik::model::{AnnotationQueue, FeedbackDefinition, Filter, Sorting, Span};

/// Self-hosted Opik's user when the server names none.
pub const LOCAL_USER: &str = "admin";

/// Upper bound of items read from one queue.
pub const MAX_ITEMS: usize = 20_000;

/// The outcome of resolving a QUEUE argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    One(Box<AnnotationQueue>),
    /// Ask the user: several queues carry the name, none matched exactly, or no argument.
    Choose {
        why: String,
        queues: Vec<AnnotationQueue>,
    },
}

/// All queues (first 1000), newest first as the server lists them.
pub async fn all_queues(client: &OpikClient) -> Result<Vec<AnnotationQueue>, ApiError> {
    let mut out = Vec::new();
    for page in 1..=10u32 {
        let p = client.list_queues(page, 100, None, &[]).await?;
        let n = p.content.len();
        out.extend(p.content);
        if n < 100 {
            break;
        }
    }
    Ok(out)
}

/// Resolve `arg` (name, id or share link; `None` = pick) to a queue.
pub async fn resolve(client: &OpikClient, arg: Option<&str>) -> Result<Resolved, String> {
    let Some(arg) = arg.filter(|a| !a.trim().is_empty()) else {
        let queues = all_queues(client).await.map_err(|e| e.to_string())?;
        return Ok(Resolved::Choose {
            why: "Pick a queue".into(),
            queues,
        });
    };
    match queue_ref::parse(arg)? {
        QueueRef::Id(id) | QueueRef::Link { queue_id: id, .. } => client
            .get_queue(id)
            .await
            .map(|q| Resolved::One(Box::new(q)))
            .map_err(|e| {
                if e.is_not_found() {
                    format!(
                        "no annotation queue with id {id} in workspace {}",
                        client.workspace()
                    )
                } else {
                    e.to_string()
                }
            }),
        QueueRef::Name(name) => {
            // The server matches names by substring: match exactly here.
            let mut found = Vec::new();
            for page in 1..=10u32 {
                let p = client
                    .list_queues(page, 100, Some(&name), &[])
                    .await
                    .map_err(|e| e.to_string())?;
                let n = p.content.len();
                found.extend(p.content);
                if n < 100 {
                    break;
                }
            }
            Ok(match queue_ref::match_name(&name, found) {
                NameMatch::One(q) => Resolved::One(q),
                NameMatch::Several(queues) => Resolved::Choose {
                    why: format!("{} queues are named “{name}”: pick one", queues.len()),
                    queues,
                },
                NameMatch::None(queues) if queues.is_empty() => {
                    let all = all_queues(client).await.map_err(|e| e.to_string())?;
                    Resolved::Choose {
                        why: format!("No queue is named “{name}”: pick one"),
                        queues: all,
                    }
                }
                NameMatch::None(queues) => Resolved::Choose {
                    why: format!("No queue is named exactly “{name}”: pick one"),
                    queues,
                },
            })
        }
    }
}

/// The current user's name (`LOCAL_USER` when the server does not say).
pub async fn me(client: &OpikClient) -> String {
    match client.whoami().await {
        Ok(Some(u)) if !u.trim().is_empty() => u,
        _ => LOCAL_USER.to_string(),
    }
}

/// Every feedback definition of the workspace (first 2000).
pub async fn definitions(client: &OpikClient) -> Result<Vec<FeedbackDefinition>, ApiError> {
    let mut out = Vec::new();
    for page in 1..=20u32 {
        let p = client.list_feedback_definitions(page, 100, None).await?;
        let n = p.content.len();
        out.extend(p.content);
        if n < 100 {
            break;
        }
    }
    Ok(out)
}

/// The filter that selects a queue's items.
pub fn queue_filter(queue_id: Uuid) -> Filter {
    Filter::new("annotation_queue_ids", "contains", queue_id.to_string())
}

/// A queue's items (truncated payloads; the view loads the full item when it shows it).
pub async fn items(
    client: &OpikClient,
    queue: &AnnotationQueue,
) -> Result<Vec<ItemData>, ApiError> {
    let Some(qid) = queue.id else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let size = 100u32;
    for page in 1.. {
        let q = ListQuery {
            project_id: queue.project_id,
            project_name: if queue.project_id.is_none() {
                queue.project_name.clone()
            } else {
                None
            },
            page,
            size,
            filters: vec![queue_filter(qid)],
            truncate: true,
            ..ListQuery::default()
        };
        let n = if queue.scope == "thread" {
            let p = client.list_threads(&q).await?;
            let n = p.content.len();
            out.extend(p.content.into_iter().map(|t| ItemData::Thread(Box::new(t))));
            n
        } else {
            let p = client.list_traces(&q).await?;
            let n = p.content.len();
            out.extend(p.content.into_iter().map(|t| ItemData::Trace(Box::new(t))));
            n
        };
        if n < size as usize || out.len() >= MAX_ITEMS {
            break;
        }
    }
    Ok(out)
}

/// A queue's agreement between annotators: its items and the definitions, computed in the
/// task (never on the render path).
pub async fn agreement(
    client: &OpikClient,
    queue: AnnotationQueue,
) -> Result<super::agreement::QueueAgreement, ApiError> {
    let defs = definitions(client).await?;
    let data = items(client, &queue).await?;
    Ok(super::agreement::QueueAgreement::compute(
        queue, &defs, data,
    ))
}

/// Everything the annotate screen needs for one queue.
pub async fn session(client: &OpikClient, queue: AnnotationQueue) -> Result<Session, ApiError> {
    let mut queue = queue;
    if queue.project_name.is_none()
        && let Some(pid) = queue.project_id
        && let Ok(p) = client.get_project(pid).await
    {
        queue.project_name = Some(p.name);
    }
    let me = me(client).await;
    let defs = definitions(client).await?;
    let data = items(client, &queue).await?;
    let locks = match queue.id {
        Some(id) => client.queue_locks(id).await.unwrap_or_default(),
        None => Default::default(),
    };
    let mut s = Session::new(queue, &defs, &me, data);
    s.locks = locks;
    Ok(s)
}

/// The full item (untruncated input/output, fresh scores and comments).
pub async fn full_item(
    client: &OpikClient,
    queue: &AnnotationQueue,
    item: &ItemData,
) -> Result<ItemData, ApiError> {
    match item {
        ItemData::Trace(t) => match t.id {
            Some(id) => Ok(ItemData::Trace(Box::new(client.get_trace(id).await?))),
            None => Ok(item.clone()),
        },
        ItemData::Thread(t) => {
            let project = match (queue.project_id, &queue.project_name) {
                (Some(id), _) => crate::opik::client::ProjectRef::Id(id),
                (None, Some(n)) => crate::opik::client::ProjectRef::Name(n.clone()),
                (None, None) => return Ok(item.clone()),
            };
            let mut fresh = client.retrieve_thread(&project, &t.id).await?;
            if fresh.thread_model_id.is_none() {
                fresh.thread_model_id = t.thread_model_id;
            }
            Ok(ItemData::Thread(Box::new(fresh)))
        }
    }
}

/// What the item pane shows besides the item itself: a trace's spans, or a thread's turns
/// (its traces, oldest first).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemContext {
    pub spans: Vec<Span>,
    pub turns: Vec<crate::opik::model::Trace>,
}

pub async fn item_context(
    client: &OpikClient,
    queue: &AnnotationQueue,
    item: &ItemData,
) -> Result<ItemContext, ApiError> {
    match item {
        ItemData::Trace(t) => {
            let Some(id) = t.id else {
                return Ok(ItemContext::default());
            };
            let q = ListQuery {
                project_id: t.project_id.or(queue.project_id),
                trace_id: Some(id),
                size: 200,
                truncate: true,
                ..ListQuery::default()
            };
            let spans = client.list_spans(&q).await?.content;
            Ok(ItemContext {
                spans,
                turns: Vec::new(),
            })
        }
        ItemData::Thread(th) => {
            let q = ListQuery {
                project_id: th.project_id.or(queue.project_id),
                project_name: queue
                    .project_name
                    .clone()
                    .filter(|_| queue.project_id.is_none()),
                filters: vec![Filter::new("thread_id", "=", th.id.clone())],
                sorting: vec![Sorting {
                    field: "start_time".into(),
                    direction: "ASC".into(),
                }],
                size: 200,
                truncate: true,
                ..ListQuery::default()
            };
            let mut turns = client.list_traces(&q).await?.content;
            turns.sort_by_key(|t| t.start_time);
            Ok(ItemContext {
                spans: Vec::new(),
                turns,
            })
        }
    }
}
