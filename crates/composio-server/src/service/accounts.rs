//! Connected accounts: reading them for a project or a session, enabling, disabling and
//! deleting them. Status changes go through the store's conditional updates and are
//! announced to watchers after they are committed.

use composio_core::models::{AccountAuthConfig, AccountToolkit, ConnectedAccount, SessionConfig};
use composio_core::ConnectionStatus;
use serde_json::json;

use axum::http::StatusCode;

use crate::alias::Alias;
use crate::domain::AccountEvent;
use crate::error::{ApiError, ApiResult};
use crate::revocation::Dispatch;
use crate::state::AppState;
use crate::store::{AccountRow, AliasChange, Transition};
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
    let account = match &a.alias {
        Some(alias) => account.alias(alias),
        None => account,
    };
    let account = match &a.word_id {
        Some(word_id) => account.word_id(word_id),
        None => account,
    };
    match &a.status_reason {
        Some(reason) => account.status_reason(reason),
        None => account,
    }
}

/// The account a session uses for a toolkit: the session's pinned accounts when configured,
/// else the user's best account (`ACTIVE` first, then newest). Pinned accounts of another
/// user are never used, whatever the stored config says.
pub(crate) async fn session_account(
    state: &AppState,
    project: &str,
    config: &SessionConfig,
    toolkit: &str,
) -> ApiResult<Option<AccountRow>> {
    if let Some(ids) = config.connected_accounts.get(toolkit) {
        let mut pinned = state.store.get_accounts(project, ids).await?;
        pinned.retain(|a| a.user_id == config.user_id && a.toolkit == toolkit);
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

/// A valid alias from a request (`None` for an empty one), or the 400 envelope.
pub(crate) fn parse_alias(raw: &str) -> ApiResult<Option<Alias>> {
    Alias::parse(raw).map_err(|e| {
        ApiError::bad_request(format!("Invalid alias: {e}"))
            .fix("Use 1 to 64 characters without control characters; an empty alias clears it.")
    })
}

/// The 409 of an alias another account of the user and toolkit already has.
pub(crate) fn alias_conflict(alias: &str, holder: &AccountRow) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "ConnectedAccount_AliasConflict",
        format!(
            "Alias '{alias}' is already used by {} for user '{}' and toolkit '{}'",
            holder.id, holder.user_id, holder.toolkit
        ),
    )
    .fix("Choose another alias, or clear or change the alias of the other account first.")
    .code(10409)
    .no_retry()
}

/// Sets or clears (empty string) the alias of an account.
pub(crate) async fn set_alias(
    state: &AppState,
    project: &str,
    id: &str,
    raw: &str,
) -> ApiResult<AccountRow> {
    let alias = parse_alias(raw)?;
    match state.store.set_alias(project, id, alias.as_ref()).await? {
        AliasChange::Updated(row) => {
            state.changed(id).await;
            Ok(*row)
        }
        AliasChange::Taken(holder) => Err(alias_conflict(raw.trim(), &holder)),
        AliasChange::NotFound => Err(account_not_found(id)),
    }
}

/// The status reason of an account revoked through the API.
const REVOKED_REASON: &str = "Revoked via user-initiated revoke endpoint";

/// Revokes an `ACTIVE` account's tokens at its provider and marks it `REVOKED` (erasing its
/// credentials); what was revoked on this call. Already `REVOKED`: nothing is sent, `[]`.
pub(crate) async fn revoke(
    state: &AppState,
    project: &str,
    id: &str,
) -> ApiResult<(AccountRow, Vec<String>)> {
    let account = load_account(state, project, id).await?;
    if account.status == ConnectionStatus::Revoked {
        return Ok((account, Vec::new()));
    }
    if account.status != ConnectionStatus::Active || account.is_disabled {
        return Err(not_revokable(&account));
    }
    let provider = crate::service::auth_configs::provider_for(state, &account).await;
    let Some((provider, revocation)) = provider.and_then(|p| p.revocation.clone().map(|r| (p, r)))
    else {
        return Err(ApiError::bad_request(format!(
            "Toolkit '{}' has no programmatic revocation",
            account.toolkit
        ))
        .with_slug("ConnectedAccount_RevokeNotSupported")
        .fix("Delete the account instead, and ask the user to remove the app's access at the provider."));
    };
    let creds = crate::credentials::open(state, &account).map_err(|e| ApiError::internal(&e))?;
    let results = crate::revocation::revoke(state, &provider, &revocation, &creds).await;
    let revoked: Vec<String> = results
        .iter()
        .filter(|(_, d)| *d == Dispatch::Revoked)
        .map(|(kind, _)| (*kind).to_owned())
        .collect();
    if revoked.is_empty() && !results.is_empty() {
        for (kind, d) in &results {
            tracing::warn!(account_id = %id, token = kind, outcome = ?d, "revocation failed");
        }
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ConnectedAccount_RevokeFailed",
            format!(
                "The provider of '{}' could not revoke the tokens; the account is unchanged",
                account.toolkit
            ),
        )
        .fix("Retry later."));
    }
    match state
        .store
        .apply(id, &AccountEvent::Revoked(REVOKED_REASON.to_owned()))
        .await?
    {
        Transition::Applied(row) => {
            tracing::info!(account_id = %id, tokens = ?revoked, "connected account revoked");
            state.changed(id).await;
            Ok((row, revoked))
        }
        Transition::Rejected(row) if row.status == ConnectionStatus::Revoked => Ok((row, revoked)),
        Transition::Rejected(row) => Err(not_revokable(&row)),
        Transition::NotFound => Err(account_not_found(id)),
    }
}

fn not_revokable(account: &AccountRow) -> ApiError {
    let status = if account.is_disabled && account.status == ConnectionStatus::Active {
        "disabled".to_owned()
    } else {
        account.status.to_string()
    };
    ApiError::new(
        StatusCode::CONFLICT,
        "ConnectedAccount_NotRevokable",
        format!(
            "Connected account {} is {status}; only ACTIVE or REVOKED accounts can be revoked",
            account.id
        ),
    )
    .code(10409)
    .no_retry()
}

/// The account an execution uses ([`select_account`]).
#[derive(Debug)]
pub(crate) enum Selected {
    /// This account (`None`: the user has none for the toolkit).
    Account(Option<Box<AccountRow>>),
    /// The named account does not exist; the message lists the ones that do.
    Refused(String),
}

/// Most accounts of one user and toolkit considered when resolving a name.
const MAX_ACCOUNTS_PER_TOOLKIT: u64 = 1000;

/// The account a tool call runs with: the one `requested` names (an account id, word id or
/// alias, in that order, among the user's accounts of the toolkit, or the pinned ones when the
/// session pins some), else the session's default account ([`session_account`]).
pub(crate) async fn select_account(
    state: &AppState,
    project: &str,
    config: &SessionConfig,
    toolkit: &str,
    requested: Option<&str>,
) -> ApiResult<Selected> {
    let Some(name) = requested.map(str::trim).filter(|n| !n.is_empty()) else {
        if crate::service::sessions::MultiAccount::of(config).explicit_selection {
            let mut active = user_accounts(state, project, &config.user_id, toolkit).await?;
            if let Some(pinned) = config.connected_accounts.get(toolkit) {
                active.retain(|a| pinned.contains(&a.id));
            }
            active.retain(AccountRow::is_usable);
            if active.len() > 1 {
                return Ok(Selected::Refused(format!(
                    "Toolkit '{toolkit}' has {} active accounts; pass 'account' as one of: {}",
                    active.len(),
                    describe_accounts(&active)
                )));
            }
        }
        return Ok(Selected::Account(
            session_account(state, project, config, toolkit)
                .await?
                .map(Box::new),
        ));
    };
    let mut accounts = user_accounts(state, project, &config.user_id, toolkit).await?;
    if let Some(pinned) = config.connected_accounts.get(toolkit) {
        accounts.retain(|a| pinned.contains(&a.id));
    }
    let key = crate::alias::key(name);
    let found = accounts
        .iter()
        .position(|a| a.id == name)
        .or_else(|| {
            accounts
                .iter()
                .position(|a| a.word_id.as_deref() == Some(name))
        })
        .or_else(|| {
            accounts
                .iter()
                .position(|a| a.alias.as_deref().map(crate::alias::key) == Some(key.clone()))
        });
    Ok(match found {
        Some(i) => Selected::Account(Some(Box::new(accounts.swap_remove(i)))),
        None => Selected::Refused(format!(
            "Toolkit '{toolkit}' has no account '{name}' for this user; pass 'account' as one \
             of: {}",
            describe_accounts(&accounts)
        )),
    })
}

/// The user's accounts of a toolkit, newest first.
pub(crate) async fn user_accounts(
    state: &AppState,
    project: &str,
    user_id: &str,
    toolkit: &str,
) -> ApiResult<Vec<AccountRow>> {
    let filter = crate::store::AccountFilter {
        user_ids: vec![user_id.to_owned()],
        toolkits: vec![toolkit.to_owned()],
        limit: MAX_ACCOUNTS_PER_TOOLKIT,
        ..Default::default()
    };
    Ok(state.store.list_accounts(project, &filter).await?.rows)
}

/// `work-gmail (ca_…, ACTIVE), gmail_red-castle (ca_…, EXPIRED)` for messages to agents.
pub(crate) fn describe_accounts(accounts: &[AccountRow]) -> String {
    if accounts.is_empty() {
        return "none (connect one first)".to_owned();
    }
    accounts
        .iter()
        .map(|a| {
            let name = a
                .alias
                .as_deref()
                .or(a.word_id.as_deref())
                .unwrap_or("(unnamed)");
            format!("{name} ({}, {})", a.id, a.status)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses another link in a multi-account session whose user already has
/// `max_accounts_per_toolkit` `ACTIVE` accounts of the toolkit (docs/spec/wire-2026.md §16.3).
pub(crate) async fn check_account_cap(
    state: &AppState,
    project: &str,
    config: &SessionConfig,
    toolkit: &str,
) -> ApiResult<()> {
    let multi = crate::service::sessions::MultiAccount::of(config);
    if !multi.enabled {
        return Ok(());
    }
    let mut accounts = user_accounts(state, project, &config.user_id, toolkit).await?;
    accounts.retain(|a| a.status == ConnectionStatus::Active);
    if (accounts.len() as u64) < multi.max_per_toolkit {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "ConnectedAccount_LimitReached",
        format!(
            "User '{}' already has {} active {toolkit} accounts, the most this session allows",
            config.user_id,
            accounts.len()
        ),
    )
    .fix("Revoke or delete one of them, or raise multi_account.max_accounts_per_toolkit.")
    .code(10409)
    .no_retry())
}
