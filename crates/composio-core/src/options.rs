//! Options of a new session (`composio.create(user_id, options)`).

use std::collections::BTreeMap;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// Whether the session's agent may prompt the user to connect accounts in chat (the
/// `COMPOSIO_MANAGE_CONNECTIONS` meta tool), and where the user lands afterwards.
///
/// Always serialized in the object form `{"enable": …}` (never `enabled`, which the API
/// rejects). A plain `bool` converts into it.
///
/// ```
/// use composio_core::ManageConnections;
///
/// let off = ManageConnections::from(false);
/// assert_eq!(serde_json::to_string(&off).unwrap(), r#"{"enable":false}"#);
///
/// let cb = ManageConnections::with_callback_url("https://yourapp.com/chat");
/// assert_eq!(
///     serde_json::to_string(&cb).unwrap(),
///     r#"{"enable":true,"callback_url":"https://yourapp.com/chat"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ManageConnections {
    /// Whether in-chat connection management is on.
    pub enable: bool,
    /// Where the user is sent after finishing a Connect Link created in chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Whether the session also gets the `COMPOSIO_WAIT_FOR_CONNECTIONS` meta tool.
    #[serde(
        rename = "enable_wait_for_connections",
        skip_serializing_if = "Option::is_none"
    )]
    pub wait_for_connections: Option<bool>,
}

impl ManageConnections {
    /// Enabled (the default) or disabled, with no callback URL.
    pub fn new(enable: bool) -> Self {
        Self {
            enable,
            callback_url: None,
            wait_for_connections: None,
        }
    }

    /// Enabled, sending users to `url` after they connect.
    pub fn with_callback_url(url: impl Into<String>) -> Self {
        Self::new(true).callback_url(url)
    }

    /// Sets the callback URL.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Turns the `COMPOSIO_WAIT_FOR_CONNECTIONS` meta tool on or off.
    pub fn wait_for_connections(mut self, on: bool) -> Self {
        self.wait_for_connections = Some(on);
        self
    }
}

impl Default for ManageConnections {
    fn default() -> Self {
        Self::new(true)
    }
}

impl From<bool> for ManageConnections {
    fn from(enable: bool) -> Self {
        Self::new(enable)
    }
}

/// Accepts `true`/`false` or the object form (`enable` defaults to `true`).
impl<'de> Deserialize<'de> for ManageConnections {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ManageConnections;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a boolean or an object {enable, callback_url, enable_wait_for_connections}",
                )
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ManageConnections::new(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(ManageConnections::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = ManageConnections::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "enable" => out.enable = map.next_value()?,
                        "enabled" => {
                            return Err(de::Error::custom(
                                "use `enable`, not `enabled`, in manage_connections",
                            ))
                        }
                        "callback_url" => out.callback_url = map.next_value()?,
                        "enable_wait_for_connections" => {
                            out.wait_for_connections = map.next_value()?
                        }
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Which toolkits a session may use: `{"enable": […]}` or `{"disable": […]}`, never both.
///
/// ```
/// use composio_core::ToolkitFilter;
/// let f = ToolkitFilter::Enable(vec!["gmail".into(), "github".into()]);
/// assert_eq!(serde_json::to_string(&f).unwrap(), r#"{"enable":["gmail","github"]}"#);
/// // `enabled` is the response spelling; a request using it is rejected.
/// assert!(serde_json::from_str::<ToolkitFilter>(r#"{"enabled":["gmail"]}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub enum ToolkitFilter {
    /// Only these toolkits.
    #[serde(rename = "enable")]
    Enable(Vec<String>),
    /// All toolkits but these.
    #[serde(rename = "disable")]
    Disable(Vec<String>),
}

/// Per-toolkit tool filter: `{"enable": […]}` or `{"disable": […]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ToolFilter {
    /// Only these tools.
    #[serde(rename = "enable")]
    Enable(Vec<String>),
    /// All tools but these.
    #[serde(rename = "disable")]
    Disable(Vec<String>),
}

/// Options of `composio.create(user_id, options)`.
///
/// ```
/// use composio_core::{ManageConnections, SessionOptions};
/// let opts = SessionOptions::new()
///     .manage_connections(false)
///     .toolkits(["gmail", "github"]);
/// assert!(!opts.manage_connections.enable);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionOptions {
    /// In-chat connection management (default: enabled).
    pub manage_connections: ManageConnections,
    /// Restrict the session's toolkits.
    pub toolkits: Option<ToolkitFilter>,
    /// Auth config to use per toolkit slug.
    pub auth_configs: BTreeMap<String, String>,
    /// Connected accounts to use per toolkit slug.
    pub connected_accounts: BTreeMap<String, Vec<String>>,
    /// Per-toolkit tool filters.
    pub tools: BTreeMap<String, ToolFilter>,
    /// Tool tags to enable (e.g. `readOnlyHint`).
    pub tags: Vec<String>,
    /// Several accounts per toolkit (docs/spec/wire-2026.md §16.1).
    pub multi_account: Option<MultiAccount>,
}

/// A session's multi-account settings: several accounts per toolkit may be connected, pinned
/// and chosen per tool call.
///
/// ```
/// use composio_core::{MultiAccount, SessionOptions};
/// let opts = SessionOptions::new().multi_account(MultiAccount::enabled().max_accounts_per_toolkit(3));
/// let json = serde_json::to_value(opts.multi_account.unwrap()).unwrap();
/// assert_eq!(json, serde_json::json!({"enable": true, "max_accounts_per_toolkit": 3}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct MultiAccount {
    /// Whether several accounts per toolkit are allowed.
    pub enable: bool,
    /// At most this many active accounts per toolkit (2 to 10; the server's default is 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_accounts_per_toolkit: Option<u8>,
    /// With several active accounts, every tool call must name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_explicit_selection: Option<bool>,
}

impl MultiAccount {
    /// Multi-account mode on, with the server's defaults.
    pub fn enabled() -> Self {
        Self {
            enable: true,
            ..Self::default()
        }
    }

    /// At most `n` active accounts per toolkit (2 to 10).
    pub fn max_accounts_per_toolkit(mut self, n: u8) -> Self {
        self.max_accounts_per_toolkit = Some(n);
        self
    }

    /// Whether tool calls must name their account when there are several.
    pub fn require_explicit_selection(mut self, on: bool) -> Self {
        self.require_explicit_selection = Some(on);
        self
    }
}

impl SessionOptions {
    /// The defaults: manage_connections on, no filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets manage_connections from a `bool` or a [`ManageConnections`].
    pub fn manage_connections(mut self, mc: impl Into<ManageConnections>) -> Self {
        self.manage_connections = mc.into();
        self
    }

    /// Only these toolkits.
    pub fn toolkits<I, S>(mut self, slugs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.toolkits = Some(ToolkitFilter::Enable(
            slugs.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// All toolkits but these.
    pub fn disable_toolkits<I, S>(mut self, slugs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.toolkits = Some(ToolkitFilter::Disable(
            slugs.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Use auth config `auth_config_id` for `toolkit`.
    pub fn auth_config(
        mut self,
        toolkit: impl Into<String>,
        auth_config_id: impl Into<String>,
    ) -> Self {
        self.auth_configs
            .insert(toolkit.into(), auth_config_id.into());
        self
    }

    /// Use connected account `id` for `toolkit`.
    pub fn connected_account(mut self, toolkit: impl Into<String>, id: impl Into<String>) -> Self {
        self.connected_accounts
            .entry(toolkit.into())
            .or_default()
            .push(id.into());
        self
    }

    /// Sets a tool filter for `toolkit`.
    pub fn tool_filter(mut self, toolkit: impl Into<String>, filter: ToolFilter) -> Self {
        self.tools.insert(toolkit.into(), filter);
        self
    }

    /// Enables tool tags.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the multi-account settings.
    pub fn multi_account(mut self, multi_account: MultiAccount) -> Self {
        self.multi_account = Some(multi_account);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_connections_accepts_bool_and_object() {
        let m: ManageConnections = serde_json::from_str("false").unwrap();
        assert!(!m.enable);
        let m: ManageConnections = serde_json::from_str(
            r#"{"callback_url":"https://x.y/cb","enable_wait_for_connections":true,"other":1}"#,
        )
        .unwrap();
        assert!(m.enable, "enable defaults to true");
        assert_eq!(m.callback_url.as_deref(), Some("https://x.y/cb"));
        assert_eq!(m.wait_for_connections, Some(true));
        let err = serde_json::from_str::<ManageConnections>(r#"{"enabled":true}"#).unwrap_err();
        assert!(err.to_string().contains("not `enabled`"), "{err}");
    }

    #[test]
    fn manage_connections_serializes_all_fields() {
        let m = ManageConnections::with_callback_url("https://example.com/session-cb")
            .wait_for_connections(true);
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            serde_json::json!({"enable": true, "callback_url": "https://example.com/session-cb",
                               "enable_wait_for_connections": true})
        );
    }
}
