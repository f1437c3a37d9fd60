//! Session update and reuse (docs/spec/wire-2026.md §19): the PATCH body and the config
//! history.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{Extra, SessionConfig, TagFilter};
use crate::options::{ToolFilter, ToolkitFilter};

/// The body of `PATCH {P}/tool_router/session/{id}`: only what it names changes
/// (docs/spec/wire-2026.md §19.1).
///
/// Maps (`tools`, `auth_configs`, `connected_accounts`) replace the stored map; the
/// `clear_…` methods send `null`, which removes the stored override so the default applies;
/// `manage_connections` and `multi_account` merge key by key.
///
/// ```
/// use composio_core::models::{MultiAccountPatch, SessionUpdate};
/// let body = SessionUpdate::new()
///     .toolkits(["gmail", "slack"])
///     .auth_config("gmail", "ac_new_config")
///     .multi_account(MultiAccountPatch::new().max_accounts_per_toolkit(4))
///     .expected_config_version(3);
/// assert_eq!(
///     serde_json::to_value(&body).unwrap(),
///     serde_json::json!({"toolkits": {"enable": ["gmail", "slack"]},
///                        "auth_configs": {"gmail": "ac_new_config"},
///                        "multi_account": {"max_accounts_per_toolkit": 4},
///                        "expected_config_version": 3})
/// );
/// assert_eq!(
///     serde_json::to_value(SessionUpdate::new().clear_toolkits()).unwrap(),
///     serde_json::json!({"toolkits": null})
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct SessionUpdate {
    /// The body's keys.
    pub body: Map<String, Value>,
}

impl SessionUpdate {
    /// An update that changes nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a root key of the body as given (for blocks without a typed setter:
    /// `workbench`, `search`, `execute`, `experimental`, `hooks`, …).
    pub fn set(mut self, key: impl Into<String>, value: Value) -> Self {
        self.body.insert(key.into(), value);
        self
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// Only these toolkits (`{"enable": [...]}`; an empty list denies every app toolkit).
    pub fn toolkits<I>(self, enable: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.toolkit_filter(ToolkitFilter::Enable(
            enable.into_iter().map(Into::into).collect(),
        ))
    }

    /// Sets the toolkit filter.
    pub fn toolkit_filter(self, filter: ToolkitFilter) -> Self {
        self.set("toolkits", to_json(&filter))
    }

    /// Removes the toolkit filter (every toolkit is allowed again).
    pub fn clear_toolkits(self) -> Self {
        self.set("toolkits", Value::Null)
    }

    /// Adds an auth config for a toolkit; the map sent replaces the stored one.
    pub fn auth_config(
        mut self,
        toolkit: impl Into<String>,
        auth_config: impl Into<String>,
    ) -> Self {
        let entry = self.body.entry("auth_configs").or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        if let Some(m) = entry.as_object_mut() {
            m.insert(toolkit.into(), Value::String(auth_config.into()));
        }
        self
    }

    /// Sets the auth configs per toolkit (replacing the stored map).
    pub fn auth_configs(self, auth_configs: BTreeMap<String, String>) -> Self {
        self.set("auth_configs", to_json(&auth_configs))
    }

    /// Removes every auth config override.
    pub fn clear_auth_configs(self) -> Self {
        self.set("auth_configs", Value::Null)
    }

    /// Sets the pinned connected accounts per toolkit (replacing the stored map).
    pub fn connected_accounts(self, accounts: BTreeMap<String, Vec<String>>) -> Self {
        self.set("connected_accounts", to_json(&accounts))
    }

    /// Removes every pinned connected account.
    pub fn clear_connected_accounts(self) -> Self {
        self.set("connected_accounts", Value::Null)
    }

    /// Sets the tool filters per toolkit (replacing the stored map).
    pub fn tools(self, tools: BTreeMap<String, ToolFilter>) -> Self {
        self.set("tools", to_json(&tools))
    }

    /// Removes every tool filter.
    pub fn clear_tools(self) -> Self {
        self.set("tools", Value::Null)
    }

    /// Sets the tag filter.
    pub fn tags(self, tags: TagFilter) -> Self {
        self.set("tags", to_json(&tags))
    }

    /// Removes the tag filter.
    pub fn clear_tags(self) -> Self {
        self.set("tags", Value::Null)
    }

    /// Changes `manage_connections` key by key.
    pub fn manage_connections(self, patch: ManageConnectionsPatch) -> Self {
        self.set("manage_connections", Value::Object(patch.body))
    }

    /// Resets `manage_connections` to its default (enabled, no callback URL).
    pub fn clear_manage_connections(self) -> Self {
        self.set("manage_connections", Value::Null)
    }

    /// Changes `multi_account` key by key.
    pub fn multi_account(self, patch: MultiAccountPatch) -> Self {
        self.set("multi_account", Value::Object(patch.body))
    }

    /// Removes the `multi_account` block (the project's default applies).
    pub fn clear_multi_account(self) -> Self {
        self.set("multi_account", Value::Null)
    }

    /// Sets the preloaded tools.
    pub fn preload<I>(self, tools: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let tools: Vec<String> = tools.into_iter().map(Into::into).collect();
        self.set("preload", json!({ "tools": tools }))
    }

    /// Turns Instant usage off (`"instant": false`); [`set`](Self::set) an object to turn
    /// it on with filters.
    pub fn disable_instant(self) -> Self {
        self.set("instant", Value::Bool(false))
    }

    /// Applies the update only if the stored config is still at `version`; otherwise the
    /// server answers 409 and nothing changes.
    pub fn expected_config_version(self, version: u64) -> Self {
        self.set("expected_config_version", Value::from(version))
    }
}

/// A key-by-key change of `manage_connections` (see [`SessionUpdate::manage_connections`]).
///
/// ```
/// use composio_core::models::ManageConnectionsPatch;
/// let p = ManageConnectionsPatch::new().remove_callback_url().enable_wait_for_connections(true);
/// assert_eq!(
///     serde_json::to_value(&p).unwrap(),
///     serde_json::json!({"callback_url": null, "enable_wait_for_connections": true})
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct ManageConnectionsPatch {
    /// The keys to change.
    pub body: Map<String, Value>,
}

impl ManageConnectionsPatch {
    /// A change of nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns in-chat connection management on or off.
    pub fn enable(mut self, enable: bool) -> Self {
        self.body.insert("enable".into(), Value::Bool(enable));
        self
    }

    /// Sets the session's callback URL.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.body
            .insert("callback_url".into(), Value::String(url.into()));
        self
    }

    /// Removes only the session's callback URL.
    pub fn remove_callback_url(mut self) -> Self {
        self.body.insert("callback_url".into(), Value::Null);
        self
    }

    /// Offers `COMPOSIO_WAIT_FOR_CONNECTIONS` or not.
    pub fn enable_wait_for_connections(mut self, enable: bool) -> Self {
        self.body
            .insert("enable_wait_for_connections".into(), Value::Bool(enable));
        self
    }

    /// Lets the agent remove connections or not.
    pub fn enable_connection_removal(mut self, enable: bool) -> Self {
        self.body
            .insert("enable_connection_removal".into(), Value::Bool(enable));
        self
    }
}

/// A key-by-key change of `multi_account` (see [`SessionUpdate::multi_account`]).
///
/// ```
/// use composio_core::models::MultiAccountPatch;
/// let p = MultiAccountPatch::new().enable(true).max_accounts_per_toolkit(4);
/// assert_eq!(
///     serde_json::to_value(&p).unwrap(),
///     serde_json::json!({"enable": true, "max_accounts_per_toolkit": 4})
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct MultiAccountPatch {
    /// The keys to change.
    pub body: Map<String, Value>,
}

impl MultiAccountPatch {
    /// A change of nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns multi-account mode on or off.
    pub fn enable(mut self, enable: bool) -> Self {
        self.body.insert("enable".into(), Value::Bool(enable));
        self
    }

    /// Sets how many accounts a toolkit may have (2–10; the server checks).
    pub fn max_accounts_per_toolkit(mut self, max: u32) -> Self {
        self.body
            .insert("max_accounts_per_toolkit".into(), Value::from(max));
        self
    }

    /// Requires naming the account on execute when several are active.
    pub fn require_explicit_selection(mut self, require: bool) -> Self {
        self.body
            .insert("require_explicit_selection".into(), Value::Bool(require));
        self
    }

    /// Removes one key (its default applies).
    pub fn remove(mut self, key: impl Into<String>) -> Self {
        self.body.insert(key.into(), Value::Null);
        self
    }
}

/// One version of a session's config: an item of
/// `GET {P}/tool_router/session/{id}/config_history` (docs/spec/wire-2026.md §19.4).
///
/// ```
/// use composio_core::models::{SessionConfig, SessionConfigHistoryItem};
/// let item = SessionConfigHistoryItem::new(2, "2026-05-08T10:05:00.000Z", true, SessionConfig::new("u"));
/// let json = serde_json::to_value(&item).unwrap();
/// assert_eq!(json["version"], 2);
/// assert_eq!(json["is_current"], true);
/// assert_eq!(serde_json::from_value::<SessionConfigHistoryItem>(json).unwrap(), item);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionConfigHistoryItem {
    /// The config's version.
    pub version: u64,
    /// For an archived version, when an update superseded it; for the current one, when it
    /// was set (ISO 8601).
    pub created_at: String,
    /// Whether this is the live config (only the first item of the first page).
    #[serde(default)]
    pub is_current: bool,
    /// The config at this version.
    pub config: SessionConfig,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SessionConfigHistoryItem {
    /// A history item.
    pub fn new(
        version: u64,
        created_at: impl Into<String>,
        is_current: bool,
        config: SessionConfig,
    ) -> Self {
        Self {
            version,
            created_at: created_at.into(),
            is_current,
            config,
            extra: Extra::new(),
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_default()
}
