//! The [`Store`] of every sqlx backend, written once: SQLite ([`super::SqliteStore`]) and
//! PostgreSQL ([`super::PgStore`]) run the same statements on their own pool. The backends
//! differ only in how they connect and migrate (their own modules) and in the few things of
//! [`Backend`].
//!
//! Flags are bound as `bool` and compared with `TRUE`/`FALSE`, which SQLite stores as 0/1
//! and PostgreSQL as `BOOLEAN`; timestamps are epoch-ms 64-bit integers and blobs bytes in
//! both.

use std::time::Duration;

use async_trait::async_trait;
use composio_core::models::{OrderBy, OrderDirection};
use composio_core::ConnectionStatus;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::group_commit::{LinkWriter, Written};
use super::sqlx_util::{account, apply_event_statement, link, status_names, Db, Statement};
use super::sqlx_util::{ACCOUNT_COLS, LINK_ACCOUNT_COLS, LINK_COLS};
use super::sqlx_webhooks::enqueue_account_event;
use super::*;
use crate::clock::{after, SharedClock};

/// `SELECT {select} FROM connected_accounts` of a project, with the filters of `f` (its
/// order and page excepted). With ids, the other filters stay off the indexes
/// ([`Backend::UNINDEXED`]), so the ids go by the primary key.
pub(super) fn accounts_where<DB: Backend>(
    select: &str,
    project_id: &str,
    f: &AccountFilter,
) -> Statement {
    let off = if f.ids.is_empty() { "" } else { DB::UNINDEXED };
    let mut st = Statement::new(format!(
        "SELECT {select} FROM connected_accounts WHERE {off}project_id = "
    ));
    st.bind(project_id)
        .push_in(&format!("{off}toolkit"), &f.toolkits)
        .push_in(&format!("{off}status"), &status_names(&f.statuses))
        .push_in(&format!("{off}user_id"), &f.user_ids)
        .push_in(&format!("{off}auth_config_id"), &f.auth_config_ids)
        .push_in("id", &f.ids);
    st
}

/// What the shared store needs of a sqlx database beyond sqlx's traits.
pub(crate) trait Backend: Database {
    /// The statement that opens a read-write unit of work.
    ///
    /// SQLite: `BEGIN IMMEDIATE`, which takes the write lock up front (waiting out the busy
    /// timeout). A deferred `BEGIN` that reads and then writes cannot upgrade its lock once
    /// another connection has committed since its read (`SQLITE_BUSY_SNAPSHOT`, answered at
    /// once, without waiting), so concurrent units of work failed at random under load.
    const BEGIN_WRITE: &'static str;
    /// The prefix that keeps a column's filter off the indexes, for queries that name a
    /// list of account ids: those go by the primary key.
    ///
    /// SQLite: `+` (unary plus). Beside `project_id = ?` or `status IN (…)`, SQLite answers
    /// an `IN` list of more than one id from an index on the project or the status, a scan of
    /// every account of the project (26 ms for 7 ids among 100,000) or of that status.
    /// PostgreSQL plans by its statistics: nothing.
    const UNINDEXED: &'static str;
    /// How many rows a statement changed.
    fn rows_affected(result: &Self::QueryResult) -> u64;
}

impl Backend for sqlx::Sqlite {
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    const UNINDEXED: &'static str = "+";
    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

impl Backend for sqlx::Postgres {
    const BEGIN_WRITE: &'static str = "BEGIN";
    const UNINDEXED: &'static str = "";
    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

/// A [`Store`] on a sqlx connection pool of a [`Backend`].
pub(crate) struct SqlxStore<DB: Database> {
    /// Reads.
    pub(super) pool: Pool<DB>,
    /// Writes: every statement that changes the database and every unit of work that does
    /// runs on this pool. On a SQLite file it holds one connection, so the process's writers
    /// queue for it first come, first served instead of polling SQLite's write lock in its
    /// busy handler (which sleeps whole milliseconds between tries, while a unit of work
    /// holds the lock for tens of microseconds). Elsewhere it is `pool` itself.
    pub(super) writer: Pool<DB>,
    /// New connections, written in batches on `writer` ([`super::group_commit`]).
    pub(super) links: LinkWriter,
    pub(super) clock: SharedClock,
    /// Tasks of the backend that stop with the store (SQLite's checkpoints).
    pub(super) background: Vec<Background>,
}

/// A task of the store, stopped when the store is dropped.
#[derive(Debug)]
pub(super) struct Background(pub(super) tokio::task::JoinHandle<()>);

impl Drop for Background {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<DB: Database> std::fmt::Debug for SqlxStore<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlxStore")
            .field("database", &DB::NAME)
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl<DB: Database> SqlxStore<DB> {
    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Opens a read-write unit of work on the writer.
    pub(super) async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, DB>>
    where
        DB: Backend,
    {
        self.writer.begin_with(DB::BEGIN_WRITE).await
    }

    /// The connection pool (tests reach into the database with it).
    #[cfg(test)]
    pub(crate) fn pool(&self) -> &Pool<DB> {
        &self.pool
    }
}

/// The account `id` read on `conn`.
async fn account_by_id<DB>(conn: &mut DB::Connection, id: &str) -> StoreResult<Option<AccountRow>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> i64: Decode<'q, DB> + Type<DB>,
    for<'q> bool: Decode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Decode<'q, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    let sql = format!("SELECT {ACCOUNT_COLS} FROM connected_accounts WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id.to_owned())
        .fetch_optional(&mut *conn)
        .await
        .db()?;
    row.as_ref().map(account).transpose()
}

/// Applies an [`AccountEvent`] with its conditional update ([`apply_event_statement`]), and
/// writes the webhook delivery the change causes on the same connection (the caller's
/// transaction); the updated account, or `None` when the account's status (or its expired
/// link) refused it. The allowed statuses are tried in groups of equal webhook event
/// ([`AccountEvent::webhook_groups`]), so the event matches the status actually left.
async fn apply_event<DB>(
    conn: &mut DB::Connection,
    id: &str,
    event: &AccountEvent,
    credentials: Option<(&[u8], Option<&str>)>,
    now: i64,
) -> StoreResult<Option<AccountRow>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
{
    for (hook, from) in event.webhook_groups() {
        let st = apply_event_statement(id, event, &from, credentials, now);
        let row = sqlx::query_with(st.sql(), st.arguments::<DB>()?)
            .fetch_optional(&mut *conn)
            .await
            .db()?;
        if let Some(row) = row.as_ref().map(account).transpose()? {
            if let Some(hook) = hook {
                enqueue_account_event::<DB>(conn, &row, &hook, now).await?;
            }
            return Ok(Some(row));
        }
    }
    Ok(None)
}

#[async_trait]
impl<DB> Store for SqlxStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> Option<Vec<u8>>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'r> &'r str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    async fn ensure_project(&self, name: &str) -> StoreResult<String> {
        sqlx::query(
            "INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT(name) DO NOTHING",
        )
        .bind(crate::ids::project())
        .bind(name.to_owned())
        .bind(self.now())
        .execute(&self.writer)
        .await
        .db()?;
        sqlx::query_scalar("SELECT id FROM projects WHERE name = $1")
            .bind(name.to_owned())
            .fetch_one(&self.pool)
            .await
            .db()
    }

    async fn add_api_key(&self, project_id: &str, key_hash: &[u8]) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (key_hash, project_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT(key_hash) DO NOTHING",
        )
        .bind(key_hash.to_vec())
        .bind(project_id.to_owned())
        .bind(self.now())
        .execute(&self.writer)
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
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key.to_owned())
            .fetch_optional(&self.pool)
            .await
            .db()
    }

    async fn init_meta(&self, key: &str, value: &[u8]) -> StoreResult<Vec<u8>> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT(key) DO NOTHING")
            .bind(key.to_owned())
            .bind(value.to_vec())
            .execute(&self.writer)
            .await
            .db()?;
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key.to_owned())
            .fetch_one(&self.pool)
            .await
            .db()
    }

    async fn insert_session(&self, s: &NewSession) -> StoreResult<SessionRow> {
        let now = self.now();
        sqlx::query(
            "INSERT INTO sessions (id, project_id, user_id, config, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(s.id.clone())
        .bind(s.project_id.clone())
        .bind(s.user_id.clone())
        .bind(s.config.clone())
        .bind(now)
        .execute(&self.writer)
        .await
        .db()?;
        Ok(SessionRow {
            id: s.id.clone(),
            user_id: s.user_id.clone(),
            config: s.config.clone(),
            config_version: 1,
            config_updated_at: now,
        })
    }

    async fn get_session(&self, project_id: &str, id: &str) -> StoreResult<Option<SessionRow>> {
        let row = sqlx::query(
            "SELECT id, user_id, config, config_version, \
             COALESCE(config_updated_at, created_at) AS config_updated_at \
             FROM sessions WHERE id = $1 AND project_id = $2",
        )
        .bind(id.to_owned())
        .bind(project_id.to_owned())
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.map(|r| {
            Ok(SessionRow {
                id: r.try_get("id").db()?,
                user_id: r.try_get("user_id").db()?,
                config: r.try_get("config").db()?,
                config_version: r.try_get("config_version").db()?,
                config_updated_at: r.try_get("config_updated_at").db()?,
            })
        })
        .transpose()
    }

    async fn session_project(&self, id: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT project_id FROM sessions WHERE id = $1")
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .db()
    }

    async fn delete_session(&self, project_id: &str, id: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM sessions WHERE id = $1 AND project_id = $2")
            .bind(id.to_owned())
            .bind(project_id.to_owned())
            .execute(&self.writer)
            .await
            .db()?;
        Ok(DB::rows_affected(&r) > 0)
    }

    async fn get_account(&self, project_id: &str, id: &str) -> StoreResult<Option<AccountRow>> {
        Ok(self
            .get_account_any(id)
            .await?
            .filter(|a| a.project_id == project_id))
    }

    async fn get_account_any(&self, id: &str) -> StoreResult<Option<AccountRow>> {
        let mut conn = self.pool.acquire().await.db()?;
        account_by_id::<DB>(&mut conn, id).await
    }

    async fn get_accounts(&self, project_id: &str, ids: &[String]) -> StoreResult<Vec<AccountRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let by_id = AccountFilter {
                ids: chunk.to_vec(),
                ..AccountFilter::default()
            };
            let st = accounts_where::<DB>(ACCOUNT_COLS, project_id, &by_id);
            let rows = sqlx::query_with(st.sql(), st.arguments::<DB>()?)
                .fetch_all(&self.pool)
                .await
                .db()?;
            for row in &rows {
                out.push(account(row)?);
            }
        }
        Ok(out)
    }

    async fn list_accounts(&self, project_id: &str, f: &AccountFilter) -> StoreResult<AccountPage> {
        let build = |select: &str| accounts_where::<DB>(select, project_id, f);
        let count = build("COUNT(*)");
        let total: i64 = sqlx::query_scalar_with(count.sql(), count.arguments::<DB>()?)
            .fetch_one(&self.pool)
            .await
            .db()?;
        let mut st = build(ACCOUNT_COLS);
        let col = match f.order.by {
            OrderBy::UpdatedAt => "updated_at",
            _ => "created_at",
        };
        let dir = match f.order.direction {
            OrderDirection::Asc => "ASC",
            _ => "DESC",
        };
        st.push(&format!(" ORDER BY {col} {dir}, id {dir} LIMIT "))
            .bind(i64::try_from(f.limit).unwrap_or(i64::MAX))
            .push(" OFFSET ")
            .bind(i64::try_from(f.offset).unwrap_or(i64::MAX));
        let rows = sqlx::query_with(st.sql(), st.arguments::<DB>()?)
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok(AccountPage {
            rows: rows.iter().map(account).collect::<StoreResult<_>>()?,
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
            "SELECT {ACCOUNT_COLS} FROM connected_accounts \
             WHERE project_id = $1 AND user_id = $2 AND toolkit = $3 \
             ORDER BY (status = 'ACTIVE') DESC, created_at DESC, id DESC LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(project_id.to_owned())
            .bind(user_id.to_owned())
            .bind(toolkit.to_owned())
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(account).transpose()
    }

    async fn apply(&self, id: &str, event: &AccountEvent) -> StoreResult<Transition> {
        // One unit of work: the status change and its webhook delivery (the outbox).
        let mut tx = self.begin_write().await.db()?;
        if let Some(row) = apply_event::<DB>(&mut tx, id, event, None, self.now()).await? {
            tx.commit().await.db()?;
            return Ok(Transition::Applied(row));
        }
        let current = account_by_id::<DB>(&mut tx, id).await?;
        tx.commit().await.db()?;
        Ok(match current {
            Some(row) => Transition::Rejected(row),
            None => Transition::NotFound,
        })
    }

    async fn delete_account(&self, project_id: &str, id: &str) -> StoreResult<bool> {
        let mut tx = self.begin_write().await.db()?;
        sqlx::query("DELETE FROM links WHERE account_id = $1 AND project_id = $2")
            .bind(id.to_owned())
            .bind(project_id.to_owned())
            .execute(&mut *tx)
            .await
            .db()?;
        let r = sqlx::query("DELETE FROM connected_accounts WHERE id = $1 AND project_id = $2")
            .bind(id.to_owned())
            .bind(project_id.to_owned())
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(DB::rows_affected(&r) > 0)
    }

    async fn expire_overdue(&self, reason: &str) -> StoreResult<Vec<String>> {
        let now = self.now();
        let event = AccountEvent::LinkExpired(reason.to_owned());
        let mut st = Statement::new("UPDATE connected_accounts SET status = ");
        st.bind(event.target().as_str());
        st.push(", status_reason = ").bind(reason);
        st.push(", updated_at = ").bind(now);
        st.push(" WHERE expires_at IS NOT NULL AND expires_at <= ")
            .bind(now);
        st.push_in("status", &status_names(event.allowed_from()));
        st.push(" RETURNING id");
        let ids = sqlx::query_scalar_with(st.sql(), st.arguments::<DB>()?)
            .fetch_all(&self.writer)
            .await
            .db()?;
        Ok(ids)
    }

    async fn create_connection(&self, new: &NewConnection) -> StoreResult<Created> {
        match self.links.write(new).await? {
            Written::Connection(conn) => Ok(Created::Connection(conn)),
            Written::KeyTaken => Ok(Created::KeyTaken),
            Written::Conflict => {
                // Which uniqueness rule was it?
                if let Some(alias) = &new.alias {
                    let holder = self
                        .alias_holder(&new.project_id, &new.user_id, &new.toolkit, &alias.key)
                        .await?;
                    if let Some(holder) = holder {
                        return Ok(Created::AliasTaken(Box::new(holder)));
                    }
                }
                Ok(Created::WordIdTaken)
            }
        }
    }

    async fn get_link_and_account(
        &self,
        token: &str,
    ) -> StoreResult<Option<(LinkRow, Option<AccountRow>)>> {
        let sql = format!(
            "SELECT {LINK_ACCOUNT_COLS} FROM links l LEFT JOIN connected_accounts a \
             ON a.id = l.account_id AND a.project_id = l.project_id WHERE l.token = $1"
        );
        let row = sqlx::query(&sql)
            .bind(token.to_owned())
            .fetch_optional(&self.pool)
            .await
            .db()?;
        let Some(row) = row else { return Ok(None) };
        let account_id: Option<String> = row.try_get("id").db()?;
        let account = match account_id {
            Some(_) => Some(account(&row)?),
            None => None,
        };
        Ok(Some((link(&row)?, account)))
    }

    async fn start_link(
        &self,
        token: &str,
        state: &str,
        verifier: &[u8],
        browser_hash: Option<&[u8]>,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE links SET state = $1, pkce_verifier = $2, browser_hash = $3 \
             WHERE token = $4 AND used = FALSE AND claimed_at IS NULL",
        )
        .bind(state.to_owned())
        .bind(verifier.to_vec())
        .bind(browser_hash.map(<[u8]>::to_vec))
        .bind(token.to_owned())
        .execute(&self.writer)
        .await
        .db()?;
        Ok(DB::rows_affected(&r) > 0)
    }

    async fn claim_link(&self, state: &str) -> StoreResult<Claim> {
        let sql = format!(
            "UPDATE links SET claimed_at = $1 \
             WHERE state = $2 AND used = FALSE AND claimed_at IS NULL RETURNING {LINK_COLS}"
        );
        let row = sqlx::query(&sql)
            .bind(self.now())
            .bind(state.to_owned())
            .fetch_optional(&self.writer)
            .await
            .db()?;
        if let Some(row) = row {
            return Ok(Claim::Claimed(link(&row)?));
        }
        let row = sqlx::query("SELECT token FROM links WHERE state = $1")
            .bind(state.to_owned())
            .fetch_optional(&self.pool)
            .await
            .db()?;
        Ok(match row {
            Some(_) => Claim::Taken,
            None => Claim::Unknown,
        })
    }

    async fn hand_off(&self, s: &AuthSessionRow) -> StoreResult<()> {
        sqlx::query("DELETE FROM auth_sessions WHERE expires_at <= $1")
            .bind(self.now())
            .execute(&self.writer)
            .await
            .db()?;
        sqlx::query(
            "INSERT INTO auth_sessions \
             (session_hash, project_id, account_id, link_token, credentials, info, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(s.session_hash.clone())
        .bind(s.project_id.clone())
        .bind(s.account_id.clone())
        .bind(s.link_token.clone())
        .bind(s.credentials.clone())
        .bind(s.info.clone())
        .bind(s.expires_at)
        .execute(&self.writer)
        .await
        .db()?;
        Ok(())
    }

    async fn redeem_auth_session(
        &self,
        session_hash: &[u8],
    ) -> StoreResult<Option<AuthSessionRow>> {
        let row = sqlx::query(
            "DELETE FROM auth_sessions WHERE session_hash = $1 AND expires_at > $2 \
             RETURNING session_hash, project_id, account_id, link_token, credentials, info, expires_at",
        )
        .bind(session_hash.to_vec())
        .bind(self.now())
        .fetch_optional(&self.writer)
        .await
        .db()?;
        row.map(|r| {
            Ok(AuthSessionRow {
                session_hash: r.try_get("session_hash").db()?,
                project_id: r.try_get("project_id").db()?,
                account_id: r.try_get("account_id").db()?,
                link_token: r.try_get("link_token").db()?,
                credentials: r.try_get("credentials").db()?,
                info: r.try_get("info").db()?,
                expires_at: r.try_get("expires_at").db()?,
            })
        })
        .transpose()
    }

    async fn complete_link(
        &self,
        token: &str,
        completion: &Completion,
        expired_reason: &str,
    ) -> StoreResult<Completed> {
        let now = self.now();
        let mut tx = self.begin_write().await.db()?;
        let account_id: Option<String> = sqlx::query_scalar(
            "UPDATE links SET used = TRUE WHERE token = $1 AND used = FALSE RETURNING account_id",
        )
        .bind(token.to_owned())
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
        let applied = apply_event::<DB>(&mut tx, &account_id, &event, credentials, now).await?;
        let outcome = match applied {
            Some(row) => Completed::Applied(row),
            None => {
                // Not pending any more, or overdue: expire it if the sweeper has not yet.
                let expire = AccountEvent::LinkExpired(expired_reason.to_owned());
                match apply_event::<DB>(&mut tx, &account_id, &expire, None, now).await? {
                    Some(row) => Completed::Expired(row),
                    None => match account_by_id::<DB>(&mut tx, &account_id).await? {
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
            "UPDATE connected_accounts SET refresh_holder = $1, refresh_lease_until = $2 \
             WHERE id = $3 \
             AND (refresh_lease_until IS NULL OR refresh_lease_until <= $4 OR refresh_holder = $1) \
             RETURNING {ACCOUNT_COLS}"
        );
        let row = sqlx::query(&sql)
            .bind(holder.to_owned())
            .bind(after(now, ttl))
            .bind(id.to_owned())
            .bind(now)
            .fetch_optional(&self.writer)
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
            "UPDATE connected_accounts SET credentials = $1, \
             credentials_version = credentials_version + 1, \
             refresh_holder = NULL, refresh_lease_until = NULL \
             WHERE id = $2 AND credentials_version = $3 AND refresh_holder = $4",
        )
        .bind(credentials.to_vec())
        .bind(id.to_owned())
        .bind(version)
        .bind(holder.to_owned())
        .execute(&self.writer)
        .await
        .db()?;
        Ok(DB::rows_affected(&r) > 0)
    }

    async fn idempotent_begin(
        &self,
        project_id: &str,
        key: &str,
        ttl: Duration,
        lease: Duration,
    ) -> StoreResult<Reservation> {
        let now = self.now();
        let stale = crate::clock::before(now, ttl);
        // Insert the reservation, or take over one whose holder ran out of time, or a response
        // past its TTL.
        let taken = sqlx::query(
            "INSERT INTO idempotency_keys (project_id, key, status, body, created_at, reserved_until) \
             VALUES ($1, $2, 0, '', $3, $4) \
             ON CONFLICT (project_id, key) DO UPDATE SET status = 0, body = '', \
             created_at = excluded.created_at, reserved_until = excluded.reserved_until \
             WHERE (idempotency_keys.status = 0 AND idempotency_keys.reserved_until <= $3) \
             OR (idempotency_keys.status <> 0 AND idempotency_keys.created_at < $5) \
             RETURNING key",
        )
        .bind(project_id.to_owned())
        .bind(key.to_owned())
        .bind(now)
        .bind(crate::clock::after(now, lease))
        .bind(stale)
        .fetch_optional(&self.writer)
        .await
        .db()?;
        if taken.is_some() {
            return Ok(Reservation::Run);
        }
        let row = sqlx::query(
            "SELECT status, body FROM idempotency_keys WHERE project_id = $1 AND key = $2",
        )
        .bind(project_id.to_owned())
        .bind(key.to_owned())
        .fetch_optional(&self.pool)
        .await
        .db()?;
        let Some(row) = row else {
            // Deleted between the two statements (abandoned): the caller tries again.
            return Ok(Reservation::InFlight);
        };
        let status: i32 = row.try_get("status").db()?;
        if status == 0 {
            return Ok(Reservation::InFlight);
        }
        Ok(Reservation::Replay(IdempotentResponse {
            status: u16::try_from(status)
                .map_err(|_| StoreError::Corrupt(format!("HTTP status {status}")))?,
            body: row.try_get("body").db()?,
        }))
    }

    async fn idempotent_finish(
        &self,
        project_id: &str,
        key: &str,
        resp: &IdempotentResponse,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status = $3, body = $4, created_at = $5, \
             reserved_until = NULL WHERE project_id = $1 AND key = $2",
        )
        .bind(project_id.to_owned())
        .bind(key.to_owned())
        .bind(i32::from(resp.status))
        .bind(resp.body.clone())
        .bind(self.now())
        .execute(&self.writer)
        .await
        .db()?;
        Ok(())
    }

    async fn idempotent_abandon(&self, project_id: &str, key: &str) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE project_id = $1 AND key = $2 AND status = 0",
        )
        .bind(project_id.to_owned())
        .bind(key.to_owned())
        .execute(&self.writer)
        .await
        .db()?;
        Ok(())
    }

    async fn idempotent_purge(&self, ttl: Duration) -> StoreResult<u64> {
        let before = crate::clock::before(self.now(), ttl);
        let r = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before)
            .execute(&self.writer)
            .await
            .db()?;
        Ok(DB::rows_affected(&r))
    }

    async fn mcp_session(&self, id: &str) -> StoreResult<Option<McpSessionRow>> {
        let row = sqlx::query(
            "SELECT project_id, router_session_id, state FROM mcp_sessions WHERE session_id = $1",
        )
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.map(|r| {
            Ok(McpSessionRow {
                project_id: r.try_get("project_id").db()?,
                router_session_id: r.try_get("router_session_id").db()?,
                state: r.try_get("state").db()?,
            })
        })
        .transpose()
    }

    async fn mcp_session_bind(
        &self,
        id: &str,
        project_id: &str,
        router_session_id: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO mcp_sessions (session_id, project_id, router_session_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (session_id) DO UPDATE SET \
             project_id = excluded.project_id, router_session_id = excluded.router_session_id",
        )
        .bind(id.to_owned())
        .bind(project_id.to_owned())
        .bind(router_session_id.to_owned())
        .bind(self.now())
        .execute(&self.writer)
        .await
        .db()?;
        Ok(())
    }

    async fn mcp_session_save(&self, id: &str, state: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO mcp_sessions (session_id, state, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (session_id) DO UPDATE SET state = excluded.state",
        )
        .bind(id.to_owned())
        .bind(state.to_owned())
        .bind(self.now())
        .execute(&self.writer)
        .await
        .db()?;
        Ok(())
    }

    async fn mcp_session_delete(&self, id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM mcp_sessions WHERE session_id = $1")
            .bind(id.to_owned())
            .execute(&self.writer)
            .await
            .db()?;
        Ok(())
    }

    async fn mcp_session_purge(&self, ttl: Duration) -> StoreResult<u64> {
        let before = crate::clock::before(self.now(), ttl);
        let r = sqlx::query("DELETE FROM mcp_sessions WHERE created_at < $1")
            .bind(before)
            .execute(&self.writer)
            .await
            .db()?;
        Ok(DB::rows_affected(&r))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.db()?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}
