//! Per-project rate limiting of the API: 429 envelopes with `retry-after` / `retry-after-ms`,
//! separate buckets per project, the watch stream left out, the MCP endpoint counted.
//!
//! The limits refill slowly (one request every 5 s) so that "immediately after" holds on any
//! machine; only `waiting_retry_after_ms_is_enough` sleeps, for the delay the server asked.

mod common;

use std::time::Duration;

use common::Api;
use composio_server::{Config, ProjectConfig};
use serde_json::{json, Value};

const KEY_A: &str = "csk_rate_limit_project_a";
const KEY_B: &str = "csk_rate_limit_project_b";
const KEY_FREE: &str = "csk_rate_limit_project_free";

/// Projects `a` and `b` with the server-wide 0.2 requests/s, bursts of 2; `free` unlimited.
async fn start() -> Api {
    let config = Config::empty()
        .rate_limit(0.2, 2)
        .project(ProjectConfig::new("a", KEY_A))
        .project(ProjectConfig::new("b", KEY_B))
        .project(ProjectConfig::new("free", KEY_FREE).rate_limit(0.0, 1));
    Api::start(config).await
}

async fn get(api: &Api, key: &str, path: &str) -> reqwest::Response {
    api.http
        .get(api.url(path))
        .header("x-api-key", key)
        .send()
        .await
        .expect("request")
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Checks a 429: both retry headers (consistent), the rate-limit headers and the envelope.
async fn assert_rate_limited(resp: reqwest::Response, max_wait_ms: u64) -> u64 {
    assert_eq!(resp.status(), 429);
    let ms: u64 = header(&resp, "retry-after-ms")
        .expect("retry-after-ms")
        .parse()
        .expect("whole milliseconds");
    assert!(ms > 0 && ms <= max_wait_ms, "retry-after-ms {ms}");
    let secs: u64 = header(&resp, "retry-after")
        .expect("retry-after")
        .parse()
        .expect("whole seconds");
    assert_eq!(secs, ms.div_ceil(1000), "retry-after is rounded up");
    assert_eq!(header(&resp, "x-ratelimit-remaining"), Some("0"));
    assert!(header(&resp, "x-ratelimit-limit").is_some());
    assert!(header(&resp, "content-type")
        .unwrap_or_default()
        .starts_with("application/json"));
    let request_id = header(&resp, "x-request-id")
        .expect("x-request-id")
        .to_owned();
    let body: Value = resp.json().await.expect("JSON envelope");
    let error = &body["error"];
    assert_eq!(error["status"], 429);
    assert_eq!(error["code"], 1429);
    assert_eq!(error["slug"], "Request_RateLimited");
    assert_eq!(error["request_id"], request_id.as_str());
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains("requests per second") && message.contains("bursts of"),
        "the message states the limit: {message}"
    );
    assert!(error["suggested_fix"]
        .as_str()
        .is_some_and(|f| f.contains("retry-after")));
    ms
}

#[tokio::test]
async fn the_request_after_the_burst_is_429_and_other_projects_are_unaffected() {
    let api = start().await;

    let first = get(&api, KEY_A, "/connected_accounts").await;
    assert_eq!(first.status(), 200);
    assert_eq!(header(&first, "x-ratelimit-limit"), Some("2"));
    assert_eq!(header(&first, "x-ratelimit-remaining"), Some("1"));
    let second = get(&api, KEY_A, "/connected_accounts").await;
    assert_eq!(second.status(), 200);
    assert_eq!(header(&second, "x-ratelimit-remaining"), Some("0"));
    let ms = assert_rate_limited(get(&api, KEY_A, "/connected_accounts").await, 5000).await;
    assert!(ms > 4000, "nearly a whole 5 s interval left: {ms}");

    // Both API versions share the project's bucket, whatever the endpoint.
    let v3 = api
        .http
        .get(format!("{}/api/v3/connected_accounts", api.server.url()))
        .header("x-api-key", KEY_A)
        .send()
        .await
        .unwrap();
    assert_rate_limited(v3, 5000).await;
    let create = api
        .http
        .post(api.url("/tool_router/session"))
        .header("x-api-key", KEY_A)
        .json(&json!({"user_id": "u"}))
        .send()
        .await
        .unwrap();
    assert_rate_limited(create, 5000).await;

    // Another project has its own bucket.
    let other = get(&api, KEY_B, "/connected_accounts").await;
    assert_eq!(other.status(), 200);
    assert_eq!(header(&other, "x-ratelimit-remaining"), Some("1"));

    // An unlimited project is never limited and gets no rate-limit headers.
    for _ in 0..20 {
        let free = get(&api, KEY_FREE, "/connected_accounts").await;
        assert_eq!(free.status(), 200);
        assert!(header(&free, "x-ratelimit-limit").is_none());
    }

    // The OpenAPI document (not limited) documents the 429.
    let doc: Value = api
        .http
        .get(api.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["paths"]["/connected_accounts"]["get"]["responses"]["429"]["$ref"],
        "#/components/responses/E429"
    );
    assert!(doc["components"]["responses"]["E429"]["headers"]["retry-after-ms"].is_object());

    // Bad keys are rejected by authentication before any bucket is involved.
    let bad = get(&api, "csk_wrong", "/connected_accounts").await;
    assert_eq!(bad.status(), 401);
    assert!(header(&bad, "retry-after").is_none());
    api.server.shutdown().await;
}

#[tokio::test]
async fn the_mcp_endpoint_counts_and_its_429_is_json() {
    let api = start().await;
    let create = api
        .http
        .post(api.url("/tool_router/session"))
        .header("x-api-key", KEY_A)
        .json(&json!({"user_id": "u"}))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), 201);
    let session: Value = create.json().await.unwrap();
    let mcp_url = session["mcp"]["url"].as_str().expect("mcp url").to_owned();
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-03-26", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "0"}}
    });
    let mcp = |key: &'static str| {
        api.http
            .post(&mcp_url)
            .header("x-api-key", key)
            .header("accept", "application/json, text/event-stream")
            .json(&initialize)
            .send()
    };
    let ok = mcp(KEY_A).await.unwrap();
    assert_eq!(ok.status(), 200, "the second request of the burst");
    assert_eq!(header(&ok, "x-ratelimit-remaining"), Some("0"));
    assert_rate_limited(mcp(KEY_A).await.unwrap(), 5000).await;
    api.server.shutdown().await;
}

#[tokio::test]
async fn the_watch_stream_does_not_count_but_adding_ids_does() {
    let api = start().await;
    let mut streams = Vec::new();
    for _ in 0..5 {
        let resp = api
            .http
            .post(api.url("/connected_accounts/watch"))
            .header("x-api-key", KEY_A)
            .json(&json!({"ids": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(header(&resp, "x-ratelimit-limit").is_none());
        streams.push(resp);
    }
    let mut chunks = streams.remove(0).bytes_stream();
    let ready = tokio::time::timeout(Duration::from_secs(10), {
        use futures_util::StreamExt;
        chunks.next()
    })
    .await
    .expect("ready event")
    .expect("a chunk")
    .expect("body");
    let text = String::from_utf8_lossy(&ready).into_owned();
    let watch_id = text
        .lines()
        .find_map(|l| l.strip_prefix("data:"))
        .and_then(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .and_then(|v| v["watch_id"].as_str().map(str::to_owned))
        .expect("watch_id in the ready event");

    // The whole burst is still there for the ids calls.
    let add = || {
        api.http
            .post(api.url(&format!("/connected_accounts/watch/{watch_id}/ids")))
            .header("x-api-key", KEY_A)
            .json(&json!({"ids": ["ca_missing"]}))
            .send()
    };
    let first = add().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(header(&first, "x-ratelimit-remaining"), Some("1"));
    assert_eq!(add().await.unwrap().status(), 200);
    assert_rate_limited(add().await.unwrap(), 5000).await;
    drop(streams);
    drop(chunks);
    api.server.shutdown().await;
}

#[tokio::test]
async fn waiting_retry_after_ms_is_enough() {
    let config = Config::empty().project(ProjectConfig::new("fast", KEY_A).rate_limit(4.0, 1));
    let api = Api::start(config).await;
    assert_eq!(get(&api, KEY_A, "/connected_accounts").await.status(), 200);
    let limited = get(&api, KEY_A, "/connected_accounts").await;
    let ms = assert_rate_limited(limited, 250).await;
    tokio::time::sleep(Duration::from_millis(ms)).await;
    let after = get(&api, KEY_A, "/connected_accounts").await;
    assert_eq!(
        after.status(),
        200,
        "the server's own retry-after-ms suffices"
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn invalid_limits_are_refused_at_startup() {
    let config = Config::default().rate_limit(5.0, 0);
    let err = composio_server::spawn(config).await.expect_err("burst 0");
    assert!(err.to_string().contains("rate_limit_burst"), "{err}");
    let config = Config::default().project(ProjectConfig::new("p", KEY_B).rate_limit(-1.0, 2));
    let err = composio_server::spawn(config).await.expect_err("negative");
    assert!(err.to_string().contains("project `p`"), "{err}");
}
