//! Issue 16 item 5: idle and slow connections are closed, concurrent connections are capped,
//! event streams carry heartbeats. Behaviour only: every wait has a generous upper bound.

mod common;

use std::time::Duration;

use common::Api;
use composio_server::{Config, ConnectionLimits};
use futures_util::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far longer than any configured timeout of these tests.
const BOUND: Duration = Duration::from_secs(20);

fn limits(f: impl FnOnce(&mut ConnectionLimits)) -> Config {
    let mut c = Config::default();
    f(&mut c.connections);
    c
}

fn addr(api: &Api) -> String {
    api.server.url().trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(tcp: &mut TcpStream) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(BOUND, tcp.read_to_end(&mut out))
        .await
        .expect("the server closes the connection")
        .ok();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn silent_and_half_sent_headers_are_disconnected() {
    let api = Api::start(limits(|l| {
        l.header_read_timeout = Duration::from_millis(300)
    }))
    .await;
    let mut silent = TcpStream::connect(addr(&api)).await.unwrap();
    let mut half = TcpStream::connect(addr(&api)).await.unwrap();
    half.write_all(b"GET /api/v3.1/toolkits HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let got = read_to_close(&mut silent).await;
    assert!(!got.contains("200 OK"), "{got}");
    read_to_close(&mut half).await;
    // A keep-alive connection that goes idle after a request is closed too.
    let mut idle = TcpStream::connect(addr(&api)).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let got = read_to_close(&mut idle).await;
    assert!(got.starts_with("HTTP/1.1 "), "{got}");
    api.server.shutdown().await;
}

#[tokio::test]
async fn a_half_sent_body_is_cut_after_the_body_timeout() {
    let api = Api::start(limits(|l| {
        l.request_body_timeout = Duration::from_millis(300)
    }))
    .await;
    let mut tcp = TcpStream::connect(addr(&api)).await.unwrap();
    let head = format!(
        "POST /api/v3.1/tool_router/session HTTP/1.1\r\nHost: x\r\nx-api-key: {}\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"user_id\":",
        api.key
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let got = read_to_close(&mut tcp).await;
    assert!(got.starts_with("HTTP/1.1 4"), "{got}");
    api.server.shutdown().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_while_open_ones_keep_working() {
    let api = Api::start(limits(|l| l.max_connections = 2)).await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut first = TcpStream::connect(addr(&api)).await.unwrap();
    let mut second = TcpStream::connect(addr(&api)).await.unwrap();
    first.write_all(request).await.unwrap();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(BOUND, first.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    second.write_all(request).await.unwrap();
    let n = tokio::time::timeout(BOUND, second.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));

    // A third connection is not served while both are open ...
    let http = reqwest::Client::new();
    let third = tokio::spawn({
        let url = format!("{}/healthz", api.server.url());
        async move { http.get(url).send().await.map(|r| r.status().as_u16()) }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!third.is_finished(), "served beyond the cap");
    // ... the open ones still are ...
    first.write_all(request).await.unwrap();
    let n = tokio::time::timeout(BOUND, first.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // ... and it is served once one closes.
    drop(second);
    let status = tokio::time::timeout(BOUND, third)
        .await
        .expect("served after a connection closed")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
    drop(first);
    api.server.shutdown().await;
}

#[tokio::test]
async fn event_streams_send_heartbeats() {
    let api = Api::start(limits(|l| l.sse_heartbeat = Duration::from_millis(200))).await;
    let resp = api
        .http
        .post(api.url("/connected_accounts/watch"))
        .header("x-api-key", &api.key)
        .json(&json!({"ids": ["ca_missing"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut stream = resp.bytes_stream();
    let mut text = String::new();
    // Shorter than the built-in 15 s: the configured interval is the one used.
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        // The ready event, the not_found event, then comment lines only.
        while let Some(chunk) = stream.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if text.matches("\n:").count() + usize::from(text.starts_with(':')) >= 2 {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "{text}");
    api.server.shutdown().await;
}
