//! Request and response helpers of the JSON API: the body extractor with envelope errors,
//! query parameters, cursor pages and JSON responses.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// A JSON body whose errors are 400 (or 413, or 415 for another `Content-Type`) envelopes;
/// an empty body reads as `{}`.
pub(crate) struct ApiJson<T>(pub T);

/// A JSON body, as [`ApiJson`], with its fingerprint (for `Idempotency-Key` checks).
pub(crate) struct FingerprintedJson<T>(pub T, pub Fingerprint);

/// A SHA-256 of a body's JSON value in canonical form (object keys sorted, no whitespace):
/// bodies that differ only in spacing or key order have the same fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fingerprint(pub String);

impl Fingerprint {
    pub(crate) fn of(v: &serde_json::Value) -> Self {
        use sha2::{Digest, Sha256};
        let mut canonical = String::new();
        canonical_json(v, &mut canonical);
        let digest = Sha256::digest(canonical.as_bytes());
        Self(digest.iter().map(|b| format!("{b:02x}")).collect())
    }
}

fn canonical_json(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<_> = m.iter().collect();
            keys.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (n, (k, v)) in keys.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                canonical_json(v, out);
            }
            out.push('}');
        }
        serde_json::Value::Array(a) => {
            out.push('[');
            for (n, v) in a.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                canonical_json(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Whether a `Content-Type` is JSON (`application/json`, `application/*+json`, any
/// parameters).
fn is_json(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json"
        || mime
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// The body bytes of a JSON request: 415 for another declared `Content-Type`, 413 past the
/// limit, `{}` for an empty body, 400 unless it is an object.
async fn json_bytes<S: Send + Sync>(req: Request<Body>, state: &S) -> Result<Bytes, ApiError> {
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        if !ct.to_str().is_ok_and(is_json) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Request_UnsupportedMediaType",
                "The request body must be JSON (Content-Type: application/json)",
            )
            .fix("Send the body as JSON with `Content-Type: application/json`."));
        }
    }
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
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Bytes::from_static(b"{}"));
    }
    // Every body is an object: serde would read a JSON array into a struct field by
    // field (`[null, null]` as `{"webhook_url": null, "enabled_events": null}`).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(
            ApiError::bad_request("Invalid request body: expected a JSON object")
                .fix("Send a JSON object as described in the API reference."),
        );
    }
    Ok(bytes)
}

fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!("Invalid request body: {e}"))
            .fix("Send a JSON object as described in the API reference.")
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, ApiError> {
        let bytes = json_bytes(req, state).await?;
        parse_body(&bytes).map(ApiJson)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FingerprintedJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, ApiError> {
        let bytes = json_bytes(req, state).await?;
        let body = parse_body(&bytes)?;
        let value: serde_json::Value = parse_body(&bytes)?;
        Ok(Self(body, Fingerprint::of(&value)))
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

/// Longest `user_id`, in characters.
pub(crate) const MAX_USER_ID_CHARS: usize = 256;

/// Checks a `user_id` of a request body: a non-blank character, no control characters (the
/// rule of the SDK's `UserId` and of the OpenAPI document's pattern) and at most
/// [`MAX_USER_ID_CHARS`] characters.
pub(crate) fn check_user_id(user_id: &str) -> ApiResult<()> {
    if let Err(e) = composio_core::UserId::new(user_id) {
        return Err(ApiError::bad_request(format!("`user_id` {}", e.reason)));
    }
    if user_id.chars().count() > MAX_USER_ID_CHARS {
        return Err(ApiError::bad_request(format!(
            "`user_id` must be at most {MAX_USER_ID_CHARS} characters"
        )));
    }
    Ok(())
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
        assert!(check_user_id(&"é".repeat(MAX_USER_ID_CHARS)).is_ok());
        assert!(check_user_id(&"a".repeat(MAX_USER_ID_CHARS + 1)).is_err());
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("Application/Merge-Patch+JSON"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        let a = Fingerprint::of(&serde_json::json!({"a": 1, "b": [1, {"d": 2, "c": 3}]}));
        let b = Fingerprint::of(&serde_json::json!({"b": [1, {"c": 3, "d": 2}], "a": 1}));
        assert_eq!(a, b);
        assert_ne!(
            a,
            Fingerprint::of(&serde_json::json!({"a": 2, "b": [1, {"d": 2, "c": 3}]}))
        );
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
