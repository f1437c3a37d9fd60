//! Background sweeper: expires `INITIATED` accounts whose Connect Link ran out (catching up
//! right away after a restart) and forgets old idempotency keys, MCP sessions and sandbox
//! grants. With several replicas, the one holding the sweeper's lease runs it.

use std::time::Duration;

use tokio::sync::watch;

use crate::cluster::Job;
use crate::service::connections::expire_overdue;
use crate::state::SharedState;

/// How long the sandbox keeps expired access tokens and revoked grants (a token presented
/// within this time is answered "expired" or "revoked" rather than "unknown").
const SANDBOX_KEEP: Duration = Duration::from_secs(24 * 3600);

/// How often idempotency keys and MCP sessions past their TTL are purged.
const PURGE_EVERY_MS: i64 = 60_000;

/// How long an MCP session is remembered (clients start a new one after this).
const MCP_SESSION_TTL: Duration = Duration::from_secs(24 * 3600);

pub(crate) async fn run(state: SharedState, mut shutdown: watch::Receiver<bool>) {
    let interval =
        (state.config.link_expiry / 10).clamp(Duration::from_millis(50), Duration::from_secs(5));
    let mut last_purge = i64::MIN;
    loop {
        // One replica sweeps at a time; if it dies, its lease runs out and another takes over.
        let lead = state
            .cluster
            .lead(Job::Sweeper, interval.saturating_mul(3))
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not take the sweeper lease");
                false
            });
        if lead {
            expire_overdue(&state).await;
        }
        let now = state.clock.now_ms();
        if lead && now.saturating_sub(last_purge) > PURGE_EVERY_MS {
            last_purge = now;
            if let Err(e) = state
                .store
                .idempotent_purge(state.config.idempotency_ttl)
                .await
            {
                tracing::warn!(error = %e, "idempotency purge failed");
            }
            if let Err(e) = state.store.mcp_session_purge(MCP_SESSION_TTL).await {
                tracing::warn!(error = %e, "MCP session purge failed");
            }
            if let Err(e) = state.store.sandbox_purge(SANDBOX_KEEP).await {
                tracing::warn!(error = %e, "sandbox purge failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
