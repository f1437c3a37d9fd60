//! Replicas behind one load balancer, no sticky sessions: every replica has the balancer's
//! public URL, and the balancer fails over from one replica to another in the middle of a
//! Connect Link and of a waiting SDK client. The consent started on the first replica is
//! finished on the second (the sandbox provider's codes live in the database), and the
//! waiter's watch stream reconnects to the second replica with its ids and wakes.

mod common;

use common::proxy::Proxy;
use common::replica::{post, sdk_of, Replica, KEY, WAIT};
use composio_server::testing::postgres_database;
use serde_json::json;

/// The `action` of the page's first POST form, and its hidden fields.
fn form_of(html: &str) -> (String, Vec<(String, String)>) {
    let action = html
        .split("<form method=\"post\" action=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a form")
        .replace("&amp;", "&");
    let fields = html
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|s| {
            let (name, rest) = s.split_once('"')?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((unescape(name), unescape(value)))
        })
        .collect();
    (action, fields)
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_in_the_middle_of_a_consent_and_a_wait_loses_nothing() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let key = composio_server::generate_encryption_key();
    let addr = |r: &Replica| r.url.trim_start_matches("http://").to_owned();
    let balancer = Proxy::start(None).await;
    let public = balancer.url();
    // Every replica is configured with the balancer's URL as its public URL.
    let b = Replica::start_with(&db, &key, &[], &["--public-url", &public]);
    let c = Replica::start_with(&db, &key, &[], &["--public-url", &public]);
    balancer.switch(Some(&addr(&b)));

    let api = |path: &str| format!("{public}/api/v3.1{path}");
    let (s, v) = post(
        &api("/tool_router/session"),
        json!({"user_id": "user_lb", "manage_connections": {"enable": false}}),
        &[],
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let sid = v["session_id"].as_str().unwrap().to_owned();
    let (s, v) = post(
        &api(&format!("/tool_router/session/{sid}/link")),
        json!({"toolkit": "gmail", "callback_url": "https://app.example.com/cb"}),
        &[],
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["connected_account_id"].as_str().unwrap().to_owned();
    let link = v["redirect_url"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&public), "{link}");

    // The app waits through the balancer (its stream is on B).
    let waiter = sdk_of(&public).await;
    let wait = {
        let (waiter, id) = (waiter.clone(), id.clone());
        tokio::spawn(async move { waiter.wait_for_connection(&id, WAIT).await })
    };
    // The user opens the link and reaches the consent screen, all on B.
    // (A browser: it keeps the flow's cookies and posts each form's hidden fields. A
    // browser whose kept-alive connection was cut sends the request again on a new one;
    // this one opens a connection per request, so a request never goes out on a connection
    // the failover is cutting.)
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .pool_max_idle_per_host(0)
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
    let (action, mut fields) = form_of(&page);
    fields.push(("action".into(), "continue".into()));
    let resp = browser
        .post(format!("{public}{action}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let authorize = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(authorize.starts_with(&public), "{authorize}");
    let consent = browser
        .get(&authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (action, mut fields) = form_of(&consent);
    fields.push(("decision".into(), "approve".into()));

    // B dies; the balancer sends everything to C from now on.
    drop(b);
    balancer.switch(Some(&addr(&c)));

    let resp = browser
        .post(format!("{public}{action}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let callback = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        callback.starts_with(&format!("{public}/oauth/callback?")),
        "{callback}"
    );
    let resp = browser.get(&callback).send().await.unwrap();
    let landed = resp.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        landed.starts_with("https://app.example.com/cb") && landed.contains("status=success"),
        "{landed}\n{}",
        c.log.lock().unwrap()
    );
    let account = wait.await.unwrap().expect("the waiter wakes through C");
    assert_eq!(account.id, id);
    assert_eq!(account.status.as_str(), "ACTIVE");
    let resp = reqwest::Client::new()
        .get(api(&format!("/connected_accounts/{id}")))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["data"]["email"], "user_lb@sandbox.composio.local");
}
