//! Credentials of connected accounts for tool execution: decrypts the stored token and
//! refreshes it with the refresh token when it has expired (or is about to). Repeated refresh
//! failures mark the account `EXPIRED`.

use crate::crypto::Secret;
use crate::oauth::{self, StoredCredentials};
use crate::state::AppState;
use crate::util::now_ms;

/// Refresh attempts that may fail in a row before the account becomes `EXPIRED`.
pub const MAX_REFRESH_FAILURES: u32 = 3;

/// Tokens expiring within this many milliseconds are refreshed first.
const REFRESH_MARGIN_MS: i64 = 30_000;

/// Why no credential could be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// There is no such account.
    #[error("connected account not found")]
    NotFound,
    /// The account is not `ACTIVE`.
    #[error("connected account is {0}, not ACTIVE")]
    NotActive(String),
    /// No usable credentials are stored.
    #[error("no credentials stored")]
    Missing,
    /// Refreshing failed (`expired` tells whether the account is now `EXPIRED`).
    #[error("refreshing the token failed: {reason}")]
    RefreshFailed {
        /// The provider's answer.
        reason: String,
        /// Whether the account was marked `EXPIRED`.
        expired: bool,
    },
    /// Storage or decryption failed.
    #[error("internal error: {0}")]
    Internal(String),
}

async fn save(
    state: &AppState,
    id: &str,
    creds: &StoredCredentials,
) -> Result<(), CredentialError> {
    let json = serde_json::to_vec(creds).map_err(|e| CredentialError::Internal(e.to_string()))?;
    let sealed = state
        .cipher
        .encrypt(&json)
        .map_err(|e| CredentialError::Internal(e.to_string()))?;
    state
        .store
        .set_credentials(id, &sealed)
        .await
        .map_err(|e| CredentialError::Internal(e.to_string()))
}

/// The access token (or API key) of an `ACTIVE` account, refreshed when needed.
pub(crate) async fn access_token(
    state: &AppState,
    account_id: &str,
) -> Result<Secret, CredentialError> {
    token(state, account_id, false).await
}

/// A new access token from the refresh token, even if the stored one has not expired yet
/// (the provider rejected it). API keys are returned as stored.
pub(crate) async fn refreshed_token(
    state: &AppState,
    account_id: &str,
) -> Result<Secret, CredentialError> {
    token(state, account_id, true).await
}

async fn token(
    state: &AppState,
    account_id: &str,
    force_refresh: bool,
) -> Result<Secret, CredentialError> {
    let account = state
        .store
        .get_account_any(account_id)
        .await
        .map_err(|e| CredentialError::Internal(e.to_string()))?
        .ok_or(CredentialError::NotFound)?;
    if account.status != "ACTIVE" {
        return Err(CredentialError::NotActive(account.status));
    }
    let sealed = account
        .credentials
        .as_deref()
        .ok_or(CredentialError::Missing)?;
    let plain = state
        .cipher
        .decrypt(sealed)
        .map_err(|e| CredentialError::Internal(e.to_string()))?;
    let mut creds: StoredCredentials =
        serde_json::from_slice(&plain).map_err(|e| CredentialError::Internal(e.to_string()))?;
    if let Some(v) = creds.fields.values().next() {
        return Ok(Secret::new(v.clone()));
    }
    let fresh = !force_refresh
        && creds
            .expires_at
            .is_none_or(|exp| exp > now_ms() + REFRESH_MARGIN_MS);
    if let (Some(token), true) = (&creds.access_token, fresh) {
        return Ok(Secret::new(token.clone()));
    }
    let Some(refresh_token) = creds.refresh_token.clone() else {
        return Err(CredentialError::RefreshFailed {
            reason: "the access token expired and there is no refresh token".into(),
            expired: false,
        });
    };
    let provider = state
        .catalog
        .get(&account.toolkit)
        .and_then(|tk| oauth::provider(state, tk))
        .ok_or(CredentialError::Missing)?;
    match oauth::refresh(state, &provider, &refresh_token).await {
        Ok(new) => {
            let token = new.access_token.clone().ok_or(CredentialError::Missing)?;
            save(state, account_id, &new).await?;
            tracing::info!(account_id, "access token refreshed");
            Ok(Secret::new(token))
        }
        Err(reason) => {
            creds.refresh_failures += 1;
            save(state, account_id, &creds).await?;
            let expired = creds.refresh_failures >= MAX_REFRESH_FAILURES;
            tracing::warn!(
                account_id,
                failures = creds.refresh_failures,
                "token refresh failed"
            );
            if expired {
                let why = format!(
                    "Refreshing the credentials failed {} times: {reason}",
                    creds.refresh_failures
                );
                state
                    .store
                    .transition_account(account_id, "ACTIVE", "EXPIRED", Some(&why))
                    .await
                    .map_err(|e| CredentialError::Internal(e.to_string()))?;
                state.changed(account_id);
            }
            Err(CredentialError::RefreshFailed { reason, expired })
        }
    }
}
