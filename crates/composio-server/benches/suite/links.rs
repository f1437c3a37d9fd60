//! `links`: `POST …/link` throughput with 32 in flight, and latency at a fixed rate.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use composio::{Composio, Session, SessionOptions};
use futures_util::{stream, StreamExt, TryStreamExt};

use crate::common::{ms, percentile, SqliteServer};
use crate::report::Report;
use crate::{Outcome, Size};

const KEY: &str = "csk_bench_links_key_0123456789abcdef";
const IN_FLIGHT: usize = 32;
/// Users the links are spread over (a user has room for a few thousand accounts of one
/// toolkit: their word ids are drawn from a list of about 5,800).
const USERS: usize = 200;

pub async fn run(size: Size) -> Outcome {
    let server = SqliteServer::start(KEY);
    let client = Composio::builder()
        .api_key(KEY)
        .base_url(&server.url)
        .build()
        .map_err(|e| e.to_string())?;
    let sessions = Arc::new(sessions(&client, "bench_links", USERS).await?);
    let mut report = Report::default();

    // Warm up: connections, caches, the database file.
    for k in 0..50 {
        link(&sessions[k % USERS]).await?;
    }

    // Throughput: 32 workers creating links back to back, for a time or a count.
    let (budget, cap) = match size {
        Size::Quick => (Duration::from_secs(30), 200),
        Size::Full => (Duration::from_secs(10), usize::MAX),
    };
    let made = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let sessions = sessions.clone();
            let made = made.clone();
            tokio::spawn(async move {
                while started.elapsed() < budget {
                    let k = made.fetch_add(1, Ordering::Relaxed);
                    if k >= cap {
                        break;
                    }
                    link(&sessions[k % USERS]).await?;
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for w in workers {
        w.await.map_err(|e| e.to_string())??;
    }
    let secs = started.elapsed().as_secs_f64();
    let count = made.load(Ordering::Relaxed).min(cap);
    report.row(
        format!("links/s, {IN_FLIGHT} in flight"),
        (count as f64 / secs).round(),
        "links/s",
    );
    report.row("links created (throughput run)", count as f64, "");

    // Latency at a fixed rate (open loop: counted from when each request was due).
    let (rate, total) = match size {
        Size::Quick => (200u32, 200usize),
        Size::Full => (1_000, 10_000),
    };
    let period = Duration::from_secs(1) / rate;
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for k in 0..total {
        let due = started + period * u32::try_from(k).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due).await;
        let session = sessions[k % USERS].clone();
        tasks.push(tokio::spawn(async move {
            link(&session).await?;
            Ok::<Duration, String>(due.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    for t in tasks {
        latencies.push(t.await.map_err(|e| e.to_string())??);
    }
    let achieved = total as f64 / started.elapsed().as_secs_f64();
    latencies.sort();
    report.row(
        format!("fixed rate {rate}/s: achieved"),
        achieved.round(),
        "links/s",
    );
    report.row("fixed rate: p50", ms(percentile(&latencies, 0.50)), "ms");
    report.row("fixed rate: p99", ms(percentile(&latencies, 0.99)), "ms");
    report.row(
        "fixed rate: max",
        ms(latencies.last().copied().unwrap_or_default()),
        "ms",
    );
    report.note("SQLite, one server process, the Rust SDK's `session.authorize` as the client");
    Ok(report)
}

/// `count` sessions of users `<prefix>_<i>`, made 32 at a time.
pub async fn sessions(
    client: &Composio,
    prefix: &str,
    count: usize,
) -> Result<Vec<Session>, String> {
    stream::iter(0..count)
        .map(|i| {
            let client = client.clone();
            async move {
                client
                    .create(
                        &format!("{prefix}_{i}"),
                        SessionOptions::new().manage_connections(false),
                    )
                    .await
                    .map_err(|e| format!("create session: {e}"))
            }
        })
        .buffered(IN_FLIGHT)
        .try_collect()
        .await
}

/// One link; an error names what failed.
async fn link(session: &Session) -> Result<(), String> {
    let request = session
        .authorize("gmail", None)
        .await
        .map_err(|e| format!("POST …/link: {e}"))?;
    if request.redirect_url().is_empty() {
        return Err(format!("link {} has no redirect_url", request.id()));
    }
    Ok(())
}
