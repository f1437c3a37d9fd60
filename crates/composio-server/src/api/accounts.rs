//! Connected accounts: get, list, link for an auth config, delete, enable/disable (docs/spec/wire.md §7).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use composio_core::models::{
    CreateAccountLinkRequest, CreateAccountLinkResponse, RevokeAccountResponse,
    UpdateAccountResponse, UpdateAccountStatusRequest,
};
use serde_json::json;

use super::{
    check_user_id, idempotent, json_response, page_json, parse_cursor, parse_limit, query_map,
    ApiJson, FingerprintedJson, Project,
};
use crate::error::{ApiError, ApiResult};
use crate::service::accounts::{self, load_account};
use crate::service::connections;
use crate::state::SharedState;
use crate::store::{AccountFilter, AccountOrder};
use crate::util::format_ts;
use composio_core::models::{OrderBy, OrderDirection};
use composio_core::query::split_list;
use composio_core::ConnectionStatus;

pub(super) async fn get_one(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let a = load_account(&state, &project, &id).await?;
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
    let by = match q.get("order_by").map(String::as_str) {
        None | Some("") | Some("created_at") => OrderBy::CreatedAt,
        Some("updated_at") => OrderBy::UpdatedAt,
        Some(o) => {
            return Err(ApiError::bad_request(format!(
                "`order_by` must be created_at or updated_at, got `{o}`"
            )))
        }
    };
    let direction = match q.get("order_direction").map(|s| s.to_ascii_lowercase()) {
        None => OrderDirection::Desc,
        Some(d) if d.is_empty() || d == "desc" => OrderDirection::Desc,
        Some(d) if d == "asc" => OrderDirection::Asc,
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
            .map(|s| ConnectionStatus::parse(&s.to_ascii_uppercase()))
            .collect(),
        user_ids: list("user_ids"),
        auth_config_ids: list("auth_config_ids"),
        ids: list("connected_account_ids"),
        order: AccountOrder { by, direction },
        offset,
        limit,
    };
    let page = state.store.list_accounts(&project, &filter).await?;
    let total = page.total;
    let items = page
        .rows
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
    FingerprintedJson(req, fingerprint): FingerprintedJson<CreateAccountLinkRequest>,
) -> ApiResult<Response> {
    check_user_id(&req.user_id)?;
    let config = crate::service::auth_configs::load(&state, &project, &req.auth_config_id).await?;
    let tk = state.catalog.get(&config.toolkit).ok_or_else(|| {
        ApiError::not_found(
            "AuthConfig_NotFound",
            format!("Auth config '{}' not found", req.auth_config_id),
        )
    })?;
    idempotent(
        &state,
        &project,
        &headers,
        "POST connected_accounts/link",
        &fingerprint,
        async {
            let new = connections::prepare_link(
                &state,
                &project,
                &req.user_id,
                tk,
                req.callback_url.clone(),
                req.alias.as_deref(),
                Some(&config.id),
            )
            .await?;
            let conn = connections::create_link(&state, new).await?;
            let resp = CreateAccountLinkResponse::new(
                &conn.link.token,
                connections::link_url(&state, &conn.link.token),
                &conn.account.id,
            )
            .expires_at(format_ts(conn.link.expires_at));
            Ok((
                StatusCode::CREATED,
                serde_json::to_value(resp).unwrap_or_default(),
            ))
        },
    )
    .await
}

/// `DELETE {P}/connected_accounts/{id}[?revoke_on_delete=true]`: with `revoke_on_delete`,
/// an `ACTIVE` account's tokens are revoked at the provider first (best effort: the account
/// is deleted whatever the provider answers), and `revoke_job_id` names that revocation in
/// the logs.
pub(super) async fn delete(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let q = query_map(&uri);
    let revoke = match q.get("revoke_on_delete").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "`revoke_on_delete` must be true or false, got `{v}`"
            )))
        }
    };
    let mut body = json!({"success": true, "id": id, "deleted": true});
    if revoke {
        let job = crate::ids::revoke_job();
        let account = load_account(&state, &project, &id).await?;
        if account.status == ConnectionStatus::Active {
            if let Err(e) = accounts::revoke(&state, &project, &id).await {
                tracing::warn!(account_id = %id, revoke_job_id = %job, error = %e.message,
                    "revocation before delete failed; deleting anyway");
            }
        }
        body["revoke_job_id"] = json!(job);
    }
    accounts::delete_account(&state, &project, &id).await?;
    Ok(json_response(StatusCode::OK, &body))
}

/// `PATCH {P}/connected_accounts/{id}`: renames (or with `""` un-names) an account.
pub(super) async fn update(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    let Some(fields) = body.as_object() else {
        return Err(ApiError::bad_request("The body must be a JSON object"));
    };
    if let Some(key) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "alias" | "connection"))
    {
        return Err(ApiError::bad_request(format!(
            "Unsupported field `{key}`: composio-server updates `alias` and `connection`"
        )));
    }
    let alias = match fields.get("alias") {
        None => None,
        Some(serde_json::Value::String(alias)) => Some(alias.as_str()),
        Some(serde_json::Value::Null) => Some(""),
        Some(_) => return Err(ApiError::bad_request("`alias` must be a string")),
    };
    let mut account = None;
    if let Some(connection) = fields.get("connection").filter(|c| !c.is_null()) {
        account = Some(
            crate::service::account_credentials::update_credentials(
                &state, &project, &id, connection,
            )
            .await?,
        );
    }
    if let Some(alias) = alias {
        account = Some(accounts::set_alias(&state, &project, &id, alias).await?);
    }
    let account = match account {
        Some(account) => account,
        None => load_account(&state, &project, &id).await?,
    };
    let resp = UpdateAccountResponse::new(&account.id, account.status.clone());
    Ok(json_response(StatusCode::OK, &resp))
}

/// `POST {P}/connected_accounts/{id}/revoke` (docs/spec/wire-2026.md §18).
pub(super) async fn revoke(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (account, revoked) = accounts::revoke(&state, &project, &id).await?;
    let resp = RevokeAccountResponse::new(&account.id, account.status.clone(), revoked);
    Ok(json_response(StatusCode::OK, &resp))
}

pub(super) async fn set_status(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateAccountStatusRequest>,
) -> ApiResult<Response> {
    let updated = accounts::set_enabled(&state, &project, &id, req.enabled).await?;
    let mut body = serde_json::to_value(state.account_model(&updated)?).unwrap_or_default();
    body["success"] = json!(true);
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST {P}/sandbox/connected_accounts/{id}/invalidate` (composio-server extension): makes
/// the next refresh of a sandbox account fail for good, so the account becomes `EXPIRED`
/// (and sends `composio.connected_account.expired`) the next time its token is refreshed.
pub(super) async fn sandbox_invalidate(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let account = load_account(&state, &project, &id).await?;
    let sandboxed = match state.catalog.get(&account.toolkit) {
        Some(tk) => crate::service::auth_configs::account_provider(
            &state,
            &project,
            &account.auth_config_id,
            tk,
        )
        .await?
        .is_some_and(|p| p.sandbox),
        None => false,
    };
    if !sandboxed {
        return Err(ApiError::bad_request(format!(
            "Connected account '{id}' does not use the sandbox provider"
        ))
        .fix("Only accounts of toolkits served by the sandbox (--sandbox, no OAuth app) can be invalidated."));
    }
    crate::credentials::sandbox_invalidate(&state, &id)
        .await
        .map_err(|e| match e {
            crate::credentials::CredentialError::NotActive(status) => ApiError::new(
                StatusCode::CONFLICT,
                "ConnectedAccount_InvalidState",
                format!("Connected account '{id}' is {status}; only an ACTIVE account can be invalidated"),
            ),
            crate::credentials::CredentialError::Missing => ApiError::bad_request(format!(
                "Connected account '{id}' has no refresh token"
            )),
            crate::credentials::CredentialError::NotFound => {
                crate::service::accounts::account_not_found(&id)
            }
            other => ApiError::internal(&other),
        })?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"success": true, "connected_account_id": id, "next_refresh": "fails"}),
    ))
}

/// `POST /connected_accounts/complete_auth` (docs/spec/wire-2026.md §21.2): activates the
/// account of a verified callback for the app's signed-in user.
pub(super) async fn complete_auth(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    ApiJson(req): ApiJson<composio_core::models::CompleteAuthRequest>,
) -> ApiResult<Response> {
    if req.session_uri.is_empty() || req.user_id.is_empty() {
        return Err(ApiError::validation(
            "`session_uri` and `user_id` are required",
            vec!["session_uri and user_id must be non-empty strings".to_owned()],
        ));
    }
    let done =
        crate::service::complete_auth::redeem(&state, &project, &req.user_id, &req.session_uri)
            .await?;
    let body = composio_core::models::CompleteAuthResponse::new(
        done.connected_account_id,
        done.toolkit_slug,
    );
    Ok(axum::response::IntoResponse::into_response((
        StatusCode::OK,
        axum::Json(body),
    )))
}
