//! Shared fixtures of the integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use composio::{Composio, Jitter, RetryPolicy};
use composio_http::test_util::MockTransport;
use serde_json::{json, Value};

pub const KEY: &str = "test-key-123";

/// A session response as composio-server / the stub of the captures sends it, plus fields the
/// SDK does not know.
pub fn session_json(id: &str, manage: bool) -> Value {
    json!({
        "session_id": id,
        "mcp": {"type": "http", "url": format!("https://backend.composio.dev/tool_router/{id}/mcp")},
        "tool_router_tools": ["COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL", "COMPOSIO_MANAGE_CONNECTIONS"],
        "config": {
            "user_id": "user_123",
            "manage_connections": {"enabled": manage, "callback_url": null,
                                   "enable_wait_for_connections": false, "enable_connection_removal": true},
            "preload": {"tools": []},
            "workbench": {"enable": true}
        },
        "config_version": 1,
        "brand_new_field": {"x": 1}
    })
}

pub fn link_json(ca: &str) -> Value {
    json!({"link_token": "lk_9f2c1a", "redirect_url": format!("https://connect.composio.dev/link/lk_{ca}"),
           "connected_account_id": ca})
}

pub fn account_json(id: &str, status: &str, reason: Option<&str>) -> Value {
    json!({"id": id, "user_id": "user_123", "status": status, "status_reason": reason,
           "is_disabled": false, "toolkit": {"slug": "gmail"},
           "auth_config": {"id": "ac_AbCdEfGhIjKl", "auth_scheme": "OAUTH2", "is_composio_managed": true, "is_disabled": false},
           "created_at": "2026-01-10T12:00:00.000Z", "updated_at": "2026-01-10T12:01:10.000Z",
           "state": {"authScheme": "OAUTH2", "val": {"status": status}}, "data": {}, "params": {},
           "alias": null})
}

pub fn error_json(status: u16, message: &str, slug: &str) -> Value {
    json!({"error": {"message": message, "code": 1000 + status as i64, "slug": slug, "status": status,
                     "request_id": "env-req", "suggested_fix": "Fix it.", "errors": []}})
}

/// Deterministic fast retries for tests.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::new()
        .jitter(Jitter::None)
        .backoff_range(Duration::from_millis(10), Duration::from_millis(40))
}

/// A client over a scripted in-memory transport.
pub fn mock_client(mock: &Arc<MockTransport>) -> Composio {
    Composio::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .retry_policy(RetryPolicy::new().jitter(Jitter::None))
        .transport(mock.clone())
        .build()
        .unwrap()
}

/// A client of a wiremock server.
pub fn wire_client(uri: &str) -> Composio {
    Composio::builder()
        .api_key(KEY)
        .base_url(uri)
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}
