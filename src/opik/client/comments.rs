//! Comments on traces, spans and threads.

use reqwest::Method;
use uuid::Uuid;

use super::{Call, OpikClient};
use crate::opik::error::ApiError;
use crate::opik::model::*;

impl OpikClient {
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
}
