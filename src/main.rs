//! `opik-tui`: parse the command line, resolve the connection and settings, start logging, and
//! dispatch: `completions` / `man` print what the CLI definition generates, `config` prints
//! the resolved connection, `serve` runs the embedded server headless, `demo` opens the TUI on
//! a demo-filled embedded server, and the screen commands (`projects` by default) open the TUI
//! on the configured Opik — or, with no URL configured, on the embedded local server.
#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::io;
use std::process::ExitCode;

use clap::Parser;
use opik_tui::app::{self, AppOptions, ScreenRequest};
use opik_tui::cli::{Cli, Command};
use opik_tui::completions;
use opik_tui::config::{self, ConfigInputs};
use opik_tui::opik::client::OpikClient;
use opik_tui::outbox::Outbox;
use opik_tui::render::sanitize::sanitize;
use opik_tui::server;
use opik_tui::settings;
use opik_tui::theme::Theme;

/// mimalloc rather than glibc's malloc: the embedded server's ingest path allocates many small
/// JSON values per request, and glibc's allocator (arena consolidation on every large free)
/// took about a quarter of the CPU in a profile of SDK batch ingest.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Text for the terminal outside the TUI: configuration values, paths and error messages may
/// come from a config file, a flag or the environment, and must not drive the terminal (set
/// its title, write the clipboard): control and escape sequences are removed.
fn clean(s: &str) -> String {
    sanitize(s).into_owned()
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap quotes the offending argument as given: print it cleaned (and uncoloured).
            let text = clean(&e.render().to_string());
            if e.use_stderr() {
                eprint!("{text}");
            } else {
                print!("{text}");
            }
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    // Generated from the CLI definition: no logging, no runtime, no state touched.
    let generated = match cli.subcommand() {
        Command::Completions { shell } => Some(completions::completions(shell, &mut io::stdout())),
        Command::Man => Some(completions::man(&mut io::stdout())),
        _ => None,
    };
    match generated {
        // `opik-tui man | head` closes the pipe early: that is not an error.
        Some(Ok(())) => return ExitCode::SUCCESS,
        Some(Err(e)) if e.kind() == io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Some(Err(e)) => {
            eprintln!("opik-tui: cannot write to stdout: {e}");
            return ExitCode::FAILURE;
        }
        None => {}
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("opik-tui: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("opik-tui: {}", clean(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.subcommand();
    let headless = matches!(command, Command::Serve { .. });
    let (_log_guard, log_problem) = opik_tui::logging::init(cli.log_file.as_deref(), headless);
    tracing::info!(?command, "opik-tui {} starting", env!("CARGO_PKG_VERSION"));

    match command {
        Command::Config => {
            let resolved = config::resolve(&ConfigInputs::from_process(cli.flags()))?;
            print!("{}", clean(&resolved.report()));
            let env = |k: &str| std::env::var(k).ok();
            if let Some(p) = settings::settings_path(&env) {
                let state = if p.exists() {
                    ""
                } else {
                    " (not found; defaults)"
                };
                println!("settings   {}{state}", clean(&p.display().to_string()));
            }
            if let Some(p) = _log_guard.path.as_ref() {
                println!("log        {}", clean(&p.display().to_string()));
            }
            if let Some(msg) = log_problem {
                println!("warning    {}", clean(&msg));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            bind,
            db,
            users,
            allow_origin,
            max_attachment_mb,
        } => {
            server::attachments::set_max_attachment_bytes(
                max_attachment_mb.saturating_mul(1 << 20),
            );
            let db_path = match db {
                Some(p) => p,
                None => server::embedded::default_db_path()?,
            };
            // The server prints its database path at start: refuse one that would drive the
            // terminal rather than print it.
            let shown = db_path.display().to_string();
            if clean(&shown) != shown {
                anyhow::bail!(
                    "the database path {} contains control characters; choose another with --db",
                    clean(&shown)
                );
            }
            server::serve_forever(
                server::ServerConfig {
                    bind,
                    db_path,
                    api_key: cli.api_key.clone(),
                    users_file: users,
                },
                server::ServeOptions {
                    allow_origins: allow_origin,
                    ..Default::default()
                },
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            needs_terminal()?;
            let (handle, _dir) = server::embedded::start_demo().await?;
            let base = handle.base_url();
            let conn = config::Connection::new(&base)?;
            // AppOptions.messages are shown as error toasts: only problems go there (the status
            // bar already shows the demo server's URL).
            let messages: Vec<String> = log_problem.into_iter().collect();
            tracing::info!(%base, "demo server (log into it with OPIK_URL_OVERRIDE={base})");
            let r = run_tui(&cli, conn, ScreenRequest::Projects, None, messages, true).await;
            handle.shutdown().await;
            r
        }
        screen => {
            needs_terminal()?;
            let resolved = config::resolve(&ConfigInputs::from_process(cli.flags()))?;
            let mut messages: Vec<String> = resolved.warnings.clone();
            messages.extend(log_problem);
            for note in &resolved.notes {
                tracing::warn!("{note}");
            }
            let mut conn = resolved.connection.clone();
            // An SME share link (`…/{workspace}/sme?queueId=…`) also sets the workspace.
            if let Command::Annotate { queue: Some(q) } = &screen
                && let Ok(opik_tui::annotate::queue_ref::QueueRef::Link {
                    workspace: Some(ws),
                    ..
                }) = opik_tui::annotate::queue_ref::parse(q)
                && ws != conn.workspace
            {
                messages.push(format!("workspace {ws} (from the queue link)"));
                conn.workspace = ws;
            }
            let mut local = None;
            // Embedded = this process serves the local database (something already answering on
            // the local port may be a real Opik with its web UI).
            let mut embedded = false;
            if !conn.is_explicit() {
                let db_path = server::embedded::default_db_path()?;
                let l = server::embedded::ensure_local(&db_path).await?;
                conn.base_url = l.base_url.clone();
                embedded = l.handle.is_some();
                if l.handle.is_some() {
                    tracing::info!(url = %conn.base_url, "no Opik URL configured: serving the local database");
                }
                local = Some(l);
            }
            let (start, refresh) = start_screen(&screen, conn.project.clone(), &mut messages);
            let r = run_tui(&cli, conn, start, refresh, messages, embedded).await;
            if let Some(handle) = local.and_then(|l| l.handle) {
                handle.shutdown().await;
            }
            r
        }
    }
}

/// The TUI commands stop here, before starting a server, when there is no terminal to run in.
fn needs_terminal() -> anyhow::Result<()> {
    match app::terminal::unavailable() {
        Some(why) => Err(anyhow::anyhow!(why)),
        None => Ok(()),
    }
}

/// The first screen for a screen command (and the dashboard's refresh override).
fn start_screen(
    command: &Command,
    project: Option<String>,
    messages: &mut Vec<String>,
) -> (ScreenRequest, Option<u64>) {
    let need_project = |what: &str, messages: &mut Vec<String>| {
        messages.push(format!(
            "`{what}` needs a project: pick one here, or pass --project NAME (or set OPIK_PROJECT_NAME)"
        ));
        ScreenRequest::Projects
    };
    match command {
        Command::Traces => match project {
            Some(project) => (ScreenRequest::Traces { project }, None),
            None => (need_project("traces", messages), None),
        },
        Command::Threads => match project {
            Some(project) => (ScreenRequest::Threads { project }, None),
            None => (need_project("threads", messages), None),
        },
        Command::Queues => (ScreenRequest::Queues, None),
        Command::Dashboard { refresh } => (ScreenRequest::Dashboard { project }, *refresh),
        Command::Annotate { queue } => (
            ScreenRequest::Annotate {
                queue: queue.clone(),
            },
            None,
        ),
        _ => (ScreenRequest::Projects, None),
    }
}

async fn run_tui(
    cli: &Cli,
    conn: config::Connection,
    start: ScreenRequest,
    refresh: Option<u64>,
    mut messages: Vec<String>,
    embedded: bool,
) -> anyhow::Result<ExitCode> {
    let env = |k: &str| std::env::var(k).ok();
    let settings_path = settings::settings_path(&env);
    let (settings, problem) = settings::load(settings_path.as_deref());
    messages.extend(problem);
    let theme_dir = settings::theme_dir();
    let colorterm = std::env::var("COLORTERM").ok();
    let theme_name = cli
        .theme
        .clone()
        .or_else(|| settings.theme.clone())
        .unwrap_or_else(|| Theme::default_name(colorterm.as_deref()).to_string());
    let theme = match Theme::by_name(&theme_name, theme_dir.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            messages.push(format!("{e} — using the default theme"));
            Theme::builtin(Theme::default_name(colorterm.as_deref())).unwrap_or_else(Theme::dark)
        }
    };
    let client = OpikClient::new(&conn)?;
    // Open the outbox before the app does (same shared handle) to report damage found in it.
    if let Ok(outbox) = Outbox::for_client(None, &client)
        && let Some(damage) = outbox.damage()
    {
        messages.push(damage.message());
    }
    let r = app::run(AppOptions {
        client,
        url: conn.base_url.clone(),
        workspace: conn.workspace.clone(),
        project: conn.project.clone(),
        keys: settings.keys.clone(),
        theme,
        theme_dir,
        refresh_secs: refresh.or(settings.refresh_seconds),
        messages,
        start,
        conversation_keys: settings.conversation_keys.clone(),
        embedded,
    })
    .await;
    // Release the delivery leases so the next start sends what still waits at once.
    Outbox::shutdown_all();
    r?;
    Ok(ExitCode::SUCCESS)
}
