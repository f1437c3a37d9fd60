//! ``composio.toolkits`` and ``composio.tools``: the catalog reads with the official Python
//! SDK's names and signatures (``toolkits.get``/``list``, ``tools.get``,
//! ``tools.get_raw_composio_tool_by_slug``), over the Rust SDK's `Toolkits` and `Tools`.
//! Results are plain dicts (and lists of dicts), as the server sends them.

use std::future::Future;
use std::pin::Pin;

use composio::{CatalogToolkitsQuery, ToolsQuery};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;

use crate::convert::{non_empty, str_list, Json};
use crate::runtime::{awaitable, block};

type Call = Pin<Box<dyn Future<Output = composio::Result<Json>> + Send>>;

fn json(value: impl serde::Serialize) -> Json {
    Json(serde_json::to_value(value).unwrap_or(Value::Null))
}

/// The filters of ``toolkits.list(...)`` / ``toolkits.get(query=...)``.
#[derive(Default)]
struct ToolkitFilters {
    category: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
    sort_by: Option<String>,
    managed_by: Option<String>,
    search: Option<String>,
}

impl ToolkitFilters {
    /// ``query={"category": ..., "limit": ..., ...}`` (the official ``ToolkitListParams``).
    fn from_dict(query: &Bound<'_, PyDict>) -> PyResult<Self> {
        let mut f = Self::default();
        for (key, value) in query.iter() {
            let key: String = key.extract()?;
            if value.is_none() {
                continue;
            }
            match key.as_str() {
                "category" => f.category = Some(value.extract()?),
                "cursor" => f.cursor = Some(value.extract()?),
                "limit" => f.limit = Some(value.extract()?),
                "sort_by" => f.sort_by = Some(value.extract()?),
                "managed_by" => f.managed_by = Some(value.extract()?),
                "search" => f.search = Some(value.extract()?),
                other => {
                    return Err(PyValueError::new_err(format!(
                        "query: unknown key {other:?} (expected category, cursor, limit, \
                         sort_by, managed_by or search)"
                    )))
                }
            }
        }
        Ok(f)
    }

    fn query(self) -> CatalogToolkitsQuery {
        let mut q = CatalogToolkitsQuery::new();
        if let Some(v) = self.category {
            q = q.category(v);
        }
        if let Some(v) = self.cursor {
            q = q.cursor(v);
        }
        if let Some(v) = self.limit {
            q = q.limit(v);
        }
        if let Some(v) = self.sort_by {
            q = q.sort_by(v);
        }
        if let Some(v) = self.managed_by {
            q = q.managed_by(v);
        }
        if let Some(v) = self.search {
            q = q.search(v);
        }
        q
    }
}

/// A page (``{"items", "next_cursor", "total_pages", ...}``) or, with `items_only`, its items.
fn list_toolkits(client: &composio::Composio, filters: ToolkitFilters, items_only: bool) -> Call {
    let (toolkits, query) = (client.toolkits(), filters.query());
    Box::pin(async move {
        let page = toolkits.list(query).await?;
        Ok(if items_only {
            json(page.items)
        } else {
            json(page)
        })
    })
}

fn get_toolkit(
    client: &composio::Composio,
    slug: Option<&str>,
    query: Option<&Bound<'_, PyDict>>,
) -> PyResult<Call> {
    match (slug, query) {
        (Some(_), Some(_)) => Err(PyValueError::new_err(
            "toolkits.get: pass either slug or query, not both",
        )),
        (Some(slug), None) => {
            non_empty(slug, "slug")?;
            let (toolkits, slug) = (client.toolkits(), slug.to_owned());
            Ok(Box::pin(
                async move { Ok(json(toolkits.get(&slug).await?)) },
            ))
        }
        (None, query) => {
            let filters = match query {
                Some(q) => ToolkitFilters::from_dict(q)?,
                None => ToolkitFilters::default(),
            };
            Ok(list_toolkits(client, filters, true))
        }
    }
}

/// ``tools.get(user_id, slug=, tools=, search=, toolkits=, limit=)``: a list of tool dicts.
#[allow(clippy::too_many_arguments)]
fn get_tools(
    client: &composio::Composio,
    user_id: &str,
    slug: Option<&str>,
    tools: Option<&Bound<'_, PyAny>>,
    search: Option<String>,
    toolkits: Option<&Bound<'_, PyAny>>,
    limit: Option<u32>,
) -> PyResult<Call> {
    non_empty(user_id, "user_id")?;
    let mut query = ToolsQuery::new();
    let mut filtered = false;
    if let Some(slug) = slug {
        non_empty(slug, "slug")?;
        query = query.tools([slug.to_owned()]);
        filtered = true;
    } else {
        if let Some(t) = tools {
            let t = str_list(t, "tools")?;
            filtered |= !t.is_empty();
            query = query.tools(t);
        }
        if let Some(t) = toolkits {
            let t = str_list(t, "toolkits")?;
            filtered |= !t.is_empty();
            query = query.toolkits(t);
        }
        if let Some(s) = search {
            non_empty(&s, "search")?;
            query = query.search(s);
            filtered = true;
        }
    }
    if !filtered {
        return Err(PyValueError::new_err(
            "tools.get: name a slug, tools, toolkits or a search",
        ));
    }
    query = query.limit(match limit {
        Some(0) => return Err(PyValueError::new_err("limit must be at least 1")),
        Some(n) => n,
        None => 1000,
    });
    let (catalog, user_id) = (client.tools(), user_id.to_owned());
    Ok(Box::pin(async move {
        composio::UserId::new(user_id)?;
        Ok(json(catalog.list(query).await?.items))
    }))
}

fn raw_tool(client: &composio::Composio, slug: &str) -> PyResult<Call> {
    non_empty(slug, "slug")?;
    let (catalog, slug) = (client.tools(), slug.to_owned());
    Ok(Box::pin(
        async move { Ok(json(catalog.get_tool(&slug).await?)) },
    ))
}

/// ``composio.toolkits`` (blocking API).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct Toolkits {
    pub(crate) inner: composio::Composio,
}

#[pymethods]
impl Toolkits {
    /// One toolkit by slug (with ``auth_config_details``), or without a slug the items of
    /// one page of the catalog (``query``: ``{"category", "limit", "cursor", "sort_by",
    /// "managed_by", "search"}``). Raises ``NotFoundError`` for an unknown slug.
    #[pyo3(signature = (slug=None, *, query=None))]
    fn get(
        &self,
        py: Python<'_>,
        slug: Option<&str>,
        query: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Json> {
        block(py, get_toolkit(&self.inner, slug, query)?)
    }

    /// One page of the catalog: ``{"items": [...], "next_cursor", "total_pages", ...}``.
    #[pyo3(signature = (*, category=None, cursor=None, limit=None, sort_by=None, managed_by=None, search=None))]
    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        py: Python<'_>,
        category: Option<String>,
        cursor: Option<String>,
        limit: Option<u32>,
        sort_by: Option<String>,
        managed_by: Option<String>,
        search: Option<String>,
    ) -> PyResult<Json> {
        let filters = ToolkitFilters {
            category,
            cursor,
            limit,
            sort_by,
            managed_by,
            search,
        };
        block(py, list_toolkits(&self.inner, filters, false))
    }
}

/// ``composio.toolkits`` (asyncio API): the same methods, returning awaitables.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AsyncToolkits {
    pub(crate) inner: composio::Composio,
}

#[pymethods]
impl AsyncToolkits {
    /// See ``Toolkits.get``.
    #[pyo3(signature = (slug=None, *, query=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        slug: Option<&str>,
        query: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, get_toolkit(&self.inner, slug, query)?)
    }

    /// See ``Toolkits.list``.
    #[pyo3(signature = (*, category=None, cursor=None, limit=None, sort_by=None, managed_by=None, search=None))]
    #[allow(clippy::too_many_arguments)]
    fn list<'py>(
        &self,
        py: Python<'py>,
        category: Option<String>,
        cursor: Option<String>,
        limit: Option<u32>,
        sort_by: Option<String>,
        managed_by: Option<String>,
        search: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let filters = ToolkitFilters {
            category,
            cursor,
            limit,
            sort_by,
            managed_by,
            search,
        };
        awaitable(py, list_toolkits(&self.inner, filters, false))
    }
}

/// ``composio.tools`` (blocking API).
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct Tools {
    pub(crate) inner: composio::Composio,
}

#[pymethods]
impl Tools {
    /// The tools for ``user_id`` matching ``slug``, or ``tools`` / ``toolkits`` / ``search``
    /// (at least one), at most ``limit`` (default 1000): a list of tool dicts (``slug``,
    /// ``name``, ``description``, ``input_parameters``, ``toolkit``, ...).
    #[pyo3(signature = (user_id, *, slug=None, tools=None, search=None, toolkits=None, limit=None))]
    #[allow(clippy::too_many_arguments)]
    fn get(
        &self,
        py: Python<'_>,
        user_id: &str,
        slug: Option<&str>,
        tools: Option<&Bound<'_, PyAny>>,
        search: Option<String>,
        toolkits: Option<&Bound<'_, PyAny>>,
        limit: Option<u32>,
    ) -> PyResult<Json> {
        let call = get_tools(&self.inner, user_id, slug, tools, search, toolkits, limit)?;
        block(py, call)
    }

    /// One tool with its input schema. Raises ``NotFoundError`` for an unknown slug.
    fn get_raw_composio_tool_by_slug(&self, py: Python<'_>, slug: &str) -> PyResult<Json> {
        block(py, raw_tool(&self.inner, slug)?)
    }
}

/// ``composio.tools`` (asyncio API): the same methods, returning awaitables.
#[pyclass(frozen, module = "composio_rs")]
pub(crate) struct AsyncTools {
    pub(crate) inner: composio::Composio,
}

#[pymethods]
impl AsyncTools {
    /// See ``Tools.get``.
    #[pyo3(signature = (user_id, *, slug=None, tools=None, search=None, toolkits=None, limit=None))]
    #[allow(clippy::too_many_arguments)]
    fn get<'py>(
        &self,
        py: Python<'py>,
        user_id: &str,
        slug: Option<&str>,
        tools: Option<&Bound<'py, PyAny>>,
        search: Option<String>,
        toolkits: Option<&Bound<'py, PyAny>>,
        limit: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let call = get_tools(&self.inner, user_id, slug, tools, search, toolkits, limit)?;
        awaitable(py, call)
    }

    /// See ``Tools.get_raw_composio_tool_by_slug``.
    fn get_raw_composio_tool_by_slug<'py>(
        &self,
        py: Python<'py>,
        slug: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, raw_tool(&self.inner, slug)?)
    }
}

/// ``session.search(query=...)``: the Rust SDK's `Session::search`, as a dict.
pub(crate) fn search(session: composio::Session, query: &str) -> PyResult<Call> {
    non_empty(query, "query")?;
    let query = query.to_owned();
    Ok(Box::pin(
        async move { Ok(json(session.search(&query).await?)) },
    ))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Toolkits>()?;
    m.add_class::<AsyncToolkits>()?;
    m.add_class::<Tools>()?;
    m.add_class::<AsyncTools>()?;
    Ok(())
}
