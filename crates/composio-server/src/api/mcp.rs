//! A minimal MCP endpoint (Streamable HTTP, JSON responses) at `mcp.url` of a session:
//! `initialize`, `ping`, `tools/list` and `tools/call` over the session's meta tools.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Value};

use super::meta_tools::{definitions, execute_tool};
use super::sessions::load;
use super::{json_response, ApiJson, Project};
use crate::error::ApiResult;
use crate::state::SharedState;

const PROTOCOL_VERSION: &str = "2025-03-26";

fn rpc_result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

fn rpc_error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

pub(super) async fn post(
    State(state): State<SharedState>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    ApiJson(msg): ApiJson<Value>,
) -> ApiResult<Response> {
    let (_, config) = load(&state, &project, &id).await?;
    let rpc_id = msg.get("id").cloned().unwrap_or(Value::Null);
    let method = msg.get("method").and_then(Value::as_str).unwrap_or("");
    if msg.get("id").is_none() {
        // A notification (e.g. notifications/initialized): accepted, no body.
        return Ok(StatusCode::ACCEPTED.into_response());
    }
    let params = msg.get("params").cloned().unwrap_or(Value::Null);
    let body = match method {
        "initialize" => rpc_result(
            &rpc_id,
            json!({"protocolVersion": PROTOCOL_VERSION, "capabilities": {"tools": {"listChanged": false}},
                   "serverInfo": {"name": "composio-server", "version": env!("CARGO_PKG_VERSION")}}),
        ),
        "ping" => rpc_result(&rpc_id, json!({})),
        "tools/list" => {
            let tools: Vec<Value> = definitions(&config)?
                .into_iter()
                .map(|t| json!({"name": t.slug, "description": t.description, "inputSchema": t.input_parameters}))
                .collect();
            rpc_result(&rpc_id, json!({"tools": tools}))
        }
        "tools/call" => match params.get("name").and_then(Value::as_str) {
            Some(name) => {
                let args = params
                    .get("arguments")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                let r = execute_tool(&state, &project, &id, name, &args).await?;
                let text = serde_json::to_string(&r).unwrap_or_default();
                rpc_result(
                    &rpc_id,
                    json!({"content": [{"type": "text", "text": text}], "isError": !r.successful}),
                )
            }
            None => rpc_error(&rpc_id, -32602, "params.name is required"),
        },
        _ => rpc_error(&rpc_id, -32601, "Method not found"),
    };
    Ok(json_response(StatusCode::OK, &body))
}
