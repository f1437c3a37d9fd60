//! The SQLite [`Store`]: the shared [`SqlxStore`] on SQLite (WAL; one writer connection and a
//! few readers; versioned migrations applied at startup).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use super::group_commit::Batches;
use super::sqlx_store::{Background, SqlxStore};
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
/// How often the write-ahead log is copied into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// Log pages (4 KiB each) past which the log is made to start over.
const RESTART_AT: i64 = 65_536;

/// Copies the write-ahead log into the database file every [`CHECKPOINT_EVERY`] until the
/// pools are closed, in place of SQLite's automatic checkpoints (which run on the committing
/// connection and hold up every write queued behind them for the whole copy and sync):
///
/// 1. a `PASSIVE` checkpoint on a read connection copies what it can beside the writer;
/// 2. when the log has grown past [`RESTART_AT`] pages, one on the writer connection copies
///    the pages written meanwhile, so the log is complete in the file and the next write
///    starts it over (beside a busy writer a checkpoint never catches up, and the log would
///    grow without bound). Writes wait for this short one only.
async fn checkpoints(readers: SqlitePool, writer: SqlitePool) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if readers.is_closed() || writer.is_closed() {
            return;
        }
        // (busy, pages in the log, pages copied)
        let beside: Result<(i64, i64, i64), _> = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&readers)
            .await;
        let restart = match beside {
            Ok((_, log, _)) => log >= RESTART_AT,
            Err(e) => {
                if !readers.is_closed() {
                    tracing::warn!(error = %e, "SQLite checkpoint failed");
                }
                false
            }
        };
        if restart {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&writer)
                .await
            {
                if !writer.is_closed() {
                    tracing::warn!(error = %e, "SQLite checkpoint failed");
                }
            }
        }
    }
}

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
            // No automatic checkpoints: `checkpoints` does them, mostly beside the writer.
            .connect_with(opts.clone().pragma("wal_autocheckpoint", "0"))
            .await
            .db()?;
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .test_before_acquire(false)
            .connect_with(opts)
            .await
            .db()?;
        let mut store = Self::migrated(readers, writer, clock).await?;
        store.background = vec![Background(tokio::spawn(checkpoints(
            store.pool.clone(),
            store.writer.clone(),
        )))];
        Ok(store)
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
            background: Vec::new(),
        })
    }
}
