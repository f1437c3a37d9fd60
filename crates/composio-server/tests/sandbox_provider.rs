//! The sandbox OAuth provider as a client sees it: one registered redirect URI, PKCE S256
//! required, single-use codes, rotating refresh tokens whose reuse revokes the grant, token
//! revocation (RFC 7009), and grants kept in the database (a restart, or another replica on
//! the same PostgreSQL database, knows them).

mod common;

use common::Api;
use composio_server::sandbox::Browser;
use composio_server::Config;
use reqwest::StatusCode;
use serde_json::Value;

const VERIFIER: &str = "correct-verifier-0123456789-0123456789-0123456789";

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// A raw OAuth client of the sandbox at `base`, registered with `redirect_uri`.
struct OAuthClient {
    http: reqwest::Client,
    base: String,
    redirect_uri: String,
}

impl OAuthClient {
    fn of(server_url: &str, public_url: &str) -> Self {
        Self {
            http: client(),
            base: server_url.to_owned(),
            redirect_uri: format!("{public_url}/oauth/callback"),
        }
    }

    /// Submits the consent form (approving) with `params` overriding the defaults.
    async fn consent(&self, params: &[(&str, &str)]) -> reqwest::Response {
        let challenge = composio_server::pkce_s256(VERIFIER);
        let mut fields: Vec<(&str, String)> = vec![
            ("response_type", "code".into()),
            ("client_id", "composio-sandbox".into()),
            ("redirect_uri", self.redirect_uri.clone()),
            ("state", "s1".into()),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256".into()),
            ("login_hint", "ada".into()),
            ("decision", "approve".into()),
        ];
        for (k, v) in params {
            fields.retain(|(f, _)| f != k);
            if !v.is_empty() {
                fields.push((k, (*v).to_owned()));
            }
        }
        let query: String = fields
            .iter()
            .filter(|(k, _)| *k != "decision")
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        // The consent page sets this browser's CSRF cookie and carries the form's token.
        let page = self
            .http
            .get(format!("{}/sandbox/oauth/authorize?{query}", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if let Some(token) = common::csrf_token(&page) {
            fields.push(("csrf_token", token));
        }
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.http
            .post(format!("{}/sandbox/oauth/authorize", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Approves and returns the code.
    async fn code(&self) -> String {
        let resp = self.consent(&[]).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let loc = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
        assert!(loc.as_str().starts_with(&self.redirect_uri), "{loc}");
        loc.query_pairs()
            .find(|(k, _)| k == "code")
            .expect("a code")
            .1
            .into_owned()
    }

    async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let resp = self
            .http
            .post(format!("{}/sandbox/oauth/token", self.base))
            .basic_auth("composio-sandbox", Some("composio-sandbox-secret"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["cache-control"], "no-store");
        (resp.status(), resp.json().await.unwrap_or(Value::Null))
    }

    async fn exchange(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        let redirect = self.redirect_uri.clone();
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &redirect),
            ("code_verifier", verifier),
        ])
        .await
    }

    async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    async fn userinfo(&self, access_token: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(format!("{}/sandbox/userinfo", self.base))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.json().await.unwrap_or(Value::Null))
    }

    async fn revoke(&self, token: &str) -> StatusCode {
        self.http
            .post(format!("{}/sandbox/oauth/revoke", self.base))
            .basic_auth("composio-sandbox", Some("composio-sandbox-secret"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={}", urlencode(token)))
            .send()
            .await
            .unwrap()
            .status()
    }

    /// A full grant: (access token, refresh token).
    async fn grant(&self) -> (String, String) {
        let code = self.code().await;
        let (status, tokens) = self.exchange(&code, VERIFIER).await;
        assert_eq!(status, 200, "{tokens}");
        (
            tokens["access_token"].as_str().unwrap().to_owned(),
            tokens["refresh_token"].as_str().unwrap().to_owned(),
        )
    }
}

fn sandbox(api: &Api) -> OAuthClient {
    OAuthClient::of(api.server.url(), api.server.public_url())
}

#[tokio::test]
async fn only_the_registered_redirect_uri_gets_a_code() {
    let api = Api::default().await;
    let c = sandbox(&api);
    for (uri, why) in [
        ("https://attacker.example/cb", "another host"),
        (
            &format!("{}/oauth/callback/../x", api.server.public_url()),
            "a longer path",
        ),
        (
            &format!("{}/oauth/callback?x=1", api.server.public_url()),
            "an added query",
        ),
    ] {
        let resp = c.consent(&[("redirect_uri", uri)]).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{why}");
        assert!(resp.headers().get("location").is_none(), "{why}");
        let page = client()
            .get(format!(
                "{}/sandbox/oauth/authorize?response_type=code&client_id=composio-sandbox&\
                 redirect_uri={}&code_challenge=x&code_challenge_method=S256",
                api.server.url(),
                urlencode(uri)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::BAD_REQUEST, "{why}");
        assert!(page.text().await.unwrap().contains("not registered"));
    }
    api.server.shutdown().await;
}

#[tokio::test]
async fn pkce_s256_is_required_and_checked() {
    let api = Api::default().await;
    let c = sandbox(&api);
    let no_pkce = c
        .consent(&[("code_challenge", ""), ("code_challenge_method", "")])
        .await;
    assert_eq!(no_pkce.status(), StatusCode::BAD_REQUEST);
    let plain = c.consent(&[("code_challenge_method", "plain")]).await;
    assert_eq!(plain.status(), StatusCode::BAD_REQUEST);

    let code = c.code().await;
    let (status, body) = c
        .exchange(&code, "wrong-verifier-0123456789-0123456789-0123456789")
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    // The failed attempt used the code up: even the right verifier fails now.
    let (status, _) = c.exchange(&code, VERIFIER).await;
    assert_eq!(status, 400);
    // A fresh code with the right verifier works, once.
    let code = c.code().await;
    assert_eq!(c.exchange(&code, VERIFIER).await.0, 200);
    assert_eq!(c.exchange(&code, VERIFIER).await.0, 400);
    api.server.shutdown().await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_grant() {
    let api = Api::default().await;
    let c = sandbox(&api);
    let (access1, refresh1) = c.grant().await;
    let (status, info) = c.userinfo(&access1).await;
    assert_eq!(status, 200);
    assert_eq!(info["email"], "ada@sandbox.composio.local");

    let (status, t2) = c.refresh(&refresh1).await;
    assert_eq!(status, 200, "{t2}");
    let access2 = t2["access_token"].as_str().unwrap().to_owned();
    let refresh2 = t2["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh1, refresh2, "refresh tokens rotate");
    assert_eq!(c.userinfo(&access2).await.0, 200);

    // The rotated token presented again: refused, and the whole grant is revoked.
    let (status, body) = c.refresh(&refresh1).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(c.refresh(&refresh2).await.0, 400);
    assert_eq!(c.userinfo(&access2).await.0, 401);
    assert_eq!(c.userinfo(&access1).await.0, 401);
    api.server.shutdown().await;
}

#[tokio::test]
async fn revoking_a_token_ends_its_grant() {
    let api = Api::default().await;
    let c = sandbox(&api);
    let (access, refresh) = c.grant().await;
    let (other_access, _) = c.grant().await;
    assert_eq!(c.revoke(&access).await, StatusCode::OK);
    assert_eq!(c.userinfo(&access).await.0, 401);
    assert_eq!(c.refresh(&refresh).await.0, 400);
    // Other grants are untouched; unknown tokens are answered 200 (RFC 7009 §2.2).
    assert_eq!(c.userinfo(&other_access).await.0, 200);
    assert_eq!(c.revoke("sbx_at_unknown").await, StatusCode::OK);
    api.server.shutdown().await;
}

#[tokio::test]
async fn sandbox_accounts_keep_working_and_refreshing_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::default().data_dir(dir.path());
    let api = Api::start(config.clone()).await;
    let (id, redirect) = api
        .link("u1", "github", Some("https://app.example.com/cb"))
        .await;
    Browser::new().unwrap().approve(&redirect).await.unwrap();
    let before = api.server.access_token(&id).await.unwrap();
    api.server.shutdown().await;

    let api = Api::start(config).await;
    let c = sandbox(&api);
    // The token issued before the restart still works at the provider…
    assert_eq!(c.userinfo(before.expose()).await.0, 200);
    // …and once it expires, a tool call gets a 401 and the account refreshes with the
    // refresh token stored before the restart.
    api.server.sandbox_expire_access_tokens().await.unwrap();
    assert_eq!(c.userinfo(before.expose()).await.0, 401);
    let sid = api.session(serde_json::json!({"user_id": "u1"})).await;
    let (status, r) = api
        .post(
            &format!("/tool_router/session/{sid}/execute"),
            serde_json::json!({"tool_slug": "GITHUB_GET_THE_AUTHENTICATED_USER", "arguments": {}}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["successful"], true, "{r}");
    assert_eq!(r["data"]["email"], "u1@sandbox.composio.local");
    let after = api.server.access_token(&id).await.unwrap();
    assert_ne!(after.expose(), before.expose());
    assert_eq!(c.userinfo(after.expose()).await.0, 200);
    api.server.shutdown().await;
}

#[tokio::test]
async fn a_consent_given_on_one_replica_is_redeemed_on_another() {
    let Some(db) = composio_server::testing::postgres_database().await else {
        return;
    };
    // Two replicas behind one public URL (a load balancer's), on one database.
    let public = "https://auth.example.test";
    let config = Config::default()
        .database_url(db.url())
        .public_url(public)
        .encryption_key(composio_server::generate_encryption_key());
    let a = composio_server::spawn(config.clone()).await.unwrap();
    let b = composio_server::spawn(config).await.unwrap();
    let on_a = OAuthClient::of(a.url(), public);
    let on_b = OAuthClient::of(b.url(), public);

    let code = on_a.code().await;
    let (status, tokens) = on_b.exchange(&code, VERIFIER).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(on_a.userinfo(access).await.0, 200);
    // The code is spent for both replicas.
    assert_eq!(on_a.exchange(&code, VERIFIER).await.0, 400);
    // A rotation on A is seen by B: reusing the old refresh token there revokes the grant.
    let (status, rotated) = on_a.refresh(refresh).await;
    assert_eq!(status, 200);
    assert_eq!(on_b.refresh(refresh).await.0, 400);
    let new_access = rotated["access_token"].as_str().unwrap();
    assert_eq!(on_a.userinfo(new_access).await.0, 401);
    assert_eq!(on_b.userinfo(access).await.0, 401);
    a.shutdown().await;
    b.shutdown().await;
}
