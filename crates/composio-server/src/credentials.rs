//! Credentials of connected accounts for tool execution: decrypts the stored token and
//! refreshes it with the refresh token when it has expired (or is about to). Repeated refresh
//! failures mark the account `EXPIRED`.
//!
//! A refresh is single-flight per account: within a process a per-account lock queues
//! concurrent callers, and across processes a lease in the database lets one holder refresh
//! while the others wait and then read its result. The new credentials replace the old ones
//! only if their version is unchanged (compare-and-set), so a provider's rotated refresh
//! token is never overwritten by an older one.

use std::time::Duration;

use crate::crypto::{CryptoError, Secret};
use crate::domain::AccountEvent;
use crate::oauth::{self, StoredCredentials};
use crate::state::AppState;
use crate::store::{AccountRow, Lease, StoreError};

/// Refresh attempts that may fail in a row before the account becomes `EXPIRED`.
pub const MAX_REFRESH_FAILURES: u32 = 3;

/// Tokens expiring within this many milliseconds are refreshed first.
const REFRESH_MARGIN_MS: i64 = 30_000;

/// How long a refresh lease is held at most (a holder that dies frees it after this).
const LEASE_TTL: Duration = Duration::from_secs(30);

/// How often a caller waiting for another holder's refresh reads the account again, and for
/// how long at most.
const LEASE_POLL: Duration = Duration::from_millis(25);
const LEASE_WAIT: Duration = Duration::from_secs(35);

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
    /// Another process held the refresh lease for too long.
    #[error("another refresh of this account did not finish in time")]
    Busy,
    /// The database failed.
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
    /// The stored credentials could not be decrypted (or encrypted).
    #[error("credentials could not be decrypted: {0}")]
    Crypto(#[from] CryptoError),
    /// The stored credentials are not valid JSON.
    #[error("stored credentials are unreadable: {0}")]
    Decode(#[from] serde_json::Error),
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

/// The decrypted credentials of a usable account.
pub(crate) fn open(
    state: &AppState,
    account: &AccountRow,
) -> Result<StoredCredentials, CredentialError> {
    if !account.is_usable() {
        return Err(CredentialError::NotActive(account.status.to_string()));
    }
    let sealed = account
        .credentials
        .as_deref()
        .ok_or(CredentialError::Missing)?;
    Ok(serde_json::from_slice(&state.cipher.decrypt(sealed)?)?)
}

/// The usable secret of `creds` without a refresh, if there is one.
fn current(state: &AppState, creds: &StoredCredentials, force_refresh: bool) -> Option<Secret> {
    if let Some(v) = creds.fields.values().next() {
        return Some(Secret::new(v.clone()));
    }
    let fresh = !force_refresh
        && creds
            .expires_at
            .is_none_or(|exp| exp > state.clock.now_ms() + REFRESH_MARGIN_MS);
    match (&creds.access_token, fresh) {
        (Some(token), true) => Some(Secret::new(token.clone())),
        _ => None,
    }
}

async fn token(
    state: &AppState,
    account_id: &str,
    force_refresh: bool,
) -> Result<Secret, CredentialError> {
    let account = state
        .store
        .get_account_any(account_id)
        .await?
        .ok_or(CredentialError::NotFound)?;
    let creds = open(state, &account)?;
    if let Some(secret) = current(state, &creds, force_refresh) {
        return Ok(secret);
    }
    // Single flight: one refresh per account in this process at a time; whoever waited
    // reads the credentials the previous holder stored.
    let _guard = state.refresh_locks.lock(account_id).await;
    let seen_version = account.credentials_version;
    let deadline = tokio::time::Instant::now() + LEASE_WAIT;
    loop {
        match state
            .store
            .lease_refresh(account_id, &state.lease_holder, LEASE_TTL)
            .await?
        {
            Lease::Acquired(account) => {
                let creds = open(state, &account)?;
                // Someone refreshed while we queued: use their token.
                if account.credentials_version != seen_version || !force_refresh {
                    if let Some(secret) = current(state, &creds, false) {
                        release(state, &account, &creds).await;
                        return Ok(secret);
                    }
                }
                return refresh(state, &account, creds).await;
            }
            Lease::Busy => {
                if tokio::time::Instant::now() >= deadline {
                    return Err(CredentialError::Busy);
                }
                tokio::time::sleep(LEASE_POLL).await;
            }
            Lease::NotFound => return Err(CredentialError::NotFound),
        }
    }
}

/// Makes the next refresh of a sandbox account fail for good, as when a provider revokes
/// the grant: its access token counts as expired, its refresh token is replaced by one the
/// sandbox never issued (the refresh gets `invalid_grant`), and earlier failures are counted
/// so that this one failure moves the account to `EXPIRED`. For demos and tests of the
/// `composio.connected_account.expired` webhook.
pub(crate) async fn sandbox_invalidate(
    state: &AppState,
    account_id: &str,
) -> Result<(), CredentialError> {
    modify(state, account_id, |creds| {
        if creds.refresh_token.is_none() {
            return Err(CredentialError::Missing);
        }
        creds.refresh_token = Some(crate::ids::sandbox_token("rt_invalidated"));
        creds.expires_at = Some(0);
        creds.refresh_failures = MAX_REFRESH_FAILURES.saturating_sub(1);
        Ok(())
    })
    .await?;
    tracing::info!(account_id, "sandbox account's next refresh will fail");
    Ok(())
}

/// Changes the stored credentials of an `ACTIVE` account under its refresh lease (so no
/// concurrent refresh is lost) and stores them re-encrypted. When `change` fails, nothing
/// changes and its error is returned.
pub(crate) async fn modify(
    state: &AppState,
    account_id: &str,
    change: impl FnOnce(&mut StoredCredentials) -> Result<(), CredentialError>,
) -> Result<(), CredentialError> {
    let _guard = state.refresh_locks.lock(account_id).await;
    let deadline = tokio::time::Instant::now() + LEASE_WAIT;
    loop {
        match state
            .store
            .lease_refresh(account_id, &state.lease_holder, LEASE_TTL)
            .await?
        {
            Lease::Acquired(account) => {
                let mut creds = open(state, &account)?;
                let original = creds.clone();
                if let Err(e) = change(&mut creds) {
                    release(state, &account, &original).await;
                    return Err(e);
                }
                save(state, &account, &creds).await?;
                return Ok(());
            }
            Lease::Busy if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(LEASE_POLL).await;
            }
            Lease::Busy => return Err(CredentialError::Busy),
            Lease::NotFound => return Err(CredentialError::NotFound),
        }
    }
}

/// Gives the lease back without changing the credentials.
async fn release(state: &AppState, account: &AccountRow, creds: &StoredCredentials) {
    // Storing the same credentials bumps the version and frees the lease in one update.
    if let Err(e) = save(state, account, creds).await {
        tracing::warn!(account_id = %account.id, error = %e, "could not release the refresh lease");
    }
}

/// Stores `creds` if the account's credentials are still the ones read with the lease.
async fn save(
    state: &AppState,
    account: &AccountRow,
    creds: &StoredCredentials,
) -> Result<bool, CredentialError> {
    let sealed = state.cipher.encrypt(&serde_json::to_vec(creds)?)?;
    Ok(state
        .store
        .store_refreshed(
            &account.id,
            &state.lease_holder,
            account.credentials_version,
            &sealed,
        )
        .await?)
}

/// Refreshes under the lease and stores the result.
async fn refresh(
    state: &AppState,
    account: &AccountRow,
    mut creds: StoredCredentials,
) -> Result<Secret, CredentialError> {
    let account_id = account.id.as_str();
    let Some(refresh_token) = creds.refresh_token.clone() else {
        release(state, account, &creds).await;
        return Err(CredentialError::RefreshFailed {
            reason: "the access token expired and there is no refresh token".into(),
            expired: false,
        });
    };
    let provider = crate::service::auth_configs::provider_for(state, account).await;
    let Some(provider) = provider else {
        release(state, account, &creds).await;
        return Err(CredentialError::Missing);
    };
    match oauth::refresh(state, &provider, &refresh_token).await {
        Ok(new) => {
            let token = new.access_token.clone().ok_or(CredentialError::Missing)?;
            if !save(state, account, &new).await? {
                // The lease ran out and another holder stored newer credentials: theirs win.
                tracing::warn!(
                    account_id,
                    "refresh lease lost; keeping the newer credentials"
                );
            }
            tracing::info!(account_id, "access token refreshed");
            Ok(Secret::new(token))
        }
        Err(reason) => {
            creds.refresh_failures += 1;
            save(state, account, &creds).await?;
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
                    .apply(account_id, &AccountEvent::RefreshExhausted(why))
                    .await?;
                state.changed(account_id).await;
            }
            Err(CredentialError::RefreshFailed { reason, expired })
        }
    }
}
