//! Every endpoint against wiremock over the real reqwest transport: method, path, query,
//! headers, exact bodies (as the official clients send them in the captures) and decoding.

mod common;

use common::*;
use composio::{
    ApiVersion, Composio, ConnectedAccountsQuery, ConnectionStatus, ManageConnections, OrderBy,
    OrderDirection, SessionOptions, ToolkitsQuery,
};
use futures_util::TryStreamExt;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Unmatched requests get a readable 500 instead of wiremock's 404.
async fn catch_all(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500).set_body_string("unmatched request"))
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

fn sdk_headers() -> impl Fn(wiremock::MockBuilder) -> wiremock::MockBuilder {
    |m| {
        m.and(header("x-api-key", KEY))
            .and(header(
                "user-agent",
                concat!("composio-rs/", env!("CARGO_PKG_VERSION")),
            ))
            .and(header("x-source", "RUST_SDK"))
            .and(header("x-sdk-version", env!("CARGO_PKG_VERSION")))
            .and(header("accept", "application/json"))
    }
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn create_session_flow_body_headers_and_decoding() {
    let server = MockServer::start().await;
    sdk_headers()(Mock::given(method("POST")).and(path("/api/v3.1/tool_router/session")))
        .and(header("content-type", "application/json"))
        .and(header_exists("idempotency-key"))
        .and(body_json(
            json!({"user_id": "user_123", "manage_connections": {"enable": false}}),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(session_json("trs_LX9uJKBinWWr", false)),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let composio = wire_client(&server.uri());
    let session = composio
        .create("user_123", SessionOptions::new().manage_connections(false))
        .await
        .unwrap();
    assert_eq!(session.id().as_str(), "trs_LX9uJKBinWWr");
    assert_eq!(session.user_id(), "user_123");
    assert_eq!(
        session.mcp().url(),
        "https://backend.composio.dev/tool_router/trs_LX9uJKBinWWr/mcp"
    );
    assert_eq!(session.mcp().kind(), "http");
    assert_eq!(session.mcp().headers(), vec![("x-api-key", KEY.to_owned())]);
    assert!(!format!("{:?}", session.mcp()).contains(KEY));
    assert_eq!(session.tool_router_tools().len(), 3);
    assert!(
        !session
            .config()
            .manage_connections
            .as_ref()
            .unwrap()
            .enabled
    );
    assert!(session.raw().extra.contains_key("brand_new_field"));
    let key = requests(&server).await[0]
        .headers
        .get("idempotency-key")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(key.len(), 36, "{key}");
}

#[tokio::test]
async fn create_session_bodies_match_the_captures() {
    let cases: Vec<(SessionOptions, Value)> = vec![
        (
            SessionOptions::new(),
            json!({"user_id": "user_123", "manage_connections": {"enable": true}}),
        ),
        (
            SessionOptions::new().manage_connections(
                ManageConnections::with_callback_url("https://example.com/session-cb")
                    .wait_for_connections(true),
            ),
            json!({"user_id": "user_123", "manage_connections": {"enable": true,
                   "callback_url": "https://example.com/session-cb", "enable_wait_for_connections": true}}),
        ),
        (
            SessionOptions::new()
                .toolkits(["gmail", "github"])
                .auth_config("gmail", "ac_AbCdEfGhIjKl")
                .connected_account("github", "ca_AbCdEfGhIjKl"),
            json!({"user_id": "user_123", "toolkits": {"enable": ["gmail", "github"]},
                   "auth_configs": {"gmail": "ac_AbCdEfGhIjKl"},
                   "connected_accounts": {"github": ["ca_AbCdEfGhIjKl"]},
                   "manage_connections": {"enable": true}}),
        ),
    ];
    for (options, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/v3.1/tool_router/session"))
            .respond_with(ResponseTemplate::new(201).set_body_json(session_json("trs_1", true)))
            .mount(&server)
            .await;
        wire_client(&server.uri())
            .create("user_123", options)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&requests(&server).await[0].body).unwrap();
        assert_eq!(body, expected);
    }
}

#[tokio::test]
async fn invalid_input_is_rejected_before_sending() {
    let server = MockServer::start().await;
    catch_all(&server).await;
    let composio = wire_client(&server.uri());
    let e = composio
        .create(" ", SessionOptions::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), composio::ErrorKind::InvalidInput);
    let e = composio
        .create(
            "u",
            SessionOptions::new()
                .manage_connections(ManageConnections::with_callback_url("javascript:x")),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), composio::ErrorKind::InvalidInput);
    assert!(requests(&server).await.is_empty());
}

async fn session_on(server: &MockServer, version: ApiVersion) -> composio::Session {
    let prefix = version.prefix();
    Mock::given(method("GET"))
        .and(path(format!("{prefix}/tool_router/session/trs_1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(session_json("trs_1", true)))
        .mount(server)
        .await;
    Composio::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .api_version(version)
        .retry_policy(fast_retries())
        .build()
        .unwrap()
        .use_session("trs_1")
        .await
        .unwrap()
}

#[tokio::test]
async fn authorize_with_and_without_callback() {
    let server = MockServer::start().await;
    let session = session_on(&server, ApiVersion::V3_1).await;
    sdk_headers()(
        Mock::given(method("POST")).and(path("/api/v3.1/tool_router/session/trs_1/link")),
    )
    .and(header_exists("idempotency-key"))
    .and(body_json(
        json!({"toolkit": "gmail", "callback_url": "https://example.com/cb"}),
    ))
    .respond_with(ResponseTemplate::new(201).set_body_json(link_json("ca_N3wAcc0unt01")))
    .expect(1)
    .mount(&server)
    .await;
    Mock::given(method("POST"))
        .and(path("/api/v3.1/tool_router/session/trs_1/link"))
        .and(body_json(json!({"toolkit": "github"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(link_json("ca_2")))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let r = session
        .authorize("gmail", Some("https://example.com/cb"))
        .await
        .unwrap();
    assert_eq!(r.id().as_str(), "ca_N3wAcc0unt01");
    assert_eq!(r.status(), &ConnectionStatus::Initiated);
    assert_eq!(
        r.redirect_url(),
        "https://connect.composio.dev/link/lk_ca_N3wAcc0unt01"
    );
    assert_eq!(r.link_token(), Some("lk_9f2c1a"));
    let r = session.authorize("github", None).await.unwrap();
    assert_eq!(r.id().as_str(), "ca_2");
    // Only the session GET and two links: authorize makes no extra call.
    assert_eq!(requests(&server).await.len(), 3);

    let e = session
        .authorize("gmail", Some("ftp://x/cb"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), composio::ErrorKind::InvalidInput);
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn toolkits_query_encoding_and_pages() {
    let server = MockServer::start().await;
    let session = session_on(&server, ApiVersion::V3_1).await;
    let page1 = json!({"items": [{"name": "Gmail", "slug": "gmail", "enabled": true, "is_no_auth": false,
        "composio_managed_auth_schemes": ["OAUTH2"], "meta": {"logo": "https://logos.composio.dev/api/gmail"},
        "connected_account": {"id": "ca_1", "user_id": "user_123", "status": "ACTIVE",
          "auth_config": {"id": "ac_1", "auth_scheme": "OAUTH2", "is_composio_managed": true}},
        "future_field": 1}],
        "next_cursor": "c/2", "total_pages": 2, "current_page": 1, "total_items": 2});
    let page2 = json!({"items": [{"name": "Hacker News", "slug": "hackernews", "is_no_auth": true,
        "meta": {}, "connected_account": null}], "next_cursor": null, "total_pages": 2});
    Mock::given(method("GET"))
        .and(path("/api/v3.1/tool_router/session/trs_1/toolkits"))
        .and(query_param("cursor", "c/2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page2))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3.1/tool_router/session/trs_1/toolkits"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page1))
        .mount(&server)
        .await;
    catch_all(&server).await;

    let q = ToolkitsQuery::new()
        .toolkits(["gmail", "google calendar"])
        .is_connected(true)
        .search("mail & more")
        .limit(1);
    let page = session.toolkits(q.clone()).await.unwrap();
    assert_eq!(page.next_cursor.as_deref(), Some("c/2"));
    assert_eq!(page.total_pages, Some(2));
    let gmail = &page.items[0];
    assert_eq!(gmail.logo(), Some("https://logos.composio.dev/api/gmail"));
    let conn = gmail.connection().unwrap();
    assert!(conn.is_active);
    assert_eq!(conn.auth_config.unwrap().mode.as_deref(), Some("OAUTH2"));
    let raw_query = requests(&server).await[1].url.query().unwrap().to_owned();
    assert_eq!(
        raw_query,
        "limit=1&toolkits=gmail%2Cgoogle%20calendar&is_connected=true&search=mail%20%26%20more"
    );

    let all: Vec<_> = session.toolkits_stream(q).try_collect().await.unwrap();
    assert_eq!(
        all.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(),
        ["gmail", "hackernews"]
    );
    assert!(
        all[1].connection().is_none(),
        "no-auth toolkits have no connection"
    );
    let last = requests(&server).await.pop().unwrap();
    assert!(
        last.url.query().unwrap().contains("cursor=c%2F2"),
        "{:?}",
        last.url.query()
    );
}

#[tokio::test]
async fn tools_follow_cursors_with_limit_500() {
    let server = MockServer::start().await;
    let session = session_on(&server, ApiVersion::V3_1).await;
    let tool = |slug: &str| {
        json!({"slug": slug, "name": slug, "description": "d", "toolkit": {"slug": "composio", "name": "Composio"},
               "input_parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
               "no_auth": true, "version": "00000000_00", "human_description": "extra"})
    };
    Mock::given(method("GET"))
        .and(path("/api/v3.1/tool_router/session/trs_1/tools"))
        .and(query_param("limit", "500"))
        .and(query_param("cursor", "n2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"items": [tool("B")], "next_cursor": null, "total_pages": 2}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3.1/tool_router/session/trs_1/tools"))
        .and(query_param("limit", "500"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"items": [tool("A")], "next_cursor": "n2", "total_pages": 2}),
            ),
        )
        .mount(&server)
        .await;
    catch_all(&server).await;
    let tools = session.tools().await.unwrap();
    assert_eq!(
        tools.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(),
        ["A", "B"]
    );
    assert!(tools[0].no_auth);
    assert!(tools[0].extra.contains_key("human_description"));
    let reqs = requests(&server).await;
    assert_eq!(reqs[1].url.query(), Some("limit=500"));
    assert_eq!(reqs[2].url.query(), Some("limit=500&cursor=n2"));
}

#[tokio::test]
async fn execute_v3_1_and_v3_meta() {
    let envelope = json!({"data": {"ok": 1}, "error": null, "successful": true, "log_id": "log_1",
                          "result_type": "completed"});
    for (version, endpoint, body) in [
        (
            ApiVersion::V3_1,
            "/api/v3.1/tool_router/session/trs_1/execute",
            json!({"tool_slug": "COMPOSIO_SEARCH_TOOLS", "arguments": {"q": "x"}}),
        ),
        (
            ApiVersion::V3,
            "/api/v3/tool_router/session/trs_1/execute_meta",
            json!({"slug": "COMPOSIO_SEARCH_TOOLS", "arguments": {"q": "x"}}),
        ),
    ] {
        let server = MockServer::start().await;
        let session = session_on(&server, version).await;
        Mock::given(method("POST"))
            .and(path(endpoint))
            .and(body_json(body))
            .respond_with(ResponseTemplate::new(200).set_body_json(envelope.clone()))
            .expect(1)
            .mount(&server)
            .await;
        catch_all(&server).await;
        let out = session
            .execute("COMPOSIO_SEARCH_TOOLS", json!({"q": "x"}))
            .await
            .unwrap();
        assert!(out.successful);
        assert_eq!(out.data["ok"], 1);
        assert_eq!(out.log_id.as_deref(), Some("log_1"));
        let exec = requests(&server).await.pop().unwrap();
        assert!(exec.headers.get("idempotency-key").is_none());
    }
}

#[tokio::test]
async fn execute_is_not_retried() {
    let server = MockServer::start().await;
    let session = session_on(&server, ApiVersion::V3_1).await;
    Mock::given(method("POST"))
        .and(path("/api/v3.1/tool_router/session/trs_1/execute"))
        .respond_with(ResponseTemplate::new(503).set_body_json(error_json(503, "busy", "Busy")))
        .expect(1)
        .mount(&server)
        .await;
    let e = session.execute("X", json!({})).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
}

#[tokio::test]
async fn delete_session() {
    let server = MockServer::start().await;
    let session = session_on(&server, ApiVersion::V3_1).await;
    Mock::given(method("DELETE"))
        .and(path("/api/v3.1/tool_router/session/trs_1"))
        .and(header("x-api-key", KEY))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"session_id": "trs_1", "deleted": true})),
        )
        .expect(1)
        .mount(&server)
        .await;
    session.delete().await.unwrap();
}

#[tokio::test]
async fn connected_accounts_endpoints() {
    let server = MockServer::start().await;
    let ca = "/api/v3.1/connected_accounts";
    sdk_headers()(Mock::given(method("GET")).and(path(format!("{ca}/ca_1"))))
        .respond_with(ResponseTemplate::new(200).set_body_json(account_json(
            "ca_1",
            "SUSPENDED",
            None,
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ca))
        .and(query_param("cursor", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"items": [account_json("ca_2", "ACTIVE", None)], "next_cursor": null, "total_pages": 2}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ca))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"items": [account_json("ca_1", "ACTIVE", None)], "next_cursor": "p2",
                   "total_pages": 2, "current_page": 1, "total_items": 2}),
        ))
        .mount(&server)
        .await;
    sdk_headers()(Mock::given(method("POST")).and(path(format!("{ca}/link"))))
        .and(header_exists("idempotency-key"))
        .and(body_json(
            json!({"auth_config_id": "ac_1", "user_id": "user_123",
                              "callback_url": "https://your-app.com/callback?user_id=user_123"}),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"link_token": "lk_1",
            "redirect_url": "https://connect.composio.dev/link/lk_1",
            "expires_at": "2026-01-10T12:10:00.000Z", "connected_account_id": "ca_9"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{ca}/ca_1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    for enabled in [true, false] {
        Mock::given(method("PATCH"))
            .and(path(format!("{ca}/ca_1/status")))
            .and(header("content-type", "application/json"))
            .and(body_json(json!({"enabled": enabled})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
            .expect(1)
            .mount(&server)
            .await;
    }
    catch_all(&server).await;

    let accounts = wire_client(&server.uri()).connected_accounts();
    let a = accounts.get("ca_1").await.unwrap();
    assert_eq!(a.status, ConnectionStatus::Unknown("SUSPENDED".into()));
    assert_eq!(a.alias, None, "alias is a typed field now");

    let q = ConnectedAccountsQuery::new()
        .user_ids(["user_123"])
        .toolkit_slugs(["gmail", "github"])
        .statuses([ConnectionStatus::Active, ConnectionStatus::Initiated])
        .order(OrderBy::CreatedAt, OrderDirection::Asc);
    let page = accounts.list(q.clone()).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.total_items, Some(2));
    let listed = requests(&server).await.pop().unwrap();
    assert_eq!(
        listed.url.query(),
        Some("toolkit_slugs=gmail%2Cgithub&statuses=ACTIVE%2CINITIATED&user_ids=user_123&order_by=created_at&order_direction=asc")
    );
    let all: Vec<_> = accounts.list_stream(q).try_collect().await.unwrap();
    assert_eq!(
        all.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["ca_1", "ca_2"]
    );

    // The user has an ACTIVE account already: the link must allow several (spec §17).
    let r = accounts
        .link_with(
            "ac_1",
            "user_123",
            composio::LinkOptions::new()
                .callback_url("https://your-app.com/callback?user_id=user_123")
                .allow_multiple(true),
        )
        .await
        .unwrap();
    assert_eq!(r.id().as_str(), "ca_9");
    assert_eq!(r.expires_at(), Some("2026-01-10T12:10:00.000Z"));
    assert_eq!(r.status(), &ConnectionStatus::Initiated);

    accounts.delete("ca_1").await.unwrap();
    accounts.enable("ca_1").await.unwrap();
    accounts.disable("ca_1").await.unwrap();
}

#[tokio::test]
async fn ids_are_percent_encoded_in_paths() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3.1/connected_accounts/ca%2F..%2Fx"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(account_json("ca/../x", "ACTIVE", None)),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let a = wire_client(&server.uri())
        .connected_accounts()
        .get("ca/../x")
        .await
        .unwrap();
    assert_eq!(a.id, "ca/../x");
}

#[tokio::test]
async fn ensure_connected_returns_an_active_account_without_a_link() {
    let server = MockServer::start().await;
    let session = session_on(&server, ApiVersion::V3_1).await;
    Mock::given(method("GET"))
        .and(path("/api/v3.1/tool_router/session/trs_1/toolkits"))
        .and(query_param("toolkits", "gmail"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [{"name": "Gmail",
            "slug": "gmail", "is_no_auth": false, "meta": {},
            "connected_account": {"id": "ca_1", "status": "ACTIVE"}}], "next_cursor": null})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3.1/connected_accounts/ca_1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(account_json("ca_1", "ACTIVE", None)),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let mut linked = false;
    let account = session
        .ensure_connected("gmail", std::time::Duration::from_secs(5), |_| {
            linked = true
        })
        .await
        .unwrap();
    assert_eq!(account.id, "ca_1");
    assert!(!linked);
}

#[tokio::test]
async fn ensure_connected_links_and_waits_when_not_connected() {
    let server = MockServer::start().await;
    let session = session_on(&server, ApiVersion::V3_1).await;
    Mock::given(method("GET"))
        .and(path("/api/v3.1/tool_router/session/trs_1/toolkits"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [{"name": "Gmail",
            "slug": "gmail", "is_no_auth": false, "meta": {}, "connected_account": null}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v3.1/tool_router/session/trs_1/link"))
        .and(body_json(json!({"toolkit": "gmail"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(link_json("ca_7")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3.1/connected_accounts/ca_7"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(account_json("ca_7", "ACTIVE", None)),
        )
        .mount(&server)
        .await;
    catch_all(&server).await;
    let mut shown = None;
    let account = session
        .ensure_connected("gmail", std::time::Duration::from_secs(5), |r| {
            shown = Some(r.redirect_url().to_owned())
        })
        .await
        .unwrap();
    assert_eq!(account.id, "ca_7");
    assert_eq!(
        shown.as_deref(),
        Some("https://connect.composio.dev/link/lk_ca_7")
    );
}

#[tokio::test]
async fn session_update_sends_only_what_it_names_and_a_409_is_a_conflict_sent_once() {
    let server = MockServer::start().await;
    let id = "trs_LX9uJKBinWWr";
    Mock::given(method("GET"))
        .and(path(format!("/api/v3.1/tool_router/session/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(session_json(id, false)))
        .mount(&server)
        .await;
    let mut updated = session_json(id, true);
    updated["config_version"] = json!(2);
    sdk_headers()(
        Mock::given(method("PATCH")).and(path(format!("/api/v3.1/tool_router/session/{id}"))),
    )
    .and(body_json(
        json!({"toolkits": null, "auth_configs": {"gmail": "ac_new"},
                          "expected_config_version": 1}),
    ))
    .respond_with(ResponseTemplate::new(200).set_body_json(updated))
    .expect(1)
    .mount(&server)
    .await;
    // A 409 without `x-should-retry` (as from a server that does not send it).
    Mock::given(method("PATCH"))
        .and(path(format!("/api/v3.1/tool_router/session/{id}")))
        .and(body_json(
            json!({"preload": {"tools": []}, "expected_config_version": 1}),
        ))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({"error": {
            "message": "conflict", "code": 10409, "slug": "ToolRouterSession_ConfigVersionConflict",
            "status": 409}})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let composio = wire_client(&server.uri());
    let mut session = composio.use_session(id).await.unwrap();
    let (config, version) = session
        .update(
            composio::SessionUpdate::new()
                .clear_toolkits()
                .auth_config("gmail", "ac_new")
                .expected_config_version(1),
        )
        .await
        .unwrap();
    assert_eq!(version, 2);
    assert_eq!(session.config_version(), 2);
    assert!(config.manage_connections.unwrap().enabled);
    assert!(session
        .tool_router_tools()
        .contains(&"COMPOSIO_MANAGE_CONNECTIONS".to_owned()));

    let err = session
        .update(
            composio::SessionUpdate::new()
                .preload(Vec::<String>::new())
                .expected_config_version(1),
        )
        .await
        .unwrap_err();
    match err {
        composio::Error::SessionConfigConflict {
            expected,
            current,
            error,
            ..
        } => {
            assert_eq!((expected, current), (Some(1), None));
            assert_eq!(error.attempts, 1);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(session.config_version(), 2, "unchanged");
}
