//! Managing auth configs through the API (docs/spec/auth-configs.md §24): create, update,
//! enable/disable, delete, and the wire model with its secrets masked. Which provider a
//! config resolves to is `service::auth_configs`.

use std::collections::BTreeMap;

use composio_core::models::{AuthConfigOptions, AuthConfigStatus, AuthConfigUpdate};
use serde_json::{Map, Value};

use super::auth_configs::{load, not_found};
use crate::catalog::AuthScheme;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{AuthConfigKind, AuthConfigRow, Store};
use crate::util::format_ts;

/// What a masked secret reads as.
const MASK: &str = "********";

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
        "created_at": format_ts(row.created_at),
        "last_updated_at": format_ts(row.updated_at),
        // Seeded from the server's configuration, or created through the API.
        "created_by": match row.kind {
            AuthConfigKind::Default => "composio-server",
            AuthConfigKind::Custom => "api",
        },
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
