//! Several replicas of composio-server on one PostgreSQL database: a waiter on one replica
//! wakes when the approval completes on another (even after a replica is killed, or the
//! change listener's connection is dropped), one Idempotency-Key sent to every replica makes
//! one account, the per-project rate limit holds across replicas, and MCP sessions move
//! between replicas.
//!
//! Each test gets a fresh database; without PostgreSQL they are skipped, except in CI where
//! they fail (see `composio_server::testing`).

mod common;

use std::time::Duration;

use common::replica::{http, link_on, post, sdk, Replica, KEY, WAIT};
use composio::Composio;
use composio_server::sandbox::Browser;
use composio_server::testing::{postgres_database, TestDatabase};
use composio_server::{Config, ProjectConfig};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_on_one_wait_on_another_approve_on_a_third_even_after_a_kill() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let key = composio_server::generate_encryption_key();
    let a = Replica::start(&db, &key, &[]);
    let b = Replica::start(&db, &key, &[]);
    let c = Replica::start(&db, &key, &[]);
    let waiter = sdk(&b).await;

    let (id, link) = link_on(&a, "user_r1").await;
    let wait = {
        let (waiter, id) = (waiter.clone(), id.clone());
        tokio::spawn(async move { waiter.wait_for_connection(&id, WAIT).await })
    };
    // Let the wait reach B's watch stream before the approval.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let landed = Browser::new()
        .unwrap()
        .approve(&c.rebase(&link))
        .await
        .unwrap();
    assert!(landed.contains("status=success"), "{landed}");
    let account = wait.await.unwrap().expect("the waiter on B wakes");
    assert_eq!(account.id, id);
    assert_eq!(account.status.as_str(), "ACTIVE");

    // The replica that made the next link dies (SIGKILL) before the user approves.
    let (id, link) = link_on(&a, "user_r2").await;
    let wait = {
        let (waiter, id) = (waiter.clone(), id.clone());
        tokio::spawn(async move { waiter.wait_for_connection(&id, WAIT).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(a);
    let landed = Browser::new()
        .unwrap()
        .approve(&c.rebase(&link))
        .await
        .unwrap();
    assert!(
        landed.contains("status=success"),
        "{landed}\n{}",
        c.log.lock().unwrap()
    );
    let account = wait.await.unwrap().expect("the waiter on B wakes");
    assert_eq!(account.status.as_str(), "ACTIVE");
    // Nothing was lost: both accounts are ACTIVE on every living replica.
    for r in [&b, &c] {
        let resp = http()
            .get(r.api("/connected_accounts?user_ids=user_r1,user_r2&statuses=ACTIVE"))
            .header("x-api-key", KEY)
            .send()
            .await
            .unwrap();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["total_items"], 2, "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_idempotency_key_on_three_replicas_makes_one_account() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let key = composio_server::generate_encryption_key();
    let replicas: Vec<Replica> = (0..3).map(|_| Replica::start(&db, &key, &[])).collect();
    let (s, v) = post(
        &replicas[0].api("/tool_router/session"),
        json!({"user_id": "user_idem", "manage_connections": {"enable": false}}),
        &[],
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let sid = v["session_id"].as_str().unwrap().to_owned();
    for round in 0..5 {
        let idem = format!("idem-{round}");
        let calls = replicas.iter().map(|r| {
            let url = r.api(&format!("/tool_router/session/{sid}/link"));
            let idem = idem.clone();
            async move {
                post(
                    &url,
                    json!({"toolkit": "github"}),
                    &[("idempotency-key", idem.as_str())],
                )
                .await
            }
        });
        let answers = futures_util::future::join_all(calls).await;
        let ids: Vec<&str> = answers
            .iter()
            .map(|(s, v)| {
                assert_eq!(*s, 201, "{v}");
                v["connected_account_id"].as_str().unwrap()
            })
            .collect();
        assert!(ids.iter().all(|i| *i == ids[0]), "round {round}: {ids:?}");
    }
    let resp = http()
        .get(replicas[1].api("/connected_accounts?user_ids=user_idem"))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["total_items"], 5, "one account per key: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_holds_across_replicas() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let key = composio_server::generate_encryption_key();
    // 2 requests a second sustained, 10 at once, for the project (shared by 3 replicas).
    let env = [
        ("COMPOSIO_SERVER_RATE_LIMIT", "2"),
        ("COMPOSIO_SERVER_RATE_LIMIT_BURST", "10"),
    ];
    let replicas: Vec<Replica> = (0..3).map(|_| Replica::start(&db, &key, &env)).collect();
    let calls = (0..60).map(|i| {
        let url = replicas[i % 3].api("/connected_accounts?limit=1");
        async move {
            http()
                .get(url)
                .header("x-api-key", KEY)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let started = std::time::Instant::now();
    let statuses = futures_util::future::join_all(calls).await;
    let elapsed = started.elapsed().as_secs_f64();
    let admitted = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(admitted + limited, 60, "{statuses:?}");
    // One limit's worth (the burst plus what refilled meanwhile), not three.
    let allowed = 10.0 + 2.0 * elapsed;
    assert!(
        admitted as f64 <= allowed * 1.1 + 1.0,
        "{admitted} admitted in {elapsed:.2}s, one limit allows {allowed:.1}"
    );
    assert!(admitted >= 10, "{admitted} admitted");
}

/// The PIDs of every `LISTEN` connection on `db` (`conn` is on another database).
async fn listeners(conn: &mut sqlx::PgConnection, db: &TestDatabase) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query ILIKE '%LISTEN%'",
    )
    .bind(db.name())
    .fetch_all(conn)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_still_wake_when_the_listener_connection_is_dropped() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let config = || {
        Config::empty()
            .project(ProjectConfig::new("default", KEY))
            .database_url(db.url())
            .encryption_key("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
    };
    let a = composio_server::spawn(config()).await.unwrap();
    let b = composio_server::spawn(config()).await.unwrap();
    let waiter = Composio::builder()
        .api_key(KEY)
        .base_url(b.url())
        .build()
        .unwrap();
    let _ = waiter.connected_accounts().get("ca_nobody").await;
    // Both replicas listen. (The admin connection is on the server's maintenance database:
    // connections to the test database are about to be refused.)
    let server = composio_server::testing::test_server_url();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&server)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while listeners(&mut admin, &db).await.len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "listeners never connected"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let http = http();
    let mut pending = Vec::new();
    for i in 0..5 {
        let (s, v) = post(
            &format!("{}/api/v3.1/tool_router/session", a.url()),
            json!({"user_id": format!("user_l{i}"), "manage_connections": {"enable": false}}),
            &[],
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let sid = v["session_id"].as_str().unwrap().to_owned();
        let (s, v) = post(
            &format!("{}/api/v3.1/tool_router/session/{sid}/link", a.url()),
            json!({"toolkit": "gmail"}),
            &[],
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let id = v["connected_account_id"].as_str().unwrap().to_owned();
        let link = v["redirect_url"].as_str().unwrap().to_owned();
        let w = waiter.clone();
        let wid = id.clone();
        pending.push((
            link,
            tokio::spawn(async move { w.wait_for_connection(&wid, WAIT).await }),
        ));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Drop every listener connection and keep them from coming back until the approvals (on
    // A, over its pooled connections) are done: their notifications go nowhere, so only the
    // listeners' re-read after they reconnect can wake the waiters.
    let gate = |allow: bool| {
        format!(
            "ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS {allow}",
            db.name()
        )
    };
    sqlx::query(&gate(false)).execute(&mut admin).await.unwrap();
    for pid in listeners(&mut admin, &db).await {
        sqlx::query("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .execute(&mut admin)
            .await
            .unwrap();
    }
    for (link, _) in &pending {
        Browser::new().unwrap().approve(link).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for (i, (_, wait)) in pending.iter_mut().enumerate() {
        if wait.is_finished() {
            let r = wait.await;
            panic!("waiter {i} ended while the listeners were down: {r:?}");
        }
    }
    sqlx::query(&gate(true)).execute(&mut admin).await.unwrap();
    for (_, wait) in pending {
        let account = wait.await.unwrap().expect("the waiter wakes");
        assert_eq!(account.status.as_str(), "ACTIVE");
    }
    let _ = http;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mcp_session_started_on_one_replica_continues_on_another() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let key = composio_server::generate_encryption_key();
    let a = Replica::start(&db, &key, &[]);
    let b = Replica::start(&db, &key, &[]);
    let (s, v) = post(
        &a.api("/tool_router/session"),
        json!({"user_id": "user_mcp"}),
        &[],
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let mcp_a = v["mcp"]["url"].as_str().unwrap().to_owned();
    let mcp_b = b.rebase(&mcp_a);
    let rpc = |url: String, session: Option<String>, body: Value| async move {
        let mut req = http()
            .post(url)
            .header("x-api-key", KEY)
            .header("accept", "application/json, text/event-stream")
            .json(&body);
        if let Some(s) = &session {
            req = req
                .header("mcp-session-id", s)
                .header("mcp-protocol-version", "2025-06-18");
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let sid = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp.text().await.unwrap_or_default();
        // A JSON body, or the JSON-RPC message of a server-sent event.
        let message = text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .chain([text.as_str()])
            .find_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .unwrap_or(json!({"raw": text}));
        (status, sid, message)
    };
    let (s, sid, v) = rpc(
        mcp_a,
        None,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "replica-test", "version": "1"}}}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let sid = sid.expect("an MCP session id");
    // The next requests of the session reach the other replica.
    let (s, _, _) = rpc(
        mcp_b.clone(),
        Some(sid.clone()),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    assert!(s == 202 || s == 200, "{s}");
    let (s, _, v) = rpc(
        mcp_b,
        Some(sid),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let names: Vec<&str> = v["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("tools: {v}"))
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"COMPOSIO_SEARCH_TOOLS"), "{v}");
}
