//! The real binary's command line: `opik-tui config` prints the resolved connection with each
//! value's source and the API key masked (flags > env > file), and invalid arguments get clap's
//! error and a non-zero exit. Runs with a temporary HOME, never the real one.

use std::process::{Command, Output};

fn run(home: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_opik-tui"));
    c.args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run opik-tui")
}

#[test]
fn config_prints_values_sources_and_a_masked_key() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::write(
        home.join(".opik.config"),
        "[opik]\nurl_override = http://file-host:5173\nworkspace = file-ws\napi_key = file-secret-key-123\n",
    )
    .unwrap();
    let out = run(
        home,
        &[("OPIK_WORKSPACE", "env-ws")],
        &["config", "--project", "flag-project"],
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let file = home.join(".opik.config");
    assert!(
        text.contains(&format!(
            "url        http://file-host:5173/api  [file {}]",
            file.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("workspace  env-ws  [env OPIK_WORKSPACE]"),
        "{text}"
    );
    assert!(
        text.contains("project    flag-project  [flag --project]"),
        "{text}"
    );
    assert!(text.contains("api_key    ****-123 (19 chars)"), "{text}");
    assert!(!text.contains("file-secret-key-123"), "key leaked: {text}");
    assert!(text.contains("settings   "), "{text}");
    // Nothing is logged to the terminal.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn config_with_a_bad_url_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &[("OPIK_URL_OVERRIDE", "ftp://x")], &["config"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid Opik URL `ftp://x` (from env OPIK_URL_OVERRIDE)"),
        "{err}"
    );
}

#[test]
fn invalid_arguments_exit_non_zero_with_clap_errors() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["bogus"][..],
        &["--no-such-flag"],
        &["dashboard", "--refresh", "soon"],
        &["serve", "--bind", "nonsense"],
    ] {
        let out = run(dir.path(), &[], args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("error:"),
            "{args:?}"
        );
    }
    let out = run(dir.path(), &[], &["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for sub in [
        "projects",
        "traces",
        "threads",
        "queues",
        "dashboard",
        "annotate",
        "serve",
        "demo",
        "config",
    ] {
        assert!(
            help.contains(&format!("  {sub} ")),
            "{sub} missing in --help"
        );
    }
}
