//! Several accounts per toolkit in a [`Session`]: connecting another one under an alias, and
//! choosing the account a tool call runs with (docs/spec/wire-2026.md §16.3, §16.8).

use composio_core::callback::validate_callback_url;
use composio_core::models::{
    ExecuteMetaRequest, ExecuteRequest, ExecuteResponse, LinkRequest, LinkResponse,
};
use composio_core::{Error, Result, ToolkitSlug};

use crate::client::ApiVersion;
use crate::connection_request::ConnectionRequest;
use crate::request::Call;
use crate::session::Session;

/// Options of [`Session::authorize_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizeOptions {
    /// Where the user lands afterwards.
    pub callback_url: Option<String>,
    /// The new account's alias (unique per user and toolkit, compared without case).
    pub alias: Option<String>,
}

impl AuthorizeOptions {
    /// No callback URL and no alias.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the user lands afterwards (`http` or `https`).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Names the new account.
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = Some(alias.into());
        self
    }
}

/// Options of [`Session::execute_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecuteOptions {
    /// The account that runs the tool: an account id, word id or alias.
    pub account: Option<String>,
}

impl ExecuteOptions {
    /// The session's default account.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs the tool with this account (id, word id or alias) of the tool's toolkit.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }
}

impl Session {
    /// [`Session::authorize`] with options, e.g. an alias that tells this account from the
    /// user's others of the same toolkit. Each call creates another account; a taken alias
    /// is an `Api` error 409 (`ConnectedAccount_AliasConflict`).
    ///
    /// ```no_run
    /// # async fn run(session: composio::Session) -> composio::Result<()> {
    /// use composio::AuthorizeOptions;
    /// let work = session.authorize_with("gmail", AuthorizeOptions::new().alias("work")).await?;
    /// println!("{}", work.redirect_url());
    /// # Ok(()) }
    /// ```
    pub async fn authorize_with(
        &self,
        toolkit: &str,
        options: AuthorizeOptions,
    ) -> Result<ConnectionRequest> {
        let toolkit = ToolkitSlug::new(toolkit)?;
        if let Some(cb) = &options.callback_url {
            validate_callback_url(cb)?;
        }
        let mut body = LinkRequest::new(toolkit.as_str(), options.callback_url);
        if let Some(alias) = options.alias {
            body = body.alias(alias);
        }
        let call = Call::post(self.path("/link"))
            .json(&body)?
            .with_idempotency_key();
        let (link, meta) = self
            .client()
            .api()
            .send_with_meta::<LinkResponse>(call)
            .await?;
        ConnectionRequest::from_link(
            self.client().clone(),
            &link.connected_account_id,
            link.redirect_url,
            link.link_token,
            None,
            &meta,
        )
    }

    /// [`Session::execute`] with options, e.g. the account to run an app tool with when the
    /// user has several for its toolkit. A name that matches none of them is a failed
    /// result listing the accounts there are. Needs API v3.1.
    ///
    /// ```no_run
    /// # async fn run(session: composio::Session) -> composio::Result<()> {
    /// use composio::ExecuteOptions;
    /// let out = session
    ///     .execute_with("GMAIL_GET_PROFILE", serde_json::json!({}), ExecuteOptions::new().account("work"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn execute_with(
        &self,
        tool_slug: &str,
        arguments: serde_json::Value,
        options: ExecuteOptions,
    ) -> Result<ExecuteResponse> {
        if tool_slug.trim().is_empty() {
            return Err(Error::InvalidInput(
                "tool slug must not be empty".to_owned(),
            ));
        }
        let call = match (self.client().api_version(), options.account) {
            (ApiVersion::V3, Some(_)) => {
                return Err(Error::InvalidInput(
                    "choosing the account of a tool call needs API v3.1".to_owned(),
                ))
            }
            (ApiVersion::V3, None) => Call::post(self.path("/execute_meta"))
                .json(&ExecuteMetaRequest::new(tool_slug, arguments))?,
            (_, account) => {
                let mut body = ExecuteRequest::new(tool_slug, arguments);
                if let Some(account) = account {
                    body = body.account(account);
                }
                Call::post(self.path("/execute")).json(&body)?
            }
        };
        self.client().api().send(call.non_idempotent()).await
    }
}
