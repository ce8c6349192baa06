//! The Opik REST client: typed calls over the wire model in [`crate::opik::model`].
//!
//! One [`OpikClient`] (cheap to clone: an `Arc` around a pooled `reqwest` client) talks to one
//! Opik (a real deployment or the embedded server). It sends the raw API key in
//! `authorization` (only when one is set) and the workspace in `Comet-Workspace`, accepts gzip,
//! applies a connect timeout (5 s) and a read timeout (30 s of silence), reads every body as
//! a stream with a size cap (64 MiB; 32 MiB per search-stream line) and a deadline (2 min per
//! reply or stream page), so a hostile or broken server cannot exhaust memory or keep a
//! screen "loading" forever, and retries with backoff:
//! connection failures and 429 on every request (nothing was processed), 5xx and broken
//! connections only on idempotent requests (GET/PUT/PATCH/DELETE and read-only POSTs such as the
//! searches), at most three attempts, honouring `Retry-After` / `RateLimit-Reset` (capped).
//! Replies are read leniently ([`parse_lenient`]); errors are [`ApiError`]s whose text says
//! what to do. The NDJSON search streams are parsed line by line as bytes arrive and follow
//! their cursor ([`OpikClient::search_traces_stream`]).
//!
//! The TUI never awaits these calls in its render path: it spawns them and posts results back.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::{Method, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::config::Connection;
use crate::opik::error::{ApiError, server_message};
use crate::opik::model::*;

/// How failed requests are retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total (1 = no retry).
    pub max_attempts: u32,
    /// First backoff; doubled for each further attempt (with a little jitter).
    pub base_delay: Duration,
    /// Upper bound for any single wait, including server-requested ones.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// Transport settings of a client.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// Longest silence while waiting for (a chunk of) a reply.
    pub read_timeout: Duration,
    pub retry: RetryPolicy,
    /// Records per request when following a search stream's cursor (1..=2000).
    pub stream_page_size: i64,
    /// Largest reply body read (bytes, after gzip). A reply beyond it is an error, so a broken
    /// or hostile server cannot make the TUI hold gigabytes.
    pub max_reply_bytes: usize,
    /// Longest line of an NDJSON search stream (bytes): one record.
    pub max_line_bytes: usize,
    /// Longest time one reply (or one page of a search stream) may take to arrive in full,
    /// however steadily it trickles in; the read timeout only catches silence.
    pub reply_timeout: Duration,
}

/// Default [`ClientOptions::max_reply_bytes`]: 64 MiB. The TUI asks for pages of 50–100
/// truncated records and single records (a span with full input/output); Opik's own replies
/// stay in the low megabytes, so 64 MiB leaves a wide margin for large untruncated spans while
/// a runaway reply stops well before it could hurt (the parsed value costs a few times its size).
pub const MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// Default [`ClientOptions::max_line_bytes`]: 32 MiB, one untruncated record of a search stream.
pub const MAX_LINE_BYTES: usize = 32 * 1024 * 1024;

/// Default [`ClientOptions::reply_timeout`]: 2 minutes, enough for 64 MiB at 0.5 MB/s.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(120);

/// Bytes of an error reply kept for its message.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// A reply (or stream line) over `cap` bytes.
fn too_large(what: &str, cap: usize) -> ApiError {
    ApiError::Decode {
        what: what.to_string(),
        detail: format!(
            "it is larger than {} MB, more than any Opik reply should be — narrow the request (a filter, a smaller page) or check --url",
            cap / (1024 * 1024)
        ),
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            stream_page_size: 500,
            max_reply_bytes: MAX_REPLY_BYTES,
            max_line_bytes: MAX_LINE_BYTES,
            reply_timeout: REPLY_TIMEOUT,
        }
    }
}

/// A project addressed by id or by name (thread calls accept either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectRef {
    Id(Uuid),
    Name(String),
}

impl ProjectRef {
    fn id(&self) -> Option<Uuid> {
        match self {
            ProjectRef::Id(id) => Some(*id),
            ProjectRef::Name(_) => None,
        }
    }
    fn name(&self) -> Option<String> {
        match self {
            ProjectRef::Id(_) => None,
            ProjectRef::Name(n) => Some(n.clone()),
        }
    }
}

/// Parameters of the paged list endpoints (`GET /traces`, `/spans`, `/traces/threads`) and of
/// their `stats` siblings. `filters`, `sorting` and `exclude` travel JSON-encoded in the query
/// string. `Default` gives page 1, size 50, `truncate = true`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub project_id: Option<Uuid>,
    pub project_name: Option<String>,
    /// 1-based.
    pub page: u32,
    pub size: u32,
    pub filters: Vec<Filter>,
    pub sorting: Vec<Sorting>,
    /// Full-text search.
    pub search: Option<String>,
    /// Ask the server to truncate large input/output/metadata (and strip attachments).
    pub truncate: bool,
    /// Field names to leave out of each record.
    pub exclude: Vec<String>,
    pub from_time: Option<Timestamp>,
    pub to_time: Option<Timestamp>,
    /// Spans only: the trace whose spans to list.
    pub trace_id: Option<Uuid>,
    /// Spans only: `general`, `llm`, `tool` or `guardrail`.
    pub span_type: Option<String>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            project_id: None,
            project_name: None,
            page: 1,
            size: 50,
            filters: Vec::new(),
            sorting: Vec::new(),
            search: None,
            truncate: true,
            exclude: Vec::new(),
            from_time: None,
            to_time: None,
            trace_id: None,
            span_type: None,
        }
    }
}

impl ListQuery {
    /// A first page for one project, by id.
    pub fn for_project(project_id: Uuid) -> ListQuery {
        ListQuery {
            project_id: Some(project_id),
            ..ListQuery::default()
        }
    }

    fn project_params(&self, q: &mut Vec<(&'static str, String)>) {
        if let Some(id) = self.project_id {
            q.push(("project_id", id.to_string()));
        }
        if let Some(name) = &self.project_name {
            q.push(("project_name", name.clone()));
        }
    }

    fn common_params(&self, q: &mut Vec<(&'static str, String)>) {
        if !self.filters.is_empty() {
            q.push(("filters", filters_json(&self.filters)));
        }
        if let Some(s) = self.search.as_ref().filter(|s| !s.is_empty()) {
            q.push(("search", s.clone()));
        }
        if let Some(t) = &self.from_time {
            q.push(("from_time", ts::format(t)));
        }
        if let Some(t) = &self.to_time {
            q.push(("to_time", ts::format(t)));
        }
    }

    /// Query parameters of a list call.
    fn list_params(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        q.push(("page", self.page.max(1).to_string()));
        q.push(("size", self.size.max(1).to_string()));
        self.project_params(&mut q);
        if let Some(t) = self.trace_id {
            q.push(("trace_id", t.to_string()));
        }
        if let Some(t) = &self.span_type {
            q.push(("type", t.clone()));
        }
        self.common_params(&mut q);
        if !self.sorting.is_empty() {
            q.push((
                "sorting",
                serde_json::to_string(&self.sorting).unwrap_or_default(),
            ));
        }
        if !self.exclude.is_empty() {
            q.push((
                "exclude",
                serde_json::to_string(&self.exclude).unwrap_or_default(),
            ));
        }
        q.push(("truncate", self.truncate.to_string()));
        if self.truncate {
            q.push(("strip_attachments", "true".into()));
        }
        q
    }

    /// Query parameters of a stats call (no paging, sorting or truncation).
    fn stats_params(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        self.project_params(&mut q);
        if let Some(t) = self.trace_id {
            q.push(("trace_id", t.to_string()));
        }
        if let Some(t) = &self.span_type {
            q.push(("type", t.clone()));
        }
        self.common_params(&mut q);
        q
    }
}

/// Fields whose filter values Opik compares as plain strings. For every other field type
/// (numbers, dates, lists, dictionaries, scores) Opik URL-decodes the value, so `+` and `%`
/// must be percent-encoded to survive (see `current-opik.md`, "Filters").
const STRING_FILTER_FIELDS: &[&str] = &[
    "id",
    "name",
    "input",
    "output",
    "thread_id",
    "first_message",
    "last_message",
    "model",
    "provider",
    "trace_id",
    "guardrails",
    "experiment_id",
    "project_id",
    "description",
    "instructions",
    "scope",
    "created_by",
    "last_updated_by",
];

/// Prepare filters for the wire: values of non-string fields get `%` and `+` percent-encoded.
pub fn wire_filters(filters: &[Filter]) -> Vec<Filter> {
    filters
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let is_string = f.field_type.as_deref() == Some("string")
                || STRING_FILTER_FIELDS.contains(&f.field.as_str());
            if !is_string
                && let Some(v) = &f.value
                && (v.contains('%') || v.contains('+'))
            {
                f.value = Some(v.replace('%', "%25").replace('+', "%2B"));
            }
            f
        })
        .collect()
}

fn filters_json(filters: &[Filter]) -> String {
    serde_json::to_string(&wire_filters(filters)).unwrap_or_else(|_| "[]".into())
}

fn opt_filters(filters: &Option<Vec<Filter>>) -> Option<Vec<Filter>> {
    filters.as_ref().map(|f| wire_filters(f))
}

/// A stream of search results, item by item, as the server sends them. Dropping it stops the
/// background reader.
pub type SearchStream<T> = tokio_stream::wrappers::ReceiverStream<Result<T, ApiError>>;

/// A search-stream request body that can follow a cursor.
pub trait StreamRequest: Serialize + Clone + Send + Sync + 'static {
    /// Path under the base URL.
    const PATH: &'static str;
    /// What the records are (for messages): "trace", "span", "thread".
    const WHAT: &'static str;
    fn set_cursor(&mut self, cursor: String);
    fn set_limit(&mut self, limit: i64);
    fn limit(&self) -> Option<i64>;
    /// Filters get the same wire preparation as on list calls.
    fn prepare(&mut self);
    /// The cursor value a raw record contributes.
    fn cursor_of(record: &Value) -> Option<String>;
}

fn id_of(record: &Value) -> Option<String> {
    record
        .get("id")
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// The three search requests differ only in their path, what they return, which field holds
/// the cursor and where a record's cursor comes from.
macro_rules! stream_request {
    ($req:ty, $path:literal, $what:literal, $cursor_field:ident, $cursor_of:expr) => {
        impl StreamRequest for $req {
            const PATH: &'static str = $path;
            const WHAT: &'static str = $what;
            fn set_cursor(&mut self, cursor: String) {
                self.$cursor_field = Some(cursor);
            }
            fn set_limit(&mut self, limit: i64) {
                self.limit = Some(limit);
            }
            fn limit(&self) -> Option<i64> {
                self.limit
            }
            fn prepare(&mut self) {
                self.filters = opt_filters(&self.filters);
            }
            fn cursor_of(record: &Value) -> Option<String> {
                $cursor_of(record)
            }
        }
    };
}

stream_request!(
    TraceSearchRequest,
    "/v1/private/traces/search",
    "trace",
    last_retrieved_id,
    id_of
);
stream_request!(
    SpanSearchRequest,
    "/v1/private/spans/search",
    "span",
    last_retrieved_id,
    id_of
);
stream_request!(
    ThreadSearchRequest,
    "/v1/private/traces/threads/search",
    "thread",
    last_retrieved_thread_model_id,
    thread_cursor_of
);

/// Real Opik pages threads by `thread_model_id` (the SDK sends the string id, which breaks
/// past 2000 threads); fall back to `id` for servers that omit the model id.
fn thread_cursor_of(record: &Value) -> Option<String> {
    record
        .get("thread_model_id")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or_else(|| id_of(record))
}

/// The client. Clone freely: clones share one connection pool.
#[derive(Clone)]
pub struct OpikClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// `http(s)://host[:port]/…/api`, no trailing slash.
    base: String,
    workspace: String,
    opts: ClientOptions,
}

impl std::fmt::Debug for OpikClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpikClient")
            .field("base", &self.inner.base)
            .field("workspace", &self.inner.workspace)
            .finish_non_exhaustive()
    }
}

/// One request, with what it is about (for 404 and decode messages).
struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    /// Safe to repeat after a 5xx or a broken connection.
    idempotent: bool,
    what: String,
    stream: bool,
}

impl Call {
    fn new(method: Method, path: impl Into<String>, what: impl Into<String>) -> Call {
        let idempotent = method != Method::POST;
        Call {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            idempotent,
            what: what.into(),
            stream: false,
        }
    }
    fn get(path: impl Into<String>, what: impl Into<String>) -> Call {
        Call::new(Method::GET, path, what)
    }
    fn query(mut self, q: Vec<(&'static str, String)>) -> Call {
        self.query = q;
        self
    }
    fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Call, ApiError> {
        self.body = Some(
            serde_json::to_vec(body)
                .map_err(|e| ApiError::Invalid(format!("cannot encode {}: {e}", self.what)))?,
        );
        Ok(self)
    }
    /// Mark a POST as read-only / repeatable (searches, retrieve, metrics, deletes).
    fn idempotent(mut self) -> Call {
        self.idempotent = true;
        self
    }
}

/// Parse a wait the server asks for: `Retry-After` (seconds or an HTTP date) or
/// `RateLimit-Reset` (seconds).
pub fn requested_wait(headers: &header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string())
    };
    if let Some(v) = text("retry-after") {
        if let Ok(secs) = v.parse::<f64>()
            && secs.is_finite()
            && secs >= 0.0
        {
            return Some(Duration::from_secs_f64(secs));
        }
        if let Ok(date) = chrono::DateTime::parse_from_rfc2822(&v) {
            let ms = (date.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds();
            return Some(Duration::from_millis(ms.max(0) as u64));
        }
    }
    if let Some(v) = text("ratelimit-reset")
        && let Ok(secs) = v.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs));
    }
    None
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = err;
    let mut refused = false;
    while let Some(next) = cur.source() {
        if let Some(io) = next.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            refused = true;
        }
        cur = next;
    }
    if refused {
        return "connection refused".into();
    }
    let s = cur.to_string();
    if s.to_ascii_lowercase().contains("connection refused") {
        "connection refused".into()
    } else {
        s
    }
}

impl OpikClient {
    /// A client for `conn` with the default timeouts and retry policy.
    pub fn new(conn: &Connection) -> Result<OpikClient, ApiError> {
        OpikClient::with_options(conn, ClientOptions::default())
    }

    /// A client with explicit transport settings (tests use short timeouts and waits).
    pub fn with_options(conn: &Connection, opts: ClientOptions) -> Result<OpikClient, ApiError> {
        let mut headers = header::HeaderMap::new();
        let ws = header::HeaderValue::from_str(&conn.workspace).map_err(|_| {
            ApiError::Invalid(format!(
                "workspace name `{}` cannot be sent in a header; use plain ASCII",
                conn.workspace
            ))
        })?;
        headers.insert("Comet-Workspace", ws);
        if let Some(key) = &conn.api_key {
            let mut v = header::HeaderValue::from_str(key).map_err(|_| {
                ApiError::Invalid(
                    "the API key contains characters that cannot be sent in a header".into(),
                )
            })?;
            v.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, v);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("opik-tui/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(opts.connect_timeout)
            .read_timeout(opts.read_timeout)
            // Shorter than the embedded server's 60 s keep-alive (and most proxies'), so a
            // pooled connection is not reused just as the server closes it.
            .pool_idle_timeout(Duration::from_secs(30))
            .gzip(true)
            .build()
            .map_err(|e| ApiError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        let mut base = conn.base_url.trim().to_string();
        while base.ends_with('/') {
            base.pop();
        }
        Ok(OpikClient {
            inner: Arc::new(Inner {
                http,
                base,
                workspace: conn.workspace.clone(),
                opts,
            }),
        })
    }

    /// The normalised base URL (ends with `/api`).
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// The workspace sent in `Comet-Workspace`.
    pub fn workspace(&self) -> &str {
        &self.inner.workspace
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let p = &self.inner.opts.retry;
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let base = p.base_delay.saturating_mul(factor);
        let jitter = base.mul_f64(rand::random::<f64>() * 0.2);
        (base + jitter).min(p.max_delay)
    }

    fn transport_error(&self, e: &reqwest::Error, what: &str) -> ApiError {
        let url = self.inner.base.clone();
        if e.is_connect() {
            let reason = if e.is_timeout() {
                format!(
                    "no connection within {}s",
                    self.inner.opts.connect_timeout.as_secs_f64()
                )
            } else {
                root_cause(e)
            };
            return ApiError::Connect { url, reason };
        }
        if e.is_timeout() {
            return ApiError::Timeout {
                url,
                timeout: self.inner.opts.read_timeout,
            };
        }
        ApiError::Interrupted {
            url,
            what: what.to_string(),
            reason: root_cause(e),
        }
    }

    /// Send with retries; returns a successful response or the typed error.
    async fn send(&self, call: &Call) -> Result<reqwest::Response, ApiError> {
        let url = format!("{}{}", self.inner.base, call.path);
        let max = self.inner.opts.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut rb = self.inner.http.request(call.method.clone(), &url).header(
                header::ACCEPT,
                if call.stream {
                    "*/*"
                } else {
                    "application/json"
                },
            );
            if !call.query.is_empty() {
                rb = rb.query(&call.query);
            }
            match &call.body {
                Some(b) => {
                    rb = rb
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(b.clone())
                }
                None if call.method != Method::GET => {
                    rb = rb.header(header::CONTENT_LENGTH, "0");
                }
                None => {}
            }
            let last = attempt >= max;
            match rb.send().await {
                Err(e) => {
                    let err = self.transport_error(&e, &call.what);
                    let retry = match &err {
                        ApiError::Connect { .. } => true,
                        ApiError::Interrupted { .. } => call.idempotent,
                        _ => false,
                    };
                    if retry && !last {
                        tracing::debug!(%url, attempt, error = %err, "retrying");
                        tokio::time::sleep(self.backoff(attempt)).await;
                        continue;
                    }
                    return Err(err);
                }
                Ok(resp) => {
                    let status = resp.status();
                    if status.is_success() {
                        return Ok(resp);
                    }
                    let retry = status == StatusCode::TOO_MANY_REQUESTS
                        || (call.idempotent && matches!(status.as_u16(), 500 | 502 | 503 | 504));
                    if retry && !last {
                        let wait = requested_wait(resp.headers())
                            .map(|d| d.min(self.inner.opts.retry.max_delay))
                            .unwrap_or_else(|| self.backoff(attempt));
                        tracing::debug!(%url, attempt, %status, ?wait, "retrying");
                        drop(resp);
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(self.status_error(resp, &call.what).await);
                }
            }
        }
    }

    async fn status_error(&self, resp: reqwest::Response, what: &str) -> ApiError {
        let status = resp.status().as_u16();
        let wait = requested_wait(resp.headers());
        let body = self
            .read_capped(resp, MAX_ERROR_BODY, what, true)
            .await
            .unwrap_or_default();
        let message = server_message(&body);
        match status {
            401 | 403 => ApiError::Unauthorized {
                workspace: self.inner.workspace.clone(),
                status,
            },
            404 => {
                let detail = if body.is_empty()
                    || message.to_ascii_lowercase().contains("not found")
                    || message == "(empty reply)"
                {
                    None
                } else {
                    Some(message)
                };
                ApiError::NotFound {
                    resource: what.to_string(),
                    detail,
                }
            }
            429 => ApiError::RateLimited { retry_after: wait },
            500..=599 => ApiError::Server { status, message },
            _ => ApiError::Rejected { status, message },
        }
    }

    async fn read_body(
        &self,
        resp: reqwest::Response,
        what: &str,
    ) -> Result<bytes::Bytes, ApiError> {
        self.read_capped(resp, self.inner.opts.max_reply_bytes, what, false)
            .await
    }

    /// Read a body chunk by chunk: at most `cap` bytes (more is a [`ApiError::Decode`] naming
    /// the limit, or, with `cut`, the first `cap` bytes), within
    /// [`ClientOptions::reply_timeout`] (else [`ApiError::Interrupted`] saying it was too slow);
    /// silence longer than the read timeout is [`ApiError::Timeout`].
    async fn read_capped(
        &self,
        mut resp: reqwest::Response,
        cap: usize,
        what: &str,
        cut: bool,
    ) -> Result<bytes::Bytes, ApiError> {
        let too_large = || too_large(what, cap);
        if !cut
            && resp
                .content_length()
                .is_some_and(|n| n > u64::try_from(cap).unwrap_or(u64::MAX))
        {
            return Err(too_large());
        }
        let limit = self.inner.opts.reply_timeout;
        let read = async {
            let mut buf = bytes::BytesMut::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| self.transport_error(&e, what))?
            {
                if buf.len() + chunk.len() > cap {
                    if cut {
                        buf.extend_from_slice(&chunk[..cap - buf.len()]);
                        break;
                    }
                    return Err(too_large());
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(buf.freeze())
        };
        tokio::time::timeout(limit, read)
            .await
            .unwrap_or_else(|_| Err(self.too_slow(what)))
    }

    /// A reply still trickling in at [`ClientOptions::reply_timeout`].
    fn too_slow(&self, what: &str) -> ApiError {
        ApiError::Interrupted {
            url: self.inner.base.clone(),
            what: what.to_string(),
            reason: format!(
                "the reply did not finish within {}s (the server sends it too slowly)",
                self.inner.opts.reply_timeout.as_secs_f64()
            ),
        }
    }

    /// Read and drop a reply whose content does not matter (so the connection can be reused),
    /// but never more than a small error body's worth: a longer one is simply dropped.
    async fn drain(&self, resp: reqwest::Response, what: &str) {
        let _ = self.read_capped(resp, MAX_ERROR_BODY, what, true).await;
    }

    async fn call_json<T: DeserializeOwned>(&self, call: Call) -> Result<T, ApiError> {
        let resp = self.send(&call).await?;
        let body = self.read_body(resp, &call.what).await?;
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(ApiError::Decode {
                what: call.what,
                detail: "the reply is empty".into(),
            });
        }
        parse_lenient(&body).map_err(|e| ApiError::Decode {
            what: call.what,
            detail: e.to_string(),
        })
    }

    async fn call_unit(&self, call: Call) -> Result<(), ApiError> {
        let resp = self.send(&call).await?;
        self.drain(resp, &call.what).await;
        Ok(())
    }

    /// For creates answered `201` with `Location: …/{id}`: the new id, when the header has one.
    async fn call_created(&self, call: Call) -> Result<Option<Uuid>, ApiError> {
        let resp = self.send(&call).await?;
        let id = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|loc| loc.trim_end_matches('/').rsplit('/').next())
            .and_then(|last| Uuid::parse_str(last).ok());
        self.drain(resp, &call.what).await;
        Ok(id)
    }

    // ---------------------------------------------------------------- health and identity

    /// `GET /is-alive/ping`: is the server up?
    pub async fn ping(&self) -> Result<(), ApiError> {
        self.call_unit(Call::get("/is-alive/ping", "the health check"))
            .await
    }

    /// `POST /v1/private/auth`: can this key access this workspace? (2xx = yes)
    pub async fn auth_check(&self) -> Result<(), ApiError> {
        self.call_unit(Call::new(Method::POST, "/v1/private/auth", "the auth check").idempotent())
            .await
    }

    /// `GET /v1/private/auth/workspace`: the caller's default workspace name.
    pub async fn workspace_name(&self) -> Result<String, ApiError> {
        let h: WorkspaceNameHolder = self
            .call_json(Call::get(
                "/v1/private/auth/workspace",
                "the workspace name",
            ))
            .await?;
        Ok(h.workspace_name)
    }

    /// `GET /v1/private/workspace-permissions`: the calling user's name. `None` when the server
    /// does not offer the endpoint (404) or names nobody.
    pub async fn whoami(&self) -> Result<Option<String>, ApiError> {
        let r: Result<WorkspaceUserPermissions, ApiError> = self
            .call_json(Call::get(
                "/v1/private/workspace-permissions",
                "the workspace permissions",
            ))
            .await;
        match r {
            Ok(p) if p.user_name.trim().is_empty() => Ok(None),
            Ok(p) => Ok(Some(p.user_name)),
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    // ---------------------------------------------------------------- projects

    /// `GET /v1/private/projects?page&size&name&sorting`.
    pub async fn list_projects(
        &self,
        page: u32,
        size: u32,
        name: Option<&str>,
        sorting: &[Sorting],
    ) -> Result<Page<Project>, ApiError> {
        let mut q = vec![
            ("page", page.max(1).to_string()),
            ("size", size.max(1).to_string()),
        ];
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            q.push(("name", n.to_string()));
        }
        if !sorting.is_empty() {
            q.push((
                "sorting",
                serde_json::to_string(sorting).unwrap_or_default(),
            ));
        }
        self.call_json(Call::get("/v1/private/projects", "the project list").query(q))
            .await
    }

    /// `GET /v1/private/projects/stats?page&size`: per-project aggregates.
    pub async fn project_stats(
        &self,
        page: u32,
        size: u32,
    ) -> Result<ProjectStatsSummary, ApiError> {
        let q = vec![
            ("page", page.max(1).to_string()),
            ("size", size.max(1).to_string()),
        ];
        self.call_json(Call::get("/v1/private/projects/stats", "the project stats").query(q))
            .await
    }

    /// `POST /v1/private/projects/retrieve {name}`: a project (with stats) by exact name.
    pub async fn retrieve_project(&self, name: &str) -> Result<Project, ApiError> {
        let body = serde_json::json!({ "name": name });
        self.call_json(
            Call::new(
                Method::POST,
                "/v1/private/projects/retrieve",
                format!("project `{name}`"),
            )
            .json(&body)?
            .idempotent(),
        )
        .await
    }

    /// `GET /v1/private/projects/{id}`.
    pub async fn get_project(&self, id: Uuid) -> Result<Project, ApiError> {
        self.call_json(Call::get(
            format!("/v1/private/projects/{id}"),
            format!("project {id}"),
        ))
        .await
    }

    /// `POST /v1/private/projects {name, description}`: the new project's id (from `Location`).
    pub async fn create_project(
        &self,
        name: &str,
        description: Option<&str>,
    ) -> Result<Option<Uuid>, ApiError> {
        let mut body = serde_json::json!({ "name": name });
        if let Some(d) = description {
            body["description"] = Value::String(d.to_string());
        }
        self.call_created(
            Call::new(
                Method::POST,
                "/v1/private/projects",
                format!("project `{name}`"),
            )
            .json(&body)?,
        )
        .await
    }

    /// `POST /v1/private/projects/{id}/metrics`: a time series for the dashboard.
    pub async fn project_metrics(
        &self,
        project_id: Uuid,
        req: &ProjectMetricRequest,
    ) -> Result<ProjectMetricResponse, ApiError> {
        let mut req = req.clone();
        req.trace_filters = opt_filters(&req.trace_filters);
        req.span_filters = opt_filters(&req.span_filters);
        req.thread_filters = opt_filters(&req.thread_filters);
        self.call_json(
            Call::new(
                Method::POST,
                format!("/v1/private/projects/{project_id}/metrics"),
                format!("metrics of project {project_id}"),
            )
            .json(&req)?
            .idempotent(),
        )
        .await
    }

    // ---------------------------------------------------------------- traces

    /// `GET /v1/private/traces?…`: one page of traces.
    pub async fn list_traces(&self, q: &ListQuery) -> Result<Page<Trace>, ApiError> {
        self.call_json(Call::get("/v1/private/traces", "the trace list").query(q.list_params()))
            .await
    }

    /// `GET /v1/private/traces/{id}` (attachments stripped to references).
    pub async fn get_trace(&self, id: Uuid) -> Result<Trace, ApiError> {
        self.call_json(
            Call::get(format!("/v1/private/traces/{id}"), format!("trace {id}"))
                .query(vec![("strip_attachments", "true".into())]),
        )
        .await
    }

    /// `GET /v1/private/traces/stats?…`: count, duration percentiles, cost, usage, scores.
    pub async fn trace_stats(&self, q: &ListQuery) -> Result<ProjectStats, ApiError> {
        self.call_json(
            Call::get("/v1/private/traces/stats", "the trace stats").query(q.stats_params()),
        )
        .await
    }

    /// `GET /v1/private/traces/feedback-scores/names?project_id`: score names used in a project.
    pub async fn trace_score_names(&self, project_id: Uuid) -> Result<Vec<String>, ApiError> {
        let v: Value = self
            .call_json(
                Call::get(
                    "/v1/private/traces/feedback-scores/names",
                    "the feedback score names",
                )
                .query(vec![("project_id", project_id.to_string())]),
            )
            .await?;
        Ok(score_names(&v))
    }

    /// `PATCH /v1/private/traces/{id}` (e.g. tags via `tags_to_add` / `tags_to_remove`).
    pub async fn update_trace(&self, id: Uuid, update: &TraceUpdate) -> Result<(), ApiError> {
        self.call_unit(
            Call::new(
                Method::PATCH,
                format!("/v1/private/traces/{id}"),
                format!("trace {id}"),
            )
            .json(update)?,
        )
        .await
    }

    /// `POST /v1/private/traces/search`, following the cursor, collected. Stops at `max`
    /// records (all when `None`). Records that do not fit the model are logged and skipped
    /// (as the SDK does); any other error fails the call.
    pub async fn search_traces(
        &self,
        req: TraceSearchRequest,
        max: Option<usize>,
    ) -> Result<Vec<Trace>, ApiError> {
        collect_stream(self.search_traces_stream(req, max)).await
    }

    /// `POST /v1/private/traces/search` as a stream: records arrive as the server sends them;
    /// an error object mid-stream becomes an `Err` item (and ends the stream); the
    /// `last_retrieved_id` cursor is followed until a short page or `max`.
    pub fn search_traces_stream(
        &self,
        req: TraceSearchRequest,
        max: Option<usize>,
    ) -> SearchStream<Trace> {
        self.search_stream(req, max)
    }

    // ---------------------------------------------------------------- spans

    /// `GET /v1/private/spans?…` (set `trace_id` for one trace's spans).
    pub async fn list_spans(&self, q: &ListQuery) -> Result<Page<Span>, ApiError> {
        self.call_json(Call::get("/v1/private/spans", "the span list").query(q.list_params()))
            .await
    }

    /// `GET /v1/private/spans/{id}`.
    pub async fn get_span(&self, id: Uuid) -> Result<Span, ApiError> {
        self.call_json(
            Call::get(format!("/v1/private/spans/{id}"), format!("span {id}"))
                .query(vec![("strip_attachments", "true".into())]),
        )
        .await
    }

    /// `GET /v1/private/spans/stats?…`.
    pub async fn span_stats(&self, q: &ListQuery) -> Result<ProjectStats, ApiError> {
        self.call_json(
            Call::get("/v1/private/spans/stats", "the span stats").query(q.stats_params()),
        )
        .await
    }

    /// `PATCH /v1/private/spans/{id}` (`trace_id` is required by Opik).
    pub async fn update_span(&self, id: Uuid, update: &SpanUpdate) -> Result<(), ApiError> {
        self.call_unit(
            Call::new(
                Method::PATCH,
                format!("/v1/private/spans/{id}"),
                format!("span {id}"),
            )
            .json(update)?,
        )
        .await
    }

    /// `POST /v1/private/spans/search`, collected (see [`OpikClient::search_traces`]).
    pub async fn search_spans(
        &self,
        req: SpanSearchRequest,
        max: Option<usize>,
    ) -> Result<Vec<Span>, ApiError> {
        collect_stream(self.search_spans_stream(req, max)).await
    }

    /// `POST /v1/private/spans/search` as a stream.
    pub fn search_spans_stream(
        &self,
        req: SpanSearchRequest,
        max: Option<usize>,
    ) -> SearchStream<Span> {
        self.search_stream(req, max)
    }

    // ---------------------------------------------------------------- threads

    /// `GET /v1/private/traces/threads?…`.
    pub async fn list_threads(&self, q: &ListQuery) -> Result<Page<Thread>, ApiError> {
        self.call_json(
            Call::get("/v1/private/traces/threads", "the thread list").query(q.list_params()),
        )
        .await
    }

    /// `GET /v1/private/traces/threads/stats?…`.
    pub async fn thread_stats(&self, q: &ListQuery) -> Result<ProjectStats, ApiError> {
        self.call_json(
            Call::get("/v1/private/traces/threads/stats", "the thread stats")
                .query(q.stats_params()),
        )
        .await
    }

    /// `POST /v1/private/traces/threads/retrieve {thread_id, project_name|project_id}`.
    pub async fn retrieve_thread(
        &self,
        project: &ProjectRef,
        thread_id: &str,
    ) -> Result<Thread, ApiError> {
        let body = ThreadIdentifier {
            thread_id: thread_id.to_string(),
            project_name: project.name(),
            project_id: project.id(),
            truncate: Some(false),
        };
        self.call_json(
            Call::new(
                Method::POST,
                "/v1/private/traces/threads/retrieve",
                format!("thread `{thread_id}`"),
            )
            .json(&body)?
            .idempotent(),
        )
        .await
    }

    /// `POST /v1/private/traces/threads/search`, collected.
    pub async fn search_threads(
        &self,
        req: ThreadSearchRequest,
        max: Option<usize>,
    ) -> Result<Vec<Thread>, ApiError> {
        collect_stream(self.search_threads_stream(req, max)).await
    }

    /// `POST /v1/private/traces/threads/search` as a stream (cursor: `thread_model_id`).
    pub fn search_threads_stream(
        &self,
        req: ThreadSearchRequest,
        max: Option<usize>,
    ) -> SearchStream<Thread> {
        self.search_stream(req, max)
    }

    /// `PUT /v1/private/traces/threads/open`: reopen a thread.
    pub async fn open_thread(&self, project: &ProjectRef, thread_id: &str) -> Result<(), ApiError> {
        let body = ThreadIdentifier {
            thread_id: thread_id.to_string(),
            project_name: project.name(),
            project_id: project.id(),
            truncate: None,
        };
        self.call_unit(
            Call::new(
                Method::PUT,
                "/v1/private/traces/threads/open",
                format!("thread `{thread_id}`"),
            )
            .json(&body)?,
        )
        .await
    }

    /// `PUT /v1/private/traces/threads/close`: mark a thread inactive.
    pub async fn close_thread(
        &self,
        project: &ProjectRef,
        thread_id: &str,
    ) -> Result<(), ApiError> {
        let body = ThreadBatchIdentifier {
            project_name: project.name(),
            project_id: project.id(),
            thread_id: Some(thread_id.to_string()),
            thread_ids: None,
        };
        self.call_unit(
            Call::new(
                Method::PUT,
                "/v1/private/traces/threads/close",
                format!("thread `{thread_id}`"),
            )
            .json(&body)?,
        )
        .await
    }

    /// `PATCH /v1/private/traces/threads/{thread_model_id}` (tags).
    pub async fn update_thread(
        &self,
        thread_model_id: Uuid,
        update: &ThreadUpdate,
    ) -> Result<(), ApiError> {
        self.call_unit(
            Call::new(
                Method::PATCH,
                format!("/v1/private/traces/threads/{thread_model_id}"),
                format!("thread {thread_model_id}"),
            )
            .json(update)?,
        )
        .await
    }

    // ---------------------------------------------------------------- feedback scores

    /// `PUT /v1/private/{entity}s/{id}/feedback-scores` (entity `trace` or `span`).
    async fn put_score(
        &self,
        entity: &str,
        id: Uuid,
        item: &FeedbackScoreItem,
    ) -> Result<(), ApiError> {
        let mut item = item.clone();
        item.id = None;
        self.call_unit(
            Call::new(
                Method::PUT,
                format!("/v1/private/{entity}s/{id}/feedback-scores"),
                format!("{entity} {id}"),
            )
            .json(&item)?,
        )
        .await
    }

    /// `PUT /v1/private/{entity}s/feedback-scores`: a batch (each item's `id` = the entity's).
    async fn put_scores(&self, entity: &str, batch: &FeedbackScoreBatch) -> Result<(), ApiError> {
        self.call_unit(
            Call::new(
                Method::PUT,
                format!("/v1/private/{entity}s/feedback-scores"),
                format!("the scored {entity}s"),
            )
            .json(batch)?,
        )
        .await
    }

    /// `POST /v1/private/{entity}s/{id}/feedback-scores/delete {name, author}`.
    async fn delete_score(
        &self,
        entity: &str,
        id: Uuid,
        name: &str,
        author: Option<&str>,
    ) -> Result<(), ApiError> {
        let body = DeleteFeedbackScore {
            name: name.to_string(),
            author: author.map(str::to_string),
        };
        self.call_unit(
            Call::new(
                Method::POST,
                format!("/v1/private/{entity}s/{id}/feedback-scores/delete"),
                format!("{entity} {id}"),
            )
            .json(&body)?
            .idempotent(),
        )
        .await
    }

    /// `PUT /v1/private/traces/{id}/feedback-scores`: one score on one trace.
    pub async fn put_trace_score(
        &self,
        trace_id: Uuid,
        item: &FeedbackScoreItem,
    ) -> Result<(), ApiError> {
        self.put_score("trace", trace_id, item).await
    }

    /// `PUT /v1/private/traces/feedback-scores`: a batch (each item's `id` = trace id).
    pub async fn put_trace_scores(&self, batch: &FeedbackScoreBatch) -> Result<(), ApiError> {
        self.put_scores("trace", batch).await
    }

    /// `POST /v1/private/traces/{id}/feedback-scores/delete {name, author}`.
    pub async fn delete_trace_score(
        &self,
        trace_id: Uuid,
        name: &str,
        author: Option<&str>,
    ) -> Result<(), ApiError> {
        self.delete_score("trace", trace_id, name, author).await
    }

    /// `PUT /v1/private/spans/{id}/feedback-scores`.
    pub async fn put_span_score(
        &self,
        span_id: Uuid,
        item: &FeedbackScoreItem,
    ) -> Result<(), ApiError> {
        self.put_score("span", span_id, item).await
    }

    /// `PUT /v1/private/spans/feedback-scores`: a batch (each item's `id` = span id).
    pub async fn put_span_scores(&self, batch: &FeedbackScoreBatch) -> Result<(), ApiError> {
        self.put_scores("span", batch).await
    }

    /// `POST /v1/private/spans/{id}/feedback-scores/delete {name, author}`.
    pub async fn delete_span_score(
        &self,
        span_id: Uuid,
        name: &str,
        author: Option<&str>,
    ) -> Result<(), ApiError> {
        self.delete_score("span", span_id, name, author).await
    }

    /// `PUT /v1/private/traces/threads/feedback-scores`: a batch (items carry `thread_id` and
    /// `project_name`; there is no single-thread endpoint).
    pub async fn put_thread_scores(&self, batch: &FeedbackScoreBatch) -> Result<(), ApiError> {
        self.call_unit(
            Call::new(
                Method::PUT,
                "/v1/private/traces/threads/feedback-scores",
                "the scored threads",
            )
            .json(batch)?,
        )
        .await
    }

    /// `POST /v1/private/traces/threads/feedback-scores/delete`.
    pub async fn delete_thread_scores(
        &self,
        req: &DeleteThreadFeedbackScores,
    ) -> Result<(), ApiError> {
        self.call_unit(
            Call::new(
                Method::POST,
                "/v1/private/traces/threads/feedback-scores/delete",
                format!("thread `{}`", req.thread_id),
            )
            .json(req)?
            .idempotent(),
        )
        .await
    }

    // ---------------------------------------------------------------- comments

    async fn add_comment(
        &self,
        path: String,
        what: String,
        text: &str,
        source_queue_id: Option<Uuid>,
    ) -> Result<Uuid, ApiError> {
        let body = Comment {
            text: text.to_string(),
            source_queue_id,
            ..Comment::default()
        };
        self.call_created(Call::new(Method::POST, path, what.clone()).json(&body)?)
            .await?
            .ok_or_else(|| ApiError::Decode {
                what: format!("the new comment on {what}"),
                detail: "the reply has no Location header naming the comment".into(),
            })
    }

    async fn update_comment(&self, path: String, id: Uuid, text: &str) -> Result<(), ApiError> {
        let body = Comment {
            text: text.to_string(),
            ..Comment::default()
        };
        self.call_unit(Call::new(Method::PATCH, path, format!("comment {id}")).json(&body)?)
            .await
    }

    async fn delete_comments(&self, path: &str, ids: &[Uuid]) -> Result<(), ApiError> {
        let body = BatchDelete { ids: ids.to_vec() };
        self.call_unit(
            Call::new(Method::POST, path, "the comments")
                .json(&body)?
                .idempotent(),
        )
        .await
    }

    /// `POST /v1/private/traces/{id}/comments {text, source_queue_id}` → the comment id.
    pub async fn add_trace_comment(
        &self,
        trace_id: Uuid,
        text: &str,
        source_queue_id: Option<Uuid>,
    ) -> Result<Uuid, ApiError> {
        self.add_comment(
            format!("/v1/private/traces/{trace_id}/comments"),
            format!("trace {trace_id}"),
            text,
            source_queue_id,
        )
        .await
    }

    /// `PATCH /v1/private/traces/comments/{comment_id} {text}`.
    pub async fn update_trace_comment(&self, comment_id: Uuid, text: &str) -> Result<(), ApiError> {
        self.update_comment(
            format!("/v1/private/traces/comments/{comment_id}"),
            comment_id,
            text,
        )
        .await
    }

    /// `POST /v1/private/traces/comments/delete {ids}`.
    pub async fn delete_trace_comments(&self, ids: &[Uuid]) -> Result<(), ApiError> {
        self.delete_comments("/v1/private/traces/comments/delete", ids)
            .await
    }

    /// `POST /v1/private/traces/threads/{thread_model_id}/comments` → the comment id.
    pub async fn add_thread_comment(
        &self,
        thread_model_id: Uuid,
        text: &str,
        source_queue_id: Option<Uuid>,
    ) -> Result<Uuid, ApiError> {
        self.add_comment(
            format!("/v1/private/traces/threads/{thread_model_id}/comments"),
            format!("thread {thread_model_id}"),
            text,
            source_queue_id,
        )
        .await
    }

    /// `PATCH /v1/private/traces/threads/comments/{comment_id}`.
    pub async fn update_thread_comment(
        &self,
        comment_id: Uuid,
        text: &str,
    ) -> Result<(), ApiError> {
        self.update_comment(
            format!("/v1/private/traces/threads/comments/{comment_id}"),
            comment_id,
            text,
        )
        .await
    }

    /// `POST /v1/private/traces/threads/comments/delete {ids}`.
    pub async fn delete_thread_comments(&self, ids: &[Uuid]) -> Result<(), ApiError> {
        self.delete_comments("/v1/private/traces/threads/comments/delete", ids)
            .await
    }

    /// `POST /v1/private/spans/{id}/comments` → the comment id.
    pub async fn add_span_comment(
        &self,
        span_id: Uuid,
        text: &str,
        source_queue_id: Option<Uuid>,
    ) -> Result<Uuid, ApiError> {
        self.add_comment(
            format!("/v1/private/spans/{span_id}/comments"),
            format!("span {span_id}"),
            text,
            source_queue_id,
        )
        .await
    }

    /// `PATCH /v1/private/spans/comments/{comment_id}`.
    pub async fn update_span_comment(&self, comment_id: Uuid, text: &str) -> Result<(), ApiError> {
        self.update_comment(
            format!("/v1/private/spans/comments/{comment_id}"),
            comment_id,
            text,
        )
        .await
    }

    /// `POST /v1/private/spans/comments/delete {ids}`.
    pub async fn delete_span_comments(&self, ids: &[Uuid]) -> Result<(), ApiError> {
        self.delete_comments("/v1/private/spans/comments/delete", ids)
            .await
    }

    // ---------------------------------------------------------------- feedback definitions

    /// `GET /v1/private/feedback-definitions?page&size&name`. A definition of a type this
    /// client does not know is skipped (and logged) instead of failing the page.
    pub async fn list_feedback_definitions(
        &self,
        page: u32,
        size: u32,
        name: Option<&str>,
    ) -> Result<Page<FeedbackDefinition>, ApiError> {
        let mut q = vec![
            ("page", page.max(1).to_string()),
            ("size", size.max(1).to_string()),
        ];
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            q.push(("name", n.to_string()));
        }
        let raw: Page<Value> = self
            .call_json(
                Call::get(
                    "/v1/private/feedback-definitions",
                    "the feedback definitions",
                )
                .query(q),
            )
            .await?;
        let content = raw
            .content
            .into_iter()
            .filter_map(|v| match serde_json::from_value::<FeedbackDefinition>(v.clone()) {
                Ok(d) => Some(d),
                Err(e) => {
                    tracing::warn!(error = %e, record = %v, "skipping unreadable feedback definition");
                    None
                }
            })
            .collect();
        Ok(Page {
            page: raw.page,
            size: raw.size,
            total: raw.total,
            content,
            sortable_by: raw.sortable_by,
        })
    }

    /// `GET /v1/private/feedback-definitions/{id}`.
    pub async fn get_feedback_definition(&self, id: Uuid) -> Result<FeedbackDefinition, ApiError> {
        self.call_json(Call::get(
            format!("/v1/private/feedback-definitions/{id}"),
            format!("feedback definition {id}"),
        ))
        .await
    }

    /// `POST /v1/private/feedback-definitions` → the new id (from `Location`).
    pub async fn create_feedback_definition(
        &self,
        def: &FeedbackDefinition,
    ) -> Result<Option<Uuid>, ApiError> {
        self.call_created(
            Call::new(
                Method::POST,
                "/v1/private/feedback-definitions",
                format!("feedback definition `{}`", def.name),
            )
            .json(def)?,
        )
        .await
    }

    // ---------------------------------------------------------------- annotation queues

    /// `GET /v1/private/annotation-queues?page&size&name&filters`.
    pub async fn list_queues(
        &self,
        page: u32,
        size: u32,
        name: Option<&str>,
        filters: &[Filter],
    ) -> Result<Page<AnnotationQueue>, ApiError> {
        let mut q = vec![
            ("page", page.max(1).to_string()),
            ("size", size.max(1).to_string()),
        ];
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            q.push(("name", n.to_string()));
        }
        if !filters.is_empty() {
            q.push(("filters", filters_json(filters)));
        }
        self.call_json(Call::get("/v1/private/annotation-queues", "the queue list").query(q))
            .await
    }

    /// `GET /v1/private/annotation-queues/{id}`.
    pub async fn get_queue(&self, id: Uuid) -> Result<AnnotationQueue, ApiError> {
        self.call_json(Call::get(
            format!("/v1/private/annotation-queues/{id}"),
            format!("annotation queue {id}"),
        ))
        .await
    }

    /// `POST /v1/private/annotation-queues`. The id is generated client-side (UUIDv7) when
    /// missing, as the SDK does; returns it.
    pub async fn create_queue(&self, queue: &AnnotationQueue) -> Result<Uuid, ApiError> {
        let mut queue = queue.clone();
        let id = *queue.id.get_or_insert_with(new_id);
        let created = self
            .call_created(
                Call::new(
                    Method::POST,
                    "/v1/private/annotation-queues",
                    format!("annotation queue `{}`", queue.name),
                )
                .json(&queue)?,
            )
            .await?;
        Ok(created.unwrap_or(id))
    }

    /// `PATCH /v1/private/annotation-queues/{id}`.
    pub async fn update_queue(
        &self,
        id: Uuid,
        update: &AnnotationQueueUpdate,
    ) -> Result<(), ApiError> {
        self.call_unit(
            Call::new(
                Method::PATCH,
                format!("/v1/private/annotation-queues/{id}"),
                format!("annotation queue {id}"),
            )
            .json(update)?,
        )
        .await
    }

    /// `POST /v1/private/annotation-queues/delete {ids}`.
    pub async fn delete_queues(&self, ids: &[Uuid]) -> Result<(), ApiError> {
        let body = BatchDelete { ids: ids.to_vec() };
        self.call_unit(
            Call::new(
                Method::POST,
                "/v1/private/annotation-queues/delete",
                "the annotation queues",
            )
            .json(&body)?
            .idempotent(),
        )
        .await
    }

    /// `POST /v1/private/annotation-queues/{id}/items/add {ids}` (trace ids, or thread model
    /// ids), sent in chunks of 1000.
    pub async fn add_queue_items(&self, queue_id: Uuid, ids: &[Uuid]) -> Result<(), ApiError> {
        for chunk in ids.chunks(1000) {
            let body = ItemIds {
                ids: chunk.to_vec(),
            };
            self.call_unit(
                Call::new(
                    Method::POST,
                    format!("/v1/private/annotation-queues/{queue_id}/items/add"),
                    format!("annotation queue {queue_id}"),
                )
                .json(&body)?
                .idempotent(),
            )
            .await?;
        }
        Ok(())
    }

    /// `POST /v1/private/annotation-queues/{id}/items/delete {ids}`, in chunks of 1000.
    pub async fn remove_queue_items(&self, queue_id: Uuid, ids: &[Uuid]) -> Result<(), ApiError> {
        for chunk in ids.chunks(1000) {
            let body = ItemIds {
                ids: chunk.to_vec(),
            };
            self.call_unit(
                Call::new(
                    Method::POST,
                    format!("/v1/private/annotation-queues/{queue_id}/items/delete"),
                    format!("annotation queue {queue_id}"),
                )
                .json(&body)?
                .idempotent(),
            )
            .await?;
        }
        Ok(())
    }

    /// `PUT /v1/private/annotation-queues/{queue}/items/{item}/lock`: claim or extend the
    /// caller's lock on an item.
    pub async fn lock_queue_item(
        &self,
        queue_id: Uuid,
        item_id: Uuid,
    ) -> Result<LockResponse, ApiError> {
        self.call_json(Call::new(
            Method::PUT,
            format!("/v1/private/annotation-queues/{queue_id}/items/{item_id}/lock"),
            format!("item {item_id} of annotation queue {queue_id}"),
        ))
        .await
    }

    /// `GET /v1/private/annotation-queues/{queue}/locks`: the items locked right now.
    pub async fn queue_locks(&self, queue_id: Uuid) -> Result<LocksResponse, ApiError> {
        self.call_json(Call::get(
            format!("/v1/private/annotation-queues/{queue_id}/locks"),
            format!("locks of annotation queue {queue_id}"),
        ))
        .await
    }

    // ---------------------------------------------------------------- search streams

    fn search_stream<R: StreamRequest, T: DeserializeOwned + Send + 'static>(
        &self,
        mut req: R,
        max: Option<usize>,
    ) -> SearchStream<T> {
        let (tx, rx) = mpsc::channel(256);
        let client = self.clone();
        req.prepare();
        tokio::spawn(async move { client.run_search::<R, T>(req, max, tx).await });
        tokio_stream::wrappers::ReceiverStream::new(rx)
    }

    async fn run_search<R: StreamRequest, T: DeserializeOwned>(
        &self,
        mut req: R,
        max: Option<usize>,
        tx: mpsc::Sender<Result<T, ApiError>>,
    ) {
        let max = max.unwrap_or(usize::MAX);
        let mut page_size = req
            .limit()
            .unwrap_or(self.inner.opts.stream_page_size)
            .clamp(1, 2000);
        let mut got = 0usize;
        let mut stream_retries = 0;
        let mut last_cursor: Option<String> = None;
        let what = format!("{} search", R::WHAT);
        while got < max {
            let limit = page_size.min(i64::try_from(max - got).unwrap_or(i64::MAX));
            req.set_limit(limit);
            let mut call = match Call::new(Method::POST, R::PATH, what.clone()).json(&req) {
                Ok(c) => c.idempotent(),
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            call.stream = true;
            let resp = match self.send(&call).await {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let mut body = resp.bytes_stream();
            let mut buf: Vec<u8> = Vec::new();
            // How much of `buf` is known to hold no newline (so a long line is scanned once).
            let mut scanned = 0usize;
            let mut count: i64 = 0;
            let mut cursor: Option<String> = None;
            let mut broke: Option<ApiError> = None;
            let mut ended = false;
            let deadline = tokio::time::Instant::now() + self.inner.opts.reply_timeout;
            let max_line = self.inner.opts.max_line_bytes;
            while !ended {
                let mut lines: Vec<Vec<u8>> = Vec::new();
                let next = match tokio::time::timeout_at(deadline, body.next()).await {
                    Ok(n) => n,
                    Err(_) => {
                        // Not resumed: a server this slow would be as slow again.
                        let _ = tx.send(Err(self.too_slow(&what))).await;
                        return;
                    }
                };
                match next {
                    Some(Ok(chunk)) => {
                        buf.extend_from_slice(&chunk);
                        while let Some(pos) = buf[scanned..].iter().position(|b| *b == b'\n') {
                            let line: Vec<u8> = buf.drain(..=scanned + pos).collect();
                            lines.push(line);
                            scanned = 0;
                        }
                        scanned = buf.len();
                        if buf.len() > max_line {
                            let what = format!("a {} record of the search stream", R::WHAT);
                            let _ = tx.send(Err(too_large(&what, max_line))).await;
                            return;
                        }
                    }
                    Some(Err(e)) => {
                        broke = Some(self.transport_error(&e, &what));
                        ended = true;
                    }
                    None => {
                        lines.push(std::mem::take(&mut buf));
                        ended = true;
                    }
                }
                for line in lines {
                    match parse_stream_line::<R, T>(&line) {
                        Line::Blank => {}
                        Line::ServerError(e) => {
                            let _ = tx.send(Err(e)).await;
                            return;
                        }
                        Line::Record(item, id) => {
                            count += 1;
                            got += 1;
                            if id.is_some() {
                                cursor = id;
                            }
                            if tx.send(item).await.is_err() {
                                return; // the reader went away
                            }
                            if got >= max {
                                return;
                            }
                        }
                    }
                }
            }
            let advanced = cursor.is_some() && cursor != last_cursor;
            if let Some(c) = &cursor {
                req.set_cursor(c.clone());
                last_cursor = Some(c.clone());
            }
            if let Some(e) = broke {
                // As the SDK does: retry from the cursor with a smaller page, twice at most.
                if stream_retries < 2 {
                    stream_retries += 1;
                    page_size = (page_size / 2).max(50).min(page_size);
                    tracing::debug!(error = %e, page_size, "search stream broke; resuming from the cursor");
                    continue;
                }
                let _ = tx.send(Err(e)).await;
                return;
            }
            if count < limit {
                return; // a short page: done
            }
            if !advanced {
                // No cursor, or the server ignored it: another request would repeat the page.
                tracing::warn!(what = %what, "search cursor did not advance; stopping");
                return;
            }
        }
    }
}

enum Line<T> {
    Blank,
    ServerError(ApiError),
    Record(Result<T, ApiError>, Option<String>),
}

/// One NDJSON line of a search stream: a record, an error object, or nothing.
fn parse_stream_line<R: StreamRequest, T: DeserializeOwned>(line: &[u8]) -> Line<T> {
    let trimmed = line.trim_ascii();
    if trimmed.is_empty() {
        return Line::Blank;
    }
    let value: Value = match parse_lenient(trimmed) {
        Ok(v) => v,
        Err(e) => {
            return Line::Record(
                Err(ApiError::Decode {
                    what: format!("a {} record", R::WHAT),
                    detail: e.to_string(),
                }),
                None,
            );
        }
    };
    if let Some(obj) = value.as_object() {
        let is_error = !obj.contains_key("id")
            && obj.contains_key("message")
            && (obj.contains_key("code") || obj.len() <= 2);
        if is_error || (obj.len() == 1 && obj.contains_key("errors")) {
            return Line::ServerError(ApiError::Stream {
                what: R::WHAT.to_string(),
                code: obj.get("code").and_then(|c| c.as_i64()),
                message: server_message(trimmed),
            });
        }
    }
    let id = R::cursor_of(&value);
    let label = id_of(&value).unwrap_or_else(|| "without id".into());
    let item = serde_json::from_value::<T>(value).map_err(|e| ApiError::Decode {
        what: format!("{} {label}", R::WHAT),
        detail: e.to_string(),
    });
    Line::Record(item, id)
}

/// Collect a search stream: stops at the first error, except records that do not fit the
/// model, which are logged and skipped.
async fn collect_stream<T>(mut s: SearchStream<T>) -> Result<Vec<T>, ApiError> {
    let mut out = Vec::new();
    while let Some(item) = s.next().await {
        match item {
            Ok(t) => out.push(t),
            Err(ApiError::Decode { what, detail }) => {
                tracing::warn!(%what, %detail, "skipping an unreadable search record");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

fn score_names(v: &Value) -> Vec<String> {
    let list = v
        .get("scores")
        .and_then(|s| s.as_array())
        .or_else(|| v.as_array());
    list.map(|items| {
        items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                other => other
                    .get("name")
                    .and_then(|n| n.as_str())
                    .map(str::to_string),
            })
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_params_encode_filters_sorting_and_exclude_as_json() {
        let q = ListQuery {
            project_id: Some(Uuid::nil()),
            filters: vec![Filter::new("tags", "contains", "a+b")],
            sorting: vec![Sorting {
                field: "start_time".into(),
                direction: "DESC".into(),
            }],
            exclude: vec!["input".into()],
            ..ListQuery::default()
        };
        let p = q.list_params();
        let get = |k: &str| p.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        assert_eq!(get("page").as_deref(), Some("1"));
        assert_eq!(get("size").as_deref(), Some("50"));
        assert_eq!(
            get("filters").as_deref(),
            Some(r#"[{"field":"tags","operator":"contains","value":"a%2Bb"}]"#)
        );
        assert_eq!(
            get("sorting").as_deref(),
            Some(r#"[{"field":"start_time","direction":"DESC"}]"#)
        );
        assert_eq!(get("exclude").as_deref(), Some(r#"["input"]"#));
        assert_eq!(get("truncate").as_deref(), Some("true"));
        assert_eq!(get("strip_attachments").as_deref(), Some("true"));
    }

    #[test]
    fn string_fields_keep_plus_and_percent() {
        let f = wire_filters(&[
            Filter::new("name", "contains", "50%+x"),
            Filter::keyed("metadata", "k", "=", "50%"),
        ]);
        assert_eq!(f[0].value.as_deref(), Some("50%+x"));
        assert_eq!(f[1].value.as_deref(), Some("50%25"));
    }

    #[test]
    fn waits_come_from_retry_after_or_ratelimit_reset() {
        let mut h = header::HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(requested_wait(&h), Some(Duration::from_secs(2)));
        let mut h = header::HeaderMap::new();
        h.insert("ratelimit-reset", "3".parse().unwrap());
        assert_eq!(requested_wait(&h), Some(Duration::from_secs(3)));
        let mut h = header::HeaderMap::new();
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(requested_wait(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(requested_wait(&h), None);
    }

    #[test]
    fn stream_lines_classify_records_errors_and_blanks() {
        let l = parse_stream_line::<TraceSearchRequest, Trace>(b"\r\n");
        assert!(matches!(l, Line::Blank));
        let l = parse_stream_line::<TraceSearchRequest, Trace>(
            br#"{"code":500,"message":"Streaming operation timed out"}"#,
        );
        match l {
            Line::ServerError(e) => assert_eq!(
                e.to_string(),
                "the server stopped the trace stream with an error (code 500): Streaming operation timed out"
            ),
            _ => panic!("expected a server error"),
        }
        let l = parse_stream_line::<TraceSearchRequest, Trace>(
            br#"{"id":"0192e0a0-0000-7000-8000-000000000001","name":"x","duration":NaN}"#,
        );
        match l {
            Line::Record(Ok(t), Some(c)) => {
                assert_eq!(t.name.as_deref(), Some("x"));
                assert_eq!(c, "0192e0a0-0000-7000-8000-000000000001");
            }
            _ => panic!("expected a record"),
        }
        let l = parse_stream_line::<ThreadSearchRequest, Thread>(
            br#"{"id":"chat-1","thread_model_id":"0192e0a0-0000-7000-8000-000000000009"}"#,
        );
        match l {
            Line::Record(Ok(t), Some(c)) => {
                assert_eq!(t.id, "chat-1");
                assert_eq!(c, "0192e0a0-0000-7000-8000-000000000009");
            }
            _ => panic!("expected a thread record"),
        }
    }

    #[test]
    fn score_names_read_both_shapes() {
        let v = serde_json::json!({"scores":[{"name":"a","type":"trace"},{"name":"b"}]});
        assert_eq!(score_names(&v), vec!["a", "b"]);
        assert_eq!(score_names(&serde_json::json!(["x"])), vec!["x"]);
    }
}
