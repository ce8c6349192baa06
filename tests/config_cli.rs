//! The real binary's command line: `opik-tui config` prints the resolved connection with each
//! value's source and the API key masked (flags > env > file), and invalid arguments get clap's
//! error and a non-zero exit; the TUI commands without a terminal (piped, or no controlling
//! terminal, in tmux) say they need one. Runs with a temporary HOME, never the real one.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

mod common;

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

#[test]
fn the_tui_without_a_terminal_says_it_needs_one() {
    // `output()` pipes stdout: as under cron or `opik-tui | less`. It must not start a server or
    // fail with "No such device or address (os error 6)".
    let dir = tempfile::tempdir().unwrap();
    for args in [&[][..], &["traces", "--project", "p"], &["demo"]] {
        let started = std::time::Instant::now();
        let out = run(
            dir.path(),
            &[("OPIK_URL_OVERRIDE", "http://127.0.0.1:9/")],
            args,
        );
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("opik-tui: the TUI needs a terminal"),
            "{args:?}: {err}"
        );
        assert!(err.contains("`opik-tui serve`"), "{err}");
        assert!(err.contains("`opik-tui config`"), "{err}");
        assert!(!err.contains("os error"), "{err}");
        assert!(out.stdout.is_empty(), "nothing drawn: {out:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
}

#[test]
fn the_tui_without_a_controlling_terminal_says_it_needs_one() {
    // Output on a terminal (a tmux pane) but no terminal to read keys from: a new session
    // (`setsid`, as under cron or a service manager) with stdin from /dev/null.
    let dir = tempfile::tempdir().unwrap();
    let mut env = common::tui_env(dir.path());
    env.push(("OPIK_URL_OVERRIDE", "http://127.0.0.1:9/".into()));
    let cmd = format!(
        "setsid -w {} traces --project p </dev/null; echo exit=$?; sleep 60",
        common::BIN
    );
    let tmux = common::Tmux::start("notty", &cmd, &env);
    let screen = tmux.wait_for("exit=");
    let text = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("exit=1"), "{screen}");
    assert!(
        text.contains("the TUI needs a terminal: there is no terminal to read keys from"),
        "{screen}"
    );
    assert!(!text.contains("os error"), "{screen}");
}

/// No byte that could drive a terminal: no C0 control but `\n`/`\t`, no DEL, no C1.
fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c.is_control() && c != '\n' && c != '\t')
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: control characters {bad:?} in {text:?}"
    );
}

const TITLE: &str = "\u{1b}]0;pwned-title\u{7}";
const CLIPBOARD: &str = "\u{1b}]52;c;cm0gLXJmIH4=\u{1b}\\";

#[test]
fn config_values_and_errors_reach_the_terminal_without_escape_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::write(
        home.join(".opik.config"),
        format!(
            "[opik]\nurl_override = http://file-host:5173\nworkspace = ws{TITLE}\napi_key = key{CLIPBOARD}-123456\nproject_name = p{CLIPBOARD}\n"
        ),
    )
    .unwrap();
    // Values from the file and the environment, printed by `config`.
    let out = run(
        home,
        &[("OPIK_PROJECT_NAME", &format!("env{TITLE}proj\u{9b}31m"))],
        &["config"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_terminal_safe("config stdout", &out.stdout);
    assert_terminal_safe("config stderr", &out.stderr);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("workspace  ws  [file"), "{text}");
    assert!(text.contains("project    envproj"), "{text}");

    // A URL flag and a URL variable holding sequences: whatever is printed (value or error).
    for (env, args) in [
        (
            vec![],
            vec!["config".to_string(), format!("--url=http://h{TITLE}:1/")],
        ),
        (
            vec![("OPIK_URL_OVERRIDE", format!("ftp://x{CLIPBOARD}"))],
            vec!["config".to_string()],
        ),
        (
            vec![("OPIK_URL_OVERRIDE", format!("http://x{CLIPBOARD}"))],
            vec!["config".to_string()],
        ),
        // clap errors quote the bad argument.
        (
            vec![],
            vec![
                "dashboard".to_string(),
                "--refresh".to_string(),
                format!("soon{TITLE}"),
            ],
        ),
        (vec![], vec![format!("bogus{CLIPBOARD}")]),
        // `serve` prints its database path at start.
        (
            vec![],
            vec![
                "serve".to_string(),
                "--bind".to_string(),
                "127.0.0.1:0".to_string(),
                "--db".to_string(),
                home.join(format!("db{TITLE}.sqlite")).display().to_string(),
            ],
        ),
    ] {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(home, &env, &args);
        let what = format!("{args:?} {env:?}");
        assert_terminal_safe(&format!("{what} stdout"), &out.stdout);
        assert_terminal_safe(&format!("{what} stderr"), &out.stderr);
        assert!(
            !out.stdout.is_empty() || !out.stderr.is_empty(),
            "{what}: says something"
        );
    }
}
