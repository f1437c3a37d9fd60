//! Webhook subscriptions and V3 webhook events (docs/spec/wire-2026.md §20).
//!
//! A project has at most one subscription: where events are `POST`ed, which event types
//! are enabled, the payload version and the signing secret. Each delivery carries a
//! [`WebhookEvent`] (the V3 envelope) signed as described in [`crate::webhook`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Extra;

/// A webhook event type (`composio.connected_account.expired`, …).
///
/// `#[non_exhaustive]`: a type this version does not know is kept as
/// [`WebhookEventType::Unknown`] and serialized back unchanged.
///
/// ```
/// use composio_core::models::WebhookEventType;
/// let t: WebhookEventType = serde_json::from_str("\"composio.connected_account.expired\"").unwrap();
/// assert_eq!(t, WebhookEventType::ConnectedAccountExpired);
/// let u = WebhookEventType::parse("composio.something.new");
/// assert_eq!(u.as_str(), "composio.something.new");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebhookEventType {
    /// `composio.trigger.message`: a trigger fired (V1, V2, V3).
    TriggerMessage,
    /// `composio.trigger.disabled`: a trigger was disabled by the platform (V3).
    TriggerDisabled,
    /// `composio.connected_account.expired`: an `ACTIVE` account's authentication expired
    /// and could not be refreshed (V3).
    ConnectedAccountExpired,
    /// `composio.connected_account.active` (composio-server extension): an account became
    /// `ACTIVE` (connected, or recovered) (V3).
    ConnectedAccountActive,
    /// `composio.connected_account.failed` (composio-server extension): a connection
    /// attempt failed (V3).
    ConnectedAccountFailed,
    /// `composio.connected_account.revoked` (composio-server extension): an account's
    /// credentials were revoked (V3).
    ConnectedAccountRevoked,
    /// A type this version of the crate does not know.
    Unknown(String),
}

impl WebhookEventType {
    /// Every type this crate knows, in the order `event_types` lists them.
    pub const KNOWN: [WebhookEventType; 6] = [
        Self::TriggerMessage,
        Self::ConnectedAccountExpired,
        Self::TriggerDisabled,
        Self::ConnectedAccountActive,
        Self::ConnectedAccountFailed,
        Self::ConnectedAccountRevoked,
    ];

    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::TriggerMessage => "composio.trigger.message",
            Self::TriggerDisabled => "composio.trigger.disabled",
            Self::ConnectedAccountExpired => "composio.connected_account.expired",
            Self::ConnectedAccountActive => "composio.connected_account.active",
            Self::ConnectedAccountFailed => "composio.connected_account.failed",
            Self::ConnectedAccountRevoked => "composio.connected_account.revoked",
            Self::Unknown(s) => s,
        }
    }

    /// Parses the wire spelling; unknown values become [`WebhookEventType::Unknown`].
    pub fn parse(s: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|t| t.as_str() == s)
            .cloned()
            .unwrap_or_else(|| Self::Unknown(s.to_owned()))
    }

    /// Whether the type concerns a connected account (its `data` is the account).
    pub fn is_connected_account(&self) -> bool {
        self.as_str().starts_with("composio.connected_account.")
    }
}

impl fmt::Display for WebhookEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for WebhookEventType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WebhookEventType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(deserializer)?))
    }
}

/// The V3 webhook event envelope: the body of every delivery.
///
/// ```
/// use composio_core::models::{WebhookEvent, WebhookEventType};
/// let e: WebhookEvent = serde_json::from_str(r#"{"id":"msg_1","timestamp":"2026-01-15T10:30:00Z",
///   "type":"composio.connected_account.expired","metadata":{"project_id":"pr_abc","org_id":"ok_abc"},
///   "data":{"id":"ca_N3wAcc0unt01","status":"EXPIRED"}}"#).unwrap();
/// assert_eq!(e.event_type, WebhookEventType::ConnectedAccountExpired);
/// assert_eq!(e.data["status"], "EXPIRED");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// `msg_<uuid>`, equal to the `webhook-id` header and stable across retries.
    pub id: String,
    /// When the event was created (ISO 8601).
    pub timestamp: String,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    /// Per-type metadata (`project_id`, `org_id` for connected-account events).
    #[serde(default)]
    pub metadata: serde_json::Value,
    /// Per-type data: the connected account (as `GET {P}/connected_accounts/{id}` returns
    /// it) for connected-account events.
    #[serde(default)]
    pub data: serde_json::Value,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl WebhookEvent {
    /// An event with its id, timestamp, type, metadata and data.
    pub fn new(
        id: impl Into<String>,
        timestamp: impl Into<String>,
        event_type: WebhookEventType,
        metadata: serde_json::Value,
        data: serde_json::Value,
    ) -> Self {
        Self {
            id: id.into(),
            timestamp: timestamp.into(),
            event_type,
            metadata,
            data,
            extra: Extra::new(),
        }
    }

    /// The connected account of a connected-account event.
    pub fn connected_account(&self) -> Option<super::ConnectedAccount> {
        if !self.event_type.is_connected_account() {
            return None;
        }
        serde_json::from_value(self.data.clone()).ok()
    }
}

/// A webhook subscription (`{P}/webhook_subscriptions`).
///
/// `secret` is present when the API returns it: under `/api/v3.1` always, under `/api/v3`
/// only when the subscription is created and when its secret is rotated.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookSubscription {
    /// The subscription's id (`ws_…`).
    pub id: String,
    /// Where events are `POST`ed.
    pub webhook_url: String,
    /// The payload version (`V3`).
    pub version: String,
    /// The enabled event types.
    pub enabled_events: Vec<WebhookEventType>,
    /// The signing secret, when returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Creation time (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update (ISO 8601).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl fmt::Debug for WebhookSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSubscription")
            .field("id", &self.id)
            .field("webhook_url", &self.webhook_url)
            .field("version", &self.version)
            .field("enabled_events", &self.enabled_events)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl WebhookSubscription {
    /// A subscription with its fields (timestamps unset).
    pub fn new(
        id: impl Into<String>,
        webhook_url: impl Into<String>,
        version: impl Into<String>,
        enabled_events: Vec<WebhookEventType>,
        secret: Option<String>,
    ) -> Self {
        Self {
            id: id.into(),
            webhook_url: webhook_url.into(),
            version: version.into(),
            enabled_events,
            secret,
            created_at: None,
            updated_at: None,
            extra: Extra::new(),
        }
    }

    /// Sets the timestamps.
    pub fn timestamps(mut self, created_at: String, updated_at: String) -> Self {
        self.created_at = Some(created_at);
        self.updated_at = Some(updated_at);
        self
    }
}

/// Body of `POST {P}/webhook_subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateWebhookSubscription {
    /// Where events are `POST`ed: `https://`, or `http://` to a loopback address.
    pub webhook_url: String,
    /// The event types to deliver (at least one).
    pub enabled_events: Vec<WebhookEventType>,
    /// The payload version (`V3` when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl CreateWebhookSubscription {
    /// A create body; `version` defaults to `V3` on the server.
    pub fn new(webhook_url: impl Into<String>, enabled_events: Vec<WebhookEventType>) -> Self {
        Self {
            webhook_url: webhook_url.into(),
            enabled_events,
            version: None,
        }
    }

    /// Sets the payload version.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }
}

/// Body of `PATCH {P}/webhook_subscriptions/{id}`: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateWebhookSubscription {
    /// A new URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// New event types (at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_events: Option<Vec<WebhookEventType>>,
    /// A new payload version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl UpdateWebhookSubscription {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes the URL.
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// Changes the enabled event types.
    pub fn enabled_events(mut self, events: Vec<WebhookEventType>) -> Self {
        self.enabled_events = Some(events);
        self
    }

    /// Changes the payload version.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }
}

/// Answer of `POST {P}/webhook_subscriptions/{id}/rotate_secret`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RotatedSecret {
    /// The subscription's id.
    pub id: String,
    /// The new signing secret.
    pub secret: String,
}

impl fmt::Debug for RotatedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotatedSecret")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl RotatedSecret {
    /// A rotation answer.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            secret: secret.into(),
        }
    }
}

/// One item of `GET {P}/webhook_subscriptions/event_types`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookEventTypeInfo {
    /// The type.
    pub event_type: WebhookEventType,
    /// What it means.
    pub description: String,
    /// The payload versions it can be delivered in.
    pub supported_versions: Vec<String>,
}

impl WebhookEventTypeInfo {
    /// An item.
    pub fn new(
        event_type: WebhookEventType,
        description: impl Into<String>,
        supported_versions: Vec<String>,
    ) -> Self {
        Self {
            event_type,
            description: description.into(),
            supported_versions,
        }
    }
}

/// Answer of `GET {P}/webhook_subscriptions/event_types`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookEventTypes {
    /// The event types.
    pub items: Vec<WebhookEventTypeInfo>,
}

impl WebhookEventTypes {
    /// A list.
    pub fn new(items: Vec<WebhookEventTypeInfo>) -> Self {
        Self { items }
    }
}

/// The status of a webhook delivery (composio-server extension).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt failed; no more retries.
    Failed,
    /// A status this version of the crate does not know.
    Unknown(String),
}

impl DeliveryStatus {
    /// The wire spelling (`PENDING`, `DELIVERED`, `FAILED`).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "PENDING",
            Self::Delivered => "DELIVERED",
            Self::Failed => "FAILED",
            Self::Unknown(s) => s,
        }
    }

    /// Parses the wire spelling; unknown values become [`DeliveryStatus::Unknown`].
    pub fn parse(s: &str) -> Self {
        match s {
            "PENDING" => Self::Pending,
            "DELIVERED" => Self::Delivered,
            "FAILED" => Self::Failed,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DeliveryStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DeliveryStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(deserializer)?))
    }
}

/// One delivery of an event to a subscription (composio-server extension:
/// `GET {P}/webhook_subscriptions/{id}/deliveries`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The delivery's id (`whd_…`).
    pub id: String,
    /// The event's id (`msg_…`, the `webhook-id` header).
    pub event_id: String,
    /// The event type.
    pub event_type: WebhookEventType,
    /// The connected account it concerns, if any.
    #[serde(default)]
    pub connected_account_id: Option<String>,
    /// Its status.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// The HTTP status of the last attempt's answer, if one came.
    #[serde(default)]
    pub last_response_code: Option<u16>,
    /// Why the last attempt failed (network error, timeout, non-2xx status).
    #[serde(default)]
    pub last_error: Option<String>,
    /// How long the last attempt took, in milliseconds.
    #[serde(default)]
    pub last_latency_ms: Option<u64>,
    /// When the next attempt is due (ISO 8601), while pending.
    #[serde(default)]
    pub next_attempt_at: Option<String>,
    /// When it was created (ISO 8601).
    pub created_at: String,
    /// When it was delivered (ISO 8601).
    #[serde(default)]
    pub delivered_at: Option<String>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl WebhookDelivery {
    /// A pending delivery with no attempt yet.
    pub fn new(
        id: impl Into<String>,
        event_id: impl Into<String>,
        event_type: WebhookEventType,
        created_at: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            event_id: event_id.into(),
            event_type,
            connected_account_id: None,
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_response_code: None,
            last_error: None,
            last_latency_ms: None,
            next_attempt_at: None,
            created_at: created_at.into(),
            delivered_at: None,
            extra: Extra::new(),
        }
    }
}

/// The name of the listen stream's events carrying a [`WebhookListenEvent`]
/// (`GET {P}/webhook_subscriptions/{id}/listen`, a composio-server extension). The stream
/// starts with a `ready` event whose data is `{"subscription_id": …}`.
pub const LISTEN_EVENT: &str = "webhook";

/// One event of the listen stream: a delivery as the server would post it, signed now with
/// the subscription's secret(s), for a local forwarder to replay to a development URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookListenEvent {
    /// The delivery's id (`whd_…`).
    pub delivery_id: String,
    /// The event type.
    pub event_type: WebhookEventType,
    /// The `webhook-id` header.
    pub webhook_id: String,
    /// The `webhook-timestamp` header (Unix seconds).
    pub webhook_timestamp: i64,
    /// The `webhook-signature` header.
    pub webhook_signature: String,
    /// The `x-composio-webhook-version` header.
    pub version: String,
    /// The exact body to post.
    pub payload: String,
}

impl WebhookListenEvent {
    /// A listen event.
    pub fn new(
        delivery_id: impl Into<String>,
        event_type: WebhookEventType,
        webhook_id: impl Into<String>,
        webhook_timestamp: i64,
        webhook_signature: impl Into<String>,
        version: impl Into<String>,
        payload: impl Into<String>,
    ) -> Self {
        Self {
            delivery_id: delivery_id.into(),
            event_type,
            webhook_id: webhook_id.into(),
            webhook_timestamp,
            webhook_signature: webhook_signature.into(),
            version: version.into(),
            payload: payload.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip_and_keep_unknown_values() {
        for t in WebhookEventType::KNOWN {
            assert_eq!(WebhookEventType::parse(t.as_str()), t);
        }
        let u: WebhookEventType = serde_json::from_str("\"x.y\"").unwrap();
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"x.y\"");
        assert!(WebhookEventType::ConnectedAccountActive.is_connected_account());
        assert!(!WebhookEventType::TriggerMessage.is_connected_account());
        let s: DeliveryStatus = serde_json::from_str("\"RETRYING\"").unwrap();
        assert_eq!(s, DeliveryStatus::Unknown("RETRYING".into()));
    }

    #[test]
    fn subscriptions_hide_their_secret_in_debug() {
        let s = WebhookSubscription::new(
            "ws_1",
            "https://x.example/h",
            "V3",
            vec![WebhookEventType::ConnectedAccountExpired],
            Some("wsk_secret".into()),
        );
        assert!(!format!("{s:?}").contains("wsk_secret"));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["secret"], "wsk_secret");
        assert_eq!(
            json["enabled_events"][0],
            "composio.connected_account.expired"
        );
    }
}
