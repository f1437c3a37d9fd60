//! `cargo xtask bench [links|flows|waits|python|all] [--quick]`: the benchmarks.
//!
//! `links`, `flows` and `waits` are the `suite` bench of composio-server
//! (`crates/composio-server/benches/suite`), whose load is generated in-process by Rust code;
//! each prints a table and writes `target/bench/<scenario>.json`. Full runs use the release
//! profile (`cargo bench`); `--quick` runs a small version in the test profile
//! (`cargo test --bench suite`, sharing the build of `cargo test`), which checks the answers
//! (0 errors, every account ACTIVE, every waiter woken) and not the speed; CI runs it.
//!
//! `python` runs `bindings/python/benches/authorize_rate.py` (`composio_rs` against the
//! official `composio`) with the Python of `target/py-venv`; it is skipped with a message
//! when that venv is not built, and always with `--quick`.

use std::path::Path;

use crate::python;
use crate::util::{self, Error, Result};

/// The suite's scenarios, in the order `all` runs them.
const SUITE: [&str; 3] = ["links", "flows", "waits"];

/// Parsed arguments of `cargo xtask bench`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Suite scenarios to run.
    pub suite: Vec<&'static str>,
    /// Whether to run the Python comparison.
    pub python: bool,
    /// Small runs that assert correctness only.
    pub quick: bool,
}

impl Options {
    /// Parses `[links|flows|waits|python|all]... [--quick]` (no scenario means `all`).
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut opts = Options {
            suite: Vec::new(),
            python: false,
            quick: false,
        };
        let mut any = false;
        for arg in args {
            match arg.as_str() {
                "--quick" => opts.quick = true,
                "all" => {
                    any = true;
                    opts.python = true;
                    for s in SUITE {
                        if !opts.suite.contains(&s) {
                            opts.suite.push(s);
                        }
                    }
                }
                "python" => {
                    any = true;
                    opts.python = true;
                }
                other => match SUITE.iter().find(|s| **s == other) {
                    Some(s) => {
                        any = true;
                        if !opts.suite.contains(s) {
                            opts.suite.push(s);
                        }
                    }
                    None => {
                        return Err(Error::msg(format!(
                            "`bench` takes links, flows, waits, python, all and --quick, \
                             got `{other}`"
                        )))
                    }
                },
            }
        }
        if !any {
            opts.suite = SUITE.to_vec();
            opts.python = true;
        }
        Ok(opts)
    }

    /// The cargo command line running the suite's scenarios.
    pub fn cargo_args(&self) -> Vec<&'static str> {
        let mut args = if self.quick {
            vec!["test", "-p", "composio-server", "--bench", "suite", "--"]
        } else {
            vec!["bench", "-p", "composio-server", "--bench", "suite", "--"]
        };
        args.extend(&self.suite);
        if self.quick {
            args.push("--quick");
        }
        args
    }
}

/// Runs the chosen benchmarks.
pub fn run(root: &Path, opts: &Options) -> Result<()> {
    let out = root.join("target/bench");
    if !opts.suite.is_empty() {
        let args = opts.cargo_args();
        util::step(&format!("cargo {}", args.join(" ")));
        util::run(
            util::cmd_in(root, util::cargo())
                .env("COMPOSIO_BENCH_OUT", &out)
                .args(&args),
        )?;
    }
    if opts.python {
        python_bench(root, opts.quick)?;
    }
    println!("bench: results in {}", out.display());
    Ok(())
}

/// `authorize_rate.py` with the venv's Python, when it is built.
fn python_bench(root: &Path, quick: bool) -> Result<()> {
    if quick {
        println!("skipped: the python bench (not part of --quick)");
        return Ok(());
    }
    let py = root.join(python::VENV).join("bin/python");
    if !py.exists() {
        println!(
            "skipped: the python bench needs {} with composio_rs and composio 0.30.0 \
             (bash bindings/python/run-tests.sh builds it; then pip install composio==0.30.0)",
            python::VENV
        );
        return Ok(());
    }
    // One fast server for both clients: a debug server's latency changes what the clients
    // spend waiting (their threads park and wake differently), not only the calls/s.
    util::step("cargo build --release -p composio-cli (the server both clients call)");
    util::run(util::cmd_in(root, util::cargo()).args([
        "build",
        "--release",
        "-p",
        "composio-cli",
    ]))?;
    util::step("bindings/python/benches/authorize_rate.py");
    util::run(util::cmd_in(root, py).args([
        "bindings/python/benches/authorize_rate.py",
        "--cli",
        &root.join("target/release/composio").to_string_lossy(),
        "--json",
        &root.join("target/bench/python.json").to_string_lossy(),
    ]))
}

#[cfg(test)]
mod tests {
    use super::Options;

    fn parse(args: &[&str]) -> Options {
        Options::parse(&args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn bench_arguments() {
        let all = parse(&[]);
        assert_eq!(all.suite, ["links", "flows", "waits"]);
        assert!(all.python && !all.quick);
        assert_eq!(parse(&["all", "--quick"]).suite.len(), 3);
        let links = parse(&["links", "--quick"]);
        assert!(!links.python);
        assert_eq!(
            links.cargo_args(),
            [
                "test",
                "-p",
                "composio-server",
                "--bench",
                "suite",
                "--",
                "links",
                "--quick"
            ]
        );
        assert_eq!(
            parse(&["waits", "flows"]).cargo_args(),
            [
                "bench",
                "-p",
                "composio-server",
                "--bench",
                "suite",
                "--",
                "waits",
                "flows"
            ]
        );
        let py = parse(&["python"]);
        assert!(py.python && py.suite.is_empty());
        assert!(Options::parse(&["fast".to_owned()]).is_err());
    }
}
