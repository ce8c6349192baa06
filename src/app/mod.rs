//! The TUI application: an async loop around a stack of screens.
//!
//! # How it fits together
//! - **Actions** ([`action::Action`]): one serde enum of everything a key can mean
//!   (`down`, `open`, `live_tail`, …). Keys never reach screens as raw keys, except while a
//!   screen captures text (search box).
//! - **Keymap** ([`keymap::KeyMap`]): default bindings plus the settings' `[keys]` table
//!   (`j = "down"`, `"traces.L" = "live_tail"`). Lookups go context-first (a screen's
//!   [`Screen::context`], a [`KeyContext`] whose snake_case name the settings use), then
//!   global. The hint bar and the `?` overlay are generated from
//!   it and from each screen's [`Screen::hints`].
//! - **Screens** ([`screen::Screen`]): one trait — `handle_action`, `handle_key` (text
//!   input), `handle_mouse`, `on_msg`, `on_tick`, `refresh`, `draw`, `hints` — with one
//!   associated message type `Msg`. The shell ([`shell::App`]) keeps a stack of
//!   `Box<dyn DynScreen>` ([`DynScreen`] is implemented for every `Screen`): `Enter` pushes, `Esc` goes back, `q` closes (quits on
//!   the first screen), `Ctrl-c` quits anywhere.
//! - **Tasks** ([`tasks::Tasks`]): a screen never awaits. It calls
//!   `ctx.spawn("page", async move { TracesMsg::Page(client.list_traces(&q).await) })`:
//!   its `ctx` is a `Ctx<Self::Msg>`, so the future must return the screen's message (a
//!   different type does not compile). The message comes back to its `on_msg`; the one
//!   conversion from the shared channel's boxed value happens in `DynScreen::on_task`
//!   (logged, and a debug assertion, if it ever fails). Results for closed screens and
//!   superseded requests (same key) are dropped by the shell. While
//!   anything is in flight the status bar spins.
//! - **Effects**: through [`screen::Ctx`] a screen opens screens (`ctx.open(ScreenRequest)`
//!   or `ctx.push(Box::new(screen))`), closes itself (`ctx.pop()`), shows toasts
//!   (`ctx.toast_error`), copies to the clipboard (`ctx.copy`, OSC 52), marks the data as
//!   refreshed (`ctx.refreshed()`, status bar time) and sets the current project.
//! - **Loop** ([`run`]): `tokio::select!` over crossterm's `EventStream`, the task channel and
//!   a timer that is only armed while something needs it (spinner, toast expiry, a screen's
//!   [`Screen::tick_interval`] such as live tail). It redraws only when state changed, so an
//!   idle app uses no CPU. The terminal is restored on quit, on error and on panic.
//!
//! # Adding a screen
//! 1. Write `struct MyScreen` in `src/views/my.rs` and its message enum, one variant per
//!    kind of result (`enum MyMsg { Page(Result<Page<Trace>, ApiError>), … }`; a screen that
//!    spawns nothing uses [`NoMsg`]). Implement [`Screen`] with `type Msg = MyMsg`; keep a
//!    cloned `OpikClient` (from [`AppEnv`]), start loading in `on_open` with
//!    `ctx.spawn("page", async move { MyMsg::Page(…await) })`, and `match` the message in
//!    `on_msg`. To offer `Y` / export, add a variant for [`crate::views::share::UrlReady`]
//!    (and `ExportDone`) with a `From` impl and hand it to `share::url_ready`.
//! 2. Add a [`ScreenRequest`] variant if it is opened by name, and an arm in
//!    [`registry::open`] that builds it.
//! 3. Give it a [`KeyContext`] variant (and name) if it has keys of its own, returned by
//!    `context()`. If it needs new keys, add [`Action`] variants (with label, description,
//!    default key) and context defaults in `keymap.rs`.
//! 4. Draw with `ctx.theme` styles only and pass all trace text through `render::sanitize`.
//! 5. Snapshot it: build it with fixed data and render with [`testing::render_screen`].

pub mod action;
pub mod commands;
pub mod connect;
pub mod key_context;
pub mod keymap;
pub mod registry;
pub mod screen;
pub mod shell;
pub mod tasks;
pub mod terminal;
pub mod testing;

pub use action::Action;
pub use key_context::KeyContext;
pub use keymap::{Key, KeyMap};
pub use screen::{
    Ctx, DrawCtx, DynScreen, Handled, NoMsg, Screen, ScreenId, ScreenRequest, TaskOutput,
    ToastLevel,
};
pub use shell::App;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{Local, Offset, Utc};
use futures::StreamExt;

use crate::opik::client::OpikClient;
use crate::theme::Theme;

/// The screen to start on (`opik-tui traces --project X` → `Traces { project }`).
pub type StartScreen = ScreenRequest;

/// What `main.rs` passes to [`run`].
pub struct AppOptions {
    pub client: OpikClient,
    /// Server URL for the status bar (the normalised base URL).
    pub url: String,
    pub workspace: String,
    /// The current project (`--project`), if any.
    pub project: Option<String>,
    /// The settings' `[keys]` table.
    pub keys: BTreeMap<String, String>,
    pub theme: Theme,
    /// Directory of user themes (`<config>/themes`).
    pub theme_dir: Option<PathBuf>,
    /// Refresh interval for live views (live tail, dashboard), seconds.
    pub refresh_secs: Option<u64>,
    /// Messages to show as toasts at start (bad settings entries, …).
    pub messages: Vec<String>,
    pub start: StartScreen,
    /// The settings' `[conversation_keys]` table (project name or `default` → metadata keys).
    pub conversation_keys: BTreeMap<String, Vec<String>>,
    /// The TUI runs on the embedded server (no web UI: `Y` says so).
    pub embedded: bool,
}

/// Shared, read-only context every screen can keep a handle to.
pub struct AppEnv {
    pub client: OpikClient,
    pub url: String,
    pub workspace: String,
    pub theme_dir: Option<PathBuf>,
    /// Live-tail / auto-refresh interval.
    pub refresh: std::time::Duration,
    /// Dashboard refresh interval (`--refresh` / settings; 5 s by default).
    pub dashboard_refresh: std::time::Duration,
    /// The settings' `[conversation_keys]` table (see [`AppEnv::conversation_keys`]).
    pub conversation_keys: BTreeMap<String, Vec<String>>,
    /// Connected to the embedded server, which has no web UI.
    pub embedded: bool,
}

impl AppEnv {
    /// The metadata keys that identify a conversation in `project`: its own list from the
    /// settings, else `default`, else the built-in order
    /// ([`crate::opik::conversations::DEFAULT_KEYS`]).
    pub fn conversation_keys(&self, project: &str) -> Vec<String> {
        crate::opik::conversations::keys_for(project, &self.conversation_keys)
    }

    /// The Opik web UI link builder for this connection.
    pub fn web(&self) -> crate::opik::weburl::WebUrl {
        crate::opik::weburl::WebUrl::new(&self.url, &self.workspace)
    }

    pub fn new(client: OpikClient, url: &str, workspace: &str) -> AppEnv {
        AppEnv {
            client,
            url: url.to_string(),
            workspace: workspace.to_string(),
            theme_dir: None,
            refresh: std::time::Duration::from_secs(2),
            dashboard_refresh: crate::views::dashboard::DEFAULT_REFRESH,
            conversation_keys: BTreeMap::new(),
            embedded: false,
        }
    }
}

/// Run the TUI until the user quits. Owns the terminal for the duration (restored on every
/// exit path, including panics).
pub async fn run(opts: AppOptions) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let env = Rc::new(AppEnv {
        client: opts.client.clone(),
        url: opts.url.clone(),
        workspace: opts.workspace.clone(),
        theme_dir: opts.theme_dir.clone(),
        refresh: std::time::Duration::from_secs(opts.refresh_secs.unwrap_or(2).max(1)),
        dashboard_refresh: opts
            .refresh_secs
            .map(|s| std::time::Duration::from_secs(s.max(1)))
            .unwrap_or(crate::views::dashboard::DEFAULT_REFRESH),
        conversation_keys: opts.conversation_keys.clone(),
        embedded: opts.embedded,
    });
    let (keymap, key_errors) = KeyMap::with_overrides(&opts.keys);
    let cfg = shell::ShellConfig {
        url: opts.url.clone(),
        workspace: opts.workspace.clone(),
        project: opts.project.clone(),
        theme: opts.theme,
        theme_dir: opts.theme_dir,
        keymap,
        local_offset: Local::now().offset().fix(),
    };
    let mut app = App::new(
        cfg,
        registry::opener(env.clone()),
        tasks::Tasks::new(Some(tx)),
    );
    app.set_conversation_keys(opts.conversation_keys.clone());
    let now = Utc::now();
    for m in opts.messages.iter().chain(key_errors.iter()) {
        app.toast(ToastLevel::Error, m, now);
    }
    let client = opts.client.clone();
    let probe: connect::Probe = Arc::new(move || {
        let c = client.clone();
        Box::pin(async move { c.ping().await.map_err(|e| e.to_string()) })
    });
    app.push(
        Box::new(connect::ConnectScreen::new(&opts.url, opts.start, probe)),
        now,
    );

    // The outbox drains app-wide: from the start (ops left by an earlier run) and whatever
    // screen is open; the status bar shows what waits.
    let (otx, mut orx) = tokio::sync::mpsc::unbounded_channel();
    let _outbox_sub = match crate::outbox::Outbox::for_client(None, &opts.client) {
        Ok(o) => {
            app.set_outbox_pending(o.pending_count());
            o.ensure_drainer(opts.client.clone());
            Some(o.subscribe(move |ev| {
                let _ = otx.send(ev);
            }))
        }
        Err(e) => {
            app.toast(
                ToastLevel::Error,
                &format!("scores and comments cannot be queued: {e}"),
                now,
            );
            None
        }
    };

    let mut guard = terminal::enter()?;
    let mut events = crossterm::event::EventStream::new();
    loop {
        if app.dirty {
            guard.terminal.draw(|f| app.draw(f, Utc::now()))?;
            app.after_draw(Utc::now());
        }
        for text in app.take_clipboard() {
            if let Err(e) = terminal::copy_osc52(&text) {
                app.toast(ToastLevel::Error, &format!("clipboard: {e}"), Utc::now());
            }
        }
        if app.quit {
            break;
        }
        let wake = app.next_wakeup(Utc::now());
        let sleep = async move {
            match wake {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => app.handle_event(ev, Utc::now()),
                Some(Err(e)) => return Err(anyhow::anyhow!("reading terminal input: {e}")),
                None => break,
            },
            Some(msg) = rx.recv() => {
                app.on_task(msg, Utc::now());
                // Coalesce: take every result that is already there before drawing.
                while let Ok(msg) = rx.try_recv() {
                    app.on_task(msg, Utc::now());
                }
            }
            Some(ev) = orx.recv() => {
                app.outbox_event(&ev);
                while let Ok(ev) = orx.try_recv() {
                    app.outbox_event(&ev);
                }
            }
            _ = sleep => app.tick(Utc::now()),
        }
    }
    drop(guard);
    Ok(())
}
