//! Webhooks (docs/spec/wire-2026.md §20): the event types, the V3 envelope of account
//! events, URL rules, and the delivery worker ([`worker`]).
//!
//! Delivery is an outbox: a status change that causes an event writes its delivery row in the
//! same transaction (`store::sqlx_webhooks`), so a crash never loses one. The worker of each
//! replica leases due rows, signs each attempt (`composio_core::webhook`), posts it with a
//! timeout, and records the result; failed attempts are retried on [`DEFAULT_RETRY_SCHEDULE`]
//! with the same `webhook-id`. The API only ever writes rows, so a slow or dead receiver
//! never slows it.

pub(crate) mod worker;

use std::net::IpAddr;
use std::time::Duration;

use composio_core::models::{WebhookEvent, WebhookEventType, WebhookEventTypeInfo};
use serde_json::json;
use tokio::sync::watch;

use crate::store::AccountRow;
use crate::util::format_ts;

/// The payload version of connected-account events.
pub(crate) const V3: &str = "V3";

/// How long the secret before a rotation keeps signing deliveries (next to the new one).
pub(crate) const SECRET_OVERLAP: Duration = Duration::from_secs(24 * 3600);

/// The delays between attempts: retries 5 s, 30 s, 2 min, 10 min, 1 h and 6 h after the
/// attempt before (7 attempts over about 7 h 13 min), as docs/spec/wire-2026.md §20.5
/// proposes.
pub const DEFAULT_RETRY_SCHEDULE: [Duration; 6] = [
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(120),
    Duration::from_secs(600),
    Duration::from_secs(3600),
    Duration::from_secs(6 * 3600),
];

/// How long one attempt may take before it counts as failed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest accepted `webhook_url`.
const MAX_URL_LEN: usize = 2048;

/// The payload versions an event type can be delivered in.
pub(crate) fn supported_versions(t: &WebhookEventType) -> &'static [&'static str] {
    match t {
        WebhookEventType::TriggerMessage => &["V1", "V2", "V3"],
        _ => &["V3"],
    }
}

/// What `GET {P}/webhook_subscriptions/event_types` lists.
pub(crate) fn event_types() -> Vec<WebhookEventTypeInfo> {
    WebhookEventType::KNOWN
        .iter()
        .map(|t| {
            let description = match t {
                WebhookEventType::TriggerMessage => "Trigger events from integrations",
                WebhookEventType::ConnectedAccountExpired => "Connection authentication expired",
                WebhookEventType::TriggerDisabled => "Trigger disabled by Composio",
                WebhookEventType::ConnectedAccountActive => {
                    "composio-server extension: a connected account became ACTIVE (connected, or enabled again)"
                }
                WebhookEventType::ConnectedAccountFailed => {
                    "composio-server extension: a connection attempt failed"
                }
                WebhookEventType::ConnectedAccountRevoked => {
                    "composio-server extension: a connected account's credentials were revoked"
                }
                _ => "",
            };
            WebhookEventTypeInfo::new(
                t.clone(),
                description,
                supported_versions(t).iter().map(|v| (*v).to_owned()).collect(),
            )
        })
        .collect()
}

/// The `org_id` of a project's events: composio-server has no organizations, so each project
/// is its own, with a stable derived id.
pub(crate) fn org_id(project_id: &str) -> String {
    crate::crypto::derived_id("ok_", &["org", project_id])
}

/// The body of a connected-account event: the V3 envelope with the account as
/// `GET {P}/connected_accounts/{id}` returns it (never credentials).
pub(crate) fn account_event_body(
    event_id: &str,
    event_type: &WebhookEventType,
    account: &AccountRow,
    now_ms: i64,
) -> Result<String, serde_json::Error> {
    let data = serde_json::to_value(crate::service::accounts::account_model(account))?;
    let event = WebhookEvent::new(
        event_id,
        format_ts(now_ms),
        event_type.clone(),
        json!({"project_id": account.project_id, "org_id": org_id(&account.project_id)}),
        data,
    );
    serde_json::to_string(&event)
}

/// Checks a `webhook_url`: absolute, at most 2048 characters, `https://`, or `http://` to a
/// loopback address (`localhost`, `127.0.0.0/8`, `[::1]`).
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    if url.len() > MAX_URL_LEN {
        return Err(format!(
            "`webhook_url` must be at most {MAX_URL_LEN} characters"
        ));
    }
    let parsed =
        url::Url::parse(url).map_err(|e| format!("`webhook_url` is not a valid URL: {e}"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => return Err("`webhook_url` must have a host".into()),
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(
            "`webhook_url` must use https:// (http:// is accepted only for loopback addresses)"
                .into(),
        ),
        other => Err(format!("`webhook_url` must use https://, not {other}://")),
    }
}

/// Wakes this replica's webhook worker and listen streams after a change that may have
/// queued a delivery (other replicas find it on their next poll).
#[derive(Debug)]
pub(crate) struct Wakeup {
    tx: watch::Sender<u64>,
}

impl Default for Wakeup {
    fn default() -> Self {
        Self {
            tx: watch::channel(0).0,
        }
    }
}

impl Wakeup {
    /// Wakes every subscriber.
    pub(crate) fn kick(&self) {
        self.tx.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that sees every later kick.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_https_or_loopback_http() {
        for ok in [
            "https://hooks.example.com/composio",
            "http://localhost:3000/hooks",
            "http://127.0.0.1:9/x",
            "http://[::1]:8080/",
        ] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://hooks.example.com/x",
            "http://10.0.0.1/x",
            "ftp://localhost/x",
            "not a url",
            "/relative",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://x.example/{}", "a".repeat(2048))).is_err());
    }

    #[test]
    fn event_types_list_the_extensions_as_such() {
        let types = event_types();
        assert_eq!(types.len(), 6);
        for t in &types {
            let extension = matches!(
                t.event_type,
                WebhookEventType::ConnectedAccountActive
                    | WebhookEventType::ConnectedAccountFailed
                    | WebhookEventType::ConnectedAccountRevoked
            );
            assert_eq!(
                t.description.starts_with("composio-server extension:"),
                extension,
                "{t:?}"
            );
        }
        assert_eq!(types[0].supported_versions, ["V1", "V2", "V3"]);
    }
}
