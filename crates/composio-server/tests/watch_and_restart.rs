//! The watch-v1 push wait and persistence across restarts.

mod common;

use std::time::Duration;

use common::Api;
use composio_server::sandbox::Browser;
use composio_server::Config;
use futures_util::StreamExt;
use serde_json::{json, Value};

/// Reads SSE events `(event, data)` from a response body.
struct Sse {
    stream:
        std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buf: String,
}

impl Sse {
    fn new(resp: reqwest::Response) -> Self {
        Self {
            stream: Box::pin(resp.bytes_stream()),
            buf: String::new(),
        }
    }

    async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim().to_owned();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                if event.is_empty() {
                    continue; // keep-alive comment
                }
                return (event, serde_json::from_str(&data).unwrap_or(Value::Null));
            }
            let chunk = self
                .stream
                .next()
                .await
                .expect("stream open")
                .expect("chunk");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn watch_stream_pushes_current_state_and_changes() {
    let api = Api::default().await;
    let (id, redirect) = api
        .link("user_1", "gmail", Some("https://app.example.com/cb"))
        .await;
    let resp = api
        .http
        .post(api.url("/connected_accounts/watch"))
        .header("x-api-key", &api.key)
        .json(&json!({"ids": [id]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut sse = Sse::new(resp);
    let (event, ready) = sse.next().await;
    assert_eq!(event, "ready");
    let watch_id = ready["watch_id"].as_str().unwrap().to_owned();
    let (event, account) = sse.next().await;
    assert_eq!(
        (event.as_str(), account["status"].as_str()),
        ("account", Some("INITIATED"))
    );

    // Add an unknown id and an id of this project.
    let (status, v) = api
        .post(
            &format!("/connected_accounts/watch/{watch_id}/ids"),
            json!({"ids": ["ca_missing"]}),
        )
        .await;
    assert_eq!((status, v), (200, json!({"watching": 2})));
    let (event, nf) = sse.next().await;
    assert_eq!(
        (event.as_str(), nf),
        ("not_found", json!({"id": "ca_missing"}))
    );

    Browser::new().unwrap().approve(&redirect).await.unwrap();
    let (event, account) = tokio::time::timeout(Duration::from_secs(10), sse.next())
        .await
        .expect("pushed");
    assert_eq!(event, "account");
    assert_eq!(account["id"], json!(id));
    assert_eq!(account["status"], "ACTIVE");

    let (status, v) = api
        .call(
            reqwest::Method::DELETE,
            &format!("/connected_accounts/watch/{watch_id}/ids"),
            Some(json!({"ids": ["ca_missing"]})),
        )
        .await;
    assert_eq!((status, v), (200, json!({"watching": 1})));
    let (status, _) = api
        .post(
            "/connected_accounts/watch/wch_unknown/ids",
            json!({"ids": []}),
        )
        .await;
    assert_eq!(status, 404);
    // Graceful shutdown ends the open stream.
    tokio::time::timeout(Duration::from_secs(15), api.server.shutdown())
        .await
        .expect("shutdown completes");
}

#[tokio::test]
async fn a_final_only_watch_pushes_only_states_that_end_a_wait() {
    let api = Api::default().await;
    let browser = Browser::new().unwrap();
    let (done, redirect) = api.link("user_1", "gmail", None).await;
    browser.approve(&redirect).await.unwrap();
    let (pending, redirect) = api.link("user_2", "github", None).await;
    let resp = api
        .http
        .post(api.url("/connected_accounts/watch"))
        .header("x-api-key", &api.key)
        .json(&json!({"ids": [pending, done, "ca_missing"], "final_only": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut sse = Sse::new(resp);
    assert_eq!(sse.next().await.0, "ready");
    // The INITIATED account is skipped; the ACTIVE one and the unknown id come at once.
    let mut first = [sse.next().await, sse.next().await];
    first.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(first[0].0, "account");
    assert_eq!(
        (first[0].1["id"].as_str(), first[0].1["status"].as_str()),
        (Some(done.as_str()), Some("ACTIVE"))
    );
    assert_eq!(first[1], ("not_found".into(), json!({"id": "ca_missing"})));
    // Its change to ACTIVE is the next event.
    browser.approve(&redirect).await.unwrap();
    let (event, account) = tokio::time::timeout(Duration::from_secs(10), sse.next())
        .await
        .expect("pushed");
    assert_eq!(
        (
            event.as_str(),
            account["id"].as_str(),
            account["status"].as_str()
        ),
        ("account", Some(pending.as_str()), Some("ACTIVE"))
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn watch_scales_to_many_ids() {
    let api = Api::default().await;
    let (id, redirect) = api
        .link("user_1", "github", Some("https://app.example.com/cb"))
        .await;
    let mut ids: Vec<String> = (0..9_999).map(|i| format!("ca_none{i}")).collect();
    ids.push(id.clone());
    let resp = api
        .http
        .post(api.url("/connected_accounts/watch"))
        .header("x-api-key", &api.key)
        .json(&json!({"ids": ids}))
        .send()
        .await
        .unwrap();
    let mut sse = Sse::new(resp);
    assert_eq!(sse.next().await.0, "ready");
    let mut seen = 0;
    while seen < 10_000 {
        sse.next().await;
        seen += 1;
    }
    Browser::new().unwrap().approve(&redirect).await.unwrap();
    let (event, account) = tokio::time::timeout(Duration::from_secs(10), sse.next())
        .await
        .expect("pushed");
    assert_eq!(
        (event.as_str(), account["status"].as_str()),
        ("account", Some("ACTIVE"))
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn file_database_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::default()
        .data_dir(dir.path())
        .api_key("csk_persistent");
    let api = Api::start(config.clone()).await;
    let (id, redirect) = api
        .link("user_1", "gmail", Some("https://app.example.com/cb"))
        .await;
    Browser::new().unwrap().approve(&redirect).await.unwrap();
    let sid = api.session(json!({"user_id": "user_1"})).await;
    api.server.shutdown().await;
    assert!(dir.path().join("composio.db").exists());
    assert!(dir.path().join("encryption.key").exists());

    let api = Api::start(config).await;
    let a = api.account(&id).await;
    assert_eq!(a["status"], "ACTIVE");
    let (status, _) = api.get(&format!("/tool_router/session/{sid}")).await;
    assert_eq!(status, 200);
    // The credentials still decrypt with the key kept in the data dir.
    assert!(api.server.access_token(&id).await.is_ok());
    api.server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_or_lost_encryption_key_refuses_to_start_and_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::default().data_dir(dir.path()).api_key("csk_keys");
    let api = Api::start(config.clone()).await;
    let (id, redirect) = api.link("user_1", "github", None).await;
    Browser::new().unwrap().approve(&redirect).await.unwrap();
    api.server.shutdown().await;

    // Another key cannot read the stored credentials: the server says so and does not start.
    let other = composio_server::generate_encryption_key();
    let err = composio_server::spawn(config.clone().encryption_key(other))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("not the one this database was created with"),
        "{err}"
    );

    // A lost key file is not silently replaced by a new key.
    let key_file = dir.path().join("encryption.key");
    let original = std::fs::read_to_string(&key_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();
    let err = composio_server::spawn(config.clone()).await.unwrap_err();
    assert!(
        err.to_string().contains("encryption.key is missing"),
        "{err}"
    );
    assert!(!key_file.exists(), "no new key was generated");

    // With the original key back, everything stored is still there and readable.
    std::fs::write(&key_file, original).unwrap();
    let api = Api::start(config).await;
    assert_eq!(api.account(&id).await["status"], "ACTIVE");
    assert!(api.server.access_token(&id).await.is_ok());
    api.server.shutdown().await;
}

#[tokio::test]
async fn keys_created_while_the_server_runs_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::default().data_dir(dir.path());
    let api = Api::start(config.clone()).await;
    let url = api.url("/connected_accounts");
    let with_key = |key: String| {
        let http = api.http.clone();
        let url = url.clone();
        async move {
            http.get(url)
                .header("x-api-key", key)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(with_key("csk_not_yet".into()).await, 401);
    let key = composio_server::keys_create(&config, "default")
        .await
        .unwrap();
    // The first unknown key above reloaded the keys; the next reload is allowed a second later.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(with_key(key.clone()).await, 200);
    assert_eq!(with_key(key).await, 200);
    assert_eq!(with_key("csk_still_wrong".into()).await, 401);
    api.server.shutdown().await;
}
