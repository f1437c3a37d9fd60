//! Benchmark of composio-server replicas on one PostgreSQL database.
//!
//! ```sh
//! cargo bench -p composio-server --bench replicas                 # 1,000 waits
//! REPLICAS_N=300 cargo bench -p composio-server --bench replicas
//! ```
//!
//! It makes a fresh database on `COMPOSIO_TEST_DATABASE_URL` (default: the local PostgreSQL),
//! starts three `composio-server` processes A, B and C on it, and reports:
//!
//! - links created per second with one replica (A) and with three (the same load spread
//!   over A, B and C), 32 requests in flight;
//! - cross-replica wake latency: N links made on A, N concurrent `wait_for_connection` calls
//!   on B (one SDK client), each link approved through C as a browser would (16 at a time);
//!   how soon after each approval completed its waiter woke (p50/p99/max).

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{ms, percentile, start_server};
use composio::{Composio, ConnectionRequest, SessionOptions};
use composio_server::sandbox::Browser;
use futures_util::{stream, StreamExt};

const KEY: &str = "csk_bench_replicas_key_0123456789abcdef";

fn main() {
    let n: usize = std::env::var("REPLICAS_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(n));
}

fn client(url: &str) -> Composio {
    Composio::builder()
        .api_key(KEY)
        .base_url(url)
        .build()
        .expect("client")
}

/// Creates `n` links with 32 in flight, round robin over `clients`; links per second.
async fn create_links(clients: &[Composio], n: usize) -> (Vec<ConnectionRequest>, f64) {
    let mut sessions = Vec::new();
    for c in clients {
        sessions.push(
            c.create(
                "bench_user",
                SessionOptions::new().manage_connections(false),
            )
            .await
            .expect("session"),
        );
    }
    let started = Instant::now();
    let links: Vec<ConnectionRequest> = stream::iter(0..n)
        .map(|i| {
            let session = sessions[i % sessions.len()].clone();
            async move { session.authorize("gmail", None).await.expect("link") }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    (links, n as f64 / started.elapsed().as_secs_f64())
}

/// The same URL on the replica at `base`.
fn on(base: &str, url: &str) -> String {
    let mut u = url::Url::parse(url).expect("url");
    let b = url::Url::parse(base).expect("url");
    u.set_port(b.port()).expect("port");
    u.to_string()
}

async fn run(n: usize) {
    let Some(db) = composio_server::testing::postgres_database().await else {
        return;
    };
    let enc = composio_server::generate_encryption_key();
    let env = [("COMPOSIO_SERVER_ENCRYPTION_KEY", enc.as_str())];
    let mut dirs = Vec::new();
    let mut replicas = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().expect("dir");
        let data = dir.path().to_string_lossy().into_owned();
        let args = ["--database-url", db.url(), "--data-dir", data.as_str()];
        replicas.push(start_server(KEY, &args, &env));
        dirs.push(dir);
    }
    let urls: Vec<String> = replicas.iter().map(|(_, u)| u.clone()).collect();
    let clients: Vec<Composio> = urls.iter().map(|u| client(u)).collect();
    println!("3 replicas on PostgreSQL ({}); {n} waits", db.name());

    let (_, one) = create_links(&clients[..1], n.max(1000)).await;
    let (_, three) = create_links(&clients, n.max(1000)).await;
    println!(
        "links created (32 in flight): {one:.0}/s with 1 replica, {three:.0}/s with 3 replicas"
    );

    // Links on A, waits on B, approvals through C.
    let (links, _) = create_links(&clients[..1], n).await;
    let waiter = client(&urls[1]);
    let _ = waiter
        .connected_accounts()
        .get(links[0].id().as_str())
        .await;
    assert!(waiter.push_wait_available(), "B offers the push wait");
    let woke: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; n]));
    let mut waits = Vec::with_capacity(n);
    for (i, r) in links.iter().enumerate() {
        let (waiter, woke) = (waiter.clone(), woke.clone());
        let id = r.id().as_str().to_owned();
        waits.push(tokio::spawn(async move {
            let result = waiter
                .wait_for_connection(&id, Duration::from_secs(600))
                .await;
            woke.lock().unwrap()[i] = Some(Instant::now());
            result.map(|a| a.status)
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let approved: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; n]));
    let browser = Browser::new().expect("browser");
    let started = Instant::now();
    stream::iter(links.iter().enumerate())
        .for_each_concurrent(16, |(i, r)| {
            let (browser, approved) = (browser.clone(), approved.clone());
            let link = on(&urls[2], r.redirect_url());
            async move {
                browser.approve(&link).await.expect("approve");
                approved.lock().unwrap()[i] = Some(Instant::now());
            }
        })
        .await;
    let approve_secs = started.elapsed().as_secs_f64();
    let mut active = 0;
    for w in waits {
        if let Ok(Ok(status)) = w.await {
            if status == composio::ConnectionStatus::Active {
                active += 1;
            }
        }
    }
    let woke = woke.lock().unwrap();
    let approved = approved.lock().unwrap();
    let mut latencies: Vec<Duration> = woke
        .iter()
        .zip(approved.iter())
        .filter_map(|(w, a)| Some(w.as_ref()?.saturating_duration_since(*a.as_ref()?)))
        .collect();
    latencies.sort();
    println!(
        "approvals through C: {n} in {approve_secs:.1} s ({:.0}/s, 16 browsers)",
        n as f64 / approve_secs
    );
    println!("waits on B ended ACTIVE: {active}/{n}");
    println!(
        "cross-replica wake latency after the approval completed: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
    );
    drop(replicas);
}
