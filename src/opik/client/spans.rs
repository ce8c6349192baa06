//! Spans: list, get, stats, update, search.

use reqwest::Method;
use uuid::Uuid;

use super::stream::collect_stream;
use super::{Call, ListQuery, OpikClient, SearchStream};
use crate::opik::error::ApiError;
use crate::opik::model::*;

impl OpikClient {
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
}
