//! Callback identity verification (docs/spec/wire-2026.md §21.2, issue 16): with a project
//! verifier URL, a completed OAuth connection waits until the app redeems the single-use
//! `session_uri` with `POST /api/v3.1/connected_accounts/complete_auth`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{assert_envelope, Api};
use composio::Composio;
use composio_server::clock::ManualClock;
use composio_server::sandbox::Browser;
use composio_server::{Config, ProjectConfig};
use serde_json::json;

const VERIFIER: &str = "https://app.example.com/composio/verify?tenant=7";
const OTHER_KEY: &str = "csk_complete_auth_other_project";

fn config() -> Config {
    let mut c = Config::default().project(ProjectConfig::new("other", OTHER_KEY));
    c.projects[0] = c.projects[0].clone().oauth_callback_verifier_url(VERIFIER);
    c
}

/// Links `toolkit` for `user` and approves it in a browser; returns the account id and
/// the `session_uri` the verifier URL received.
async fn approved(api: &Api, user: &str) -> (String, String) {
    let (id, link) = api
        .link(user, "gmail", Some("https://app.example.com/cb"))
        .await;
    let landed = Browser::new().unwrap().approve(&link).await.unwrap();
    let url = url::Url::parse(&landed).unwrap();
    assert!(
        landed.starts_with("https://app.example.com/composio/verify?tenant=7&session_uri=session_"),
        "{landed}"
    );
    // Nothing else: no account id, user id or toolkit.
    let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(keys, ["tenant", "session_uri"]);
    let session = url
        .query_pairs()
        .find(|(k, _)| k == "session_uri")
        .unwrap()
        .1
        .into_owned();
    // Not active until redeemed.
    assert_eq!(api.account(&id).await["status"], "INITIATED");
    (id, session)
}

async fn redeem(api: &Api, user: &str, session: &str) -> (u16, serde_json::Value) {
    api.post(
        "/connected_accounts/complete_auth",
        json!({"session_uri": session, "user_id": user}),
    )
    .await
}

#[tokio::test]
async fn the_owner_redeems_once_and_the_account_becomes_active() {
    let api = Api::start(config()).await;
    let (id, session) = approved(&api, "user_1").await;
    let (status, v) = redeem(&api, "user_1", &session).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v,
        json!({"connected_account_id": id, "toolkit_slug": "gmail"})
    );
    let a = api.account(&id).await;
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(a["data"]["email"], "user_1@sandbox.composio.local");

    // Single use.
    let (status, v) = redeem(&api, "user_1", &session).await;
    let e = assert_envelope(status, &v, 404);
    assert_eq!(e["slug"], "ConnectedAccount_AuthSessionNotFound");
    assert_eq!(e["message"], "auth session not found or expired");
    let (status, v) = redeem(&api, "user_1", "session_unknown").await;
    assert_envelope(status, &v, 404);
    // Both fields are required.
    let (status, v) = redeem(&api, "", "session_x").await;
    assert_envelope(status, &v, 400);
    api.server.shutdown().await;
}

#[tokio::test]
async fn another_user_burns_the_session_and_fails_the_account() {
    let api = Api::start(config()).await;
    let (id, session) = approved(&api, "user_1").await;
    let (status, v) = redeem(&api, "attacker", &session).await;
    let e = assert_envelope(status, &v, 400);
    assert_eq!(e["slug"], "ConnectedAccount_IdentityMismatch");
    assert_eq!(e["message"], "identity mismatch");
    let a = api.account(&id).await;
    assert_eq!(a["status"], "FAILED");
    assert_eq!(a["status_reason"], "IDENTITY_VERIFICATION_FAILED");
    // Burnt: the owner cannot use it afterwards.
    let (status, v) = redeem(&api, "user_1", &session).await;
    assert_envelope(status, &v, 404);
    assert_eq!(api.account(&id).await["status"], "FAILED");
    api.server.shutdown().await;
}

#[tokio::test]
async fn another_project_cannot_redeem() {
    let api = Api::start(config()).await;
    let (id, session) = approved(&api, "user_1").await;
    let (status, v) = api
        .call(
            reqwest::Method::POST,
            "/connected_accounts/complete_auth",
            Some(json!({"session_uri": session, "user_id": "user_1"})),
        )
        .await;
    assert_eq!(status, 200, "control: {v}");
    let (_, session) = approved(&api, "user_2").await;
    let resp = api
        .http
        .post(api.url("/connected_accounts/complete_auth"))
        .header("x-api-key", OTHER_KEY)
        .json(&json!({"session_uri": session, "user_id": "user_2"}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let v: serde_json::Value = resp.json().await.unwrap();
    let e = assert_envelope(status, &v, 404);
    assert_eq!(e["slug"], "ConnectedAccount_NotFound");
    assert_eq!(api.account(&id).await["status"], "ACTIVE");
    api.server.shutdown().await;
}

#[tokio::test]
async fn an_expired_session_is_not_found_and_leaves_the_account_pending() {
    let clock = Arc::new(ManualClock::starting_now());
    let mut c = config().link_expiry(Duration::from_secs(3600));
    c.clock = clock.clone();
    let api = Api::start(c).await;
    let (id, session) = approved(&api, "user_1").await;
    clock.advance(Duration::from_secs(601));
    let (status, v) = redeem(&api, "user_1", &session).await;
    let e = assert_envelope(status, &v, 404);
    assert_eq!(e["slug"], "ConnectedAccount_AuthSessionNotFound");
    assert_eq!(api.account(&id).await["status"], "INITIATED");
    api.server.shutdown().await;
}

#[tokio::test]
async fn placeholder_users_are_refused_while_verification_is_on() {
    let api = Api::start(config()).await;
    // (A blank user id is refused anyway.)
    for user in ["default", " default "] {
        let (status, v) = api
            .post(
                "/connected_accounts/link",
                json!({"auth_config_id": auth_config(&api, "gmail").await, "user_id": user}),
            )
            .await;
        let e = assert_envelope(status, &v, 400);
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains("requires callback identity verification"),
            "{v}"
        );
    }
    api.server.shutdown().await;
}

async fn auth_config(api: &Api, toolkit: &str) -> String {
    let (id, _) = api.link("someone", toolkit, None).await;
    api.account(&id).await["auth_config"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_rust_sdk_completes_auth() {
    let api = Api::start(config()).await;
    let client = Composio::builder()
        .api_key(api.key.clone())
        .base_url(api.server.url())
        .build()
        .unwrap();
    let (id, session) = approved(&api, "user_1").await;
    let err = client
        .connected_accounts()
        .complete_auth("user_1", "")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("session_uri"), "{err}");
    let done = client
        .connected_accounts()
        .complete_auth("user_1", &session)
        .await
        .unwrap();
    assert_eq!(done.connected_account_id, id);
    assert_eq!(done.toolkit_slug, "gmail");
    let err = client
        .connected_accounts()
        .complete_auth("user_1", &session)
        .await
        .unwrap_err();
    match err {
        composio::Error::Api(e) => {
            assert_eq!(e.status, 404);
            assert_eq!(
                e.slug.as_deref(),
                Some("ConnectedAccount_AuthSessionNotFound")
            );
        }
        other => panic!("{other:?}"),
    }
    api.server.shutdown().await;
}
