//! `flows`: whole Connect Link flows, each followed by a scripted browser.
//!
//! One flow: create a session for a new user, `POST …/link` (gmail, with a callback URL),
//! then a browser opens the Connect Link, submits each page's form (every hidden field, and
//! *Approve* on the sandbox provider's consent page) with its cookies, and follows the
//! redirects up to the app's callback, which must say `status=success`. At the end every
//! account must be ACTIVE. 32 browsers run at once, each with its own cookie jar, each doing
//! its share of the flows one after another as a user's browser would.

use std::time::Instant;

use composio::{Composio, ConnectionStatus, SessionOptions};
use composio_core::CallbackResult;
use composio_server::sandbox::Browser;
use futures_util::{stream, StreamExt, TryStreamExt};

use crate::common::{cpu_secs, ms, percentile, SqliteServer};
use crate::report::Report;
use crate::{Outcome, Size};

const KEY: &str = "csk_bench_flows_key_0123456789abcdef";
const BROWSERS: usize = 32;
const CALLBACK: &str = "https://app.example/callback";

pub async fn run(size: Size) -> Outcome {
    let server = SqliteServer::start(KEY);
    let client = Composio::builder()
        .api_key(KEY)
        .base_url(&server.url)
        .build()
        .map_err(|e| e.to_string())?;
    let total = match size {
        Size::Quick => 64,
        Size::Full => 10_000,
    };
    let browsers = (0..BROWSERS)
        .map(|_| Browser::new().map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    let (server_cpu, driver_cpu) = (cpu_secs(Some(server.pid)), cpu_secs(None));
    let done: Vec<(String, std::time::Duration)> = stream::iter(0..total)
        .map(|i| {
            let client = client.clone();
            let browser = browsers[i % BROWSERS].clone();
            async move {
                let t = Instant::now();
                let id = flow(&client, &browser, i).await?;
                Ok::<_, String>((id, t.elapsed()))
            }
        })
        .buffer_unordered(BROWSERS)
        .try_collect()
        .await?;
    let secs = started.elapsed().as_secs_f64();
    // Where the machine's time went: the server and this process (the SDK client and the
    // browsers) share its cores.
    let per_flow = |cpu: f64| cpu * 1e3 / total as f64;
    let server_cpu = per_flow(cpu_secs(Some(server.pid)) - server_cpu);
    let driver_cpu = per_flow(cpu_secs(None) - driver_cpu);

    // Every account ACTIVE, checked through the API after the load.
    let active = stream::iter(done.iter().map(|(id, _)| id.clone()))
        .map(|id| {
            let client = client.clone();
            async move {
                let account = client
                    .connected_accounts()
                    .get(&id)
                    .await
                    .map_err(|e| format!("GET connected account {id}: {e}"))?;
                if account.status != ConnectionStatus::Active {
                    return Err(format!("{id} is {:?}, not ACTIVE", account.status));
                }
                Ok(())
            }
        })
        .buffer_unordered(BROWSERS)
        .try_collect::<Vec<()>>()
        .await?
        .len();

    let mut latencies: Vec<_> = done.iter().map(|(_, d)| *d).collect();
    latencies.sort();
    let mut report = Report::default();
    report.row(
        format!("flows/s, {BROWSERS} browsers"),
        (total as f64 / secs).round(),
        "flows/s",
    );
    report.row("flows completed", done.len() as f64, "");
    report.row("errors", 0.0, "");
    report.row("accounts ACTIVE at the end", active as f64, "");
    report.row("flow p50", ms(percentile(&latencies, 0.50)), "ms");
    report.row("flow p99", ms(percentile(&latencies, 0.99)), "ms");
    report.row("server CPU per flow", server_cpu, "ms");
    report.row("driver CPU per flow (client + browsers)", driver_cpu, "ms");
    report.note("one flow = session + link + every Connect Link page and form + callback (SQLite)");
    Ok(report)
}

/// One flow for user `bench_flow_{i}`; the ACTIVE account's id.
async fn flow(client: &Composio, browser: &Browser, i: usize) -> Result<String, String> {
    let session = client
        .create(
            &format!("bench_flow_{i}"),
            SessionOptions::new().manage_connections(false),
        )
        .await
        .map_err(|e| format!("create session: {e}"))?;
    let request = session
        .authorize("gmail", Some(CALLBACK))
        .await
        .map_err(|e| format!("POST …/link: {e}"))?;
    let landed = browser
        .approve(request.redirect_url())
        .await
        .map_err(|e| format!("Connect Link of {}: {e}", request.id()))?;
    if !landed.starts_with(CALLBACK) {
        return Err(format!("the flow ended at {landed}, not at the callback"));
    }
    let result =
        CallbackResult::parse(&landed).map_err(|e| format!("callback URL {landed}: {e}"))?;
    if !result.is_success() {
        return Err(format!("the callback says the flow failed: {landed}"));
    }
    Ok(request.id().as_str().to_owned())
}
