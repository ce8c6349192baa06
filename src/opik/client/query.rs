//! What list calls ask for: a project by id or name, a page query, and filters as sent.

use uuid::Uuid;

use crate::opik::model::*;

/// A project addressed by id or by name (thread calls accept either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectRef {
    Id(Uuid),
    Name(String),
}

impl ProjectRef {
    pub(super) fn id(&self) -> Option<Uuid> {
        match self {
            ProjectRef::Id(id) => Some(*id),
            ProjectRef::Name(_) => None,
        }
    }
    pub(super) fn name(&self) -> Option<String> {
        match self {
            ProjectRef::Id(_) => None,
            ProjectRef::Name(n) => Some(n.clone()),
        }
    }
}

/// Parameters of the paged list endpoints (`GET /traces`, `/spans`, `/traces/threads`) and of
/// their `stats` siblings. `filters`, `sorting` and `exclude` travel JSON-encoded in the query
/// string. `Default` gives page 1, size 50, `truncate = true`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub project_id: Option<Uuid>,
    pub project_name: Option<String>,
    /// 1-based.
    pub page: u32,
    pub size: u32,
    pub filters: Vec<Filter>,
    pub sorting: Vec<Sorting>,
    /// Full-text search.
    pub search: Option<String>,
    /// Ask the server to truncate large input/output/metadata (and strip attachments).
    pub truncate: bool,
    /// Field names to leave out of each record.
    pub exclude: Vec<String>,
    pub from_time: Option<Timestamp>,
    pub to_time: Option<Timestamp>,
    /// Spans only: the trace whose spans to list.
    pub trace_id: Option<Uuid>,
    /// Spans only: `general`, `llm`, `tool` or `guardrail`.
    pub span_type: Option<String>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            project_id: None,
            project_name: None,
            page: 1,
            size: 50,
            filters: Vec::new(),
            sorting: Vec::new(),
            search: None,
            truncate: true,
            exclude: Vec::new(),
            from_time: None,
            to_time: None,
            trace_id: None,
            span_type: None,
        }
    }
}

impl ListQuery {
    /// A first page for one project, by id.
    pub fn for_project(project_id: Uuid) -> ListQuery {
        ListQuery {
            project_id: Some(project_id),
            ..ListQuery::default()
        }
    }

    pub(super) fn project_params(&self, q: &mut Vec<(&'static str, String)>) {
        if let Some(id) = self.project_id {
            q.push(("project_id", id.to_string()));
        }
        if let Some(name) = &self.project_name {
            q.push(("project_name", name.clone()));
        }
    }

    pub(super) fn common_params(&self, q: &mut Vec<(&'static str, String)>) {
        if !self.filters.is_empty() {
            q.push(("filters", filters_json(&self.filters)));
        }
        if let Some(s) = self.search.as_ref().filter(|s| !s.is_empty()) {
            q.push(("search", s.clone()));
        }
        if let Some(t) = &self.from_time {
            q.push(("from_time", ts::format(t)));
        }
        if let Some(t) = &self.to_time {
            q.push(("to_time", ts::format(t)));
        }
    }

    /// Query parameters of a list call.
    pub(super) fn list_params(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        q.push(("page", self.page.max(1).to_string()));
        q.push(("size", self.size.max(1).to_string()));
        self.project_params(&mut q);
        if let Some(t) = self.trace_id {
            q.push(("trace_id", t.to_string()));
        }
        if let Some(t) = &self.span_type {
            q.push(("type", t.clone()));
        }
        self.common_params(&mut q);
        if !self.sorting.is_empty() {
            q.push((
                "sorting",
                serde_json::to_string(&self.sorting).unwrap_or_default(),
            ));
        }
        if !self.exclude.is_empty() {
            q.push((
                "exclude",
                serde_json::to_string(&self.exclude).unwrap_or_default(),
            ));
        }
        q.push(("truncate", self.truncate.to_string()));
        if self.truncate {
            q.push(("strip_attachments", "true".into()));
        }
        q
    }

    /// Query parameters of a stats call (no paging, sorting or truncation).
    pub(super) fn stats_params(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        self.project_params(&mut q);
        if let Some(t) = self.trace_id {
            q.push(("trace_id", t.to_string()));
        }
        if let Some(t) = &self.span_type {
            q.push(("type", t.clone()));
        }
        self.common_params(&mut q);
        q
    }
}

/// Fields whose filter values Opik compares as plain strings. For every other field type
/// (numbers, dates, lists, dictionaries, scores) Opik URL-decodes the value, so `+` and `%`
/// must be percent-encoded to survive (see `current-opik.md`, "Filters").
const STRING_FILTER_FIELDS: &[&str] = &[
    "id",
    "name",
    "input",
    "output",
    "thread_id",
    "first_message",
    "last_message",
    "model",
    "provider",
    "trace_id",
    "guardrails",
    "experiment_id",
    "project_id",
    "description",
    "instructions",
    "scope",
    "created_by",
    "last_updated_by",
];

/// Prepare filters for the wire: values of non-string fields get `%` and `+` percent-encoded.
pub fn wire_filters(filters: &[Filter]) -> Vec<Filter> {
    filters
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let is_string = f.field_type.as_deref() == Some("string")
                || STRING_FILTER_FIELDS.contains(&f.field.as_str());
            if !is_string
                && let Some(v) = &f.value
                && (v.contains('%') || v.contains('+'))
            {
                f.value = Some(v.replace('%', "%25").replace('+', "%2B"));
            }
            f
        })
        .collect()
}

pub(super) fn filters_json(filters: &[Filter]) -> String {
    serde_json::to_string(&wire_filters(filters)).unwrap_or_else(|_| "[]".into())
}

pub(super) fn opt_filters(filters: &Option<Vec<Filter>>) -> Option<Vec<Filter>> {
    filters.as_ref().map(|f| wire_filters(f))
}
