//! Renaming and revoking connected accounts (docs/spec/wire-2026.md §16.6 and §18).

use serde::{Deserialize, Serialize};

use super::Extra;
use crate::ConnectionStatus;

/// `PATCH {P}/connected_accounts/{id}` request: only the given fields change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateAccountRequest {
    /// The new alias; `""` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

impl UpdateAccountRequest {
    /// A request that sets (or with `""` clears) the alias.
    ///
    /// ```
    /// use composio_core::models::UpdateAccountRequest;
    /// let body = serde_json::to_value(UpdateAccountRequest::alias("work-gmail")).unwrap();
    /// assert_eq!(body, serde_json::json!({"alias": "work-gmail"}));
    /// ```
    pub fn alias(alias: impl Into<String>) -> Self {
        Self {
            alias: Some(alias.into()),
        }
    }
}

/// `PATCH {P}/connected_accounts/{id}` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateAccountResponse {
    /// `ca_…`
    #[serde(default)]
    pub id: Option<String>,
    /// The account's status.
    #[serde(default)]
    pub status: Option<ConnectionStatus>,
    /// Whether the update was applied.
    #[serde(default)]
    pub success: bool,
    /// Everything else the server sent.
    #[serde(flatten)]
    pub extra: Extra,
}

impl UpdateAccountResponse {
    /// A successful update of account `id`, now in `status`.
    pub fn new(id: impl Into<String>, status: ConnectionStatus) -> Self {
        Self {
            id: Some(id.into()),
            status: Some(status),
            success: true,
            extra: Extra::new(),
        }
    }
}

/// The account part of a [`RevokeAccountResponse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RevokedAccount {
    /// `ca_…`
    pub id: String,
    /// Its status after the call (`REVOKED`).
    pub status: ConnectionStatus,
}

/// `POST {P}/connected_accounts/{id}/revoke` response.
///
/// ```
/// use composio_core::models::RevokeAccountResponse;
/// use composio_core::ConnectionStatus;
/// let r = RevokeAccountResponse::new("ca_1", ConnectionStatus::Revoked, vec!["access_token".into()]);
/// let json = serde_json::to_value(&r).unwrap();
/// assert_eq!(json["connected_account"]["status"], "REVOKED");
/// assert_eq!(serde_json::from_value::<RevokeAccountResponse>(json).unwrap(), r);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RevokeAccountResponse {
    /// What this call revoked at the provider: `access_token`, `refresh_token` or
    /// `credential` (empty when the account was already revoked).
    #[serde(default)]
    pub revoked_tokens: Vec<String>,
    /// The account after the call.
    pub connected_account: RevokedAccount,
}

impl RevokeAccountResponse {
    /// A response for account `id`.
    pub fn new(
        id: impl Into<String>,
        status: ConnectionStatus,
        revoked_tokens: Vec<String>,
    ) -> Self {
        Self {
            revoked_tokens,
            connected_account: RevokedAccount {
                id: id.into(),
                status,
            },
        }
    }
}
