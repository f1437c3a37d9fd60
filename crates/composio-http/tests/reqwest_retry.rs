//! ReqwestTransport and RetryTransport against a wiremock server.

use std::time::Duration;

use bytes::Bytes;
use composio_core::{Attempts, Idempotency, RequestTimeout, Transport, TransportErrorKind};
use composio_http::test_util::MockTransport;
use composio_http::{Jitter, ReqwestTransport, RetryPolicy, RetryTransport};
use futures_util::StreamExt;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn get(url: String) -> http::Request<Bytes> {
    http::Request::get(url).body(Bytes::new()).unwrap()
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy::new()
        .jitter(Jitter::None)
        .backoff_range(Duration::from_millis(1), Duration::from_millis(5))
}

#[tokio::test]
async fn sends_method_headers_and_body_and_returns_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v3.1/tool_router/session"))
        .and(header("x-api-key", "k"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("x-request-id", "r1")
                .set_body_string("{\"session_id\":\"trs_1\"}"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let t = ReqwestTransport::new().unwrap();
    let req = http::Request::post(format!("{}/api/v3.1/tool_router/session", server.uri()))
        .header("x-api-key", "k")
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    let resp = t.send(req).await.unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["x-request-id"], "r1");
    assert_eq!(&resp.body()[..], b"{\"session_id\":\"trs_1\"}");
}

#[tokio::test]
async fn error_statuses_are_responses_not_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("nope"))
        .mount(&server)
        .await;
    let t = ReqwestTransport::new().unwrap();
    let resp = t.send(get(format!("{}/x", server.uri()))).await.unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn request_timeout_extension_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let t = ReqwestTransport::new().unwrap();
    let mut req = get(format!("{}/slow", server.uri()));
    req.extensions_mut()
        .insert(RequestTimeout(Duration::from_millis(100)));
    let err = t.send(req).await.unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Timeout);
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let t = ReqwestTransport::new().unwrap();
    let err = t
        .send(get(format!("http://127.0.0.1:{port}/")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Connect);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "http://example.invalid/"),
        )
        .mount(&server)
        .await;
    let t = ReqwestTransport::new().unwrap();
    let resp = t.send(get(format!("{}/r", server.uri()))).await.unwrap();
    assert_eq!(resp.status(), 302);
}

#[tokio::test]
async fn streaming_yields_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string("event: ready\ndata: {}\n\n"),
        )
        .mount(&server)
        .await;
    let t = ReqwestTransport::new().unwrap();
    let req = http::Request::post(format!("{}/watch", server.uri()))
        .body(Bytes::new())
        .unwrap();
    let resp = t.send_streaming(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut body = resp.into_body();
    let mut all = Vec::new();
    while let Some(chunk) = body.next().await {
        all.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(all, b"event: ready\ndata: {}\n\n");
}

#[tokio::test]
async fn retries_503_twice_then_succeeds_keeping_headers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{}"))
        .with_priority(2)
        .mount(&server)
        .await;
    let t = RetryTransport::new(ReqwestTransport::new().unwrap(), fast_policy());
    let req = http::Request::post(format!("{}/link", server.uri()))
        .header("idempotency-key", "idem-1")
        .body(Bytes::from_static(b"{\"toolkit\":\"gmail\"}"))
        .unwrap();
    let resp = t.send(req).await.unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(t.retries_done(), 2);
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    for (i, r) in received.iter().enumerate() {
        assert_eq!(r.headers["idempotency-key"], "idem-1");
        assert_eq!(r.body, b"{\"toolkit\":\"gmail\"}");
        assert_eq!(r.headers.get("x-retry-count").is_some(), i > 0);
    }
}

#[tokio::test]
async fn gives_up_after_max_retries_with_the_last_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let t = RetryTransport::new(
        ReqwestTransport::new().unwrap(),
        fast_policy().max_retries(1),
    );
    let resp = t.send(get(format!("{}/x", server.uri()))).await.unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn non_idempotent_request_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let t = RetryTransport::new(ReqwestTransport::new().unwrap(), fast_policy());
    let mut req = http::Request::post(format!("{}/execute", server.uri()))
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    req.extensions_mut().insert(Idempotency::NonIdempotent);
    let resp = t.send(req).await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn honours_retry_after_on_429() {
    let mock = MockTransport::new();
    let mut limited = composio_http::test_util::json_response(429, &serde_json::json!({}));
    limited
        .headers_mut()
        .insert("retry-after", http::HeaderValue::from_static("7"));
    mock.push_response(limited);
    mock.push_json(200, serde_json::json!({"ok": true}));
    let t = RetryTransport::new(mock, RetryPolicy::new().jitter(Jitter::None));
    let start = tokio::time::Instant::now();
    let resp = t.send(get("http://api.test/x".into())).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(start.elapsed(), Duration::from_secs(7));
    assert_eq!(t.inner().requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn backoff_without_retry_after_doubles() {
    let mock = MockTransport::new();
    mock.push_json(502, serde_json::json!({}));
    mock.push_json(502, serde_json::json!({}));
    mock.push_json(200, serde_json::json!({}));
    let t = RetryTransport::new(mock, RetryPolicy::new().jitter(Jitter::None));
    let start = tokio::time::Instant::now();
    t.send(get("http://api.test/x".into())).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(1500));
}

#[tokio::test(start_paused = true)]
async fn connect_errors_are_retried_even_for_non_idempotent_requests() {
    let mock = MockTransport::new();
    mock.push_error(composio_core::TransportError::connect("refused"));
    mock.push_json(200, serde_json::json!({}));
    let t = RetryTransport::new(mock, RetryPolicy::new());
    let mut req = get("http://api.test/execute".into());
    req.extensions_mut().insert(Idempotency::NonIdempotent);
    assert_eq!(t.send(req).await.unwrap().status(), 200);
    let mock = MockTransport::new();
    mock.push_error(composio_core::TransportError::timeout("slow"));
    let t = RetryTransport::new(mock, RetryPolicy::new());
    let mut req = get("http://api.test/execute".into());
    req.extensions_mut().insert(Idempotency::NonIdempotent);
    let err = t.send(req).await.unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Timeout);
    assert_eq!(t.inner().requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn giving_up_reports_how_many_attempts_were_made() {
    // Errors: the last one says how many attempts there were.
    let mock = MockTransport::new();
    for _ in 0..3 {
        mock.push_error(composio_core::TransportError::connect("refused"));
    }
    let t = RetryTransport::new(mock, RetryPolicy::new().jitter(Jitter::None));
    let err = t.send(get("http://api.test/x".into())).await.unwrap_err();
    assert_eq!(err.kind(), TransportErrorKind::Connect);
    assert_eq!(err.attempts(), 3);
    assert_eq!(
        err.to_string(),
        "connection failed: refused (after 3 attempts)"
    );
    assert_eq!(t.inner().requests().len(), 3);

    // Responses: the `Attempts` extension.
    let mock = MockTransport::new();
    mock.push_json(503, serde_json::json!({}));
    mock.push_json(503, serde_json::json!({}));
    let t = RetryTransport::new(mock, RetryPolicy::new().max_retries(1));
    let resp = t.send(get("http://api.test/x".into())).await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.extensions().get(), Some(&Attempts(2)));

    // A first-time answer, and an error that is not retried, count one attempt.
    let mock = MockTransport::new();
    mock.push_json(200, serde_json::json!({}));
    mock.push_error(composio_core::TransportError::timeout("slow"));
    let t = RetryTransport::new(mock, RetryPolicy::new());
    let resp = t.send(get("http://api.test/x".into())).await.unwrap();
    assert_eq!(resp.extensions().get(), Some(&Attempts(1)));
    let mut req = get("http://api.test/execute".into());
    req.extensions_mut().insert(Idempotency::NonIdempotent);
    let err = t.send(req).await.unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.to_string(), "timed out: slow");
}
