//! Webhooks with two replicas on one PostgreSQL database: each event is delivered once,
//! whichever replica made the change (the deliveries are leased in the database). Skipped
//! when PostgreSQL is not reachable, except in CI (see `composio_server::testing`).

mod common;
mod webhooks_support;

use std::collections::HashSet;
use std::time::Duration;

use common::Api;
use composio_server::sandbox::Browser;
use composio_server::testing::postgres_database;
use composio_server::Config;
use serde_json::json;
use webhooks_support::Receiver;

#[tokio::test]
async fn two_replicas_deliver_each_event_once() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let mut receiver = Receiver::start().await;
    let config = Config::default()
        .database_url(db.url())
        .encryption_key(composio_server::generate_encryption_key())
        .webhook_retries([Duration::from_millis(100)]);
    let a = Api::start(config.clone()).await;
    let b = Api::start(config).await;
    let (status, sub) = a
        .post(
            "/webhook_subscriptions",
            json!({"webhook_url": receiver.url(), "enabled_events": ["composio.connected_account.active"]}),
        )
        .await;
    assert_eq!(status, 201, "{sub}");
    let secret = sub["secret"].as_str().unwrap().to_owned();

    // Links made on either replica, approved through either replica.
    const N: usize = 12;
    let mut expected = HashSet::new();
    for i in 0..N {
        let (made, approved) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let (id, redirect) = made.link(&format!("user_{i}"), "gmail", None).await;
        let redirect = redirect.replace(made.server.url(), approved.server.url());
        Browser::new().unwrap().approve(&redirect).await.unwrap();
        expected.insert(id);
    }
    let mut seen_ids = HashSet::new();
    let mut accounts = HashSet::new();
    for _ in 0..N {
        let event = receiver.next().await.verify(&secret).expect("verifies");
        assert!(
            seen_ids.insert(event.id.clone()),
            "event {} delivered twice",
            event.id
        );
        accounts.insert(event.data["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(accounts, expected);
    // Both replicas keep polling: nothing is delivered a second time.
    receiver.nothing_within(Duration::from_millis(2500)).await;
    a.server.shutdown().await;
    b.server.shutdown().await;
}
