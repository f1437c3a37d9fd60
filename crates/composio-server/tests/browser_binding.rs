//! Connect Link security in the browser (docs/spec/wire-2026.md §21.1, issue 16): the OAuth
//! callback must come from the browser that submitted the link form, and every form of the
//! flow (link form, API-key form, sandbox consent) needs this browser's CSRF token.

mod common;

use common::{csrf_token, Api};
use composio_core::{CallbackResult, CallbackStatus};
use composio_server::sandbox::Browser;
use composio_server::Config;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;

const CALLBACK: &str = "https://app.example.com/cb?from=test";
const OTHER_BROWSER: &str = "This connection was started from a different browser or device";

/// A fresh browser: its own cookie jar, redirects not followed.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// Posts a URL-encoded form to `url` as a browser does; the response (redirects not followed).
async fn post_form(client: &reqwest::Client, url: &str, body: String) -> reqwest::Response {
    client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Opens the link page in `client` and submits its form; returns the response.
async fn submit_link(client: &reqwest::Client, link: &str) -> reqwest::Response {
    let page = client.get(link).send().await.unwrap().text().await.unwrap();
    let token = csrf_token(&page).expect("the link page has a CSRF token");
    post_form(client, link, format!("csrf_token={token}&action=continue")).await
}

/// Submits the link form in a fresh browser; returns the provider's authorize URL and the
/// same-browser cookie (`name=value`) that browser received.
async fn start(link: &str) -> (String, String) {
    let resp = submit_link(&browser(), link).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookies: Vec<String> = resp
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let binding = cookies
        .iter()
        .find(|c| c.starts_with("composio_cb_lk_"))
        .unwrap_or_else(|| panic!("no same-browser cookie in {cookies:?}"));
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=3600"] {
        assert!(binding.contains(attr), "{binding}");
    }
    assert!(
        !binding.contains("Secure"),
        "plain-http loopback: {binding}"
    );
    let pair = binding.split(';').next().unwrap().to_owned();
    (location(&resp), pair)
}

/// Approves the sandbox consent at `authorize_url` in a fresh browser; returns the
/// provider's redirect to `/oauth/callback` (not followed).
async fn consent(authorize_url: &str) -> String {
    let client = browser();
    let page = client
        .get(authorize_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = approval_of(&page);
    let resp = post_form(&client, authorize_url.split('?').next().unwrap(), form).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = location(&resp);
    assert!(to.contains("/oauth/callback?"), "{to}");
    to
}

/// The body that approves the sandbox consent `page` (its hidden fields, then the decision).
fn approval_of(page: &str) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for chunk in page.split("<input type=\"hidden\" name=\"").skip(1) {
        let (name, rest) = chunk.split_once("\" value=\"").unwrap();
        let value = &rest[..rest.find('"').unwrap()];
        form.append_pair(name, &value.replace("&amp;", "&"));
    }
    form.append_pair("decision", "approve");
    form.finish()
}

/// The provider's redirect reaching the server with `cookie` (or none); where it sends the
/// browser.
async fn callback(to: &str, cookie: Option<&str>) -> String {
    let mut req = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(to);
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    location(&resp)
}

fn assert_refused(landed: &str, account: &str) {
    assert!(
        landed.starts_with("https://app.example.com/cb?from=test&"),
        "{landed}"
    );
    let r = CallbackResult::parse(landed).unwrap();
    assert_eq!(r.status, CallbackStatus::Failed);
    assert_eq!(r.error.as_deref(), Some(OTHER_BROWSER));
    assert_eq!(r.connected_account_id.unwrap().as_str(), account);
}

#[tokio::test]
async fn the_browser_that_submitted_the_link_completes_it() {
    let api = Api::default().await;
    let (id, link) = api.link("user_1", "gmail", Some(CALLBACK)).await;
    let (authorize, cookie) = start(&link).await;
    let to = consent(&authorize).await;
    let landed = callback(&to, Some(&format!("other=1; {cookie}"))).await;
    let r = CallbackResult::parse(&landed).unwrap();
    assert_eq!(r.status, CallbackStatus::Success, "{landed}");
    assert_eq!(api.account(&id).await["status"], "ACTIVE");
    api.server.shutdown().await;
}

#[tokio::test]
async fn a_callback_without_or_with_another_cookie_is_refused_and_cannot_be_resumed() {
    let api = Api::default().await;
    for forged in [None, Some("composio_cb_lk_x=y"), Some("wrong")] {
        let (id, link) = api.link("user_1", "gmail", Some(CALLBACK)).await;
        let (authorize, cookie) = start(&link).await;
        let to = consent(&authorize).await;
        let sent = forged.map(|f| {
            if f == "wrong" {
                // The attempt's cookie name with another value.
                format!("{}=forged", cookie.split('=').next().unwrap())
            } else {
                f.to_owned()
            }
        });
        let landed = callback(&to, sent.as_deref()).await;
        assert_refused(&landed, &id);
        // Not FAILED: the account stays pending (and expires with the link).
        let a = api.account(&id).await;
        assert_eq!(a["status"], "INITIATED", "{a}");
        // The attempt is over, even from the right browser.
        let again = reqwest::Client::new()
            .get(&to)
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::GONE);
        assert_eq!(api.account(&id).await["status"], "INITIATED");
        let err = Browser::new().unwrap().approve(&link).await.unwrap_err();
        assert!(err.to_string().contains("used"), "{err}");
    }
    api.server.shutdown().await;
}

#[tokio::test]
async fn another_browser_finishing_the_consent_is_refused() {
    // Consent phishing: the attacker starts the link and sends the provider's authorize
    // URL to a victim, whose browser approves it.
    let api = Api::default().await;
    let (id, link) = api.link("user_1", "gmail", Some(CALLBACK)).await;
    let (authorize, _attackers_cookie) = start(&link).await;
    let landed = Browser::new().unwrap().approve(&authorize).await.unwrap();
    assert_refused(&landed, &id);
    assert_eq!(api.account(&id).await["status"], "INITIATED");

    // Without a callback URL the user sees a result page saying so.
    let (id, link) = api.link("user_2", "gmail", None).await;
    let (authorize, _) = start(&link).await;
    let to = consent(&authorize).await;
    let page = reqwest::get(&to).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(OTHER_BROWSER), "{html}");
    assert!(html.contains("content=\"failed\""), "{html}");
    assert_eq!(api.account(&id).await["status"], "INITIATED");
    api.server.shutdown().await;
}

#[tokio::test]
async fn binding_can_be_turned_off_per_project() {
    let mut config = Config::default();
    config.projects[0] = config.projects[0].clone().browser_binding(false);
    let api = Api::start(config).await;
    let (id, link) = api.link("user_1", "gmail", Some(CALLBACK)).await;
    let resp = submit_link(&browser(), &link).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(resp
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .all(|c| !c.to_str().unwrap().starts_with("composio_cb_")));
    let landed = Browser::new()
        .unwrap()
        .approve(&location(&resp))
        .await
        .unwrap();
    assert!(
        CallbackResult::parse(&landed).unwrap().is_success(),
        "{landed}"
    );
    assert_eq!(api.account(&id).await["status"], "ACTIVE");
    api.server.shutdown().await;
}

#[tokio::test]
async fn forms_without_this_browsers_csrf_token_are_refused() {
    let api = Api::default().await;
    // The OAuth link form and the API-key form.
    for toolkit in ["gmail", "serpapi"] {
        let (id, link) = api.link("user_1", toolkit, Some(CALLBACK)).await;
        let post = |client: reqwest::Client, body: String| {
            let link = link.clone();
            async move { post_form(&client, &link, body).await }
        };
        // No token; then a token of another browser (its page, its cookie not sent).
        let theirs = {
            let c = browser();
            let page = c.get(&link).send().await.unwrap().text().await.unwrap();
            csrf_token(&page).unwrap()
        };
        for body in [
            "action=continue&api_key=k".to_owned(),
            format!("csrf_token={theirs}&action=continue&api_key=k"),
        ] {
            let resp = post(browser(), body).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{toolkit}");
            assert!(resp.headers().get(LOCATION).is_none());
            let html = resp.text().await.unwrap();
            assert!(html.contains("Form not accepted"), "{html}");
        }
        assert_eq!(api.account(&id).await["status"], "INITIATED", "{toolkit}");
        // The same browser's page and form go through.
        let landed = Browser::new()
            .unwrap()
            .submit_fields(&link, &[("api_key", "k-123")])
            .await
            .unwrap();
        assert!(
            CallbackResult::parse(&landed).unwrap().is_success(),
            "{toolkit}"
        );
    }

    // The sandbox consent: a decision posted without the consent page's token.
    let (_, link) = api.link("user_2", "gmail", Some(CALLBACK)).await;
    let (authorize, _) = start(&link).await;
    let query = authorize.split_once('?').unwrap().1;
    let resp = post_form(
        &browser(),
        authorize.split('?').next().unwrap(),
        format!("{query}&decision=approve"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.headers().get(LOCATION).is_none());
    api.server.shutdown().await;
}

#[tokio::test]
async fn pages_opened_at_once_in_one_browser_each_submit() {
    // The CSRF cookie is per form: opening a second link before submitting the first does
    // not invalidate the first page's token.
    let api = Api::default().await;
    let client = browser();
    let (_, a) = api.link("user_a", "gmail", Some(CALLBACK)).await;
    let (_, b) = api.link("user_b", "gmail", Some(CALLBACK)).await;
    let open = |link: String| {
        let client = client.clone();
        async move {
            let html = client
                .get(&link)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            (link, csrf_token(&html).unwrap())
        }
    };
    // Two tabs opened at once, before the browser has any cookie of the server.
    let (pa, pb) = tokio::join!(open(a), open(b));
    let pages = [pa, pb];
    for (link, token) in pages {
        let resp = post_form(
            &client,
            &link,
            format!("csrf_token={token}&action=continue"),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{link}");
    }
    api.server.shutdown().await;
}

/// The `Set-Cookie` values of `resp` that delete a cookie (`Max-Age=0`), as `name` only.
fn cleared(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .filter(|c| c.contains("Max-Age=0"))
        .map(|c| c.split('=').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_ended_attempt_deletes_its_cookies() {
    let api = Api::default().await;
    let (id, link) = api.link("user_cookies", "gmail", Some(CALLBACK)).await;
    let token = link.rsplit('/').next().unwrap().to_owned();
    let client = browser();
    let submitted = submit_link(&client, &link).await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    assert!(cleared(&submitted).is_empty(), "the attempt is under way");
    let authorize = location(&submitted);

    // The consent form, answered: its CSRF cookie goes.
    let page = client.get(&authorize).send().await.unwrap();
    let csrf_set: Vec<String> = page
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split('=').next().unwrap().to_owned())
        .collect();
    let page = page.text().await.unwrap();
    let form = approval_of(&page);
    let decided = post_form(&client, authorize.split('?').next().unwrap(), form).await;
    assert_eq!(decided.status(), StatusCode::SEE_OTHER);
    assert_eq!(cleared(&decided), csrf_set, "the consent form's cookie");

    // The callback ends the attempt: its same-browser cookie and its link form's CSRF
    // cookie go, and the attempt succeeded with them.
    let done = client.get(location(&decided)).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let landed = location(&done);
    assert_eq!(
        CallbackResult::parse(&landed).unwrap().status,
        CallbackStatus::Success,
        "{landed}"
    );
    let gone = cleared(&done);
    assert!(gone.contains(&format!("composio_cb_{token}")), "{gone:?}");
    assert!(
        gone.iter().any(|c| c.starts_with("composio_csrf_")),
        "{gone:?}"
    );
    assert_eq!(api.account(&id).await["status"], "ACTIVE");
    api.server.shutdown().await;
}
