//! The push wait (`watch-v1`): a scripted server whose watch stream is a channel the test
//! feeds with SSE text split at awkward places. Paused time: no real sleeping.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use common::*;
use composio::{ByteStream, Composio, Error, ErrorKind, Transport, TransportError};
use composio_http::test_util::json_response;
use serde_json::{json, Value};
use tokio::sync::mpsc;

type Chunk = Result<Bytes, TransportError>;

#[derive(Debug, Default)]
struct State {
    /// (method, path, body) of every request.
    requests: Vec<(String, String, Value)>,
    streams: Vec<mpsc::UnboundedSender<Chunk>>,
    /// Status per account id for GETs; absent ids answer 404.
    accounts: HashMap<String, &'static str>,
}

/// A server that advertises (or not) the push wait.
#[derive(Debug)]
struct PushServer {
    advertise: bool,
    watch_status: u16,
    /// Streams send `ready` and end at once.
    flaky: bool,
    state: Mutex<State>,
}

impl PushServer {
    fn new(advertise: bool, watch_status: u16) -> Arc<Self> {
        Arc::new(Self {
            advertise,
            watch_status,
            flaky: false,
            state: Mutex::default(),
        })
    }

    fn flaky() -> Arc<Self> {
        Arc::new(Self {
            advertise: true,
            watch_status: 200,
            flaky: true,
            state: Mutex::default(),
        })
    }

    fn requests(&self) -> Vec<(String, String, Value)> {
        self.state.lock().unwrap().requests.clone()
    }

    fn count(&self, method: &str, path_suffix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|(m, p, _)| m == method && p.ends_with(path_suffix))
            .count()
    }

    fn streams(&self) -> usize {
        self.state.lock().unwrap().streams.len()
    }

    /// Every id the SDK asked to watch (open bodies and POST …/ids), in order.
    fn added_ids(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|(m, p, _)| m == "POST" && (p.ends_with("/watch") || p.ends_with("/ids")))
            .flat_map(|(_, _, b)| ids_of(b))
            .collect()
    }

    fn removed_ids(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|(m, p, _)| m == "DELETE" && p.ends_with("/ids"))
            .flat_map(|(_, _, b)| ids_of(b))
            .collect()
    }

    fn set_account(&self, id: &str, status: &'static str) {
        self.state
            .lock()
            .unwrap()
            .accounts
            .insert(id.to_owned(), status);
    }

    /// Sends `text` on stream `n`, cut into chunks of awkward sizes.
    fn sse(&self, n: usize, text: &str) {
        let tx = self.state.lock().unwrap().streams[n].clone();
        let bytes = text.as_bytes();
        let sizes = [1usize, 7, 2, 13, 3, 29, 5];
        let mut at = 0;
        let mut i = 0;
        while at < bytes.len() {
            let end = (at + sizes[i % sizes.len()]).min(bytes.len());
            let _ = tx.send(Ok(Bytes::copy_from_slice(&bytes[at..end])));
            at = end;
            i += 1;
        }
    }

    fn close(&self, n: usize) {
        let (tx, _) = mpsc::unbounded_channel();
        self.state.lock().unwrap().streams[n] = tx;
    }

    fn response(&self, status: u16, body: Value) -> http::Response<Bytes> {
        let mut r = json_response(status, &body);
        if self.advertise {
            r.headers_mut()
                .insert("x-composio-push-wait", "watch-v1".parse().unwrap());
        }
        r
    }
}

fn ids_of(body: &Value) -> Vec<String> {
    body["ids"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[async_trait]
impl Transport for PushServer {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let path = request.uri().path().to_owned();
        let method = request.method().to_string();
        let body: Value = serde_json::from_slice(request.body()).unwrap_or(Value::Null);
        let mut st = self.state.lock().unwrap();
        st.requests
            .push((method.clone(), path.clone(), body.clone()));
        let (status, json) = if path.ends_with("/ids") {
            (200, json!({"watching": ids_of(&body).len()}))
        } else if let Some(id) = path.strip_prefix("/api/v3.1/connected_accounts/") {
            match st.accounts.get(id) {
                Some(status) => (200, account_json(id, status, None)),
                None => (404, error_json(404, "not found", "NotFound")),
            }
        } else {
            (500, json!({"unexpected": path}))
        };
        drop(st);
        Ok(self.response(status, json))
    }

    async fn send_streaming(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<ByteStream>, TransportError> {
        let path = request.uri().path().to_owned();
        let body: Value = serde_json::from_slice(request.body()).unwrap_or(Value::Null);
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(path, "/api/v3.1/connected_accounts/watch");
        assert_eq!(request.headers()["x-api-key"], KEY);
        let mut st = self.state.lock().unwrap();
        st.requests.push(("POST".into(), path, body));
        if self.watch_status != 200 {
            let r = self.response(self.watch_status, error_json(self.watch_status, "no", "No"));
            return Ok(r.map(|b| Box::pin(futures_util::stream::iter([Ok(b)])) as ByteStream));
        }
        let (tx, rx) = mpsc::unbounded_channel::<Chunk>();
        if self.flaky {
            let _ = tx.send(Ok(Bytes::from(ready("w-flaky"))));
            let (dead, _) = mpsc::unbounded_channel();
            st.streams.push(dead);
            drop(tx);
        } else {
            st.streams.push(tx);
        }
        let stream =
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|c| (c, rx)) },
            );
        let mut r = http::Response::new(Box::pin(stream) as ByteStream);
        r.headers_mut()
            .insert("content-type", "text/event-stream".parse().unwrap());
        Ok(r)
    }
}

fn client(server: &Arc<PushServer>) -> Composio {
    Composio::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .transport(server.clone())
        .build()
        .unwrap()
}

/// Lets the other tasks run until `cond` holds (paused time advances 1 ms per turn).
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..5_000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("timed out waiting for: {what}");
}

fn ready(watch_id: &str) -> String {
    format!(": welcome\r\nevent: ready\r\ndata: {{\"watch_id\":\"{watch_id}\"}}\r\n\r\n")
}

fn account_event(id: &str, status: &str, reason: Option<&str>) -> String {
    // Multi-line data: pretty-printed JSON over several `data:` lines.
    let pretty = serde_json::to_string_pretty(&account_json(id, status, reason)).unwrap();
    let mut out = String::from("event: account\n");
    for line in pretty.lines() {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(":keep-alive\n\n");
    out
}

/// Makes the client see the push header (as any ordinary response would carry it).
async fn prime(client: &Composio, server: &PushServer) {
    server.set_account("ca_prime", "ACTIVE");
    client.connected_accounts().get("ca_prime").await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn many_waits_share_one_stream_and_are_routed() {
    let server = PushServer::new(true, 200);
    let client = client(&server);
    prime(&client, &server).await;
    assert!(client.push_wait_available());

    let n = 200;
    let mut waits = Vec::new();
    for i in 0..n {
        let c = client.clone();
        waits.push(tokio::spawn(async move {
            c.wait_for_connection(&format!("ca_{i}"), Duration::from_secs(600))
                .await
        }));
    }
    until("stream opened", || server.streams() == 1).await;
    server.sse(0, &ready("w1"));
    until("all ids watched", || server.added_ids().len() == n).await;
    let mut added = server.added_ids();
    added.sort();
    added.dedup();
    assert_eq!(added.len(), n, "each id added once");
    let add_requests = server.count("POST", "/ids") + 1;
    assert!(
        add_requests <= 3,
        "ids were batched, not one request per wait: {add_requests}"
    );

    // Still-pending states wake nobody; final ones wake exactly their waiter.
    let mut text = account_event("ca_0", "INITIATED", None);
    text.push_str(&account_event("ca_0", "FAILED", Some("User denied access")));
    for i in 1..n {
        text.push_str(&account_event(&format!("ca_{i}"), "ACTIVE", None));
    }
    server.sse(0, &text);

    let mut results = Vec::new();
    for w in waits {
        results.push(w.await.unwrap());
    }
    match &results[0] {
        Err(Error::ConnectionRequestFailed {
            id,
            status,
            status_reason,
        }) => {
            assert_eq!(id.as_str(), "ca_0");
            assert_eq!(status.as_str(), "FAILED");
            assert_eq!(status_reason.as_deref(), Some("User denied access"));
        }
        other => panic!("{other:?}"),
    }
    for (i, r) in results.iter().enumerate().skip(1) {
        assert_eq!(r.as_ref().unwrap().id, format!("ca_{i}"));
    }
    assert_eq!(server.streams(), 1, "one shared stream");
    assert_eq!(
        server.count("GET", "/connected_accounts/ca_0"),
        0,
        "no polling in push mode"
    );
    // Finished ids are dropped from the watch.
    until("finished ids removed", || server.removed_ids().len() == n).await;
}

#[tokio::test(start_paused = true)]
async fn not_found_event_ends_the_wait() {
    let server = PushServer::new(true, 200);
    let client = client(&server);
    prime(&client, &server).await;
    let c = client.clone();
    let wait = tokio::spawn(async move {
        c.wait_for_connection("ca_ghost", Duration::from_secs(600))
            .await
    });
    until("stream opened", || server.streams() == 1).await;
    server.sse(0, &ready("w1"));
    until("id watched", || server.added_ids() == ["ca_ghost"]).await;
    server.sse(0, "event: not_found\r\ndata: {\"id\":\"ca_ghost\"}\r\n\r\n");
    let e = wait.await.unwrap().unwrap_err();
    assert!(
        matches!(&e, Error::ConnectedAccountNotFound { id } if id.as_str() == "ca_ghost"),
        "{e:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_dropped_stream_reconnects_and_re_adds_pending_ids() {
    let server = PushServer::new(true, 200);
    let client = client(&server);
    prime(&client, &server).await;
    let mut waits = Vec::new();
    for id in ["ca_a", "ca_b", "ca_c"] {
        let c = client.clone();
        waits.push(tokio::spawn(async move {
            c.wait_for_connection(id, Duration::from_secs(600)).await
        }));
    }
    until("stream opened", || server.streams() == 1).await;
    server.sse(0, &ready("w1"));
    until("ids watched", || server.added_ids().len() == 3).await;
    // ca_a finishes on the first stream.
    server.sse(0, &account_event("ca_a", "ACTIVE", None));
    until("ca_a done", || waits[0].is_finished()).await;

    server.close(0);
    until("reconnected", || server.streams() == 2).await;
    let reopen = server
        .requests()
        .into_iter()
        .filter(|(_, p, _)| p.ends_with("/watch"))
        .nth(1)
        .unwrap();
    let mut readded = ids_of(&reopen.2);
    readded.sort();
    assert_eq!(
        readded,
        ["ca_b", "ca_c"],
        "pending ids re-added on the new stream"
    );
    server.sse(1, &ready("w2"));
    server.sse(1, &account_event("ca_b", "ACTIVE", None));
    server.sse(
        1,
        &account_event(
            "ca_c",
            "EXPIRED",
            Some("Connection initiation did not complete within 10 minutes"),
        ),
    );
    let results: Vec<_> = futures_util::future::join_all(waits).await;
    assert_eq!(results[0].as_ref().unwrap().as_ref().unwrap().id, "ca_a");
    assert_eq!(results[1].as_ref().unwrap().as_ref().unwrap().id, "ca_b");
    let e = results[2].as_ref().unwrap().as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionRequestFailed);
    // Ids added later go to the new watch id.
    assert!(server
        .requests()
        .iter()
        .all(|(_, p, _)| !p.contains("/watch/w2/") || p.ends_with("/ids")));
}

#[tokio::test(start_paused = true)]
async fn timeout_in_push_mode_stops_watching_the_id() {
    let server = PushServer::new(true, 200);
    let client = client(&server);
    prime(&client, &server).await;
    let c = client.clone();
    let wait = tokio::spawn(async move {
        c.wait_for_connection("ca_slow", Duration::from_secs(2))
            .await
    });
    until("stream opened", || server.streams() == 1).await;
    server.sse(0, &ready("w1"));
    server.sse(0, &account_event("ca_slow", "INITIATED", None));
    let e = wait.await.unwrap().unwrap_err();
    assert!(
        matches!(&e, Error::ConnectionRequestTimeout { id, timeout } if id.as_str() == "ca_slow" && *timeout == Duration::from_secs(2)),
        "{e:?}"
    );
    until("id removed", || server.removed_ids() == ["ca_slow"]).await;
    let delete = server
        .requests()
        .into_iter()
        .find(|(m, _, _)| m == "DELETE")
        .unwrap();
    assert_eq!(delete.1, "/api/v3.1/connected_accounts/watch/w1/ids");
}

#[tokio::test(start_paused = true)]
async fn a_server_without_the_header_is_polled() {
    let server = PushServer::new(false, 200);
    let client = client(&server);
    prime(&client, &server).await;
    assert!(!client.push_wait_available());
    server.set_account("ca_1", "INITIATED");
    let c = client.clone();
    let wait =
        tokio::spawn(async move { c.wait_for_connection("ca_1", Duration::from_secs(60)).await });
    until("two polls", || {
        server.count("GET", "/connected_accounts/ca_1") == 2
    })
    .await;
    server.set_account("ca_1", "ACTIVE");
    assert_eq!(wait.await.unwrap().unwrap().id, "ca_1");
    assert_eq!(server.streams(), 0);
    assert_eq!(
        server.count("POST", "/watch"),
        0,
        "no watch stream without the header"
    );
}

#[tokio::test(start_paused = true)]
async fn a_missing_watch_endpoint_falls_back_to_polling() {
    let server = PushServer::new(true, 404);
    let client = client(&server);
    prime(&client, &server).await;
    server.set_account("ca_1", "ACTIVE");
    let account = client
        .wait_for_connection("ca_1", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(account.id, "ca_1");
    assert_eq!(server.count("POST", "/connected_accounts/watch"), 1);
    assert!(server.count("GET", "/connected_accounts/ca_1") >= 1);
    // Push stays off: the next wait polls straight away.
    server.set_account("ca_2", "ACTIVE");
    client
        .wait_for_connection("ca_2", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(server.count("POST", "/connected_accounts/watch"), 1);
}

#[tokio::test(start_paused = true)]
async fn the_header_seen_while_polling_switches_to_push() {
    let server = PushServer::new(true, 200);
    let client = client(&server);
    assert!(!client.push_wait_available());
    server.set_account("ca_1", "INITIATED");
    let c = client.clone();
    let wait = tokio::spawn(async move {
        c.wait_for_connection("ca_1", Duration::from_secs(600))
            .await
    });
    until("stream opened", || server.streams() == 1).await;
    assert_eq!(
        server.count("GET", "/connected_accounts/ca_1"),
        1,
        "one poll, then push"
    );
    server.sse(0, &ready("w1"));
    until("watched", || server.added_ids() == ["ca_1"]).await;
    server.sse(0, &account_event("ca_1", "ACTIVE", None));
    assert_eq!(wait.await.unwrap().unwrap().id, "ca_1");
    assert_eq!(server.count("GET", "/connected_accounts/ca_1"), 1);
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_waits_need_a_handful_of_requests() {
    let server = PushServer::new(true, 200);
    let client = client(&server);
    prime(&client, &server).await;
    let n = 10_000;
    let mut waits = Vec::with_capacity(n);
    for i in 0..n {
        let c = client.clone();
        waits.push(tokio::spawn(async move {
            c.wait_for_connection(&format!("ca_{i}"), Duration::from_secs(600))
                .await
        }));
    }
    until("stream opened", || server.streams() == 1).await;
    server.sse(0, &ready("w1"));
    until("all ids watched", || server.added_ids().len() == n).await;
    // One open plus batches of at most 1000 ids: no per-wait request.
    let sync_requests = server.count("POST", "/ids");
    assert!(sync_requests <= 10, "{sync_requests}");
    assert!(server
        .requests()
        .iter()
        .filter(|(_, p, _)| p.ends_with("/ids"))
        .all(|(_, _, b)| ids_of(b).len() <= 1000));
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "event: account\ndata: {}\n\n",
            account_json(&format!("ca_{i}"), "ACTIVE", None)
        ));
    }
    server.sse(0, &text);
    for (i, w) in waits.into_iter().enumerate() {
        assert_eq!(w.await.unwrap().unwrap().id, format!("ca_{i}"));
    }
    assert_eq!(server.streams(), 1);
    assert_eq!(server.count("GET", ""), 1, "only the priming GET");
}

#[tokio::test(start_paused = true)]
async fn streams_that_keep_breaking_fall_back_to_polling() {
    let server = PushServer::flaky();
    let client = client(&server);
    prime(&client, &server).await;
    server.set_account("ca_1", "INITIATED");
    let c = client.clone();
    let wait = tokio::spawn(async move {
        c.wait_for_connection("ca_1", Duration::from_secs(600))
            .await
    });
    until("fell back to polling", || {
        server.count("GET", "/connected_accounts/ca_1") >= 1
    })
    .await;
    assert_eq!(
        server.streams(),
        3,
        "three short-lived streams, then polling"
    );
    server.set_account("ca_1", "ACTIVE");
    assert_eq!(wait.await.unwrap().unwrap().id, "ca_1");
    assert_eq!(server.streams(), 3);
}
