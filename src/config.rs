//! Connection configuration, resolved exactly as the Opik SDKs resolve it.
//!
//! Order, first match wins: command-line flags, then the environment (`OPIK_URL_OVERRIDE`,
//! `OPIK_API_KEY`, `OPIK_WORKSPACE`, `OPIK_PROJECT_NAME`; `OPIK_CONFIG_PATH` moves the file),
//! then `~/.opik.config` (INI, section `[opik]`, keys `url_override`, `api_key`, `workspace`,
//! `project_name`), then defaults. The source of every value is recorded so `opik-tui config`
//! can say where it came from. The resolver never reads the process environment or the real
//! home directory itself: callers pass both in ([`ConfigInputs`]), which keeps it testable.
//!
//! With no URL anywhere (and no API key) the app runs against its embedded local server; that
//! is what [`Connection::is_explicit`] reports to `main`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The default local Opik address (what the SDK calls `OPIK_URL_LOCAL`).
pub const OPIK_URL_LOCAL: &str = "http://localhost:5173/api";
/// Opik Cloud, the SDK's default when an API key is configured without a URL.
pub const OPIK_URL_CLOUD: &str = "https://www.comet.com/opik/api";
/// The workspace every SDK uses when none is configured.
pub const DEFAULT_WORKSPACE: &str = "default";

/// Everything the REST client needs to talk to one Opik.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Normalised base URL: `http(s)://host[:port][/prefix]/api`, without a trailing `/`.
    pub base_url: String,
    /// Sent raw in the `authorization` header when set.
    pub api_key: Option<String>,
    /// Sent in the `Comet-Workspace` header.
    pub workspace: String,
    /// The project to scope screens to (`--project` / `OPIK_PROJECT_NAME`).
    pub project: Option<String>,
    /// Whether a URL (or an API key, which implies one) was configured anywhere.
    pub explicit: bool,
}

impl Connection {
    /// A connection to `url` (normalised) in the default workspace, without a key.
    pub fn new(url: &str) -> Result<Connection, ConfigError> {
        Ok(Connection {
            base_url: normalize_url(url).map_err(|reason| ConfigError::BadUrl {
                value: url.to_string(),
                origin: Source::Default,
                reason,
            })?,
            api_key: None,
            workspace: DEFAULT_WORKSPACE.into(),
            project: None,
            explicit: true,
        })
    }

    /// Whether any URL was configured (flag, env, file, or derived from an API key). When it
    /// is `false`, `main` starts the embedded server and points the client at it.
    pub fn is_explicit(&self) -> bool {
        self.explicit
    }

    /// The API key masked for display: `****` plus its last four characters when it is long
    /// enough to keep those secret-safe.
    pub fn masked_api_key(&self) -> Option<String> {
        self.api_key.as_deref().map(mask_key)
    }
}

/// Mask an API key for display.
pub fn mask_key(key: &str) -> String {
    let n = key.chars().count();
    if n >= 12 {
        let tail: String = key.chars().skip(n - 4).collect();
        format!("****{tail} ({n} chars)")
    } else {
        format!("**** ({n} chars)")
    }
}

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag (its name, e.g. `--url`).
    Flag(&'static str),
    /// An environment variable (its name).
    Env(&'static str),
    /// The INI config file (its path).
    File(PathBuf),
    /// Derived from the API key (Opik Cloud keys may embed their base URL).
    ApiKey,
    /// The built-in default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(name) => write!(f, "flag {name}"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::ApiKey => write!(f, "derived from the API key"),
            Source::Default => write!(f, "default"),
        }
    }
}

/// A resolved value and its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// Values given on the command line (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagValues {
    pub url: Option<String>,
    pub workspace: Option<String>,
    pub api_key: Option<String>,
    pub project: Option<String>,
}

/// Everything the resolver reads: flags, an environment map and the home directory.
#[derive(Debug, Clone, Default)]
pub struct ConfigInputs {
    pub flags: FlagValues,
    pub env: HashMap<String, String>,
    /// Where `~` points (for `~/.opik.config` and `~` in `OPIK_CONFIG_PATH`).
    pub home: Option<PathBuf>,
}

impl ConfigInputs {
    /// Inputs from the real process environment and home directory.
    pub fn from_process(flags: FlagValues) -> ConfigInputs {
        ConfigInputs {
            flags,
            env: std::env::vars().collect(),
            home: directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()),
        }
    }
}

/// The outcome of resolution: the connection, where each value came from, and warnings
/// (e.g. an unreadable config file) that did not stop resolution.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub connection: Connection,
    pub url: Sourced<String>,
    pub api_key: Option<Sourced<String>>,
    pub workspace: Sourced<String>,
    pub project: Option<Sourced<String>>,
    /// The INI file consulted (whether or not it exists).
    pub config_file: Option<PathBuf>,
    /// Problems worth interrupting for (an unreadable or broken config file): the TUI shows
    /// them as toasts.
    pub warnings: Vec<String>,
    /// Things `opik-tui config` and the log mention but the TUI does not (a missing
    /// `OPIK_CONFIG_PATH` file, which the SDK only warns about too).
    pub notes: Vec<String>,
}

impl Resolved {
    /// The report `opik-tui config` prints: one value per line with its source; the API key
    /// masked.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let url_note = if self.connection.explicit {
            if self.url.source == Source::Default {
                " (an API key without a URL means Opik Cloud, as in the SDK)".to_string()
            } else {
                String::new()
            }
        } else {
            " (no URL configured: the embedded local server is used)".to_string()
        };
        out.push_str(&format!(
            "url        {}  [{}]{}\n",
            self.url.value, self.url.source, url_note
        ));
        out.push_str(&format!(
            "workspace  {}  [{}]\n",
            self.workspace.value, self.workspace.source
        ));
        match &self.api_key {
            Some(k) => out.push_str(&format!(
                "api_key    {}  [{}]\n",
                mask_key(&k.value),
                k.source
            )),
            None => out.push_str("api_key    (not set)\n"),
        }
        match &self.project {
            Some(p) => out.push_str(&format!("project    {}  [{}]\n", p.value, p.source)),
            None => out.push_str("project    (not set: all projects)\n"),
        }
        if let Some(p) = &self.config_file {
            let state = if p.exists() { "" } else { " (not found)" };
            out.push_str(&format!("config     {}{}\n", p.display(), state));
        }
        for w in &self.warnings {
            out.push_str(&format!("warning    {w}\n"));
        }
        for n in &self.notes {
            out.push_str(&format!("note       {n}\n"));
        }
        out
    }
}

/// A configuration problem that prevents connecting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid Opik URL `{value}` (from {origin}): {reason}")]
    BadUrl {
        value: String,
        origin: Source,
        reason: String,
    },
}

/// Normalise an Opik base URL so it works with or without a trailing `/` and with or without
/// the `/api` suffix: `http://h:5173`, `http://h:5173/`, `http://h:5173/api/` all become
/// `http://h:5173/api`. A URL without a scheme gets `http://`.
pub fn normalize_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("it is empty; expected something like http://localhost:5173/api".into());
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("http://{trimmed}")
    };
    let parsed = url::Url::parse(&with_scheme)
        .map_err(|e| format!("{e}; expected something like http://localhost:5173/api"))?;
    if parsed.scheme() != "http" && parsed.scheme() != "https" {
        return Err(format!(
            "unsupported scheme `{}`; use http:// or https://",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(|h| h.is_empty()) {
        return Err("it has no host; expected something like http://localhost:5173/api".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "it must not carry user:password@; pass the API key with --api-key or OPIK_API_KEY"
                .into(),
        );
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("it must not carry a query (?…) or fragment (#…)".into());
    }
    let mut s = parsed.to_string();
    while s.ends_with('/') {
        s.pop();
    }
    if !s.ends_with("/api") {
        s.push_str("/api");
    }
    Ok(s)
}

/// The values found in an INI config file's `[opik]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileValues {
    pub url_override: Option<String>,
    pub api_key: Option<String>,
    pub workspace: Option<String>,
    pub project_name: Option<String>,
}

/// Parse the text of an Opik INI config file (as Python's `configparser` reads it: keys are
/// case-insensitive, `=` or `:` separate, no escapes). Only the `[opik]` section is used.
pub fn parse_config_file(text: &str) -> Result<FileValues, String> {
    let opts = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        ..Default::default()
    };
    let parsed = ini::Ini::load_from_str_opt(text, opts).map_err(|e| e.to_string())?;
    let mut out = FileValues::default();
    for (section, props) in parsed.iter() {
        if !section.is_some_and(|s| s.trim().eq_ignore_ascii_case("opik")) {
            continue;
        }
        for (k, v) in props.iter() {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let slot = match k.trim().to_ascii_lowercase().as_str() {
                "url_override" => &mut out.url_override,
                "api_key" => &mut out.api_key,
                "workspace" => &mut out.workspace,
                "project_name" => &mut out.project_name,
                _ => continue,
            };
            *slot = Some(v.to_string());
        }
    }
    Ok(out)
}

fn expand_tilde(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    }
}

fn nonblank(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// If an Opik Cloud API key embeds its base URL (`<key>*<base64 JSON {"baseUrl": …}>`),
/// return `<baseUrl>/opik/api`, as the SDK does.
pub fn url_from_api_key(key: &str) -> Option<String> {
    use base64::Engine;
    let mut parts = key.split('*');
    let _short = parts.next()?;
    let encoded = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let bytes = engines.iter().find_map(|e| e.decode(encoded.trim()).ok())?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let base = json.get("baseUrl")?.as_str()?.trim().trim_end_matches('/');
    if base.is_empty() {
        return None;
    }
    Some(format!("{base}/opik/api"))
}

/// Resolve the connection: flags > env > config file > defaults.
pub fn resolve(inputs: &ConfigInputs) -> Result<Resolved, ConfigError> {
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    let env = |name: &str| nonblank(inputs.env.get(name));

    // The config file: OPIK_CONFIG_PATH or ~/.opik.config.
    let (config_path, path_is_custom) = match env("OPIK_CONFIG_PATH") {
        Some(p) => (Some(expand_tilde(&p, inputs.home.as_deref())), true),
        None => (inputs.home.as_ref().map(|h| h.join(".opik.config")), false),
    };
    let file = match &config_path {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => match parse_config_file(&text) {
                Ok(v) => v,
                Err(e) => {
                    warnings.push(format!(
                        "ignoring config file {}: {e} (fix or remove it; flags and OPIK_* variables still apply)",
                        path.display()
                    ));
                    FileValues::default()
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if path_is_custom {
                    notes.push(format!(
                        "config file not found at {} (set by OPIK_CONFIG_PATH)",
                        path.display()
                    ));
                }
                FileValues::default()
            }
            Err(e) => {
                warnings.push(format!("cannot read config file {}: {e}", path.display()));
                FileValues::default()
            }
        },
        None => FileValues::default(),
    };
    let file_src = || Source::File(config_path.clone().unwrap_or_default());

    let pick = |flag: &Option<String>,
                flag_name: &'static str,
                env_name: &'static str,
                file_val: &Option<String>|
     -> Option<Sourced<String>> {
        if let Some(v) = nonblank(flag.as_ref()) {
            return Some(Sourced {
                value: v,
                source: Source::Flag(flag_name),
            });
        }
        if let Some(v) = env(env_name) {
            return Some(Sourced {
                value: v,
                source: Source::Env(env_name),
            });
        }
        nonblank(file_val.as_ref()).map(|v| Sourced {
            value: v,
            source: file_src(),
        })
    };

    let f = &inputs.flags;
    let api_key = pick(&f.api_key, "--api-key", "OPIK_API_KEY", &file.api_key);
    let workspace = pick(
        &f.workspace,
        "--workspace",
        "OPIK_WORKSPACE",
        &file.workspace,
    )
    .unwrap_or(Sourced {
        value: DEFAULT_WORKSPACE.into(),
        source: Source::Default,
    });
    let project = pick(
        &f.project,
        "--project",
        "OPIK_PROJECT_NAME",
        &file.project_name,
    );
    let url_given = pick(&f.url, "--url", "OPIK_URL_OVERRIDE", &file.url_override);

    let (url_raw, explicit) = match url_given {
        Some(u) => (u, true),
        None => match &api_key {
            Some(k) => match url_from_api_key(&k.value) {
                Some(u) => (
                    Sourced {
                        value: u,
                        source: Source::ApiKey,
                    },
                    true,
                ),
                None => (
                    Sourced {
                        value: OPIK_URL_CLOUD.into(),
                        source: Source::Default,
                    },
                    true,
                ),
            },
            None => (
                Sourced {
                    value: OPIK_URL_LOCAL.into(),
                    source: Source::Default,
                },
                false,
            ),
        },
    };
    let base_url = normalize_url(&url_raw.value).map_err(|reason| ConfigError::BadUrl {
        value: url_raw.value.clone(),
        origin: url_raw.source.clone(),
        reason,
    })?;

    Ok(Resolved {
        connection: Connection {
            base_url: base_url.clone(),
            api_key: api_key.as_ref().map(|k| k.value.clone()),
            workspace: workspace.value.clone(),
            project: project.as_ref().map(|p| p.value.clone()),
            explicit,
        },
        url: Sourced {
            value: base_url,
            source: url_raw.source,
        },
        api_key,
        workspace,
        project,
        config_file: config_path,
        warnings,
        notes,
    })
}
