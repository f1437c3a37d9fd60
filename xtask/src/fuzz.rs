//! `cargo xtask fuzz [--seconds N] [TARGET...]`: builds the cargo-fuzz targets of `fuzz/`
//! (a workspace of its own) and runs each for N seconds (default [`DEFAULT_SECONDS`]).
//!
//! - cargo-fuzz is installed with `cargo install` when missing. When that fails, the task
//!   prints `skipped: …` and succeeds, except in CI (`CI` set), where it fails.
//! - The stable toolchain builds the targets with `RUSTC_BOOTSTRAP=1` (cargo-fuzz passes
//!   `-Z` flags); no sanitizer, since the crates forbid `unsafe` (coverage guidance and debug
//!   assertions stay on).
//! - Each run starts from `fuzz/corpus/<target>` (kept between runs, ignored by git), the
//!   committed seeds `fuzz/seeds/<target>` and the committed crash inputs
//!   `fuzz/regressions/<target>`: a regression fails the run at once.
//! - A crash leaves its input in `fuzz/artifacts/<target>/`; the error says how to keep it.

use std::path::Path;

use crate::util::{self, Error, Result};

/// The targets, in the order they run.
pub const TARGETS: &[&str] = &[
    "callback_url",
    "sse",
    "wire_models",
    "retry_after",
    "config",
    "oauth_callback",
    "link_form",
    "webhook_signature",
];

/// Seconds per target when `--seconds` is not given.
pub const DEFAULT_SECONDS: u64 = 30;

/// The cargo-fuzz release `cargo xtask fuzz` installs.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Seconds per target.
    pub seconds: u64,
    /// The targets (all of them when none is named).
    pub targets: Vec<String>,
}

impl Options {
    /// Parses `[--seconds N] [TARGET...]`.
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut opts = Self {
            seconds: DEFAULT_SECONDS,
            targets: Vec::new(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--seconds" => {
                    let v = args
                        .next()
                        .ok_or_else(|| Error::msg("--seconds needs a number"))?;
                    opts.seconds = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        Error::msg(format!("--seconds takes a positive number, got `{v}`"))
                    })?;
                }
                t if TARGETS.contains(&t) => opts.targets.push(t.to_owned()),
                other => {
                    return Err(Error::msg(format!(
                        "unknown fuzz target `{other}`; the targets are {}",
                        TARGETS.join(", ")
                    )))
                }
            }
        }
        if opts.targets.is_empty() {
            opts.targets = TARGETS.iter().map(|t| (*t).to_owned()).collect();
        }
        Ok(opts)
    }
}

/// Whether this runs in CI: `CI` is set to anything but empty, `false` or `0`.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .is_ok_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "false" | "0"))
}

fn cargo_fuzz_works(root: &Path) -> bool {
    util::cmd_in(root, util::cargo())
        .args(["fuzz", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure `cargo fuzz` works, installing it when needed. `Ok(false)`: not available
/// outside CI (skip).
fn ensure_cargo_fuzz(root: &Path) -> Result<bool> {
    if cargo_fuzz_works(root) {
        return Ok(true);
    }
    println!("cargo-fuzz is not installed; installing cargo-fuzz {CARGO_FUZZ_VERSION}");
    let installed = util::run(util::cmd_in(root, util::cargo()).args([
        "install",
        "cargo-fuzz",
        "--locked",
        "--version",
        CARGO_FUZZ_VERSION,
    ]));
    match installed {
        Ok(()) if cargo_fuzz_works(root) => Ok(true),
        _ if in_ci() => Err(Error::msg(
            "cargo-fuzz could not be installed; CI needs it for the fuzz step",
        )),
        _ => {
            println!(
                "skipped: cargo-fuzz could not be installed (`cargo install cargo-fuzz`); \
                 the fuzz targets did not run"
            );
            Ok(false)
        }
    }
}

/// The arguments of `cargo fuzz run` for `target`: its corpus, seeds and regressions (those
/// that exist, besides the corpus), then libFuzzer's limits.
pub fn run_args(root: &Path, target: &str, seconds: u64) -> Vec<String> {
    let mut args: Vec<String> = ["fuzz", "run", "--sanitizer", "none", target]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.push(format!("fuzz/corpus/{target}"));
    for dir in ["seeds", "regressions"] {
        let rel = format!("fuzz/{dir}/{target}");
        if root.join(&rel).is_dir() {
            args.push(rel);
        }
    }
    args.extend([
        "--".to_owned(),
        format!("-max_total_time={seconds}"),
        "-timeout=10".to_owned(),
        "-rss_limit_mb=2048".to_owned(),
        "-max_len=4096".to_owned(),
        "-print_final_stats=1".to_owned(),
    ]);
    args
}

/// Builds every target and runs the chosen ones.
pub fn run(root: &Path, opts: &Options) -> Result<()> {
    if !ensure_cargo_fuzz(root)? {
        return Ok(());
    }
    util::step("cargo fuzz build (fuzz/, RUSTC_BOOTSTRAP=1)");
    util::run(
        util::cmd_in(root, util::cargo())
            .args(["fuzz", "build", "--sanitizer", "none"])
            .env("RUSTC_BOOTSTRAP", "1"),
    )?;
    for target in &opts.targets {
        std::fs::create_dir_all(root.join("fuzz/corpus").join(target))
            .map_err(|e| Error::msg(format!("cannot create the corpus of {target}: {e}")))?;
        util::step(&format!("cargo fuzz run {target} ({} s)", opts.seconds));
        // libFuzzer prints a line per new input: keep them in a log, show the summary.
        let log_dir = root.join("fuzz/artifacts").join(target);
        std::fs::create_dir_all(&log_dir)
            .map_err(|e| Error::msg(format!("cannot create {}: {e}", log_dir.display())))?;
        let log_path = log_dir.join("fuzz.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| Error::msg(format!("cannot create {}: {e}", log_path.display())))?;
        let err_log = log
            .try_clone()
            .map_err(|e| Error::msg(format!("cannot log: {e}")))?;
        let ran = util::run(
            util::cmd_in(root, util::cargo())
                .args(run_args(root, target, opts.seconds))
                .env("RUSTC_BOOTSTRAP", "1")
                .stdout(log)
                .stderr(err_log),
        );
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        match ran {
            Ok(()) => {
                let summary = lines
                    .iter()
                    .rev()
                    .find(|l| l.starts_with("Done "))
                    .copied()
                    .unwrap_or("done");
                println!("{target}: {summary} (log: fuzz/artifacts/{target}/fuzz.log)");
            }
            Err(e) => {
                for line in &lines[lines.len().saturating_sub(80)..] {
                    println!("{line}");
                }
                return Err(Error::msg(format!(
                    "{e}\nfuzz target `{target}` found a crash (log: \
                     fuzz/artifacts/{target}/fuzz.log): its input is in \
                     fuzz/artifacts/{target}/. Fix the code, add a test in the crate that \
                     reproduces it, and keep the input as fuzz/regressions/{target}/<name>."
                )));
            }
        }
    }
    println!("fuzz: {} targets ran without a finding", opts.targets.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn options_default_to_every_target_for_the_default_time() {
        let o = Options::parse(&[]).unwrap();
        assert_eq!(o.seconds, DEFAULT_SECONDS);
        assert_eq!(o.targets, args(TARGETS));
        let o = Options::parse(&args(&["--seconds", "5", "sse", "config"])).unwrap();
        assert_eq!((o.seconds, o.targets), (5, args(&["sse", "config"])));
        for bad in [
            &["--seconds"][..],
            &["--seconds", "0"],
            &["--seconds", "x"],
            &["nope"],
        ] {
            assert!(Options::parse(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn runs_use_the_corpus_and_the_committed_inputs_that_exist() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("fuzz/regressions/sse")).unwrap();
        let a = run_args(dir.path(), "sse", 7);
        assert_eq!(
            a[..7],
            args(&[
                "fuzz",
                "run",
                "--sanitizer",
                "none",
                "sse",
                "fuzz/corpus/sse",
                "fuzz/regressions/sse"
            ])
        );
        assert!(a.contains(&"-max_total_time=7".to_owned()));
        assert!(!a.iter().any(|x| x.contains("seeds")));
    }

    #[test]
    fn every_target_has_a_binary_in_the_fuzz_manifest() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
        for t in TARGETS {
            assert!(manifest.contains(&format!("name = \"{t}\"")), "{t}");
            assert!(
                root.join(format!("fuzz/fuzz_targets/{t}.rs")).is_file(),
                "{t}"
            );
        }
    }
}
