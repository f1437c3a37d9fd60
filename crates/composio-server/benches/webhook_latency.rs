//! Webhook delivery latency: from the state change to the receiver getting the delivery.
//!
//! ```sh
//! cargo bench -p composio-server --bench webhook_latency          # 500 events of each kind
//! WEBHOOK_LATENCY_N=100 cargo bench -p composio-server --bench webhook_latency
//! ```
//!
//! It starts the server binary (sandbox mode, SQLite) as a child process and a receiver in
//! this process (axum on 127.0.0.1), subscribes it to `composio.connected_account.active`
//! and `.revoked`, then approves N Connect Links (8 browsers at a time) and revokes the N
//! accounts (one at a time). For each event it measures the time from the moment the state
//! change's HTTP call returned (the approval's redirect, the revoke's 200) to the moment the
//! receiver got the delivery; a delivery that arrives before that call returned counts as 0.
//! It prints a table and writes `target/bench/webhook_latency.json`.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use common::{ms, percentile, start_server};
use composio::models::WebhookEventType;
use composio::{Composio, SessionOptions};
use composio_server::sandbox::Browser;
use futures_util::{stream, StreamExt};

/// (event type, connected account id) → when the receiver got it.
type Received = Arc<Mutex<HashMap<(String, String), Instant>>>;

async fn receive(State(received): State<Received>, body: Bytes) -> StatusCode {
    let at = Instant::now();
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let kind = event["type"].as_str().unwrap_or_default().to_owned();
    let id = event["data"]["id"].as_str().unwrap_or_default().to_owned();
    received.lock().unwrap().entry((kind, id)).or_insert(at);
    StatusCode::OK
}

fn main() {
    let n: usize = std::env::var("WEBHOOK_LATENCY_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(n));
}

/// Latencies of `kind` events for the changes that finished at `changed`.
fn latencies(
    received: &Received,
    kind: &str,
    changed: &[(String, Instant)],
) -> (Vec<Duration>, usize) {
    let received = received.lock().unwrap();
    let mut out = Vec::new();
    let mut early = 0;
    for (id, at) in changed {
        if let Some(got) = received.get(&(kind.to_owned(), id.clone())) {
            match got.checked_duration_since(*at) {
                Some(d) => out.push(d),
                None => {
                    early += 1;
                    out.push(Duration::ZERO);
                }
            }
        }
    }
    out.sort();
    (out, early)
}

/// Waits until `want` events of `kind` arrived (or 60 s passed).
async fn wait_for(received: &Received, kind: &str, want: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let got = received
            .lock()
            .unwrap()
            .keys()
            .filter(|(k, _)| k == kind)
            .count();
        if got >= want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn run(n: usize) {
    let key = "csk_bench_webhook_latency_0123456789abcdef";
    let data_dir =
        std::env::temp_dir().join(format!("composio-bench-hooks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let data_arg = data_dir.to_string_lossy().into_owned();
    let (_server, url) = start_server(key, &["--data-dir", &data_arg], &[]);

    let received: Received = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hooks", post(receive))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("composio-server at {url}; receiver at {hook_url}; {n} events of each kind");

    let composio = Composio::builder()
        .api_key(key)
        .base_url(&url)
        .build()
        .unwrap();
    composio
        .webhooks()
        .set(
            &hook_url,
            vec![
                WebhookEventType::ConnectedAccountActive,
                WebhookEventType::ConnectedAccountRevoked,
            ],
        )
        .await
        .unwrap();
    let session = composio
        .create(
            "bench_user",
            SessionOptions::new().manage_connections(false),
        )
        .await
        .unwrap();
    let requests: Vec<_> = stream::iter(0..n)
        .map(|_| {
            let session = session.clone();
            async move { session.authorize("gmail", None).await.unwrap() }
        })
        .buffered(16)
        .collect()
        .await;

    let browser = Browser::new().unwrap();
    let approved: Vec<(String, Instant)> = stream::iter(requests.iter())
        .map(|r| {
            let browser = browser.clone();
            let (id, link) = (r.id().as_str().to_owned(), r.redirect_url().to_owned());
            async move {
                browser.approve(&link).await.expect("approve");
                (id, Instant::now())
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    wait_for(&received, "composio.connected_account.active", n).await;

    // Revokes one at a time: with several in flight the sandbox provider's revocation
    // endpoint sometimes fails (500 `ConnectedAccount_RevokeFailed`); those are counted.
    let accounts = composio.connected_accounts();
    let mut revoked = Vec::with_capacity(n);
    let mut revoke_failures = 0;
    for (id, _) in &approved {
        match accounts.revoke(id).await {
            Ok(_) => revoked.push((id.clone(), Instant::now())),
            Err(_) => revoke_failures += 1,
        }
    }
    if revoke_failures > 0 {
        println!("revokes that failed: {revoke_failures}");
    }
    wait_for(
        &received,
        "composio.connected_account.revoked",
        revoked.len(),
    )
    .await;

    println!();
    println!("| state change | events | delivered | p50 ms | p99 ms | max ms | before the call returned |");
    println!("|---|---|---|---|---|---|---|");
    let mut json_rows = Vec::new();
    for (label, kind, changed) in [
        (
            "approval → active",
            "composio.connected_account.active",
            &approved,
        ),
        (
            "revoke → revoked",
            "composio.connected_account.revoked",
            &revoked,
        ),
    ] {
        let (lat, early) = latencies(&received, kind, changed);
        let (p50, p99) = (ms(percentile(&lat, 0.50)), ms(percentile(&lat, 0.99)));
        let max = ms(lat.last().copied().unwrap_or_default());
        println!(
            "| {label} | {} | {} | {p50:.2} | {p99:.2} | {max:.2} | {early} |",
            changed.len(),
            lat.len()
        );
        json_rows.push(serde_json::json!({
            "event": kind, "events": changed.len(), "delivered": lat.len(),
            "p50_ms": p50, "p99_ms": p99, "max_ms": max, "before_call_returned": early,
        }));
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target").to_owned());
    let dir = std::path::Path::new(&target).join("bench");
    let report =
        serde_json::json!({"bench": "webhook_latency", "backend": "sqlite", "results": json_rows});
    if std::fs::create_dir_all(&dir).is_ok() {
        let path = dir.join("webhook_latency.json");
        match std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap()) {
            Ok(()) => println!("\nwrote {}", path.display()),
            Err(e) => eprintln!("could not write {}: {e}", path.display()),
        }
    }
    let _ = std::fs::remove_dir_all(&data_dir);
}
