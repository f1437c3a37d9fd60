//! The SQLite [`Store`]: the shared [`SqlxStore`] on SQLite (WAL; one writer connection and a
//! few readers; versioned migrations applied at startup).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use super::group_commit::Batches;
use super::sqlx_store::SqlxStore;
use super::sqlx_util::{migrate, Db, Migration};
use super::*;

/// A [`Store`] on SQLite.
pub(crate) type SqliteStore = SqlxStore<Sqlite>;

/// Versioned schema migrations, applied in order once each.
const MIGRATIONS: &[Migration] = &[
    (1, include_str!("migrations/sqlite/001_schema.sql")),
    (2, include_str!("migrations/sqlite/002_meta.sql")),
    (3, include_str!("migrations/sqlite/003_typed_core.sql")),
    (
        4,
        include_str!("migrations/sqlite/004_idempotency_reservations.sql"),
    ),
    (5, include_str!("migrations/sqlite/005_mcp_sessions.sql")),
    (6, include_str!("migrations/sqlite/006_sandbox_grants.sql")),
    (7, include_str!("migrations/sqlite/007_account_alias.sql")),
    (8, include_str!("migrations/sqlite/008_webhooks.sql")),
    (9, include_str!("migrations/sqlite/009_session_config.sql")),
    (10, include_str!("migrations/sqlite/010_auth_configs.sql")),
    (11, include_str!("migrations/sqlite/011_flow_security.sql")),
];

/// Read connections of a database file (WAL: readers never wait for the writer).
const READERS: u32 = 4;

/// The table of applied migrations.
const CREATE_SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations \
    (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";

impl SqlxStore<Sqlite> {
    /// A private in-memory database (one connection, lives as long as the store).
    pub(crate) async fn memory(clock: SharedClock) -> StoreResult<Self> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:").db()?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .test_before_acquire(false)
            .connect_with(opts)
            .await
            .db()?;
        Self::migrated(pool.clone(), pool, clock).await
    }

    /// A database file (created when missing) in WAL mode.
    pub(crate) async fn open(path: &Path, clock: SharedClock) -> StoreResult<Self> {
        // A new database file is created owner-only (0600), like the key file; SQLite gives
        // its `-wal` and `-shm` files the database file's mode.
        match crate::private_file::write_private_file(path, b"") {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::Backend(Box::new(e))),
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL is crash-safe (no corruption; an OS crash or power loss may
            // lose the last commits) and avoids an fsync on every commit.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        // A connection to a local file does not go away: no round trip to test it before
        // each use.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(opts.clone())
            .await
            .db()?;
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .test_before_acquire(false)
            .connect_with(opts)
            .await
            .db()?;
        Self::migrated(readers, writer, clock).await
    }

    async fn migrated(
        pool: SqlitePool,
        writer: SqlitePool,
        clock: SharedClock,
    ) -> StoreResult<Self> {
        let mut conn = writer.acquire().await.db()?;
        migrate::<Sqlite>(
            &mut conn,
            CREATE_SCHEMA_MIGRATIONS,
            MIGRATIONS,
            clock.now_ms(),
        )
        .await?;
        drop(conn);
        Ok(Self {
            links: Batches::spawn(writer.clone(), clock.clone()),
            pool,
            writer,
            clock,
        })
    }
}
