//! `cargo xtask ci`: the checks CI runs, in order, stopping at the first failure.
//!
//! 1. `cargo fmt --all -- --check`
//! 2. `cargo clippy --workspace --all-targets -- -D warnings`
//! 3. `cargo test --workspace`
//! 4. when `bindings/python` exists: build the extension into `target/py-venv`
//!    with `maturin develop`, run `pytest bindings/python/tests` and check the
//!    hand-written stubs with `python -m mypy.stubtest composio_rs`.

use std::path::Path;

use crate::python::{self, Venv};
use crate::util::{self, Result};

/// Runs every CI step; the error carries the failing step's exit code.
pub fn run(root: &Path) -> Result<()> {
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

    if !python::bindings_exist(root) {
        util::step("python binding");
        println!(
            "skipped: {} does not exist yet (no maturin build, pytest or stubtest)",
            python::MANIFEST
        );
        println!("ci: all steps passed");
        return Ok(());
    }

    util::step(&format!("python venv ({})", python::VENV));
    let venv = Venv::ensure(root, &["maturin", "pytest", "mypy"])?;

    util::step(&format!("maturin develop -m {}", python::MANIFEST));
    util::run(
        venv.command(venv.bin("maturin"))
            .args(["develop", "-m", python::MANIFEST]),
    )?;

    util::step("pytest bindings/python/tests");
    util::run(
        venv.command(venv.python())
            .args(["-m", "pytest", "bindings/python/tests"]),
    )?;

    util::step("python -m mypy.stubtest composio_rs");
    util::run(
        venv.command(venv.python())
            .args(["-m", "mypy.stubtest", "composio_rs"]),
    )?;

    println!("ci: all steps passed");
    Ok(())
}
