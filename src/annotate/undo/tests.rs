//! Undo and skip on a session: what is cancelled, what is reversed, where the SME lands.

use std::collections::BTreeMap;

use super::*;
use crate::annotate::session::ItemData;
use crate::opik::model::{
    AnnotationQueue, Comment, FeedbackDefinition, FeedbackDetails, FeedbackScore, Thread, Trace,
    ValueEntry,
};
use crate::outbox::CommentTarget;

const ME: &str = "sme";

/// "helpful" (0–10) and "safe" (yes/no).
fn definitions() -> Vec<FeedbackDefinition> {
    vec![
        FeedbackDefinition::new(
            "helpful",
            FeedbackDetails::Numerical {
                min: 0.0,
                max: 10.0,
            },
        ),
        FeedbackDefinition::new(
            "safe",
            FeedbackDetails::Boolean {
                true_label: "safe".into(),
                false_label: "unsafe".into(),
            },
        ),
    ]
}

fn session(scope: &str, items: Vec<ItemData>) -> Session {
    let q = AnnotationQueue {
        id: Some(Uuid::from_u128(9)),
        name: "review".into(),
        project_name: Some("p".into()),
        scope: scope.into(),
        feedback_definition_names: Some(vec!["helpful".into(), "safe".into()]),
        ..Default::default()
    };
    let mut s = Session::new(q, &definitions(), ME, items);
    s.start();
    s
}

/// A trace; `mine` is my earlier "helpful" score and comment.
fn trace(n: u128, mine: Option<(f64, &str)>) -> ItemData {
    let (scores, comments) = match mine {
        Some((v, c)) => {
            let mut by = BTreeMap::new();
            by.insert(
                ME.to_string(),
                ValueEntry {
                    value: Some(v),
                    reason: Some("earlier".into()),
                    ..Default::default()
                },
            );
            let score = FeedbackScore {
                name: "helpful".into(),
                value: Some(v),
                value_by_author: Some(by),
                ..Default::default()
            };
            let comment = Comment {
                id: Some(Uuid::from_u128(500 + n)),
                text: c.into(),
                created_by: Some(ME.into()),
                ..Default::default()
            };
            (Some(vec![score]), Some(vec![comment]))
        }
        None => (None, None),
    };
    ItemData::Trace(Box::new(Trace {
        id: Some(Uuid::from_u128(n)),
        name: Some(format!("trace {n}")),
        feedback_scores: scores,
        comments,
        ..Default::default()
    }))
}

/// Submit the current item with "helpful" = `v`, "safe" = yes and `comment`; the ops queued.
fn submit(s: &mut Session, v: u8, comment: &str) -> Vec<(Ticket, WriteOp)> {
    let f = s.current_form_mut().expect("a form");
    f.focus = 0;
    f.clear();
    f.digit(v);
    f.focus_next();
    f.set_bool(true);
    f.comment = comment.into();
    let mut ops = Vec::new();
    let mut next = 100;
    s.submit_current(|op| {
        next += 1;
        ops.push((Ticket(next), op));
        Ok(Ticket(next))
    })
    .expect("submitted");
    ops
}

#[test]
fn undo_before_anything_was_sent_cancels_it_all_and_reopens_the_form() {
    let mut s = session("trace", vec![trace(1, None), trace(2, None)]);
    let first = s.current_item().expect("item").id;
    let ops = submit(&mut s, 7, "fine");
    assert_eq!(ops.len(), 3);
    s.advance();
    assert_ne!(s.current_item().expect("item").id, first);
    assert_eq!(s.progress().done_for_me, 1);

    let mut asked = Vec::new();
    let out = s
        .undo_last(
            |ids| {
                asked = ids.to_vec();
                Ok(ids.to_vec())
            },
            |op| panic!("nothing to reverse: {op:?}"),
        )
        .expect("undone");
    assert_eq!(asked, vec![Ticket(101), Ticket(102), Ticket(103)]);
    assert_eq!(
        out,
        UndoOutcome {
            cancelled: 3,
            reversed: 0
        }
    );
    // Back on the item, not done, with the form as submitted (unsaved again).
    assert_eq!(s.stage, Stage::Item);
    assert_eq!(s.current_item().expect("item").id, first);
    assert_eq!(s.progress().done_for_me, 0);
    let f = s.current_form_mut().expect("form");
    assert!(f.is_dirty());
    assert_eq!(f.display_value(0).as_deref(), Some("7"));
    assert_eq!(f.comment, "fine");
    assert_eq!(s.current_item().expect("item").comment_ref, None);
    assert_eq!(
        s.undo_last(|_| Ok(Vec::new()), |_| Ok(Ticket(1))),
        Err(UndoError::Nothing)
    );
}

#[test]
fn undo_after_sending_deletes_what_was_new() {
    let mut s = session("trace", vec![trace(1, None)]);
    let ops = submit(&mut s, 4, "new comment");
    let add_id = ops[2].0;
    let mut back = Vec::new();
    let out = s
        .undo_last(
            |_| Ok(Vec::new()),
            |op| {
                back.push(op);
                Ok(Ticket(200 + back.len() as u64))
            },
        )
        .expect("undone");
    assert_eq!(out.reversed, 3);
    let t = Uuid::from_u128(1);
    // Newest first: the comment, then the scores, all mine.
    assert_eq!(
        back,
        vec![
            WriteOp::DeleteComment {
                target: CommentTarget::Trace { trace_id: t },
                comment: CommentRef::Ticket(add_id.0),
            },
            WriteOp::DeleteTraceScore {
                trace_id: t,
                name: "safe".into(),
                author: Some(ME.into()),
            },
            WriteOp::DeleteTraceScore {
                trace_id: t,
                name: "helpful".into(),
                author: Some(ME.into()),
            },
        ]
    );
    assert_eq!(s.progress().done_for_me, 0);
}

#[test]
fn undo_of_an_update_puts_my_previous_values_back() {
    let mut s = session("trace", vec![trace(1, Some((3.0, "old words")))]);
    s.go(0); // done for me already: opened by hand
    assert_eq!(s.progress().done_for_me, 1);
    let ops = submit(&mut s, 8, "new words");
    assert!(matches!(&ops[2].1, WriteOp::UpdateComment { text, .. } if text == "new words"));
    // The score went out; the comment edit still waits and is cancelled.
    let edit = ops[2].0;
    let mut back = Vec::new();
    let out = s
        .undo_last(
            |_| Ok(vec![edit]),
            |op| {
                back.push(op);
                Ok(Ticket(300))
            },
        )
        .expect("undone");
    assert_eq!(
        out,
        UndoOutcome {
            cancelled: 1,
            reversed: 2
        }
    );
    let WriteOp::DeleteTraceScore { name, .. } = &back[0] else {
        panic!("{back:?}")
    };
    assert_eq!(name, "safe", "I had no earlier safety score");
    let WriteOp::PutTraceScore { score, .. } = &back[1] else {
        panic!("{back:?}")
    };
    assert_eq!(
        (score.name.as_str(), score.value, score.reason.as_deref()),
        ("helpful", Some(3.0), Some("earlier"))
    );
    assert_eq!(score.source_queue_id, Some(Uuid::from_u128(9)));
    assert_eq!(s.progress().done_for_me, 1, "it was done before the submit");
    assert_eq!(
        s.current_item().expect("item").comment_ref,
        Some(CommentRef::Id(Uuid::from_u128(501)))
    );
}

#[test]
fn undo_of_a_deleted_comment_writes_it_again() {
    let mut s = session("trace", vec![trace(1, Some((3.0, "keep me")))]);
    s.go(0);
    let f = s.current_form_mut().expect("form");
    f.comment.clear();
    let mut ops = Vec::new();
    s.submit_current(|op| {
        ops.push(op);
        Ok(Ticket(41))
    })
    .expect("submitted");
    assert!(matches!(&ops[..], [WriteOp::DeleteComment { .. }]));
    let mut back = Vec::new();
    s.undo_last(
        |_| Ok(Vec::new()),
        |op| {
            back.push(op);
            Ok(Ticket(42))
        },
    )
    .expect("undone");
    assert!(
        matches!(&back[..], [WriteOp::AddComment { text, source_queue_id: Some(_), .. }] if text == "keep me")
    );
    assert_eq!(
        s.current_item().expect("item").comment_ref,
        Some(CommentRef::Ticket(42))
    );
}

#[test]
fn undo_on_a_thread_restores_thread_scores_by_thread_id() {
    let thread = ItemData::Thread(Box::new(Thread {
        id: "conv-7".into(),
        thread_model_id: Some(Uuid::from_u128(77)),
        ..Default::default()
    }));
    let mut s = session("thread", vec![thread]);
    submit(&mut s, 5, "");
    let mut back = Vec::new();
    s.undo_last(
        |_| Ok(Vec::new()),
        |op| {
            back.push(op);
            Ok(Ticket(1))
        },
    )
    .expect("undone");
    let [WriteOp::DeleteThreadScores { request }] = &back[..] else {
        panic!("{back:?}")
    };
    assert_eq!(request.thread_id, "conv-7");
    assert_eq!(request.names, ["helpful", "safe"]);
    assert_eq!(request.author.as_deref(), Some(ME));
}

#[test]
fn an_outbox_error_keeps_the_submit_undoable() {
    let mut s = session("trace", vec![trace(1, None)]);
    submit(&mut s, 2, "");
    let r = s.undo_last(|_| Err("disk full".into()), |_| Ok(Ticket(1)));
    assert_eq!(r, Err(UndoError::Outbox("disk full".into())));
    assert!(s.can_undo());
}

#[test]
fn skip_moves_the_item_to_the_end_and_writes_nothing() {
    let mut s = session(
        "trace",
        vec![trace(1, None), trace(2, None), trace(3, None)],
    );
    let order: Vec<Uuid> = s.items.iter().map(|i| i.id).collect();
    assert_eq!(s.current, 0);
    assert_eq!(s.skip_current(), Some(order[0]));
    assert_eq!(s.current_item().expect("item").id, order[1]);
    assert_eq!(
        s.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![order[1], order[2], order[0]],
        "the skipped item comes back at the end"
    );
    assert_eq!(s.progress().done_for_me, 0);
    assert!(!s.can_undo(), "a skip is not a submit");
    // Submit the next two: the skipped one comes back.
    submit(&mut s, 1, "");
    s.advance();
    submit(&mut s, 1, "");
    s.advance();
    assert_eq!(s.current_item().expect("item").id, order[0]);
    // Skipping the only item left shows it again.
    assert_eq!(s.skip_current(), Some(order[0]));
    assert_eq!(s.stage, Stage::Item);
    assert_eq!(s.current_item().expect("item").id, order[0]);
}
