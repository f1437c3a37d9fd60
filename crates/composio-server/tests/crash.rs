//! Crash safety under load: the real `composio-server` binary on SQLite is killed with
//! SIGKILL while clients create sessions and Connect Links and approve them (OAuth through
//! the sandbox, and an API-key toolkit whose tool echoes its credential back), then started
//! again on the same data directory. Every link a client saw acknowledged must still be
//! there, every account a client saw become ACTIVE must still be ACTIVE, its credentials must
//! still decrypt and work, and links never opened must still complete.
//!
//! Bounded: a few hundred operations by 16 clients, a few seconds.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};
use axum::routing::get;
use axum::{Json, Router};
use composio_server::sandbox::Browser;
use serde_json::{json, Value};

const KEY: &str = "csk_crash_test_key_0123456789abcdef";
const WORKERS: usize = 16;
/// Operations (session + link, and maybe an approval) before the kill.
const KILL_AFTER_OPS: usize = 240;
/// The kill happens after this long at the latest.
const KILL_AFTER: Duration = Duration::from_secs(6);
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A `composio-server` process on `data`; killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(data: &Path, config: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_composio-server"))
            .args(["--port", "0", "--sandbox"])
            .arg("--data-dir")
            .arg(data)
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "info,tower_http=warn,sqlx=warn")
            .env("NO_COLOR", "1")
            .env_remove("COMPOSIO_SERVER_DATABASE_URL")
            .env_remove("COMPOSIO_SERVER_API_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("composio-server starts");
        let (tx, rx) = std::sync::mpsc::channel();
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let (tx, log) = (tx.clone(), log.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().unwrap().push_str(&format!("{line}\n"));
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("composio-server did not start:\n{}", log.lock().unwrap());
            };
            if let Some(url) = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("url="))
                .filter(|_| line.contains("composio-server listening"))
            {
                return Self {
                    url: url.to_owned(),
                    child,
                    log,
                };
            }
        }
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/v3.1{path}", self.url)
    }

    /// The same URL on this server (a restart listens on another port).
    fn rebase(&self, url: &str) -> String {
        let mut u = url::Url::parse(url).expect("url");
        let me = url::Url::parse(&self.url).expect("url");
        u.set_port(me.port()).expect("port");
        u.to_string()
    }

    /// SIGKILL, as a crash or the OOM killer would.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

/// What a client saw acknowledged.
#[derive(Debug, Clone)]
struct Link {
    account: String,
    session: String,
    toolkit: &'static str,
    redirect: String,
    /// Whether the client tried to approve it (so it may be half done).
    touched: bool,
}

#[derive(Debug, Default)]
struct Seen {
    links: Vec<Link>,
    /// Accounts whose approval ended on the app's callback with `status=success`, and the
    /// API key typed for the API-key toolkit.
    active: Vec<(String, Option<String>)>,
    sessions: usize,
}

async fn post(http: &reqwest::Client, url: &str, body: Value) -> Option<(u16, Value)> {
    let resp = http
        .post(url)
        .header("x-api-key", KEY)
        .json(&body)
        .send()
        .await
        .ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.json().await.ok()?))
}

/// One client: sessions, links and approvals until the server stops answering.
async fn client(url: String, worker: usize, seen: Arc<Mutex<Seen>>, ops: Arc<AtomicUsize>) {
    let http = reqwest::Client::new();
    let api = |p: &str| format!("{url}/api/v3.1{p}");
    for i in 0.. {
        let user = format!("user_{worker}_{i}");
        let s = match post(
            &http,
            &api("/tool_router/session"),
            json!({"user_id": user, "manage_connections": {"enable": false}}),
        )
        .await
        {
            Some((201, s)) => s,
            Some((status, s)) => panic!("session refused with {status}: {s}"),
            None => return, // the server is gone
        };
        let session = s["session_id"].as_str().expect("session id").to_owned();
        seen.lock().unwrap().sessions += 1;
        let toolkit = if i % 2 == 0 { "gmail" } else { "echo" };
        let l = match post(
            &http,
            &api(&format!("/tool_router/session/{session}/link")),
            json!({"toolkit": toolkit, "callback_url": "https://app.example.com/cb?src=crash"}),
        )
        .await
        {
            Some((201, l)) => l,
            Some((status, l)) => panic!("link refused with {status}: {l}"),
            None => return,
        };
        let approve = i % 3 != 2;
        let link = Link {
            account: l["connected_account_id"]
                .as_str()
                .expect("account")
                .to_owned(),
            session,
            toolkit,
            redirect: l["redirect_url"].as_str().expect("redirect").to_owned(),
            touched: approve,
        };
        seen.lock().unwrap().links.push(link.clone());
        if approve {
            let browser = Browser::new().expect("browser");
            let secret = format!("sk_{}", link.account);
            let done = match toolkit {
                "gmail" => browser.approve(&link.redirect).await,
                _ => {
                    browser
                        .submit_fields(&link.redirect, &[("api_key", &secret)])
                        .await
                }
            };
            match done {
                Ok(cb) if cb.contains("status=success") => seen
                    .lock()
                    .unwrap()
                    .active
                    .push((link.account, (toolkit == "echo").then_some(secret))),
                Ok(cb) => panic!("approval of {} ended at {cb}", link.account),
                Err(_) => return, // the server died during the approval
            }
        }
        ops.fetch_add(1, Ordering::SeqCst);
    }
}

/// A provider API for the `echo` toolkit: answers the credential it was called with.
async fn echo_provider() -> String {
    let app = Router::new().route(
        "/whoami",
        get(|headers: HeaderMap| async move {
            let auth = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            Json(json!({"authorization": auth}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn write_config(dir: &Path, provider: &str) -> std::path::PathBuf {
    let path = dir.join("composio.toml");
    std::fs::write(
        &path,
        format!(
            r#"rate_limit = 0
[[projects]]
name = "default"
api_keys = ["{KEY}"]

[[toolkits]]
slug = "echo"
name = "Echo"
auth_scheme = "API_KEY"
fields = [{{ name = "api_key", label = "Echo API key" }}]

[[toolkits.tools]]
slug = "ECHO_WHOAMI"
name = "Who am I"
description = "The credential the provider received."
method = "GET"
url = "{provider}/whoami"
"#
        ),
    )
    .expect("config written");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_load_keeps_every_acknowledged_link_and_active_account() {
    let provider = echo_provider().await;
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let config = write_config(dir.path(), &provider);
    let mut server = Server::start(&data, &config);

    let seen = Arc::new(Mutex::new(Seen::default()));
    let ops = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..WORKERS)
        .map(|w| tokio::spawn(client(server.url.clone(), w, seen.clone(), ops.clone())))
        .collect();
    let started = Instant::now();
    while ops.load(Ordering::SeqCst) < KILL_AFTER_OPS && started.elapsed() < KILL_AFTER {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let running = clients.iter().filter(|c| !c.is_finished()).count();
    assert_eq!(
        running, WORKERS,
        "every client is still working when the server is killed"
    );
    server.kill();
    for c in clients {
        tokio::time::timeout(Duration::from_secs(30), c)
            .await
            .expect("clients stop once the server is gone")
            .expect("no client panicked");
    }
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let first_log = server.log.lock().unwrap().clone();
    drop(server);
    eprintln!(
        "killed after {:?}: {} sessions, {} links acknowledged, {} approvals seen",
        started.elapsed(),
        seen.sessions,
        seen.links.len(),
        seen.active.len()
    );
    assert!(
        seen.links.len() >= 50 && seen.active.len() >= 20,
        "too little load before the kill: {} links, {} approvals\n{first_log}",
        seen.links.len(),
        seen.active.len()
    );

    let server = Server::start(&data, &config);
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        let url = server.api(&path);
        async move {
            let resp = http
                .get(url)
                .header("x-api-key", KEY)
                .send()
                .await
                .expect("request");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // Every acknowledged link: its account exists, in a status a link can lead to.
    for l in &seen.links {
        let (status, a) = get(format!("/connected_accounts/{}", l.account)).await;
        assert_eq!(status, 200, "acknowledged account {} lost: {a}", l.account);
        assert!(
            matches!(
                a["status"].as_str(),
                Some("INITIATED" | "ACTIVE" | "FAILED" | "EXPIRED")
            ),
            "{a}"
        );
        assert_eq!(a["toolkit"]["slug"], l.toolkit, "{a}");
    }
    // Every account seen ACTIVE is still ACTIVE, and its credentials still work.
    let sessions: std::collections::HashMap<&str, &str> = seen
        .links
        .iter()
        .map(|l| (l.account.as_str(), l.session.as_str()))
        .collect();
    let mut used = 0;
    for (account, secret) in &seen.active {
        let (_, a) = get(format!("/connected_accounts/{account}")).await;
        assert_eq!(a["status"], "ACTIVE", "{account} lost its approval: {a}");
        if let Some(secret) = secret {
            let session = sessions[account.as_str()];
            let (status, r) = post(
                &http,
                &server.api(&format!("/tool_router/session/{session}/execute")),
                json!({"tool_slug": "ECHO_WHOAMI", "arguments": {}}),
            )
            .await
            .expect("execute answers");
            assert_eq!(status, 200, "{r}");
            assert_eq!(r["successful"], true, "{account}: {r}");
            assert_eq!(
                r["data"]["authorization"],
                format!("Bearer {secret}"),
                "{account}: the tool got another credential"
            );
            used += 1;
        }
    }
    assert!(used > 0, "no API-key account was approved before the kill");
    // Links nobody opened still complete after the restart.
    let active: HashSet<&str> = seen.active.iter().map(|(a, _)| a.as_str()).collect();
    let untouched: Vec<&Link> = seen
        .links
        .iter()
        .filter(|l| !l.touched && !active.contains(l.account.as_str()))
        .take(8)
        .collect();
    assert!(!untouched.is_empty(), "some links were left for later");
    let browser = Browser::new().expect("browser");
    for l in untouched {
        let redirect = server.rebase(&l.redirect);
        let cb = match l.toolkit {
            "gmail" => browser.approve(&redirect).await,
            _ => {
                browser
                    .submit_fields(&redirect, &[("api_key", "sk_late")])
                    .await
            }
        }
        .expect("the link still works");
        assert!(
            cb.starts_with("https://app.example.com/cb?src=crash&status=success"),
            "{cb}"
        );
        let (_, a) = get(format!("/connected_accounts/{}", l.account)).await;
        assert_eq!(a["status"], "ACTIVE", "{a}");
    }
}
