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
    /// An auth config reference.
    pub fn new(id: impl Into<String>, auth_scheme: impl Into<String>, managed: bool) -> Self {
        Self {
            id: id.into(),
            auth_scheme: Some(auth_scheme.into()),
            is_composio_managed: managed,
            is_disabled: false,
        }
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
    /// Everything else the server sent (`state`, `data`, `params`, …).
    #[serde(flatten)]
    pub extra: Extra,
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
