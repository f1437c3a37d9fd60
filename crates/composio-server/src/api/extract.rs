//! Request and response helpers of the JSON API: the body extractor with envelope errors,
//! query parameters, cursor pages and JSON responses.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
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
        // Every body is an object: serde would read a JSON array into a struct field by
        // field (`[null, null]` as `{"webhook_url": null, "enabled_events": null}`).
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(
                ApiError::bad_request("Invalid request body: expected a JSON object")
                    .fix("Send a JSON object as described in the API reference."),
            );
        }
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

/// Page size from `limit` (default, 1..=max): any positive integer, however large (capped
/// at `max`), as the OpenAPI document says.
pub(crate) fn parse_limit(q: &HashMap<String, String>, default: u64, max: u64) -> ApiResult<u64> {
    let Some(s) = q.get("limit").map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return Ok(default);
    };
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_request(format!(
            "`limit` must be a positive integer, got `{s}`"
        )));
    }
    match digits.parse::<u64>() {
        Ok(0) => Err(ApiError::bad_request(format!(
            "`limit` must be a positive integer, got `{s}`"
        ))),
        Ok(n) => Ok(n.min(max)),
        // More digits than a u64 holds: still a positive integer (zeros alone fit).
        Err(_) => Ok(max),
    }
}

/// Checks a `user_id` of a request body: a non-blank character and no control characters
/// (the rule of the SDK's `UserId` and of the OpenAPI document's pattern).
pub(crate) fn check_user_id(user_id: &str) -> ApiResult<()> {
    match composio_core::UserId::new(user_id) {
        Ok(_) => Ok(()),
        Err(e) => Err(ApiError::bad_request(format!("`user_id` {}", e.reason))),
    }
}

/// Offset from a `cursor`: opaque to clients (they pass back `next_cursor`), it is the
/// offset of the next item in decimal, at most [`MAX_CURSOR_DIGITS`] digits, as the OpenAPI
/// document's pattern says.
pub(crate) fn parse_cursor(q: &HashMap<String, String>) -> ApiResult<u64> {
    let Some(c) = q.get("cursor").filter(|s| !s.is_empty()) else {
        return Ok(0);
    };
    Some(c)
        .filter(|c| c.len() <= MAX_CURSOR_DIGITS && c.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| {
            ApiError::bad_request("Invalid `cursor`").fix("Pass back `next_cursor` unchanged.")
        })
}

/// The longest cursor: 18 digits always fit a u64.
const MAX_CURSOR_DIGITS: usize = 18;

/// Builds `{items, next_cursor, total_pages, current_page, total_items}`.
pub(crate) fn page_json<T: serde::Serialize>(
    items: Vec<T>,
    offset: u64,
    limit: u64,
    total: u64,
) -> serde_json::Value {
    let next = offset + (items.len() as u64);
    let next_cursor = (next < total && !items.is_empty()).then(|| next.to_string());
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn limit(v: &str) -> Option<u64> {
        let q = HashMap::from([("limit".to_owned(), v.to_owned())]);
        parse_limit(&q, 20, 1000).ok()
    }

    #[test]
    fn limits_are_positive_integers_of_any_size() {
        // Found by schemathesis: the document allowed any integer; the server refused 0
        // (now documented as `minimum: 1`) and integers beyond 2^64 (now capped).
        assert_eq!(limit("0"), None);
        assert_eq!(limit("000"), None);
        assert_eq!(limit("99999999999999999999999"), Some(1000));
        assert_eq!(limit("+7"), Some(7));
        assert_eq!(limit(""), Some(20));
        for bad in ["-1", "1.5", "1e3", "abc", "+", "0x10"] {
            assert_eq!(limit(bad), None, "{bad}");
        }
        let cursor =
            |v: &str| parse_cursor(&HashMap::from([("cursor".to_owned(), v.to_owned())])).ok();
        assert_eq!(cursor("40"), Some(40));
        assert_eq!(cursor("999999999999999999"), Some(999_999_999_999_999_999));
        for bad in ["\u{17}", "-1", "b286MjA", "1234567890123456789"] {
            assert_eq!(cursor(bad), None, "{bad:?}");
        }
        assert!(check_user_id("user 1").is_ok());
        assert!(check_user_id(" \t").is_err());
        assert!(check_user_id("a\u{7}b").is_err());
    }

    proptest! {
        /// Every decimal integer >= 1 is a page size in 1..=max; nothing else is.
        #[test]
        fn limit_accepts_exactly_positive_integers(n in "[0-9]{1,30}", other in ".{0,6}") {
            let positive = n.bytes().any(|b| b != b'0');
            let got = limit(&n);
            prop_assert_eq!(got.is_some(), positive);
            if let Some(v) = got {
                prop_assert!((1..=1000).contains(&v));
            }
            let t = other.trim();
            if !t.is_empty() && !t.trim_start_matches('+').bytes().all(|b| b.is_ascii_digit()) {
                prop_assert_eq!(limit(&other), None, "{:?}", other);
            }
        }
    }
}
