//! Traces: list, get, stats, score names, update, search.

use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use super::scores::score_names;
use super::stream::collect_stream;
use super::{Call, ListQuery, OpikClient, SearchStream};
use crate::opik::error::ApiError;
use crate::opik::model::*;

impl OpikClient {
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
}
