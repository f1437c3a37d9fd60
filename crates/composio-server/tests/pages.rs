//! Every response of the Connect Link flow carries the security headers: link pages,
//! API-key forms, the sandbox consent, result pages and the redirects that carry codes.

mod common;

use common::Api;
use composio_server::{Config, ProjectConfig};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::Response;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Asserts the flow's security headers on one response.
fn assert_secured(what: &str, h: &HeaderMap) {
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let csp = get("content-security-policy");
    assert!(
        csp.starts_with("default-src 'none'; base-uri 'none'; frame-ancestors 'none'"),
        "{what}: {csp:?}"
    );
    assert!(
        !csp.contains("script-src") && !csp.contains("unsafe-inline"),
        "{what}: {csp}"
    );
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("cache-control"), "no-store", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
}

/// The hidden inputs of the page's form (name, value), unescaped enough for ids and tokens.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| {
        let key = format!("{name}=\"");
        tag.find(&key).map(|i| {
            let rest = &tag[i + key.len()..];
            rest[..rest.find('"').unwrap()]
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
        })
    };
    html.split("<input")
        .skip(1)
        .map(|t| &t[..t.find('>').unwrap()])
        .filter(|t| t.contains("type=\"hidden\""))
        .filter_map(|t| Some((attr(t, "name")?, attr(t, "value").unwrap_or_default())))
        .collect()
}

async fn checked(what: &str, resp: Response) -> (u16, Option<String>, String) {
    assert_secured(what, resp.headers());
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, location, resp.text().await.unwrap())
}

#[tokio::test]
async fn every_response_of_the_oauth_flow_carries_the_security_headers() {
    let mut config = Config::default();
    config.projects =
        vec![ProjectConfig::new("p", "k_pages").branding("Acme", None, Some("#0a7cff"))];
    let api = Api::start(config).await;
    let base = api.server.url().to_owned();
    let web = client();
    for (callback, final_status) in [(Some("https://app.example.com/cb"), 303), (None, 200)] {
        let (_, link) = api.link("user_1", "gmail", callback).await;
        let (status, _, html) = checked("link page", web.get(&link).send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("<strong>Acme</strong> asks you to connect a <strong>Gmail</strong>"),
            "{html}"
        );
        let mut form = hidden_inputs(&html);
        form.push(("action".into(), "continue".into()));
        let resp = web.post(&link).form(&form).send().await.unwrap();
        let (status, authorize, _) = checked("link form redirect", resp).await;
        assert_eq!(status, 303);
        let authorize = authorize.unwrap();
        let (status, _, consent) =
            checked("sandbox consent", web.get(&authorize).send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert!(
            consent.contains("Allow Acme to use your Gmail account?"),
            "{consent}"
        );
        let mut form = hidden_inputs(&consent);
        form.push(("decision".into(), "approve".into()));
        let resp = web
            .post(format!("{base}/sandbox/oauth/authorize"))
            .form(&form)
            .send()
            .await
            .unwrap();
        let (status, to_callback, _) = checked("redirect with the code", resp).await;
        assert_eq!(status, 303);
        let to_callback = to_callback.unwrap();
        assert!(to_callback.contains("code="), "{to_callback}");
        let (status, _, done) =
            checked("callback", web.get(&to_callback).send().await.unwrap()).await;
        assert_eq!(status, final_status);
        if callback.is_none() {
            assert!(done.contains("Gmail is connected"), "{done}");
        }
        // The used link's page, too.
        let (status, _, _) = checked("used link", web.get(&link).send().await.unwrap()).await;
        assert_eq!(status, 410);
    }
    let (status, _, _) = checked(
        "unknown link",
        web.get(format!("{base}/link/lk_unknown"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    api.server.shutdown().await;
}

#[tokio::test]
async fn the_api_key_form_and_its_result_carry_the_security_headers() {
    let api = Api::default().await;
    let web = client();
    let (id, link) = api.link("user_2", "serpapi", None).await;
    let (_, _, html) = checked("API-key form", web.get(&link).send().await.unwrap()).await;
    assert!(html.contains("type=\"password\""), "{html}");
    let mut form = hidden_inputs(&html);
    form.push(("api_key".into(), "secret-value".into()));
    form.push(("action".into(), "continue".into()));
    let (status, _, done) = checked(
        "API-key result",
        web.post(&link).form(&form).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("is connected"), "{done}");
    assert_eq!(api.account(&id).await["status"], "ACTIVE");
    api.server.shutdown().await;
}

#[tokio::test]
async fn invalid_white_label_settings_are_refused_at_start() {
    for (logo, colour) in [
        (Some("http://insecure.example/logo.png"), None),
        (None, Some("blue")),
        (None, Some("#12345g")),
    ] {
        let config =
            Config::default().project(ProjectConfig::new("p", "k").branding("Acme", logo, colour));
        let err = composio_server::spawn(config)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("logo_url") || err.contains("accent_color"),
            "{err}"
        );
    }
}
