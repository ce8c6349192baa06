//! The embedded default over real HTTP: start-or-reuse on a local address, refusal when a
//! non-Opik program holds the port, and the demo server with its data set.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use opik_tui::server::embedded::{ensure_local_at, is_alive, start_demo};

fn free_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

#[tokio::test]
async fn starts_then_reuses_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    assert!(!is_alive(addr).await);
    let first = ensure_local_at(addr, &dir.path().join("a.db"))
        .await
        .unwrap();
    assert_eq!(first.base_url, format!("http://{addr}/api"));
    assert!(
        first.handle.is_some(),
        "nothing answered, so we start our own"
    );
    assert!(
        dir.path().join("a.db").exists(),
        "on the given persistent DB"
    );
    // A second opik-tui on the same machine uses the running one.
    let second = ensure_local_at(addr, &dir.path().join("b.db"))
        .await
        .unwrap();
    assert!(second.handle.is_none());
    assert_eq!(second.base_url, first.base_url);
    assert!(!dir.path().join("b.db").exists());
    first.handle.unwrap().shutdown().await;
}

#[tokio::test]
async fn a_foreign_program_on_the_port_is_an_error_that_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    // Something that accepts connections but is not an Opik server.
    let squatter = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = squatter.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = squatter.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = s
                .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let err = match ensure_local_at(addr, &dir.path().join("x.db")).await {
        Ok(_) => panic!("must not claim to have a server on a squatted port"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("--url") && err.contains(&addr.to_string()),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_server_is_filled() {
    let (h, dir) = start_demo().await.unwrap();
    assert_ne!(h.addr.port(), 5173, "the demo never takes the default port");
    assert!(dir.path().join("demo.db").exists());
    let http = reqwest::Client::new();
    let base = h.base_url();
    let get = |p: String| {
        let http = http.clone();
        async move {
            http.get(p)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let projects = get(format!("{base}/v1/private/projects?size=100")).await;
    let names: Vec<&str> = projects["content"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for want in [
        "support-agent",
        "docs-rag",
        "code-assistant",
        "Default Project",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let queues = get(format!("{base}/v1/private/annotation-queues")).await;
    assert_eq!(queues["total"], 2, "{queues}");
    for q in queues["content"].as_array().unwrap() {
        assert!(q["items_count"].as_i64().unwrap() > 0, "{q}");
        assert!(!q["reviewers"].as_array().unwrap().is_empty(), "{q}");
    }
    // A project's last-trace time is its newest demo trace, not the load time.
    let last = |n: &str| {
        projects["content"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()["last_updated_trace_at"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        last("Default Project") < last("support-agent"),
        "{} vs {}",
        last("Default Project"),
        last("support-agent")
    );
    // Traces carry costs estimated from the price table, spans nest, some traces failed.
    let support = projects["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "support-agent")
        .unwrap();
    let pid = support["id"].as_str().unwrap();
    let traces = get(format!(
        "{base}/v1/private/traces?project_id={pid}&size=200"
    ))
    .await;
    let list = traces["content"].as_array().unwrap();
    assert!(list.len() >= 150, "{}", list.len());
    let with_cost = list
        .iter()
        .filter(|t| t["total_estimated_cost"].as_f64().unwrap_or(0.0) > 0.0)
        .count();
    assert!(
        with_cost * 10 >= list.len() * 9,
        "{with_cost} of {} traces have a cost",
        list.len()
    );
    assert!(list.iter().any(|t| t.get("error_info").is_some()));
    assert!(
        list.iter()
            .all(|t| t["span_count"].as_i64().unwrap_or(0) >= 5),
        "every agent run has its spans"
    );
    assert!(
        list.iter().any(|t| t["feedback_scores"]
            .as_array()
            .map(|s| s.iter().any(|f| f["value_by_author"]
                .as_object()
                .map(|m| m.len() >= 2)
                .unwrap_or(false)))
            .unwrap_or(false)),
        "some trace is scored by two authors"
    );
    // Threads: most are inactive (their last turn is hours or days old), the newest are active.
    let code = projects["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "code-assistant")
        .unwrap();
    let threads = get(format!(
        "{base}/v1/private/traces/threads?project_id={}&size=100",
        code["id"].as_str().unwrap()
    ))
    .await;
    let statuses: Vec<&str> = threads["content"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["status"].as_str())
        .collect();
    assert_eq!(statuses.len(), 8, "{threads}");
    assert!(
        statuses.iter().filter(|s| **s == "active").count() == 2,
        "{statuses:?}"
    );
    // Queue items are listed through the traces' `annotation_queue_ids` filter and carry the
    // queue in `annotation_queues`.
    let tq = queues["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["scope"] == "trace")
        .unwrap();
    let filters = serde_json::json!([{"field": "annotation_queue_ids", "operator": "contains", "value": tq["id"]}]).to_string();
    let enc: String = url::form_urlencoded::byte_serialize(filters.as_bytes()).collect();
    let items = get(format!(
        "{base}/v1/private/traces?project_id={pid}&size=100&filters={enc}"
    ))
    .await;
    let items = items["content"].as_array().unwrap();
    assert_eq!(items.len() as i64, tq["items_count"].as_i64().unwrap());
    assert!(
        items
            .iter()
            .all(|t| t["annotation_queues"][0]["name"] == "Support answers review"),
        "{:?}",
        items[0]["annotation_queues"]
    );
    let defs = get(format!("{base}/v1/private/feedback-definitions?size=100")).await;
    assert_eq!(
        defs["total"], 6,
        "User feedback + five demo definitions: {defs}"
    );
    h.shutdown().await;
}
