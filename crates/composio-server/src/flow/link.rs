//! `GET /link/{token}` (what is being connected) and `POST /link/{token}` (start OAuth at
//! the provider, or take the fields of an API-key toolkit).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use composio_core::ConnectionStatus;

use super::{expired_page, finish, internal_page, not_found_page, redirect, used_page};
use crate::catalog::{AuthScheme, ToolkitDef};
use crate::oauth::{self, StoredCredentials};
use crate::pages;
use crate::service::connections::{self, AttemptFailure};
use crate::state::SharedState;
use crate::store::{AccountRow, LinkRow};

/// A usable link with its account and toolkit, or the page explaining why not.
async fn usable<'a>(
    state: &'a SharedState,
    token: &str,
) -> Result<(LinkRow, AccountRow, &'a ToolkitDef), Response> {
    let link = match state.store.get_link(token).await {
        Ok(Some(l)) => l,
        Ok(None) => return Err(not_found_page()),
        Err(e) => return Err(internal_page(&e)),
    };
    if link.used {
        return Err(used_page());
    }
    let account = match state
        .store
        .get_account(&link.project_id, &link.account_id)
        .await
    {
        Ok(Some(a)) => a,
        Ok(None) => return Err(not_found_page()),
        Err(e) => return Err(internal_page(&e)),
    };
    if account.status == ConnectionStatus::Expired || state.clock.now_ms() >= link.expires_at {
        connections::expire_overdue(state).await;
        return Err(expired_page());
    }
    if account.status != ConnectionStatus::Initiated {
        return Err(used_page());
    }
    match state.catalog.get(&account.toolkit) {
        Some(tk) => Ok((link, account, tk)),
        None => Err(not_found_page()),
    }
}

pub(super) async fn show(State(state): State<SharedState>, Path(token): Path<String>) -> Response {
    match usable(&state, &token).await {
        Ok((_, account, tk)) => {
            let sandbox = tk.auth_scheme == AuthScheme::OAuth2 && state.uses_sandbox(&tk.slug);
            pages::link_page(tk, &account.user_id, sandbox, &format!("/link/{token}"))
        }
        Err(page) => page,
    }
}

pub(super) async fn submit(
    State(state): State<SharedState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let (link, account, tk) = match usable(&state, &token).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    match tk.auth_scheme {
        AuthScheme::OAuth2 => start_oauth(&state, &link, &account, tk).await,
        AuthScheme::ApiKey => {
            let form: HashMap<String, String> =
                url::form_urlencoded::parse(&body).into_owned().collect();
            let mut creds = StoredCredentials::default();
            for f in &tk.fields {
                match form
                    .get(&f.name)
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                {
                    Some(v) => {
                        creds.fields.insert(f.name.clone(), v.to_owned());
                    }
                    None => {
                        let label = f.label.clone().unwrap_or_else(|| f.name.clone());
                        return pages::message(StatusCode::BAD_REQUEST, "invalid", "Missing value", &format!("Please fill in “{label}” and try again (use the browser's back button)."));
                    }
                }
            }
            let outcome = connections::complete(&state, &link, Ok((creds, None))).await;
            finish(&link, outcome)
        }
        AuthScheme::NoAuth => used_page(),
    }
}

async fn start_oauth(
    state: &SharedState,
    link: &LinkRow,
    account: &AccountRow,
    tk: &ToolkitDef,
) -> Response {
    let Some(provider) = oauth::provider(state, tk) else {
        let failure =
            AttemptFailure::Failed("No OAuth app is configured for this toolkit".to_owned());
        let outcome = connections::complete(state, link, Err(failure)).await;
        return finish(link, outcome);
    };
    let state_param = crate::ids::oauth_state();
    let (url, verifier) =
        match oauth::authorize_url(state, &provider, tk, &state_param, &account.user_id) {
            Ok(x) => x,
            Err(e) => return internal_page(&e),
        };
    let sealed = match state
        .cipher
        .encrypt(verifier.unwrap_or_default().as_bytes())
    {
        Ok(s) => s,
        Err(e) => return internal_page(&e),
    };
    match state
        .store
        .start_link(&link.token, &state_param, &sealed)
        .await
    {
        Ok(true) => redirect(&url),
        Ok(false) => used_page(),
        Err(e) => internal_page(&e),
    }
}
