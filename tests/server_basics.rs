//! The server skeleton over real HTTP: liveness, both route prefixes, the JSON 404, auth.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use opik_tui::server::{self, ServerConfig};
use serde_json::Value;

fn cfg(dir: &tempfile::TempDir) -> ServerConfig {
    ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("opik.db"),
        api_key: None,
        users_file: None,
    }
}

#[tokio::test]
async fn ping_both_prefixes_and_json_404() {
    let dir = tempfile::tempdir().unwrap();
    let srv = server::spawn(cfg(&dir)).await.unwrap();
    let c = reqwest::Client::new();
    for path in ["/api/is-alive/ping", "/is-alive/ping"] {
        let r = c
            .get(format!("http://{}{path}", srv.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    let r = c
        .get(format!("{}/v1/private/auth/workspace", srv.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["workspace_name"], "default");

    let r = c
        .get(format!("{}/v1/private/no-such-thing", srv.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], 404);
    assert!(v["message"].as_str().unwrap().contains("no-such-thing"));

    let r = c
        .get(format!(
            "{}/v1/private/workspace-permissions",
            srv.base_url()
        ))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["user_name"], "admin");
    srv.shutdown().await;
}

#[tokio::test]
async fn api_key_and_users() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    std::fs::write(&users, "alice = \"key-a\"\nbob = \"key-b\"\n").unwrap();
    let mut cfg = cfg(&dir);
    cfg.api_key = Some("root-key".into());
    cfg.users_file = Some(users);
    let srv = server::spawn(cfg).await.unwrap();
    let c = reqwest::Client::new();
    let url = format!("{}/v1/private/workspace-permissions", srv.base_url());

    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], 401);

    let r = c
        .get(&url)
        .header("authorization", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    for (key, user) in [("key-a", "alice"), ("key-b", "bob"), ("root-key", "admin")] {
        let r = c
            .get(&url)
            .header("authorization", key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["user_name"], user);
    }
    // liveness needs no key (the SDK pings before anything else)
    let r = c
        .get(format!("{}/is-alive/ping", srv.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .post(format!("{}/v1/private/auth", srv.base_url()))
        .header("authorization", "key-a")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    srv.shutdown().await;
}

#[tokio::test]
async fn non_loopback_without_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = cfg(&dir);
    cfg.bind = SocketAddr::from(([0, 0, 0, 0], 0));
    let err = server::serve_forever(cfg, Default::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--api-key"), "{err}");
}
