//! JSON-Schema input and output definitions of the meta tools (docs/spec/wire.md §6).

use serde_json::{json, Value};

use super::MetaTool;

/// The definition of a meta tool.
pub(super) struct Schema {
    /// Display name.
    pub name: &'static str,
    /// What it does, for the agent.
    pub description: &'static str,
    /// JSON Schema of its arguments.
    pub input: Value,
    /// JSON Schema of its result envelope.
    pub output: Value,
}

fn envelope(data: Value) -> Value {
    json!({"type": "object", "properties": {
        "data": data,
        "error": {"type": ["string", "null"], "description": "What went wrong, when it failed."},
        "successful": {"type": "boolean"},
        "log_id": {"type": "string"},
        "result_type": {"type": "string", "enum": ["completed", "failed", "blocked"]}},
        "required": ["data", "successful"]})
}

fn session_id() -> Value {
    json!({"type": "string", "description": "The session id (optional; the URL names the session)."})
}

fn user_info() -> Value {
    json!({"type": ["object", "null"], "properties": {
        "email": {"type": ["string", "null"]}, "name": {"type": ["string", "null"]}},
        "description": "The connected user's identity at the provider, for active connections."})
}

fn manage_output() -> Value {
    envelope(json!({"type": "object", "properties": {
        "message": {"type": "string"},
        "results": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "toolkit": {"type": "string"},
            "status": {"type": "string", "enum": ["active", "initiated", "failed"]},
            "has_active_connection": {"type": "boolean"},
            "redirect_url": {"type": "string", "description": "Connect Link to share with the user (initiated only)."},
            "instruction": {"type": "string", "description": "What to tell the user (initiated only)."},
            "connected_account_id": {"type": ["string", "null"]},
            "auth_config_id": {"type": ["string", "null"]},
            "was_reinitiated": {"type": "boolean"},
            "current_user_info": user_info(),
            "error_message": {"type": ["string", "null"]}},
            "required": ["toolkit", "status", "has_active_connection"]}},
        "summary": {"type": "object", "properties": {
            "total_toolkits": {"type": "integer"}, "active_connections": {"type": "integer"},
            "initiated_connections": {"type": "integer"}, "failed_connections": {"type": "integer"}}}},
        "required": ["message", "results", "summary"]}))
}

fn wait_output() -> Value {
    envelope(json!({"type": "object", "properties": {
        "message": {"type": "string"},
        "timed_out": {"type": "boolean"},
        "results": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "toolkit": {"type": "string"},
            "status": {"type": "string", "enum": ["ACTIVE", "INITIATED", "FAILED", "EXPIRED", "REVOKED", "NOT_FOUND"]},
            "has_active_connection": {"type": "boolean"},
            "connected_account_id": {"type": ["string", "null"]},
            "auth_config_id": {"type": ["string", "null"]},
            "current_user_info": user_info(),
            "error_message": {"type": ["string", "null"]}}}}},
        "required": ["results"]}))
}

fn search_output() -> Value {
    envelope(json!({"type": "object", "properties": {
        "results": {"type": "array", "items": {"type": "object", "properties": {
            "use_case": {"type": "string"},
            "message": {"type": "string"},
            "tools": {"type": "array", "items": {"type": "object", "properties": {
                "tool_slug": {"type": "string"}, "toolkit": {"type": "string"},
                "name": {"type": "string"}, "description": {"type": "string"},
                "input_schema": {"type": "object"}, "toolkit_connected": {"type": "boolean"},
                "score": {"type": "integer"}}}}}}},
        "toolkit_connection_statuses": {"type": "array", "items": {"type": "object", "properties": {
            "toolkit": {"type": "string"}, "has_active_connection": {"type": "boolean"},
            "status_message": {"type": "string"}}}},
        "next_steps": {"type": "string"}},
        "required": ["results"]}))
}

fn multi_output() -> Value {
    envelope(json!({"type": "object", "properties": {
        "results": {"type": "array", "items": {"type": "object", "properties": {
            "index": {"type": "integer"}, "tool_slug": {"type": "string"},
            "successful": {"type": "boolean"}, "data": {},
            "error": {"type": ["string", "null"]}}}},
        "summary": {"type": "object", "properties": {
            "total": {"type": "integer"}, "successful": {"type": "integer"}, "failed": {"type": "integer"}}}},
        "required": ["results"]}))
}

/// The definition of a meta tool.
pub(super) fn schema(tool: MetaTool) -> Schema {
    let (name, description, input, output) = match tool {
        MetaTool::SearchTools => ("Search tools",
            "Find the tools for a task across the session's toolkits. Give one query per use case; each result lists tool slugs with their input schemas and whether the user's toolkit is connected. Run them with COMPOSIO_MULTI_EXECUTE_TOOL.",
            json!({"type": "object", "properties": {
                "queries": {"type": "array", "minItems": 1, "description": "One entry per use case.",
                    "items": {"type": "object", "properties": {
                        "use_case": {"type": "string", "description": "What the tool should do, e.g. \"fetch my emails from today\"."}},
                        "required": ["use_case"]}},
                "session_id": session_id()},
                "required": ["queries"]}),
            search_output()),
        MetaTool::MultiExecute => ("Multi execute tool",
            "Execute one or more app tools (found with COMPOSIO_SEARCH_TOOLS) in parallel. Each tool reports its own result; a tool whose toolkit is not connected fails with a hint to call COMPOSIO_MANAGE_CONNECTIONS.",
            json!({"type": "object", "properties": {
                "tools": {"type": "array", "minItems": 1, "maxItems": super::multi_execute::MAX_BATCH,
                    "items": {"type": "object", "properties": {
                        "tool_slug": {"type": "string", "description": "An app tool slug, e.g. GMAIL_FETCH_EMAILS."},
                        "arguments": {"type": "object", "description": "Arguments matching the tool's input schema."},
                        "account": {"type": "string", "description": "Which of the user's accounts of the tool's toolkit runs it (account id, word id or alias), when the user has several; the default account when omitted."}},
                        "required": ["tool_slug", "arguments"]}},
                "session_id": session_id()},
                "required": ["tools"]}),
            multi_output()),
        MetaTool::ManageConnections => ("Manage connections",
            "Check the user's connections to toolkits and create Connect Links for missing ones. Call it when a tool fails because its toolkit is not connected. For each `initiated` toolkit, share its redirect_url with the user and ask them to say when they are done, then retry the task.",
            json!({"type": "object", "properties": {
                "toolkits": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                    "description": "Toolkit slugs, e.g. [\"gmail\"]."},
                "reinitiate_all": {"type": "boolean", "default": false,
                    "description": "Create new links even for active connections (to reconnect)."},
                "alias": {"type": "string", "minLength": 1, "maxLength": 64,
                    "description": "Connect an additional account under this name (e.g. \"work-gmail\"), even when the toolkit has active accounts; each toolkit's `accounts` lists the existing ones."},
                "session_id": session_id()},
                "required": ["toolkits"]}),
            manage_output()),
        MetaTool::WaitForConnections => ("Wait for connections",
            "Wait until the user finishes connecting the given toolkits (any or all), or a timeout (default 60 s, at most 120 s). Use it after sharing Connect Links instead of asking the user.",
            json!({"type": "object", "properties": {
                "toolkits": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "mode": {"type": "string", "enum": ["any", "all"], "default": "any",
                    "description": "Return when any toolkit is done, or only when all are."},
                "timeout_seconds": {"type": "number", "minimum": 1, "maximum": 120,
                    "description": "How long to wait at most (default 60)."},
                "session_id": session_id()},
                "required": ["toolkits"]}),
            wait_output()),
    };
    Schema {
        name,
        description,
        input,
        output,
    }
}
