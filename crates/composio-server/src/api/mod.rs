//! The HTTP router: the JSON API under `/api/v3` and `/api/v3.1`, Connect Link pages, the
//! OAuth callback and the sandbox provider; request ids, API-key auth, error envelopes.

mod accounts;
mod connections;
mod mcp;
mod meta_tools;
mod search;
mod sessions;
mod watch;

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use composio_core::{PUSH_WAIT_HEADER, PUSH_WAIT_PROTOCOL};
use serde::de::DeserializeOwned;
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, ApiResult, REQUEST_ID};
use crate::rate_limit::{self, Decision};
use crate::state::SharedState;
use crate::store::IdempotentResponse;

/// The OpenAPI document of the server.
const OPENAPI: &str = include_str!("../openapi.json");

/// The project an API key belongs to (set by the auth middleware).
#[derive(Debug, Clone)]
pub(crate) struct Project(pub String);

pub(crate) fn router(state: SharedState) -> Router {
    let api = Router::new()
        .route("/tool_router/session", post(sessions::create))
        .route(
            "/tool_router/session/{id}",
            get(sessions::get_one).delete(sessions::delete),
        )
        .route("/tool_router/session/{id}/link", post(sessions::link))
        .route(
            "/tool_router/session/{id}/toolkits",
            get(sessions::toolkits),
        )
        .route("/tool_router/session/{id}/tools", get(sessions::tools))
        .route(
            "/tool_router/session/{id}/execute",
            post(meta_tools::execute),
        )
        .route(
            "/tool_router/session/{id}/execute_meta",
            post(meta_tools::execute_meta),
        )
        .route("/connected_accounts", get(accounts::list))
        .route("/connected_accounts/link", post(accounts::link))
        .route("/connected_accounts/watch", post(watch::open))
        .route(
            "/connected_accounts/watch/{watch_id}/ids",
            post(watch::add_ids).delete(watch::remove_ids),
        )
        .route(
            "/connected_accounts/{id}",
            get(accounts::get_one).delete(accounts::delete),
        )
        .route(
            "/connected_accounts/{id}/status",
            patch(accounts::set_status),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_api_key,
        ))
        .route("/openapi.json", get(openapi))
        .fallback(api_not_found);

    // The session's MCP server (Streamable HTTP, rmcp); authenticated like the API.
    let mcp = mcp::routes(state.clone());

    Router::new()
        .nest("/api/v3", api.clone())
        .merge(mcp)
        .nest("/api/v3.1", api)
        .merge(crate::flow::routes())
        .merge(crate::sandbox::routes())
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn(request_context))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // Only method and path: query strings may carry codes and tokens, and Connect Link
            // paths carry the link token, which is a bearer secret.
            tracing::info_span!("request", method = %req.method(), path = %loggable_path(req.uri().path()))
        }))
        .with_state(state)
}

/// The path with Connect Link tokens masked.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/link/") {
        Some(rest) => {
            let tail = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            format!("/link/lk_***{tail}")
        }
        None => path.to_owned(),
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

static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Request id (echoed or generated), push-wait advertisement, envelopes for bare errors.
async fn request_context(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_owned)
        .unwrap_or_else(new_request_id);
    let is_api = req.uri().path().starts_with("/api/") || req.uri().path().ends_with("/mcp");
    let mut resp = REQUEST_ID
        .scope(id.clone(), async move {
            let resp = next.run(req).await;
            if is_api && !resp.status().is_success() && !is_json(resp.headers()) {
                bare_error_envelope(resp.status())
            } else {
                resp
            }
        })
        .await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER.clone(), v);
    }
    resp.headers_mut().insert(
        HeaderName::from_static(PUSH_WAIT_HEADER),
        HeaderValue::from_static(PUSH_WAIT_PROTOCOL),
    );
    resp
}

/// A random UUID-v4-shaped id.
fn new_request_id() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn bare_error_envelope(status: StatusCode) -> Response {
    let (slug, msg) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("Request_PayloadTooLarge", "Request body is too large"),
        StatusCode::METHOD_NOT_ALLOWED => ("Request_MethodNotAllowed", "Method not allowed"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("Request_UnsupportedMediaType", "Send JSON"),
        s if s.is_server_error() => ("Internal_ServerError", "Internal server error"),
        _ => ("Request_Error", "Request failed"),
    };
    ApiError::new(status, slug, msg).into_response()
}

/// Whether the request opens the long-lived `watch-v1` stream, which the rate limit does not
/// count (adding or removing its ids does count).
fn is_watch_stream(req: &Request) -> bool {
    req.method() == Method::POST && req.uri().path().ends_with("/connected_accounts/watch")
}

/// Resolves the `x-api-key` to its [`Project`] (401 envelope otherwise), then counts the
/// request against the project's rate limit (429 envelope with `retry-after` and
/// `retry-after-ms` when over it; `x-ratelimit-limit` / `x-ratelimit-remaining` on the
/// responses of limited projects).
async fn require_api_key(
    State(state): State<SharedState>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(key) = req
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
    else {
        return ApiError::unauthorized("Missing API key").into_response();
    };
    match state.keys.project_of(&*state.store, key).await {
        Ok(Some(p)) => {
            let decision = if is_watch_stream(&req) {
                Decision::Unlimited
            } else {
                state.rate_limits.check(&p, std::time::Instant::now())
            };
            if matches!(decision, Decision::Limited { .. }) {
                return rate_limit::limited_response(state.rate_limits.limit_of(&p), decision);
            }
            req.extensions_mut().insert(Project(p));
            let mut resp = next.run(req).await;
            decision.add_headers(resp.headers_mut());
            resp
        }
        Ok(None) => ApiError::unauthorized("Invalid API key").into_response(),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

/// A JSON body whose errors are 400 (or 413) envelopes; an empty body reads as `{}`.
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Request_PayloadTooLarge",
                    "Request body is too large",
                )
            } else {
                ApiError::bad_request(format!(
                    "Could not read the request body: {}",
                    e.body_text()
                ))
            }
        })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(bytes).map(ApiJson).map_err(|e| {
            ApiError::bad_request(format!("Invalid request body: {e}"))
                .fix("Send a JSON object as described in the API reference.")
        })
    }
}

/// Query parameters as a map (no rejection on odd input).
pub(crate) fn query_map(uri: &Uri) -> HashMap<String, String> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Page size from `limit` (default, 1..=max).
pub(crate) fn parse_limit(q: &HashMap<String, String>, default: u64, max: u64) -> ApiResult<u64> {
    match q.get("limit").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .map(|n| n.min(max))
            .ok_or_else(|| {
                ApiError::bad_request(format!("`limit` must be a positive integer, got `{s}`"))
            }),
    }
}

/// Offset from an opaque `cursor`.
pub(crate) fn parse_cursor(q: &HashMap<String, String>) -> ApiResult<u64> {
    let Some(c) = q.get("cursor").filter(|s| !s.is_empty()) else {
        return Ok(0);
    };
    URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("o:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| {
            ApiError::bad_request("Invalid `cursor`").fix("Pass back `next_cursor` unchanged.")
        })
}

/// Builds `{items, next_cursor, total_pages, current_page, total_items}`.
pub(crate) fn page_json<T: serde::Serialize>(
    items: Vec<T>,
    offset: u64,
    limit: u64,
    total: u64,
) -> serde_json::Value {
    let next = offset + (items.len() as u64);
    let next_cursor =
        (next < total && !items.is_empty()).then(|| URL_SAFE_NO_PAD.encode(format!("o:{next}")));
    let page = composio_core::models::Page::new(
        items,
        next_cursor,
        total.div_ceil(limit).max(1),
        offset / limit + 1,
        total,
    );
    serde_json::to_value(page).unwrap_or_default()
}

/// One page (from `offset`, at most `limit` items) of a list held in memory.
pub(crate) fn page_of<T: serde::Serialize>(
    all: Vec<T>,
    offset: u64,
    limit: u64,
) -> serde_json::Value {
    let total = all.len() as u64;
    let page: Vec<T> = all
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    page_json(page, offset, limit, total)
}

/// JSON response with a status.
pub(crate) fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

/// The idempotency key of a request: `Idempotency-Key`, else the client's `x-request-id`.
fn idempotency_key(headers: &HeaderMap, scope: &str) -> Option<String> {
    let value = headers
        .get("idempotency-key")
        .or_else(|| headers.get(&REQUEST_ID_HEADER))
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())?;
    Some(format!("{scope} {value}"))
}

/// Runs `op` once per idempotency key: a repeat within the TTL gets the stored response.
pub(crate) async fn idempotent<F>(
    state: &SharedState,
    project: &str,
    headers: &HeaderMap,
    scope: &str,
    op: F,
) -> ApiResult<Response>
where
    F: std::future::Future<Output = ApiResult<(StatusCode, serde_json::Value)>>,
{
    let key = idempotency_key(headers, scope).map(|k| format!("{project} {k}"));
    // Serialize requests sharing a key; the guard is held until the response is stored.
    let _guard = match &key {
        Some(k) => Some(state.idempotency_locks.lock(k).await),
        None => None,
    };
    if let Some(key) = &key {
        if let Some(prev) = state
            .store
            .idempotent_get(project, key, state.config.idempotency_ttl)
            .await?
        {
            let status = StatusCode::from_u16(prev.status).unwrap_or(StatusCode::OK);
            let mut resp = (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                prev.body,
            )
                .into_response();
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return Ok(resp);
        }
    }
    let (status, body) = op.await?;
    if let Some(key) = &key {
        let stored = IdempotentResponse {
            status: status.as_u16(),
            body: body.to_string(),
        };
        state.store.idempotent_put(project, key, &stored).await?;
    }
    Ok(json_response(status, &body))
}
