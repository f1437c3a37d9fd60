//! `COMPOSIO_MANAGE_CONNECTIONS` and `COMPOSIO_WAIT_FOR_CONNECTIONS` (spec §6): the in-chat
//! authentication meta tools.

use std::collections::HashSet;
use std::time::Duration;

use axum::http::StatusCode;
use composio_core::models::SessionConfig;
use serde_json::{json, Map, Value};

use super::sessions::toolkit_allowed;
use crate::catalog::{AuthScheme, ToolkitDef};
use crate::error::{ApiError, ApiResult};
use crate::service::accounts::session_account;
use crate::service::connections::{self, new_account_key};
use crate::state::SharedState;
use crate::store::{AccountFilter, AccountRow};
use composio_core::ConnectionStatus;

/// Default and largest wait of `COMPOSIO_WAIT_FOR_CONNECTIONS`.
const DEFAULT_WAIT: u64 = 60;
const MAX_WAIT: u64 = 120;

/// Toolkit slugs of the arguments, trimmed, deduplicated (case-insensitively), in order.
pub(super) fn toolkit_args(args: &Map<String, Value>) -> Vec<String> {
    let mut seen = HashSet::new();
    args.get("toolkits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && seen.insert(s.to_ascii_lowercase()))
        .collect()
}

fn stored_info(a: &AccountRow) -> Value {
    a.info
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// `{email, name}` from the provider's userinfo endpoint with the stored (refreshed) token —
/// the sandbox's when sandboxed — else what was stored at connection time.
async fn current_user_info(state: &SharedState, tk: &ToolkitDef, a: &AccountRow) -> Value {
    if tk.auth_scheme == AuthScheme::OAuth2 {
        if let Some(p) = crate::oauth::provider(state, tk) {
            if let Ok(token) = crate::credentials::access_token(state, &a.id).await {
                if let Some(info) = crate::oauth::user_info(state, &p, token.expose()).await {
                    return info;
                }
            }
        }
    }
    stored_info(a)
}

fn failed(slug: &str, message: String) -> Value {
    json!({"toolkit": slug, "status": "failed", "has_active_connection": false,
           "connected_account_id": null, "auth_config_id": null, "was_reinitiated": false,
           "current_user_info": null, "error_message": message})
}

/// Runs `COMPOSIO_MANAGE_CONNECTIONS`.
pub(super) async fn manage(
    state: &SharedState,
    project: &str,
    config: &SessionConfig,
    toolkits: &[String],
    reinit: bool,
) -> ApiResult<Value> {
    let callback = config
        .manage_connections
        .as_ref()
        .and_then(|m| m.callback_url.clone());
    let mut results = Map::new();
    let (mut active, mut initiated, mut failures) = (0, 0, 0);
    for slug in toolkits {
        let Some(tk) = state.catalog.get(slug) else {
            let hint = state
                .catalog
                .closest(slug)
                .map(|c| format!(" Did you mean '{c}'?"))
                .unwrap_or_default();
            results.insert(
                slug.clone(),
                failed(slug, format!("Toolkit '{slug}' not found.{hint}")),
            );
            failures += 1;
            continue;
        };
        if !toolkit_allowed(config, &tk.slug) {
            let msg = format!("Toolkit '{}' is not enabled in this session.", tk.slug);
            results.insert(tk.slug.clone(), failed(&tk.slug, msg));
            failures += 1;
            continue;
        }
        if tk.is_no_auth() {
            let msg = format!(
                "Toolkit '{}' needs no authentication; use its tools directly.",
                tk.slug
            );
            results.insert(tk.slug.clone(), failed(&tk.slug, msg));
            failures += 1;
            continue;
        }
        let existing = session_account(state, project, config, &tk.slug).await?;
        let live = existing.as_ref().filter(|a| a.is_usable());
        let mut r = json!({"toolkit": tk.slug, "has_active_connection": live.is_some(),
            "was_reinitiated": false, "current_user_info": null, "error_message": null,
            "connected_account_id": null, "auth_config_id": null});
        match live {
            Some(a) if !reinit => {
                r["status"] = json!("active");
                r["connected_account_id"] = json!(a.id);
                r["auth_config_id"] = json!(a.auth_config_id);
                r["current_user_info"] = current_user_info(state, tk, a).await;
                active += 1;
            }
            _ => {
                match connections::create_link(
                    state,
                    project,
                    &config.user_id,
                    tk,
                    callback.clone(),
                )
                .await
                {
                    Ok(conn) => {
                        r["status"] = json!("initiated");
                        r["was_reinitiated"] = json!(live.is_some());
                        r["redirect_url"] = json!(connections::link_url(state, &conn.link.token));
                        r["instruction"] = json!(format!(
                            "Share this link with the user so they can connect their {} \
                             account, and ask them to tell you when they are done; then retry \
                             the task.",
                            tk.name
                        ));
                        r["connected_account_id"] = json!(conn.account.id);
                        r["auth_config_id"] = json!(conn.account.auth_config_id);
                        initiated += 1;
                    }
                    Err(e) => {
                        r = failed(&tk.slug, e.message);
                        failures += 1;
                    }
                }
            }
        }
        results.insert(tk.slug.clone(), r);
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut message = format!("{initiated} connection{} initiated", plural(initiated));
    if active > 0 {
        message.push_str(&format!(", {active} already active"));
    }
    if failures > 0 {
        message.push_str(&format!(", {failures} failed"));
    }
    Ok(json!({
        "message": message,
        "results": results,
        "summary": {"total_toolkits": toolkits.len(), "active_connections": active,
                    "initiated_connections": initiated, "failed_connections": failures},
    }))
}

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
    let (guard, mut rx) = state.hub.register(project);
    let mut shutdown = state.shutdown.clone();
    let deadline = tokio::time::Instant::now() + timeout;
    let keys: Vec<String> = toolkits
        .iter()
        .map(|t| new_account_key(project, &config.user_id, &t.to_ascii_lowercase()))
        .collect();
    state.hub.add(&guard.watch_id, project, &keys);
    let mut watched: HashSet<String> = HashSet::new();
    loop {
        // Drain first: a change after this point wakes the wait below.
        while rx.try_recv().is_ok() {}
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
            state.hub.add(&guard.watch_id, project, &fresh);
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
