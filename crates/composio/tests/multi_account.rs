//! Several accounts per user and toolkit through the SDK, against composio-server: aliases
//! on authorize, choosing the account of a tool call, renaming, revoking, and the
//! `allow_multiple` check of `connected_accounts().link`.

use std::time::Duration;

use composio::{
    ApiErrorKind, AuthorizeOptions, Composio, ConnectionStatus, Error, ErrorKind, ExecuteOptions,
    LinkOptions, MultiAccount, SessionOptions, UpdateAccountRequest,
};
use composio_server::sandbox::Browser;
use composio_server::Config;

const WAIT: Duration = Duration::from_secs(30);

async fn approve(request: &composio::ConnectionRequest) -> composio::ConnectedAccount {
    Browser::new()
        .unwrap()
        .approve(request.redirect_url())
        .await
        .unwrap();
    request.wait_for_connection(WAIT).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gmail_accounts_with_aliases() {
    let server = composio_server::spawn(Config::default()).await.unwrap();
    let composio = Composio::builder()
        .api_key(server.api_key().unwrap())
        .base_url(server.url())
        .build()
        .unwrap();
    let session = composio
        .create(
            "user_123",
            SessionOptions::new()
                .manage_connections(false)
                .multi_account(MultiAccount::enabled().require_explicit_selection(true)),
        )
        .await
        .unwrap();
    assert_eq!(
        session.config().extra["multi_account"],
        serde_json::json!({"enable": true, "require_explicit_selection": true})
    );
    let work = approve(
        &session
            .authorize_with("gmail", AuthorizeOptions::new().alias("work-gmail"))
            .await
            .unwrap(),
    )
    .await;
    let home = approve(
        &session
            .authorize_with("gmail", AuthorizeOptions::new().alias("personal-gmail"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(work.alias.as_deref(), Some("work-gmail"));
    assert!(home.word_id.as_deref().unwrap().starts_with("gmail_"));

    // A taken alias: a 409 the SDK does not retry.
    let err = session
        .authorize_with("gmail", AuthorizeOptions::new().alias("WORK-gmail"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api(ApiErrorKind::Conflict), "{err}");
    assert_eq!(err.attempts(), Some(1));

    // Execute by alias; an unknown name is a failed result listing the accounts.
    let out = session
        .execute_with(
            "GMAIL_GET_PROFILE",
            serde_json::json!({}),
            ExecuteOptions::new().account("personal-gmail"),
        )
        .await
        .unwrap();
    assert!(out.successful, "{out:?}");
    let out = session
        .execute_with(
            "GMAIL_GET_PROFILE",
            serde_json::json!({}),
            ExecuteOptions::new().account("school"),
        )
        .await
        .unwrap();
    assert!(!out.successful);
    assert!(out.error.unwrap().contains("work-gmail"));
    // Two active accounts and explicit selection: a call must name one.
    let out = session
        .execute("GMAIL_GET_PROFILE", serde_json::json!({}))
        .await
        .unwrap();
    assert!(!out.successful);
    assert!(out.error.unwrap().contains("has 2 active accounts"));

    // Rename, then revoke.
    let accounts = composio.connected_accounts();
    let renamed = accounts
        .update(&home.id, UpdateAccountRequest::alias("home"))
        .await
        .unwrap();
    assert!(renamed.success);
    assert_eq!(
        accounts.get(&home.id).await.unwrap().alias.as_deref(),
        Some("home")
    );
    let revoked = accounts.revoke(&work.id).await.unwrap();
    assert_eq!(revoked.connected_account.status, ConnectionStatus::Revoked);
    assert_eq!(
        revoked.revoked_tokens,
        vec!["refresh_token".to_owned(), "access_token".to_owned()]
    );
    let again = accounts.revoke(&work.id).await.unwrap();
    assert!(again.revoked_tokens.is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_refuses_a_second_active_account_unless_allowed() {
    let server = composio_server::spawn(Config::default()).await.unwrap();
    let composio = Composio::builder()
        .api_key(server.api_key().unwrap())
        .base_url(server.url())
        .build()
        .unwrap();
    let first = composio
        .connected_accounts()
        .link_with("", "user_1", LinkOptions::new())
        .await;
    assert_eq!(first.unwrap_err().kind(), ErrorKind::InvalidInput);
    // The auth config of gmail in this project, from a session's toolkits.
    let session = composio
        .create("user_1", SessionOptions::new().manage_connections(false))
        .await
        .unwrap();
    let account = approve(&session.authorize("gmail", None).await.unwrap()).await;
    let auth_config = account.auth_config.unwrap().id;

    let err = composio
        .connected_accounts()
        .link(&auth_config, "user_1", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::MultipleConnectedAccounts { user_id, .. } if user_id == "user_1"),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::MultipleConnectedAccounts);
    let second = composio
        .connected_accounts()
        .link_with(
            &auth_config,
            "user_1",
            LinkOptions::new().allow_multiple(true).alias("second"),
        )
        .await
        .unwrap();
    let second = approve(&second).await;
    assert_eq!(second.alias.as_deref(), Some("second"));
    // Another user has none yet: no check fails.
    composio
        .connected_accounts()
        .link(&auth_config, "user_2", None)
        .await
        .unwrap();
    server.shutdown().await;
}
