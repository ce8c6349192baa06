//! The embedded Opik-compatible server (`opik-tui serve`, the embedded default, the test
//! backend): axum over one SQLite database.
//!
//! Every route is served under `/api` and also without the prefix (the SDK uses whichever base
//! URL it is given). [`router`] assembles the per-module `routes()` (each a `Router<AppState>`);
//! a module owning tables adds its `SCHEMA` to [`db::SCHEMA_PARTS`].
//!
//! - [`spawn`] binds (port 0 allowed) and serves in a tokio task: tests and the embedded default.
//! - [`serve_forever`] is `opik-tui serve`: prints the URL and the `OPIK_URL_OVERRIDE=…` line,
//!   refuses a non-loopback bind without an API key, and shuts down gracefully on Ctrl-C or
//!   SIGTERM (in-flight requests finish, so their writes are committed).

pub mod auth;
pub mod body_limits;
pub mod comments;
pub mod common;
pub mod cost;
pub mod db;
pub mod errors;
pub mod filters;
pub mod guard;
pub mod ingest;
pub mod listen;
pub mod metrics;
pub mod otlp;
pub mod otlp_limits;
pub mod projects;
pub mod scores;
pub mod spans;
pub mod stats;
pub mod threads;
pub mod traces;

pub mod attachments;
pub mod demo;
mod demo_content;
pub mod demo_dify;
pub mod embedded;
pub mod feedback_definitions;
pub mod queues;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

pub use auth::Caller;
pub use db::Db;
pub use errors::{ApiError, LJson};

/// Environment variable that sets the thread inactivity timeout (Opik's name). Accepts
/// seconds (`900`), or a number with a unit suffix `s`, `m`, `h` (`15m`), or an ISO-8601
/// duration (`PT15M`).
pub const THREAD_TIMEOUT_ENV: &str = "OPIK_TRACE_THREAD_TIMEOUT_TO_MARK_AS_INACTIVE";

/// How `opik-tui serve` / the embedded server is configured.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub db_path: PathBuf,
    pub api_key: Option<String>,
    pub users_file: Option<PathBuf>,
}

/// Options of `serve` beyond [`ServerConfig`]: web origins allowed to call the server
/// (`--allow-origin`) and the connection limits.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub allow_origins: Vec<String>,
    pub limits: listen::Limits,
}

/// Runtime settings read from the environment at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A thread without a new trace for this long is `inactive`.
    pub thread_timeout: chrono::Duration,
}

impl Settings {
    pub fn from_env() -> Settings {
        let thread_timeout = std::env::var(THREAD_TIMEOUT_ENV)
            .ok()
            .and_then(|v| parse_duration(&v))
            .unwrap_or_else(|| chrono::Duration::minutes(15));
        Settings { thread_timeout }
    }
}

/// Parse `900`, `900s`, `15m`, `1h`, `PT15M`, `PT30S` into a duration.
pub fn parse_duration(s: &str) -> Option<chrono::Duration> {
    let s = s.trim();
    let upper = s.to_ascii_uppercase();
    if let Some(rest) = upper.strip_prefix("PT") {
        let mut total = 0f64;
        let mut num = String::new();
        for c in rest.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
            } else {
                let n: f64 = num.parse().ok()?;
                num.clear();
                total += match c {
                    'H' => n * 3600.0,
                    'M' => n * 60.0,
                    'S' => n,
                    _ => return None,
                };
            }
        }
        if !num.is_empty() {
            return None;
        }
        return Some(chrono::Duration::milliseconds((total * 1000.0) as i64));
    }
    let (num, mult) = match s.chars().last()? {
        's' | 'S' => (&s[..s.len() - 1], 1.0),
        'm' | 'M' => (&s[..s.len() - 1], 60.0),
        'h' | 'H' => (&s[..s.len() - 1], 3600.0),
        _ => (s, 1.0),
    };
    let n: f64 = num.trim().parse().ok()?;
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    Some(chrono::Duration::milliseconds((n * mult * 1000.0) as i64))
}

/// Shared handler state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub auth: Arc<auth::Auth>,
    /// The address the server listens on (for absolute URLs such as attachment uploads).
    pub addr: SocketAddr,
    pub settings: Arc<Settings>,
    /// Host / Origin / Content-Type checks.
    pub guard: Arc<guard::Guard>,
    pub limits: listen::Limits,
}

impl AppState {
    /// `http://addr/api`
    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }
}

/// The routes of every module, relative to `/api`.
fn api_routes() -> Router<AppState> {
    Router::new()
        .merge(auth::routes())
        .merge(projects::routes())
        .merge(traces::routes())
        .merge(spans::routes())
        .merge(threads::routes())
        .merge(scores::routes())
        .merge(comments::routes())
        .merge(otlp::routes())
        .merge(metrics::routes())
        .merge(stats::routes())
        .merge(feedback_definitions::routes())
        .merge(queues::routes())
        .merge(attachments::routes())
}

/// The whole application: routes under `/api` and without the prefix, JSON 404 fallback,
/// authentication on everything but the liveness probes.
pub fn router(state: AppState) -> Router {
    let api = api_routes();
    Router::new()
        .nest("/api", api.clone())
        .merge(api)
        .fallback(errors::fallback_404)
        .method_not_allowed_fallback(errors::fallback_405)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::auth_layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard_layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            listen::body_deadline_layer,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(errors::MAX_BODY_BYTES))
        .with_state(state)
}

/// A running server (see [`spawn`]).
pub struct ServerHandle {
    pub addr: SocketAddr,
    pub db: Db,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ServerHandle {
    /// `http://addr/api`, the value for `OPIK_URL_OVERRIDE`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// Stop accepting, let in-flight requests finish, checkpoint the database.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.db.checkpoint();
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn prepare(
    cfg: &ServerConfig,
    opts: &ServeOptions,
) -> anyhow::Result<(TcpListener, AppState)> {
    let auth = auth::Auth::new(cfg.api_key.as_deref(), cfg.users_file.as_deref())?;
    let guard = guard::Guard::new(&opts.allow_origins)?;
    let db = Db::open(&cfg.db_path)?;
    let listener = TcpListener::bind(cfg.bind).await.with_context(|| {
        format!(
            "cannot listen on {} (is another server running there?)",
            cfg.bind
        )
    })?;
    let addr = listener.local_addr()?;
    let state = AppState {
        db,
        auth: Arc::new(auth),
        addr,
        settings: Arc::new(Settings::from_env()),
        guard: Arc::new(guard),
        limits: opts.limits,
    };
    Ok((listener, state))
}

/// Start the server in a background task. `cfg.bind` may use port 0.
pub async fn spawn(cfg: ServerConfig) -> anyhow::Result<ServerHandle> {
    spawn_with(cfg, ServeOptions::default()).await
}

/// [`spawn`] with `serve`'s extra options.
pub async fn spawn_with(cfg: ServerConfig, opts: ServeOptions) -> anyhow::Result<ServerHandle> {
    let (listener, state) = prepare(&cfg, &opts).await?;
    let limits = state.limits;
    let addr = state.addr;
    let db = state.db.clone();
    let app = router(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let r = listen::serve(listener, app, limits, async move {
            let _ = rx.await;
        })
        .await;
        if let Err(e) = r {
            tracing::error!("embedded server stopped: {e}");
        }
    });
    Ok(ServerHandle {
        addr,
        db,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// `opik-tui serve`: run until Ctrl-C or SIGTERM.
pub async fn serve_forever(cfg: ServerConfig, opts: ServeOptions) -> anyhow::Result<()> {
    if !cfg.bind.ip().is_loopback() && cfg.api_key.is_none() && cfg.users_file.is_none() {
        anyhow::bail!(
            "refusing to listen on {} without an API key: anyone on the network could read and write your traces. \
             Add --api-key KEY (or --users FILE), or bind 127.0.0.1",
            cfg.bind
        );
    }
    let (listener, state) = prepare(&cfg, &opts).await?;
    let limits = state.limits;
    let db = state.db.clone();
    let url = state.base_url();
    println!("opik-tui server listening on {url}");
    println!("database: {}", cfg.db_path.display());
    println!("point the Opik SDK at it with:");
    println!("  export OPIK_URL_OVERRIDE={url}");
    if cfg.api_key.is_some() || cfg.users_file.is_some() {
        println!("  export OPIK_API_KEY=<your key>");
    }
    let app = router(state);
    listen::serve(listener, app, limits, shutdown_signal())
        .await
        .context("server error")?;
    db.checkpoint();
    println!("opik-tui server stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("900"), Some(chrono::Duration::seconds(900)));
        assert_eq!(parse_duration("15m"), Some(chrono::Duration::minutes(15)));
        assert_eq!(parse_duration("PT15M"), Some(chrono::Duration::minutes(15)));
        assert_eq!(
            parse_duration("PT1H30S"),
            Some(chrono::Duration::seconds(3630))
        );
        assert_eq!(parse_duration("2s"), Some(chrono::Duration::seconds(2)));
        assert_eq!(parse_duration("x"), None);
        assert_eq!(parse_duration("-1"), None);
        assert_eq!(parse_duration(""), None);
    }
}
