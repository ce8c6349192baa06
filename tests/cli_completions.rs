//! `opik-tui completions SHELL` and `opik-tui man`, run as the real binary: the scripts name
//! every subcommand and complete in a real bash, the man page is roff with each subcommand's
//! flags, an unknown shell is a clear usage error, and generating touches no state.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output, Stdio};

mod common;
use common::{BIN, tui_env};

/// Every subcommand name, from the CLI definition the binary is built from.
fn subcommands() -> Vec<String> {
    use clap::CommandFactory;
    opik_tui::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

fn opik_tui(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(args)
        .envs(tui_env(dir.path()))
        .output()
        .unwrap();
    // generating is pure: no log file, no state or config dir appears
    let home = dir.path().join("home");
    assert_eq!(
        std::fs::read_dir(&home).unwrap().count(),
        0,
        "{args:?} wrote under HOME"
    );
    assert!(
        !dir.path().join("state").exists(),
        "{args:?} created the state dir"
    );
    out
}

/// Succeeded and said nothing on stderr.
fn assert_clean(args: &[&str], out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.is_empty(), "{args:?}: {err}");
}

fn stdout_of(args: &[&str]) -> String {
    let out = opik_tui(args);
    assert_clean(args, &out);
    String::from_utf8(out.stdout).unwrap()
}

/// What bash completes for the words typed so far (the last one being completed).
fn bash_complete(script: &std::path::Path, words: &[&str]) -> String {
    let line = format!(
        "source {}; COMP_WORDS=({}); COMP_CWORD={}; _opik_tui opik-tui '{}' '{}'; echo \"${{COMPREPLY[*]}}\"",
        script.display(),
        words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash")
        .args(["--norc", "-c", &line])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn bash_completes_subcommands_and_their_flags() {
    let script = stdout_of(&["completions", "bash"]);
    for sub in subcommands() {
        assert!(script.contains(&sub), "{sub}");
    }
    assert!(script.contains("complete -F _opik_tui -o nosort -o bashdefault -o default opik-tui"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("opik-tui.bash");
    std::fs::write(&path, &script).unwrap();
    assert_eq!(bash_complete(&path, &["opik-tui", "se"]), "serve");
    assert_eq!(
        bash_complete(&path, &["opik-tui", "serve", "--b"]),
        "--bind"
    );
    assert_eq!(
        bash_complete(&path, &["opik-tui", "dashboard", "--re"]),
        "--refresh"
    );
    let shells = bash_complete(&path, &["opik-tui", "completions", ""]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.split(' ').any(|w| w == shell), "{shells}");
    }
}

#[test]
fn zsh_and_fish_scripts_name_every_subcommand_and_flag() {
    let zsh = stdout_of(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef opik-tui\n"), "{}", &zsh[..40]);
    let fish = stdout_of(&["completions", "fish"]);
    assert!(fish.contains("complete -c opik-tui"));
    for sub in subcommands() {
        assert!(zsh.contains(&format!("'{sub}:")), "zsh: {sub}");
        assert!(fish.contains(&format!("-a \"{sub}\"")), "fish: {sub}");
    }
    assert!(zsh.contains("'--bind=[") && zsh.contains("'--max-attachment-mb=["));
    assert!(fish.contains("-l bind") && fish.contains("-l max-attachment-mb"));
}

#[test]
fn man_page_is_roff_with_every_subcommand_and_the_serve_flags() {
    let page = stdout_of(&["man"]);
    assert!(page.contains("\n.TH opik-tui 1 "), "{page}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH \"SERVE OPTIONS\"",
        ".SH COMMANDS",
    ] {
        assert!(page.contains(section), "{section}");
    }
    let serve = &page[page.find(".SH \"SERVE OPTIONS\"").unwrap()..];
    let serve = &serve[..serve[1..].find(".SH").unwrap()];
    for flag in [
        "bind",
        "db",
        "users",
        "allow\\-origin",
        "max\\-attachment\\-mb",
    ] {
        assert!(
            serve.contains(&format!("\\fB\\-\\-{flag}\\fR")),
            "--{flag} in\n{serve}"
        );
    }
    assert!(serve.contains("[default: 127.0.0.1:5173]"));
    for sub in subcommands() {
        assert!(page.contains(&format!("\\fBopik\\-tui {sub}\\fR")), "{sub}");
    }
    assert!(page.contains(&format!("v{}", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn an_unknown_or_missing_shell_is_a_clear_usage_error() {
    let out = opik_tui(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid value 'tcsh' for '<SHELL>'"), "{err}");
    assert!(
        err.contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{err}"
    );
    let out = opik_tui(&["completions"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("<SHELL>") && err.contains("Usage: opik-tui completions <SHELL>"),
        "{err}"
    );
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    for args in [&["man"][..], &["completions", "zsh"]] {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // `opik-tui man | head -0`
        let out = child.wait_with_output().unwrap();
        assert_clean(args, &out);
    }
}
