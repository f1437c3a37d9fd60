//! The rules of a connected account's life: which status changes are allowed, and what a
//! Connect Link ended with. The store enforces these rules with conditional updates, so a
//! lost race is a typed outcome ([`crate::store::Transition::Rejected`]), never a silent
//! overwrite.
//!
//! ```text
//! INITIATED ──Connected──▶ ACTIVE ──Disabled──▶ INACTIVE
//!     │                      │  ▲                  │
//!     ├──ConnectFailed──▶ FAILED └────Enabled───────┘
//!     └──LinkExpired───▶ EXPIRED ◀──RefreshExhausted── ACTIVE
//!                        REVOKED ◀──Revoked── ACTIVE
//! ```

use composio_core::ConnectionStatus;

/// Statuses of an account whose Connect Link has not completed yet.
const PENDING: &[ConnectionStatus] = &[ConnectionStatus::Initiated, ConnectionStatus::Initializing];
const ACTIVE: &[ConnectionStatus] = &[ConnectionStatus::Active];
const USABLE: &[ConnectionStatus] = &[ConnectionStatus::Active, ConnectionStatus::Inactive];

/// Something that happens to a connected account, changing its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccountEvent {
    /// The user completed the Connect Link (credentials are stored with it).
    Connected,
    /// The user denied access, or the provider or token exchange failed.
    ConnectFailed(String),
    /// The Connect Link ran out before it was completed.
    LinkExpired(String),
    /// Refreshing the credentials kept failing.
    RefreshExhausted(String),
    /// The developer disabled the account.
    Disabled,
    /// The developer enabled the account again.
    Enabled,
    /// The credentials were revoked at the provider by the developer (the stored
    /// credentials are erased with it).
    Revoked(String),
}

impl AccountEvent {
    /// The status the account has after the event.
    pub(crate) fn target(&self) -> ConnectionStatus {
        match self {
            Self::Connected | Self::Enabled => ConnectionStatus::Active,
            Self::ConnectFailed(_) => ConnectionStatus::Failed,
            Self::LinkExpired(_) | Self::RefreshExhausted(_) => ConnectionStatus::Expired,
            Self::Disabled => ConnectionStatus::Inactive,
            Self::Revoked(_) => ConnectionStatus::Revoked,
        }
    }

    /// The statuses the event may happen in; in any other the change is refused.
    pub(crate) fn allowed_from(&self) -> &'static [ConnectionStatus] {
        match self {
            Self::Connected | Self::ConnectFailed(_) | Self::LinkExpired(_) => PENDING,
            Self::RefreshExhausted(_) => ACTIVE,
            Self::Disabled | Self::Enabled => USABLE,
            Self::Revoked(_) => ACTIVE,
        }
    }

    /// Whether the event may happen to an account in `status`.
    #[cfg(test)]
    pub(crate) fn allowed(&self, status: &ConnectionStatus) -> bool {
        self.allowed_from().contains(status)
    }

    /// Whether the event is only valid while the account's Connect Link has not expired.
    pub(crate) fn needs_live_link(&self) -> bool {
        matches!(self, Self::Connected | Self::ConnectFailed(_))
    }

    /// The status reason stored with the new status (`None` clears it).
    pub(crate) fn reason(&self) -> Option<&str> {
        match self {
            Self::ConnectFailed(r)
            | Self::LinkExpired(r)
            | Self::RefreshExhausted(r)
            | Self::Revoked(r) => Some(r),
            Self::Disabled => Some("Disabled"),
            Self::Connected | Self::Enabled => None,
        }
    }

    /// The `is_disabled` flag after the event.
    pub(crate) fn disabled(&self) -> bool {
        matches!(self, Self::Disabled)
    }
}

/// How a Connect Link ended, as the user sees it: it picks the result page and the
/// `status`/`error` of the redirect to the app's callback URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkOutcome {
    /// The account is `ACTIVE`.
    Connected,
    /// The user refused consent at the provider.
    Denied(String),
    /// The link expired before it was completed (the account is `EXPIRED`).
    Expired,
    /// The provider or the token exchange failed, or the server could not finish.
    Failed(String),
    /// The link had been used already (another tab or a replayed callback completed it).
    Used,
}

impl LinkOutcome {
    /// The message the app receives in `error` (and the user on the result page).
    pub(crate) fn error(&self) -> Option<String> {
        match self {
            Self::Connected => None,
            Self::Denied(m) | Self::Failed(m) => Some(m.clone()),
            Self::Expired => Some("The Connect Link expired".to_owned()),
            Self::Used => Some("The Connect Link was already used".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ConnectionStatus; 7] = [
        ConnectionStatus::Initializing,
        ConnectionStatus::Initiated,
        ConnectionStatus::Active,
        ConnectionStatus::Failed,
        ConnectionStatus::Expired,
        ConnectionStatus::Inactive,
        ConnectionStatus::Revoked,
    ];

    fn events() -> Vec<AccountEvent> {
        vec![
            AccountEvent::Connected,
            AccountEvent::ConnectFailed("x".into()),
            AccountEvent::LinkExpired("x".into()),
            AccountEvent::RefreshExhausted("x".into()),
            AccountEvent::Disabled,
            AccountEvent::Enabled,
            AccountEvent::Revoked("x".into()),
        ]
    }

    #[test]
    fn terminal_statuses_never_change() {
        for e in events() {
            for s in [ConnectionStatus::Failed, ConnectionStatus::Revoked] {
                assert!(!e.allowed(&s), "{e:?} from {s}");
            }
        }
    }

    #[test]
    fn expired_accounts_cannot_become_active() {
        // The race of issue 11: a swept (EXPIRED) account must never be activated.
        for e in events()
            .into_iter()
            .filter(|e| e.target() == ConnectionStatus::Active)
        {
            assert!(!e.allowed(&ConnectionStatus::Expired), "{e:?}");
        }
    }

    #[test]
    fn the_transition_table() {
        let table: Vec<(String, Vec<&str>)> = events()
            .iter()
            .map(|e| {
                let from = ALL.iter().filter(|s| e.allowed(s)).map(|s| s.as_str());
                (format!("{}", e.target()), from.collect())
            })
            .collect();
        assert_eq!(
            table,
            vec![
                ("ACTIVE".into(), vec!["INITIALIZING", "INITIATED"]),
                ("FAILED".into(), vec!["INITIALIZING", "INITIATED"]),
                ("EXPIRED".into(), vec!["INITIALIZING", "INITIATED"]),
                ("EXPIRED".into(), vec!["ACTIVE"]),
                ("INACTIVE".into(), vec!["ACTIVE", "INACTIVE"]),
                ("ACTIVE".into(), vec!["ACTIVE", "INACTIVE"]),
                ("REVOKED".into(), vec!["ACTIVE"]),
            ]
        );
    }

    #[test]
    fn reasons_and_flags() {
        assert_eq!(AccountEvent::Disabled.reason(), Some("Disabled"));
        assert!(AccountEvent::Disabled.disabled());
        assert_eq!(AccountEvent::Enabled.reason(), None);
        assert!(!AccountEvent::Enabled.disabled());
        assert!(AccountEvent::Connected.needs_live_link());
        assert!(!AccountEvent::Enabled.needs_live_link());
        assert_eq!(LinkOutcome::Connected.error(), None);
        assert_eq!(
            LinkOutcome::Expired.error().as_deref(),
            Some("The Connect Link expired")
        );
    }
}
