//! Connected accounts: reading them for a project or a session, enabling, disabling and
//! deleting them. Status changes go through the store's conditional updates and are
//! announced to watchers after they are committed.

use composio_core::models::{AccountAuthConfig, AccountToolkit, ConnectedAccount, SessionConfig};
use composio_core::ConnectionStatus;
use serde_json::json;

use crate::domain::AccountEvent;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{AccountRow, Transition};
use crate::util::format_ts;

/// The wire model of an account as `GET {P}/connected_accounts/{id}` returns it, and as
/// webhook events carry it (never with credentials). Every auth config is managed by the
/// server (sandbox or a server-wide OAuth app).
///
/// `state` is left out: the TypeScript client validates it per auth scheme and expects
/// credentials in it (e.g. `val.access_token` for OAUTH2), which are never sent.
pub(crate) fn account_model(a: &AccountRow) -> ConnectedAccount {
    let info: serde_json::Value = a
        .info
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_else(|| json!({}));
    let account = ConnectedAccount::new(&a.id, a.status.clone(), AccountToolkit::new(&a.toolkit))
        .user_id(&a.user_id)
        .is_disabled(a.is_disabled)
        .auth_config(AccountAuthConfig::new(
            &a.auth_config_id,
            a.auth_scheme.as_str(),
            true,
        ))
        .created_at(format_ts(a.created_at))
        .updated_at(format_ts(a.updated_at))
        .data(info)
        .params(json!({}));
    match &a.status_reason {
        Some(reason) => account.status_reason(reason),
        None => account,
    }
}

/// The account a session uses for a toolkit: the session's pinned accounts when configured,
/// else the user's best account (`ACTIVE` first, then newest).
pub(crate) async fn session_account(
    state: &AppState,
    project: &str,
    config: &SessionConfig,
    toolkit: &str,
) -> ApiResult<Option<AccountRow>> {
    if let Some(ids) = config.connected_accounts.get(toolkit) {
        let mut pinned = state.store.get_accounts(project, ids).await?;
        pinned.sort_by_key(|a| a.status != ConnectionStatus::Active);
        if let Some(a) = pinned.into_iter().next() {
            return Ok(Some(a));
        }
    }
    Ok(state
        .store
        .best_account(project, &config.user_id, toolkit)
        .await?)
}

pub(crate) fn account_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "ConnectedAccount_NotFound",
        format!("Connected account '{id}' not found"),
    )
    .fix("Check the id; accounts belong to the project of the API key.")
}

/// An account of the project, or the 404 envelope.
pub(crate) async fn load_account(
    state: &AppState,
    project: &str,
    id: &str,
) -> ApiResult<AccountRow> {
    state
        .store
        .get_account(project, id)
        .await?
        .ok_or_else(|| account_not_found(id))
}

/// Enables or disables an `ACTIVE`/`INACTIVE` account; 409 in any other status.
pub(crate) async fn set_enabled(
    state: &AppState,
    project: &str,
    id: &str,
    enabled: bool,
) -> ApiResult<AccountRow> {
    load_account(state, project, id).await?;
    let event = if enabled {
        AccountEvent::Enabled
    } else {
        AccountEvent::Disabled
    };
    match state.store.apply(id, &event).await? {
        Transition::Applied(row) => {
            state.changed(id).await;
            Ok(row)
        }
        Transition::Rejected(row) => Err(invalid_state(&row.status)),
        Transition::NotFound => Err(account_not_found(id)),
    }
}

fn invalid_state(status: &ConnectionStatus) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        "ConnectedAccount_InvalidState",
        format!("A connected account in status {status} cannot be enabled or disabled"),
    )
}

/// Deletes an account and its links; 404 when it does not exist.
pub(crate) async fn delete_account(state: &AppState, project: &str, id: &str) -> ApiResult<()> {
    if !state.store.delete_account(project, id).await? {
        return Err(account_not_found(id));
    }
    tracing::info!(account_id = %id, "connected account deleted");
    state.changed(id).await;
    Ok(())
}
