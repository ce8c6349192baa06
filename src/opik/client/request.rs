//! Request plumbing: one call, its retries and backoff, error mapping, and capped, deadline-bound
//! reading of replies.

use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{MAX_ERROR_BODY, OpikClient, too_large};
use crate::opik::error::{ApiError, server_message};
use crate::opik::model::*;

/// One request, with what it is about (for 404 and decode messages).
pub(super) struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    /// Safe to repeat after a 5xx or a broken connection.
    idempotent: bool,
    what: String,
    pub(super) stream: bool,
}

impl Call {
    pub(super) fn new(method: Method, path: impl Into<String>, what: impl Into<String>) -> Call {
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
    pub(super) fn get(path: impl Into<String>, what: impl Into<String>) -> Call {
        Call::new(Method::GET, path, what)
    }
    pub(super) fn query(mut self, q: Vec<(&'static str, String)>) -> Call {
        self.query = q;
        self
    }
    pub(super) fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Call, ApiError> {
        self.body = Some(
            serde_json::to_vec(body)
                .map_err(|e| ApiError::Invalid(format!("cannot encode {}: {e}", self.what)))?,
        );
        Ok(self)
    }
    /// Mark a POST as read-only / repeatable (searches, retrieve, metrics, deletes).
    pub(super) fn idempotent(mut self) -> Call {
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
    pub(super) fn backoff(&self, attempt: u32) -> Duration {
        let p = &self.inner.opts.retry;
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let base = p.base_delay.saturating_mul(factor);
        let jitter = base.mul_f64(rand::random::<f64>() * 0.2);
        (base + jitter).min(p.max_delay)
    }

    pub(super) fn transport_error(&self, e: &reqwest::Error, what: &str) -> ApiError {
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
    pub(super) async fn send(&self, call: &Call) -> Result<reqwest::Response, ApiError> {
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

    pub(super) async fn status_error(&self, resp: reqwest::Response, what: &str) -> ApiError {
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

    pub(super) async fn read_body(
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
    pub(super) async fn read_capped(
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
    pub(super) fn too_slow(&self, what: &str) -> ApiError {
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
    pub(super) async fn drain(&self, resp: reqwest::Response, what: &str) {
        let _ = self.read_capped(resp, MAX_ERROR_BODY, what, true).await;
    }

    pub(super) async fn call_json<T: DeserializeOwned>(&self, call: Call) -> Result<T, ApiError> {
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

    pub(super) async fn call_unit(&self, call: Call) -> Result<(), ApiError> {
        let resp = self.send(&call).await?;
        self.drain(resp, &call.what).await;
        Ok(())
    }

    /// For creates answered `201` with `Location: …/{id}`: the new id, when the header has one.
    pub(super) async fn call_created(&self, call: Call) -> Result<Option<Uuid>, ApiError> {
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
}
