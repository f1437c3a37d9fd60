use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::Extra;
use crate::options::{ManageConnections, SessionOptions, ToolFilter, ToolkitFilter};

/// `POST {P}/tool_router/session` request body (docs/spec/wire.md §3).
///
/// ```
/// use composio_core::{SessionOptions, models::CreateSessionRequest};
/// let body = CreateSessionRequest::new("user_123", &SessionOptions::new().manage_connections(false));
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"user_id":"user_123","manage_connections":{"enable":false}}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateSessionRequest {
    /// The end user.
    pub user_id: String,
    /// Toolkit filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toolkits: Option<ToolkitFilter>,
    /// Auth config per toolkit.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub auth_configs: BTreeMap<String, String>,
    /// Connected accounts per toolkit (arrays in v3.1; a single string in v3 is accepted).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "one_or_many_map"
    )]
    pub connected_accounts: BTreeMap<String, Vec<String>>,
    /// In-chat connection management; always sent.
    #[serde(default)]
    pub manage_connections: ManageConnections,
    /// Tool filters per toolkit.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tools: BTreeMap<String, ToolFilter>,
    /// Tag filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagFilter>,
    /// Several accounts per toolkit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_account: Option<crate::options::MultiAccount>,
}

impl CreateSessionRequest {
    /// The request body for `user_id` and `options`.
    pub fn new(user_id: impl Into<String>, options: &SessionOptions) -> Self {
        Self {
            user_id: user_id.into(),
            toolkits: options.toolkits.clone(),
            auth_configs: options.auth_configs.clone(),
            connected_accounts: options.connected_accounts.clone(),
            manage_connections: options.manage_connections.clone(),
            tools: options.tools.clone(),
            tags: if options.tags.is_empty() {
                None
            } else {
                Some(TagFilter::Enable(options.tags.clone()))
            },
            multi_account: options.multi_account.clone(),
        }
    }
}

/// Tag filter of a session request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TagFilter {
    /// Only tools with these tags.
    #[serde(rename = "enable")]
    Enable(Vec<String>),
    /// No tools with these tags.
    #[serde(rename = "disable")]
    Disable(Vec<String>),
}

fn one_or_many_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let raw = Option::<BTreeMap<String, OneOrMany>>::deserialize(d)?.unwrap_or_default();
    Ok(raw
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                OneOrMany::One(s) => vec![s],
                OneOrMany::Many(v) => v,
            };
            (k, v)
        })
        .collect())
}

/// The MCP endpoint of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct McpInfo {
    /// Transport type: `http` (Streamable HTTP).
    #[serde(rename = "type")]
    pub kind: String,
    /// `<origin>/tool_router/<session_id>/mcp`.
    pub url: String,
}

impl McpInfo {
    /// An MCP endpoint of any transport type.
    ///
    /// ```
    /// use composio_core::models::McpInfo;
    /// let m = McpInfo::new("http", "https://h/tool_router/trs_1/mcp");
    /// assert_eq!(m, McpInfo::http("https://h/tool_router/trs_1/mcp"));
    /// assert_eq!(
    ///     serde_json::to_value(&m).unwrap(),
    ///     serde_json::json!({"type": "http", "url": "https://h/tool_router/trs_1/mcp"})
    /// );
    /// ```
    pub fn new(kind: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            url: url.into(),
        }
    }

    /// An MCP endpoint of type `http`.
    pub fn http(url: impl Into<String>) -> Self {
        Self {
            kind: "http".to_owned(),
            url: url.into(),
        }
    }
}

/// The echoed toolkit filter of a session config (`enabled` / `disabled`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ToolkitFilterEcho {
    /// Only these toolkits.
    #[serde(rename = "enabled")]
    Enabled(Vec<String>),
    /// All but these.
    #[serde(rename = "disabled")]
    Disabled(Vec<String>),
}

impl From<ToolkitFilter> for ToolkitFilterEcho {
    fn from(f: ToolkitFilter) -> Self {
        match f {
            ToolkitFilter::Enable(v) => Self::Enabled(v),
            ToolkitFilter::Disable(v) => Self::Disabled(v),
        }
    }
}

/// The echoed tag filter of a session config: both lists, one of them empty.
///
/// The config keeps it in [`extra`](SessionConfig::extra) under `tags`; set it with
/// [`SessionConfig::tags`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TagFilterEcho {
    /// Only tools with these tags (no restriction when empty).
    #[serde(default)]
    pub enabled: Vec<String>,
    /// No tools with these tags.
    #[serde(default)]
    pub disabled: Vec<String>,
}

impl TagFilterEcho {
    /// An echo of both lists.
    ///
    /// ```
    /// use composio_core::models::{TagFilter, TagFilterEcho};
    /// let echo = TagFilterEcho::new(["readOnlyHint"], Vec::<String>::new());
    /// assert_eq!(echo, TagFilterEcho::from(TagFilter::Enable(vec!["readOnlyHint".into()])));
    /// assert_eq!(
    ///     serde_json::to_value(&echo).unwrap(),
    ///     serde_json::json!({"enabled": ["readOnlyHint"], "disabled": []})
    /// );
    /// ```
    pub fn new<E, D>(enabled: E, disabled: D) -> Self
    where
        E: IntoIterator,
        E::Item: Into<String>,
        D: IntoIterator,
        D::Item: Into<String>,
    {
        Self {
            enabled: enabled.into_iter().map(Into::into).collect(),
            disabled: disabled.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<TagFilter> for TagFilterEcho {
    fn from(f: TagFilter) -> Self {
        match f {
            TagFilter::Enable(enabled) => Self {
                enabled,
                disabled: Vec::new(),
            },
            TagFilter::Disable(disabled) => Self {
                enabled: Vec::new(),
                disabled,
            },
        }
    }
}

/// `manage_connections` as echoed in a session config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManageConnectionsConfig {
    /// Whether in-chat connection management is on.
    pub enabled: bool,
    /// The session's callback URL.
    #[serde(default)]
    pub callback_url: Option<String>,
    /// Whether `COMPOSIO_WAIT_FOR_CONNECTIONS` is offered.
    #[serde(default)]
    pub enable_wait_for_connections: bool,
    /// Whether connections may be removed from chat.
    #[serde(default = "yes")]
    pub enable_connection_removal: bool,
}

fn yes() -> bool {
    true
}

impl ManageConnectionsConfig {
    /// On or off, without a callback URL, without `COMPOSIO_WAIT_FOR_CONNECTIONS`, with
    /// connection removal (the defaults of `{"enabled": …}`).
    ///
    /// ```
    /// use composio_core::models::ManageConnectionsConfig;
    /// let m = ManageConnectionsConfig::new(true)
    ///     .callback_url("https://app.example.com/chat")
    ///     .enable_wait_for_connections(true);
    /// assert_eq!(
    ///     serde_json::to_value(&m).unwrap(),
    ///     serde_json::json!({"enabled": true, "callback_url": "https://app.example.com/chat",
    ///                        "enable_wait_for_connections": true,
    ///                        "enable_connection_removal": true})
    /// );
    /// ```
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            callback_url: None,
            enable_wait_for_connections: false,
            enable_connection_removal: true,
        }
    }

    /// Sets the session's callback URL.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Sets whether `COMPOSIO_WAIT_FOR_CONNECTIONS` is offered.
    pub fn enable_wait_for_connections(mut self, enable: bool) -> Self {
        self.enable_wait_for_connections = enable;
        self
    }

    /// Sets whether connections may be removed from chat.
    pub fn enable_connection_removal(mut self, enable: bool) -> Self {
        self.enable_connection_removal = enable;
        self
    }
}

impl From<&ManageConnections> for ManageConnectionsConfig {
    fn from(m: &ManageConnections) -> Self {
        Self {
            enabled: m.enable,
            callback_url: m.callback_url.clone(),
            enable_wait_for_connections: m.wait_for_connections.unwrap_or(false),
            enable_connection_removal: true,
        }
    }
}

/// Tools preloaded into the session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Preload {
    /// Tool slugs (may be empty; the official clients need the array).
    #[serde(default)]
    pub tools: Vec<String>,
}

impl Preload {
    /// Preloads these tools.
    ///
    /// ```
    /// use composio_core::models::Preload;
    /// assert_eq!(Preload::new(["GMAIL_SEND_EMAIL"]).tools, vec!["GMAIL_SEND_EMAIL"]);
    /// assert_eq!(
    ///     serde_json::to_value(Preload::default()).unwrap(),
    ///     serde_json::json!({"tools": []})
    /// );
    /// ```
    pub fn new<I>(tools: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self {
            tools: tools.into_iter().map(Into::into).collect(),
        }
    }
}

/// The configuration a session was created with, as the server echoes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The end user.
    pub user_id: String,
    /// Toolkit filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toolkits: Option<ToolkitFilterEcho>,
    /// Auth config per toolkit.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub auth_configs: BTreeMap<String, String>,
    /// Connected accounts per toolkit.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "one_or_many_map"
    )]
    pub connected_accounts: BTreeMap<String, Vec<String>>,
    /// In-chat connection management.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_connections: Option<ManageConnectionsConfig>,
    /// Preloaded tools.
    #[serde(default)]
    pub preload: Preload,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SessionConfig {
    /// The config of a session of `user_id` with no filters, no `manage_connections` echo
    /// and an empty preload (the defaults of `{"user_id": …}`).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use composio_core::models::{
    ///     ManageConnectionsConfig, SessionConfig, TagFilterEcho, ToolkitFilterEcho,
    /// };
    /// let c = SessionConfig::new("user_123")
    ///     .toolkits(ToolkitFilterEcho::Enabled(vec!["gmail".into()]))
    ///     .auth_configs(BTreeMap::from([("gmail".to_owned(), "ac_1".to_owned())]))
    ///     .manage_connections(ManageConnectionsConfig::new(true))
    ///     .tags(TagFilterEcho::new(["readOnlyHint"], Vec::<String>::new()));
    /// let json = serde_json::to_value(&c).unwrap();
    /// assert_eq!(json["toolkits"], serde_json::json!({"enabled": ["gmail"]}));
    /// assert_eq!(json["preload"], serde_json::json!({"tools": []}));
    /// assert_eq!(json["tags"]["enabled"], serde_json::json!(["readOnlyHint"]));
    /// assert_eq!(serde_json::from_value::<SessionConfig>(json).unwrap(), c);
    /// ```
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            toolkits: None,
            auth_configs: BTreeMap::new(),
            connected_accounts: BTreeMap::new(),
            manage_connections: None,
            preload: Preload::default(),
            extra: Extra::new(),
        }
    }

    /// Sets the toolkit filter.
    pub fn toolkits(mut self, filter: ToolkitFilterEcho) -> Self {
        self.toolkits = Some(filter);
        self
    }

    /// Sets the auth config per toolkit.
    pub fn auth_configs(mut self, auth_configs: BTreeMap<String, String>) -> Self {
        self.auth_configs = auth_configs;
        self
    }

    /// Sets the connected accounts per toolkit.
    pub fn connected_accounts(mut self, accounts: BTreeMap<String, Vec<String>>) -> Self {
        self.connected_accounts = accounts;
        self
    }

    /// Sets the in-chat connection management echo.
    pub fn manage_connections(mut self, manage_connections: ManageConnectionsConfig) -> Self {
        self.manage_connections = Some(manage_connections);
        self
    }

    /// Sets the preloaded tools.
    pub fn preload(mut self, preload: Preload) -> Self {
        self.preload = preload;
        self
    }

    /// Sets the tag filter, kept in [`extra`](Self::extra) under `tags`.
    pub fn tags(mut self, tags: TagFilterEcho) -> Self {
        self.extra.insert("tags".to_owned(), to_json(&tags));
        self
    }

    /// Sets the tool filters per toolkit, kept in [`extra`](Self::extra) under `tools`
    /// (`{"gmail": {"disable": [...]}}`).
    pub fn tools(mut self, tools: BTreeMap<String, ToolFilter>) -> Self {
        self.extra.insert("tools".to_owned(), to_json(&tools));
        self
    }
}

/// JSON of a value whose serialization cannot fail (plain structs, string-keyed maps).
fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// `POST {P}/tool_router/session` (201) and `GET {P}/tool_router/session/{id}` (200).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionResponse {
    /// `trs_…`
    pub session_id: String,
    /// The session's MCP endpoint.
    pub mcp: McpInfo,
    /// The meta tools of the session.
    #[serde(default)]
    pub tool_router_tools: Vec<String>,
    /// The session's configuration.
    pub config: SessionConfig,
    /// Version of the configuration (the official clients need it).
    #[serde(default = "one")]
    pub config_version: u64,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

fn one() -> u64 {
    1
}

impl SessionResponse {
    /// A session response with no meta tools and `config_version` 1.
    ///
    /// ```
    /// use composio_core::models::{McpInfo, SessionConfig, SessionResponse};
    /// let r = SessionResponse::new(
    ///     "trs_1",
    ///     McpInfo::http("https://h/tool_router/trs_1/mcp"),
    ///     SessionConfig::new("user_123"),
    /// )
    /// .tool_router_tools(["COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL"]);
    /// let json = serde_json::to_value(&r).unwrap();
    /// assert_eq!(json["config_version"], 1);
    /// assert_eq!(json["tool_router_tools"][1], "COMPOSIO_MULTI_EXECUTE_TOOL");
    /// assert_eq!(serde_json::from_value::<SessionResponse>(json).unwrap(), r);
    /// ```
    pub fn new(session_id: impl Into<String>, mcp: McpInfo, config: SessionConfig) -> Self {
        Self {
            session_id: session_id.into(),
            mcp,
            tool_router_tools: Vec::new(),
            config,
            config_version: one(),
            extra: Extra::new(),
        }
    }

    /// Sets the meta tools of the session.
    pub fn tool_router_tools<I>(mut self, tools: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.tool_router_tools = tools.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the version of the configuration.
    pub fn config_version(mut self, version: u64) -> Self {
        self.config_version = version;
        self
    }
}

/// `DELETE {P}/tool_router/session/{id}` (v3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeleteSessionResponse {
    /// The deleted session.
    pub session_id: String,
    /// `true`.
    pub deleted: bool,
}

impl DeleteSessionResponse {
    /// A successful deletion of `session_id`.
    pub fn new(session_id: impl Into<String>) -> Self {
        Self {
            session_id: session_id.into(),
            deleted: true,
        }
    }
}

/// `POST {P}/tool_router/session/{id}/link` request (docs/spec/wire.md §4).
///
/// ```
/// use composio_core::models::LinkRequest;
/// let r = LinkRequest::new("gmail", None);
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"toolkit":"gmail"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LinkRequest {
    /// Toolkit slug.
    pub toolkit: String,
    /// Where the user lands afterwards (the session's callback URL when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// The new account's alias, unique per user and toolkit (docs/spec/wire-2026.md §16.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

impl LinkRequest {
    /// A link request.
    pub fn new(toolkit: impl Into<String>, callback_url: Option<String>) -> Self {
        Self {
            toolkit: toolkit.into(),
            callback_url,
            alias: None,
        }
    }

    /// Names the new account.
    ///
    /// ```
    /// use composio_core::models::LinkRequest;
    /// let r = LinkRequest::new("gmail", None).alias("work-gmail");
    /// assert_eq!(serde_json::to_value(&r).unwrap()["alias"], "work-gmail");
    /// ```
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = Some(alias.into());
        self
    }
}

/// `POST {P}/tool_router/session/{id}/link` response (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LinkResponse {
    /// `lk_…`
    #[serde(default)]
    pub link_token: Option<String>,
    /// The Connect Link.
    pub redirect_url: String,
    /// The new connected account (status `INITIATED`).
    pub connected_account_id: String,
}

impl LinkResponse {
    /// A link response.
    pub fn new(
        link_token: impl Into<String>,
        redirect_url: impl Into<String>,
        connected_account_id: impl Into<String>,
    ) -> Self {
        Self {
            link_token: Some(link_token.into()),
            redirect_url: redirect_url.into(),
            connected_account_id: connected_account_id.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_create_request_matches_spec_example() {
        let opts = SessionOptions::new()
            .toolkits(["gmail", "github"])
            .auth_config("gmail", "ac_AbCdEfGhIjKl")
            .connected_account("github", "ca_AbCdEfGhIjKl")
            .manage_connections(
                ManageConnections::with_callback_url("https://app.example.com/chat")
                    .wait_for_connections(false),
            )
            .tool_filter(
                "gmail",
                ToolFilter::Disable(vec!["GMAIL_DELETE_MESSAGE".into()]),
            )
            .tags(["readOnlyHint"]);
        let body = serde_json::to_value(CreateSessionRequest::new("user_123", &opts)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
              "user_id": "user_123",
              "toolkits": {"enable": ["gmail", "github"]},
              "auth_configs": {"gmail": "ac_AbCdEfGhIjKl"},
              "connected_accounts": {"github": ["ca_AbCdEfGhIjKl"]},
              "manage_connections": {"enable": true, "callback_url": "https://app.example.com/chat",
                                     "enable_wait_for_connections": false},
              "tools": {"gmail": {"disable": ["GMAIL_DELETE_MESSAGE"]}},
              "tags": {"enable": ["readOnlyHint"]}
            })
        );
    }

    #[test]
    fn v3_single_string_connected_accounts_are_accepted() {
        let r: CreateSessionRequest = serde_json::from_str(
            r#"{"user_id":"u","connected_accounts":{"github":"ca_1"},"unknown":1}"#,
        )
        .unwrap();
        assert_eq!(r.connected_accounts["github"], vec!["ca_1".to_owned()]);
        assert!(
            r.manage_connections.enable,
            "omitted manage_connections means enabled"
        );
    }

    /// The config composio-server stores and echoes for a session with every option set.
    fn server_config_json() -> serde_json::Value {
        serde_json::json!({
            "user_id": "user_123",
            "auth_configs": {"gmail": "ac_1"},
            "connected_accounts": {"github": ["ca_1", "ca_2"]},
            "manage_connections": {"enabled": true, "callback_url": "https://app.example.com/chat",
                                   "enable_wait_for_connections": true,
                                   "enable_connection_removal": true},
            "preload": {"tools": []},
            "toolkits": {"disabled": ["slack"]},
            "tags": {"enabled": [], "disabled": ["destructiveHint"]},
            "tools": {"gmail": {"disable": ["GMAIL_DELETE_MESSAGE"]},
                      "github": {"enable": ["GITHUB_GET_REPO"]}},
        })
    }

    fn built_config() -> SessionConfig {
        SessionConfig::new("user_123")
            .auth_configs(BTreeMap::from([("gmail".into(), "ac_1".into())]))
            .connected_accounts(BTreeMap::from([(
                "github".into(),
                vec!["ca_1".into(), "ca_2".into()],
            )]))
            .manage_connections(
                ManageConnectionsConfig::new(true)
                    .callback_url("https://app.example.com/chat")
                    .enable_wait_for_connections(true),
            )
            .preload(Preload::default())
            .toolkits(ToolkitFilterEcho::from(ToolkitFilter::Disable(vec![
                "slack".into(),
            ])))
            .tags(TagFilterEcho::from(TagFilter::Disable(vec![
                "destructiveHint".into(),
            ])))
            .tools(BTreeMap::from([
                (
                    "gmail".into(),
                    ToolFilter::Disable(vec!["GMAIL_DELETE_MESSAGE".into()]),
                ),
                (
                    "github".into(),
                    ToolFilter::Enable(vec!["GITHUB_GET_REPO".into()]),
                ),
            ]))
    }

    #[test]
    fn config_constructors_build_what_the_server_sends() {
        let from_json: SessionConfig = serde_json::from_value(server_config_json()).unwrap();
        let built = built_config();
        assert_eq!(built, from_json);
        assert_eq!(serde_json::to_value(&built).unwrap(), server_config_json());
    }

    #[test]
    fn a_minimal_config_matches_the_server_json_without_options() {
        let json = serde_json::json!({
            "user_id": "u",
            "auth_configs": {},
            "connected_accounts": {},
            "manage_connections": {"enabled": false, "callback_url": null,
                                   "enable_wait_for_connections": false,
                                   "enable_connection_removal": true},
            "preload": {"tools": []},
        });
        let from_json: SessionConfig = serde_json::from_value(json).unwrap();
        let built = SessionConfig::new("u").manage_connections(ManageConnectionsConfig::from(
            &ManageConnections::from(false),
        ));
        assert_eq!(built, from_json);
        assert_eq!(
            built.manage_connections,
            Some(ManageConnectionsConfig::new(false))
        );
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            serde_json::to_value(&from_json).unwrap()
        );
    }

    #[test]
    fn tag_echo_of_an_enable_filter_has_an_empty_disabled_list() {
        assert_eq!(
            serde_json::to_value(TagFilterEcho::from(TagFilter::Enable(vec![
                "readOnlyHint".into()
            ])))
            .unwrap(),
            serde_json::json!({"enabled": ["readOnlyHint"], "disabled": []})
        );
    }

    #[test]
    fn response_constructors_build_what_the_server_sends() {
        let json = serde_json::json!({
            "session_id": "trs_1",
            "mcp": {"type": "http", "url": "http://127.0.0.1:8000/tool_router/trs_1/mcp"},
            "tool_router_tools": ["COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL",
                                  "COMPOSIO_MANAGE_CONNECTIONS", "COMPOSIO_WAIT_FOR_CONNECTIONS"],
            "config": server_config_json(),
            "config_version": 1,
        });
        let from_json: SessionResponse = serde_json::from_value(json.clone()).unwrap();
        let built = SessionResponse::new(
            "trs_1",
            McpInfo::http("http://127.0.0.1:8000/tool_router/trs_1/mcp"),
            built_config(),
        )
        .tool_router_tools([
            "COMPOSIO_SEARCH_TOOLS",
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            "COMPOSIO_MANAGE_CONNECTIONS",
            "COMPOSIO_WAIT_FOR_CONNECTIONS",
        ])
        .config_version(1);
        assert_eq!(built, from_json);
        assert_eq!(serde_json::to_value(&built).unwrap(), json);
    }

    #[test]
    fn session_response_keeps_unknown_fields() {
        let json = r#"{"session_id":"trs_1","mcp":{"type":"http","url":"http://h/tool_router/trs_1/mcp"},
            "tool_router_tools":["COMPOSIO_MANAGE_CONNECTIONS"],
            "config":{"user_id":"u","manage_connections":{"enabled":true,"callback_url":null},
                      "preload":{"tools":[]},"workbench":{"enable":true}},
            "config_version":1,"warnings":[]}"#;
        let s: SessionResponse = serde_json::from_str(json).unwrap();
        assert_eq!(s.mcp.kind, "http");
        assert!(s.config.manage_connections.as_ref().unwrap().enabled);
        assert!(s.config.extra.contains_key("workbench"));
        assert!(s.extra.contains_key("warnings"));
    }
}
