//! The embedded default: what plain `opik-tui` and `opik-tui demo` connect to when no Opik is
//! configured.
//!
//! - [`ensure_local`]: if something at `127.0.0.1:5173` (the SDK's default local URL) answers
//!   `GET /api/is-alive/ping` with 200, use it (no handle: it is someone else's server, e.g.
//!   another `opik-tui` or a local Opik). Otherwise start this server in-process there, on the
//!   persistent database (default: [`default_db_path`], in the platform data directory), so apps
//!   logging with the SDK's defaults appear live in the TUI.
//! - [`start_demo`]: a fresh temporary database filled with the demo data set
//!   ([`super::demo`]), served on a **free port** (never 5173, so a demo never shadows or clashes
//!   with the user's real local server). The returned `TempDir` deletes the database when
//!   dropped: keep it alive as long as the server runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use super::{ServerConfig, ServerHandle, spawn};

/// The SDK's default local port (`http://localhost:5173/api`).
pub const DEFAULT_PORT: u16 = 5173;

/// Where the local server runs and, when we started it, its handle (keep it alive; call
/// `shutdown().await` on exit so the WAL is checkpointed).
pub struct Local {
    pub base_url: String,
    pub handle: Option<ServerHandle>,
}

/// `<platform data dir>/opik-tui/opik-tui.db` (e.g. `~/.local/share/opik-tui/opik-tui.db`).
pub fn default_db_path() -> anyhow::Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "opik-tui").context(
        "cannot find a data directory for the local database (no home directory?); pass --db PATH",
    )?;
    Ok(dirs.data_dir().join("opik-tui.db"))
}

/// True when `http://addr/api/is-alive/ping` answers 200 within a second.
pub async fn is_alive(addr: SocketAddr) -> bool {
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_millis(1500))
        .connect_timeout(Duration::from_millis(700))
        .no_proxy()
        .build()
    else {
        return false;
    };
    match client
        .get(format!("http://{addr}/api/is-alive/ping"))
        .send()
        .await
    {
        Ok(r) => r.status().as_u16() == 200,
        Err(_) => false,
    }
}

/// [`ensure_local_at`] on `127.0.0.1:5173`.
pub async fn ensure_local(db_path: &Path) -> anyhow::Result<Local> {
    ensure_local_at(SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)), db_path).await
}

/// Use the Opik-compatible server answering at `addr`, or start ours there on `db_path`.
pub async fn ensure_local_at(addr: SocketAddr, db_path: &Path) -> anyhow::Result<Local> {
    if is_alive(addr).await {
        return Ok(Local {
            base_url: format!("http://{addr}/api"),
            handle: None,
        });
    }
    let started = spawn(ServerConfig {
        bind: addr,
        db_path: db_path.to_path_buf(),
        api_key: None,
        users_file: None,
    })
    .await;
    match started {
        Ok(handle) => Ok(Local {
            base_url: handle.base_url(),
            handle: Some(handle),
        }),
        Err(e) => {
            // Lost a race with another process starting a server there? Then use it.
            if is_alive(addr).await {
                return Ok(Local {
                    base_url: format!("http://{addr}/api"),
                    handle: None,
                });
            }
            Err(e.context(format!(
                "could not start the local Opik server on {addr}: something else uses that port and is not an \
                 Opik server. Stop it, or point opik-tui at an Opik with --url / OPIK_URL_OVERRIDE"
            )))
        }
    }
}

/// A demo server: fresh temporary database, filled with the demo data set, on a free port.
pub async fn start_demo() -> anyhow::Result<(ServerHandle, tempfile::TempDir)> {
    let dir = tempfile::Builder::new()
        .prefix("opik-tui-demo-")
        .tempdir()
        .context("cannot create a temporary directory for the demo database")?;
    let handle = spawn(ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("demo.db"),
        api_key: None,
        users_file: None,
    })
    .await?;
    super::demo::fill_demo(&handle)
        .await
        .context("cannot fill the demo database")?;
    Ok((handle, dir))
}
