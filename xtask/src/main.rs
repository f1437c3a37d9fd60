//! Repository automation for composio-rs, run as `cargo xtask <task>`.
//!
//! The `.cargo/config.toml` alias `xtask = "run --package xtask --"` makes
//! `cargo xtask ci` work from anywhere in the workspace. Each task lives in its
//! own module; the logic worth testing (version bumps, changelog edits, tidy
//! checks) is written as pure functions over strings or over a directory tree,
//! so the tests need neither git nor the network.

mod bench;
mod ci;
mod dist;
mod fuzz;
mod publish;
mod python;
mod release;
mod tidy;
mod util;
mod version;

use std::process::ExitCode;

use util::{Error, Result};

const USAGE: &str = "\
Usage: cargo xtask <task> [options]

Tasks:
  ci [--rust-only]                     fmt --check, clippy -D warnings, cargo test, the
                                       Python binding's tests and stubtest, and the
                                       official SDKs against composio-server
  bench [links|flows|waits|python|all] [--quick]
                                       the benchmarks (load generated in-process), a table
                                       and JSON in target/bench; --quick: a small run that
                                       checks correctness only (CI runs `bench all --quick`)
  fuzz [--seconds N] [TARGET...]       build the cargo-fuzz targets of fuzz/ and run each
                                       for N seconds (default 30)
  schema                               schemathesis against composio-server's OpenAPI
                                       document (tests/schema/run.sh)
  release <patch|minor|major|X.Y.Z> [--dry-run]
                                       bump the workspace version, sync pyproject.toml,
                                       date the changelog, commit and tag vX.Y.Z
  publish [--dry-run] [--no-verify]    cargo publish every publishable crate in
                                       dependency order
  dist                                 build abi3 wheels and an sdist into target/dist
  tidy                                 check versions, changelog, READMEs, descriptions
                                       and leftover dbg!/todo!/unimplemented!
  help                                 print this message
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// Dispatches `args` (without the program name) to a task.
fn run(args: &[String]) -> Result<()> {
    let Some((task, rest)) = args.split_first() else {
        print!("{USAGE}");
        return Err(Error::msg("no task given"));
    };
    match task.as_str() {
        "ci" => {
            let rust_only = match rest {
                [] => false,
                [flag] if flag == "--rust-only" => true,
                _ => {
                    return Err(Error::msg(format!(
                        "`ci` takes only --rust-only, got: {}",
                        rest.join(" ")
                    )))
                }
            };
            ci::run(&util::workspace_root()?, rust_only)
        }
        "bench" => {
            let opts = bench::Options::parse(rest)?;
            bench::run(&util::workspace_root()?, &opts)
        }
        "fuzz" => {
            let opts = fuzz::Options::parse(rest)?;
            fuzz::run(&util::workspace_root()?, &opts)
        }
        "schema" => {
            no_extra_args(task, rest)?;
            let root = util::workspace_root()?;
            util::run(util::cmd_in(&root, "bash").arg(ci::SCHEMA_SCRIPT))
        }
        "release" => {
            let opts = release::Options::parse(rest)?;
            release::run(&util::workspace_root()?, &opts)
        }
        "publish" => {
            let opts = publish::Options::parse(rest)?;
            publish::run(&util::workspace_root()?, &opts)
        }
        "dist" => {
            no_extra_args(task, rest)?;
            dist::run(&util::workspace_root()?)
        }
        "tidy" => {
            no_extra_args(task, rest)?;
            tidy::run(&util::workspace_root()?)
        }
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            print!("{USAGE}");
            Err(Error::msg(format!("unknown task `{other}`")))
        }
    }
}

/// Fails when a task that takes no arguments was given some.
fn no_extra_args(task: &str, rest: &[String]) -> Result<()> {
    match rest.first() {
        None => Ok(()),
        Some(arg) => Err(Error::msg(format!(
            "`{task}` takes no arguments, got `{arg}`"
        ))),
    }
}
