//! Links into Opik's web UI (`Y` in the traces list, trace view, threads list and conversation
//! view), built from the configured REST URL and workspace the way the Opik SDK builds its own
//! links (`opik.url_helpers.get_ui_url`: the REST URL without its trailing `/api`).
//!
//! Routes, as the web UI (comet-ml/opik `apps/opik-frontend`) defines them:
//! - project traces page: `{ui}/{workspace}/projects/{project_id}/traces`; newer UIs redirect
//!   this path to `…/logs` and keep the query, so one link works for old and new versions;
//! - `type=traces|threads` picks the list (read by every version: the newer `logsType`
//!   parameter is derived from it by that redirect);
//! - `trace=ID` (and `span=ID`) opens the trace's side panel; `thread=ID` the thread's;
//! - `traces_filters=[…]` is the traces table's filter list (JSON of
//!   `{id, field, type, operator, key, value}`), used for a metadata conversation:
//!   `metadata.KEY = value`, which lists every turn of the conversation.
//!
//! Examples: Opik Cloud (`https://www.comet.com/opik/api`) →
//! `https://www.comet.com/opik/{ws}/projects/{id}/traces?…`; a local Opik
//! (`http://localhost:5173/api`) → `http://localhost:5173/{ws}/projects/{id}/traces?…`. The
//! embedded server builds the same shape at its own address but serves no web UI.

use uuid::Uuid;

/// Builds Opik web UI links for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl {
    /// The UI root, ending in `/` (`https://www.comet.com/opik/`).
    ui: String,
    workspace: String,
}

/// Percent-encode everything but RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl WebUrl {
    /// From the REST base URL (with or without `/api`, with or without a trailing `/`) and
    /// the workspace.
    pub fn new(api_url: &str, workspace: &str) -> WebUrl {
        let base = api_url.trim().trim_end_matches('/');
        let base = base.strip_suffix("/api").unwrap_or(base);
        let workspace = workspace.trim();
        WebUrl {
            ui: format!("{base}/"),
            workspace: if workspace.is_empty() {
                "default".to_string()
            } else {
                workspace.to_string()
            },
        }
    }

    /// The UI root (`https://www.comet.com/opik/`).
    pub fn ui(&self) -> &str {
        &self.ui
    }

    fn traces_page(&self, project_id: Uuid) -> String {
        format!(
            "{}{}/projects/{project_id}/traces",
            self.ui,
            encode(&self.workspace)
        )
    }

    /// A trace (its side panel over the project's traces), optionally with a span selected.
    pub fn trace(&self, project_id: Uuid, trace_id: Uuid, span_id: Option<Uuid>) -> String {
        let mut u = format!(
            "{}?type=traces&trace={trace_id}",
            self.traces_page(project_id)
        );
        if let Some(s) = span_id {
            u.push_str(&format!("&span={s}"));
        }
        u
    }

    /// An Opik thread (its side panel over the project's threads).
    pub fn thread(&self, project_id: Uuid, thread_id: &str) -> String {
        format!(
            "{}?type=threads&thread={}",
            self.traces_page(project_id),
            encode(thread_id)
        )
    }

    /// A conversation kept in `metadata.KEY`: the project's traces filtered by
    /// `metadata.KEY = value` (every turn, which the web UI cannot show as a thread).
    pub fn conversation(&self, project_id: Uuid, key: &str, value: &str) -> String {
        let filters = serde_json::json!([{
            "id": "conversation",
            "field": "metadata",
            "type": "dictionary",
            "operator": "=",
            "key": key,
            "value": value,
        }]);
        format!(
            "{}?type=traces&traces_filters={}",
            self.traces_page(project_id),
            encode(&filters.to_string())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid() -> Uuid {
        Uuid::parse_str("0193a3f0-0000-7000-8000-000000000001").unwrap()
    }

    fn tid() -> Uuid {
        Uuid::parse_str("0193a3f0-0000-7000-8000-0000000000aa").unwrap()
    }

    #[test]
    fn opik_cloud_links() {
        let w = WebUrl::new("https://www.comet.com/opik/api/", "acme-team");
        assert_eq!(w.ui(), "https://www.comet.com/opik/");
        assert_eq!(
            w.trace(pid(), tid(), None),
            "https://www.comet.com/opik/acme-team/projects/0193a3f0-0000-7000-8000-000000000001/traces?type=traces&trace=0193a3f0-0000-7000-8000-0000000000aa"
        );
        assert_eq!(
            w.thread(pid(), "chat 1/α"),
            "https://www.comet.com/opik/acme-team/projects/0193a3f0-0000-7000-8000-000000000001/traces?type=threads&thread=chat%201%2F%CE%B1"
        );
    }

    #[test]
    fn self_hosted_links() {
        // With or without /api and the trailing slash: the same UI root.
        for url in [
            "http://localhost:5173/api",
            "http://localhost:5173/api/",
            "http://localhost:5173",
            "http://localhost:5173/",
        ] {
            let w = WebUrl::new(url, "default");
            assert_eq!(w.ui(), "http://localhost:5173/", "{url}");
        }
        let w = WebUrl::new("http://opik.internal:8080/api", "my ws");
        let span = Uuid::parse_str("0193a3f0-0000-7000-8000-0000000000bb").unwrap();
        assert_eq!(
            w.trace(pid(), tid(), Some(span)),
            "http://opik.internal:8080/my%20ws/projects/0193a3f0-0000-7000-8000-000000000001/traces?type=traces&trace=0193a3f0-0000-7000-8000-0000000000aa&span=0193a3f0-0000-7000-8000-0000000000bb"
        );
        // An empty workspace is Opik's `default`.
        assert_eq!(WebUrl::new("http://h/api", " ").workspace, "default");
    }

    #[test]
    fn embedded_server_links_and_metadata_conversations() {
        let w = WebUrl::new("http://127.0.0.1:5173/api", "default");
        let u = w.conversation(pid(), "conversation_id", "conv \"1\"");
        let prefix = "http://127.0.0.1:5173/default/projects/0193a3f0-0000-7000-8000-000000000001/traces?type=traces&traces_filters=";
        assert!(u.starts_with(prefix), "{u}");
        // The filter decodes to the web UI's filter shape.
        let enc = &u[prefix.len()..];
        assert!(
            enc.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{enc}"
        );
        let mut bytes = Vec::new();
        let raw = enc.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'%' {
                let h = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap();
                bytes.push(u8::from_str_radix(h, 16).unwrap());
                i += 3;
            } else {
                bytes.push(raw[i]);
                i += 1;
            }
        }
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"id": "conversation", "field": "metadata", "type": "dictionary",
                "operator": "=", "key": "conversation_id", "value": "conv \"1\""}])
        );
    }
}
