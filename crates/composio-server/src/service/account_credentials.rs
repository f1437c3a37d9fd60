//! Credential updates of a connected account: `PATCH {P}/connected_accounts/{id}` with
//! `connection.state.{authScheme, val}` (docs/spec/wire-2026.md §16.6).
//!
//! composio-server holds credentials of two schemes: OAuth2 (tokens from the provider,
//! never set by hand) and API_KEY (the toolkit's declared fields). An update must name the
//! account's scheme; `val` merges into the stored fields (omitted keys are kept). Every
//! declared field is required, so `null` (remove a key) is refused rather than leaving an
//! account that cannot authenticate. The new credentials are re-encrypted under the
//! account's refresh lease; the account keeps its status (only an `ACTIVE` account can be
//! updated: a broken one is reconnected).

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::catalog::AuthScheme;
use crate::credentials::{self, CredentialError};
use crate::error::{ApiError, ApiResult};
use crate::service::accounts::{account_not_found, load_account};
use crate::state::AppState;
use crate::store::AccountRow;
use composio_core::ConnectionStatus;

/// The schemes the official API accepts in `connection.state.authScheme`.
const UPDATABLE: [&str; 6] = [
    "BEARER_TOKEN",
    "API_KEY",
    "BASIC",
    "BASIC_WITH_JWT",
    "GOOGLE_SERVICE_ACCOUNT",
    "SERVICE_ACCOUNT",
];

/// The `val` of a credential update, checked against the account's toolkit.
fn parse(
    state: &AppState,
    account: &AccountRow,
    connection: &Value,
) -> ApiResult<Map<String, Value>> {
    let bad = |m: String| ApiError::bad_request(m).no_retry();
    let conn_state = connection
        .as_object()
        .and_then(|c| {
            c.keys()
                .all(|k| k == "state")
                .then(|| c.get("state"))
                .flatten()
        })
        .and_then(Value::as_object)
        .ok_or_else(|| {
            bad("`connection` must be {\"state\": {\"authScheme\": …, \"val\": {…}}}".into())
        })?;
    if let Some(k) = conn_state
        .keys()
        .find(|k| !matches!(k.as_str(), "authScheme" | "val"))
    {
        return Err(bad(format!("Unsupported field `connection.state.{k}`")));
    }
    let scheme = conn_state
        .get("authScheme")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("`connection.state.authScheme` is required".into()))?;
    if !UPDATABLE.contains(&scheme) {
        return Err(bad(format!(
            "`connection.state.authScheme` must be one of {}, not `{scheme}`",
            UPDATABLE.join(", ")
        )));
    }
    let toolkit = state.catalog.get(&account.toolkit);
    let actual = toolkit.map(|t| t.auth_scheme);
    if actual != Some(AuthScheme::ApiKey) || scheme != "API_KEY" {
        let actual = actual.map_or("unknown", |a| a.as_str());
        return Err(bad(format!(
            "`connection.state.authScheme` is {scheme} but connected account '{}' uses {actual}",
            account.id
        ))
        .fix("OAuth2 tokens come from the provider: reconnect the account to replace them."));
    }
    let declared: Vec<&str> = toolkit
        .map(|t| t.fields.iter().map(|f| f.name.as_str()).collect())
        .unwrap_or_default();
    let val = conn_state
        .get("val")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("`connection.state.val` must be an object".into()))?;
    for (key, value) in val {
        if !declared.contains(&key.as_str()) {
            return Err(bad(format!(
                "`{key}` is not a credential field of {}; its fields are: {}",
                account.toolkit,
                declared.join(", ")
            )));
        }
        match value {
            Value::String(s) if !s.trim().is_empty() => {}
            Value::Null => {
                return Err(bad(format!(
                    "`{key}` is required by {} and cannot be removed",
                    account.toolkit
                )))
            }
            _ => return Err(bad(format!("`{key}` must be a non-empty string"))),
        }
    }
    Ok(val.clone())
}

/// Replaces the given credential fields of an `ACTIVE` API-key account.
pub(crate) async fn update_credentials(
    state: &AppState,
    project: &str,
    id: &str,
    connection: &Value,
) -> ApiResult<AccountRow> {
    let account = load_account(state, project, id).await?;
    let val = parse(state, &account, connection)?;
    let not_active = |status: &str| {
        ApiError::new(
            StatusCode::CONFLICT,
            "ConnectedAccount_InvalidState",
            format!("Connected account '{id}' is {status}; only an ACTIVE account's credentials can be updated"),
        )
        .no_retry()
        .fix("Reconnect the account instead.")
    };
    if account.status != ConnectionStatus::Active {
        return Err(not_active(account.status.as_str()));
    }
    let result = credentials::modify(state, id, |creds| {
        for (key, value) in val {
            if let Value::String(s) = value {
                creds.fields.insert(key, s);
            }
        }
        Ok(())
    })
    .await;
    match result {
        Ok(()) => {}
        Err(CredentialError::NotFound) => {
            // The account left ACTIVE (or was deleted) since it was read.
            return match state.store.get_account(project, id).await? {
                Some(row) => Err(not_active(row.status.as_str())),
                None => Err(account_not_found(id)),
            };
        }
        Err(other) => return Err(ApiError::internal(&other)),
    }
    state.changed(id).await;
    load_account(state, project, id).await
}
