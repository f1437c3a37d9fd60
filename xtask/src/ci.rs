//! `cargo xtask ci`: every check CI runs, in order, stopping at the first failure. This is
//! the README's "run all tests" command, and `.ci/run` calls it.
//!
//! 1. `cargo fmt --all -- --check`
//! 2. `cargo clippy --workspace --all-targets -- -D warnings`
//! 3. `cargo test --workspace` (unit, integration, end-to-end against composio-server, doc
//!    tests, and `tidy`)
//! 4. `COMPOSIO_TEST_BACKEND=postgres cargo test -p composio-server --tests`: the server's
//!    whole suite again, every server on a fresh PostgreSQL database (skipped with a message
//!    when no PostgreSQL answers, except with `CI=true`, where that fails)
//! 5. `cargo xtask bench all --quick`: a small run of the benchmarks (links, flows, waits
//!    against a real server), checking the answers, not the speed (see [`crate::bench`])
//! 6. `cargo xtask fuzz`: every cargo-fuzz target of `fuzz/` for 30 s (see [`crate::fuzz`])
//! 7. `tests/schema/run.sh`: schemathesis against composio-server's OpenAPI document, all
//!    checks on (zero 5xx, every answer as documented)
//! 8. `bindings/python/run-tests.sh`: builds the `composio_rs` extension into
//!    `target/py-venv`, runs its pytest suite against composio-server and `mypy.stubtest`
//! 9. `tests/browser/run.sh`: the Connect Link pages in Debian's chromium (playwright-core):
//!    approve, deny, expired, used and API-key flows at phone and desktop sizes (no
//!    horizontal overflow, no external request, no CSP violation, the security headers)
//! 10. `tests/compat/run.sh`: the official Composio SDKs (PyPI `composio`, npm
//!     `@composio/core@0.17.0`), unmodified, against composio-server
//!
//! `--rust-only` stops after step 5.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use crate::bench;
use crate::fuzz;
use crate::python;
use crate::util::{self, Result};

/// The schemathesis run against composio-server.
pub const SCHEMA_SCRIPT: &str = "tests/schema/run.sh";

/// The browser checks of the Connect Link pages.
pub const BROWSER_SCRIPT: &str = "tests/browser/run.sh";

/// Runs every CI step; the error carries the failing step's exit code.
pub fn run(root: &Path, rust_only: bool) -> Result<()> {
    let cargo_steps: [&[&str]; 3] = [
        &["fmt", "--all", "--", "--check"],
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &["test", "--workspace"],
    ];
    for args in cargo_steps {
        util::step(&format!("cargo {}", args.join(" ")));
        util::run(util::cmd_in(root, util::cargo()).args(args))?;
    }
    postgres_suite(root)?;
    bench::run(
        root,
        &bench::Options::parse(&["all".into(), "--quick".into()])?,
    )?;
    if rust_only {
        println!("ci: Rust steps passed (--rust-only)");
        return Ok(());
    }

    fuzz::run(root, &fuzz::Options::parse(&[])?)?;

    util::step(&format!(
        "{SCHEMA_SCRIPT} (schemathesis against composio-server)"
    ));
    util::run(util::cmd_in(root, "bash").arg(SCHEMA_SCRIPT))?;

    if python::bindings_exist(root) {
        util::step("bindings/python/run-tests.sh");
        util::run(util::cmd_in(root, "bash").arg("bindings/python/run-tests.sh"))?;
    } else {
        println!("skipped: {} does not exist", python::MANIFEST);
    }

    util::step(&format!(
        "{BROWSER_SCRIPT} (Connect Link pages in chromium)"
    ));
    util::run(util::cmd_in(root, "bash").arg(BROWSER_SCRIPT))?;

    util::step("tests/compat/run.sh (official SDKs against composio-server)");
    util::run(util::cmd_in(root, "bash").args(["tests/compat/run.sh", "all"]))?;

    println!("ci: all steps passed");
    Ok(())
}

/// The PostgreSQL the server's tests use (as `composio_server::testing` reads it).
const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Step 4: the server's suite on PostgreSQL.
fn postgres_suite(root: &Path) -> Result<()> {
    let url = std::env::var("COMPOSIO_TEST_DATABASE_URL")
        .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned());
    let step = "COMPOSIO_TEST_BACKEND=postgres cargo test -p composio-server --tests";
    util::step(step);
    if !answers(&url) {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let msg = format!(
            "PostgreSQL does not answer at {} (COMPOSIO_TEST_DATABASE_URL); the server's \
             PostgreSQL suite needs it (see CONTRIBUTING.md, \"PostgreSQL\")",
            host_port(&url)
        );
        if ci {
            return Err(util::Error::msg(msg));
        }
        println!("skipped: {msg}");
        return Ok(());
    }
    util::run(
        util::cmd_in(root, util::cargo())
            .env("COMPOSIO_TEST_BACKEND", "postgres")
            .args(["test", "-p", "composio-server", "--tests"]),
    )
}

/// `host:port` of a `postgres://user@host:port/db` URL (port 5432 when absent).
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() {
        "127.0.0.1:5432".to_owned()
    } else if host.ends_with(']') || !host.contains(':') {
        format!("{host}:5432")
    } else {
        host.to_owned()
    }
}

/// Whether something accepts TCP connections at the URL's address.
fn answers(url: &str) -> bool {
    host_port(url)
        .to_socket_addrs()
        .ok()
        .into_iter()
        .flatten()
        .any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok())
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn host_port_of_database_urls() {
        assert_eq!(
            host_port("postgres://postgres@127.0.0.1:5432/postgres"),
            "127.0.0.1:5432"
        );
        assert_eq!(
            host_port("postgres://u:p@db.internal/x"),
            "db.internal:5432"
        );
        assert_eq!(host_port("postgresql://db:6432"), "db:6432");
        assert_eq!(host_port("postgres://u@[::1]/x"), "[::1]:5432");
        assert_eq!(
            host_port("postgres://u@[::1]:7000/x?sslmode=disable"),
            "[::1]:7000"
        );
    }
}
