//! The execute endpoints (spec §6) and the session's meta tools: their JSON-Schema
//! definitions and dispatch to connections (`MANAGE`/`WAIT`), search and app tools.
//!
//! Errors, consistently on both endpoints (and for MCP through [`execute_tool`]):
//! - unknown tool slug (neither a meta tool nor an app tool): 404 `Tool_NotFound` envelope;
//! - a meta tool the session does not offer, a toolkit or tool the session disables, invalid
//!   arguments, no connected account, provider errors: 200 with a failed execute envelope
//!   (`successful: false`, `result_type: "failed"`, `error` telling the agent what to do).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use composio_core::models::{
    ExecuteMetaRequest, ExecuteRequest, ExecuteResponse, SessionConfig, Tool, ToolToolkit,
};
use serde_json::{json, Value};

use super::sessions::{load, router_tools, toolkit_allowed};
use super::{connections, json_response, search, ApiJson, Project};
use crate::error::{ApiError, ApiResult};
use crate::state::SharedState;
use crate::tools::schema;

mod schemas;

/// The meta tools of a session as `Tool` models (what `GET …/tools` lists).
pub(crate) fn definitions(config: &SessionConfig) -> ApiResult<Vec<Tool>> {
    router_tools(config)
        .into_iter()
        .map(|slug| {
            let (name, description, input, output) = schemas::meta(slug);
            Ok(Tool::new(
                slug,
                ToolToolkit::new("composio")
                    .name("Composio")
                    .logo("https://logos.composio.dev/api/composio"),
            )
            .name(name)
            .description(description)
            .input_parameters(input)
            .output_parameters(output)
            .no_auth(true)
            .version("00000000_00"))
        })
        .collect()
}

pub(super) async fn execute(
    state: State<SharedState>,
    project: Extension<Project>,
    id: Path<String>,
    ApiJson(req): ApiJson<ExecuteRequest>,
) -> ApiResult<Response> {
    run(state, project, id, req.tool_slug, req.arguments).await
}

pub(super) async fn execute_meta(
    state: State<SharedState>,
    project: Extension<Project>,
    id: Path<String>,
    ApiJson(req): ApiJson<ExecuteMetaRequest>,
) -> ApiResult<Response> {
    run(state, project, id, req.slug, req.arguments).await
}

async fn run(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    slug: String,
    args: Value,
) -> ApiResult<Response> {
    let r = execute_tool(&state, &project, &id, &slug, &args).await?;
    Ok(json_response(StatusCode::OK, &r))
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

/// Runs a meta tool or app tool of a session (shared by the execute endpoints and MCP).
pub(crate) async fn execute_tool(
    state: &SharedState,
    project: &str,
    id: &str,
    slug: &str,
    args: &Value,
) -> ApiResult<ExecuteResponse> {
    let (_, config) = load(state, project, id).await?;
    let log_id = crate::ids::execution_log();
    let slug = slug.trim();
    let upper = slug.to_ascii_uppercase();
    if !schemas::is_meta(&upper) {
        return app_tool(state, project, &config, slug, args, log_id).await;
    }
    if !router_tools(&config).contains(&upper.as_str()) {
        let why = if upper.contains("CONNECTIONS") {
            " (in-chat connection management is off: manage_connections is disabled, or \
             enable_wait_for_connections is not set)"
        } else {
            ""
        };
        return Ok(ExecuteResponse::failed(
            json!({}),
            format!("Tool '{upper}' is not available in this session{why}"),
            log_id,
        ));
    }
    let (_, _, input, _) = schemas::meta(&upper);
    let args = match schema::check(&input, args) {
        Ok(a) => a,
        Err(e) => {
            return Ok(ExecuteResponse::failed(
                json!({}),
                format!("Invalid arguments for {upper}: {e}"),
                log_id,
            ))
        }
    };
    let toolkits = connections::toolkit_args(&args);
    let resp = match upper.as_str() {
        "COMPOSIO_MANAGE_CONNECTIONS" => {
            let reinit = args.get("reinitiate_all").and_then(Value::as_bool) == Some(true);
            let data = connections::manage(state, project, &config, &toolkits, reinit).await?;
            ExecuteResponse::completed(data, log_id)
        }
        "COMPOSIO_WAIT_FOR_CONNECTIONS" => {
            let all = args.get("mode").and_then(Value::as_str) == Some("all");
            let timeout = connections::wait_time(&args);
            let data = connections::wait(state, project, &config, &toolkits, all, timeout).await?;
            ExecuteResponse::completed(data, log_id)
        }
        "COMPOSIO_SEARCH_TOOLS" => ExecuteResponse::completed(
            search::search(state, project, &config, &args).await?,
            log_id,
        ),
        _ => {
            let config = &config;
            search::multi_execute(&args, log_id, |slug, a| async move {
                let inner = crate::ids::execution_log();
                if schemas::is_meta(&slug.to_ascii_uppercase()) {
                    let e = format!("{slug}: meta tools cannot run inside COMPOSIO_MULTI_EXECUTE_TOOL; call it directly");
                    return (false, json!({}), Some(e));
                }
                match app_tool(state, project, config, &slug, &a, inner).await {
                    Ok(r) => {
                        let err = r.error.map(|e| if e.starts_with(&slug) { e } else { format!("{slug}: {e}") });
                        (r.successful, r.data, err)
                    }
                    Err(e) => {
                        let fix = e.suggested_fix.clone().map(|f| format!(" {f}")).unwrap_or_default();
                        (false, json!({}), Some(format!("{slug}: {}.{fix}", e.message)))
                    }
                }
            })
            .await
        }
    };
    Ok(resp)
}

/// Runs an app tool: 404 when unknown; failed envelopes when the session disables it.
async fn app_tool(
    state: &SharedState,
    project: &str,
    config: &SessionConfig,
    slug: &str,
    args: &Value,
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
    if !search::tool_allowed(config, tk, tool) {
        return Ok(ExecuteResponse::failed(
            json!({}),
            format!("Tool '{}' is disabled in this session", tool.slug),
            log_id,
        ));
    }
    crate::tools::exec::run(state, project, config, tk, tool, args, log_id).await
}
