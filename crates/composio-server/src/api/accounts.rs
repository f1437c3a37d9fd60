//! Connected accounts: get, list, link for an auth config, delete, enable/disable (spec §7).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use composio_core::models::{
    CreateAccountLinkRequest, CreateAccountLinkResponse, UpdateAccountStatusRequest,
};
use serde_json::json;

use super::{
    idempotent, json_response, page_json, parse_cursor, parse_limit, query_map, ApiJson, Project,
};
use crate::error::{ApiError, ApiResult};
use crate::state::SharedState;
use crate::store::{AccountFilter, AccountRow};
use crate::util::{format_ts, split_list};

pub(crate) fn account_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "ConnectedAccount_NotFound",
        format!("Connected account '{id}' not found"),
    )
    .fix("Check the id; accounts belong to the project of the API key.")
}

async fn load(state: &SharedState, project: &str, id: &str) -> ApiResult<AccountRow> {
    state
        .store
        .get_account(project, id)
        .await?
        .ok_or_else(|| account_not_found(id))
}

pub(super) async fn get_one(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let a = load(&state, &project, &id).await?;
    Ok(json_response(StatusCode::OK, &state.account_model(&a)?))
}

pub(super) async fn list(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    uri: Uri,
) -> ApiResult<Response> {
    let q = query_map(&uri);
    let list = |k: &str| split_list(q.get(k).map(String::as_str));
    let limit = parse_limit(&q, 20, 1000)?;
    let offset = parse_cursor(&q)?;
    let order_by_updated = match q.get("order_by").map(String::as_str) {
        None | Some("") | Some("created_at") => false,
        Some("updated_at") => true,
        Some(o) => {
            return Err(ApiError::bad_request(format!(
                "`order_by` must be created_at or updated_at, got `{o}`"
            )))
        }
    };
    let ascending = match q.get("order_direction").map(|s| s.to_ascii_lowercase()) {
        None => false,
        Some(d) if d.is_empty() || d == "desc" => false,
        Some(d) if d == "asc" => true,
        Some(d) => {
            return Err(ApiError::bad_request(format!(
                "`order_direction` must be asc or desc, got `{d}`"
            )))
        }
    };
    let filter = AccountFilter {
        toolkits: list("toolkit_slugs")
            .into_iter()
            .map(|s| s.to_ascii_lowercase())
            .collect(),
        statuses: list("statuses")
            .into_iter()
            .map(|s| s.to_ascii_uppercase())
            .collect(),
        user_ids: list("user_ids"),
        auth_config_ids: list("auth_config_ids"),
        ids: list("connected_account_ids"),
        order_by_updated,
        ascending,
        offset,
        limit,
    };
    let (rows, total) = state.store.list_accounts(&project, &filter).await?;
    let items = rows
        .iter()
        .map(|a| state.account_model(a))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(json_response(
        StatusCode::OK,
        &page_json(items, offset, limit, total),
    ))
}

pub(super) async fn link(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateAccountLinkRequest>,
) -> ApiResult<Response> {
    if req.user_id.trim().is_empty() {
        return Err(ApiError::bad_request("`user_id` must not be empty"));
    }
    let tk = state
        .toolkit_for_auth_config(&project, &req.auth_config_id)
        .ok_or_else(|| {
            ApiError::not_found(
                "AuthConfig_NotFound",
                format!("Auth config '{}' not found", req.auth_config_id),
            )
            .fix("Use an auth config id of this project (see the session toolkits listing).")
        })?;
    idempotent(
        &state,
        &project,
        &headers,
        "POST connected_accounts/link",
        async {
            let (link, account) = crate::flow::create_link(
                &state,
                &project,
                &req.user_id,
                tk,
                req.callback_url.clone(),
            )
            .await?;
            let resp = CreateAccountLinkResponse::new(
                &link.token,
                crate::flow::link_url(&state, &link.token),
                &account.id,
            )
            .expires_at(format_ts(link.expires_at));
            Ok((
                StatusCode::CREATED,
                serde_json::to_value(resp).unwrap_or_default(),
            ))
        },
    )
    .await
}

pub(super) async fn delete(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    if !state.store.delete_account(&project, &id).await? {
        return Err(account_not_found(&id));
    }
    tracing::info!(account_id = %id, "connected account deleted");
    state.changed(&id);
    Ok(json_response(
        StatusCode::OK,
        &json!({"success": true, "id": id, "deleted": true}),
    ))
}

pub(super) async fn set_status(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateAccountStatusRequest>,
) -> ApiResult<Response> {
    let a = load(&state, &project, &id).await?;
    let updated = match (req.enabled, a.status.as_str()) {
        (false, "ACTIVE") | (false, "INACTIVE") => {
            state
                .store
                .set_account_status(&id, "INACTIVE", Some("Disabled"), true)
                .await?
        }
        (true, "INACTIVE") | (true, "ACTIVE") => {
            state
                .store
                .set_account_status(&id, "ACTIVE", None, false)
                .await?
        }
        (_, other) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "ConnectedAccount_InvalidState",
                format!("A connected account in status {other} cannot be enabled or disabled"),
            ))
        }
    };
    let updated = updated.ok_or_else(|| account_not_found(&id))?;
    state.changed(&id);
    let mut body = serde_json::to_value(state.account_model(&updated)?).unwrap_or_default();
    body["success"] = json!(true);
    Ok(json_response(StatusCode::OK, &body))
}
