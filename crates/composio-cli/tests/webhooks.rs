//! `composio webhooks listen --forward-to URL` forwards a real event, signed, to a local
//! receiver and prints one line for it; `deliveries` and `redeliver` read and replay the log.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use composio_server::sandbox::Browser;
use serde_json::{json, Value};
use tokio::sync::mpsc;

fn composio(server: &composio_server::ServerHandle) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("composio"));
    cmd.env("COMPOSIO_API_KEY", server.api_key().unwrap())
        .env("COMPOSIO_BASE_URL", server.url())
        .env_remove("COMPOSIO_SERVER_API_KEY");
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_forwards_a_signed_event_and_the_log_can_be_replayed() {
    let server = composio_server::spawn(composio_server::Config::default())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v3.1{path}", server.url());
    let key = server.api_key().unwrap().to_owned();
    // The subscription's own URL is down; the forwarder is how events reach the app.
    let sub: Value = http
        .post(api("/webhook_subscriptions"))
        .header("x-api-key", &key)
        .json(&json!({"webhook_url": "http://127.0.0.1:9/hooks",
                      "enabled_events": ["composio.connected_account.active"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = sub["secret"].as_str().unwrap().to_owned();

    let (tx, mut rx) = mpsc::unbounded_channel::<(HeaderMap, Bytes)>();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let local = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut child = composio(&server)
        .args(["webhooks", "listen", "--forward-to", &local])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let ready = tokio::task::spawn_blocking(move || {
        stderr
            .lines()
            .map_while(Result::ok)
            .find(|l| l.contains("forwarding"))
    });
    tokio::time::timeout(Duration::from_secs(30), ready)
        .await
        .expect("listen starts")
        .unwrap()
        .expect("a forwarding line");
    // The stream is open once the CLI has printed; give the server a moment to register it.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let session: Value = http
        .post(api("/tool_router/session"))
        .header("x-api-key", &key)
        .json(&json!({"user_id": "user_cli_hook"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link: Value = http
        .post(api(&format!(
            "/tool_router/session/{}/link",
            session["session_id"].as_str().unwrap()
        )))
        .header("x-api-key", &key)
        .json(&json!({"toolkit": "gmail"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Browser::new()
        .unwrap()
        .approve(link["redirect_url"].as_str().unwrap())
        .await
        .unwrap();

    let (headers, body) = tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("a forwarded event")
        .unwrap();
    let event =
        composio::webhooks::verify(&headers, &body, &secret, Duration::from_secs(300)).unwrap();
    assert_eq!(event.data["id"], link["connected_account_id"]);

    let stdout = BufReader::new(child.stdout.take().unwrap());
    let line = tokio::task::spawn_blocking(move || stdout.lines().next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(line.contains("composio.connected_account.active"), "{line}");
    assert!(line.contains(&event.id) && line.contains("[200]"), "{line}");
    child.kill().unwrap();
    let _ = child.wait();

    // The log shows the (failing) delivery to the subscription's URL; redeliver queues it.
    let out = composio(&server)
        .args(["webhooks", "deliveries", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log[0]["event_id"], json!(event.id));
    let id = log[0]["id"].as_str().unwrap();
    let out = composio(&server)
        .args(["webhooks", "redeliver", id])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("queued"));
    let out = composio(&server)
        .args(["webhooks", "redeliver", "whd_nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    server.shutdown().await;
}
