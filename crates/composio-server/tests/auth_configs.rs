//! Auth configs (docs/spec/auth-configs.md §24): create, list, get, update, enable/disable
//! and delete; secrets never returned; Connect Links use the config's client id, scopes and
//! authorize parameters; the configuration's OAuth apps seed the default configs.

mod common;

use common::{assert_envelope, Api};
use composio_server::{Config, OAuthApp, Secret};
use serde_json::{json, Value};

const SECRET: &str = "gh-secret-do-not-show";

async fn create_github(api: &Api) -> String {
    let (status, v) = api
        .post(
            "/auth_configs",
            json!({"toolkit": {"slug": "github"}, "auth_config": {
                "type": "use_custom_auth", "auth_scheme": "OAUTH2", "name": "Our GitHub app",
                "credentials": {"client_id": "Iv1.custom", "client_secret": SECRET,
                    "scopes": ["repo", "read:org"],
                    "authorize_params": {"prompt": "select_account"}}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["toolkit"]["slug"], "github");
    assert_eq!(v["auth_config"]["is_composio_managed"], false);
    assert_eq!(v["auth_config"]["auth_scheme"], "OAUTH2");
    v["auth_config"]["id"].as_str().expect("id").to_owned()
}

async fn call(api: &Api, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    api.call(method, path, body).await
}

/// The provider URL a Connect Link continues to.
async fn authorize_url(api: &Api, redirect_url: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let page = http
        .get(redirect_url)
        .send()
        .await
        .expect("link page")
        .text()
        .await
        .expect("page");
    let token = common::csrf_token(&page).expect("a CSRF token");
    let resp = http
        .post(redirect_url)
        .form(&[("csrf_token", token.as_str()), ("action", "continue")])
        .send()
        .await
        .expect("continue");
    assert_eq!(resp.status().as_u16(), 303, "{}", api.server.url());
    resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

fn query(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param(url: &str, key: &str) -> Option<String> {
    query(url)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

#[tokio::test]
async fn a_custom_config_is_created_listed_and_never_shows_its_secret() {
    let api = Api::start(Config::default().public_url("https://auth.example.com")).await;
    let id = create_github(&api).await;
    let (status, v) = api.get(&format!("/auth_configs/{id}")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["type"], "custom");
    assert_eq!(v["status"], "ENABLED");
    assert_eq!(v["name"], "Our GitHub app");
    assert_eq!(v["credentials"]["client_id"], "Iv1.custom");
    assert_eq!(v["credentials"]["client_secret"], "********");
    assert_eq!(v["redirect_uri"], "https://auth.example.com/oauth/callback");
    assert_eq!(v["no_of_connections"], 0);
    assert!(!v.to_string().contains(SECRET), "{v}");

    let (status, list) = api
        .get("/auth_configs?toolkit_slug=github&is_composio_managed=false")
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["id"], json!(id));
    assert!(!list.to_string().contains(SECRET));
    // The seeded default of github is managed and keeps the derived id sessions use.
    let (_, managed) = api
        .get("/auth_configs?toolkit_slug=github&is_composio_managed=true")
        .await;
    assert_eq!(managed["items"].as_array().unwrap().len(), 1, "{managed}");
    let default_id = managed["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(managed["items"][0]["type"], "default");
    let (account, _) = api.link("u1", "github", None).await;
    assert_eq!(
        api.account(&account).await["auth_config"]["id"],
        json!(default_id)
    );
    // Pages of one.
    let (_, first) = api.get("/auth_configs?toolkit_slug=github&limit=1").await;
    assert_eq!(first["total_items"], 2, "{first}");
    let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    let (_, second) = api
        .get(&format!(
            "/auth_configs?toolkit_slug=github&limit=1&cursor={cursor}"
        ))
        .await;
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
}

#[tokio::test]
async fn links_of_a_custom_config_go_to_its_app() {
    let api = Api::default().await;
    let id = create_github(&api).await;
    let (status, v) = api
        .post(
            "/connected_accounts/link",
            json!({"user_id": "u1", "auth_config_id": id}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let account = v["connected_account_id"].as_str().unwrap().to_owned();
    assert_eq!(api.account(&account).await["auth_config"]["id"], json!(id));
    let url = authorize_url(&api, v["redirect_url"].as_str().unwrap()).await;
    assert!(
        url.starts_with("https://github.com/login/oauth/authorize?"),
        "{url}"
    );
    assert_eq!(param(&url, "client_id").as_deref(), Some("Iv1.custom"));
    assert_eq!(param(&url, "scope").as_deref(), Some("repo read:org"));
    assert_eq!(param(&url, "prompt").as_deref(), Some("select_account"));
    assert_eq!(
        param(&url, "redirect_uri"),
        Some(format!("{}/oauth/callback", api.server.url()))
    );

    // A session's auth_configs map chooses it too.
    let sid = api
        .session(json!({"user_id": "u2", "auth_configs": {"github": id},
            "manage_connections": {"enable": false}}))
        .await;
    let (status, v) = api
        .post(
            &format!("/tool_router/session/{sid}/link"),
            json!({"toolkit": "github"}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let account = v["connected_account_id"].as_str().unwrap();
    assert_eq!(api.account(account).await["auth_config"]["id"], json!(id));
    let url = authorize_url(&api, v["redirect_url"].as_str().unwrap()).await;
    assert_eq!(param(&url, "client_id").as_deref(), Some("Iv1.custom"));

    // The default config still goes to the sandbox.
    let (_, redirect) = api.link("u3", "github", None).await;
    let url = authorize_url(&api, &redirect).await;
    assert!(url.contains("/sandbox/oauth/authorize"), "{url}");
}

#[tokio::test]
async fn bad_configs_are_refused_with_the_envelope() {
    let api = Api::default().await;
    for (body, needle) in [
        (
            json!({"toolkit": {"slug": "nope"}, "auth_config": {"type": "use_composio_managed_auth"}}),
            "Toolkit 'nope' not found",
        ),
        (
            json!({"toolkit": {"slug": "github"}, "auth_config": {"type": "use_custom_auth",
                "auth_scheme": "BASIC", "credentials": {"client_id": "a", "client_secret": "b"}}}),
            "BASIC",
        ),
        (
            json!({"toolkit": {"slug": "github"}, "auth_config": {"type": "use_custom_auth",
                "auth_scheme": "OAUTH2", "credentials": {"client_id": "a"}}}),
            "client_secret",
        ),
        (
            json!({"toolkit": {"slug": "github"}, "auth_config": {"type": "mine"}}),
            "use_custom_auth",
        ),
    ] {
        let (status, v) = api.post("/auth_configs", body).await;
        let e = assert_envelope(status, &v, 400);
        assert!(e["message"].as_str().unwrap().contains(needle), "{v}");
    }
    let (status, v) = api.get("/auth_configs/ac_missing").await;
    assert_envelope(status, &v, 404);
}

#[tokio::test]
async fn a_used_config_cannot_be_deleted_and_a_disabled_one_makes_no_links() {
    let api = Api::default().await;
    let id = create_github(&api).await;
    let link = json!({"user_id": "u1", "auth_config_id": id});
    let (status, v) = api.post("/connected_accounts/link", link.clone()).await;
    assert_eq!(status, 201, "{v}");
    let account = v["connected_account_id"].as_str().unwrap().to_owned();

    let (status, v) = call(
        &api,
        reqwest::Method::DELETE,
        &format!("/auth_configs/{id}"),
        None,
    )
    .await;
    let e = assert_envelope(status, &v, 409);
    assert_eq!(e["slug"], "AuthConfig_InUse");
    // The account still works with it.
    assert_eq!(api.account(&account).await["auth_config"]["id"], json!(id));

    let (status, v) = call(
        &api,
        reqwest::Method::PATCH,
        &format!("/auth_configs/{id}/DISABLED"),
        None,
    )
    .await;
    assert_eq!((status, v["success"].clone()), (200, json!(true)), "{v}");
    let (status, v) = api.post("/connected_accounts/link", link.clone()).await;
    let e = assert_envelope(status, &v, 400);
    assert_eq!(e["slug"], "AuthConfig_Disabled");
    let (_, listed) = api
        .get("/auth_configs?toolkit_slug=github&is_composio_managed=false")
        .await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        0,
        "disabled are hidden"
    );
    call(
        &api,
        reqwest::Method::PATCH,
        &format!("/auth_configs/{id}/ENABLED"),
        None,
    )
    .await;

    // Renaming and a new secret; the type must match.
    let (status, v) = call(
        &api,
        reqwest::Method::PATCH,
        &format!("/auth_configs/{id}"),
        Some(json!({"type": "custom", "name": "Renamed", "credentials": {"client_id": "Iv1.new"}})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (_, got) = api.get(&format!("/auth_configs/{id}")).await;
    assert_eq!(got["name"], "Renamed");
    assert_eq!(got["credentials"]["client_id"], "Iv1.new");
    let (status, v) = call(
        &api,
        reqwest::Method::PATCH,
        &format!("/auth_configs/{id}"),
        Some(json!({"type": "default", "scopes": ["repo"]})),
    )
    .await;
    assert_envelope(status, &v, 400);

    let (status, _) = call(
        &api,
        reqwest::Method::DELETE,
        &format!("/connected_accounts/{account}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, v) = call(
        &api,
        reqwest::Method::DELETE,
        &format!("/auth_configs/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = api.get(&format!("/auth_configs/{id}")).await;
    assert_envelope(status, &v, 404);
    // A toolkit's default config is not deleted (it would come back from the configuration).
    let (_, managed) = api.get("/auth_configs?toolkit_slug=gmail").await;
    let default_id = managed["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, v) = call(
        &api,
        reqwest::Method::DELETE,
        &format!("/auth_configs/{default_id}"),
        None,
    )
    .await;
    let e = assert_envelope(status, &v, 400);
    assert_eq!(e["slug"], "AuthConfig_Default");
}

#[tokio::test]
async fn configured_apps_seed_the_default_configs() {
    let config = Config::default().oauth_app(
        "gmail",
        OAuthApp::new("gm-client", Some(Secret::new("gm-secret"))),
    );
    let api = Api::start(config).await;
    let (_, list) = api.get("/auth_configs?toolkit_slug=gmail").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    let item = &list["items"][0];
    assert_eq!(item["is_composio_managed"], true);
    assert_eq!(item["credentials"]["client_id"], "gm-client");
    assert!(!list.to_string().contains("gm-secret"));
    // A default config with the operator's scopes and parameters.
    let id = item["id"].as_str().unwrap().to_owned();
    let (status, v) = call(
        &api,
        reqwest::Method::PATCH,
        &format!("/auth_configs/{id}"),
        Some(json!({"type": "default", "scopes": ["openid", "email"]})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (_, redirect) = api.link("u1", "gmail", None).await;
    let url = authorize_url(&api, &redirect).await;
    assert_eq!(param(&url, "client_id").as_deref(), Some("gm-client"));
    assert_eq!(param(&url, "scope").as_deref(), Some("openid email"));
    // Credentials of a managed config come from the configuration only.
    let (status, v) = call(
        &api,
        reqwest::Method::PATCH,
        &format!("/auth_configs/{id}"),
        Some(json!({"type": "default", "credentials": {"client_id": "x"}})),
    )
    .await;
    assert_envelope(status, &v, 400);
}
