//! The dashboard's requests. Each function runs its requests concurrently and never fails as
//! a whole: a failed request leaves its panel empty and adds a note saying what failed, so
//! the rest of the dashboard still shows (and the next refresh tries again).
//!
//! Per refresh of a project dashboard (ranges with an API interval): six
//! `POST /projects/{id}/metrics` calls for the window (traces, cost, duration, tokens, scores,
//! errors), two for the previous window (tokens and errors, for their KPI deltas), and
//! `GET /traces/stats` + `GET /traces/threads/stats` for both windows. For `1h`, the series
//! come from `GET /traces` of the hour (at most [`MAX_TRACES`]) instead of the metrics calls.
//! `:compare` reads the traces or threads of the range that carry both scores
//! ([`compare_rows`]).

use chrono::{DateTime, Utc};
use futures::StreamExt;
use uuid::Uuid;

use super::compare::Scope;
use super::data::{Metric, MetricAnswers, OverviewData, OverviewRow, ProjectData, SeriesSet};
use super::kpi::{KpiInputs, build_kpis};
use super::range::{Bucket, TimeRange, Window};
use crate::annotate::session::ItemData;
use crate::opik::client::{ListQuery, OpikClient};
use crate::opik::error::ApiError;
use crate::opik::model::{Filter, ProjectMetricResponse, Sorting, Trace};

/// Most traces read to draw the `1h` range on the client.
pub const MAX_TRACES: usize = 2000;
/// Traces per page while reading them.
const PAGE: u32 = 500;
/// Projects shown in the overview.
pub const MAX_PROJECTS: u32 = 30;

fn note(what: &str, e: &ApiError) -> String {
    format!("{what}: {e}")
}

async fn metric(
    client: &OpikClient,
    project_id: Uuid,
    m: Metric,
    window: Window,
    range: TimeRange,
    notes: &mut Vec<String>,
) -> Option<ProjectMetricResponse> {
    match client
        .project_metrics(project_id, &m.request(window, range.bucket()))
        .await
    {
        Ok(r) => Some(r),
        Err(e) => {
            notes.push(note(&format!("{} metrics", m.wire_type()), &e));
            None
        }
    }
}

/// Reads the traces of `window` (newest first, light fields only), at most [`MAX_TRACES`].
/// Returns them with the server's total when it said one.
pub async fn traces_in(
    client: &OpikClient,
    project_id: Uuid,
    window: Window,
) -> Result<(Vec<Trace>, Option<i64>), ApiError> {
    let mut out = Vec::new();
    let mut total = None;
    let mut page = 1;
    loop {
        let q = ListQuery {
            project_id: Some(project_id),
            page,
            size: PAGE,
            from_time: Some(window.start),
            to_time: Some(window.end),
            truncate: true,
            exclude: ["input", "output", "metadata", "comments"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            ..ListQuery::default()
        };
        let p = client.list_traces(&q).await?;
        total = p.total.or(total);
        let n = p.content.len();
        out.extend(p.content);
        if n < PAGE as usize || out.len() >= MAX_TRACES {
            break;
        }
        page += 1;
    }
    out.truncate(MAX_TRACES);
    Ok((out, total))
}

/// Most items `:compare` reads.
pub const MAX_COMPARE: usize = 5000;

/// The traces (or threads) of `project` in `window` that carry every score in `names`, newest
/// first, at most [`MAX_COMPARE`], with the server's total when it said one. Inputs come
/// truncated (a preview is all the compare view shows).
pub async fn compare_rows(
    client: &OpikClient,
    project: &str,
    scope: Scope,
    names: &[&str],
    window: Window,
) -> Result<(Vec<ItemData>, Option<i64>), ApiError> {
    let mut filters: Vec<Filter> = Vec::new();
    for n in names {
        if !filters.iter().any(|f| f.key.as_deref() == Some(n)) {
            filters.push(Filter::keyed("feedback_scores", n, "is_not_empty", ""));
        }
    }
    let mut out = Vec::new();
    let mut total = None;
    for page in 1.. {
        let q = ListQuery {
            project_name: Some(project.to_string()),
            page,
            size: PAGE,
            filters: filters.clone(),
            from_time: Some(window.start),
            to_time: Some(window.end),
            truncate: true,
            // The thread list takes no `exclude`; traces leave out what no cell shows.
            exclude: match scope {
                Scope::Traces => vec!["output".into(), "metadata".into()],
                Scope::Threads => Vec::new(),
            },
            ..ListQuery::default()
        };
        let n = match scope {
            Scope::Traces => {
                let p = client.list_traces(&q).await?;
                total = p.total.or(total);
                let n = p.content.len();
                out.extend(p.content.into_iter().map(|t| ItemData::Trace(Box::new(t))));
                n
            }
            Scope::Threads => {
                let p = client.list_threads(&q).await?;
                total = p.total.or(total);
                let n = p.content.len();
                out.extend(p.content.into_iter().map(|t| ItemData::Thread(Box::new(t))));
                n
            }
        };
        if n < PAGE as usize || out.len() >= MAX_COMPARE {
            break;
        }
    }
    out.truncate(MAX_COMPARE);
    Ok((out, total))
}

/// The series of one project for `range` ending at `now`. `full` adds tokens and scores.
pub async fn project_series(
    client: &OpikClient,
    project_id: Uuid,
    range: TimeRange,
    now: DateTime<Utc>,
    full: bool,
) -> (SeriesSet, Vec<String>) {
    let window = range.window(now);
    let bucket = range.bucket();
    let mut notes = Vec::new();
    if bucket.interval().is_none() {
        return match traces_in(client, project_id, window).await {
            Ok((traces, total)) => {
                if let Some(t) = total.filter(|t| *t as usize > traces.len()) {
                    notes.push(format!(
                        "{} charts from the latest {} of {t} traces",
                        range.label(),
                        traces.len()
                    ));
                }
                (SeriesSet::from_traces(&traces, window, bucket), notes)
            }
            Err(e) => {
                notes.push(note("traces", &e));
                (SeriesSet::empty(window, bucket), notes)
            }
        };
    }
    let (mut n1, mut n2, mut n3, mut n4, mut n5, mut n6) = Default::default();
    let (traces, cost, duration, errors, tokens, scores) = tokio::join!(
        metric(
            client,
            project_id,
            Metric::TraceCount,
            window,
            range,
            &mut n1
        ),
        metric(client, project_id, Metric::Cost, window, range, &mut n2),
        metric(client, project_id, Metric::Duration, window, range, &mut n3),
        metric(client, project_id, Metric::Errors, window, range, &mut n4),
        async {
            if full {
                metric(
                    client,
                    project_id,
                    Metric::TokenUsage,
                    window,
                    range,
                    &mut n5,
                )
                .await
            } else {
                None
            }
        },
        async {
            if full {
                metric(
                    client,
                    project_id,
                    Metric::FeedbackScores,
                    window,
                    range,
                    &mut n6,
                )
                .await
            } else {
                None
            }
        },
    );
    for n in [n1, n2, n3, n4, n5, n6] {
        notes.extend::<Vec<String>>(n);
    }
    let answers = MetricAnswers {
        traces,
        cost,
        duration,
        tokens,
        scores,
        errors,
    };
    (SeriesSet::from_metrics(&answers, window, bucket), notes)
}

fn stats_query(project_id: Uuid, w: Window) -> ListQuery {
    ListQuery {
        project_id: Some(project_id),
        from_time: Some(w.start),
        to_time: Some(w.end),
        ..ListQuery::default()
    }
}

/// Everything the project dashboard shows for `range` ending at `now`.
pub async fn project_dashboard(
    client: &OpikClient,
    project_id: Uuid,
    project_name: &str,
    range: TimeRange,
    now: DateTime<Utc>,
) -> ProjectData {
    let window = range.window(now);
    let prev = window.previous();
    let (cur_q, prev_q) = (
        stats_query(project_id, window),
        stats_query(project_id, prev),
    );
    let (mut np1, mut np2) = (Vec::new(), Vec::new());
    let ((series, mut notes), tr, tr_prev, th, th_prev, tok_prev, err_prev) = tokio::join!(
        project_series(client, project_id, range, now, true),
        client.trace_stats(&cur_q),
        client.trace_stats(&prev_q),
        client.thread_stats(&cur_q),
        client.thread_stats(&prev_q),
        metric(
            client,
            project_id,
            Metric::TokenUsage,
            prev,
            range,
            &mut np1
        ),
        metric(client, project_id, Metric::Errors, prev, range, &mut np2),
    );
    notes.extend(np1);
    notes.extend(np2);
    let traces = match tr {
        Ok(v) => Some(v),
        Err(e) => {
            notes.push(note("trace stats", &e));
            None
        }
    };
    let traces_prev = match tr_prev {
        Ok(v) => Some(v),
        Err(e) => {
            notes.push(note("trace stats (previous period)", &e));
            None
        }
    };
    // Thread stats are missing on some servers: count threads with THREAD_COUNT instead.
    let (threads, threads_prev, thread_total, thread_total_prev) = match (th, th_prev) {
        (Ok(a), Ok(b)) => (Some(a), Some(b), None, None),
        (a, b) => {
            let (mut n1, mut n2) = (Vec::new(), Vec::new());
            let (cur, before) = tokio::join!(
                metric(
                    client,
                    project_id,
                    Metric::ThreadCount,
                    window,
                    range,
                    &mut n1
                ),
                metric(
                    client,
                    project_id,
                    Metric::ThreadCount,
                    prev,
                    range,
                    &mut n2
                ),
            );
            let total = |r: Option<ProjectMetricResponse>| {
                r.map(|r| {
                    r.results
                        .iter()
                        .flat_map(|s| s.data.iter())
                        .filter_map(|p| p.value)
                        .filter(|v| v.is_finite())
                        .sum::<f64>()
                })
            };
            let (t, tp) = (total(cur), total(before));
            if t.is_none() {
                if let Err(e) = &a {
                    notes.push(note("thread stats", e));
                }
                notes.extend(n1);
            }
            if tp.is_none() {
                if let Err(e) = &b {
                    notes.push(note("thread stats (previous period)", e));
                }
                notes.extend(n2);
            }
            (a.ok(), b.ok(), t, tp)
        }
    };
    // The metrics answer for the previous window comes in API buckets (hourly for `1h`).
    let prev_bucket = match range.bucket() {
        b if b.interval().is_some() => b,
        _ => Bucket::Hour,
    };
    let prev_set = SeriesSet::from_metrics(
        &MetricAnswers {
            tokens: tok_prev,
            errors: err_prev,
            ..Default::default()
        },
        prev,
        prev_bucket,
    );
    let inputs = KpiInputs {
        traces,
        traces_prev,
        threads,
        threads_prev,
        tokens: series.tokens.total(),
        tokens_prev: prev_set.tokens.total(),
        errors: series.errors.total(),
        errors_prev: prev_set.errors.total(),
        thread_total,
        thread_total_prev,
    };
    notes.dedup();
    ProjectData {
        project_id,
        project_name: project_name.to_string(),
        range,
        window,
        kpis: build_kpis(&inputs),
        series,
        notes,
        fetched_at: now,
    }
}

/// The all-projects overview: the most recently active projects (at most [`MAX_PROJECTS`]),
/// each with traces, cost, p90 latency and errors for `range`, four projects at a time.
pub async fn overview(
    client: &OpikClient,
    range: TimeRange,
    now: DateTime<Utc>,
) -> Result<OverviewData, ApiError> {
    let sorting = [Sorting {
        field: "last_updated_trace_at".into(),
        direction: "DESC".into(),
    }];
    let page = client
        .list_projects(1, MAX_PROJECTS, None, &sorting)
        .await?;
    let more = page
        .total
        .map(|t| (t.max(0) as usize).saturating_sub(page.content.len()))
        .unwrap_or(0);
    let projects: Vec<(Uuid, String)> = page
        .content
        .into_iter()
        .filter_map(|p| Some((p.id?, p.name)))
        .collect();
    let rows: Vec<OverviewRow> = futures::stream::iter(projects)
        .map(|(id, name)| async move {
            let (set, notes) = project_series(client, id, range, now, false).await;
            let [_, p90, _] = set.latency;
            OverviewRow {
                project_id: id,
                name,
                traces: set.traces,
                cost: set.cost,
                p90,
                errors: set.errors,
                error: notes.into_iter().next(),
            }
        })
        .buffered(4)
        .collect()
        .await;
    Ok(OverviewData {
        range,
        window: range.window(now),
        rows,
        more,
        fetched_at: now,
    })
}
