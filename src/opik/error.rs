//! Typed errors of the Opik REST client ([`crate::opik::client`]). Every message says what
//! went wrong *and* what the user can do about it; the TUI shows them as they are.

use std::time::Duration;

/// An error from a call to Opik.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached at all (refused, DNS, TLS, reset before a reply).
    #[error("cannot connect to {url}: {reason} — is Opik running? set --url or OPIK_URL_OVERRIDE")]
    Connect { url: String, reason: String },

    /// The server accepted the connection but did not answer in time.
    #[error(
        "no answer from {url} within {}s — the server is slow or stuck; try again, or check --url",
        timeout.as_secs_f64()
    )]
    Timeout { url: String, timeout: Duration },

    /// 401 / 403.
    #[error(
        "API key rejected for workspace {workspace} (HTTP {status}) — check --api-key / OPIK_API_KEY and --workspace / OPIK_WORKSPACE"
    )]
    Unauthorized { workspace: String, status: u16 },

    /// 404: names the missing resource.
    #[error("{resource} not found{}", detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    NotFound {
        resource: String,
        detail: Option<String>,
    },

    /// Still rate limited after the retries.
    #[error("rate limited by the server (HTTP 429){} — wait a moment and try again", retry_after.map(|d| format!("; it asks to retry in {}s", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },

    /// 5xx: shows the server's message.
    #[error("Opik server error (HTTP {status}): {message}")]
    Server { status: u16, message: String },

    /// Any other 4xx (400 bad request, 409 conflict, 422 validation, ...).
    #[error("request rejected (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },

    /// A reply that could not be read as what was asked for (names it).
    #[error("could not read {what} from the server's reply: {detail}")]
    Decode { what: String, detail: String },

    /// An error object in the middle of a search stream.
    #[error("the server stopped the {what} stream with an error{}: {message}", code.map(|c| format!(" (code {c})")).unwrap_or_default())]
    Stream {
        what: String,
        code: Option<i64>,
        message: String,
    },

    /// The connection broke while a reply was being read.
    #[error("connection to {url} broke while reading {what}: {reason} — try again")]
    Interrupted {
        url: String,
        what: String,
        reason: String,
    },

    /// Something about the request itself (bad URL, unencodable body).
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl ApiError {
    /// The HTTP status behind this error, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized { status, .. }
            | ApiError::Server { status, .. }
            | ApiError::Rejected { status, .. } => Some(*status),
            ApiError::NotFound { .. } => Some(404),
            ApiError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Whether the server could not be reached (as opposed to answering with an error).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ApiError::Connect { .. } | ApiError::Timeout { .. })
    }

    /// Whether retrying later may help (network trouble, rate limits, 5xx).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::Connect { .. }
                | ApiError::Timeout { .. }
                | ApiError::RateLimited { .. }
                | ApiError::Server { .. }
                | ApiError::Interrupted { .. }
        )
    }

    /// Whether this is a 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::NotFound { .. })
    }
}

/// Extract a human message from an Opik error body: `{code, message, details}` or
/// `{errors: [...]}`, or the raw text (shortened) when it is neither.
pub fn server_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if let Ok(v) = crate::opik::model::parse_lenient::<serde_json::Value>(body) {
        if let Some(errors) = v.get("errors").and_then(|e| e.as_array()) {
            let msgs: Vec<String> = errors
                .iter()
                .map(|e| match e.as_str() {
                    Some(s) => s.to_string(),
                    None => e.to_string(),
                })
                .collect();
            if !msgs.is_empty() {
                return msgs.join("; ");
            }
        }
        if let Some(m) = v.get("message").and_then(|m| m.as_str()) {
            let mut out = m.to_string();
            if let Some(d) = v.get("details").and_then(|d| d.as_str())
                && !d.is_empty()
            {
                out.push_str(" — ");
                out.push_str(d);
            }
            return out;
        }
    }
    let t = text.trim();
    if t.is_empty() {
        return "(empty reply)".into();
    }
    let short: String = t.chars().take(300).collect();
    if short.len() < t.len() {
        format!("{short}…")
    } else {
        short
    }
}
