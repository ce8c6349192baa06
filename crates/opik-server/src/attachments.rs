//! Attachments (`/v1/private/attachment/*`): files the SDK attaches to traces and spans.
//!
//! The SDK's local ("BEMinIO") flow, which this server always selects:
//! 1. `POST attachment/upload-start` → `{upload_id: "BEMinIO", pre_sign_urls: [url]}`. Whatever
//!    `num_of_file_parts` says, one absolute URL is returned, built from the server's own
//!    listening address (never from the request's `Host` or its base64 `path` field);
//! 2. the file is `PUT` (chunked) to that URL, `attachment/upload?file_name&project_name&
//!    mime_type&entity_type&entity_id` → 204. The body is spooled to a temporary file as it
//!    arrives and copied into SQLite with incremental BLOB I/O, so memory stays flat; at most
//!    [`MAX_CONCURRENT_UPLOADS`] uploads are received at once, each up to
//!    `serve --max-attachment-mb` (default 100 MiB, 413 beyond);
//! 3. `POST attachment/upload-complete` is accepted (204) for clients that send it.
//!
//! `GET attachment/list` answers `{page,size,total,content:[{link,file_name,file_size,
//! mime_type}]}` with absolute `link`s to `GET attachment/download`, which streams the bytes
//! back with their MIME type, `X-Content-Type-Options: nosniff`, and active types (HTML, SVG,
//! XML, JavaScript…) as downloads (`Content-Disposition: attachment`). `POST attachment/delete` removes files. Bytes live in SQLite
//! (table `attachments`), so an acknowledged upload is as durable as any other write. The
//! project is kept by name (an attachment may arrive before its trace creates the project).

use axum::{
    Json, Router,
    body::Body,
    extract::{Query, Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use std::io::{Seek, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use futures::StreamExt;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::errors::{LJson, ServerError};
use super::feedback_definitions::page_params;
use super::{AppState, Caller};
use opik_model::{Attachment, AttachmentUploadStart, AttachmentUploadStartResponse, Page, ts};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS attachments (
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    project_name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT,
    PRIMARY KEY (entity_type, entity_id, file_name)
);
"#;

/// Default largest attachment accepted (`serve --max-attachment-mb`). The SDK splits big files
/// in parts only for S3; here one PUT carries the whole file, streamed to disk as it arrives.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 100 * 1024 * 1024;
/// How many uploads are received at once; more wait their turn.
pub const MAX_CONCURRENT_UPLOADS: usize = 4;

static MAX_ATTACHMENT_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_ATTACHMENT_BYTES);
static UPLOADS: Semaphore = Semaphore::const_new(MAX_CONCURRENT_UPLOADS);

/// Set the upload size limit (`serve --max-attachment-mb`).
pub fn set_max_attachment_bytes(n: u64) {
    MAX_ATTACHMENT_BYTES.store(n, Ordering::Relaxed);
}

pub fn max_attachment_bytes() -> u64 {
    MAX_ATTACHMENT_BYTES.load(Ordering::Relaxed)
}
/// The `upload_id` that makes the SDK PUT the whole file to our URL.
pub const LOCAL_UPLOAD_ID: &str = "BEMinIO";
const DEFAULT_PROJECT: &str = "Default Project";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/attachment/upload-start", post(upload_start))
        .route("/v1/private/attachment/upload", put(upload))
        .route(
            "/v1/private/attachment/upload-complete",
            post(upload_complete),
        )
        .route("/v1/private/attachment/list", get(list_handler))
        .route("/v1/private/attachment/download", get(download))
        .route("/v1/private/attachment/delete", post(delete_handler))
}

/// The API base URL handed out in upload and download links: always the server's own listening
/// address, never the request's `Host` header or a client-given `path` (a page or a proxy could
/// otherwise make the server hand out links to a host of its choosing).
pub fn base_url(st: &AppState) -> String {
    st.base_url()
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn entity_type(s: Option<&str>) -> Result<String, ServerError> {
    match s.map(|s| s.trim().to_ascii_lowercase()) {
        Some(t) if t == "trace" || t == "span" => Ok(t),
        Some(t) => Err(ServerError::bad_request(format!(
            "entity_type must be `trace` or `span`, got `{t}`"
        ))),
        None => Err(ServerError::bad_request(
            "entity_type is required (`trace` or `span`)",
        )),
    }
}

fn uuid_param(name: &str, s: Option<&str>) -> Result<Uuid, ServerError> {
    let s = s.map(str::trim).unwrap_or("");
    Uuid::parse_str(s)
        .map_err(|_| ServerError::bad_request(format!("{name} must be a UUID, got `{s}`")))
}

async fn upload_start(
    State(st): State<AppState>,
    _c: Caller,
    LJson(r): LJson<AttachmentUploadStart>,
) -> Result<Json<AttachmentUploadStartResponse>, ServerError> {
    let mut errors = Vec::new();
    if r.file_name.trim().is_empty() {
        errors.push("file_name must not be blank".to_string());
    }
    if r.entity_id.is_none() {
        errors.push("entity_id must not be null".to_string());
    }
    if !errors.is_empty() {
        return Err(ServerError::Unprocessable(errors));
    }
    let et = entity_type(r.entity_type.as_deref())?;
    let base = base_url(&st);
    let project = r
        .project_name
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or(DEFAULT_PROJECT);
    let url = format!(
        "{base}/v1/private/attachment/upload?file_name={}&project_name={}&mime_type={}&entity_type={}&entity_id={}",
        enc(&r.file_name),
        enc(project),
        enc(r.mime_type.as_deref().unwrap_or("application/octet-stream")),
        et,
        r.entity_id.map(|u| u.to_string()).unwrap_or_default(),
    );
    Ok(Json(AttachmentUploadStartResponse {
        upload_id: LOCAL_UPLOAD_ID.into(),
        pre_sign_urls: vec![url],
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct UploadQuery {
    pub file_name: Option<String>,
    pub project_name: Option<String>,
    pub mime_type: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
}

/// Where and what one upload is.
pub struct UploadMeta {
    pub entity_type: String,
    pub entity_id: Uuid,
    pub file_name: String,
    pub project_name: String,
    pub mime_type: String,
}

/// Store (or replace) one attachment from a file, copying it into the database in pieces
/// (incremental BLOB I/O) so that it is never held in memory whole.
pub fn store_file(
    conn: &Connection,
    m: &UploadMeta,
    file: &mut std::fs::File,
    user: &str,
) -> Result<(), ServerError> {
    let size = file
        .seek(std::io::SeekFrom::End(0))
        .map_err(|e| ServerError::internal(format!("attachment spool: {e}")))?;
    file.rewind()
        .map_err(|e| ServerError::internal(format!("attachment spool: {e}")))?;
    let rowid: i64 = conn.query_row(
        "INSERT INTO attachments (entity_type, entity_id, file_name, project_name, mime_type, file_size, data, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, zeroblob(?6), ?7, ?8)
         ON CONFLICT(entity_type, entity_id, file_name) DO UPDATE SET project_name = excluded.project_name,
             mime_type = excluded.mime_type, file_size = excluded.file_size, data = excluded.data,
             created_at = excluded.created_at, created_by = excluded.created_by
         RETURNING rowid",
        params![
            m.entity_type,
            m.entity_id.to_string(),
            m.file_name,
            m.project_name,
            m.mime_type,
            size as i64,
            ts::format(&Utc::now()),
            user
        ],
        |r| r.get(0),
    )?;
    let mut blob = conn.blob_open(rusqlite::MAIN_DB, "attachments", "data", rowid, false)?;
    std::io::copy(file, &mut blob)
        .map_err(|e| ServerError::internal(format!("storing the attachment: {e}")))?;
    blob.flush()
        .map_err(|e| ServerError::internal(format!("storing the attachment: {e}")))?;
    Ok(())
}

/// Store (or replace) one attachment.
#[allow(clippy::too_many_arguments)]
pub fn store(
    conn: &Connection,
    entity_type: &str,
    entity_id: &Uuid,
    file_name: &str,
    project_name: &str,
    mime_type: &str,
    data: &[u8],
    user: &str,
) -> Result<(), ServerError> {
    conn.execute(
        "INSERT INTO attachments (entity_type, entity_id, file_name, project_name, mime_type, file_size, data, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(entity_type, entity_id, file_name) DO UPDATE SET project_name = excluded.project_name,
             mime_type = excluded.mime_type, file_size = excluded.file_size, data = excluded.data,
             created_at = excluded.created_at, created_by = excluded.created_by",
        params![
            entity_type,
            entity_id.to_string(),
            file_name,
            project_name,
            mime_type,
            data.len() as i64,
            data,
            ts::format(&Utc::now()),
            user
        ],
    )?;
    Ok(())
}

async fn upload(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<UploadQuery>,
    req: Request,
) -> Result<StatusCode, ServerError> {
    let file_name = q
        .file_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ServerError::bad_request("file_name is required in the query string"))?
        .to_string();
    let et = entity_type(q.entity_type.as_deref())?;
    let entity_id = uuid_param("entity_id", q.entity_id.as_deref())?;
    let project = q
        .project_name
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or(DEFAULT_PROJECT)
        .to_string();
    let mime = q
        .mime_type
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or("application/octet-stream")
        .to_string();
    if req
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"))
    {
        return Err(ServerError::bad_request(
            "send attachments without Content-Encoding (the raw file bytes)",
        ));
    }
    let limit = max_attachment_bytes();
    let too_large = || {
        ServerError::PayloadTooLarge(format!(
            "Attachment too large: the limit is {} MiB (opik-tui serve --max-attachment-mb)",
            limit / (1024 * 1024)
        ))
    };
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > limit)
    {
        return Err(too_large());
    }
    let _permit = UPLOADS
        .acquire()
        .await
        .map_err(|_| ServerError::internal("upload limiter closed"))?;
    // Spool to a temporary file as the bytes arrive: memory stays at one chunk per upload.
    let spool = tempfile::tempfile()
        .map_err(|e| ServerError::internal(format!("cannot create a temporary file: {e}")))?;
    let mut out = tokio::fs::File::from_std(spool);
    let mut stream = req.into_body().into_data_stream();
    let mut received = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(super::errors::body_error)?;
        received += chunk.len() as u64;
        if received > limit {
            return Err(too_large());
        }
        tokio::io::AsyncWriteExt::write_all(&mut out, &chunk)
            .await
            .map_err(|e| ServerError::internal(format!("cannot spool the upload: {e}")))?;
    }
    tokio::io::AsyncWriteExt::flush(&mut out)
        .await
        .map_err(|e| ServerError::internal(format!("cannot spool the upload: {e}")))?;
    let mut file = out.into_std().await;
    let meta = UploadMeta {
        entity_type: et,
        entity_id,
        file_name,
        project_name: project,
        mime_type: mime,
    };
    st.db
        .write(move |tx| store_file(tx, &meta, &mut file, &c.user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn upload_complete(_c: Caller, req: Request) -> Result<StatusCode, ServerError> {
    // The body (`{file_name, entity_type, entity_id, upload_id, uploaded_file_parts, …}`) is only
    // meaningful for S3 multipart uploads, which this server never hands out.
    let _ = axum::body::to_bytes(req.into_body(), 1024 * 1024).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub page: Option<String>,
    pub size: Option<String>,
    pub project_id: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub path: Option<String>,
}

/// Attachments of one entity, newest name order, with download links under `base`.
pub fn list(
    conn: &Connection,
    project_id: Option<&Uuid>,
    entity_type: &str,
    entity_id: &Uuid,
    (page, size): (i64, i64),
    base: &str,
) -> Result<Page<Attachment>, ServerError> {
    let total: i64 = conn.query_row(
        "SELECT count(*) FROM attachments WHERE entity_type = ?1 AND entity_id = ?2",
        params![entity_type, entity_id.to_string()],
        |r| r.get(0),
    )?;
    let container = match project_id {
        Some(p) => p.to_string(),
        None => String::new(),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT file_name, file_size, mime_type FROM attachments WHERE entity_type = ?1 AND entity_id = ?2
         ORDER BY created_at, file_name LIMIT ?3 OFFSET ?4",
    )?;
    let content = stmt
        .query_map(
            params![entity_type, entity_id.to_string(), size, (page - 1) * size],
            |r| {
                let file_name: String = r.get(0)?;
                let mime_type: String = r.get(2)?;
                let link = format!(
                    "{base}/v1/private/attachment/download?workspace_name=default&container_id={container}&entity_type={entity_type}&entity_id={entity_id}&file_name={}&mime_type={}",
                    enc(&file_name),
                    enc(&mime_type)
                );
                Ok(Attachment {
                    link: Some(link),
                    file_name,
                    file_size: r.get(1)?,
                    mime_type,
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        page: Some(page),
        size: Some(content.len() as i64),
        total: Some(total),
        content,
        sortable_by: Some(Vec::new()),
    })
}

async fn list_handler(
    State(st): State<AppState>,
    _c: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Attachment>>, ServerError> {
    let et = entity_type(q.entity_type.as_deref())?;
    let entity_id = uuid_param("entity_id", q.entity_id.as_deref())?;
    let project_id = match q
        .project_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(p) => Some(uuid_param("project_id", Some(p))?),
        None => None,
    };
    let paging = page_params(q.page.as_deref(), q.size.as_deref(), 100)?;
    let base = base_url(&st);
    Ok(Json(
        st.db
            .read(move |c| list(c, project_id.as_ref(), &et, &entity_id, paging, &base))
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct DownloadQuery {
    pub workspace_name: Option<String>,
    pub container_id: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
}

/// How many bytes a download reads from the database at a time.
const DOWNLOAD_CHUNK: usize = 1024 * 1024;

/// The rowid, MIME type and size of one attachment.
pub fn locate(
    conn: &Connection,
    entity_type: &str,
    entity_id: &Uuid,
    file_name: &str,
) -> Result<Option<(i64, String, usize)>, ServerError> {
    Ok(conn
        .query_row(
            "SELECT rowid, mime_type, length(data) FROM attachments WHERE entity_type = ?1 AND entity_id = ?2 AND file_name = ?3",
            params![entity_type, entity_id.to_string(), file_name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.max(0) as usize)),
        )
        .optional()?)
}

/// The bytes and MIME type of one attachment.
pub fn fetch(
    conn: &Connection,
    entity_type: &str,
    entity_id: &Uuid,
    file_name: &str,
) -> Result<Option<(String, Vec<u8>)>, ServerError> {
    Ok(conn
        .query_row(
            "SELECT mime_type, data FROM attachments WHERE entity_type = ?1 AND entity_id = ?2 AND file_name = ?3",
            params![entity_type, entity_id.to_string(), file_name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

async fn download(
    State(st): State<AppState>,
    _c: Caller,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ServerError> {
    let et = entity_type(q.entity_type.as_deref())?;
    let entity_id = uuid_param("entity_id", q.entity_id.as_deref())?;
    let file_name = q
        .file_name
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ServerError::bad_request("file_name is required"))?;
    let fname = file_name.clone();
    let found = st
        .db
        .read(move |c| locate(c, &et, &entity_id, &fname))
        .await?;
    let Some((rowid, mime, size)) = found else {
        return Err(ServerError::not_found(format!(
            "Attachment not found: no file `{file_name}` on {entity_id}"
        )));
    };
    // Streamed in pieces straight from the BLOB: a big file is never held in memory whole.
    let db = st.db.clone();
    let stream = futures::stream::unfold(0usize, move |off| {
        let db = db.clone();
        async move {
            if off >= size {
                return None;
            }
            let n = DOWNLOAD_CHUNK.min(size - off);
            let r = db
                .read(move |c| {
                    let blob =
                        c.blob_open(rusqlite::MAIN_DB, "attachments", "data", rowid, true)?;
                    let mut buf = vec![0u8; n];
                    blob.read_at_exact(&mut buf, off)?;
                    drop(blob);
                    // The BLOB's pages would fill this reader's page cache (32 MB each, one
                    // reader per concurrent download): give them back, they are not read twice.
                    let _ = c.execute_batch("PRAGMA shrink_memory");
                    Ok(buf)
                })
                .await;
            Some(match r {
                Ok(buf) => (Ok(axum::body::Bytes::from(buf)), off + n),
                Err(e) => (Err(std::io::Error::other(e.to_string())), size),
            })
        }
    });
    let mut resp = Body::from_stream(stream).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(size as u64));
    let ct = HeaderValue::from_str(&mime)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, ct);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if is_active(&mime) {
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    Ok(resp)
}

/// MIME types a browser would run or render with scripts (HTML, SVG, XML, JavaScript…): these
/// are served as downloads, never inline.
pub fn is_active(mime: &str) -> bool {
    let m = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    m.is_empty()
        || m.contains("html")
        || m.contains("xml")
        || m.contains("svg")
        || m.contains("javascript")
        || m.contains("ecmascript")
        || m == "application/pdf"
        || m.starts_with("multipart/")
        || m == "text/css"
        || !m.contains('/')
}

#[derive(Debug, Default, Deserialize)]
struct DeleteRequest {
    #[serde(default)]
    file_names: Vec<String>,
    #[serde(default)]
    entity_type: Option<String>,
    #[serde(default)]
    entity_id: Option<Uuid>,
}

async fn delete_handler(
    State(st): State<AppState>,
    _c: Caller,
    LJson(d): LJson<DeleteRequest>,
) -> Result<StatusCode, ServerError> {
    let et = entity_type(d.entity_type.as_deref())?;
    let entity_id = d
        .entity_id
        .ok_or_else(|| ServerError::unprocessable("entity_id must not be null"))?;
    st.db
        .write(move |tx| {
            for f in &d.file_names {
                tx.execute(
                    "DELETE FROM attachments WHERE entity_type = ?1 AND entity_id = ?2 AND file_name = ?3",
                    params![et, entity_id.to_string(), f],
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_replace_list_fetch() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(SCHEMA).unwrap();
        let e = Uuid::now_v7();
        store(
            &c,
            "trace",
            &e,
            "a b.txt",
            "p",
            "text/plain",
            b"hello",
            "admin",
        )
        .unwrap();
        store(
            &c,
            "trace",
            &e,
            "a b.txt",
            "p",
            "text/plain",
            b"hello again",
            "admin",
        )
        .unwrap();
        store(
            &c,
            "trace",
            &e,
            "img.png",
            "p",
            "image/png",
            &[0, 1, 2],
            "admin",
        )
        .unwrap();
        let p = list(&c, None, "trace", &e, (1, 100), "http://h:1/api").unwrap();
        assert_eq!(p.total, Some(2));
        assert_eq!(p.content[0].file_name, "a b.txt");
        assert_eq!(p.content[0].file_size, 11);
        let link = p.content[0].link.as_deref().unwrap();
        assert!(
            link.starts_with("http://h:1/api/v1/private/attachment/download?"),
            "{link}"
        );
        assert!(
            link.contains("file_name=a+b.txt") && link.contains("mime_type=text%2Fplain"),
            "{link}"
        );
        assert_eq!(
            fetch(&c, "trace", &e, "a b.txt").unwrap().unwrap().1,
            b"hello again"
        );
        assert!(fetch(&c, "span", &e, "a b.txt").unwrap().is_none());
        let p2 = list(&c, None, "trace", &e, (2, 1), "x").unwrap();
        assert_eq!(p2.content[0].file_name, "img.png");
    }
}
