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

mod comments;
mod definitions;
mod projects;
mod query;
mod queues;
mod request;
mod scores;
mod spans;
mod stream;
#[cfg(test)]
mod tests;
mod threads;
mod traces;

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, header};

use crate::config::Connection;
use crate::opik::error::ApiError;
use crate::opik::model::*;

pub use query::{ListQuery, ProjectRef, wire_filters};
use request::Call;
pub use request::requested_wait;
pub use stream::{SearchStream, StreamRequest};

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
}
