//! Annotation queues (`/v1/private/annotation-queues`): lists of traces or threads that
//! reviewers score, with progress and advisory item locks.
//!
//! - CRUD: create (client-sent UUIDv7 id accepted, 201 + Location), batch create, get, list
//!   (page/size, `name` substring, `filters` on `id`/`project_id`/`name`/`scope`, `sorting`),
//!   PATCH, delete. Read-only fields are computed on read: `project_name`, `items_count`,
//!   `reviewers` (`[{username, status}]`, status = items that user completed: scored one of
//!   the queue's definitions, or commented), `feedback_scores` (averages over the items).
//! - Items: add / delete / `items/search {ids}` (which of these ids are in the queue). Trace
//!   queues hold trace ids; thread queues hold `thread_model_id`s. Tables
//!   `annotation_queues` and `annotation_queue_items` are also read by the trace and thread
//!   filters (`annotation_queue_ids`) and their `annotation_queues` field.
//! - Locks, as `opik-sme-annotation.md` describes Opik's: `PUT …/items/{item}/lock` claims one
//!   of the item's free slots or renews my lock; slots = `annotators_per_item` − people who
//!   already completed the item; a lock lasts `lock_timeout_seconds`. `GET …/{id}/locks` lists
//!   active locks only. Opik has no release (its locks expire); this server adds
//!   `DELETE …/items/{item}/lock` ([`release_lock`]: my lock, at once), which the TUI's skip
//!   uses when the server has it. The decision is the pure [`decide_lock`] (unit-tested with
//!   explicit clocks); [`claim_lock`] applies it in a write transaction.
//!
//! Modules: [`locks`] (the pure lock decision), [`rows`] (reading a queue and its computed
//! fields), [`write`] (create, update, delete, items, claiming locks), [`list`] (the filtered
//! list) and [`handlers`] (the HTTP layer).

mod handlers;
mod list;
mod locks;
mod rows;
#[cfg(test)]
mod tests;
mod write;

use handlers::*;
pub use list::*;
pub use locks::*;
pub use rows::*;
pub use write::*;

use axum::{
    Router,
    routing::{get, post, put},
};

use crate::AppState;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS annotation_queues (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    instructions TEXT,
    scope TEXT NOT NULL,
    comments_enabled INTEGER,
    feedback_definition_names TEXT,
    annotators_per_item INTEGER NOT NULL DEFAULT 1,
    lock_timeout_seconds INTEGER NOT NULL DEFAULT 300,
    created_at TEXT NOT NULL,
    created_by TEXT,
    last_updated_at TEXT NOT NULL,
    last_updated_by TEXT
);
CREATE INDEX IF NOT EXISTS annotation_queues_project ON annotation_queues(project_id, id);
CREATE TABLE IF NOT EXISTS annotation_queue_items (
    queue_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (queue_id, item_id)
);
CREATE INDEX IF NOT EXISTS annotation_queue_items_item ON annotation_queue_items(item_id);
CREATE TABLE IF NOT EXISTS annotation_queue_locks (
    queue_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    locked_by TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (queue_id, item_id, locked_by)
);
"#;

pub const DEFAULT_ANNOTATORS_PER_ITEM: i64 = 1;
pub const DEFAULT_LOCK_TIMEOUT_SECONDS: i64 = 300;
const MAX_BATCH: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/private/annotation-queues",
            get(list_handler).post(create_handler),
        )
        .route("/v1/private/annotation-queues/batch", post(batch_handler))
        .route("/v1/private/annotation-queues/delete", post(delete_handler))
        .route(
            "/v1/private/annotation-queues/{id}",
            get(get_handler).patch(update_handler),
        )
        .route(
            "/v1/private/annotation-queues/{id}/items/add",
            post(items_add_handler),
        )
        .route(
            "/v1/private/annotation-queues/{id}/items/delete",
            post(items_delete_handler),
        )
        .route(
            "/v1/private/annotation-queues/{id}/items/search",
            post(items_search_handler),
        )
        .route(
            "/v1/private/annotation-queues/{id}/locks",
            get(locks_handler),
        )
        .route(
            "/v1/private/annotation-queues/{id}/items/{item}/lock",
            put(lock_handler).delete(unlock_handler),
        )
}
