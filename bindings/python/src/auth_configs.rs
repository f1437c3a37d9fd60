//! ``composio.auth_configs``: create, list, get, update, enable, disable and delete the
//! project's auth configs, with the official SDK's names and signatures. Results are plain
//! dicts, as the server sends them (secrets masked).

use std::future::Future;
use std::pin::Pin;

use composio::models::{AuthConfigListParams, AuthConfigOptions, AuthConfigUpdate};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::Value;

use crate::convert::{non_empty, py_to_json, Json};
use crate::runtime::{awaitable, block};

type Call = Pin<Box<dyn Future<Output = composio::Result<Json>> + Send>>;

fn json(value: impl serde::Serialize) -> Json {
    Json(serde_json::to_value(value).unwrap_or(Value::Null))
}

fn parse<T: serde::de::DeserializeOwned>(value: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let v = py_to_json(value, what)?;
    serde_json::from_value(v).map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

fn create(
    client: &composio::Composio,
    toolkit: &str,
    options: Option<&Bound<'_, PyAny>>,
) -> PyResult<Call> {
    non_empty(toolkit, "toolkit")?;
    let options: AuthConfigOptions = match options {
        Some(o) => parse(o, "options")?,
        None => AuthConfigOptions::managed(),
    };
    let (configs, toolkit) = (client.auth_configs(), toolkit.to_owned());
    Ok(Box::pin(async move {
        let created = configs.create(&toolkit, options).await?;
        Ok(json(created.auth_config))
    }))
}

fn list(
    client: &composio::Composio,
    toolkit_slug: Option<String>,
    is_composio_managed: Option<bool>,
    show_disabled: bool,
    limit: Option<u64>,
    cursor: Option<String>,
) -> Call {
    let mut params = AuthConfigListParams::default();
    params.toolkit_slug = toolkit_slug;
    params.is_composio_managed = is_composio_managed;
    params.show_disabled = show_disabled;
    params.limit = limit;
    params.cursor = cursor;
    let configs = client.auth_configs();
    Box::pin(async move { Ok(json(configs.list(&params).await?)) })
}

fn by_id(client: &composio::Composio, nanoid: &str, op: &'static str) -> PyResult<Call> {
    non_empty(nanoid, "nanoid")?;
    let (configs, id) = (client.auth_configs(), nanoid.to_owned());
    Ok(Box::pin(async move {
        match op {
            "get" => Ok(json(configs.get(&id).await?)),
            "delete" => Ok(json(configs.delete(&id).await?)),
            "enable" => Ok(json(configs.enable(&id).await?)),
            _ => Ok(json(configs.disable(&id).await?)),
        }
    }))
}

fn update(client: &composio::Composio, nanoid: &str, options: &Bound<'_, PyAny>) -> PyResult<Call> {
    non_empty(nanoid, "nanoid")?;
    let change: AuthConfigUpdate = parse(options, "options")?;
    let (configs, id) = (client.auth_configs(), nanoid.to_owned());
    Ok(Box::pin(async move {
        Ok(json(configs.update(&id, change).await?))
    }))
}

/// ``composio.auth_configs`` (blocking API).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AuthConfigs {
    pub(crate) inner: composio::Composio,
}

#[pymethods]
impl AuthConfigs {
    /// Creates an auth config of ``toolkit``: ``options`` as the official SDK takes them,
    /// e.g. ``{"type": "use_custom_auth", "auth_scheme": "OAUTH2", "credentials":
    /// {"client_id": ..., "client_secret": ...}}`` (default: the server's app). Returns
    /// ``{"id", "auth_scheme", "is_composio_managed", ...}``.
    #[pyo3(signature = (toolkit, options=None))]
    fn create(
        &self,
        py: Python<'_>,
        toolkit: &str,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Json> {
        block(py, create(&self.inner, toolkit, options)?)
    }

    /// One page of auth configs: ``{"items": [...], "next_cursor", ...}``.
    #[pyo3(signature = (*, toolkit_slug=None, is_composio_managed=None, show_disabled=false, limit=None, cursor=None))]
    fn list(
        &self,
        py: Python<'_>,
        toolkit_slug: Option<String>,
        is_composio_managed: Option<bool>,
        show_disabled: bool,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> PyResult<Json> {
        let call = list(
            &self.inner,
            toolkit_slug,
            is_composio_managed,
            show_disabled,
            limit,
            cursor,
        );
        block(py, call)
    }

    /// One auth config (the client secret masked). Raises ``NotFoundError``.
    fn get(&self, py: Python<'_>, nanoid: &str) -> PyResult<Json> {
        block(py, by_id(&self.inner, nanoid, "get")?)
    }

    /// Changes an auth config: ``options={"type": "custom", "name": ..., "credentials":
    /// {...}}`` or ``{"type": "default", "scopes": [...]}``. Returns ``{"success", "message"}``.
    #[pyo3(signature = (nanoid, *, options))]
    fn update(&self, py: Python<'_>, nanoid: &str, options: &Bound<'_, PyAny>) -> PyResult<Json> {
        block(py, update(&self.inner, nanoid, options)?)
    }

    /// Deletes an auth config; ``ConflictError`` while connected accounts use it.
    fn delete(&self, py: Python<'_>, nanoid: &str) -> PyResult<Json> {
        block(py, by_id(&self.inner, nanoid, "delete")?)
    }

    /// Lets new connections use it.
    fn enable(&self, py: Python<'_>, nanoid: &str) -> PyResult<Json> {
        block(py, by_id(&self.inner, nanoid, "enable")?)
    }

    /// Refuses new connections with it.
    fn disable(&self, py: Python<'_>, nanoid: &str) -> PyResult<Json> {
        block(py, by_id(&self.inner, nanoid, "disable")?)
    }
}

/// ``composio.auth_configs`` (asyncio API): the same methods, returning awaitables.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AsyncAuthConfigs {
    pub(crate) inner: composio::Composio,
}

#[pymethods]
impl AsyncAuthConfigs {
    /// See ``AuthConfigs.create``.
    #[pyo3(signature = (toolkit, options=None))]
    fn create<'py>(
        &self,
        py: Python<'py>,
        toolkit: &str,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, create(&self.inner, toolkit, options)?)
    }

    /// See ``AuthConfigs.list``.
    #[pyo3(signature = (*, toolkit_slug=None, is_composio_managed=None, show_disabled=false, limit=None, cursor=None))]
    fn list<'py>(
        &self,
        py: Python<'py>,
        toolkit_slug: Option<String>,
        is_composio_managed: Option<bool>,
        show_disabled: bool,
        limit: Option<u64>,
        cursor: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let call = list(
            &self.inner,
            toolkit_slug,
            is_composio_managed,
            show_disabled,
            limit,
            cursor,
        );
        awaitable(py, call)
    }

    /// See ``AuthConfigs.get``.
    fn get<'py>(&self, py: Python<'py>, nanoid: &str) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, by_id(&self.inner, nanoid, "get")?)
    }

    /// See ``AuthConfigs.update``.
    #[pyo3(signature = (nanoid, *, options))]
    fn update<'py>(
        &self,
        py: Python<'py>,
        nanoid: &str,
        options: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, update(&self.inner, nanoid, options)?)
    }

    /// See ``AuthConfigs.delete``.
    fn delete<'py>(&self, py: Python<'py>, nanoid: &str) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, by_id(&self.inner, nanoid, "delete")?)
    }

    /// See ``AuthConfigs.enable``.
    fn enable<'py>(&self, py: Python<'py>, nanoid: &str) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, by_id(&self.inner, nanoid, "enable")?)
    }

    /// See ``AuthConfigs.disable``.
    fn disable<'py>(&self, py: Python<'py>, nanoid: &str) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, by_id(&self.inner, nanoid, "disable")?)
    }
}
