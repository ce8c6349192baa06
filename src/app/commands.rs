//! `:` commands: parsing a command line into a [`Command`], and completion candidates.

use super::screen::ScreenRequest;

/// Command names offered by completion (first word).
pub const NAMES: &[&str] = &[
    "projects",
    "traces",
    "threads",
    "queues",
    "dashboard",
    "annotate",
    "compare",
    "project",
    "theme",
    "help",
    "q",
    "quit",
];

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Open(ScreenRequest),
    /// `:project NAME`: make it current and open its traces.
    Project(String),
    Theme(String),
    Help,
    Quit,
}

/// What `:dashboard` takes for the all-projects overview (Enter there drills into one
/// project); a project with this name is still reached by `:project NAME` then `:dashboard`.
pub const ALL_PROJECTS: &str = "all";

/// Parse `line` (without the `:`). `project` is the current project, needed by
/// `:traces` and `:threads` when no name is given. `:dashboard` without a name opens the
/// current project's dashboard, or the all-projects overview when there is none;
/// `:dashboard all` opens the overview.
pub fn parse(line: &str, project: Option<&str>) -> Result<Command, String> {
    let line = line.trim();
    let (cmd, arg) = match line.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (line, ""),
    };
    let arg_opt = (!arg.is_empty()).then(|| arg.to_string());
    let need_project = |what: &str| -> Result<String, String> {
        arg_opt
            .clone()
            .or_else(|| project.map(str::to_string))
            .ok_or_else(|| {
                format!("no project selected for :{what}: use :{what} NAME or :project NAME")
            })
    };
    Ok(match cmd {
        "projects" | "p" => Command::Open(ScreenRequest::Projects),
        "traces" | "tr" => Command::Open(ScreenRequest::Traces {
            project: need_project("traces")?,
        }),
        "threads" | "th" => {
            // `:threads [PROJECT] [by KEY]`.
            let (proj, by) = if arg == "by" {
                return Err(
                    "usage: :threads by KEY (thread_id, or a metadata key such as conversation_id)"
                        .into(),
                );
            } else if let Some(k) = arg.strip_prefix("by ") {
                (None, Some(k.trim()))
            } else if let Some((p, k)) = arg.rsplit_once(" by ") {
                (Some(p.trim().to_string()), Some(k.trim()))
            } else {
                (arg_opt.clone(), None)
            };
            let project = proj
                .or_else(|| project.map(str::to_string))
                .ok_or_else(|| {
                    "no project selected for :threads: use :threads NAME or :project NAME"
                        .to_string()
                })?;
            match by {
                None => Command::Open(ScreenRequest::Threads { project }),
                Some(k) => match crate::opik::conversations::Grouping::parse(k) {
                    Some(g) => Command::Open(ScreenRequest::ThreadsBy {
                        project,
                        by: g.label(),
                    }),
                    None => {
                        return Err(
                            "usage: :threads by KEY (thread_id, or a metadata key such as conversation_id)"
                                .into(),
                        );
                    }
                },
            }
        }
        "compare" | "cmp" => Command::Open(compare(arg, project)?),
        "queues" => Command::Open(ScreenRequest::Queues),
        "dashboard" | "dash" => Command::Open(ScreenRequest::Dashboard {
            project: match arg_opt {
                Some(a) if a == ALL_PROJECTS || a == "*" => None,
                Some(a) => Some(a),
                None => project.map(str::to_string),
            },
        }),
        "annotate" => Command::Open(ScreenRequest::Annotate { queue: arg_opt }),
        "project" => match arg_opt {
            Some(p) => Command::Project(p),
            None => return Err("usage: :project NAME (Tab completes names)".into()),
        },
        "theme" => match arg_opt {
            Some(t) => Command::Theme(t),
            None => return Err("usage: :theme NAME (Tab completes names)".into()),
        },
        "help" | "?" => Command::Help,
        "q" | "q!" | "quit" | "qa" => Command::Quit,
        "" => return Err("empty command: try :projects, :traces, :theme NAME or :q".into()),
        other => {
            return Err(format!(
                "unknown command :{other} — try :projects, :traces, :threads, :queues, :dashboard, :compare A B, :project NAME, :theme NAME, :q"
            ));
        }
    })
}

const COMPARE_USAGE: &str = "usage: :compare SCORE_A SCORE_B [1h|24h|7d|30d] [threads] \
     (NAME@SOURCE takes one source, e.g. accuracy@ui; quote names with spaces)";

/// Split on whitespace, keeping `"quoted words"` (and `""` inside them for a quote) together.
fn words(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let (mut quoted, mut any) = (false, false);
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// `:compare A B [RANGE] [threads]` in the current project (24h and traces by default).
fn compare(arg: &str, project: Option<&str>) -> Result<ScreenRequest, String> {
    use crate::dashboard::TimeRange;
    use crate::dashboard::compare::{Scope, ScoreSpec};
    let mut w = words(arg).map_err(|e| format!("{e}: {COMPARE_USAGE}"))?;
    let mut scope = Scope::Traces;
    let mut range = TimeRange::default();
    while w.len() > 2 {
        let last = w.last().map(|s| s.to_ascii_lowercase()).unwrap_or_default();
        if let Some(r) = TimeRange::parse(&last) {
            range = r;
        } else if last == "threads" || last == "traces" {
            scope = if last == "threads" {
                Scope::Threads
            } else {
                Scope::Traces
            };
        } else {
            break;
        }
        w.pop();
    }
    let [a, b] = w.as_slice() else {
        return Err(COMPARE_USAGE.into());
    };
    let project = project
        .map(str::to_string)
        .ok_or("no project selected for :compare: open a project first (:project NAME)")?;
    Ok(ScreenRequest::Compare {
        project,
        a: ScoreSpec::parse(a)?,
        b: ScoreSpec::parse(b)?,
        range,
        scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(
            parse("projects", None),
            Ok(Command::Open(ScreenRequest::Projects))
        );
        assert_eq!(
            parse("traces", Some("p1")),
            Ok(Command::Open(ScreenRequest::Traces {
                project: "p1".into()
            }))
        );
        assert_eq!(
            parse(" threads  other ", Some("p1")),
            Ok(Command::Open(ScreenRequest::Threads {
                project: "other".into()
            }))
        );
        assert!(parse("traces", None).unwrap_err().contains(":project NAME"));
        assert_eq!(
            parse("project my proj", None),
            Ok(Command::Project("my proj".into()))
        );
        assert_eq!(
            parse("theme light", None),
            Ok(Command::Theme("light".into()))
        );
        assert_eq!(parse("q", None), Ok(Command::Quit));
        assert!(
            parse("frobnicate", None)
                .unwrap_err()
                .contains("unknown command :frobnicate")
        );
        assert!(parse("theme", None).is_err());
    }

    #[test]
    fn dashboard_follows_the_current_project_and_all_opens_the_overview() {
        let dash = |project: Option<&str>| {
            Ok(Command::Open(ScreenRequest::Dashboard {
                project: project.map(str::to_string),
            }))
        };
        assert_eq!(parse("dashboard", Some("p1")), dash(Some("p1")));
        assert_eq!(parse("dash", None), dash(None), "no project: the overview");
        assert_eq!(parse("dashboard all", Some("p1")), dash(None));
        assert_eq!(parse("dashboard *", Some("p1")), dash(None));
        assert_eq!(parse("dashboard other", Some("p1")), dash(Some("other")));
    }

    #[test]
    fn compare_takes_two_scores_a_range_and_a_scope() {
        use crate::dashboard::TimeRange;
        use crate::dashboard::compare::{Scope, ScoreSpec};
        let spec = |s: &str| ScoreSpec::parse(s).unwrap();
        assert_eq!(
            parse("compare judge accuracy@ui", Some("p1")),
            Ok(Command::Open(ScreenRequest::Compare {
                project: "p1".into(),
                a: spec("judge"),
                b: spec("accuracy@ui"),
                range: TimeRange::Day,
                scope: Scope::Traces,
            }))
        );
        assert_eq!(
            parse(
                r#"compare "User feedback" "say ""hi""" 7d threads"#,
                Some("p1")
            ),
            Ok(Command::Open(ScreenRequest::Compare {
                project: "p1".into(),
                a: spec("User feedback"),
                b: spec("say \"hi\""),
                range: TimeRange::Week,
                scope: Scope::Threads,
            }))
        );
        assert!(
            parse("compare judge", Some("p1"))
                .unwrap_err()
                .contains("usage")
        );
        assert!(
            parse("compare a b c", Some("p1"))
                .unwrap_err()
                .contains("usage")
        );
        assert!(
            parse(r#"compare "a b"#, Some("p1"))
                .unwrap_err()
                .contains("quote")
        );
        assert!(
            parse("compare a b", None)
                .unwrap_err()
                .contains("no project")
        );
    }

    #[test]
    fn threads_by_key() {
        let by = |project: &str, by: &str| {
            Ok(Command::Open(ScreenRequest::ThreadsBy {
                project: project.into(),
                by: by.into(),
            }))
        };
        assert_eq!(
            parse("threads by session_id", Some("p1")),
            by("p1", "metadata.session_id")
        );
        assert_eq!(
            parse("th by metadata.conversation_id", Some("p1")),
            by("p1", "metadata.conversation_id")
        );
        assert_eq!(
            parse("threads by thread_id", Some("p1")),
            by("p1", "thread_id")
        );
        assert_eq!(
            parse("threads my proj by user_session_id", None),
            by("my proj", "metadata.user_session_id")
        );
        assert!(
            parse("threads by", Some("p1"))
                .unwrap_err()
                .contains("usage")
        );
        assert!(
            parse("threads by x", None)
                .unwrap_err()
                .contains("no project selected")
        );
        assert_eq!(
            parse("threads other", Some("p1")),
            Ok(Command::Open(ScreenRequest::Threads {
                project: "other".into()
            }))
        );
    }
}
