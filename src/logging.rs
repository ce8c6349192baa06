//! Logging: `tracing` events go to a file (never to the terminal while the TUI runs), by
//! default `<state dir>/opik-tui.log` (`~/.local/state/opik-tui/opik-tui.log` on Linux; the
//! data dir where the OS has no state dir), or `--log-file`. `OPIK_TUI_LOG` sets the filter
//! (`info` by default, e.g. `debug` or `opik_tui=trace`). The headless `serve` command may
//! also log to stderr.

use std::path::{Path, PathBuf};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Environment variable with the log filter.
pub const LOG_ENV: &str = "OPIK_TUI_LOG";

/// Keeps the background log writer alive; drop it at exit to flush.
pub struct LogGuard {
    _guard: Option<tracing_appender::non_blocking::WorkerGuard>,
    /// The file being written, when logging to a file.
    pub path: Option<PathBuf>,
}

/// The default log file path.
pub fn default_log_path() -> Option<PathBuf> {
    let dirs = crate::settings::project_dirs()?;
    let dir = dirs
        .state_dir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dirs.data_local_dir().to_path_buf());
    Some(dir.join("opik-tui.log"))
}

/// Start logging to `file` (or the default path). With `also_stderr`, events are written to
/// stderr too (for `serve`). If the file cannot be opened, returns a message saying so and
/// logs to stderr only when `also_stderr`, otherwise nowhere.
pub fn init(file: Option<&Path>, also_stderr: bool) -> (LogGuard, Option<String>) {
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    let path = file.map(Path::to_path_buf).or_else(default_log_path);
    let opened = path
        .as_ref()
        .map(|p| open_append(p).map(|f| (p.clone(), f)));
    match opened {
        Some(Ok((p, f))) => {
            let (writer, guard) = tracing_appender::non_blocking(f);
            let builder = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false);
            let res = if also_stderr {
                builder.with_writer(writer.and(clean_stderr)).try_init()
            } else {
                builder.with_writer(writer).try_init()
            };
            let _ = res;
            (
                LogGuard {
                    _guard: Some(guard),
                    path: Some(p),
                },
                None,
            )
        }
        other => {
            let msg = match other {
                Some(Err(e)) => Some(e),
                _ => Some("no log directory could be determined; not logging to a file".into()),
            };
            if also_stderr {
                let _ = tracing_subscriber::fmt()
                    .with_env_filter(filter)
                    .with_ansi(false)
                    .with_writer(clean_stderr)
                    .try_init();
            }
            (
                LogGuard {
                    _guard: None,
                    path: None,
                },
                msg,
            )
        }
    }
}

/// A terminal writer for log lines: values in them (names, paths, URLs) may carry escape
/// sequences, which are removed before they reach the terminal. Each event arrives in one
/// write.
struct Clean<W>(W);

impl<W: std::io::Write> std::io::Write for Clean<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0
            .write_all(crate::render::sanitize::sanitize(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn clean_stderr() -> Clean<std::io::Stderr> {
    Clean(std::io::stderr())
}

fn open_append(p: &Path) -> Result<std::fs::File, String> {
    if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_fs::prepare(p)
            .map_err(|e| format!("cannot create log directory {}: {e}", dir.display()))?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(p)
        .map_err(|e| format!("cannot open log file {}: {e} (set --log-file)", p.display()))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    #[test]
    fn log_lines_reach_the_terminal_without_escape_sequences() {
        let mut out = super::Clean(Vec::new());
        let line = "INFO project \u{1b}]0;title\u{7}p\u{1b}]52;c;eA==\u{1b}\\ created\n";
        out.write_all(line.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            "INFO project p created\n"
        );
    }
}
