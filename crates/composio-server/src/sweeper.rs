//! Background sweeper: expires `INITIATED` accounts whose Connect Link ran out (catching up
//! right away after a restart) and forgets old idempotency keys.

use std::time::Duration;

use tokio::sync::watch;

use crate::config::describe_duration;
use crate::state::SharedState;
use crate::util::now_ms;

/// The status reason of an expired connection initiation.
pub(crate) fn expiry_reason(state: &SharedState) -> String {
    format!(
        "Connection initiation did not complete within {}",
        describe_duration(state.config.link_expiry)
    )
}

/// Expires overdue accounts once; returns how many.
pub(crate) async fn sweep_once(state: &SharedState) -> usize {
    match state
        .store
        .expire_initiated(now_ms(), &expiry_reason(state))
        .await
    {
        Ok(ids) => {
            for id in &ids {
                tracing::info!(account_id = %id, "connection initiation expired");
                state.changed(id);
            }
            ids.len()
        }
        Err(e) => {
            tracing::error!(error = %e, "expiry sweep failed");
            0
        }
    }
}

pub(crate) async fn run(state: SharedState, mut shutdown: watch::Receiver<bool>) {
    let interval =
        (state.config.link_expiry / 10).clamp(Duration::from_millis(50), Duration::from_secs(5));
    let mut last_purge = 0i64;
    loop {
        sweep_once(&state).await;
        let now = now_ms();
        if now - last_purge > 60_000 {
            last_purge = now;
            let ttl = i64::try_from(state.config.idempotency_ttl.as_millis()).unwrap_or(i64::MAX);
            if let Err(e) = state.store.idempotent_purge(now.saturating_sub(ttl)).await {
                tracing::warn!(error = %e, "idempotency purge failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
