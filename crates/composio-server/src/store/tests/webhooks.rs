//! The webhook part of the store: the outbox is written with the status change or not at all,
//! each event matches the status left, and deliveries are leased to one sender at a time.

use std::time::Duration;

use composio_core::models::{DeliveryStatus, WebhookEventType};

use super::*;

const HOLDER_A: &str = "lease_a";
const HOLDER_B: &str = "lease_b";
const LEASE: Duration = Duration::from_secs(60);

fn subscription() -> SubscriptionRow {
    SubscriptionRow {
        id: "ws_test".into(),
        project_id: "prj_test".into(),
        webhook_url: "https://hooks.example.com/x".into(),
        version: "V3".into(),
        enabled_events: vec![
            WebhookEventType::ConnectedAccountActive,
            WebhookEventType::ConnectedAccountExpired,
        ],
        secret: b"sealed".to_vec(),
        previous_secret: None,
        created_at: 0,
        updated_at: 0,
    }
}

async fn types(h: &dyn Harness) -> Vec<WebhookEventType> {
    let (rows, total) = h
        .store()
        .list_deliveries("ws_test", 0, 100)
        .await
        .expect("list");
    assert_eq!(rows.len() as u64, total);
    rows.into_iter().rev().map(|d| d.event_type).collect()
}

fn failed(retry_at: Option<i64>) -> AttemptResult {
    AttemptResult {
        status_code: Some(500),
        error: Some("the receiver answered 500".into()),
        latency: Duration::from_millis(12),
        retry_at,
    }
}

async fn the_outbox_commits_with_the_change(h: &dyn Harness) {
    let s = h.store();
    s.insert_subscription(&subscription())
        .await
        .expect("insert");
    assert!(matches!(
        s.insert_subscription(&SubscriptionRow {
            id: "ws_other".into(),
            ..subscription()
        })
        .await,
        Err(StoreError::Conflict(_))
    ));

    // The delivery insert fails: the account is not activated and the link not spent.
    let c = connect(h, "w1").await;
    h.fail_on(FailPoint::InsertDelivery).await;
    assert!(s
        .complete_link(&c.link.token, &connected("s"), "x")
        .await
        .is_err());
    h.heal().await;
    assert_eq!(
        status_of(h, &c.account.id).await,
        Some(ConnectionStatus::Initiated)
    );
    assert!(types(h).await.is_empty());

    assert!(matches!(
        s.complete_link(&c.link.token, &connected("s"), "x").await,
        Ok(Completed::Applied(_))
    ));
    let (rows, _) = s.list_deliveries("ws_test", 0, 10).await.expect("list");
    assert_eq!(rows.len(), 1);
    let d = &rows[0];
    assert_eq!(d.event_type, WebhookEventType::ConnectedAccountActive);
    assert_eq!(d.status, DeliveryStatus::Pending);
    assert_eq!(d.account_id.as_deref(), Some(c.account.id.as_str()));
    let body: serde_json::Value = serde_json::from_str(&d.payload).expect("json");
    assert_eq!(body["id"], serde_json::json!(d.event_id));
    assert_eq!(body["data"]["id"], serde_json::json!(c.account.id));
    assert_eq!(body["data"]["status"], "ACTIVE");

    // Disabling sends nothing; enabling an INACTIVE account sends `active`, an ACTIVE one
    // nothing; a refresh that cannot recover sends `expired`.
    let id = c.account.id.as_str();
    for event in [
        AccountEvent::Disabled,
        AccountEvent::Enabled,
        AccountEvent::Enabled,
        AccountEvent::RefreshExhausted("gone".into()),
    ] {
        // One millisecond apart, so the log's order is the order of the changes.
        h.clock().advance(Duration::from_millis(1));
        assert!(
            matches!(s.apply(id, &event).await, Ok(Transition::Applied(_))),
            "{event:?}"
        );
    }
    use WebhookEventType as W;
    assert_eq!(
        types(h).await,
        vec![
            W::ConnectedAccountActive,
            W::ConnectedAccountActive,
            W::ConnectedAccountExpired
        ]
    );
    // A Connect Link that times out sends nothing.
    let late = connect(h, "w2").await;
    h.clock().advance(TTL + Duration::from_secs(1));
    s.expire_overdue("timed out").await.expect("sweep");
    assert_eq!(
        status_of(h, &late.account.id).await,
        Some(ConnectionStatus::Expired)
    );
    assert_eq!(types(h).await.len(), 3);
}

async fn deliveries_are_leased_to_one_sender(h: &dyn Harness) {
    let s = h.store();
    // Three due deliveries: A takes two, B the last, then nothing is left.
    assert_eq!(
        s.claim_deliveries(HOLDER_A, 2, LEASE)
            .await
            .expect("claim")
            .len(),
        2
    );
    let b = s
        .claim_deliveries(HOLDER_B, 10, LEASE)
        .await
        .expect("claim");
    assert_eq!(b.len(), 1);
    assert!(s
        .claim_deliveries(HOLDER_A, 10, LEASE)
        .await
        .expect("claim")
        .is_empty());

    // Only the holder records the attempt; a failure is retried at the given time.
    let d = &b[0];
    assert!(!s
        .finish_delivery(&d.id, HOLDER_A, &failed(None))
        .await
        .expect("finish"));
    let retry_at = h.clock().now_ms() + 5_000;
    assert!(s
        .finish_delivery(&d.id, HOLDER_B, &failed(Some(retry_at)))
        .await
        .expect("finish"));
    assert!(s
        .claim_deliveries(HOLDER_A, 10, LEASE)
        .await
        .expect("claim")
        .is_empty());
    // The soonest due is A's leases running out, or the retry.
    assert_eq!(s.next_delivery_due().await.expect("due"), Some(retry_at));
    h.clock().advance(Duration::from_secs(5));
    let again = s
        .claim_deliveries(HOLDER_A, 10, LEASE)
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(
        (
            again[0].id.as_str(),
            again[0].attempts,
            again[0].run_attempts
        ),
        (d.id.as_str(), 1, 1)
    );
    assert_eq!(again[0].last_status_code, Some(500));
    // Giving up.
    assert!(s
        .finish_delivery(&d.id, HOLDER_A, &failed(None))
        .await
        .expect("finish"));

    // A holder that dies: its lease runs out and another sender takes the delivery.
    h.clock().advance(LEASE + Duration::from_secs(1));
    let orphans = s
        .claim_deliveries(HOLDER_B, 10, LEASE)
        .await
        .expect("claim");
    assert_eq!(orphans.len(), 2, "the two A never finished");
    let ok = AttemptResult {
        status_code: Some(204),
        error: None,
        latency: Duration::from_millis(3),
        retry_at: None,
    };
    for o in &orphans {
        assert!(s
            .finish_delivery(&o.id, HOLDER_B, &ok)
            .await
            .expect("finish"));
    }
    assert_eq!(s.next_delivery_due().await.expect("due"), None);

    // Redelivery queues a given-up delivery again with a fresh schedule.
    let r = s
        .redeliver("ws_test", &d.id)
        .await
        .expect("redeliver")
        .expect("found");
    assert_eq!(
        (r.status, r.attempts, r.run_attempts),
        (DeliveryStatus::Pending, 2, 0)
    );
    assert!(s
        .redeliver("ws_other", &d.id)
        .await
        .expect("redeliver")
        .is_none());

    // Deleting the subscription drops its deliveries.
    assert!(s
        .delete_subscription("prj_test", "ws_test")
        .await
        .expect("delete"));
    assert!(!s
        .delete_subscription("prj_test", "ws_test")
        .await
        .expect("delete"));
    assert!(types(h).await.is_empty());
    assert!(s
        .project_subscription("prj_test")
        .await
        .expect("read")
        .is_none());
}

async fn subscriptions_change_and_rotate(h: &dyn Harness) {
    let s = h.store();
    s.insert_subscription(&subscription())
        .await
        .expect("insert");
    let change = SubscriptionChange {
        webhook_url: Some("https://new.example.com/h".into()),
        ..Default::default()
    };
    let row = s
        .update_subscription("prj_test", "ws_test", &change)
        .await
        .expect("update")
        .expect("found");
    assert_eq!(row.webhook_url, "https://new.example.com/h");
    assert_eq!(row.enabled_events.len(), 2);
    assert!(s
        .update_subscription("prj_other", "ws_test", &change)
        .await
        .expect("update")
        .is_none());
    let now = h.clock().now_ms();
    let row = s
        .rotate_subscription_secret("prj_test", "ws_test", b"new", Duration::from_secs(10))
        .await
        .expect("rotate")
        .expect("found");
    assert_eq!(row.secret, b"new");
    assert_eq!(
        row.previous_secret,
        Some((b"sealed".to_vec(), now + 10_000))
    );
    assert!(s.subscription_any("ws_test").await.expect("read").is_some());
    assert!(s
        .delete_subscription("prj_test", "ws_test")
        .await
        .expect("delete"));
}

/// Runs the webhook checks against one backend.
pub(super) async fn conformance(h: &dyn Harness) {
    the_outbox_commits_with_the_change(h).await;
    deliveries_are_leased_to_one_sender(h).await;
    subscriptions_change_and_rotate(h).await;
}
