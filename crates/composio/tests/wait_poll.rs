//! `wait_for_connection` by polling (docs/spec/wire.md §8), on an in-memory transport with
//! paused time: no real sleeping.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use composio::{Composio, ConnectionRequest, ConnectionStatus, Error, ErrorKind};
use composio_http::test_util::{json_response, MockTransport};
use tokio::time::Instant;

/// A client and a connection request for `ca_1` (the link response is consumed here).
async fn request(mock: &Arc<MockTransport>) -> (Composio, ConnectionRequest) {
    let client = mock_client(mock);
    mock.push_json(200, session_json("trs_1", false));
    mock.push_json(201, link_json("ca_1"));
    let session = client.use_session("trs_1").await.unwrap();
    let r = session.authorize("gmail", None).await.unwrap();
    (client, r)
}

fn polls(mock: &MockTransport) -> usize {
    mock.requests()
        .iter()
        .filter(|r| {
            r.method == http::Method::GET && r.path() == "/api/v3.1/connected_accounts/ca_1"
        })
        .count()
}

#[tokio::test(start_paused = true)]
async fn initiated_then_active_polls_every_second() {
    let mock = Arc::new(MockTransport::new());
    let (_c, r) = request(&mock).await;
    mock.push_json(200, account_json("ca_1", "INITIATED", None));
    mock.push_json(200, account_json("ca_1", "INITIATED", None));
    mock.push_json(200, account_json("ca_1", "ACTIVE", None));
    let start = Instant::now();
    let account = r
        .wait_for_connection(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(account.id, "ca_1");
    assert_eq!(account.status, ConnectionStatus::Active);
    assert_eq!(polls(&mock), 3);
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn pending_statuses_keep_waiting() {
    let mock = Arc::new(MockTransport::new());
    let (_c, r) = request(&mock).await;
    for s in [
        "INITIALIZING",
        "INITIATED",
        "INACTIVE",
        "SOMETHING_NEW",
        "ACTIVE",
    ] {
        mock.push_json(200, account_json("ca_1", s, None));
    }
    r.wait_for_connection(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(polls(&mock), 5);
}

#[tokio::test(start_paused = true)]
async fn terminal_statuses_fail_at_once_with_status_and_reason() {
    for (status, reason) in [
        ("FAILED", "User denied access"),
        (
            "EXPIRED",
            "Connection initiation did not complete within 10 minutes",
        ),
        ("REVOKED", "Revoked by the provider"),
    ] {
        let mock = Arc::new(MockTransport::new());
        let (_c, r) = request(&mock).await;
        mock.push_json(200, account_json("ca_1", "INITIATED", None));
        mock.push_json(200, account_json("ca_1", status, Some(reason)));
        mock.push_json(200, account_json("ca_1", "ACTIVE", None));
        let e = r
            .wait_for_connection(Duration::from_secs(60))
            .await
            .unwrap_err();
        match &e {
            Error::ConnectionRequestFailed {
                id,
                status: s,
                status_reason,
            } => {
                assert_eq!(id.as_str(), "ca_1");
                assert_eq!(s.as_str(), status);
                assert_eq!(status_reason.as_deref(), Some(reason));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(polls(&mock), 2, "{status}: stopped at once");
    }
}

#[tokio::test(start_paused = true)]
async fn timeout_names_the_id() {
    let mock = Arc::new(MockTransport::new());
    let (_c, r) = request(&mock).await;
    mock.set_fallback(|_| Ok(json_response(200, &account_json("ca_1", "INITIATED", None))));
    let start = Instant::now();
    let e = r
        .wait_for_connection(Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    match &e {
        Error::ConnectionRequestTimeout { id, timeout } => {
            assert_eq!(id.as_str(), "ca_1");
            assert_eq!(*timeout, Duration::from_secs(5));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.is_timeout());
    assert!(e.to_string().contains("ca_1"));
    // t = 0, 1, 2, 3, 4, 5: the last poll is due exactly at the deadline and still runs.
    assert_eq!(polls(&mock), 6);
}

#[tokio::test(start_paused = true)]
async fn not_found_ends_the_wait() {
    let mock = Arc::new(MockTransport::new());
    let (_c, r) = request(&mock).await;
    mock.push_json(
        404,
        error_json(
            404,
            "Connected account not found",
            "ConnectedAccount_NotFound",
        ),
    );
    let e = r
        .wait_for_connection(Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::ConnectedAccountNotFound { id } if id.as_str() == "ca_1"),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::ConnectedAccountNotFound);
}

#[tokio::test(start_paused = true)]
async fn transient_errors_keep_waiting_but_auth_errors_end_it() {
    let mock = Arc::new(MockTransport::new());
    let client = Composio::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .poll_interval(Duration::from_millis(500))
        .transport(mock.clone())
        .build()
        .unwrap();
    mock.push_json(503, error_json(503, "busy", "Busy"));
    mock.push_error(composio::TransportError::connect("refused"));
    mock.push_json(200, account_json("ca_1", "ACTIVE", None));
    let start = Instant::now();
    client
        .wait_for_connection("ca_1", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(1),
        "two 500 ms intervals"
    );

    mock.push_json(401, error_json(401, "bad key", "Unauthorized"));
    let e = client
        .wait_for_connection("ca_1", Duration::from_secs(60))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401));
}

#[tokio::test(start_paused = true)]
async fn wait_by_id_validates_the_id() {
    let mock = Arc::new(MockTransport::new());
    let e = mock_client(&mock)
        .wait_for_connection("", Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(mock.requests().is_empty());
}

#[tokio::test(start_paused = true)]
async fn waits_are_independent_futures() {
    // Two concurrent waits on different ids share nothing but the transport.
    let mock = Arc::new(MockTransport::new());
    let client = mock_client(&mock);
    mock.set_fallback(|req| {
        let id = req.path().rsplit('/').next().unwrap_or_default().to_owned();
        let status = if id == "ca_fast" {
            "ACTIVE"
        } else {
            "INITIATED"
        };
        Ok(json_response(200, &account_json(&id, status, None)))
    });
    let fast = client.wait_for_connection("ca_fast", Duration::from_secs(10));
    let slow = client.wait_for_connection("ca_slow", Duration::from_secs(3));
    let (fast, slow) = tokio::join!(fast, slow);
    assert_eq!(fast.unwrap().id, "ca_fast");
    assert_eq!(
        slow.unwrap_err().kind(),
        ErrorKind::ConnectionRequestTimeout
    );
}
