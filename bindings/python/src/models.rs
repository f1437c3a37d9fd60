//! Read-only result objects: connected accounts, toolkits, tools, pages, callback results.
//!
//! Each wraps the SDK's model; attributes are converted on access. `to_dict()` returns
//! everything the server sent (unknown fields included).

use composio::models::{self, SessionToolkit, ToolkitConnection as RsToolkitConnection};
use pyo3::prelude::*;
use serde::Serialize;

use crate::convert::{json_to_py, Json};

/// Python-style repr of an optional string: `'x'` or `None`.
pub(crate) fn repr_opt(value: Option<&str>) -> String {
    value.map_or_else(|| "None".to_owned(), repr_str)
}

/// Python-style repr of a string.
pub(crate) fn repr_str(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn repr_num(value: Option<u64>) -> String {
    value.map_or_else(|| "None".to_owned(), |v| v.to_string())
}

fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// A connected account: a user's connection to a toolkit.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ConnectedAccount {
    pub(crate) inner: models::ConnectedAccount,
}

#[pymethods]
impl ConnectedAccount {
    /// The id (`ca_…`).
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// `INITIALIZING`, `INITIATED`, `ACTIVE`, `FAILED`, `EXPIRED`, `INACTIVE` or `REVOKED`
    /// (unknown values are kept as sent).
    #[getter]
    fn status(&self) -> &str {
        self.inner.status.as_str()
    }
    /// Why the account is in its status (for example why it FAILED), or None.
    #[getter]
    fn status_reason(&self) -> Option<&str> {
        self.inner.status_reason.as_deref()
    }
    /// The user the account belongs to.
    #[getter]
    fn user_id(&self) -> Option<&str> {
        self.inner.user_id.as_deref()
    }
    /// The toolkit (`.slug`).
    #[getter]
    fn toolkit(&self) -> AccountToolkit {
        AccountToolkit {
            slug: self.inner.toolkit.slug.clone(),
        }
    }
    /// The auth config the account was made with, or None.
    #[getter]
    fn auth_config(&self) -> Option<AccountAuthConfig> {
        self.inner
            .auth_config
            .as_ref()
            .map(|c| AccountAuthConfig { inner: c.clone() })
    }
    /// Whether the account is disabled.
    #[getter]
    fn is_disabled(&self) -> bool {
        self.inner.is_disabled
    }
    /// Creation time (ISO 8601), or None.
    #[getter]
    fn created_at(&self) -> Option<&str> {
        self.inner.created_at.as_deref()
    }
    /// Last update time (ISO 8601), or None.
    #[getter]
    fn updated_at(&self) -> Option<&str> {
        self.inner.updated_at.as_deref()
    }
    /// The account's alias (unique per user and toolkit, compared without case), or None.
    #[getter]
    fn alias(&self) -> Option<&str> {
        self.inner.alias.as_deref()
    }
    /// The account's word id (``"swift-otter-42"``-like, usable wherever an id is), or None.
    #[getter]
    fn word_id(&self) -> Option<&str> {
        self.inner.word_id.as_deref()
    }
    /// The whole account as the server sent it.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &to_json(&self.inner))
    }
    fn __repr__(&self) -> String {
        format!(
            "ConnectedAccount(id={}, status={}, toolkit={}, user_id={})",
            repr_str(&self.inner.id),
            repr_str(self.inner.status.as_str()),
            repr_str(&self.inner.toolkit.slug),
            repr_opt(self.inner.user_id.as_deref())
        )
    }
}

/// The toolkit of a connected account.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AccountToolkit {
    slug: String,
}

#[pymethods]
impl AccountToolkit {
    /// The toolkit slug (`gmail`).
    #[getter]
    fn slug(&self) -> &str {
        &self.slug
    }
    fn __repr__(&self) -> String {
        format!("AccountToolkit(slug={})", repr_str(&self.slug))
    }
}

/// The auth config of a connected account.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AccountAuthConfig {
    inner: models::AccountAuthConfig,
}

#[pymethods]
impl AccountAuthConfig {
    /// The id (`ac_…`).
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// The auth scheme (`OAUTH2`, `API_KEY`, …), or None.
    #[getter]
    fn auth_scheme(&self) -> Option<&str> {
        self.inner.auth_scheme.as_deref()
    }
    /// Whether Composio manages the OAuth app.
    #[getter]
    fn is_composio_managed(&self) -> bool {
        self.inner.is_composio_managed
    }
    /// Whether the auth config is disabled.
    #[getter]
    fn is_disabled(&self) -> bool {
        self.inner.is_disabled
    }
    fn __repr__(&self) -> String {
        format!(
            "AccountAuthConfig(id={}, auth_scheme={})",
            repr_str(&self.inner.id),
            repr_opt(self.inner.auth_scheme.as_deref())
        )
    }
}

/// A page of connected accounts.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ConnectedAccountsPage {
    pub(crate) inner: models::Page<models::ConnectedAccount>,
}

#[pymethods]
impl ConnectedAccountsPage {
    /// The accounts of this page.
    #[getter]
    fn items(&self) -> Vec<ConnectedAccount> {
        self.inner
            .items
            .iter()
            .map(|a| ConnectedAccount { inner: a.clone() })
            .collect()
    }
    /// Pass to `list(cursor=...)` for the next page; None on the last page.
    #[getter]
    fn next_cursor(&self) -> Option<&str> {
        self.inner.next_cursor.as_deref()
    }
    /// How many pages there are, when the server said.
    #[getter]
    fn total_pages(&self) -> Option<u64> {
        self.inner.total_pages
    }
    /// How many accounts match, when the server said.
    #[getter]
    fn total_items(&self) -> Option<u64> {
        self.inner.total_items
    }
    fn __len__(&self) -> usize {
        self.inner.items.len()
    }
    fn __repr__(&self) -> String {
        format!(
            "ConnectedAccountsPage(items=<{} accounts>, next_cursor={})",
            self.inner.items.len(),
            repr_opt(self.inner.next_cursor.as_deref())
        )
    }
}

/// A toolkit of a session, with the user's connection.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct Toolkit {
    inner: SessionToolkit,
}

#[pymethods]
impl Toolkit {
    /// The slug (`gmail`).
    #[getter]
    fn slug(&self) -> &str {
        &self.inner.slug
    }
    /// The display name (`Gmail`).
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    /// The logo URL, or None.
    #[getter]
    fn logo(&self) -> Option<&str> {
        self.inner.logo()
    }
    /// True when the toolkit needs no authentication (then `connection` is None).
    #[getter]
    fn is_no_auth(&self) -> bool {
        self.inner.is_no_auth
    }
    /// Whether the toolkit is enabled in the session.
    #[getter]
    fn enabled(&self) -> bool {
        self.inner.enabled
    }
    /// The user's connection: None for no-auth toolkits.
    #[getter]
    fn connection(&self) -> Option<ToolkitConnection> {
        self.inner
            .connection()
            .map(|inner| ToolkitConnection { inner })
    }
    /// The toolkit as the server sent it.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &to_json(&self.inner))
    }
    fn __repr__(&self) -> String {
        format!(
            "Toolkit(slug={}, name={}, is_no_auth={}, connected={})",
            repr_str(&self.inner.slug),
            repr_str(&self.inner.name),
            py_bool(self.inner.is_no_auth),
            py_bool(self.inner.is_connected())
        )
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// The user's connection to a toolkit.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ToolkitConnection {
    inner: RsToolkitConnection,
}

#[pymethods]
impl ToolkitConnection {
    /// True when the connected account is ACTIVE.
    #[getter]
    fn is_active(&self) -> bool {
        self.inner.is_active
    }
    /// The auth config in use, or None when not connected.
    #[getter]
    fn auth_config(&self) -> Option<ToolkitAuthConfig> {
        self.inner.auth_config.as_ref().map(|c| ToolkitAuthConfig {
            id: c.id.clone(),
            mode: c.mode.clone(),
            is_composio_managed: c.is_composio_managed,
        })
    }
    /// The connected account (`.id`, `.status`), or None when not connected.
    #[getter]
    fn connected_account(&self) -> Option<ToolkitConnectedAccount> {
        self.inner
            .connected_account
            .as_ref()
            .map(|a| ToolkitConnectedAccount {
                id: a.id.clone(),
                status: a.status.as_str().to_owned(),
            })
    }
    fn __repr__(&self) -> String {
        format!(
            "ToolkitConnection(is_active={}, connected_account={})",
            py_bool(self.inner.is_active),
            repr_opt(self.inner.connected_account.as_ref().map(|a| a.id.as_str()))
        )
    }
}

/// The auth config of a toolkit connection.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ToolkitAuthConfig {
    id: String,
    mode: Option<String>,
    is_composio_managed: bool,
}

#[pymethods]
impl ToolkitAuthConfig {
    /// The id (`ac_…`).
    #[getter]
    fn id(&self) -> &str {
        &self.id
    }
    /// The auth scheme (`OAUTH2`, `API_KEY`, …), or None.
    #[getter]
    fn mode(&self) -> Option<&str> {
        self.mode.as_deref()
    }
    /// Whether Composio manages the OAuth app.
    #[getter]
    fn is_composio_managed(&self) -> bool {
        self.is_composio_managed
    }
    fn __repr__(&self) -> String {
        format!(
            "ToolkitAuthConfig(id={}, mode={})",
            repr_str(&self.id),
            repr_opt(self.mode.as_deref())
        )
    }
}

/// The connected account of a toolkit connection.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ToolkitConnectedAccount {
    id: String,
    status: String,
}

#[pymethods]
impl ToolkitConnectedAccount {
    /// The id (`ca_…`).
    #[getter]
    fn id(&self) -> &str {
        &self.id
    }
    /// The status (`ACTIVE`, `INITIATED`, …).
    #[getter]
    fn status(&self) -> &str {
        &self.status
    }
    fn __repr__(&self) -> String {
        format!(
            "ToolkitConnectedAccount(id={}, status={})",
            repr_str(&self.id),
            repr_str(&self.status)
        )
    }
}

/// A page of a session's toolkits.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ToolkitsPage {
    pub(crate) inner: models::Page<SessionToolkit>,
}

#[pymethods]
impl ToolkitsPage {
    /// The toolkits of this page.
    #[getter]
    fn items(&self) -> Vec<Toolkit> {
        self.inner
            .items
            .iter()
            .map(|t| Toolkit { inner: t.clone() })
            .collect()
    }
    /// Pass to `toolkits(next_cursor=...)` for the next page; None on the last page.
    #[getter]
    fn next_cursor(&self) -> Option<&str> {
        self.inner.next_cursor.as_deref()
    }
    /// How many pages there are, when the server said.
    #[getter]
    fn total_pages(&self) -> Option<u64> {
        self.inner.total_pages
    }
    /// How many toolkits match, when the server said.
    #[getter]
    fn total_items(&self) -> Option<u64> {
        self.inner.total_items
    }
    fn __len__(&self) -> usize {
        self.inner.items.len()
    }
    fn __repr__(&self) -> String {
        let slugs: Vec<String> = self.inner.items.iter().map(|t| repr_str(&t.slug)).collect();
        format!(
            "ToolkitsPage(items=[{}], next_cursor={}, total_pages={})",
            slugs.join(", "),
            repr_opt(self.inner.next_cursor.as_deref()),
            repr_num(self.inner.total_pages)
        )
    }
}

/// A tool of a session.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct Tool {
    pub(crate) inner: models::Tool,
}

#[pymethods]
impl Tool {
    /// The slug (`GMAIL_SEND_EMAIL`, `COMPOSIO_MANAGE_CONNECTIONS`).
    #[getter]
    fn slug(&self) -> &str {
        &self.inner.slug
    }
    /// The display name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    /// What the tool does.
    #[getter]
    fn description(&self) -> &str {
        &self.inner.description
    }
    /// The toolkit as a dict (`slug`, `name`, `logo`).
    #[getter]
    fn toolkit(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &to_json(&self.inner.toolkit))
    }
    /// The JSON Schema of the arguments (a new dict on every access).
    #[getter]
    fn input_parameters(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.inner.input_parameters)
    }
    /// The JSON Schema of the output (a new dict on every access).
    #[getter]
    fn output_parameters(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.inner.output_parameters)
    }
    /// True when the tool needs no connected account.
    #[getter]
    fn no_auth(&self) -> bool {
        self.inner.no_auth
    }
    /// The tool version, or None.
    #[getter]
    fn version(&self) -> Option<&str> {
        self.inner.version.as_deref()
    }
    /// Tags (`readOnlyHint`, …).
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.inner.tags.clone()
    }
    /// Whether the tool is deprecated.
    #[getter]
    fn is_deprecated(&self) -> bool {
        self.inner.is_deprecated
    }
    /// The tool as the server sent it.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &to_json(&self.inner))
    }
    /// The tool as an OpenAI function tool:
    /// `{"type": "function", "function": {"name", "description", "parameters"}}`.
    fn to_openai(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.inner.to_openai())
    }
    /// The tool as an Anthropic tool: `{"name", "description", "input_schema"}`.
    fn to_anthropic(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.inner.to_anthropic())
    }
    fn __repr__(&self) -> String {
        format!(
            "Tool(slug={}, toolkit={})",
            repr_str(&self.inner.slug),
            repr_str(&self.inner.toolkit.slug)
        )
    }
}

/// The parameters appended to your callback URL after a Connect Link.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct CallbackResult {
    pub(crate) inner: composio::CallbackResult,
}

#[pymethods]
impl CallbackResult {
    /// `success` or `failed` (other values are kept as sent).
    #[getter]
    fn status(&self) -> &str {
        self.inner.status.as_str()
    }
    /// The connected account id (`ca_…`), or None.
    #[getter]
    fn connected_account_id(&self) -> Option<&str> {
        self.inner.connected_account_id.as_ref().map(|i| i.as_str())
    }
    /// The error message on failure, or None.
    #[getter]
    fn error(&self) -> Option<&str> {
        self.inner.error.as_deref()
    }
    /// True when `status == "success"`.
    #[getter]
    fn is_success(&self) -> bool {
        self.inner.is_success()
    }
    fn __repr__(&self) -> String {
        format!(
            "CallbackResult(status={}, connected_account_id={}, error={})",
            repr_str(self.inner.status.as_str()),
            repr_opt(self.connected_account_id()),
            repr_opt(self.inner.error.as_deref())
        )
    }
}

/// The execute envelope as a dict (`data`, `error`, `successful`, `log_id`, `result_type`, …).
pub(crate) fn execute_envelope(response: models::ExecuteResponse) -> Json {
    Json(to_json(&response))
}
