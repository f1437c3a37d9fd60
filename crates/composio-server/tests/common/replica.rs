//! Replicas of composio-server as processes (the real binary) on one PostgreSQL database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use composio::Composio;
use composio_server::testing::TestDatabase;
use serde_json::{json, Value};

pub const WAIT: Duration = Duration::from_secs(30);
pub const KEY: &str = "csk_replicas_test_key_0123456789";

/// A `composio-server` process; killed (SIGKILL) when dropped.
pub struct Replica {
    child: Child,
    pub url: String,
    _data: tempfile::TempDir,
    pub log: Arc<Mutex<String>>,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Replica {
    /// Starts a replica on `db` and waits until it listens.
    pub fn start(db: &TestDatabase, encryption_key: &str, env: &[(&str, &str)]) -> Self {
        Self::start_with(db, encryption_key, env, &[])
    }

    /// [`Self::start`] with more command-line arguments.
    pub fn start_with(
        db: &TestDatabase,
        encryption_key: &str,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Self {
        let data = tempfile::tempdir().expect("data dir");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_composio-server"));
        cmd.args(["--port", "0", "--sandbox", "--database-url", db.url()])
            .arg("--data-dir")
            .arg(data.path())
            .env("COMPOSIO_SERVER_API_KEY", KEY)
            .env("COMPOSIO_SERVER_ENCRYPTION_KEY", encryption_key)
            .env("COMPOSIO_SERVER_RATE_LIMIT", "0")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("composio-server starts");
        let (tx, rx) = std::sync::mpsc::channel();
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let (tx, log) = (tx.clone(), log.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().unwrap().push_str(&format!("{line}\n"));
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("replica did not start:\n{}", log.lock().unwrap());
            };
            if line.contains("composio-server listening") {
                let url = line
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("url="))
                    .expect("url in the log line")
                    .to_owned();
                return Self {
                    child,
                    url,
                    _data: data,
                    log,
                };
            }
        }
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v3.1{path}", self.url)
    }

    /// The same URL on this replica (Connect Links name the replica that made them).
    pub fn rebase(&self, url: &str) -> String {
        let mut u = url::Url::parse(url).expect("url");
        let me = url::Url::parse(&self.url).expect("url");
        u.set_port(me.port()).expect("port");
        u.to_string()
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

pub async fn post(url: &str, body: Value, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = http().post(url).header("x-api-key", KEY).json(&body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A session and a Connect Link made on `replica`: (account id, link).
pub async fn link_on(replica: &Replica, user: &str) -> (String, String) {
    let (s, v) = post(
        &replica.api("/tool_router/session"),
        json!({"user_id": user, "manage_connections": {"enable": false}}),
        &[],
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let sid = v["session_id"].as_str().expect("session id");
    let (s, v) = post(
        &replica.api(&format!("/tool_router/session/{sid}/link")),
        json!({"toolkit": "gmail", "callback_url": "https://app.example.com/cb"}),
        &[],
    )
    .await;
    assert_eq!(s, 201, "{v}");
    (
        v["connected_account_id"].as_str().expect("id").to_owned(),
        v["redirect_url"].as_str().expect("link").to_owned(),
    )
}

/// An SDK client of `replica` that has seen its push-wait header.
pub async fn sdk(replica: &Replica) -> Composio {
    sdk_of(&replica.url).await
}

/// An SDK client of the server at `url` that has seen its push-wait header.
pub async fn sdk_of(url: &str) -> Composio {
    let composio = Composio::builder()
        .api_key(KEY)
        .base_url(url)
        .build()
        .expect("client");
    let _ = composio.connected_accounts().get("ca_nobody").await;
    assert!(
        composio.push_wait_available(),
        "the replica offers push waits"
    );
    composio
}
