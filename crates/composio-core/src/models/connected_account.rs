use serde::{Deserialize, Serialize};

use super::Extra;
use crate::query::Query;
use crate::status::ConnectionStatus;

/// The toolkit of a connected account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountToolkit {
    /// Slug (`gmail`).
    pub slug: String,
}

impl AccountToolkit {
    /// A toolkit reference.
    pub fn new(slug: impl Into<String>) -> Self {
        Self { slug: slug.into() }
    }
}

/// The auth config of a connected account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountAuthConfig {
    /// `ac_…`
    pub id: String,
    /// `OAUTH2`, `API_KEY`, `NO_AUTH`, …
    #[serde(default)]
    pub auth_scheme: Option<String>,
    /// Whether the OAuth app is managed for you.
    #[serde(default)]
    pub is_composio_managed: bool,
    /// Whether the auth config is disabled.
    #[serde(default)]
    pub is_disabled: bool,
}

impl AccountAuthConfig {
    /// An auth config reference (not disabled).
    ///
    /// ```
    /// use composio_core::models::AccountAuthConfig;
    /// let c = AccountAuthConfig::new("ac_1", "OAUTH2", true).is_disabled(true);
    /// assert_eq!(
    ///     serde_json::to_value(&c).unwrap(),
    ///     serde_json::json!({"id": "ac_1", "auth_scheme": "OAUTH2",
    ///                        "is_composio_managed": true, "is_disabled": true})
    /// );
    /// ```
    pub fn new(id: impl Into<String>, auth_scheme: impl Into<String>, managed: bool) -> Self {
        Self {
            id: id.into(),
            auth_scheme: Some(auth_scheme.into()),
            is_composio_managed: managed,
            is_disabled: false,
        }
    }

    /// Sets whether the auth config is disabled.
    pub fn is_disabled(mut self, disabled: bool) -> Self {
        self.is_disabled = disabled;
        self
    }
}

/// A connected account (docs/spec/wire.md §7). Credentials are never part of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectedAccount {
    /// `ca_…`
    pub id: String,
    /// The end user.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Status.
    pub status: ConnectionStatus,
    /// Why it has this status (for `FAILED`, `EXPIRED`, …).
    #[serde(default)]
    pub status_reason: Option<String>,
    /// Whether it is disabled.
    #[serde(default)]
    pub is_disabled: bool,
    /// Its toolkit.
    pub toolkit: AccountToolkit,
    /// Its auth config.
    #[serde(default)]
    pub auth_config: Option<AccountAuthConfig>,
    /// Creation time (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update (RFC 3339).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The user's name for the account, unique per user and toolkit
    /// (docs/spec/wire-2026.md §16.5).
    #[serde(default)]
    pub alias: Option<String>,
    /// A short generated name for telling accounts apart (`gmail_red-castle`).
    #[serde(default)]
    pub word_id: Option<String>,
    /// Everything else the server sent (`state`, `data`, `params`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

impl ConnectedAccount {
    /// An account with its id, status and toolkit; everything else unset (as when the
    /// server sends only these three fields).
    ///
    /// ```
    /// use composio_core::ConnectionStatus;
    /// use composio_core::models::{AccountAuthConfig, AccountToolkit, ConnectedAccount};
    /// let a = ConnectedAccount::new("ca_1", ConnectionStatus::Failed, AccountToolkit::new("gmail"))
    ///     .user_id("user_123")
    ///     .status_reason("User denied access")
    ///     .auth_config(AccountAuthConfig::new("ac_1", "OAUTH2", true))
    ///     .created_at("2026-01-10T12:00:00.000Z")
    ///     .updated_at("2026-01-10T12:01:10.000Z")
    ///     .data(serde_json::json!({"email": "jane@example.com"}));
    /// let json = serde_json::to_value(&a).unwrap();
    /// assert_eq!(json["status"], "FAILED");
    /// assert_eq!(json["toolkit"]["slug"], "gmail");
    /// assert_eq!(json["data"]["email"], "jane@example.com");
    /// assert_eq!(serde_json::from_value::<ConnectedAccount>(json).unwrap(), a);
    /// ```
    pub fn new(id: impl Into<String>, status: ConnectionStatus, toolkit: AccountToolkit) -> Self {
        Self {
            id: id.into(),
            user_id: None,
            status,
            status_reason: None,
            is_disabled: false,
            toolkit,
            auth_config: None,
            created_at: None,
            updated_at: None,
            alias: None,
            word_id: None,
            extra: Extra::new(),
        }
    }

    /// Sets the alias.
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = Some(alias.into());
        self
    }

    /// Sets the word id.
    pub fn word_id(mut self, word_id: impl Into<String>) -> Self {
        self.word_id = Some(word_id.into());
        self
    }

    /// Sets the end user.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Sets why the account has its status.
    pub fn status_reason(mut self, reason: impl Into<String>) -> Self {
        self.status_reason = Some(reason.into());
        self
    }

    /// Sets whether the account is disabled.
    pub fn is_disabled(mut self, disabled: bool) -> Self {
        self.is_disabled = disabled;
        self
    }

    /// Sets the auth config.
    pub fn auth_config(mut self, auth_config: AccountAuthConfig) -> Self {
        self.auth_config = Some(auth_config);
        self
    }

    /// Sets the creation time (RFC 3339).
    pub fn created_at(mut self, created_at: impl Into<String>) -> Self {
        self.created_at = Some(created_at.into());
        self
    }

    /// Sets the time of the last update (RFC 3339).
    pub fn updated_at(mut self, updated_at: impl Into<String>) -> Self {
        self.updated_at = Some(updated_at.into());
        self
    }

    /// Sets `data` (non-secret account information, such as the user's email), kept in
    /// [`extra`](Self::extra).
    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.extra.insert("data".to_owned(), data);
        self
    }

    /// Sets `params`, kept in [`extra`](Self::extra).
    pub fn params(mut self, params: serde_json::Value) -> Self {
        self.extra.insert("params".to_owned(), params);
        self
    }
}

/// Field to order connected accounts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderBy {
    /// `created_at`
    CreatedAt,
    /// `updated_at`
    UpdatedAt,
}

impl OrderBy {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
        }
    }
}

/// Order direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OrderDirection {
    /// Oldest first.
    Asc,
    /// Newest first (the default).
    #[default]
    Desc,
}

impl OrderDirection {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }
}

/// Filters of `GET {P}/connected_accounts`.
///
/// ```
/// use composio_core::{ConnectionStatus, models::ConnectedAccountsQuery};
/// let q = ConnectedAccountsQuery::new()
///     .user_ids(["user_123"])
///     .toolkit_slugs(["gmail", "github"])
///     .statuses([ConnectionStatus::Active]);
/// assert_eq!(
///     q.to_query_string(),
///     "toolkit_slugs=gmail%2Cgithub&statuses=ACTIVE&user_ids=user_123"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectedAccountsQuery {
    /// Only these toolkits.
    pub toolkit_slugs: Vec<String>,
    /// Only these statuses.
    pub statuses: Vec<ConnectionStatus>,
    /// Only these users.
    pub user_ids: Vec<String>,
    /// Only these auth configs.
    pub auth_config_ids: Vec<String>,
    /// Only these accounts.
    pub connected_account_ids: Vec<String>,
    /// Cursor of the page.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Sort field.
    pub order_by: Option<OrderBy>,
    /// Sort direction.
    pub order_direction: Option<OrderDirection>,
}

macro_rules! list_setter {
    ($name:ident) => {
        #[doc = concat!("Sets `", stringify!($name), "`.")]
        pub fn $name<I, S>(mut self, values: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: Into<String>,
        {
            self.$name = values.into_iter().map(Into::into).collect();
            self
        }
    };
}

impl ConnectedAccountsQuery {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }

    list_setter!(toolkit_slugs);
    list_setter!(user_ids);
    list_setter!(auth_config_ids);
    list_setter!(connected_account_ids);

    /// Only these statuses.
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = ConnectionStatus>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// Sets the cursor.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the ordering.
    pub fn order(mut self, by: OrderBy, direction: OrderDirection) -> Self {
        self.order_by = Some(by);
        self.order_direction = Some(direction);
        self
    }

    /// The URL-encoded query string.
    pub fn to_query_string(&self) -> String {
        let mut q = Query::new();
        q.push_list("toolkit_slugs", &self.toolkit_slugs);
        let statuses: Vec<&str> = self.statuses.iter().map(ConnectionStatus::as_str).collect();
        q.push_list("statuses", &statuses);
        q.push_list("user_ids", &self.user_ids);
        q.push_list("auth_config_ids", &self.auth_config_ids);
        q.push_list("connected_account_ids", &self.connected_account_ids);
        q.push_opt("cursor", self.cursor.as_deref());
        q.push_opt("limit", self.limit);
        q.push_opt("order_by", self.order_by.map(OrderBy::as_str));
        q.push_opt(
            "order_direction",
            self.order_direction.map(OrderDirection::as_str),
        );
        q.finish()
    }
}

/// `POST {P}/connected_accounts/link` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateAccountLinkRequest {
    /// The auth config to connect with.
    pub auth_config_id: String,
    /// The end user.
    pub user_id: String,
    /// Where the user lands afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// The new account's alias, unique per user and toolkit (docs/spec/wire-2026.md §16.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

impl CreateAccountLinkRequest {
    /// A link request.
    pub fn new(
        auth_config_id: impl Into<String>,
        user_id: impl Into<String>,
        callback_url: Option<String>,
    ) -> Self {
        Self {
            auth_config_id: auth_config_id.into(),
            user_id: user_id.into(),
            callback_url,
            alias: None,
        }
    }

    /// Names the new account.
    ///
    /// ```
    /// use composio_core::models::CreateAccountLinkRequest;
    /// let r = CreateAccountLinkRequest::new("ac_1", "user_123", None).alias("work-gmail");
    /// assert_eq!(serde_json::to_value(&r).unwrap()["alias"], "work-gmail");
    /// ```
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = Some(alias.into());
        self
    }
}

/// `POST /api/v3.1/connected_accounts/complete_auth` request (docs/spec/wire-2026.md §21.2):
/// redeems the single-use `session_uri` the project's verifier URL received, for the user
/// the app has signed in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompleteAuthRequest {
    /// The `session_uri` query parameter the verifier URL received (a bearer secret).
    pub session_uri: String,
    /// The user the app has signed in; must own the connected account.
    pub user_id: String,
}

impl CompleteAuthRequest {
    /// A request.
    pub fn new(session_uri: impl Into<String>, user_id: impl Into<String>) -> Self {
        Self {
            session_uri: session_uri.into(),
            user_id: user_id.into(),
        }
    }
}

impl std::fmt::Debug for CompleteAuthRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompleteAuthRequest")
            .field("session_uri", &"<redacted>")
            .field("user_id", &self.user_id)
            .finish()
    }
}

/// `POST /api/v3.1/connected_accounts/complete_auth` response (200): the account is ACTIVE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompleteAuthResponse {
    /// The activated account.
    pub connected_account_id: String,
    /// Its toolkit.
    pub toolkit_slug: String,
}

impl CompleteAuthResponse {
    /// A response.
    pub fn new(connected_account_id: impl Into<String>, toolkit_slug: impl Into<String>) -> Self {
        Self {
            connected_account_id: connected_account_id.into(),
            toolkit_slug: toolkit_slug.into(),
        }
    }
}

/// `POST {P}/connected_accounts/link` response (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateAccountLinkResponse {
    /// `lk_…`
    #[serde(default)]
    pub link_token: Option<String>,
    /// The Connect Link.
    pub redirect_url: String,
    /// When the link expires (RFC 3339).
    #[serde(default)]
    pub expires_at: Option<String>,
    /// The new connected account.
    pub connected_account_id: String,
}

impl CreateAccountLinkResponse {
    /// A link response without an expiry.
    ///
    /// ```
    /// use composio_core::models::CreateAccountLinkResponse;
    /// let r = CreateAccountLinkResponse::new("lk_1", "https://h/link/lk_1", "ca_1")
    ///     .expires_at("2026-01-10T12:10:00.000Z");
    /// assert_eq!(
    ///     serde_json::to_value(&r).unwrap(),
    ///     serde_json::json!({"link_token": "lk_1", "redirect_url": "https://h/link/lk_1",
    ///                        "expires_at": "2026-01-10T12:10:00.000Z",
    ///                        "connected_account_id": "ca_1"})
    /// );
    /// ```
    pub fn new(
        link_token: impl Into<String>,
        redirect_url: impl Into<String>,
        connected_account_id: impl Into<String>,
    ) -> Self {
        Self {
            link_token: Some(link_token.into()),
            redirect_url: redirect_url.into(),
            expires_at: None,
            connected_account_id: connected_account_id.into(),
        }
    }

    /// Sets when the link expires (RFC 3339).
    pub fn expires_at(mut self, expires_at: impl Into<String>) -> Self {
        self.expires_at = Some(expires_at.into());
        self
    }
}

/// `PATCH {P}/connected_accounts/{id}/status` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateAccountStatusRequest {
    /// `false` disables (`INACTIVE`), `true` enables.
    pub enabled: bool,
}

impl UpdateAccountStatusRequest {
    /// Enable or disable.
    pub fn new(enabled: bool) -> Self {
        Self { enabled }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_spec_example_and_keeps_extras() {
        let json = r#"{"id": "ca_N3wAcc0unt01", "user_id": "user_123", "status": "ACTIVE", "status_reason": null,
 "is_disabled": false, "toolkit": {"slug": "gmail"},
 "auth_config": {"id": "ac_AbCdEfGhIjKl", "auth_scheme": "OAUTH2", "is_composio_managed": true,
                 "is_disabled": false},
 "created_at": "2026-01-10T12:00:00.000Z", "updated_at": "2026-01-10T12:01:10.000Z",
 "state": {"authScheme": "OAUTH2", "val": {"status": "ACTIVE"}}, "data": {}, "params": {}}"#;
        let a: ConnectedAccount = serde_json::from_str(json).unwrap();
        assert_eq!(a.status, ConnectionStatus::Active);
        assert_eq!(
            a.auth_config.as_ref().unwrap().auth_scheme.as_deref(),
            Some("OAUTH2")
        );
        assert!(a.extra.contains_key("state"));
        let back = serde_json::to_value(&a).unwrap();
        assert_eq!(back["state"]["val"]["status"], "ACTIVE");
        assert_eq!(back["status"], "ACTIVE");
    }

    #[test]
    fn unknown_status_round_trips() {
        let a: ConnectedAccount =
            serde_json::from_str(r#"{"id":"ca_1","status":"SUSPENDED","toolkit":{"slug":"x"}}"#)
                .unwrap();
        assert_eq!(a.status, ConnectionStatus::Unknown("SUSPENDED".into()));
        assert_eq!(serde_json::to_value(&a).unwrap()["status"], "SUSPENDED");
    }

    /// What composio-server's `account_model` sends, built from JSON and with the constructors.
    #[test]
    fn constructors_build_what_the_server_sends() {
        let from_json: ConnectedAccount = serde_json::from_value(serde_json::json!({
            "id": "ca_1",
            "user_id": "user_123",
            "status": "FAILED",
            "status_reason": "User denied access",
            "is_disabled": false,
            "toolkit": {"slug": "gmail"},
            "auth_config": {
                "id": "ac_1",
                "auth_scheme": "OAUTH2",
                "is_composio_managed": true,
                "is_disabled": false
            },
            "created_at": "2026-01-10T12:00:00.000Z",
            "updated_at": "2026-01-10T12:01:10.000Z",
            "data": {"email": "jane@example.com"},
            "params": {},
        }))
        .unwrap();
        let built = ConnectedAccount::new(
            "ca_1",
            ConnectionStatus::Failed,
            AccountToolkit::new("gmail"),
        )
        .user_id("user_123")
        .status_reason("User denied access")
        .is_disabled(false)
        .auth_config(AccountAuthConfig::new("ac_1", "OAUTH2", true))
        .created_at("2026-01-10T12:00:00.000Z")
        .updated_at("2026-01-10T12:01:10.000Z")
        .data(serde_json::json!({"email": "jane@example.com"}))
        .params(serde_json::json!({}));
        assert_eq!(built, from_json);
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            serde_json::to_value(&from_json).unwrap()
        );
    }

    #[test]
    fn a_new_account_sends_nulls_and_defaults_like_a_minimal_json_one() {
        let minimal: ConnectedAccount = serde_json::from_value(serde_json::json!({
            "id": "ca_1", "status": "INACTIVE", "status_reason": null, "is_disabled": true,
            "toolkit": {"slug": "x"},
            "auth_config": {"id": "ac_1", "auth_scheme": "API_KEY", "is_composio_managed": false,
                            "is_disabled": true}
        }))
        .unwrap();
        let built =
            ConnectedAccount::new("ca_1", ConnectionStatus::Inactive, AccountToolkit::new("x"))
                .is_disabled(true)
                .auth_config(AccountAuthConfig::new("ac_1", "API_KEY", false).is_disabled(true));
        assert_eq!(built, minimal);
        let json = serde_json::to_value(&built).unwrap();
        assert_eq!(json["status_reason"], serde_json::Value::Null);
        assert_eq!(json["user_id"], serde_json::Value::Null);
        assert!(json.get("data").is_none());
    }

    #[test]
    fn link_response_constructor_matches_the_server_json() {
        let from_json: CreateAccountLinkResponse = serde_json::from_value(serde_json::json!({
            "link_token": "lk_1",
            "redirect_url": "http://127.0.0.1:8000/link/lk_1",
            "expires_at": "2026-01-10T12:10:00.000Z",
            "connected_account_id": "ca_1",
        }))
        .unwrap();
        let built =
            CreateAccountLinkResponse::new("lk_1", "http://127.0.0.1:8000/link/lk_1", "ca_1")
                .expires_at("2026-01-10T12:10:00.000Z");
        assert_eq!(built, from_json);
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            serde_json::to_value(&from_json).unwrap()
        );
    }

    #[test]
    fn full_query_string() {
        let q = ConnectedAccountsQuery::new()
            .auth_config_ids(["ac_1"])
            .connected_account_ids(["ca_1", "ca_2"])
            .cursor("a b")
            .limit(5)
            .order(OrderBy::UpdatedAt, OrderDirection::Asc);
        assert_eq!(
            q.to_query_string(),
            "auth_config_ids=ac_1&connected_account_ids=ca_1%2Cca_2&cursor=a%20b&limit=5&order_by=updated_at&order_direction=asc"
        );
        assert_eq!(ConnectedAccountsQuery::new().to_query_string(), "");
    }
}
