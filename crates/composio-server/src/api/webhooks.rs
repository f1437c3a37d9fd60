//! Webhook subscriptions (docs/spec/wire-2026.md §20.2) and the composio-server extensions
//! under a subscription: the delivery log, redelivery and the listen stream
//! ([`super::webhooks_listen`]).

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use composio_core::models::{
    CreateWebhookSubscription, RotatedSecret, UpdateWebhookSubscription, WebhookEventTypes,
};
use serde_json::json;

use super::{json_response, page_json, parse_cursor, parse_limit, query_map, ApiJson, Project};
use crate::error::ApiResult;
use crate::service::webhooks as service;
use crate::state::SharedState;

/// The API generation a request came in on: `/api/v3` shows a subscription's secret only
/// when it is created or rotated, `/api/v3.1` in every subscription response (§20.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generation {
    /// `/api/v3`
    V3,
    /// `/api/v3.1`
    V31,
}

impl Generation {
    fn shows_secret(self) -> bool {
        self == Self::V31
    }
}

pub(super) async fn create(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    ApiJson(req): ApiJson<CreateWebhookSubscription>,
) -> ApiResult<Response> {
    let row = service::create(&state, &project, req).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &service::view(&state, &row, true)?,
    ))
}

pub(super) async fn list(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Extension(generation): Extension<Generation>,
    uri: Uri,
) -> ApiResult<Response> {
    let q = query_map(&uri);
    let limit = parse_limit(&q, 20, 50)?;
    let offset = parse_cursor(&q)?;
    let rows = service::list(&state, &project).await?;
    let total = rows.len() as u64;
    let items = rows
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .map(|r| service::view(&state, r, generation.shows_secret()))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(json_response(
        StatusCode::OK,
        &page_json(items, offset, limit, total),
    ))
}

pub(super) async fn get_one(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Extension(generation): Extension<Generation>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row = service::get(&state, &project, &id).await?;
    Ok(json_response(
        StatusCode::OK,
        &service::view(&state, &row, generation.shows_secret())?,
    ))
}

pub(super) async fn update(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Extension(generation): Extension<Generation>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateWebhookSubscription>,
) -> ApiResult<Response> {
    let row = service::update(&state, &project, &id, req).await?;
    Ok(json_response(
        StatusCode::OK,
        &service::view(&state, &row, generation.shows_secret())?,
    ))
}

pub(super) async fn delete(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    service::delete(&state, &project, &id).await?;
    Ok(json_response(StatusCode::OK, &json!({"success": true})))
}

pub(super) async fn rotate_secret(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let secret = service::rotate(&state, &project, &id).await?;
    Ok(json_response(
        StatusCode::OK,
        &RotatedSecret::new(id, secret),
    ))
}

pub(super) async fn event_types() -> Response {
    json_response(
        StatusCode::OK,
        &WebhookEventTypes::new(crate::webhooks::event_types()),
    )
}

/// `GET {P}/webhook_subscriptions/{id}/deliveries` (extension): newest first.
pub(super) async fn deliveries(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let q = query_map(&uri);
    let limit = parse_limit(&q, 20, 100)?;
    let offset = parse_cursor(&q)?;
    service::get(&state, &project, &id).await?;
    let (rows, total) = state.store.list_deliveries(&id, offset, limit).await?;
    let items: Vec<_> = rows.iter().map(service::delivery_view).collect();
    Ok(json_response(
        StatusCode::OK,
        &page_json(items, offset, limit, total),
    ))
}

/// `POST {P}/webhook_subscriptions/{id}/deliveries/{delivery_id}/redeliver` (extension).
pub(super) async fn redeliver(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path((id, delivery_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let row = service::redeliver(&state, &project, &id, &delivery_id).await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &service::delivery_view(&row),
    ))
}
