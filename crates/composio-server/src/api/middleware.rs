//! Middleware of every request: the request id (echoed or generated), the push-wait
//! advertisement, JSON envelopes for bare errors of the API, and the API key that selects the
//! project and counts against its rate limit.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use composio_core::{PUSH_WAIT_HEADER, PUSH_WAIT_PROTOCOL};

use crate::error::{ApiError, REQUEST_ID};
use crate::rate_limit::{self, Decision};
use crate::state::SharedState;

/// The project an API key belongs to (set by the auth middleware).
#[derive(Debug, Clone)]
pub(crate) struct Project(pub String);

/// The path with Connect Link tokens masked.
pub(super) fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/link/") {
        Some(rest) => {
            let tail = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            format!("/link/lk_***{tail}")
        }
        None => path.to_owned(),
    }
}

pub(super) static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Request id (echoed or generated), push-wait advertisement, envelopes for bare errors.
pub(super) async fn request_context(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_owned)
        .unwrap_or_else(composio_core::ids::new_uuid_v4);
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
pub(crate) async fn require_api_key(
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
                // Without its database the limiter lets requests through; they fail (or
                // not) on their own.
                state.cluster.rate_limit(&p).await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "rate limit unavailable");
                    Decision::Unlimited
                })
            };
            if matches!(decision, Decision::Limited { .. }) {
                return rate_limit::limited_response(state.cluster.limit_of(&p), decision);
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
