//! Threads: list, stats, look-up, search, open/close, update.

use reqwest::Method;
use uuid::Uuid;

use super::stream::collect_stream;
use super::{Call, ListQuery, OpikClient, ProjectRef, SearchStream};
use crate::opik::error::ApiError;
use crate::opik::model::*;

impl OpikClient {
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
}
