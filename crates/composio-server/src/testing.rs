//! Test support shared by this crate's unit tests and its integration tests (`tests/`), so
//! both follow one rule for PostgreSQL. Not a stable API.
//!
//! The rule ([`postgres_database`]): the tests use the server at `COMPOSIO_TEST_DATABASE_URL`
//! (default [`DEFAULT_TEST_DATABASE_URL`]) and a fresh database per test. When it cannot be
//! reached, a test **fails** in CI (the `CI` variable is set, as CI services do), since
//! PostgreSQL must run there; elsewhere it prints
//! `skipped: PostgreSQL not reachable at <url>; install/start PostgreSQL 15 to run it` to
//! stderr and returns early.
//!
//! It lives in the crate (hidden from the docs) rather than in `tests/common/` because items
//! behind `#[cfg(test)]` are not compiled for integration tests, and a copy in `tests/` would
//! be a second rule to keep in step.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;

use crate::store::redact_url;

/// The variable naming the PostgreSQL server of the tests.
pub const TEST_DATABASE_URL_VAR: &str = "COMPOSIO_TEST_DATABASE_URL";

/// The server the tests use when [`TEST_DATABASE_URL_VAR`] is unset: a local PostgreSQL with
/// trust authentication.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// How long the tests wait for PostgreSQL to answer before it counts as not reachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The PostgreSQL server URL of the tests (any database on it; tests create their own).
pub fn test_server_url() -> String {
    std::env::var(TEST_DATABASE_URL_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_DATABASE_URL.to_owned())
}

/// Whether the tests run in CI: the `CI` variable is set to anything but empty, `false` or
/// `0`.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .is_ok_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "false" | "0"))
}

/// A fresh database, dropped (best effort, forcibly closing its connections) when this value
/// is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    server: PgConnectOptions,
    name: String,
    url: String,
}

impl TestDatabase {
    /// The database's URL (`postgres://…/cr_test_…`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let server = self.server.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let mut conn = PgConnection::connect_with(&server)
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::raw_sql(&sql)
                    .execute(&mut conn)
                    .await
                    .map_err(|e| e.to_string())?;
                conn.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("note: could not drop the test database {}", self.name);
        }
    }
}

/// Creates a fresh database `cr_test_<random>` on the test server, or applies the rule of
/// this module when the server is not reachable: `None` (after the skip line on stderr)
/// outside CI.
///
/// # Panics
///
/// In CI when PostgreSQL is not reachable, and when the reachable server refuses to create
/// the database (a real failure).
pub async fn postgres_database() -> Option<TestDatabase> {
    let url = test_server_url();
    let shown = redact_url(&url);
    let server = match url.parse::<PgConnectOptions>() {
        Ok(o) => o,
        Err(e) => panic!("{TEST_DATABASE_URL_VAR} is not a PostgreSQL URL ({shown}): {e}"),
    };
    let mut conn =
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&server)).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return not_reachable(&shown, &e.to_string()),
            Err(_) => return not_reachable(&shown, "timed out"),
        };
    let name = format!("cr_test_{:016x}", rand::random::<u64>());
    if let Err(e) = sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
    {
        panic!("PostgreSQL at {shown} refused to create a test database: {e}");
    }
    let _ = conn.close().await;
    let db_url = match url::Url::parse(&url) {
        Ok(mut u) => {
            u.set_path(&format!("/{name}"));
            u.to_string()
        }
        Err(e) => panic!("{TEST_DATABASE_URL_VAR} is not a URL ({shown}): {e}"),
    };
    Some(TestDatabase {
        server,
        name,
        url: db_url,
    })
}

/// The rule for an unreachable server: fail in CI, else say why the test is skipped.
fn not_reachable(shown: &str, error: &str) -> Option<TestDatabase> {
    if in_ci() {
        panic!(
            "PostgreSQL must run in CI: not reachable at {shown} ({error}); start PostgreSQL 15 \
             or point {TEST_DATABASE_URL_VAR} at one"
        );
    }
    eprintln!(
        "skipped: PostgreSQL not reachable at {shown}; install/start PostgreSQL 15 to run it"
    );
    None
}
