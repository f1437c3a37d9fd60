//! The SDK end to end against composio-server on 127.0.0.1:0, over real HTTP (reqwest):
//! the flows of the authentication docs, the failure paths, both API versions, and both wait
//! mechanisms (server push and polling).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use composio::{
    ApiErrorKind, ApiVersion, CallbackResult, CallbackStatus, Composio, ConnectedAccountsQuery,
    ConnectionStatus, Error, ErrorKind, ManageConnections, SessionOptions, ToolkitsQuery,
    Transport, TransportError,
};
use composio_http::ReqwestTransport;
use composio_server::sandbox::Browser;
use composio_server::{Config, ServerHandle};
use futures_util::TryStreamExt;

const WAIT: Duration = Duration::from_secs(30);

async fn start(config: Config) -> (ServerHandle, Composio) {
    let server = composio_server::spawn(config).await.expect("server starts");
    let client = client_for(&server, ApiVersion::V3_1);
    (server, client)
}

/// Connects `toolkit` for `user` the manual way: session without in-chat management,
/// authorize, approve the sandbox consent as a browser would, wait until ACTIVE.
async fn connect(composio: &Composio, user: &str, toolkit: &str) -> composio::ConnectedAccount {
    let session = composio
        .create(user, SessionOptions::new().manage_connections(false))
        .await
        .unwrap();
    let request = session.authorize(toolkit, None).await.unwrap();
    Browser::new()
        .unwrap()
        .approve(request.redirect_url())
        .await
        .unwrap();
    request.wait_for_connection(WAIT).await.unwrap()
}

fn client_for(server: &ServerHandle, version: ApiVersion) -> Composio {
    Composio::builder()
        .api_key(server.api_key().expect("a key"))
        .base_url(server.url())
        .api_version(version)
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_authentication_flow_with_callback_url() {
    let (server, composio) = start(Config::default()).await;
    let session = composio
        .create("user_123", SessionOptions::new().manage_connections(false))
        .await
        .unwrap();
    assert!(!session
        .tool_router_tools()
        .iter()
        .any(|t| t == "COMPOSIO_MANAGE_CONNECTIONS"));
    let request = session
        .authorize(
            "gmail",
            Some("https://your-app.com/callback?user_id=user_123&source=onboarding"),
        )
        .await
        .unwrap();
    assert_eq!(request.status(), &ConnectionStatus::Initiated);
    assert!(request.redirect_url().starts_with(server.url()));
    assert!(
        composio.push_wait_available(),
        "the server advertises its push wait"
    );

    let waiter = {
        let request = request.clone();
        tokio::spawn(async move { request.wait_for_connection(WAIT).await })
    };
    let landed = Browser::new()
        .unwrap()
        .approve(request.redirect_url())
        .await
        .unwrap();
    assert_eq!(
        landed,
        format!(
            "https://your-app.com/callback?user_id=user_123&source=onboarding&status=success&connected_account_id={}",
            request.id()
        )
    );
    let callback = CallbackResult::parse(&landed).unwrap();
    assert_eq!(callback.status, CallbackStatus::Success);
    assert_eq!(callback.connected_account_id.as_ref(), Some(request.id()));

    let account = waiter.await.unwrap().unwrap();
    assert_eq!(account.id, request.id().as_str());
    assert_eq!(account.status, ConnectionStatus::Active);
    assert_eq!(account.toolkit.slug, "gmail");
    assert_eq!(account.user_id.as_deref(), Some("user_123"));
    let raw = serde_json::to_string(&account).unwrap();
    assert!(
        !raw.contains("access_token\":\"ey") && !raw.contains("refresh_token\":\""),
        "{raw}"
    );

    // Checking connection status.
    let page = session
        .toolkits(ToolkitsQuery::new().toolkits(["gmail", "github"]))
        .await
        .unwrap();
    let gmail = page.items.iter().find(|t| t.slug == "gmail").unwrap();
    let connection = gmail.connection().unwrap();
    assert!(connection.is_active);
    assert_eq!(connection.connected_account.unwrap().id, account.id);
    let github = page.items.iter().find(|t| t.slug == "github").unwrap();
    assert!(!github.is_connected());
    assert!(github.connection().unwrap().connected_account.is_none());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_consent_fails_fast_with_status_and_reason() {
    let (server, composio) = start(Config::default()).await;
    let session = composio
        .create("user_deny", SessionOptions::new().manage_connections(false))
        .await
        .unwrap();
    let request = session
        .authorize("github", Some("https://app.example.com/cb"))
        .await
        .unwrap();
    let landed = Browser::new()
        .unwrap()
        .deny(request.redirect_url())
        .await
        .unwrap();
    let callback = CallbackResult::parse(&landed).unwrap();
    assert_eq!(callback.status, CallbackStatus::Failed);
    assert!(callback.error.is_some(), "{landed}");
    let err = request.wait_for_connection(WAIT).await.unwrap_err();
    match err {
        Error::ConnectionRequestFailed {
            id,
            status,
            status_reason,
            ..
        } => {
            assert_eq!(&id, request.id());
            assert_eq!(status, ConnectionStatus::Failed);
            assert!(status_reason.is_some());
        }
        other => panic!("expected a failed connection, got {other:?}"),
    }
    // A used link cannot be used again.
    assert!(Browser::new()
        .unwrap()
        .approve(request.redirect_url())
        .await
        .is_err());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unused_link_expires_and_the_wait_fails_with_expired() {
    let (server, composio) = start(Config::default().link_expiry(Duration::from_secs(1))).await;
    let session = composio
        .create("user_exp", SessionOptions::new().manage_connections(false))
        .await
        .unwrap();
    let request = session.authorize("slack", None).await.unwrap();
    let err = request.wait_for_connection(WAIT).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRequestFailed, "{err}");
    let Error::ConnectionRequestFailed {
        status,
        status_reason,
        ..
    } = err
    else {
        unreachable!()
    };
    assert_eq!(status, ConnectionStatus::Expired);
    assert!(status_reason.unwrap().contains("did not complete"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_times_out_and_names_the_account() {
    let (server, composio) = start(Config::default()).await;
    let session = composio
        .create("user_slow", SessionOptions::new())
        .await
        .unwrap();
    let request = session.authorize("notion", None).await.unwrap();
    let err = request
        .wait_for_connection(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert!(err.to_string().contains(request.id().as_str()));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_account_and_toolkit_errors() {
    let (server, composio) = start(Config::default()).await;
    let err = composio
        .wait_for_connection("ca_doesnotexist", WAIT)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectedAccountNotFound, "{err}");

    let session = composio.create("u", SessionOptions::new()).await.unwrap();
    let err = session.authorize("gmial", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api(ApiErrorKind::NotFound));
    let api = err.api_error().unwrap();
    assert!(
        api.suggested_fix.as_deref().unwrap_or("").contains("gmail"),
        "{api:?}"
    );
    assert!(api.request_id.is_some());

    let err = session.authorize("hackernews", None).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Api(ApiErrorKind::BadRequest),
        "no-auth toolkit"
    );

    let bad = Composio::builder()
        .api_key("wrong")
        .base_url(server.url())
        .build()
        .unwrap();
    let err = bad.create("u", SessionOptions::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api(ApiErrorKind::Authentication));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn putting_it_together_then_tools_and_mcp() {
    let (server, composio) = start(Config::default()).await;
    let browser = Browser::new().unwrap();
    let session = composio
        .create("user_all", SessionOptions::new().manage_connections(false))
        .await
        .unwrap();
    for slug in ["gmail", "github"] {
        let account = session
            .ensure_connected(slug, WAIT, |request| {
                let browser = browser.clone();
                let link = request.redirect_url().to_owned();
                tokio::spawn(async move { browser.approve(&link).await });
            })
            .await
            .unwrap();
        assert_eq!(account.status, ConnectionStatus::Active);
    }
    // Already connected: returns at once without a new link.
    let again = session
        .ensure_connected("gmail", WAIT, |_| panic!("no link needed"))
        .await
        .unwrap();
    assert_eq!(again.status, ConnectionStatus::Active);

    let all: Vec<_> = session
        .toolkits_stream(ToolkitsQuery::new().limit(2))
        .try_collect()
        .await
        .unwrap();
    assert!(all.len() >= 6, "every page is followed: {}", all.len());
    let connected: Vec<_> = all
        .iter()
        .filter(|t| t.is_connected())
        .map(|t| t.slug.as_str())
        .collect();
    assert_eq!(connected.len(), 2, "{connected:?}");

    let chat = composio
        .create(
            "user_all",
            SessionOptions::new().manage_connections(ManageConnections::with_callback_url(
                "https://yourapp.com/chat",
            )),
        )
        .await
        .unwrap();
    let tools = chat.tools().await.unwrap();
    let manage = tools
        .iter()
        .find(|t| t.slug == "COMPOSIO_MANAGE_CONNECTIONS")
        .expect("meta tool present");
    assert_eq!(manage.toolkit.slug, "composio");
    assert_eq!(manage.input_parameters["type"], "object");
    assert!(chat
        .mcp()
        .url()
        .ends_with(&format!("/tool_router/{}/mcp", chat.id())));
    assert_eq!(chat.mcp().kind(), "http");
    let no_manage = session.tools().await.unwrap();
    assert!(!no_manage
        .iter()
        .any(|t| t.slug == "COMPOSIO_MANAGE_CONNECTIONS"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connected_accounts_round_trip() {
    let (server, composio) = start(Config::default()).await;
    let account = connect(&composio, "user_acc", "linear").await;
    let accounts = composio.connected_accounts();

    let listed = accounts
        .list(
            ConnectedAccountsQuery::new()
                .user_ids(["user_acc"])
                .statuses([ConnectionStatus::Active]),
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].id, account.id);

    accounts.disable(&account.id).await.unwrap();
    let got = accounts.get(&account.id).await.unwrap();
    assert_eq!(got.status, ConnectionStatus::Inactive);
    assert!(got.is_disabled);
    accounts.enable(&account.id).await.unwrap();
    assert_eq!(
        accounts.get(&account.id).await.unwrap().status,
        ConnectionStatus::Active
    );
    accounts.delete(&account.id).await.unwrap();
    let err = accounts.get(&account.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api(ApiErrorKind::NotFound));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_v3_works_too() {
    let server = composio_server::spawn(Config::default()).await.unwrap();
    let composio = client_for(&server, ApiVersion::V3);
    let account = connect(&composio, "user_v3", "gmail").await;
    assert_eq!(account.status, ConnectionStatus::Active);
    server.shutdown().await;
}

/// A transport that hides the push-wait header, as the hosted API does not send it.
#[derive(Debug)]
struct WithoutPushHeader(ReqwestTransport);

#[async_trait]
impl Transport for WithoutPushHeader {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        assert!(
            !request.uri().path().contains("/watch"),
            "no push wait without the header"
        );
        let mut resp = self.0.send(request).await?;
        resp.headers_mut().remove(composio::PUSH_WAIT_HEADER);
        Ok(resp)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_header_the_sdk_polls_and_still_connects() {
    let server = composio_server::spawn(Config::default()).await.unwrap();
    let composio = Composio::builder()
        .api_key(server.api_key().unwrap())
        .base_url(server.url())
        .transport(Arc::new(WithoutPushHeader(
            ReqwestTransport::new().unwrap(),
        )))
        .poll_interval(Duration::from_millis(100))
        .build()
        .unwrap();
    let session = composio
        .create("user_poll", SessionOptions::new().manage_connections(false))
        .await
        .unwrap();
    let request = session.authorize("gmail", None).await.unwrap();
    assert!(!composio.push_wait_available());
    Browser::new()
        .unwrap()
        .approve(request.redirect_url())
        .await
        .unwrap();
    let account = request.wait_for_connection(WAIT).await.unwrap();
    assert_eq!(account.status, ConnectionStatus::Active);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_waits_share_the_push_stream() {
    let (server, composio) = start(Config::default()).await;
    let session = composio
        .create("user_many", SessionOptions::new().manage_connections(false))
        .await
        .unwrap();
    let mut requests = Vec::new();
    for _ in 0..50 {
        requests.push(session.authorize("gmail", None).await.unwrap());
    }
    let waits: Vec<_> = requests
        .iter()
        .cloned()
        .map(|r| tokio::spawn(async move { r.wait_for_connection(WAIT).await }))
        .collect();
    let browser = Browser::new().unwrap();
    for (i, r) in requests.iter().enumerate() {
        if i % 2 == 0 {
            browser.approve(r.redirect_url()).await.unwrap();
        } else {
            browser.deny(r.redirect_url()).await.unwrap();
        }
    }
    for (i, w) in waits.into_iter().enumerate() {
        let outcome = w.await.unwrap();
        if i % 2 == 0 {
            assert_eq!(outcome.unwrap().id, requests[i].id().as_str());
        } else {
            assert_eq!(
                outcome.unwrap_err().kind(),
                ErrorKind::ConnectionRequestFailed
            );
        }
    }
    server.shutdown().await;
}
