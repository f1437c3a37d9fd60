//! Error mapping (docs/spec/wire.md §10) and retries (docs/spec/wire.md §11) on an in-memory
//! transport with paused time.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use composio::{ApiErrorKind, Composio, Error, ErrorKind, SessionOptions, TransportError};
use composio_http::test_util::MockTransport;
use serde_json::json;

fn no_retry_client(mock: &Arc<MockTransport>) -> Composio {
    Composio::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .transport(mock.clone())
        .build()
        .unwrap()
}

fn raw(status: u16, headers: &[(&str, &str)], body: &'static [u8]) -> http::Response<Bytes> {
    let mut b = http::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Bytes::from_static(body)).unwrap()
}

#[tokio::test(start_paused = true)]
async fn every_status_maps_to_its_kind_with_the_envelope() {
    let cases = [
        (400, ApiErrorKind::BadRequest),
        (401, ApiErrorKind::Authentication),
        (403, ApiErrorKind::PermissionDenied),
        (404, ApiErrorKind::NotFound),
        (409, ApiErrorKind::Conflict),
        (422, ApiErrorKind::UnprocessableEntity),
        (429, ApiErrorKind::RateLimited),
        (500, ApiErrorKind::Server),
        (503, ApiErrorKind::Server),
    ];
    for (status, kind) in cases {
        let mock = Arc::new(MockTransport::new());
        let mut resp = composio_http::test_util::json_response(
            status,
            &error_json(status, "Toolkit 'gmial' not found", "Toolkit_NotFound"),
        );
        resp.headers_mut()
            .insert("x-request-id", "hdr-req".parse().unwrap());
        resp.headers_mut()
            .insert("retry-after-ms", "250".parse().unwrap());
        mock.push_response(resp);
        let e = no_retry_client(&mock)
            .connected_accounts()
            .get("ca_1")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Api(kind), "{status}");
        let api = e.api_error().unwrap();
        assert_eq!(api.status, status);
        assert_eq!(api.code, Some(1000 + status as i64));
        assert_eq!(api.slug.as_deref(), Some("Toolkit_NotFound"));
        assert_eq!(api.message, "Toolkit 'gmial' not found");
        assert_eq!(api.suggested_fix.as_deref(), Some("Fix it."));
        assert_eq!(
            e.request_id(),
            Some("hdr-req"),
            "the header's request id wins"
        );
        assert_eq!(api.retry_after, Some(Duration::from_millis(250)));
        assert_eq!(mock.requests().len(), 1);
    }
}

#[tokio::test(start_paused = true)]
async fn garbage_error_bodies_still_give_api_errors() {
    for (status, body) in [
        (502, &b"<html><h1>502 Bad Gateway</h1></html>"[..]),
        (400, &b""[..]),
        (403, &b"{\"detail\": \"nope\"}"[..]),
        (500, &[0xff, 0xfe, 0x80][..]),
    ] {
        let mock = Arc::new(MockTransport::new());
        mock.push_response(raw(status, &[("x-request-id", "r-9")], body));
        let e = no_retry_client(&mock)
            .use_session("trs_1")
            .await
            .unwrap_err();
        let api = e.api_error().expect("an API error");
        assert_eq!(api.status, status);
        assert_eq!(e.request_id(), Some("r-9"));
        assert!(!api.message.is_empty());
        if status == 502 {
            assert!(api.message.contains("502 Bad Gateway"), "{}", api.message);
        }
    }
}

#[tokio::test(start_paused = true)]
async fn undecodable_success_is_a_decode_error() {
    let mock = Arc::new(MockTransport::new());
    mock.push_response(raw(200, &[("x-request-id", "r-1")], b"{\"session_id\": 5}"));
    let e = no_retry_client(&mock)
        .use_session("trs_1")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { status: 200, .. }), "{e:?}");
    assert_eq!(e.request_id(), Some("r-1"));
}

#[tokio::test(start_paused = true)]
async fn decode_errors_keep_their_cause_and_the_real_status() {
    // A body that is not the expected JSON: the serde error is the source.
    let mock = Arc::new(MockTransport::new());
    mock.push_response(raw(200, &[("x-request-id", "r-1")], b"{\"session_id\": 5}"));
    let e = no_retry_client(&mock)
        .use_session("trs_1")
        .await
        .unwrap_err();
    let cause = std::error::Error::source(&e).expect("a source");
    assert!(
        cause.downcast_ref::<serde_json::Error>().is_some(),
        "{cause:?}"
    );

    // A 201 whose session id is unusable: HTTP 201 (not a made-up 200), its request id,
    // and the id error as the cause.
    let mock = Arc::new(MockTransport::new());
    let mut created = composio_http::test_util::json_response(201, &session_json("", false));
    created
        .headers_mut()
        .insert("x-request-id", "r-201".parse().unwrap());
    mock.push_response(created);
    let e = no_retry_client(&mock)
        .create("user_123", SessionOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { status: 201, .. }), "{e:?}");
    assert_eq!(e.request_id(), Some("r-201"));
    let cause = std::error::Error::source(&e).expect("a source");
    assert!(
        cause.downcast_ref::<composio::InvalidId>().is_some(),
        "{cause:?}"
    );

    // The same for a link response with an unusable connected account id.
    let mock = Arc::new(MockTransport::new());
    mock.push_json(200, session_json("trs_1", true));
    mock.push_json(201, link_json(""));
    let session = no_retry_client(&mock).use_session("trs_1").await.unwrap();
    let e = session.authorize("gmail", None).await.unwrap_err();
    assert!(matches!(e, Error::Decode { status: 201, .. }), "{e:?}");
    assert!(std::error::Error::source(&e).is_some());
}

#[tokio::test(start_paused = true)]
async fn giving_up_on_connection_errors_says_how_many_attempts_were_made() {
    let mock = Arc::new(MockTransport::new());
    for _ in 0..3 {
        mock.push_error(TransportError::connect("refused"));
    }
    let e = mock_client(&mock)
        .connected_accounts()
        .get("ca_1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect);
    assert_eq!(e.attempts(), Some(3));
    assert!(e.to_string().ends_with("(after 3 attempts)"), "{e}");

    // One attempt is not worth mentioning.
    let mock = Arc::new(MockTransport::new());
    mock.push_json(404, error_json(404, "no such account", "NotFound"));
    let e = mock_client(&mock)
        .connected_accounts()
        .get("ca_1")
        .await
        .unwrap_err();
    assert_eq!(e.attempts(), Some(1));
    assert!(!e.to_string().contains("attempts"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn transport_errors_keep_their_class() {
    let mock = Arc::new(MockTransport::new());
    mock.push_error(TransportError::connect("refused"));
    let e = no_retry_client(&mock)
        .use_session("trs_1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect);
    let mock = Arc::new(MockTransport::new());
    mock.push_error(TransportError::timeout("slow"));
    let e = no_retry_client(&mock)
        .use_session("trs_1")
        .await
        .unwrap_err();
    assert!(e.is_timeout());
}

#[tokio::test(start_paused = true)]
async fn create_retries_503_twice_with_the_same_idempotency_key() {
    let mock = Arc::new(MockTransport::new());
    mock.push_json(503, error_json(503, "busy", "Busy"));
    mock.push_json(503, error_json(503, "busy", "Busy"));
    mock.push_json(201, session_json("trs_1", false));
    let session = mock_client(&mock)
        .create("user_123", SessionOptions::new().manage_connections(false))
        .await
        .unwrap();
    assert_eq!(session.id().as_str(), "trs_1");
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 3);
    let keys: Vec<_> = reqs
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys[0], keys[1]);
    assert_eq!(keys[1], keys[2]);
    for r in &reqs {
        assert_eq!(
            r.json(),
            json!({"user_id": "user_123", "manage_connections": {"enable": false}})
        );
    }
}

#[tokio::test(start_paused = true)]
async fn three_503s_exhaust_the_default_two_retries() {
    let mock = Arc::new(MockTransport::new());
    for _ in 0..3 {
        mock.push_json(503, error_json(503, "busy", "Busy"));
    }
    let e = mock_client(&mock)
        .connected_accounts()
        .get("ca_1")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(mock.requests().len(), 3);
    // Giving up says how many attempts were made.
    assert_eq!(e.attempts(), Some(3));
    assert_eq!(e.api_error().unwrap().attempts, 3);
    assert!(e.to_string().contains("after 3 attempts"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn link_retry_after_is_honoured() {
    let mock = Arc::new(MockTransport::new());
    mock.push_json(200, session_json("trs_1", true));
    let mut limited =
        composio_http::test_util::json_response(429, &error_json(429, "slow down", "RateLimited"));
    limited
        .headers_mut()
        .insert("retry-after", "7".parse().unwrap());
    mock.push_response(limited);
    mock.push_json(201, link_json("ca_1"));
    let session = mock_client(&mock).use_session("trs_1").await.unwrap();
    let start = tokio::time::Instant::now();
    let request = session.authorize("gmail", None).await.unwrap();
    let waited = start.elapsed();
    assert_eq!(request.id().as_str(), "ca_1");
    assert!(waited >= Duration::from_secs(7), "{waited:?}");
    assert!(waited < Duration::from_secs(8), "{waited:?}");
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(
        reqs[1].header("idempotency-key"),
        reqs[2].header("idempotency-key")
    );
    assert!(reqs[1].header("idempotency-key").is_some());
}

#[tokio::test(start_paused = true)]
async fn execute_is_never_retried() {
    let mock = Arc::new(MockTransport::new());
    mock.push_json(200, session_json("trs_1", true));
    mock.push_json(503, error_json(503, "busy", "Busy"));
    mock.push_json(200, json!({"data": {}, "successful": true}));
    let session = mock_client(&mock).use_session("trs_1").await.unwrap();
    let e = session.execute("GMAIL_SEND", json!({})).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(mock.requests().len(), 2);
    assert_eq!(mock.remaining(), 1, "the 200 was not used by a retry");
    let mock = Arc::new(MockTransport::new());
    mock.push_json(200, session_json("trs_1", true));
    mock.push_error(TransportError::other("connection reset"));
    mock.push_json(200, json!({"data": {}, "successful": true}));
    let session = mock_client(&mock).use_session("trs_1").await.unwrap();
    let e = session.execute("GMAIL_SEND", json!({})).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(mock.requests().len(), 2);
    assert_eq!(mock.remaining(), 1);
}

#[tokio::test(start_paused = true)]
async fn every_request_carries_the_sdk_headers_and_timeout() {
    let mock = Arc::new(MockTransport::new());
    mock.push_json(200, account_json("ca_1", "ACTIVE", None));
    let client = Composio::builder()
        .api_key(KEY)
        .base_url("http://localhost:9/")
        .source("PYTHON_SDK_RS")
        .transport(mock.clone())
        .build()
        .unwrap();
    client.connected_accounts().get("ca_1").await.unwrap();
    let r = &mock.requests()[0];
    assert_eq!(
        r.uri.to_string(),
        "http://localhost:9/api/v3.1/connected_accounts/ca_1"
    );
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_eq!(r.header("x-source"), Some("PYTHON_SDK_RS"));
    assert_eq!(
        r.header("user-agent"),
        Some(concat!("composio-rs/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(r.header("x-sdk-version"), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("content-type"), None, "no body, no content type");
    assert_eq!(
        r.header("idempotency-key"),
        None,
        "GETs carry no idempotency key"
    );
}

#[tokio::test(start_paused = true)]
async fn request_timeout_extension_is_set() {
    #[derive(Debug)]
    struct SeeTimeout(std::sync::Mutex<Vec<Option<composio::RequestTimeout>>>);
    #[async_trait::async_trait]
    impl composio::Transport for SeeTimeout {
        async fn send(
            &self,
            request: http::Request<Bytes>,
        ) -> Result<http::Response<Bytes>, TransportError> {
            self.0
                .lock()
                .unwrap()
                .push(request.extensions().get().copied());
            Ok(composio_http::test_util::json_response(
                200,
                &account_json("ca_1", "ACTIVE", None),
            ))
        }
    }
    let t = Arc::new(SeeTimeout(Default::default()));
    let client = Composio::builder()
        .api_key(KEY)
        .timeout(Duration::from_secs(7))
        .transport(t.clone())
        .build()
        .unwrap();
    client.connected_accounts().get("ca_1").await.unwrap();
    assert_eq!(
        t.0.lock().unwrap()[0],
        Some(composio::RequestTimeout(Duration::from_secs(7)))
    );
}
