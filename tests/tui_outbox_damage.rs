//! The real binary in tmux: an outbox file found damaged at start is reported on screen with
//! the number of writes that could not be recovered, and the damaged file is kept aside.
#![allow(clippy::unwrap_used)]

mod common;

use common::{BIN, Tmux};

#[test]
fn a_damaged_outbox_is_reported_at_start_with_the_lost_count() {
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).expect("state dir");
    // Three writes were enqueued (the side record says so), then the file was destroyed.
    std::fs::write(state.join("outbox.sqlite"), vec![0x5au8; 8192]).expect("garbage");
    std::fs::write(state.join("outbox.sqlite.seq"), "3\n").expect("record");

    let url = format!("http://127.0.0.1:{}", common::free_port());
    let cmd = format!("{BIN} --url {url}; echo EXITED $?; sleep 30");
    let env = common::tui_env(dir.path());
    let tmux = Tmux::start("outbox-damage", &cmd, &env);
    let screen = tmux.wait_for("outbox file was damaged");
    assert!(screen.contains("3 queued writes"), "{screen}");
    let kept: Vec<_> = std::fs::read_dir(&state)
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("outbox.sqlite.damaged-"))
        .collect();
    assert!(!kept.is_empty(), "damaged file kept aside");
}
