//! `cargo xtask release <patch|minor|major|X.Y.Z> [--dry-run]`.
//!
//! Bumps the one workspace version (and the internal `[workspace.dependencies]`
//! requirements), syncs a static Python package version, dates the changelog's
//! Unreleased section, refreshes Cargo.lock, then commits and tags `vX.Y.Z`.
//! `--dry-run` prints the plan and changes nothing.

use std::path::{Path, PathBuf};

use crate::util::{self, Error, Result};
use crate::version::{self, Bump, Version};

/// Parsed arguments of the `release` task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How to change the version.
    pub bump: Bump,
    /// Only print the plan.
    pub dry_run: bool,
}

impl Options {
    /// Parses `<patch|minor|major|X.Y.Z> [--dry-run]`.
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut bump = None;
        let mut dry_run = false;
        for arg in args {
            match arg.as_str() {
                "--dry-run" | "-n" => dry_run = true,
                flag if flag.starts_with('-') && Version::parse(flag).is_err() => {
                    return Err(Error::msg(format!("unknown release option `{flag}`")))
                }
                level if bump.is_none() => bump = Some(Bump::parse(level)?),
                extra => return Err(Error::msg(format!("unexpected argument `{extra}`"))),
            }
        }
        let bump = bump.ok_or_else(|| {
            Error::msg("usage: cargo xtask release <patch|minor|major|X.Y.Z> [--dry-run]")
        })?;
        Ok(Options { bump, dry_run })
    }
}

/// One file a release rewrites.
#[derive(Debug)]
pub struct FileEdit {
    /// Absolute path of the file.
    pub path: PathBuf,
    /// Path relative to the workspace root, for display.
    pub rel: String,
    /// The new contents.
    pub contents: String,
    /// Human-readable description of the changes.
    pub changes: Vec<String>,
}

/// Everything a release will change, computed without touching the tree.
#[derive(Debug)]
pub struct Plan {
    /// Current workspace version.
    pub old: Version,
    /// Version being released.
    pub new: Version,
    /// Files to rewrite.
    pub edits: Vec<FileEdit>,
    /// Things worth knowing that do not stop the release.
    pub notes: Vec<String>,
}

impl Plan {
    /// The git tag of the release.
    pub fn tag(&self) -> String {
        format!("v{}", self.new)
    }
}

/// Computes the release of `root` (a workspace with Cargo.toml and CHANGELOG.md and
/// optionally bindings/python/pyproject.toml), dated `date`.
pub fn plan(root: &Path, bump: Bump, date: &str) -> Result<Plan> {
    let cargo_path = root.join("Cargo.toml");
    let cargo_toml = util::read(&cargo_path)?;
    let old = version::workspace_version(&cargo_toml)?;
    let new = bump.apply(old)?;
    let mut notes = Vec::new();

    let (contents, changes) = version::bump_cargo_toml(&cargo_toml, &new)?;
    let mut edits = vec![FileEdit {
        path: cargo_path,
        rel: "Cargo.toml".into(),
        contents,
        changes,
    }];

    let py_path = root.join("bindings/python/pyproject.toml");
    if py_path.exists() {
        let text = util::read(&py_path)?;
        let current = version::pyproject_version(&text)?;
        match version::bump_pyproject(&text, &new)? {
            Some(contents) => edits.push(FileEdit {
                path: py_path,
                rel: "bindings/python/pyproject.toml".into(),
                contents,
                changes: vec![format!(
                    "[project] version: {} -> {new}",
                    current.unwrap_or_default()
                )],
            }),
            None => notes.push(
                "bindings/python/pyproject.toml has a dynamic version; maturin takes it from Cargo.toml"
                    .into(),
            ),
        }
    }

    let log_path = root.join("CHANGELOG.md");
    let log = util::read(&log_path)?;
    let contents = version::release_changelog(&log, &old, &new, date)?;
    if version::unreleased_is_empty(&log) {
        notes.push("the Unreleased section of CHANGELOG.md is empty".into());
    }
    edits.push(FileEdit {
        path: log_path,
        rel: "CHANGELOG.md".into(),
        contents,
        changes: vec![format!(
            "move \"## [Unreleased]\" under \"## [{new}] - {date}\", leaving an empty Unreleased section"
        )],
    });

    Ok(Plan {
        old,
        new,
        edits,
        notes,
    })
}

/// Writes every file of the plan.
pub fn apply(plan: &Plan) -> Result<()> {
    for edit in &plan.edits {
        util::write(&edit.path, &edit.contents)?;
    }
    Ok(())
}

fn print_plan(plan: &Plan) {
    println!("release: {} -> {}", plan.old, plan.new);
    println!("files to change:");
    for edit in &plan.edits {
        println!("  {}", edit.rel);
        for change in &edit.changes {
            println!("    {change}");
        }
    }
    println!("  Cargo.lock (refreshed by `cargo update --workspace`)");
    println!("commands:");
    println!("  cargo update --workspace");
    println!("  git commit -am \"Release {}\"", plan.tag());
    println!("  git tag {}", plan.tag());
    for note in &plan.notes {
        println!("note: {note}");
    }
}

/// Lines of `git status --porcelain`, i.e. uncommitted changes and untracked files.
fn dirty_files(root: &Path) -> Result<Vec<String>> {
    let out = util::output(util::cmd_in(root, "git").args(["status", "--porcelain"]))?;
    Ok(out.lines().map(str::to_owned).collect())
}

fn tag_exists(root: &Path, tag: &str) -> Result<bool> {
    let status = util::cmd_in(root, "git")
        .args(["rev-parse", "--quiet", "--verify"])
        .arg(format!("refs/tags/{tag}"))
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| Error::msg(format!("cannot run git: {e}")))?;
    Ok(status.success())
}

/// Runs the `release` task.
pub fn run(root: &Path, opts: &Options) -> Result<()> {
    let dirty = dirty_files(root)?;
    if !dirty.is_empty() && !opts.dry_run {
        return Err(Error::msg(format!(
            "the work tree is dirty; commit or stash these first:\n  {}",
            dirty.join("\n  ")
        )));
    }
    let plan = plan(root, opts.bump, &version::today())?;
    if tag_exists(root, &plan.tag())? {
        return Err(Error::msg(format!("tag {} already exists", plan.tag())));
    }
    print_plan(&plan);
    if opts.dry_run {
        if !dirty.is_empty() {
            println!(
                "note: the work tree is dirty ({} entries); a real release would refuse",
                dirty.len()
            );
        }
        println!("dry run: nothing was changed");
        return Ok(());
    }

    apply(&plan)?;
    util::step("cargo update --workspace");
    util::run(util::cmd_in(root, util::cargo()).args(["update", "--workspace"]))?;
    let message = format!("Release {}", plan.tag());
    util::step(&format!("git commit -am \"{message}\""));
    util::run(util::cmd_in(root, "git").args(["commit", "-am", &message]))?;
    util::step(&format!("git tag {}", plan.tag()));
    util::run(util::cmd_in(root, "git").args(["tag", &plan.tag()]))?;
    println!(
        "released {}; push with: git push origin HEAD {}",
        plan.tag(),
        plan.tag()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARGO: &str = r#"[workspace]
members = ["crates/core"]

[workspace.package]
version = "1.2.3"

[workspace.dependencies]
core = { path = "crates/core", version = "1.2.3" }
"#;
    const PYPROJECT: &str = "[project]\nname = \"composio-rs\"\nversion = \"1.2.3\"\n";
    const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n\n### Added\n- A thing.\n";

    fn fake_workspace(pyproject: Option<&str>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), CARGO).unwrap();
        std::fs::write(dir.path().join("CHANGELOG.md"), CHANGELOG).unwrap();
        if let Some(py) = pyproject {
            std::fs::create_dir_all(dir.path().join("bindings/python")).unwrap();
            std::fs::write(dir.path().join("bindings/python/pyproject.toml"), py).unwrap();
        }
        dir
    }

    fn read(dir: &tempfile::TempDir, rel: &str) -> String {
        std::fs::read_to_string(dir.path().join(rel)).unwrap()
    }

    fn release(dir: &tempfile::TempDir, bump: &str) -> Result<Plan> {
        let plan = plan(dir.path(), Bump::parse(bump)?, "2025-06-07")?;
        apply(&plan)?;
        Ok(plan)
    }

    #[test]
    fn each_bump_level_on_a_temp_workspace() {
        for (bump, expected) in [
            ("patch", "1.2.4"),
            ("minor", "1.3.0"),
            ("major", "2.0.0"),
            ("1.10.0", "1.10.0"),
        ] {
            let dir = fake_workspace(Some(PYPROJECT));
            let plan = release(&dir, bump).unwrap();
            assert_eq!(plan.new.to_string(), expected);
            let cargo = read(&dir, "Cargo.toml");
            assert!(
                cargo.contains(&format!("version = \"{expected}\"\n")),
                "{cargo}"
            );
            assert!(cargo.contains(&format!(
                "core = {{ path = \"crates/core\", version = \"{expected}\" }}"
            )));
            let py = read(&dir, "bindings/python/pyproject.toml");
            assert!(py.contains(&format!("version = \"{expected}\"")), "{py}");
            let log = read(&dir, "CHANGELOG.md");
            assert_eq!(
                log,
                format!(
                    "# Changelog\n\n## [Unreleased]\n\n## [{expected}] - 2025-06-07\n\n### Added\n- A thing.\n"
                )
            );
        }
    }

    #[test]
    fn works_without_python_bindings_and_with_dynamic_version() {
        let dir = fake_workspace(None);
        let plan = release(&dir, "patch").unwrap();
        assert_eq!(plan.edits.len(), 2);

        let dynamic = "[project]\nname = \"composio-rs\"\ndynamic = [\"version\"]\n";
        let dir = fake_workspace(Some(dynamic));
        let plan = release(&dir, "patch").unwrap();
        assert_eq!(plan.edits.len(), 2);
        assert!(plan.notes.iter().any(|n| n.contains("dynamic")));
        assert_eq!(read(&dir, "bindings/python/pyproject.toml"), dynamic);
    }

    #[test]
    fn refusals_leave_files_untouched() {
        for bump in ["1.2.3", "1.0.0", "1.2", "banana"] {
            let dir = fake_workspace(Some(PYPROJECT));
            let err = release(&dir, bump).unwrap_err();
            assert!(
                err.to_string().contains("not greater")
                    || err.to_string().contains("invalid version"),
                "{bump}: {err}"
            );
            assert_eq!(read(&dir, "Cargo.toml"), CARGO);
            assert_eq!(read(&dir, "CHANGELOG.md"), CHANGELOG);
            assert_eq!(read(&dir, "bindings/python/pyproject.toml"), PYPROJECT);
        }
        // A changelog without an Unreleased section stops the release before any write.
        let dir = fake_workspace(None);
        std::fs::write(dir.path().join("CHANGELOG.md"), "# Changelog\n").unwrap();
        let err = release(&dir, "patch").unwrap_err();
        assert!(err.to_string().contains("[Unreleased]"), "{err}");
        assert_eq!(read(&dir, "Cargo.toml"), CARGO);
    }

    #[test]
    fn notes_an_empty_unreleased_section() {
        let dir = fake_workspace(None);
        std::fs::write(
            dir.path().join("CHANGELOG.md"),
            "# Changelog\n\n## [Unreleased]\n\n## [1.2.3] - 2025-01-01\n- x\n",
        )
        .unwrap();
        let plan = release(&dir, "patch").unwrap();
        assert!(
            plan.notes.iter().any(|n| n.contains("empty")),
            "{:?}",
            plan.notes
        );
    }

    #[test]
    fn parses_options() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let opts = Options::parse(&args(&["minor", "--dry-run"])).unwrap();
        assert_eq!(
            opts,
            Options {
                bump: Bump::Minor,
                dry_run: true
            }
        );
        assert!(Options::parse(&args(&[])).is_err());
        assert!(Options::parse(&args(&["patch", "minor"])).is_err());
        assert!(Options::parse(&args(&["patch", "--force"])).is_err());
    }
}
