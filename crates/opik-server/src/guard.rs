//! Protections against web pages and DNS rebinding (see docs/server.md, "Local-server
//! protections"). A browser lets any page send "simple" cross-origin requests (`text/plain`
//! bodies, no preflight) to `127.0.0.1`, and a rebound DNS name lets it read the answers. So,
//! on every request, before authentication:
//!
//! - **Host** (loopback bind without keys only): the `Host` must name the loopback
//!   (`localhost`, `127.0.0.1`, `[::1]`, or the bind address; any port) → else 421.
//! - **Origin**: when present it must be the server's own (`http://<loopback name>:<port>`) or
//!   one given with `serve --allow-origin URL` → else 403. SDKs and exporters send no Origin.
//! - **Content-Type**: a request with a body must be JSON (`application/json`, parameters such
//!   as `charset` allowed); the OTLP routes also take `application/x-protobuf`; the attachment
//!   upload `PUT` takes raw bytes (the SDK sends none) → else 415.

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::AppState;

/// Origins allowed besides the server's own (`serve --allow-origin`), normalised.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    allowed_origins: Vec<String>,
}

impl Guard {
    /// From `--allow-origin` values (`http://host:port`; a trailing `/` is ignored).
    pub fn new(origins: &[String]) -> anyhow::Result<Guard> {
        let mut allowed_origins = Vec::new();
        for o in origins {
            let n = normalise_origin(o);
            if !(n.starts_with("http://") || n.starts_with("https://")) || n.len() <= 8 {
                anyhow::bail!(
                    "--allow-origin {o:?} is not an origin; give it as http://host:port or https://host"
                );
            }
            allowed_origins.push(n);
        }
        Ok(Guard { allowed_origins })
    }
}

fn normalise_origin(o: &str) -> String {
    o.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn refuse(status: StatusCode, message: String) -> Response {
    (
        status,
        Json(json!({"code": status.as_u16(), "message": message})),
    )
        .into_response()
}

/// Split `host[:port]` (IPv6 in brackets) into the lower-cased host and the port.
fn split_host(authority: &str) -> (String, Option<u16>) {
    let a = authority.trim().to_ascii_lowercase();
    if let Some(rest) = a.strip_prefix('[') {
        if let Some((h, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (format!("[{h}]"), port);
        }
        return (a, None);
    }
    match a.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_string(), p.parse().ok()),
        _ => (a, None),
    }
}

/// True when `host` (as split by [`split_host`]) names the loopback or the bind address.
fn is_own_host(host: &str, state: &AppState) -> bool {
    let bind = match state.addr.ip() {
        std::net::IpAddr::V4(ip) => ip.to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host == bind
}

/// The `Origin`, when present and not allowed: the reason.
fn origin_refusal(headers: &HeaderMap, state: &AppState) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?;
    let o = normalise_origin(origin.to_str().unwrap_or(""));
    if state.guard.allowed_origins.contains(&o) {
        return None;
    }
    if let Some(authority) = o.strip_prefix("http://") {
        let (host, port) = split_host(authority);
        if port == Some(state.addr.port()) && is_own_host(&host, state) {
            return None;
        }
    }
    Some(format!(
        "requests from web pages are refused (Origin {o:?} is not this server's). \
         To let a web app use this server, start it with --allow-origin {o}"
    ))
}

/// The `Host` of a loopback keyless server must name the loopback: the reason when not.
fn host_refusal(headers: &HeaderMap, state: &AppState) -> Option<String> {
    if !state.auth.is_open() || !state.addr.ip().is_loopback() {
        return None;
    }
    let host = headers.get(header::HOST)?;
    let (name, _) = split_host(host.to_str().unwrap_or(""));
    if is_own_host(&name, state) {
        return None;
    }
    Some(format!(
        "this local server answers only requests for localhost / 127.0.0.1 / [::1], not {name:?} \
         (protection against DNS rebinding). Use http://{}/api, or run the server with --api-key",
        state.addr
    ))
}

/// True when the request carries a body (a non-zero length, or chunked).
fn has_body(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > 0)
}

/// The media type without parameters, lower-cased (`application/json; charset=utf-8` →
/// `application/json`).
fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next()?.trim().to_ascii_lowercase())
}

fn is_otlp_route(path: &str) -> bool {
    path.ends_with("/v1/private/otel/v1/traces") || path == "/v1/traces" || path == "/api/v1/traces"
}

fn is_upload_route(method: &Method, path: &str) -> bool {
    method == Method::PUT && path.ends_with("/v1/private/attachment/upload")
}

/// A body of the wrong type: the reason.
fn content_type_refusal(req: &Request) -> Option<String> {
    let headers = req.headers();
    let path = req.uri().path();
    if !has_body(headers) || is_upload_route(req.method(), path) {
        return None;
    }
    let mt = media_type(headers);
    let json = mt.as_deref() == Some("application/json");
    if is_otlp_route(path) {
        let proto = matches!(
            mt.as_deref(),
            Some("application/x-protobuf" | "application/protobuf")
        );
        if json || proto {
            return None;
        }
        return Some(format!(
            "OTLP bodies must be sent as application/x-protobuf or application/json, not {}",
            mt.as_deref().unwrap_or("(no Content-Type)")
        ));
    }
    if json {
        return None;
    }
    Some(format!(
        "request bodies must be JSON: send Content-Type: application/json (got {})",
        mt.as_deref().unwrap_or("no Content-Type")
    ))
}

/// Middleware: Host, Origin and Content-Type checks (see the module docs).
pub async fn guard_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(m) = host_refusal(req.headers(), &state) {
        return refuse(StatusCode::MISDIRECTED_REQUEST, m);
    }
    if let Some(m) = origin_refusal(req.headers(), &state) {
        return refuse(StatusCode::FORBIDDEN, m);
    }
    if let Some(m) = content_type_refusal(&req) {
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, m);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_split() {
        assert_eq!(
            split_host("LocalHost:5173"),
            ("localhost".into(), Some(5173))
        );
        assert_eq!(split_host("[::1]:80"), ("[::1]".into(), Some(80)));
        assert_eq!(split_host("127.0.0.1"), ("127.0.0.1".into(), None));
        assert_eq!(split_host("evil.example"), ("evil.example".into(), None));
    }

    #[test]
    fn allow_origin_values_are_checked() {
        assert!(Guard::new(&["http://localhost:3000/".into()]).is_ok());
        assert!(Guard::new(&["localhost:3000".into()]).is_err());
        assert!(Guard::new(&["http://".into()]).is_err());
    }
}
