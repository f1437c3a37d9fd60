//! `cargo xtask ci`: every check CI runs, in order, stopping at the first failure. This is
//! the README's "run all tests" command, and `.ci/run` calls it.
//!
//! 1. `cargo fmt --all -- --check`
//! 2. `cargo clippy --workspace --all-targets -- -D warnings`
//! 3. `cargo test --workspace` (unit, integration, end-to-end against composio-server, doc
//!    tests, and `tidy`)
//! 4. `cargo xtask fuzz`: every cargo-fuzz target of `fuzz/` for 30 s (see [`crate::fuzz`])
//! 5. `tests/schema/run.sh`: schemathesis against composio-server's OpenAPI document, all
//!    checks on (zero 5xx, every answer as documented)
//! 6. `bindings/python/run-tests.sh`: builds the `composio_rs` extension into
//!    `target/py-venv`, runs its pytest suite against composio-server and `mypy.stubtest`
//! 7. `tests/compat/run.sh`: the official Composio SDKs (PyPI `composio`, npm
//!    `@composio/core@0.17.0`), unmodified, against composio-server
//!
//! `--rust-only` stops after step 3.

use std::path::Path;

use crate::fuzz;
use crate::python;
use crate::util::{self, Result};

/// The schemathesis run against composio-server.
pub const SCHEMA_SCRIPT: &str = "tests/schema/run.sh";

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

    util::step("tests/compat/run.sh (official SDKs against composio-server)");
    util::run(util::cmd_in(root, "bash").args(["tests/compat/run.sh", "all"]))?;

    println!("ci: all steps passed");
    Ok(())
}
