//! The SQLite [`Store`] (sqlx, WAL, versioned migrations applied at startup).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use composio_core::models::{OrderBy, OrderDirection};
use composio_core::ConnectionStatus;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

use super::sqlx_util::{auth_scheme, status, status_names, Db};
use super::*;
use crate::clock::{after, SharedClock};

/// Versioned schema migrations, applied in order once each.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/sqlite/001_schema.sql")),
    (2, include_str!("migrations/sqlite/002_meta.sql")),
    (3, include_str!("migrations/sqlite/003_typed_core.sql")),
];

const ACCOUNT_COLS: &str = "id, project_id, user_id, toolkit, auth_config_id, auth_scheme, \
    status, status_reason, is_disabled, credentials, credentials_version, info, created_at, \
    updated_at";
const LINK_COLS: &str =
    "token, project_id, account_id, callback_url, pkce_verifier, used, expires_at";

/// A [`Store`] on SQLite.
#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    pool: SqlitePool,
    clock: SharedClock,
}

impl SqliteStore {
    /// A private in-memory database (one connection, lives as long as the store).
    pub(crate) async fn memory(clock: SharedClock) -> StoreResult<Self> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:").db()?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await
            .db()?;
        Self::migrated(pool, clock).await
    }

    /// A database file (created when missing) in WAL mode.
    pub(crate) async fn open(path: &Path, clock: SharedClock) -> StoreResult<Self> {
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
            .await
            .db()?;
        Self::migrated(pool, clock).await
    }

    async fn migrated(pool: SqlitePool, clock: SharedClock) -> StoreResult<Self> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .execute(&pool)
        .await
        .db()?;
        let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&pool)
            .await
            .db()?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if let Some(found) = newest.filter(|v| *v > known) {
            return Err(StoreError::TooNew { found, known });
        }
        for (version, sql) in MIGRATIONS {
            if newest.is_some_and(|n| n >= *version) {
                continue;
            }
            let mut tx = pool.begin().await.db()?;
            sqlx::raw_sql(sql).execute(&mut *tx).await.db()?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
                .bind(version)
                .bind(clock.now_ms())
                .execute(&mut *tx)
                .await
                .db()?;
            tx.commit().await.db()?;
        }
        Ok(Self { pool, clock })
    }

    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    #[cfg(test)]
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn account(row: &SqliteRow) -> StoreResult<AccountRow> {
    Ok(AccountRow {
        id: row.try_get("id").db()?,
        project_id: row.try_get("project_id").db()?,
        user_id: row.try_get("user_id").db()?,
        toolkit: row.try_get("toolkit").db()?,
        auth_config_id: row.try_get("auth_config_id").db()?,
        auth_scheme: auth_scheme(row.try_get("auth_scheme").db()?)?,
        status: status(row.try_get("status").db()?),
        status_reason: row.try_get("status_reason").db()?,
        is_disabled: row.try_get::<i64, _>("is_disabled").db()? != 0,
        credentials: row.try_get("credentials").db()?,
        credentials_version: row.try_get("credentials_version").db()?,
        info: row.try_get("info").db()?,
        created_at: row.try_get("created_at").db()?,
        updated_at: row.try_get("updated_at").db()?,
    })
}

fn accounts(rows: &[SqliteRow]) -> StoreResult<Vec<AccountRow>> {
    rows.iter().map(account).collect()
}

fn link(row: &SqliteRow) -> StoreResult<LinkRow> {
    Ok(LinkRow {
        token: row.try_get("token").db()?,
        project_id: row.try_get("project_id").db()?,
        account_id: row.try_get("account_id").db()?,
        callback_url: row.try_get("callback_url").db()?,
        pkce_verifier: row.try_get("pkce_verifier").db()?,
        used: row.try_get::<i64, _>("used").db()? != 0,
        expires_at: row.try_get("expires_at").db()?,
    })
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

async fn account_by_id(conn: &mut SqliteConnection, id: &str) -> StoreResult<Option<AccountRow>> {
    let sql = format!("SELECT {ACCOUNT_COLS} FROM connected_accounts WHERE id = ?");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .db()?;
    row.as_ref().map(account).transpose()
}

/// The conditional status update of [`AccountEvent`]s: `UPDATE … WHERE id = ? AND status IN
/// (allowed) [AND the link has not expired]`, returning the updated row.
async fn apply_event(
    conn: &mut SqliteConnection,
    id: &str,
    event: &AccountEvent,
    credentials: Option<(&[u8], Option<&str>)>,
    now: i64,
) -> StoreResult<Option<AccountRow>> {
    let mut qb = QueryBuilder::<Sqlite>::new("UPDATE connected_accounts SET status = ");
    qb.push_bind(event.target().as_str().to_owned());
    qb.push(", status_reason = ")
        .push_bind(event.reason().map(str::to_owned));
    qb.push(", is_disabled = ")
        .push_bind(i64::from(event.disabled()));
    qb.push(", updated_at = ").push_bind(now);
    if let Some((sealed, info)) = credentials {
        qb.push(", credentials = ").push_bind(sealed.to_vec());
        qb.push(", credentials_version = credentials_version + 1");
        qb.push(", info = ").push_bind(info.map(str::to_owned));
    }
    if event.target() != ConnectionStatus::Expired {
        qb.push(", expires_at = NULL");
    }
    qb.push(" WHERE id = ").push_bind(id.to_owned());
    push_in(&mut qb, "status", &status_names(event.allowed_from()));
    if event.needs_live_link() {
        qb.push(" AND (expires_at IS NULL OR expires_at > ")
            .push_bind(now)
            .push(")");
    }
    qb.push(format!(" RETURNING {ACCOUNT_COLS}"));
    let row = qb.build().fetch_optional(&mut *conn).await.db()?;
    row.as_ref().map(account).transpose()
}

#[async_trait]
impl Store for SqliteStore {
    async fn ensure_project(&self, name: &str) -> StoreResult<String> {
        sqlx::query("INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING")
            .bind(crate::ids::project())
            .bind(name)
            .bind(self.now())
            .execute(&self.pool)
            .await
            .db()?;
        sqlx::query_scalar("SELECT id FROM projects WHERE name = ?")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .db()
    }

    async fn add_api_key(&self, project_id: &str, key_hash: &[u8]) -> StoreResult<()> {
        sqlx::query("INSERT INTO api_keys (key_hash, project_id, created_at) VALUES (?, ?, ?) ON CONFLICT(key_hash) DO NOTHING")
            .bind(key_hash)
            .bind(project_id)
            .bind(self.now())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn api_keys(&self) -> StoreResult<Vec<ApiKeyRow>> {
        let rows = sqlx::query("SELECT key_hash, project_id FROM api_keys")
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter()
            .map(|r| {
                Ok(ApiKeyRow {
                    hash: r.try_get("key_hash").db()?,
                    project_id: r.try_get("project_id").db()?,
                })
            })
            .collect()
    }

    async fn get_meta(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .db()
    }

    async fn init_meta(&self, key: &str, value: &[u8]) -> StoreResult<Vec<u8>> {
        sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .db()?;
        sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_one(&self.pool)
            .await
            .db()
    }

    async fn insert_session(&self, s: &NewSession) -> StoreResult<SessionRow> {
        let now = self.now();
        sqlx::query("INSERT INTO sessions (id, project_id, user_id, config, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(&s.id)
            .bind(&s.project_id)
            .bind(&s.user_id)
            .bind(&s.config)
            .bind(now)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(SessionRow {
            id: s.id.clone(),
            user_id: s.user_id.clone(),
            config: s.config.clone(),
        })
    }

    async fn get_session(&self, project_id: &str, id: &str) -> StoreResult<Option<SessionRow>> {
        let row =
            sqlx::query("SELECT id, user_id, config FROM sessions WHERE id = ? AND project_id = ?")
                .bind(id)
                .bind(project_id)
                .fetch_optional(&self.pool)
                .await
                .db()?;
        row.map(|r| {
            Ok(SessionRow {
                id: r.try_get("id").db()?,
                user_id: r.try_get("user_id").db()?,
                config: r.try_get("config").db()?,
            })
        })
        .transpose()
    }

    async fn session_project(&self, id: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT project_id FROM sessions WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .db()
    }

    async fn delete_session(&self, project_id: &str, id: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM sessions WHERE id = ? AND project_id = ?")
            .bind(id)
            .bind(project_id)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(r.rows_affected() > 0)
    }

    async fn get_account(&self, project_id: &str, id: &str) -> StoreResult<Option<AccountRow>> {
        Ok(self
            .get_account_any(id)
            .await?
            .filter(|a| a.project_id == project_id))
    }

    async fn get_account_any(&self, id: &str) -> StoreResult<Option<AccountRow>> {
        let mut conn = self.pool.acquire().await.db()?;
        account_by_id(&mut conn, id).await
    }

    async fn get_accounts(&self, project_id: &str, ids: &[String]) -> StoreResult<Vec<AccountRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut qb = QueryBuilder::<Sqlite>::new(format!(
                "SELECT {ACCOUNT_COLS} FROM connected_accounts WHERE project_id = "
            ));
            qb.push_bind(project_id.to_owned());
            push_in(&mut qb, "id", chunk);
            let rows = qb.build().fetch_all(&self.pool).await.db()?;
            out.extend(accounts(&rows)?);
        }
        Ok(out)
    }

    async fn list_accounts(&self, project_id: &str, f: &AccountFilter) -> StoreResult<AccountPage> {
        let statuses = status_names(&f.statuses);
        let build = |select: &str| {
            let mut qb = QueryBuilder::<Sqlite>::new(format!(
                "SELECT {select} FROM connected_accounts WHERE project_id = "
            ));
            qb.push_bind(project_id.to_owned());
            push_in(&mut qb, "toolkit", &f.toolkits);
            push_in(&mut qb, "status", &statuses);
            push_in(&mut qb, "user_id", &f.user_ids);
            push_in(&mut qb, "auth_config_id", &f.auth_config_ids);
            push_in(&mut qb, "id", &f.ids);
            qb
        };
        let total: i64 = build("COUNT(*)")
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .db()?;
        let mut qb = build(ACCOUNT_COLS);
        let col = match f.order.by {
            OrderBy::UpdatedAt => "updated_at",
            _ => "created_at",
        };
        let dir = match f.order.direction {
            OrderDirection::Asc => "ASC",
            _ => "DESC",
        };
        qb.push(format!(" ORDER BY {col} {dir}, id {dir} LIMIT "));
        qb.push_bind(i64::try_from(f.limit).unwrap_or(i64::MAX));
        qb.push(" OFFSET ");
        qb.push_bind(i64::try_from(f.offset).unwrap_or(i64::MAX));
        let rows = qb.build().fetch_all(&self.pool).await.db()?;
        Ok(AccountPage {
            rows: accounts(&rows)?,
            total: u64::try_from(total).unwrap_or(0),
        })
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
            .await
            .db()?;
        row.as_ref().map(account).transpose()
    }

    async fn apply(&self, id: &str, event: &AccountEvent) -> StoreResult<Transition> {
        let mut conn = self.pool.acquire().await.db()?;
        if let Some(row) = apply_event(&mut conn, id, event, None, self.now()).await? {
            return Ok(Transition::Applied(row));
        }
        Ok(match account_by_id(&mut conn, id).await? {
            Some(row) => Transition::Rejected(row),
            None => Transition::NotFound,
        })
    }

    async fn delete_account(&self, project_id: &str, id: &str) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.db()?;
        sqlx::query("DELETE FROM links WHERE account_id = ? AND project_id = ?")
            .bind(id)
            .bind(project_id)
            .execute(&mut *tx)
            .await
            .db()?;
        let r = sqlx::query("DELETE FROM connected_accounts WHERE id = ? AND project_id = ?")
            .bind(id)
            .bind(project_id)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(r.rows_affected() > 0)
    }

    async fn expire_overdue(&self, reason: &str) -> StoreResult<Vec<String>> {
        let now = self.now();
        let event = AccountEvent::LinkExpired(reason.to_owned());
        let mut qb = QueryBuilder::<Sqlite>::new("UPDATE connected_accounts SET status = ");
        qb.push_bind(event.target().as_str().to_owned());
        qb.push(", status_reason = ").push_bind(reason.to_owned());
        qb.push(", updated_at = ").push_bind(now);
        qb.push(" WHERE expires_at IS NOT NULL AND expires_at <= ")
            .push_bind(now);
        push_in(&mut qb, "status", &status_names(event.allowed_from()));
        qb.push(" RETURNING id");
        qb.build_query_scalar().fetch_all(&self.pool).await.db()
    }

    async fn create_connection(&self, new: &NewConnection) -> StoreResult<Connection> {
        let now = self.now();
        let expires_at = after(now, new.ttl);
        let account = AccountRow {
            id: new.account_id.clone(),
            project_id: new.project_id.clone(),
            user_id: new.user_id.clone(),
            toolkit: new.toolkit.clone(),
            auth_config_id: new.auth_config_id.clone(),
            auth_scheme: new.auth_scheme,
            status: ConnectionStatus::Initiated,
            status_reason: None,
            is_disabled: false,
            credentials: None,
            credentials_version: 0,
            info: None,
            created_at: now,
            updated_at: now,
        };
        let link = LinkRow {
            token: new.link_token.clone(),
            project_id: new.project_id.clone(),
            account_id: new.account_id.clone(),
            callback_url: new.callback_url.clone(),
            pkce_verifier: None,
            used: false,
            expires_at,
        };
        let mut tx = self.pool.begin().await.db()?;
        sqlx::query(
            "INSERT INTO connected_accounts (id, project_id, user_id, toolkit, auth_config_id, \
             auth_scheme, status, is_disabled, credentials_version, created_at, updated_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?)",
        )
        .bind(&account.id)
        .bind(&account.project_id)
        .bind(&account.user_id)
        .bind(&account.toolkit)
        .bind(&account.auth_config_id)
        .bind(account.auth_scheme.as_str())
        .bind(account.status.as_str())
        .bind(now)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query(
            "INSERT INTO links (token, project_id, account_id, callback_url, used, expires_at) \
             VALUES (?, ?, ?, ?, 0, ?)",
        )
        .bind(&link.token)
        .bind(&link.project_id)
        .bind(&link.account_id)
        .bind(&link.callback_url)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(Connection { account, link })
    }

    async fn get_link(&self, token: &str) -> StoreResult<Option<LinkRow>> {
        let sql = format!("SELECT {LINK_COLS} FROM links WHERE token = ?");
        let row = sqlx::query(&sql)
            .bind(token)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(link).transpose()
    }

    async fn start_link(&self, token: &str, state: &str, verifier: &[u8]) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE links SET state = ?, pkce_verifier = ? WHERE token = ? AND used = 0 AND claimed_at IS NULL",
        )
        .bind(state)
        .bind(verifier)
        .bind(token)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(r.rows_affected() > 0)
    }

    async fn claim_link(&self, state: &str) -> StoreResult<Claim> {
        let sql = format!(
            "UPDATE links SET claimed_at = ? WHERE state = ? AND used = 0 AND claimed_at IS NULL \
             RETURNING {LINK_COLS}"
        );
        let row = sqlx::query(&sql)
            .bind(self.now())
            .bind(state)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        if let Some(row) = row {
            return Ok(Claim::Claimed(link(&row)?));
        }
        let row = sqlx::query("SELECT token FROM links WHERE state = ?")
            .bind(state)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(match row {
            Some(_) => Claim::Taken,
            None => Claim::Unknown,
        })
    }

    async fn complete_link(
        &self,
        token: &str,
        completion: &Completion,
        expired_reason: &str,
    ) -> StoreResult<Completed> {
        let now = self.now();
        let mut tx = self.pool.begin().await.db()?;
        let account_id: Option<String> = sqlx::query_scalar(
            "UPDATE links SET used = 1 WHERE token = ? AND used = 0 RETURNING account_id",
        )
        .bind(token)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let Some(account_id) = account_id else {
            return Ok(Completed::LinkUsed);
        };
        let credentials = match completion {
            Completion::Connected { credentials, info } => {
                Some((credentials.as_slice(), info.as_deref()))
            }
            Completion::Failed(_) => None,
        };
        let event = completion.event();
        let outcome = match apply_event(&mut tx, &account_id, &event, credentials, now).await? {
            Some(row) => Completed::Applied(row),
            None => {
                // Not pending any more, or overdue: expire it if the sweeper has not yet.
                let expire = AccountEvent::LinkExpired(expired_reason.to_owned());
                match apply_event(&mut tx, &account_id, &expire, None, now).await? {
                    Some(row) => Completed::Expired(row),
                    None => match account_by_id(&mut tx, &account_id).await? {
                        Some(row) if row.status == ConnectionStatus::Expired => {
                            Completed::Expired(row)
                        }
                        other => Completed::Rejected(other),
                    },
                }
            }
        };
        tx.commit().await.db()?;
        Ok(outcome)
    }

    async fn lease_refresh(&self, id: &str, holder: &str, ttl: Duration) -> StoreResult<Lease> {
        let now = self.now();
        let sql = format!(
            "UPDATE connected_accounts SET refresh_holder = ?, refresh_lease_until = ? \
             WHERE id = ? AND (refresh_lease_until IS NULL OR refresh_lease_until <= ? OR refresh_holder = ?) \
             RETURNING {ACCOUNT_COLS}"
        );
        let row = sqlx::query(&sql)
            .bind(holder)
            .bind(after(now, ttl))
            .bind(id)
            .bind(now)
            .bind(holder)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        if let Some(row) = row {
            return Ok(Lease::Acquired(Box::new(account(&row)?)));
        }
        Ok(match self.get_account_any(id).await? {
            Some(_) => Lease::Busy,
            None => Lease::NotFound,
        })
    }

    async fn store_refreshed(
        &self,
        id: &str,
        holder: &str,
        version: i64,
        credentials: &[u8],
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE connected_accounts SET credentials = ?, credentials_version = credentials_version + 1, \
             refresh_holder = NULL, refresh_lease_until = NULL \
             WHERE id = ? AND credentials_version = ? AND refresh_holder = ?",
        )
        .bind(credentials)
        .bind(id)
        .bind(version)
        .bind(holder)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(r.rows_affected() > 0)
    }

    async fn idempotent_get(
        &self,
        project_id: &str,
        key: &str,
        ttl: Duration,
    ) -> StoreResult<Option<IdempotentResponse>> {
        let since = self
            .now()
            .saturating_sub(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
        let row = sqlx::query("SELECT status, body FROM idempotency_keys WHERE project_id = ? AND key = ? AND created_at >= ?")
            .bind(project_id)
            .bind(key)
            .bind(since)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.map(|r| {
            let status: i64 = r.try_get("status").db()?;
            Ok(IdempotentResponse {
                status: u16::try_from(status)
                    .map_err(|_| StoreError::Corrupt(format!("HTTP status {status}")))?,
                body: r.try_get("body").db()?,
            })
        })
        .transpose()
    }

    async fn idempotent_put(
        &self,
        project_id: &str,
        key: &str,
        resp: &IdempotentResponse,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO idempotency_keys (project_id, key, status, body, created_at) VALUES (?, ?, ?, ?, ?) \
                     ON CONFLICT(project_id, key) DO UPDATE SET status = excluded.status, body = excluded.body, created_at = excluded.created_at")
            .bind(project_id)
            .bind(key)
            .bind(i64::from(resp.status))
            .bind(&resp.body)
            .bind(self.now())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn idempotent_purge(&self, ttl: Duration) -> StoreResult<u64> {
        let before = self
            .now()
            .saturating_sub(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
        let r = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?")
            .bind(before)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(r.rows_affected())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
