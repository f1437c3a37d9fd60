//! The session's meta tools, one variant of [`MetaTool`] each: `COMPOSIO_SEARCH_TOOLS`
//! ([`search`]), `COMPOSIO_MULTI_EXECUTE_TOOL` ([`multi_execute`]),
//! `COMPOSIO_MANAGE_CONNECTIONS` ([`manage`]) and `COMPOSIO_WAIT_FOR_CONNECTIONS` ([`wait`]),
//! their JSON-Schema definitions ([`schemas`]), and [`execute_tool`], which runs a meta tool
//! or an app tool for the execute endpoints and MCP alike.
//!
//! Errors, consistently on both endpoints (and for MCP):
//! - unknown tool slug (neither a meta tool nor an app tool): 404 `Tool_NotFound` envelope;
//! - a meta tool the session does not offer, a toolkit or tool the session disables, invalid
//!   arguments, no connected account, provider errors: 200 with a failed execute envelope
//!   (`successful: false`, `result_type: "failed"`, `error` telling the agent what to do).

mod manage;
mod multi_execute;
mod schemas;
mod search;
mod wait;

use std::collections::HashSet;

use composio_core::models::{ExecuteResponse, SessionConfig, Tool, ToolToolkit};
use serde_json::{json, Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::service::sessions::{load, toolkit_allowed};
use crate::state::SharedState;
use crate::tools::schema;

/// A meta tool of the tool router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetaTool {
    /// `COMPOSIO_SEARCH_TOOLS`
    SearchTools,
    /// `COMPOSIO_MULTI_EXECUTE_TOOL`
    MultiExecute,
    /// `COMPOSIO_MANAGE_CONNECTIONS`
    ManageConnections,
    /// `COMPOSIO_WAIT_FOR_CONNECTIONS`
    WaitForConnections,
}

impl MetaTool {
    /// Every meta tool.
    pub(crate) const ALL: [Self; 4] = [
        Self::SearchTools,
        Self::MultiExecute,
        Self::ManageConnections,
        Self::WaitForConnections,
    ];

    /// Its slug.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Self::SearchTools => "COMPOSIO_SEARCH_TOOLS",
            Self::MultiExecute => "COMPOSIO_MULTI_EXECUTE_TOOL",
            Self::ManageConnections => "COMPOSIO_MANAGE_CONNECTIONS",
            Self::WaitForConnections => "COMPOSIO_WAIT_FOR_CONNECTIONS",
        }
    }

    /// The meta tool a slug names (case-insensitively).
    pub(crate) fn parse(slug: &str) -> Option<Self> {
        let slug = slug.trim();
        Self::ALL
            .into_iter()
            .find(|t| t.slug().eq_ignore_ascii_case(slug))
    }

    /// The tool as a `Tool` model (what `GET …/tools` lists).
    fn definition(self) -> Tool {
        let s = schemas::schema(self);
        Tool::new(
            self.slug(),
            ToolToolkit::new("composio")
                .name("Composio")
                .logo("https://logos.composio.dev/api/composio"),
        )
        .name(s.name)
        .description(s.description)
        .input_parameters(s.input)
        .output_parameters(s.output)
        .no_auth(true)
        .version("00000000_00")
    }
}

/// The meta tools a session offers: search and multi-execute always; manage connections when
/// `manage_connections` is enabled, and wait when it also enables waiting.
pub(crate) fn offered(config: &SessionConfig) -> Vec<MetaTool> {
    let mut tools = vec![MetaTool::SearchTools, MetaTool::MultiExecute];
    if let Some(mc) = config.manage_connections.as_ref().filter(|m| m.enabled) {
        tools.push(MetaTool::ManageConnections);
        if mc.enable_wait_for_connections {
            tools.push(MetaTool::WaitForConnections);
        }
    }
    tools
}

/// The meta tools of a session as `Tool` models.
pub(crate) fn definitions(config: &SessionConfig) -> Vec<Tool> {
    offered(config)
        .into_iter()
        .map(MetaTool::definition)
        .collect()
}

/// 404 for a slug that is neither a meta tool nor an app tool.
fn unknown_tool(state: &SharedState, slug: &str) -> ApiError {
    let err = ApiError::not_found("Tool_NotFound", format!("Tool '{slug}' not found"));
    match state.catalog.closest_tool(slug) {
        Some(c) => err.fix(format!(
            "Did you mean '{c}'? Use COMPOSIO_SEARCH_TOOLS to find tools."
        )),
        None => err.fix("Use COMPOSIO_SEARCH_TOOLS to find tools for a task."),
    }
}

/// Toolkit slugs of the arguments, trimmed, deduplicated (case-insensitively), in order.
fn toolkit_args(args: &Map<String, Value>) -> Vec<String> {
    let mut seen = HashSet::new();
    args.get("toolkits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && seen.insert(s.to_ascii_lowercase()))
        .collect()
}

/// Runs a meta tool or app tool of a session (shared by the execute endpoints and MCP).
pub(crate) async fn execute_tool(
    state: &SharedState,
    project: &str,
    id: &str,
    slug: &str,
    args: &Value,
    account: Option<&str>,
) -> ApiResult<ExecuteResponse> {
    let (_, config) = load(state, project, id).await?;
    let log_id = crate::ids::execution_log();
    let slug = slug.trim();
    let Some(tool) = MetaTool::parse(slug) else {
        return app_tool(state, project, &config, slug, args, account, log_id).await;
    };
    if !offered(&config).contains(&tool) {
        let why = match tool {
            MetaTool::ManageConnections | MetaTool::WaitForConnections => {
                " (in-chat connection management is off: manage_connections is disabled, or \
                 enable_wait_for_connections is not set)"
            }
            _ => "",
        };
        return Ok(ExecuteResponse::failed(
            json!({}),
            format!(
                "Tool '{}' is not available in this session{why}",
                tool.slug()
            ),
            log_id,
        ));
    }
    let args = match schema::check(&schemas::schema(tool).input, args) {
        Ok(a) => a,
        Err(e) => {
            return Ok(ExecuteResponse::failed(
                json!({}),
                format!("Invalid arguments for {}: {e}", tool.slug()),
                log_id,
            ))
        }
    };
    Ok(match tool {
        MetaTool::ManageConnections => {
            let reinit = args.get("reinitiate_all").and_then(Value::as_bool) == Some(true);
            let alias = args.get("alias").and_then(Value::as_str);
            let data = manage::manage(state, project, &config, &toolkit_args(&args), reinit, alias)
                .await?;
            ExecuteResponse::completed(data, log_id)
        }
        MetaTool::WaitForConnections => {
            let all = args.get("mode").and_then(Value::as_str) == Some("all");
            let timeout = wait::wait_time(&args);
            let toolkits = toolkit_args(&args);
            let data = wait::wait(state, project, &config, &toolkits, all, timeout).await?;
            ExecuteResponse::completed(data, log_id)
        }
        MetaTool::SearchTools => match search::search(state, project, id, &config, &args).await {
            Ok(data) => ExecuteResponse::completed(data, log_id),
            Err(e) if e.status == axum::http::StatusCode::BAD_REQUEST => {
                ExecuteResponse::failed(json!({}), e.message, log_id)
            }
            Err(e) => return Err(e),
        },
        MetaTool::MultiExecute => multi_execute::run(state, project, &config, &args, log_id).await,
    })
}

/// Runs an app tool: 404 when unknown; failed envelopes when the session disables it.
pub(super) async fn app_tool(
    state: &SharedState,
    project: &str,
    config: &SessionConfig,
    slug: &str,
    args: &Value,
    account: Option<&str>,
    log_id: String,
) -> ApiResult<ExecuteResponse> {
    let (tk, tool) = state
        .catalog
        .tool(slug)
        .ok_or_else(|| unknown_tool(state, slug))?;
    if !toolkit_allowed(config, &tk.slug) {
        return Ok(ExecuteResponse::failed(
            json!({}),
            format!("Toolkit '{}' is not enabled in this session", tk.slug),
            log_id,
        ));
    }
    if !crate::service::search::tool_allowed(config, tk, tool) {
        return Ok(ExecuteResponse::failed(
            json!({}),
            format!("Tool '{}' is disabled in this session", tool.slug),
            log_id,
        ));
    }
    crate::tools::exec::run(state, project, config, (tk, tool), args, account, log_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_parse_back_case_insensitively() {
        for t in MetaTool::ALL {
            assert_eq!(MetaTool::parse(t.slug()), Some(t));
            assert_eq!(
                MetaTool::parse(&format!(" {} ", t.slug().to_lowercase())),
                Some(t)
            );
        }
        assert_eq!(MetaTool::parse("GMAIL_FETCH_EMAILS"), None);
    }

    #[test]
    fn offered_tools_follow_manage_connections() {
        let config = |mc: Value| -> SessionConfig {
            serde_json::from_value(json!({"user_id": "u", "manage_connections": mc})).unwrap()
        };
        let slugs = |c: &SessionConfig| -> Vec<&str> {
            offered(c).into_iter().map(MetaTool::slug).collect()
        };
        assert_eq!(
            slugs(&config(json!({"enabled": false}))),
            ["COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL"]
        );
        assert_eq!(
            slugs(&config(
                json!({"enabled": true, "enable_wait_for_connections": true})
            )),
            [
                "COMPOSIO_SEARCH_TOOLS",
                "COMPOSIO_MULTI_EXECUTE_TOOL",
                "COMPOSIO_MANAGE_CONNECTIONS",
                "COMPOSIO_WAIT_FOR_CONNECTIONS"
            ]
        );
        let defs = definitions(&config(json!({"enabled": true})));
        assert_eq!(defs.len(), 3);
        assert!(defs.iter().all(|d| d.input_parameters.is_object()));
    }
}
