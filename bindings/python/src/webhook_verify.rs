//! ``composio.triggers.verify_webhook(...)``: checks a webhook delivery's signature and
//! timestamp with the official Python SDK's signature and result, raising
//! ``WebhookSignatureVerificationError`` / ``WebhookPayloadError`` with a ``check`` attribute.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use composio::webhooks::VerifyError;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::{json, Value};

use crate::convert::Json;
use crate::errors::ComposioError;

create_exception!(
    composio_rs,
    WebhookSignatureVerificationError,
    ComposioError,
    "triggers.verify_webhook() refused a delivery. Attribute `check` names the check that \
     failed: missing_header, empty_secret, empty_payload, timestamp_outside_tolerance, \
     no_v1_signature or signature_mismatch."
);
create_exception!(
    composio_rs,
    WebhookPayloadError,
    ComposioError,
    "triggers.verify_webhook() could not read the delivery: the timestamp is not a number \
     (check `invalid_timestamp`) or the body is not a webhook event (`invalid_payload`)."
);

/// The name of the check a `VerifyError` reports, and whether it is a payload error.
fn check_name(error: &VerifyError) -> (&'static str, bool) {
    match error {
        VerifyError::MissingHeader(_) => ("missing_header", false),
        VerifyError::EmptySecret => ("empty_secret", false),
        VerifyError::EmptyPayload => ("empty_payload", false),
        VerifyError::InvalidTimestamp(_) => ("invalid_timestamp", true),
        VerifyError::TimestampOutsideTolerance { .. } => ("timestamp_outside_tolerance", false),
        VerifyError::NoV1Signature => ("no_v1_signature", false),
        VerifyError::SignatureMismatch => ("signature_mismatch", false),
        VerifyError::InvalidPayload(_) => ("invalid_payload", true),
        _ => ("unknown", false),
    }
}

fn verify_error(py: Python<'_>, error: &VerifyError) -> PyErr {
    let (check, payload) = check_name(error);
    let ty = if payload {
        py.get_type::<WebhookPayloadError>()
    } else {
        py.get_type::<WebhookSignatureVerificationError>()
    };
    match ty.call1((error.to_string(),)) {
        Ok(value) => match value.setattr("check", check) {
            Ok(()) => PyErr::from_value(value),
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// The official SDK's normalized ``payload`` of a V3 event that is not a trigger message
/// (``composio.core.models.triggers._build_trigger_event_from_v3``).
fn normalized(raw: &Value) -> Value {
    let id = raw.get("id").and_then(Value::as_str).unwrap_or_default();
    let event_type = raw.get("type").and_then(Value::as_str).unwrap_or_default();
    let account = json!({
        "id": "", "uuid": "", "auth_config_id": "", "auth_config_uuid": "",
        "user_id": "", "status": "ACTIVE",
    });
    json!({
        "id": id,
        "uuid": id,
        "user_id": "",
        "toolkit_slug": "COMPOSIO",
        "trigger_slug": event_type,
        "metadata": {
            "id": id, "uuid": id, "toolkit_slug": "COMPOSIO", "trigger_slug": event_type,
            "trigger_data": null, "trigger_config": {}, "connected_account": account,
        },
        "payload": raw.get("data").cloned().unwrap_or_else(|| json!({})),
        "original_payload": raw,
    })
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// ``composio.triggers``: webhook verification.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct Triggers;

#[pymethods]
impl Triggers {
    /// Verifies a webhook delivery, like the official SDK's ``triggers.verify_webhook``:
    /// ``id``, ``timestamp`` and ``signature`` are the ``webhook-id``,
    /// ``webhook-timestamp`` and ``webhook-signature`` headers, ``payload`` the raw body,
    /// ``secret`` the subscription's secret, ``tolerance`` the largest accepted age in
    /// seconds (0 skips the check). Returns ``{"version": "V3", "payload": ...,
    /// "raw_payload": ...}``. Raises ``WebhookSignatureVerificationError`` or
    /// ``WebhookPayloadError``; their ``check`` attribute names the failed check.
    #[pyo3(signature = (*, id, payload, secret, signature, timestamp, tolerance=300))]
    #[allow(clippy::too_many_arguments)]
    fn verify_webhook(
        &self,
        py: Python<'_>,
        id: &str,
        payload: &str,
        secret: &str,
        signature: &str,
        timestamp: &str,
        tolerance: i64,
    ) -> PyResult<Json> {
        if tolerance < 0 {
            return Err(PyValueError::new_err("tolerance must be >= 0 seconds"));
        }
        let tolerance = Duration::from_secs(tolerance.unsigned_abs());
        composio::webhooks::verify_parts(
            id,
            timestamp,
            signature,
            payload.as_bytes(),
            secret,
            tolerance,
            now_secs(),
        )
        .and_then(|()| composio::webhooks::parse_event(payload.as_bytes()))
        .map_err(|e| verify_error(py, &e))?;
        let raw: Value = serde_json::from_str(payload)
            .map_err(|e| verify_error(py, &VerifyError::InvalidPayload(e.to_string())))?;
        Ok(Json(json!({
            "version": "V3",
            "payload": normalized(&raw),
            "raw_payload": raw,
        })))
    }

    fn __repr__(&self) -> &'static str {
        "Triggers()"
    }
}
