//! Races the store's units of work and conditional updates must win: a Connect Link that
//! expires while the user is at the provider never becomes ACTIVE (injected clock; the
//! sweeper and the callback racing), and concurrent refreshes against a provider that
//! rotates refresh tokens never lose the newest one.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Form, Json, Router};
use common::Api;
use composio_server::clock::ManualClock;
use composio_server::Config;
use serde_json::{json, Value};

/// A provider's token endpoint on loopback: issues a new access and refresh token on every
/// grant, rotates refresh tokens (a used one is refused, as RFC 9700 recommends) and lets the
/// test hook into the code exchange.
#[derive(Default)]
struct Provider {
    issued: AtomicUsize,
    /// The one refresh token that is valid now.
    current_refresh: Mutex<Option<String>>,
    /// Refresh tokens presented after they were rotated.
    reuses: AtomicUsize,
    /// Runs inside the code exchange before the provider answers.
    on_exchange:
        Mutex<Option<tokio::sync::mpsc::UnboundedSender<tokio::sync::oneshot::Sender<()>>>>,
}

async fn token(
    State(p): State<Arc<Provider>>,
    Form(form): Form<HashMap<String, String>>,
) -> (axum::http::StatusCode, Json<Value>) {
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let hook = p.on_exchange.lock().unwrap().clone();
            if let Some(hook) = hook {
                let (done, wait) = tokio::sync::oneshot::channel();
                if hook.send(done).is_ok() {
                    let _ = wait.await;
                }
            }
        }
        Some("refresh_token") => {
            let presented = form.get("refresh_token").cloned();
            // Widen the window in which a second refresh could read the old token.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let mut current = p.current_refresh.lock().unwrap();
            if presented.is_none() || *current != presented {
                p.reuses.fetch_add(1, Ordering::SeqCst);
                return (
                    axum::http::StatusCode::BAD_REQUEST,
                    Json(
                        json!({"error": "invalid_grant", "error_description": "refresh token reused"}),
                    ),
                );
            }
            *current = None;
        }
        _ => {
            return (
                axum::http::StatusCode::BAD_REQUEST,
                Json(json!({"error": "unsupported_grant_type"})),
            )
        }
    }
    let n = p.issued.fetch_add(1, Ordering::SeqCst);
    let refresh = format!("rt{n}");
    *p.current_refresh.lock().unwrap() = Some(refresh.clone());
    // Expiring within the server's refresh margin: every use of the token refreshes it.
    (
        axum::http::StatusCode::OK,
        Json(
            json!({"access_token": format!("at{n}"), "token_type": "bearer",
                    "expires_in": 1, "refresh_token": refresh}),
        ),
    )
}

/// Starts the provider and a server that uses it for the toolkit `mockauth`.
async fn start(clock: Arc<ManualClock>, link_expiry_secs: u64) -> (Api, Arc<Provider>) {
    let provider = Arc::new(Provider::default());
    let app = Router::new()
        .route("/token", post(token))
        .with_state(provider.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let key = "csk_races_test_key";
    let mut config = Config::from_toml_str(&format!(
        r#"
        link_expiry_secs = {link_expiry_secs}
        rate_limit = 0
        [[projects]]
        name = "default"
        api_keys = ["{key}"]
        [oauth.mockauth]
        client_id = "mock-client"
        client_secret = "mock-secret"
        [[toolkits]]
        slug = "mockauth"
        name = "Mock Auth"
        auth_scheme = "OAUTH2"
        authorize_url = "http://{addr}/authorize"
        token_url = "http://{addr}/token"
        scopes = ["read"]
        "#
    ))
    .unwrap();
    config.clock = clock;
    (Api::start(config).await, provider)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// An OAuth attempt started in a browser: the `state` the provider sends back and the
/// browser's same-browser cookie (`name=value`) it sends with the callback.
struct Consent {
    state: String,
    cookie: String,
}

/// Creates a link, submits its page like a browser and returns (account id, link URL,
/// the attempt).
async fn start_consent(api: &Api, user: &str) -> (String, String, Consent) {
    let (id, link) = api
        .link(user, "mockauth", Some("https://app.example.com/cb"))
        .await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let page = browser
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = common::csrf_token(&page).expect("a CSRF token");
    let resp = browser
        .post(&link)
        .form(&[("csrf_token", token.as_str()), ("action", "continue")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("composio_cb_"))
        .and_then(|c| c.split(';').next())
        .expect("the same-browser cookie")
        .to_owned();
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let state = location
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    (id, link, Consent { state, cookie })
}

/// The provider sends the browser back; returns the `status` of the redirect to the app.
async fn callback(api: &Api, consent: &Consent) -> String {
    let resp = no_redirects()
        .get(format!("{}/oauth/callback", api.server.url()))
        .query(&[("code", "the-code"), ("state", consent.state.as_str())])
        .header("cookie", &consent.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "{:?}", resp.text().await);
    let to = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    to.query_pairs()
        .find(|(k, _)| k == "status")
        .map(|(_, v)| v.into_owned())
        .expect("status")
}

async fn status(api: &Api, id: &str) -> String {
    api.account(id).await["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_link_that_expires_during_the_code_exchange_never_becomes_active() {
    let clock = Arc::new(ManualClock::starting_now());
    // With a 1 s link expiry the background sweeper runs every 100 ms (of real time); the
    // link itself expires only when the test moves the manual clock.
    let (api, provider) = start(clock.clone(), 1).await;

    // The control: completed in time, the account becomes ACTIVE.
    let (id, _, state) = start_consent(&api, "on-time").await;
    assert_eq!(callback(&api, &state).await, "success");
    assert_eq!(status(&api, &id).await, "ACTIVE");

    // The user is at the provider; while the server exchanges the code, the link expires and
    // the sweeper expires the account. Only then does the provider answer with tokens.
    let (id, _, state) = start_consent(&api, "late").await;
    let (hook, mut exchanges) = tokio::sync::mpsc::unbounded_channel();
    *provider.on_exchange.lock().unwrap() = Some(hook);
    let swept = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (swept, clock) = (swept.clone(), clock.clone());
        let http = api.http.clone();
        let url = api.url(&format!("/connected_accounts/{id}"));
        let key = api.key.clone();
        tokio::spawn(async move {
            let release = exchanges.recv().await.expect("an exchange");
            clock.advance(Duration::from_secs(2));
            for _ in 0..500 {
                let v: Value = http
                    .get(&url)
                    .header("x-api-key", &key)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if v["status"] == "EXPIRED" {
                    swept.store(true, Ordering::SeqCst);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let _ = release.send(());
        })
    };
    assert_eq!(callback(&api, &state).await, "failed");
    watcher.await.unwrap();
    assert!(
        swept.load(Ordering::SeqCst),
        "the sweeper expired the account during the exchange"
    );
    let account = api.account(&id).await;
    assert_eq!(account["status"], "EXPIRED", "{account}");
    assert!(account["status_reason"]
        .as_str()
        .unwrap()
        .contains("did not complete"));
    api.server.shutdown().await;
}

#[tokio::test]
async fn the_sweeper_and_a_late_callback_racing_always_end_expired() {
    let clock = Arc::new(ManualClock::starting_now());
    let (api, _provider) = start(clock.clone(), 600).await;
    for round in 0..10 {
        let (id, link, state) = start_consent(&api, &format!("racer-{round}")).await;
        clock.advance(Duration::from_secs(601));
        // The callback, a reload of the link page (which sweeps) and the background sweeper
        // all run at once.
        let page = async { no_redirects().get(&link).send().await.unwrap().status() };
        let (result, page) = tokio::join!(callback(&api, &state), page);
        assert_eq!(result, "failed", "round {round}");
        assert!(page == 410, "round {round}: {page}");
        assert_eq!(status(&api, &id).await, "EXPIRED", "round {round}");
    }
    api.server.shutdown().await;
}

#[tokio::test]
async fn concurrent_refreshes_keep_the_newest_rotated_refresh_token() {
    let clock = Arc::new(ManualClock::starting_now());
    let (api, provider) = start(clock, 600).await;
    let (id, _, state) = start_consent(&api, "rotator").await;
    assert_eq!(callback(&api, &state).await, "success");

    // Every token expires within the refresh margin, so both calls need a refresh.
    let (a, b) = tokio::join!(api.server.access_token(&id), api.server.access_token(&id));
    let (a, b) = (a.expect("first refresh"), b.expect("second refresh"));
    assert_ne!(a.expose(), "at0");
    assert_ne!(b.expose(), "at0");
    assert_eq!(
        provider.reuses.load(Ordering::SeqCst),
        0,
        "a rotated refresh token was presented again"
    );
    // The stored refresh token is the provider's newest: one more refresh is accepted.
    let c = api.server.access_token(&id).await.expect("third refresh");
    assert_eq!(provider.reuses.load(Ordering::SeqCst), 0);
    assert_eq!(
        c.expose(),
        format!("at{}", provider.issued.load(Ordering::SeqCst) - 1)
    );
    assert_eq!(status(&api, &id).await, "ACTIVE");
    api.server.shutdown().await;
}
