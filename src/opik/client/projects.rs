//! Projects: list, stats, look-up, create, metrics.

use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use super::query::opt_filters;
use super::{Call, OpikClient};
use crate::opik::error::ApiError;
use crate::opik::model::*;

impl OpikClient {
    /// `GET /v1/private/projects?page&size&name&sorting`.
    pub async fn list_projects(
        &self,
        page: u32,
        size: u32,
        name: Option<&str>,
        sorting: &[Sorting],
    ) -> Result<Page<Project>, ApiError> {
        let mut q = vec![
            ("page", page.max(1).to_string()),
            ("size", size.max(1).to_string()),
        ];
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            q.push(("name", n.to_string()));
        }
        if !sorting.is_empty() {
            q.push((
                "sorting",
                serde_json::to_string(sorting).unwrap_or_default(),
            ));
        }
        self.call_json(Call::get("/v1/private/projects", "the project list").query(q))
            .await
    }

    /// `GET /v1/private/projects/stats?page&size`: per-project aggregates.
    pub async fn project_stats(
        &self,
        page: u32,
        size: u32,
    ) -> Result<ProjectStatsSummary, ApiError> {
        let q = vec![
            ("page", page.max(1).to_string()),
            ("size", size.max(1).to_string()),
        ];
        self.call_json(Call::get("/v1/private/projects/stats", "the project stats").query(q))
            .await
    }

    /// `POST /v1/private/projects/retrieve {name}`: a project (with stats) by exact name.
    pub async fn retrieve_project(&self, name: &str) -> Result<Project, ApiError> {
        let body = serde_json::json!({ "name": name });
        self.call_json(
            Call::new(
                Method::POST,
                "/v1/private/projects/retrieve",
                format!("project `{name}`"),
            )
            .json(&body)?
            .idempotent(),
        )
        .await
    }

    /// `GET /v1/private/projects/{id}`.
    pub async fn get_project(&self, id: Uuid) -> Result<Project, ApiError> {
        self.call_json(Call::get(
            format!("/v1/private/projects/{id}"),
            format!("project {id}"),
        ))
        .await
    }

    /// `POST /v1/private/projects {name, description}`: the new project's id (from `Location`).
    pub async fn create_project(
        &self,
        name: &str,
        description: Option<&str>,
    ) -> Result<Option<Uuid>, ApiError> {
        let mut body = serde_json::json!({ "name": name });
        if let Some(d) = description {
            body["description"] = Value::String(d.to_string());
        }
        self.call_created(
            Call::new(
                Method::POST,
                "/v1/private/projects",
                format!("project `{name}`"),
            )
            .json(&body)?,
        )
        .await
    }

    /// `POST /v1/private/projects/{id}/metrics`: a time series for the dashboard.
    pub async fn project_metrics(
        &self,
        project_id: Uuid,
        req: &ProjectMetricRequest,
    ) -> Result<ProjectMetricResponse, ApiError> {
        let mut req = req.clone();
        req.trace_filters = opt_filters(&req.trace_filters);
        req.span_filters = opt_filters(&req.span_filters);
        req.thread_filters = opt_filters(&req.thread_filters);
        self.call_json(
            Call::new(
                Method::POST,
                format!("/v1/private/projects/{project_id}/metrics"),
                format!("metrics of project {project_id}"),
            )
            .json(&req)?
            .idempotent(),
        )
        .await
    }
}
