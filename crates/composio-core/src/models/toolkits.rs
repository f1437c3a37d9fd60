use serde::{Deserialize, Serialize};

use super::Extra;
use crate::query::Query;
use crate::status::ConnectionStatus;

/// Query of `GET {P}/tool_router/session/{id}/toolkits` (docs/spec/wire.md §5).
///
/// ```
/// use composio_core::models::ToolkitsQuery;
/// let q = ToolkitsQuery::new().toolkits(["gmail", "github"]).is_connected(true).limit(20);
/// assert_eq!(q.to_query_string(), "limit=20&toolkits=gmail%2Cgithub&is_connected=true");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolkitsQuery {
    /// Page size.
    pub limit: Option<u32>,
    /// Opaque cursor of the page to fetch.
    pub cursor: Option<String>,
    /// Only these toolkits.
    pub toolkits: Vec<String>,
    /// Only connected (or only unconnected) toolkits.
    pub is_connected: Option<bool>,
    /// Free-text search.
    pub search: Option<String>,
}

impl ToolkitsQuery {
    /// No filter, the server's page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the cursor.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// Only these toolkits.
    pub fn toolkits<I, S>(mut self, slugs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.toolkits = slugs.into_iter().map(Into::into).collect();
        self
    }

    /// Only connected (`true`) or only unconnected (`false`) toolkits.
    pub fn is_connected(mut self, connected: bool) -> Self {
        self.is_connected = Some(connected);
        self
    }

    /// Free-text search.
    pub fn search(mut self, search: impl Into<String>) -> Self {
        self.search = Some(search.into());
        self
    }

    /// The URL-encoded query string.
    pub fn to_query_string(&self) -> String {
        let mut q = Query::new();
        q.push_opt("limit", self.limit);
        q.push_opt("cursor", self.cursor.as_deref());
        q.push_list("toolkits", &self.toolkits);
        q.push_opt("is_connected", self.is_connected);
        q.push_opt("search", self.search.as_deref());
        q.finish()
    }
}

/// Display metadata of a toolkit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolkitMeta {
    /// Logo URL.
    #[serde(default)]
    pub logo: Option<String>,
    /// Short description.
    #[serde(default)]
    pub description: Option<String>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ToolkitMeta {
    /// No logo, no description.
    ///
    /// ```
    /// use composio_core::models::ToolkitMeta;
    /// let m = ToolkitMeta::new()
    ///     .logo("https://logos.composio.dev/api/gmail")
    ///     .description("Email by Google");
    /// assert_eq!(
    ///     serde_json::to_value(&m).unwrap(),
    ///     serde_json::json!({"logo": "https://logos.composio.dev/api/gmail",
    ///                        "description": "Email by Google"})
    /// );
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the logo URL.
    pub fn logo(mut self, logo: impl Into<String>) -> Self {
        self.logo = Some(logo.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// The auth config of a connection, as listed with a toolkit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolkitAuthConfig {
    /// `ac_…`
    pub id: String,
    /// Auth scheme (`OAUTH2`, `API_KEY`, …); the SDK calls it the mode.
    #[serde(default)]
    pub auth_scheme: Option<String>,
    /// Whether Composio (or the server) manages the OAuth app.
    #[serde(default)]
    pub is_composio_managed: bool,
}

impl ToolkitAuthConfig {
    /// An auth config reference (like [`AccountAuthConfig::new`](super::AccountAuthConfig::new)).
    ///
    /// ```
    /// use composio_core::models::ToolkitAuthConfig;
    /// let c = ToolkitAuthConfig::new("ac_1", "OAUTH2", true);
    /// assert_eq!(
    ///     serde_json::to_value(&c).unwrap(),
    ///     serde_json::json!({"id": "ac_1", "auth_scheme": "OAUTH2", "is_composio_managed": true})
    /// );
    /// ```
    pub fn new(id: impl Into<String>, auth_scheme: impl Into<String>, managed: bool) -> Self {
        Self {
            id: id.into(),
            auth_scheme: Some(auth_scheme.into()),
            is_composio_managed: managed,
        }
    }
}

/// The user's connected account for a toolkit, as listed with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolkitConnectedAccount {
    /// `ca_…`
    pub id: String,
    /// Status.
    pub status: ConnectionStatus,
    /// The end user.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Creation time (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Its auth config.
    #[serde(default)]
    pub auth_config: Option<ToolkitAuthConfig>,
}

impl ToolkitConnectedAccount {
    /// An account with its id and status; no user, creation time or auth config.
    ///
    /// ```
    /// use composio_core::ConnectionStatus;
    /// use composio_core::models::{ToolkitAuthConfig, ToolkitConnectedAccount};
    /// let a = ToolkitConnectedAccount::new("ca_1", ConnectionStatus::Active)
    ///     .user_id("user_123")
    ///     .created_at("2026-01-10T12:00:00.000Z")
    ///     .auth_config(ToolkitAuthConfig::new("ac_1", "OAUTH2", true));
    /// let json = serde_json::to_value(&a).unwrap();
    /// assert_eq!(json["status"], "ACTIVE");
    /// assert_eq!(json["auth_config"]["id"], "ac_1");
    /// ```
    pub fn new(id: impl Into<String>, status: ConnectionStatus) -> Self {
        Self {
            id: id.into(),
            status,
            user_id: None,
            created_at: None,
            auth_config: None,
        }
    }

    /// Sets the end user.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Sets the creation time (RFC 3339).
    pub fn created_at(mut self, created_at: impl Into<String>) -> Self {
        self.created_at = Some(created_at.into());
        self
    }

    /// Sets the auth config.
    pub fn auth_config(mut self, auth_config: ToolkitAuthConfig) -> Self {
        self.auth_config = Some(auth_config);
        self
    }
}

/// One toolkit of a session, with the user's connection (docs/spec/wire.md §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionToolkit {
    /// Display name.
    pub name: String,
    /// Slug (`gmail`).
    pub slug: String,
    /// Whether the toolkit is enabled in the session.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Whether it needs no authentication.
    #[serde(default)]
    pub is_no_auth: bool,
    /// Auth schemes Composio manages for it.
    #[serde(default)]
    pub composio_managed_auth_schemes: Vec<String>,
    /// Logo and description.
    #[serde(default)]
    pub meta: ToolkitMeta,
    /// The user's account, `None` when not connected.
    #[serde(default)]
    pub connected_account: Option<ToolkitConnectedAccount>,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

fn yes() -> bool {
    true
}

/// The connection of a toolkit as the SDKs present it (`toolkit.connection`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToolkitConnection {
    /// Whether the connected account is `ACTIVE`.
    pub is_active: bool,
    /// The auth config, when there is an account.
    pub auth_config: Option<ConnectionAuthConfig>,
    /// The connected account, when there is one.
    pub connected_account: Option<ConnectionAccount>,
}

/// Auth config of a [`ToolkitConnection`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionAuthConfig {
    /// `ac_…`
    pub id: String,
    /// Auth scheme (`OAUTH2`, …).
    pub mode: Option<String>,
    /// Whether the OAuth app is managed for you.
    pub is_composio_managed: bool,
}

/// Connected account of a [`ToolkitConnection`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionAccount {
    /// `ca_…`
    pub id: String,
    /// Status.
    pub status: ConnectionStatus,
}

impl SessionToolkit {
    /// An enabled toolkit that needs authentication, with no managed auth schemes, no
    /// metadata and no connected account (the defaults of `{"name": …, "slug": …}`).
    ///
    /// ```
    /// use composio_core::ConnectionStatus;
    /// use composio_core::models::{SessionToolkit, ToolkitConnectedAccount, ToolkitMeta};
    /// let t = SessionToolkit::new("Gmail", "gmail")
    ///     .composio_managed_auth_schemes(["OAUTH2"])
    ///     .meta(ToolkitMeta::new().logo("https://logos.composio.dev/api/gmail"))
    ///     .connected_account(ToolkitConnectedAccount::new("ca_1", ConnectionStatus::Active));
    /// assert!(t.is_connected());
    /// assert_eq!(t.logo(), Some("https://logos.composio.dev/api/gmail"));
    /// let json = serde_json::to_value(&t).unwrap();
    /// assert_eq!(json["enabled"], true);
    /// assert_eq!(json["is_no_auth"], false);
    /// ```
    pub fn new(name: impl Into<String>, slug: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            slug: slug.into(),
            enabled: yes(),
            is_no_auth: false,
            composio_managed_auth_schemes: Vec::new(),
            meta: ToolkitMeta::default(),
            connected_account: None,
            extra: Extra::new(),
        }
    }

    /// Sets whether the toolkit is enabled in the session.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Sets whether the toolkit needs no authentication.
    pub fn is_no_auth(mut self, no_auth: bool) -> Self {
        self.is_no_auth = no_auth;
        self
    }

    /// Sets the auth schemes Composio manages for it.
    pub fn composio_managed_auth_schemes<I>(mut self, schemes: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.composio_managed_auth_schemes = schemes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the logo and description.
    pub fn meta(mut self, meta: ToolkitMeta) -> Self {
        self.meta = meta;
        self
    }

    /// Sets the user's connected account.
    pub fn connected_account(mut self, account: ToolkitConnectedAccount) -> Self {
        self.connected_account = Some(account);
        self
    }

    /// The logo URL.
    pub fn logo(&self) -> Option<&str> {
        self.meta.logo.as_deref()
    }

    /// The user's connection; `None` for no-auth toolkits.
    ///
    /// ```
    /// use composio_core::models::SessionToolkit;
    /// let t: SessionToolkit = serde_json::from_str(r#"{"name":"Gmail","slug":"gmail",
    ///   "connected_account":{"id":"ca_1","status":"ACTIVE",
    ///     "auth_config":{"id":"ac_1","auth_scheme":"OAUTH2","is_composio_managed":true}}}"#).unwrap();
    /// let c = t.connection().unwrap();
    /// assert!(c.is_active);
    /// assert_eq!(c.connected_account.unwrap().id, "ca_1");
    /// ```
    pub fn connection(&self) -> Option<ToolkitConnection> {
        if self.is_no_auth {
            return None;
        }
        let account = self.connected_account.as_ref();
        Some(ToolkitConnection {
            is_active: account.is_some_and(|a| a.status == ConnectionStatus::Active),
            auth_config: account.and_then(|a| a.auth_config.as_ref()).map(|c| {
                ConnectionAuthConfig {
                    id: c.id.clone(),
                    mode: c.auth_scheme.clone(),
                    is_composio_managed: c.is_composio_managed,
                }
            }),
            connected_account: account.map(|a| ConnectionAccount {
                id: a.id.clone(),
                status: a.status.clone(),
            }),
        })
    }

    /// Whether the user has an `ACTIVE` account for this toolkit.
    pub fn is_connected(&self) -> bool {
        self.connection().is_some_and(|c| c.is_active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What composio-server's `toolkit_item` sends for a connected toolkit.
    #[test]
    fn constructors_build_what_the_server_sends() {
        let connected = serde_json::json!({
            "id": "ca_1", "user_id": "user_123", "status": "ACTIVE",
            "created_at": "2026-01-10T12:00:00.000Z",
            "auth_config": {"id": "ac_1", "auth_scheme": "OAUTH2",
                            "is_composio_managed": true},
        });
        let from_json: SessionToolkit = serde_json::from_value(serde_json::json!({
            "name": "Gmail", "slug": "gmail", "enabled": true, "is_no_auth": false,
            "composio_managed_auth_schemes": ["OAUTH2"],
            "meta": {"logo": "https://logos.composio.dev/api/gmail", "description": "Email"},
            "connected_account": connected,
        }))
        .unwrap();
        let built = SessionToolkit::new("Gmail", "gmail")
            .enabled(true)
            .is_no_auth(false)
            .composio_managed_auth_schemes(["OAUTH2"])
            .meta(
                ToolkitMeta::new()
                    .logo("https://logos.composio.dev/api/gmail")
                    .description("Email"),
            )
            .connected_account(
                ToolkitConnectedAccount::new("ca_1", ConnectionStatus::Active)
                    .user_id("user_123")
                    .created_at("2026-01-10T12:00:00.000Z")
                    .auth_config(ToolkitAuthConfig::new("ac_1", "OAUTH2", true)),
            );
        assert_eq!(built, from_json);
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            serde_json::to_value(&from_json).unwrap()
        );
    }

    /// What composio-server's `toolkit_item` sends for a no-auth toolkit (no account).
    #[test]
    fn a_no_auth_toolkit_without_account_matches_the_server_json() {
        let from_json: SessionToolkit = serde_json::from_value(serde_json::json!({
            "name": "Weather", "slug": "weather", "enabled": true, "is_no_auth": true,
            "composio_managed_auth_schemes": [],
            "meta": {"logo": "https://logos.composio.dev/api/weather", "description": ""},
            "connected_account": null,
        }))
        .unwrap();
        let built = SessionToolkit::new("Weather", "weather")
            .is_no_auth(true)
            .meta(
                ToolkitMeta::new()
                    .logo("https://logos.composio.dev/api/weather")
                    .description(""),
            );
        assert_eq!(built, from_json);
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            serde_json::to_value(&from_json).unwrap()
        );
        assert!(built.connection().is_none());
    }
}
