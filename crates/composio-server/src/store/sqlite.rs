//! SQLite implementation of [`Store`] (sqlx, WAL, schema applied at startup).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::*;
use crate::util::{now_ms, random_id};

/// Versioned schema migrations, applied in order once each.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("schema.sql")),
    (2, include_str!("migration_002_meta.sql")),
];

const ACCOUNT_COLS: &str =
    "id, project_id, user_id, toolkit, auth_config_id, auth_scheme, status, \
    status_reason, is_disabled, credentials, info, created_at, updated_at, expires_at";
const LINK_COLS: &str =
    "token, project_id, account_id, callback_url, state, pkce_verifier, used, expires_at";

/// A [`Store`] on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// A private in-memory database (one connection, lives as long as the store).
    pub async fn memory() -> StoreResult<Self> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await?;
        Self::migrated(pool).await
    }

    /// A database file (created when missing) in WAL mode.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL is crash-safe (no corruption; an OS crash or power loss may
            // lose the last commits) and avoids an fsync on every commit.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        Self::migrated(pool).await
    }

    async fn migrated(pool: SqlitePool) -> StoreResult<Self> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .execute(&pool)
        .await?;
        for (version, sql) in MIGRATIONS {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = ?")
                    .bind(version)
                    .fetch_optional(&pool)
                    .await?;
            if done.is_none() {
                let mut tx = pool.begin().await?;
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
                    .bind(version)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(Self { pool })
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn account(row: &SqliteRow) -> AccountRow {
    AccountRow {
        id: row.get("id"),
        project_id: row.get("project_id"),
        user_id: row.get("user_id"),
        toolkit: row.get("toolkit"),
        auth_config_id: row.get("auth_config_id"),
        auth_scheme: row.get("auth_scheme"),
        status: row.get("status"),
        status_reason: row.get("status_reason"),
        is_disabled: row.get::<i64, _>("is_disabled") != 0,
        credentials: row.get("credentials"),
        info: row.get("info"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
        expires_at: row.get("expires_at"),
    }
}

fn link(row: &SqliteRow) -> LinkRow {
    LinkRow {
        token: row.get("token"),
        project_id: row.get("project_id"),
        account_id: row.get("account_id"),
        callback_url: row.get("callback_url"),
        state: row.get("state"),
        pkce_verifier: row.get("pkce_verifier"),
        used: row.get::<i64, _>("used") != 0,
        expires_at: row.get("expires_at"),
    }
}

fn push_in(qb: &mut QueryBuilder<'_, Sqlite>, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    qb.push(" AND ").push(column).push(" IN (");
    let mut sep = qb.separated(", ");
    for v in values {
        sep.push_bind(v.clone());
    }
    sep.push_unseparated(")");
}

impl SqliteStore {
    async fn account_by_id(&self, id: &str) -> StoreResult<Option<AccountRow>> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM connected_accounts WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(account))
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ensure_project(&self, name: &str) -> StoreResult<String> {
        let existing: Option<String> = sqlx::query_scalar("SELECT id FROM projects WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let id = random_id("prj_", 12);
        sqlx::query("INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING")
            .bind(&id)
            .bind(name)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        let id: String = sqlx::query_scalar("SELECT id FROM projects WHERE name = ?")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(id)
    }

    async fn add_api_key(&self, project_id: &str, key_hash: &[u8]) -> StoreResult<()> {
        sqlx::query("INSERT INTO api_keys (key_hash, project_id, created_at) VALUES (?, ?, ?) ON CONFLICT(key_hash) DO NOTHING")
            .bind(key_hash)
            .bind(project_id)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn get_meta(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn set_meta(&self, key: &str, value: &[u8]) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn api_keys(&self) -> StoreResult<Vec<(Vec<u8>, String)>> {
        let rows = sqlx::query("SELECT key_hash, project_id FROM api_keys")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get("key_hash"), r.get("project_id")))
            .collect())
    }

    async fn insert_session(&self, s: &SessionRow) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (id, project_id, user_id, config, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(&s.id)
            .bind(&s.project_id)
            .bind(&s.user_id)
            .bind(&s.config)
            .bind(s.created_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn get_session(&self, project_id: &str, id: &str) -> StoreResult<Option<SessionRow>> {
        let row = sqlx::query("SELECT id, project_id, user_id, config, created_at FROM sessions WHERE id = ? AND project_id = ?")
            .bind(id)
            .bind(project_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| SessionRow {
            id: r.get("id"),
            project_id: r.get("project_id"),
            user_id: r.get("user_id"),
            config: r.get("config"),
            created_at: r.get("created_at"),
        }))
    }

    async fn session_project(&self, id: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT project_id FROM sessions WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get("project_id")))
    }

    async fn delete_session(&self, project_id: &str, id: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM sessions WHERE id = ? AND project_id = ?")
            .bind(id)
            .bind(project_id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn insert_account(&self, a: &AccountRow) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO connected_accounts ({ACCOUNT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        );
        sqlx::query(&sql)
            .bind(&a.id)
            .bind(&a.project_id)
            .bind(&a.user_id)
            .bind(&a.toolkit)
            .bind(&a.auth_config_id)
            .bind(&a.auth_scheme)
            .bind(&a.status)
            .bind(&a.status_reason)
            .bind(i64::from(a.is_disabled))
            .bind(&a.credentials)
            .bind(&a.info)
            .bind(a.created_at)
            .bind(a.updated_at)
            .bind(a.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn get_account(&self, project_id: &str, id: &str) -> StoreResult<Option<AccountRow>> {
        Ok(self
            .account_by_id(id)
            .await?
            .filter(|a| a.project_id == project_id))
    }

    async fn get_account_any(&self, id: &str) -> StoreResult<Option<AccountRow>> {
        self.account_by_id(id).await
    }

    async fn get_accounts(&self, project_id: &str, ids: &[String]) -> StoreResult<Vec<AccountRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut qb = QueryBuilder::<Sqlite>::new(format!(
                "SELECT {ACCOUNT_COLS} FROM connected_accounts WHERE project_id = "
            ));
            qb.push_bind(project_id.to_owned());
            push_in(&mut qb, "id", chunk);
            let rows = qb.build().fetch_all(&self.pool).await?;
            out.extend(rows.iter().map(account));
        }
        Ok(out)
    }

    async fn list_accounts(
        &self,
        project_id: &str,
        f: &AccountFilter,
    ) -> StoreResult<(Vec<AccountRow>, u64)> {
        let build = |select: &str| {
            let mut qb = QueryBuilder::<Sqlite>::new(format!(
                "SELECT {select} FROM connected_accounts WHERE project_id = "
            ));
            qb.push_bind(project_id.to_owned());
            push_in(&mut qb, "toolkit", &f.toolkits);
            push_in(&mut qb, "status", &f.statuses);
            push_in(&mut qb, "user_id", &f.user_ids);
            push_in(&mut qb, "auth_config_id", &f.auth_config_ids);
            push_in(&mut qb, "id", &f.ids);
            qb
        };
        let total: i64 = build("COUNT(*)")
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await?;
        let mut qb = build(ACCOUNT_COLS);
        let col = if f.order_by_updated {
            "updated_at"
        } else {
            "created_at"
        };
        let dir = if f.ascending { "ASC" } else { "DESC" };
        qb.push(format!(" ORDER BY {col} {dir}, id {dir} LIMIT "));
        qb.push_bind(i64::try_from(f.limit).unwrap_or(i64::MAX));
        qb.push(" OFFSET ");
        qb.push_bind(i64::try_from(f.offset).unwrap_or(i64::MAX));
        let rows = qb.build().fetch_all(&self.pool).await?;
        Ok((
            rows.iter().map(account).collect(),
            u64::try_from(total).unwrap_or(0),
        ))
    }

    async fn best_account(
        &self,
        project_id: &str,
        user_id: &str,
        toolkit: &str,
    ) -> StoreResult<Option<AccountRow>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLS} FROM connected_accounts WHERE project_id = ? AND user_id = ? AND toolkit = ? \
             ORDER BY (status = 'ACTIVE') DESC, created_at DESC, id DESC LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(project_id)
            .bind(user_id)
            .bind(toolkit)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(account))
    }

    async fn set_account_status(
        &self,
        id: &str,
        status: &str,
        reason: Option<&str>,
        is_disabled: bool,
    ) -> StoreResult<Option<AccountRow>> {
        sqlx::query("UPDATE connected_accounts SET status = ?, status_reason = ?, is_disabled = ?, updated_at = ? WHERE id = ?")
            .bind(status)
            .bind(reason)
            .bind(i64::from(is_disabled))
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.account_by_id(id).await
    }

    async fn transition_account(
        &self,
        id: &str,
        from: &str,
        to: &str,
        reason: Option<&str>,
    ) -> StoreResult<Option<AccountRow>> {
        let r = sqlx::query("UPDATE connected_accounts SET status = ?, status_reason = ?, updated_at = ? WHERE id = ? AND status = ?")
            .bind(to)
            .bind(reason)
            .bind(now_ms())
            .bind(id)
            .bind(from)
            .execute(&self.pool)
            .await?;
        if r.rows_affected() == 0 {
            return Ok(None);
        }
        self.account_by_id(id).await
    }

    async fn activate_account(
        &self,
        id: &str,
        credentials: &[u8],
        info: Option<&str>,
    ) -> StoreResult<Option<AccountRow>> {
        sqlx::query("UPDATE connected_accounts SET status = 'ACTIVE', status_reason = NULL, credentials = ?, info = ?, expires_at = NULL, updated_at = ? WHERE id = ?")
            .bind(credentials)
            .bind(info)
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.account_by_id(id).await
    }

    async fn set_credentials(&self, id: &str, credentials: &[u8]) -> StoreResult<()> {
        sqlx::query("UPDATE connected_accounts SET credentials = ? WHERE id = ?")
            .bind(credentials)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_account(&self, project_id: &str, id: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM connected_accounts WHERE id = ? AND project_id = ?")
            .bind(id)
            .bind(project_id)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM links WHERE account_id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn expire_initiated(&self, now: i64, reason: &str) -> StoreResult<Vec<String>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "UPDATE connected_accounts SET status = 'EXPIRED', status_reason = ?, updated_at = ? \
             WHERE status IN ('INITIATED', 'INITIALIZING') AND expires_at IS NOT NULL AND expires_at <= ? RETURNING id",
        )
        .bind(reason)
        .bind(now)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids)
    }

    async fn insert_link(&self, l: &LinkRow) -> StoreResult<()> {
        let sql = format!("INSERT INTO links ({LINK_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        sqlx::query(&sql)
            .bind(&l.token)
            .bind(&l.project_id)
            .bind(&l.account_id)
            .bind(&l.callback_url)
            .bind(&l.state)
            .bind(&l.pkce_verifier)
            .bind(i64::from(l.used))
            .bind(l.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn get_link(&self, token: &str) -> StoreResult<Option<LinkRow>> {
        let sql = format!("SELECT {LINK_COLS} FROM links WHERE token = ?");
        let row = sqlx::query(&sql)
            .bind(token)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(link))
    }

    async fn get_link_by_state(&self, state: &str) -> StoreResult<Option<LinkRow>> {
        let sql = format!("SELECT {LINK_COLS} FROM links WHERE state = ?");
        let row = sqlx::query(&sql)
            .bind(state)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(link))
    }

    async fn start_link(&self, token: &str, state: &str, verifier: &[u8]) -> StoreResult<()> {
        sqlx::query("UPDATE links SET state = ?, pkce_verifier = ? WHERE token = ? AND used = 0")
            .bind(state)
            .bind(verifier)
            .bind(token)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn use_link(&self, token: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE links SET used = 1 WHERE token = ? AND used = 0")
            .bind(token)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn idempotent_get(
        &self,
        project_id: &str,
        key: &str,
        since_ms: i64,
    ) -> StoreResult<Option<IdempotentResponse>> {
        let row = sqlx::query("SELECT status, body FROM idempotency_keys WHERE project_id = ? AND key = ? AND created_at >= ?")
            .bind(project_id)
            .bind(key)
            .bind(since_ms)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| IdempotentResponse {
            status: u16::try_from(r.get::<i64, _>("status")).unwrap_or(200),
            body: r.get("body"),
        }))
    }

    async fn idempotent_put(
        &self,
        project_id: &str,
        key: &str,
        resp: &IdempotentResponse,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO idempotency_keys (project_id, key, status, body, created_at) VALUES (?, ?, ?, ?, ?) \
                     ON CONFLICT(project_id, key) DO UPDATE SET status = excluded.status, body = excluded.body, created_at = excluded.created_at")
            .bind(project_id)
            .bind(key)
            .bind(i64::from(resp.status))
            .bind(&resp.body)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn idempotent_purge(&self, before_ms: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
