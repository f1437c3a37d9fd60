//! [`ConnectedAccounts`]: the connected accounts of a project.

use composio_core::callback::validate_callback_url;
use composio_core::models::{
    CompleteAuthRequest, CompleteAuthResponse, ConnectedAccount, ConnectedAccountsQuery,
    CreateAccountLinkRequest, CreateAccountLinkResponse, Page, RevokeAccountResponse,
    UpdateAccountRequest, UpdateAccountResponse, UpdateAccountStatusRequest,
};
use composio_core::query::encode_path_segment;
use composio_core::{AuthConfigId, ConnectedAccountId, ConnectionStatus, Error, Result, UserId};
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
    /// Like the official SDKs, it first checks that the user has no `ACTIVE` account for the
    /// auth config yet, and refuses with [`Error::MultipleConnectedAccounts`] (sending no
    /// link request) when there is one; use [`Self::link_with`] and
    /// [`LinkOptions::allow_multiple`] to connect another.
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
        let mut options = LinkOptions::new();
        if let Some(cb) = callback_url {
            options = options.callback_url(cb);
        }
        self.link_with(auth_config_id, user_id, options).await
    }

    /// [`Self::link`] with options: a callback URL, an alias for the new account, and whether
    /// the user may have several accounts for the auth config.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// use composio::LinkOptions;
    /// let request = composio
    ///     .connected_accounts()
    ///     .link_with("ac_AbCdEfGhIjKl", "user_123", LinkOptions::new().alias("work-gmail").allow_multiple(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn link_with(
        &self,
        auth_config_id: &str,
        user_id: &str,
        options: LinkOptions,
    ) -> Result<ConnectionRequest> {
        let auth_config_id = AuthConfigId::new(auth_config_id)?;
        let user_id = UserId::new(user_id)?;
        if let Some(cb) = &options.callback_url {
            validate_callback_url(cb)?;
        }
        if !options.allow_multiple {
            let active = self
                .list(
                    ConnectedAccountsQuery::new()
                        .user_ids([user_id.as_str()])
                        .auth_config_ids([auth_config_id.as_str()])
                        .statuses([ConnectionStatus::Active]),
                )
                .await?;
            if !active.items.is_empty() {
                return Err(Error::MultipleConnectedAccounts {
                    user_id: user_id.as_str().to_owned(),
                    auth_config_id: auth_config_id.as_str().to_owned(),
                });
            }
        }
        let mut body = CreateAccountLinkRequest::new(
            auth_config_id.as_str(),
            user_id.as_str(),
            options.callback_url,
        );
        if let Some(alias) = options.alias {
            body = body.alias(alias);
        }
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

    /// Renames an account (`PATCH {P}/connected_accounts/{id}` with `{"alias": …}`); an empty
    /// alias clears it. Aliases are unique per user and toolkit (compared without case): a
    /// taken one is an `Api` error with status 409 and slug `ConnectedAccount_AliasConflict`.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// use composio::UpdateAccountRequest;
    /// composio
    ///     .connected_accounts()
    ///     .update("ca_N3wAcc0unt01", UpdateAccountRequest::alias("work-gmail"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(
        &self,
        id: &str,
        update: UpdateAccountRequest,
    ) -> Result<UpdateAccountResponse> {
        let id = ConnectedAccountId::new(id)?;
        let call = Call::patch(account_path(&id, "")).json(&update)?;
        self.client.api().send(call).await
    }

    /// Revokes an `ACTIVE` account's tokens at its provider and marks it `REVOKED`
    /// (`POST {P}/connected_accounts/{id}/revoke`). Revoking a `REVOKED` account again
    /// succeeds with no tokens listed. A toolkit without programmatic revocation is an `Api`
    /// error 400 (`ConnectedAccount_RevokeNotSupported`); an account in another status a 409
    /// (`ConnectedAccount_NotRevokable`).
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// let revoked = composio.connected_accounts().revoke("ca_N3wAcc0unt01").await?;
    /// println!("{:?} -> {}", revoked.revoked_tokens, revoked.connected_account.status);
    /// # Ok(()) }
    /// ```
    pub async fn revoke(&self, id: &str) -> Result<RevokeAccountResponse> {
        let id = ConnectedAccountId::new(id)?;
        let call = Call::post(account_path(&id, "/revoke")).non_idempotent();
        self.client.api().send(call).await
    }

    /// Completes a connection of a project with callback identity verification
    /// (`POST {P}/connected_accounts/complete_auth`, docs/spec/wire-2026.md §21.2): the app's
    /// verifier URL received `?session_uri=…`; call this with the user the app has signed
    /// in. The account is `ACTIVE` when it returns.
    ///
    /// Errors (never retried: the `session_uri` is single use): 400
    /// `ConnectedAccount_IdentityMismatch` when `user_id` does not own the account (which is
    /// then `FAILED`); 404 `ConnectedAccount_AuthSessionNotFound` for an unknown, expired or
    /// already redeemed `session_uri`.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio, session_uri: &str) -> composio::Result<()> {
    /// let done = composio
    ///     .connected_accounts()
    ///     .complete_auth("user_123", session_uri)
    ///     .await?;
    /// println!("{} connected ({})", done.connected_account_id, done.toolkit_slug);
    /// # Ok(()) }
    /// ```
    pub async fn complete_auth(
        &self,
        user_id: &str,
        session_uri: &str,
    ) -> Result<CompleteAuthResponse> {
        let user_id = UserId::new(user_id)?;
        if session_uri.is_empty() {
            return Err(Error::InvalidInput(
                "`session_uri` must not be empty".to_owned(),
            ));
        }
        let body = CompleteAuthRequest::new(session_uri, user_id.as_str());
        let call = Call::post("/connected_accounts/complete_auth")
            .json(&body)?
            .non_idempotent();
        self.client.api().send(call).await
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

/// Options of [`ConnectedAccounts::link_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkOptions {
    /// Where the user lands afterwards.
    pub callback_url: Option<String>,
    /// The new account's alias.
    pub alias: Option<String>,
    /// Whether the user may already have an `ACTIVE` account for the auth config.
    pub allow_multiple: bool,
}

impl LinkOptions {
    /// No callback URL, no alias, one account per user and auth config.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the user lands afterwards (`http` or `https`).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Names the new account (unique per user and toolkit).
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = Some(alias.into());
        self
    }

    /// Allows linking although the user has an `ACTIVE` account for the auth config.
    pub fn allow_multiple(mut self, allow: bool) -> Self {
        self.allow_multiple = allow;
        self
    }
}
