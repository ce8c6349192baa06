//! Tests of submitting ops off the calling thread: answered at once even while the file is
//! locked, stored in order with their ids told to subscribers, comment tickets resolved, and
//! nothing lost when the handle shuts down right after a submit.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::tests::tmp;
use super::*;
use crate::opik::model::FeedbackScoreItem;

fn put(trace: u128, v: f64) -> WriteOp {
    WriteOp::PutTraceScore {
        trace_id: Uuid::from_u128(trace),
        score: FeedbackScoreItem {
            name: "rating".into(),
            value: Some(v),
            ..Default::default()
        },
    }
}

/// The events a subscriber hears, in order.
fn listen(ob: &Outbox) -> (Subscription, mpsc::Receiver<OutboxEvent>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let sub = ob.subscribe(move |ev| {
        if let Ok(t) = tx.lock() {
            let _ = t.send(ev);
        }
    });
    (sub, rx)
}

#[test]
fn a_submit_returns_at_once_while_the_file_is_locked_and_is_stored_after() {
    let (_d, path) = tmp();
    let ob = Outbox::open(&path, "t").expect("open");
    let (_sub, events) = listen(&ob);
    // Another writer holds the file (a long transaction elsewhere, a slow disk).
    let other = Connection::open(&path).expect("second connection");
    other.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let started = Instant::now();
    let tickets: Vec<Ticket> = (0..3)
        .map(|i| ob.submit(put(1, f64::from(i))).expect("submit"))
        .collect();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(200), "submit waited {took:?}");
    assert!(
        events.recv_timeout(Duration::from_millis(300)).is_err(),
        "nothing is stored while the file is locked"
    );
    other.execute_batch("COMMIT").expect("unlock");
    ob.flush();
    let stored: Vec<(Ticket, OpId)> = events
        .try_iter()
        .filter_map(|ev| match ev {
            OutboxEvent::Stored { ticket, id, .. } => Some((ticket, id)),
            _ => None,
        })
        .collect();
    assert_eq!(
        stored.iter().map(|s| s.0).collect::<Vec<_>>(),
        tickets,
        "stored in submit order"
    );
    let pending = ob.pending().expect("pending");
    assert_eq!(
        pending.iter().map(|p| p.id).collect::<Vec<_>>(),
        stored.iter().map(|s| s.1).collect::<Vec<_>>()
    );
    assert_eq!(pending[2].op, put(1, 2.0));
}

#[test]
fn an_edit_of_a_comment_not_stored_yet_refers_to_its_create() {
    let (_d, path) = tmp();
    let ob = Outbox::open(&path, "t").expect("open");
    let target = CommentTarget::Trace {
        trace_id: Uuid::from_u128(5),
    };
    let add = ob
        .submit(WriteOp::AddComment {
            target: target.clone(),
            text: "first".into(),
            source_queue_id: None,
        })
        .expect("submit");
    ob.submit(WriteOp::UpdateComment {
        target: target.clone(),
        comment: CommentRef::Ticket(add.0),
        text: "second".into(),
    })
    .expect("submit");
    // A ticket this writer never stored: refused, not stored with a dangling reference.
    let (_sub, events) = listen(&ob);
    ob.submit(WriteOp::DeleteComment {
        target,
        comment: CommentRef::Ticket(999),
    })
    .expect("submit");
    ob.flush();
    let pending = ob.pending().expect("pending");
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert!(matches!(
        pending[1].op,
        WriteOp::UpdateComment { comment: CommentRef::Op(id), .. } if id == pending[0].id
    ));
    assert!(
        events
            .try_iter()
            .any(|e| matches!(e, OutboxEvent::NotStored { .. })),
        "the dangling edit is reported"
    );
}

#[test]
fn shutting_down_right_after_a_submit_loses_nothing() {
    let (_d, path) = tmp();
    {
        let ob = Outbox::open(&path, "t").expect("open");
        for i in 0..20 {
            ob.submit(put(i, 1.0)).expect("submit");
        }
        ob.shutdown();
    }
    let ob = Outbox::open(&path, "t").expect("reopen");
    assert_eq!(ob.pending_count(), 20);
}

#[test]
fn an_undo_takes_back_by_ticket_what_is_still_waiting_even_before_it_is_stored() {
    let (_d, path) = tmp();
    let ob = Outbox::open(&path, "t").expect("open");
    let sent = ob.submit(put(1, 1.0)).expect("submit");
    ob.flush();
    // The drainer is sending the first op (it holds its lease): it cannot be taken back.
    let first = ob.pending().expect("pending")[0].id;
    assert!(ob.claim(first));
    // Submitted and not stored yet when the undo comes: the undo waits for the writer.
    let waiting = ob.submit(put(2, 2.0)).expect("submit");
    let back = ob.cancel_submitted(&[sent, waiting]).expect("cancel");
    assert_eq!(back, vec![waiting]);
    let pending = ob.pending().expect("pending");
    assert_eq!(
        pending.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![first]
    );
    // A ticket this handle never stored is never sent: taken back too.
    assert_eq!(
        ob.cancel_submitted(&[Ticket(999)]).expect("cancel"),
        vec![Ticket(999)]
    );
}
