//! The real `App` driven in-process (no terminal): keys go in through `handle_key`, the
//! tasks' results come back through the task channel, and the screen is read from a ratatui
//! `TestBackend` render. Used by the in-process live tests.

use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::tasks::TaskMsg;
use opik_tui::app::testing::{buffer_text, render_app};
use opik_tui::app::{App, AppEnv};
use tokio::sync::mpsc::UnboundedReceiver;

pub struct Driver {
    pub app: App,
    pub rx: UnboundedReceiver<TaskMsg>,
    pub width: u16,
    pub height: u16,
}

/// An embedded server on a free port with its database in `dir`.
pub async fn embedded_server(dir: &std::path::Path) -> opik_tui::server::ServerHandle {
    opik_tui::server::spawn(opik_tui::server::ServerConfig {
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.join("opik.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .expect("embedded server")
}

/// What the app's screens share, for the server at `base` (default settings).
pub fn env_for(base: &str) -> AppEnv {
    let client = opik_tui::opik::client::OpikClient::new(&opik_tui::config::Connection {
        base_url: base.to_string(),
        api_key: None,
        workspace: "default".into(),
        project: None,
        explicit: true,
    })
    .expect("client");
    AppEnv::new(client, base, "default")
}

impl Driver {
    /// The app on the server at `base` (no screen open yet), `width`×`height`.
    pub fn connected(base: &str, width: u16, height: u16) -> Driver {
        Driver::with_env(env_for(base), width, height)
    }

    /// The app with `env` (no screen open yet), `width`×`height`.
    pub fn with_env(env: AppEnv, width: u16, height: u16) -> Driver {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let app = App::new(
            opik_tui::app::testing::test_config(),
            opik_tui::app::registry::opener(std::rc::Rc::new(env)),
            opik_tui::app::tasks::Tasks::new(Some(tx)),
        );
        Driver::new(app, rx, width, height)
    }

    pub fn new(app: App, rx: UnboundedReceiver<TaskMsg>, width: u16, height: u16) -> Driver {
        Driver {
            app,
            rx,
            width,
            height,
        }
    }

    pub fn screen(&mut self) -> String {
        buffer_text(&render_app(&mut self.app, self.width, self.height))
    }

    /// Deliver one task result, or tick after a short pause.
    pub async fn step(&mut self) {
        tokio::select! {
            Some(msg) = self.rx.recv() => self.app.on_task(msg, Utc::now()),
            _ = tokio::time::sleep(Duration::from_millis(20)) => self.app.tick(Utc::now()),
        }
    }

    /// Step until `found` returns something (or fail after 30 s with `what` and the screen).
    pub async fn until_some<T>(
        &mut self,
        what: &str,
        mut found: impl FnMut(&mut Self) -> Option<T>,
    ) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = found(self) {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "never saw {what}:\n{}",
                self.screen()
            );
            self.step().await;
        }
    }

    /// Step until `cond` holds for the screen; the screen.
    pub async fn until(&mut self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        self.until_some(what, |d| Some(d.screen()).filter(|s| cond(s)))
            .await
    }

    /// Press `key` (once per look, letting results in between) until `done` holds for the
    /// screen; the screen.
    pub async fn press_until(
        &mut self,
        what: &str,
        key: char,
        done: impl Fn(&str) -> bool,
    ) -> String {
        self.until_some(what, |d| {
            let s = d.screen();
            if done(&s) {
                return Some(s);
            }
            d.press(key);
            None
        })
        .await
    }

    pub async fn until_has(&mut self, text: &str) -> String {
        self.until(text, |s| s.contains(text)).await
    }

    /// Step until something is copied to the clipboard; returns it.
    pub async fn copied(&mut self) -> String {
        self.until_some("something copied", |d| d.app.take_clipboard().pop())
            .await
    }

    /// Step until a toast contains `text`; returns it.
    pub async fn toast(&mut self, text: &str) -> String {
        self.until_some(&format!("a toast with {text:?}"), |d| {
            d.app
                .toasts()
                .items()
                .iter()
                .find(|t| t.text.contains(text))
                .map(|t| t.text.clone())
        })
        .await
    }

    pub fn press_key(&mut self, k: KeyEvent) {
        self.app.handle_key(k, Utc::now());
    }

    pub fn press_code(&mut self, c: KeyCode) {
        self.press_key(KeyEvent::new(c, KeyModifiers::NONE));
    }

    pub fn press(&mut self, c: char) {
        self.press_code(KeyCode::Char(c));
    }

    pub fn type_str(&mut self, s: &str) {
        s.chars().for_each(|c| self.press(c));
    }

    /// Type a `:` command line and run it.
    pub fn command(&mut self, line: &str) {
        self.press(':');
        self.type_str(line);
        self.press_code(KeyCode::Enter);
    }
}
