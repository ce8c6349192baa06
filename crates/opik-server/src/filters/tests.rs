use super::*;

fn f(field: &str, op: &str, key: &str, v: &str) -> Filter {
    Filter {
        field: field.into(),
        operator: op.into(),
        key: Some(key.into()),
        value: Some(v.into()),
        field_type: None,
    }
}

#[test]
fn unknown_field_and_operator_are_named() {
    let mut w = Where::default();
    let e = build(
        Entity::Trace,
        &[f("bogus_col", "=", "", "x")],
        Ctx::default(),
        &mut w,
    )
    .unwrap_err();
    assert!(
        matches!(&e, ServerError::BadRequest(m) if m.contains("bogus_col")),
        "{e}"
    );
    let e = build(
        Entity::Trace,
        &[f("tags", ">", "", "x")],
        Ctx::default(),
        &mut w,
    )
    .unwrap_err();
    assert!(
        matches!(&e, ServerError::BadRequest(m) if m.contains("'>'") && m.contains("tags")),
        "{e}"
    );
    let e = build(
        Entity::Span,
        &[f("thread_id", "=", "", "x")],
        Ctx::default(),
        &mut w,
    )
    .unwrap_err();
    assert!(
        matches!(&e, ServerError::BadRequest(m) if m.contains("thread_id")),
        "{e}"
    );
    let e = build(
        Entity::Trace,
        &[f("error_info", "=", "", "x")],
        Ctx::default(),
        &mut w,
    )
    .unwrap_err();
    assert!(matches!(e, ServerError::BadRequest(_)));
}

#[test]
fn url_decoding() {
    assert_eq!(url_decode("a+b").unwrap(), "a b");
    assert_eq!(url_decode("a%2Bb%25").unwrap(), "a+b%");
    assert!(url_decode("50%").is_err());
    assert!(url_decode("%zz").is_err());
    let mut w = Where::default();
    assert!(
        build(
            Entity::Trace,
            &[f("duration", ">", "", "5%")],
            Ctx::default(),
            &mut w
        )
        .is_err()
    );
    assert!(
        build(
            Entity::Trace,
            &[f("duration", ">", "", "abc")],
            Ctx::default(),
            &mut w
        )
        .is_err()
    );
}

#[test]
fn builds_params() {
    let mut w = Where::default();
    build(
        Entity::Trace,
        &[
            f("metadata", "=", "k", "v"),
            f("feedback_scores", ">", "relevance", "0.5"),
            f("usage.total_tokens", ">", "", "10"),
            f("start_time", ">=", "", "2024-01-01T00:00:00Z"),
        ],
        Ctx::default(),
        &mut w,
    )
    .unwrap();
    assert_eq!(w.sql.len(), 4);
    assert_eq!(w.params.len(), 3 + 2 + 1 + 1);
    assert_eq!(w.params[6], sv("2024-01-01T00:00:00.000000Z"));
}

#[test]
fn sorting_fields() {
    let (s, _) = order_by(
        Entity::Trace,
        &[Sorting {
            field: "duration".into(),
            direction: "ASC".into(),
        }],
    )
    .unwrap();
    assert!(s.starts_with("t.duration ASC"));
    assert!(
        order_by(
            Entity::Trace,
            &[Sorting {
                field: "nope".into(),
                direction: "ASC".into()
            }]
        )
        .is_err()
    );
    let (s, p) = order_by(
        Entity::Thread,
        &[Sorting {
            field: "feedback_scores.q".into(),
            direction: "desc".into(),
        }],
    )
    .unwrap();
    assert!(s.contains("thread"));
    assert_eq!(p.len(), 1);
}

proptest::proptest! {
    #[test]
    fn never_panics(field in "\\PC{0,20}", op in "\\PC{0,12}", key in "\\PC{0,10}", v in "\\PC{0,20}") {
        for e in [Entity::Trace, Entity::Span, Entity::Thread] {
            let mut w = Where::default();
            let _ = build(e, &[f(&field, &op, &key, &v)], Ctx { queues: true }, &mut w);
        }
    }

    #[test]
    fn known_fields_give_valid_sql(v in "\\PC{0,20}", ix in 0usize..8) {
        // every accepted filter must produce SQL that SQLite can prepare and run
        let fields = [("name","contains",""),("metadata","=","a.b"),("tags","contains",""),("duration",">",""),
            ("feedback_scores","<=","x"),("input_json","starts_with","q"),("usage.total_tokens","=",""),("annotation_queue_ids","contains","")];
        let (field, op, key) = fields[ix];
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for part in crate::db::SCHEMA_PARTS { conn.execute_batch(part).unwrap(); }
        conn.execute_batch("CREATE TABLE IF NOT EXISTS annotation_queue_items(queue_id TEXT, item_id TEXT)").unwrap();
        let mut w = Where::default();
        if build(Entity::Trace, &[f(field, op, key, &v)], Ctx { queues: true }, &mut w).is_ok() {
            let sql = format!("SELECT count(*) FROM traces t WHERE {}", w.sql());
            let n: i64 = conn.query_row(&sql, rusqlite::params_from_iter(w.params.iter()), |r| r.get(0)).unwrap();
            proptest::prop_assert_eq!(n, 0);
        }
    }
}
