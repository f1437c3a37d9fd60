//! Sessions, their MCP endpoint, and connection requests (sync and async twins).

use composio::ToolkitsQuery;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::client::secs;
use crate::convert::{self, non_empty, py_to_json, Json};
use crate::models::{execute_envelope, repr_str, ConnectedAccount, Tool, ToolkitsPage};
use crate::runtime::{awaitable, block};
use crate::session_config::{self, ConfigHistoryPage};

use std::sync::{Arc, Mutex, MutexGuard};

/// Locks a session's state; a panic while it was held cannot leave it half-written (it is
/// only ever replaced whole), so a poisoned lock is used as is.
fn lock(m: &Mutex<composio::Session>) -> MutexGuard<'_, composio::Session> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The MCP endpoint of a session: ``url``, ``type`` (``"http"``) and the ``headers`` an MCP
/// client must send (they contain your API key: do not log them).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct SessionMcp {
    session: composio::Session,
}

#[pymethods]
impl SessionMcp {
    /// ``<origin>/tool_router/<session_id>/mcp``.
    #[getter]
    fn url(&self) -> &str {
        self.session.mcp().url()
    }
    /// The MCP transport: ``"http"`` (Streamable HTTP).
    #[getter]
    fn r#type(&self) -> &str {
        self.session.mcp().kind()
    }
    /// ``{"x-api-key": <your API key>}``: the headers MCP clients must send.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (k, v) in self.session.mcp().headers() {
            dict.set_item(k, v)?;
        }
        Ok(dict)
    }
    fn __repr__(&self) -> String {
        format!(
            "SessionMcp(url={}, type={}, headers={{'x-api-key': '<redacted>'}})",
            repr_str(self.session.mcp().url()),
            repr_str(self.session.mcp().kind())
        )
    }
}

/// Validated arguments of ``toolkits(...)``.
fn toolkits_query(
    toolkits: Option<&Bound<'_, PyAny>>,
    next_cursor: Option<String>,
    limit: Option<i64>,
    is_connected: Option<bool>,
    search: Option<String>,
) -> PyResult<ToolkitsQuery> {
    let mut q = ToolkitsQuery::new();
    if let Some(t) = toolkits.filter(|t| !t.is_none()) {
        q = q.toolkits(convert::str_list(t, "toolkits")?);
    }
    if let Some(c) = next_cursor {
        q = q.cursor(c);
    }
    if let Some(l) = limit {
        let l = u32::try_from(l)
            .ok()
            .filter(|l| *l > 0)
            .ok_or_else(|| PyValueError::new_err(format!("limit must be >= 1, got {l}")))?;
        q = q.limit(l);
    }
    if let Some(c) = is_connected {
        q = q.is_connected(c);
    }
    if let Some(s) = search {
        q = q.search(s);
    }
    Ok(q)
}

fn authorize_args(toolkit: &str, callback_url: Option<&str>) -> PyResult<()> {
    non_empty(toolkit, "toolkit")?;
    convert::callback_url(callback_url)
}

fn execute_args(
    tool_slug: &str,
    arguments: Option<&Bound<'_, PyAny>>,
) -> PyResult<serde_json::Value> {
    non_empty(tool_slug, "tool_slug")?;
    match arguments.filter(|a| !a.is_none()) {
        None => Ok(serde_json::Value::Object(Default::default())),
        Some(a) => {
            if !a.is_instance_of::<PyDict>() {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "arguments must be a dict, not {}",
                    convert::type_name(a)
                )));
            }
            py_to_json(a, "arguments")
        }
    }
}

/// The SDK's authorize options from ``callback_url`` and ``alias``.
fn authorize_options(
    callback_url: Option<&str>,
    alias: Option<&str>,
) -> composio::AuthorizeOptions {
    let mut options = composio::AuthorizeOptions::new();
    if let Some(cb) = callback_url {
        options = options.callback_url(cb);
    }
    if let Some(alias) = alias {
        options = options.alias(alias);
    }
    options
}

/// The SDK's execute options from ``account``.
fn execute_options(account: Option<&str>) -> composio::ExecuteOptions {
    match account {
        Some(account) => composio::ExecuteOptions::new().account(account),
        None => composio::ExecuteOptions::new(),
    }
}

fn session_repr(kind: &str, s: &composio::Session) -> String {
    format!(
        "{kind}(session_id={}, user_id={}, mcp_url={})",
        repr_str(s.id().as_str()),
        repr_str(s.user_id()),
        repr_str(s.mcp().url())
    )
}

/// `#[pymethods] impl $ty { <shared session getters> $body }`: pymethods must see every
/// method, so the shared part is spliced in before the attribute expands.
macro_rules! session_pymethods {
    ($ty:ident { $($body:tt)* }) => {
        #[pymethods]
        impl $ty {
        /// The session id (``trs_...``).
        #[getter]
        fn session_id(&self) -> String {
            self.session().id().as_str().to_owned()
        }
        /// The user this session belongs to.
        #[getter]
        fn user_id(&self) -> String {
            self.session().user_id().to_owned()
        }
        /// The MCP endpoint (``mcp.url``, ``mcp.type``, ``mcp.headers``).
        #[getter]
        fn mcp(&self) -> SessionMcp {
            SessionMcp {
                session: self.session(),
            }
        }
        /// The meta tools of the session (``COMPOSIO_SEARCH_TOOLS``, ...).
        #[getter]
        fn tool_router_tools(&self) -> Vec<String> {
            self.session().tool_router_tools().to_vec()
        }
        /// The session's config as the server echoed it (a new dict on every access;
        /// refreshed by ``update()``).
        #[getter]
        fn config(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
            convert::json_to_py(
                py,
                &serde_json::to_value(self.session().config()).unwrap_or(serde_json::Value::Null),
            )
        }
        /// The config's version (1 at creation, bumped by every update); pass it as
        /// ``update(expected_config_version=...)`` for a conditional update.
        #[getter]
        fn config_version(&self) -> u64 {
            self.session().config_version()
        }
        /// The session as the server returned it (``session_id``, ``mcp``, ``config``, ...).
        fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
            convert::json_to_py(
                py,
                &serde_json::to_value(self.session().raw()).unwrap_or(serde_json::Value::Null),
            )
        }
        $($body)*
        }
    };
}

/// A tool-router session of one user (blocking API): authorize toolkits, inspect
/// connections, list and execute tools.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct Session {
    /// The session as last loaded or updated (`update()` replaces it).
    inner: Arc<Mutex<composio::Session>>,
}

impl Session {
    pub(crate) fn new(inner: composio::Session) -> Self {
        Self {
            inner: Arc::new(Mutex::new(inner)),
        }
    }

    /// The current state of the session.
    fn session(&self) -> composio::Session {
        lock(&self.inner).clone()
    }
}

session_pymethods!(Session {

    /// Creates a Connect Link for ``toolkit`` and returns a ``ConnectionRequest``: send the
    /// user to ``redirect_url``, then ``wait_for_connection()``. With ``callback_url`` the
    /// user lands there afterwards with ``status`` and ``connected_account_id`` appended
    /// (existing query parameters are kept). ``alias`` names the new account (unique per
    /// user and toolkit, compared without case; a taken alias raises ``ConflictError``).
    #[pyo3(signature = (toolkit, callback_url=None, *, alias=None))]
    fn authorize(
        &self,
        py: Python<'_>,
        toolkit: &str,
        callback_url: Option<&str>,
        alias: Option<&str>,
    ) -> PyResult<ConnectionRequest> {
        authorize_args(toolkit, callback_url)?;
        let session = self.session();
        let toolkit = toolkit.to_owned();
        let options = authorize_options(callback_url, alias);
        let inner = block(py, async move {
            session.authorize_with(&toolkit, options).await
        })?;
        Ok(ConnectionRequest::new(inner))
    }

    /// One page of the session's toolkits with the user's connections.
    #[pyo3(signature = (toolkits=None, next_cursor=None, limit=None, is_connected=None, search=None))]
    fn toolkits(
        &self,
        py: Python<'_>,
        toolkits: Option<&Bound<'_, PyAny>>,
        next_cursor: Option<String>,
        limit: Option<i64>,
        is_connected: Option<bool>,
        search: Option<String>,
    ) -> PyResult<ToolkitsPage> {
        let query = toolkits_query(toolkits, next_cursor, limit, is_connected, search)?;
        let session = self.session();
        let inner = block(py, async move { session.toolkits(query).await })?;
        Ok(ToolkitsPage { inner })
    }

    /// Finds the session's tools for a task: ``{"success", "results": [{"use_case",
    /// "primary_tool_slugs", "related_tool_slugs", "toolkits", ...}],
    /// "toolkit_connection_statuses": [...]}``.
    #[pyo3(signature = (*, query))]
    fn search(&self, py: Python<'_>, query: &str) -> PyResult<Json> {
        block(py, crate::catalog::search(self.session(), query)?)
    }

    /// Every tool of the session (all pages).
    fn tools(&self, py: Python<'_>) -> PyResult<Vec<Tool>> {
        let session = self.session();
        let tools = block(py, async move { session.tools().await })?;
        Ok(tools.into_iter().map(|inner| Tool { inner }).collect())
    }

    /// Executes a tool or meta tool; returns the envelope as a dict
    /// (``data``, ``error``, ``successful``, ``log_id``, ``result_type``). Never retried.
    /// ``account`` (an account id, word id or alias) picks which of the user's accounts of
    /// the tool's toolkit runs it; without it, the session's default account.
    #[pyo3(signature = (tool_slug, arguments=None, *, account=None))]
    fn execute(
        &self,
        py: Python<'_>,
        tool_slug: &str,
        arguments: Option<&Bound<'_, PyAny>>,
        account: Option<&str>,
    ) -> PyResult<Json> {
        let arguments = execute_args(tool_slug, arguments)?;
        let session = self.session();
        let slug = tool_slug.to_owned();
        let options = execute_options(account);
        let out = block(py, async move {
            session.execute_with(&slug, arguments, options).await
        })?;
        Ok(execute_envelope(out))
    }

    /// Partially updates the session's configuration; returns the new config (a dict) and
    /// refreshes ``config``, ``config_version`` and ``tool_router_tools``.
    ///
    /// Omitted arguments keep the stored value; ``None`` removes a stored override (the
    /// default applies). ``tools``, ``auth_configs`` and ``connected_accounts`` replace the
    /// stored maps; ``manage_connections`` and ``multi_account`` change only the keys
    /// given. With ``expected_config_version`` the update applies only if the config is
    /// still at that version, else ``SessionConfigConflictError`` is raised and nothing
    /// changes. Never retried.
    #[pyo3(signature = (**kwargs))]
    fn update(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Json> {
        let body = session_config::update_body(kwargs)?;
        let shared = self.inner.clone();
        let mut session = self.session();
        let config = block(py, async move {
            let (config, _) = session.update(body).await?;
            *lock(&shared) = session;
            Ok(config)
        })?;
        Ok(Json(serde_json::to_value(config).unwrap_or(serde_json::Value::Null)))
    }

    /// One page of the session's config history, newest first (the current config first,
    /// with ``is_current``). ``limit``: 1-100; ``cursor``: a page's ``next_cursor``.
    #[pyo3(signature = (limit=None, cursor=None))]
    fn list_config_history(
        &self,
        py: Python<'_>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> PyResult<ConfigHistoryPage> {
        let limit = session_config::history_limit(limit)?;
        let session = self.session();
        let inner = block(py, async move {
            session.config_history(limit, cursor.as_deref()).await
        })?;
        Ok(ConfigHistoryPage { inner })
    }

    /// Deletes the session.
    fn delete(&self, py: Python<'_>) -> PyResult<()> {
        let session = self.session();
        block(py, async move { session.delete().await })
    }

    fn __repr__(&self) -> String {
        session_repr("Session", &self.session())
    }
});

/// A tool-router session of one user (asyncio API): the methods of ``Session`` returning
/// awaitables.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AsyncSession {
    /// The session as last loaded or updated (`update()` replaces it).
    inner: Arc<Mutex<composio::Session>>,
}

impl AsyncSession {
    pub(crate) fn new(inner: composio::Session) -> Self {
        Self {
            inner: Arc::new(Mutex::new(inner)),
        }
    }

    /// The current state of the session.
    fn session(&self) -> composio::Session {
        lock(&self.inner).clone()
    }
}

session_pymethods!(AsyncSession {

    /// Creates a Connect Link for ``toolkit`` (``alias`` names the new account). Awaitable
    /// of ``AsyncConnectionRequest``.
    #[pyo3(signature = (toolkit, callback_url=None, *, alias=None))]
    fn authorize<'py>(
        &self,
        py: Python<'py>,
        toolkit: &str,
        callback_url: Option<&str>,
        alias: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        authorize_args(toolkit, callback_url)?;
        let session = self.session();
        let toolkit = toolkit.to_owned();
        let options = authorize_options(callback_url, alias);
        awaitable(py, async move {
            session
                .authorize_with(&toolkit, options)
                .await
                .map(AsyncConnectionRequest::new)
        })
    }

    /// One page of the session's toolkits. Awaitable of ``ToolkitsPage``.
    #[pyo3(signature = (toolkits=None, next_cursor=None, limit=None, is_connected=None, search=None))]
    fn toolkits<'py>(
        &self,
        py: Python<'py>,
        toolkits: Option<&Bound<'py, PyAny>>,
        next_cursor: Option<String>,
        limit: Option<i64>,
        is_connected: Option<bool>,
        search: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let query = toolkits_query(toolkits, next_cursor, limit, is_connected, search)?;
        let session = self.session();
        awaitable(py, async move {
            session.toolkits(query).await.map(|inner| ToolkitsPage { inner })
        })
    }

    /// See ``Session.search``. Awaitable of the dict.
    #[pyo3(signature = (*, query))]
    fn search<'py>(&self, py: Python<'py>, query: &str) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, crate::catalog::search(self.session(), query)?)
    }

    /// Every tool of the session. Awaitable of ``list[Tool]``.
    fn tools<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let session = self.session();
        awaitable(py, async move {
            session
                .tools()
                .await
                .map(|tools| tools.into_iter().map(|inner| Tool { inner }).collect::<Vec<_>>())
        })
    }

    /// Executes a tool or meta tool (``account`` as in ``Session.execute``). Awaitable of the
    /// envelope dict.
    #[pyo3(signature = (tool_slug, arguments=None, *, account=None))]
    fn execute<'py>(
        &self,
        py: Python<'py>,
        tool_slug: &str,
        arguments: Option<&Bound<'py, PyAny>>,
        account: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let arguments = execute_args(tool_slug, arguments)?;
        let session = self.session();
        let slug = tool_slug.to_owned();
        let options = execute_options(account);
        awaitable(py, async move {
            session
                .execute_with(&slug, arguments, options)
                .await
                .map(execute_envelope)
        })
    }

    /// Partially updates the session's configuration (see ``Session.update``). Awaitable of
    /// the new config (a dict).
    #[pyo3(signature = (**kwargs))]
    fn update<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let body = session_config::update_body(kwargs)?;
        let shared = self.inner.clone();
        let mut session = self.session();
        awaitable(py, async move {
            let (config, _) = session.update(body).await?;
            *lock(&shared) = session;
            Ok(Json(serde_json::to_value(config).unwrap_or(serde_json::Value::Null)))
        })
    }

    /// One page of the session's config history (see ``Session.list_config_history``).
    /// Awaitable of ``ConfigHistoryPage``.
    #[pyo3(signature = (limit=None, cursor=None))]
    fn list_config_history<'py>(
        &self,
        py: Python<'py>,
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let limit = session_config::history_limit(limit)?;
        let session = self.session();
        awaitable(py, async move {
            session
                .config_history(limit, cursor.as_deref())
                .await
                .map(|inner| ConfigHistoryPage { inner })
        })
    }

    /// Deletes the session. Awaitable of None.
    fn delete<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let session = self.session();
        awaitable(py, async move { session.delete().await })
    }

    fn __repr__(&self) -> String {
        session_repr("AsyncSession", &self.session())
    }
});

/// Like `session_pymethods!`, for the two connection request classes.
macro_rules! request_pymethods {
    ($ty:ident { $($body:tt)* }) => {
        #[pymethods]
        impl $ty {
        /// The new connected account's id (``ca_...``).
        #[getter]
        fn id(&self) -> &str {
            self.inner.id().as_str()
        }
        /// The status when the link was made: ``"INITIATED"``.
        #[getter]
        fn status(&self) -> &str {
            self.inner.status().as_str()
        }
        /// The Connect Link to send the user to.
        #[getter]
        fn redirect_url(&self) -> &str {
            self.inner.redirect_url()
        }
        /// The link token (``lk_...``), or None.
        #[getter]
        fn link_token(&self) -> Option<&str> {
            self.inner.link_token()
        }
        /// When the link expires (ISO 8601), or None.
        #[getter]
        fn expires_at(&self) -> Option<&str> {
            self.inner.expires_at()
        }
        $($body)*
        }
    };
}

fn request_repr(kind: &str, r: &composio::ConnectionRequest) -> String {
    format!(
        "{kind}(id={}, status={}, redirect_url={})",
        repr_str(r.id().as_str()),
        repr_str(r.status().as_str()),
        repr_str(r.redirect_url())
    )
}

/// A Connect Link waiting for the user (blocking API).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ConnectionRequest {
    inner: composio::ConnectionRequest,
}

impl ConnectionRequest {
    pub(crate) fn new(inner: composio::ConnectionRequest) -> Self {
        Self { inner }
    }
}

request_pymethods!(ConnectionRequest {

    /// Waits until the user has finished the Connect Link and returns the ACTIVE
    /// ``ConnectedAccount``. ``timeout`` is in seconds.
    ///
    /// Raises ``ConnectionRequestFailedError`` at once on FAILED / EXPIRED / REVOKED,
    /// ``ConnectionRequestTimeoutError`` (a ``TimeoutError``) after ``timeout``,
    /// ``ConnectedAccountNotFoundError`` when the account does not exist. The GIL is
    /// released while waiting; Ctrl-C raises ``KeyboardInterrupt``.
    #[pyo3(signature = (timeout=60.0))]
    fn wait_for_connection(&self, py: Python<'_>, timeout: f64) -> PyResult<ConnectedAccount> {
        let timeout = secs(timeout, "timeout")?;
        let request = self.inner.clone();
        let inner = block(py, async move { request.wait_for_connection(timeout).await })?;
        Ok(ConnectedAccount { inner })
    }

    fn __repr__(&self) -> String {
        request_repr("ConnectionRequest", &self.inner)
    }
});

/// A Connect Link waiting for the user (asyncio API).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AsyncConnectionRequest {
    inner: composio::ConnectionRequest,
}

impl AsyncConnectionRequest {
    pub(crate) fn new(inner: composio::ConnectionRequest) -> Self {
        Self { inner }
    }
}

request_pymethods!(AsyncConnectionRequest {

    /// Waits until the user has finished the Connect Link (see
    /// ``ConnectionRequest.wait_for_connection``). Awaitable of ``ConnectedAccount``.
    #[pyo3(signature = (timeout=60.0))]
    fn wait_for_connection<'py>(&self, py: Python<'py>, timeout: f64) -> PyResult<Bound<'py, PyAny>> {
        let timeout = secs(timeout, "timeout")?;
        let request = self.inner.clone();
        awaitable(py, async move {
            request
                .wait_for_connection(timeout)
                .await
                .map(|inner| ConnectedAccount { inner })
        })
    }

    fn __repr__(&self) -> String {
        request_repr("AsyncConnectionRequest", &self.inner)
    }
});
