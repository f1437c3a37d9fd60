//! The Connect Link flow: creating links, the link pages, the OAuth callback, and the final
//! redirect to the app's callback URL (spec §9).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use composio_core::{CallbackResult, CallbackStatus, ConnectedAccountId};

use crate::catalog::{AuthScheme, ToolkitDef};
use crate::error::{ApiError, ApiResult};
use crate::oauth::{self, StoredCredentials};
use crate::pages;
use crate::state::SharedState;
use crate::store::{AccountRow, LinkRow};
use crate::util::{now_ms, random_id, random_string};

pub(crate) fn routes() -> Router<SharedState> {
    Router::new()
        .route("/link/{token}", get(show).post(submit))
        .route("/oauth/callback", get(callback))
}

/// `<public-url>/link/<token>`.
pub(crate) fn link_url(state: &SharedState, token: &str) -> String {
    format!("{}/link/{token}", state.public_url)
}

/// Creates an `INITIATED` account and its single-use link.
pub(crate) async fn create_link(
    state: &SharedState,
    project: &str,
    user_id: &str,
    tk: &ToolkitDef,
    callback_url: Option<String>,
) -> ApiResult<(LinkRow, AccountRow)> {
    if tk.is_no_auth() {
        return Err(ApiError::bad_request(format!(
            "Toolkit '{}' needs no authentication; there is nothing to connect",
            tk.slug
        ))
        .fix("Use the toolkit's tools directly."));
    }
    if tk.auth_scheme == AuthScheme::OAuth2 && oauth::provider(state, tk).is_none() {
        let up = tk.slug.to_ascii_uppercase();
        return Err(ApiError::bad_request(format!(
            "No OAuth app is configured for toolkit '{}'",
            tk.slug
        ))
        .fix(format!(
            "Set COMPOSIO_SERVER_{up}_CLIENT_ID and _CLIENT_SECRET, or run with --sandbox."
        )));
    }
    if let Some(cb) = &callback_url {
        state.check_callback(project, cb)?;
    }
    let now = now_ms();
    let expires_at =
        now + i64::try_from(state.config.link_expiry.as_millis()).unwrap_or(i64::MAX / 2);
    let account = AccountRow {
        id: random_id("ca_", 12),
        project_id: project.to_owned(),
        user_id: user_id.to_owned(),
        toolkit: tk.slug.clone(),
        auth_config_id: state.auth_config_id(project, &tk.slug),
        auth_scheme: tk.auth_scheme.as_str().to_owned(),
        status: "INITIATED".to_owned(),
        status_reason: None,
        is_disabled: false,
        credentials: None,
        info: None,
        created_at: now,
        updated_at: now,
        expires_at: Some(expires_at),
    };
    state.store.insert_account(&account).await?;
    let link = LinkRow {
        token: random_id("lk_", 24),
        project_id: project.to_owned(),
        account_id: account.id.clone(),
        callback_url,
        state: None,
        pkce_verifier: None,
        used: false,
        expires_at,
    };
    state.store.insert_link(&link).await?;
    // Wakes COMPOSIO_WAIT_FOR_CONNECTIONS calls waiting on this user's toolkit.
    state
        .hub
        .notify(&crate::api::new_account_key(project, user_id, &tk.slug));
    tracing::info!(account_id = %account.id, toolkit = %tk.slug, "connect link created");
    Ok((link, account))
}

fn internal_page(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "link flow failed");
    pages::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "failed",
        "Something went wrong",
        "Please try again later.",
    )
}

fn not_found_page() -> Response {
    pages::message(
        StatusCode::NOT_FOUND,
        "not_found",
        "Link not found",
        "This Connect Link does not exist. Ask the app for a new one.",
    )
}

fn used_page() -> Response {
    pages::message(StatusCode::GONE, "used", "Link already used", "This Connect Link has already been used. Ask the app for a new one if you need to connect again.")
}

fn expired_page() -> Response {
    pages::message(
        StatusCode::GONE,
        "expired",
        "Link expired",
        "This Connect Link has expired. Ask the app for a new one.",
    )
}

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
    if account.status == "EXPIRED" || now_ms() >= link.expires_at {
        crate::sweeper::sweep_once(state).await;
        return Err(expired_page());
    }
    if account.status != "INITIATED" {
        return Err(used_page());
    }
    match state.catalog.get(&account.toolkit) {
        Some(tk) => Ok((link, account, tk)),
        None => Err(not_found_page()),
    }
}

async fn show(State(state): State<SharedState>, Path(token): Path<String>) -> Response {
    match usable(&state, &token).await {
        Ok((_, account, tk)) => {
            let sandbox = tk.auth_scheme == AuthScheme::OAuth2 && state.uses_sandbox(&tk.slug);
            pages::link_page(tk, &account.user_id, sandbox, &format!("/link/{token}"))
        }
        Err(page) => page,
    }
}

async fn submit(
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
            match state.store.use_link(&link.token).await {
                Ok(true) => {}
                Ok(false) => return used_page(),
                Err(e) => return internal_page(&e),
            }
            let result = activate(&state, &account, &creds, None).await;
            finish(&state, &link, &account.id, result)
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
        let _ = state.store.use_link(&link.token).await;
        let r = fail(
            state,
            &account.id,
            "No OAuth app is configured for this toolkit",
        )
        .await;
        return finish(state, link, &account.id, r);
    };
    let state_param = random_string(40);
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
    if let Err(e) = state
        .store
        .start_link(&link.token, &state_param, &sealed)
        .await
    {
        return internal_page(&e);
    }
    redirect(&url)
}

fn redirect(url: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, url.to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}

/// Stores credentials and sets `ACTIVE`.
async fn activate(
    state: &SharedState,
    account: &AccountRow,
    creds: &StoredCredentials,
    info: Option<serde_json::Value>,
) -> Result<(), String> {
    let json = serde_json::to_vec(creds).map_err(|e| e.to_string())?;
    let sealed = state.cipher.encrypt(&json).map_err(|e| e.to_string())?;
    let info = info.map(|v| v.to_string());
    match state
        .store
        .activate_account(&account.id, &sealed, info.as_deref())
        .await
    {
        Ok(_) => {
            tracing::info!(account_id = %account.id, "connected account active");
            state.changed(&account.id);
            Ok(())
        }
        Err(e) => {
            tracing::error!(error = %e, "could not store credentials");
            Err("Could not store the credentials".to_owned())
        }
    }
}

/// Sets `FAILED` with a reason; returns the reason as the error.
async fn fail(state: &SharedState, account_id: &str, reason: &str) -> Result<(), String> {
    tracing::info!(account_id = %account_id, reason, "connection failed");
    if let Err(e) = state
        .store
        .transition_account(account_id, "INITIATED", "FAILED", Some(reason))
        .await
    {
        tracing::error!(error = %e, "could not mark account failed");
    }
    state.changed(account_id);
    Err(reason.to_owned())
}

/// Redirects to the callback URL with the result, or shows the result page.
fn finish(
    state: &SharedState,
    link: &LinkRow,
    account_id: &str,
    result: Result<(), String>,
) -> Response {
    let (status, error) = match &result {
        Ok(()) => (CallbackStatus::Success, None),
        Err(e) => (CallbackStatus::Failed, Some(e.clone())),
    };
    if let Some(cb) = &link.callback_url {
        let r = CallbackResult::new(status, ConnectedAccountId::new(account_id).ok(), error);
        match r.append_to(cb) {
            Ok(url) => return redirect(&url),
            Err(e) => tracing::warn!(error = %e, "stored callback URL is invalid"),
        }
    }
    let _ = state;
    match result {
        Ok(()) => pages::message(
            StatusCode::OK,
            "success",
            "Connected",
            "Your account is connected. You can close this window and return to the app.",
        ),
        Err(e) if e.contains("denied") => pages::message(
            StatusCode::OK,
            "denied",
            "Access denied",
            &format!("{e}. You can close this window."),
        ),
        Err(e) => pages::message(
            StatusCode::OK,
            "failed",
            "Connection failed",
            &format!("{e}. You can close this window and try again."),
        ),
    }
}

async fn callback(State(state): State<SharedState>, uri: Uri) -> Response {
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
    let link = match state.store.get_link_by_state(state_param).await {
        Ok(Some(l)) => l,
        Ok(None) => {
            return pages::message(
                StatusCode::BAD_REQUEST,
                "failed",
                "Unknown authorization",
                "This authorization does not belong to any Connect Link.",
            )
        }
        Err(e) => return internal_page(&e),
    };
    match state.store.use_link(&link.token).await {
        Ok(true) => {}
        Ok(false) => return used_page(),
        Err(e) => return internal_page(&e),
    }
    let account = match state
        .store
        .get_account(&link.project_id, &link.account_id)
        .await
    {
        Ok(Some(a)) => a,
        Ok(None) => return not_found_page(),
        Err(e) => return internal_page(&e),
    };
    if account.status != "INITIATED" || now_ms() >= link.expires_at {
        crate::sweeper::sweep_once(&state).await;
        return finish(
            &state,
            &link,
            &account.id,
            Err("The Connect Link expired".to_owned()),
        );
    }
    if let Some(err) = q.get("error") {
        let reason = match err.as_str() {
            "access_denied" => "The user denied access (access_denied)".to_owned(),
            other => match q.get("error_description") {
                Some(d) => format!("The provider refused the authorization ({other}: {d})"),
                None => format!("The provider refused the authorization ({other})"),
            },
        };
        let r = fail(&state, &account.id, &reason).await;
        return finish(&state, &link, &account.id, r);
    }
    let Some(code) = q.get("code").filter(|c| !c.is_empty()) else {
        let r = fail(
            &state,
            &account.id,
            "The provider returned no authorization code",
        )
        .await;
        return finish(&state, &link, &account.id, r);
    };
    let Some(provider) = state
        .catalog
        .get(&account.toolkit)
        .and_then(|tk| oauth::provider(&state, tk))
    else {
        let r = fail(
            &state,
            &account.id,
            "No OAuth app is configured for this toolkit",
        )
        .await;
        return finish(&state, &link, &account.id, r);
    };
    let verifier = link
        .pkce_verifier
        .as_deref()
        .and_then(|v| state.cipher.decrypt(v).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .filter(|v| !v.is_empty());
    let result = match oauth::exchange_code(&state, &provider, code, verifier).await {
        Ok(creds) => {
            let info = match &creds.access_token {
                Some(t) => oauth::user_info(&state, &provider, t).await,
                None => None,
            };
            activate(&state, &account, &creds, info).await
        }
        Err(e) => fail(&state, &account.id, &format!("Token exchange failed: {e}")).await,
    };
    finish(&state, &link, &account.id, result)
}
