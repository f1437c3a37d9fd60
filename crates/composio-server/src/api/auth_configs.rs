//! Auth configs (docs/spec/auth-configs.md §24): create, list, get, update, enable/disable,
//! delete. HTTP only; the rules are in `service::auth_configs`.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use composio_core::models::{
    AuthConfigResult, AuthConfigStatus, AuthConfigUpdate, CreateAuthConfigRequest,
};
use composio_core::query::split_list;
use serde_json::json;

use super::{json_response, page_json, parse_cursor, parse_limit, query_map, ApiJson, Project};
use crate::error::{ApiError, ApiResult};
use crate::service::auth_config_admin as service;
use crate::state::SharedState;
use crate::store::{AuthConfigFilter, AuthConfigRow};

async fn connections(
    state: &SharedState,
    project: &str,
    rows: &[AuthConfigRow],
) -> ApiResult<Vec<u64>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let counts = state.store.auth_config_connections(project, &ids).await?;
    Ok(ids
        .iter()
        .map(|id| counts.get(id).copied().unwrap_or(0))
        .collect())
}

/// `POST {P}/auth_configs`.
pub(super) async fn create(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    ApiJson(req): ApiJson<CreateAuthConfigRequest>,
) -> ApiResult<Response> {
    let row = service::create(&state, &project, &req.toolkit.slug, req.auth_config).await?;
    let body = json!({
        "toolkit": {"slug": row.toolkit},
        "auth_config": {
            "id": row.id,
            "auth_scheme": row.auth_scheme,
            "is_composio_managed": row.kind == crate::store::AuthConfigKind::Default,
            "restrict_to_following_tools": [],
            "redirect_uri": crate::oauth::redirect_uri(&state),
        },
    });
    Ok(json_response(StatusCode::CREATED, &body))
}

fn flag(q: &std::collections::HashMap<String, String>, key: &str) -> ApiResult<Option<bool>> {
    match q.get(key).map(|s| s.to_ascii_lowercase()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v == "true" => Ok(Some(true)),
        Some(v) if v == "false" => Ok(Some(false)),
        Some(v) => Err(ApiError::bad_request(format!(
            "`{key}` must be true or false, got `{v}`"
        ))),
    }
}

/// `GET {P}/auth_configs?toolkit_slug=&is_composio_managed=&show_disabled=&limit=&cursor=`.
pub(super) async fn list(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    uri: Uri,
) -> ApiResult<Response> {
    let q = query_map(&uri);
    let limit = parse_limit(&q, 20, 1000)?;
    let offset = parse_cursor(&q)?;
    let filter = AuthConfigFilter {
        toolkits: split_list(q.get("toolkit_slug").map(String::as_str))
            .into_iter()
            .map(|s| s.to_ascii_lowercase())
            .collect(),
        managed: flag(&q, "is_composio_managed")?,
        show_disabled: flag(&q, "show_disabled")?.unwrap_or(false),
        offset,
        limit,
    };
    let (rows, total) = state.store.list_auth_configs(&project, &filter).await?;
    let counts = connections(&state, &project, &rows).await?;
    let items = rows
        .iter()
        .zip(counts)
        .map(|(r, n)| service::model(&state, r, n))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &page_json::<serde_json::Value>(items, offset, limit, total),
    ))
}

/// `GET {P}/auth_configs/{id}`.
pub(super) async fn get_one(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row = crate::service::auth_configs::load(&state, &project, &id).await?;
    let n = connections(&state, &project, std::slice::from_ref(&row)).await?;
    Ok(json_response(
        StatusCode::OK,
        &service::model(&state, &row, n.first().copied().unwrap_or(0)),
    ))
}

/// `PATCH {P}/auth_configs/{id}` (also `PUT`).
pub(super) async fn update(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<AuthConfigUpdate>,
) -> ApiResult<Response> {
    service::update(&state, &project, &id, &change).await?;
    Ok(json_response(
        StatusCode::OK,
        &AuthConfigResult::ok(format!("Auth config '{id}' updated")),
    ))
}

/// `PATCH {P}/auth_configs/{id}/{ENABLED|DISABLED}`.
pub(super) async fn set_status(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path((id, status)): Path<(String, String)>,
) -> ApiResult<Response> {
    let status = AuthConfigStatus::from(status.to_ascii_uppercase());
    service::set_status(&state, &project, &id, &status).await?;
    Ok(json_response(
        StatusCode::OK,
        &AuthConfigResult::ok(format!("Auth config '{id}' is now {status}")),
    ))
}

/// `DELETE {P}/auth_configs/{id}`: 409 `AuthConfig_InUse` while accounts use it.
pub(super) async fn delete(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    service::delete(&state, &project, &id).await?;
    Ok(json_response(
        StatusCode::OK,
        &AuthConfigResult::ok(format!("Auth config '{id}' deleted")),
    ))
}
