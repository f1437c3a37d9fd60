//! The webhook part of the store: subscriptions (one per project) and the outbox of
//! deliveries. Deliveries of account events are written by the account units of work
//! themselves ([`super::Store::apply`], [`super::Store::complete_link`]), in the same
//! transaction as the status change; this trait reads them, leases them to a sender and
//! records the attempts.

use std::time::Duration;

use async_trait::async_trait;
use composio_core::models::{DeliveryStatus, WebhookEventType};

use super::StoreResult;

/// A stored webhook subscription (its secrets sealed).
#[derive(Clone)]
pub(crate) struct SubscriptionRow {
    /// `ws_…`
    pub id: String,
    /// Owning project (one subscription each).
    pub project_id: String,
    /// Where events are posted.
    pub webhook_url: String,
    /// Payload version (`V3`).
    pub version: String,
    /// Enabled event types.
    pub enabled_events: Vec<WebhookEventType>,
    /// The sealed signing secret.
    pub secret: Vec<u8>,
    /// The sealed secret before the last rotation, and until when it still signs.
    pub previous_secret: Option<(Vec<u8>, i64)>,
    /// Creation time (epoch ms).
    pub created_at: i64,
    /// Last update (epoch ms).
    pub updated_at: i64,
}

impl std::fmt::Debug for SubscriptionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionRow")
            .field("id", &self.id)
            .field("project_id", &self.project_id)
            .field("webhook_url", &self.webhook_url)
            .field("enabled_events", &self.enabled_events)
            .finish_non_exhaustive()
    }
}

/// What changes in a subscription ([`WebhookStore::update_subscription`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct SubscriptionChange {
    /// A new URL.
    pub webhook_url: Option<String>,
    /// New event types.
    pub enabled_events: Option<Vec<WebhookEventType>>,
    /// A new version.
    pub version: Option<String>,
}

/// One delivery of an event to a subscription.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryRow {
    /// `whd_…`
    pub id: String,
    /// `msg_…` (the `webhook-id`).
    pub event_id: String,
    /// The subscription it goes to.
    pub subscription_id: String,
    /// The event type.
    pub event_type: WebhookEventType,
    /// The account it concerns.
    pub account_id: Option<String>,
    /// The exact body sent.
    pub payload: String,
    /// Its status.
    pub status: DeliveryStatus,
    /// Attempts made in all.
    pub attempts: i64,
    /// Attempts made since it was last (re)queued: the position in the retry schedule.
    pub run_attempts: i64,
    /// When the next attempt is due (epoch ms), while pending.
    pub next_attempt_at: Option<i64>,
    /// The HTTP status of the last answer.
    pub last_status_code: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// How long the last attempt took (ms).
    pub last_latency_ms: Option<i64>,
    /// Creation time (epoch ms).
    pub created_at: i64,
    /// When a 2xx answer came (epoch ms).
    pub delivered_at: Option<i64>,
}

/// The result of one attempt ([`WebhookStore::finish_delivery`]).
#[derive(Debug, Clone)]
pub(crate) struct AttemptResult {
    /// The HTTP status of the answer, when one came.
    pub status_code: Option<u16>,
    /// Why it failed (`None`: delivered).
    pub error: Option<String>,
    /// How long it took.
    pub latency: Duration,
    /// When to try again after a failure; `None` gives up (the delivery is `FAILED`).
    pub retry_at: Option<i64>,
}

/// Storage of webhook subscriptions and deliveries; see the module docs.
#[async_trait]
pub(crate) trait WebhookStore: Send + Sync {
    /// Stores a new subscription; [`super::StoreError::Conflict`] when the project has one.
    async fn insert_subscription(&self, row: &SubscriptionRow) -> StoreResult<SubscriptionRow>;
    /// The subscription of a project.
    async fn project_subscription(&self, project_id: &str) -> StoreResult<Option<SubscriptionRow>>;
    /// A subscription by id, whatever its project (the delivery worker).
    async fn subscription_any(&self, id: &str) -> StoreResult<Option<SubscriptionRow>>;
    /// Changes a subscription of a project; the updated row, `None` when there is none.
    async fn update_subscription(
        &self,
        project_id: &str,
        id: &str,
        change: &SubscriptionChange,
    ) -> StoreResult<Option<SubscriptionRow>>;
    /// Replaces the secret, keeping the current one signing for `overlap`.
    async fn rotate_subscription_secret(
        &self,
        project_id: &str,
        id: &str,
        sealed: &[u8],
        overlap: Duration,
    ) -> StoreResult<Option<SubscriptionRow>>;
    /// Deletes a subscription and its deliveries (pending ones are never sent); whether it
    /// existed.
    async fn delete_subscription(&self, project_id: &str, id: &str) -> StoreResult<bool>;
    /// The newest deliveries of a subscription (after skipping `offset`), and how many there
    /// are in all.
    async fn list_deliveries(
        &self,
        subscription_id: &str,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<DeliveryRow>, u64)>;
    /// The deliveries of a subscription created at or after `since` (epoch ms), oldest
    /// first (the listen stream).
    async fn deliveries_since(
        &self,
        subscription_id: &str,
        since: i64,
    ) -> StoreResult<Vec<DeliveryRow>>;
    /// Queues a delivery of a subscription again, now, with a fresh retry schedule (same
    /// event id and body); the row, `None` when there is none.
    async fn redeliver(
        &self,
        subscription_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Option<DeliveryRow>>;
    /// Leases up to `limit` due deliveries to `holder` for `lease`, so that of several
    /// replicas one sends each.
    async fn claim_deliveries(
        &self,
        holder: &str,
        limit: u32,
        lease: Duration,
    ) -> StoreResult<Vec<DeliveryRow>>;
    /// Records an attempt of a delivery `holder` leased, releasing the lease; whether the
    /// lease was still held.
    async fn finish_delivery(
        &self,
        id: &str,
        holder: &str,
        result: &AttemptResult,
    ) -> StoreResult<bool>;
    /// When the next pending delivery is due (epoch ms), if any.
    async fn next_delivery_due(&self) -> StoreResult<Option<i64>>;
}
