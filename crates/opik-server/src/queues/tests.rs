use std::collections::BTreeSet;

use chrono::Utc;
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::errors::ServerError;
use opik_model::{AnnotationQueue, Reviewer, Timestamp};

use super::*;
use chrono::TimeZone;

fn t(s: i64) -> Timestamp {
    Utc.timestamp_opt(1_800_000_000 + s, 0)
        .single()
        .unwrap_or_default()
}
fn set(xs: &[&str]) -> BTreeSet<String> {
    xs.iter().map(|s| s.to_string()).collect()
}
fn lock(by: &str, exp: i64) -> Lock {
    Lock {
        locked_by: by.into(),
        expires_at: t(exp),
    }
}

#[test]
fn lock_slots_and_expiry() {
    // One slot: alice takes it, bob is refused until it expires.
    assert_eq!(
        decide_lock(t(0), "alice", 1, 300, &set(&[]), &[]),
        LockDecision::Acquired { expires_at: t(300) }
    );
    let locks = [lock("alice", 300)];
    assert_eq!(
        decide_lock(t(10), "bob", 1, 300, &set(&[]), &locks),
        LockDecision::Refused {
            locked_by: Some("alice".into()),
            expires_at: Some(t(300))
        }
    );
    assert_eq!(
        decide_lock(t(300), "bob", 1, 300, &set(&[]), &locks),
        LockDecision::Acquired { expires_at: t(600) }
    );
    // Renewal by the holder extends it.
    assert_eq!(
        decide_lock(t(200), "alice", 1, 300, &set(&[]), &locks),
        LockDecision::Acquired { expires_at: t(500) }
    );
}

#[test]
fn people_who_scored_use_up_slots() {
    // Two annotators per item, carol already scored: one slot left.
    let done = set(&["carol"]);
    assert!(matches!(
        decide_lock(t(0), "alice", 2, 60, &done, &[]),
        LockDecision::Acquired { .. }
    ));
    let locks = [lock("alice", 60)];
    assert!(matches!(
        decide_lock(t(1), "bob", 2, 60, &done, &locks),
        LockDecision::Refused { .. }
    ));
    // A lock still held by someone who has since scored takes no extra slot.
    let done2 = set(&["carol", "alice"]);
    assert_eq!(
        decide_lock(t(1), "bob", 3, 60, &done2, &locks),
        LockDecision::Acquired { expires_at: t(61) }
    );
    // Complete item: refused without a holder; the scorers themselves may come back.
    assert_eq!(
        decide_lock(t(1), "bob", 2, 60, &done2, &[]),
        LockDecision::Refused {
            locked_by: None,
            expires_at: None
        }
    );
    assert!(matches!(
        decide_lock(t(1), "carol", 2, 60, &done2, &[]),
        LockDecision::Acquired { .. }
    ));
}

fn db() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch(crate::db::CORE_SCHEMA).unwrap();
    c.execute_batch(SCHEMA).unwrap();
    c.execute(
        "INSERT INTO projects(id,name,created_at,last_updated_at) VALUES('0190babc-0000-7000-8000-000000000001','p','t','t')",
        [],
    )
    .unwrap();
    c
}

#[test]
fn thread_queue_progress_counts_scores_and_comments() {
    let c = db();
    let q = AnnotationQueue {
        project_id: Uuid::parse_str("0190babc-0000-7000-8000-000000000001").ok(),
        name: "threads".into(),
        scope: "thread".into(),
        feedback_definition_names: Some(vec!["resolved".into()]),
        ..Default::default()
    };
    let id = insert(&c, &q, "admin").unwrap();
    let (m1, m2) = (Uuid::now_v7(), Uuid::now_v7());
    for (m, t) in [(m1, "chat-1"), (m2, "chat-2")] {
        c.execute(
            "INSERT INTO threads(project_id,thread_id,thread_model_id,created_at,last_updated_at) VALUES('0190babc-0000-7000-8000-000000000001',?1,?2,'t','t')",
            params![t, m.to_string()],
        )
        .unwrap();
    }
    add_items(&c, &id, &[m1, m2]).unwrap();
    // alice scores thread 1 (keyed by thread_model_id), bob comments on thread 2.
    c.execute(
        "INSERT INTO feedback_scores(entity_type,entity_id,project_id,name,author,value,created_at,last_updated_at) VALUES('thread',?1,'0190babc-0000-7000-8000-000000000001','resolved','alice',1,'t','t')",
        [m1.to_string()],
    )
    .unwrap();
    c.execute(
        "INSERT INTO comments(id,entity_type,entity_id,text,created_at,created_by,last_updated_at) VALUES('c1','thread',?1,'hm','t','bob','t')",
        [m2.to_string()],
    )
    .unwrap();
    let p = to_public(&c, &get_row(&c, &id).unwrap().unwrap()).unwrap();
    assert_eq!(p.items_count, Some(2));
    assert_eq!(
        p.reviewers,
        Some(vec![
            Reviewer {
                username: "alice".into(),
                status: Some(1)
            },
            Reviewer {
                username: "bob".into(),
                status: Some(1)
            },
        ])
    );
    // Thread 1 is complete (one annotator per item): carol is refused, alice is not.
    assert!(!claim_lock(&c, &id, &m1, "carol", t(0)).unwrap().acquired);
    assert!(claim_lock(&c, &id, &m1, "alice", t(0)).unwrap().acquired);
    assert!(claim_lock(&c, &id, &m1, "alice", t(0)).unwrap().acquired);
}

#[test]
fn claim_lock_in_storage_with_injected_clock() {
    let c = db();
    let q = AnnotationQueue {
        project_id: Uuid::parse_str("0190babc-0000-7000-8000-000000000001").ok(),
        name: "q".into(),
        scope: "trace".into(),
        feedback_definition_names: Some(vec!["helpfulness".into()]),
        lock_timeout_seconds: Some(100),
        ..Default::default()
    };
    let id = insert(&c, &q, "admin").unwrap();
    let item = Uuid::now_v7();
    assert!(matches!(
        claim_lock(&c, &id, &item, "alice", t(0)),
        Err(ServerError::NotFound(_))
    ));
    add_items(&c, &id, &[item]).unwrap();
    let r = claim_lock(&c, &id, &item, "alice", t(0)).unwrap();
    assert!(r.acquired && r.expires_at == Some(t(100)));
    let r = claim_lock(&c, &id, &item, "bob", t(50)).unwrap();
    assert!(!r.acquired && r.locked_by.as_deref() == Some("alice"));
    assert_eq!(
        active_locks(&c, &id, t(50)).unwrap().locks[&item.to_string()].locked_by,
        vec!["alice"]
    );
    assert!(active_locks(&c, &id, t(100)).unwrap().locks.is_empty());
    // alice scores the item: it is complete (1 annotator), so bob is still refused even
    // after alice's lock expires, while alice may lock it again.
    c.execute(
        "INSERT INTO feedback_scores(entity_type,entity_id,name,author,value,created_at,last_updated_at) VALUES('trace',?1,'helpfulness','alice',1,'t','t')",
        [item.to_string()],
    )
    .unwrap();
    let r = claim_lock(&c, &id, &item, "bob", t(150)).unwrap();
    assert!(!r.acquired && r.locked_by.is_none());
    assert!(
        claim_lock(&c, &id, &item, "alice", t(150))
            .unwrap()
            .acquired
    );
    let pubq = to_public(&c, &get_row(&c, &id).unwrap().unwrap()).unwrap();
    assert_eq!(pubq.items_count, Some(1));
    assert_eq!(
        pubq.reviewers,
        Some(vec![Reviewer {
            username: "alice".into(),
            status: Some(1)
        }])
    );
    assert_eq!(pubq.feedback_scores.unwrap()[0].value, Some(1.0));
}
