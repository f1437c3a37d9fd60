//! Auth configs (docs/spec/auth-configs.md §24): the one place the OAuth apps of a project
//! live. Each toolkit has a default config with a derived id (`ids::auth_config`), seeded at
//! startup from the server's configuration (`[oauth.<toolkit>]`, `COMPOSIO_SERVER_<TK>_CLIENT_ID`)
//! or the sandbox; projects add their own (`use_custom_auth`) through the API. Connect Links,
//! callbacks, refreshes and revocations find the provider of an account through its config.

use std::collections::BTreeMap;

use composio_core::models::{AuthConfigOptions, AuthConfigStatus, AuthConfigUpdate};
use serde_json::{Map, Value};

use crate::catalog::{AuthScheme, ToolkitDef};
use crate::crypto::Secret;
use crate::error::{ApiError, ApiResult};
use crate::oauth::{OAuthClient, Provider};
use crate::state::AppState;
use crate::store::{AuthConfigKind, AuthConfigRow, Store};
use crate::util::format_ts;

/// What a masked secret reads as.
const MASK: &str = "********";

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

fn not_found(id: &str) -> ApiError {
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

/// The wire model: secrets masked, never returned.
pub(crate) fn model(state: &AppState, row: &AuthConfigRow, connections: u64) -> Value {
    let mut credentials = Map::new();
    if let Some(id) = &row.client_id {
        credentials.insert("client_id".into(), Value::String(id.clone()));
    }
    if row.client_secret.is_some() {
        credentials.insert("client_secret".into(), Value::String(MASK.into()));
    }
    if !row.scopes.is_empty() {
        credentials.insert("scopes".into(), Value::from(row.scopes.clone()));
    }
    if !row.authorize_params.is_empty() {
        credentials.insert(
            "authorize_params".into(),
            serde_json::to_value(&row.authorize_params).unwrap_or_default(),
        );
    }
    let tk = state.catalog.get(&row.toolkit);
    serde_json::json!({
        "id": row.id,
        "uuid": row.id,
        "type": row.kind.as_str(),
        "name": row.name,
        "toolkit": {"slug": row.toolkit, "logo": tk.map(|t| t.logo_url()).unwrap_or_default()},
        "auth_scheme": row.auth_scheme,
        "is_composio_managed": row.kind == AuthConfigKind::Default,
        "credentials": credentials,
        "status": if row.enabled { "ENABLED" } else { "DISABLED" },
        "no_of_connections": connections,
        "created_at": (row.created_at > 0).then(|| format_ts(row.created_at)),
        "last_updated_at": (row.updated_at > 0).then(|| format_ts(row.updated_at)),
        "created_by": null,
        "expected_input_fields": [],
        "restrict_to_following_tools": [],
        "tool_access_config": {"tools_for_connected_account_creation": []},
        "is_enabled_for_tool_router": true,
        "redirect_uri": crate::oauth::redirect_uri(state),
    })
}

/// Scopes as the official clients send them: an array, or one comma/space-separated string.
fn scopes_of(v: &Value, field: &str) -> ApiResult<Vec<String>> {
    match v {
        Value::String(s) => Ok(s
            .split([',', ' '])
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad_field(field, "must be strings"))
            })
            .collect(),
        Value::Null => Ok(Vec::new()),
        _ => Err(bad_field(field, "must be an array of strings or a string")),
    }
}

fn bad_field(field: &str, problem: &str) -> ApiError {
    ApiError::validation(
        format!("`{field}` {problem}"),
        vec![format!("{field}: {problem}")],
    )
}

/// Applies `credentials` to a row: client id and secret (sealed), scopes and authorize
/// parameters; other keys are refused.
fn apply_credentials(
    state: &AppState,
    row: &mut AuthConfigRow,
    credentials: &Map<String, Value>,
) -> ApiResult<()> {
    for (k, v) in credentials {
        let field = format!("credentials.{k}");
        match k.as_str() {
            "client_id" => {
                let id = v.as_str().filter(|s| !s.trim().is_empty());
                row.client_id = Some(
                    id.ok_or_else(|| bad_field(&field, "must be a non-empty string"))?
                        .to_owned(),
                );
            }
            "client_secret" => {
                let s = v
                    .as_str()
                    .filter(|s| !s.is_empty() && *s != MASK)
                    .ok_or_else(|| bad_field(&field, "must be a non-empty string"))?;
                row.client_secret = Some(
                    state
                        .cipher
                        .encrypt(s.as_bytes())
                        .map_err(|e| ApiError::internal(&e))?,
                );
            }
            "scopes" => row.scopes = scopes_of(v, &field)?,
            "user_scopes" => {}
            "authorize_params" => {
                let m: BTreeMap<String, String> = serde_json::from_value(v.clone())
                    .map_err(|_| bad_field(&field, "must be an object of strings"))?;
                row.authorize_params = m;
            }
            _ => {
                return Err(bad_field(
                    &field,
                    "is not supported (client_id, client_secret, scopes, authorize_params)",
                ))
            }
        }
    }
    Ok(())
}

/// Creates an auth config of `toolkit` (validated against the catalog).
pub(crate) async fn create(
    state: &AppState,
    project: &str,
    toolkit: &str,
    options: Option<AuthConfigOptions>,
) -> ApiResult<AuthConfigRow> {
    let slug = toolkit.trim().to_ascii_lowercase();
    let tk = state.catalog.get(&slug).ok_or_else(|| {
        ApiError::bad_request(format!("Toolkit '{toolkit}' not found"))
            .with_slug("Toolkit_NotFound")
            .fix("Use a toolkit slug the server knows (GET /api/v3.1/toolkits).")
    })?;
    if tk.is_no_auth() {
        return Err(ApiError::bad_request(format!(
            "Toolkit '{slug}' needs no authentication; it has no auth configs"
        )));
    }
    let options = options.unwrap_or_else(AuthConfigOptions::managed);
    let kind = match options.kind.as_str() {
        "use_composio_managed_auth" => AuthConfigKind::Default,
        "use_custom_auth" => AuthConfigKind::Custom,
        other => {
            return Err(bad_field(
                "auth_config.type",
                &format!("must be use_composio_managed_auth or use_custom_auth, got `{other}`"),
            ))
        }
    };
    if let Some(scheme) = &options.auth_scheme {
        if scheme != tk.auth_scheme.as_str() {
            return Err(bad_field(
                "auth_config.authScheme",
                &format!(
                    "`{scheme}` is not supported by toolkit '{slug}' (it uses {})",
                    tk.auth_scheme.as_str()
                ),
            ));
        }
    } else if kind == AuthConfigKind::Custom {
        return Err(bad_field(
            "auth_config.authScheme",
            "is required for use_custom_auth",
        ));
    }
    let mut row = AuthConfigRow {
        id: crate::ids::new_auth_config(),
        project_id: project.to_owned(),
        toolkit: slug.clone(),
        name: options
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("{} auth config", tk.name)),
        kind,
        auth_scheme: tk.auth_scheme.as_str().to_owned(),
        client_id: None,
        client_secret: None,
        scopes: Vec::new(),
        authorize_params: BTreeMap::new(),
        enabled: true,
        created_at: 0,
        updated_at: 0,
    };
    if kind == AuthConfigKind::Default {
        if let Some(s) = options.credentials.get("scopes") {
            row.scopes = scopes_of(s, "credentials.scopes")?;
        }
    } else {
        apply_credentials(state, &mut row, &options.credentials)?;
        if tk.auth_scheme == AuthScheme::OAuth2
            && (row.client_id.is_none() || row.client_secret.is_none())
        {
            return Err(ApiError::validation(
                "A custom OAuth2 auth config needs credentials.client_id and credentials.client_secret",
                vec!["credentials: client_id and client_secret are required".into()],
            ));
        }
    }
    state.store.insert_auth_config(&row).await?;
    load(state, project, &row.id).await
}

/// Applies a `PATCH`: name, and credentials (custom) or scopes (default).
pub(crate) async fn update(
    state: &AppState,
    project: &str,
    id: &str,
    change: &AuthConfigUpdate,
) -> ApiResult<AuthConfigRow> {
    let mut row = load(state, project, id).await?;
    let expected = match row.kind {
        AuthConfigKind::Default => "default",
        AuthConfigKind::Custom => "custom",
    };
    if change.kind != expected {
        return Err(bad_field(
            "type",
            &format!(
                "must be `{expected}` for this auth config, got `{}`",
                change.kind
            ),
        ));
    }
    if let Some(name) = change.name.as_ref().filter(|n| !n.trim().is_empty()) {
        row.name = name.clone();
    }
    if let Some(scopes) = &change.scopes {
        row.scopes = scopes.clone();
    }
    if let Some(credentials) = &change.credentials {
        if row.kind == AuthConfigKind::Default {
            return Err(bad_field(
                "credentials",
                "cannot be changed on a managed auth config (it uses the server's app)",
            ));
        }
        apply_credentials(state, &mut row, credentials)?;
    }
    save(state, &row).await
}

/// Enables or disables an auth config.
pub(crate) async fn set_status(
    state: &AppState,
    project: &str,
    id: &str,
    status: &AuthConfigStatus,
) -> ApiResult<AuthConfigRow> {
    let mut row = load(state, project, id).await?;
    row.enabled = match status {
        AuthConfigStatus::Enabled => true,
        AuthConfigStatus::Disabled => false,
        other => {
            return Err(ApiError::bad_request(format!(
                "status must be ENABLED or DISABLED, got `{other}`"
            )))
        }
    };
    save(state, &row).await
}

/// Stores a changed row (a default one not stored yet is inserted first).
async fn save(state: &AppState, row: &AuthConfigRow) -> ApiResult<AuthConfigRow> {
    let store: &dyn Store = &*state.store;
    if !store.update_auth_config(row).await? {
        store.seed_auth_config(row).await?;
        store.update_auth_config(row).await?;
    }
    load(state, &row.project_id, &row.id).await
}

/// Deletes an auth config no connected account uses: 409 `AuthConfig_InUse` otherwise (the
/// accounts keep working; delete them first), 400 for a toolkit's default config.
pub(crate) async fn delete(state: &AppState, project: &str, id: &str) -> ApiResult<()> {
    let row = load(state, project, id).await?;
    if row.id == crate::ids::auth_config(project, &row.toolkit) {
        return Err(ApiError::bad_request(format!(
            "Auth config '{id}' is the default of toolkit '{}' and cannot be deleted",
            row.toolkit
        ))
        .with_slug("AuthConfig_Default")
        .fix("Disable it instead (PATCH /api/v3.1/auth_configs/{id}/DISABLED)."));
    }
    match state.store.delete_auth_config(project, id).await? {
        crate::store::AuthConfigDeletion::Deleted => Ok(()),
        crate::store::AuthConfigDeletion::NotFound => Err(not_found(id)),
        crate::store::AuthConfigDeletion::InUse(n) => Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "AuthConfig_InUse",
            format!("Auth config '{id}' is used by {n} connected account(s)"),
        )
        .no_retry()
        .with("connected_accounts", n)
        .fix("Delete its connected accounts first, or disable the auth config.")),
    }
}
