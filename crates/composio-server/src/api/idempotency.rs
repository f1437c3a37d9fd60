//! Idempotent POSTs: a request repeated with the same `Idempotency-Key` (or `x-request-id`)
//! within the TTL gets the first response again instead of running twice, whichever replica
//! it reaches. A key reused with a different body is a 422 (as Stripe does), never the first
//! request's response: the body's [`Fingerprint`] is stored with the response, as a first
//! line `#<sha256>` (a JSON body never starts with `#`, so rows stored before have none and
//! replay as before).

use std::time::Duration;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::middleware::REQUEST_ID_HEADER;
use super::{json_response, Fingerprint};
use crate::error::{ApiError, ApiResult};
use crate::state::SharedState;
use crate::store::{IdempotencyClaim, IdempotentResponse, Reservation};

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

/// The stored form of a response: its request's fingerprint, then the JSON.
fn stored_body(fingerprint: &Fingerprint, body: &serde_json::Value) -> String {
    format!("#{}\n{body}", fingerprint.0)
}

fn replay(prev: IdempotentResponse, fingerprint: &Fingerprint) -> ApiResult<Response> {
    let (stored_fp, body) = match prev.body.strip_prefix('#') {
        Some(rest) => rest.split_once('\n').unwrap_or((rest, "")),
        None => (fingerprint.0.as_str(), prev.body.as_str()),
    };
    if stored_fp != fingerprint.0 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Request_IdempotencyKeyReused",
            "This Idempotency-Key was already used with a different request body",
        )
        .no_retry()
        .fix("Use a new Idempotency-Key for a different request."));
    }
    let prev = IdempotentResponse {
        status: prev.status,
        body: body.to_owned(),
    };
    let status = StatusCode::from_u16(prev.status).unwrap_or(StatusCode::OK);
    let mut resp = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        prev.body,
    )
        .into_response();
    resp.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(resp)
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
    fingerprint: &Fingerprint,
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
            Reservation::Replay(prev) => return replay(prev, fingerprint),
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
                body: stored_body(fingerprint, &body),
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

/// Runs a request whose unit of work stores its response itself: `store(claim)` writes the
/// request's effect and, when the request has an idempotency key, `claim` (the response
/// `status` and `body`, under the key) with it, and answers whether it did (`false`: the key
/// is held or answered by another request, and nothing was written). One unit of work
/// instead of three ([`idempotent`] reserves the key, runs the request, then stores the
/// response). When the key is taken, [`idempotent`] replays the first response, waits for
/// it, or runs the request if its first holder gave up.
pub(crate) async fn idempotent_stored<F, Fut>(
    state: &SharedState,
    project: &str,
    headers: &HeaderMap,
    scope: &str,
    fingerprint: &Fingerprint,
    (status, body): (StatusCode, serde_json::Value),
    mut store: F,
) -> ApiResult<Response>
where
    F: FnMut(Option<IdempotencyClaim>) -> Fut,
    Fut: std::future::Future<Output = ApiResult<bool>>,
{
    let Some(key) = idempotency_key(headers, scope) else {
        store(None).await?;
        return Ok(json_response(status, &body));
    };
    {
        // Concurrent duplicates in this process queue here (as in `idempotent`).
        let _guard = state
            .idempotency_locks
            .lock(&format!("{project} {key}"))
            .await;
        let claim = IdempotencyClaim {
            key,
            ttl: state.config.idempotency_ttl,
            response: IdempotentResponse {
                status: status.as_u16(),
                body: stored_body(fingerprint, &body),
            },
        };
        if store(Some(claim)).await? {
            return Ok(json_response(status, &body));
        }
    }
    idempotent(state, project, headers, scope, fingerprint, async {
        if store(None).await? {
            Ok((status, body.clone()))
        } else {
            Err(ApiError::internal(&"idempotency key taken without a claim"))
        }
    })
    .await
}
