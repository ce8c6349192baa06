//! The demo data set behind `opik-tui demo`, and what every screenshot shows.
//!
//! [`generate`] is pure and deterministic: given "now" it always builds the same projects,
//! traces (agent runs with guardrail, retrieval, tool and llm spans nested up to four deep, a
//! few with errors), multi-turn threads with markdown/table/code answers, feedback
//! definitions, scores from several authors, comments, one trace queue and one thread
//! queue, and a Dify chatbot and a session-id app whose conversations live only in metadata
//! ([`dify`]). Ids are UUIDv7 whose embedded time is the record's start time,
//! with random bits from a seeded generator. [`fill_demo`] writes that data set into a server through the same
//! ingest functions the HTTP handlers use (never raw SQL of other modules' tables).

mod apps;
mod content;
pub mod dify;

pub use apps::*;

use std::collections::BTreeMap;

use uuid::Uuid;

use opik_model::{
    AnnotationQueue, FeedbackDefinition, FeedbackScoreItem, SpanWrite, Timestamp, TraceWrite, ts,
};

/// The default local user (self-hosted Opik's).
pub const ADMIN: &str = "admin";
/// Two reviewers who annotate in the demo's queues.
pub const REVIEWERS: [&str; 2] = ["alice", "bob"];

pub const SUPPORT_PROJECT: &str = "support-agent";
pub const DOCS_PROJECT: &str = "docs-rag";
pub const CODE_PROJECT: &str = "code-assistant";
pub const DEFAULT_PROJECT: &str = "Default Project";

/// What a comment is attached to.
#[derive(Debug, Clone, PartialEq)]
pub enum CommentTarget {
    Trace(Uuid),
    /// A thread, by project and string thread id (its `thread_model_id` is the server's).
    Thread {
        project_name: String,
        thread_id: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoComment {
    pub target: CommentTarget,
    pub author: String,
    pub text: String,
    pub source_queue_id: Option<Uuid>,
}

/// A queue and its items. Thread items are string thread ids; [`fill_demo`] resolves them
/// to the server's `thread_model_id`s.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoQueue {
    pub queue: AnnotationQueue,
    pub project_name: String,
    pub trace_items: Vec<Uuid>,
    pub thread_items: Vec<String>,
}

/// The whole demo data set. Scores carry their author in `FeedbackScoreItem::author`.
#[derive(Debug, Clone, Default)]
pub struct DemoData {
    pub definitions: Vec<FeedbackDefinition>,
    pub traces: Vec<TraceWrite>,
    pub spans: Vec<SpanWrite>,
    pub trace_scores: Vec<FeedbackScoreItem>,
    pub span_scores: Vec<FeedbackScoreItem>,
    pub thread_scores: Vec<FeedbackScoreItem>,
    pub comments: Vec<DemoComment>,
    pub queues: Vec<DemoQueue>,
}

/// SplitMix64: tiny, seedable and stable across crate versions (screenshots depend on it).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform integer in [lo, hi] (inclusive).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
    /// A UUIDv7 whose timestamp is `t` and whose random bits come from this generator.
    pub fn uuid_v7(&mut self, t: Timestamp) -> Uuid {
        let ms = t.timestamp_millis().max(0) as u64;
        let a = self.next_u64().to_le_bytes();
        let b = self.next_u64().to_le_bytes();
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&a);
        bytes[8..].copy_from_slice(&b[..2]);
        uuid::Builder::from_unix_timestamp_millis(ms, &bytes).into_uuid()
    }
}

/// Fill a (fresh) server's database with [`generate`]'s data set as of now, through the same
/// functions the HTTP handlers use, in one transaction. Scores and comments keep their demo
/// authors (alice, bob, admin).
pub async fn fill_demo(handle: &crate::ServerHandle) -> anyhow::Result<()> {
    fill_demo_at(handle, chrono::Utc::now()).await
}

/// [`fill_demo`] as of a fixed time (stable screenshots).
pub async fn fill_demo_at(handle: &crate::ServerHandle, now: Timestamp) -> anyhow::Result<()> {
    fill_db(&handle.db, generate(now)).await
}

/// [`fill_demo`] on a database handle.
pub async fn fill_db(db: &crate::Db, data: DemoData) -> anyhow::Result<()> {
    db.write(move |tx| write_all(tx, &data))
        .await
        .map_err(|e| anyhow::anyhow!("writing the demo data failed: {e:?}"))
}

fn write_all(tx: &rusqlite::Connection, data: &DemoData) -> Result<(), crate::ServerError> {
    use crate::ingest::{CreateMode, CreateRec, Kind, create_all};
    use crate::{feedback_definitions, ingest, projects, queues, scores};

    for d in &data.definitions {
        match feedback_definitions::insert(tx, d, ADMIN) {
            Ok(_) | Err(crate::ServerError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for chunk in data.traces.chunks(1000) {
        let recs = chunk
            .iter()
            .map(CreateRec::from_trace)
            .collect::<Result<Vec<_>, _>>()?;
        create_all(tx, Kind::Trace, recs, CreateMode::Upsert, ADMIN)?;
    }
    for chunk in data.spans.chunks(1000) {
        let recs = chunk
            .iter()
            .map(CreateRec::from_span)
            .collect::<Result<Vec<_>, _>>()?;
        create_all(tx, Kind::Span, recs, CreateMode::Upsert, ADMIN)?;
    }
    // Scores, per author (the score functions take the author as the caller).
    let by_author = |items: &[FeedbackScoreItem]| {
        let mut m: BTreeMap<String, Vec<FeedbackScoreItem>> = BTreeMap::new();
        for it in items {
            let author = it.author.clone().unwrap_or_else(|| ADMIN.to_string());
            let mut it = it.clone();
            it.author = None;
            m.entry(author).or_default().push(it);
        }
        m
    };
    for (author, items) in by_author(&data.trace_scores) {
        for chunk in items.chunks(1000) {
            scores::put_entity_scores(tx, "trace", chunk, &author)?;
        }
    }
    for (author, items) in by_author(&data.span_scores) {
        for chunk in items.chunks(1000) {
            scores::put_entity_scores(tx, "span", chunk, &author)?;
        }
    }
    for (author, items) in by_author(&data.thread_scores) {
        for chunk in items.chunks(1000) {
            scores::put_thread_scores(tx, chunk, &author)?;
        }
    }
    let now = ts::format(&chrono::Utc::now());
    let thread_model_id = |project: &str, thread: &str| -> Result<String, crate::ServerError> {
        let pid = projects::get_or_create(tx, Some(project), ADMIN)?;
        ingest::ensure_thread(tx, &pid, thread, &now, ADMIN)
    };
    for q in &data.queues {
        let mut queue = q.queue.clone();
        queue.project_id = None;
        queue.project_name = Some(q.project_name.clone());
        let id = queues::insert(tx, &queue, queue.created_by.as_deref().unwrap_or(ADMIN))?;
        let mut items = q.trace_items.clone();
        for th in &q.thread_items {
            if let Ok(u) = Uuid::parse_str(&thread_model_id(&q.project_name, th)?) {
                items.push(u);
            }
        }
        if !items.is_empty() {
            queues::add_items(tx, &id, &items)?;
        }
    }
    for c in &data.comments {
        let (kind, entity) = match &c.target {
            CommentTarget::Trace(id) => ("trace", id.to_string()),
            CommentTarget::Thread {
                project_name,
                thread_id,
            } => ("thread", thread_model_id(project_name, thread_id)?),
        };
        crate::comments::insert(tx, kind, &entity, &c.text, c.source_queue_id, &c.author)?;
    }
    // Threads go quiet when their last turn ends, not when the demo was loaded: the last
    // activity of each demo thread is its last trace's end (ingest stamps the load time).
    tx.execute(
        "UPDATE threads SET last_activity_at = (SELECT max(coalesce(t.end_time, t.start_time)) FROM traces t
             WHERE t.project_id = threads.project_id AND t.thread_id = threads.thread_id)
         WHERE EXISTS (SELECT 1 FROM traces t WHERE t.project_id = threads.project_id AND t.thread_id = threads.thread_id)",
        [],
    )?;
    // Likewise a project's "last trace" is its newest demo trace, not the load time.
    tx.execute(
        "UPDATE projects SET last_updated_trace_at = (SELECT max(t.start_time) FROM traces t WHERE t.project_id = projects.id)
         WHERE EXISTS (SELECT 1 FROM traces t WHERE t.project_id = projects.id)",
        [],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use chrono::TimeZone;
    use std::collections::{HashMap, HashSet};

    fn now() -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2026, 3, 20, 14, 30, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn generation_is_deterministic() {
        let a = generate(now());
        let b = generate(now());
        assert_eq!(a.traces, b.traces);
        assert_eq!(a.spans, b.spans);
        assert_eq!(a.trace_scores, b.trace_scores);
    }

    #[test]
    fn ids_are_v7_with_their_start_time() {
        let d = generate(now());
        for t in &d.traces {
            let id = t.id.unwrap();
            assert_eq!(id.get_version_num(), 7);
            let (secs, _) = id.get_timestamp().unwrap().to_unix();
            assert_eq!(secs as i64, t.start_time.unwrap().timestamp());
        }
        for s in &d.spans {
            let id = s.id.unwrap();
            assert_eq!(id.get_version_num(), 7);
            let (secs, _) = id.get_timestamp().unwrap().to_unix();
            assert_eq!(secs as i64, s.start_time.unwrap().timestamp());
        }
        let all: HashSet<Uuid> = d
            .traces
            .iter()
            .filter_map(|t| t.id)
            .chain(d.spans.iter().filter_map(|s| s.id))
            .collect();
        assert_eq!(all.len(), d.traces.len() + d.spans.len(), "ids are unique");
    }

    #[test]
    fn shape_matches_the_brief() {
        let d = generate(now());
        let projects: HashSet<_> = d
            .traces
            .iter()
            .filter_map(|t| t.project_name.clone())
            .collect();
        assert!(projects.len() >= 4, "{projects:?}");
        let kinds: HashSet<_> = d.spans.iter().filter_map(|s| s.span_type.clone()).collect();
        for k in ["llm", "tool", "guardrail", "general"] {
            assert!(kinds.contains(k), "missing span type {k}");
        }
        // Nesting depth: walk parents.
        let parent: HashMap<Uuid, Option<Uuid>> = d
            .spans
            .iter()
            .map(|s| (s.id.unwrap(), s.parent_span_id))
            .collect();
        let depth = |mut id: Uuid| {
            let mut n = 1;
            while let Some(Some(p)) = parent.get(&id) {
                id = *p;
                n += 1;
            }
            n
        };
        let max_depth = d.spans.iter().map(|s| depth(s.id.unwrap())).max().unwrap();
        assert_eq!(max_depth, 4);
        // Children lie inside their parents, spans inside their traces.
        let spans: HashMap<Uuid, &SpanWrite> = d.spans.iter().map(|s| (s.id.unwrap(), s)).collect();
        for s in &d.spans {
            assert!(s.start_time <= s.end_time, "{:?}", s.name);
            // (Dify's plain workflow runs name a root span that is never logged.)
            if let Some(p) = s.parent_span_id.and_then(|p| spans.get(&p)) {
                assert!(
                    p.start_time <= s.start_time && s.end_time <= p.end_time,
                    "{:?} in {:?}",
                    s.name,
                    p.name
                );
            }
        }
        let errors = d.traces.iter().filter(|t| t.error_info.is_some()).count();
        assert!(errors > 2 && errors < d.traces.len() / 5, "{errors}");
        // Last 7 days, not in the future.
        for t in &d.traces {
            let st = t.start_time.unwrap();
            assert!(st < now() && st > now() - Duration::days(8));
        }
        // Models from several providers and multi-turn threads with code and tables.
        let providers: HashSet<_> = d.spans.iter().filter_map(|s| s.provider.clone()).collect();
        assert!(providers.len() >= 4, "{providers:?}");
        let threads: HashSet<_> = d
            .traces
            .iter()
            .filter_map(|t| t.thread_id.clone())
            .collect();
        assert!(threads.len() >= 15);
        let outputs: String = d
            .traces
            .iter()
            .filter(|t| t.thread_id.is_some())
            .map(|t| t.output.clone().unwrap_or_default().to_string())
            .collect();
        assert!(outputs.contains("```") && outputs.contains("|---|"));
        // Scores from several authors, queue items, comments.
        let authors: HashSet<_> = d
            .trace_scores
            .iter()
            .filter_map(|s| s.author.clone())
            .collect();
        assert!(authors.len() >= 3, "{authors:?}");
        assert_eq!(d.queues.len(), 2);
        assert!(!d.queues[0].trace_items.is_empty() && !d.queues[1].thread_items.is_empty());
        assert!(d.comments.len() >= 5);
        // Conversations keyed in metadata only (Dify, session ids).
        for p in [super::dify::DIFY_PROJECT, super::dify::SESSION_PROJECT] {
            let ts: Vec<_> = d
                .traces
                .iter()
                .filter(|t| t.project_name.as_deref() == Some(p))
                .collect();
            assert!(ts.len() >= 7, "{p}");
            assert!(ts.iter().all(|t| t.thread_id.is_none()), "{p}");
        }
    }
}
