//! Connection resolution exactly as the Opik SDKs do it: flags > environment >
//! `~/.opik.config` (or `OPIK_CONFIG_PATH`) > defaults, with the source of each value; URL
//! normalisation; bad files never stop resolution. Uses a temporary home, never the real one.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::PathBuf;

use opik_tui::config::{
    self, ConfigInputs, FlagValues, OPIK_URL_CLOUD, OPIK_URL_LOCAL, Source, normalize_url,
};

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(config: Option<&str>) -> Home {
        let dir = tempfile::tempdir().unwrap();
        if let Some(text) = config {
            std::fs::write(dir.path().join(".opik.config"), text).unwrap();
        }
        Home { dir }
    }
    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
    fn inputs(&self, flags: FlagValues, env: &[(&str, &str)]) -> ConfigInputs {
        ConfigInputs {
            flags,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
            home: Some(self.path()),
        }
    }
}

const FILE: &str = "[opik]\nurl_override = http://file-host:5173/api/\napi_key = file-key-0123456789\nworkspace = file-ws\nproject_name = file-project\n";

#[test]
fn defaults_when_nothing_is_configured_use_the_embedded_server() {
    let home = Home::new(None);
    let r = config::resolve(&home.inputs(FlagValues::default(), &[])).unwrap();
    assert_eq!(r.connection.base_url, OPIK_URL_LOCAL);
    assert!(!r.connection.is_explicit());
    assert_eq!(r.connection.workspace, "default");
    assert_eq!(r.connection.api_key, None);
    assert_eq!(r.connection.project, None);
    assert_eq!(r.url.source, Source::Default);
    assert!(r.warnings.is_empty());
    assert!(
        r.report().contains("embedded local server"),
        "{}",
        r.report()
    );
}

#[test]
fn file_values_apply_and_are_attributed_to_the_file() {
    let home = Home::new(Some(FILE));
    let r = config::resolve(&home.inputs(FlagValues::default(), &[])).unwrap();
    let file = home.path().join(".opik.config");
    assert_eq!(r.connection.base_url, "http://file-host:5173/api");
    assert!(r.connection.is_explicit());
    assert_eq!(r.connection.api_key.as_deref(), Some("file-key-0123456789"));
    assert_eq!(r.connection.workspace, "file-ws");
    assert_eq!(r.connection.project.as_deref(), Some("file-project"));
    assert_eq!(r.url.source, Source::File(file.clone()));
    assert_eq!(r.workspace.source, Source::File(file));
}

#[test]
fn env_beats_file_and_flags_beat_env() {
    let home = Home::new(Some(FILE));
    let env = [
        ("OPIK_URL_OVERRIDE", "http://env-host:8080"),
        ("OPIK_API_KEY", "env-key-0123456789"),
        ("OPIK_WORKSPACE", "env-ws"),
    ];
    let r = config::resolve(&home.inputs(FlagValues::default(), &env)).unwrap();
    assert_eq!(r.connection.base_url, "http://env-host:8080/api");
    assert_eq!(r.url.source, Source::Env("OPIK_URL_OVERRIDE"));
    assert_eq!(r.connection.api_key.as_deref(), Some("env-key-0123456789"));
    assert_eq!(r.connection.workspace, "env-ws");
    // Not in env: still from the file.
    assert_eq!(r.connection.project.as_deref(), Some("file-project"));

    let flags = FlagValues {
        url: Some("https://flag-host/opik/api/".into()),
        workspace: Some("flag-ws".into()),
        api_key: None,
        project: Some("flag-project".into()),
    };
    let r = config::resolve(&home.inputs(flags, &env)).unwrap();
    assert_eq!(r.connection.base_url, "https://flag-host/opik/api");
    assert_eq!(r.url.source, Source::Flag("--url"));
    assert_eq!(r.connection.workspace, "flag-ws");
    assert_eq!(r.workspace.source, Source::Flag("--workspace"));
    assert_eq!(r.connection.project.as_deref(), Some("flag-project"));
    assert_eq!(
        r.api_key.as_ref().unwrap().source,
        Source::Env("OPIK_API_KEY")
    );
}

#[test]
fn blank_values_count_as_unset() {
    let home = Home::new(Some("[opik]\nworkspace =\n"));
    let flags = FlagValues {
        url: Some("  ".into()),
        ..FlagValues::default()
    };
    let r = config::resolve(&home.inputs(flags, &[("OPIK_WORKSPACE", "")])).unwrap();
    assert!(!r.connection.is_explicit());
    assert_eq!(r.connection.workspace, "default");
}

#[test]
fn opik_config_path_moves_the_file_and_expands_tilde() {
    let home = Home::new(Some("[opik]\nworkspace = home-file\n"));
    std::fs::create_dir_all(home.path().join("cfg")).unwrap();
    std::fs::write(
        home.path().join("cfg/other.ini"),
        "[OPIK]\nWorkspace: other-file\n",
    )
    .unwrap();
    let r = config::resolve(&home.inputs(
        FlagValues::default(),
        &[("OPIK_CONFIG_PATH", "~/cfg/other.ini")],
    ))
    .unwrap();
    assert_eq!(r.connection.workspace, "other-file");
    assert_eq!(r.config_file, Some(home.path().join("cfg/other.ini")));

    let r = config::resolve(&home.inputs(
        FlagValues::default(),
        &[("OPIK_CONFIG_PATH", "/nonexistent/opik.ini")],
    ))
    .unwrap();
    assert_eq!(r.connection.workspace, "default");
    assert!(r.warnings.is_empty(), "not worth a toast: {:?}", r.warnings);
    assert!(
        r.notes[0].contains("config file not found at /nonexistent/opik.ini"),
        "{:?}",
        r.notes
    );
    assert!(r.report().contains("note       config file not found"));
}

#[test]
fn a_broken_config_file_warns_and_resolution_continues() {
    let home = Home::new(Some("[opik\nurl_override = http://x\n"));
    let r =
        config::resolve(&home.inputs(FlagValues::default(), &[("OPIK_WORKSPACE", "still-works")]))
            .unwrap();
    assert_eq!(r.connection.workspace, "still-works");
    assert!(
        r.warnings[0].starts_with(&format!(
            "ignoring config file {}",
            home.path().join(".opik.config").display()
        )),
        "{:?}",
        r.warnings
    );
}

#[test]
fn other_sections_are_ignored() {
    let home = Home::new(Some(
        "[comet]\napi_key = nope\n[opik]\n# comment\n; another\nurl_override = localhost:5173\n",
    ));
    let r = config::resolve(&home.inputs(FlagValues::default(), &[])).unwrap();
    assert_eq!(r.connection.api_key, None);
    assert_eq!(r.connection.base_url, "http://localhost:5173/api");
}

#[test]
fn api_key_without_url_means_opik_cloud_or_the_url_inside_the_key() {
    let home = Home::new(None);
    let r = config::resolve(&home.inputs(FlagValues::default(), &[("OPIK_API_KEY", "plainkey")]))
        .unwrap();
    assert_eq!(r.connection.base_url, OPIK_URL_CLOUD);
    assert!(r.connection.is_explicit());

    use base64::Engine;
    let attrs = base64::engine::general_purpose::STANDARD
        .encode(r#"{"baseUrl": "https://opik.example.com/"}"#);
    let key = format!("shortkey*{attrs}");
    let r =
        config::resolve(&home.inputs(FlagValues::default(), &[("OPIK_API_KEY", &key)])).unwrap();
    assert_eq!(r.connection.base_url, "https://opik.example.com/opik/api");
    assert_eq!(r.url.source, Source::ApiKey);
}

#[test]
fn report_masks_the_api_key_and_names_sources() {
    let home = Home::new(Some(FILE));
    let r = config::resolve(&home.inputs(FlagValues::default(), &[])).unwrap();
    let report = r.report();
    assert!(!report.contains("file-key-0123456789"), "{report}");
    assert!(report.contains("****6789 (19 chars)"), "{report}");
    assert!(
        report.contains("http://file-host:5173/api  [file "),
        "{report}"
    );
}

#[test]
fn bad_urls_fail_with_the_source_named() {
    let home = Home::new(None);
    let flags = FlagValues {
        url: Some("ftp://host".into()),
        ..FlagValues::default()
    };
    let err = config::resolve(&home.inputs(flags, &[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid Opik URL `ftp://host` (from flag --url): unsupported scheme `ftp`; use http:// or https://"
    );
}

#[test]
fn url_normalisation() {
    for (input, want) in [
        ("http://localhost:5173", "http://localhost:5173/api"),
        ("http://localhost:5173/", "http://localhost:5173/api"),
        ("http://localhost:5173/api", "http://localhost:5173/api"),
        ("http://localhost:5173/api/", "http://localhost:5173/api"),
        (
            "  http://localhost:5173/api//  ",
            "http://localhost:5173/api",
        ),
        ("localhost:5173", "http://localhost:5173/api"),
        (
            "https://www.comet.com/opik/api/",
            "https://www.comet.com/opik/api",
        ),
        (
            "https://www.comet.com/opik",
            "https://www.comet.com/opik/api",
        ),
        ("HTTP://Example.COM", "http://example.com/api"),
        ("http://[::1]:5173", "http://[::1]:5173/api"),
    ] {
        assert_eq!(normalize_url(input).as_deref(), Ok(want), "{input}");
    }
    for bad in [
        "",
        "http://",
        "mailto:x@y",
        "http://h/api?x=1",
        "http://h/#f",
    ] {
        assert!(normalize_url(bad).is_err(), "{bad}");
    }
}
