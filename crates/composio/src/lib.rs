//! Rust SDK for Composio sessions and authentication.
//!
//! Create a tool-router session for a user, connect their accounts with Connect Links, wait
//! for them to finish, and hand the session's MCP URL to your agent.
//!
//! ```no_run
//! use std::time::Duration;
//! use composio::{Composio, SessionOptions, ToolkitsQuery};
//!
//! # async fn run() -> composio::Result<()> {
//! let composio = Composio::from_env()?; // COMPOSIO_API_KEY, optional COMPOSIO_BASE_URL
//! let session = composio
//!     .create("user_123", SessionOptions::new().manage_connections(false))
//!     .await?;
//!
//! let toolkits = session.toolkits(ToolkitsQuery::new()).await?;
//! let connected: Vec<&str> = toolkits
//!     .items
//!     .iter()
//!     .filter(|t| t.connection().and_then(|c| c.connected_account).is_some())
//!     .map(|t| t.slug.as_str())
//!     .collect();
//!
//! for slug in ["gmail", "github"].into_iter().filter(|s| !connected.contains(s)) {
//!     let request = session.authorize(slug, None).await?;
//!     println!("Connect {slug}: {}", request.redirect_url());
//!     request.wait_for_connection(Duration::from_secs(60)).await?;
//! }
//! println!("All toolkits connected! MCP URL: {}", session.mcp().url());
//! # Ok(()) }
//! ```
//!
//! Everything you need is re-exported here: ids, wire models ([`models`]), [`Error`],
//! [`SessionOptions`], [`ConnectionStatus`], the [`Transport`] trait for custom HTTP stacks.
//!
//! Waiting for a connection polls the API every second, like the official SDKs. Against a
//! `composio-server` that advertises its push wait, all waits of a client share one
//! server-push stream instead.

mod auth_configs;
mod builder;
mod catalog;
mod client;
mod connected_accounts;
mod connection_request;
mod pagination;
mod request;
mod session;
mod session_accounts;
mod wait;
pub mod webhooks;

/// Entry points of the fuzz targets under `fuzz/` for parsers that are not public API.
/// Hidden from the docs; not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    use crate::wait::sse::{SseParser, TooLarge};

    /// The `(event, data)` pairs of a server-sent event stream fed in `chunks` to a parser
    /// accepting lines and events of at most `limit` bytes, and whether it refused the
    /// stream as too large (the pairs are then those before the refusal).
    pub fn sse_events(limit: usize, chunks: &[&[u8]]) -> (Vec<(String, String)>, bool) {
        let mut parser = SseParser::with_limit(limit);
        let mut out = Vec::new();
        for chunk in chunks {
            match parser.push(chunk) {
                Ok(events) => out.extend(events.into_iter().map(|e| (e.event, e.data))),
                Err(TooLarge) => return (out, true),
            }
        }
        (out, false)
    }
}

pub use auth_configs::AuthConfigs;
pub use builder::ComposioBuilder;
pub use catalog::{Toolkits, Tools};
pub use client::{ApiVersion, Composio};
pub use connected_accounts::{ConnectedAccounts, LinkOptions};
pub use connection_request::ConnectionRequest;
pub use session::{Session, SessionMcp};
pub use session_accounts::{AuthorizeOptions, ExecuteOptions};
pub use webhooks::Webhooks;

pub use composio_core::callback::{validate_callback_url, CallbackStatus};
pub use composio_core::models::{
    self, CatalogToolkitsQuery, CompleteAuthResponse, ConnectedAccount, ConnectedAccountsQuery,
    ExecuteResponse, ManageConnectionsPatch, MultiAccountPatch, OrderBy, OrderDirection, Page,
    RevokeAccountResponse, SearchResponse, SessionConfigHistoryItem, SessionToolkit, SessionUpdate,
    Tool, Toolkit, ToolkitsQuery, ToolsExt, ToolsQuery, UpdateAccountRequest,
    UpdateAccountResponse,
};
pub use composio_core::options::ToolFilter;
pub use composio_core::{
    ids, ApiError, ApiErrorKind, Attempts, AuthConfigId, ByteStream, CallbackResult,
    ConnectedAccountId, ConnectionStatus, Error, ErrorKind, Idempotency, InvalidId,
    ManageConnections, MultiAccount, RequestTimeout, Result, SessionId, SessionOptions,
    ToolkitFilter, ToolkitSlug, Transport, TransportError, TransportErrorKind, UserId,
    DEFAULT_BASE_URL, PUSH_WAIT_HEADER, PUSH_WAIT_PROTOCOL,
};
pub use composio_http::{Jitter, RetryPolicy};

/// Parses the URL a user lands on after a Connect Link (`status`, `connected_account_id`,
/// `error` appended to your callback URL).
///
/// ```
/// let result = composio::parse_callback_url(
///     "https://your-app.com/callback?user_id=user_123&source=onboarding&status=success&connected_account_id=ca_abc123",
/// )?;
/// assert!(result.is_success());
/// assert_eq!(result.connected_account_id.unwrap().as_str(), "ca_abc123");
/// # Ok::<(), composio::Error>(())
/// ```
///
/// # Troubleshooting
/// `Error::InvalidInput` when the URL is not absolute or has no `status` parameter (the user
/// did not come back from a Connect Link).
pub fn parse_callback_url(url: &str) -> Result<CallbackResult> {
    CallbackResult::parse(url)
}

/// The Markdown pages of `docs/` and `ARCHITECTURE.md`, compiled as doctests so that every
/// Rust snippet in them builds (`rust,no_run`) or runs (`rust`) under `cargo test`.
///
/// Doctest-only: the pages live outside this crate's package, and `cargo package` never
/// compiles doctests.
#[cfg(doctest)]
pub mod docs_snippets {
    macro_rules! doc_pages {
        ($($name:ident => $path:literal),* $(,)?) => {$(
            #[doc = include_str!($path)]
            pub struct $name;
        )*};
    }
    doc_pages! {
        GettingStarted => "../../../docs/getting-started.md",
        InChatAuthentication => "../../../docs/in-chat-authentication.md",
        ManualAuthentication => "../../../docs/manual-authentication.md",
        CallbackUrl => "../../../docs/callback-url.md",
        ConnectionStatus => "../../../docs/connection-status.md",
        PuttingItAllTogether => "../../../docs/putting-it-all-together.md",
        Sessions => "../../../docs/sessions.md",
        ConnectedAccounts => "../../../docs/connected-accounts.md",
        Mcp => "../../../docs/mcp.md",
        SelfHosting => "../../../docs/self-hosting.md",
        Cli => "../../../docs/cli.md",
        Python => "../../../docs/python.md",
        Webhooks => "../../../docs/webhooks.md",
        AuthConfigs => "../../../docs/auth-configs.md",
        Architecture => "../../../ARCHITECTURE.md",
    }
}
