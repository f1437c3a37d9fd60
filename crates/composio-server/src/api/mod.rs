//! The HTTP router: the JSON API under `/api/v3` and `/api/v3.1`, the session MCP endpoint,
//! Connect Link pages, the OAuth callback and the sandbox provider.
//!
//! - [`middleware`]: request ids, API-key auth and rate limits, envelopes for bare errors;
//! - [`extract`]: the JSON body extractor, query parameters, pages and JSON responses;
//! - [`idempotency`]: `Idempotency-Key` replay;
//! - one module per resource with thin handlers that call [`crate::service`].

mod accounts;
mod auth_configs;
mod catalog;
mod execute;
mod extract;
mod idempotency;
mod mcp;
mod mcp_edge;
mod middleware;
mod sessions;
mod watch;
mod webhooks;
mod webhooks_listen;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Extension, Router};
use tower_http::trace::TraceLayer;

pub(crate) use extract::{
    check_user_id, json_response, page_json, page_of, parse_cursor, parse_limit, query_map,
    ApiJson, Fingerprint, FingerprintedJson,
};
pub(crate) use idempotency::{idempotent, idempotent_stored};
pub(crate) use middleware::Project;

use crate::error::ApiError;
use crate::state::SharedState;

/// The OpenAPI document of the server.
const OPENAPI: &str = include_str!("../openapi.json");

pub(crate) fn router(state: SharedState) -> Router {
    let api = Router::new()
        .route("/tool_router/session", post(sessions::create))
        .route(
            "/tool_router/session/{id}",
            get(sessions::get_one)
                .patch(sessions::update)
                .delete(sessions::delete),
        )
        .route(
            "/tool_router/session/{id}/config_history",
            get(sessions::config_history),
        )
        .route("/tool_router/session/{id}/link", post(sessions::link))
        .route(
            "/tool_router/session/{id}/toolkits",
            get(sessions::toolkits),
        )
        .route("/tool_router/session/{id}/tools", get(sessions::tools))
        .route(
            "/tool_router/session/{id}/search",
            post(catalog::session_search),
        )
        .route("/toolkits", get(catalog::list_toolkits))
        .route("/toolkits/{slug}", get(catalog::get_toolkit))
        .route("/tools", get(catalog::list_tools))
        .route("/tools/{slug}", get(catalog::get_tool))
        .route("/tool_router/session/{id}/execute", post(execute::execute))
        .route(
            "/tool_router/session/{id}/execute_meta",
            post(execute::execute_meta),
        )
        .route(
            "/auth_configs",
            get(auth_configs::list).post(auth_configs::create),
        )
        .route(
            "/auth_configs/{id}",
            get(auth_configs::get_one)
                .patch(auth_configs::update)
                .put(auth_configs::update)
                .delete(auth_configs::delete),
        )
        .route(
            "/auth_configs/{id}/{status}",
            patch(auth_configs::set_status),
        )
        .route("/connected_accounts", get(accounts::list))
        .route("/connected_accounts/link", post(accounts::link))
        .route(
            "/connected_accounts/complete_auth",
            post(accounts::complete_auth),
        )
        .route("/connected_accounts/watch", post(watch::open))
        .route(
            "/connected_accounts/watch/{watch_id}/ids",
            post(watch::add_ids).delete(watch::remove_ids),
        )
        .route(
            "/connected_accounts/{id}",
            get(accounts::get_one)
                .delete(accounts::delete)
                .patch(accounts::update),
        )
        .route("/connected_accounts/{id}/revoke", post(accounts::revoke))
        .route(
            "/connected_accounts/{id}/status",
            patch(accounts::set_status),
        )
        .route(
            "/sandbox/connected_accounts/{id}/invalidate",
            post(accounts::sandbox_invalidate),
        )
        .route(
            "/webhook_subscriptions",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/webhook_subscriptions/event_types",
            get(webhooks::event_types),
        )
        .route(
            "/webhook_subscriptions/{id}",
            get(webhooks::get_one)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route(
            "/webhook_subscriptions/{id}/rotate_secret",
            post(webhooks::rotate_secret),
        )
        .route(
            "/webhook_subscriptions/{id}/deliveries",
            get(webhooks::deliveries),
        )
        .route(
            "/webhook_subscriptions/{id}/deliveries/{delivery_id}/redeliver",
            post(webhooks::redeliver),
        )
        .route(
            "/webhook_subscriptions/{id}/listen",
            get(webhooks_listen::listen),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::require_api_key,
        ))
        .route("/openapi.json", get(openapi))
        .fallback(api_not_found);

    // The session's MCP server (Streamable HTTP, rmcp); authenticated like the API.
    let mcp = mcp::routes(state.clone());

    Router::new()
        .nest(
            "/api/v3",
            api.clone().layer(Extension(webhooks::Generation::V3)),
        )
        .merge(mcp)
        .nest("/api/v3.1", api.layer(Extension(webhooks::Generation::V31)))
        .merge(
            crate::flow::routes()
                .merge(crate::sandbox::routes())
                .layer(axum::middleware::from_fn(crate::pages::security_headers)),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn(middleware::request_context))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // Only method and path: query strings may carry codes and tokens, and Connect Link
            // paths carry the link token, which is a bearer secret.
            tracing::info_span!("request", method = %req.method(), path = %middleware::loggable_path(req.uri().path()))
        }))
        .with_state(state)
}

/// Readiness: the database answers (its migrations ran before the server started
/// listening). 503 with the error envelope and `retry-after` otherwise.
async fn readyz(axum::extract::State(state): axum::extract::State<SharedState>) -> Response {
    match state.store.ping().await {
        Ok(()) => json_response(
            axum::http::StatusCode::OK,
            &serde_json::json!({"status": "ready"}),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            let mut err = ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "Server_NotReady",
                "The server's database does not answer",
            );
            err.retry_after = Some(1);
            err.into_response()
        }
    }
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn api_not_found(uri: Uri) -> ApiError {
    ApiError::not_found(
        "Route_NotFound",
        format!("No API endpoint at `{}`", uri.path()),
    )
}
