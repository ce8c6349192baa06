use super::*;

/// The default trace page (project, newest first) and its total are served from the
/// `traces_visible_metrics` index, not by scanning trace rows.
#[test]
fn default_page_uses_the_project_index() {
    let conn = Connection::open_in_memory().unwrap();
    for part in crate::db::SCHEMA_PARTS {
        conn.execute_batch(part).unwrap();
    }
    let plan = |sql: &str| -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        rows.join(" | ")
    };
    let p = plan(&format!(
        "SELECT {SELECT} FROM traces t WHERE t.project_id = 'p' AND t.has_create = 1 ORDER BY t.id DESC LIMIT 100"
    ));
    assert!(
        p.contains("traces_visible_metrics") && !p.contains("TEMP B-TREE"),
        "{p}"
    );
    let p = plan("SELECT count(*) FROM traces t WHERE t.project_id = 'p' AND t.has_create = 1");
    assert!(p.contains("COVERING INDEX traces_visible_metrics"), "{p}");
    // what the trace metrics read stays on the index
    for col in ["t.duration", "t.total_estimated_cost", "t.usage"] {
        let p = plan(&format!(
            "SELECT t.id, {col} FROM traces t WHERE t.project_id = 'p' AND t.has_create = 1 AND t.id >= 'a' AND t.id < 'b'"
        ));
        assert!(
            p.contains("COVERING INDEX traces_visible_metrics"),
            "{col}: {p}"
        );
    }
    // the tag count is an index range count
    let p = plan("SELECT count(*) FROM trace_tags WHERE project_id = 'p' AND tag = 'x'");
    assert!(
        p.contains("COVERING INDEX") || p.contains("PRIMARY KEY"),
        "{p}"
    );
}

fn tw(id: uuid::Uuid, project: &str, tags: &[&str]) -> TraceWrite {
    TraceWrite {
        id: Some(id),
        project_name: Some(project.into()),
        name: Some("t".into()),
        start_time: Some(chrono::Utc::now()),
        tags: Some(tags.iter().map(|t| t.to_string()).collect()),
        ..Default::default()
    }
}

fn filter(v: &str) -> Filter {
    Filter {
        field: "tags".into(),
        operator: "contains".into(),
        key: None,
        value: Some(v.into()),
        field_type: None,
    }
}

/// The `trace_tags` count agrees with counting trace rows, through creates, upserts,
/// PATCH tag changes, a PATCH before the create, and deletes.
#[test]
fn tag_count_matches_the_row_count() {
    use opik_model::new_id;
    let conn = Connection::open_in_memory().unwrap();
    for part in crate::db::SCHEMA_PARTS {
        conn.execute_batch(part).unwrap();
    }
    let ids: Vec<uuid::Uuid> = (0..8).map(|_| new_id()).collect();
    let recs = vec![
        tw(ids[0], "p", &["prod"]),
        tw(ids[1], "p", &["prod", "prod-eu"]),
        tw(ids[2], "p", &["dev"]),
        tw(ids[3], "p", &[]),
        tw(ids[4], "q", &["prod"]),
        tw(ids[5], "p", &["PROD", "x_y"]),
    ];
    let recs = recs
        .into_iter()
        .map(CreateRec::from_trace_owned)
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    ingest::create_all(&conn, Kind::Trace, recs, CreateMode::Upsert, "u").unwrap();
    // a PATCH before its create: not counted until the create arrives
    let patch = |id: &uuid::Uuid, add: &[&str], remove: &[&str]| {
        ingest::patch(
            &conn,
            Kind::Trace,
            id,
            PatchRec {
                project_name: Some("p".into()),
                project_id: None,
                fields: Map::new(),
                tags_to_add: add.iter().map(|t| t.to_string()).collect(),
                tags_to_remove: remove.iter().map(|t| t.to_string()).collect(),
            },
            "u",
        )
        .unwrap();
    };
    patch(&ids[6], &["prod"], &[]);
    let pid = projects::resolve(&conn, None, Some("p")).unwrap().unwrap();
    let check_in = |filters: Vec<Filter>, from: Option<Timestamp>, want: i64| {
        let q = TraceQuery {
            project_id: pid.clone(),
            filters,
            from_time: from,
            limit: 10,
            with_total: true,
            ..Default::default()
        };
        let fast = tag_filter_count(&conn, &q)
            .unwrap()
            .expect("tag-only query");
        let mut w = Where::default();
        w.push("t.project_id = ? AND t.has_create = 1", [sv(pid.clone())]);
        filters::build(Entity::Trace, &q.filters, Ctx::detect(&conn), &mut w).unwrap();
        push_id_window(&mut w, "t.id", q.from_time.as_ref(), None);
        let slow: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM traces t WHERE {}", w.sql()),
                params_from_iter(w.params.iter()),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!((fast, slow), (want, want), "{:?} from {from:?}", q.filters);
        assert_eq!(query(&conn, &q).unwrap().1, Some(want));
    };
    let check = |filters: Vec<Filter>, want: i64| check_in(filters, None, want);
    check(vec![filter("prod")], 3); // prod, prod+prod-eu, PROD (LIKE is case-blind)
    check(vec![filter("prod-eu")], 1);
    check(vec![filter("x_y")], 1); // `_` is literal
    check(vec![filter("nope")], 0);
    check(vec![filter("prod"), filter("eu")], 1);
    // a time window (on the id's time)
    let hour = chrono::Duration::hours(1);
    check_in(vec![filter("prod")], Some(chrono::Utc::now() - hour), 3);
    check_in(vec![filter("prod")], Some(chrono::Utc::now() + hour), 0);
    check_in(
        vec![filter("prod"), filter("eu")],
        Some(chrono::Utc::now() - hour),
        1,
    );
    // the create of the patched trace arrives: its patched tags count
    let rec = CreateRec::from_trace_owned(tw(ids[6], "p", &["dev"])).unwrap();
    ingest::create_all(&conn, Kind::Trace, vec![rec], CreateMode::Upsert, "u").unwrap();
    check(vec![filter("prod")], 4);
    check(vec![filter("dev")], 1); // the PATCH's tags win over the create's
    // tag ops, an upsert that replaces the tags, a delete
    patch(&ids[2], &["prod"], &["dev"]);
    check(vec![filter("dev")], 0);
    check(vec![filter("prod")], 5);
    let mut newer = tw(ids[0], "p", &["staging"]);
    newer.last_updated_at = Some(chrono::Utc::now() + chrono::Duration::seconds(5));
    let rec = CreateRec::from_trace_owned(newer).unwrap();
    ingest::create_all(&conn, Kind::Trace, vec![rec], CreateMode::Upsert, "u").unwrap();
    check(vec![filter("prod")], 4);
    check(vec![filter("stag")], 1);
    ingest::delete_traces(&conn, &[ids[1].to_string()]).unwrap();
    check(vec![filter("prod")], 3);
    check(vec![filter("prod-eu")], 0);
    // other filters: the general count
    let q = TraceQuery {
        project_id: pid.clone(),
        filters: vec![Filter {
            field: "name".into(),
            operator: "=".into(),
            key: None,
            value: Some("t".into()),
            field_type: None,
        }],
        ..Default::default()
    };
    assert_eq!(tag_filter_count(&conn, &q).unwrap(), None);
}
