//! Version arithmetic and the manifest/changelog edits of a release, as pure
//! functions over strings (the `release` task does the file and git I/O).

use std::fmt;

use toml_edit::{DocumentMut, Item, Value};

use crate::util::{Error, Result};

/// A release version `MAJOR.MINOR.PATCH` (pre-release and build metadata are not used here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Incompatible API changes.
    pub major: u64,
    /// Backwards-compatible additions.
    pub minor: u64,
    /// Backwards-compatible fixes.
    pub patch: u64,
}

impl Version {
    /// Parses `X.Y.Z` (an optional leading `v` is accepted), rejecting leading zeros,
    /// pre-release suffixes and anything else.
    pub fn parse(s: &str) -> Result<Version> {
        let invalid = || {
            Error::msg(format!(
                "invalid version `{s}`: expected MAJOR.MINOR.PATCH with plain numbers, e.g. 1.4.2"
            ))
        };
        let body = s.strip_prefix('v').unwrap_or(s);
        let parts: Vec<&str> = body.split('.').collect();
        let [major, minor, patch] = parts[..] else {
            return Err(invalid());
        };
        let num = |p: &str| -> Result<u64> {
            let well_formed = !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'));
            if !well_formed {
                return Err(invalid());
            }
            p.parse().map_err(|_| invalid())
        };
        Ok(Version {
            major: num(major)?,
            minor: num(minor)?,
            patch: num(patch)?,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// What `cargo xtask release` was asked to do to the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bump {
    /// `X.Y.Z` → `X.Y.(Z+1)`.
    Patch,
    /// `X.Y.Z` → `X.(Y+1).0`.
    Minor,
    /// `X.Y.Z` → `(X+1).0.0`.
    Major,
    /// An explicit version, which must be greater than the current one.
    Exact(Version),
}

impl Bump {
    /// Parses `patch`, `minor`, `major` or an explicit `X.Y.Z`.
    pub fn parse(s: &str) -> Result<Bump> {
        match s {
            "patch" => Ok(Bump::Patch),
            "minor" => Ok(Bump::Minor),
            "major" => Ok(Bump::Major),
            _ => Version::parse(s).map(Bump::Exact).map_err(|_| {
                Error::msg(format!(
                    "invalid version `{s}`: expected patch, minor, major or MAJOR.MINOR.PATCH (e.g. 1.4.2)"
                ))
            }),
        }
    }

    /// The version that follows `current`; refuses a version not greater than `current`.
    pub fn apply(self, current: Version) -> Result<Version> {
        let next = match self {
            Bump::Patch => Version {
                patch: current.patch + 1,
                ..current
            },
            Bump::Minor => Version {
                minor: current.minor + 1,
                patch: 0,
                ..current
            },
            Bump::Major => Version {
                major: current.major + 1,
                minor: 0,
                patch: 0,
            },
            Bump::Exact(v) => v,
        };
        if next <= current {
            return Err(Error::msg(format!(
                "version {next} is not greater than the current version {current}"
            )));
        }
        Ok(next)
    }
}

fn parse_toml(text: &str, file: &str) -> Result<DocumentMut> {
    text.parse::<DocumentMut>()
        .map_err(|e| Error::msg(format!("{file} is not valid TOML: {e}")))
}

/// The `[workspace.package] version` of a root `Cargo.toml`.
pub fn workspace_version(cargo_toml: &str) -> Result<Version> {
    let doc = parse_toml(cargo_toml, "Cargo.toml")?;
    let raw = doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(Item::as_str)
        .ok_or_else(|| Error::msg("Cargo.toml has no `[workspace.package] version = \"X.Y.Z\"`"))?;
    Version::parse(raw).map_err(|e| Error::msg(format!("Cargo.toml [workspace.package]: {e}")))
}

/// An entry of `[workspace.dependencies]` that points into the workspace with `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalDep {
    /// The dependency key, e.g. `composio-core`.
    pub name: String,
    /// Its `path`, e.g. `crates/composio-core`.
    pub path: String,
    /// Its `version` requirement, if any.
    pub version: Option<String>,
}

/// The `path` dependencies of `[workspace.dependencies]`, in file order.
pub fn internal_deps(cargo_toml: &str) -> Result<Vec<InternalDep>> {
    let doc = parse_toml(cargo_toml, "Cargo.toml")?;
    let Some(deps) = doc
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(Item::as_table_like)
    else {
        return Ok(Vec::new());
    };
    Ok(deps
        .iter()
        .filter_map(|(name, item)| {
            let table = item.as_table_like()?;
            let path = table.get("path")?.as_str()?;
            Some(InternalDep {
                name: name.to_owned(),
                path: path.to_owned(),
                version: table
                    .get("version")
                    .and_then(Item::as_str)
                    .map(str::to_owned),
            })
        })
        .collect())
}

/// Replaces a string value, keeping its surrounding whitespace and comments.
fn set_string(value: &mut Value, new: &str) {
    let decor = value.decor().clone();
    *value = Value::from(new);
    *value.decor_mut() = decor;
}

/// Keeps a requirement operator (`=`, `^`, `~`) in front of the new version.
fn requirement(old: &str, new: &Version) -> String {
    let op_len = old.len() - old.trim_start_matches(['=', '^', '~', ' ']).len();
    format!("{}{new}", &old[..op_len])
}

/// Sets `[workspace.package] version` and the `version` of every internal path
/// dependency in `[workspace.dependencies]`. Returns the new text and a
/// description of each change.
pub fn bump_cargo_toml(cargo_toml: &str, new: &Version) -> Result<(String, Vec<String>)> {
    let mut doc = parse_toml(cargo_toml, "Cargo.toml")?;
    let mut changes = Vec::new();

    let version = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("package"))
        .and_then(|p| p.get_mut("version"))
        .and_then(Item::as_value_mut)
        .filter(|v| v.is_str())
        .ok_or_else(|| Error::msg("Cargo.toml has no `[workspace.package] version = \"X.Y.Z\"`"))?;
    let old = version.as_str().unwrap_or_default().to_owned();
    set_string(version, &new.to_string());
    changes.push(format!("[workspace.package] version: {old} -> {new}"));

    if let Some(deps) = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("dependencies"))
        .and_then(Item::as_table_like_mut)
    {
        for (name, item) in deps.iter_mut() {
            let Some(table) = item.as_table_like_mut() else {
                continue;
            };
            if table.get("path").and_then(Item::as_str).is_none() {
                continue;
            }
            let Some(value) = table
                .get_mut("version")
                .and_then(Item::as_value_mut)
                .filter(|v| v.is_str())
            else {
                continue;
            };
            let old = value.as_str().unwrap_or_default().to_owned();
            let req = requirement(&old, new);
            set_string(value, &req);
            changes.push(format!(
                "[workspace.dependencies] {}: {old} -> {req}",
                name.get()
            ));
        }
    }
    Ok((doc.to_string(), changes))
}

/// The static `[project] version` of a `pyproject.toml`; `None` when the version
/// is dynamic (maturin then takes it from Cargo.toml) or absent.
pub fn pyproject_version(pyproject: &str) -> Result<Option<String>> {
    let doc = parse_toml(pyproject, "pyproject.toml")?;
    Ok(doc
        .get("project")
        .and_then(|p| p.get("version"))
        .and_then(Item::as_str)
        .map(str::to_owned))
}

/// Sets a static `[project] version`; returns `None` (nothing to change) when the
/// version is dynamic or absent.
pub fn bump_pyproject(pyproject: &str, new: &Version) -> Result<Option<String>> {
    let mut doc = parse_toml(pyproject, "pyproject.toml")?;
    let Some(value) = doc
        .get_mut("project")
        .and_then(|p| p.get_mut("version"))
        .and_then(Item::as_value_mut)
        .filter(|v| v.is_str())
    else {
        return Ok(None);
    };
    set_string(value, &new.to_string());
    Ok(Some(doc.to_string()))
}

const UNRELEASED: &str = "## [Unreleased]";

/// Whether a changelog has a `## [Unreleased]` heading; returns its 1-based line.
pub fn unreleased_line(changelog: &str) -> Option<usize> {
    changelog
        .lines()
        .position(|l| l.trim_end().starts_with(UNRELEASED))
        .map(|i| i + 1)
}

fn is_link_definition(line: &str) -> bool {
    line.starts_with('[') && line.contains("]: ")
}

/// Locates the Unreleased section: (heading index, end index, body without
/// surrounding blank lines). The section ends at the next `## ` heading or at the
/// link definitions (`[x]: url`) that close a Keep a Changelog file.
fn unreleased_section<'a>(lines: &'a [&'a str]) -> Option<(usize, usize, &'a [&'a str])> {
    let start = lines
        .iter()
        .position(|l| l.trim_end().starts_with(UNRELEASED))?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## ") || is_link_definition(l))
        .map_or(lines.len(), |i| start + 1 + i);
    let mut body = &lines[start + 1..end];
    while body.first().is_some_and(|l| l.trim().is_empty()) {
        body = &body[1..];
    }
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body = &body[..body.len() - 1];
    }
    Some((start, end, body))
}

/// Whether the Unreleased section exists and has no entries.
pub fn unreleased_is_empty(changelog: &str) -> bool {
    let lines: Vec<&str> = changelog.lines().collect();
    unreleased_section(&lines).is_some_and(|(_, _, body)| body.is_empty())
}

/// Moves the `## [Unreleased]` section under `## [new] - date`, leaving an empty
/// Unreleased section above it, and updates Keep a Changelog compare links
/// (`[Unreleased]: …/compare/vOLD...HEAD`) when present.
pub fn release_changelog(
    changelog: &str,
    old: &Version,
    new: &Version,
    date: &str,
) -> Result<String> {
    let lines: Vec<&str> = changelog.lines().collect();
    let (start, end, body) = unreleased_section(&lines)
        .ok_or_else(|| Error::msg("CHANGELOG.md has no `## [Unreleased]` section"))?;
    let released = format!("## [{new}]");
    if lines.iter().any(|l| l.starts_with(&released)) {
        return Err(Error::msg(format!(
            "CHANGELOG.md already has a `{released}` section"
        )));
    }

    let mut out: Vec<String> = lines[..start].iter().map(|l| l.to_string()).collect();
    out.push(UNRELEASED.to_owned());
    out.push(String::new());
    out.push(format!("{released} - {date}"));
    out.push(String::new());
    out.extend(body.iter().map(|l| l.to_string()));
    if !body.is_empty() && end < lines.len() {
        out.push(String::new());
    }

    let old_compare = format!("/compare/v{old}...HEAD");
    for line in &lines[end..] {
        match line.strip_prefix("[Unreleased]: ") {
            Some(url) if url.trim_end().ends_with(&old_compare) => {
                let base = &url.trim_end()[..url.trim_end().len() - old_compare.len()];
                out.push(format!("[Unreleased]: {base}/compare/v{new}...HEAD"));
                out.push(format!("[{new}]: {base}/compare/v{old}...v{new}"));
            }
            _ => out.push(line.to_string()),
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    Ok(text)
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day)
/// (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARGO: &str = r#"[workspace]
resolver = "2"
members = ["crates/a", "crates/b"]

[workspace.package]
version = "0.1.0" # the one version
edition = "2021"

[workspace.dependencies]
a = { path = "crates/a", version = "0.1.0" }
b = { path = "crates/b", version = "=0.1.0", default-features = false }
serde = { version = "1.0.1", features = ["derive"] }
local-only = { path = "crates/local" }

[workspace.dependencies.c]
path = "crates/c"
version = "0.1.0"
"#;

    const CHANGELOG: &str = "# Changelog

All notable changes are documented here.

## [Unreleased]

### Added
- Sessions.

## [0.1.0] - 2024-01-01

### Added
- First release.

[Unreleased]: https://github.com/o/r/compare/v0.1.0...HEAD
[0.1.0]: https://github.com/o/r/releases/tag/v0.1.0
";

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn bumps_patch_minor_major() {
        let cur = v("1.4.2");
        assert_eq!(Bump::Patch.apply(cur).unwrap(), v("1.4.3"));
        assert_eq!(Bump::Minor.apply(cur).unwrap(), v("1.5.0"));
        assert_eq!(Bump::Major.apply(cur).unwrap(), v("2.0.0"));
    }

    #[test]
    fn explicit_version_must_be_greater() {
        let cur = v("0.3.0");
        assert_eq!(
            Bump::parse("0.10.0").unwrap().apply(cur).unwrap(),
            v("0.10.0")
        );
        let same = Bump::parse("0.3.0").unwrap().apply(cur).unwrap_err();
        assert!(same.to_string().contains("not greater"), "{same}");
        let lower = Bump::parse("0.2.9").unwrap().apply(cur).unwrap_err();
        assert!(lower.to_string().contains("not greater"), "{lower}");
    }

    #[test]
    fn rejects_invalid_versions() {
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.2.x",
            "1.2.3-rc.1",
            "-1.2.3",
            "patchy",
        ] {
            let err = Bump::parse(bad).unwrap_err();
            assert!(err.to_string().contains("invalid version"), "{bad}: {err}");
        }
        assert_eq!(Bump::parse("v2.0.0").unwrap(), Bump::Exact(v("2.0.0")));
    }

    #[test]
    fn bumps_workspace_and_internal_dependencies() {
        assert_eq!(workspace_version(CARGO).unwrap(), v("0.1.0"));
        let (text, changes) = bump_cargo_toml(CARGO, &v("0.2.0")).unwrap();
        assert_eq!(workspace_version(&text).unwrap(), v("0.2.0"));
        assert!(
            text.contains("version = \"0.2.0\" # the one version"),
            "{text}"
        );
        assert!(text.contains(r#"a = { path = "crates/a", version = "0.2.0" }"#));
        assert!(text.contains(
            r#"b = { path = "crates/b", version = "=0.2.0", default-features = false }"#
        ));
        assert!(
            text.contains("path = \"crates/c\"\nversion = \"0.2.0\""),
            "{text}"
        );
        // Registry dependencies and versionless path dependencies are left alone.
        assert!(text.contains(r#"serde = { version = "1.0.1", features = ["derive"] }"#));
        assert!(text.contains(r#"local-only = { path = "crates/local" }"#));
        assert_eq!(changes.len(), 4, "{changes:?}");
        let deps = internal_deps(&text).unwrap();
        let names: Vec<_> = deps.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "local-only", "c"]);
    }

    #[test]
    fn missing_workspace_version_is_an_error() {
        let err = bump_cargo_toml("[workspace]\nmembers = []\n", &v("1.0.0")).unwrap_err();
        assert!(err.to_string().contains("[workspace.package]"), "{err}");
        let err = workspace_version("not = [valid").unwrap_err();
        assert!(err.to_string().contains("not valid TOML"), "{err}");
    }

    #[test]
    fn syncs_static_python_version_only() {
        let py = "[project]\nname = \"composio-rs\"\nversion = \"0.1.0\"\n";
        let bumped = bump_pyproject(py, &v("0.1.1")).unwrap().unwrap();
        assert_eq!(
            pyproject_version(&bumped).unwrap().as_deref(),
            Some("0.1.1")
        );
        assert!(bumped.starts_with("[project]\nname = \"composio-rs\"\n"));
        let dynamic = "[project]\nname = \"composio-rs\"\ndynamic = [\"version\"]\n";
        assert_eq!(bump_pyproject(dynamic, &v("0.1.1")).unwrap(), None);
        assert_eq!(pyproject_version(dynamic).unwrap(), None);
    }

    #[test]
    fn moves_unreleased_section_and_links() {
        let out = release_changelog(CHANGELOG, &v("0.1.0"), &v("0.2.0"), "2025-03-04").unwrap();
        let expected = "# Changelog

All notable changes are documented here.

## [Unreleased]

## [0.2.0] - 2025-03-04

### Added
- Sessions.

## [0.1.0] - 2024-01-01

### Added
- First release.

[Unreleased]: https://github.com/o/r/compare/v0.2.0...HEAD
[0.2.0]: https://github.com/o/r/compare/v0.1.0...v0.2.0
[0.1.0]: https://github.com/o/r/releases/tag/v0.1.0
";
        assert_eq!(out, expected);
        // Releasing the same version twice is refused.
        let err = release_changelog(&out, &v("0.2.0"), &v("0.2.0"), "2025-03-05").unwrap_err();
        assert!(err.to_string().contains("already has"), "{err}");
    }

    #[test]
    fn moves_a_last_unreleased_section() {
        let text = "# Changelog\n\n## [Unreleased]\n### Added\n- One.\n";
        let out = release_changelog(text, &v("0.1.0"), &v("0.1.1"), "2025-01-02").unwrap();
        assert_eq!(
            out,
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.1] - 2025-01-02\n\n### Added\n- One.\n"
        );
    }

    #[test]
    fn changelog_without_unreleased_is_refused() {
        let err =
            release_changelog("# Changelog\n", &v("0.1.0"), &v("0.1.1"), "2025-01-02").unwrap_err();
        assert!(err.to_string().contains("[Unreleased]"), "{err}");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_088), (2024, 12, 31));
        assert_eq!(today().len(), 10);
    }
}
