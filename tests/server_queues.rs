//! Annotation queues and feedback definitions over real HTTP against the embedded server:
//! CRUD, paging, filters, items, progress (reviewers) and item locks with several users.
#![allow(clippy::unwrap_used)]

use opik_tui::server::{ServerConfig, ServerHandle, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

struct Srv {
    handle: ServerHandle,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

const USERS: &[(&str, &str)] = &[("alice", "key-a"), ("bob", "key-b"), ("carol", "key-c")];

impl Srv {
    async fn start() -> Srv {
        let dir = tempfile::tempdir().unwrap();
        let users = dir.path().join("users.toml");
        let text: String = USERS
            .iter()
            .map(|(u, k)| format!("{u} = \"{k}\"\n"))
            .collect();
        std::fs::write(&users, text).unwrap();
        let handle = spawn(ServerConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            db_path: dir.path().join("t.db"),
            api_key: None,
            users_file: Some(users),
        })
        .await
        .unwrap();
        Srv {
            handle,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }
    fn url(&self, p: &str) -> String {
        format!("{}/v1/private/{p}", self.handle.base_url())
    }
    fn key(user: &str) -> &'static str {
        USERS
            .iter()
            .find(|(u, _)| *u == user)
            .map(|(_, k)| *k)
            .unwrap()
    }
    async fn send(
        &self,
        user: &str,
        method: reqwest::Method,
        p: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut rb = self
            .http
            .request(method, self.url(p))
            .header("authorization", Self::key(user));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v, headers)
    }
    async fn get(&self, user: &str, p: &str) -> (StatusCode, Value) {
        let (s, v, _) = self.send(user, reqwest::Method::GET, p, None).await;
        (s, v)
    }
    async fn post(&self, user: &str, p: &str, b: Value) -> (StatusCode, Value) {
        let (s, v, _) = self.send(user, reqwest::Method::POST, p, Some(b)).await;
        (s, v)
    }
    /// A project row (projects are created by ingest; the queue only needs one to exist).
    async fn project(&self, name: &str) -> Uuid {
        let id = Uuid::now_v7();
        let name = name.to_string();
        self.handle
            .db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO projects(id,name,created_at,last_updated_at) VALUES(?1,?2,'2026-01-01T00:00:00.000000Z','2026-01-01T00:00:00.000000Z')",
                    rusqlite::params![id.to_string(), name],
                )?;
                Ok(())
            })
            .await
            .unwrap();
        id
    }
    /// A score by `author` on a trace, as the score endpoints store it.
    async fn score(&self, trace: Uuid, name: &str, author: &str, value: f64) {
        let (name, author) = (name.to_string(), author.to_string());
        self.handle
            .db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO feedback_scores(entity_type,entity_id,name,author,value,source,created_at,last_updated_at) VALUES('trace',?1,?2,?3,?4,'ui','t','t')",
                    rusqlite::params![trace.to_string(), name, author, value],
                )?;
                Ok(())
            })
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn queue_crud_paging_filters() {
    let s = Srv::start().await;
    let pid = s.project("shop").await;
    let other = s.project("other").await;
    let qid = Uuid::now_v7();
    // Create as the SDK does: client id, explicit nulls.
    let (st, _, h) = s
        .send("alice", reqwest::Method::POST, "annotation-queues", Some(json!({
            "id": qid, "project_id": pid, "name": "review-traces", "description": null, "instructions": "rate it",
            "scope": "trace", "comments_enabled": true, "feedback_definition_names": ["relevance"]})))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(
        h["location"],
        format!("/v1/private/annotation-queues/{qid}").as_str()
    );
    let (st, q) = s.get("bob", &format!("annotation-queues/{qid}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(q["project_name"], "shop");
    assert_eq!(q["annotators_per_item"], 1);
    assert_eq!(q["lock_timeout_seconds"], 300);
    assert_eq!(q["items_count"], 0);
    assert_eq!(q["created_by"], "alice");
    assert_eq!(q["feedback_definition_names"], json!(["relevance"]));
    assert!(q.get("description").is_none(), "nulls are omitted: {q}");

    // Errors: duplicate id 409, non-v7 id 400, missing project 422, unknown project 404.
    let (st, _) = s
        .post(
            "alice",
            "annotation-queues",
            json!({"id": qid, "project_id": pid, "name": "x", "scope": "trace"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, v) = s
        .post(
            "alice",
            "annotation-queues",
            json!({"id": Uuid::new_v4(), "project_id": pid, "name": "y", "scope": "trace"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let (st, v) = s
        .post(
            "alice",
            "annotation-queues",
            json!({"name": "z", "scope": "trace"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["errors"][0].as_str().unwrap().contains("project_id"));
    let (st, _) = s
        .post(
            "alice",
            "annotation-queues",
            json!({"project_id": Uuid::now_v7(), "name": "z", "scope": "trace"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = s
        .post(
            "alice",
            "annotation-queues",
            json!({"project_id": pid, "name": "z", "scope": "span"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // Batch create (all-or-nothing): 204, then a batch with a bad item changes nothing.
    let (st, _) = s.post("alice", "annotation-queues/batch", json!({"annotation_queues": [
        {"project_id": pid, "name": "threads-1", "scope": "thread", "annotators_per_item": 2, "lock_timeout_seconds": 60},
        {"project_id": other, "name": "other-q", "scope": "trace"}]})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = s
        .post(
            "alice",
            "annotation-queues/batch",
            json!({"annotation_queues": [
        {"project_id": pid, "name": "never", "scope": "thread"},
        {"project_id": pid, "name": "bad", "scope": "trace", "annotators_per_item": 0}]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // List: the SDK's project filter and paging, past the end → empty content.
    let filters = json!([{"field": "project_id", "type": "string", "operator": "=", "value": pid.to_string()}]).to_string();
    let enc: String = url::form_urlencoded::byte_serialize(filters.as_bytes()).collect();
    let (st, p) = s
        .get(
            "alice",
            &format!("annotation-queues?page=1&size=100&filters={enc}"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(p["total"], 2);
    let names: Vec<&str> = p["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["threads-1", "review-traces"], "newest first");
    let (_, p) = s
        .get(
            "alice",
            &format!("annotation-queues?page=2&size=100&filters={enc}"),
        )
        .await;
    assert_eq!(p["content"], json!([]));
    let (_, p) = s.get("alice", "annotation-queues?page=2&size=1").await;
    assert_eq!(
        (p["total"].as_i64(), p["content"].as_array().unwrap().len()),
        (Some(3), 1)
    );
    let (_, p) = s.get("alice", "annotation-queues?name=THREAD").await;
    assert_eq!(p["content"][0]["name"], "threads-1");
    assert_eq!(p["content"][0]["annotators_per_item"], 2);
    let sorting: String =
        url::form_urlencoded::byte_serialize(br#"[{"field":"name","direction":"ASC"}]"#).collect();
    let (_, p) = s
        .get("alice", &format!("annotation-queues?sorting={sorting}"))
        .await;
    assert_eq!(p["content"][0]["name"], "other-q");
    let bad: String =
        url::form_urlencoded::byte_serialize(br#"[{"field":"bogus","operator":"=","value":"x"}]"#)
            .collect();
    let (st, v) = s
        .get("alice", &format!("annotation-queues?filters={bad}"))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("bogus"), "{v}");

    // PATCH keeps what it does not name.
    let (st, _, _) = s
        .send(
            "bob",
            reqwest::Method::PATCH,
            &format!("annotation-queues/{qid}"),
            Some(json!({"annotators_per_item": 2, "description": "now described"})),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, q) = s.get("alice", &format!("annotation-queues/{qid}")).await;
    assert_eq!(
        (
            q["annotators_per_item"].as_i64(),
            q["description"].as_str(),
            q["instructions"].as_str()
        ),
        (Some(2), Some("now described"), Some("rate it"))
    );
    assert_eq!(q["last_updated_by"], "bob");
    let (st, _, _) = s
        .send(
            "bob",
            reqwest::Method::PATCH,
            &format!("annotation-queues/{qid}"),
            Some(json!({"lock_timeout_seconds": 0})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // Delete: gone (404), and the list no longer has it.
    let (st, _) = s
        .post("alice", "annotation-queues/delete", json!({"ids": [qid]}))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, v) = s.get("alice", &format!("annotation-queues/{qid}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(v["code"], 404);
    let (_, p) = s.get("alice", "annotation-queues").await;
    assert_eq!(p["total"], 2);
}

#[tokio::test]
async fn items_progress_and_locks() {
    let s = Srv::start().await;
    let pid = s.project("shop").await;
    let qid = Uuid::now_v7();
    let (st, _) = s
        .post(
            "alice",
            "annotation-queues",
            json!({"id": qid, "project_id": pid, "name": "q",
        "scope": "trace", "feedback_definition_names": ["helpfulness"], "annotators_per_item": 2}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let items: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    let (st, _) = s
        .post(
            "alice",
            &format!("annotation-queues/{qid}/items/add"),
            json!({"ids": items}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    // Adding again is idempotent.
    s.post(
        "alice",
        &format!("annotation-queues/{qid}/items/add"),
        json!({"ids": [items[0]]}),
    )
    .await;
    let (_, q) = s.get("alice", &format!("annotation-queues/{qid}")).await;
    assert_eq!(q["items_count"], 3);
    let stranger = Uuid::now_v7();
    let (st, v) = s
        .post(
            "alice",
            &format!("annotation-queues/{qid}/items/search"),
            json!({"ids": [items[1], stranger]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["ids"], json!([items[1]]));
    let (st, _) = s
        .post(
            "alice",
            &format!("annotation-queues/{qid}/items/add"),
            json!({"ids": []}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, _) = s
        .post(
            "alice",
            &format!("annotation-queues/{}/items/add", Uuid::now_v7()),
            json!({"ids": [stranger]}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Locks: two slots per item. alice and bob get one each, carol is refused.
    let lock = |u: &'static str, item: Uuid| {
        let s = &s;
        async move {
            s.send(
                u,
                reqwest::Method::PUT,
                &format!("annotation-queues/{qid}/items/{item}/lock"),
                None,
            )
            .await
            .1
        }
    };
    let a = lock("alice", items[0]).await;
    assert_eq!(
        (a["acquired"].as_bool(), a["locked_by"].as_str()),
        (Some(true), Some("alice"))
    );
    assert_eq!(a["item_id"], items[0].to_string());
    assert!(a["expires_at"].as_str().is_some());
    assert_eq!(lock("bob", items[0]).await["acquired"], true);
    let c = lock("carol", items[0]).await;
    assert_eq!(c["acquired"], false);
    assert_eq!(
        c["locked_by"], "alice",
        "the earliest-expiring holder is named"
    );
    // Renewing my own lock works while full.
    assert_eq!(lock("alice", items[0]).await["acquired"], true);
    let (st, l) = s
        .get("carol", &format!("annotation-queues/{qid}/locks"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let e = &l["locks"][items[0].to_string()];
    assert_eq!(e["active_locks"], 2);
    assert_eq!(e["locked_by"].as_array().unwrap().len(), 2);
    assert!(l["locks"].get(items[1].to_string()).is_none());
    // Releasing my lock (a skip) frees the slot at once; releasing again does nothing.
    let unlock = format!("annotation-queues/{qid}/items/{}/lock", items[0]);
    let release = |u: &'static str| s.send(u, reqwest::Method::DELETE, &unlock, None);
    assert_eq!(release("bob").await.0, StatusCode::NO_CONTENT);
    assert_eq!(release("bob").await.0, StatusCode::NO_CONTENT);
    assert_eq!(lock("carol", items[0]).await["acquired"], true);
    assert_eq!(lock("bob", items[0]).await["acquired"], false);
    // An item that is not in the queue cannot be locked.
    let (st, _, _) = s
        .send(
            "alice",
            reqwest::Method::PUT,
            &format!("annotation-queues/{qid}/items/{stranger}/lock"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Progress: carol scored item 1 on a queue definition and alice on items 1 and 2;
    // a score on another name does not count.
    s.score(items[1], "helpfulness", "carol", 1.0).await;
    s.score(items[1], "helpfulness", "alice", 0.0).await;
    s.score(items[2], "helpfulness", "alice", 0.5).await;
    s.score(items[2], "other", "bob", 1.0).await;
    let (_, q) = s.get("alice", &format!("annotation-queues/{qid}")).await;
    assert_eq!(
        q["reviewers"],
        json!([{"username": "alice", "status": 2}, {"username": "carol", "status": 1}])
    );
    assert_eq!(
        q["feedback_scores"],
        json!([{"name": "helpfulness", "value": 0.5}])
    );
    // Item 1 is complete (two people scored): bob cannot lock it, the scorers can.
    let b = lock("bob", items[1]).await;
    assert_eq!(b["acquired"], false);
    assert_eq!(lock("carol", items[1]).await["acquired"], true);

    // Removing an item drops it and its locks.
    let (st, _) = s
        .post(
            "alice",
            &format!("annotation-queues/{qid}/items/delete"),
            json!({"ids": [items[0]]}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, q) = s.get("alice", &format!("annotation-queues/{qid}")).await;
    assert_eq!(q["items_count"], 2);
    let (_, l) = s
        .get("alice", &format!("annotation-queues/{qid}/locks"))
        .await;
    assert!(l["locks"].get(items[0].to_string()).is_none());
}

#[tokio::test]
async fn feedback_definitions_crud() {
    let s = Srv::start().await;
    // A new database has Opik's default "User feedback".
    let (st, p) = s.get("alice", "feedback-definitions").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(p["total"], 1);
    let uf = &p["content"][0];
    assert_eq!(uf["name"], "User feedback");
    assert_eq!(uf["type"], "categorical");
    assert_eq!(uf["details"]["categories"], json!({"👍": 1.0, "👎": 0.0}));

    // The SDK's bodies.
    let (st, _, h) = s.send("alice", reqwest::Method::POST, "feedback-definitions",
        Some(json!({"name": "relevance", "type": "numerical", "details": {"max": 1.0, "min": 0.0}}))).await;
    assert_eq!(st, StatusCode::CREATED);
    let loc = h["location"].to_str().unwrap().to_string();
    let id = loc.rsplit('/').next().unwrap().to_string();
    assert!(loc.starts_with("/v1/private/feedback-definitions/"));
    let (st, _) = s.post("bob", "feedback-definitions", json!({"name": "tone", "type": "categorical", "details": {"categories": {"good": 1.0, "bad": 0.0}}})).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = s.post("bob", "feedback-definitions", json!({"name": "ok", "type": "boolean", "details": {"trueLabel": "Yes", "falseLabel": "No"}})).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, v) = s
        .post(
            "bob",
            "feedback-definitions",
            json!({"name": "relevance", "type": "numerical", "details": {"min": 0, "max": 5}}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(v["errors"].is_array());
    let (st, _) = s
        .post(
            "bob",
            "feedback-definitions",
            json!({"name": "bad", "type": "numerical", "details": {"min": 5, "max": 1}}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, v) = s
        .post(
            "bob",
            "feedback-definitions",
            json!({"name": "weird", "type": "stars"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");

    let (st, d) = s.get("alice", &format!("feedback-definitions/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        (
            d["name"].as_str(),
            d["details"]["max"].as_f64(),
            d["created_by"].as_str()
        ),
        (Some("relevance"), Some(1.0), Some("alice"))
    );
    let (_, p) = s.get("alice", "feedback-definitions?type=boolean").await;
    assert_eq!(
        p["content"][0]["details"],
        json!({"true_label": "Yes", "false_label": "No"})
    );
    let (_, p) = s.get("alice", "feedback-definitions?name=ELEV").await;
    assert_eq!(p["total"], 1);
    let (_, p) = s.get("alice", "feedback-definitions?page=2&size=3").await;
    assert_eq!(
        (p["total"].as_i64(), p["content"].as_array().unwrap().len()),
        (Some(4), 1)
    );
    let (_, p) = s.get("alice", "feedback-definitions?page=3&size=3").await;
    assert_eq!(p["content"], json!([]));

    let (st, _, _) = s.send("bob", reqwest::Method::PUT, &format!("feedback-definitions/{id}"),
        Some(json!({"name": "relevance", "type": "numerical", "description": "0..10", "details": {"min": 0, "max": 10}}))).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, d) = s.get("alice", &format!("feedback-definitions/{id}")).await;
    assert_eq!(
        (
            d["details"]["max"].as_f64(),
            d["description"].as_str(),
            d["last_updated_by"].as_str()
        ),
        (Some(10.0), Some("0..10"), Some("bob"))
    );
    let (st, _, _) = s
        .send(
            "bob",
            reqwest::Method::PUT,
            &format!("feedback-definitions/{id}"),
            Some(json!({"name": "tone", "type": "numerical", "details": {"min": 0, "max": 10}})),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);

    let (st, _, _) = s
        .send(
            "bob",
            reqwest::Method::DELETE,
            &format!("feedback-definitions/{id}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = s.get("alice", &format!("feedback-definitions/{id}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let uf_id = uf["id"].as_str().unwrap().to_string();
    let (st, _) = s
        .post(
            "alice",
            "feedback-definitions/delete",
            json!({"ids": [uf_id]}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, p) = s.get("alice", "feedback-definitions").await;
    let names: Vec<&str> = p["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(!names.contains(&"User feedback"));
}

/// Malformed requests to every queue, definition and attachment endpoint get a JSON 4xx that
/// says what is wrong; nothing answers 500 or panics.
#[tokio::test]
async fn bad_input_is_a_clear_4xx() {
    let s = Srv::start().await;
    let pid = s.project("p").await;
    let (_, _, h) = s
        .send(
            "alice",
            reqwest::Method::POST,
            "annotation-queues",
            Some(json!({"project_id": pid, "name": "q", "scope": "trace"})),
        )
        .await;
    let loc = h["location"].to_str().unwrap().to_string();
    let qid = loc.rsplit('/').next().unwrap().to_string();
    let bodies = [
        "",
        "{",
        "[]",
        "null",
        "42",
        "\"x\"",
        r#"{"ids": "x"}"#,
        r#"{"ids": ["not-a-uuid"]}"#,
        r#"{"ids": [1, 2]}"#,
        r#"{"name": 5}"#,
        r#"{"scope": null, "name": null}"#,
        r#"{"annotators_per_item": "many"}"#,
        r#"{"type": "numerical", "details": {"min": "a"}}"#,
        r#"{"annotation_queues": [{}]}"#,
        r#"{"file_names": 3}"#,
    ];
    let endpoints: Vec<(reqwest::Method, String)> = vec![
        (reqwest::Method::POST, "annotation-queues".into()),
        (reqwest::Method::POST, "annotation-queues/batch".into()),
        (reqwest::Method::POST, "annotation-queues/delete".into()),
        (reqwest::Method::PATCH, format!("annotation-queues/{qid}")),
        (
            reqwest::Method::POST,
            format!("annotation-queues/{qid}/items/add"),
        ),
        (
            reqwest::Method::POST,
            format!("annotation-queues/{qid}/items/delete"),
        ),
        (
            reqwest::Method::POST,
            format!("annotation-queues/{qid}/items/search"),
        ),
        (reqwest::Method::POST, "feedback-definitions".into()),
        (
            reqwest::Method::PUT,
            "feedback-definitions/0190babc-62a0-71d2-832a-0feffa4676eb".into(),
        ),
        (reqwest::Method::POST, "feedback-definitions/delete".into()),
        (reqwest::Method::POST, "attachment/upload-start".into()),
        (reqwest::Method::POST, "attachment/delete".into()),
    ];
    for (m, p) in &endpoints {
        for b in bodies {
            // A PATCH whose object names no known field is a valid no-op (serde also reads `[]`
            // as an empty struct).
            let object_or_empty = b.is_empty()
                || b == "[]"
                || b.starts_with('{') && serde_json::from_str::<Value>(b).is_ok();
            if *m == reqwest::Method::PATCH
                && object_or_empty
                && !b.contains("name\": 5")
                && !b.contains("many")
            {
                continue;
            }
            let r = s
                .http
                .request(m.clone(), s.url(p))
                .header("authorization", "key-a")
                .header("content-type", "application/json")
                .body(b)
                .send()
                .await
                .unwrap();
            let st = r.status();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            assert!(st.is_client_error(), "{m} {p} {b:?} → {st} {v}");
            assert!(
                v.get("message").is_some() || v.get("errors").is_some(),
                "{m} {p} {b:?} → {v}"
            );
        }
    }
    // Bad path and query values.
    for p in [
        "annotation-queues/not-a-uuid".to_string(),
        format!("annotation-queues/{}", Uuid::now_v7()),
        "annotation-queues?page=0".into(),
        "annotation-queues?size=-3".into(),
        "annotation-queues?filters=%5Bnope".into(),
        "annotation-queues?sorting=%5B%7B%22field%22%3A%22x%22%2C%22direction%22%3A%22ASC%22%7D%5D"
            .into(),
        format!("annotation-queues/{qid}/locks/extra"),
        "annotation-queues/zz/locks".into(),
        "feedback-definitions?type=stars".into(),
        "feedback-definitions/zz".into(),
        "attachment/list?entity_type=trace&entity_id=zz".into(),
        "attachment/list?entity_type=video&entity_id=0190babc-62a0-71d2-832a-0feffa4676eb".into(),
        "attachment/download?entity_type=trace".into(),
    ] {
        let (st, v) = s.get("alice", &p).await;
        assert!(st.is_client_error(), "GET {p} → {st} {v}");
        assert!(
            v.get("message").is_some() || v.get("errors").is_some(),
            "GET {p} → {v}"
        );
    }
    let (st, _, _) = s
        .send(
            "alice",
            reqwest::Method::PUT,
            &format!("annotation-queues/{qid}/items/zz/lock"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}
