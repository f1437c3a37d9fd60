//! The rows the store reads and writes, typed with the server's domain.

use std::time::Duration;

use composio_core::models::{OrderBy, OrderDirection};
use composio_core::ConnectionStatus;

use crate::catalog::AuthScheme;

/// An API key's hash and its project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiKeyRow {
    /// SHA-256 of the key.
    pub hash: Vec<u8>,
    /// The project it opens.
    pub project_id: String,
}

/// A session to store.
#[derive(Debug, Clone)]
pub(crate) struct NewSession {
    /// `trs_…`
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// End user.
    pub user_id: String,
    /// The echoed `SessionConfig` as JSON.
    pub config: String,
}

/// A stored session.
#[derive(Debug, Clone)]
pub(crate) struct SessionRow {
    /// `trs_…`
    pub id: String,
    /// End user.
    pub user_id: String,
    /// The echoed `SessionConfig` as JSON.
    pub config: String,
    /// The config's version: 1 at creation, bumped by every update.
    pub config_version: i64,
    /// When the config took its current version (the creation or the last update; epoch ms).
    pub config_updated_at: i64,
}

/// A stored connected account (credentials encrypted).
#[derive(Clone)]
pub(crate) struct AccountRow {
    /// `ca_…`
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// End user.
    pub user_id: String,
    /// Toolkit slug.
    pub toolkit: String,
    /// `ac_…`
    pub auth_config_id: String,
    /// How it authenticates.
    pub auth_scheme: AuthScheme,
    /// Its status.
    pub status: ConnectionStatus,
    /// Why it has this status.
    pub status_reason: Option<String>,
    /// Whether it is disabled.
    pub is_disabled: bool,
    /// AES-GCM encrypted credentials JSON.
    pub credentials: Option<Vec<u8>>,
    /// Bumped on every credentials write (compare-and-set of refreshes).
    pub credentials_version: i64,
    /// Non-secret information (user email and name) as JSON.
    pub info: Option<String>,
    /// Creation time (epoch ms).
    pub created_at: i64,
    /// Last update (epoch ms).
    pub updated_at: i64,
    /// The user's name for it (unique per project, user and toolkit, without case).
    pub alias: Option<String>,
    /// Its generated short name (`gmail_red-castle`); `None` for accounts stored before
    /// word ids existed.
    pub word_id: Option<String>,
}

impl AccountRow {
    /// `ACTIVE` and not disabled: its credentials may be used.
    pub fn is_usable(&self) -> bool {
        self.status == ConnectionStatus::Active && !self.is_disabled
    }
}

impl std::fmt::Debug for AccountRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRow")
            .field("id", &self.id)
            .field("project_id", &self.project_id)
            .field("toolkit", &self.toolkit)
            .field("status", &self.status)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// A Connect Link.
#[derive(Clone)]
pub(crate) struct LinkRow {
    /// `lk_…` (a bearer secret: whoever has it may connect).
    pub token: String,
    /// Owning project.
    pub project_id: String,
    /// The account it connects.
    pub account_id: String,
    /// Where the browser goes afterwards.
    pub callback_url: Option<String>,
    /// Encrypted PKCE verifier once the flow started.
    pub pkce_verifier: Option<Vec<u8>>,
    /// Whether it has been used.
    pub used: bool,
    /// Expiry (epoch ms).
    pub expires_at: i64,
    /// SHA-256 of the same-browser cookie of the started attempt (docs/spec/wire-2026.md
    /// §21.1), when binding was on.
    pub browser_hash: Option<Vec<u8>>,
}

/// A `session_uri` handed to the project's verifier (docs/spec/wire-2026.md §21.2): the
/// completed attempt waiting for `complete_auth`.
#[derive(Clone)]
pub(crate) struct AuthSessionRow {
    /// SHA-256 of the `session_uri` (a bearer secret, never stored).
    pub session_hash: Vec<u8>,
    /// Owning project.
    pub project_id: String,
    /// The account it activates.
    pub account_id: String,
    /// The link it completes.
    pub link_token: String,
    /// Sealed credentials from the code exchange.
    pub credentials: Vec<u8>,
    /// Non-secret user info as JSON.
    pub info: Option<String>,
    /// When the hand-off lapses (epoch ms).
    pub expires_at: i64,
}

impl std::fmt::Debug for AuthSessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSessionRow")
            .field("account_id", &self.account_id)
            .field("project_id", &self.project_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for LinkRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkRow")
            .field("account_id", &self.account_id)
            .field("used", &self.used)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A new connection: an `INITIATED` account and its link ([`super::Store::create_connection`]).
#[derive(Debug, Clone)]
pub(crate) struct NewConnection {
    /// `ca_…`
    pub account_id: String,
    /// `lk_…`
    pub link_token: String,
    /// Owning project.
    pub project_id: String,
    /// End user.
    pub user_id: String,
    /// Toolkit slug.
    pub toolkit: String,
    /// `ac_…`
    pub auth_config_id: String,
    /// How it authenticates.
    pub auth_scheme: AuthScheme,
    /// Where the browser goes afterwards.
    pub callback_url: Option<String>,
    /// How long the link stays valid.
    pub ttl: Duration,
    /// The alias the account gets.
    pub alias: Option<crate::alias::Alias>,
    /// Its word id ([`crate::alias::word_id`]).
    pub word_id: String,
    /// The response of the request, stored with the connection under its idempotency key.
    pub idempotency: Option<IdempotencyClaim>,
}

/// A request's response stored in the same unit of work as its effect, under its
/// idempotency key: a repeat of the request replays it, and the effect cannot happen twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdempotencyClaim {
    /// The key (scoped to the request's route).
    pub key: String,
    /// How long the response is remembered; an older one under the key may be replaced.
    pub ttl: Duration,
    /// The response.
    pub response: IdempotentResponse,
}

/// The rows of a new connection.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// The `INITIATED` account.
    pub account: AccountRow,
    /// Its link.
    pub link: LinkRow,
}

/// How to order a list of accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AccountOrder {
    /// The field.
    pub by: OrderBy,
    /// The direction.
    pub direction: OrderDirection,
}

impl Default for AccountOrder {
    /// Newest first.
    fn default() -> Self {
        Self {
            by: OrderBy::CreatedAt,
            direction: OrderDirection::Desc,
        }
    }
}

/// Filters of [`super::Store::list_accounts`].
#[derive(Debug, Clone, Default)]
pub(crate) struct AccountFilter {
    /// Only these toolkits.
    pub toolkits: Vec<String>,
    /// Only these statuses.
    pub statuses: Vec<ConnectionStatus>,
    /// Only these users.
    pub user_ids: Vec<String>,
    /// Only these auth configs.
    pub auth_config_ids: Vec<String>,
    /// Only these ids.
    pub ids: Vec<String>,
    /// The order.
    pub order: AccountOrder,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

/// A page of accounts.
#[derive(Debug, Clone)]
pub(crate) struct AccountPage {
    /// The accounts of the page.
    pub rows: Vec<AccountRow>,
    /// How many match the filter in all.
    pub total: u64,
}

/// An MCP session of the session MCP endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct McpSessionRow {
    /// The project of the API key that created it (once bound).
    pub project_id: Option<String>,
    /// The tool-router session it serves (once bound).
    pub router_session_id: Option<String>,
    /// rmcp's session state (the initialize parameters) as JSON.
    pub state: Option<String>,
}

/// A remembered response of an idempotent request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdempotentResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}
