//! The delivery worker: leases due deliveries, sends each attempt signed, records the result
//! and schedules the retry. Every replica runs one; the leases in the database make each
//! delivery go out from one replica at a time, and a replica that dies mid-attempt frees its
//! deliveries when their lease runs out (at-least-once).

use std::time::{Duration, Instant};

use composio_core::webhook::{self as signing, HEADER_ATTEMPT, HEADER_VERSION};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::V3;
use crate::crypto::Secret;
use crate::state::{AppState, SharedState};
use crate::store::{AttemptResult, DeliveryRow, SubscriptionRow};

/// Deliveries in flight at once per replica.
const CONCURRENCY: u32 = 32;
/// How often the worker looks for due deliveries without being woken (deliveries queued by
/// other replicas, retries).
const POLL: Duration = Duration::from_secs(1);
/// Longest part of a receiver's answer kept in the delivery log.
const MAX_ERROR_BODY: usize = 200;

/// The lease of an attempt: the timeout and a margin for recording the result.
fn lease(state: &AppState) -> Duration {
    state.config.webhook_timeout + Duration::from_secs(30)
}

/// Runs until shutdown.
pub(crate) async fn run(state: SharedState, mut shutdown: watch::Receiver<bool>) {
    let mut wake = state.webhooks.subscribe();
    let mut in_flight: JoinSet<()> = JoinSet::new();
    loop {
        let free = CONCURRENCY.saturating_sub(u32::try_from(in_flight.len()).unwrap_or(u32::MAX));
        if free > 0 {
            wake.mark_unchanged();
            match state
                .store
                .claim_deliveries(&state.lease_holder, free, lease(&state))
                .await
            {
                Ok(rows) => {
                    for row in rows {
                        let state = state.clone();
                        in_flight.spawn(async move { attempt(&state, row).await });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not claim webhook deliveries"),
            }
        }
        let pause = next_pause(&state).await;
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = wake.changed() => {}
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
    }
    // Attempts in flight stop here; their leases run out and another replica (or this one
    // after a restart) sends them again.
    in_flight.shutdown().await;
}

/// How long to sleep: until the next delivery is due, at most [`POLL`].
async fn next_pause(state: &AppState) -> Duration {
    match state.store.next_delivery_due().await {
        Ok(Some(due)) => {
            let wait = due.saturating_sub(state.clock.now_ms()).max(0);
            Duration::from_millis(u64::try_from(wait).unwrap_or(0)).min(POLL)
        }
        Ok(None) => POLL,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the next webhook delivery");
            POLL
        }
    }
}

/// The secrets that sign a subscription's deliveries now: the current one, and the one
/// before the last rotation during its overlap.
pub(crate) fn signing_secrets(
    state: &AppState,
    sub: &SubscriptionRow,
) -> Result<Vec<Secret>, crate::crypto::CryptoError> {
    let mut secrets = vec![open_secret(state, &sub.secret)?];
    if let Some((previous, until)) = &sub.previous_secret {
        if *until > state.clock.now_ms() {
            secrets.push(open_secret(state, previous)?);
        }
    }
    Ok(secrets)
}

/// Decrypts a sealed secret.
pub(crate) fn open_secret(
    state: &AppState,
    sealed: &[u8],
) -> Result<Secret, crate::crypto::CryptoError> {
    let bytes = state.cipher.decrypt(sealed)?;
    String::from_utf8(bytes)
        .map(Secret::new)
        .map_err(|_| crate::crypto::CryptoError::Decrypt)
}

/// The headers of one attempt of a delivery (the timestamp is now).
pub(crate) struct Signed {
    /// `webhook-id`
    pub id: String,
    /// `webhook-timestamp`
    pub timestamp: i64,
    /// `webhook-signature`
    pub signature: String,
}

/// Signs a delivery's body for an attempt now.
pub(crate) fn sign(state: &AppState, secrets: &[Secret], row: &DeliveryRow) -> Signed {
    let timestamp = state.clock.now_ms().div_euclid(1000);
    let keys: Vec<&str> = secrets.iter().map(Secret::expose).collect();
    Signed {
        id: row.event_id.clone(),
        timestamp,
        signature: signing::sign_all(&keys, &row.event_id, timestamp, row.payload.as_bytes()),
    }
}

/// Sends one attempt and records it.
async fn attempt(state: &AppState, row: DeliveryRow) {
    let sub = match state.store.subscription_any(&row.subscription_id).await {
        Ok(Some(sub)) => sub,
        // Deleted meanwhile: its deliveries are gone with it.
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, delivery = %row.id, "could not read the subscription");
            return;
        }
    };
    let number = row.attempts + 1;
    let started = Instant::now();
    let outcome = match signing_secrets(state, &sub) {
        Ok(secrets) => post(state, &sub, &secrets, &row, number).await,
        Err(e) => Err((
            None,
            format!("the signing secret could not be decrypted: {e}"),
        )),
    };
    let latency = started.elapsed();
    let (status_code, error) = match outcome {
        Ok(code) => (Some(code), None),
        Err((code, why)) => (code, Some(why)),
    };
    let schedule = &state.config.webhook_retry_schedule;
    let retry_at = error.as_ref().and_then(|_| {
        let index = usize::try_from(row.run_attempts).unwrap_or(usize::MAX);
        schedule
            .get(index)
            .map(|d| crate::clock::after(state.clock.now_ms(), *d))
    });
    match (&error, retry_at) {
        (None, _) => tracing::info!(
            delivery = %row.id, event = %row.event_type, attempt = number,
            latency_ms = latency.as_millis() as u64, "webhook delivered"
        ),
        (Some(why), Some(_)) => tracing::info!(
            delivery = %row.id, attempt = number, error = %why, "webhook attempt failed; will retry"
        ),
        (Some(why), None) => tracing::warn!(
            delivery = %row.id, attempt = number, error = %why, "webhook delivery failed; giving up"
        ),
    }
    let result = AttemptResult {
        status_code,
        error,
        latency,
        retry_at,
    };
    match state
        .store
        .finish_delivery(&row.id, &state.lease_holder, &result)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(delivery = %row.id, "webhook lease lost before the attempt was recorded")
        }
        Err(e) => {
            tracing::warn!(error = %e, delivery = %row.id, "could not record the webhook attempt")
        }
    }
}

/// Posts the body; the status code of a 2xx answer, or why it failed (with the status of a
/// non-2xx answer).
async fn post(
    state: &AppState,
    sub: &SubscriptionRow,
    secrets: &[Secret],
    row: &DeliveryRow,
    number: i64,
) -> Result<u16, (Option<u16>, String)> {
    let signed = sign(state, secrets, row);
    let request = state
        .http
        .post(&sub.webhook_url)
        .timeout(state.config.webhook_timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(signing::HEADER_ID, &signed.id)
        .header(signing::HEADER_TIMESTAMP, signed.timestamp.to_string())
        .header(signing::HEADER_SIGNATURE, &signed.signature)
        .header(HEADER_VERSION, version_of(sub))
        .header(HEADER_ATTEMPT, number.to_string())
        .body(row.payload.clone());
    let response = request.send().await.map_err(|e| {
        let why = if e.is_timeout() {
            format!(
                "timed out after {} ms",
                state.config.webhook_timeout.as_millis()
            )
        } else if e.is_connect() {
            "could not connect to the webhook URL".to_owned()
        } else {
            format!("request failed: {e}")
        };
        (None, why)
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(status.as_u16());
    }
    let body = response.text().await.unwrap_or_default();
    let mut snippet: String = body.chars().take(MAX_ERROR_BODY).collect();
    if snippet.len() < body.len() {
        snippet.push('…');
    }
    Err((
        Some(status.as_u16()),
        format!("the receiver answered {status}: {snippet}"),
    ))
}

/// The `x-composio-webhook-version` of a subscription's deliveries.
fn version_of(sub: &SubscriptionRow) -> &str {
    if sub.version.is_empty() {
        V3
    } else {
        &sub.version
    }
}
