//! `composio webhooks deliveries|redeliver|listen`: the delivery log of the project's webhook
//! subscription, redelivering an event, and forwarding the project's events to a local URL
//! (composio-server extensions).

use std::time::Duration;

use clap::{Args, Subcommand};
use composio::models::WebhookListenEvent;
use composio::webhooks::{
    HEADER_ATTEMPT, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_VERSION,
};
use futures_util::StreamExt;

use crate::backend::Backend;
use crate::exit::{self, CliError};
use crate::{table, GlobalArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum WebhooksCommand {
    /// List the newest deliveries of the project's webhook subscription: status, attempts,
    /// last response code and latency.
    Deliveries(DeliveriesArgs),
    /// Deliver an event again now, with the same webhook-id.
    Redeliver(RedeliverArgs),
    /// Receive the project's webhook events from the server and forward each, signed, to a
    /// local URL; prints one line per event. Stops with Ctrl-C.
    Listen(ListenArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DeliveriesArgs {
    /// At most this many deliveries.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RedeliverArgs {
    /// The delivery's id (whd_…), from `composio webhooks deliveries`.
    id: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    /// Where to post each event, e.g. http://localhost:3000/hooks.
    #[arg(long, value_name = "URL")]
    forward_to: String,
}

pub(crate) async fn run(global: &GlobalArgs, cmd: WebhooksCommand) -> Result<(), CliError> {
    let quiet = match &cmd {
        WebhooksCommand::Deliveries(a) => a.json,
        WebhooksCommand::Redeliver(a) => a.json,
        WebhooksCommand::Listen(_) => false,
    };
    let backend = Backend::open(global, quiet).await?;
    let result = dispatch(&backend, cmd).await;
    backend.close().await;
    result
}

/// The id of the project's subscription.
async fn subscription_id(backend: &Backend) -> Result<String, CliError> {
    let page = backend.client.webhooks().list().await?;
    page.items.into_iter().next().map(|s| s.id).ok_or_else(|| {
        CliError::new(exit::API, "this project has no webhook subscription").hint(
            "create one with the SDK (composio.webhooks.subscriptions.set(webhook_url=…)) \
             or POST /api/v3.1/webhook_subscriptions",
        )
    })
}

fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::new(exit::UNEXPECTED, e.to_string()))?;
    println!("{text}");
    Ok(())
}

async fn dispatch(backend: &Backend, cmd: WebhooksCommand) -> Result<(), CliError> {
    let sub = subscription_id(backend).await?;
    let webhooks = backend.client.webhooks();
    match cmd {
        WebhooksCommand::Deliveries(args) => {
            let page = webhooks.deliveries(&sub, args.limit.clamp(1, 100)).await?;
            if args.json {
                return print_json(&page.items);
            }
            if page.items.is_empty() {
                println!("no deliveries yet");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = page
                .items
                .iter()
                .map(|d| {
                    vec![
                        d.id.clone(),
                        d.event_type.to_string(),
                        d.status.to_string(),
                        d.attempts.to_string(),
                        d.last_response_code
                            .map_or_else(|| "-".into(), |c| c.to_string()),
                        d.last_latency_ms
                            .map_or_else(|| "-".into(), |l| format!("{l} ms")),
                        d.created_at.clone(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table::render(
                    &["ID", "EVENT", "STATUS", "ATTEMPTS", "CODE", "LATENCY", "CREATED"],
                    &rows
                )
            );
            Ok(())
        }
        WebhooksCommand::Redeliver(args) => {
            let d = webhooks.redeliver(&sub, &args.id).await?;
            if args.json {
                return print_json(&d);
            }
            println!("queued {} ({}) for redelivery", d.id, d.event_id);
            Ok(())
        }
        WebhooksCommand::Listen(args) => listen(backend, &sub, &args.forward_to).await,
    }
}

/// Forwards events until Ctrl-C, reconnecting when the stream ends.
async fn listen(backend: &Backend, sub: &str, forward_to: &str) -> Result<(), CliError> {
    url::Url::parse(forward_to)
        .map_err(|e| CliError::new(2, format!("--forward-to `{forward_to}` is not a URL: {e}")))?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| CliError::new(exit::UNEXPECTED, e.to_string()))?;
    eprintln!("forwarding the events of {sub} to {forward_to} (Ctrl-C to stop)");
    let forward = async {
        let mut backoff = Duration::from_millis(500);
        loop {
            match backend.client.webhooks().listen(sub).await {
                Ok(stream) => {
                    backoff = Duration::from_millis(500);
                    let mut stream = Box::pin(stream);
                    while let Some(event) = stream.next().await {
                        match event {
                            Ok(event) => println!("{}", forward(&http, forward_to, &event).await),
                            Err(e) => {
                                eprintln!("listen stream: {e}");
                                break;
                            }
                        }
                    }
                }
                Err(e) if matches!(e.kind(), composio::ErrorKind::Api(_)) => {
                    return Err(CliError::from(e))
                }
                Err(e) => eprintln!("listen stream: {e}; reconnecting"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    };
    tokio::select! {
        result = forward => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// Posts one event to the local URL; the line to print.
async fn forward(http: &reqwest::Client, url: &str, event: &WebhookListenEvent) -> String {
    let started = std::time::Instant::now();
    let result = http
        .post(url)
        .header("content-type", "application/json")
        .header(HEADER_ID, &event.webhook_id)
        .header(HEADER_TIMESTAMP, event.webhook_timestamp.to_string())
        .header(HEADER_SIGNATURE, &event.webhook_signature)
        .header(HEADER_VERSION, &event.version)
        .header(HEADER_ATTEMPT, "1")
        .body(event.payload.clone())
        .send()
        .await;
    let outcome = match result {
        Ok(resp) => resp.status().as_u16().to_string(),
        Err(e) if e.is_connect() => "could not connect".to_owned(),
        Err(e) if e.is_timeout() => "timed out".to_owned(),
        Err(e) => format!("failed: {e}"),
    };
    format!(
        "{}  {}  -> {url}  [{outcome}] {} ms",
        event.event_type,
        event.webhook_id,
        started.elapsed().as_millis()
    )
}
