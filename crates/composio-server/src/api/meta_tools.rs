//! The session's meta tools (spec §6): their JSON-Schema definitions and execution of
//! `COMPOSIO_MANAGE_CONNECTIONS` and `COMPOSIO_WAIT_FOR_CONNECTIONS`.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use composio_core::models::{
    ExecuteMetaRequest, ExecuteRequest, ExecuteResponse, SessionConfig, Tool,
};
use serde_json::{json, Value};

use super::sessions::{load, router_tools, toolkit_allowed};
use super::{json_response, ApiJson, Project};
use crate::error::{ApiError, ApiResult};
use crate::state::{model, SharedState};
use crate::store::AccountRow;
use crate::util::random_id;

fn schema(slug: &str) -> (&'static str, &'static str, Value) {
    match slug {
        "COMPOSIO_SEARCH_TOOLS" => ("Search tools", "Find tools for a task across the session's toolkits.", json!({
            "type": "object",
            "properties": {"queries": {"type": "array", "items": {"type": "object", "properties": {
                "use_case": {"type": "string", "description": "What the tool should do."}}, "required": ["use_case"]}},
                "session_id": {"type": "string"}},
            "required": ["queries"]})),
        "COMPOSIO_MULTI_EXECUTE_TOOL" => ("Multi execute tool", "Execute one or more tools in parallel.", json!({
            "type": "object",
            "properties": {"tools": {"type": "array", "items": {"type": "object", "properties": {
                "tool_slug": {"type": "string"}, "arguments": {"type": "object"}}, "required": ["tool_slug", "arguments"]}},
                "session_id": {"type": "string"}},
            "required": ["tools"]})),
        "COMPOSIO_MANAGE_CONNECTIONS" => ("Manage connections",
            "Check the user's connections to toolkits and create Connect Links for missing ones. Share each redirect_url with the user.",
            json!({
            "type": "object",
            "properties": {
                "toolkits": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "Toolkit slugs, e.g. [\"gmail\"]."},
                "reinitiate_all": {"type": "boolean", "default": false, "description": "Create new links even for active connections."},
                "session_id": {"type": "string"}},
            "required": ["toolkits"]})),
        _ => ("Wait for connections",
            "Wait until the user finishes connecting the given toolkits (any or all), or a timeout.",
            json!({
            "type": "object",
            "properties": {
                "toolkits": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "mode": {"type": "string", "enum": ["any", "all"], "default": "any"},
                "session_id": {"type": "string"}},
            "required": ["toolkits"]})),
    }
}

/// The meta tools of a session as `Tool` models.
pub(crate) fn definitions(config: &SessionConfig) -> ApiResult<Vec<Tool>> {
    router_tools(config)
        .into_iter()
        .map(|slug| {
            let (name, description, input) = schema(slug);
            model(json!({
                "slug": slug, "name": name, "description": description,
                "toolkit": {"slug": "composio", "name": "Composio", "logo": "https://logos.composio.dev/api/composio"},
                "input_parameters": input,
                "output_parameters": {"type": "object", "properties": {"data": {"type": "object"},
                    "error": {"type": ["string", "null"]}, "successful": {"type": "boolean"}}},
                "no_auth": true, "version": "00000000_00", "tags": [], "is_deprecated": false,
            }))
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

fn string_list(args: &Value, key: &str) -> Vec<String> {
    args.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
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

/// Runs a meta tool of a session (shared by the execute endpoints and MCP).
pub(crate) async fn execute_tool(
    state: &SharedState,
    project: &str,
    id: &str,
    slug: &str,
    args: &Value,
) -> ApiResult<ExecuteResponse> {
    let (row, config) = load(state, project, id).await?;
    let log_id = random_id("log_", 12);
    if !router_tools(&config).contains(&slug) {
        return Ok(ExecuteResponse::failed(
            json!({}),
            format!("Tool '{slug}' is not available in this session"),
            log_id,
        ));
    }
    let toolkits = string_list(args, "toolkits");
    let resp = match slug {
        "COMPOSIO_MANAGE_CONNECTIONS" if !toolkits.is_empty() => {
            let reinit = args
                .get("reinitiate_all")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            ExecuteResponse::completed(
                manage(state, project, &row.user_id, &config, &toolkits, reinit).await?,
                log_id,
            )
        }
        "COMPOSIO_WAIT_FOR_CONNECTIONS" if !toolkits.is_empty() => {
            let all = args.get("mode").and_then(Value::as_str) == Some("all");
            ExecuteResponse::completed(wait(state, project, &config, &toolkits, all).await?, log_id)
        }
        "COMPOSIO_MANAGE_CONNECTIONS" | "COMPOSIO_WAIT_FOR_CONNECTIONS" => ExecuteResponse::failed(
            json!({}),
            "`toolkits` must be a non-empty array of slugs",
            log_id,
        ),
        _ => ExecuteResponse::failed(
            json!({"results": []}),
            "This server hosts no executable tools; only connection management is available",
            log_id,
        ),
    };
    Ok(resp)
}

fn user_info(a: &AccountRow) -> Value {
    a.info
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

async fn manage(
    state: &SharedState,
    project: &str,
    user_id: &str,
    config: &SessionConfig,
    toolkits: &[String],
    reinit: bool,
) -> ApiResult<Value> {
    let callback = config
        .manage_connections
        .as_ref()
        .and_then(|m| m.callback_url.clone());
    let mut results = serde_json::Map::new();
    let (mut active, mut initiated, mut failed) = (0, 0, 0);
    for slug in toolkits {
        let base = json!({"toolkit": slug, "has_active_connection": false, "was_reinitiated": false,
            "current_user_info": null, "error_message": null, "connected_account_id": null, "auth_config_id": null});
        let mut r = base;
        let Some(tk) = state
            .catalog
            .get(slug)
            .filter(|t| toolkit_allowed(config, &t.slug))
        else {
            r["status"] = json!("failed");
            r["error_message"] = json!(format!(
                "Toolkit '{slug}' not found or not enabled in this session"
            ));
            failed += 1;
            results.insert(slug.clone(), r);
            continue;
        };
        let existing = state.store.best_account(project, user_id, &tk.slug).await?;
        let is_active = existing.as_ref().is_some_and(|a| a.status == "ACTIVE");
        if tk.is_no_auth() || (is_active && !reinit) {
            r["status"] = json!("active");
            r["has_active_connection"] = json!(true);
            if let Some(a) = &existing {
                r["connected_account_id"] = json!(a.id);
                r["auth_config_id"] = json!(a.auth_config_id);
                r["current_user_info"] = user_info(a);
            }
            active += 1;
        } else {
            match crate::flow::create_link(state, project, user_id, tk, callback.clone()).await {
                Ok((link, account)) => {
                    r["status"] = json!("initiated");
                    r["has_active_connection"] = json!(is_active);
                    r["was_reinitiated"] = json!(is_active);
                    r["redirect_url"] = json!(crate::flow::link_url(state, &link.token));
                    r["instruction"] = json!("Share this link with the user and ask them to tell you when they are done.");
                    r["connected_account_id"] = json!(account.id);
                    r["auth_config_id"] = json!(account.auth_config_id);
                    initiated += 1;
                }
                Err(e) => {
                    r["status"] = json!("failed");
                    r["error_message"] = json!(e.message);
                    failed += 1;
                }
            }
        }
        results.insert(tk.slug.clone(), r);
    }
    let n = initiated;
    Ok(json!({
        "message": format!("{n} connection{} initiated", if n == 1 { "" } else { "s" }),
        "results": results,
        "summary": {"total_toolkits": toolkits.len(), "active_connections": active,
                    "initiated_connections": initiated, "failed_connections": failed},
    }))
}

/// Blocks (via the change hub) until any/all toolkits are ACTIVE or FAILED, or 60 s pass.
async fn wait(
    state: &SharedState,
    project: &str,
    config: &SessionConfig,
    toolkits: &[String],
    all: bool,
) -> ApiResult<Value> {
    let (guard, mut rx) = state.hub.register(project);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut accounts: HashMap<String, Option<AccountRow>> = HashMap::new();
        for slug in toolkits {
            let a = state
                .store
                .best_account(project, &config.user_id, slug)
                .await?;
            accounts.insert(slug.clone(), a);
        }
        let ids: Vec<String> = accounts.values().flatten().map(|a| a.id.clone()).collect();
        state.hub.add(&guard.watch_id, project, &ids);
        let done = |a: &Option<AccountRow>| {
            a.as_ref()
                .is_some_and(|a| a.status == "ACTIVE" || a.status == "FAILED")
        };
        let finished = if all {
            accounts.values().all(done)
        } else {
            accounts.values().any(done)
        };
        if finished || tokio::time::Instant::now() >= deadline {
            let mut results = serde_json::Map::new();
            for (slug, a) in &accounts {
                results.insert(
                    slug.clone(),
                    json!({
                        "toolkit": slug,
                        "status": a.as_ref().map_or("NOT_FOUND", |a| a.status.as_str()),
                        "has_active_connection": a.as_ref().is_some_and(|a| a.status == "ACTIVE"),
                        "connected_account_id": a.as_ref().map(|a| a.id.clone()),
                        "auth_config_id": a.as_ref().map(|a| a.auth_config_id.clone()),
                        "current_user_info": a.as_ref().map(user_info),
                        "error_message": a.as_ref().and_then(|a| a.status_reason.clone()),
                    }),
                );
            }
            return Ok(json!({"results": results, "timed_out": !finished}));
        }
        // Wake on a change of a watched account, or re-check periodically for new accounts.
        let _ = tokio::time::timeout_at(
            deadline.min(tokio::time::Instant::now() + Duration::from_secs(1)),
            rx.recv(),
        )
        .await;
        while rx.try_recv().is_ok() {}
        if *state.shutdown.borrow() {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Server_ShuttingDown",
                "Server is shutting down",
            );
            e.retry_after = Some(5);
            return Err(e);
        }
    }
}
