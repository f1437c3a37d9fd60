//! `session.update(...)` arguments and the config history pages (docs/spec/wire-2026.md
//! §19), with the parameter names of the official Python SDK.

use composio::models::{Page, SessionConfigHistoryItem, SessionUpdate};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};
use serde_json::{json, Value};

use crate::convert::{json_to_py, py_to_json};
use crate::models::repr_opt;

/// The keyword arguments `update()` takes. `sandbox` is the newer name of `workbench`.
const UPDATE_KEYS: &[&str] = &[
    "toolkits",
    "tools",
    "tags",
    "auth_configs",
    "connected_accounts",
    "manage_connections",
    "multi_account",
    "instant",
    "preload",
    "search",
    "execute",
    "workbench",
    "sandbox",
    "proxy_execute",
    "experimental",
    "hooks",
    "expected_config_version",
];

/// Converts the keyword arguments of `update()` into the PATCH body: an omitted argument
/// keeps the stored value, `None` removes the stored override.
pub(crate) fn update_body(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<SessionUpdate> {
    let mut update = SessionUpdate::new();
    let Some(kwargs) = kwargs else {
        return Ok(update);
    };
    if kwargs.contains("sandbox")? && kwargs.contains("workbench")? {
        return Err(PyValueError::new_err(
            "pass either `sandbox` or `workbench`, not both (`workbench` is the older name)",
        ));
    }
    for (key, value) in kwargs.iter() {
        let key: String = key.extract()?;
        if !UPDATE_KEYS.contains(&key.as_str()) {
            return Err(PyTypeError::new_err(format!(
                "update() got an unexpected keyword argument '{key}'"
            )));
        }
        let is_bool = value.is_instance_of::<PyBool>();
        match key.as_str() {
            "expected_config_version" => {
                if value.is_none() || (is_bool && !value.is_truthy()?) {
                    continue;
                }
                let version = if is_bool {
                    None
                } else {
                    value.extract::<i64>().ok()
                };
                let version = version
                    .and_then(|v| u64::try_from(v).ok())
                    .filter(|v| *v >= 1)
                    .ok_or_else(|| {
                        PyValueError::new_err(
                            "expected_config_version must be a positive integer, or False to \
                             send no precondition",
                        )
                    })?;
                update = update.expected_config_version(version);
            }
            "instant" if value.is_none() => {
                return Err(PyValueError::new_err(
                    "instant does not accept None; pass False to disable Instant usage, or \
                     omit it to keep the stored policy",
                ));
            }
            "toolkits" if value.is_instance_of::<pyo3::types::PyList>() => {
                update = update.set(key.clone(), json!({"enable": py_to_json(&value, &key)?}));
            }
            "proxy_execute" if is_bool => {
                update = update.set(key.clone(), json!({"enable": value.is_truthy()?}));
            }
            "manage_connections" if is_bool => {
                update = update.set(key.clone(), json!({"enable": value.is_truthy()?}));
            }
            "sandbox" | "workbench" => {
                update = update.set("workbench", py_to_json(&value, &key)?);
            }
            _ => {
                update = update.set(key.clone(), py_to_json(&value, &key)?);
            }
        }
    }
    Ok(update)
}

/// One version of a session's config: ``version``, ``created_at`` (ISO 8601),
/// ``is_current`` and ``config`` (a dict).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ConfigHistoryItem {
    inner: SessionConfigHistoryItem,
}

#[pymethods]
impl ConfigHistoryItem {
    /// The config's version.
    #[getter]
    fn version(&self) -> u64 {
        self.inner.version
    }
    /// For an archived version, when an update replaced it; for the current one, when it
    /// was set (ISO 8601).
    #[getter]
    fn created_at(&self) -> &str {
        &self.inner.created_at
    }
    /// Whether this is the live config (only the first item of the first page).
    #[getter]
    fn is_current(&self) -> bool {
        self.inner.is_current
    }
    /// The config at this version (a new dict on every access).
    #[getter]
    fn config(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(
            py,
            &serde_json::to_value(&self.inner.config).unwrap_or(Value::Null),
        )
    }
    fn __repr__(&self) -> String {
        format!(
            "ConfigHistoryItem(version={}, is_current={}, created_at={})",
            self.inner.version,
            if self.inner.is_current {
                "True"
            } else {
                "False"
            },
            repr_opt(Some(&self.inner.created_at))
        )
    }
}

/// A page of a session's config history, newest first (``items``, ``next_cursor``,
/// ``total_pages``, ``current_page``, ``total_items``).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct ConfigHistoryPage {
    pub(crate) inner: Page<SessionConfigHistoryItem>,
}

#[pymethods]
impl ConfigHistoryPage {
    /// The versions of this page, newest first.
    #[getter]
    fn items(&self) -> Vec<ConfigHistoryItem> {
        self.inner
            .items
            .iter()
            .map(|i| ConfigHistoryItem { inner: i.clone() })
            .collect()
    }
    /// Pass to ``list_config_history(cursor=...)`` for the next page; None on the last.
    #[getter]
    fn next_cursor(&self) -> Option<&str> {
        self.inner.next_cursor.as_deref()
    }
    /// How many pages there are, when the server said.
    #[getter]
    fn total_pages(&self) -> Option<u64> {
        self.inner.total_pages
    }
    /// Which page this is (1-based), when the server said.
    #[getter]
    fn current_page(&self) -> Option<u64> {
        self.inner.current_page
    }
    /// How many versions there are, when the server said.
    #[getter]
    fn total_items(&self) -> Option<u64> {
        self.inner.total_items
    }
    fn __len__(&self) -> usize {
        self.inner.items.len()
    }
    fn __repr__(&self) -> String {
        let versions: Vec<String> = self
            .inner
            .items
            .iter()
            .map(|i| i.version.to_string())
            .collect();
        format!(
            "ConfigHistoryPage(versions=[{}], next_cursor={})",
            versions.join(", "),
            repr_opt(self.inner.next_cursor.as_deref())
        )
    }
}

/// Validated ``limit`` of ``list_config_history``.
pub(crate) fn history_limit(limit: Option<i64>) -> PyResult<Option<u32>> {
    limit
        .map(|l| {
            u32::try_from(l)
                .ok()
                .filter(|l| (1..=100).contains(l))
                .ok_or_else(|| PyValueError::new_err(format!("limit must be 1-100, got {l}")))
        })
        .transpose()
}
