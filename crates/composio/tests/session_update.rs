//! `Session::update`, `Session::config_history` and `Composio::use_session` against
//! composio-server over real HTTP, on both API versions (docs/spec/wire-2026.md §19).

use composio::{
    ApiVersion, Composio, Error, ErrorKind, ManageConnectionsPatch, MultiAccountPatch,
    SessionOptions, SessionUpdate,
};
use composio_server::{Config, ServerHandle};

fn client_for(server: &ServerHandle, version: ApiVersion) -> Composio {
    Composio::builder()
        .api_key(server.api_key().expect("a key"))
        .base_url(server.url())
        .api_version(version)
        .build()
        .expect("client")
}

#[tokio::test]
async fn update_reuse_and_history_on_both_api_versions() {
    let server = composio_server::spawn(Config::default()).await.unwrap();
    for version in [ApiVersion::V3_1, ApiVersion::V3] {
        let composio = client_for(&server, version);
        let mut session = composio
            .create(
                "user_123",
                SessionOptions::new()
                    .toolkits(["gmail"])
                    .auth_config("gmail", "ac_old"),
            )
            .await
            .unwrap();
        assert_eq!(session.config_version(), 1);
        assert!(!session
            .tool_router_tools()
            .contains(&"COMPOSIO_WAIT_FOR_CONNECTIONS".to_owned()));

        let (config, v) = session
            .update(
                SessionUpdate::new()
                    .toolkits(["gmail", "slack"])
                    .auth_config("gmail", "ac_new")
                    .multi_account(
                        MultiAccountPatch::new()
                            .enable(true)
                            .max_accounts_per_toolkit(4),
                    )
                    .manage_connections(
                        ManageConnectionsPatch::new().enable_wait_for_connections(true),
                    )
                    .expected_config_version(session.config_version()),
            )
            .await
            .unwrap();
        assert_eq!(v, 2);
        assert_eq!(session.config_version(), 2, "the session is refreshed");
        assert_eq!(config.auth_configs["gmail"], "ac_new");
        assert_eq!(
            config.extra["multi_account"],
            serde_json::json!({"enable": true, "max_accounts_per_toolkit": 4})
        );
        assert!(session
            .tool_router_tools()
            .contains(&"COMPOSIO_WAIT_FOR_CONNECTIONS".to_owned()));

        // Reuse by id: the same config and version.
        let mut again = composio.use_session(session.id().as_str()).await.unwrap();
        assert_eq!(again.config_version(), 2);
        assert_eq!(again.config(), session.config());

        // A stale precondition: a typed conflict, nothing changed.
        let err = again
            .update(
                SessionUpdate::new()
                    .clear_toolkits()
                    .expected_config_version(1),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SessionConfigConflict);
        assert_eq!(err.status(), Some(409));
        match &err {
            Error::SessionConfigConflict {
                session_id,
                expected,
                current,
                error,
            } => {
                assert_eq!(session_id, session.id());
                assert_eq!(*expected, Some(1));
                assert_eq!(*current, Some(2));
                assert_eq!(error.attempts, 1, "never retried");
                assert_eq!(
                    error.slug.as_deref(),
                    Some("ToolRouterSession_ConfigVersionConflict")
                );
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("no longer at version 1"), "{err}");
        assert_eq!(again.config_version(), 2, "unchanged on conflict");

        // Unknown keys are a 400.
        let err = again
            .update(SessionUpdate::new().set("user_id", serde_json::json!("x")))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(400));

        let (_, v) = again
            .update(SessionUpdate::new().clear_toolkits())
            .await
            .unwrap();
        assert_eq!(v, 3);

        let page = session.config_history(Some(2), None).await.unwrap();
        assert_eq!(page.total_items, Some(3));
        let versions: Vec<(u64, bool)> = page
            .items
            .iter()
            .map(|i| (i.version, i.is_current))
            .collect();
        assert_eq!(versions, [(3, true), (2, false)]);
        let next = page.next_cursor.as_deref().expect("a second page");
        let page = session.config_history(Some(2), Some(next)).await.unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].version, 1);
        assert_eq!(page.items[0].config.auth_configs["gmail"], "ac_old");
        assert!(page.next_cursor.is_none());
    }
}
