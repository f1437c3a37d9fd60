//! Several connected accounts per user and toolkit (docs/spec/wire-2026.md §16, §18): aliases
//! and word ids, renaming, choosing the account of a tool call, revoking at the provider, and
//! sessions that may only pin their own user's accounts.

mod common;

use common::{assert_envelope, Api};
use composio_server::sandbox::Browser;
use serde_json::{json, Value};

/// A session of `user` (connection management off).
async fn session(api: &Api, user: &str) -> String {
    api.session(json!({"user_id": user, "manage_connections": {"enable": false}}))
        .await
}

/// A Connect Link of `toolkit` in session `sid` with `alias`: (status, body).
async fn link(api: &Api, sid: &str, toolkit: &str, alias: Option<&str>) -> (u16, Value) {
    let mut body = json!({"toolkit": toolkit, "callback_url": "https://app.example.com/cb"});
    if let Some(a) = alias {
        body["alias"] = json!(a);
    }
    api.post(&format!("/tool_router/session/{sid}/link"), body)
        .await
}

/// Links and approves an account; its id.
async fn connect(api: &Api, sid: &str, toolkit: &str, alias: Option<&str>) -> String {
    let (status, v) = link(api, sid, toolkit, alias).await;
    assert_eq!(status, 201, "{v}");
    let redirect = v["redirect_url"].as_str().unwrap();
    Browser::new().unwrap().approve(redirect).await.unwrap();
    v["connected_account_id"].as_str().unwrap().to_owned()
}

async fn patch(api: &Api, id: &str, body: Value) -> reqwest::Response {
    api.http
        .patch(api.url(&format!("/connected_accounts/{id}")))
        .header("x-api-key", &api.key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn execute(api: &Api, sid: &str, body: Value) -> Value {
    let (status, v) = api
        .post(&format!("/tool_router/session/{sid}/execute"), body)
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

#[tokio::test]
async fn aliases_are_unique_per_user_and_toolkit_without_case() {
    let api = Api::default().await;
    let sid = session(&api, "u1").await;
    let (status, v) = link(&api, &sid, "gmail", Some("  Work-Gmail ")).await;
    assert_eq!(status, 201, "{v}");
    let id = v["connected_account_id"].as_str().unwrap().to_owned();
    let a = api.account(&id).await;
    assert_eq!(a["alias"], "Work-Gmail");
    let word_id = a["word_id"].as_str().unwrap();
    assert!(
        word_id.starts_with("gmail_") && word_id.contains('-'),
        "{word_id}"
    );

    // Another spelling of the same alias: 409, final, and no account is created.
    let (_, before) = api.get("/connected_accounts?user_ids=u1").await;
    let resp = api
        .http
        .post(api.url(&format!("/tool_router/session/{sid}/link")))
        .header("x-api-key", &api.key)
        .json(&json!({"toolkit": "gmail", "alias": "work-gmail"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert_eq!(resp.headers()["x-should-retry"], "false");
    let v: Value = resp.json().await.unwrap();
    let e = assert_envelope(409, &v, 409);
    assert_eq!(e["slug"], "ConnectedAccount_AliasConflict");
    assert!(e["message"].as_str().unwrap().contains(&id), "{v}");
    let (_, after) = api.get("/connected_accounts?user_ids=u1").await;
    assert_eq!(before["total_items"], after["total_items"]);

    // The same alias for another toolkit, or another user, is fine.
    assert_eq!(link(&api, &sid, "github", Some("work-gmail")).await.0, 201);
    let other = session(&api, "u2").await;
    assert_eq!(link(&api, &other, "gmail", Some("work-gmail")).await.0, 201);
    // Invalid aliases are a 400.
    for bad in ["a\u{7}b", &"x".repeat(65)] {
        let (status, v) = link(&api, &sid, "gmail", Some(bad)).await;
        assert_envelope(status, &v, 400);
    }
    // The legacy link endpoint takes an alias too.
    let (status, v) = api
        .post(
            "/connected_accounts/link",
            json!({"auth_config_id": a["auth_config"]["id"], "user_id": "u1", "alias": "WORK-gmail"}),
        )
        .await;
    assert_envelope(status, &v, 409);
    api.server.shutdown().await;
}

#[tokio::test]
async fn concurrent_links_with_one_alias_make_one_account() {
    let api = Api::default().await;
    let sid = session(&api, "u1").await;
    let results = futures_util::future::join_all(
        (0..8).map(|_| link(&api, &sid, "gmail", Some("shared-alias"))),
    )
    .await;
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    let conflicts = results.iter().filter(|(s, _)| *s == 409).count();
    assert_eq!((created, conflicts), (1, 7), "{results:?}");
    let (_, list) = api.get("/connected_accounts?user_ids=u1").await;
    assert_eq!(list["total_items"], 1);
    api.server.shutdown().await;
}

#[tokio::test]
async fn accounts_are_renamed_and_unnamed_with_patch() {
    let api = Api::default().await;
    let sid = session(&api, "u1").await;
    let work = connect(&api, &sid, "gmail", Some("work")).await;
    let home = connect(&api, &sid, "gmail", None).await;

    let resp = patch(&api, &home, json!({"alias": "home"})).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v, json!({"id": home, "status": "ACTIVE", "success": true}));
    assert_eq!(api.account(&home).await["alias"], "home");

    let resp = patch(&api, &home, json!({"alias": "WORK"})).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(resp.headers()["x-should-retry"], "false");
    assert_eq!(api.account(&home).await["alias"], "home", "nothing changed");

    // Clearing frees the alias for the other account.
    assert_eq!(patch(&api, &work, json!({"alias": ""})).await.status(), 200);
    assert_eq!(api.account(&work).await["alias"], Value::Null);
    assert_eq!(
        patch(&api, &home, json!({"alias": "work"})).await.status(),
        200
    );

    for (body, expected) in [
        (json!({"alias": 3}), 400),
        (json!({"connection": {"state": {}}}), 400),
        (json!(["alias"]), 400),
    ] {
        assert_eq!(patch(&api, &home, body).await.status(), expected);
    }
    assert_eq!(
        patch(&api, "ca_missing", json!({"alias": "x"}))
            .await
            .status(),
        404
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn a_tool_call_runs_with_the_account_it_names() {
    let api = Api::default().await;
    let sid = session(&api, "u1").await;
    let work = connect(&api, &sid, "gmail", Some("work")).await;
    let home = connect(&api, &sid, "gmail", Some("home")).await;
    let home_word = api.account(&home).await["word_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Revoking `work` makes it unusable, so which account ran a call shows in its result.
    let (status, v) = api
        .post(&format!("/connected_accounts/{work}/revoke"), json!({}))
        .await;
    assert_eq!(status, 200, "{v}");

    let call = |account: &str| json!({"tool_slug": "GMAIL_GET_PROFILE", "arguments": {}, "account": account});
    for name in ["home", "HOME", home_word.as_str(), home.as_str()] {
        let r = execute(&api, &sid, call(name)).await;
        assert_eq!(r["successful"], true, "{name}: {r}");
    }
    let r = execute(&api, &sid, call("work")).await;
    assert_eq!(r["successful"], false, "{r}");
    let r = execute(&api, &sid, call("nope")).await;
    assert_eq!(r["successful"], false);
    let error = r["error"].as_str().unwrap();
    assert!(
        error.contains("no account 'nope'") && error.contains(&home) && error.contains("work"),
        "{error}"
    );
    // The same inside COMPOSIO_MULTI_EXECUTE_TOOL, item by item.
    let sid_meta = api.session(json!({"user_id": "u1"})).await;
    let r = execute(
        &api,
        &sid_meta,
        json!({"tool_slug": "COMPOSIO_MULTI_EXECUTE_TOOL", "arguments": {"tools": [
            {"tool_slug": "GMAIL_GET_PROFILE", "arguments": {}, "account": "home"},
            {"tool_slug": "GMAIL_GET_PROFILE", "arguments": {}, "account": "nope"}]}}),
    )
    .await;
    let results = r["data"]["results"].as_array().unwrap();
    assert_eq!(results[0]["successful"], true, "{r}");
    assert_eq!(results[1]["successful"], false, "{r}");
    assert!(results[1]["error"]
        .as_str()
        .unwrap()
        .contains("no account 'nope'"));
    api.server.shutdown().await;
}

#[tokio::test]
async fn revoke_ends_the_tokens_at_the_provider_and_is_idempotent() {
    let api = Api::default().await;
    let sid = session(&api, "u1").await;
    let id = connect(&api, &sid, "gmail", None).await;
    let token = api.server.access_token(&id).await.unwrap();
    let userinfo = |token: String| {
        let (http, url) = (
            api.http.clone(),
            format!("{}/sandbox/userinfo", api.server.url()),
        );
        async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(userinfo(token.expose().to_owned()).await, 200);

    let resp = api
        .http
        .post(api.url(&format!("/connected_accounts/{id}/revoke")))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v,
        json!({"revoked_tokens": ["refresh_token", "access_token"],
               "connected_account": {"id": id, "status": "REVOKED"}})
    );
    assert_eq!(userinfo(token.expose().to_owned()).await, 401);
    let a = api.account(&id).await;
    assert_eq!(a["status"], "REVOKED");
    assert_eq!(
        a["status_reason"],
        "Revoked via user-initiated revoke endpoint"
    );
    assert!(api.server.access_token(&id).await.is_err());

    // Again: nothing is sent upstream.
    let (status, v) = api
        .post(&format!("/connected_accounts/{id}/revoke"), json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["revoked_tokens"], json!([]));

    // Not revokable: a pending account (409, final); unsupported: notion (400); unknown: 404.
    let (_, pending) = link(&api, &sid, "gmail", None).await;
    let pending = pending["connected_account_id"].as_str().unwrap();
    let resp = api
        .http
        .post(api.url(&format!("/connected_accounts/{pending}/revoke")))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert_eq!(resp.headers()["x-should-retry"], "false");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["slug"], "ConnectedAccount_NotRevokable");
    let notion = connect(&api, &sid, "notion", None).await;
    let (status, v) = api
        .post(&format!("/connected_accounts/{notion}/revoke"), json!({}))
        .await;
    assert_eq!(
        assert_envelope(status, &v, 400)["slug"],
        "ConnectedAccount_RevokeNotSupported"
    );
    assert_eq!(api.account(&notion).await["status"], "ACTIVE");
    let (status, v) = api
        .post("/connected_accounts/ca_missing/revoke", json!({}))
        .await;
    assert_envelope(status, &v, 404);
    api.server.shutdown().await;
}

#[tokio::test]
async fn delete_with_revoke_on_delete_revokes_first() {
    let api = Api::default().await;
    let sid = session(&api, "u1").await;
    let id = connect(&api, &sid, "github", None).await;
    let token = api.server.access_token(&id).await.unwrap();
    let resp = api
        .http
        .delete(api.url(&format!("/connected_accounts/{id}?revoke_on_delete=true")))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["success"], true);
    assert!(v["revoke_job_id"].as_str().unwrap().starts_with("rvk_"));
    let (status, _) = api.get(&format!("/connected_accounts/{id}")).await;
    assert_eq!(status, 404);
    let status = api
        .http
        .get(format!("{}/sandbox/userinfo", api.server.url()))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    api.server.shutdown().await;
}

#[tokio::test]
async fn a_session_may_only_pin_its_own_users_accounts() {
    let api = Api::default().await;
    let alice = session(&api, "alice").await;
    let alices = connect(&api, &alice, "gmail", None).await;
    for (pins, why) in [
        (json!({"gmail": [alices]}), "belongs to another user"),
        (json!({"gmail": "ca_nope"}), "does not exist"),
    ] {
        let (status, v) = api
            .post(
                "/tool_router/session",
                json!({"user_id": "mallory", "connected_accounts": pins}),
            )
            .await;
        let e = assert_envelope(status, &v, 400);
        assert_eq!(e["slug"], "ToolRouterSession_InvalidConnectedAccounts");
        assert!(e["message"].as_str().unwrap().contains(why), "{v}");
    }
    let (status, v) = api
        .post(
            "/tool_router/session",
            json!({"user_id": "alice", "connected_accounts": {"github": [alices]}}),
        )
        .await;
    assert_envelope(status, &v, 400);
    // Her own pin is fine.
    let (status, v) = api
        .post(
            "/tool_router/session",
            json!({"user_id": "alice", "connected_accounts": {"gmail": alices}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    api.server.shutdown().await;
}

#[tokio::test]
async fn multi_account_sessions_require_a_choice_and_cap_the_accounts() {
    let api = Api::default().await;
    let (status, v) = api
        .post(
            "/tool_router/session",
            json!({"user_id": "u1", "multi_account": {"enable": true, "max_accounts_per_toolkit": 11}}),
        )
        .await;
    assert!(
        assert_envelope(status, &v, 400)["message"]
            .as_str()
            .unwrap()
            .contains("between 2 and 10"),
        "{v}"
    );
    let (status, v) = api
        .post(
            "/tool_router/session",
            json!({"user_id": "u1", "manage_connections": {"enable": false},
                   "multi_account": {"enable": true, "max_accounts_per_toolkit": 2,
                                     "require_explicit_selection": true}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        v["config"]["multi_account"],
        json!({"enable": true, "max_accounts_per_toolkit": 2, "require_explicit_selection": true})
    );
    let sid = v["session_id"].as_str().unwrap().to_owned();
    let work = connect(&api, &sid, "gmail", Some("work")).await;
    // One active account: no choice to make.
    let profile = json!({"tool_slug": "GMAIL_GET_PROFILE", "arguments": {}});
    assert_eq!(
        execute(&api, &sid, profile.clone()).await["successful"],
        true
    );
    let home = connect(&api, &sid, "gmail", Some("home")).await;

    // Two: the call must name one, and the failure lists both.
    let r = execute(&api, &sid, profile.clone()).await;
    assert_eq!(r["successful"], false, "{r}");
    let error = r["error"].as_str().unwrap();
    assert!(
        error.contains("has 2 active accounts") && error.contains(&work) && error.contains(&home),
        "{error}"
    );
    let mut named = profile.clone();
    named["account"] = json!("home");
    assert_eq!(execute(&api, &sid, named).await["successful"], true);

    // The cap: a third link is refused, finally, and creates nothing.
    let resp = api
        .http
        .post(api.url(&format!("/tool_router/session/{sid}/link")))
        .header("x-api-key", &api.key)
        .json(&json!({"toolkit": "gmail", "alias": "third"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert_eq!(resp.headers()["x-should-retry"], "false");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["slug"], "ConnectedAccount_LimitReached");

    // Pinning both is allowed in a multi-account session, not in a plain one.
    let (status, v) = api
        .post(
            "/tool_router/session",
            json!({"user_id": "u1", "multi_account": {"enable": true},
                   "connected_accounts": {"gmail": [work, home]}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, v) = api
        .post(
            "/tool_router/session",
            json!({"user_id": "u1", "connected_accounts": {"gmail": [work, home]}}),
        )
        .await;
    assert_envelope(status, &v, 400);
    api.server.shutdown().await;
}

/// Concurrent revokes on a SQLite file (several pooled connections) all succeed: each one's
/// units of work (the sandbox provider's grant, the account's transition, the webhook outbox)
/// take the write lock up front instead of failing to upgrade a read (`SQLITE_BUSY_SNAPSHOT`).
#[tokio::test]
async fn concurrent_revokes_on_a_sqlite_file_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(composio_server::Config::default().data_dir(dir.path())).await;
    let mut ids = Vec::new();
    for n in 0..12 {
        let sid = session(&api, &format!("revoker_{n}")).await;
        ids.push(connect(&api, &sid, "gmail", None).await);
    }
    let answers = futures_util::future::join_all(ids.iter().map(|id| {
        let req = api
            .http
            .post(api.url(&format!("/connected_accounts/{id}/revoke")))
            .header("x-api-key", &api.key);
        async move {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    }))
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
    }
    for id in &ids {
        assert_eq!(api.account(id).await["status"], "REVOKED");
    }
    api.server.shutdown().await;
}
