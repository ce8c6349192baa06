//! The SME's keyboard loop completed (issue 21 item 4), against the embedded server over HTTP,
//! read back over REST:
//! - in the real app (in process): a submit, then `u` — the score and the comment are gone
//!   from the server and the item is open again with the form as submitted; `s` — nothing is
//!   written, the lock is released, the next item opens and the skipped one comes back last;
//! - through the session and the real outbox with no drainer running (offline): an undo
//!   cancels the queued writes, which are never sent; after sending, an undo of an update puts
//!   my earlier score and comment back.
#![allow(clippy::unwrap_used)]

use chrono::Utc;
use crossterm::event::KeyCode;
use opik_tui::annotate::load;
use opik_tui::annotate::session::Session;
use opik_tui::annotate::undo::UndoOutcome;
use opik_tui::app::ScreenRequest;
use opik_tui::opik::client::OpikClient;
use opik_tui::opik::model::{
    AnnotationQueue, FeedbackDefinition, FeedbackDetails, Trace, new_id, ts,
};
use opik_tui::outbox::Outbox;
use serde_json::json;
use uuid::Uuid;

mod common;
use common::driver::Driver;
use common::embedded::Embedded;

const P: &str = "sme-loop";

struct Setup {
    e: Embedded,
    client: OpikClient,
    queue: AnnotationQueue,
    /// The traces, by name `answer-0` … `answer-2`.
    traces: Vec<(String, Uuid)>,
}

async fn setup() -> Setup {
    let e = common::embedded::start(P).await;
    let client = e.client.clone();
    let now = Utc::now();
    let mut traces = Vec::new();
    let mut body = Vec::new();
    for i in 0..3 {
        let id = new_id();
        let name = format!("answer-{i}");
        body.push(json!({"id": id, "project_name": P, "name": name,
            "start_time": ts::format(&(now - chrono::Duration::seconds(10 - i))),
            "input": {"question": format!("Question {i}?")},
            "output": {"answer": format!("Answer {i}.")}}));
        traces.push((name, id));
    }
    e.send(
        reqwest::Method::POST,
        "/v1/private/traces/batch",
        json!({ "traces": body }),
    )
    .await;
    client
        .create_feedback_definition(&FeedbackDefinition {
            id: None,
            name: "helpful".into(),
            description: None,
            details: FeedbackDetails::Numerical {
                min: 0.0,
                max: 10.0,
            },
            created_at: None,
            created_by: None,
            last_updated_at: None,
            last_updated_by: None,
        })
        .await
        .unwrap();
    let qid = client
        .create_queue(&AnnotationQueue {
            project_name: Some(P.into()),
            name: "loop".into(),
            scope: "trace".into(),
            comments_enabled: Some(true),
            feedback_definition_names: Some(vec!["helpful".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<Uuid> = traces.iter().map(|t| t.1).collect();
    client.add_queue_items(qid, &ids).await.unwrap();
    let queue = client.get_queue(qid).await.unwrap();
    Setup {
        e,
        client,
        queue,
        traces,
    }
}

/// My "helpful" value and my comments on a trace, read over REST.
async fn mine(client: &OpikClient, id: Uuid) -> (Option<f64>, Option<String>, Vec<String>) {
    let t: Trace = client.get_trace(id).await.unwrap();
    let score = t
        .feedback_scores
        .unwrap_or_default()
        .into_iter()
        .find(|s| s.name == "helpful");
    let comments = t
        .comments
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.text)
        .collect();
    (
        score.as_ref().and_then(|s| s.value),
        score.and_then(|s| s.reason),
        comments,
    )
}

/// Poll over REST until `ok` holds for trace `id`'s state (or fail after 20 s).
async fn until_rest(
    client: &OpikClient,
    id: Uuid,
    what: &str,
    ok: impl Fn(&(Option<f64>, Option<String>, Vec<String>)) -> bool,
) {
    let start = std::time::Instant::now();
    loop {
        let m = mine(client, id).await;
        if ok(&m) {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "never saw {what}: {m:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

impl Setup {
    /// The trace shown on the item screen.
    fn shown(&self, screen: &str) -> (String, Uuid) {
        self.traces
            .iter()
            .find(|(n, _)| screen.contains(&format!("Question {}?", &n[7..])))
            .cloned()
            .unwrap_or_else(|| panic!("no trace on screen:\n{screen}"))
    }

    fn driver(&self) -> Driver {
        self.e.driver(140, 40)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn u_takes_back_a_submit_and_s_skips_in_the_app() {
    let s = setup().await;
    let qid = s.queue.id.unwrap();
    let mut d = s.driver();
    d.app.open(
        &ScreenRequest::Annotate {
            queue: Some(qid.to_string()),
        },
        Utc::now(),
    );
    d.until_has("start annotating").await;
    d.press_code(KeyCode::Enter);
    let screen = d.until_has("item 1/3").await;
    let (first, a) = s.shown(&screen);

    // Score 7 with a comment, submit: it reaches the server.
    d.press('7');
    d.press('c');
    d.type_str("clear and kind");
    d.press_code(KeyCode::Esc);
    d.press_code(KeyCode::Enter);
    let screen = d.until_has("item 2/3").await;
    assert_ne!(s.shown(&screen).0, first);
    until_rest(&s.client, a, "the submit", |m| {
        m.0 == Some(7.0) && m.2 == ["clear and kind"]
    })
    .await;

    // `u`: back on the item with the form as submitted; the server forgets the submit.
    d.press('u');
    let screen = d.until_has("Undone").await;
    assert_eq!(s.shown(&screen).0, first, "{screen}");
    assert!(screen.contains("[7"), "the form as submitted:\n{screen}");
    assert!(screen.contains("clear and kind"), "{screen}");
    until_rest(&s.client, a, "the undo", |m| {
        m.0.is_none() && m.2.is_empty()
    })
    .await;

    // `s`: nothing is written, my lock goes, the next item opens.
    d.press('s');
    let screen = d.until_has("Skipped").await;
    let (second, b) = s.shown(&screen);
    assert_ne!(second, first);
    let locks = s.client.queue_locks(qid).await.unwrap();
    assert!(
        !locks.locks.contains_key(&a.to_string()),
        "the skipped item's lock is released: {locks:?}"
    );
    assert_eq!(mine(&s.client, a).await, (None, None, Vec::new()));

    // The other two, then the skipped one comes back last.
    d.press('5');
    d.press_code(KeyCode::Enter);
    let screen = d
        .until("the third item", |t| {
            !t.contains(&format!("Question {}?", &second[7..]))
        })
        .await;
    let (third, c) = s.shown(&screen);
    assert!(third != first && third != second, "{screen}");
    d.press('6');
    d.press_code(KeyCode::Enter);
    let screen = d
        .until("the skipped item again", |t| {
            t.contains(&format!("Question {}?", &first[7..]))
        })
        .await;
    assert!(
        screen.contains("item 3/3"),
        "at the end of the order:\n{screen}"
    );
    until_rest(&s.client, b, "b scored", |m| m.0 == Some(5.0)).await;
    until_rest(&s.client, c, "c scored", |m| m.0 == Some(6.0)).await;
    assert_eq!(mine(&s.client, a).await.0, None, "skipping wrote nothing");
}

/// Submit the open item through `outbox` (as the screen does, by its writer thread; then
/// waiting until it is stored): the number of writes queued.
fn submit(session: &mut Session, outbox: &Outbox) -> usize {
    let n = session
        .submit_current(|op| outbox.submit(op).map_err(|e| e.to_string()))
        .unwrap();
    outbox.flush();
    n
}

/// Undo the last submit through `outbox`.
fn undo(session: &mut Session, outbox: &Outbox) -> UndoOutcome {
    let out = session
        .undo_last(
            |tickets| outbox.cancel_submitted(tickets).map_err(|e| e.to_string()),
            |op| outbox.submit(op).map_err(|e| e.to_string()),
        )
        .unwrap();
    outbox.flush();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_undo_cancels_and_a_sent_update_is_put_back() {
    let s = setup().await;
    let (_, a) = s.traces[0].clone();
    // My earlier score and comment on the first trace.
    let outbox = Outbox::open(&s.e.dir.path().join("ob.sqlite"), "offline-test").unwrap();
    let mut session = load::session(&s.client, s.queue.clone()).await.unwrap();
    let pos = session.items.iter().position(|i| i.id == a).unwrap();
    session.go(pos);

    // Offline (no drainer): submit, undo → the queued writes are cancelled, never sent.
    let f = session.current_form_mut().unwrap();
    f.digit(9);
    f.comment = "never sent".into();
    let n = submit(&mut session, &outbox);
    assert_eq!(n, 2);
    let out = undo(&mut session, &outbox);
    assert_eq!((out.cancelled, out.reversed), (2, 0));
    let report = outbox.drain_once(&s.client, &|_| {}).await;
    assert_eq!((report.applied, report.pending), (0, 0), "{report:?}");
    assert_eq!(mine(&s.client, a).await, (None, None, Vec::new()));

    // Submit 3 with a reason and a comment, and send it: my earlier values.
    let f = session.current_form_mut().unwrap();
    f.clear();
    f.digit(3);
    f.set_reason("first look".into());
    f.comment = "first comment".into();
    submit(&mut session, &outbox);
    outbox.drain_once(&s.client, &|_| {}).await;
    assert_eq!(
        mine(&s.client, a).await,
        (
            Some(3.0),
            Some("first look".into()),
            vec!["first comment".into()]
        )
    );

    // Update to 8 and a new comment text, sent; then undo and send the reversal.
    let f = session.current_form_mut().unwrap();
    f.clear();
    f.digit(8);
    f.set_reason("second look".into());
    f.comment = "changed my mind".into();
    submit(&mut session, &outbox);
    outbox.drain_once(&s.client, &|_| {}).await;
    assert_eq!(mine(&s.client, a).await.0, Some(8.0));
    let out = undo(&mut session, &outbox);
    assert_eq!((out.cancelled, out.reversed), (0, 2));
    let report = outbox.drain_once(&s.client, &|_| {}).await;
    assert_eq!((report.applied, report.pending), (2, 0), "{report:?}");
    assert_eq!(
        mine(&s.client, a).await,
        (
            Some(3.0),
            Some("first look".into()),
            vec!["first comment".into()]
        ),
        "my earlier score and comment are back, and nothing was written twice"
    );
}
