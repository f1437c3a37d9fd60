//! [`ConnectedAccounts`]: the connected accounts of a project.

use composio_core::callback::validate_callback_url;
use composio_core::models::{
    ConnectedAccount, ConnectedAccountsQuery, CreateAccountLinkRequest, CreateAccountLinkResponse,
    Page, UpdateAccountStatusRequest,
};
use composio_core::query::encode_path_segment;
use composio_core::{AuthConfigId, ConnectedAccountId, Result, UserId};
use futures_util::Stream;

use crate::client::Composio;
use crate::connection_request::ConnectionRequest;
use crate::pagination::paginate;
use crate::request::Call;

/// The connected accounts of your project: `composio.connected_accounts()`.
///
/// ```no_run
/// # async fn run(composio: composio::Composio) -> composio::Result<()> {
/// use composio::{ConnectedAccountsQuery, ConnectionStatus};
/// let page = composio
///     .connected_accounts()
///     .list(ConnectedAccountsQuery::new().user_ids(["user_123"]).statuses([ConnectionStatus::Active]))
///     .await?;
/// for account in page.items {
///     println!("{} {}", account.toolkit.slug, account.id);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ConnectedAccounts {
    client: Composio,
}

fn account_path(id: &ConnectedAccountId, rest: &str) -> String {
    format!(
        "/connected_accounts/{}{rest}",
        encode_path_segment(id.as_str())
    )
}

impl ConnectedAccounts {
    pub(crate) fn new(client: Composio) -> Self {
        Self { client }
    }

    /// One connected account (`GET {P}/connected_accounts/{id}`). Credentials are never
    /// part of it.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// let account = composio.connected_accounts().get("ca_N3wAcc0unt01").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Troubleshooting
    /// An `Api` error with status 404 means there is no such account for your API key.
    pub async fn get(&self, id: &str) -> Result<ConnectedAccount> {
        let id = ConnectedAccountId::new(id)?;
        self.client
            .api()
            .send(Call::get(account_path(&id, "")))
            .await
    }

    /// One page of connected accounts (`GET {P}/connected_accounts`).
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// use composio::ConnectedAccountsQuery;
    /// let page = composio.connected_accounts().list(ConnectedAccountsQuery::new().toolkit_slugs(["gmail"])).await?;
    /// println!("{} accounts", page.total_items.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn list(&self, query: ConnectedAccountsQuery) -> Result<Page<ConnectedAccount>> {
        let call = Call::get("/connected_accounts").query(query.to_query_string());
        self.client.api().send(call).await
    }

    /// Every connected account matching `query`, following `next_cursor` page by page.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use composio::ConnectedAccountsQuery;
    /// let mut stream = std::pin::pin!(composio.connected_accounts().list_stream(ConnectedAccountsQuery::new()));
    /// while let Some(account) = stream.try_next().await? {
    ///     println!("{}", account.id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_stream(
        &self,
        query: ConnectedAccountsQuery,
    ) -> impl Stream<Item = Result<ConnectedAccount>> + Send + 'static {
        let this = self.clone();
        paginate(query.cursor.clone(), move |cursor| {
            let this = this.clone();
            let mut query = query.clone();
            query.cursor = cursor;
            async move { this.list(query).await }
        })
    }

    /// Creates a Connect Link for an auth config and user
    /// (`POST {P}/connected_accounts/link`), without a session.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// let request = composio
    ///     .connected_accounts()
    ///     .link("ac_AbCdEfGhIjKl", "user_123", Some("https://your-app.com/callback"))
    ///     .await?;
    /// println!("{}", request.redirect_url());
    /// # Ok(()) }
    /// ```
    pub async fn link(
        &self,
        auth_config_id: &str,
        user_id: &str,
        callback_url: Option<&str>,
    ) -> Result<ConnectionRequest> {
        let auth_config_id = AuthConfigId::new(auth_config_id)?;
        let user_id = UserId::new(user_id)?;
        if let Some(cb) = callback_url {
            validate_callback_url(cb)?;
        }
        let body = CreateAccountLinkRequest::new(
            auth_config_id.as_str(),
            user_id.as_str(),
            callback_url.map(str::to_owned),
        );
        let call = Call::post("/connected_accounts/link")
            .json(&body)?
            .with_idempotency_key();
        let (link, meta) = self
            .client
            .api()
            .send_with_meta::<CreateAccountLinkResponse>(call)
            .await?;
        ConnectionRequest::from_link(
            self.client.clone(),
            &link.connected_account_id,
            link.redirect_url,
            link.link_token,
            link.expires_at,
            &meta,
        )
    }

    /// Deletes a connected account (`DELETE {P}/connected_accounts/{id}`).
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// composio.connected_accounts().delete("ca_N3wAcc0unt01").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id: &str) -> Result<()> {
        let id = ConnectedAccountId::new(id)?;
        self.client
            .api()
            .send_bytes(Call::delete(account_path(&id, "")))
            .await?;
        Ok(())
    }

    /// Enables a disabled account (`PATCH {P}/connected_accounts/{id}/status
    /// {"enabled": true}`): `INACTIVE` becomes `ACTIVE` again.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// composio.connected_accounts().enable("ca_N3wAcc0unt01").await?;
    /// # Ok(()) }
    /// ```
    pub async fn enable(&self, id: &str) -> Result<()> {
        self.set_enabled(id, true).await
    }

    /// Disables an account (`PATCH {P}/connected_accounts/{id}/status {"enabled": false}`):
    /// it becomes `INACTIVE`.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// composio.connected_accounts().disable("ca_N3wAcc0unt01").await?;
    /// # Ok(()) }
    /// ```
    pub async fn disable(&self, id: &str) -> Result<()> {
        self.set_enabled(id, false).await
    }

    async fn set_enabled(&self, id: &str, enabled: bool) -> Result<()> {
        let id = ConnectedAccountId::new(id)?;
        let call = Call::patch(account_path(&id, "/status"))
            .json(&UpdateAccountStatusRequest::new(enabled))?;
        self.client.api().send_bytes(call).await?;
        Ok(())
    }
}
