//! Callback identity verification (docs/spec/wire-2026.md §21.2): with a project verifier
//! URL, a completed OAuth attempt is handed to the app as a single-use `session_uri`
//! instead of activating the account; the app activates it with `complete_auth` for the
//! user it has signed in.

use std::time::Duration;

use axum::http::StatusCode;

use crate::catalog::{AuthScheme, ToolkitDef};
use crate::crypto::secret_hash;
use crate::domain::LinkOutcome;
use crate::error::{ApiError, ApiResult};
use crate::oauth::StoredCredentials;
use crate::service::connections::{apply_completion, seal};
use crate::state::AppState;
use crate::store::{AuthSessionRow, Completion, LinkRow};

/// How long a `session_uri` can be redeemed after the hand-off.
pub(crate) const SESSION_URI_TTL: Duration = Duration::from_secs(600);

/// The status reason of an account whose `complete_auth` named another user.
pub(crate) const IDENTITY_VERIFICATION_FAILED: &str = "IDENTITY_VERIFICATION_FAILED";

/// The project's verifier URL, when callback identity verification is on.
pub(crate) fn verifier_url<'s>(state: &'s AppState, project: &str) -> Option<&'s str> {
    state
        .flow_security
        .get(project)
        .and_then(|s| s.verifier_url.as_deref())
}

/// While verification is on, OAuth connections need a real user: a blank or `default`
/// user id cannot be verified.
pub(crate) fn check_creation_user(
    state: &AppState,
    project: &str,
    user_id: &str,
    tk: &ToolkitDef,
) -> ApiResult<()> {
    let placeholder = user_id.trim().is_empty() || user_id.trim() == "default";
    if tk.auth_scheme == AuthScheme::OAuth2 && placeholder && verifier_url(state, project).is_some()
    {
        return Err(ApiError::bad_request(
            "This project requires callback identity verification, so a real user_id is required (a blank or default placeholder user cannot be verified).",
        )
        .no_retry());
    }
    Ok(())
}

/// Keeps the attempt's credentials under a new `session_uri` and returns where to send the
/// browser: the verifier URL (its query kept) with `session_uri` appended.
pub(crate) async fn hand_off(
    state: &AppState,
    link: &LinkRow,
    verifier: &str,
    creds: &StoredCredentials,
    info: Option<&serde_json::Value>,
) -> Result<String, String> {
    let session_uri = format!("session_{}", crate::ids::random_string(40));
    let mut url = url::Url::parse(verifier).map_err(|e| e.to_string())?;
    url.query_pairs_mut()
        .append_pair("session_uri", &session_uri);
    let row = AuthSessionRow {
        session_hash: secret_hash(&session_uri).to_vec(),
        project_id: link.project_id.clone(),
        account_id: link.account_id.clone(),
        link_token: link.token.clone(),
        credentials: seal(state, creds).map_err(|e| e.to_string())?,
        info: info.map(|v| v.to_string()),
        expires_at: crate::clock::after(state.clock.now_ms(), SESSION_URI_TTL),
    };
    state
        .store
        .hand_off(&row)
        .await
        .map_err(|e| e.to_string())?;
    Ok(url.to_string())
}

/// What a successful `complete_auth` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Completed {
    pub connected_account_id: String,
    pub toolkit_slug: String,
}

fn account_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "ConnectedAccount_NotFound",
        format!("Connected account \"{id}\" not found"),
    )
    .no_retry()
}

/// Redeems `session_uri` for `user_id` in `project`: the session is consumed first (so a
/// wrong redeemer burns it), then the account's owner must be `user_id`.
pub(crate) async fn redeem(
    state: &AppState,
    project: &str,
    user_id: &str,
    session_uri: &str,
) -> ApiResult<Completed> {
    let session = state
        .store
        .redeem_auth_session(&secret_hash(session_uri))
        .await
        .map_err(|e| failed(&e))?
        .ok_or_else(|| {
            ApiError::not_found(
                "ConnectedAccount_AuthSessionNotFound",
                "auth session not found or expired",
            )
            .no_retry()
        })?;
    if session.project_id != project {
        return Err(account_not_found(&session.account_id));
    }
    let account = state
        .store
        .get_account(project, &session.account_id)
        .await
        .map_err(|e| failed(&e))?
        .ok_or_else(|| account_not_found(&session.account_id))?;
    if account.user_id != user_id {
        let completion = Completion::Failed(IDENTITY_VERIFICATION_FAILED.to_owned());
        let outcome = apply_completion(
            state,
            &session.link_token,
            &completion,
            LinkOutcome::Failed(IDENTITY_VERIFICATION_FAILED.to_owned()),
        )
        .await;
        tracing::info!(account_id = %account.id, ?outcome, "complete_auth: identity mismatch");
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "ConnectedAccount_IdentityMismatch",
            "identity mismatch",
        )
        .no_retry());
    }
    let completion = Completion::Connected {
        credentials: session.credentials,
        info: session.info,
    };
    match apply_completion(
        state,
        &session.link_token,
        &completion,
        LinkOutcome::Connected,
    )
    .await
    {
        LinkOutcome::Connected => Ok(Completed {
            connected_account_id: account.id,
            toolkit_slug: account.toolkit,
        }),
        LinkOutcome::Failed(reason) if reason == "Could not store the credentials" => {
            Err(failed(&reason))
        }
        _ => Err(ApiError::not_found(
            "ConnectedAccount_AuthorizationExpired",
            "authorization expired, restart the flow",
        )
        .no_retry()),
    }
}

fn failed(cause: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %cause, "complete_auth failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ConnectedAccount_CompleteAuthFailed",
        "failed to complete the connection",
    )
}
