//! Persistence behind the [`Store`] trait (SQLite today; another database can follow).

mod sqlite;

pub use sqlite::SqliteStore;

use async_trait::async_trait;

/// Storage errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// Result of storage calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// `trs_…`
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// End user.
    pub user_id: String,
    /// The echoed `SessionConfig` as JSON.
    pub config: String,
    /// Creation time (epoch ms).
    pub created_at: i64,
}

/// A stored connected account (credentials encrypted).
#[derive(Clone)]
pub struct AccountRow {
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
    /// `OAUTH2`, `API_KEY`, `NO_AUTH`.
    pub auth_scheme: String,
    /// Status (`INITIATED`, `ACTIVE`, …).
    pub status: String,
    /// Why it has this status.
    pub status_reason: Option<String>,
    /// Whether it is disabled.
    pub is_disabled: bool,
    /// AES-GCM encrypted credentials JSON.
    pub credentials: Option<Vec<u8>>,
    /// Non-secret information (user email and name) as JSON.
    pub info: Option<String>,
    /// Creation time (epoch ms).
    pub created_at: i64,
    /// Last update (epoch ms).
    pub updated_at: i64,
    /// When an `INITIATED` account expires (epoch ms).
    pub expires_at: Option<i64>,
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
pub struct LinkRow {
    /// `lk_…` (a bearer secret: whoever has it may connect).
    pub token: String,
    /// Owning project.
    pub project_id: String,
    /// The account it connects.
    pub account_id: String,
    /// Where the browser goes afterwards.
    pub callback_url: Option<String>,
    /// OAuth `state` once the flow started.
    pub state: Option<String>,
    /// Encrypted PKCE verifier once the flow started.
    pub pkce_verifier: Option<Vec<u8>>,
    /// Whether it has been used.
    pub used: bool,
    /// Expiry (epoch ms).
    pub expires_at: i64,
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

/// Filters of [`Store::list_accounts`].
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Only these toolkits.
    pub toolkits: Vec<String>,
    /// Only these statuses.
    pub statuses: Vec<String>,
    /// Only these users.
    pub user_ids: Vec<String>,
    /// Only these auth configs.
    pub auth_config_ids: Vec<String>,
    /// Only these ids.
    pub ids: Vec<String>,
    /// Order by `updated_at` instead of `created_at`.
    pub order_by_updated: bool,
    /// Ascending instead of descending.
    pub ascending: bool,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

/// A remembered response of an idempotent request.
#[derive(Debug, Clone)]
pub struct IdempotentResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}

/// Everything the server stores.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The id of the project named `name`, creating it.
    async fn ensure_project(&self, name: &str) -> StoreResult<String>;
    /// Registers an API key hash for a project (no-op when present).
    async fn add_api_key(&self, project_id: &str, key_hash: &[u8]) -> StoreResult<()>;
    /// All `(key hash, project id)` pairs.
    async fn api_keys(&self) -> StoreResult<Vec<(Vec<u8>, String)>>;
    /// A server metadata value.
    async fn get_meta(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Sets a server metadata value.
    async fn set_meta(&self, key: &str, value: &[u8]) -> StoreResult<()>;

    /// Stores a session.
    async fn insert_session(&self, s: &SessionRow) -> StoreResult<()>;
    /// A session of a project.
    async fn get_session(&self, project_id: &str, id: &str) -> StoreResult<Option<SessionRow>>;
    /// The project a session belongs to, whatever the caller's project (to tell "not yours"
    /// from "does not exist").
    async fn session_project(&self, id: &str) -> StoreResult<Option<String>>;
    /// Deletes a session; whether it existed.
    async fn delete_session(&self, project_id: &str, id: &str) -> StoreResult<bool>;

    /// Stores an account.
    async fn insert_account(&self, a: &AccountRow) -> StoreResult<()>;
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
    ) -> StoreResult<(Vec<AccountRow>, u64)>;
    /// The newest account of a user for a toolkit, preferring `ACTIVE` ones.
    async fn best_account(
        &self,
        project_id: &str,
        user_id: &str,
        toolkit: &str,
    ) -> StoreResult<Option<AccountRow>>;
    /// Sets status, reason and disabled flag; the updated row.
    async fn set_account_status(
        &self,
        id: &str,
        status: &str,
        reason: Option<&str>,
        is_disabled: bool,
    ) -> StoreResult<Option<AccountRow>>;
    /// Sets status and reason only when the current status is `from`; the updated row.
    async fn transition_account(
        &self,
        id: &str,
        from: &str,
        to: &str,
        reason: Option<&str>,
    ) -> StoreResult<Option<AccountRow>>;
    /// Stores credentials and info and sets `ACTIVE`; the updated row.
    async fn activate_account(
        &self,
        id: &str,
        credentials: &[u8],
        info: Option<&str>,
    ) -> StoreResult<Option<AccountRow>>;
    /// Replaces the stored credentials.
    async fn set_credentials(&self, id: &str, credentials: &[u8]) -> StoreResult<()>;
    /// Deletes an account of a project; whether it existed.
    async fn delete_account(&self, project_id: &str, id: &str) -> StoreResult<bool>;
    /// Moves `INITIATED` accounts whose expiry passed to `EXPIRED`; their ids.
    async fn expire_initiated(&self, now_ms: i64, reason: &str) -> StoreResult<Vec<String>>;

    /// Stores a link.
    async fn insert_link(&self, l: &LinkRow) -> StoreResult<()>;
    /// A link by token.
    async fn get_link(&self, token: &str) -> StoreResult<Option<LinkRow>>;
    /// A link by OAuth state.
    async fn get_link_by_state(&self, state: &str) -> StoreResult<Option<LinkRow>>;
    /// Records the OAuth state and PKCE verifier of a started flow.
    async fn start_link(&self, token: &str, state: &str, verifier: &[u8]) -> StoreResult<()>;
    /// Marks a link used; `false` when it already was.
    async fn use_link(&self, token: &str) -> StoreResult<bool>;

    /// A remembered response younger than `since_ms`.
    async fn idempotent_get(
        &self,
        project_id: &str,
        key: &str,
        since_ms: i64,
    ) -> StoreResult<Option<IdempotentResponse>>;
    /// Remembers a response.
    async fn idempotent_put(
        &self,
        project_id: &str,
        key: &str,
        resp: &IdempotentResponse,
        now_ms: i64,
    ) -> StoreResult<()>;
    /// Forgets responses older than `before_ms`.
    async fn idempotent_purge(&self, before_ms: i64) -> StoreResult<()>;
}
