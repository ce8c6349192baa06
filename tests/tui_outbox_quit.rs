//! No disk I/O on a key press (issue 19 item 6), with the real binary in tmux: a thumbs up
//! is answered at once even while the outbox file is locked by someone else (the write
//! waits on the outbox's writer thread, not on the UI), quitting right after it waits for
//! the write, so nothing is lost, and the next start sends it — read back over REST. The
//! server is down while the thumb is given, so only the restart can have sent it.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use opik_tui::outbox::{Outbox, WriteOp, target_of};
use serde_json::{Value, json};

mod common;
use common::{BIN, Serve, Tmux, poll, user_feedback};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thumb_given_then_quit_at_once_is_kept_and_sent_by_the_next_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("opik.db");
    let mut srv = Serve::start(&db);
    let base = srv.base();
    let http = reqwest::Client::new();
    let trace_id = opik_tui::opik::model::new_id().to_string();
    common::post_traces(
        &base,
        vec![json!({
            "id": trace_id, "project_name": "quit", "name": "chat",
            "start_time": "2026-11-21T10:00:00.000Z", "end_time": "2026-11-21T10:00:01.000Z",
            "input": {"messages": [{"role": "user", "content": "Is this kept?"}]},
            "output": {"choices": [{"message": {"role": "assistant", "content": "It should be."}}]},
            "thread_id": "conv-quit",
        })],
    )
    .await;

    let env = common::tui_env(dir.path());
    let cmd = format!("{BIN} --url {base} --project quit threads; echo EXITED $?; sleep 60");
    let tmux = Tmux::start("outbox-quit", &cmd, &env);
    tmux.wait_for("conv-quit");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Turn 1/1");

    // The server goes away, and another process holds the outbox file.
    srv.kill();
    let outbox_path = dir.path().join("state").join("outbox.sqlite");
    let locker = rusqlite::Connection::open(&outbox_path).expect("outbox file");
    locker
        .execute_batch("BEGIN IMMEDIATE")
        .expect("lock the outbox");

    let pressed = Instant::now();
    tmux.keys(&["+"]);
    tmux.wait_for("▲");
    let answered = pressed.elapsed();
    assert!(
        answered < Duration::from_secs(2),
        "the key waited for the disk: {answered:?}\n{}",
        tmux.screen()
    );

    // Quit right away; the write is still waiting for the file, so the quit waits for it.
    tmux.keys(&["C-c"]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !tmux.screen().contains("EXITED"),
        "quit did not wait for the write:\n{}",
        tmux.screen()
    );
    locker.execute_batch("COMMIT").expect("unlock");
    drop(locker);
    tmux.wait_for("EXITED 0");

    // The thumb is in the file, not sent (the server was down).
    let client = opik_tui::opik::client::OpikClient::new(
        &opik_tui::config::Connection::new(&base).expect("url"),
    )
    .expect("client");
    {
        let outbox = Outbox::open(&outbox_path, target_of(&client)).expect("outbox");
        let pending = outbox.pending().expect("pending");
        assert!(
            matches!(&pending[..], [p] if matches!(&p.op, WriteOp::PutTraceScore { score, .. } if score.value == Some(1.0))),
            "{pending:?}"
        );
    }

    // The server comes back; the next start sends what waits.
    let srv = Serve::at(&srv.addr.clone(), &db);
    let tmux2 = Tmux::start("outbox-quit-2", &format!("{BIN} --url {base}"), &env);
    tmux2.wait_for("quit");
    let url = format!("{}/v1/private/traces/{trace_id}", srv.base());
    let score = poll("User feedback = 1 sent by the restart", || {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let v: Value = http.get(url).send().await.ok()?.json().await.ok()?;
            let s = user_feedback(&v)?.clone();
            (s["value"].as_f64() == Some(1.0)).then_some(s)
        }
    })
    .await;
    assert_eq!(score["source"], "ui");
}
