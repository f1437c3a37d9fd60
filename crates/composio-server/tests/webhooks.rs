//! Webhooks end to end (docs/spec/wire-2026.md §20): the subscription API, events on
//! approval and on a failed refresh, signatures, retries keeping the `webhook-id`, delivery
//! after a restart, the delivery log and redelivery.

mod common;
mod webhooks_support;

use std::time::Duration;

use common::{assert_envelope, Api};
use composio_core::models::WebhookEventType;
use composio_server::sandbox::Browser;
use composio_server::Config;
use serde_json::{json, Value};
use webhooks_support::Receiver;

const ACTIVE: &str = "composio.connected_account.active";
const EXPIRED: &str = "composio.connected_account.expired";
const FAILED: &str = "composio.connected_account.failed";
const REVOKED: &str = "composio.connected_account.revoked";

fn fast(config: Config) -> Config {
    config
        .webhook_timeout(Duration::from_secs(2))
        .webhook_retries([Duration::from_millis(100), Duration::from_millis(200)])
}

/// Subscribes the project to `events` at `url`; returns (id, secret).
async fn subscribe(api: &Api, url: &str, events: &[&str]) -> (String, String) {
    let (status, v) = api
        .post(
            "/webhook_subscriptions",
            json!({"webhook_url": url, "enabled_events": events}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    (
        v["id"].as_str().expect("id").to_owned(),
        v["secret"].as_str().expect("secret").to_owned(),
    )
}

/// Links and approves an account of `user`; its id.
async fn connect(api: &Api, user: &str) -> String {
    let (id, redirect) = api
        .link(user, "gmail", Some("https://app.example.com/cb"))
        .await;
    let landed = Browser::new().unwrap().approve(&redirect).await.unwrap();
    assert!(landed.contains("status=success"), "{landed}");
    id
}

async fn deliveries(api: &Api, sub: &str) -> Value {
    let (status, v) = api
        .get(&format!("/webhook_subscriptions/{sub}/deliveries"))
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

/// Polls the delivery log until `done` holds for its newest item.
async fn wait_log(api: &Api, sub: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..300 {
        let log = deliveries(api, sub).await;
        if log["items"].get(0).is_some_and(&done) {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the delivery log never reached the state: {}",
        deliveries(api, sub).await
    );
}

#[tokio::test]
async fn subscription_api_follows_the_spec() {
    let api = Api::default().await;
    let v3 = format!("{}/api/v3", api.server.url());

    // Validation errors are §10 envelopes.
    for (body, needle) in [
        (
            json!({"webhook_url": "http://hooks.example.com/x", "enabled_events": [EXPIRED]}),
            "https",
        ),
        (
            json!({"webhook_url": "https://hooks.example.com/x", "enabled_events": []}),
            "at least one",
        ),
        (
            json!({"webhook_url": "https://hooks.example.com/x", "enabled_events": ["nope"]}),
            "nope",
        ),
        (
            json!({"webhook_url": "https://hooks.example.com/x", "enabled_events": [EXPIRED], "version": "V2"}),
            "V3 only",
        ),
    ] {
        let (status, v) = api.post("/webhook_subscriptions", body).await;
        let e = assert_envelope(status, &v, 400);
        assert_eq!(e["slug"], "WebhookSubscription_BadRequest");
        assert_eq!(e["code"], 10400);
        assert!(e["message"].as_str().unwrap().contains(needle), "{e}");
    }

    let (status, created) = api
        .post(
            "/webhook_subscriptions",
            json!({"webhook_url": "https://hooks.example.com/composio", "enabled_events": [EXPIRED, ACTIVE]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ws_"), "{id}");
    assert!(secret.starts_with("wsk_"), "{secret}");
    assert_eq!(created["version"], "V3");
    assert_eq!(created["enabled_events"], json!([EXPIRED, ACTIVE]));

    // One per project: 409, not retryable.
    let resp = api
        .http
        .post(api.url("/webhook_subscriptions"))
        .header("x-api-key", &api.key)
        .json(&json!({"webhook_url": "https://other.example.com/x", "enabled_events": [EXPIRED]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-should-retry"], "false");
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    let e = assert_envelope(status, &v, 409);
    assert_eq!(e["slug"], "WebhookSubscription_AlreadyExists");
    assert_eq!(e["code"], 10409);
    assert!(e["message"].as_str().unwrap().contains(&id), "{e}");

    // v3.1 shows the secret in every response, v3 only on create and rotate.
    let (_, got) = api.get(&format!("/webhook_subscriptions/{id}")).await;
    assert_eq!(got["secret"], json!(secret));
    let got: Value = api
        .http
        .get(format!("{v3}/webhook_subscriptions/{id}"))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["id"], json!(id));
    assert!(got.get("secret").is_none(), "{got}");
    let (_, list) = api.get("/webhook_subscriptions").await;
    assert_eq!(list["total_items"], 1);
    assert_eq!(list["items"][0]["secret"], json!(secret));

    let (status, updated) = api
        .call(
            reqwest::Method::PATCH,
            &format!("/webhook_subscriptions/{id}"),
            Some(json!({"webhook_url": "http://127.0.0.1:9/hooks"})),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["webhook_url"], "http://127.0.0.1:9/hooks");
    assert_eq!(updated["enabled_events"], json!([EXPIRED, ACTIVE]));

    let (status, rotated) = api
        .post(
            &format!("/webhook_subscriptions/{id}/rotate_secret"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    assert_eq!(rotated["id"], json!(id));
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let (_, got) = api.get(&format!("/webhook_subscriptions/{id}")).await;
    assert_eq!(got["secret"], json!(new_secret));

    let (status, types) = api.get("/webhook_subscriptions/event_types").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = types["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["event_type"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&EXPIRED) && names.contains(&ACTIVE),
        "{types}"
    );

    let (status, v) = api
        .call(
            reqwest::Method::DELETE,
            &format!("/webhook_subscriptions/{id}"),
            None,
        )
        .await;
    assert_eq!((status, v), (200, json!({"success": true})));
    let (status, v) = api.get(&format!("/webhook_subscriptions/{id}")).await;
    assert_eq!(
        assert_envelope(status, &v, 404)["slug"],
        "WebhookSubscription_NotFound"
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn approval_sends_a_signed_active_event_with_the_account() {
    let mut receiver = Receiver::start().await;
    let api = Api::start(fast(Config::default())).await;
    let (_, secret) = subscribe(&api, &receiver.url(), &[ACTIVE, FAILED]).await;
    let id = connect(&api, "user_hook").await;

    let got = receiver.next().await;
    let event = got.verify(&secret).expect("signature verifies");
    assert_eq!(event.event_type, WebhookEventType::ConnectedAccountActive);
    assert!(event.id.starts_with("msg_"));
    assert_eq!(got.header("webhook-id"), event.id);
    assert_eq!(got.header("x-composio-webhook-version"), "V3");
    assert_eq!(got.header("x-composio-delivery-attempt"), "1");
    assert_eq!(got.header("content-type"), "application/json");
    // `data` is the account as GET returns it, never credentials.
    let account = api.account(&id).await;
    assert_eq!(event.data, account);
    assert!(!String::from_utf8_lossy(&got.body).contains("sbx_"));
    assert!(event.metadata["project_id"].is_string());
    assert!(event.metadata["org_id"].is_string());

    // A tampered body, a wrong secret and a stale timestamp are refused.
    let mut tampered = got.clone();
    tampered.body = String::from_utf8_lossy(&got.body)
        .replace("ACTIVE", "FAILED")
        .into();
    assert!(tampered.verify(&secret).is_err());
    assert!(got.verify("wsk_wrong").is_err());
    let stale = composio_core::webhook::verify_at(
        &got.headers,
        &got.body,
        &secret,
        Duration::from_secs(300),
        got.header("webhook-timestamp").parse::<i64>().unwrap() + 301,
    );
    assert!(matches!(
        stale,
        Err(composio_core::webhook::VerifyError::TimestampOutsideTolerance { .. })
    ));

    // A denied link sends `failed`; an event not enabled (expired) is not sent.
    let (_, redirect) = api.link("user_deny", "github", None).await;
    Browser::new().unwrap().deny(&redirect).await.unwrap();
    let failed = receiver.next().await.verify(&secret).unwrap();
    assert_eq!(failed.event_type, WebhookEventType::ConnectedAccountFailed);
    assert_eq!(failed.data["status"], "FAILED");
    receiver.nothing_within(Duration::from_millis(300)).await;
    api.server.shutdown().await;
}

#[tokio::test]
async fn a_failed_refresh_of_an_invalidated_sandbox_account_sends_expired() {
    let mut receiver = Receiver::start().await;
    let api = Api::start(fast(Config::default())).await;
    let id = connect(&api, "user_exp").await;
    let (_, secret) = subscribe(&api, &receiver.url(), &[EXPIRED]).await;

    let (status, v) = api
        .post(
            &format!("/sandbox/connected_accounts/{id}/invalidate"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    // The next refresh (a tool call, here the credentials API) fails, and the account expires.
    assert!(api.server.access_token(&id).await.is_err());
    assert_eq!(api.account(&id).await["status"], "EXPIRED");

    let event = receiver.next().await.verify(&secret).unwrap();
    assert_eq!(event.event_type, WebhookEventType::ConnectedAccountExpired);
    assert_eq!(event.data["id"], json!(id));
    assert_eq!(event.data["status"], "EXPIRED");
    assert!(event.data["status_reason"]
        .as_str()
        .unwrap()
        .contains("invalid_grant"));

    // Invalidating needs an ACTIVE sandbox account.
    let (status, v) = api
        .post(
            &format!("/sandbox/connected_accounts/{id}/invalidate"),
            json!({}),
        )
        .await;
    assert_envelope(status, &v, 409);
    let (status, v) = api
        .post(
            "/sandbox/connected_accounts/ca_missing/invalidate",
            json!({}),
        )
        .await;
    assert_envelope(status, &v, 404);
    api.server.shutdown().await;
}

#[tokio::test]
async fn revoking_an_account_sends_revoked() {
    let mut receiver = Receiver::start().await;
    let api = Api::start(fast(Config::default())).await;
    let id = connect(&api, "user_rev").await;
    let (_, secret) = subscribe(&api, &receiver.url(), &[REVOKED]).await;
    let (status, v) = api
        .post(&format!("/connected_accounts/{id}/revoke"), json!({}))
        .await;
    assert_eq!(status, 200, "{v}");
    let event = receiver.next().await.verify(&secret).unwrap();
    assert_eq!(event.event_type, WebhookEventType::ConnectedAccountRevoked);
    assert_eq!(event.data["id"], json!(id));
    assert_eq!(event.data["status"], "REVOKED");
    api.server.shutdown().await;
}

#[tokio::test]
async fn a_500_is_retried_with_the_same_webhook_id_and_logged() {
    let mut receiver = Receiver::start().await;
    receiver.answer(&[500]);
    let api = Api::start(fast(Config::default())).await;
    let (sub, secret) = subscribe(&api, &receiver.url(), &[ACTIVE]).await;
    connect(&api, "user_retry").await;

    let first = receiver.next().await;
    let second = receiver.next().await;
    assert_eq!(first.header("webhook-id"), second.header("webhook-id"));
    assert_eq!(first.header("x-composio-delivery-attempt"), "1");
    assert_eq!(second.header("x-composio-delivery-attempt"), "2");
    assert_eq!(first.body, second.body);
    second.verify(&secret).unwrap();

    let log = wait_log(&api, &sub, |d| d["status"] == "DELIVERED").await;
    let d = &log["items"][0];
    assert_eq!(log["total_items"], 1);
    assert_eq!(d["attempts"], 2);
    assert_eq!(d["last_response_code"], 200);
    assert_eq!(d["event_id"], json!(first.header("webhook-id")));
    assert!(d["last_latency_ms"].is_u64(), "{d}");
    assert!(d["delivered_at"].is_string(), "{d}");

    // Redelivery sends the same event again, as attempt 3.
    let (status, v) = api
        .post(
            &format!(
                "/webhook_subscriptions/{sub}/deliveries/{}/redeliver",
                d["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    let third = receiver.next().await;
    assert_eq!(third.header("webhook-id"), first.header("webhook-id"));
    assert_eq!(third.header("x-composio-delivery-attempt"), "3");
    let (status, v) = api
        .post(
            &format!("/webhook_subscriptions/{sub}/deliveries/whd_nope/redeliver"),
            json!({}),
        )
        .await;
    assert_eq!(
        assert_envelope(status, &v, 404)["slug"],
        "WebhookDelivery_NotFound"
    );
    api.server.shutdown().await;
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_is_given_up_with_the_failure_recorded() {
    let mut receiver = Receiver::start().await;
    receiver.answer(&[503, 503, 503, 503]);
    let api = Api::start(fast(Config::default())).await;
    let (sub, _) = subscribe(&api, &receiver.url(), &[ACTIVE]).await;
    connect(&api, "user_down").await;
    for _ in 0..3 {
        receiver.next().await;
    }
    let log = wait_log(&api, &sub, |d| d["status"] == "FAILED").await;
    let d = &log["items"][0];
    assert_eq!(d["attempts"], 3, "{d}");
    assert_eq!(d["last_response_code"], 503);
    assert!(d["last_error"].as_str().unwrap().contains("503"), "{d}");
    assert!(d["next_attempt_at"].is_null(), "{d}");
    receiver.nothing_within(Duration::from_millis(500)).await;
    api.server.shutdown().await;
}

#[tokio::test]
async fn after_a_rotation_deliveries_are_signed_with_both_secrets() {
    let mut receiver = Receiver::start().await;
    let api = Api::start(fast(Config::default())).await;
    let (sub, old) = subscribe(&api, &receiver.url(), &[ACTIVE]).await;
    let (_, rotated) = api
        .post(
            &format!("/webhook_subscriptions/{sub}/rotate_secret"),
            json!({}),
        )
        .await;
    let new = rotated["secret"].as_str().unwrap();
    connect(&api, "user_rot").await;
    let got = receiver.next().await;
    assert_eq!(got.header("webhook-signature").split(' ').count(), 2);
    got.verify(new).expect("new secret");
    got.verify(&old).expect("old secret, during the overlap");
    api.server.shutdown().await;
}

#[tokio::test]
async fn an_event_survives_a_restart_while_the_receiver_is_down() {
    let dir = tempfile::tempdir().unwrap();
    // A port nobody listens on yet: the receiver is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = fast(Config::default().data_dir(dir.path()))
        .webhook_retries([Duration::from_millis(100), Duration::from_millis(300)]);
    let api = Api::start(config.clone()).await;
    let (sub, secret) = subscribe(&api, &format!("http://{port}/hooks"), &[ACTIVE]).await;
    let id = connect(&api, "user_restart").await;
    let log = wait_log(&api, &sub, |d| d["attempts"].as_u64() >= Some(1)).await;
    assert!(
        log["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("connect"),
        "{log}"
    );
    api.server.shutdown().await;

    let mut receiver = Receiver::on(port).await;
    let api = Api::start(config.webhook_retries([Duration::from_millis(100); 6])).await;
    let event = receiver.next().await.verify(&secret).unwrap();
    assert_eq!(event.data["id"], json!(id));
    wait_log(&api, &sub, |d| d["status"] == "DELIVERED").await;
    api.server.shutdown().await;
}
