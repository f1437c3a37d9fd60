//! The session's MCP server (`mcp.url`): rmcp's own Streamable HTTP client against it (both
//! lifecycles), raw HTTP for authentication, isolation and the transport details.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{assert_envelope, Api};
use composio_server::sandbox::Browser;
use composio_server::{Config, ProjectConfig};
use reqwest::header::{HeaderName, HeaderValue};
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientServiceExt, RoleClient, ServiceExt};
use serde_json::{json, Value};

type Client = RunningService<RoleClient, ClientConfig>;

const ACCEPT_BOTH: &str = "application/json, text/event-stream";

/// Creates a session over REST and returns (session id, mcp.url).
async fn session(api: &Api, body: Value) -> (String, String) {
    let (status, v) = api.post("/tool_router/session", body).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["mcp"]["type"], "http");
    (
        v["session_id"].as_str().unwrap().to_owned(),
        v["mcp"]["url"].as_str().unwrap().to_owned(),
    )
}

/// A client with `x-api-key`: the legacy lifecycle (`initialize`; a stateful MCP session,
/// SSE responses) by default, or the given one.
async fn try_connect(
    url: &str,
    key: &str,
    mode: Option<ClientLifecycleMode>,
) -> Result<Client, rmcp::service::ClientInitializeError> {
    let headers = HashMap::from([(
        HeaderName::from_static("x-api-key"),
        HeaderValue::from_str(key).unwrap(),
    )]);
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url).custom_headers(headers),
    );
    match mode {
        None => ClientConfig::default().serve(transport).await,
        Some(mode) => {
            ClientConfig::default()
                .serve_with_lifecycle(transport, mode)
                .await
        }
    }
}

async fn connect(url: &str, key: &str) -> Client {
    try_connect(url, key, None)
        .await
        .expect("MCP client connects")
}

/// A client of the 2026-07-28 revision (`server/discover`; stateless, JSON responses).
async fn connect_stateless(url: &str, key: &str) -> Client {
    let mode = ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    };
    try_connect(url, key, Some(mode))
        .await
        .expect("MCP client discovers")
}

async fn call(client: &Client, name: &'static str, args: Value) -> CallToolResult {
    let args = args.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(name).with_arguments(args))
        .await
        .expect("tools/call")
}

/// The execute envelope in a tool result's text content.
fn envelope(r: &CallToolResult) -> Value {
    let text = r.content[0].as_text().expect("text content").text.clone();
    serde_json::from_str(&text).expect("JSON text")
}

/// tools/list, tools/call COMPOSIO_MANAGE_CONNECTIONS for gmail, approval, active.
async fn connect_gmail(api: &Api, client: &Client, sid: &str) {
    let tools = client.list_all_tools().await.expect("tools/list");
    let (_, rest) = api.get(&format!("/tool_router/session/{sid}/tools")).await;
    let rest = rest["items"].as_array().unwrap();
    assert_eq!(tools.len(), rest.len());
    for (m, r) in tools.iter().zip(rest) {
        assert_eq!(m.name, r["slug"].as_str().unwrap());
        assert_eq!(m.description.as_deref(), r["description"].as_str());
        assert_eq!(
            Value::Object((*m.input_schema).clone()),
            r["input_parameters"]
        );
    }
    assert!(tools
        .iter()
        .any(|t| t.name == "COMPOSIO_MANAGE_CONNECTIONS"));

    let r = call(
        client,
        "COMPOSIO_MANAGE_CONNECTIONS",
        json!({"toolkits": ["gmail"]}),
    )
    .await;
    assert_eq!(r.is_error, Some(false));
    let env = envelope(&r);
    assert_eq!(env["successful"], true, "{env}");
    assert_eq!(r.structured_content.as_ref(), Some(&env));
    let gmail = &env["data"]["results"]["gmail"];
    assert_eq!(gmail["status"], "initiated", "{env}");
    let link = gmail["redirect_url"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{}/link/lk_", api.server.public_url())),
        "{link}"
    );
    Browser::new().unwrap().approve(link).await.unwrap();

    let env = envelope(
        &call(
            client,
            "COMPOSIO_MANAGE_CONNECTIONS",
            json!({"toolkits": ["gmail"]}),
        )
        .await,
    );
    assert_eq!(env["data"]["results"]["gmail"]["status"], "active", "{env}");
}

#[tokio::test]
async fn rmcp_client_with_a_stateful_session_connects_gmail() {
    let api = Api::default().await;
    let (sid, url) = session(&api, json!({"user_id": "u_mcp"})).await;
    assert_eq!(url, format!("{}/tool_router/{sid}/mcp", api.server.url()));
    let client = connect(&url, &api.key).await;
    let info = client.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("composio-server")
    );
    connect_gmail(&api, &client, &sid).await;
    client.cancel().await.unwrap();
    api.server.shutdown().await;
}

#[tokio::test]
async fn rmcp_client_stateless_json_connects_gmail() {
    let api = Api::default().await;
    let (sid, url) = session(&api, json!({"user_id": "u_mcp2"})).await;
    let client = connect_stateless(&url, &api.key).await;
    connect_gmail(&api, &client, &sid).await;
    client.cancel().await.unwrap();
    api.server.shutdown().await;
}

#[tokio::test]
async fn failed_envelopes_are_tool_errors() {
    let api = Api::default().await;
    let (_, url) = session(
        &api,
        json!({"user_id": "u", "manage_connections": {"enable": false}}),
    )
    .await;
    let client = connect(&url, &api.key).await;
    let names: Vec<_> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(!names.contains(&"COMPOSIO_MANAGE_CONNECTIONS".to_owned()));
    // Not a tool of this session: the REST executor's failed envelope, as a tool error.
    let r = call(
        &client,
        "COMPOSIO_MANAGE_CONNECTIONS",
        json!({"toolkits": ["gmail"]}),
    )
    .await;
    assert_eq!(r.is_error, Some(true));
    let env = envelope(&r);
    assert_eq!(env["successful"], false);
    assert!(env["error"].as_str().unwrap().contains("not available"));
    // An unknown tool is a protocol error (invalid params), as MCP prescribes.
    let err = client
        .call_tool(CallToolRequestParams::new("NOT_A_TOOL_AT_ALL"))
        .await
        .expect_err("unknown tool");
    let text = err.to_string();
    assert!(text.contains("not found"), "{text}");
    client.cancel().await.unwrap();
    api.server.shutdown().await;
}

/// Raw Streamable HTTP POST of one JSON-RPC message.
fn post(api: &Api, url: &str, key: Option<&str>, msg: Value) -> reqwest::RequestBuilder {
    let mut req = api.http.post(url).header("accept", ACCEPT_BOTH).json(&msg);
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    req
}

fn initialize(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}})
}

/// The JSON-RPC messages of an SSE body.
fn sse_messages(body: &str) -> Vec<Value> {
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str(d.trim()).ok())
        .collect()
}

async fn status_and_json(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn raw_streamable_http_session_and_sse() {
    let api = Api::default().await;
    let (_, url) = session(&api, json!({"user_id": "u"})).await;
    let resp = post(&api, &url, Some(&api.key), initialize(1))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mcp_sid = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let msgs = sse_messages(&resp.text().await.unwrap());
    let init = msgs
        .iter()
        .find(|m| m["id"] == 1)
        .expect("initialize result");
    assert_eq!(init["result"]["serverInfo"]["name"], "composio-server");
    assert!(init["result"]["capabilities"]["tools"].is_object());

    let with_session = |msg: Value| {
        post(&api, &url, Some(&api.key), msg)
            .header("mcp-session-id", &mcp_sid)
            .header("mcp-protocol-version", "2025-06-18")
    };
    let resp = with_session(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let resp = with_session(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    let msgs = sse_messages(&resp.text().await.unwrap());
    let list = msgs
        .iter()
        .find(|m| m["id"] == 2)
        .expect("tools/list result");
    let tool = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "COMPOSIO_MANAGE_CONNECTIONS")
        .expect("meta tool")
        .clone();
    assert_eq!(tool["inputSchema"]["required"], json!(["toolkits"]));
    let resp = with_session(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "COMPOSIO_MANAGE_CONNECTIONS", "arguments": {"toolkits": ["github"]}}}))
    .send()
    .await
    .unwrap();
    let msgs = sse_messages(&resp.text().await.unwrap());
    let call = msgs
        .iter()
        .find(|m| m["id"] == 3)
        .expect("tools/call result");
    assert_eq!(call["result"]["isError"], false);
    assert!(call["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("/link/lk_"));

    // A client that accepts only JSON is refused (the transport needs SSE too), as an envelope.
    let (status, v) = status_and_json(
        api.http
            .post(&url)
            .header("x-api-key", &api.key)
            .header("accept", "application/json")
            .json(&initialize(9))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_envelope(status, &v, 406);

    // DELETE ends the MCP session; it is then unknown (404).
    let resp = api
        .http
        .delete(&url)
        .header("x-api-key", &api.key)
        .header("mcp-session-id", &mcp_sid)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let (status, v) = status_and_json(
        with_session(json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_envelope(status, &v, 404);
    api.server.shutdown().await;
}

#[tokio::test]
async fn authentication_and_isolation() {
    let config =
        Config::default().project(ProjectConfig::new("other", "csk_other_mcp_key_0123456789"));
    let api = Api::start(config).await;
    let other = "csk_other_mcp_key_0123456789";
    let (_, url) = session(&api, json!({"user_id": "u"})).await;
    let (_, url2) = session(&api, json!({"user_id": "u2"})).await;

    // No key, wrong key: 401 envelopes.
    for key in [None, Some("csk_wrong")] {
        let (status, v) =
            status_and_json(post(&api, &url, key, initialize(1)).send().await.unwrap()).await;
        let e = assert_envelope(status, &v, 401);
        assert_eq!(e["slug"], "Auth_Unauthorized");
    }
    // rmcp's client sees the failure too.
    assert!(try_connect(&url, "csk_wrong", None).await.is_err());

    // Unknown session, and a session of another project: 404.
    let unknown = url.replace("/tool_router/trs_", "/tool_router/trs_nope");
    let (status, v) = status_and_json(
        post(&api, &unknown, Some(&api.key), initialize(1))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_envelope(status, &v, 404);
    let (status, v) = status_and_json(
        post(&api, &url, Some(other), initialize(1))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let e = assert_envelope(status, &v, 404);
    assert_eq!(e["slug"], "ToolRouterSession_NotFound");

    // An MCP session is bound to the session (and project) it was created for.
    let resp = post(&api, &url, Some(&api.key), initialize(1))
        .send()
        .await
        .unwrap();
    let mcp_sid = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    drop(resp);
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    let (status, v) = status_and_json(
        post(&api, &url2, Some(&api.key), ping.clone())
            .header("mcp-session-id", &mcp_sid)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let e = assert_envelope(status, &v, 404);
    assert_eq!(e["slug"], "McpSession_NotFound");
    let resp = api
        .http
        .delete(&url2)
        .header("x-api-key", &api.key)
        .header("mcp-session-id", &mcp_sid)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // Still alive on its own path.
    let resp = post(&api, &url, Some(&api.key), ping)
        .header("mcp-session-id", &mcp_sid)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    api.server.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_open_streams() {
    let api = Api::default().await;
    let (_, url) = session(&api, json!({"user_id": "u"})).await;
    let client = connect(&url, &api.key).await;
    client.list_all_tools().await.unwrap();
    // The client keeps a standalone GET stream open; shutdown must not wait for it.
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(8), api.server.shutdown())
        .await
        .expect("shutdown does not hang on MCP streams");
    assert!(started.elapsed() < Duration::from_secs(8));
    drop(client);
}

#[tokio::test]
async fn raw_stateless_requests_get_plain_json() {
    let api = Api::default().await;
    let (_, url) = session(&api, json!({"user_id": "u"})).await;
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}});
    let resp = post(
        &api,
        &url,
        Some(&api.key),
        json!({"jsonrpc": "2.0", "id": 1,
        "method": "tools/list", "params": {"_meta": meta}}),
    )
    .header("mcp-protocol-version", "2026-07-28")
    .header("mcp-method", "tools/list")
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("mcp-session-id").is_none());
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "COMPOSIO_MANAGE_CONNECTIONS"),
        "{v}"
    );
    api.server.shutdown().await;
}
