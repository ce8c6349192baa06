//! Tests of one SME's pass through a queue: fields, resume, submit, comments, locks.

use super::*;
use crate::opik::model::{FeedbackDetails, ValueEntry};
use std::collections::BTreeMap;

fn defs() -> Vec<FeedbackDefinition> {
    vec![
        FeedbackDefinition {
            id: None,
            name: "correct".into(),
            description: Some("Is it right?".into()),
            details: FeedbackDetails::Boolean {
                true_label: "Yes".into(),
                false_label: "No".into(),
            },
            created_at: None,
            created_by: None,
            last_updated_at: None,
            last_updated_by: None,
        },
        FeedbackDefinition {
            id: None,
            name: "rating".into(),
            description: None,
            details: FeedbackDetails::Numerical { min: 0.0, max: 5.0 },
            created_at: None,
            created_by: None,
            last_updated_at: None,
            last_updated_by: None,
        },
    ]
}

fn queue(scope: &str) -> AnnotationQueue {
    AnnotationQueue {
        id: Some(Uuid::from_u128(100)),
        name: "q".into(),
        project_name: Some("proj".into()),
        scope: scope.into(),
        feedback_definition_names: Some(vec!["rating".into(), "correct".into()]),
        annotators_per_item: Some(1),
        ..Default::default()
    }
}

fn trace(n: u128, scored_by: Option<&str>) -> ItemData {
    let scores = scored_by.map(|who| {
        let mut by = BTreeMap::new();
        by.insert(
            who.to_string(),
            ValueEntry {
                value: Some(3.0),
                ..Default::default()
            },
        );
        vec![FeedbackScore {
            name: "rating".into(),
            value: Some(3.0),
            value_by_author: Some(by),
            ..Default::default()
        }]
    });
    ItemData::Trace(Box::new(Trace {
        id: Some(Uuid::from_u128(n)),
        name: Some(format!("t{n}")),
        feedback_scores: scores,
        ..Default::default()
    }))
}

fn collect() -> (Vec<WriteOp>, impl FnMut(WriteOp) -> Result<Ticket, String>) {
    (Vec::new(), |_op| Ok(Ticket(1)))
}

#[test]
fn fields_follow_queue_order_and_resume_skips_done_items() {
    let data = vec![
        trace(1, Some("me")),
        trace(2, None),
        trace(3, Some("bob")),
        trace(4, None),
    ];
    let mut s = Session::new(queue("trace"), &defs(), "me", data);
    assert_eq!(
        s.defs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["rating", "correct"]
    );
    assert_eq!(s.progress().done_for_me, 1);
    assert_eq!(s.progress().completed, 2);
    s.start();
    assert_eq!(s.stage, Stage::Item);
    let cur = s.current_item().unwrap().id;
    assert!(cur == Uuid::from_u128(2) || cur == Uuid::from_u128(4));
    // My earlier score shows on my item.
    let mine = s
        .items
        .iter()
        .position(|i| i.id == Uuid::from_u128(1))
        .unwrap();
    s.go(mine);
    assert_eq!(
        s.current_form_mut().unwrap().display_value(0).as_deref(),
        Some("3")
    );
}

#[test]
fn a_comment_submitted_but_not_stored_yet_is_edited_by_its_ticket_then_by_its_op() {
    let mut s = Session::new(queue("trace"), &defs(), "me", vec![trace(1, None)]);
    s.start();
    s.current_form_mut().unwrap().comment = "first".into();
    s.submit_current(|_| Ok(Ticket(7))).unwrap();
    assert_eq!(s.items[0].comment_ref, Some(CommentRef::Ticket(7)));
    // Edited again before the writer answered: the edit names the ticket.
    s.current_form_mut().unwrap().comment = "second".into();
    let mut ops = Vec::new();
    s.submit_current(|op| {
        ops.push(op);
        Ok(Ticket(8))
    })
    .unwrap();
    assert!(matches!(
        &ops[..],
        [WriteOp::UpdateComment {
            comment: CommentRef::Ticket(7),
            ..
        }]
    ));
    // Stored as op 41: the comment is now known by it (and by its id once created).
    s.op_stored(Ticket(7), 41);
    assert_eq!(s.items[0].comment_ref, Some(CommentRef::Op(41)));
    s.comment_created(41, Uuid::from_u128(9));
    assert_eq!(
        s.items[0].comment_ref,
        Some(CommentRef::Id(Uuid::from_u128(9)))
    );
}

#[test]
fn submit_writes_scores_with_queue_and_source_then_advances() {
    let data = vec![trace(1, None), trace(2, None)];
    let mut s = Session::new(queue("trace"), &defs(), "me", data);
    s.start();
    let first = s.current;
    let f = s.current_form_mut().unwrap();
    f.digit(4);
    f.focus_next();
    f.set_bool(true);
    f.comment = "looks fine".into();
    let (mut ops, _) = collect();
    let n = s
        .submit_current(|op| {
            ops.push(op);
            Ok(Ticket(ops.len() as u64))
        })
        .unwrap();
    assert_eq!(n, 3);
    let WriteOp::PutTraceScore { score, .. } = &ops[0] else {
        panic!("{ops:?}")
    };
    assert_eq!(score.name, "rating");
    assert_eq!(score.source.as_deref(), Some("ui"));
    assert_eq!(score.source_queue_id, Some(Uuid::from_u128(100)));
    let WriteOp::PutTraceScore { score, .. } = &ops[1] else {
        panic!()
    };
    assert_eq!(score.category_name.as_deref(), Some("Yes"));
    assert!(
        matches!(&ops[2], WriteOp::AddComment { text, source_queue_id: Some(_), .. } if text == "looks fine")
    );
    assert_eq!(s.items[first].comment_ref, Some(CommentRef::Ticket(3)));
    assert_eq!(s.progress().done_for_me, 1);
    s.advance();
    assert_ne!(s.current, first);
    s.advance();
    assert_eq!(s.stage, Stage::Finished, "no other item left to review");
    // Editing the comment again updates the pending one instead of adding another.
    s.go(first);
    s.current_form_mut().unwrap().comment = "changed".into();
    let mut ops2 = Vec::new();
    s.submit_current(|op| {
        ops2.push(op);
        Ok(Ticket(9))
    })
    .unwrap();
    assert!(matches!(
        &ops2[..],
        [WriteOp::UpdateComment {
            comment: CommentRef::Ticket(3),
            ..
        }]
    ));
}

#[test]
fn invalid_fields_block_the_submit() {
    let mut s = Session::new(queue("trace"), &defs(), "me", vec![trace(1, None)]);
    s.start();
    let f = s.current_form_mut().unwrap();
    f.digit(9);
    let r = s.submit_current(|_| panic!("nothing may be sent"));
    assert!(matches!(r, Err(SubmitError::Invalid(e)) if e[0].1.contains("out of range")));
    assert_eq!(s.progress().done_for_me, 0);
}

#[test]
fn thread_items_score_by_thread_id_and_comment_by_model_id() {
    let thread = ItemData::Thread(Box::new(Thread {
        id: "conv-1".into(),
        thread_model_id: Some(Uuid::from_u128(55)),
        status: Some("active".into()),
        ..Default::default()
    }));
    let mut s = Session::new(queue("thread"), &defs(), "me", vec![thread]);
    s.start();
    let f = s.current_form_mut().unwrap();
    f.digit(2);
    f.comment = "ok".into();
    let mut ops = Vec::new();
    s.submit_current(|op| {
        ops.push(op);
        Ok(Ticket(1))
    })
    .unwrap();
    let WriteOp::PutThreadScores {
        project_name,
        thread_id,
        scores,
    } = &ops[0]
    else {
        panic!()
    };
    assert_eq!(
        (project_name.as_str(), thread_id.as_str()),
        ("proj", "conv-1")
    );
    assert_eq!(scores[0].thread_id.as_deref(), Some("conv-1"));
    assert!(matches!(&ops[1], WriteOp::AddComment {
        target: CommentTarget::Thread { thread_model_id, .. }, ..
    } if *thread_model_id == Uuid::from_u128(55)));
    // Clearing the score deletes mine.
    let f = s.current_form_mut().unwrap();
    f.clear();
    let mut ops = Vec::new();
    s.submit_current(|op| {
        ops.push(op);
        Ok(Ticket(2))
    })
    .unwrap();
    assert!(
        matches!(&ops[0], WriteOp::DeleteThreadScores { request } if request.names == ["rating"] && request.author.as_deref() == Some("me"))
    );
}

#[test]
fn unsaved_edits_are_kept_per_item() {
    let mut s = Session::new(
        queue("trace"),
        &defs(),
        "me",
        vec![trace(1, None), trace(2, None)],
    );
    s.start();
    let a = s.current;
    s.current_form_mut().unwrap().digit(1);
    s.step(1);
    assert_eq!(s.unsaved(), 1);
    s.step(-1);
    assert_eq!(s.current, a);
    assert_eq!(
        s.current_form_mut().unwrap().display_value(0).as_deref(),
        Some("1")
    );
}

#[test]
fn my_latest_comment_prefers_this_queue() {
    let c = |id: u128, by: &str, q: Option<u128>, t: i64| Comment {
        id: Some(Uuid::from_u128(id)),
        text: format!("c{id}"),
        created_by: Some(by.into()),
        source_queue_id: q.map(Uuid::from_u128),
        created_at: DateTime::from_timestamp(t, 0),
        ..Default::default()
    };
    let all = vec![
        c(1, "me", Some(100), 10),
        c(2, "me", None, 20),
        c(3, "bob", Some(100), 30),
    ];
    assert_eq!(
        my_latest_comment(&all, "me", Some(Uuid::from_u128(100)))
            .unwrap()
            .text,
        "c1"
    );
    assert_eq!(
        my_latest_comment(&all, "me", Some(Uuid::from_u128(7)))
            .unwrap()
            .text,
        "c2"
    );
    assert!(my_latest_comment(&all, "eve", None).is_none());
}
