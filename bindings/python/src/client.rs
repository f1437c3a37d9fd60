//! `Composio` / `AsyncComposio` and their `connected_accounts` namespaces.

use std::time::Duration;

use composio::{ConnectedAccountsQuery, ConnectionStatus, OrderBy, OrderDirection};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::account_admin::{CompletedAuth, ConnectedAccountRevoke, ConnectedAccountUpdate};
use crate::convert::{self, non_empty, session_options};
use crate::errors::to_pyerr;
use crate::models::{ConnectedAccount, ConnectedAccountsPage};
use crate::runtime::{awaitable, block};
use crate::session::{AsyncConnectionRequest, AsyncSession, ConnectionRequest, Session};

/// The `x-source` header of this binding.
const SOURCE: &str = "PYTHON_SDK_RS";

/// Validates a number of seconds given as a float.
pub(crate) fn secs(value: f64, what: &str) -> PyResult<Duration> {
    if !value.is_finite() || value < 0.0 {
        return Err(PyValueError::new_err(format!(
            "{what} must be a finite number of seconds >= 0, got {value}"
        )));
    }
    Duration::try_from_secs_f64(value)
        .map_err(|_| PyValueError::new_err(format!("{what} is too large: {value}")))
}

/// Builds the SDK client from the constructor arguments (both classes share it).
///
/// The environment is read by the SDK (`ComposioBuilder::with_env`: `COMPOSIO_API_KEY`,
/// `COMPOSIO_BASE_URL`, `COMPOSIO_ALLOW_INSECURE_HTTP`), exactly as `Composio::from_env` in
/// Rust; the arguments given here win over it.
fn build_client(
    py: Python<'_>,
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: f64,
    max_retries: i64,
) -> PyResult<composio::Composio> {
    let timeout = secs(timeout, "timeout")?;
    if timeout.is_zero() {
        return Err(PyValueError::new_err("timeout must be > 0 seconds"));
    }
    let max_retries = u32::try_from(max_retries).map_err(|_| {
        PyValueError::new_err(format!("max_retries must be >= 0, got {max_retries}"))
    })?;
    let mut builder = composio::Composio::builder()
        .with_env()
        .source(SOURCE)
        .timeout(timeout)
        .max_retries(max_retries);
    if let Some(key) = api_key {
        non_empty(&key, "api_key")?;
        builder = builder.api_key(key);
    }
    if !builder.has_api_key() {
        return Err(to_pyerr(
            py,
            composio::Error::Configuration(
                "no API key: pass Composio(api_key=...) or set COMPOSIO_API_KEY".to_owned(),
            ),
        ));
    }
    if let Some(url) = base_url {
        builder = builder.base_url(url.trim());
    }
    builder.build().map_err(|e| to_pyerr(py, e))
}

fn repr(kind: &str, client: &composio::Composio) -> String {
    // Never show the API key.
    format!(
        "{kind}(base_url={})",
        crate::models::repr_str(client.base_url())
    )
}

/// The Composio client (blocking API). Every call releases the GIL while it waits on the
/// network, and can be interrupted with Ctrl-C.
///
/// ``Composio(api_key=None, base_url=None, timeout=60.0, max_retries=2)``: the key defaults
/// to ``COMPOSIO_API_KEY``, the base URL to ``COMPOSIO_BASE_URL`` (else
/// ``https://backend.composio.dev``); ``timeout`` is per HTTP request, in seconds.
/// ``COMPOSIO_ALLOW_INSECURE_HTTP=1`` allows plain ``http://`` to a host other than loopback.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct Composio {
    inner: composio::Composio,
}

#[pymethods]
impl Composio {
    #[new]
    #[pyo3(signature = (api_key=None, base_url=None, timeout=60.0, max_retries=2))]
    fn new(
        py: Python<'_>,
        api_key: Option<String>,
        base_url: Option<String>,
        timeout: f64,
        max_retries: i64,
    ) -> PyResult<Self> {
        Ok(Self {
            inner: build_client(py, api_key, base_url, timeout, max_retries)?,
        })
    }

    /// Creates a session for ``user_id``.
    ///
    /// ``manage_connections``: ``True`` (default: the agent may ask the user to connect in
    /// chat), ``False`` (you connect users yourself with ``session.authorize``), or
    /// ``{"enable": bool, "callback_url": str, "wait_for_connections": bool}``.
    /// ``toolkits``: a list of slugs to enable, or ``{"enable": [...]}`` / ``{"disable": [...]}``.
    /// ``auth_configs``: ``{toolkit: "ac_..."}``. ``connected_accounts``:
    /// ``{toolkit: "ca_..." | ["ca_...", ...]}``. ``tags``: tool tags to enable.
    #[pyo3(
        signature = (user_id, manage_connections=None, toolkits=None, auth_configs=None, connected_accounts=None, tags=None, multi_account=None),
        text_signature = "(self, user_id, manage_connections=True, toolkits=None, auth_configs=None, connected_accounts=None, tags=None, multi_account=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn create(
        &self,
        py: Python<'_>,
        user_id: &str,
        manage_connections: Option<&Bound<'_, PyAny>>,
        toolkits: Option<&Bound<'_, PyAny>>,
        auth_configs: Option<&Bound<'_, PyAny>>,
        connected_accounts: Option<&Bound<'_, PyAny>>,
        tags: Option<&Bound<'_, PyAny>>,
        multi_account: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Session> {
        non_empty(user_id, "user_id")?;
        let options = session_options(
            manage_connections,
            toolkits,
            auth_configs,
            connected_accounts,
            tags,
            multi_account,
        )?;
        let client = self.inner.clone();
        let user_id = user_id.to_owned();
        let session = block(py, async move { client.create(&user_id, options).await })?;
        Ok(Session::new(session))
    }

    /// Loads an existing session by id (``trs_...``) to reuse it: the same as
    /// ``use_session``, under the official SDK's name.
    #[pyo3(name = "use")]
    fn use_(&self, py: Python<'_>, session_id: &str) -> PyResult<Session> {
        self.use_session(py, session_id)
    }

    /// Loads an existing session by id (``trs_...``).
    fn use_session(&self, py: Python<'_>, session_id: &str) -> PyResult<Session> {
        non_empty(session_id, "session_id")?;
        let client = self.inner.clone();
        let id = session_id.to_owned();
        let session = block(py, async move { client.use_session(&id).await })?;
        Ok(Session::new(session))
    }

    /// Waits until connected account ``connected_account_id`` is ACTIVE (see
    /// ``ConnectionRequest.wait_for_connection``).
    #[pyo3(signature = (connected_account_id, timeout=60.0))]
    fn wait_for_connection(
        &self,
        py: Python<'_>,
        connected_account_id: &str,
        timeout: f64,
    ) -> PyResult<ConnectedAccount> {
        non_empty(connected_account_id, "connected_account_id")?;
        let timeout = secs(timeout, "timeout")?;
        let client = self.inner.clone();
        let id = connected_account_id.to_owned();
        let inner = block(
            py,
            async move { client.wait_for_connection(&id, timeout).await },
        )?;
        Ok(ConnectedAccount { inner })
    }

    /// The auth configs of your project (the OAuth apps connections are made with).
    #[getter]
    fn auth_configs(&self) -> crate::auth_configs::AuthConfigs {
        crate::auth_configs::AuthConfigs {
            inner: self.inner.clone(),
        }
    }

    /// The connected accounts of your project.
    #[getter]
    fn connected_accounts(&self) -> ConnectedAccounts {
        ConnectedAccounts {
            inner: self.inner.clone(),
        }
    }

    /// The toolkits of the catalog (``get``, ``list``).
    #[getter]
    fn toolkits(&self) -> crate::catalog::Toolkits {
        crate::catalog::Toolkits {
            inner: self.inner.clone(),
        }
    }

    /// The tools of the catalog (``get``, ``get_raw_composio_tool_by_slug``).
    #[getter]
    fn tools(&self) -> crate::catalog::Tools {
        crate::catalog::Tools {
            inner: self.inner.clone(),
        }
    }

    /// The project's webhook subscription (``composio.webhooks.subscriptions``).
    #[getter]
    fn webhooks(&self) -> crate::webhooks::Webhooks {
        crate::webhooks::Webhooks {
            inner: self.inner.clone(),
        }
    }

    /// Webhook verification (``composio.triggers.verify_webhook``).
    #[getter]
    fn triggers(&self) -> crate::webhook_verify::Triggers {
        crate::webhook_verify::Triggers
    }

    /// The API origin this client calls.
    #[getter]
    fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    fn __repr__(&self) -> String {
        repr("Composio", &self.inner)
    }
}

/// The Composio client (asyncio API): the same methods as ``Composio``, returning
/// awaitables. All clients share one Rust runtime.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AsyncComposio {
    inner: composio::Composio,
}

#[pymethods]
impl AsyncComposio {
    #[new]
    #[pyo3(signature = (api_key=None, base_url=None, timeout=60.0, max_retries=2))]
    fn new(
        py: Python<'_>,
        api_key: Option<String>,
        base_url: Option<String>,
        timeout: f64,
        max_retries: i64,
    ) -> PyResult<Self> {
        Ok(Self {
            inner: build_client(py, api_key, base_url, timeout, max_retries)?,
        })
    }

    /// Creates a session for ``user_id`` (see ``Composio.create``). Returns an awaitable of
    /// ``AsyncSession``.
    #[pyo3(
        signature = (user_id, manage_connections=None, toolkits=None, auth_configs=None, connected_accounts=None, tags=None, multi_account=None),
        text_signature = "(self, user_id, manage_connections=True, toolkits=None, auth_configs=None, connected_accounts=None, tags=None, multi_account=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn create<'py>(
        &self,
        py: Python<'py>,
        user_id: &str,
        manage_connections: Option<&Bound<'py, PyAny>>,
        toolkits: Option<&Bound<'py, PyAny>>,
        auth_configs: Option<&Bound<'py, PyAny>>,
        connected_accounts: Option<&Bound<'py, PyAny>>,
        tags: Option<&Bound<'py, PyAny>>,
        multi_account: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        non_empty(user_id, "user_id")?;
        let options = session_options(
            manage_connections,
            toolkits,
            auth_configs,
            connected_accounts,
            tags,
            multi_account,
        )?;
        let client = self.inner.clone();
        let user_id = user_id.to_owned();
        awaitable(py, async move {
            client
                .create(&user_id, options)
                .await
                .map(AsyncSession::new)
        })
    }

    /// Loads an existing session by id to reuse it (``use_session`` under the official SDK's
    /// name). Returns an awaitable of ``AsyncSession``.
    #[pyo3(name = "use")]
    fn use_<'py>(&self, py: Python<'py>, session_id: &str) -> PyResult<Bound<'py, PyAny>> {
        self.use_session(py, session_id)
    }

    /// Loads an existing session by id. Returns an awaitable of ``AsyncSession``.
    fn use_session<'py>(&self, py: Python<'py>, session_id: &str) -> PyResult<Bound<'py, PyAny>> {
        non_empty(session_id, "session_id")?;
        let client = self.inner.clone();
        let id = session_id.to_owned();
        awaitable(py, async move {
            client.use_session(&id).await.map(AsyncSession::new)
        })
    }

    /// Waits until connected account ``connected_account_id`` is ACTIVE. Returns an awaitable
    /// of ``ConnectedAccount``.
    #[pyo3(signature = (connected_account_id, timeout=60.0))]
    fn wait_for_connection<'py>(
        &self,
        py: Python<'py>,
        connected_account_id: &str,
        timeout: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        non_empty(connected_account_id, "connected_account_id")?;
        let timeout = secs(timeout, "timeout")?;
        let client = self.inner.clone();
        let id = connected_account_id.to_owned();
        awaitable(py, async move {
            client
                .wait_for_connection(&id, timeout)
                .await
                .map(|inner| ConnectedAccount { inner })
        })
    }

    /// The auth configs of your project (see ``Composio.auth_configs``).
    #[getter]
    fn auth_configs(&self) -> crate::auth_configs::AsyncAuthConfigs {
        crate::auth_configs::AsyncAuthConfigs {
            inner: self.inner.clone(),
        }
    }

    /// The connected accounts of your project (asyncio API).
    #[getter]
    fn connected_accounts(&self) -> AsyncConnectedAccounts {
        AsyncConnectedAccounts {
            inner: self.inner.clone(),
        }
    }

    /// The toolkits of the catalog (see ``Composio.toolkits``).
    #[getter]
    fn toolkits(&self) -> crate::catalog::AsyncToolkits {
        crate::catalog::AsyncToolkits {
            inner: self.inner.clone(),
        }
    }

    /// The tools of the catalog (see ``Composio.tools``).
    #[getter]
    fn tools(&self) -> crate::catalog::AsyncTools {
        crate::catalog::AsyncTools {
            inner: self.inner.clone(),
        }
    }

    /// The project's webhook subscription; its methods return awaitables.
    #[getter]
    fn webhooks(&self) -> crate::webhooks::AsyncWebhooks {
        crate::webhooks::AsyncWebhooks {
            inner: self.inner.clone(),
        }
    }

    /// Webhook verification (``verify_webhook`` is synchronous: it does no I/O).
    #[getter]
    fn triggers(&self) -> crate::webhook_verify::Triggers {
        crate::webhook_verify::Triggers
    }

    /// The API origin this client calls.
    #[getter]
    fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    fn __repr__(&self) -> String {
        repr("AsyncComposio", &self.inner)
    }
}

/// Builds the list query from keyword arguments.
#[allow(clippy::too_many_arguments)]
fn accounts_query(
    toolkit_slugs: Option<&Bound<'_, PyAny>>,
    statuses: Option<&Bound<'_, PyAny>>,
    user_ids: Option<&Bound<'_, PyAny>>,
    auth_config_ids: Option<&Bound<'_, PyAny>>,
    connected_account_ids: Option<&Bound<'_, PyAny>>,
    cursor: Option<String>,
    limit: Option<i64>,
    order_by: Option<&str>,
    order_direction: Option<&str>,
) -> PyResult<ConnectedAccountsQuery> {
    let list = |v: Option<&Bound<'_, PyAny>>, what: &str| -> PyResult<Vec<String>> {
        match v.filter(|v| !v.is_none()) {
            Some(v) => convert::str_list(v, what),
            None => Ok(Vec::new()),
        }
    };
    let mut q = ConnectedAccountsQuery::new()
        .toolkit_slugs(list(toolkit_slugs, "toolkit_slugs")?)
        .user_ids(list(user_ids, "user_ids")?)
        .auth_config_ids(list(auth_config_ids, "auth_config_ids")?)
        .connected_account_ids(list(connected_account_ids, "connected_account_ids")?)
        .statuses(
            list(statuses, "statuses")?
                .iter()
                .map(|s| ConnectionStatus::parse(&s.to_ascii_uppercase())),
        );
    if let Some(c) = cursor {
        q = q.cursor(c);
    }
    if let Some(l) = limit {
        let l = u32::try_from(l)
            .ok()
            .filter(|l| *l > 0)
            .ok_or_else(|| PyValueError::new_err(format!("limit must be >= 1, got {l}")))?;
        q = q.limit(l);
    }
    if order_by.is_some() || order_direction.is_some() {
        let by = match order_by.unwrap_or("created_at") {
            "created_at" => OrderBy::CreatedAt,
            "updated_at" => OrderBy::UpdatedAt,
            other => {
                return Err(PyValueError::new_err(format!(
                    "order_by must be \"created_at\" or \"updated_at\", not {other:?}"
                )))
            }
        };
        let dir = match order_direction.unwrap_or("desc") {
            "asc" => OrderDirection::Asc,
            "desc" => OrderDirection::Desc,
            other => {
                return Err(PyValueError::new_err(format!(
                    "order_direction must be \"asc\" or \"desc\", not {other:?}"
                )))
            }
        };
        q = q.order(by, dir);
    }
    Ok(q)
}

fn check_id(id: &str) -> PyResult<String> {
    non_empty(id, "connected_account_id")?;
    Ok(id.to_owned())
}

fn link_args(auth_config_id: &str, user_id: &str, callback_url: Option<&str>) -> PyResult<()> {
    non_empty(auth_config_id, "auth_config_id")?;
    non_empty(user_id, "user_id")?;
    convert::callback_url(callback_url)
}

/// The SDK's link options from the keyword arguments of ``link``.
fn link_options(
    callback_url: Option<&str>,
    alias: Option<&str>,
    allow_multiple: bool,
) -> composio::LinkOptions {
    let mut options = composio::LinkOptions::new().allow_multiple(allow_multiple);
    if let Some(cb) = callback_url {
        options = options.callback_url(cb);
    }
    if let Some(alias) = alias {
        options = options.alias(alias);
    }
    options
}

/// Checks ``update``'s arguments and builds the request: ``alias`` is required (``""``
/// clears the alias).
fn update_request(
    connected_account_id: &str,
    alias: Option<&str>,
) -> PyResult<(String, composio::UpdateAccountRequest)> {
    let id = check_id(connected_account_id)?;
    match alias {
        Some(alias) => Ok((id, composio::UpdateAccountRequest::alias(alias))),
        None => Err(PyValueError::new_err(
            "update() needs something to change: pass alias= (\"\" clears the alias)",
        )),
    }
}

/// ``composio.connected_accounts``: get, list, delete, enable, disable and link connected
/// accounts (blocking API).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ConnectedAccounts {
    inner: composio::Composio,
}

#[pymethods]
impl ConnectedAccounts {
    /// One connected account by id. Raises ``NotFoundError`` when it does not exist.
    fn get(&self, py: Python<'_>, connected_account_id: &str) -> PyResult<ConnectedAccount> {
        let id = check_id(connected_account_id)?;
        let accounts = self.inner.connected_accounts();
        let inner = block(py, async move { accounts.get(&id).await })?;
        Ok(ConnectedAccount { inner })
    }

    /// One page of connected accounts matching the filters (lists of str). ``statuses``
    /// such as ``["ACTIVE"]``; ``order_by`` ``"created_at"|"updated_at"``;
    /// ``order_direction`` ``"asc"|"desc"``.
    #[pyo3(signature = (*, toolkit_slugs=None, statuses=None, user_ids=None, auth_config_ids=None, connected_account_ids=None, cursor=None, limit=None, order_by=None, order_direction=None))]
    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        py: Python<'_>,
        toolkit_slugs: Option<&Bound<'_, PyAny>>,
        statuses: Option<&Bound<'_, PyAny>>,
        user_ids: Option<&Bound<'_, PyAny>>,
        auth_config_ids: Option<&Bound<'_, PyAny>>,
        connected_account_ids: Option<&Bound<'_, PyAny>>,
        cursor: Option<String>,
        limit: Option<i64>,
        order_by: Option<&str>,
        order_direction: Option<&str>,
    ) -> PyResult<ConnectedAccountsPage> {
        let query = accounts_query(
            toolkit_slugs,
            statuses,
            user_ids,
            auth_config_ids,
            connected_account_ids,
            cursor,
            limit,
            order_by,
            order_direction,
        )?;
        let accounts = self.inner.connected_accounts();
        let inner = block(py, async move { accounts.list(query).await })?;
        Ok(ConnectedAccountsPage { inner })
    }

    /// Deletes a connected account.
    fn delete(&self, py: Python<'_>, connected_account_id: &str) -> PyResult<()> {
        let id = check_id(connected_account_id)?;
        let accounts = self.inner.connected_accounts();
        block(py, async move { accounts.delete(&id).await })
    }

    /// Enables a disabled account (INACTIVE becomes ACTIVE).
    fn enable(&self, py: Python<'_>, connected_account_id: &str) -> PyResult<()> {
        let id = check_id(connected_account_id)?;
        let accounts = self.inner.connected_accounts();
        block(py, async move { accounts.enable(&id).await })
    }

    /// Disables an account (it becomes INACTIVE).
    fn disable(&self, py: Python<'_>, connected_account_id: &str) -> PyResult<()> {
        let id = check_id(connected_account_id)?;
        let accounts = self.inner.connected_accounts();
        block(py, async move { accounts.disable(&id).await })
    }

    /// Creates a Connect Link for an auth config and a user, without a session. ``alias``
    /// names the new account. Unless ``allow_multiple`` is true, raises
    /// ``ComposioMultipleConnectedAccountsError`` (creating no link) when the user already
    /// has an ACTIVE account for the auth config, as the official SDK does.
    #[pyo3(signature = (auth_config_id, user_id, callback_url=None, *, alias=None, allow_multiple=false))]
    fn link(
        &self,
        py: Python<'_>,
        auth_config_id: &str,
        user_id: &str,
        callback_url: Option<&str>,
        alias: Option<&str>,
        allow_multiple: bool,
    ) -> PyResult<ConnectionRequest> {
        link_args(auth_config_id, user_id, callback_url)?;
        let accounts = self.inner.connected_accounts();
        let (ac, user) = (auth_config_id.to_owned(), user_id.to_owned());
        let options = link_options(callback_url, alias, allow_multiple);
        let inner = block(
            py,
            async move { accounts.link_with(&ac, &user, options).await },
        )?;
        Ok(ConnectionRequest::new(inner))
    }

    /// Renames a connected account: ``alias=""`` clears its alias. An alias another account
    /// of the same user and toolkit has (compared without case) raises ``ConflictError``.
    #[pyo3(signature = (connected_account_id, *, alias=None))]
    fn update(
        &self,
        py: Python<'_>,
        connected_account_id: &str,
        alias: Option<&str>,
    ) -> PyResult<ConnectedAccountUpdate> {
        let (id, request) = update_request(connected_account_id, alias)?;
        let accounts = self.inner.connected_accounts();
        let inner = block(py, async move { accounts.update(&id, request).await })?;
        Ok(ConnectedAccountUpdate { inner })
    }

    /// Revokes an ACTIVE account's tokens at its provider and marks it REVOKED. Revoking a
    /// REVOKED account again succeeds with no tokens listed; a toolkit whose provider cannot
    /// revoke raises ``BadRequestError``, an account in another status ``ConflictError``.
    fn revoke(
        &self,
        py: Python<'_>,
        connected_account_id: &str,
    ) -> PyResult<ConnectedAccountRevoke> {
        let id = check_id(connected_account_id)?;
        let accounts = self.inner.connected_accounts();
        let inner = block(py, async move { accounts.revoke(&id).await })?;
        Ok(ConnectedAccountRevoke { inner })
    }

    /// Completes a connection of a project with callback identity verification: redeems the
    /// single-use ``session_uri`` the verifier URL received, for the signed-in ``user_id``.
    #[pyo3(signature = (*, user_id, session_uri))]
    fn complete_auth(
        &self,
        py: Python<'_>,
        user_id: String,
        session_uri: String,
    ) -> PyResult<CompletedAuth> {
        let accounts = self.inner.connected_accounts();
        let inner = block(py, async move {
            accounts.complete_auth(&user_id, &session_uri).await
        })?;
        Ok(CompletedAuth { inner })
    }

    fn __repr__(&self) -> String {
        "ConnectedAccounts()".to_owned()
    }
}

/// ``async_composio.connected_accounts``: like ``ConnectedAccounts``, returning awaitables.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AsyncConnectedAccounts {
    inner: composio::Composio,
}

#[pymethods]
impl AsyncConnectedAccounts {
    /// One connected account by id. Awaitable of ``ConnectedAccount``.
    fn get<'py>(&self, py: Python<'py>, connected_account_id: &str) -> PyResult<Bound<'py, PyAny>> {
        let id = check_id(connected_account_id)?;
        let accounts = self.inner.connected_accounts();
        awaitable(py, async move {
            accounts
                .get(&id)
                .await
                .map(|inner| ConnectedAccount { inner })
        })
    }

    /// One page of connected accounts. Awaitable of ``ConnectedAccountsPage``.
    #[pyo3(signature = (*, toolkit_slugs=None, statuses=None, user_ids=None, auth_config_ids=None, connected_account_ids=None, cursor=None, limit=None, order_by=None, order_direction=None))]
    #[allow(clippy::too_many_arguments)]
    fn list<'py>(
        &self,
        py: Python<'py>,
        toolkit_slugs: Option<&Bound<'py, PyAny>>,
        statuses: Option<&Bound<'py, PyAny>>,
        user_ids: Option<&Bound<'py, PyAny>>,
        auth_config_ids: Option<&Bound<'py, PyAny>>,
        connected_account_ids: Option<&Bound<'py, PyAny>>,
        cursor: Option<String>,
        limit: Option<i64>,
        order_by: Option<&str>,
        order_direction: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let query = accounts_query(
            toolkit_slugs,
            statuses,
            user_ids,
            auth_config_ids,
            connected_account_ids,
            cursor,
            limit,
            order_by,
            order_direction,
        )?;
        let accounts = self.inner.connected_accounts();
        awaitable(py, async move {
            accounts
                .list(query)
                .await
                .map(|inner| ConnectedAccountsPage { inner })
        })
    }

    /// Deletes a connected account. Awaitable of None.
    fn delete<'py>(
        &self,
        py: Python<'py>,
        connected_account_id: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = check_id(connected_account_id)?;
        let accounts = self.inner.connected_accounts();
        awaitable(py, async move { accounts.delete(&id).await })
    }

    /// Enables a disabled account. Awaitable of None.
    fn enable<'py>(
        &self,
        py: Python<'py>,
        connected_account_id: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = check_id(connected_account_id)?;
        let accounts = self.inner.connected_accounts();
        awaitable(py, async move { accounts.enable(&id).await })
    }

    /// Disables an account. Awaitable of None.
    fn disable<'py>(
        &self,
        py: Python<'py>,
        connected_account_id: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = check_id(connected_account_id)?;
        let accounts = self.inner.connected_accounts();
        awaitable(py, async move { accounts.disable(&id).await })
    }

    /// Creates a Connect Link for an auth config and a user. Awaitable of
    /// ``AsyncConnectionRequest``; ``alias`` and ``allow_multiple`` as in
    /// ``ConnectedAccounts.link``.
    #[pyo3(signature = (auth_config_id, user_id, callback_url=None, *, alias=None, allow_multiple=false))]
    fn link<'py>(
        &self,
        py: Python<'py>,
        auth_config_id: &str,
        user_id: &str,
        callback_url: Option<&str>,
        alias: Option<&str>,
        allow_multiple: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        link_args(auth_config_id, user_id, callback_url)?;
        let accounts = self.inner.connected_accounts();
        let (ac, user) = (auth_config_id.to_owned(), user_id.to_owned());
        let options = link_options(callback_url, alias, allow_multiple);
        awaitable(py, async move {
            accounts
                .link_with(&ac, &user, options)
                .await
                .map(AsyncConnectionRequest::new)
        })
    }

    /// Renames a connected account. Awaitable of ``ConnectedAccountUpdate``.
    #[pyo3(signature = (connected_account_id, *, alias=None))]
    fn update<'py>(
        &self,
        py: Python<'py>,
        connected_account_id: &str,
        alias: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (id, request) = update_request(connected_account_id, alias)?;
        let accounts = self.inner.connected_accounts();
        awaitable(py, async move {
            accounts
                .update(&id, request)
                .await
                .map(|inner| ConnectedAccountUpdate { inner })
        })
    }

    /// Revokes an account at its provider. Awaitable of ``ConnectedAccountRevoke``.
    fn revoke<'py>(
        &self,
        py: Python<'py>,
        connected_account_id: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = check_id(connected_account_id)?;
        let accounts = self.inner.connected_accounts();
        awaitable(py, async move {
            accounts
                .revoke(&id)
                .await
                .map(|inner| ConnectedAccountRevoke { inner })
        })
    }

    /// Completes a connection of a project with callback identity verification (see
    /// ``ConnectedAccounts.complete_auth``).
    #[pyo3(signature = (*, user_id, session_uri))]
    fn complete_auth<'py>(
        &self,
        py: Python<'py>,
        user_id: String,
        session_uri: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let accounts = self.inner.connected_accounts();
        awaitable(py, async move {
            accounts
                .complete_auth(&user_id, &session_uri)
                .await
                .map(|inner| CompletedAuth { inner })
        })
    }

    fn __repr__(&self) -> String {
        "AsyncConnectedAccounts()".to_owned()
    }
}
