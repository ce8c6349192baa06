//! The way out to a team Opik: the official Opik CLI of the pinned SDK (`opik==2.2.122`) moves
//! a project from one `opik-tui serve` to another — `opik export default P traces --path DIR`
//! against the first, `opik import default P traces --path DIR` against the second — and this
//! checks, over REST on both servers, exactly what arrives and what stays behind (the README's
//! "Moving to a team Opik" section says the same).
//!
//! Needs the venv made by `.ci/run` (`$OPIK_TUI_VENV` or `~/.cache/opik-tui/venv`); without it
//! the test fails and says so, unless `OPIK_TUI_SKIP_PY=1`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{Serve, python};

const PROJECT: &str = "cli-migration";

/// Run a venv program against `url` with a private HOME; its stdout (fails with both streams).
fn run(program: &Path, args: &[&str], url: &str, home: &Path, env: &[(&str, &str)]) -> String {
    let out = Command::new(program)
        .args(args)
        .env("OPIK_URL_OVERRIDE", url)
        .env("OPIK_WORKSPACE", "default")
        .env_remove("OPIK_API_KEY")
        .env("OPIK_SENTRY_ENABLE", "false")
        .env("OPIK_ANALYTICS_ENABLE", "false")
        .env("OPIK_FILE_LOGGING_LEVEL", "ERROR")
        .env("OPIK_CONFIG_PATH", home.join("none.ini"))
        .env("HOME", home)
        .env("COLUMNS", "200")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n{stdout}\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn get(base: &str, path: &str) -> Value {
    let r = reqwest::get(format!("{base}/v1/private/{path}"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "GET {path}");
    r.json().await.unwrap()
}

fn content(v: &Value) -> &Vec<Value> {
    v["content"].as_array().unwrap()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn score(entity: &Value, name: &str) -> Option<(f64, Option<String>)> {
    entity["feedback_scores"].as_array()?.iter().find_map(|s| {
        (s["name"] == name).then(|| {
            (
                s["value"].as_f64().unwrap(),
                s["reason"].as_str().map(str::to_string),
            )
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opik_cli_moves_a_project_between_two_servers() {
    let Some(py) = python() else { return };
    let opik_cli: PathBuf = py.with_file_name("opik");
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let src = Serve::start(&home.join("src.db"));
    let dst = Serve::start(&home.join("dst.db"));
    let notes = home.join("notes.txt");
    std::fs::write(&notes, "notes line\n".repeat(20)).unwrap();

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/migration_log.py");
    let logged = run(
        &py,
        &[script.to_str().unwrap()],
        &src.base(),
        home,
        &[
            ("TEST_PROJECT", PROJECT),
            ("NOTES", notes.to_str().unwrap()),
        ],
    );
    let ids: Vec<String> = logged
        .lines()
        .find_map(|l| l.strip_prefix("IDS "))
        .map(|l| serde_json::from_str(l).unwrap())
        .expect("the script prints the ids");

    let exp = home.join("exp");
    let path = exp.to_str().unwrap();
    run(
        &opik_cli,
        &["export", "default", PROJECT, "traces", "--path", path],
        &src.base(),
        home,
        &[],
    );
    let project_dir = std::fs::read_dir(exp.join("default/projects"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let files = std::fs::read_dir(&project_dir)
        .unwrap()
        .filter(|e| {
            let n = e.as_ref().unwrap().file_name();
            n.to_string_lossy().starts_with("trace_")
        })
        .count();
    assert_eq!(files, 4, "one file per trace in {}", project_dir.display());
    let out = run(
        &opik_cli,
        &["import", "default", PROJECT, "traces", "--path", path],
        &dst.base(),
        home,
        &[],
    );
    assert!(out.contains("Successfully imported 4 traces"), "{out}");

    // ---- traces: new ids, the old one in metadata._import_id, everything else as logged
    let (a, b) = (src.base(), dst.base());
    let q = format!("project_name={PROJECT}&size=100&truncate=false");
    let traces = get(&b, &format!("traces?{q}")).await;
    assert_eq!(traces["total"], 4);
    let by_old: BTreeMap<String, &Value> = content(&traces)
        .iter()
        .map(|t| (t["metadata"]["_import_id"].as_str().unwrap().to_string(), t))
        .collect();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(by_old.keys().cloned().collect::<Vec<_>>(), expected);
    for (i, old) in ids.iter().take(3).enumerate() {
        let t = by_old[old];
        assert_ne!(&t["id"], old, "the import gives traces new ids");
        assert_eq!(t["name"], format!("turn-{i}"));
        assert_eq!(t["thread_id"], "conv-1");
        assert_eq!(t["start_time"], format!("2026-11-20T09:0{i}:00.000000Z"));
        assert_eq!(t["end_time"], format!("2026-11-20T09:0{i}:05.000000Z"));
        assert_eq!(keys(&t["input"]), ["user_message", "thread_id"]);
        assert_eq!(t["output"]["answer"], format!("answer {i}"));
        assert_eq!(keys(&t["metadata"])[..2], ["z_channel", "a_turn"]);
        assert!(t["metadata"]["_import_created_at"].is_string());
        assert_eq!(t["tags"], serde_json::json!(["prod", format!("turn-{i}")]));
        assert_eq!(t["span_count"], 2);
        assert_eq!(t["usage"]["total_tokens"], 120 + i);
        assert_eq!(t["usage"]["prompt_tokens"], 100 + i);
        assert!(
            t["comments"].as_array().is_none_or(Vec::is_empty),
            "comments stay behind"
        );
    }
    let lone = by_old[&ids[3]];
    assert_eq!(lone["error_info"]["message"], "boom");
    assert!(lone["thread_id"].is_null());
    // trace scores, with their reasons
    assert_eq!(
        score(by_old[&ids[0]], "helpful"),
        Some((1.0, Some("clear".into())))
    );
    assert_eq!(
        score(by_old[&ids[1]], "helpful"),
        Some((0.0, Some("wrong".into())))
    );
    assert_eq!(score(by_old[&ids[1]], "tone"), Some((0.5, None)));
    assert_eq!(score(by_old[&ids[2]], "helpful"), None);

    // ---- spans: the tree, model, usage and the span score; a hand-set cost is re-estimated
    let spans = get(&b, &format!("spans?{q}")).await;
    assert_eq!(spans["total"], 6);
    let new_ids: Vec<&Value> = ids.iter().take(3).map(|o| &by_old[o]["id"]).collect();
    for (i, tid) in new_ids.iter().enumerate() {
        let of: Vec<&Value> = content(&spans)
            .iter()
            .filter(|s| &&s["trace_id"] == tid)
            .collect();
        let chat = of.iter().find(|s| s["name"] == "chat").unwrap();
        let lookup = of.iter().find(|s| s["name"] == "lookup").unwrap();
        assert_eq!(lookup["parent_span_id"], chat["id"]);
        assert!(chat["parent_span_id"].is_null());
        assert_eq!(chat["type"], "llm");
        assert_eq!(chat["model"], "gpt-4o-mini");
        assert_eq!(chat["provider"], "openai");
        assert_eq!(chat["usage"]["completion_tokens"], 20);
        assert_eq!(chat["start_time"], format!("2026-11-20T09:0{i}:01.000000Z"));
        let cost = chat["total_estimated_cost"].as_f64();
        assert!(
            cost.is_some_and(|c| c != 0.5),
            "cost {cost:?}: not the hand-set 0.5"
        );
        let accuracy = score(chat, "accuracy");
        assert_eq!(
            accuracy,
            (i == 2).then(|| (0.75, Some("close".to_string())))
        );
    }
    let src_spans = get(&a, &format!("spans?{q}")).await;
    assert!(
        content(&src_spans)
            .iter()
            .filter(|s| s["name"] == "chat")
            .all(|s| s["total_estimated_cost"] == 0.5)
    );

    // ---- the thread arrives (its turns are the traces); its score does not
    let threads = get(
        &b,
        &format!("traces/threads?project_name={PROJECT}&size=10"),
    )
    .await;
    assert_eq!(threads["total"], 1);
    let th = &content(&threads)[0];
    assert_eq!(th["id"], "conv-1");
    assert_eq!(th["number_of_messages"], 6);
    assert_eq!(keys(&th["first_message"]), ["user_message", "thread_id"]);
    assert!(score(th, "frustration").is_none());
    let src_threads = get(
        &a,
        &format!("traces/threads?project_name={PROJECT}&size=10"),
    )
    .await;
    assert_eq!(
        score(&content(&src_threads)[0], "frustration").map(|s| s.0),
        Some(0.2)
    );

    // ---- the attachment moves, byte for byte
    let new0 = by_old[&ids[0]];
    let list = get(
        &b,
        &format!(
            "attachment/list?project_id={}&entity_type=trace&entity_id={}",
            new0["project_id"].as_str().unwrap(),
            new0["id"].as_str().unwrap()
        ),
    )
    .await;
    let att = &content(&list)[0];
    assert_eq!(att["file_name"], "notes.txt");
    let body = reqwest::get(att["link"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, std::fs::read_to_string(&notes).unwrap());

    // ---- left behind: comments, feedback definitions, annotation queues
    let src_trace = get(&a, &format!("traces/{}", ids[0])).await;
    assert_eq!(src_trace["comments"][0]["text"], "checked by hand");
    let names = |v: &Value| -> Vec<String> {
        content(v)
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect()
    };
    let defs = "feedback-definitions?size=100";
    assert!(names(&get(&a, defs).await).contains(&"helpful".to_string()));
    assert!(!names(&get(&b, defs).await).contains(&"helpful".to_string()));
    assert_eq!(get(&a, "annotation-queues?size=10").await["total"], 1);
    assert_eq!(get(&b, "annotation-queues?size=10").await["total"], 0);
}
