//! Feedback scores on traces, spans and threads.

use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use super::{Call, OpikClient};
use crate::opik::error::ApiError;
use crate::opik::model::*;

impl OpikClient {
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
}

pub(super) fn score_names(v: &Value) -> Vec<String> {
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
