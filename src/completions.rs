//! `opik-tui completions SHELL` and `opik-tui man`: shell completion scripts (clap_complete)
//! and a roff man page (clap_mangen), both generated from the clap definitions in
//! [`crate::cli`], so they list exactly the subcommands and flags the binary accepts.
//!
//! The man page is one page, `opik-tui(1)`: the global options, then each subcommand's own
//! options and arguments under a heading of its own (`SERVE OPTIONS`, …), then the list of
//! commands.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use crate::cli::Cli;

/// The completion script for `shell`.
pub fn completions(shell: Shell, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    // clap_complete panics on a failed write: generate in memory, then write (a closed pipe
    // is an error to return, not a crash).
    let mut script = Vec::new();
    if shell == Shell::Bash {
        // Its bash script never completes a subcommand's options when the binary's name has a
        // hyphen (clap-rs/clap#6421: the states it sets and the ones it matches are spelled
        // differently): generate for a name without one, then register it for the real name.
        let plain = name.replace('-', "_");
        clap_complete::generate(shell, &mut cmd, plain.clone(), &mut script);
        let text =
            String::from_utf8_lossy(&script).replace(&format!(" {plain}\n"), &format!(" {name}\n"));
        out.write_all(text.as_bytes())?;
    } else {
        clap_complete::generate(shell, &mut cmd, name, &mut script);
        out.write_all(&script)?;
    }
    out.flush()
}

/// The man page, roff.
pub fn man(out: &mut dyn Write) -> io::Result<()> {
    let cmd = Cli::command();
    let page = Man::new(cmd.clone());
    let mut roff = Vec::new();
    page.render_title(&mut roff)?;
    page.render_name_section(&mut roff)?;
    page.render_synopsis_section(&mut roff)?;
    page.render_description_section(&mut roff)?;
    page.render_options_section(&mut roff)?;
    for sub in cmd.get_subcommands() {
        Man::new(own_options(sub)).render_options_section(&mut roff)?;
    }
    commands_section(&cmd).to_writer(&mut roff)?;
    page.render_version_section(&mut roff)?;
    out.write_all(preamble_once(&String::from_utf8_lossy(&roff)).as_bytes())?;
    out.flush()
}

/// A subcommand's own arguments (not the global ones, no `--help`) under a `NAME options`
/// heading, for its options section.
fn own_options(sub: &clap::Command) -> clap::Command {
    let heading = format!("{} options", sub.get_name());
    clap::Command::new(sub.get_name().to_string())
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args(
            sub.get_arguments()
                .map(|a| a.clone().help_heading(heading.clone())),
        )
}

/// Each rendered section starts with the same two-line preamble (defining `\*(Aq`): keep the
/// first copy only.
fn preamble_once(roff: &str) -> String {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    match roff.split_once(PREAMBLE) {
        Some((head, rest)) => format!("{head}{PREAMBLE}{}", rest.replace(PREAMBLE, "")),
        None => roff.to_string(),
    }
}

/// `COMMANDS`: each subcommand as `opik-tui NAME` with its description.
fn commands_section(cmd: &clap::Command) -> Roff {
    let mut r = Roff::default();
    r.control("SH", ["COMMANDS"]);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        r.control("TP", []);
        r.text([bold(format!("{} {}", cmd.get_name(), sub.get_name()))]);
        if let Some(about) = sub.get_about() {
            r.text([roman(about.to_string())]);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_subcommand_with_arguments_gets_its_own_options_section() {
        let mut out = Vec::new();
        man(&mut out).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert_eq!(page.matches(".ds Aq").count(), 2, "one preamble:\n{page}");
        for sub in Cli::command().get_subcommands() {
            let heading = format!(".SH \"{} OPTIONS\"", sub.get_name().to_uppercase());
            let has_args = sub.get_arguments().next().is_some();
            assert_eq!(page.contains(&heading), has_args, "{heading}");
        }
        // positional arguments keep their optional/required markers; no per-command --help
        assert!(page.contains("[\\fIQUEUE\\fR]") && page.contains("<\\fISHELL\\fR>"));
        let own = &page
            [page.find(".SH \"DASHBOARD OPTIONS\"").unwrap()..page.find(".SH COMMANDS").unwrap()];
        assert!(!own.contains("help") && !own.contains("\\-\\-url"), "{own}");
    }
}
