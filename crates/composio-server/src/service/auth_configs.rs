//! Auth configs (docs/spec/auth-configs.md §24): the one place the OAuth apps of a project
//! live. Each toolkit has a default config with a derived id (`ids::auth_config`), seeded at
//! startup from the server's configuration (`[oauth.<toolkit>]`, `COMPOSIO_SERVER_<TK>_CLIENT_ID`)
//! or the sandbox; projects add their own (`use_custom_auth`) through the API. Connect Links,
//! callbacks, refreshes and revocations find the provider of an account through its config.

use std::collections::BTreeMap;

use crate::catalog::{AuthScheme, ToolkitDef};
use crate::crypto::Secret;
use crate::error::{ApiError, ApiResult};
use crate::oauth::{OAuthClient, Provider};
use crate::state::AppState;
use crate::store::{AccountRow, AuthConfigKind, AuthConfigRow};

/// The default auth config of a toolkit in a project, as the server's configuration says
/// (its OAuth app, or none for the sandbox).
fn default_row(state: &AppState, project: &str, tk: &ToolkitDef) -> ApiResult<AuthConfigRow> {
    let app = state.config.oauth_apps.get(&tk.slug);
    let secret = match app.and_then(|a| a.client_secret.as_ref()) {
        Some(s) => Some(
            state
                .cipher
                .encrypt(s.expose().as_bytes())
                .map_err(|e| ApiError::internal(&e))?,
        ),
        None => None,
    };
    Ok(AuthConfigRow {
        id: crate::ids::auth_config(project, &tk.slug),
        project_id: project.to_owned(),
        toolkit: tk.slug.clone(),
        name: format!("{} (default)", tk.name),
        kind: AuthConfigKind::Default,
        auth_scheme: tk.auth_scheme.as_str().to_owned(),
        client_id: app.map(|a| a.client_id.clone()),
        client_secret: secret,
        scopes: Vec::new(),
        authorize_params: BTreeMap::new(),
        enabled: true,
        created_at: 0,
        updated_at: 0,
    })
}

/// Upserts the default auth config of every toolkit that needs authentication in
/// `project`: idempotent (only the client changes), so replicas may run it together.
pub(crate) async fn seed(state: &AppState, project: &str) -> ApiResult<()> {
    for tk in state.catalog.iter().filter(|t| !t.is_no_auth()) {
        state
            .store
            .seed_auth_config(&default_row(state, project, tk)?)
            .await?;
    }
    Ok(())
}

pub(super) fn not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "AuthConfig_NotFound",
        format!("Auth config '{id}' not found"),
    )
    .fix("List the project's auth configs with GET /api/v3.1/auth_configs.")
}

/// An auth config of a project; a default one not stored yet (a project created after the
/// seed) is read from the configuration.
pub(crate) async fn load(state: &AppState, project: &str, id: &str) -> ApiResult<AuthConfigRow> {
    if let Some(row) = state.store.auth_config(project, id).await? {
        return Ok(row);
    }
    match state.toolkit_for_auth_config(project, id) {
        Some(tk) if !tk.is_no_auth() => default_row(state, project, tk),
        _ => Err(not_found(id)),
    }
}

/// The auth config a new connection of `tk` uses: `requested` (an id from the request or
/// the session's `auth_configs`), else the toolkit's default; 400 when it belongs to another
/// toolkit or is disabled.
pub(crate) async fn for_connection(
    state: &AppState,
    project: &str,
    tk: &ToolkitDef,
    requested: Option<&str>,
) -> ApiResult<AuthConfigRow> {
    let id = match requested {
        Some(id) => id.to_owned(),
        None => crate::ids::auth_config(project, &tk.slug),
    };
    let row = load(state, project, &id).await?;
    if row.toolkit != tk.slug {
        return Err(ApiError::bad_request(format!(
            "Auth config '{id}' is for toolkit '{}', not '{}'",
            row.toolkit, tk.slug
        )));
    }
    if !row.enabled {
        return Err(
            ApiError::bad_request(format!("Auth config '{id}' is disabled"))
                .with_slug("AuthConfig_Disabled")
                .fix("Enable it with PATCH /api/v3.1/auth_configs/{id}/ENABLED."),
        );
    }
    Ok(row)
}

/// The OAuth client of an auth config: its own; for a managed one without a client, the
/// toolkit's default config's (the server's app); `None` means the sandbox.
async fn client_of(state: &AppState, row: &AuthConfigRow) -> ApiResult<Option<OAuthClient>> {
    let unseal = |r: &AuthConfigRow| -> ApiResult<Option<OAuthClient>> {
        let Some(id) = &r.client_id else {
            return Ok(None);
        };
        let secret = match &r.client_secret {
            Some(sealed) => {
                let plain = state
                    .cipher
                    .decrypt(sealed)
                    .map_err(|e| ApiError::internal(&e))?;
                Some(Secret::new(String::from_utf8_lossy(&plain)))
            }
            None => None,
        };
        Ok(Some(OAuthClient {
            client_id: id.clone(),
            client_secret: secret,
        }))
    };
    let default_id = crate::ids::auth_config(&row.project_id, &row.toolkit);
    if row.client_id.is_some() || row.kind == AuthConfigKind::Custom || row.id == default_id {
        return unseal(row);
    }
    unseal(&load(state, &row.project_id, &default_id).await?)
}

/// The provider of an auth config of `tk` (`None`: no app and no sandbox).
pub(crate) async fn provider(
    state: &AppState,
    row: &AuthConfigRow,
    tk: &ToolkitDef,
) -> ApiResult<Option<Provider>> {
    if tk.auth_scheme != AuthScheme::OAuth2 {
        return Ok(None);
    }
    let client = client_of(state, row).await?;
    if client.is_none() && row.kind == AuthConfigKind::Custom {
        return Ok(None);
    }
    Ok(crate::oauth::provider_with(
        state,
        tk,
        client,
        &row.scopes,
        &row.authorize_params,
    ))
}

/// The provider an account's tokens belong to (through its toolkit and auth config); `None`
/// when the toolkit, the auth config or an app is missing, or the store cannot be read
/// (logged).
pub(crate) async fn provider_for(state: &AppState, account: &AccountRow) -> Option<Provider> {
    let tk = state.catalog.get(&account.toolkit)?;
    match account_provider(state, &account.project_id, &account.auth_config_id, tk).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(account_id = %account.id, error = %e.message, "could not read the account's auth config");
            None
        }
    }
}

/// The provider of an account's auth config (`None` also when the config is gone).
pub(crate) async fn account_provider(
    state: &AppState,
    project: &str,
    auth_config_id: &str,
    tk: &ToolkitDef,
) -> ApiResult<Option<Provider>> {
    match load(state, project, auth_config_id).await {
        Ok(row) => provider(state, &row, tk).await,
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => Ok(None),
        Err(e) => Err(e),
    }
}
