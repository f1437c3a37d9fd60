//! Shared helpers of the integration tests (raw HTTP with reqwest).
#![allow(dead_code, missing_docs)]

pub mod proxy;
pub mod replica;

use composio_server::{Config, ServerHandle};
use serde_json::{json, Value};

pub struct Api {
    pub server: ServerHandle,
    pub http: reqwest::Client,
    pub key: String,
    pub prefix: String,
    /// The fresh PostgreSQL database of this server (dropped with it).
    _db: Option<composio_server::testing::TestDatabase>,
}

/// Set to `postgres` to run the server tests on PostgreSQL (a fresh database per server)
/// instead of in-memory SQLite; tests with a data directory keep their SQLite file.
pub const BACKEND_VAR: &str = "COMPOSIO_TEST_BACKEND";

impl Api {
    pub async fn start(mut config: Config) -> Self {
        let mut db = None;
        let on_postgres = std::env::var(BACKEND_VAR).is_ok_and(|v| v == "postgres");
        if on_postgres && config.database_url.is_none() && config.data_dir.is_none() {
            match composio_server::testing::postgres_database().await {
                Some(d) => {
                    config = config.database_url(d.url());
                    db = Some(d);
                }
                None => panic!("{BACKEND_VAR}=postgres, but PostgreSQL is not reachable"),
            }
        }
        let server = composio_server::spawn(config).await.expect("server starts");
        let key = server.api_key().expect("a key").to_owned();
        let prefix = format!("{}/api/v3.1", server.url());
        Self {
            server,
            http: reqwest::Client::new(),
            key,
            prefix,
            _db: db,
        }
    }

    pub async fn default() -> Self {
        Self::start(Config::default()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("x-api-key", &self.key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn session(&self, body: Value) -> String {
        let (status, v) = self.post("/tool_router/session", body).await;
        assert_eq!(status, 201, "{v}");
        v["session_id"].as_str().expect("session_id").to_owned()
    }

    /// Creates a session for `user` and a link for `toolkit`; returns (account id, redirect url).
    pub async fn link(
        &self,
        user: &str,
        toolkit: &str,
        callback: Option<&str>,
    ) -> (String, String) {
        let sid = self
            .session(json!({"user_id": user, "manage_connections": {"enable": false}}))
            .await;
        let mut body = json!({"toolkit": toolkit});
        if let Some(cb) = callback {
            body["callback_url"] = json!(cb);
        }
        let (status, v) = self
            .post(&format!("/tool_router/session/{sid}/link"), body)
            .await;
        assert_eq!(status, 201, "{v}");
        (
            v["connected_account_id"].as_str().expect("id").to_owned(),
            v["redirect_url"].as_str().expect("url").to_owned(),
        )
    }

    pub async fn account(&self, id: &str) -> Value {
        let (status, v) = self.get(&format!("/connected_accounts/{id}")).await;
        assert_eq!(status, 200, "{v}");
        v
    }
}

/// Asserts the spec §10 envelope and returns its `error` object.
pub fn assert_envelope(status: u16, v: &Value, expected: u16) -> Value {
    assert_eq!(status, expected, "{v}");
    let e = &v["error"];
    assert!(e["message"].is_string(), "{v}");
    assert_eq!(e["status"], json!(expected), "{v}");
    assert!(e["code"].is_i64(), "{v}");
    assert!(e["slug"].is_string(), "{v}");
    assert!(e["request_id"].is_string(), "{v}");
    assert!(e["errors"].is_array(), "{v}");
    e.clone()
}

/// The CSRF token (`csrf_token` hidden input) of a flow page's form, if it has one.
pub fn csrf_token(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_owned())
}
