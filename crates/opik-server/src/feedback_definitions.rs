//! Feedback definitions (`/v1/private/feedback-definitions`): the schemas of the scores an
//! annotator gives (numerical min/max, categorical label → value, boolean labels).
//!
//! CRUD as Opik serves it: list (page/size, `name` substring, `type`), get, create (201 +
//! Location, server-assigned id unless the client sends one), PUT update (204), delete by id
//! and `POST …/delete {ids}`. Names are unique (409). A new database holds Opik's default
//! categorical "User feedback" (👍 = 1, 👎 = 0) with Opik's own id; it is seeded once, so a user
//! who deletes it does not get it back on the next start.
//!
//! Storage: table `feedback_definitions`, `details` as JSON text. Other modules (queues, the
//! annotation UI's server side) read definitions with [`by_names`].

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::errors::{LJson, ServerError};
use super::{AppState, Caller};
use opik_model::{BatchDelete, FeedbackDefinition, FeedbackDetails, Page, ts};

/// Table, plus the one-time seed of Opik's default "User feedback" definition.
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS feedback_definitions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    type TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT,
    last_updated_at TEXT NOT NULL,
    last_updated_by TEXT
);
CREATE TABLE IF NOT EXISTS feedback_definitions_seeded (done INTEGER PRIMARY KEY);
INSERT OR IGNORE INTO feedback_definitions (id, name, description, type, details, created_at, created_by, last_updated_at, last_updated_by)
    SELECT '0190babc-62a0-71d2-832a-0feffa4676eb', 'User feedback', NULL, 'categorical',
           '{"categories":{"👍":1.0,"👎":0.0}}',
           strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z', 'admin',
           strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z', 'admin'
    WHERE NOT EXISTS (SELECT 1 FROM feedback_definitions_seeded);
INSERT OR IGNORE INTO feedback_definitions_seeded (done) VALUES (1);
"#;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/private/feedback-definitions",
            get(list_handler).post(create_handler),
        )
        .route(
            "/v1/private/feedback-definitions/delete",
            post(delete_batch_handler),
        )
        .route(
            "/v1/private/feedback-definitions/{id}",
            get(get_handler).put(update_handler).delete(delete_handler),
        )
}

fn type_name(d: &FeedbackDetails) -> &'static str {
    match d {
        FeedbackDetails::Numerical { .. } => "numerical",
        FeedbackDetails::Categorical { .. } => "categorical",
        FeedbackDetails::Boolean { .. } => "boolean",
    }
}

/// Validation Opik applies (422 `{errors}`).
pub fn validate(d: &FeedbackDefinition) -> Result<(), ServerError> {
    let mut errors = Vec::new();
    if d.name.trim().is_empty() {
        errors.push("name must not be blank".to_string());
    }
    if d.description.as_deref().map(|s| s.chars().count() > 255) == Some(true) {
        errors.push("description size must be between 0 and 255".to_string());
    }
    match &d.details {
        FeedbackDetails::Numerical { min, max } => {
            if !min.is_finite() || !max.is_finite() {
                errors.push("details.min and details.max must be numbers".into());
            } else if min >= max {
                errors.push("details.min must be less than details.max".into());
            }
        }
        FeedbackDetails::Categorical { categories } => {
            if categories.len() < 2 {
                errors.push("details.categories must have at least 2 entries".into());
            }
            if categories.keys().any(|k| k.trim().is_empty()) {
                errors.push("details.categories names must not be blank".into());
            }
        }
        FeedbackDetails::Boolean {
            true_label,
            false_label,
        } => {
            if true_label.trim().is_empty() || false_label.trim().is_empty() {
                errors.push("details.true_label and details.false_label must not be blank".into());
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServerError::Unprocessable(errors))
    }
}

/// Split a definition into (type, details JSON) for storage.
fn details_json(d: &FeedbackDetails) -> Result<(String, String), ServerError> {
    let v = serde_json::to_value(d)?;
    let details = v.get("details").cloned().unwrap_or(Value::Null);
    Ok((type_name(d).to_string(), details.to_string()))
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<FeedbackDefinition>> {
    let id: String = r.get(0)?;
    let name: String = r.get(1)?;
    let description: Option<String> = r.get(2)?;
    let kind: String = r.get(3)?;
    let details: String = r.get(4)?;
    let created_at: Option<String> = r.get(5)?;
    let created_by: Option<String> = r.get(6)?;
    let last_updated_at: Option<String> = r.get(7)?;
    let last_updated_by: Option<String> = r.get(8)?;
    let details: Value = serde_json::from_str(&details).unwrap_or(Value::Null);
    let tagged = serde_json::json!({"type": kind, "details": details});
    let Ok(details) = serde_json::from_value::<FeedbackDetails>(tagged) else {
        return Ok(None);
    };
    Ok(Some(FeedbackDefinition {
        id: Uuid::parse_str(&id).ok(),
        name,
        description,
        details,
        created_at: created_at.as_deref().and_then(ts::parse),
        created_by,
        last_updated_at: last_updated_at.as_deref().and_then(ts::parse),
        last_updated_by,
    }))
}

const COLS: &str = "id, name, description, type, details, created_at, created_by, last_updated_at, last_updated_by";

/// One definition by id.
pub fn get_definition(
    conn: &Connection,
    id: &Uuid,
) -> Result<Option<FeedbackDefinition>, ServerError> {
    let row = conn
        .query_row(
            &format!("SELECT {COLS} FROM feedback_definitions WHERE id = ?1"),
            [id.to_string()],
            from_row,
        )
        .optional()?;
    Ok(row.flatten())
}

/// The definitions with these names (those that exist), in the order of `names`.
pub fn by_names(
    conn: &Connection,
    names: &[String],
) -> Result<Vec<FeedbackDefinition>, ServerError> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM feedback_definitions WHERE name = ?1"
    ))?;
    for n in names {
        if let Some(Some(d)) = stmt.query_row([n], from_row).optional()? {
            out.push(d);
        }
    }
    Ok(out)
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub page: Option<String>,
    pub size: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Parse `page` (1-based, default 1) and `size` (default `default_size`, at most 1000).
pub fn page_params(
    page: Option<&str>,
    size: Option<&str>,
    default_size: i64,
) -> Result<(i64, i64), ServerError> {
    let page = match page.map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(s) => s.parse::<i64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
            ServerError::bad_request(format!("page must be an integer ≥ 1, got `{s}`"))
        })?,
    };
    super::common::check_page_range(page)?;
    let size = match size.map(str::trim).filter(|s| !s.is_empty()) {
        None => default_size,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|p| *p >= 1)
            .map(|p| p.min(1000))
            .ok_or_else(|| {
                ServerError::bad_request(format!("size must be an integer ≥ 1, got `{s}`"))
            })?,
    };
    Ok((page, size))
}

pub fn list(conn: &Connection, q: &ListQuery) -> Result<Page<FeedbackDefinition>, ServerError> {
    let (page, size) = page_params(q.page.as_deref(), q.size.as_deref(), 10)?;
    let kind = q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(k) = kind
        && !["numerical", "categorical", "boolean"].contains(&k)
    {
        return Err(ServerError::bad_request(format!(
            "type must be numerical, categorical or boolean, got `{k}`"
        )));
    }
    let name = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let filter =
        "WHERE (?1 IS NULL OR instr(lower(name), lower(?1)) > 0) AND (?2 IS NULL OR type = ?2)";
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM feedback_definitions {filter}"),
        params![name, kind],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM feedback_definitions {filter} ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4"
    ))?;
    let content = stmt
        .query_map(params![name, kind, size, (page - 1) * size], from_row)?
        .filter_map(|r| r.transpose())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        page: Some(page),
        size: Some(content.len() as i64),
        total: Some(total),
        content,
        sortable_by: Some(Vec::new()),
    })
}

/// Insert a definition; returns its id. Name conflicts → 409.
pub fn insert(conn: &Connection, d: &FeedbackDefinition, user: &str) -> Result<Uuid, ServerError> {
    validate(d)?;
    let id = d.id.unwrap_or_else(Uuid::now_v7);
    let (kind, details) = details_json(&d.details)?;
    let exists: Option<String> = conn
        .query_row(
            "SELECT id FROM feedback_definitions WHERE name = ?1 OR id = ?2",
            params![d.name.trim(), id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Err(ServerError::conflict(format!(
            "Feedback already exists: a feedback definition named `{}` (or with id {id}) exists",
            d.name.trim()
        )));
    }
    let now = ts::format(&Utc::now());
    conn.execute(
        "INSERT INTO feedback_definitions (id, name, description, type, details, created_at, created_by, last_updated_at, last_updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?7)",
        params![id.to_string(), d.name.trim(), d.description, kind, details, now, user],
    )?;
    Ok(id)
}

/// Replace a definition's name, description and details. 404 when missing, 409 on a name clash.
pub fn update(
    conn: &Connection,
    id: &Uuid,
    d: &FeedbackDefinition,
    user: &str,
) -> Result<(), ServerError> {
    validate(d)?;
    let (kind, details) = details_json(&d.details)?;
    let clash: Option<String> = conn
        .query_row(
            "SELECT id FROM feedback_definitions WHERE name = ?1 AND id <> ?2",
            params![d.name.trim(), id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if clash.is_some() {
        return Err(ServerError::conflict(format!(
            "Feedback already exists: another feedback definition is named `{}`",
            d.name.trim()
        )));
    }
    let now = ts::format(&Utc::now());
    let n = conn.execute(
        "UPDATE feedback_definitions SET name = ?2, description = ?3, type = ?4, details = ?5,
             last_updated_at = ?6, last_updated_by = ?7 WHERE id = ?1",
        params![
            id.to_string(),
            d.name.trim(),
            d.description,
            kind,
            details,
            now,
            user
        ],
    )?;
    if n == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

pub fn delete(conn: &Connection, ids: &[Uuid]) -> Result<usize, ServerError> {
    let mut n = 0;
    let mut stmt = conn.prepare_cached("DELETE FROM feedback_definitions WHERE id = ?1")?;
    for id in ids {
        n += stmt.execute([id.to_string()])?;
    }
    Ok(n)
}

fn not_found(id: &Uuid) -> ServerError {
    ServerError::not_found(format!(
        "Feedback definition not found: no definition with id {id}"
    ))
}

fn parse_id(s: &str) -> Result<Uuid, ServerError> {
    Uuid::parse_str(s.trim())
        .map_err(|_| ServerError::bad_request(format!("Invalid UUID `{s}` in the path")))
}

async fn list_handler(
    State(st): State<AppState>,
    _caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<FeedbackDefinition>>, ServerError> {
    Ok(Json(st.db.read(move |c| list(c, &q)).await?))
}

async fn get_handler(
    State(st): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<FeedbackDefinition>, ServerError> {
    let id = parse_id(&id)?;
    st.db
        .read(move |c| get_definition(c, &id)?.ok_or_else(|| not_found(&id)))
        .await
        .map(Json)
}

/// `Location` of a created resource, relative to the API root like Opik's.
pub fn created(path: String) -> Response {
    let mut resp = StatusCode::CREATED.into_response();
    if let Ok(v) = HeaderValue::from_str(&path) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

async fn create_handler(
    State(st): State<AppState>,
    caller: Caller,
    LJson(d): LJson<FeedbackDefinition>,
) -> Result<Response, ServerError> {
    let id = st.db.write(move |tx| insert(tx, &d, &caller.user)).await?;
    Ok(created(format!("/v1/private/feedback-definitions/{id}")))
}

async fn update_handler(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    LJson(d): LJson<FeedbackDefinition>,
) -> Result<StatusCode, ServerError> {
    let id = parse_id(&id)?;
    st.db
        .write(move |tx| update(tx, &id, &d, &caller.user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_handler(
    State(st): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    let id = parse_id(&id)?;
    st.db.write(move |tx| delete(tx, &[id])).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_batch_handler(
    State(st): State<AppState>,
    _caller: Caller,
    LJson(b): LJson<BatchDelete>,
) -> Result<StatusCode, ServerError> {
    if b.ids.is_empty() {
        return Err(ServerError::unprocessable(
            "ids size must be between 1 and 1000",
        ));
    }
    st.db.write(move |tx| delete(tx, &b.ids)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(SCHEMA).unwrap();
        c
    }

    fn numerical(name: &str) -> FeedbackDefinition {
        serde_json::from_value(serde_json::json!({"name": name, "type": "numerical", "details": {"min": 0.0, "max": 1.0}})).unwrap()
    }

    #[test]
    fn new_db_has_user_feedback_once() {
        let c = conn();
        let p = list(&c, &ListQuery::default()).unwrap();
        assert_eq!(p.total, Some(1));
        let d = &p.content[0];
        assert_eq!(d.name, "User feedback");
        assert_eq!(
            d.id,
            Uuid::parse_str("0190babc-62a0-71d2-832a-0feffa4676eb").ok()
        );
        match &d.details {
            FeedbackDetails::Categorical { categories } => {
                assert_eq!(categories.get("👍"), Some(&1.0));
                assert_eq!(categories.get("👎"), Some(&0.0));
            }
            other => panic!("{other:?}"),
        }
        // Deleted by the user, it stays deleted when the schema is applied again (restart).
        delete(&c, &[d.id.unwrap()]).unwrap();
        c.execute_batch(SCHEMA).unwrap();
        assert_eq!(list(&c, &ListQuery::default()).unwrap().total, Some(0));
    }

    #[test]
    fn crud_and_conflicts() {
        let c = conn();
        let id = insert(&c, &numerical("relevance"), "alice").unwrap();
        assert!(matches!(
            insert(&c, &numerical("relevance"), "bob"),
            Err(ServerError::Conflict(_))
        ));
        let got = get_definition(&c, &id).unwrap().unwrap();
        assert_eq!(got.created_by.as_deref(), Some("alice"));
        let mut upd = numerical("relevance-2");
        upd.description = Some("d".into());
        update(&c, &id, &upd, "bob").unwrap();
        let got = get_definition(&c, &id).unwrap().unwrap();
        assert_eq!(
            (got.name.as_str(), got.last_updated_by.as_deref()),
            ("relevance-2", Some("bob"))
        );
        assert!(matches!(
            update(&c, &id, &numerical("User feedback"), "bob"),
            Err(ServerError::Conflict(_))
        ));
        assert!(matches!(
            update(&c, &Uuid::now_v7(), &numerical("x"), "bob"),
            Err(ServerError::NotFound(_))
        ));
        let q = ListQuery {
            name: Some("RELEV".into()),
            ..Default::default()
        };
        assert_eq!(list(&c, &q).unwrap().total, Some(1));
        let q = ListQuery {
            kind: Some("categorical".into()),
            ..Default::default()
        };
        assert_eq!(list(&c, &q).unwrap().content[0].name, "User feedback");
        let q = ListQuery {
            page: Some("2".into()),
            size: Some("1".into()),
            ..Default::default()
        };
        let p = list(&c, &q).unwrap();
        assert_eq!((p.total, p.content.len()), (Some(2), 1));
        let q = ListQuery {
            page: Some("3".into()),
            size: Some("1".into()),
            ..Default::default()
        };
        assert!(list(&c, &q).unwrap().content.is_empty());
    }

    #[test]
    fn validation() {
        let mut d = numerical(" ");
        assert!(matches!(validate(&d), Err(ServerError::Unprocessable(_))));
        d.name = "x".into();
        d.details = FeedbackDetails::Numerical { min: 2.0, max: 1.0 };
        assert!(validate(&d).is_err());
        d.details = FeedbackDetails::Categorical {
            categories: Default::default(),
        };
        assert!(validate(&d).is_err());
        assert!(page_params(Some("0"), None, 10).is_err());
        assert!(page_params(Some("x"), None, 10).is_err());
        assert_eq!(page_params(None, Some("5000"), 10).unwrap(), (1, 1000));
    }
}
