//! The SDK against a rate-limited composio-server: its retry layer honours the server's
//! `retry-after-ms` on 429 and rides through the limit without the caller noticing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use composio::{
    ApiErrorKind, Composio, ConnectionStatus, ErrorKind, SessionOptions, Transport, TransportError,
};
use composio_http::ReqwestTransport;
use composio_server::sandbox::Browser;
use composio_server::{Config, ServerHandle};

/// Counts the 429s the server answered (below the SDK's retry layer, so every attempt).
#[derive(Debug)]
struct Counting {
    inner: ReqwestTransport,
    attempts: AtomicU64,
    rate_limited: AtomicU64,
}

#[async_trait]
impl Transport for Counting {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let resp = self.inner.send(request).await?;
        if resp.status() == 429 {
            assert!(
                resp.headers().contains_key("retry-after-ms")
                    && resp.headers().contains_key("retry-after"),
                "a 429 says when to retry"
            );
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        Ok(resp)
    }

    async fn send_streaming(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<composio::ByteStream>, TransportError> {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        self.inner.send_streaming(request).await
    }
}

fn client(server: &ServerHandle, transport: Arc<Counting>, retries: u32) -> Composio {
    Composio::builder()
        .api_key(server.api_key().expect("a key"))
        .base_url(server.url())
        .transport(transport)
        .max_retries(retries)
        .build()
        .expect("client")
}

fn counting() -> Arc<Counting> {
    Arc::new(Counting {
        inner: ReqwestTransport::new().expect("transport"),
        attempts: AtomicU64::new(0),
        rate_limited: AtomicU64::new(0),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizations_in_a_row_ride_through_429s() {
    // 2 requests a second, bursts of 2: the session and the first link use the burst, every
    // further call meets a 429 unless half a second passed.
    let server = composio_server::spawn(Config::default().rate_limit(2.0, 2))
        .await
        .expect("server starts");
    let transport = counting();
    let composio = client(&server, transport.clone(), 2);
    let session = composio
        .create("user_1", SessionOptions::new().manage_connections(false))
        .await
        .expect("session");
    let mut requests = Vec::new();
    for toolkit in ["gmail", "github", "slack", "notion", "gmail"] {
        let request = session
            .authorize(toolkit, Some("https://app.example.com/cb"))
            .await
            .unwrap_or_else(|e| panic!("authorize {toolkit}: {e}"));
        assert_eq!(request.status(), &ConnectionStatus::Initiated);
        requests.push(request);
    }
    let limited = transport.rate_limited.load(Ordering::Relaxed);
    assert!(limited >= 1, "the limit was hit ({limited} × 429)");
    assert_eq!(
        transport.attempts.load(Ordering::Relaxed),
        6 + limited,
        "each 429 was retried once: the server's retry-after-ms is exact"
    );

    // Completing a flow (the sandbox pages are not /api, the watch stream is not counted)
    // also works under the limit.
    let first = &requests[0];
    Browser::new()
        .expect("browser")
        .approve(first.redirect_url())
        .await
        .expect("approve");
    let account = first
        .wait_for_connection(Duration::from_secs(30))
        .await
        .expect("connected");
    assert_eq!(account.status, ConnectionStatus::Active);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_retries_the_429_surfaces_as_rate_limited() {
    let server = composio_server::spawn(Config::default().rate_limit(0.1, 1))
        .await
        .expect("server starts");
    let transport = counting();
    let composio = client(&server, transport.clone(), 0);
    composio
        .create("user_1", SessionOptions::new())
        .await
        .expect("the burst");
    let err = composio
        .create("user_2", SessionOptions::new())
        .await
        .expect_err("over the limit");
    assert_eq!(err.kind(), ErrorKind::Api(ApiErrorKind::RateLimited));
    assert_eq!(err.status(), Some(429));
    assert!(err.to_string().contains("Rate limit exceeded"), "{err}");
    assert_eq!(transport.rate_limited.load(Ordering::Relaxed), 1);
    server.shutdown().await;
}
