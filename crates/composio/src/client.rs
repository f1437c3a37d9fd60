//! [`Composio`], the client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use composio_core::models::CreateSessionRequest;
use composio_core::models::SessionResponse;
use composio_core::query::encode_path_segment;
use composio_core::{ConnectedAccountId, Error, Result, SessionId, SessionOptions, UserId};

use crate::builder::ComposioBuilder;
use crate::connected_accounts::ConnectedAccounts;
use crate::request::{Api, Call};
use crate::session::Session;
use crate::wait::Waiter;

/// Which generation of the API to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `/api/v3.1` (the default).
    #[default]
    V3_1,
    /// `/api/v3`.
    V3,
}

impl ApiVersion {
    /// The path prefix of this version.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::V3_1 => "/api/v3.1",
            Self::V3 => "/api/v3",
        }
    }
}

/// The Composio client: creates sessions, manages connected accounts and waits for
/// connections.
///
/// Cheap to clone: clones share one connection pool and one connection watcher.
///
/// ```no_run
/// # async fn run() -> composio::Result<()> {
/// use composio::{Composio, SessionOptions};
///
/// let composio = Composio::from_env()?;
/// let session = composio
///     .create("user_123", SessionOptions::new().manage_connections(false))
///     .await?;
/// let request = session.authorize("gmail", None).await?;
/// println!("Connect Gmail: {}", request.redirect_url());
/// let account = request.wait_for_connection(std::time::Duration::from_secs(60)).await?;
/// println!("Connected: {}", account.id);
/// # Ok(()) }
/// ```
///
/// # Troubleshooting
/// `Error::Configuration` from [`from_env`](Self::from_env) means `COMPOSIO_API_KEY` is not
/// set. `Error::Connect` means the base URL cannot be reached: check `COMPOSIO_BASE_URL`.
#[derive(Clone)]
pub struct Composio {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) api: Arc<Api>,
    pub(crate) version: ApiVersion,
    pub(crate) poll_interval: Duration,
    pub(crate) waiter: Waiter,
}

impl fmt::Debug for Composio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Composio")
            .field("base_url", &self.inner.api.base_url)
            .field("api_version", &self.inner.version)
            .field("api_key", &"<redacted>")
            .field("timeout", &self.inner.api.timeout)
            .field("poll_interval", &self.inner.poll_interval)
            .finish_non_exhaustive()
    }
}

impl Composio {
    /// A builder with the defaults (base URL `https://backend.composio.dev`, API v3.1, 60 s
    /// timeout, 2 retries).
    ///
    /// ```
    /// let composio = composio::Composio::builder().api_key("ak_test").build().unwrap();
    /// assert!(!format!("{composio:?}").contains("ak_test"));
    /// ```
    pub fn builder() -> ComposioBuilder {
        ComposioBuilder::default()
    }

    /// A client configured from `COMPOSIO_API_KEY` (required) and `COMPOSIO_BASE_URL`
    /// (optional).
    ///
    /// ```no_run
    /// let composio = composio::Composio::from_env()?;
    /// # Ok::<(), composio::Error>(())
    /// ```
    ///
    /// `COMPOSIO_ALLOW_INSECURE_HTTP=1` opts in to sending the key over plain `http://` to a
    /// host that is not loopback (see [`ComposioBuilder::allow_insecure_http`]).
    ///
    /// # Troubleshooting
    /// Returns `Error::Configuration` naming `COMPOSIO_API_KEY` when it is unset or empty.
    pub fn from_env() -> Result<Self> {
        Self::builder_from_env()?.build()
    }

    /// A builder pre-filled from the environment (see [`from_env`](Self::from_env) and
    /// [`ComposioBuilder::with_env`]), to adjust further before building.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let composio = composio::Composio::builder_from_env()?
    ///     .timeout(Duration::from_secs(10))
    ///     .build()?;
    /// # Ok::<(), composio::Error>(())
    /// ```
    pub fn builder_from_env() -> Result<ComposioBuilder> {
        let builder = Self::builder().with_env();
        if !builder.has_api_key() {
            return Err(Error::Configuration(
                "the environment variable COMPOSIO_API_KEY is not set; set it to your Composio API key"
                    .to_owned(),
            ));
        }
        Ok(builder)
    }

    /// Creates a tool-router session for `user_id` (`POST {P}/tool_router/session`).
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// use composio::{ManageConnections, SessionOptions};
    /// let session = composio
    ///     .create(
    ///         "user_123",
    ///         SessionOptions::new()
    ///             .manage_connections(ManageConnections::with_callback_url("https://yourapp.com/chat")),
    ///     )
    ///     .await?;
    /// println!("MCP URL: {}", session.mcp().url());
    /// # Ok(()) }
    /// ```
    ///
    /// # Troubleshooting
    /// `Error::InvalidInput` means the user id was empty: nothing was sent.
    pub async fn create(&self, user_id: &str, options: SessionOptions) -> Result<Session> {
        let user_id = UserId::new(user_id)?;
        if let Some(cb) = &options.manage_connections.callback_url {
            composio_core::callback::validate_callback_url(cb)?;
        }
        let body = CreateSessionRequest::new(user_id.as_str(), &options);
        let call = Call::post("/tool_router/session")
            .json(&body)?
            .with_idempotency_key();
        self.session_from(call).await
    }

    /// Loads an existing session (`GET {P}/tool_router/session/{id}`).
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// let session = composio.use_session("trs_LX9uJKBinWWr").await?;
    /// assert_eq!(session.id().as_str(), "trs_LX9uJKBinWWr");
    /// # Ok(()) }
    /// ```
    pub async fn use_session(&self, session_id: &str) -> Result<Session> {
        let id = SessionId::new(session_id)?;
        let call = Call::get(format!(
            "/tool_router/session/{}",
            encode_path_segment(id.as_str())
        ));
        self.session_from(call).await
    }

    /// Sends `call`, whose answer is a session.
    async fn session_from(&self, call: Call) -> Result<Session> {
        let (response, meta) = self
            .inner
            .api
            .send_with_meta::<SessionResponse>(call)
            .await?;
        Session::new(self.clone(), response, &meta)
    }

    /// Connected accounts of your project.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// let account = composio.connected_accounts().get("ca_N3wAcc0unt01").await?;
    /// println!("{}: {}", account.toolkit.slug, account.status);
    /// # Ok(()) }
    /// ```
    pub fn connected_accounts(&self) -> ConnectedAccounts {
        ConnectedAccounts::new(self.clone())
    }

    /// The project's auth configs: the OAuth apps connections are made with (see
    /// [`crate::AuthConfigs`]).
    pub fn auth_configs(&self) -> crate::AuthConfigs {
        crate::AuthConfigs::new(self.clone())
    }

    /// The project's webhook subscription and its delivery log (see [`crate::webhooks`]).
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// let types = composio.webhooks().event_types().await?;
    /// # Ok(()) }
    /// ```
    pub fn webhooks(&self) -> crate::Webhooks {
        crate::Webhooks::new(self.clone())
    }

    /// Waits until the connected account `id` is `ACTIVE` (see
    /// [`ConnectionRequest::wait_for_connection`](crate::ConnectionRequest::wait_for_connection)
    /// for the exact rules). Use it when you only kept the id of a connection request.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// use std::time::Duration;
    /// let account = composio
    ///     .wait_for_connection("ca_N3wAcc0unt01", Duration::from_secs(120))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_connection(
        &self,
        id: &str,
        timeout: Duration,
    ) -> Result<composio_core::models::ConnectedAccount> {
        let id = ConnectedAccountId::new(id)?;
        crate::wait::wait_for_connection(self, &id, timeout).await
    }

    /// Whether this client has seen the server advertise its push wait (`watch-v1`); waits
    /// then share one server-push stream instead of polling.
    ///
    /// ```
    /// let composio = composio::Composio::builder().api_key("k").build().unwrap();
    /// assert!(!composio.push_wait_available());
    /// ```
    pub fn push_wait_available(&self) -> bool {
        self.inner
            .api
            .push_wait
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The API version this client calls.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.version
    }

    /// The base URL this client calls.
    pub fn base_url(&self) -> &str {
        &self.inner.api.base_url
    }

    pub(crate) fn api(&self) -> &Api {
        &self.inner.api
    }
}
