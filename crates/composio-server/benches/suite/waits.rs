//! `waits`: N concurrent `wait_for_connection` in one client process.
//!
//! N links are made, then one SDK client (its sockets from 127.0.0.2, so they can be
//! counted in `/proc/net/tcp`) starts N waits at once. Browsers (16 at a time, from
//! 127.0.0.1) approve every link; each waiter must end ACTIVE within 1 s of its approval.
//! Reported: wake latency after the approval completed, the client's peak sockets and its
//! memory (RSS) with the N waits pending.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use composio::{Composio, ConnectionStatus};
use composio_http::ReqwestTransport;
use composio_server::sandbox::Browser;
use futures_util::{stream, StreamExt, TryStreamExt};

use crate::common::{ms, percentile, rss_mib, sockets_from, SqliteServer};
use crate::report::Report;
use crate::{Outcome, Size};

const KEY: &str = "csk_bench_waits_key_0123456789abcdef";
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const BROWSERS: usize = 16;

pub async fn run(size: Size) -> Outcome {
    let n: usize = match size {
        Size::Quick => 200,
        Size::Full => std::env::var("COMPOSIO_BENCH_WAITS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000),
    };
    // Links stay valid however long approving all of them takes (the default is 10 min).
    let server = SqliteServer::start_with_config(KEY, Some("link_expiry_secs = 7200\n"));
    let admin = Composio::builder()
        .api_key(KEY)
        .base_url(&server.url)
        .build()
        .map_err(|e| e.to_string())?;
    // 100 links per user.
    let sessions = crate::links::sessions(&admin, "bench_waits", n.div_ceil(100)).await?;
    let requests: Vec<_> = stream::iter(0..n)
        .map(|k| {
            let session = sessions[k % sessions.len()].clone();
            async move {
                session
                    .authorize("gmail", None)
                    .await
                    .map_err(|e| format!("POST …/link: {e}"))
            }
        })
        .buffer_unordered(32)
        .try_collect()
        .await?;

    // The SDK client under test, bound to 127.0.0.2.
    let http = reqwest::Client::builder()
        .local_address(IpAddr::V4(CLIENT_IP))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let client = Composio::builder()
        .api_key(KEY)
        .base_url(&server.url)
        .transport(Arc::new(ReqwestTransport::from_client(http)))
        .build()
        .map_err(|e| e.to_string())?;
    client
        .connected_accounts()
        .get(requests[0].id().as_str())
        .await
        .map_err(|e| e.to_string())?;
    if !client.push_wait_available() {
        return Err("the server does not advertise its push wait".into());
    }
    let (rss_before, _) = rss_mib();

    let sampling = Arc::new(AtomicBool::new(true));
    let max_sockets = Arc::new(AtomicUsize::new(0));
    let sampler = {
        let (sampling, max_sockets, port) = (sampling.clone(), max_sockets.clone(), server.port);
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                max_sockets.fetch_max(sockets_from(CLIENT_IP, port), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    let woke: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; n]));
    let mut waits = Vec::with_capacity(n);
    for (i, r) in requests.iter().enumerate() {
        let (client, woke) = (client.clone(), woke.clone());
        let id = r.id().as_str().to_owned();
        waits.push(tokio::spawn(async move {
            let result = client
                .wait_for_connection(&id, Duration::from_secs(1_800))
                .await;
            woke.lock().map_err(|e| e.to_string())?[i] = Some(Instant::now());
            result
                .map(|a| a.status)
                .map_err(|e| format!("wait {id}: {e}"))
        }));
    }
    // Let every wait reach the server before the first approval (about 10 s per 100,000).
    let settle = if size == Size::Quick {
        1
    } else {
        5.max(n as u64 / 10_000)
    };
    tokio::time::sleep(Duration::from_secs(settle)).await;
    let (rss_waiting, _) = rss_mib();

    let approved: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; n]));
    let browsers = (0..BROWSERS)
        .map(|_| Browser::new().map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    stream::iter(requests.iter().enumerate())
        .map(|(i, r)| {
            let (browser, approved) = (browsers[i % BROWSERS].clone(), approved.clone());
            let link = r.redirect_url().to_owned();
            async move {
                browser
                    .approve(&link)
                    .await
                    .map_err(|e| format!("approve {link}: {e}"))?;
                approved.lock().map_err(|e| e.to_string())?[i] = Some(Instant::now());
                Ok::<(), String>(())
            }
        })
        .buffer_unordered(BROWSERS)
        .try_collect::<Vec<()>>()
        .await?;
    let approve_secs = started.elapsed().as_secs_f64();
    let mut active = 0;
    for w in waits {
        if w.await.map_err(|e| e.to_string())?? == ConnectionStatus::Active {
            active += 1;
        }
    }
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;

    let woke = woke.lock().map_err(|e| e.to_string())?;
    let approved = approved.lock().map_err(|e| e.to_string())?;
    let mut latencies = Vec::with_capacity(n);
    // Late wakes by when their link was approved: in the first tenth of the approvals, or
    // later (a cluster at the start points at waits still being registered).
    let first_tenth = approved
        .iter()
        .flatten()
        .min()
        .map(|t| *t + (started.elapsed() / 10));
    let (mut late_early, mut late_later) = (0usize, 0usize);
    let mut later_latencies = Vec::with_capacity(n);
    for (w, a) in woke.iter().zip(approved.iter()) {
        if let (Some(w), Some(a)) = (w, a) {
            // Woken before the browser got its redirect back: counted as 0.
            let latency = w.saturating_duration_since(*a);
            let early = first_tenth.is_some_and(|t| *a <= t);
            if latency > Duration::from_secs(1) {
                if early {
                    late_early += 1;
                } else {
                    late_later += 1;
                }
            }
            if !early {
                later_latencies.push(latency);
            }
            latencies.push(latency);
        }
    }
    latencies.sort();
    later_latencies.sort();
    let within_1s = latencies
        .iter()
        .filter(|d| **d <= Duration::from_secs(1))
        .count();
    let mut report = Report::default();
    report.row("waits", n as f64, "");
    report.row("waits ended ACTIVE", active as f64, "");
    report.row("woken within 1 s of the approval", within_1s as f64, "");
    report.row("wake latency p50", ms(percentile(&latencies, 0.50)), "ms");
    report.row("wake latency p99", ms(percentile(&latencies, 0.99)), "ms");
    report.row(
        "wake latency p99.9",
        ms(percentile(&latencies, 0.999)),
        "ms",
    );
    report.row(
        "wake latency p99, approved after the first tenth",
        ms(percentile(&later_latencies, 0.99)),
        "ms",
    );
    report.row(
        "late (> 1 s), approved in the first tenth",
        late_early as f64,
        "",
    );
    report.row("late (> 1 s), approved later", late_later as f64, "");
    report.row(
        "wake latency max",
        ms(latencies.last().copied().unwrap_or_default()),
        "ms",
    );
    report.row(
        "client sockets (peak)",
        max_sockets.load(Ordering::Relaxed) as f64,
        "",
    );
    report.row("client RSS before the waits", rss_before, "MiB");
    report.row(
        "client RSS delta with the waits pending",
        rss_waiting - rss_before,
        "MiB",
    );
    report.row(
        format!("approvals/s ({BROWSERS} browsers)"),
        (n as f64 / approve_secs).round(),
        "/s",
    );
    if active != n || within_1s != n {
        // The figures help find out why.
        report.finish("waits", size);
        return Err(format!(
            "{active}/{n} waits ended ACTIVE, {within_1s}/{n} woke within 1 s of their approval"
        ));
    }
    Ok(report)
}
