//! The metadata scan behind grouping threads by a conversation key (issue 13): the traces
//! carrying the key, read in chunks through the search stream, with its progress in the
//! title. A `turns:` filter on Opik threads reads the traces that have a `thread_id` the
//! same way ([`scan_request`]).

use chrono::Utc;
use ratatui::text::Span;

use super::{ThreadsMsg, ThreadsScreen};
use crate::app::Ctx;
use crate::opik::client::SearchStream;
use crate::opik::conversations::{self, Grouping};
use crate::opik::model::{Filter, Thread, Trace, TraceSearchRequest};
use crate::render::{format, sanitize};
use crate::theme::Theme;

/// Most traces one metadata scan reads.
pub const MAX_SCAN: usize = 20_000;
const SCAN_CHUNK: usize = 1_000;
/// Time ranges `[`/`]` step through: (label, hours).
pub const RANGES: &[(&str, i64)] = &[("1h", 1), ("24h", 24), ("7d", 24 * 7), ("30d", 24 * 30)];

/// A chunk of a metadata scan: the stream (to continue), the traces read, whether it ended.
pub type ScanChunk = (SearchStream<Trace>, Vec<Trace>, Option<String>, bool);

/// Progress of a metadata scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    pub read: usize,
    pub done: bool,
    pub limited: bool,
    pub error: Option<String>,
}

impl Scan {
    /// The title's progress: scanning, done, stopped at the limit, or no trace with `key` in
    /// the `range` (`24h`) — with no key, no turn matching the filter; and the error.
    pub fn spans(&self, key: Option<&str>, range: &str, t: &Theme) -> Vec<Span<'static>> {
        let read = format::count(self.read, "trace");
        let (txt, st) = if self.limited {
            (
                format!("scan stopped at {read}: narrow the range with [ "),
                t.warning,
            )
        } else if self.done && self.read == 0 && self.error.is_none() {
            let txt = match key {
                Some(key) => format!(
                    "no trace in the last {range} has metadata.{} ",
                    sanitize::one_line(key)
                ),
                None => format!("no turn in the last {range} matches the filter "),
            };
            (txt, t.warning)
        } else if self.done {
            (format!("{read} scanned "), t.dim)
        } else {
            (format!("scanning… {read} "), t.info)
        };
        let mut out = vec![Span::styled(txt, st)];
        if let Some(e) = &self.error {
            out.push(Span::styled(
                format!("error: {} ", sanitize::one_line(e)),
                t.error,
            ));
        }
        out
    }
}

/// The search a scan streams: the project's traces in the last `hours` that carry the
/// conversation key (`metadata.KEY`, or `thread_id` for Opik threads) and match `filters`.
pub fn scan_request(
    project: &str,
    grouping: &Grouping,
    filters: &[Filter],
    hours: i64,
) -> TraceSearchRequest {
    let key = match grouping {
        Grouping::Metadata(key) => Filter::keyed("metadata", key, "is_not_empty", ""),
        Grouping::ThreadId => Filter::new("thread_id", "is_not_empty", ""),
    };
    let mut all = vec![key];
    all.extend(filters.iter().cloned());
    TraceSearchRequest {
        project_name: Some(project.to_string()),
        filters: Some(all),
        truncate: Some(true),
        from_time: Some(Utc::now() - chrono::Duration::hours(hours)),
        ..TraceSearchRequest::default()
    }
}

/// Read up to [`SCAN_CHUNK`] traces from a scan stream.
pub async fn read_chunk(mut stream: SearchStream<Trace>) -> ScanChunk {
    use futures::StreamExt;
    let mut out = Vec::new();
    while out.len() < SCAN_CHUNK {
        match stream.next().await {
            Some(Ok(t)) => out.push(t),
            Some(Err(e)) => return (stream, out, Some(e.to_string()), true),
            None => return (stream, out, None, true),
        }
    }
    (stream, out, None, false)
}

/// The metadata scan's part of the threads screen: start and continue the scan, group what it
/// read, and try the next conversation key when auto-detecting.
impl ThreadsScreen {
    pub(super) fn start_scan(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        if !self.scanning() {
            return;
        }
        ctx.cancel("page");
        ctx.cancel("live");
        self.scanned.clear();
        self.grouped.clear();
        self.list.set_all(Vec::new());
        self.list.total = None;
        self.scan = Some(Scan::default());
        let Some(env) = &self.env else { return };
        let client = env.client.clone();
        let hours = RANGES[self.range].1;
        let req = scan_request(&self.project, &self.grouping, &self.filters, hours);
        ctx.spawn("scan", async move {
            let stream = client.search_traces_stream(req, Some(MAX_SCAN));
            ThreadsMsg::Scan(read_chunk(stream).await)
        });
    }

    pub(super) fn continue_scan(&mut self, stream: SearchStream<Trace>, ctx: &mut Ctx<ThreadsMsg>) {
        ctx.spawn(
            "scan",
            async move { ThreadsMsg::Scan(read_chunk(stream).await) },
        );
    }

    /// Regroup everything scanned so far, off the UI thread.
    pub(super) fn regroup(&mut self, ctx: &mut Ctx<ThreadsMsg>) {
        let traces = self.scanned.clone();
        let g = self.grouping.clone();
        ctx.spawn("group", async move {
            let r: Vec<Thread> =
                tokio::task::spawn_blocking(move || conversations::group(&traces, &g))
                    .await
                    .unwrap_or_default();
            ThreadsMsg::Grouped(r)
        });
    }

    /// Auto-detection: scan with the next untried key. False (and detection over) when none
    /// is left.
    pub(super) fn next_auto_key(&mut self, ctx: &mut Ctx<ThreadsMsg>) -> bool {
        let Some(keys) = &mut self.auto_keys else {
            return false;
        };
        if keys.is_empty() {
            self.auto_keys = None;
            return false;
        }
        let k = keys.remove(0);
        self.grouping = Grouping::Metadata(k);
        self.start_scan(ctx);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(scan: &Scan) -> String {
        scan.spans(Some("session_id"), "24h", &Theme::dark())
            .iter()
            .map(|s| s.content.to_string())
            .collect()
    }

    #[test]
    fn the_title_says_when_no_trace_has_the_key() {
        let none = Scan {
            done: true,
            ..Scan::default()
        };
        assert_eq!(
            text(&none).trim(),
            "no trace in the last 24h has metadata.session_id"
        );
        let one = Scan {
            read: 1,
            done: true,
            ..Scan::default()
        };
        let turns: String = none
            .spans(None, "7d", &Theme::dark())
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(turns.trim(), "no turn in the last 7d matches the filter");
        assert_eq!(text(&one).trim(), "1 trace scanned");
        let going = Scan {
            read: 1500,
            ..Scan::default()
        };
        assert_eq!(text(&going).trim(), "scanning… 1,500 traces");
        let failed = Scan {
            done: true,
            error: Some("HTTP 500".into()),
            ..Scan::default()
        };
        assert_eq!(text(&failed).trim(), "0 traces scanned error: HTTP 500");
    }
}
