//! Storage of session config updates (docs/spec/wire-2026.md §19): the compare-and-set of a
//! new config on the version it was computed from, and the history of superseded configs.
//!
//! An update is one transaction: a single `UPDATE … WHERE config_version = $expected` (the
//! compare-and-set: of two updates from the same version exactly one changes the row, on
//! SQLite and on PostgreSQL alike) and the archive of the config it replaced. A lost race
//! changes nothing and reports the version that won.

use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Row, Type};

use super::sqlx_store::{Backend, SqlxStore};
use super::sqlx_util::Db;
use super::StoreResult;

/// A config to store in place of the one at `expected_version`.
#[derive(Debug, Clone)]
pub(crate) struct ConfigUpdate {
    /// The version the new config was computed from; the update applies only while the
    /// stored config is still at it.
    pub expected_version: i64,
    /// The config at `expected_version` (JSON), archived when the update applies.
    pub previous: String,
    /// The new config (JSON).
    pub config: String,
}

/// What [`SessionConfigStore::update_session_config`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConfigUpdated {
    /// The config was replaced: its new version and when (epoch ms).
    Applied {
        /// The new version (`expected_version + 1`).
        version: i64,
        /// The time of the update.
        updated_at: i64,
    },
    /// The stored config is at another version; nothing changed.
    Conflict {
        /// The stored version.
        current: i64,
    },
    /// There is no such session in the project.
    NotFound,
}

/// An archived config: the one a session had at `version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigHistoryRow {
    /// The version the config had.
    pub version: i64,
    /// The config (JSON).
    pub config: String,
    /// When an update superseded it (epoch ms).
    pub archived_at: i64,
}

/// Storage of session config updates (a part of every [`super::Store`]).
#[async_trait]
pub(crate) trait SessionConfigStore {
    /// Replaces a session's config if it is still at `update.expected_version`, bumping the
    /// version and archiving the previous config (one unit of work).
    async fn update_session_config(
        &self,
        project_id: &str,
        id: &str,
        update: &ConfigUpdate,
    ) -> StoreResult<ConfigUpdated>;
    /// Archived configs of a session, newest first (`offset`, at most `limit`), and how many
    /// there are.
    async fn session_config_history(
        &self,
        id: &str,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<ConfigHistoryRow>, u64)>;
}

#[async_trait]
impl<DB> SessionConfigStore for SqlxStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    async fn update_session_config(
        &self,
        project_id: &str,
        id: &str,
        update: &ConfigUpdate,
    ) -> StoreResult<ConfigUpdated> {
        let now = self.clock.now_ms();
        let mut tx = self.begin_write().await.db()?;
        let changed = sqlx::query(
            "UPDATE sessions SET config = $1, config_version = config_version + 1, \
             config_updated_at = $2 WHERE id = $3 AND project_id = $4 AND config_version = $5",
        )
        .bind(update.config.clone())
        .bind(now)
        .bind(id.to_owned())
        .bind(project_id.to_owned())
        .bind(update.expected_version)
        .execute(&mut *tx)
        .await
        .db()?;
        if DB::rows_affected(&changed) == 0 {
            drop(tx);
            let current: Option<i64> = sqlx::query_scalar(
                "SELECT config_version FROM sessions WHERE id = $1 AND project_id = $2",
            )
            .bind(id.to_owned())
            .bind(project_id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .db()?;
            return Ok(match current {
                Some(current) => ConfigUpdated::Conflict { current },
                None => ConfigUpdated::NotFound,
            });
        }
        sqlx::query(
            "INSERT INTO session_config_history (session_id, version, config, archived_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id.to_owned())
        .bind(update.expected_version)
        .bind(update.previous.clone())
        .bind(now)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(ConfigUpdated::Applied {
            version: update.expected_version + 1,
            updated_at: now,
        })
    }

    async fn session_config_history(
        &self,
        id: &str,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<ConfigHistoryRow>, u64)> {
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM session_config_history WHERE session_id = $1")
                .bind(id.to_owned())
                .fetch_one(&self.pool)
                .await
                .db()?;
        let rows = sqlx::query(
            "SELECT version, config, archived_at FROM session_config_history \
             WHERE session_id = $1 ORDER BY version DESC LIMIT $2 OFFSET $3",
        )
        .bind(id.to_owned())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .db()?;
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(ConfigHistoryRow {
                    version: r.try_get("version").db()?,
                    config: r.try_get("config").db()?,
                    archived_at: r.try_get("archived_at").db()?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((items, u64::try_from(total).unwrap_or(0)))
    }
}
