//! App settings: a TOML file in the platform config dir (`~/.config/opik-tui/settings.toml`
//! on Linux; `OPIK_TUI_SETTINGS` points elsewhere). Separate from the Opik connection
//! ([`crate::config`]), which follows the SDKs' rules.
//!
//! ```toml
//! theme = "dark"            # a built-in or a file in <config>/themes/
//! refresh_seconds = 2       # live tail / dashboard refresh
//! [keys]                    # keymap overrides, parsed by the TUI (app::keymap)
//! j = "down"
//! "traces.L" = "live_tail"
//! [conversation_keys]       # metadata keys that identify a conversation, per project
//! default = ["conversation_id", "session_id"]
//! "my-project" = ["chat_id"]
//! ```
//!
//! A bad file never stops the app: [`load`] returns the defaults plus a message naming the
//! file and the line, which the TUI shows as a toast.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Environment variable that overrides the settings file path.
pub const SETTINGS_ENV: &str = "OPIK_TUI_SETTINGS";

/// The parsed settings; every field is optional so an empty file is valid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Theme name (`--theme` wins).
    pub theme: Option<String>,
    /// Refresh interval for live views, in seconds (`dashboard --refresh` wins).
    pub refresh_seconds: Option<u64>,
    /// Keymap overrides: key → action name (or `"context.key"` → action).
    pub keys: BTreeMap<String, String>,
    /// The metadata keys that identify a conversation (tried in order when a project has no
    /// Opik threads, cycled by `b`), per project name, with `default` for all others; see
    /// [`crate::opik::conversations::keys_for`].
    pub conversation_keys: BTreeMap<String, Vec<String>>,
}

impl Settings {
    /// The conversation keys for a project: its own entry, else `default`, else none.
    pub fn conversation_keys_for(&self, project: &str) -> Option<&[String]> {
        self.conversation_keys
            .get(project)
            .or_else(|| self.conversation_keys.get("default"))
            .map(Vec::as_slice)
    }
}

/// The platform directories of the app (`None` when the OS reports no home).
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "opik-tui")
}

/// The platform config dir (`~/.config/opik-tui` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().to_path_buf())
}

/// Where user themes live: `<config dir>/themes`.
pub fn theme_dir() -> Option<PathBuf> {
    config_dir().map(|d| d.join("themes"))
}

/// The settings file path: `$OPIK_TUI_SETTINGS`, else `<config dir>/settings.toml`.
pub fn settings_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(p) = env(SETTINGS_ENV).filter(|p| !p.trim().is_empty()) {
        return Some(PathBuf::from(p));
    }
    config_dir().map(|d| d.join("settings.toml"))
}

/// Parse settings text. On error: a message naming `path`, the line and what is wrong.
pub fn parse(text: &str, path: &Path) -> Result<Settings, String> {
    toml::from_str::<Settings>(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let msg = e.message().trim().to_string();
        match line {
            Some(l) => format!(
                "settings file {} line {l}: {msg} — using defaults for now; fix the file",
                path.display()
            ),
            None => format!(
                "settings file {}: {msg} — using defaults for now; fix the file",
                path.display()
            ),
        }
    })
}

/// Load the settings at `path`. A missing file gives the defaults silently; an unreadable or
/// invalid one gives the defaults and a message.
pub fn load(path: Option<&Path>) -> (Settings, Option<String>) {
    let Some(path) = path else {
        return (Settings::default(), None);
    };
    match std::fs::read_to_string(path) {
        Ok(text) => match parse(&text, path) {
            Ok(s) => (s, None),
            Err(msg) => (Settings::default(), Some(msg)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
        Err(e) => (
            Settings::default(),
            Some(format!(
                "cannot read settings file {}: {e} — using defaults",
                path.display()
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file() {
        let text = r#"
theme = "light"
refresh_seconds = 5
[keys]
j = "down"
"traces.L" = "live_tail"
[conversation_keys]
default = ["messages"]
"my project" = ["question", "answer"]
"#;
        let s = parse(text, Path::new("/x/settings.toml")).unwrap();
        assert_eq!(s.theme.as_deref(), Some("light"));
        assert_eq!(s.refresh_seconds, Some(5));
        assert_eq!(s.keys["traces.L"], "live_tail");
        assert_eq!(
            s.conversation_keys_for("my project").unwrap(),
            ["question", "answer"]
        );
        assert_eq!(s.conversation_keys_for("other").unwrap(), ["messages"]);
        assert_eq!(parse("", Path::new("x")).unwrap(), Settings::default());
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let text = "theme = \"dark\"\nrefresh_seconds = \"soon\"\n";
        let e = parse(text, Path::new("/cfg/settings.toml")).unwrap_err();
        assert!(
            e.starts_with("settings file /cfg/settings.toml line 2: "),
            "{e}"
        );
        let e = parse("theme = \"dark\"\n\n[keys\n", Path::new("s.toml")).unwrap_err();
        assert!(e.contains("line 3"), "{e}");
        let e = parse("colour = 1\n", Path::new("s.toml")).unwrap_err();
        assert!(e.contains("unknown field `colour`"), "{e}");
    }

    #[test]
    fn load_falls_back_to_defaults_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        assert_eq!(load(Some(&missing)), (Settings::default(), None));
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "theme = [").unwrap();
        let (s, msg) = load(Some(&bad));
        assert_eq!(s, Settings::default());
        assert!(msg.unwrap().contains(&bad.display().to_string()));
        let good = dir.path().join("good.toml");
        std::fs::write(&good, "theme = \"ansi16\"").unwrap();
        assert_eq!(load(Some(&good)).0.theme.as_deref(), Some("ansi16"));
    }
}
