//! Feedback definitions: list, get, create.

use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use super::{Call, OpikClient};
use crate::opik::error::ApiError;
use crate::opik::model::*;

impl OpikClient {
    /// `GET /v1/private/feedback-definitions?page&size&name`. A definition of a type this
    /// client does not know is skipped (and logged) instead of failing the page.
    pub async fn list_feedback_definitions(
        &self,
        page: u32,
        size: u32,
        name: Option<&str>,
    ) -> Result<Page<FeedbackDefinition>, ApiError> {
        let mut q = vec![
            ("page", page.max(1).to_string()),
            ("size", size.max(1).to_string()),
        ];
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            q.push(("name", n.to_string()));
        }
        let raw: Page<Value> = self
            .call_json(
                Call::get(
                    "/v1/private/feedback-definitions",
                    "the feedback definitions",
                )
                .query(q),
            )
            .await?;
        let content = raw
            .content
            .into_iter()
            .filter_map(|v| match serde_json::from_value::<FeedbackDefinition>(v.clone()) {
                Ok(d) => Some(d),
                Err(e) => {
                    tracing::warn!(error = %e, record = %v, "skipping unreadable feedback definition");
                    None
                }
            })
            .collect();
        Ok(Page {
            page: raw.page,
            size: raw.size,
            total: raw.total,
            content,
            sortable_by: raw.sortable_by,
        })
    }

    /// `GET /v1/private/feedback-definitions/{id}`.
    pub async fn get_feedback_definition(&self, id: Uuid) -> Result<FeedbackDefinition, ApiError> {
        self.call_json(Call::get(
            format!("/v1/private/feedback-definitions/{id}"),
            format!("feedback definition {id}"),
        ))
        .await
    }

    /// `POST /v1/private/feedback-definitions` → the new id (from `Location`).
    pub async fn create_feedback_definition(
        &self,
        def: &FeedbackDefinition,
    ) -> Result<Option<Uuid>, ApiError> {
        self.call_created(
            Call::new(
                Method::POST,
                "/v1/private/feedback-definitions",
                format!("feedback definition `{}`", def.name),
            )
            .json(def)?,
        )
        .await
    }
}
