//! Idempotent POSTs: a request repeated with the same `Idempotency-Key` (or `x-request-id`)
//! within the TTL gets the first response again instead of running twice.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::json_response;
use super::middleware::REQUEST_ID_HEADER;
use crate::error::ApiResult;
use crate::state::SharedState;
use crate::store::IdempotentResponse;

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
