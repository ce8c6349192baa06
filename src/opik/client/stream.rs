//! The NDJSON search streams: parsed line by line as bytes arrive, following their cursor.

use futures::StreamExt;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::mpsc;

use super::query::opt_filters;
use super::{Call, OpikClient, too_large};
use crate::opik::error::{ApiError, server_message};
use crate::opik::model::*;

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

impl OpikClient {
    pub(super) fn search_stream<R: StreamRequest, T: DeserializeOwned + Send + 'static>(
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

pub(super) enum Line<T> {
    Blank,
    ServerError(ApiError),
    Record(Result<T, ApiError>, Option<String>),
}

/// One NDJSON line of a search stream: a record, an error object, or nothing.
pub(super) fn parse_stream_line<R: StreamRequest, T: DeserializeOwned>(line: &[u8]) -> Line<T> {
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
pub(super) async fn collect_stream<T>(mut s: SearchStream<T>) -> Result<Vec<T>, ApiError> {
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
