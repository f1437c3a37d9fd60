//! [`Session`]: a tool-router session of one user.

use std::fmt;
use std::time::Duration;

use composio_core::models::{
    ConnectedAccount, DeleteSessionResponse, ExecuteResponse, Page, SessionConfig,
    SessionConfigHistoryItem, SessionResponse, SessionToolkit, SessionUpdate, Tool, ToolkitsQuery,
};
use composio_core::query::{encode_path_segment, Query};
use composio_core::{Error, Result, SessionId, ToolkitSlug};
use futures_util::Stream;

use crate::client::Composio;
use crate::connection_request::ConnectionRequest;
use crate::pagination::paginate;
use crate::request::{Call, ResponseMeta};

/// Page size used by [`Session::tools`] (as the official clients do).
const TOOLS_PAGE_SIZE: u32 = 500;

/// A tool-router session: the toolkits, tools and connections of one user, and the MCP
/// endpoint an agent uses.
///
/// Created with [`Composio::create`] or loaded with [`Composio::use_session`].
///
/// ```no_run
/// # async fn run(composio: composio::Composio) -> composio::Result<()> {
/// use composio::{SessionOptions, ToolkitsQuery};
/// let session = composio.create("user_123", SessionOptions::new()).await?;
/// for toolkit in session.toolkits(ToolkitsQuery::new()).await?.items {
///     let id = toolkit
///         .connection()
///         .and_then(|c| c.connected_account)
///         .map(|a| a.id)
///         .unwrap_or_else(|| "Not connected".into());
///     println!("{}: {id}", toolkit.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Session {
    pub(crate) client: Composio,
    id: SessionId,
    data: SessionResponse,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("user_id", &self.data.config.user_id)
            .field("mcp_url", &self.data.mcp.url)
            .field("tool_router_tools", &self.data.tool_router_tools)
            .finish_non_exhaustive()
    }
}

/// The MCP endpoint of a session, with the headers an MCP client must send.
///
/// ```no_run
/// # async fn run(session: composio::Session) {
/// let mcp = session.mcp();
/// println!("{} ({})", mcp.url(), mcp.kind());
/// for (name, value) in mcp.headers() {
///     // configure your MCP client with these headers
/// #   let _ = (name, value);
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct SessionMcp<'a> {
    session: &'a Session,
}

impl fmt::Debug for SessionMcp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMcp")
            .field("url", &self.url())
            .field("kind", &self.kind())
            .field("headers", &[("x-api-key", "<redacted>")])
            .finish()
    }
}

impl<'a> SessionMcp<'a> {
    /// `<origin>/tool_router/<session_id>/mcp`.
    pub fn url(&self) -> &'a str {
        &self.session.data.mcp.url
    }

    /// The MCP transport type: `http` (Streamable HTTP).
    pub fn kind(&self) -> &'a str {
        &self.session.data.mcp.kind
    }

    /// The headers MCP clients must send: `x-api-key` with your API key.
    ///
    /// This returns the secret key: do not log it.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![("x-api-key", self.session.client.api().api_key.clone())]
    }
}

impl Session {
    /// A session from the response `meta` answered with `data`.
    pub(crate) fn new(
        client: Composio,
        data: SessionResponse,
        meta: &ResponseMeta,
    ) -> Result<Self> {
        let id = SessionId::new(data.session_id.clone()).map_err(|e| {
            meta.decode_error(
                format!("the session response has an invalid session_id: {e}"),
                e,
            )
        })?;
        Ok(Self { client, id, data })
    }

    /// The session id (`trs_…`).
    pub fn id(&self) -> &SessionId {
        &self.id
    }

    /// The user this session belongs to.
    pub fn user_id(&self) -> &str {
        &self.data.config.user_id
    }

    /// The MCP endpoint of this session.
    pub fn mcp(&self) -> SessionMcp<'_> {
        SessionMcp { session: self }
    }

    /// The configuration the server echoed.
    pub fn config(&self) -> &SessionConfig {
        &self.data.config
    }

    /// The meta tools of the session (`COMPOSIO_SEARCH_TOOLS`, …).
    pub fn tool_router_tools(&self) -> &[String] {
        &self.data.tool_router_tools
    }

    /// The version of the configuration (`1` at creation, bumped by every update); pass it
    /// to [`SessionUpdate::expected_config_version`] for a conditional update.
    pub fn config_version(&self) -> u64 {
        self.data.config_version
    }

    /// The whole response the session was created or loaded from.
    pub fn raw(&self) -> &SessionResponse {
        &self.data
    }

    /// The client this session was made with.
    pub fn client(&self) -> &Composio {
        &self.client
    }

    pub(crate) fn path(&self, rest: &str) -> String {
        format!(
            "/tool_router/session/{}{rest}",
            encode_path_segment(self.id.as_str())
        )
    }

    /// Creates a Connect Link for `toolkit` (`POST {P}/tool_router/session/{id}/link`).
    ///
    /// Send the user to [`ConnectionRequest::redirect_url`], then
    /// [`wait_for_connection`](ConnectionRequest::wait_for_connection). When `callback_url`
    /// is given (it must be `http` or `https`), the user lands there afterwards with
    /// `status` and `connected_account_id` appended; otherwise the session's
    /// manage_connections callback applies.
    ///
    /// ```no_run
    /// # async fn run(session: composio::Session) -> composio::Result<()> {
    /// let request = session
    ///     .authorize("gmail", Some("https://your-app.com/callback?user_id=user_123&source=onboarding"))
    ///     .await?;
    /// println!("{}", request.redirect_url());
    /// # Ok(()) }
    /// ```
    ///
    /// # Troubleshooting
    /// HTTP 400 means the toolkit is unknown or needs no authentication; 404 that the session
    /// or toolkit does not exist.
    pub async fn authorize(
        &self,
        toolkit: &str,
        callback_url: Option<&str>,
    ) -> Result<ConnectionRequest> {
        let mut options = crate::AuthorizeOptions::new();
        if let Some(cb) = callback_url {
            options = options.callback_url(cb);
        }
        self.authorize_with(toolkit, options).await
    }

    /// One page of the session's toolkits with the user's connections
    /// (`GET {P}/tool_router/session/{id}/toolkits`).
    ///
    /// ```no_run
    /// # async fn run(session: composio::Session) -> composio::Result<()> {
    /// use composio::ToolkitsQuery;
    /// let page = session.toolkits(ToolkitsQuery::new().toolkits(["gmail", "github"])).await?;
    /// let connected: Vec<_> = page.items.iter().filter(|t| t.is_connected()).map(|t| &t.slug).collect();
    /// # Ok(()) }
    /// ```
    pub async fn toolkits(&self, query: ToolkitsQuery) -> Result<Page<SessionToolkit>> {
        let call = Call::get(self.path("/toolkits")).query(query.to_query_string());
        self.client.api().send(call).await
    }

    /// All the session's toolkits, following `next_cursor` page by page.
    ///
    /// ```no_run
    /// # async fn run(session: composio::Session) -> composio::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use composio::ToolkitsQuery;
    /// let all: Vec<_> = session.toolkits_stream(ToolkitsQuery::new()).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn toolkits_stream(
        &self,
        query: ToolkitsQuery,
    ) -> impl Stream<Item = Result<SessionToolkit>> + Send + 'static {
        let session = self.clone();
        paginate(query.cursor.clone(), move |cursor| {
            let session = session.clone();
            let mut query = query.clone();
            query.cursor = cursor;
            async move { session.toolkits(query).await }
        })
    }

    /// All tools of the session (`GET {P}/tool_router/session/{id}/tools?limit=500`, following
    /// `next_cursor`).
    ///
    /// ```no_run
    /// # async fn run(session: composio::Session) -> composio::Result<()> {
    /// for tool in session.tools().await? {
    ///     println!("{}: {}", tool.slug, tool.description);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn tools(&self) -> Result<Vec<Tool>> {
        use futures_util::TryStreamExt;
        let session = self.clone();
        paginate(None, move |cursor| {
            let session = session.clone();
            async move {
                let mut q = Query::new();
                q.push("limit", TOOLS_PAGE_SIZE);
                q.push_opt("cursor", cursor);
                let call = Call::get(session.path("/tools")).query(q.finish());
                session.client.api().send::<Page<Tool>>(call).await
            }
        })
        .try_collect()
        .await
    }

    /// Executes a tool or meta tool in this session. v3.1 calls `…/execute` with
    /// `{tool_slug, arguments}`, v3 calls `…/execute_meta` with `{slug, arguments}`.
    ///
    /// Never retried once it may have reached the server (executing twice could act twice).
    ///
    /// ```no_run
    /// # async fn run(session: composio::Session) -> composio::Result<()> {
    /// let out = session
    ///     .execute("COMPOSIO_MANAGE_CONNECTIONS", serde_json::json!({"toolkits": ["gmail"]}))
    ///     .await?;
    /// if !out.successful {
    ///     eprintln!("failed: {:?}", out.error);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn execute(
        &self,
        tool_slug: &str,
        arguments: serde_json::Value,
    ) -> Result<ExecuteResponse> {
        self.execute_with(tool_slug, arguments, crate::ExecuteOptions::new())
            .await
    }

    /// Updates the session's configuration (`PATCH {P}/tool_router/session/{id}`,
    /// docs/spec/wire-2026.md §19): only what `update` names changes. Returns the new
    /// config and its version, and refreshes this session (config, version, meta tools).
    ///
    /// With [`SessionUpdate::expected_config_version`] the update applies only if nobody
    /// changed the config since that version; otherwise it fails with
    /// [`Error::SessionConfigConflict`] and nothing changes. The PATCH is never retried.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// use composio::models::SessionUpdate;
    /// let mut session = composio.use_session("trs_LX9uJKBinWWr").await?;
    /// let update = SessionUpdate::new()
    ///     .toolkits(["gmail", "slack"])
    ///     .expected_config_version(session.config_version());
    /// match session.update(update).await {
    ///     Ok((config, version)) => println!("now at version {version}: {:?}", config.toolkits),
    ///     Err(composio::Error::SessionConfigConflict { current, .. }) => {
    ///         println!("someone else updated it first (now at {current:?}); reload and retry");
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Troubleshooting
    /// HTTP 400 names the keys the server does not know (`user_id` cannot be changed).
    pub async fn update(&mut self, update: SessionUpdate) -> Result<(SessionConfig, u64)> {
        let expected = update
            .body
            .get("expected_config_version")
            .and_then(serde_json::Value::as_u64);
        let call = Call::patch(self.path("")).json(&update)?.non_idempotent();
        let response: SessionResponse = match self.client.api().send(call).await {
            Ok(r) => r,
            Err(Error::Api(e)) if e.status == 409 => {
                let current = e
                    .extra
                    .get("current_config_version")
                    .and_then(serde_json::Value::as_u64);
                return Err(Error::SessionConfigConflict {
                    session_id: self.id.clone(),
                    expected,
                    current,
                    error: e,
                });
            }
            Err(e) => return Err(e),
        };
        let out = (response.config.clone(), response.config_version);
        self.data = response;
        Ok(out)
    }

    /// One page of the session's configuration history, newest first
    /// (`GET {P}/tool_router/session/{id}/config_history`): the current config first (on
    /// the first page, `is_current`), then the versions updates replaced. `limit` is 1–100;
    /// pass a page's `next_cursor` for the next one.
    ///
    /// ```no_run
    /// # async fn run(session: composio::Session) -> composio::Result<()> {
    /// let page = session.config_history(Some(10), None).await?;
    /// for entry in &page.items {
    ///     println!("v{} current={} at {}", entry.version, entry.is_current, entry.created_at);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn config_history(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<SessionConfigHistoryItem>> {
        let mut q = Query::new();
        q.push_opt("limit", limit);
        q.push_opt("cursor", cursor);
        let call = Call::get(self.path("/config_history")).query(q.finish());
        self.client.api().send(call).await
    }

    /// Deletes the session (`DELETE {P}/tool_router/session/{id}`, v3.1).
    ///
    /// ```no_run
    /// # async fn run(session: composio::Session) -> composio::Result<()> {
    /// session.delete().await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self) -> Result<()> {
        let _: DeleteSessionResponse = self.client.api().send(Call::delete(self.path(""))).await?;
        Ok(())
    }

    /// Makes sure the user has an `ACTIVE` account for `toolkit`: returns it at once when
    /// there is one; otherwise creates a Connect Link, hands it to `on_link` (show or send
    /// the link to the user there), and waits up to `timeout` for the user to finish.
    ///
    /// This is the "putting it all together" pattern of the docs, for one toolkit.
    ///
    /// ```no_run
    /// # async fn run(composio: composio::Composio) -> composio::Result<()> {
    /// use std::time::Duration;
    /// use composio::SessionOptions;
    /// let session = composio.create("user_123", SessionOptions::new().manage_connections(false)).await?;
    /// for slug in ["gmail", "github"] {
    ///     let account = session
    ///         .ensure_connected(slug, Duration::from_secs(300), |request| {
    ///             println!("Connect {slug}: {}", request.redirect_url());
    ///         })
    ///         .await?;
    ///     println!("{slug} connected: {}", account.id);
    /// }
    /// println!("All toolkits connected! MCP URL: {}", session.mcp().url());
    /// # Ok(()) }
    /// ```
    ///
    /// # Troubleshooting
    /// `Error::InvalidInput` when the toolkit needs no authentication; the errors of
    /// [`ConnectionRequest::wait_for_connection`] when the user does not finish in time or
    /// the connection fails.
    pub async fn ensure_connected<F>(
        &self,
        toolkit: &str,
        timeout: Duration,
        on_link: F,
    ) -> Result<ConnectedAccount>
    where
        F: FnOnce(&ConnectionRequest),
    {
        let slug = ToolkitSlug::new(toolkit)?;
        let page = self
            .toolkits(ToolkitsQuery::new().toolkits([slug.as_str()]))
            .await?;
        if let Some(item) = page.items.iter().find(|t| t.slug == slug.as_str()) {
            if item.is_no_auth {
                return Err(Error::InvalidInput(format!(
                    "toolkit `{slug}` needs no authentication"
                )));
            }
            if let Some(account) = item
                .connection()
                .filter(|c| c.is_active)
                .and_then(|c| c.connected_account)
            {
                return self.client.connected_accounts().get(&account.id).await;
            }
        }
        let request = self.authorize(slug.as_str(), None).await?;
        on_link(&request);
        request.wait_for_connection(timeout).await
    }
}
