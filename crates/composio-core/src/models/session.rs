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
}

impl LinkRequest {
    /// A link request.
    pub fn new(toolkit: impl Into<String>, callback_url: Option<String>) -> Self {
        Self {
            toolkit: toolkit.into(),
            callback_url,
        }
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
