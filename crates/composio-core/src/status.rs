//! The lifecycle status of a connected account.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Status of a connected account (docs/spec/wire.md §7).
///
/// The enum is `#[non_exhaustive]`: a status this version does not know is kept as
/// [`ConnectionStatus::Unknown`] and serialized back unchanged.
///
/// ```
/// use composio_core::ConnectionStatus;
/// let s: ConnectionStatus = serde_json::from_str("\"PAUSED\"").unwrap();
/// assert_eq!(s, ConnectionStatus::Unknown("PAUSED".into()));
/// assert_eq!(serde_json::to_string(&s).unwrap(), "\"PAUSED\"");
/// assert!(ConnectionStatus::Failed.is_terminal_failure());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// Being set up.
    Initializing,
    /// A Connect Link was created; the user has not finished yet.
    Initiated,
    /// Connected and usable.
    Active,
    /// The user denied access or the token exchange failed.
    Failed,
    /// The link expired, or refreshing the credentials kept failing.
    Expired,
    /// Disabled by the developer.
    Inactive,
    /// Revoked.
    Revoked,
    /// A status this version of the crate does not know.
    Unknown(String),
}

impl ConnectionStatus {
    /// The wire spelling (`ACTIVE`, …).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Initializing => "INITIALIZING",
            Self::Initiated => "INITIATED",
            Self::Active => "ACTIVE",
            Self::Failed => "FAILED",
            Self::Expired => "EXPIRED",
            Self::Inactive => "INACTIVE",
            Self::Revoked => "REVOKED",
            Self::Unknown(s) => s,
        }
    }

    /// Parses the wire spelling; unknown values become [`ConnectionStatus::Unknown`].
    pub fn parse(s: &str) -> Self {
        match s {
            "INITIALIZING" => Self::Initializing,
            "INITIATED" => Self::Initiated,
            "ACTIVE" => Self::Active,
            "FAILED" => Self::Failed,
            "EXPIRED" => Self::Expired,
            "INACTIVE" => Self::Inactive,
            "REVOKED" => Self::Revoked,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// `FAILED`, `EXPIRED` or `REVOKED`: a wait for this account ends with an error at once.
    pub fn is_terminal_failure(&self) -> bool {
        matches!(self, Self::Failed | Self::Expired | Self::Revoked)
    }

    /// Whether a `wait_for_connection` stops on this status (`ACTIVE` or a terminal failure).
    pub fn ends_wait(&self) -> bool {
        matches!(self, Self::Active) || self.is_terminal_failure()
    }
}

impl fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ConnectionStatus {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl Serialize for ConnectionStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ConnectionStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(Self::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip() {
        for s in [
            "INITIALIZING",
            "INITIATED",
            "ACTIVE",
            "FAILED",
            "EXPIRED",
            "INACTIVE",
            "REVOKED",
        ] {
            let parsed = ConnectionStatus::parse(s);
            assert!(!matches!(parsed, ConnectionStatus::Unknown(_)), "{s}");
            assert_eq!(parsed.as_str(), s);
        }
    }

    #[test]
    fn wait_semantics() {
        assert!(ConnectionStatus::Active.ends_wait());
        assert!(ConnectionStatus::Expired.ends_wait());
        assert!(ConnectionStatus::Revoked.ends_wait());
        assert!(!ConnectionStatus::Initiated.ends_wait());
        assert!(!ConnectionStatus::Initializing.ends_wait());
        assert!(!ConnectionStatus::Inactive.ends_wait());
        assert!(!ConnectionStatus::Unknown("X".into()).ends_wait());
    }
}
