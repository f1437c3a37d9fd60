//! Benchmark of the push wait and of link creation, against a real `composio-server` process.
//!
//! ```sh
//! cargo bench -p composio-server --bench push_wait            # 10,000 waits
//! PUSH_WAIT_N=1000 cargo bench -p composio-server --bench push_wait
//! ```
//!
//! It starts the server binary (sandbox mode) as a child process, creates N Connect Links
//! (reporting links per second), then starts N concurrent `wait_for_connection` calls in this
//! process with one SDK client whose sockets come from 127.0.0.2, so they can be counted in
//! `/proc/net/tcp`. The links are then approved as a browser would (16 at a time, from
//! 127.0.0.1), and it reports how soon each waiter woke after its approval (p50/p99/max), the
//! most sockets the SDK client held, and the client process's memory.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{percentile, start_server};
use composio::{Composio, SessionOptions};
use composio_http::ReqwestTransport;
use composio_server::sandbox::Browser;
use futures_util::{stream, StreamExt};

const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// Established TCP connections from `CLIENT_IP` to `port` (this machine's /proc/net/tcp).
fn client_sockets(port: u16) -> usize {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return 0;
    };
    let local_ip = format!("{:08X}", u32::from_le_bytes(CLIENT_IP.octets()));
    let remote_port = format!("{port:04X}");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            cols.len() > 3
                && cols[1].starts_with(&local_ip)
                && cols[2].ends_with(&format!(":{remote_port}"))
                && cols[3] == "01"
        })
        .count()
}

/// (current RSS, peak RSS) of this process in MiB.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    let n: usize = std::env::var("PUSH_WAIT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(n));
}

async fn run(n: usize) {
    let key = "csk_bench_push_wait_key_0123456789abcdef";
    let data_dir = std::env::temp_dir().join(format!("composio-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let data_arg = data_dir.to_string_lossy().into_owned();
    let (_server, url) = start_server(key, &["--data-dir", &data_arg], &[]);
    let port: u16 = url.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap();
    println!("composio-server at {url}; {n} waits");

    // Links per second (the admin client, from 127.0.0.1).
    let admin = Composio::builder()
        .api_key(key)
        .base_url(&url)
        .build()
        .unwrap();
    let session = admin
        .create(
            "bench_user",
            SessionOptions::new().manage_connections(false),
        )
        .await
        .unwrap();
    let sequential = 200.min(n);
    let started = Instant::now();
    let mut requests = Vec::with_capacity(n);
    for _ in 0..sequential {
        requests.push(session.authorize("gmail", None).await.unwrap());
    }
    let seq_rate = sequential as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let rest: Vec<_> = stream::iter(sequential..n)
        .map(|_| {
            let session = session.clone();
            async move { session.authorize("gmail", None).await.unwrap() }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let conc_rate = rest.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
    requests.extend(rest);
    println!("links created: {seq_rate:.0}/s sequential, {conc_rate:.0}/s with 32 in flight");

    // The SDK client under test, bound to 127.0.0.2.
    let http = reqwest::Client::builder()
        .local_address(IpAddr::V4(CLIENT_IP))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = Composio::builder()
        .api_key(key)
        .base_url(&url)
        .transport(Arc::new(ReqwestTransport::from_client(http)))
        .build()
        .unwrap();
    client
        .connected_accounts()
        .get(requests[0].id().as_str())
        .await
        .unwrap();
    assert!(client.push_wait_available(), "server advertises push wait");
    let (rss_before, _) = rss_mib();

    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let max_sockets = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sampler = {
        let sampling = sampling.clone();
        let max_sockets = max_sockets.clone();
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                let s = client_sockets(port);
                max_sockets.fetch_max(s, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    let woke: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; n]));
    let mut waits = Vec::with_capacity(n);
    for (i, r) in requests.iter().enumerate() {
        let client = client.clone();
        let id = r.id().as_str().to_owned();
        let woke = woke.clone();
        waits.push(tokio::spawn(async move {
            let result = client
                .wait_for_connection(&id, Duration::from_secs(600))
                .await;
            woke.lock().unwrap()[i] = Some(Instant::now());
            result.map(|a| a.status)
        }));
    }
    // Let every wait reach the server before the first approval.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_waiting, _) = rss_mib();

    let approved: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; n]));
    let browser = Browser::new().unwrap();
    let started = Instant::now();
    stream::iter(requests.iter().enumerate())
        .for_each_concurrent(16, |(i, r)| {
            let browser = browser.clone();
            let approved = approved.clone();
            let link = r.redirect_url().to_owned();
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
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.await;
    let (_, rss_peak) = rss_mib();

    let woke = woke.lock().unwrap();
    let approved = approved.lock().unwrap();
    let mut latencies = Vec::with_capacity(n);
    let mut before_redirect = 0;
    for (w, a) in woke.iter().zip(approved.iter()) {
        if let (Some(w), Some(a)) = (w, a) {
            match w.checked_duration_since(*a) {
                Some(d) => latencies.push(d),
                None => {
                    before_redirect += 1;
                    latencies.push(Duration::ZERO);
                }
            }
        }
    }
    latencies.sort();
    let within_1s = latencies
        .iter()
        .filter(|d| **d <= Duration::from_secs(1))
        .count();
    println!(
        "approvals: {n} in {approve_secs:.1} s ({:.0}/s, 16 browsers)",
        n as f64 / approve_secs
    );
    println!("waits ended ACTIVE: {active}/{n}");
    println!(
        "wake latency after the approval completed: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({within_1s}/{n} within 1 s; {before_redirect} woke before the browser got its redirect)",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    println!(
        "SDK client sockets (peak, from {CLIENT_IP}): {}",
        max_sockets.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!(
        "client process memory: {rss_before:.1} MiB before the waits, {rss_waiting:.1} MiB with {n} waits pending (+{:.1} MiB), peak {rss_peak:.1} MiB",
        rss_waiting - rss_before
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}
