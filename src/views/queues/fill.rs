//! Filling a queue from a filter (`A` in the traces and threads lists): everything the list's
//! filter and search select — not only the loaded rows — is counted, then added to a queue in
//! batches, skipping items already in it.
//!
//! The set is frozen when it is counted (`to_time` = that moment, so traces logged meanwhile
//! neither change the count nor slip in). Ids are read through the streaming search endpoints
//! (`POST /v1/private/traces/search`, `…/traces/threads/search`), which take filters but no
//! full-text search; with a search the paged lists (`GET /v1/private/traces?search=…`) are
//! read instead. Ids already in the queue are read first (the queue filter
//! `annotation_queue_ids contains <queue>`) and skipped, and no id is sent twice, so the
//! count of added items is exact on real Opik (which stores a re-added item again) as on the
//! embedded server (which ignores it).
//!
//! Threads a `turns:` filter selected (threads with a turn matching a trace filter) are known
//! by their `thread_id`s; each is resolved to its `thread_model_id` with
//! `POST …/traces/threads/retrieve` as its batch is added.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use uuid::Uuid;

use crate::annotate::load::queue_filter;
use crate::opik::client::{ListQuery, OpikClient, ProjectRef, SearchStream};
use crate::opik::error::ApiError;
use crate::opik::model::{Filter, Thread, ThreadSearchRequest, Trace, TraceSearchRequest};
use crate::render::format;

/// Above this many matches the add is confirmed twice.
pub const CONFIRM_ABOVE: u64 = 10_000;
/// Ids per `items/add` request (Opik takes up to 1000).
pub const BATCH: usize = 500;

/// Trace fields a fill never needs (the search body's `exclude`).
const LEAN: &[&str] = &[
    "input",
    "output",
    "metadata",
    "tags",
    "error_info",
    "usage",
    "feedback_scores",
    "span_feedback_scores",
    "comments",
    "guardrails_validations",
];

/// What `A` adds: every row the list's filter and search select.
#[derive(Debug, Clone, PartialEq)]
pub enum Matching {
    /// A project's traces matching `filters` and the full-text `search`.
    Traces {
        project: String,
        filters: Vec<Filter>,
        search: Option<String>,
    },
    /// A project's Opik threads (added by `thread_model_id`).
    Threads {
        project: String,
        filters: Vec<Filter>,
        search: Option<String>,
    },
    /// Known traces: those of the conversations grouped by a metadata key.
    TraceIds { project: String, ids: Vec<Uuid> },
    /// Known Opik threads by `thread_id` (the rows a `turns:` filter left), each resolved to
    /// its `thread_model_id` when added.
    ThreadIds {
        project: String,
        thread_ids: Vec<String>,
    },
}

impl Matching {
    /// The queue scope these items go to: `trace` or `thread`.
    pub fn scope(&self) -> &'static str {
        match self {
            Matching::Threads { .. } | Matching::ThreadIds { .. } => "thread",
            _ => "trace",
        }
    }

    pub fn project(&self) -> &str {
        match self {
            Matching::Traces { project, .. }
            | Matching::Threads { project, .. }
            | Matching::TraceIds { project, .. }
            | Matching::ThreadIds { project, .. } => project,
        }
    }

    /// `1 trace`, `1,234 threads`.
    pub fn count_label(&self, n: u64) -> String {
        format::count(usize::try_from(n).unwrap_or(usize::MAX), self.scope())
    }

    fn query(&self, until: DateTime<Utc>, size: u32) -> ListQuery {
        let (project, filters, search) = match self {
            Matching::Traces {
                project,
                filters,
                search,
            }
            | Matching::Threads {
                project,
                filters,
                search,
            } => (project, filters.clone(), search.clone()),
            Matching::TraceIds { project, .. } | Matching::ThreadIds { project, .. } => {
                (project, Vec::new(), None)
            }
        };
        ListQuery {
            project_name: Some(project.clone()),
            page: 1,
            size,
            filters,
            search: search.filter(|s| !s.is_empty()),
            truncate: true,
            exclude: match self {
                Matching::Traces { .. } => LEAN.iter().map(|s| s.to_string()).collect(),
                _ => Vec::new(),
            },
            to_time: Some(until),
            ..ListQuery::default()
        }
    }

    /// How many items match, as of `until`.
    pub async fn count(&self, client: &OpikClient, until: DateTime<Utc>) -> Result<u64, ApiError> {
        let q = self.query(until, 1);
        let total = match self {
            Matching::Traces { .. } => client.list_traces(&q).await?.total,
            Matching::Threads { .. } => client.list_threads(&q).await?.total,
            Matching::TraceIds { ids, .. } => return Ok(distinct(ids).len() as u64),
            Matching::ThreadIds { thread_ids, .. } => return Ok(distinct(thread_ids).len() as u64),
        };
        Ok(total.map_or(0, |t| u64::try_from(t).unwrap_or(0)))
    }

    /// The matching ids, as a source read in batches.
    fn source(&self, client: &OpikClient, until: DateTime<Utc>) -> IdSource {
        let q = self.query(until, BATCH as u32);
        match self {
            Matching::TraceIds { ids, .. } => IdSource::Fixed(distinct(ids).into_iter()),
            Matching::ThreadIds {
                project,
                thread_ids,
            } => IdSource::ThreadIds {
                project: ProjectRef::Name(project.clone()),
                ids: distinct(thread_ids).into_iter(),
            },
            _ if q.search.is_some() => IdSource::Pages {
                threads: self.scope() == "thread",
                query: q,
                done: false,
            },
            Matching::Traces { .. } => {
                IdSource::Traces(client.search_traces_stream(trace_search(&q), None))
            }
            Matching::Threads { .. } => {
                IdSource::Threads(client.search_threads_stream(thread_search(&q), None))
            }
        }
    }
}

/// `ids` without repeats, in their order.
fn distinct<T: Clone + Eq + std::hash::Hash>(ids: &[T]) -> Vec<T> {
    let mut seen = HashSet::new();
    ids.iter().filter(|id| seen.insert(*id)).cloned().collect()
}

fn trace_search(q: &ListQuery) -> TraceSearchRequest {
    TraceSearchRequest {
        project_name: q.project_name.clone(),
        filters: Some(q.filters.clone()),
        truncate: Some(true),
        strip_attachments: Some(true),
        exclude: Some(q.exclude.clone()).filter(|e| !e.is_empty()),
        to_time: q.to_time,
        ..TraceSearchRequest::default()
    }
}

fn thread_search(q: &ListQuery) -> ThreadSearchRequest {
    ThreadSearchRequest {
        project_name: q.project_name.clone(),
        filters: Some(q.filters.clone()),
        truncate: Some(true),
        strip_attachments: Some(true),
        to_time: q.to_time,
        ..ThreadSearchRequest::default()
    }
}

/// Where a fill reads its ids from.
enum IdSource {
    Traces(SearchStream<Trace>),
    Threads(SearchStream<Thread>),
    /// The paged list (a full-text search, which the streams do not take).
    Pages {
        query: ListQuery,
        threads: bool,
        done: bool,
    },
    Fixed(std::vec::IntoIter<Uuid>),
    /// Thread ids, resolved to `thread_model_id`s (`POST …/threads/retrieve`) a batch at a time.
    ThreadIds {
        project: ProjectRef,
        ids: std::vec::IntoIter<String>,
    },
}

/// Thread ids resolved per batch, and how many at once.
const THREAD_BATCH: usize = 50;
const RESOLVING_AT_ONCE: usize = 8;

/// The `thread_model_id`s of the next thread ids; a thread gone meanwhile is skipped. Empty
/// only at the end.
async fn resolve_threads(
    client: &OpikClient,
    project: &ProjectRef,
    ids: &mut std::vec::IntoIter<String>,
) -> Result<Vec<Uuid>, ApiError> {
    loop {
        let batch: Vec<String> = ids.by_ref().take(THREAD_BATCH).collect();
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<Result<Thread, ApiError>> = futures::stream::iter(batch)
            .map(|id| async move { client.retrieve_thread(project, &id).await })
            .buffered(RESOLVING_AT_ONCE)
            .collect()
            .await;
        let mut out = Vec::new();
        for r in found {
            match r {
                Ok(t) => out.extend(t.thread_model_id),
                Err(ApiError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if !out.is_empty() {
            return Ok(out);
        }
    }
}

/// Up to `n` ids from a search stream; records that do not fit the model are skipped.
async fn from_stream<T>(
    s: &mut SearchStream<T>,
    n: usize,
    id: impl Fn(&T) -> Option<Uuid>,
) -> Result<Vec<Uuid>, ApiError> {
    let mut out = Vec::new();
    while out.len() < n {
        match s.next().await {
            Some(Ok(t)) => out.extend(id(&t)),
            Some(Err(ApiError::Decode { what, detail })) => {
                tracing::warn!(%what, %detail, "fill: skipping an unreadable record");
            }
            Some(Err(e)) => return Err(e),
            None => break,
        }
    }
    Ok(out)
}

impl IdSource {
    /// The next (up to) [`BATCH`] ids; empty at the end.
    async fn next(&mut self, client: &OpikClient) -> Result<Vec<Uuid>, ApiError> {
        match self {
            IdSource::Traces(s) => from_stream(s, BATCH, |t| t.id).await,
            IdSource::Threads(s) => from_stream(s, BATCH, |t| t.thread_model_id).await,
            IdSource::Fixed(it) => Ok(it.by_ref().take(BATCH).collect()),
            IdSource::ThreadIds { project, ids } => resolve_threads(client, project, ids).await,
            IdSource::Pages {
                query,
                threads,
                done,
            } => {
                if *done {
                    return Ok(Vec::new());
                }
                let ids: Vec<Uuid> = if *threads {
                    let p = client.list_threads(query).await?;
                    p.content.iter().filter_map(|t| t.thread_model_id).collect()
                } else {
                    let p = client.list_traces(query).await?;
                    p.content.iter().filter_map(|t| t.id).collect()
                };
                *done = ids.len() < query.size as usize;
                query.page += 1;
                Ok(ids)
            }
        }
    }
}

/// The ids already in queue `queue` (of `scope`, in `project`).
async fn queue_ids(
    client: &OpikClient,
    queue: Uuid,
    scope: &str,
    project: &str,
) -> Result<HashSet<Uuid>, ApiError> {
    let q = ListQuery {
        project_name: Some(project.to_string()),
        filters: vec![queue_filter(queue)],
        exclude: LEAN.iter().map(|s| s.to_string()).collect(),
        ..ListQuery::default()
    };
    if scope == "thread" {
        let s = client.search_threads_stream(thread_search(&q), None);
        all_ids(s, |t| t.thread_model_id).await
    } else {
        let s = client.search_traces_stream(trace_search(&q), None);
        all_ids(s, |t| t.id).await
    }
}

/// Every id a search stream gives.
async fn all_ids<T>(
    mut s: SearchStream<T>,
    id: impl Fn(&T) -> Option<Uuid>,
) -> Result<HashSet<Uuid>, ApiError> {
    let mut out = HashSet::new();
    loop {
        let ids = from_stream(&mut s, BATCH, &id).await?;
        if ids.is_empty() {
            return Ok(out);
        }
        out.extend(ids);
    }
}

/// How far a fill got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FillProgress {
    /// Matching ids read.
    pub read: u64,
    /// Ids added to the queue.
    pub added: u64,
    /// Ids skipped: already in the queue.
    pub already: u64,
    /// Every matching id was read.
    pub done: bool,
}

/// A running fill: read a batch of matching ids, add the new ones, repeat.
pub struct FillJob {
    client: OpikClient,
    queue: Uuid,
    scope: &'static str,
    project: String,
    source: IdSource,
    /// Ids in the queue (read on the first step) and ids sent since.
    known: Option<HashSet<Uuid>>,
    pub progress: FillProgress,
}

impl FillJob {
    /// A fill of queue `queue` with what `matching` selected as of `until`.
    pub fn new(
        client: &OpikClient,
        matching: &Matching,
        queue: Uuid,
        until: DateTime<Utc>,
    ) -> FillJob {
        FillJob {
            client: client.clone(),
            queue,
            scope: matching.scope(),
            project: matching.project().to_string(),
            source: matching.source(client, until),
            known: None,
            progress: FillProgress::default(),
        }
    }

    /// One batch. The job comes back to continue with (unless `progress.done` or an error).
    pub async fn step(mut self) -> (FillJob, Result<(), ApiError>) {
        let r = self.batch().await;
        (self, r)
    }

    async fn batch(&mut self) -> Result<(), ApiError> {
        if self.known.is_none() {
            let ids = queue_ids(&self.client, self.queue, self.scope, &self.project).await?;
            self.known = Some(ids);
        }
        let ids = self.source.next(&self.client).await?;
        if ids.is_empty() {
            self.progress.done = true;
            return Ok(());
        }
        self.progress.read += ids.len() as u64;
        let known = self.known.get_or_insert_with(HashSet::new);
        let mut new = Vec::new();
        for id in ids {
            if known.insert(id) {
                new.push(id);
            } else {
                self.progress.already += 1;
            }
        }
        if !new.is_empty() {
            self.client.add_queue_items(self.queue, &new).await?;
            self.progress.added += new.len() as u64;
        }
        Ok(())
    }

    /// Every batch, to the end (outside the UI: tests, scripts).
    pub async fn run(mut self) -> Result<FillProgress, ApiError> {
        while !self.progress.done {
            self.batch().await?;
        }
        Ok(self.progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_words() {
        let m = Matching::TraceIds {
            project: "p".into(),
            ids: Vec::new(),
        };
        assert_eq!(m.count_label(1), "1 trace");
        assert_eq!(m.count_label(12_345), "12,345 traces");
        let t = Matching::Threads {
            project: "p".into(),
            filters: Vec::new(),
            search: None,
        };
        assert_eq!(t.count_label(2), "2 threads");
        assert_eq!(t.scope(), "thread");
    }

    #[test]
    fn known_ids_are_counted_once() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert_eq!(distinct(&[a, b, a, a]), vec![a, b]);
    }

    #[test]
    fn a_search_reads_the_paged_list_and_filters_the_stream() {
        let until = crate::app::testing::fixed_now();
        let m = Matching::Traces {
            project: "p".into(),
            filters: vec![Filter::new("name", "=", "x")],
            search: Some("needle".into()),
        };
        let q = m.query(until, 500);
        assert_eq!(q.search.as_deref(), Some("needle"));
        assert_eq!(q.to_time, Some(until));
        assert!(q.exclude.iter().any(|e| e == "input"));
        let body = trace_search(&q);
        assert_eq!(body.filters.as_deref(), Some(&q.filters[..]));
        assert_eq!(body.to_time, Some(until));
    }
}
