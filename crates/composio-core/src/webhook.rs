//! Signing and verifying webhook deliveries (docs/spec/wire-2026.md §20.5–20.6).
//!
//! Every delivery carries `webhook-id` (the event id), `webhook-timestamp` (Unix seconds of
//! the attempt) and `webhook-signature`: one or more space-separated `v1,<base64>` entries,
//! each the standard base64 (with padding) of `HMAC-SHA256(key = the secret string's UTF-8
//! bytes, msg = "<webhook-id>.<webhook-timestamp>.<raw body>")`. The key is the whole secret
//! string as the API returns it (`wsk_…`), never a base64-decoded one.
//!
//! ```
//! use composio_core::webhook::{sign, verify_parts};
//! use std::time::Duration;
//!
//! let body = br#"{"id":"msg_1"}"#;
//! let signature = sign("wsk_test", "msg_1", 1_768_473_000, body);
//! verify_parts("msg_1", "1768473000", &signature, body, "wsk_test", Duration::from_secs(300), 1_768_473_010)?;
//! # Ok::<(), composio_core::webhook::VerifyError>(())
//! ```

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::models::WebhookEvent;

/// The event id header (`msg_…`, the same on every retry).
pub const HEADER_ID: &str = "webhook-id";
/// The Unix seconds of the delivery attempt.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The signature header: space-separated `v1,<base64>` entries.
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// The payload version of the subscription (`V3`).
pub const HEADER_VERSION: &str = "x-composio-webhook-version";
/// The 1-based number of the delivery attempt.
pub const HEADER_ATTEMPT: &str = "x-composio-delivery-attempt";
/// The tolerance the official SDKs use by default: 300 seconds.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `v1,<base64>` signature entry of one secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, id, &timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    format!("v1,{}", STANDARD.encode(tag))
}

/// The `webhook-signature` header of several secrets (one entry each, space-separated), as
/// sent during the 24 hours after a rotation.
pub fn sign_all<S: AsRef<str>>(secrets: &[S], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| sign(s.as_ref(), id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which check of a webhook delivery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A required header is missing or empty (`webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`).
    #[error("the `{0}` header is missing or empty")]
    MissingHeader(&'static str),
    /// The secret is empty.
    #[error("the webhook secret is empty")]
    EmptySecret,
    /// The body is empty.
    #[error("the webhook payload is empty")]
    EmptyPayload,
    /// `webhook-timestamp` is not a number of seconds.
    #[error("the `webhook-timestamp` header is not a Unix timestamp: `{0}`")]
    InvalidTimestamp(String),
    /// The timestamp is further from now than the tolerance (a replay, or a skewed clock).
    #[error("the webhook timestamp is {age_secs} s away from now, more than the tolerance of {tolerance_secs} s")]
    TimestampOutsideTolerance {
        /// |now − timestamp| in seconds.
        age_secs: u64,
        /// The tolerance in seconds.
        tolerance_secs: u64,
    },
    /// The header has no `v1,` entry.
    #[error("the `webhook-signature` header has no v1 signature")]
    NoV1Signature,
    /// No `v1,` entry matches the body signed with the secret (wrong secret or altered body).
    #[error("no signature matches: the secret is wrong or the payload was altered")]
    SignatureMismatch,
    /// The signature is valid but the body is not a V3 webhook event.
    #[error("the webhook payload is not a valid V3 event: {0}")]
    InvalidPayload(String),
}

/// Checks a delivery's signature and timestamp, given its parts: `tolerance` of zero skips
/// the timestamp check; `now_secs` is the current Unix time. Any one matching `v1,` entry is
/// enough (compared in constant time).
pub fn verify_parts(
    id: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    secret: &str,
    tolerance: Duration,
    now_secs: i64,
) -> Result<(), VerifyError> {
    if id.trim().is_empty() {
        return Err(VerifyError::MissingHeader(HEADER_ID));
    }
    if timestamp.trim().is_empty() {
        return Err(VerifyError::MissingHeader(HEADER_TIMESTAMP));
    }
    if signature.trim().is_empty() {
        return Err(VerifyError::MissingHeader(HEADER_SIGNATURE));
    }
    if secret.is_empty() {
        return Err(VerifyError::EmptySecret);
    }
    if body.is_empty() {
        return Err(VerifyError::EmptyPayload);
    }
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::InvalidTimestamp(timestamp.to_owned()))?;
    if !tolerance.is_zero() {
        let age = now_secs.abs_diff(ts);
        if age > tolerance.as_secs() {
            return Err(VerifyError::TimestampOutsideTolerance {
                age_secs: age,
                tolerance_secs: tolerance.as_secs(),
            });
        }
    }
    let mut any = false;
    for entry in signature.split(' ').filter(|e| !e.is_empty()) {
        let Some(encoded) = entry.strip_prefix("v1,") else {
            continue;
        };
        any = true;
        let Ok(tag) = STANDARD.decode(encoded) else {
            continue;
        };
        if mac(secret, id.trim(), timestamp.trim(), body)
            .verify_slice(&tag)
            .is_ok()
        {
            return Ok(());
        }
    }
    Err(if any {
        VerifyError::SignatureMismatch
    } else {
        VerifyError::NoV1Signature
    })
}

/// Verifies a delivery from its headers and raw body (see [`verify_parts`]) and parses the
/// V3 event.
pub fn verify_at(
    headers: &http::HeaderMap,
    body: &[u8],
    secret: &str,
    tolerance: Duration,
    now_secs: i64,
) -> Result<WebhookEvent, VerifyError> {
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or(VerifyError::MissingHeader(name))
    };
    let id = header(HEADER_ID)?;
    let timestamp = header(HEADER_TIMESTAMP)?;
    let signature = header(HEADER_SIGNATURE)?;
    verify_parts(id, timestamp, signature, body, secret, tolerance, now_secs)?;
    parse_event(body)
}

/// Parses a V3 event body (no signature check).
pub fn parse_event(body: &[u8]) -> Result<WebhookEvent, VerifyError> {
    let event: WebhookEvent =
        serde_json::from_slice(body).map_err(|e| VerifyError::InvalidPayload(e.to_string()))?;
    if event.id.is_empty() {
        return Err(VerifyError::InvalidPayload("`id` is empty".into()));
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"id":"msg_2f1c9e4a-3b6d-4a1e-9c2f-7d8e5a6b4c31","timestamp":"2026-01-15T10:30:00Z","type":"composio.connected_account.expired","metadata":{"project_id":"pr_abc","org_id":"ok_abc"},"data":{"id":"ca_N3wAcc0unt01","status":"EXPIRED"}}"#;
    const ID: &str = "msg_2f1c9e4a-3b6d-4a1e-9c2f-7d8e5a6b4c31";
    const TS: i64 = 1_768_473_000;
    const SECRET: &str = "wsk_test_3f9a1c";
    const TOL: Duration = DEFAULT_TOLERANCE;

    #[test]
    fn the_spec_test_vector() {
        // docs/spec/wire-2026.md §20.6.
        assert_eq!(
            sign(SECRET, ID, TS, BODY.as_bytes()),
            "v1,X4coDBPIrMqFNLVGXBsdhJLVGXMlElTVNCtiVpnbVWk="
        );
    }

    fn headers(signature: &str, ts: i64) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(HEADER_ID, ID.parse().unwrap());
        h.insert(HEADER_TIMESTAMP, ts.to_string().parse().unwrap());
        h.insert(HEADER_SIGNATURE, signature.parse().unwrap());
        h
    }

    #[test]
    fn verifies_and_names_the_failed_check() {
        let sig = sign(SECRET, ID, TS, BODY.as_bytes());
        let event = verify_at(&headers(&sig, TS), BODY.as_bytes(), SECRET, TOL, TS + 5).unwrap();
        assert_eq!(event.id, ID);
        assert_eq!(event.data["id"], "ca_N3wAcc0unt01");

        let tampered = BODY.replace("EXPIRED", "ACTIVE");
        assert_eq!(
            verify_at(&headers(&sig, TS), tampered.as_bytes(), SECRET, TOL, TS),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(
            verify_at(&headers(&sig, TS), BODY.as_bytes(), "wsk_other", TOL, TS),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(
            verify_at(&headers(&sig, TS), BODY.as_bytes(), SECRET, TOL, TS + 301),
            Err(VerifyError::TimestampOutsideTolerance {
                age_secs: 301,
                tolerance_secs: 300
            })
        );
        // Future timestamps fail too; a zero tolerance skips the check.
        assert!(verify_at(&headers(&sig, TS), BODY.as_bytes(), SECRET, TOL, TS - 400).is_err());
        assert!(verify_at(
            &headers(&sig, TS),
            BODY.as_bytes(),
            SECRET,
            Duration::ZERO,
            TS + 9999
        )
        .is_ok());
        assert_eq!(
            verify_at(&headers("v2,abc", TS), BODY.as_bytes(), SECRET, TOL, TS),
            Err(VerifyError::NoV1Signature)
        );
        assert_eq!(
            verify_at(&http::HeaderMap::new(), BODY.as_bytes(), SECRET, TOL, TS),
            Err(VerifyError::MissingHeader(HEADER_ID))
        );
        assert_eq!(
            verify_parts(ID, "soon", &sig, BODY.as_bytes(), SECRET, TOL, TS),
            Err(VerifyError::InvalidTimestamp("soon".into()))
        );
        assert_eq!(
            verify_parts(ID, "1", &sig, b"", SECRET, TOL, 1),
            Err(VerifyError::EmptyPayload)
        );
        assert_eq!(
            verify_parts(ID, "1", &sig, b"{}", "", TOL, 1),
            Err(VerifyError::EmptySecret)
        );
    }

    #[test]
    fn any_matching_entry_is_enough() {
        let both = sign_all(&["wsk_new", SECRET], ID, TS, BODY.as_bytes());
        assert_eq!(both.split(' ').count(), 2);
        for secret in ["wsk_new", SECRET] {
            assert!(
                verify_parts(ID, &TS.to_string(), &both, BODY.as_bytes(), secret, TOL, TS).is_ok()
            );
        }
        assert_eq!(
            verify_parts(
                ID,
                &TS.to_string(),
                &both,
                BODY.as_bytes(),
                "wsk_x",
                TOL,
                TS
            ),
            Err(VerifyError::SignatureMismatch)
        );
    }
}
