//! The session's MCP server at `mcp.url` (`<origin>/tool_router/<session_id>/mcp`, docs/spec/wire.md §3):
//! a Streamable HTTP server built on `rmcp`, the official MCP Rust SDK.
//!
//! # Design
//!
//! One [`StreamableHttpService`] serves every tool-router session; it is mounted with
//! `route_service` at `/tool_router/{id}/mcp`, behind two route layers:
//!
//! 0. [`super::mcp_edge`]: `Authorization: Bearer <api key>` as `x-api-key`, a
//!    `WWW-Authenticate` challenge on 401, JSON-RPC parse errors for bodies that are not JSON.
//! 1. `require_api_key` (the same check as `/api`): 401 envelope without or with a wrong
//!    `x-api-key`; it puts the key's [`Project`] into the request extensions.
//! 2. [`guard`]: loads the session `{id}` of that project (404 envelope when unknown or of
//!    another project), puts a [`Target`] (project + session id) into the request extensions,
//!    and binds every MCP session (`Mcp-Session-Id`) to the target that created it, so an MCP
//!    session can't be used, streamed or deleted through another path or another project's
//!    key (404, like an unknown MCP session). It also turns rmcp's plain-text HTTP errors into
//!    the server's JSON error envelope, and answers a successful session DELETE with 204.
//!
//! MCP sessions live in the database ([`DbSessions`], rmcp's `SessionStore`): the binding and
//! the client's `initialize` parameters. A client's next request may reach another replica (or
//! a restarted server), which restores the session from them without a new `initialize`.
//!
//! rmcp hands the request's `http::request::Parts` (with those extensions) to the handler
//! with every request, so [`SessionTools`] reads the target per request and holds no
//! per-session state: `tools/list` returns the session's tool definitions (the same as
//! `GET …/session/{id}/tools`) and `tools/call` runs `execute_tool`, the executor of the REST
//! execute endpoints, returning the execute envelope as JSON text (and as structured content)
//! with `isError` set for failed envelopes. An unknown tool (the REST endpoints' 404
//! `Tool_NotFound`) is a JSON-RPC invalid-params error, as MCP prescribes; other API errors
//! of the call are tool results with `isError` and the error envelope as text.
//!
//! Transport modes, as rmcp offers them: clients that start with `initialize` (protocol
//! revisions up to 2025-11-25) get a stateful MCP session (`Mcp-Session-Id`, responses as SSE
//! streams, a standalone GET stream, DELETE to end it; idle sessions expire after rmcp's
//! default keep-alive of 5 minutes); clients of the 2026-07-28 revision (`server/discover`,
//! per-request metadata) are served statelessly with plain `application/json` responses.
//!
//! Host-header (DNS rebinding) validation is off: every request must carry the project's API
//! key, which a rebinding page can't know, and the server may sit behind any public host
//! (`public_url`). Open streams end when the server shuts down.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    Implementation, JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::store::{
    SessionState, SessionStore, SessionStoreError,
};
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{RoleServer, ServerHandler};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::middleware::require_api_key;
use super::Project;
use crate::error::ApiError;
use crate::meta_tools::{definitions, execute_tool};
use crate::service::sessions::load;
use crate::state::SharedState;

/// The MCP endpoint's path (relative to the origin).
pub(super) const PATH: &str = "/tool_router/{id}/mcp";

/// The MCP session id header of Streamable HTTP.
const SESSION_HEADER: &str = "mcp-session-id";

/// Largest rmcp error body turned into an envelope message.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// The tool-router session (and its project) a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The project of the API key.
    pub project: String,
    /// The tool-router session id from the path.
    pub session_id: String,
}

/// State of the [`guard`] layer.
struct Guard {
    app: SharedState,
}

/// rmcp's session store on the server's database: the `initialize` state of every MCP
/// session, so any replica can restore it.
struct DbSessions {
    app: SharedState,
}

#[async_trait::async_trait]
impl SessionStore for DbSessions {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        let row = self.app.store.mcp_session(session_id).await?;
        match row.and_then(|r| r.state) {
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
            None => Ok(None),
        }
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        let json = serde_json::to_string(state)?;
        Ok(self.app.store.mcp_session_save(session_id, &json).await?)
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        Ok(self.app.store.mcp_session_delete(session_id).await?)
    }
}

/// The routes of the MCP endpoint (with authentication); merge them into the app router.
pub(super) fn routes(state: SharedState) -> Router<SharedState> {
    let sessions = Arc::new(LocalSessionManager::default());
    let shutdown = CancellationToken::new();
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let mut rx = state.shutdown.clone();
        let token = shutdown.clone();
        rt.spawn(async move {
            let _ = rx.wait_for(|stopped| *stopped).await;
            token.cancel();
        });
    }
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(true)
        .with_json_response(true)
        .disable_allowed_hosts()
        .with_max_request_body_bytes(state.config.max_body_bytes)
        .with_sse_keep_alive(Some(state.config.connections.sse_heartbeat))
        .with_cancellation_token(shutdown);
    config.session_store = Some(Arc::new(DbSessions { app: state.clone() }));
    let handler = SessionTools {
        state: state.clone(),
    };
    let service = StreamableHttpService::new(move || Ok(handler.clone()), sessions.clone(), config);
    let guard_state = Arc::new(Guard { app: state.clone() });
    Router::new()
        .route_service(PATH, service)
        .route_layer(middleware::from_fn_with_state(guard_state, guard))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_api_key,
        ))
        .route_layer(middleware::from_fn_with_state(state, super::mcp_edge::edge))
}

/// Checks the tool-router session and the MCP session binding; see the module docs.
async fn guard(
    State(guard): State<Arc<Guard>>,
    Extension(Project(project)): Extension<Project>,
    Path(id): Path<String>,
    mut req: Request,
    next: Next,
) -> Response {
    match load(&guard.app, &project, &id).await {
        Ok(_) => {}
        // Another project's session: the MCP URL says no more than for an unknown one.
        Err(e) if e.status == StatusCode::FORBIDDEN => {
            return ApiError::not_found(
                "ToolRouterSession_NotFound",
                format!("Session '{id}' not found"),
            )
            .fix("Sessions belong to the project of the API key.")
            .into_response();
        }
        Err(e) => return e.into_response(),
    }
    let target = Target {
        project,
        session_id: id,
    };
    let mcp_session = req
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(sid) = &mcp_session {
        let row = match guard.app.store.mcp_session(sid).await {
            Ok(row) => row,
            Err(e) => return ApiError::from(e).into_response(),
        };
        let bound = row.and_then(|r| Some((r.project_id?, r.router_session_id?)));
        if bound.is_some_and(|(p, s)| p != target.project || s != target.session_id) {
            return mcp_session_not_found();
        }
    }
    let is_delete = req.method() == Method::DELETE;
    req.extensions_mut().insert(target.clone());
    let resp = next.run(req).await;
    if is_delete && resp.status() == StatusCode::ACCEPTED {
        // rmcp answers a session DELETE with 202; clients (the Python SDK) expect 200 or 204.
        return StatusCode::NO_CONTENT.into_response();
    }
    if mcp_session.is_none() {
        if let Some(new) = resp
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
        {
            let r = guard
                .app
                .store
                .mcp_session_bind(new, &target.project, &target.session_id)
                .await;
            if let Err(e) = r {
                return ApiError::from(e).into_response();
            }
        }
    }
    if resp.status().is_success() || is_json(&resp) {
        resp
    } else {
        envelope_for(resp).await
    }
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn mcp_session_not_found() -> Response {
    ApiError::not_found("McpSession_NotFound", "MCP session not found")
        .fix("Start a new MCP session with `initialize`.")
        .into_response()
}

/// Turns one of rmcp's plain-text HTTP errors into the JSON error envelope (docs/spec/wire.md §10).
async fn envelope_for(resp: Response) -> Response {
    let status = resp.status();
    let allow = resp.headers().get(header::ALLOW).cloned();
    let text = axum::body::to_bytes(resp.into_body(), MAX_ERROR_BODY)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let slug = match status {
        StatusCode::NOT_FOUND => "McpSession_NotFound",
        StatusCode::METHOD_NOT_ALLOWED => "Request_MethodNotAllowed",
        StatusCode::NOT_ACCEPTABLE => "Request_NotAcceptable",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Request_UnsupportedMediaType",
        StatusCode::PAYLOAD_TOO_LARGE => "Request_PayloadTooLarge",
        StatusCode::BAD_REQUEST => "Request_BadRequest",
        s if s.is_server_error() => "Internal_ServerError",
        _ => "Request_Error",
    };
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("Request failed")
            .to_owned()
    } else {
        text
    };
    let mut out = ApiError::new(status, slug, message).into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// The MCP server handler: the tools of the tool-router session each request addresses.
#[derive(Clone)]
struct SessionTools {
    state: SharedState,
}

impl SessionTools {
    /// The target of the request, set by [`guard`].
    fn target(ctx: &RequestContext<RoleServer>) -> Result<Target, ErrorData> {
        ctx.extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Target>())
            .cloned()
            .ok_or_else(|| ErrorData::internal_error("request has no tool router session", None))
    }
}

/// An API error as an MCP error (message, slug and fix; no internals).
fn mcp_error(e: &ApiError) -> ErrorData {
    let data = Some(json!({"slug": e.slug, "status": e.status.as_u16(),
        "suggested_fix": e.suggested_fix}));
    let message = match &e.suggested_fix {
        Some(fix) => format!("{} ({fix})", e.message),
        None => e.message.clone(),
    };
    if e.status.is_server_error() {
        ErrorData::internal_error(message, data)
    } else if e.slug == "Tool_NotFound" {
        // MCP reports unknown tools as protocol errors (invalid params).
        ErrorData::invalid_params(message, data)
    } else {
        ErrorData::invalid_request(message, data)
    }
}

/// A Composio tool definition as an MCP tool.
fn mcp_tool(t: composio_core::models::Tool) -> rmcp::model::Tool {
    let schema: JsonObject = match t.input_parameters {
        Value::Object(o) => o,
        _ => {
            let mut o = JsonObject::new();
            o.insert("type".into(), json!("object"));
            o
        }
    };
    let tool = rmcp::model::Tool::new(t.slug, t.description, schema);
    if t.name.is_empty() {
        tool
    } else {
        tool.with_title(t.name)
    }
}

impl ServerHandler for SessionTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "composio-server",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(
                "Tools of a Composio tool router session. Use COMPOSIO_MANAGE_CONNECTIONS to \
                 connect the user's apps: share each redirect_url with the user.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let t = Self::target(&ctx)?;
        let (_, config) = load(&self.state, &t.project, &t.session_id)
            .await
            .map_err(|e| mcp_error(&e))?;
        let tools = definitions(&config);
        let mut result = ListToolsResult::with_all_items(tools.into_iter().map(mcp_tool).collect());
        // Per session and per project: never shared between users.
        result.cache_scope = Some(CacheScope::Private);
        result.ttl_ms = Some(0);
        Ok(result)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let t = Self::target(&ctx)?;
        let args = Value::Object(request.arguments.unwrap_or_default());
        let result = match execute_tool(
            &self.state,
            &t.project,
            &t.session_id,
            &request.name,
            &args,
            None,
        )
        .await
        {
            Ok(envelope) => {
                let value = serde_json::to_value(&envelope)
                    .map_err(|e| mcp_error(&ApiError::internal(&e)))?;
                let mut r = if envelope.successful {
                    CallToolResult::success(vec![ContentBlock::text(value.to_string())])
                } else {
                    CallToolResult::error(vec![ContentBlock::text(value.to_string())])
                };
                r.structured_content = Some(value);
                r
            }
            // Server errors and unknown tools: protocol errors.
            Err(e) if e.status.is_server_error() || e.slug == "Tool_NotFound" => {
                return Err(mcp_error(&e))
            }
            // Another client error: a failed tool result (the API's error envelope as JSON)
            // that the model can read and act on.
            Err(e) => {
                let text = serde_json::to_string(&e.envelope()).unwrap_or_default();
                CallToolResult::error(vec![ContentBlock::text(text)])
            }
        };
        Ok(result.into())
    }
}
