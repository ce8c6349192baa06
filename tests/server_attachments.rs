//! Attachments over real HTTP: the SDK's local flow (upload-start → chunked PUT to the returned
//! absolute URL → list → download by link), replacement, errors and delete.

use base64::Engine;
use opik_tui::server::{ServerConfig, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn upload_list_download() {
    let dir = tempfile::tempdir().unwrap();
    let h = spawn(ServerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        db_path: dir.path().join("t.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .unwrap();
    let base = h.base_url();
    let http = reqwest::Client::new();
    let trace = Uuid::now_v7();
    let path = base64::engine::general_purpose::STANDARD.encode(&base);

    // 1. upload-start, with several parts announced: one absolute URL comes back.
    let r = http
        .post(format!("{base}/v1/private/attachment/upload-start"))
        .json(&json!({"file_name": "notes & data.txt", "num_of_file_parts": 3, "mime_type": "text/plain",
                      "project_name": "attach-proj", "entity_type": "trace", "entity_id": trace, "path": path}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["upload_id"], "BEMinIO");
    let url = v["pre_sign_urls"][0].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{base}/v1/private/attachment/upload?")),
        "{url}"
    );

    // 2. The chunked PUT of the bytes (no Content-Length, no Content-Type), as httpx streams it.
    let payload: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        payload.chunks(65_536).map(|c| Ok(c.to_vec())).collect();
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let r = http.put(&url).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = http
        .post(format!("{base}/v1/private/attachment/upload-complete"))
        .json(&json!({"file_name": "notes & data.txt", "entity_type": "trace", "entity_id": trace, "upload_id": "BEMinIO"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // A second file through the URL built from the Host header (no `path`).
    let r = http
        .post(format!("{base}/v1/private/attachment/upload-start"))
        .json(
            &json!({"file_name": "pic.png", "num_of_file_parts": 1, "mime_type": "image/png",
                      "project_name": "attach-proj", "entity_type": "trace", "entity_id": trace}),
        )
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let url2 = v["pre_sign_urls"][0].as_str().unwrap().to_string();
    assert!(url2.starts_with("http://127.0.0.1:"), "{url2}");
    let r = http
        .put(&url2)
        .body(vec![0x89, b'P', b'N', b'G'])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // 3. list, as the SDK asks for it.
    let pid = Uuid::now_v7();
    let r = http
        .get(format!("{base}/v1/private/attachment/list"))
        .query(&[
            ("project_id", pid.to_string()),
            ("entity_type", "trace".into()),
            ("entity_id", trace.to_string()),
            ("path", path.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["total"], 2);
    let first = &page["content"][0];
    assert_eq!(first["file_name"], "notes & data.txt");
    assert_eq!(first["file_size"], payload.len());
    assert_eq!(first["mime_type"], "text/plain");

    // 4. download by the link.
    let link = first["link"].as_str().unwrap();
    assert!(link.starts_with(&base), "{link}");
    let r = http.get(link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/plain");
    assert_eq!(r.bytes().await.unwrap().as_ref(), payload.as_slice());
    let r = http
        .get(page["content"][1]["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), &[0x89, b'P', b'N', b'G']);

    // Re-uploading the same name replaces it.
    let r = http.put(&url).body("short").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = http.get(link).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "short");

    // Errors: bad entity type, bad id, unknown file.
    let r = http
        .put(format!(
            "{base}/v1/private/attachment/upload?file_name=a&entity_type=dataset&entity_id={trace}"
        ))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = http
        .put(format!(
            "{base}/v1/private/attachment/upload?file_name=a&entity_type=span&entity_id=nope"
        ))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = http
        .get(format!("{base}/v1/private/attachment/download?container_id={pid}&entity_type=trace&entity_id={trace}&file_name=missing&mime_type=text/plain"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], 404);

    // Delete one.
    let r = http
        .post(format!("{base}/v1/private/attachment/delete"))
        .json(&json!({"file_names": ["pic.png"], "entity_type": "trace", "entity_id": trace, "container_id": pid}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let page: Value = http
        .get(format!("{base}/v1/private/attachment/list?project_id={pid}&entity_type=trace&entity_id={trace}&path=x"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn active_types_download_and_links_name_the_server_itself() {
    let dir = tempfile::tempdir().unwrap();
    let h = spawn(ServerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        db_path: dir.path().join("t.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .unwrap();
    let base = h.base_url();
    let http = reqwest::Client::new();
    let trace = Uuid::now_v7();
    // A client-given `path` and a foreign Host are not reflected into the upload URL.
    let evil = base64::engine::general_purpose::STANDARD.encode("http://evil.example/api");
    let start = json!({"file_name": "page.html", "mime_type": "text/html", "entity_type": "trace",
                       "entity_id": trace, "path": evil});
    // On a keyless loopback server a foreign Host is refused outright (DNS rebinding) …
    let r = http
        .post(format!("{base}/v1/private/attachment/upload-start"))
        .header("host", "evil.example")
        .json(&start)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        421,
        "a foreign Host is refused on the keyless loopback server"
    );
    // … and the client-given `path` never makes it into the URL handed out.
    let r = http
        .post(format!("{base}/v1/private/attachment/upload-start"))
        .json(&start)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let url = v["pre_sign_urls"][0].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{base}/v1/")), "{url}");
    assert!(!url.contains("evil"), "{url}");
    let r = http
        .put(&url)
        .body("<script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let put = |name: &str, mime: &str| {
        http.put(format!("{base}/v1/private/attachment/upload?file_name={name}&mime_type={mime}&entity_type=trace&entity_id={trace}"))
            .body("x")
            .send()
    };
    assert_eq!(put("a.svg", "image/svg%2Bxml").await.unwrap().status(), 204);
    assert_eq!(put("a.png", "image/png").await.unwrap().status(), 204);
    let page: Value = http
        .get(format!(
            "{base}/v1/private/attachment/list?entity_type=trace&entity_id={trace}&path={evil}"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    for f in page["content"].as_array().unwrap() {
        let link = f["link"].as_str().unwrap();
        assert!(link.starts_with(&base), "{link}");
        let r = http.get(link).send().await.unwrap();
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let disp = r
            .headers()
            .get("content-disposition")
            .map(|v| v.to_str().unwrap().to_string());
        if f["file_name"] == "a.png" {
            assert_eq!(disp, None);
        } else {
            assert_eq!(disp.as_deref(), Some("attachment"), "{}", f["file_name"]);
        }
    }
}
