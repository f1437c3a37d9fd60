//! `COMPOSIO_WAIT_FOR_CONNECTIONS` (docs/spec/wire.md §6): blocks on the change hub until the user
//! finishes connecting the given toolkits (any or all), or a timeout.

use std::collections::HashSet;
use std::time::Duration;

use axum::http::StatusCode;
use composio_core::models::SessionConfig;
use composio_core::ConnectionStatus;
use serde_json::{json, Map, Value};

use super::manage::current_user_info;
use crate::error::{ApiError, ApiResult};
use crate::service::accounts::session_account;
use crate::service::connections::new_account_key;
use crate::state::SharedState;
use crate::store::{AccountFilter, AccountRow};

/// Default and largest wait of `COMPOSIO_WAIT_FOR_CONNECTIONS`.
const DEFAULT_WAIT: u64 = 60;
const MAX_WAIT: u64 = 120;

/// The wait time of `COMPOSIO_WAIT_FOR_CONNECTIONS` (`timeout_seconds`, 1..=120, default 60).
pub(super) fn wait_time(args: &Map<String, Value>) -> Duration {
    let secs = args
        .get("timeout_seconds")
        .and_then(Value::as_f64)
        .map_or(DEFAULT_WAIT as f64, |s| s.clamp(1.0, MAX_WAIT as f64));
    Duration::from_secs_f64(secs)
}

/// Runs `COMPOSIO_WAIT_FOR_CONNECTIONS`: blocks on the change hub (no polling) until any/all
/// toolkits are ACTIVE or FAILED (or EXPIRED/REVOKED), or `timeout` passes.
pub(super) async fn wait(
    state: &SharedState,
    project: &str,
    config: &SessionConfig,
    toolkits: &[String],
    all: bool,
    timeout: Duration,
) -> ApiResult<Value> {
    let (guard, mut rx) = state.cluster.hub().register(project);
    let mut shutdown = state.shutdown.clone();
    let deadline = tokio::time::Instant::now() + timeout;
    let keys: Vec<String> = toolkits
        .iter()
        .map(|t| new_account_key(project, &config.user_id, &t.to_ascii_lowercase()))
        .collect();
    state.cluster.hub().add(&guard.watch_id, project, &keys);
    let mut watched: HashSet<String> = HashSet::new();
    loop {
        // Drain first: a change after this point wakes the wait below.
        rx.clear();
        let mut accounts = Vec::with_capacity(toolkits.len());
        let mut fresh = Vec::new();
        for slug in toolkits {
            let slug = state
                .catalog
                .get(slug)
                .map_or_else(|| slug.clone(), |t| t.slug.clone());
            let filter = AccountFilter {
                toolkits: vec![slug.clone()],
                user_ids: vec![config.user_id.clone()],
                limit: 100,
                ..Default::default()
            };
            let page = state.store.list_accounts(project, &filter).await?;
            fresh.extend(
                page.rows
                    .iter()
                    .map(|a| a.id.clone())
                    .filter(|id| !watched.contains(id)),
            );
            accounts.push((
                slug.clone(),
                session_account(state, project, config, &slug).await?,
            ));
        }
        if !fresh.is_empty() {
            // Subscribe, then read again so no change falls in between.
            state.cluster.hub().add(&guard.watch_id, project, &fresh);
            watched.extend(fresh);
            continue;
        }
        let done = |a: &Option<AccountRow>| a.as_ref().is_some_and(|a| a.status.ends_wait());
        let complete = if all {
            accounts.iter().all(|(_, a)| done(a))
        } else {
            accounts.iter().any(|(_, a)| done(a))
        };
        if complete || tokio::time::Instant::now() >= deadline {
            return Ok(wait_result(state, &accounts, complete).await);
        }
        tokio::select! {
            _ = rx.recv() => {}
            _ = tokio::time::sleep_until(deadline) => {}
            _ = shutdown.wait_for(|stop| *stop) => {
                let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "Server_ShuttingDown",
                    "Server is shutting down");
                e.retry_after = Some(5);
                return Err(e);
            }
        }
    }
}

async fn wait_result(
    state: &SharedState,
    accounts: &[(String, Option<AccountRow>)],
    complete: bool,
) -> Value {
    let mut results = Map::new();
    for (slug, a) in accounts {
        let active = a
            .as_ref()
            .is_some_and(|a| a.status == ConnectionStatus::Active);
        let info = match (a, state.catalog.get(slug)) {
            (Some(a), Some(tk)) if active => current_user_info(state, tk, a).await,
            _ => Value::Null,
        };
        results.insert(
            slug.clone(),
            json!({
                "toolkit": slug,
                "status": a.as_ref().map_or("NOT_FOUND", |a| a.status.as_str()),
                "has_active_connection": active,
                "connected_account_id": a.as_ref().map(|a| a.id.clone()),
                "auth_config_id": a.as_ref().map(|a| a.auth_config_id.clone()),
                "current_user_info": info,
                "error_message": a.as_ref().and_then(|a| a.status_reason.clone()).filter(|_| !active),
            }),
        );
    }
    let n = accounts
        .iter()
        .filter(|(_, a)| {
            a.as_ref()
                .is_some_and(|a| a.status == ConnectionStatus::Active)
        })
        .count();
    let message = if complete {
        format!("{n} of {} connection(s) active", accounts.len())
    } else {
        format!(
            "Timed out; {n} of {} connection(s) active. Ask the user whether they finished, then wait again or retry.",
            accounts.len()
        )
    };
    json!({"message": message, "results": results, "timed_out": !complete})
}
