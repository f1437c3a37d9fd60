//! `cargo xtask publish [--dry-run] [--no-verify]`: `cargo publish` every
//! publishable workspace crate in dependency order.
//!
//! The order comes from `cargo metadata --format-version 1 --no-deps`: crates with
//! `publish = false` are skipped, normal and build dependencies between workspace
//! crates decide the order, and ties keep the order of `[workspace] members`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;

use crate::util::{self, Error, Result};

/// Parsed arguments of the `publish` task.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Options {
    /// Package and verify without uploading.
    pub dry_run: bool,
    /// Pass `--no-verify` to cargo publish (skip building the packaged crates).
    pub no_verify: bool,
}

impl Options {
    /// Parses `[--dry-run] [--no-verify]`.
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut opts = Options::default();
        for arg in args {
            match arg.as_str() {
                "--dry-run" | "-n" => opts.dry_run = true,
                "--no-verify" => opts.no_verify = true,
                other => {
                    return Err(Error::msg(format!(
                        "`publish` accepts --dry-run and --no-verify, got `{other}`"
                    )))
                }
            }
        }
        Ok(opts)
    }
}

/// A workspace package as far as publishing is concerned.
#[derive(Debug)]
struct Package {
    name: String,
    publishable: bool,
    /// Names of the dependencies that publishing needs (normal and build).
    deps: Vec<String>,
}

fn packages(metadata: &str) -> Result<Vec<Package>> {
    let json: Value = serde_json::from_str(metadata)
        .map_err(|e| Error::msg(format!("cannot parse `cargo metadata` output: {e}")))?;
    let list = json
        .get("packages")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::msg("`cargo metadata` output has no `packages` list"))?;
    list.iter()
        .map(|p| {
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::msg("`cargo metadata`: a package has no name"))?
                .to_owned();
            // `publish`: null = anywhere, [] = nowhere, [..] = only those registries.
            let publishable = match p.get("publish") {
                None | Some(Value::Null) => true,
                Some(Value::Array(registries)) => {
                    registries.iter().any(|r| r.as_str() == Some("crates-io"))
                }
                Some(_) => false,
            };
            let deps = p
                .get("dependencies")
                .and_then(Value::as_array)
                .map(|deps| {
                    deps.iter()
                        .filter(|d| {
                            matches!(d.get("kind").and_then(Value::as_str), None | Some("build"))
                        })
                        .filter_map(|d| d.get("name").and_then(Value::as_str))
                        .filter(|d| *d != name)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            Ok(Package {
                name,
                publishable,
                deps,
            })
        })
        .collect()
}

/// The publishable workspace crates of `cargo metadata --no-deps` output, each
/// after the workspace crates it depends on; ties keep the metadata (members) order.
pub fn publish_order(metadata: &str) -> Result<Vec<String>> {
    let pkgs = packages(metadata)?;
    let index: HashMap<&str, usize> = pkgs
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();
    for p in pkgs.iter().filter(|p| p.publishable) {
        if let Some(dep) = p
            .deps
            .iter()
            .find(|d| index.get(d.as_str()).is_some_and(|&i| !pkgs[i].publishable))
        {
            return Err(Error::msg(format!(
                "{} depends on {dep}, which has publish = false",
                p.name
            )));
        }
    }
    // Kahn's algorithm over the publishable crates, picking the lowest index first.
    let mut remaining: Vec<usize> = (0..pkgs.len()).filter(|&i| pkgs[i].publishable).collect();
    let mut done = BTreeSet::new();
    let mut order = Vec::new();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|&i| {
            pkgs[i]
                .deps
                .iter()
                .filter_map(|d| index.get(d.as_str()))
                .all(|j| done.contains(j))
        });
        let Some(pos) = ready else {
            let names: Vec<&str> = remaining.iter().map(|&i| pkgs[i].name.as_str()).collect();
            return Err(Error::msg(format!(
                "dependency cycle among {}",
                names.join(", ")
            )));
        };
        let i = remaining.remove(pos);
        done.insert(i);
        order.push(pkgs[i].name.clone());
    }
    Ok(order)
}

/// Runs the `publish` task.
pub fn run(root: &Path, opts: &Options) -> Result<()> {
    let metadata = util::output(util::cmd_in(root, util::cargo()).args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
    ]))?;
    let order = publish_order(&metadata)?;
    if order.is_empty() {
        println!("publish: no publishable crates");
        return Ok(());
    }
    println!("publish order: {}", order.join(" -> "));

    if opts.dry_run {
        // One invocation for all crates: cargo (>= 1.90) then resolves the
        // dependencies between them locally, although they are not on crates.io yet.
        let mut cmd = util::cmd_in(root, util::cargo());
        cmd.args(["publish", "--dry-run", "--allow-dirty"]);
        if opts.no_verify {
            cmd.arg("--no-verify");
        }
        for name in &order {
            cmd.args(["-p", name]);
        }
        util::step(&util::display(&cmd));
        if let Err(err) = util::run(&mut cmd) {
            println!(
                "note: if the failure above is a workspace crate that cannot be found on \
                 crates.io, that is the dry run's limit, not a packaging problem: \
                 `cargo publish --dry-run` resolves dependencies against crates.io, where \
                 this version is not published yet. Cargo >= 1.90 resolves them locally \
                 when all crates go in one invocation, as above; with an older cargo only \
                 the order printed above is checked. A real publish uploads the crates one \
                 by one in that order, so each finds its dependencies on crates.io."
            );
            return Err(err);
        }
        println!("dry run: nothing was uploaded");
        return Ok(());
    }

    for name in &order {
        let mut cmd = util::cmd_in(root, util::cargo());
        cmd.args(["publish", "-p", name]);
        if opts.no_verify {
            cmd.arg("--no-verify");
        }
        util::step(&util::display(&cmd));
        util::run(&mut cmd)?;
    }
    println!("published: {}", order.join(", "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, publish: &str, deps: &[(&str, &str)]) -> String {
        let deps: Vec<String> = deps
            .iter()
            .map(|(d, kind)| format!(r#"{{"name": "{d}", "kind": {kind}}}"#))
            .collect();
        format!(
            r#"{{"name": "{name}", "publish": {publish}, "dependencies": [{}]}}"#,
            deps.join(", ")
        )
    }

    fn metadata(pkgs: &[String]) -> String {
        format!(r#"{{"packages": [{}]}}"#, pkgs.join(", "))
    }

    #[test]
    fn orders_by_dependencies_then_member_order() {
        let meta = metadata(&[
            pkg(
                "composio-cli",
                "null",
                &[("composio", "null"), ("clap", "null")],
            ),
            pkg(
                "composio-core",
                "null",
                &[("serde", "null"), ("tokio", r#""dev""#)],
            ),
            pkg(
                "composio-http",
                "null",
                &[("composio-core", "null"), ("composio-http", r#""dev""#)],
            ),
            pkg(
                "composio",
                "null",
                &[("composio-core", "null"), ("composio-http", "null")],
            ),
            pkg("composio-server", "null", &[("composio-core", "null")]),
            pkg("xtask", "[]", &[("toml_edit", "null")]),
            pkg("composio-rs-python", "[]", &[("composio", "null")]),
        ]);
        assert_eq!(
            publish_order(&meta).unwrap(),
            [
                "composio-core",
                "composio-http",
                "composio",
                "composio-cli",
                "composio-server"
            ]
        );
    }

    #[test]
    fn dev_dependencies_do_not_order_and_cycles_are_reported() {
        let meta = metadata(&[
            pkg("a", "null", &[("b", r#""dev""#)]),
            pkg("b", "null", &[("a", "null")]),
        ]);
        assert_eq!(publish_order(&meta).unwrap(), ["a", "b"]);
        let cyclic = metadata(&[
            pkg("a", "null", &[("b", "null")]),
            pkg("b", "null", &[("a", r#""build""#)]),
        ]);
        let err = publish_order(&cyclic).unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
    }

    #[test]
    fn refuses_a_dependency_on_an_unpublishable_crate() {
        let meta = metadata(&[
            pkg("a", "[]", &[]),
            pkg("b", r#"["crates-io"]"#, &[("a", "null")]),
        ]);
        let err = publish_order(&meta).unwrap_err();
        assert!(err.to_string().contains("publish = false"), "{err}");
        assert!(publish_order("not json").is_err());
    }

    #[test]
    fn real_workspace_order_puts_core_first() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let meta = util::output(util::cmd_in(root, util::cargo()).args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ]))
        .unwrap();
        let order = publish_order(&meta).unwrap();
        assert_eq!(order.first().map(String::as_str), Some("composio-core"));
        assert!(!order.iter().any(|n| n == "xtask"));
        let pos = |n: &str| order.iter().position(|o| o == n);
        assert!(pos("composio-http") < pos("composio"));
    }
}
