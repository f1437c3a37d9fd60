//! The JSON API: shapes, filters, errors, isolation, idempotency.

mod common;

use common::{assert_envelope, Api};
use composio_server::{Config, ProjectConfig};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn create_session_matches_the_spec_and_clients_needs() {
    let api = Api::default().await;
    // A pinned account must be the user's own (spec §16.2).
    let (github, _) = api.link("user_123", "github", None).await;
    let (status, v) = api
        .post(
            "/tool_router/session",
            json!({"user_id": "user_123", "toolkits": {"enable": ["gmail", "github"]},
                   "auth_configs": {"gmail": "ac_AbCdEfGhIjKl"},
                   "connected_accounts": {"github": github},
                   "manage_connections": {"enable": true, "callback_url": "https://app.example.com/chat",
                                          "enable_wait_for_connections": true},
                   "tags": {"enable": ["readOnlyHint"]}, "some_future_field": 1}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let id = v["session_id"].as_str().unwrap();
    assert!(id.starts_with("trs_"));
    assert_eq!(v["mcp"]["type"], "http");
    assert_eq!(
        v["mcp"]["url"],
        format!("{}/tool_router/{id}/mcp", api.server.url())
    );
    assert_eq!(v["config_version"], 1);
    let c = &v["config"];
    assert_eq!(c["preload"]["tools"], json!([]));
    assert_eq!(c["toolkits"], json!({"enabled": ["gmail", "github"]}));
    assert_eq!(c["connected_accounts"], json!({"github": [github]}));
    assert_eq!(c["manage_connections"]["enabled"], true);
    assert_eq!(
        c["manage_connections"]["callback_url"],
        "https://app.example.com/chat"
    );
    assert_eq!(c["tags"]["enabled"], json!(["readOnlyHint"]));
    let tools = v["tool_router_tools"].as_array().unwrap();
    assert!(tools.contains(&json!("COMPOSIO_MANAGE_CONNECTIONS")));
    assert!(tools.contains(&json!("COMPOSIO_WAIT_FOR_CONNECTIONS")));

    let (status, got) = api.get(&format!("/tool_router/session/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got, v);

    let (status, tools) = api
        .get(&format!("/tool_router/session/{id}/tools?limit=2"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(tools["items"].as_array().unwrap().len(), 2);
    assert_eq!(tools["total_items"], 4);
    let cursor = tools["next_cursor"].as_str().unwrap();
    let (_, page2) = api
        .get(&format!(
            "/tool_router/session/{id}/tools?limit=2&cursor={cursor}"
        ))
        .await;
    let slugs: Vec<_> = page2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].clone())
        .collect();
    assert_eq!(
        slugs,
        vec![
            json!("COMPOSIO_MANAGE_CONNECTIONS"),
            json!("COMPOSIO_WAIT_FOR_CONNECTIONS")
        ]
    );
    assert_eq!(page2["next_cursor"], json!(null));
    let manage = &page2["items"][0];
    assert_eq!(
        manage["toolkit"],
        json!({"slug": "composio", "name": "Composio", "logo": "https://logos.composio.dev/api/composio"})
    );
    assert_eq!(manage["input_parameters"]["required"], json!(["toolkits"]));
    assert_eq!(manage["version"], "00000000_00");

    let (status, del) = api
        .call(Method::DELETE, &format!("/tool_router/session/{id}"), None)
        .await;
    assert_eq!(
        (status, del),
        (200, json!({"session_id": id, "deleted": true}))
    );
    let (status, v) = api.get(&format!("/tool_router/session/{id}")).await;
    assert_envelope(status, &v, 404);
    api.server.shutdown().await;
}

#[tokio::test]
async fn meta_tools_follow_manage_connections() {
    let api = Api::default().await;
    let (_, off) = api
        .post(
            "/tool_router/session",
            json!({"user_id": "u", "manage_connections": {"enable": false}}),
        )
        .await;
    let tools = off["tool_router_tools"].as_array().unwrap();
    assert!(!tools.contains(&json!("COMPOSIO_MANAGE_CONNECTIONS")));
    let (_, on) = api
        .post("/tool_router/session", json!({"user_id": "u"}))
        .await;
    let tools = on["tool_router_tools"].as_array().unwrap();
    assert!(tools.contains(&json!("COMPOSIO_MANAGE_CONNECTIONS")));
    assert!(!tools.contains(&json!("COMPOSIO_WAIT_FOR_CONNECTIONS")));
    let sid = on["session_id"].as_str().unwrap();
    let (status, r) = api
        .post(&format!("/tool_router/session/{sid}/execute"),
              json!({"tool_slug": "COMPOSIO_MANAGE_CONNECTIONS", "arguments": {"toolkits": ["gmail"]}}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["successful"], true);
    assert_eq!(r["result_type"], "completed");
    let g = &r["data"]["results"]["gmail"];
    assert_eq!(g["status"], "initiated");
    assert!(g["redirect_url"].as_str().unwrap().contains("/link/lk_"));
    assert_eq!(r["data"]["summary"]["initiated_connections"], 1);
    api.server.shutdown().await;
}

#[tokio::test]
async fn toolkits_listing_shows_connections_and_filters() {
    let api = Api::default().await;
    let sid = api.session(json!({"user_id": "user_1"})).await;
    let (_, link) = api
        .post(
            &format!("/tool_router/session/{sid}/link"),
            json!({"toolkit": "gmail", "callback_url": "https://a.example/cb"}),
        )
        .await;
    composio_server::sandbox::Browser::new()
        .unwrap()
        .approve(link["redirect_url"].as_str().unwrap())
        .await
        .unwrap();

    let (status, all) = api
        .get(&format!("/tool_router/session/{sid}/toolkits"))
        .await;
    assert_eq!(status, 200);
    assert!(all["total_pages"].is_u64());
    let gmail = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "gmail")
        .unwrap()
        .clone();
    assert_eq!(gmail["name"], "Gmail");
    assert_eq!(gmail["is_no_auth"], false);
    assert!(gmail["meta"]["logo"].is_string());
    assert_eq!(
        gmail["connected_account"]["id"],
        link["connected_account_id"]
    );
    assert_eq!(gmail["connected_account"]["status"], "ACTIVE");
    assert_eq!(
        gmail["connected_account"]["auth_config"]["auth_scheme"],
        "OAUTH2"
    );
    let hn = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "hackernews")
        .unwrap();
    assert_eq!(hn["is_no_auth"], true);
    assert_eq!(hn["connected_account"], json!(null));

    let (_, connected) = api
        .get(&format!(
            "/tool_router/session/{sid}/toolkits?is_connected=true"
        ))
        .await;
    let slugs: Vec<_> = connected["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].clone())
        .collect();
    assert_eq!(slugs, vec![json!("gmail")]);
    let (_, some) = api
        .get(&format!(
            "/tool_router/session/{sid}/toolkits?toolkits=github,slack&limit=1"
        ))
        .await;
    assert_eq!(some["items"][0]["slug"], "github");
    assert_eq!(some["total_items"], 2);
    assert_eq!(some["total_pages"], 2);
    let (_, searched) = api
        .get(&format!(
            "/tool_router/session/{sid}/toolkits?search=calendar"
        ))
        .await;
    assert_eq!(searched["items"][0]["slug"], "googlecalendar");
    api.server.shutdown().await;
}

#[tokio::test]
async fn accounts_list_get_disable_enable_delete() {
    let api = Api::default().await;
    let (a1, _) = api.link("alice", "gmail", None).await;
    let (a2, _) = api.link("alice", "github", None).await;
    let (a3, r3) = api
        .link("bob", "gmail", Some("https://app.example.com/cb"))
        .await;
    composio_server::sandbox::Browser::new()
        .unwrap()
        .approve(&r3)
        .await
        .unwrap();

    let (status, page) = api
        .get("/connected_accounts?user_ids=alice&order_direction=asc")
        .await;
    assert_eq!(status, 200);
    let ids: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![a1.clone(), a2.clone()]);
    let (_, page) = api
        .get("/connected_accounts?toolkit_slugs=gmail&statuses=ACTIVE")
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], json!(a3));
    let (_, page) = api
        .get(&format!(
            "/connected_accounts?connected_account_ids={a1},{a3}&limit=1"
        ))
        .await;
    assert_eq!(page["total_items"], 2);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, page2) = api
        .get(&format!(
            "/connected_accounts?connected_account_ids={a1},{a3}&limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(page2["current_page"], 2);
    assert_eq!(page2["next_cursor"], json!(null));
    let (status, v) = api.get("/connected_accounts?order_by=name").await;
    assert_envelope(status, &v, 400);

    let (status, v) = api
        .call(
            Method::PATCH,
            &format!("/connected_accounts/{a3}/status"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["status"].clone(), v["is_disabled"].clone()),
        (json!("INACTIVE"), json!(true))
    );
    let (_, v) = api
        .call(
            Method::PATCH,
            &format!("/connected_accounts/{a3}/status"),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(
        (v["status"].clone(), v["is_disabled"].clone()),
        (json!("ACTIVE"), json!(false))
    );
    let (status, v) = api
        .call(
            Method::PATCH,
            &format!("/connected_accounts/{a1}/status"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_envelope(status, &v, 409);

    let (status, _) = api
        .call(Method::DELETE, &format!("/connected_accounts/{a3}"), None)
        .await;
    assert_eq!(status, 200);
    let (status, v) = api.get(&format!("/connected_accounts/{a3}")).await;
    let e = assert_envelope(status, &v, 404);
    assert_eq!(e["slug"], "ConnectedAccount_NotFound");
    api.server.shutdown().await;
}

#[tokio::test]
async fn link_for_an_auth_config() {
    let api = Api::default().await;
    let sid = api.session(json!({"user_id": "carol"})).await;
    let (_, toolkits) = api
        .get(&format!(
            "/tool_router/session/{sid}/toolkits?toolkits=gmail"
        ))
        .await;
    assert_eq!(toolkits["items"][0]["connected_account"], json!(null));
    let (_, link) = api
        .post(
            &format!("/tool_router/session/{sid}/link"),
            json!({"toolkit": "gmail"}),
        )
        .await;
    let ac = api
        .account(link["connected_account_id"].as_str().unwrap())
        .await["auth_config"]["id"]
        .clone();
    let (status, v) = api.post("/connected_accounts/link", json!({"auth_config_id": ac, "user_id": "dave", "callback_url": "https://x.example/cb"})).await;
    assert_eq!(status, 201, "{v}");
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'));
    let a = api
        .account(v["connected_account_id"].as_str().unwrap())
        .await;
    assert_eq!(
        (a["user_id"].clone(), a["status"].clone()),
        (json!("dave"), json!("INITIATED"))
    );
    let (status, v) = api
        .post(
            "/connected_accounts/link",
            json!({"auth_config_id": "ac_nope", "user_id": "dave"}),
        )
        .await;
    assert_envelope(status, &v, 404);
    api.server.shutdown().await;
}

#[tokio::test]
async fn errors_use_the_envelope() {
    let api = Api::default().await;
    // 401 without (or with a wrong) key.
    let resp = api
        .http
        .get(api.url("/connected_accounts"))
        .header("x-request-id", "req-abc")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "req-abc");
    assert_eq!(resp.headers()["x-composio-push-wait"], "watch-v1");
    let status = resp.status().as_u16();
    let v: serde_json::Value = resp.json().await.unwrap();
    let e = assert_envelope(status, &v, 401);
    assert_eq!(e["request_id"], "req-abc");
    let resp = api
        .http
        .get(api.url("/connected_accounts"))
        .header("x-api-key", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("x-request-id"));

    // Bad JSON.
    let resp = api
        .http
        .post(api.url("/tool_router/session"))
        .header("x-api-key", &api.key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    assert_envelope(status, &resp.json().await.unwrap(), 400);
    // `enabled` in a request, missing user_id.
    let (status, v) = api
        .post(
            "/tool_router/session",
            json!({"user_id": "u", "toolkits": {"enabled": ["gmail"]}}),
        )
        .await;
    assert_envelope(status, &v, 400);
    let (status, v) = api
        .post(
            "/tool_router/session",
            json!({"toolkits": {"enable": ["gmail"]}}),
        )
        .await;
    assert_envelope(status, &v, 400);
    // Unknown toolkit with a suggestion.
    let sid = api.session(json!({"user_id": "u"})).await;
    let (status, v) = api
        .post(
            &format!("/tool_router/session/{sid}/link"),
            json!({"toolkit": "gmial"}),
        )
        .await;
    let e = assert_envelope(status, &v, 404);
    assert_eq!(e["slug"], "Toolkit_NotFound");
    assert!(e["suggested_fix"].as_str().unwrap().contains("gmail"));
    // No-auth toolkit.
    let (status, v) = api
        .post(
            &format!("/tool_router/session/{sid}/link"),
            json!({"toolkit": "hackernews"}),
        )
        .await;
    assert_envelope(status, &v, 400);
    // Non-http callback.
    let (status, v) = api
        .post(
            &format!("/tool_router/session/{sid}/link"),
            json!({"toolkit": "gmail", "callback_url": "javascript:alert(1)"}),
        )
        .await;
    assert_envelope(status, &v, 400);
    // Oversized body.
    let big = "x".repeat(2 * 1024 * 1024);
    let resp = api
        .http
        .post(api.url("/tool_router/session"))
        .header("x-api-key", &api.key)
        .header("content-type", "application/json")
        .body(format!("{{\"user_id\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    assert_envelope(status, &resp.json().await.unwrap(), 413);
    // Unknown route and session.
    let (status, v) = api.get("/nope").await;
    assert_envelope(status, &v, 404);
    let (status, v) = api.get("/tool_router/session/trs_missing/toolkits").await;
    assert_envelope(status, &v, 404);
    api.server.shutdown().await;
}

#[tokio::test]
async fn projects_are_isolated() {
    let config = Config::default().project(
        ProjectConfig::new("other", "csk_other_key").callback_origins(["https://only.example"]),
    );
    let api = Api::start(config).await;
    let (id, _) = api.link("u", "gmail", None).await;
    let sid = api.session(json!({"user_id": "u"})).await;
    let other = |path: &str| {
        api.http
            .get(api.url(path))
            .header("x-api-key", "csk_other_key")
            .send()
    };
    assert_eq!(
        other(&format!("/connected_accounts/{id}"))
            .await
            .unwrap()
            .status(),
        404
    );
    let resp = other(&format!("/tool_router/session/{sid}")).await.unwrap();
    assert_eq!(resp.status(), 403, "a session of another project (spec §4)");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["status"], 403);
    assert_eq!(
        other("/tool_router/session/trs_nope")
            .await
            .unwrap()
            .status(),
        404
    );
    let list: serde_json::Value = other("/connected_accounts")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    // The other project only accepts callbacks on its allowed origin.
    let resp = api.http.post(api.url("/tool_router/session")).header("x-api-key", "csk_other_key")
        .json(&json!({"user_id": "u", "manage_connections": {"callback_url": "https://evil.example/cb"}})).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    api.server.shutdown().await;
}

#[tokio::test]
async fn repeated_idempotency_key_returns_the_first_response() {
    let api = Api::default().await;
    let send = |key: &'static str, header: &'static str| {
        api.http
            .post(api.url("/tool_router/session"))
            .header("x-api-key", &api.key)
            .header(header, key)
            .json(&json!({"user_id": "u"}))
            .send()
    };
    let a: serde_json::Value = send("idem-1", "idempotency-key")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let b: serde_json::Value = send("idem-1", "idempotency-key")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let c: serde_json::Value = send("idem-2", "idempotency-key")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["session_id"], b["session_id"]);
    assert_ne!(a["session_id"], c["session_id"]);
    let r1 = send("f026c4390e944b4b", "x-request-id").await.unwrap();
    assert_eq!(r1.status(), 201);
    let r1: serde_json::Value = r1.json().await.unwrap();
    let r2: serde_json::Value = send("f026c4390e944b4b", "x-request-id")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r1["session_id"], r2["session_id"]);
    // Links too: one account for a retried link request.
    let sid = a["session_id"].as_str().unwrap();
    let link = || {
        api.http
            .post(api.url(&format!("/tool_router/session/{sid}/link")))
            .header("x-api-key", &api.key)
            .header("idempotency-key", "link-1")
            .json(&json!({"toolkit": "gmail"}))
            .send()
    };
    let l1: serde_json::Value = link().await.unwrap().json().await.unwrap();
    let l2: serde_json::Value = link().await.unwrap().json().await.unwrap();
    assert_eq!(l1["connected_account_id"], l2["connected_account_id"]);
    let (_, list) = api.get("/connected_accounts").await;
    assert_eq!(list["total_items"], 1);
    // Concurrent duplicates run once.
    let post = || {
        api.http
            .post(api.url("/tool_router/session"))
            .header("x-api-key", &api.key)
            .header("idempotency-key", "concurrent")
            .json(&json!({"user_id": "u"}))
            .send()
    };
    let (x, y) = tokio::join!(post(), post());
    let x: serde_json::Value = x.unwrap().json().await.unwrap();
    let y: serde_json::Value = y.unwrap().json().await.unwrap();
    assert_eq!(x["session_id"], y["session_id"]);
    api.server.shutdown().await;
}

#[tokio::test]
async fn both_api_versions_and_openapi_are_served() {
    let api = Api::default().await;
    let (github, _) = api.link("u", "github", None).await;
    for v in ["v3", "v3.1"] {
        let resp = api
            .http
            .post(format!("{}/api/{v}/tool_router/session", api.server.url()))
            .header("x-api-key", &api.key)
            .json(&json!({"user_id": "u", "connected_accounts": {"github": github}}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let doc: serde_json::Value = api
            .http
            .get(format!("{}/api/{v}/openapi.json", api.server.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        assert!(doc["paths"]["/connected_accounts/watch"].is_object());
    }
    api.server.shutdown().await;
}
