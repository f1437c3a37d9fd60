//! `GET /oauth/callback`: the provider sends the browser back with `code` and `state` (or an
//! `error`). The callback claims the link of the `state` (so one callback exchanges the
//! code), exchanges the code with the PKCE verifier, and completes the link.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;

use super::{finish, internal_page, used_page};
use crate::oauth;
use crate::pages;
use crate::service::connections::{self, AttemptFailure};
use crate::state::SharedState;
use crate::store::{Claim, LinkRow};

pub(super) async fn callback(State(state): State<SharedState>, uri: Uri) -> Response {
    let q: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let Some(state_param) = q.get("state").filter(|s| !s.is_empty()) else {
        return pages::message(
            StatusCode::BAD_REQUEST,
            "failed",
            "Invalid callback",
            "The provider's answer has no state parameter.",
        );
    };
    let link = match state.store.claim_link(state_param).await {
        Ok(Claim::Claimed(l)) => l,
        Ok(Claim::Taken) => return used_page(),
        Ok(Claim::Unknown) => {
            return pages::message(
                StatusCode::BAD_REQUEST,
                "failed",
                "Unknown authorization",
                "This authorization does not belong to any Connect Link.",
            )
        }
        Err(e) => return internal_page(&e),
    };
    let attempt = attempt(&state, &link, &q).await;
    let outcome = connections::complete(&state, &link, attempt).await;
    finish(&link, outcome)
}

/// What the provider's answer brings: credentials and user info, or why not.
async fn attempt(
    state: &SharedState,
    link: &LinkRow,
    q: &HashMap<String, String>,
) -> Result<(oauth::StoredCredentials, Option<serde_json::Value>), AttemptFailure> {
    if state.clock.now_ms() >= link.expires_at {
        // Completing records the expiry; there is no point in exchanging the code.
        return Err(AttemptFailure::Failed(
            "The Connect Link expired".to_owned(),
        ));
    }
    if let Some(err) = q.get("error") {
        return Err(match err.as_str() {
            "access_denied" => {
                AttemptFailure::Denied("The user denied access (access_denied)".to_owned())
            }
            other => AttemptFailure::Failed(match q.get("error_description") {
                Some(d) => format!("The provider refused the authorization ({other}: {d})"),
                None => format!("The provider refused the authorization ({other})"),
            }),
        });
    }
    let Some(code) = q.get("code").filter(|c| !c.is_empty()) else {
        return Err(AttemptFailure::Failed(
            "The provider returned no authorization code".to_owned(),
        ));
    };
    let account = match state
        .store
        .get_account(&link.project_id, &link.account_id)
        .await
    {
        Ok(Some(a)) => a,
        Ok(None) => {
            return Err(AttemptFailure::Failed(
                "The connected account no longer exists".to_owned(),
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "could not read the account");
            return Err(AttemptFailure::Failed("Something went wrong".to_owned()));
        }
    };
    let Some(provider) = state
        .catalog
        .get(&account.toolkit)
        .and_then(|tk| oauth::provider(state, tk))
    else {
        return Err(AttemptFailure::Failed(
            "No OAuth app is configured for this toolkit".to_owned(),
        ));
    };
    let verifier = link
        .pkce_verifier
        .as_deref()
        .and_then(|v| state.cipher.decrypt(v).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .filter(|v| !v.is_empty());
    match oauth::exchange_code(state, &provider, code, verifier).await {
        Ok(creds) => {
            let info = match &creds.access_token {
                Some(t) => oauth::user_info(state, &provider, t).await,
                None => None,
            };
            Ok((creds, info))
        }
        Err(e) => Err(AttemptFailure::Failed(format!(
            "Token exchange failed: {e}"
        ))),
    }
}
