//! The HTTP handler: `POST /v1/private/otel/v1/traces` and `POST /v1/traces`.

use serde_json::json;

use super::{decode::*, map::*, store::*};
use crate::{AppState, Caller, ServerError};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

/// `POST /v1/private/otel/v1/traces` (Opik) and `POST /v1/traces` (the exporters' default).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/private/otel/v1/traces", post(export))
        .route("/v1/traces", post(export))
}

pub(super) fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

pub(super) async fn export(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let enc = Encoding::from_content_type(header_str(&headers, header::CONTENT_TYPE.as_str()));
    let ct = header_str(&headers, header::CONTENT_TYPE.as_str()).map(str::to_string);
    let ce = header_str(&headers, header::CONTENT_ENCODING.as_str()).map(str::to_string);
    let project = header_str(&headers, "projectName")
        .or_else(|| header_str(&headers, "project_name"))
        .map(str::to_string);
    // Decoding is CPU work: off the async threads, and outside the write lock.
    let decoded =
        tokio::task::spawn_blocking(move || decode(&body, ct.as_deref(), ce.as_deref())).await;
    let req = match decoded {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return (
                status,
                axum::Json(json!({"code": e.status(), "message": e.to_string()})),
            )
                .into_response();
        }
        Err(e) => return ServerError::internal(format!("decode task failed: {e}")).into_response(),
    };
    let user = caller.user;
    let r = st
        .db
        .write(move |tx| {
            let mut resolver = DbResolver {
                conn: tx,
                error: None,
            };
            let m = map_request(&req, project.as_deref(), &mut resolver);
            if let Some(e) = resolver.error {
                return Err(e.into());
            }
            let rejected = (m.rejected, m.reject_reason.clone());
            store(tx, m, &user)?;
            Ok(rejected)
        })
        .await;
    match r {
        Ok((rejected, reason)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, enc.content_type())],
            encode_response(enc, rejected, &reason),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}
