//! Request and response helpers of the JSON API: the body extractor with envelope errors,
//! query parameters, cursor pages and JSON responses.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

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
