//! Who is calling: API-key authentication and the endpoints that report the caller.
//!
//! - No keys configured: every caller is self-hosted Opik's default local user
//!   ([`DEFAULT_USER`] in workspace [`DEFAULT_WORKSPACE`]).
//! - `--api-key K`: the `authorization` header must be `K` (raw, as the SDK sends it, or
//!   `Bearer K`); the caller is the default user. Anything else gets 401 JSON.
//! - `--users FILE` (TOML, `name = "key"` lines): each key is a user; scores and comments get
//!   that author, and a user changes or deletes only their own ([`Caller::may_act_for`]). The
//!   `--api-key` caller (and everyone on a keyless server) is the admin and may act on all.
//!
//! [`auth_layer`] runs on every route except `is-alive/ping` and puts a [`Caller`] in the request
//! extensions; handlers take `Caller` as an extractor.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use axum::{
    Json, Router,
    extract::{FromRequestParts, Request, State},
    http::request::Parts,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::json;

use super::AppState;
use super::errors::ServerError;
use opik_model::{WorkspaceNameHolder, WorkspaceUserPermissions};

pub const DEFAULT_USER: &str = "admin";
pub const DEFAULT_WORKSPACE: &str = "default";

/// The configured keys. Empty map = open (local) mode.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    /// api key → caller
    keys: HashMap<String, Caller>,
}

impl Auth {
    /// Build from the `--api-key` and `--users FILE` options.
    pub fn new(api_key: Option<&str>, users_file: Option<&Path>) -> anyhow::Result<Auth> {
        let mut keys = HashMap::new();
        if let Some(k) = api_key {
            let k = k.trim();
            if k.is_empty() {
                anyhow::bail!("--api-key is empty; give a non-empty key or leave the option out");
            }
            keys.insert(k.to_string(), Caller::default());
        }
        if let Some(path) = users_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the users file {}", path.display()))?;
            for (user, key) in parse_users(&text)
                .with_context(|| format!("in the users file {}", path.display()))?
            {
                let caller = Caller {
                    user: user.clone(),
                    admin: false,
                };
                if let Some(prev) = keys.insert(key, caller) {
                    anyhow::bail!(
                        "users file {}: users {:?} and {user:?} have the same key; give each user its own key",
                        path.display(),
                        prev.user
                    );
                }
            }
        }
        Ok(Auth { keys })
    }

    /// True when no key is configured (every caller is the default user).
    pub fn is_open(&self) -> bool {
        self.keys.is_empty()
    }

    /// Resolve the `authorization` header value to a user.
    pub fn resolve(&self, header: Option<&str>) -> Result<Caller, ServerError> {
        if self.is_open() {
            return Ok(Caller::default());
        }
        let Some(raw) = header.map(str::trim).filter(|h| !h.is_empty()) else {
            return Err(ServerError::Unauthorized(
                "API key is missing: send it in the Authorization header (OPIK_API_KEY for the SDK)"
                    .into(),
            ));
        };
        let key = raw
            .strip_prefix("Bearer ")
            .or_else(|| raw.strip_prefix("bearer "))
            .unwrap_or(raw)
            .trim();
        match self.keys.get(key) {
            Some(caller) => Ok(caller.clone()),
            None => Err(ServerError::Unauthorized(
                "API key is wrong: check OPIK_API_KEY / the Authorization header".into(),
            )),
        }
    }
}

/// Parse a users file: a TOML table of `user = "key"`.
pub fn parse_users(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let table: toml::Table = toml::from_str(text)
        .context("not valid TOML (expected lines like  alice = \"her-key\")")?;
    let mut out = Vec::new();
    for (user, v) in table {
        let Some(key) = v.as_str() else {
            anyhow::bail!("the key of user {user:?} must be a string, like  {user} = \"secret\"");
        };
        if key.trim().is_empty() {
            anyhow::bail!("user {user:?} has an empty key");
        }
        out.push((user, key.trim().to_string()));
    }
    Ok(out)
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: String,
    /// The `--api-key` caller, or anyone on a keyless server: may act on every user's work.
    pub admin: bool,
}

impl Default for Caller {
    fn default() -> Self {
        Caller {
            user: DEFAULT_USER.to_string(),
            admin: true,
        }
    }
}

impl Caller {
    /// May this caller change or delete what `author` wrote?
    pub fn may_act_for(&self, author: &str) -> bool {
        self.admin || self.user == author
    }

    /// 403 unless [`Self::may_act_for`] `author`.
    pub fn check_owner(&self, author: &str, what: &str) -> Result<(), ServerError> {
        if self.may_act_for(author) {
            return Ok(());
        }
        Err(ServerError::Forbidden(format!(
            "{what} belongs to {author:?}: users can change and delete only their own; \
             use the server's --api-key to act on everyone's"
        )))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_default())
    }
}

/// Middleware: authenticate every request except the liveness probes.
pub async fn auth_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    // Only the liveness probe is open: the version (`is-alive/ver`) needs the key when keys
    // are configured, so an anonymous caller learns nothing about the server.
    if path.ends_with("/is-alive/ping") {
        return next.run(req).await;
    }
    let header = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match state.auth.resolve(header) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/is-alive/ping", get(ping))
        .route("/is-alive/ver", get(ver))
        .route("/v1/private/auth", post(auth_check).get(auth_check))
        .route("/v1/private/auth/workspace", get(workspace))
        .route("/v1/private/workspace-permissions", get(permissions))
        .route("/v1/private/auth/workspace-permissions", get(permissions))
}

async fn ping() -> Json<serde_json::Value> {
    Json(json!({"healthy": true}))
}

async fn ver() -> Json<serde_json::Value> {
    Json(json!({"version": concat!("opik-tui-", env!("CARGO_PKG_VERSION"))}))
}

async fn auth_check(_caller: Caller) -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}

async fn workspace(_caller: Caller) -> Json<WorkspaceNameHolder> {
    Json(WorkspaceNameHolder {
        workspace_name: DEFAULT_WORKSPACE.into(),
    })
}

async fn permissions(caller: Caller) -> Json<WorkspaceUserPermissions> {
    Json(WorkspaceUserPermissions {
        user_name: caller.user,
        workspace_name: DEFAULT_WORKSPACE.into(),
        permissions: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_keys() {
        let open = Auth::default();
        assert_eq!(open.resolve(None).unwrap().user, DEFAULT_USER);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("users.toml");
        std::fs::write(&f, "alice = \"ka\"\nbob = \"kb\"\n").unwrap();
        let a = Auth::new(Some("root"), Some(&f)).unwrap();
        assert_eq!(a.resolve(Some("ka")).unwrap().user, "alice");
        assert_eq!(a.resolve(Some("Bearer kb")).unwrap().user, "bob");
        assert_eq!(a.resolve(Some("root")).unwrap().user, DEFAULT_USER);
        assert!(matches!(
            a.resolve(Some("zz")),
            Err(ServerError::Unauthorized(_))
        ));
        assert!(matches!(a.resolve(None), Err(ServerError::Unauthorized(_))));
    }

    #[test]
    fn bad_users_files() {
        assert!(parse_users("alice = 3").is_err());
        assert!(parse_users("not toml [").is_err());
        assert!(parse_users("a = \"\"").is_err());
    }
}
