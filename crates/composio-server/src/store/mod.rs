//! Persistence behind the backend-neutral [`Store`] trait (and its webhook part,
//! [`WebhookStore`]).
//!
//! The trait speaks the server's domain (typed statuses, auth schemes and orderings) and has
//! no database types in it. Every multi-row change is one unit of work that commits whole or
//! not at all ([`Store::create_connection`], [`Store::complete_link`],
//! [`Store::delete_account`]); every status change is a conditional update checked against
//! [`AccountEvent::allowed_from`], so a lost race comes back as
//! [`Transition::Rejected`]. The store reads time from the one injected
//! [`Clock`](crate::clock::Clock) and never takes `now` from its callers.

mod aliases;
mod auth_configs;
mod group_commit;
mod postgres;
mod rows;
mod sandbox;
mod session_config;
mod sqlite;
mod sqlx_store;
mod sqlx_util;
mod sqlx_webhooks;
mod webhooks;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub(crate) use aliases::*;
pub(crate) use auth_configs::*;
pub(crate) use postgres::{redact_url, PgStore};
pub(crate) use rows::*;
pub(crate) use sandbox::*;
pub(crate) use session_config::*;
pub(crate) use sqlite::SqliteStore;
pub(crate) use webhooks::*;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::domain::AccountEvent;

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be reached (connection refused or lost, pool exhausted): the
    /// request may succeed when retried.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database refused the statement.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A row would break a uniqueness rule.
    #[error("conflicting row: {0}")]
    Conflict(String),
    /// A stored value could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The database was written by a newer version of the server.
    #[error("the database schema is at version {found}, newer than this server's {known}; upgrade the server")]
    TooNew {
        /// The newest migration in the database.
        found: i64,
        /// The newest migration this server knows.
        known: i64,
    },
}

/// Result of storage calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// What [`Store::apply`] did.
#[derive(Debug)]
pub(crate) enum Transition {
    /// The status changed; the updated account.
    Applied(AccountRow),
    /// The event is not allowed in the account's current status (another change won).
    Rejected(AccountRow),
    /// There is no such account.
    NotFound,
}

/// What [`Store::claim_link`] found.
#[derive(Debug)]
pub(crate) enum Claim {
    /// This caller holds the link and completes it.
    Claimed(LinkRow),
    /// Another callback claimed or completed it first.
    Taken,
    /// No link has this OAuth state.
    Unknown,
}

/// How a link is completed ([`Store::complete_link`]).
#[derive(Clone)]
pub(crate) enum Completion {
    /// Store the (encrypted) credentials and user info, and activate the account.
    Connected {
        /// Sealed credentials.
        credentials: Vec<u8>,
        /// Non-secret user info as JSON.
        info: Option<String>,
    },
    /// Mark the account `FAILED` with this reason.
    Failed(String),
}

impl std::fmt::Debug for Completion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connected { .. } => f.write_str("Connected(<redacted>)"),
            Self::Failed(r) => f.debug_tuple("Failed").field(r).finish(),
        }
    }
}

impl Completion {
    /// The status event this completion applies.
    pub(crate) fn event(&self) -> AccountEvent {
        match self {
            Self::Connected { .. } => AccountEvent::Connected,
            Self::Failed(r) => AccountEvent::ConnectFailed(r.clone()),
        }
    }
}

/// What [`Store::complete_link`] did. In every case but `Applied` nothing was written,
/// except that an overdue account is moved to `EXPIRED` (`Expired`).
#[derive(Debug)]
pub(crate) enum Completed {
    /// The link is used and the account has its new status.
    Applied(AccountRow),
    /// The link ran out first; the account is `EXPIRED` (now or already).
    Expired(AccountRow),
    /// The link had already been used.
    LinkUsed,
    /// The account is no longer pending (e.g. deleted, or completed by another path).
    Rejected(Option<AccountRow>),
}

/// What [`Store::create_connection`] did.
#[derive(Debug)]
pub(crate) enum Created {
    /// The account and its link.
    Connection(Box<Connection>),
    /// Another account of the user and toolkit has the alias (nothing was written).
    AliasTaken(Box<AccountRow>),
    /// The word id is taken (nothing was written): try another.
    WordIdTaken,
    /// Another request holds or has answered the connection's idempotency key (nothing was
    /// written).
    KeyTaken,
}

/// What [`AliasStore::set_alias`] did.
#[derive(Debug)]
pub(crate) enum AliasChange {
    /// The account with its new alias.
    Updated(Box<AccountRow>),
    /// Another account of the user and toolkit has the alias (nothing was written).
    Taken(Box<AccountRow>),
    /// There is no such account in the project.
    NotFound,
}

/// What [`Store::idempotent_begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reservation {
    /// The caller holds the key: run the request, then finish or abandon it.
    Run,
    /// The first request's response, to send again.
    Replay(IdempotentResponse),
    /// Another request holds the key right now.
    InFlight,
}

/// What [`Store::lease_refresh`] found.
#[derive(Debug)]
pub(crate) enum Lease {
    /// The caller holds the refresh lease of the account, read with its credentials.
    Acquired(Box<AccountRow>),
    /// Another holder refreshes it right now; read again later.
    Busy,
    /// There is no such account.
    NotFound,
}

/// Everything the server stores.
#[async_trait]
pub(crate) trait Store:
    AliasStore
    + AuthConfigStore
    + SandboxStore
    + SessionConfigStore
    + WebhookStore
    + Send
    + Sync
    + std::fmt::Debug
    + 'static
{
    // Projects, API keys, metadata.

    /// The id of the project named `name`, creating it.
    async fn ensure_project(&self, name: &str) -> StoreResult<String>;
    /// Registers an API key hash for a project (no-op when present).
    async fn add_api_key(&self, project_id: &str, key_hash: &[u8]) -> StoreResult<()>;
    /// All API keys (hashes) and their projects.
    async fn api_keys(&self) -> StoreResult<Vec<ApiKeyRow>>;
    /// A server metadata value.
    async fn get_meta(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Sets a server metadata value only if it is not set yet; the value now stored.
    async fn init_meta(&self, key: &str, value: &[u8]) -> StoreResult<Vec<u8>>;

    // Sessions.

    /// Stores a new session.
    async fn insert_session(&self, s: &NewSession) -> StoreResult<SessionRow>;
    /// A session of a project.
    async fn get_session(&self, project_id: &str, id: &str) -> StoreResult<Option<SessionRow>>;
    /// The project a session belongs to, whatever the caller's project (to tell "not yours"
    /// from "does not exist").
    async fn session_project(&self, id: &str) -> StoreResult<Option<String>>;
    /// Deletes a session; whether it existed.
    async fn delete_session(&self, project_id: &str, id: &str) -> StoreResult<bool>;

    // Connected accounts.

    /// An account of a project.
    async fn get_account(&self, project_id: &str, id: &str) -> StoreResult<Option<AccountRow>>;
    /// An account of any project (internal use: credentials for tool execution).
    async fn get_account_any(&self, id: &str) -> StoreResult<Option<AccountRow>>;
    /// Accounts of a project by id (missing ids are left out).
    async fn get_accounts(&self, project_id: &str, ids: &[String]) -> StoreResult<Vec<AccountRow>>;
    /// A page of accounts and the total count.
    async fn list_accounts(
        &self,
        project_id: &str,
        filter: &AccountFilter,
    ) -> StoreResult<AccountPage>;
    /// The newest account of a user for a toolkit, preferring `ACTIVE` ones.
    async fn best_account(
        &self,
        project_id: &str,
        user_id: &str,
        toolkit: &str,
    ) -> StoreResult<Option<AccountRow>>;
    /// Applies a status event if the account's status allows it
    /// ([`AccountEvent::allowed_from`]), in one conditional update. Events that need a live
    /// link ([`AccountEvent::needs_live_link`]) also require the account's link not to have
    /// expired.
    async fn apply(&self, id: &str, event: &AccountEvent) -> StoreResult<Transition>;
    /// Deletes an account of a project and its links (one unit of work); whether it existed.
    async fn delete_account(&self, project_id: &str, id: &str) -> StoreResult<bool>;
    /// Moves pending accounts whose link expired to `EXPIRED` with `reason`; their ids.
    async fn expire_overdue(&self, reason: &str) -> StoreResult<Vec<String>>;

    // Connect Links.

    /// Creates an `INITIATED` account and its single-use link (one unit of work), unless its
    /// alias or word id is taken.
    async fn create_connection(&self, new: &NewConnection) -> StoreResult<Created>;
    /// A link by token and its account (`None` when the account is gone), in one read: what
    /// each Connect Link page starts with.
    async fn get_link_and_account(
        &self,
        token: &str,
    ) -> StoreResult<Option<(LinkRow, Option<AccountRow>)>>;
    /// Records the OAuth state, (sealed) PKCE verifier and same-browser cookie hash of a
    /// started flow; `false` when the link is used or claimed already.
    async fn start_link(
        &self,
        token: &str,
        state: &str,
        verifier: &[u8],
        browser_hash: Option<&[u8]>,
    ) -> StoreResult<bool>;
    /// Stores a `session_uri` hand-off (and drops lapsed ones).
    async fn hand_off(&self, session: &AuthSessionRow) -> StoreResult<()>;
    /// Takes (deletes and returns) the unexpired hand-off of a `session_uri` hash: each one
    /// is redeemed at most once, whatever replica asks.
    async fn redeem_auth_session(&self, session_hash: &[u8])
        -> StoreResult<Option<AuthSessionRow>>;
    /// Claims the link of an OAuth `state` for one callback, so only one callback exchanges
    /// its code.
    async fn claim_link(&self, state: &str) -> StoreResult<Claim>;
    /// Marks the link used and moves its account to the completion's status (one unit of
    /// work), unless the link expired (then the account becomes `EXPIRED`), was used, or
    /// the account is no longer pending.
    async fn complete_link(
        &self,
        token: &str,
        completion: &Completion,
        expired_reason: &str,
    ) -> StoreResult<Completed>;

    // Credentials.

    /// Takes the refresh lease of an `ACTIVE` account for `ttl` (held by `holder`), unless
    /// another holder's lease is still running.
    async fn lease_refresh(&self, id: &str, holder: &str, ttl: Duration) -> StoreResult<Lease>;
    /// Replaces the credentials if they are still at `version` and `holder` holds the lease,
    /// releasing it; whether they were replaced.
    async fn store_refreshed(
        &self,
        id: &str,
        holder: &str,
        version: i64,
        credentials: &[u8],
    ) -> StoreResult<bool>;

    // Idempotency.

    /// Reserves an idempotency key for one request (insert first, so concurrent retries on
    /// any replica run it once): [`Reservation::Run`] for the caller that now holds it (for
    /// `lease` at most), the remembered response when one younger than `ttl` is stored, or
    /// [`Reservation::InFlight`] while another request holds it.
    async fn idempotent_begin(
        &self,
        project_id: &str,
        key: &str,
        ttl: Duration,
        lease: Duration,
    ) -> StoreResult<Reservation>;
    /// Stores the response of a reserved key.
    async fn idempotent_finish(
        &self,
        project_id: &str,
        key: &str,
        resp: &IdempotentResponse,
    ) -> StoreResult<()>;
    /// Gives up a reservation (the request failed), so a retry runs again.
    async fn idempotent_abandon(&self, project_id: &str, key: &str) -> StoreResult<()>;
    /// Forgets responses older than `ttl`; how many.
    async fn idempotent_purge(&self, ttl: Duration) -> StoreResult<u64>;

    // MCP sessions.

    /// An MCP session: its tool-router session (once bound) and initialize state.
    async fn mcp_session(&self, id: &str) -> StoreResult<Option<McpSessionRow>>;
    /// Binds an MCP session to the project and tool-router session that created it.
    async fn mcp_session_bind(
        &self,
        id: &str,
        project_id: &str,
        router_session_id: &str,
    ) -> StoreResult<()>;
    /// Stores an MCP session's initialize state (JSON).
    async fn mcp_session_save(&self, id: &str, state: &str) -> StoreResult<()>;
    /// Forgets an MCP session.
    async fn mcp_session_delete(&self, id: &str) -> StoreResult<()>;
    /// Forgets MCP sessions older than `ttl`; how many.
    async fn mcp_session_purge(&self, ttl: Duration) -> StoreResult<u64>;

    /// Checks that the database answers (for readiness probes).
    async fn ping(&self) -> StoreResult<()>;

    /// Closes the database connections.
    async fn close(&self);
}

/// Opens the store a config names: [`Config::database_url`] (`postgres://…` or
/// `postgresql://…`: PostgreSQL; `sqlite:path` or `sqlite://path`: a SQLite file), else the
/// SQLite file in `data_dir`, else a private in-memory SQLite database.
/// An opened database: the store, and the pool of PostgreSQL (which replicas coordinate
/// through; see [`crate::cluster`]).
pub(crate) struct Opened {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The PostgreSQL pool, when the database is PostgreSQL.
    pub postgres: Option<sqlx::PgPool>,
}

impl From<Arc<dyn Store>> for Opened {
    fn from(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            postgres: None,
        }
    }
}

/// Maps a sqlx error of code outside the store (the cluster) like the store does.
pub(crate) fn sqlx_error(e: sqlx::Error) -> StoreError {
    sqlx_util::store_error(e)
}

pub(crate) async fn open(config: &Config) -> Result<Opened, crate::ServerError> {
    let clock: SharedClock = config.clock.clone();
    if let Some(dir) = &config.data_dir {
        // It holds the database file or, with a database URL, the generated encryption key.
        std::fs::create_dir_all(dir)?;
    }
    let url = config.database_url.as_ref().map(|u| u.expose().trim());
    let store: Arc<dyn Store> = match (url, &config.data_dir) {
        (Some(url), _) => match DatabaseKind::of(url)? {
            DatabaseKind::Postgres => {
                let options = postgres::connect_options(url).map_err(crate::ServerError::Config)?;
                tracing::info!(
                    database = %postgres::redact_url(url),
                    pool_size = config.database_pool_size,
                    "opening the PostgreSQL database"
                );
                let store = PgStore::connect(options, config.database_pool_size, clock).await?;
                let postgres = Some(store.pg_pool());
                return Ok(Opened {
                    store: Arc::new(store),
                    postgres,
                });
            }
            DatabaseKind::SqliteMemory => Arc::new(SqliteStore::memory(clock).await?),
            DatabaseKind::SqliteFile(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                tracing::info!(path = %path.display(), "opening the SQLite database");
                Arc::new(SqliteStore::open(&path, clock).await?)
            }
        },
        (None, Some(dir)) => Arc::new(SqliteStore::open(&dir.join("composio.db"), clock).await?),
        (None, None) => Arc::new(SqliteStore::memory(clock).await?),
    };
    Ok(store.into())
}

/// The database a `database_url` names.
#[derive(Debug, PartialEq, Eq)]
enum DatabaseKind {
    /// `postgres://…`, `postgresql://…`
    Postgres,
    /// `sqlite::memory:`
    SqliteMemory,
    /// `sqlite:path`, `sqlite://path` (`sqlite:///abs/path` for an absolute one).
    SqliteFile(std::path::PathBuf),
}

impl DatabaseKind {
    /// Tells the backend from the URL's scheme; anything else is a config error naming the
    /// accepted schemes (and only the scheme of the URL, which may hold a password).
    fn of(url: &str) -> Result<Self, crate::ServerError> {
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(Self::Postgres);
        }
        if lower.starts_with("sqlite:") {
            let rest = &url["sqlite:".len()..];
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path == ":memory:" {
                return Ok(Self::SqliteMemory);
            }
            if path.is_empty() || path.contains('?') {
                return Err(crate::ServerError::Config(format!(
                    "database_url `{url}`: give the SQLite file as sqlite:path or \
                     sqlite://path (sqlite:///absolute/path), without parameters"
                )));
            }
            return Ok(Self::SqliteFile(path.into()));
        }
        let scheme = url.split_once(':').map_or("", |(s, _)| s);
        Err(crate::ServerError::Config(format!(
            "database_url must start with postgres://, postgresql:// or sqlite: \
             (got `{scheme}:…`)"
        )))
    }
}
