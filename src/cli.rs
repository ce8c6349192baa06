//! The command line (clap derive): global connection options and one subcommand per screen,
//! plus `serve`, `demo`, `config`, and `completions` / `man` (see [`crate::completions`]).
//! `main.rs` turns a parsed [`Cli`] into a run.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::FlagValues;

/// A fast terminal UI for Opik (LLM traces, threads, annotation queues, dashboards), with an
/// embedded Opik-compatible server.
///
/// Connection settings are resolved like the Opik SDKs do: flags, then OPIK_URL_OVERRIDE /
/// OPIK_API_KEY / OPIK_WORKSPACE / OPIK_PROJECT_NAME, then ~/.opik.config (OPIK_CONFIG_PATH).
/// With no URL configured anywhere, an embedded local server is used.
#[derive(Debug, Parser)]
#[command(name = "opik-tui", version, about, long_about)]
pub struct Cli {
    /// Opik URL, e.g. http://localhost:5173 (with or without /api)
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
    /// Opik workspace [default: default]
    #[arg(long, global = true, value_name = "NAME")]
    pub workspace: Option<String>,
    /// Opik API key (sent raw in the authorization header); with `serve`, the key the
    /// server requires
    #[arg(long, global = true, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Project to open screens on
    #[arg(long, global = true, value_name = "NAME")]
    pub project: Option<String>,
    /// Colour theme: dark, light, high-contrast, ansi16, or a file name in the themes dir
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Write logs here instead of the default state dir
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, PartialEq, Subcommand)]
pub enum Command {
    /// Browse projects (the default)
    Projects,
    /// Browse the traces of --project
    Traces,
    /// Browse the conversation threads of --project
    Threads,
    /// List annotation queues
    Queues,
    /// Live dashboard of --project (or all projects)
    Dashboard {
        /// Refresh interval in seconds
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86400))]
        refresh: Option<u64>,
    },
    /// Annotate the items of an annotation queue (by name or id)
    Annotate {
        /// Queue name or id; without it, pick one from the list
        queue: Option<String>,
    },
    /// Run the embedded Opik-compatible server headless (log with the Opik SDK into it)
    Serve {
        /// Address to listen on (a non-loopback address requires --api-key)
        #[arg(long, default_value = "127.0.0.1:5173", value_name = "ADDR")]
        bind: SocketAddr,
        /// SQLite database file [default: <data dir>/opik-tui.db]
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// Users file (one `name = key` per line) for per-annotator keys
        #[arg(long, value_name = "FILE")]
        users: Option<PathBuf>,
        /// Let web pages from this origin (e.g. http://localhost:3000) call the server;
        /// repeatable. Other pages' requests are refused
        #[arg(long, value_name = "URL")]
        allow_origin: Vec<String>,
        /// Largest attachment upload accepted, in MiB (uploads are streamed to disk)
        #[arg(long, default_value_t = 100, value_name = "MIB")]
        max_attachment_mb: u64,
    },
    /// Open the TUI on an embedded server filled with demo data
    Demo,
    /// Print the resolved connection and where each value came from (API key masked)
    Config,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout
    Completions {
        /// The shell to complete for
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout
    Man,
}

impl Cli {
    /// The connection flags, for [`crate::config::resolve`].
    pub fn flags(&self) -> FlagValues {
        FlagValues {
            url: self.url.clone(),
            workspace: self.workspace.clone(),
            api_key: self.api_key.clone(),
            project: self.project.clone(),
        }
    }

    /// The subcommand, `projects` when none was given.
    pub fn subcommand(&self) -> Command {
        self.command.clone().unwrap_or(Command::Projects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        <Cli as CommandFactory>::command().debug_assert();
    }

    #[test]
    fn default_subcommand_is_projects_and_globals_go_anywhere() {
        let c = Cli::try_parse_from(["opik-tui"]).unwrap();
        assert_eq!(c.subcommand(), Command::Projects);
        let c =
            Cli::try_parse_from(["opik-tui", "traces", "--project", "p", "--url", "h:1"]).unwrap();
        assert_eq!(c.subcommand(), Command::Traces);
        assert_eq!(c.project.as_deref(), Some("p"));
        assert_eq!(c.flags().url.as_deref(), Some("h:1"));
        let c = Cli::try_parse_from([
            "opik-tui",
            "serve",
            "--api-key",
            "k",
            "--bind",
            "0.0.0.0:80",
        ])
        .unwrap();
        assert_eq!(c.api_key.as_deref(), Some("k"));
        assert!(matches!(c.subcommand(), Command::Serve { bind, .. } if bind.port() == 80));
        let c = Cli::try_parse_from(["opik-tui", "annotate", "my queue"]).unwrap();
        assert_eq!(
            c.subcommand(),
            Command::Annotate {
                queue: Some("my queue".into())
            }
        );
        let c = Cli::try_parse_from(["opik-tui", "dashboard", "--refresh", "5"]).unwrap();
        assert_eq!(c.subcommand(), Command::Dashboard { refresh: Some(5) });
        let c = Cli::try_parse_from(["opik-tui", "completions", "zsh"]).unwrap();
        assert_eq!(
            c.subcommand(),
            Command::Completions {
                shell: clap_complete::Shell::Zsh
            }
        );
    }

    #[test]
    fn invalid_arguments_are_rejected() {
        assert!(Cli::try_parse_from(["opik-tui", "dashboard", "--refresh", "0"]).is_err());
        assert!(Cli::try_parse_from(["opik-tui", "serve", "--bind", "nope"]).is_err());
        assert!(Cli::try_parse_from(["opik-tui", "bogus"]).is_err());
        assert!(Cli::try_parse_from(["opik-tui", "completions", "tcsh"]).is_err());
        assert!(Cli::try_parse_from(["opik-tui", "completions"]).is_err());
        assert!(Cli::try_parse_from(["opik-tui", "--frobnicate"]).is_err());
    }
}
