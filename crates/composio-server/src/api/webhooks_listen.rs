//! `GET {P}/webhook_subscriptions/{id}/listen` (composio-server extension): a server-sent
//! event stream of the subscription's new deliveries, each signed as it would be posted, so
//! `composio webhooks listen --forward-to URL` can replay them to a local URL with no public
//! address. Deliveries to the subscription's own URL go on as usual.
//!
//! Deliveries are read from the database (this replica's changes wake the stream at once;
//! other replicas' are found by a poll), so the stream sees the events of every replica.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use composio_core::models::{WebhookListenEvent, LISTEN_EVENT};
use futures_util::stream::{self, Stream};
use serde_json::json;
use tokio::sync::watch;

use super::Project;
use crate::error::ApiResult;
use crate::service::webhooks as service;
use crate::state::SharedState;
use crate::store::DeliveryRow;

/// How often the stream looks for deliveries made on other replicas.
const POLL: Duration = Duration::from_millis(500);
/// How far back each read looks (deliveries committed late by a slow transaction).
const LOOKBACK_MS: i64 = 10_000;

struct Listen {
    state: SharedState,
    subscription_id: String,
    /// Deliveries already sent, by id, with their creation time.
    seen: HashMap<String, i64>,
    since: i64,
    wake: watch::Receiver<u64>,
    shutdown: watch::Receiver<bool>,
    queue: Vec<Event>,
}

impl Listen {
    /// Waits for new deliveries and queues their events; `false` when the stream ends.
    async fn fill(&mut self) -> bool {
        loop {
            self.wake.mark_unchanged();
            let rows = match self
                .state
                .store
                .deliveries_since(&self.subscription_id, self.since)
                .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "listen stream could not read deliveries");
                    Vec::new()
                }
            };
            for row in rows {
                if self.seen.contains_key(&row.id) {
                    continue;
                }
                self.seen.insert(row.id.clone(), row.created_at);
                match self.event(&row).await {
                    Some(ev) => self.queue.push(ev),
                    // The subscription is gone.
                    None => return false,
                }
            }
            if let Some(newest) = self.seen.values().max() {
                self.since = self.since.max(newest - LOOKBACK_MS);
            }
            let since = self.since;
            self.seen.retain(|_, created| *created >= since);
            if !self.queue.is_empty() {
                self.queue.reverse();
                return true;
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = self.wake.changed() => {}
                _ = self.shutdown.wait_for(|s| *s) => return false,
            }
        }
    }

    /// The stream event of a delivery, signed now with the subscription's secrets.
    async fn event(&self, row: &DeliveryRow) -> Option<Event> {
        let sub = self
            .state
            .store
            .subscription_any(&self.subscription_id)
            .await
            .ok()??;
        let secrets = crate::webhooks::worker::signing_secrets(&self.state, &sub).ok()?;
        let signed = crate::webhooks::worker::sign(&self.state, &secrets, row);
        let data = WebhookListenEvent::new(
            &row.id,
            row.event_type.clone(),
            signed.id,
            signed.timestamp,
            signed.signature,
            &sub.version,
            &row.payload,
        );
        Some(
            Event::default()
                .event(LISTEN_EVENT)
                .data(serde_json::to_string(&data).ok()?),
        )
    }
}

fn listen_stream(mut s: Listen, ready: Event) -> impl Stream<Item = Result<Event, Infallible>> {
    s.queue.push(ready);
    stream::unfold(s, |mut s| async move {
        loop {
            if let Some(ev) = s.queue.pop() {
                return Some((Ok(ev), s));
            }
            if !s.fill().await {
                return None;
            }
        }
    })
}

pub(super) async fn listen(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let heartbeat = state.config.connections.sse_heartbeat;
    let sub = service::get(&state, &project, &id).await?;
    let ready = Event::default()
        .event("ready")
        .data(json!({"subscription_id": sub.id}).to_string());
    let listen = Listen {
        wake: state.webhooks.subscribe(),
        shutdown: state.shutdown.clone(),
        since: state.clock.now_ms(),
        seen: HashMap::new(),
        subscription_id: sub.id,
        queue: Vec::new(),
        state,
    };
    tracing::debug!(subscription = %listen.subscription_id, "webhook listen stream opened");
    Ok(Sse::new(listen_stream(listen, ready))
        .keep_alive(KeepAlive::new().interval(heartbeat).text("keep-alive"))
        .into_response())
}
