//! Webhooks in `composio_rs`, under the official Python SDK's names:
//! ``composio.webhooks.subscriptions.*`` (the project's subscription) and
//! ``composio.triggers.verify_webhook(...)`` (check a delivery's signature and timestamp).
//!
//! Subscription calls return plain dicts (the JSON the server sends); `set` returns the
//! official SDK's ``WebhookSubscription`` shape. The async client's methods return
//! awaitables of the same values.

use std::future::Future;

use composio::models::{CreateWebhookSubscription, UpdateWebhookSubscription, WebhookEventType};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;
use serde_json::{json, Map, Value};

use crate::convert::{non_empty, str_list, type_name, Json};
use crate::runtime::{awaitable, block};
use crate::webhook_verify::{Triggers, WebhookPayloadError, WebhookSignatureVerificationError};

/// Adds the webhook exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add(
        "WebhookSignatureVerificationError",
        py.get_type::<WebhookSignatureVerificationError>(),
    )?;
    m.add("WebhookPayloadError", py.get_type::<WebhookPayloadError>())?;
    m.add_class::<Webhooks>()?;
    m.add_class::<AsyncWebhooks>()?;
    m.add_class::<WebhookSubscriptions>()?;
    m.add_class::<AsyncWebhookSubscriptions>()?;
    m.add_class::<Triggers>()?;
    Ok(())
}

fn sub_id(id: &str) -> PyResult<String> {
    non_empty(id, "id")?;
    Ok(id.to_owned())
}

fn events(value: &Bound<'_, PyAny>) -> PyResult<Vec<WebhookEventType>> {
    if value.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "enabled_events must be a list of event type names, not a str",
        ));
    }
    let names = str_list(value, "enabled_events")?;
    if names.is_empty() {
        return Err(PyValueError::new_err(
            "please provide at least one enabled event",
        ));
    }
    Ok(names.iter().map(|n| WebhookEventType::parse(n)).collect())
}

fn version(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    let Some(v) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    // A `str` or a `str` enum (the official SDK's `WebhookVersion`).
    let text = match v.getattr("value") {
        Ok(inner) if !v.is_instance_of::<PyString>() => inner,
        _ => v.clone(),
    };
    let text: String = text.extract().map_err(|_| {
        PyTypeError::new_err(format!("version must be a str, not {}", type_name(v)))
    })?;
    match text.as_str() {
        "V1" | "V2" | "V3" => Ok(Some(text)),
        other => Err(PyValueError::new_err(format!(
            "unsupported webhook version {other:?}; expected one of V1, V2, V3"
        ))),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The official SDK's ``WebhookSubscription`` dict: id, webhook_url, version,
/// enabled_events, and secret / created_at / updated_at when present.
fn subscription_dict(value: Value) -> Value {
    let keys = [
        "id",
        "webhook_url",
        "version",
        "enabled_events",
        "secret",
        "created_at",
        "updated_at",
    ];
    let mut out = Map::new();
    if let Value::Object(map) = value {
        for key in keys {
            if let Some(v) = map.get(key).filter(|v| !v.is_null()) {
                out.insert(key.to_owned(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The calls, shared by the sync and async classes: each builds a future of JSON.
struct Calls(composio::Composio);

type Call = std::pin::Pin<Box<dyn Future<Output = composio::Result<Json>> + Send>>;

impl Calls {
    fn list(&self, limit: Option<i64>, cursor: Option<String>) -> PyResult<Call> {
        let limit = limit
            .map(|l| {
                u32::try_from(l)
                    .ok()
                    .filter(|l| *l > 0)
                    .ok_or_else(|| PyValueError::new_err("limit must be a positive integer"))
            })
            .transpose()?;
        let hooks = self.0.webhooks();
        Ok(Box::pin(async move {
            let page = hooks.list_page(limit, cursor.as_deref()).await?;
            Ok(Json(to_json(&page)))
        }))
    }

    fn get(&self, id: &str) -> PyResult<Call> {
        let (hooks, id) = (self.0.webhooks(), sub_id(id)?);
        Ok(Box::pin(async move {
            Ok(Json(to_json(&hooks.get(&id).await?)))
        }))
    }

    fn set(
        &self,
        webhook_url: &str,
        enabled_events: Option<&Bound<'_, PyAny>>,
        version_arg: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Call> {
        if webhook_url.is_empty() {
            return Err(PyValueError::new_err(
                "please provide a valid `webhook_url`",
            ));
        }
        let enabled = match enabled_events.filter(|e| !e.is_none()) {
            Some(e) => events(e)?,
            None => vec![WebhookEventType::TriggerMessage],
        };
        let version_value = version(version_arg)?.unwrap_or_else(|| "V3".to_owned());
        let (hooks, url) = (self.0.webhooks(), webhook_url.to_owned());
        Ok(Box::pin(async move {
            let existing = hooks
                .list_page(Some(1), None)
                .await?
                .items
                .into_iter()
                .next();
            let sub = match existing {
                Some(sub) => {
                    let body = UpdateWebhookSubscription::new()
                        .webhook_url(url)
                        .enabled_events(enabled)
                        .version(version_value);
                    hooks.update(&sub.id, body).await?
                }
                None => {
                    let body = CreateWebhookSubscription::new(url, enabled).version(version_value);
                    hooks.create(body).await?
                }
            };
            Ok(Json(subscription_dict(to_json(&sub))))
        }))
    }

    fn update(
        &self,
        id: &str,
        webhook_url: Option<String>,
        enabled_events: Option<&Bound<'_, PyAny>>,
        version_arg: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Call> {
        let mut body = UpdateWebhookSubscription::new();
        if let Some(url) = webhook_url {
            body = body.webhook_url(url);
        }
        if let Some(e) = enabled_events.filter(|e| !e.is_none()) {
            body = body.enabled_events(events(e)?);
        }
        if let Some(v) = version(version_arg)? {
            body = body.version(v);
        }
        let (hooks, id) = (self.0.webhooks(), sub_id(id)?);
        Ok(Box::pin(async move {
            Ok(Json(to_json(&hooks.update(&id, body).await?)))
        }))
    }

    fn delete(&self, id: &str) -> PyResult<Call> {
        let (hooks, id) = (self.0.webhooks(), sub_id(id)?);
        Ok(Box::pin(async move {
            hooks.delete(&id).await?;
            Ok(Json(json!({"id": id, "deleted": true})))
        }))
    }

    fn rotate_secret(&self, id: &str) -> PyResult<Call> {
        let (hooks, id) = (self.0.webhooks(), sub_id(id)?);
        Ok(Box::pin(async move {
            let rotated = hooks.rotate_secret(&id).await?;
            Ok(Json(json!({"id": rotated.id, "secret": rotated.secret})))
        }))
    }

    fn list_event_types(&self) -> Call {
        let hooks = self.0.webhooks();
        Box::pin(async move { Ok(Json(to_json(&hooks.event_types().await?))) })
    }
}

/// ``composio.webhooks``: the project's webhook subscription.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct Webhooks {
    pub(crate) inner: composio::Composio,
}

#[pymethods]
impl Webhooks {
    /// ``composio.webhooks.subscriptions``.
    #[getter]
    fn subscriptions(&self) -> WebhookSubscriptions {
        WebhookSubscriptions(Calls(self.inner.clone()))
    }
    fn __repr__(&self) -> &'static str {
        "Webhooks()"
    }
}

/// ``async_composio.webhooks``.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AsyncWebhooks {
    pub(crate) inner: composio::Composio,
}

#[pymethods]
impl AsyncWebhooks {
    /// ``async_composio.webhooks.subscriptions``.
    #[getter]
    fn subscriptions(&self) -> AsyncWebhookSubscriptions {
        AsyncWebhookSubscriptions(Calls(self.inner.clone()))
    }
    fn __repr__(&self) -> &'static str {
        "AsyncWebhooks()"
    }
}

/// ``composio.webhooks.subscriptions``: one subscription per project (blocking calls).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct WebhookSubscriptions(Calls);

#[pymethods]
impl WebhookSubscriptions {
    /// The project's subscriptions: ``{"items": [...], "next_cursor": ...}``.
    #[pyo3(signature = (*, limit=None, cursor=None))]
    fn list(&self, py: Python<'_>, limit: Option<i64>, cursor: Option<String>) -> PyResult<Json> {
        block(py, self.0.list(limit, cursor)?)
    }
    /// One subscription (its secret included on the v3.1 API).
    fn get(&self, py: Python<'_>, id: &str) -> PyResult<Json> {
        block(py, self.0.get(id)?)
    }
    /// Creates the project's subscription, or updates the existing one; returns it with its
    /// secret. ``enabled_events`` defaults to ``["composio.trigger.message"]``.
    #[pyo3(signature = (*, webhook_url, enabled_events=None, version=None))]
    fn set(
        &self,
        py: Python<'_>,
        webhook_url: &str,
        enabled_events: Option<&Bound<'_, PyAny>>,
        version: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Json> {
        block(py, self.0.set(webhook_url, enabled_events, version)?)
    }
    /// Changes the fields given; the others are kept.
    #[pyo3(signature = (id, *, webhook_url=None, enabled_events=None, version=None))]
    fn update(
        &self,
        py: Python<'_>,
        id: &str,
        webhook_url: Option<String>,
        enabled_events: Option<&Bound<'_, PyAny>>,
        version: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Json> {
        block(py, self.0.update(id, webhook_url, enabled_events, version)?)
    }
    /// Deletes the subscription; deliveries stop at once.
    fn delete(&self, py: Python<'_>, id: &str) -> PyResult<Json> {
        block(py, self.0.delete(id)?)
    }
    /// A new secret: ``{"id": ..., "secret": ...}``. Deliveries carry signatures with both
    /// secrets for 24 hours.
    fn rotate_secret(&self, py: Python<'_>, id: &str) -> PyResult<Json> {
        block(py, self.0.rotate_secret(id)?)
    }
    /// The event types a subscription can enable: ``{"items": [{"event_type": ...}, ...]}``.
    fn list_event_types(&self, py: Python<'_>) -> PyResult<Json> {
        block(py, self.0.list_event_types())
    }
    fn __repr__(&self) -> &'static str {
        "WebhookSubscriptions()"
    }
}

/// ``async_composio.webhooks.subscriptions``: like ``WebhookSubscriptions``, returning
/// awaitables.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AsyncWebhookSubscriptions(Calls);

#[pymethods]
impl AsyncWebhookSubscriptions {
    /// Awaitable of the project's subscriptions.
    #[pyo3(signature = (*, limit=None, cursor=None))]
    fn list<'py>(
        &self,
        py: Python<'py>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.list(limit, cursor)?)
    }
    /// Awaitable of one subscription.
    fn get<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.get(id)?)
    }
    /// Awaitable of the created or updated subscription, with its secret.
    #[pyo3(signature = (*, webhook_url, enabled_events=None, version=None))]
    fn set<'py>(
        &self,
        py: Python<'py>,
        webhook_url: &str,
        enabled_events: Option<&Bound<'py, PyAny>>,
        version: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.set(webhook_url, enabled_events, version)?)
    }
    /// Awaitable of the updated subscription.
    #[pyo3(signature = (id, *, webhook_url=None, enabled_events=None, version=None))]
    fn update<'py>(
        &self,
        py: Python<'py>,
        id: &str,
        webhook_url: Option<String>,
        enabled_events: Option<&Bound<'py, PyAny>>,
        version: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.update(id, webhook_url, enabled_events, version)?)
    }
    /// Awaitable of ``{"id": ..., "deleted": True}``.
    fn delete<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.delete(id)?)
    }
    /// Awaitable of ``{"id": ..., "secret": ...}``.
    fn rotate_secret<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.rotate_secret(id)?)
    }
    /// Awaitable of the event types.
    fn list_event_types<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.list_event_types())
    }
    fn __repr__(&self) -> &'static str {
        "AsyncWebhookSubscriptions()"
    }
}
