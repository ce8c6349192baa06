//! Annotation queues: list, get, create, update, delete, items, locks.

use reqwest::Method;
use uuid::Uuid;

use super::query::filters_json;
use super::{Call, OpikClient};
use crate::opik::error::ApiError;
use crate::opik::model::*;

impl OpikClient {
    /// `GET /v1/private/annotation-queues?page&size&name&filters`.
    pub async fn list_queues(
        &self,
        page: u32,
        size: u32,
        name: Option<&str>,
        filters: &[Filter],
    ) -> Result<Page<AnnotationQueue>, ApiError> {
        let mut q = vec![
            ("page", page.max(1).to_string()),
            ("size", size.max(1).to_string()),
        ];
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            q.push(("name", n.to_string()));
        }
        if !filters.is_empty() {
            q.push(("filters", filters_json(filters)));
        }
        self.call_json(Call::get("/v1/private/annotation-queues", "the queue list").query(q))
            .await
    }

    /// `GET /v1/private/annotation-queues/{id}`.
    pub async fn get_queue(&self, id: Uuid) -> Result<AnnotationQueue, ApiError> {
        self.call_json(Call::get(
            format!("/v1/private/annotation-queues/{id}"),
            format!("annotation queue {id}"),
        ))
        .await
    }

    /// `POST /v1/private/annotation-queues`. The id is generated client-side (UUIDv7) when
    /// missing, as the SDK does; returns it.
    pub async fn create_queue(&self, queue: &AnnotationQueue) -> Result<Uuid, ApiError> {
        let mut queue = queue.clone();
        let id = *queue.id.get_or_insert_with(new_id);
        let created = self
            .call_created(
                Call::new(
                    Method::POST,
                    "/v1/private/annotation-queues",
                    format!("annotation queue `{}`", queue.name),
                )
                .json(&queue)?,
            )
            .await?;
        Ok(created.unwrap_or(id))
    }

    /// `PATCH /v1/private/annotation-queues/{id}`.
    pub async fn update_queue(
        &self,
        id: Uuid,
        update: &AnnotationQueueUpdate,
    ) -> Result<(), ApiError> {
        self.call_unit(
            Call::new(
                Method::PATCH,
                format!("/v1/private/annotation-queues/{id}"),
                format!("annotation queue {id}"),
            )
            .json(update)?,
        )
        .await
    }

    /// `POST /v1/private/annotation-queues/delete {ids}`.
    pub async fn delete_queues(&self, ids: &[Uuid]) -> Result<(), ApiError> {
        let body = BatchDelete { ids: ids.to_vec() };
        self.call_unit(
            Call::new(
                Method::POST,
                "/v1/private/annotation-queues/delete",
                "the annotation queues",
            )
            .json(&body)?
            .idempotent(),
        )
        .await
    }

    /// `POST /v1/private/annotation-queues/{id}/items/add {ids}` (trace ids, or thread model
    /// ids), sent in chunks of 1000.
    pub async fn add_queue_items(&self, queue_id: Uuid, ids: &[Uuid]) -> Result<(), ApiError> {
        for chunk in ids.chunks(1000) {
            let body = ItemIds {
                ids: chunk.to_vec(),
            };
            self.call_unit(
                Call::new(
                    Method::POST,
                    format!("/v1/private/annotation-queues/{queue_id}/items/add"),
                    format!("annotation queue {queue_id}"),
                )
                .json(&body)?
                .idempotent(),
            )
            .await?;
        }
        Ok(())
    }

    /// `POST /v1/private/annotation-queues/{id}/items/delete {ids}`, in chunks of 1000.
    pub async fn remove_queue_items(&self, queue_id: Uuid, ids: &[Uuid]) -> Result<(), ApiError> {
        for chunk in ids.chunks(1000) {
            let body = ItemIds {
                ids: chunk.to_vec(),
            };
            self.call_unit(
                Call::new(
                    Method::POST,
                    format!("/v1/private/annotation-queues/{queue_id}/items/delete"),
                    format!("annotation queue {queue_id}"),
                )
                .json(&body)?
                .idempotent(),
            )
            .await?;
        }
        Ok(())
    }

    /// `PUT /v1/private/annotation-queues/{queue}/items/{item}/lock`: claim or extend the
    /// caller's lock on an item.
    pub async fn lock_queue_item(
        &self,
        queue_id: Uuid,
        item_id: Uuid,
    ) -> Result<LockResponse, ApiError> {
        self.call_json(Call::new(
            Method::PUT,
            format!("/v1/private/annotation-queues/{queue_id}/items/{item_id}/lock"),
            format!("item {item_id} of annotation queue {queue_id}"),
        ))
        .await
    }

    /// `DELETE /v1/private/annotation-queues/{queue}/items/{item}/lock`: release my lock on an
    /// item (skipped). Only the embedded server has it: Opik's locks just expire, so `Ok(false)`
    /// says the server does not release (405/404 for the route).
    pub async fn release_queue_item_lock(
        &self,
        queue_id: Uuid,
        item_id: Uuid,
    ) -> Result<bool, ApiError> {
        let r = self
            .call_unit(
                Call::new(
                    Method::DELETE,
                    format!("/v1/private/annotation-queues/{queue_id}/items/{item_id}/lock"),
                    format!("the lock on item {item_id} of annotation queue {queue_id}"),
                )
                .idempotent(),
            )
            .await;
        match r {
            Ok(()) => Ok(true),
            Err(e) if matches!(e.status(), Some(404 | 405)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `GET /v1/private/annotation-queues/{queue}/locks`: the items locked right now.
    pub async fn queue_locks(&self, queue_id: Uuid) -> Result<LocksResponse, ApiError> {
        self.call_json(Call::get(
            format!("/v1/private/annotation-queues/{queue_id}/locks"),
            format!("locks of annotation queue {queue_id}"),
        ))
        .await
    }
}
