//! Session update and reuse (docs/spec/wire-2026.md §19): PATCH with its merge rules,
//! strict keys, `config_version` and the compare-and-set of `expected_config_version`, and
//! the config history.

mod common;

use common::{assert_envelope, Api};
use reqwest::Method;
use serde_json::{json, Value};

async fn patch(api: &Api, id: &str, body: Value) -> (u16, Value) {
    api.call(
        Method::PATCH,
        &format!("/tool_router/session/{id}"),
        Some(body),
    )
    .await
}

async fn created(api: &Api) -> String {
    api.session(json!({
        "user_id": "user_123",
        "toolkits": {"enable": ["gmail"]},
        "auth_configs": {"gmail": "ac_old", "github": "ac_gh"},
        "manage_connections": {"enable": true, "callback_url": "https://app.example.com/cb"},
    }))
    .await
}

#[tokio::test]
async fn patch_merges_bumps_the_version_and_answers_the_session_object() {
    let api = Api::default().await;
    let id = created(&api).await;
    let (status, v) = patch(
        &api,
        &id,
        json!({"toolkits": {"enable": ["gmail", "slack"]},
               "auth_configs": {"gmail": "ac_new_config"},
               "multi_account": {"enable": true, "max_accounts_per_toolkit": 4},
               "manage_connections": {"callback_url": null},
               "expected_config_version": 1}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["session_id"], id);
    assert_eq!(v["config_version"], 2);
    let c = &v["config"];
    assert_eq!(c["user_id"], "user_123");
    assert_eq!(c["toolkits"], json!({"enabled": ["gmail", "slack"]}));
    assert_eq!(
        c["auth_configs"],
        json!({"gmail": "ac_new_config"}),
        "maps replace"
    );
    assert_eq!(
        c["multi_account"],
        json!({"enable": true, "max_accounts_per_toolkit": 4})
    );
    assert_eq!(c["manage_connections"]["enabled"], true, "kept");
    assert_eq!(
        c["manage_connections"]["callback_url"],
        Value::Null,
        "removed"
    );
    assert_eq!(c["preload"], json!({"tools": []}));
    assert_eq!(c["instant"], false);
    assert!(v["mcp"]["url"].as_str().unwrap().ends_with("/mcp"));
    let (status, got) = api.get(&format!("/tool_router/session/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got, v, "GET answers what PATCH answered");

    // Without a precondition the last writer wins; null removes a policy block.
    let (status, v) = patch(&api, &id, json!({"toolkits": null})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["config_version"], 3);
    assert!(v["config"].get("toolkits").is_none(), "{v}");
    assert_eq!(
        v["config"]["auth_configs"],
        json!({"gmail": "ac_new_config"})
    );

    // The same on /api/v3.
    let url = format!("{}/api/v3/tool_router/session/{id}", api.server.url());
    let resp = api
        .http
        .patch(&url)
        .header("x-api-key", &api.key)
        .json(&json!({"preload": {"tools": ["GMAIL_SEND_EMAIL"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["config_version"], 4);
    assert_eq!(v["config"]["preload"]["tools"], json!(["GMAIL_SEND_EMAIL"]));
}

#[tokio::test]
async fn unknown_keys_are_a_400_and_change_nothing() {
    let api = Api::default().await;
    let id = created(&api).await;
    for (body, key) in [
        (json!({"enabled_toolkits": ["gmail"]}), "enabled_toolkits"),
        (json!({"user_id": "someone_else"}), "user_id"),
        (json!({"toolkits": {"enabled": ["gmail"]}}), "enabled"),
    ] {
        let (status, v) = patch(&api, &id, body).await;
        let e = assert_envelope(status, &v, 400);
        assert_eq!(e["slug"], "HTTP_BadRequest");
        assert_eq!(e["code"], 10400);
        assert_eq!(
            e["errors"],
            json!([format!("Unrecognized key(s) in object: '{key}'")])
        );
    }
    let (status, v) = patch(
        &api,
        &id,
        json!({"multi_account": {"max_accounts_per_toolkit": 11}}),
    )
    .await;
    let e = assert_envelope(status, &v, 400);
    assert_eq!(
        e["message"],
        "multi_account.max_accounts_per_toolkit must be between 2 and 10"
    );
    let (status, v) = patch(&api, &id, json!({"instant": null})).await;
    assert_envelope(status, &v, 400);
    let (status, v) = patch(&api, &id, json!({"toolkits": {"enable": ["gmial"]}})).await;
    let e = assert_envelope(status, &v, 404);
    assert_eq!(e["slug"], "Toolkit_NotFound");
    let (_, got) = api.get(&format!("/tool_router/session/{id}")).await;
    assert_eq!(got["config_version"], 1, "nothing changed: {got}");
    assert_eq!(got["config"]["toolkits"], json!({"enabled": ["gmail"]}));

    // Create stays lenient.
    let (status, _) = api
        .post(
            "/tool_router/session",
            json!({"user_id": "u", "some_future_field": 1}),
        )
        .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn a_stale_expected_version_is_a_409_that_says_do_not_retry() {
    let api = Api::default().await;
    let id = created(&api).await;
    let (status, _) = patch(
        &api,
        &id,
        json!({"tools": {"gmail": {"enable": ["GMAIL_SEND_EMAIL"]}}}),
    )
    .await;
    assert_eq!(status, 200);
    let resp = api
        .http
        .patch(api.url(&format!("/tool_router/session/{id}")))
        .header("x-api-key", &api.key)
        .json(&json!({"auth_configs": null, "expected_config_version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 409);
    assert_eq!(resp.headers()["x-should-retry"], "false");
    let v: Value = resp.json().await.unwrap();
    let e = assert_envelope(409, &v, 409);
    assert_eq!(e["slug"], "ToolRouterSession_ConfigVersionConflict");
    assert_eq!(e["code"], 10409);
    assert_eq!(e["current_config_version"], 2);
    assert!(e["message"].as_str().unwrap().contains(&id));
    let (_, got) = api.get(&format!("/tool_router/session/{id}")).await;
    assert_eq!(got["config_version"], 2);
    assert_eq!(
        got["config"]["auth_configs"]["gmail"], "ac_old",
        "unchanged"
    );

    let (status, v) = patch(&api, &id, json!({"expected_config_version": 0})).await;
    assert_envelope(status, &v, 400);
}

#[tokio::test]
async fn concurrent_patches_from_one_version_let_exactly_one_through() {
    let api = Api::default().await;
    let id = created(&api).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let http = api.http.clone();
        let url = api.url(&format!("/tool_router/session/{id}"));
        let key = api.key.clone();
        tasks.push(tokio::spawn(async move {
            let resp = http
                .patch(url)
                .header("x-api-key", key)
                .json(&json!({"auth_configs": {"gmail": format!("ac_{i}")},
                              "expected_config_version": 1}))
                .send()
                .await
                .unwrap();
            resp.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409]);
    let (_, got) = api.get(&format!("/tool_router/session/{id}")).await;
    assert_eq!(got["config_version"], 2);

    // Without a precondition, concurrent updates all apply, one version each.
    let mut tasks = Vec::new();
    for i in 0..4 {
        let http = api.http.clone();
        let url = api.url(&format!("/tool_router/session/{id}"));
        let key = api.key.clone();
        tasks.push(tokio::spawn(async move {
            http.patch(url)
                .header("x-api-key", key)
                .json(&json!({"preload": {"tools": [format!("T_{i}")]}}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let (_, got) = api.get(&format!("/tool_router/session/{id}")).await;
    assert_eq!(got["config_version"], 6);
    let (_, h) = api
        .get(&format!(
            "/tool_router/session/{id}/config_history?limit=100"
        ))
        .await;
    let versions: Vec<u64> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, [6, 5, 4, 3, 2, 1]);
}

#[tokio::test]
async fn history_is_newest_first_with_the_current_config_on_top() {
    let api = Api::default().await;
    let id = created(&api).await;
    let (_, original) = api.get(&format!("/tool_router/session/{id}")).await;
    for n in 2..=4 {
        let (status, v) = patch(
            &api,
            &id,
            json!({"auth_configs": {"gmail": format!("ac_v{n}")},
                   "expected_config_version": n - 1}),
        )
        .await;
        assert_eq!(status, 200, "{v}");
    }
    let (status, h) = api
        .get(&format!("/tool_router/session/{id}/config_history?limit=2"))
        .await;
    assert_eq!(status, 200, "{h}");
    assert_eq!(h["total_items"], 4);
    assert_eq!(h["total_pages"], 2);
    assert_eq!(h["current_page"], 1);
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["version"], 4);
    assert_eq!(items[0]["is_current"], true);
    assert_eq!(items[0]["config"]["auth_configs"]["gmail"], "ac_v4");
    assert_eq!(items[1]["version"], 3);
    assert_eq!(items[1]["is_current"], false);
    assert_eq!(items[1]["config"]["auth_configs"]["gmail"], "ac_v3");
    for item in items {
        assert!(item["created_at"].as_str().unwrap().ends_with('Z'));
        for k in ["preload", "search", "execute", "instant"] {
            assert!(item["config"].get(k).is_some(), "{k} in {item}");
        }
    }
    let cursor = h["next_cursor"].as_str().unwrap();
    let (_, h2) = api
        .get(&format!(
            "/tool_router/session/{id}/config_history?limit=2&cursor={cursor}"
        ))
        .await;
    let items = h2["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["version"], 2);
    assert_eq!(items[1]["version"], 1);
    assert!(items.iter().all(|i| i["is_current"] == false));
    assert_eq!(
        items[1]["config"], original["config"],
        "version 1 as created"
    );
    assert_eq!(h2["next_cursor"], Value::Null);

    let (status, v) = api
        .get(&format!("/tool_router/session/{id}/config_history?limit=0"))
        .await;
    assert_envelope(status, &v, 400);
    let (status, v) = api
        .get("/tool_router/session/trs_missing/config_history")
        .await;
    assert_envelope(status, &v, 404);
    let (status, v) = patch(&api, "trs_missing", json!({})).await;
    assert_envelope(status, &v, 404);
    let (status, _) = api
        .call(Method::DELETE, &format!("/tool_router/session/{id}"), None)
        .await;
    assert_eq!(status, 200);
    let (status, v) = api
        .get(&format!("/tool_router/session/{id}/config_history"))
        .await;
    assert_envelope(status, &v, 404);
}

#[tokio::test]
async fn meta_tools_follow_the_updated_config() {
    let api = Api::default().await;
    let id = created(&api).await;
    let tools = |v: &Value| -> Vec<String> {
        v["tool_router_tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect()
    };
    let (_, v) = api.get(&format!("/tool_router/session/{id}")).await;
    assert!(!tools(&v).contains(&"COMPOSIO_WAIT_FOR_CONNECTIONS".to_owned()));
    let (status, v) = patch(
        &api,
        &id,
        json!({"manage_connections": {"enable_wait_for_connections": true}}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        tools(&v),
        [
            "COMPOSIO_SEARCH_TOOLS",
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            "COMPOSIO_MANAGE_CONNECTIONS",
            "COMPOSIO_WAIT_FOR_CONNECTIONS"
        ]
    );
    let (_, listed) = api.get(&format!("/tool_router/session/{id}/tools")).await;
    assert_eq!(listed["total_items"], 4);
    let (_, v) = patch(&api, &id, json!({"manage_connections": false})).await;
    assert_eq!(
        tools(&v),
        ["COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL"]
    );
}

#[tokio::test]
async fn pinned_accounts_must_be_the_users_own() {
    let api = Api::default().await;
    let id = created(&api).await;
    let (mine, _) = api.link("user_123", "gmail", None).await;
    let (mine2, _) = api.link("user_123", "gmail", None).await;
    let (theirs, _) = api.link("someone_else", "gmail", None).await;
    let (github, _) = api.link("user_123", "github", None).await;
    for (pins, needle) in [
        (json!({"gmail": [theirs]}), "belongs to another user"),
        (json!({"gmail": ["ca_doesNotExist"]}), "does not exist"),
        (json!({"gmail": [github]}), "is a github account"),
        (json!({"gmail": [mine, mine2]}), "at most 1 allowed"),
    ] {
        let (status, v) = patch(&api, &id, json!({ "connected_accounts": pins })).await;
        let e = assert_envelope(status, &v, 400);
        assert_eq!(e["slug"], "ToolRouterSession_InvalidConnectedAccounts");
        assert!(
            e["message"].as_str().unwrap().contains(needle),
            "{needle}: {e}"
        );
    }
    let (_, got) = api.get(&format!("/tool_router/session/{id}")).await;
    assert_eq!(got["config_version"], 1, "nothing changed");

    let (status, v) = patch(&api, &id, json!({"connected_accounts": {"gmail": mine}})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["config"]["connected_accounts"], json!({"gmail": [mine]}));
    let (status, v) = patch(
        &api,
        &id,
        json!({"multi_account": {"enable": true},
               "connected_accounts": {"gmail": [mine, mine2]}}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["config"]["connected_accounts"]["gmail"],
        json!([mine, mine2])
    );
}
