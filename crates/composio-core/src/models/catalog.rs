//! The catalog (`GET {P}/toolkits`, `/toolkits/{slug}`, `/tools`) and the session search
//! (`POST {P}/tool_router/session/{id}/search`, docs/spec/wire-2026.md §16.9), as the official
//! clients read them.

use serde::{Deserialize, Serialize};

use super::{Extra, ToolkitMeta};
use crate::query::Query;

/// A toolkit of the catalog: an item of `GET {P}/toolkits`, or `GET {P}/toolkits/{slug}`
/// (which adds `auth_config_details`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Toolkit {
    /// Slug (`gmail`).
    pub slug: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// `native` (Composio's catalog) or `custom` (the project's own).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Auth schemes it supports (`OAUTH2`, `API_KEY`).
    #[serde(default)]
    pub auth_schemes: Vec<String>,
    /// Auth schemes the server can connect without an app of your own.
    #[serde(default)]
    pub composio_managed_auth_schemes: Vec<String>,
    /// Whether it needs no authentication.
    #[serde(default)]
    pub no_auth: bool,
    /// Logo, description, categories, counts.
    #[serde(default)]
    pub meta: ToolkitMeta,
    /// Per auth scheme, the fields an auth config and a connection need (single toolkit only).
    #[serde(default)]
    pub auth_config_details: Vec<AuthConfigDetail>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// How one auth scheme of a toolkit is configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthConfigDetail {
    /// `OAUTH2`, `API_KEY`, …
    pub mode: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The fields of each stage.
    pub fields: AuthConfigFields,
    /// Scopes the toolkit's tools need.
    #[serde(default)]
    pub required_scopes: Vec<String>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The fields of an auth scheme: to create an auth config (OAuth: `client_id`, …) and to
/// connect an account (API key: the key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthConfigFields {
    /// Creating an auth config.
    pub auth_config_creation: AuthFieldGroup,
    /// Connecting an account.
    pub connected_account_initiation: AuthFieldGroup,
}

/// Required and optional fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthFieldGroup {
    /// Must be given.
    #[serde(default)]
    pub required: Vec<AuthField>,
    /// May be given.
    #[serde(default)]
    pub optional: Vec<AuthField>,
}

/// One form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthField {
    /// Field name (`api_key`).
    pub name: String,
    /// Label.
    #[serde(rename = "displayName", default)]
    pub display_name: String,
    /// What it is.
    #[serde(default)]
    pub description: String,
    /// Whether it is secret.
    #[serde(default)]
    pub is_secret: Option<bool>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Filters of `GET {P}/toolkits`.
///
/// ```
/// use composio_core::models::CatalogToolkitsQuery;
/// let q = CatalogToolkitsQuery::new().category("email").limit(10);
/// assert_eq!(q.to_query_string(), "category=email&limit=10");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CatalogToolkitsQuery {
    /// Only this category.
    pub category: Option<String>,
    /// `composio`, `project` or `all`.
    pub managed_by: Option<String>,
    /// `usage` or `alphabetically`.
    pub sort_by: Option<String>,
    /// Words in the slug, name or description.
    pub search: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl CatalogToolkitsQuery {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only this category.
    pub fn category(mut self, c: impl Into<String>) -> Self {
        self.category = Some(c.into());
        self
    }
    /// `composio`, `project` or `all`.
    pub fn managed_by(mut self, m: impl Into<String>) -> Self {
        self.managed_by = Some(m.into());
        self
    }
    /// `usage` or `alphabetically`.
    pub fn sort_by(mut self, s: impl Into<String>) -> Self {
        self.sort_by = Some(s.into());
        self
    }
    /// Words in the slug, name or description.
    pub fn search(mut self, s: impl Into<String>) -> Self {
        self.search = Some(s.into());
        self
    }
    /// Page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// `next_cursor` of the previous page.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }
    /// The query string (without `?`).
    pub fn to_query_string(&self) -> String {
        let mut q = Query::new();
        q.push_opt("category", self.category.as_deref());
        q.push_opt("managed_by", self.managed_by.as_deref());
        q.push_opt("sort_by", self.sort_by.as_deref());
        q.push_opt("search", self.search.as_deref());
        q.push_opt("limit", self.limit);
        q.push_opt("cursor", self.cursor.as_deref());
        q.finish()
    }
}

/// Filters of `GET {P}/tools`, as the official SDKs' `tools.get(user_id, toolkits=[…])` send
/// them.
///
/// ```
/// use composio_core::models::ToolsQuery;
/// let q = ToolsQuery::new().toolkits(["gmail", "github"]).search("emails");
/// assert_eq!(q.to_query_string(), "toolkit_slug=gmail%2Cgithub&query=emails");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolsQuery {
    /// Tools of these toolkits.
    pub toolkits: Vec<String>,
    /// These tools only (overrides the other filters).
    pub tools: Vec<String>,
    /// Words of the task; the best matches first.
    pub search: Option<String>,
    /// At most this many.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ToolsQuery {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }
    /// Tools of these toolkits.
    pub fn toolkits<I, S>(mut self, slugs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.toolkits = slugs.into_iter().map(Into::into).collect();
        self
    }
    /// These tools only.
    pub fn tools<I, S>(mut self, slugs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tools = slugs.into_iter().map(Into::into).collect();
        self
    }
    /// Words of the task.
    pub fn search(mut self, s: impl Into<String>) -> Self {
        self.search = Some(s.into());
        self
    }
    /// At most this many.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// `next_cursor` of the previous page.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }
    /// The query string (without `?`).
    pub fn to_query_string(&self) -> String {
        let mut q = Query::new();
        q.push_list("toolkit_slug", &self.toolkits);
        q.push_list("tool_slugs", &self.tools);
        q.push_opt("query", self.search.as_deref());
        q.push_opt("limit", self.limit);
        q.push_opt("cursor", self.cursor.as_deref());
        q.finish()
    }
}

/// The answer of a session search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SearchResponse {
    /// Whether the search ran.
    #[serde(default)]
    pub success: bool,
    /// One result per use case.
    #[serde(default)]
    pub results: Vec<SearchResult>,
    /// The connection of every toolkit the results come from.
    #[serde(default)]
    pub toolkit_connection_statuses: Vec<ToolkitConnectionStatus>,
    /// Input schemas by tool slug, and everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The tools found for one use case, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SearchResult {
    /// The use case.
    pub use_case: String,
    /// The best tools.
    #[serde(default)]
    pub primary_tool_slugs: Vec<String>,
    /// Further matches.
    #[serde(default)]
    pub related_tool_slugs: Vec<String>,
    /// Their toolkits.
    #[serde(default)]
    pub toolkits: Vec<String>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A toolkit's connection for the session's user (§16.9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolkitConnectionStatus {
    /// Toolkit slug.
    pub toolkit: String,
    /// Whether its tools can run now.
    #[serde(default)]
    pub has_active_connection: bool,
    /// For the agent.
    #[serde(default)]
    pub status_message: String,
    /// `required` when several accounts are active and the session wants a choice.
    #[serde(default)]
    pub account_selection: Option<String>,
    /// Every account of the toolkit (multi-account sessions).
    #[serde(default)]
    pub accounts: Option<Vec<StatusAccount>>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One account in a [`ToolkitConnectionStatus`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusAccount {
    /// Connected account id.
    pub id: String,
    /// Its alias.
    #[serde(default)]
    pub alias: Option<String>,
    /// `active`, `initiated`, …
    #[serde(default)]
    pub status: String,
    /// The one used when none is named.
    #[serde(default)]
    pub is_default: bool,
    /// Who it is at the provider.
    #[serde(default)]
    pub user_info: Option<serde_json::Value>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}
