//! `cargo xtask bench`: the server's benchmarks, with the load generated in this process.
//!
//! ```sh
//! cargo xtask bench all            # links, flows, waits (and python when its venvs exist)
//! cargo xtask bench links --quick  # a small smoke run that checks correctness, not speed
//! cargo bench -p composio-server --bench suite -- links   # the same, without xtask
//! ```
//!
//! Each scenario starts `composio-server` (sandbox mode, SQLite, no rate limit) as a child
//! process, drives it with Rust clients in this process, prints a table and writes its
//! figures as JSON to `$COMPOSIO_BENCH_OUT/<scenario>.json` (default `target/bench/`).
//! A scenario fails (exit code 1) when the server answered wrong: an error, an account not
//! ACTIVE at the end, a waiter never woken. Speed is reported, never asserted.
//!
//! - `links`: `POST …/link` throughput with 32 requests in flight, then latency at a fixed
//!   1,000 links/s (open loop: each request's latency counts from when it was due).
//! - `flows`: whole flows (session → link → Connect Link page → consent on the sandbox
//!   provider → callback → ACTIVE), each by a scripted browser that keeps its cookies and
//!   submits every hidden form field; every account must end ACTIVE.
//! - `waits`: N concurrent `wait_for_connection` in one client, every link approved by a
//!   browser; wake latency after each approval, the client's sockets and memory.

#[path = "../common/mod.rs"]
mod common;
mod flows;
mod links;
mod report;
mod waits;

use std::process::ExitCode;

use report::Report;

const USAGE: &str = "usage: suite [links|flows|waits|all] [--quick]";

/// How big a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// Small: a smoke test for CI.
    Quick,
    /// The figures the benchmarks are for.
    Full,
}

fn main() -> ExitCode {
    let mut scenarios = Vec::new();
    let mut size = Size::Full;
    // `cargo bench` passes `--bench`; `cargo test --bench suite` passes nothing of its own.
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => size = Size::Quick,
            "--bench" => {}
            "links" | "flows" | "waits" => scenarios.push(arg),
            "all" => scenarios.extend(["links", "flows", "waits"].map(String::from)),
            other => {
                eprintln!("unknown argument `{other}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if scenarios.is_empty() {
        scenarios.extend(["links", "flows", "waits"].map(String::from));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut failed = false;
    for scenario in scenarios {
        let result = runtime.block_on(async {
            match scenario.as_str() {
                "links" => links::run(size).await,
                "flows" => flows::run(size).await,
                _ => waits::run(size).await,
            }
        });
        match result {
            Ok(report) => report.finish(&scenario, size),
            Err(err) => {
                eprintln!("bench {scenario}: FAILED: {err}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// What a scenario gives back: its figures, or why the server's answers were wrong.
pub type Outcome = Result<Report, String>;
