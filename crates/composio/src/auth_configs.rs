//! Auth configs: which OAuth app (or API-key settings) a toolkit's connected accounts are
//! created with; `composio.auth_configs()` (docs/spec/auth-configs.md §24).

use composio_core::models::{
    AuthConfig, AuthConfigListParams, AuthConfigOptions, AuthConfigResult, AuthConfigUpdate,
    CreateAuthConfigRequest, CreateAuthConfigResponse, Page,
};
use composio_core::query::{encode_path_segment, Query};
use composio_core::Result;

use crate::client::Composio;
use crate::request::Call;

/// The project's auth configs: `composio.auth_configs()`.
///
/// ```no_run
/// # async fn run(composio: composio::Composio) -> composio::Result<()> {
/// use composio::models::AuthConfigOptions;
/// let created = composio
///     .auth_configs()
///     .create(
///         "github",
///         AuthConfigOptions::custom("OAUTH2")
///             .name("Our GitHub app")
///             .client("Iv1.abc", "client-secret")
///             .scopes(["repo", "read:user"])
///             .authorize_param("prompt", "select_account"),
///     )
///     .await?;
/// let config = composio.auth_configs().get(&created.auth_config.id).await?;
/// // Register this URI as the app's callback at the provider.
/// println!("{:?}", config.redirect_uri);
/// let request = composio
///     .connected_accounts()
///     .link(&created.auth_config.id, "user-1", None)
///     .await?;
/// println!("{:?}", request.redirect_url());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AuthConfigs {
    client: Composio,
}

fn path(id: &str, rest: &str) -> String {
    format!("/auth_configs/{}{rest}", encode_path_segment(id))
}

impl AuthConfigs {
    pub(crate) fn new(client: Composio) -> Self {
        Self { client }
    }

    /// Creates an auth config of `toolkit` (`POST {P}/auth_configs`).
    pub async fn create(
        &self,
        toolkit: &str,
        options: AuthConfigOptions,
    ) -> Result<CreateAuthConfigResponse> {
        let body = CreateAuthConfigRequest::new(toolkit, options);
        let call = Call::post("/auth_configs").json(&body)?;
        self.client.api().send(call).await
    }

    /// A page of the project's auth configs (`GET {P}/auth_configs`).
    pub async fn list(&self, params: &AuthConfigListParams) -> Result<Page<AuthConfig>> {
        let mut q = Query::new();
        for (k, v) in params.query() {
            q.push(&k, v);
        }
        let call = Call::get("/auth_configs").query(q.finish());
        self.client.api().send(call).await
    }

    /// An auth config, its secrets masked (`GET {P}/auth_configs/{id}`).
    pub async fn get(&self, id: &str) -> Result<AuthConfig> {
        self.client.api().send(Call::get(path(id, ""))).await
    }

    /// Changes an auth config (`PATCH {P}/auth_configs/{id}`).
    pub async fn update(&self, id: &str, change: AuthConfigUpdate) -> Result<AuthConfigResult> {
        let call = Call::patch(path(id, "")).json(&change)?;
        self.client.api().send(call).await
    }

    /// Deletes an auth config; a 409 API error while connected accounts use it
    /// (`DELETE {P}/auth_configs/{id}`).
    pub async fn delete(&self, id: &str) -> Result<AuthConfigResult> {
        self.client.api().send(Call::delete(path(id, ""))).await
    }

    /// Lets new connections use it (`PATCH {P}/auth_configs/{id}/ENABLED`).
    pub async fn enable(&self, id: &str) -> Result<AuthConfigResult> {
        self.client
            .api()
            .send(Call::patch(path(id, "/ENABLED")))
            .await
    }

    /// Refuses new connections with it (`PATCH {P}/auth_configs/{id}/DISABLED`).
    pub async fn disable(&self, id: &str) -> Result<AuthConfigResult> {
        self.client
            .api()
            .send(Call::patch(path(id, "/DISABLED")))
            .await
    }
}
