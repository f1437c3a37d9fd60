//! The PostgreSQL [`Store`]: the shared [`SqlxStore`] on a PostgreSQL pool, so several
//! replicas can serve one database. Its schema is migrated at startup under an advisory lock,
//! so replicas starting together migrate exactly once.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};

use super::group_commit::Batches;
use super::sqlx_store::SqlxStore;
use super::sqlx_util::{migrate, Db, Migration};
use super::*;

/// A [`Store`] on PostgreSQL.
pub(crate) type PgStore = SqlxStore<Postgres>;

/// Versioned schema migrations, applied in order once each.
pub(super) const MIGRATIONS: &[Migration] = &[
    (1, include_str!("migrations/postgres/001_schema.sql")),
    (2, include_str!("migrations/postgres/002_cluster.sql")),
    (
        3,
        include_str!("migrations/postgres/003_idempotency_reservations.sql"),
    ),
    (4, include_str!("migrations/postgres/004_mcp_sessions.sql")),
    (
        5,
        include_str!("migrations/postgres/005_sandbox_grants.sql"),
    ),
    (6, include_str!("migrations/postgres/006_account_alias.sql")),
    (7, include_str!("migrations/postgres/007_webhooks.sql")),
    (
        8,
        include_str!("migrations/postgres/008_session_config.sql"),
    ),
    (9, include_str!("migrations/postgres/009_auth_configs.sql")),
    (
        10,
        include_str!("migrations/postgres/010_flow_security.sql"),
    ),
];

/// The table of applied migrations.
const CREATE_SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations \
    (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)";

/// The key of the session advisory lock held while migrating (`composio` in ASCII).
const MIGRATION_LOCK: i64 = 0x636f_6d70_6f73_696f;

/// How long a request waits for a pooled connection (and startup for the first one, retrying
/// a refused connection) before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses a `postgres://` or `postgresql://` URL. The error never contains the URL (it may
/// hold a password).
pub(crate) fn connect_options(url: &str) -> Result<PgConnectOptions, String> {
    PgConnectOptions::from_str(url)
        .map_err(|e| format!("invalid PostgreSQL URL {}: {e}", redact_url(url)))
}

/// `url` with its password (in the user info or a `password` parameter) replaced by `***`,
/// for logs and messages; an unparsable URL is shown as its scheme only.
pub(crate) fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        let scheme = url.split_once(':').map_or("", |(s, _)| s);
        return format!("{scheme}://<unparsable URL>");
    };
    if parsed.password().is_some() {
        // Only fails for URLs that cannot have a password, and this one has one.
        let _ = parsed.set_password(Some("***"));
    }
    if parsed.query_pairs().any(|(k, _)| k == "password") {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "password" {
                    "***".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

impl SqlxStore<Postgres> {
    /// The connection pool, shared with the replica's cluster coordination.
    pub(crate) fn pg_pool(&self) -> PgPool {
        self.pool.clone()
    }

    /// Connects a pool of up to `pool_size` connections and migrates the schema.
    pub(crate) async fn connect(
        options: PgConnectOptions,
        pool_size: u32,
        clock: SharedClock,
    ) -> StoreResult<Self> {
        let pool_options = PgPoolOptions::new()
            .max_connections(pool_size.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT);
        Self::connect_with(options, pool_options, clock).await
    }

    /// [`Self::connect`] with the pool's options.
    pub(crate) async fn connect_with(
        options: PgConnectOptions,
        pool_options: PgPoolOptions,
        clock: SharedClock,
    ) -> StoreResult<Self> {
        let pool = pool_options.connect_with(options).await.db()?;
        Self::migrated(pool, clock).await
    }

    /// Migrates the schema holding [`MIGRATION_LOCK`], so that of several replicas starting
    /// together one migrates and the others wait and then find nothing left to do.
    async fn migrated(pool: PgPool, clock: SharedClock) -> StoreResult<Self> {
        let mut conn = pool.acquire().await.db()?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await
            .db()?;
        let migrated = migrate::<Postgres>(
            &mut conn,
            CREATE_SCHEMA_MIGRATIONS,
            MIGRATIONS,
            clock.now_ms(),
        )
        .await;
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await
            .db();
        if migrated.is_err() || unlocked.is_err() {
            // Ending the session releases the lock whatever state the connection is in.
            conn.close_on_drop();
        }
        drop(conn);
        migrated?;
        unlocked?;
        Ok(Self {
            links: Batches::spawn(pool.clone(), clock.clone()),
            writer: pool.clone(),
            pool,
            clock,
            background: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_logged_without_their_password() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example.com:5432/composio"),
            "postgres://app:***@db.example.com:5432/composio"
        );
        assert_eq!(
            redact_url("postgresql://db/composio?user=app&password=s3cret&sslmode=require"),
            "postgresql://db/composio?user=app&password=***&sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        let bad = redact_url("postgres://app:s3cret@[::1");
        assert!(!bad.contains("s3cret"), "{bad}");
        let err = connect_options("postgres://app:s3cret@host:notaport/db").expect_err("bad");
        assert!(!err.contains("s3cret"), "{err}");
    }
}
