//! The whole server on PostgreSQL: a Connect Link flow, a restart on the same database, and
//! the `composio-server` binary's database settings. Each test gets a fresh database; when
//! PostgreSQL is not reachable they are skipped, except in CI where they fail (see
//! `composio_server::testing`).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::Api;
use composio_server::sandbox::Browser;
use composio_server::testing::postgres_database;
use composio_server::Config;
use serde_json::json;

#[tokio::test]
async fn connect_link_flow_on_postgres() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let api = Api::start(Config::default().database_url(db.url())).await;
    let (id, redirect) = api
        .link("user_pg", "gmail", Some("https://app.example.com/cb"))
        .await;
    assert_eq!(api.account(&id).await["status"], "INITIATED");
    let callback = Browser::new().unwrap().approve(&redirect).await.unwrap();
    assert!(callback.contains("status=success"), "{callback}");
    let a = api.account(&id).await;
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(a["data"]["email"], "user_pg@sandbox.composio.local");
    // The credentials stored in PostgreSQL decrypt and work.
    assert!(api.server.access_token(&id).await.is_ok());
    // Lists and filters run on PostgreSQL too.
    let (status, list) = api
        .get("/connected_accounts?user_ids=user_pg&statuses=ACTIVE")
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["id"], json!(id));
    api.server.shutdown().await;
}

#[tokio::test]
async fn a_restart_on_the_same_postgres_database_keeps_the_account() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let config = Config::default()
        .database_url(db.url())
        .encryption_key(composio_server::generate_encryption_key());
    let api = Api::start(config.clone()).await;
    let (id, redirect) = api
        .link("user_pg", "github", Some("https://app.example.com/cb"))
        .await;
    Browser::new().unwrap().approve(&redirect).await.unwrap();
    let sid = api.session(json!({"user_id": "user_pg"})).await;
    api.server.shutdown().await;

    let api = Api::start(config.clone()).await;
    let a = api.account(&id).await;
    assert_eq!(a["status"], "ACTIVE");
    let (status, _) = api.get(&format!("/tool_router/session/{sid}")).await;
    assert_eq!(status, 200);
    assert!(api.server.access_token(&id).await.is_ok());
    api.server.shutdown().await;

    // Another key cannot read what the database holds: the server refuses to start.
    let err =
        composio_server::spawn(config.encryption_key(composio_server::generate_encryption_key()))
            .await
            .expect_err("wrong key");
    assert!(err.to_string().contains("encryption key"), "{err}");
}

/// Runs the `composio-server` binary until it exits or listens (then it is stopped), at most
/// for `wait`; whether it succeeded (exited with success, or was still running) and its
/// output.
fn run_server(args: &[&str], env: &[(&str, &str)], wait: Duration) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_composio-server"));
    // A data directory the server has to create (it keeps the generated encryption key).
    cmd.arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--port", "0"])
        .args(args)
        .env_remove("COMPOSIO_SERVER_DATABASE_URL")
        .env_remove("COMPOSIO_SERVER_DATABASE_POOL_SIZE")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("binary starts");
    let (tx, rx) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    drop(tx);
    let deadline = std::time::Instant::now() + wait;
    let mut out = String::new();
    // Until it listens (then it is stopped), its output ends (it exited) or time is up.
    let mut running = true;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                let listening = line.contains("composio-server listening");
                out.push_str(&line);
                out.push('\n');
                if listening {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => break,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                running = false;
                break;
            }
        }
    }
    if running {
        child.kill().expect("kill");
        child.wait().expect("wait");
        return (true, out);
    }
    (child.wait().expect("wait").success(), out)
}

#[test]
fn the_binary_rejects_unknown_database_schemes_without_echoing_the_url() {
    let wait = Duration::from_secs(30);
    let (ok, out) = run_server(&["--database-url", "mysql://app:hunter2@db/x"], &[], wait);
    assert!(!ok, "{out}");
    assert!(
        out.contains("postgres://, postgresql:// or sqlite:"),
        "{out}"
    );
    assert!(!out.contains("hunter2"), "{out}");

    let env = [("COMPOSIO_SERVER_DATABASE_URL", "ftp://app:hunter2@db/x")];
    let (ok, out) = run_server(&[], &env, wait);
    assert!(!ok, "{out}");
    assert!(out.contains("got `ftp:…`"), "{out}");
    assert!(!out.contains("hunter2"), "{out}");

    let env = [("COMPOSIO_SERVER_DATABASE_POOL_SIZE", "0")];
    let (ok, out) = run_server(&[], &env, wait);
    assert!(!ok, "{out}");
    assert!(out.contains("COMPOSIO_SERVER_DATABASE_POOL_SIZE"), "{out}");
}

#[tokio::test]
async fn the_binary_serves_postgres_from_the_flag_and_never_logs_the_password() {
    let Some(db) = postgres_database().await else {
        return;
    };
    // The password of the URL, or one the local trust authentication ignores.
    let mut url = url::Url::parse(db.url()).unwrap();
    if url.password().is_none() {
        url.set_password(Some("not-for-logs")).unwrap();
    }
    let user_info = format!("{}:{}@", url.username(), url.password().unwrap());
    let url = url.to_string();
    // The flag wins over the environment.
    let (ok, out) = tokio::task::spawn_blocking(move || {
        let env = [("COMPOSIO_SERVER_DATABASE_URL", "ftp://ignored")];
        run_server(&["--database-url", &url], &env, Duration::from_secs(60))
    })
    .await
    .unwrap();
    assert!(ok, "{out}");
    assert!(out.contains("composio-server listening"), "{out}");
    assert!(out.contains("opening the PostgreSQL database"), "{out}");
    assert!(out.contains(&format!("/{}", db.name())), "{out}");
    assert!(!out.contains(&user_info), "{out}");
    // The binary migrated the database.
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(db.url())
        .await
        .unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert!(!versions.is_empty() && versions[0] == 1, "{versions:?}");
    // Every migration once, in order (versions may skip a number).
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
}

/// Reads SSE events (`(event, data)`) from a response body until `want` returns true.
async fn read_events(
    resp: &mut reqwest::Response,
    buf: &mut String,
    mut want: impl FnMut(&str, &serde_json::Value) -> bool,
) {
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut name = "";
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if !name.is_empty() && want(name, &serde_json::from_str(&data).unwrap_or_default()) {
                return;
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
            .await
            .expect("an event within 10 s")
            .expect("stream")
            .expect("stream still open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn a_watch_stream_on_one_replica_takes_ids_added_through_another() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let config = Config::default()
        .database_url(db.url())
        .encryption_key(composio_server::generate_encryption_key());
    let a = Api::start(config.clone()).await;
    let b = composio_server::spawn(config).await.unwrap();
    let (id, redirect) = a.link("u_watch", "gmail", None).await;

    // The stream is held by B, with no ids yet.
    let mut stream = a
        .http
        .post(format!("{}/api/v3.1/connected_accounts/watch", b.url()))
        .header("x-api-key", &a.key)
        .json(&json!({"ids": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut buf = String::new();
    let mut watch_id = String::new();
    read_events(&mut stream, &mut buf, |name, data| {
        watch_id = data["watch_id"].as_str().unwrap_or_default().to_owned();
        name == "ready"
    })
    .await;
    assert!(!watch_id.is_empty());

    // The id is added through A (another replica than the stream's), and the approval
    // happens on A too: B's stream reports it.
    let (status, v) = a
        .post(
            &format!("/connected_accounts/watch/{watch_id}/ids"),
            json!({"ids": [id]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["watching"], 1);
    Browser::new().unwrap().approve(&redirect).await.unwrap();
    read_events(&mut stream, &mut buf, |name, data| {
        name == "account" && data["id"] == json!(id) && data["status"] == "ACTIVE"
    })
    .await;
    drop(stream);
    b.shutdown().await;
    a.server.shutdown().await;
}
