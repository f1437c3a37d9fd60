//! Idempotent POSTs: a request repeated with the same `Idempotency-Key` (or `x-request-id`)
//! within the TTL gets the first response again instead of running twice, whichever replica
//! it reaches.

use std::time::Duration;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::json_response;
use super::middleware::REQUEST_ID_HEADER;
use crate::error::{ApiError, ApiResult};
use crate::state::SharedState;
use crate::store::{IdempotentResponse, Reservation};

/// The idempotency key of a request: `Idempotency-Key`, else the client's `x-request-id`.
fn idempotency_key(headers: &HeaderMap, scope: &str) -> Option<String> {
    let value = headers
        .get("idempotency-key")
        .or_else(|| headers.get(&REQUEST_ID_HEADER))
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())?;
    Some(format!("{scope} {value}"))
}

/// How long a reservation is held at most (a replica that dies mid-request frees the key
/// after this).
const RESERVATION: Duration = Duration::from_secs(30);
/// How often a request waiting for the same key's first request checks again.
const POLL: Duration = Duration::from_millis(20);

fn replay(prev: IdempotentResponse) -> Response {
    let status = StatusCode::from_u16(prev.status).unwrap_or(StatusCode::OK);
    let mut resp = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        prev.body,
    )
        .into_response();
    resp.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    resp
}

/// Runs `op` once per idempotency key, across replicas: the key is reserved in the database
/// before `op` runs, a repeat within the TTL gets the stored response, and a repeat while
/// the first one runs waits for its response. A failed `op` stores nothing, so a retry runs
/// again.
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
    let Some(key) = idempotency_key(headers, scope) else {
        let (status, body) = op.await?;
        return Ok(json_response(status, &body));
    };
    // Concurrent duplicates in this process queue here instead of polling the database.
    let _guard = state
        .idempotency_locks
        .lock(&format!("{project} {key}"))
        .await;
    let deadline = tokio::time::Instant::now() + RESERVATION + POLL;
    loop {
        let reservation = state
            .store
            .idempotent_begin(project, &key, state.config.idempotency_ttl, RESERVATION)
            .await?;
        match reservation {
            Reservation::Run => break,
            Reservation::Replay(prev) => return Ok(replay(prev)),
            Reservation::InFlight if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(POLL).await;
            }
            Reservation::InFlight => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "Request_InProgress",
                    "A request with this Idempotency-Key is still in progress",
                )
                .fix("Retry later with the same key to get its response."));
            }
        }
    }
    match op.await {
        Ok((status, body)) => {
            let stored = IdempotentResponse {
                status: status.as_u16(),
                body: body.to_string(),
            };
            state
                .store
                .idempotent_finish(project, &key, &stored)
                .await?;
            Ok(json_response(status, &body))
        }
        Err(e) => {
            if let Err(abandon) = state.store.idempotent_abandon(project, &key).await {
                tracing::warn!(error = %abandon, "could not release an idempotency key");
            }
            Err(e)
        }
    }
}
