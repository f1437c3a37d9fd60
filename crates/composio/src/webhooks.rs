//! Webhooks: verify a delivery ([`verify`]) and manage the project's subscription
//! ([`Webhooks`], from `composio.webhooks()`); docs/spec/wire-2026.md §20.
//!
//! ```
//! use std::time::Duration;
//! use composio::webhooks::{self, VerifyError};
//!
//! // In your HTTP handler: the request's headers and its raw body.
//! let headers = http::HeaderMap::new();
//! let body = br#"{"id":"msg_1"}"#;
//! match webhooks::verify(&headers, body, "wsk_your_secret", Duration::from_secs(300)) {
//!     Ok(event) => println!("{} {}", event.event_type, event.data["id"]),
//!     Err(VerifyError::MissingHeader(name)) => eprintln!("not a webhook: no {name}"),
//!     Err(e) => eprintln!("rejected: {e}"),
//! }
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use composio_core::models::{
    CreateWebhookSubscription, Page, RotatedSecret, UpdateWebhookSubscription, WebhookDelivery,
    WebhookEventType, WebhookEventTypes, WebhookListenEvent, WebhookSubscription, LISTEN_EVENT,
};
use composio_core::query::encode_path_segment;
use composio_core::{Error, Result, TransportError};
use futures_util::{Stream, StreamExt};

pub use composio_core::models::WebhookEvent;
pub use composio_core::webhook::{
    parse_event, sign, sign_all, verify_parts, VerifyError, DEFAULT_TOLERANCE, HEADER_ATTEMPT,
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_VERSION,
};

use crate::client::Composio;
use crate::request::Call;
use crate::wait::sse::SseParser;

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Verifies a webhook delivery and returns its event: the `webhook-id`,
/// `webhook-timestamp` and `webhook-signature` headers, the raw body exactly as received,
/// the subscription's secret (the whole `wsk_…` string), and the largest accepted distance
/// between the timestamp and now (`Duration::ZERO` skips that check; the official SDKs use
/// 300 s). The error names the check that failed.
pub fn verify(
    headers: &http::HeaderMap,
    body: &[u8],
    secret: &str,
    tolerance: Duration,
) -> std::result::Result<WebhookEvent, VerifyError> {
    composio_core::webhook::verify_at(headers, body, secret, tolerance, now_secs())
}

/// The project's webhook subscription: `composio.webhooks()`.
///
/// ```no_run
/// # async fn run(composio: composio::Composio) -> composio::Result<()> {
/// use composio::models::WebhookEventType;
/// let sub = composio
///     .webhooks()
///     .set("https://your-app.com/webhooks/composio", vec![WebhookEventType::ConnectedAccountExpired])
///     .await?;
/// println!("secret: {}", sub.secret.unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Webhooks {
    client: Composio,
}

fn sub_path(id: &str, rest: &str) -> String {
    format!("/webhook_subscriptions/{}{rest}", encode_path_segment(id))
}

impl Webhooks {
    pub(crate) fn new(client: Composio) -> Self {
        Self { client }
    }

    /// The project's subscriptions, at most one (`GET {P}/webhook_subscriptions`).
    pub async fn list(&self) -> Result<Page<WebhookSubscription>> {
        self.client
            .api()
            .send(Call::get("/webhook_subscriptions"))
            .await
    }

    /// One page of the project's subscriptions (`GET {P}/webhook_subscriptions?limit=&cursor=`),
    /// like the official SDKs' `webhooks.subscriptions.list(limit=, cursor=)`.
    pub async fn list_page(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<WebhookSubscription>> {
        let mut query = composio_core::query::Query::new();
        query.push_opt("limit", limit);
        query.push_opt("cursor", cursor);
        let call = Call::get("/webhook_subscriptions").query(query.finish());
        self.client.api().send(call).await
    }

    /// A subscription (`GET {P}/webhook_subscriptions/{id}`).
    pub async fn get(&self, id: &str) -> Result<WebhookSubscription> {
        self.client.api().send(Call::get(sub_path(id, ""))).await
    }

    /// Creates the project's subscription (`POST {P}/webhook_subscriptions`); the answer
    /// carries the secret. A project has one: a second create is a 409 API error.
    pub async fn create(&self, body: CreateWebhookSubscription) -> Result<WebhookSubscription> {
        let call = Call::post("/webhook_subscriptions").json(&body)?;
        self.client.api().send(call).await
    }

    /// Changes the fields given (`PATCH {P}/webhook_subscriptions/{id}`).
    pub async fn update(
        &self,
        id: &str,
        body: UpdateWebhookSubscription,
    ) -> Result<WebhookSubscription> {
        let call = Call::patch(sub_path(id, "")).json(&body)?;
        self.client.api().send(call).await
    }

    /// Creates the subscription, or updates the existing one, like the official SDKs'
    /// `webhooks.subscriptions.set` (version V3).
    pub async fn set(
        &self,
        webhook_url: &str,
        enabled_events: Vec<WebhookEventType>,
    ) -> Result<WebhookSubscription> {
        match self.list().await?.items.into_iter().next() {
            Some(existing) => {
                let body = UpdateWebhookSubscription::new()
                    .webhook_url(webhook_url)
                    .enabled_events(enabled_events)
                    .version("V3");
                self.update(&existing.id, body).await
            }
            None => {
                let body =
                    CreateWebhookSubscription::new(webhook_url, enabled_events).version("V3");
                self.create(body).await
            }
        }
    }

    /// Deletes a subscription; deliveries stop at once (`DELETE {P}/webhook_subscriptions/{id}`).
    pub async fn delete(&self, id: &str) -> Result<()> {
        let _: serde_json::Value = self
            .client
            .api()
            .send(Call::delete(sub_path(id, "")))
            .await?;
        Ok(())
    }

    /// A new signing secret; deliveries carry signatures with both secrets for 24 hours
    /// (`POST {P}/webhook_subscriptions/{id}/rotate_secret`).
    pub async fn rotate_secret(&self, id: &str) -> Result<RotatedSecret> {
        let call = Call::post(sub_path(id, "/rotate_secret"));
        self.client.api().send(call).await
    }

    /// The event types a subscription can enable (`GET {P}/webhook_subscriptions/event_types`).
    pub async fn event_types(&self) -> Result<WebhookEventTypes> {
        self.client
            .api()
            .send(Call::get("/webhook_subscriptions/event_types"))
            .await
    }

    /// The newest deliveries of a subscription (composio-server extension:
    /// `GET {P}/webhook_subscriptions/{id}/deliveries`).
    pub async fn deliveries(&self, id: &str, limit: u32) -> Result<Page<WebhookDelivery>> {
        let call = Call::get(sub_path(id, "/deliveries")).query(format!("limit={limit}"));
        self.client.api().send(call).await
    }

    /// Delivers an event again with the same `webhook-id` (composio-server extension:
    /// `POST {P}/webhook_subscriptions/{id}/deliveries/{delivery_id}/redeliver`).
    pub async fn redeliver(&self, id: &str, delivery_id: &str) -> Result<WebhookDelivery> {
        let path = sub_path(
            id,
            &format!("/deliveries/{}/redeliver", encode_path_segment(delivery_id)),
        );
        self.client.api().send(Call::post(path)).await
    }

    /// The subscription's new events as the server signs them, for a local forwarder
    /// (composio-server extension: `GET {P}/webhook_subscriptions/{id}/listen`). The stream
    /// ends when the connection does.
    pub async fn listen(
        &self,
        id: &str,
    ) -> Result<impl Stream<Item = Result<WebhookListenEvent>> + Send + 'static> {
        let response = self
            .client
            .api()
            .open_stream(Call::get(sub_path(id, "/listen")))
            .await?;
        let body = response.into_body();
        let parsed = futures_util::stream::unfold(
            (body, SseParser::new(), std::collections::VecDeque::new()),
            |(mut body, mut parser, mut queue)| async move {
                loop {
                    if let Some(item) = queue.pop_front() {
                        return Some((item, (body, parser, queue)));
                    }
                    let chunk = match body.next().await? {
                        Ok(chunk) => chunk,
                        Err(e) => return Some((Err(Error::from(e)), (body, parser, queue))),
                    };
                    let events = match parser.push(&chunk) {
                        Ok(events) => events,
                        Err(_) => {
                            let e = Error::Transport(TransportError::other(
                                "an event of the listen stream is too long",
                            ));
                            return Some((Err(e), (body, parser, queue)));
                        }
                    };
                    for ev in events.into_iter().filter(|e| e.event == LISTEN_EVENT) {
                        queue.push_back(serde_json::from_str(&ev.data).map_err(|e| {
                            Error::Transport(TransportError::other(format!(
                                "bad listen event: {e}"
                            )))
                        }));
                    }
                }
            },
        );
        Ok(parsed)
    }
}
