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

use composio_core::models::WebhookEventType;
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

    /// The webhook event (docs/spec/wire-2026.md §20.4) the change from `from` causes:
    /// `active` when an account becomes `ACTIVE` (connected, or enabled again), `failed`,
    /// `expired` only when an `ACTIVE` account cannot be refreshed (not when a Connect Link
    /// times out), `revoked`.
    pub(crate) fn webhook(&self, from: &ConnectionStatus) -> Option<WebhookEventType> {
        match self {
            Self::Connected => Some(WebhookEventType::ConnectedAccountActive),
            Self::Enabled if *from == ConnectionStatus::Inactive => {
                Some(WebhookEventType::ConnectedAccountActive)
            }
            Self::ConnectFailed(_) => Some(WebhookEventType::ConnectedAccountFailed),
            Self::RefreshExhausted(_) => Some(WebhookEventType::ConnectedAccountExpired),
            Self::Revoked(_) => Some(WebhookEventType::ConnectedAccountRevoked),
            Self::Enabled | Self::Disabled | Self::LinkExpired(_) => None,
        }
    }

    /// The statuses the event may happen in, grouped by the webhook event the change causes
    /// (the store applies each group with its own conditional update, so it knows which
    /// event to write with it).
    pub(crate) fn webhook_groups(&self) -> Vec<(Option<WebhookEventType>, Vec<ConnectionStatus>)> {
        let mut groups: Vec<(Option<WebhookEventType>, Vec<ConnectionStatus>)> = Vec::new();
        for from in self.allowed_from() {
            let hook = self.webhook(from);
            match groups.iter_mut().find(|(h, _)| *h == hook) {
                Some((_, statuses)) => statuses.push(from.clone()),
                None => groups.push((hook, vec![from.clone()])),
            }
        }
        groups
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
    fn webhook_events_of_changes() {
        use WebhookEventType as W;
        let cases = [
            (
                AccountEvent::Connected,
                ConnectionStatus::Initiated,
                Some(W::ConnectedAccountActive),
            ),
            (
                AccountEvent::Enabled,
                ConnectionStatus::Inactive,
                Some(W::ConnectedAccountActive),
            ),
            (AccountEvent::Enabled, ConnectionStatus::Active, None),
            (
                AccountEvent::ConnectFailed("x".into()),
                ConnectionStatus::Initiated,
                Some(W::ConnectedAccountFailed),
            ),
            (
                AccountEvent::RefreshExhausted("x".into()),
                ConnectionStatus::Active,
                Some(W::ConnectedAccountExpired),
            ),
            (
                AccountEvent::LinkExpired("x".into()),
                ConnectionStatus::Initiated,
                None,
            ),
            (
                AccountEvent::Revoked("x".into()),
                ConnectionStatus::Expired,
                Some(W::ConnectedAccountRevoked),
            ),
            (AccountEvent::Disabled, ConnectionStatus::Active, None),
        ];
        for (event, from, hook) in cases {
            assert_eq!(event.webhook(&from), hook, "{event:?} from {from}");
        }
        // Enabling is applied in two groups: INACTIVE (sends `active`) and ACTIVE (nothing).
        assert_eq!(
            AccountEvent::Enabled.webhook_groups(),
            vec![
                (None, vec![ConnectionStatus::Active]),
                (
                    Some(W::ConnectedAccountActive),
                    vec![ConnectionStatus::Inactive]
                ),
            ]
        );
        assert_eq!(AccountEvent::Connected.webhook_groups().len(), 1);
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
