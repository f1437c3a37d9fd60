//! The SDK's auth config calls against composio-server: create a custom GitHub app, read it
//! back without its secret, link an account through it, disable, update and delete.

use composio::models::{
    AuthConfigListParams, AuthConfigOptions, AuthConfigStatus, AuthConfigType, AuthConfigUpdate,
};
use composio::Composio;

#[tokio::test]
async fn create_list_get_link_disable_update_and_delete() {
    let server = composio_server::spawn(composio_server::Config::default())
        .await
        .unwrap();
    let composio = Composio::builder()
        .api_key(server.api_key().unwrap())
        .base_url(server.url())
        .build()
        .unwrap();
    let configs = composio.auth_configs();
    let created = configs
        .create(
            "github",
            AuthConfigOptions::custom("OAUTH2")
                .name("Ours")
                .client("Iv1.sdk", "sdk-secret")
                .scopes(["repo"])
                .authorize_param("prompt", "select_account"),
        )
        .await
        .unwrap();
    let id = created.auth_config.id.clone();
    assert!(!created.auth_config.is_composio_managed);

    let got = configs.get(&id).await.unwrap();
    assert_eq!(got.kind, AuthConfigType::Custom);
    assert_eq!(got.status, AuthConfigStatus::Enabled);
    assert_eq!(
        got.redirect_uri,
        Some(format!("{}/oauth/callback", server.url()))
    );
    let creds = got.credentials.clone().unwrap();
    assert_eq!(creds["client_id"], "Iv1.sdk");
    assert_ne!(creds["client_secret"], "sdk-secret");

    let mut params = AuthConfigListParams::default();
    params.toolkit_slug = Some("github".into());
    params.is_composio_managed = Some(false);
    let page = configs.list(&params).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, id);

    configs.disable(&id).await.unwrap();
    let refused = composio
        .connected_accounts()
        .link(&id, "user-1", None)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(400), "{refused}");
    configs.enable(&id).await.unwrap();
    let request = composio
        .connected_accounts()
        .link(&id, "user-1", None)
        .await
        .unwrap();
    assert!(request.redirect_url().contains("/link/"));

    let done = configs
        .update(&id, AuthConfigUpdate::custom().name("Renamed"))
        .await
        .unwrap();
    assert!(done.success);
    assert_eq!(configs.get(&id).await.unwrap().name, "Renamed");

    let in_use = configs.delete(&id).await.unwrap_err();
    assert_eq!(in_use.status(), Some(409), "{in_use}");
    composio
        .connected_accounts()
        .delete(request.id().as_str())
        .await
        .unwrap();
    assert!(configs.delete(&id).await.unwrap().success);
    assert_eq!(configs.get(&id).await.unwrap_err().status(), Some(404));
}
