//! The embedded server in process, on a free port with its database (and the TUI's state dir,
//! so the outbox stays in the test's own directory) in a temp dir; a client for a project on
//! it; and the real app on it, driven in process ([`super::driver::Driver`]).

use std::net::SocketAddr;
use std::rc::Rc;

use opik_tui::app::registry;
use opik_tui::app::tasks::Tasks;
use opik_tui::app::testing::test_config;
use opik_tui::app::{App, AppEnv};
use opik_tui::config::Connection;
use opik_tui::opik::client::OpikClient;
use opik_tui::server::{self, ServerConfig, ServerHandle};

use super::driver::Driver;

pub struct Embedded {
    pub handle: ServerHandle,
    pub client: OpikClient,
    pub dir: tempfile::TempDir,
}

/// Start a server (no key, no users) and a client whose current project is `project`.
pub async fn start(project: &str) -> Embedded {
    let dir = tempfile::tempdir().expect("tempdir");
    // SAFETY: set before the test's tasks read the environment; every test sets it alike.
    unsafe { std::env::set_var("OPIK_TUI_STATE_DIR", dir.path().join("state")) };
    let handle = server::spawn(ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("opik.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .expect("server");
    let client = OpikClient::new(&Connection {
        base_url: handle.base_url(),
        api_key: None,
        workspace: "default".into(),
        project: Some(project.into()),
        explicit: true,
    })
    .expect("client");
    Embedded {
        handle,
        client,
        dir,
    }
}

impl Embedded {
    /// The app on this server, `width` × `height`, driven in process.
    pub fn driver(&self, width: u16, height: u16) -> Driver {
        let base = self.handle.base_url();
        let env = Rc::new(AppEnv::new(self.client.clone(), &base, "default"));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let app = App::new(test_config(), registry::opener(env), Tasks::new(Some(tx)));
        Driver::new(app, rx, width, height)
    }

    /// `POST`/`PUT` `body` to `path` (under the base URL), asserting success.
    pub async fn send(&self, method: reqwest::Method, path: &str, body: serde_json::Value) {
        let r = reqwest::Client::new()
            .request(method, format!("{}{path}", self.handle.base_url()))
            .json(&body)
            .send()
            .await
            .expect("request");
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
}
