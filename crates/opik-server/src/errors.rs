//! Error answers in Opik's shapes, and the lenient JSON body extractor every write endpoint uses.
//!
//! Opik shapes an error body by kind (see `shared/reference/current-opik.md`, "Errors"):
//! malformed JSON / bad UUID → 400 `{code, message}`; validation → 422 `{errors: [..]}`;
//! conflict → 409 `{errors: [..]}`; not found → 404 `{code, message}` (project retrieve uses
//! `{errors}`); oversize body → 413. [`ServerError`] renders all of them; handlers return
//! `Result<_, ServerError>`.
//!
//! [`LJson`] reads a request body the way the Python SDK sends it: possibly gzip-compressed,
//! possibly with `NaN`/`Infinity` tokens, possibly with camelCase top-level keys.

use std::borrow::Cow;
use std::io::Read;

use axum::{
    Json,
    extract::{FromRequest, Request},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use opik_model::{parse_lenient, snake_case_top_level};

/// Largest accepted request body, after gzip decompression (the SDK caps its batches at ~50 MB).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// What a 500 answer says; the details are logged, never sent.
pub const INTERNAL_MESSAGE: &str =
    "Internal server error: the server could not complete the request; details are in its log";

/// An error answer. Each variant renders Opik's JSON shape for it.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerError {
    /// 400 `{code:400, message}`: malformed JSON, bad UUID, unknown filter field.
    BadRequest(String),
    /// 400 `{code:400, message, details}`.
    BadRequestDetails(String, String),
    /// 401 `{code:401, message}`.
    Unauthorized(String),
    /// 403 `{code:403, message}`: another user's work.
    Forbidden(String),
    /// 404 `{code:404, message}`.
    NotFound(String),
    /// 404 `{errors:[..]}` (e.g. `projects/retrieve` of an unknown name).
    NotFoundList(String),
    /// 409 `{errors:[..]}`.
    Conflict(Vec<String>),
    /// 413 `{code:413, message}`.
    PayloadTooLarge(String),
    /// 408 `{code:408, message}`: the body did not arrive in time.
    RequestTimeout(String),
    /// 422 `{errors:[..]}`.
    Unprocessable(Vec<String>),
    /// 500 `{code:500, message}`: a server fault (storage); never caused by input.
    Internal(String),
}

impl ServerError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ServerError::BadRequest(msg.into())
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        ServerError::NotFound(msg.into())
    }
    pub fn unprocessable(msg: impl Into<String>) -> Self {
        ServerError::Unprocessable(vec![msg.into()])
    }
    pub fn conflict(msg: impl Into<String>) -> Self {
        ServerError::Conflict(vec![msg.into()])
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        ServerError::Internal(msg.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::BadRequest(_) | ServerError::BadRequestDetails(..) => {
                StatusCode::BAD_REQUEST
            }
            ServerError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServerError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServerError::NotFound(_) | ServerError::NotFoundList(_) => StatusCode::NOT_FOUND,
            ServerError::Conflict(_) => StatusCode::CONFLICT,
            ServerError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ServerError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ServerError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServerError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body Opik sends for this error.
    pub fn body(&self) -> Value {
        let code = self.status().as_u16();
        match self {
            ServerError::BadRequest(m)
            | ServerError::Unauthorized(m)
            | ServerError::Forbidden(m)
            | ServerError::NotFound(m)
            | ServerError::PayloadTooLarge(m)
            | ServerError::RequestTimeout(m) => json!({"code": code, "message": m}),
            // The details (storage errors may quote SQL) go to the server log only.
            ServerError::Internal(_) => json!({"code": code, "message": INTERNAL_MESSAGE}),
            ServerError::BadRequestDetails(m, d) => {
                json!({"code": code, "message": m, "details": d})
            }
            ServerError::NotFoundList(m) => json!({"errors": [m]}),
            ServerError::Conflict(e) | ServerError::Unprocessable(e) => json!({"errors": e}),
        }
    }
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status().as_u16(), self.body())
    }
}

impl std::error::Error for ServerError {}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        if let ServerError::Internal(m) = &self {
            tracing::error!("server error: {m}");
        }
        (self.status(), Json(self.body())).into_response()
    }
}

impl From<rusqlite::Error> for ServerError {
    fn from(e: rusqlite::Error) -> Self {
        ServerError::Internal(format!("storage error: {e}"))
    }
}

impl From<anyhow::Error> for ServerError {
    fn from(e: anyhow::Error) -> Self {
        ServerError::Internal(format!("{e:#}"))
    }
}

impl From<serde_json::Error> for ServerError {
    fn from(e: serde_json::Error) -> Self {
        ServerError::BadRequest(format!("Unable to process JSON. {e}"))
    }
}

/// The JSON 404 for unknown routes.
pub async fn fallback_404(uri: axum::http::Uri) -> ServerError {
    ServerError::NotFound(format!(
        "HTTP 404 Not Found: no such endpoint {}",
        uri.path()
    ))
}

/// The JSON 405 for a known path with the wrong method.
pub async fn fallback_405(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(json!({"code": 405, "message": format!("HTTP 405 Method Not Allowed: {method} {}", uri.path())})),
    )
        .into_response()
}

/// Decode a request body: gunzip when `Content-Encoding: gzip`, enforcing [`MAX_BODY_BYTES`]
/// on the decompressed bytes as they are produced (a plain body is passed through, not copied).
pub fn decode_body<'a>(headers: &HeaderMap, body: &'a [u8]) -> Result<Cow<'a, [u8]>, ServerError> {
    let gz = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().eq_ignore_ascii_case("gzip"))
        .unwrap_or(false);
    if !gz {
        return Ok(Cow::Borrowed(body));
    }
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(MAX_BODY_BYTES));
    let dec = flate2::read::GzDecoder::new(body);
    let mut limited = dec.take(MAX_BODY_BYTES as u64 + 1);
    limited.read_to_end(&mut out).map_err(|e| {
        ServerError::bad_request(format!("Unable to process JSON. Bad gzip body: {e}"))
    })?;
    if out.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(Cow::Owned(out))
}

/// A failed body read: too slow (408), else too large (413).
pub fn body_error(e: axum::Error) -> ServerError {
    let e: Box<dyn std::error::Error + Send + Sync> = e.into_inner();
    match super::listen::find_body_timeout(e.as_ref()) {
        Some(t) => ServerError::RequestTimeout(t.to_string()),
        None => too_large(),
    }
}

fn too_large() -> ServerError {
    ServerError::PayloadTooLarge(format!(
        "Request body too large: the limit is {} MiB; send smaller batches",
        MAX_BODY_BYTES / (1024 * 1024)
    ))
}

/// Parse a (decoded) JSON body leniently into `T`: NaN/Infinity → null, camelCase top-level keys
/// → snake_case. An empty body parses as `{}`... only if `T` accepts it.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServerError> {
    let bytes: &[u8] = if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        b"{}"
    } else {
        bytes
    };
    super::body_limits::check_json(bytes)?;
    let bad =
        |e: serde_json::Error| ServerError::bad_request(format!("Unable to process JSON. {e}"));
    // The SDKs send snake_case: parse straight into `T`, so the payloads are parsed once (a
    // detour through `Value` holds two parsed copies of them at its peak).
    if !super::body_limits::has_capital_key(bytes, 3) {
        return parse_lenient(bytes).map_err(bad);
    }
    let mut v: Value = parse_lenient(bytes).map_err(bad)?;
    snake_case_top_level(&mut v);
    // batch wrappers: their records' keys are "top-level" too
    if let Value::Object(m) = &mut v {
        for key in ["traces", "spans", "scores", "annotation_queues", "update"] {
            match m.get_mut(key) {
                Some(Value::Array(items)) => items.iter_mut().for_each(snake_case_top_level),
                Some(o @ Value::Object(_)) => snake_case_top_level(o),
                _ => {}
            }
        }
    }
    // Renamed: back to text and parsed like the above, one parsed copy at a time.
    let text = v.to_string();
    drop(v);
    serde_json::from_str(&text).map_err(bad)
}

/// A lenient JSON body: gzip, NaN/Infinity, camelCase top-level keys; size limit → 413; bad
/// JSON → 400 `{code, message}`.
#[derive(Debug, Clone)]
pub struct LJson<T>(pub T);

impl<S, T> FromRequest<S> for LJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ServerError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let raw = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(body_error)?;
        Ok(LJson(parse_body(&decode_body(&parts.headers, &raw)?)?))
    }
}

/// Read and decode a whole request body (gzip aware, size limited).
pub async fn read_body(req: Request) -> Result<Vec<u8>, ServerError> {
    let (parts, body) = req.into_parts();
    let raw = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(body_error)?;
    Ok(decode_body(&parts.headers, &raw)?.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(
            ServerError::bad_request("x").body(),
            json!({"code":400,"message":"x"})
        );
        assert_eq!(
            ServerError::unprocessable("y").body(),
            json!({"errors":["y"]})
        );
        assert_eq!(ServerError::conflict("z").status(), StatusCode::CONFLICT);
        assert_eq!(
            ServerError::NotFoundList("n".into()).body(),
            json!({"errors":["n"]})
        );
    }

    #[test]
    fn internal_errors_never_show_sql() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let e: ServerError = conn
            .execute("SELECT json_extract('{}', 'bad path')", [])
            .unwrap_err()
            .into();
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = e.body().to_string();
        assert!(body.contains("details are in its log"), "{body}");
        assert!(!body.contains("json") && !body.contains("SELECT"), "{body}");
    }

    #[test]
    fn lenient_parse() {
        #[derive(serde::Deserialize)]
        struct T {
            last_updated_at: Option<String>,
            v: Option<f64>,
        }
        let t: T = parse_body(br#"{"lastUpdatedAt":"x","v":NaN}"#).unwrap();
        assert_eq!(t.last_updated_at.as_deref(), Some("x"));
        assert_eq!(t.v, None);
        let e = parse_body::<T>(b"{bad").err().unwrap();
        assert!(matches!(e, ServerError::BadRequest(m) if m.starts_with("Unable to process JSON")));
    }

    #[test]
    fn gzip_body() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"{\"a\":1}").unwrap();
        let gz = enc.finish().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_ENCODING, "gzip".parse().unwrap());
        assert_eq!(decode_body(&h, &gz).unwrap().as_ref(), b"{\"a\":1}");
        assert!(decode_body(&h, b"not gzip").is_err());
    }
}
