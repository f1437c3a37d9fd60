//! Webhook subscriptions (docs/spec/wire-2026.md §20.1–20.2): one per project, validated
//! URLs and event names, sealed secrets rotated with a 24 h overlap; and the delivery log.

use axum::http::StatusCode;
use composio_core::models::{
    CreateWebhookSubscription, DeliveryStatus, UpdateWebhookSubscription, WebhookDelivery,
    WebhookEventType, WebhookSubscription,
};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{DeliveryRow, StoreError, SubscriptionChange, SubscriptionRow};
use crate::util::format_ts;
use crate::webhooks::{check_url, supported_versions, SECRET_OVERLAP, V3};

/// The payload versions a subscription may have.
const VERSIONS: [&str; 3] = ["V1", "V2", "V3"];

/// A 400 of the webhook API (code 10400).
fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "WebhookSubscription_BadRequest",
        message,
    )
    .code(10400)
    .no_retry()
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "WebhookSubscription_NotFound",
        format!("Webhook subscription '{id}' not found"),
    )
    .code(10404)
    .no_retry()
    .fix("List the project's subscription with GET webhook_subscriptions.")
}

fn already_exists(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "WebhookSubscription_AlreadyExists",
        format!("This project already has a webhook subscription ('{id}'); a project has one"),
    )
    .code(10409)
    .no_retry()
    .fix(format!(
        "Update it with PATCH webhook_subscriptions/{id}, or delete it first."
    ))
}

/// Checks a version and the events enabled with it.
fn check_events(events: &[WebhookEventType], version: &str) -> ApiResult<()> {
    if !VERSIONS.contains(&version) {
        return Err(bad_request(format!(
            "`version` must be one of V1, V2, V3, got `{version}`"
        )));
    }
    if events.is_empty() {
        return Err(
            bad_request("`enabled_events` must list at least one event type")
                .fix("See GET webhook_subscriptions/event_types."),
        );
    }
    for e in events {
        if let WebhookEventType::Unknown(name) = e {
            return Err(bad_request(format!("Unknown event type `{name}`"))
                .fix("See GET webhook_subscriptions/event_types for the valid names."));
        }
        if !supported_versions(e).contains(&version) {
            return Err(bad_request(format!(
                "Event type `{e}` is delivered in V3 only; the subscription is {version}"
            ))
            .fix("Use version V3."));
        }
    }
    Ok(())
}

fn check(url: &str) -> ApiResult<()> {
    check_url(url).map_err(bad_request)
}

/// Events in the order given, duplicates dropped.
fn dedup(events: Vec<WebhookEventType>) -> Vec<WebhookEventType> {
    let mut out: Vec<WebhookEventType> = Vec::with_capacity(events.len());
    for e in events {
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

/// The wire model of a subscription, with its secret when `with_secret`.
pub(crate) fn view(
    state: &AppState,
    row: &SubscriptionRow,
    with_secret: bool,
) -> ApiResult<WebhookSubscription> {
    let secret = if with_secret {
        Some(
            crate::webhooks::worker::open_secret(state, &row.secret)?
                .expose()
                .to_owned(),
        )
    } else {
        None
    };
    Ok(WebhookSubscription::new(
        &row.id,
        &row.webhook_url,
        &row.version,
        row.enabled_events.clone(),
        secret,
    )
    .timestamps(format_ts(row.created_at), format_ts(row.updated_at)))
}

/// Creates the project's subscription with a new secret; 409 when it has one.
pub(crate) async fn create(
    state: &AppState,
    project: &str,
    req: CreateWebhookSubscription,
) -> ApiResult<SubscriptionRow> {
    check(&req.webhook_url)?;
    let version = req.version.unwrap_or_else(|| V3.to_owned());
    check_events(&req.enabled_events, &version)?;
    if let Some(existing) = state.store.project_subscription(project).await? {
        return Err(already_exists(&existing.id));
    }
    let secret = crate::ids::webhook_secret();
    let row = SubscriptionRow {
        id: crate::ids::webhook_subscription(),
        project_id: project.to_owned(),
        webhook_url: req.webhook_url,
        version,
        enabled_events: dedup(req.enabled_events),
        secret: state.cipher.encrypt(secret.as_bytes())?,
        previous_secret: None,
        created_at: 0,
        updated_at: 0,
    };
    match state.store.insert_subscription(&row).await {
        Ok(row) => {
            tracing::info!(subscription = %row.id, "webhook subscription created");
            Ok(row)
        }
        // Another request created it first.
        Err(StoreError::Conflict(_)) => {
            let id = state
                .store
                .project_subscription(project)
                .await?
                .map(|s| s.id)
                .unwrap_or_default();
            Err(already_exists(&id))
        }
        Err(e) => Err(e.into()),
    }
}

/// The project's subscriptions (none or one).
pub(crate) async fn list(state: &AppState, project: &str) -> ApiResult<Vec<SubscriptionRow>> {
    Ok(state
        .store
        .project_subscription(project)
        .await?
        .into_iter()
        .collect())
}

/// A subscription of the project, or the 404 envelope.
pub(crate) async fn get(state: &AppState, project: &str, id: &str) -> ApiResult<SubscriptionRow> {
    state
        .store
        .project_subscription(project)
        .await?
        .filter(|s| s.id == id)
        .ok_or_else(|| not_found(id))
}

/// Changes the fields given.
pub(crate) async fn update(
    state: &AppState,
    project: &str,
    id: &str,
    req: UpdateWebhookSubscription,
) -> ApiResult<SubscriptionRow> {
    let current = get(state, project, id).await?;
    if let Some(url) = &req.webhook_url {
        check(url)?;
    }
    let version = req.version.clone().unwrap_or(current.version.clone());
    let events = req
        .enabled_events
        .clone()
        .unwrap_or(current.enabled_events.clone());
    check_events(&events, &version)?;
    let change = SubscriptionChange {
        webhook_url: req.webhook_url,
        enabled_events: req.enabled_events.map(dedup),
        version: req.version,
    };
    state
        .store
        .update_subscription(project, id, &change)
        .await?
        .ok_or_else(|| not_found(id))
}

/// Deletes the subscription and its pending deliveries.
pub(crate) async fn delete(state: &AppState, project: &str, id: &str) -> ApiResult<()> {
    if !state.store.delete_subscription(project, id).await? {
        return Err(not_found(id));
    }
    tracing::info!(subscription = %id, "webhook subscription deleted");
    Ok(())
}

/// A new secret; the old one keeps signing (next to it) for 24 hours.
pub(crate) async fn rotate(state: &AppState, project: &str, id: &str) -> ApiResult<String> {
    get(state, project, id).await?;
    let secret = crate::ids::webhook_secret();
    let sealed = state.cipher.encrypt(secret.as_bytes())?;
    state
        .store
        .rotate_subscription_secret(project, id, &sealed, SECRET_OVERLAP)
        .await?
        .ok_or_else(|| not_found(id))?;
    tracing::info!(subscription = %id, "webhook secret rotated");
    Ok(secret)
}

/// The wire model of a delivery.
pub(crate) fn delivery_view(row: &DeliveryRow) -> WebhookDelivery {
    let mut d = WebhookDelivery::new(
        &row.id,
        &row.event_id,
        row.event_type.clone(),
        format_ts(row.created_at),
    );
    d.connected_account_id = row.account_id.clone();
    d.status = row.status.clone();
    d.attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
    d.last_response_code = row.last_status_code.and_then(|c| u16::try_from(c).ok());
    d.last_error = row.last_error.clone();
    d.last_latency_ms = row.last_latency_ms.and_then(|l| u64::try_from(l).ok());
    d.next_attempt_at = match row.status {
        DeliveryStatus::Pending => row.next_attempt_at.map(format_ts),
        _ => None,
    };
    d.delivered_at = row.delivered_at.map(format_ts);
    d
}

/// Queues a delivery again now (same `webhook-id` and body, a fresh retry schedule).
pub(crate) async fn redeliver(
    state: &AppState,
    project: &str,
    subscription_id: &str,
    delivery_id: &str,
) -> ApiResult<DeliveryRow> {
    get(state, project, subscription_id).await?;
    let row = state
        .store
        .redeliver(subscription_id, delivery_id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "WebhookDelivery_NotFound",
                format!("Webhook delivery '{delivery_id}' not found"),
            )
            .fix("List the subscription's deliveries for their ids.")
        })?;
    tracing::info!(delivery = %delivery_id, "webhook redelivery queued");
    state.webhooks.kick();
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_checked_against_the_version() {
        let expired = WebhookEventType::ConnectedAccountExpired;
        assert!(check_events(std::slice::from_ref(&expired), "V3").is_ok());
        assert!(check_events(&[WebhookEventType::TriggerMessage], "V1").is_ok());
        let e = check_events(&[expired], "V2").expect_err("V3 only");
        assert_eq!(e.slug, "WebhookSubscription_BadRequest");
        assert_eq!(e.envelope().error.code, 10400);
        assert!(check_events(&[], "V3").is_err());
        assert!(check_events(&[WebhookEventType::parse("x.y")], "V3").is_err());
        assert!(check_events(&[WebhookEventType::TriggerMessage], "V4").is_err());
    }
}
