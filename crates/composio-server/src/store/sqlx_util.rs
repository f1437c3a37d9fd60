//! What every sqlx backend shares: the mapping of sqlx errors to [`StoreError`], the parsing
//! of stored domain values, the column lists and row decoding, the statements assembled at
//! runtime ([`Statement`]), and the migration runner.
//!
//! Statements are written once with `$1`, `$2`, … placeholders, which both PostgreSQL and
//! sqlx's SQLite driver bind by number.

use composio_core::ConnectionStatus;
use sqlx::{Arguments, ColumnIndex, Database, Decode, Encode, Executor, Row, Type};

use super::{AccountRow, LinkRow, StoreError, StoreResult};
use crate::catalog::AuthScheme;
use crate::domain::AccountEvent;

/// Maps a sqlx error to a [`StoreError`] (`.db()?` on sqlx results).
pub(super) trait Db<T> {
    /// The result with its error mapped by [`store_error`].
    fn db(self) -> StoreResult<T>;
}

impl<T> Db<T> for Result<T, sqlx::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(store_error)
    }
}

/// PostgreSQL SQLSTATEs that mean the server cannot serve this connection right now: class 08
/// (connection exceptions), `57P01`–`57P03` (shut down, crashed, starting up) and `53300`
/// (too many connections).
fn pg_unavailable(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

/// The [`StoreError`] of a sqlx error: the database out of reach (connection refused or
/// lost, pool timed out, server shutting down, or a connection that breaks off mid-protocol,
/// as one through a proxy with no database behind it does) is [`StoreError::Unavailable`],
/// a uniqueness
/// violation [`StoreError::Conflict`], an undecodable value [`StoreError::Corrupt`].
pub(super) fn store_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(Box::new(e)),
        sqlx::Error::Database(ref d) if d.is_unique_violation() => {
            StoreError::Conflict(d.message().to_owned())
        }
        sqlx::Error::Database(ref d)
            if d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some_and(|pg| pg_unavailable(pg.code())) =>
        {
            StoreError::Unavailable(Box::new(e))
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

/// The columns of an [`AccountRow`].
pub(super) const ACCOUNT_COLS: &str = "id, project_id, user_id, toolkit, auth_config_id, \
    auth_scheme, status, status_reason, is_disabled, credentials, credentials_version, info, \
    created_at, updated_at, alias, word_id";
/// The columns of a [`LinkRow`].
pub(super) const LINK_COLS: &str =
    "token, project_id, account_id, callback_url, pkce_verifier, used, expires_at, browser_hash";

/// The columns of a link joined with its account (`links l`, `connected_accounts a`, joined
/// on the project too): [`LINK_COLS`] and [`ACCOUNT_COLS`] under their own names, the
/// `project_id` they share once.
pub(super) const LINK_ACCOUNT_COLS: &str = "l.token AS token, l.project_id AS project_id, \
    l.account_id AS account_id, l.callback_url AS callback_url, \
    l.pkce_verifier AS pkce_verifier, l.used AS used, l.expires_at AS expires_at, \
    l.browser_hash AS browser_hash, a.id AS id, a.user_id AS user_id, a.toolkit AS toolkit, \
    a.auth_config_id AS auth_config_id, a.auth_scheme AS auth_scheme, a.status AS status, \
    a.status_reason AS status_reason, a.is_disabled AS is_disabled, \
    a.credentials AS credentials, a.credentials_version AS credentials_version, a.info AS info, \
    a.created_at AS created_at, a.updated_at AS updated_at, a.alias AS alias, \
    a.word_id AS word_id";

/// The value of a column of a row.
fn col<'r, R, T>(row: &'r R, name: &'r str) -> StoreResult<T>
where
    R: Row,
    &'r str: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(name).db()
}

/// Decodes an [`AccountRow`] selected with [`ACCOUNT_COLS`].
pub(super) fn account<R>(row: &R) -> StoreResult<AccountRow>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(AccountRow {
        id: col(row, "id")?,
        project_id: col(row, "project_id")?,
        user_id: col(row, "user_id")?,
        toolkit: col(row, "toolkit")?,
        auth_config_id: col(row, "auth_config_id")?,
        auth_scheme: auth_scheme(&col::<_, String>(row, "auth_scheme")?)?,
        status: status(&col::<_, String>(row, "status")?),
        status_reason: col(row, "status_reason")?,
        is_disabled: col(row, "is_disabled")?,
        credentials: col(row, "credentials")?,
        credentials_version: col(row, "credentials_version")?,
        info: col(row, "info")?,
        created_at: col(row, "created_at")?,
        updated_at: col(row, "updated_at")?,
        alias: col(row, "alias")?,
        word_id: col(row, "word_id")?,
    })
}

/// Decodes a [`LinkRow`] selected with [`LINK_COLS`].
pub(super) fn link<R>(row: &R) -> StoreResult<LinkRow>
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(LinkRow {
        token: col(row, "token")?,
        project_id: col(row, "project_id")?,
        account_id: col(row, "account_id")?,
        callback_url: col(row, "callback_url")?,
        pkce_verifier: col(row, "pkce_verifier")?,
        used: col(row, "used")?,
        expires_at: col(row, "expires_at")?,
        browser_hash: col(row, "browser_hash")?,
    })
}

/// A value bound to a [`Statement`].
#[derive(Debug, Clone)]
pub(super) enum Value {
    /// `TEXT`.
    Text(String),
    /// `TEXT` or `NULL`.
    NullableText(Option<String>),
    /// A 64-bit integer.
    Int(i64),
    /// A flag (`BOOLEAN`, SQLite's 0/1).
    Flag(bool),
    /// A blob.
    Bytes(Vec<u8>),
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Self::NullableText(v.map(str::to_owned))
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Flag(v)
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Self::Bytes(v.to_vec())
    }
}

/// A statement assembled at runtime (optional filters, `IN` lists), with numbered
/// placeholders `$1`, `$2`, … in the order its values are bound.
#[derive(Debug, Clone, Default)]
pub(super) struct Statement {
    sql: String,
    values: Vec<Value>,
}

impl Statement {
    /// A statement starting with `sql`.
    pub(super) fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            values: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub(super) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends the placeholder of a new value.
    pub(super) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        self.sql.push('$');
        self.sql.push_str(&self.values.len().to_string());
        self
    }

    /// Appends one row of a multi-row `VALUES` list, `(v1, v2, …)`, after a comma unless it
    /// is the `first`.
    pub(super) fn push_row<I>(&mut self, first: bool, values: I) -> &mut Self
    where
        I: IntoIterator<Item = Value>,
    {
        self.push(if first { "(" } else { ", (" });
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self.push(")")
    }

    /// Appends ` AND column IN (values…)`, or nothing when `values` is empty (no filter).
    pub(super) fn push_in(&mut self, column: &str, values: &[String]) -> &mut Self {
        if values.is_empty() {
            return self;
        }
        self.push(" AND ").push(column).push(" IN (");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v.as_str());
        }
        self.push(")")
    }

    /// The SQL text.
    pub(super) fn sql(&self) -> &str {
        &self.sql
    }

    /// The bound values as the backend's arguments.
    pub(super) fn arguments<'q, DB>(&'q self) -> StoreResult<DB::Arguments<'q>>
    where
        DB: Database,
        for<'a> String: Encode<'a, DB> + Type<DB>,
        for<'a> Option<String>: Encode<'a, DB> + Type<DB>,
        for<'a> i64: Encode<'a, DB> + Type<DB>,
        for<'a> bool: Encode<'a, DB> + Type<DB>,
        for<'a> Vec<u8>: Encode<'a, DB> + Type<DB>,
    {
        let mut args = DB::Arguments::<'q>::default();
        for v in &self.values {
            match v.clone() {
                Value::Text(v) => args.add(v),
                Value::NullableText(v) => args.add(v),
                Value::Int(v) => args.add(v),
                Value::Flag(v) => args.add(v),
                Value::Bytes(v) => args.add(v),
            }
            .map_err(StoreError::Backend)?;
        }
        Ok(args)
    }
}

/// The conditional status update of an [`AccountEvent`]: `UPDATE … WHERE id = … AND status
/// IN (from, some of the allowed statuses) [AND the link has not expired] RETURNING` the account, storing `credentials`
/// (sealed, with the user info) when given.
pub(super) fn apply_event_statement(
    id: &str,
    event: &AccountEvent,
    from: &[ConnectionStatus],
    credentials: Option<(&[u8], Option<&str>)>,
    now: i64,
) -> Statement {
    let mut st = Statement::new("UPDATE connected_accounts SET status = ");
    st.bind(event.target().as_str());
    st.push(", status_reason = ").bind(event.reason());
    st.push(", is_disabled = ").bind(event.disabled());
    st.push(", updated_at = ").bind(now);
    if let Some((sealed, info)) = credentials {
        st.push(", credentials = ").bind(sealed);
        st.push(", credentials_version = credentials_version + 1");
        st.push(", info = ").bind(info);
    } else if matches!(event, AccountEvent::Revoked(_)) {
        // Revoked credentials are of no use to anyone: they are not kept.
        st.push(", credentials = NULL, credentials_version = credentials_version + 1");
    }
    if event.target() != ConnectionStatus::Expired {
        st.push(", expires_at = NULL");
    }
    st.push(" WHERE id = ").bind(id);
    st.push_in("status", &status_names(from));
    if event.needs_live_link() {
        st.push(" AND (expires_at IS NULL OR expires_at > ")
            .bind(now)
            .push(")");
    }
    st.push(&format!(" RETURNING {ACCOUNT_COLS}"));
    st
}

/// A schema migration: its version and its SQL.
pub(super) type Migration = (i64, &'static str);

/// Applies the `migrations` newer than the database's newest, each in its own transaction,
/// recording them in `schema_migrations` (created with `create_table`); refuses a database
/// written by a newer server ([`StoreError::TooNew`]). The caller keeps other processes from
/// migrating at the same time (PostgreSQL holds an advisory lock; a SQLite file serves one
/// process).
pub(super) async fn migrate<DB>(
    conn: &mut DB::Connection,
    create_table: &str,
    migrations: &[Migration],
    now: i64,
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    sqlx::raw_sql(create_table).execute(&mut *conn).await.db()?;
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(&mut *conn)
        .await
        .db()?;
    let known = migrations.last().map_or(0, |m| m.0);
    if let Some(found) = newest.filter(|v| *v > known) {
        return Err(StoreError::TooNew { found, known });
    }
    for (version, sql) in migrations {
        if newest.is_some_and(|n| n >= *version) {
            continue;
        }
        let mut tx = sqlx::Connection::begin(&mut *conn).await.db()?;
        sqlx::raw_sql(sql).execute(&mut *tx).await.db()?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
    }
    Ok(())
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
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            store_error(sqlx::Error::Io(refused)),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(sqlx::Error::RowNotFound),
            StoreError::Backend(_)
        ));
        assert!(matches!(auth_scheme("OAUTH2"), Ok(AuthScheme::OAuth2)));
        assert!(matches!(auth_scheme("nope"), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn statements_number_their_placeholders_in_binding_order() {
        let mut st = Statement::new("SELECT 1 FROM t WHERE a = ");
        st.bind("x")
            .push_in("b", &[])
            .push_in("c", &["p".into(), "q".into()]);
        st.push(" AND d > ").bind(5_i64);
        assert_eq!(
            st.sql(),
            "SELECT 1 FROM t WHERE a = $1 AND c IN ($2, $3) AND d > $4"
        );
        assert_eq!(st.values.len(), 4);
        assert!(matches!(&st.values[2], Value::Text(v) if v == "q"));
        assert!(matches!(st.values[3], Value::Int(5)));
    }

    #[test]
    fn postgres_connection_states_are_unavailable() {
        for code in ["08006", "08001", "57P01", "57P03", "53300"] {
            assert!(pg_unavailable(code), "{code}");
        }
        for code in ["23505", "40001", "42P01", "57014"] {
            assert!(!pg_unavailable(code), "{code}");
        }
    }
}
