//! The SDK's webhook calls against composio-server: `set` a subscription, verify what the
//! server posts with `composio::webhooks::verify`, read the delivery log, redeliver, and
//! receive the same event on the listen stream.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use composio::models::{DeliveryStatus, WebhookEventType};
use composio::webhooks::{self, VerifyError};
use composio::Composio;
use composio_server::sandbox::Browser;
use futures_util::StreamExt;
use tokio::sync::mpsc;

async fn receiver() -> (String, mpsc::UnboundedReceiver<(HeaderMap, Bytes)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

#[tokio::test]
async fn subscribe_verify_log_redeliver_and_listen() {
    let server = composio_server::spawn(composio_server::Config::default())
        .await
        .unwrap();
    let composio = Composio::builder()
        .api_key(server.api_key().unwrap())
        .base_url(server.url())
        .build()
        .unwrap();
    let (url, mut rx) = receiver().await;
    let sub = composio
        .webhooks()
        .set(&url, vec![WebhookEventType::ConnectedAccountActive])
        .await
        .unwrap();
    let secret = sub.secret.clone().expect("v3.1 returns the secret");
    // `set` again updates the one subscription.
    let again = composio
        .webhooks()
        .set(&url, vec![WebhookEventType::ConnectedAccountActive])
        .await
        .unwrap();
    assert_eq!(again.id, sub.id);
    let types = composio.webhooks().event_types().await.unwrap();
    assert!(types.items.len() >= 4);

    let mut listen = Box::pin(composio.webhooks().listen(&sub.id).await.unwrap());
    let session = composio
        .create("user_sdk_hook", composio::SessionOptions::new())
        .await
        .unwrap();
    let request = session.authorize("gmail", None).await.unwrap();
    Browser::new()
        .unwrap()
        .approve(request.redirect_url())
        .await
        .unwrap();

    let (headers, body) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    let event = webhooks::verify(&headers, &body, &secret, Duration::from_secs(300)).unwrap();
    assert_eq!(event.event_type, WebhookEventType::ConnectedAccountActive);
    let account = event.connected_account().expect("the account");
    assert_eq!(account.id, request.id().as_str());
    assert_eq!(
        webhooks::verify(&headers, &body, "wsk_wrong", Duration::from_secs(300)),
        Err(VerifyError::SignatureMismatch)
    );

    // The listen stream carries the same event, signed.
    let heard = tokio::time::timeout(Duration::from_secs(10), listen.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(heard.webhook_id, event.id);
    webhooks::verify_parts(
        &heard.webhook_id,
        &heard.webhook_timestamp.to_string(),
        &heard.webhook_signature,
        heard.payload.as_bytes(),
        &secret,
        Duration::from_secs(300),
        heard.webhook_timestamp,
    )
    .unwrap();

    let mut log = composio.webhooks().deliveries(&sub.id, 10).await.unwrap();
    for _ in 0..100 {
        if log.items[0].status == DeliveryStatus::Delivered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        log = composio.webhooks().deliveries(&sub.id, 10).await.unwrap();
    }
    assert_eq!(log.items[0].status, DeliveryStatus::Delivered);
    let d = composio
        .webhooks()
        .redeliver(&sub.id, &log.items[0].id)
        .await
        .unwrap();
    assert_eq!(d.event_id, event.id);
    let (headers, _) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(headers["webhook-id"], event.id.as_str());
    assert_eq!(headers["x-composio-delivery-attempt"], "2");
    composio.webhooks().delete(&sub.id).await.unwrap();
    server.shutdown().await;
}
