//! The database briefly unreachable: the server answers the §10 envelope with 503 and
//! `Retry-After` (never a panic or a hang without end), `/readyz` says not ready while
//! `/healthz` stays up, and once the database is back requests succeed again without a
//! restart, with nothing stored lost. The outage is a TCP proxy between the server and
//! PostgreSQL that cuts every connection and refuses new ones.

mod common;

use std::time::{Duration, Instant};

use common::proxy::Proxy;
use common::{assert_envelope, Api};
use composio_server::Config;
use serde_json::json;

#[tokio::test]
async fn a_database_outage_is_a_503_with_retry_after_and_the_server_recovers_alone() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let Some(db) = composio_server::testing::postgres_database().await else {
        return;
    };
    let mut url = url::Url::parse(db.url()).unwrap();
    let upstream = format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(Some(&upstream)).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.port)).unwrap();
    let api = Api::start(Config::default().database_url(url.as_str())).await;
    let sid = api.session(json!({"user_id": "u_outage"})).await;
    let (id, _) = api.link("u_outage", "gmail", None).await;

    proxy.switch(None);
    let started = Instant::now();
    let (status, v) = api.get(&format!("/tool_router/session/{sid}")).await;
    let e = assert_envelope(status, &v, 503);
    assert_eq!(e["slug"], "Server_Unavailable", "{v}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "answered within the pool's acquire timeout"
    );
    let resp = api
        .http
        .post(api.url("/tool_router/session"))
        .header("x-api-key", &api.key)
        .json(&json!({"user_id": "u_outage"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    let health = |path: &'static str| {
        let http = api.http.clone();
        let url = format!("{}{path}", api.server.url());
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(health("/healthz").await, 200);
    assert_eq!(health("/readyz").await, 503);

    // Back up: the same process serves again (the pool reconnects), and what was stored
    // before the outage is all there.
    proxy.switch(Some(&upstream));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, v) = api.get(&format!("/tool_router/session/{sid}")).await;
        if status == 200 {
            assert_eq!(v["session_id"], json!(sid));
            break;
        }
        assert_envelope(status, &v, 503);
        assert!(Instant::now() < deadline, "no recovery: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(health("/readyz").await, 200);
    assert_eq!(api.account(&id).await["status"], "INITIATED");
    let (id2, _) = api.link("u_outage", "github", None).await;
    assert_eq!(api.account(&id2).await["status"], "INITIATED");
    api.server.shutdown().await;
}
