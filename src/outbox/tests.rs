//! Tests of the outbox: storage, leases, ordering, failure classification, draining.

use super::drain::{Failure, classify};
use super::*;
use crate::opik::error::ApiError;
use crate::opik::model::FeedbackScoreItem;
use std::time::Duration;

pub(super) fn tmp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("state").join("outbox.sqlite");
    (dir, p)
}

fn put(trace: u128, name: &str, v: f64) -> WriteOp {
    WriteOp::PutTraceScore {
        trace_id: Uuid::from_u128(trace),
        score: FeedbackScoreItem {
            name: name.into(),
            value: Some(v),
            source: Some("ui".into()),
            ..Default::default()
        },
    }
}

#[test]
fn ops_survive_reopen_in_order_and_are_scoped_to_their_target() {
    let (_d, path) = tmp();
    {
        let ob = Outbox::open(&path, "http://a/api#default").unwrap();
        let a = ob.enqueue(put(1, "x", 1.0)).unwrap();
        let b = ob.enqueue(put(2, "y", 0.5)).unwrap();
        assert!(b > a);
    }
    let ob = Outbox::open(&path, "http://a/api#default").unwrap();
    let p = ob.pending().unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].op, put(1, "x", 1.0));
    assert_eq!(p[1].op, put(2, "y", 0.5));
    let other = Outbox::open(&path, "http://b/api#default").unwrap();
    assert_eq!(
        other.pending_count(),
        0,
        "another server's ops are not mine"
    );
}

#[test]
fn op_json_is_stable_and_entities_group_ops() {
    let op = WriteOp::AddComment {
        target: CommentTarget::Thread {
            thread_model_id: Uuid::from_u128(7),
            project_name: "p".into(),
            thread_id: "t-1".into(),
        },
        text: "hi".into(),
        source_queue_id: None,
    };
    let json = serde_json::to_value(&op).unwrap();
    assert_eq!(json["op"], "add_comment");
    assert_eq!(json["target"]["kind"], "thread");
    assert_eq!(serde_json::from_value::<WriteOp>(json).unwrap(), op);
    let upd = WriteOp::UpdateComment {
        target: CommentTarget::Thread {
            thread_model_id: Uuid::from_u128(7),
            project_name: "p".into(),
            thread_id: "t-1".into(),
        },
        comment: CommentRef::Op(3),
        text: "x".into(),
    };
    assert_eq!(op.entity(), upd.entity());
    assert_ne!(put(1, "a", 1.0).entity(), put(2, "a", 1.0).entity());
    assert_eq!(
        upd.clone()
            .with_comment_id(Uuid::from_u128(9))
            .comment_ref(),
        Some(CommentRef::Id(Uuid::from_u128(9)))
    );
}

#[test]
fn completing_a_create_resolves_later_edits() {
    let (_d, path) = tmp();
    let ob = Outbox::open(&path, "t").unwrap();
    let target = CommentTarget::Trace {
        trace_id: Uuid::from_u128(1),
    };
    let add = ob
        .enqueue(WriteOp::AddComment {
            target: target.clone(),
            text: "a".into(),
            source_queue_id: None,
        })
        .unwrap();
    ob.enqueue(WriteOp::UpdateComment {
        target: target.clone(),
        comment: CommentRef::Op(add),
        text: "b".into(),
    })
    .unwrap();
    let cid = Uuid::from_u128(42);
    ob.mark_done(add, Some(cid)).unwrap();
    assert_eq!(ob.created_comment(add), Some(cid));
    let p = ob.pending().unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].op.comment_ref(), Some(CommentRef::Id(cid)));
    assert!(ob.owned_comment_ids().contains(&cid));
}

#[test]
fn leases_keep_two_drainers_off_one_op() {
    let (_d, path) = tmp();
    let a = Outbox::open(&path, "t").unwrap();
    let b = Outbox::open(&path, "t").unwrap();
    let id = a.enqueue(put(1, "x", 1.0)).unwrap();
    assert!(a.claim(id));
    assert!(a.claim(id), "the owner may renew");
    assert!(!b.claim(id), "another process may not");
    a.mark_attempt(id, "boom", false, false);
    assert!(b.claim(id), "a released lease can be taken");
    let p = b.pending().unwrap();
    assert_eq!(p[0].attempts, 1);
    assert_eq!(p[0].last_error.as_deref(), Some("boom"));
}

#[test]
fn quitting_releases_leases_so_the_next_start_sends_at_once() {
    let (_d, path) = tmp();
    let a = Outbox::open(&path, "t").unwrap();
    let id = a.enqueue(put(1, "x", 1.0)).unwrap();
    assert!(
        a.claim(id),
        "a send in flight (e.g. offline, waiting for a timeout)"
    );
    a.shutdown();
    assert!(!a.claim(id), "a closed outbox takes no new lease");
    let next = Outbox::open(&path, "t").unwrap();
    assert!(next.claim(id), "the next start may send at once");
    // Dropping the last handle (no explicit shutdown) releases too.
    drop(a);
    drop(next);
    let c = Outbox::open(&path, "t").unwrap();
    assert!(c.claim(id));
    drop(c);
    let d = Outbox::open(&path, "t").unwrap();
    assert!(d.claim(id));
}

fn sibling(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[test]
fn a_truncated_wal_is_detected_kept_aside_and_counted() {
    let (d, path) = tmp();
    {
        let ob = Outbox::open(&path, "t").unwrap();
        ob.enqueue(put(1, "a", 1.0)).unwrap();
        ob.enqueue(put(2, "b", 1.0)).unwrap();
    }
    // The last handle closed: the log is checkpointed into the file.
    let ob = Outbox::open(&path, "t").unwrap();
    assert_eq!(ob.damage(), None, "a clean file is not damage");
    for i in 3..=5 {
        ob.enqueue(put(i, "c", 1.0)).unwrap();
    }
    // A crash: copy the file, its log and the side record while the outbox is open.
    let crash = d.path().join("crash").join("outbox.sqlite");
    std::fs::create_dir_all(crash.parent().unwrap()).unwrap();
    for suffix in ["", "-wal", ".seq"] {
        std::fs::copy(sibling(&path, suffix), sibling(&crash, suffix)).unwrap();
    }
    drop(ob);
    // The log loses its tail: the last commit frame is cut, so SQLite drops that insert
    // without any error.
    let wal = sibling(&crash, "-wal");
    let len = std::fs::metadata(&wal).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&wal)
        .unwrap()
        .set_len(len - 100)
        .unwrap();

    let ob = Outbox::open(&crash, "t").unwrap();
    let damage = ob.damage().cloned().expect("damage detected");
    assert_eq!(damage.lost, Some(1), "{damage:?}");
    assert_eq!(damage.recovered, 4, "{damage:?}");
    assert!(damage.kept_at.exists(), "{damage:?}");
    assert!(sibling(&damage.kept_at, "-wal").exists(), "{damage:?}");
    assert!(
        damage.message().contains("1 queued write "),
        "{}",
        damage.message()
    );
    let ids: Vec<_> = ob.pending().unwrap().iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![1, 2, 3, 4]);
    assert_eq!(
        ob.enqueue(put(6, "d", 1.0)).unwrap(),
        6,
        "ids are never reused"
    );
    drop(ob);
    let again = Outbox::open(&crash, "t").unwrap();
    assert_eq!(again.damage(), None, "the fresh outbox is clean");
    assert_eq!(again.pending_count(), 5);
}

#[test]
fn a_corrupt_file_is_detected_kept_aside_and_counted() {
    let (_d, path) = tmp();
    {
        let ob = Outbox::open(&path, "t").unwrap();
        for i in 1..=3 {
            ob.enqueue(put(i, "x", 1.0)).unwrap();
        }
    }
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[..100].fill(0x5a);
    std::fs::write(&path, &bytes).unwrap();

    let ob = Outbox::open(&path, "t").unwrap();
    let damage = ob.damage().cloned().expect("damage detected");
    assert_eq!(damage.lost, Some(3), "{damage:?}");
    assert_eq!(damage.recovered, 0);
    assert_eq!(std::fs::read(&damage.kept_at).unwrap(), bytes, "kept as is");
    assert!(
        damage.message().contains("3 queued writes"),
        "{}",
        damage.message()
    );
    assert_eq!(ob.pending_count(), 0, "a fresh outbox");
    assert_eq!(ob.enqueue(put(9, "y", 1.0)).unwrap(), 4);
}

#[test]
fn failures_are_classified_for_exactly_once() {
    let conn = ApiError::Connect {
        url: "u".into(),
        reason: "refused".into(),
    };
    assert!(matches!(classify(conn, true, 0), Failure::Unreachable(_)));
    let to = ApiError::Timeout {
        url: "u".into(),
        timeout: Duration::from_secs(1),
    };
    assert!(matches!(
        classify(to, true, 0),
        Failure::Retry {
            ambiguous: true,
            ..
        }
    ));
    let s5 = ApiError::Server {
        status: 503,
        message: "x".into(),
    };
    assert!(matches!(
        classify(s5, true, 0),
        Failure::Retry {
            ambiguous: true,
            ..
        }
    ));
    let nf = || ApiError::NotFound {
        resource: "trace".into(),
        detail: None,
    };
    assert!(matches!(
        classify(nf(), true, 0),
        Failure::Retry {
            ambiguous: false,
            ..
        }
    ));
    assert!(matches!(classify(nf(), true, 4), Failure::Permanent(_)));
    let rej = ApiError::Rejected {
        status: 422,
        message: "bad".into(),
    };
    assert!(matches!(classify(rej, true, 0), Failure::Permanent(_)));
}

#[test]
fn unreadable_entries_are_set_aside() {
    let (_d, path) = tmp();
    let ob = Outbox::open(&path, "t").unwrap();
    ob.db()
        .execute(
            "INSERT INTO ops(target, entity, op, created_at, updated_at) VALUES ('t', 'e', '{\"op\":\"future\"}', 0, 0)",
            [],
        )
        .unwrap();
    ob.enqueue(put(1, "x", 1.0)).unwrap();
    assert_eq!(ob.pending().unwrap().len(), 1);
    let failed = ob.failed().unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].2.contains("unreadable"));
}

/// A create whose reply was lost (the comment exists on the server) is adopted, not
/// posted again.
#[tokio::test]
async fn ambiguous_comment_create_is_adopted_not_reposted() {
    let dir = tempfile::tempdir().expect("tmp");
    let srv = crate::server::spawn(crate::server::ServerConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        db_path: dir.path().join("db.sqlite"),
        api_key: None,
        users_file: None,
    })
    .await
    .expect("server");
    let client = OpikClient::new(&crate::config::Connection::new(&srv.base_url()).expect("url"))
        .expect("client");
    let trace = crate::opik::model::new_id();
    let now = crate::opik::model::ts::format(&Utc::now());
    reqwest::Client::new()
        .post(format!("{}/v1/private/traces/batch", srv.base_url()))
        .json(
            &serde_json::json!({"traces": [{"id": trace, "project_name": "p", "start_time": now}]}),
        )
        .send()
        .await
        .expect("create trace");
    let queue = Uuid::now_v7();
    let ob = Outbox::open(&dir.path().join("o.sqlite"), target_of(&client)).expect("outbox");
    let id = ob
        .enqueue(WriteOp::AddComment {
            target: CommentTarget::Trace { trace_id: trace },
            text: "lost reply".into(),
            source_queue_id: Some(queue),
        })
        .expect("enqueue");
    // The first send reached the server, but its reply was lost (timeout).
    let made = client
        .add_trace_comment(trace, "lost reply", Some(queue))
        .await
        .expect("comment");
    ob.mark_attempt(id, "no answer within 30s", true, false);
    let report = ob.drain_once(&client, &|_| {}).await;
    assert_eq!((report.applied, report.pending), (1, 0));
    assert_eq!(
        ob.created_comment(id),
        Some(made),
        "the existing comment is adopted"
    );
    let comments = client
        .get_trace(trace)
        .await
        .expect("trace")
        .comments
        .unwrap_or_default();
    assert_eq!(comments.len(), 1, "not posted twice: {comments:?}");
    srv.shutdown().await;
}

#[test]
fn cancel_takes_back_only_ops_that_cannot_have_been_sent() {
    let (_d, path) = tmp();
    let ob = Outbox::open(&path, "http://a/api#default").unwrap();
    let waiting = ob.enqueue(put(1, "a", 1.0)).unwrap();
    let sending = ob.enqueue(put(2, "b", 1.0)).unwrap();
    let maybe_sent = ob.enqueue(put(3, "c", 1.0)).unwrap();
    let done = ob.enqueue(put(4, "d", 1.0)).unwrap();
    assert!(ob.claim(sending), "a drainer is sending it");
    ob.mark_attempt(maybe_sent, "timed out", true, false);
    ob.claim(done);
    ob.mark_done(done, None).unwrap();
    let got = ob.cancel(&[waiting, sending, maybe_sent, done]).unwrap();
    assert_eq!(got, vec![waiting]);
    let left: Vec<OpId> = ob.pending().unwrap().iter().map(|p| p.id).collect();
    assert_eq!(left, vec![sending, maybe_sent]);
    assert!(!ob.claim(waiting), "a cancelled op is never sent");
    let mine = ob.enqueue(put(5, "e", 1.0)).unwrap();
    let other = Outbox::open(&path, "http://b/api#default").unwrap();
    assert!(
        other.cancel(&[mine]).unwrap().is_empty(),
        "another server's op"
    );
}
