//! What every sqlx backend shares: the mapping of sqlx errors to [`StoreError`], and the
//! parsing of stored domain values.

use composio_core::ConnectionStatus;

use super::{StoreError, StoreResult};
use crate::catalog::AuthScheme;

/// Maps a sqlx error to a [`StoreError`] (`.db()?` on sqlx results).
pub(super) trait Db<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> Db<T> for Result<T, sqlx::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(store_error)
    }
}

pub(super) fn store_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(Box::new(e)),
        sqlx::Error::Database(ref d) if d.is_unique_violation() => {
            StoreError::Conflict(d.message().to_owned())
        }
        sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. } => {
            StoreError::Corrupt(e.to_string())
        }
        other => StoreError::Backend(Box::new(other)),
    }
}

/// A stored status (every spelling is accepted: unknown ones are kept as
/// [`ConnectionStatus::Unknown`]).
pub(super) fn status(s: &str) -> ConnectionStatus {
    ConnectionStatus::parse(s)
}

/// A stored auth scheme.
pub(super) fn auth_scheme(s: &str) -> StoreResult<AuthScheme> {
    AuthScheme::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown auth scheme `{s}`")))
}

/// The wire spellings of statuses, for `IN (…)` lists.
pub(super) fn status_names(statuses: &[ConnectionStatus]) -> Vec<String> {
    statuses.iter().map(|s| s.as_str().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_and_conflict_are_told_apart() {
        assert!(matches!(
            store_error(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(sqlx::Error::RowNotFound),
            StoreError::Backend(_)
        ));
        assert!(matches!(auth_scheme("OAUTH2"), Ok(AuthScheme::OAuth2)));
        assert!(matches!(auth_scheme("nope"), Err(StoreError::Corrupt(_))));
    }
}
