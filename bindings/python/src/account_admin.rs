//! Results of renaming and revoking connected accounts (``connected_accounts.update`` and
//! ``connected_accounts.revoke``).

use composio::models::{RevokeAccountResponse, UpdateAccountResponse};
use composio::CompleteAuthResponse;
use pyo3::prelude::*;

use crate::convert::json_to_py;
use crate::models::{repr_opt, repr_str};

/// What ``connected_accounts.update(id, alias=...)`` returns.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ConnectedAccountUpdate {
    pub(crate) inner: UpdateAccountResponse,
}

#[pymethods]
impl ConnectedAccountUpdate {
    /// The account's id (`ca_…`), or None when the server did not send it.
    #[getter]
    fn id(&self) -> Option<&str> {
        self.inner.id.as_deref()
    }
    /// The account's status, or None when the server did not send it.
    #[getter]
    fn status(&self) -> Option<&str> {
        self.inner.status.as_ref().map(|s| s.as_str())
    }
    /// Whether the update was applied.
    #[getter]
    fn success(&self) -> bool {
        self.inner.success
    }
    /// The whole response as the server sent it.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(
            py,
            &serde_json::to_value(&self.inner).unwrap_or(serde_json::Value::Null),
        )
    }
    fn __repr__(&self) -> String {
        format!(
            "ConnectedAccountUpdate(id={}, status={}, success={})",
            repr_opt(self.inner.id.as_deref()),
            repr_opt(self.inner.status.as_ref().map(|s| s.as_str())),
            if self.inner.success { "True" } else { "False" }
        )
    }
}

/// The account part of a ``ConnectedAccountRevoke``: ``id`` and ``status`` (``REVOKED``).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct RevokedConnectedAccount {
    id: String,
    status: String,
}

#[pymethods]
impl RevokedConnectedAccount {
    /// The account's id (`ca_…`).
    #[getter]
    fn id(&self) -> &str {
        &self.id
    }
    /// Its status after the call (``REVOKED``).
    #[getter]
    fn status(&self) -> &str {
        &self.status
    }
    fn __repr__(&self) -> String {
        format!(
            "RevokedConnectedAccount(id={}, status={})",
            repr_str(&self.id),
            repr_str(&self.status)
        )
    }
}

/// What ``connected_accounts.revoke(id)`` returns.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ConnectedAccountRevoke {
    pub(crate) inner: RevokeAccountResponse,
}

#[pymethods]
impl ConnectedAccountRevoke {
    /// What this call revoked at the provider (``access_token``, ``refresh_token`` or
    /// ``credential``); empty when the account was already revoked.
    #[getter]
    fn revoked_tokens(&self) -> Vec<String> {
        self.inner.revoked_tokens.clone()
    }
    /// The account after the call.
    #[getter]
    fn connected_account(&self) -> RevokedConnectedAccount {
        RevokedConnectedAccount {
            id: self.inner.connected_account.id.clone(),
            status: self.inner.connected_account.status.as_str().to_owned(),
        }
    }
    /// The whole response as the server sent it.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(
            py,
            &serde_json::to_value(&self.inner).unwrap_or(serde_json::Value::Null),
        )
    }
    fn __repr__(&self) -> String {
        let tokens: Vec<String> = self
            .inner
            .revoked_tokens
            .iter()
            .map(|t| repr_str(t))
            .collect();
        format!(
            "ConnectedAccountRevoke(revoked_tokens=[{}], connected_account={})",
            tokens.join(", "),
            self.connected_account().__repr__()
        )
    }
}

/// What ``connected_accounts.complete_auth(user_id=, session_uri=)`` returns: the account is
/// ACTIVE.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct CompletedAuth {
    pub(crate) inner: CompleteAuthResponse,
}

#[pymethods]
impl CompletedAuth {
    /// The activated account (`ca_…`).
    #[getter]
    fn connected_account_id(&self) -> &str {
        &self.inner.connected_account_id
    }
    /// Its toolkit.
    #[getter]
    fn toolkit_slug(&self) -> &str {
        &self.inner.toolkit_slug
    }
    /// The whole response as the server sent it.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(
            py,
            &serde_json::to_value(&self.inner).unwrap_or(serde_json::Value::Null),
        )
    }
    fn __repr__(&self) -> String {
        format!(
            "CompletedAuth(connected_account_id={}, toolkit_slug={})",
            repr_str(&self.inner.connected_account_id),
            repr_str(&self.inner.toolkit_slug)
        )
    }
}
