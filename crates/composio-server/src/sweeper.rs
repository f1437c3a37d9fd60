//! Background sweeper: expires `INITIATED` accounts whose Connect Link ran out (catching up
//! right away after a restart) and forgets old idempotency keys.

use std::time::Duration;

use tokio::sync::watch;

use crate::service::connections::expire_overdue;
use crate::state::SharedState;

/// How often idempotency keys past their TTL are purged.
const PURGE_EVERY_MS: i64 = 60_000;

pub(crate) async fn run(state: SharedState, mut shutdown: watch::Receiver<bool>) {
    let interval =
        (state.config.link_expiry / 10).clamp(Duration::from_millis(50), Duration::from_secs(5));
    let mut last_purge = i64::MIN;
    loop {
        expire_overdue(&state).await;
        let now = state.clock.now_ms();
        if now.saturating_sub(last_purge) > PURGE_EVERY_MS {
            last_purge = now;
            if let Err(e) = state
                .store
                .idempotent_purge(state.config.idempotency_ttl)
                .await
            {
                tracing::warn!(error = %e, "idempotency purge failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
