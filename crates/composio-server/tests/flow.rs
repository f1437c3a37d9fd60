//! End-to-end Connect Link flows against the sandbox provider.

mod common;

use std::time::Duration;

use common::Api;
use composio_core::{CallbackResult, CallbackStatus};
use composio_server::sandbox::{Browser, BrowserError};
use composio_server::Config;
use serde_json::json;

#[tokio::test]
async fn approve_activates_and_redirects_with_success() {
    let api = Api::default().await;
    let (id, redirect) = api
        .link(
            "user_123",
            "gmail",
            Some("https://app.example.com/cb?user_id=user_123&source=onboarding"),
        )
        .await;
    assert!(redirect.starts_with(&format!("{}/link/lk_", api.server.url())));
    assert_eq!(api.account(&id).await["status"], "INITIATED");

    let callback = Browser::new().unwrap().approve(&redirect).await.unwrap();
    assert!(
        callback.starts_with("https://app.example.com/cb?user_id=user_123&source=onboarding&"),
        "{callback}"
    );
    let r = CallbackResult::parse(&callback).unwrap();
    assert_eq!(r.status, CallbackStatus::Success);
    assert_eq!(r.connected_account_id.unwrap().as_str(), id);

    let a = api.account(&id).await;
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(a["status_reason"], json!(null));
    assert_eq!(a["toolkit"]["slug"], "gmail");
    assert_eq!(a["auth_config"]["auth_scheme"], "OAUTH2");
    assert!(a["auth_config"]["id"].as_str().unwrap().starts_with("ac_"));
    assert_eq!(a["data"]["email"], "user_123@sandbox.composio.local");
    let text = a.to_string();
    assert!(
        !text.contains("sbx_at_") && !text.contains("sbx_rt_"),
        "no credentials: {text}"
    );

    // The stored token works against the sandbox's userinfo endpoint.
    let token = api.server.access_token(&id).await.unwrap();
    let me: serde_json::Value = api
        .http
        .get(format!("{}/sandbox/userinfo", api.server.url()))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "user_123@sandbox.composio.local");
    api.server.shutdown().await;
}

#[tokio::test]
async fn deny_fails_with_reason_and_error_parameter() {
    let api = Api::default().await;
    let (id, redirect) = api
        .link("u1", "github", Some("https://app.example.com/cb"))
        .await;
    let callback = Browser::new().unwrap().deny(&redirect).await.unwrap();
    let r = CallbackResult::parse(&callback).unwrap();
    assert_eq!(r.status, CallbackStatus::Failed);
    assert_eq!(r.connected_account_id.unwrap().as_str(), id);
    assert!(r.error.unwrap().contains("denied"));
    let a = api.account(&id).await;
    assert_eq!(a["status"], "FAILED");
    assert!(a["status_reason"].as_str().unwrap().contains("denied"));
    api.server.shutdown().await;
}

#[tokio::test]
async fn used_link_cannot_be_reused() {
    let api = Api::default().await;
    let (_, redirect) = api
        .link("u1", "slack", Some("https://app.example.com/cb"))
        .await;
    let browser = Browser::new().unwrap();
    browser.approve(&redirect).await.unwrap();
    match browser.approve(&redirect).await {
        Err(BrowserError::Page { status, result, .. }) => {
            assert_eq!(status, 410);
            assert_eq!(result.as_deref(), Some("used"));
        }
        other => panic!("expected the already-used page, got {other:?}"),
    }
    let page = api
        .http
        .get(&redirect)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("This link was already used"), "{page}");
    api.server.shutdown().await;
}

#[tokio::test]
async fn link_without_callback_shows_result_page() {
    let api = Api::default().await;
    let (id, redirect) = api.link("u1", "notion", None).await;
    let last = Browser::new().unwrap().approve(&redirect).await.unwrap();
    assert!(last.starts_with(&format!("{}/oauth/callback", api.server.url())));
    assert_eq!(api.account(&id).await["status"], "ACTIVE");
    api.server.shutdown().await;
}

#[tokio::test]
async fn initiated_accounts_expire_with_the_configured_duration() {
    let api = Api::start(Config::default().link_expiry(Duration::from_secs(1))).await;
    let (id, redirect) = api
        .link("u1", "gmail", Some("https://app.example.com/cb"))
        .await;
    let mut status = String::new();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let a = api.account(&id).await;
        status = a["status"].as_str().unwrap().to_owned();
        if status == "EXPIRED" {
            assert_eq!(
                a["status_reason"],
                "Connection initiation did not complete within 1 second"
            );
            break;
        }
    }
    assert_eq!(status, "EXPIRED");
    match Browser::new().unwrap().approve(&redirect).await {
        Err(BrowserError::Page { result, .. }) => assert_eq!(result.as_deref(), Some("expired")),
        other => panic!("expected the expired page, got {other:?}"),
    }
    api.server.shutdown().await;
}

#[tokio::test]
async fn api_key_toolkit_collects_the_key() {
    let api = Api::default().await;
    let (id, redirect) = api
        .link("u1", "serpapi", Some("https://app.example.com/cb"))
        .await;
    let b = Browser::new().unwrap();
    assert!(
        matches!(b.approve(&redirect).await, Err(BrowserError::MissingField(f)) if f == "api_key")
    );
    let cb = b
        .submit_fields(&redirect, &[("api_key", "serp-secret-1")])
        .await
        .unwrap();
    assert!(CallbackResult::parse(&cb).unwrap().is_success());
    let a = api.account(&id).await;
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(a["auth_config"]["auth_scheme"], "API_KEY");
    assert!(!a.to_string().contains("serp-secret-1"));
    assert_eq!(
        api.server.access_token(&id).await.unwrap().expose(),
        "serp-secret-1"
    );
    api.server.shutdown().await;
}

/// `PATCH {P}/connected_accounts/{id}` with `connection.state` (spec §16.6) replaces an
/// API-key account's key, re-encrypted, keeping its status; wrong schemes and fields are 400.
#[tokio::test]
async fn patch_connection_state_replaces_an_api_key() {
    let api = Api::default().await;
    let (id, redirect) = api.link("u1", "serpapi", None).await;
    Browser::new()
        .unwrap()
        .submit_fields(&redirect, &[("api_key", "serp-old")])
        .await
        .unwrap();
    let patch = |body: serde_json::Value| {
        let path = format!("/connected_accounts/{id}");
        let api = &api;
        async move { api.call(reqwest::Method::PATCH, &path, Some(body)).await }
    };
    let state = |scheme: &str, val: serde_json::Value| json!({"connection": {"state": {"authScheme": scheme, "val": val}}});

    let (status, v) = patch(state("API_KEY", json!({"api_key": "serp-new"}))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["status"], "ACTIVE");
    assert_eq!(v["success"], true);
    assert_eq!(
        api.server.access_token(&id).await.unwrap().expose(),
        "serp-new"
    );
    // With an alias in the same request, both apply.
    let mut both = state("API_KEY", json!({"api_key": "serp-3"}));
    both["alias"] = json!("search");
    assert_eq!(patch(both).await.0, 200);
    assert_eq!(
        api.server.access_token(&id).await.unwrap().expose(),
        "serp-3"
    );
    assert_eq!(api.account(&id).await["alias"], "search");

    for (body, needle) in [
        (
            state("BEARER_TOKEN", json!({"bearer_token": "x"})),
            "uses API_KEY",
        ),
        (state("OAUTH2", json!({"api_key": "x"})), "must be one of"),
        (
            state("API_KEY", json!({"password": "x"})),
            "not a credential field",
        ),
        (
            state("API_KEY", json!({"api_key": null})),
            "cannot be removed",
        ),
        (state("API_KEY", json!({"api_key": ""})), "non-empty string"),
        (
            json!({"connection": {"state": {"authScheme": "API_KEY"}}}),
            "val",
        ),
        (json!({"connection": "x"}), "connection"),
        (json!({"status": "ACTIVE"}), "Unsupported field"),
    ] {
        let (status, v) = patch(body.clone()).await;
        assert_eq!(status, 400, "{body} -> {v}");
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{body} -> {message}");
    }
    // Nothing changed after the refusals.
    assert_eq!(
        api.server.access_token(&id).await.unwrap().expose(),
        "serp-3"
    );

    // OAuth2 accounts' tokens come from the provider.
    let (gmail, redirect) = api.link("u1", "gmail", None).await;
    Browser::new().unwrap().approve(&redirect).await.unwrap();
    let path = format!("/connected_accounts/{gmail}");
    let (status, v) = api
        .call(
            reqwest::Method::PATCH,
            &path,
            Some(state("API_KEY", json!({"api_key": "x"}))),
        )
        .await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("uses OAUTH2"),
        "{v}"
    );

    // Only an ACTIVE account: a disabled one is a 409 and keeps its key.
    let (status, _) = api
        .call(
            reqwest::Method::PATCH,
            &format!("/connected_accounts/{id}/status"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, v) = patch(state("API_KEY", json!({"api_key": "serp-4"}))).await;
    assert_eq!(status, 409, "{v}");
    api.server.shutdown().await;
}

#[tokio::test]
async fn tokens_refresh_and_repeated_failures_expire_the_account() {
    let api = Api::start(Config::default().sandbox_token_ttl(Duration::from_secs(1))).await;
    let (id, redirect) = api
        .link("u1", "linear", Some("https://app.example.com/cb"))
        .await;
    Browser::new().unwrap().approve(&redirect).await.unwrap();
    // A 1 s token is always within the refresh margin, so each use refreshes it.
    let t1 = api.server.access_token(&id).await.unwrap();
    let t2 = api.server.access_token(&id).await.unwrap();
    assert_ne!(t1.expose(), t2.expose());
    api.server.sandbox_revoke_refresh_tokens().await.unwrap();
    for i in 1..=composio_server::credentials::MAX_REFRESH_FAILURES {
        match api.server.access_token(&id).await {
            Err(composio_server::credentials::CredentialError::RefreshFailed {
                expired, ..
            }) => {
                assert_eq!(
                    expired,
                    i == composio_server::credentials::MAX_REFRESH_FAILURES
                )
            }
            other => panic!("expected a refresh failure, got {other:?}"),
        }
    }
    let a = api.account(&id).await;
    assert_eq!(a["status"], "EXPIRED");
    assert!(a["status_reason"]
        .as_str()
        .unwrap()
        .contains("Refreshing the credentials failed"));
    api.server.shutdown().await;
}

#[tokio::test]
async fn pages_escape_user_input_and_show_denial() {
    let api = Api::default().await;
    let (id, redirect) = api.link("<script>alert(1)</script>", "gmail", None).await;
    let page = api
        .http
        .get(&redirect)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>"));
    assert!(page.contains("Sandbox"), "sandbox pages are labelled");
    let last = Browser::new().unwrap().deny(&redirect).await.unwrap();
    // No callback URL: the flow ends on the server's own result page for the provider's answer.
    assert!(
        last.contains("/oauth/callback?") && last.contains("error=access_denied"),
        "{last}"
    );
    // Loading that answer again does not run the flow twice.
    let html = api
        .http
        .get(&last)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("This link was already used"), "{html}");
    assert_eq!(api.account(&id).await["status"], "FAILED");
    api.server.shutdown().await;
}
