//! Issue 16: agent-supplied tool arguments cannot move a request on the provider; API input
//! (Content-Type, user ids, reused idempotency keys); the MCP endpoint's edge (Bearer keys,
//! `WWW-Authenticate`, JSON-RPC parse errors); the SQLite file's mode.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::routing::any;
use common::{assert_envelope, Api};
use composio_server::Config;
use serde_json::{json, Value};

/// A provider that records the raw path (and query) of every request it receives.
async fn recording_provider() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = axum::Router::new().fallback(any(move |req: Request| {
        let record = record.clone();
        async move {
            let pq = req.uri().path_and_query().map(|p| p.to_string());
            record.lock().unwrap().push(pq.unwrap_or_default());
            axum::Json(json!({"ok": true}))
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

async fn with_acme(provider: &str) -> Api {
    let toml = format!(
        r#"[[toolkits]]
slug = "acme"
name = "Acme"
auth_scheme = "NO_AUTH"

[[toolkits.tools]]
slug = "ACME_GET_USER"
name = "Get user"
url = "{provider}/v1/users/{{id}}/profile"
params = [
  {{ name = "id", in = "path", required = true }},
  {{ name = "q", in = "query" }},
  {{ name = "trace", in = "header", as = "X-Trace" }},
]
"#
    );
    let mut config = Config::default();
    config.extra_toolkits = Config::from_toml_str(&toml).unwrap().extra_toolkits;
    Api::start(config).await
}

async fn execute(api: &Api, sid: &str, args: Value) -> Value {
    let (status, v) = api
        .post(
            &format!("/tool_router/session/{sid}/execute"),
            json!({"tool_slug": "ACME_GET_USER", "arguments": args}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

#[tokio::test]
async fn path_arguments_cannot_leave_their_segment_on_the_provider() {
    let (provider, seen) = recording_provider().await;
    let api = with_acme(&provider).await;
    let sid = api
        .session(json!({"user_id": "u", "toolkits": {"enable": ["acme"]}}))
        .await;
    for bad in ["..", ".", ""] {
        let r = execute(&api, &sid, json!({ "id": bad })).await;
        assert_eq!(r["successful"], false, "{bad:?}: {r}");
        assert!(r["error"].as_str().unwrap().contains("`id`"), "{r}");
    }
    let r = execute(&api, &sid, json!({"id": "x", "trace": "a\r\nX-Admin: 1"})).await;
    assert_eq!(r["successful"], false, "{r}");
    assert!(r["error"].as_str().unwrap().contains("header value"), "{r}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "refused calls reach nobody"
    );

    let r = execute(&api, &sid, json!({"id": "../../admin", "q": "a&admin=1"})).await;
    assert_eq!(r["successful"], true, "{r}");
    let r = execute(&api, &sid, json!({"id": "a/b?c#d"})).await;
    assert_eq!(r["successful"], true, "{r}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "/v1/users/..%2F..%2Fadmin/profile?q=a%26admin%3D1",
            "/v1/users/a%2Fb%3Fc%23d/profile",
        ]
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn api_input_content_type_user_ids_and_reused_idempotency_keys() {
    let api = Api::default().await;
    // Another Content-Type: 415 envelope; JSON with parameters is fine.
    let resp = api
        .http
        .post(api.url("/tool_router/session"))
        .header("x-api-key", &api.key)
        .header("content-type", "text/plain")
        .body(r#"{"user_id": "u"}"#)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    let e = assert_envelope(status, &v, 415);
    assert_eq!(e["slug"], "Request_UnsupportedMediaType");
    let resp = api
        .http
        .post(api.url("/tool_router/session"))
        .header("x-api-key", &api.key)
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"user_id": "u"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);

    // User ids: control characters and more than 256 characters are refused.
    for bad in ["a\u{0}b".to_owned(), "x".repeat(257)] {
        let (status, v) = api
            .post("/tool_router/session", json!({ "user_id": bad }))
            .await;
        assert_envelope(status, &v, 400);
    }
    let (status, _) = api
        .post("/tool_router/session", json!({"user_id": "é".repeat(256)}))
        .await;
    assert_eq!(status, 201);

    // Idempotency-Key: the same body replays, another body is a 422, never the first response.
    let send = |body: Value| {
        api.http
            .post(api.url("/tool_router/session"))
            .header("x-api-key", &api.key)
            .header("idempotency-key", "k-reused")
            .json(&body)
            .send()
    };
    let first = send(json!({"user_id": "alice"})).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(json!({"user_id": "alice"})).await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["session_id"], first["session_id"]);
    let other = send(json!({"user_id": "mallory"})).await.unwrap();
    let status = other.status().as_u16();
    let v: Value = other.json().await.unwrap();
    let e = assert_envelope(status, &v, 422);
    assert_eq!(e["slug"], "Request_IdempotencyKeyReused");
    assert!(!v
        .to_string()
        .contains(first["session_id"].as_str().unwrap()));
    api.server.shutdown().await;
}

#[tokio::test]
async fn mcp_takes_bearer_keys_challenges_and_answers_parse_errors() {
    let api = Api::default().await;
    let (status, v) = api
        .post("/tool_router/session", json!({"user_id": "u"}))
        .await;
    assert_eq!(status, 201, "{v}");
    let url = v["mcp"]["url"].as_str().unwrap().to_owned();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}});
    let post = || {
        api.http
            .post(&url)
            .header("accept", "application/json, text/event-stream")
    };
    let resp = post().json(&init).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    let resp = post()
        .bearer_auth("wrong")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
    let resp = post()
        .bearer_auth(&api.key)
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("mcp-session-id"));

    let resp = post()
        .bearer_auth(&api.key)
        .header("content-type", "application/json")
        .body("{\"jsonrpc\": \"2.0\", \"id\": 1,")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["jsonrpc"], "2.0");
    assert_eq!(v["error"]["code"], -32700);
    assert!(v["id"].is_null());
    api.server.shutdown().await;
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_database_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Config::default().data_dir(dir.path())).await;
    let (status, _) = api
        .post("/tool_router/session", json!({"user_id": "u"}))
        .await;
    assert_eq!(status, 201);
    for name in ["composio.db", "composio.db-wal"] {
        let path = dir.path().join(name);
        if name.ends_with("-wal") && !path.exists() {
            continue;
        }
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{name}: {mode:o}");
    }
    api.server.shutdown().await;
}
