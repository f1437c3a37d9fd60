//! `cargo xtask tidy`: repository hygiene checks, also run by `cargo test`.
//!
//! 1. every workspace member uses `version.workspace = true`;
//! 2. internal `[workspace.dependencies]` path dependencies carry the workspace version;
//! 3. the Python package version (static `[project] version`) equals the workspace version;
//! 4. CHANGELOG.md has a `## [Unreleased]` section;
//! 5. no `dbg!(`, `todo!(` or `unimplemented!(` in library code
//!    (`crates/*/src/**/*.rs`, `bindings/python/src/**/*.rs`), comments and strings excluded;
//! 6. every crate under `crates/` has a README.md and a `description`.

use std::fmt;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item};

use crate::util::{Error, Result};
use crate::version;

/// One finding, reported as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path relative to the workspace root.
    pub file: String,
    /// 1-based line (1 when the problem is about the whole file).
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Collects problems of one check run.
struct Report {
    root: PathBuf,
    problems: Vec<Problem>,
}

impl Report {
    fn add(&mut self, file: &Path, line: usize, message: impl Into<String>) {
        let rel = file.strip_prefix(&self.root).unwrap_or(file);
        self.problems.push(Problem {
            file: rel.to_string_lossy().replace('\\', "/"),
            line: line.max(1),
            message: message.into(),
        });
    }

    /// Reads and parses a TOML file, reporting failures instead of returning them.
    fn toml(&mut self, path: &Path) -> Option<(String, DocumentMut)> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                self.add(path, 1, format!("cannot read: {e}"));
                return None;
            }
        };
        match text.parse::<DocumentMut>() {
            Ok(doc) => Some((text, doc)),
            Err(e) => {
                self.add(path, 1, format!("invalid TOML: {e}"));
                None
            }
        }
    }
}

/// Runs every check on the tree at `root`; an empty list means tidy.
pub fn check(root: &Path) -> Vec<Problem> {
    let mut report = Report {
        root: root.to_path_buf(),
        problems: Vec::new(),
    };
    check_manifests(&mut report);
    check_changelog(&mut report);
    check_macros(&mut report);
    check_crate_docs(&mut report);
    report.problems
}

/// Runs the `tidy` task: prints every problem, fails when there is any.
pub fn run(root: &Path) -> Result<()> {
    let problems = check(root);
    if problems.is_empty() {
        println!("tidy: ok");
        return Ok(());
    }
    for p in &problems {
        eprintln!("{p}");
    }
    Err(Error::msg(format!("tidy: {} problem(s)", problems.len())))
}

/// 1-based line of the first line inside `[section]` (or the whole file when
/// `section` is empty) whose key is `key` (`key =`, `key.x =`, or `[section.key]`).
fn key_line(text: &str, section: &str, key: &str) -> usize {
    let mut current = String::new();
    let mut header_line = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') && !line.starts_with("[[") {
            current = line.trim_matches(['[', ']']).trim().to_owned();
            if current == section {
                header_line.get_or_insert(i + 1);
            }
            if current == format!("{section}.{key}") {
                return i + 1;
            }
            continue;
        }
        if current == section {
            let name = line
                .split(['=', '.'])
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches('"');
            if name == key {
                return i + 1;
            }
        }
    }
    header_line.unwrap_or(1)
}

/// The `[workspace] members`, with `dir/*` globs expanded.
fn members(root: &Path, doc: &DocumentMut) -> Vec<String> {
    let Some(list) = doc
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(Item::as_array)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in list.iter().filter_map(|v| v.as_str()) {
        match m.strip_suffix("/*") {
            Some(dir) => {
                let mut found: Vec<String> = std::fs::read_dir(root.join(dir))
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.ok())
                    .filter(|e| e.path().join("Cargo.toml").is_file())
                    .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
                    .collect();
                found.sort();
                out.extend(found);
            }
            None => out.push(m.to_owned()),
        }
    }
    out
}

/// Checks 1–3: member versions, internal dependency versions, Python version.
fn check_manifests(report: &mut Report) {
    let root_manifest = report.root.join("Cargo.toml");
    let Some((root_text, root_doc)) = report.toml(&root_manifest) else {
        return;
    };
    let ws_version = match version::workspace_version(&root_text) {
        Ok(v) => v.to_string(),
        Err(e) => {
            let line = key_line(&root_text, "workspace.package", "version");
            report.add(&root_manifest, line, e.to_string());
            return;
        }
    };

    // (1) every member inherits the workspace version.
    for member in members(&report.root, &root_doc) {
        let manifest = report.root.join(&member).join("Cargo.toml");
        if !manifest.is_file() {
            let line = root_text
                .lines()
                .position(|l| l.contains(&format!("\"{member}\"")))
                .map_or(1, |i| i + 1);
            report.add(
                &root_manifest,
                line,
                format!("workspace member `{member}` has no Cargo.toml"),
            );
            continue;
        }
        let Some((text, doc)) = report.toml(&manifest) else {
            continue;
        };
        let version = doc.get("package").and_then(|p| p.get("version"));
        let inherited = version
            .and_then(Item::as_table_like)
            .and_then(|t| t.get("workspace"))
            .and_then(Item::as_bool)
            == Some(true);
        if !inherited {
            let line = key_line(&text, "package", "version");
            let found = match version.and_then(Item::as_str) {
                Some(v) => format!("`version = \"{v}\"`"),
                None if version.is_some() => "a version that is not inherited".to_owned(),
                None => "no version".to_owned(),
            };
            report.add(
                &manifest,
                line,
                format!("{found}; use `version.workspace = true` (one version for the workspace)"),
            );
        }
        // A member must not pin the version of another member: `cargo xtask release` only
        // bumps `[workspace.dependencies]`.
        if let Some(deps) = doc.get("dependencies").and_then(Item::as_table_like) {
            for (name, dep) in deps.iter() {
                let pinned = dep
                    .as_table_like()
                    .is_some_and(|t| t.contains_key("path") && t.contains_key("version"));
                if pinned {
                    let line = key_line(&text, "dependencies", name);
                    report.add(
                        &manifest,
                        line,
                        format!(
                            "internal dependency `{name}` pins its own version; declare it in \
                             [workspace.dependencies] and use `{name}.workspace = true`"
                        ),
                    );
                }
            }
        }
    }

    // (2) internal path dependencies require exactly the workspace version.
    match version::internal_deps(&root_text) {
        Ok(deps) => {
            for dep in deps {
                let line = key_line(&root_text, "workspace.dependencies", &dep.name);
                match &dep.version {
                    None => report.add(
                        &root_manifest,
                        line,
                        format!(
                            "workspace dependency `{}` (path = \"{}\") has no version; \
                             add `version = \"{ws_version}\"` so dependents can be published",
                            dep.name, dep.path
                        ),
                    ),
                    Some(v) if v.trim_start_matches(['=', '^', '~', ' ']) != ws_version => report
                        .add(
                            &root_manifest,
                            line,
                            format!(
                                "workspace dependency `{}` has version \"{v}\", \
                                 but the workspace version is {ws_version}",
                                dep.name
                            ),
                        ),
                    Some(_) => {}
                }
            }
        }
        Err(e) => report.add(&root_manifest, 1, e.to_string()),
    }

    // (3) a static Python package version follows the workspace version.
    let pyproject = report.root.join("bindings/python/pyproject.toml");
    if pyproject.is_file() {
        if let Some((text, _)) = report.toml(&pyproject) {
            match version::pyproject_version(&text) {
                Ok(Some(v)) if v != ws_version => {
                    let line = key_line(&text, "project", "version");
                    report.add(
                        &pyproject,
                        line,
                        format!(
                            "[project] version is \"{v}\", but the workspace version is \
                             {ws_version} (`cargo xtask release` keeps them in sync)"
                        ),
                    );
                }
                Ok(_) => {}
                Err(e) => report.add(&pyproject, 1, e.to_string()),
            }
        }
    }
}

/// Check 4: CHANGELOG.md has an Unreleased section.
fn check_changelog(report: &mut Report) {
    let path = report.root.join("CHANGELOG.md");
    match std::fs::read_to_string(&path) {
        Ok(text) if version::unreleased_line(&text).is_none() => report.add(
            &path,
            1,
            "no `## [Unreleased]` section (Keep a Changelog format)",
        ),
        Ok(_) => {}
        Err(e) => report.add(&path, 1, format!("cannot read: {e}")),
    }
}

/// Macros that must not ship in library code.
const FORBIDDEN: [&str; 3] = ["dbg!(", "todo!(", "unimplemented!("];

/// Check 5: leftover debugging/placeholder macros in library sources.
fn check_macros(report: &mut Report) {
    let mut src_dirs = Vec::new();
    if let Ok(entries) = std::fs::read_dir(report.root.join("crates")) {
        src_dirs.extend(entries.filter_map(|e| e.ok()).map(|e| e.path().join("src")));
    }
    src_dirs.push(report.root.join("bindings/python/src"));
    src_dirs.sort();

    let mut files = Vec::new();
    for dir in src_dirs.iter().filter(|d| d.is_dir()) {
        collect_rs_files(dir, &mut files);
    }
    files.sort();
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                report.add(&file, 1, format!("cannot read: {e}"));
                continue;
            }
        };
        for (line, found) in forbidden_macros(&text) {
            report.add(
                &file,
                line,
                format!("`{found}` in library code; finish it or return an error"),
            );
        }
    }
}

fn collect_rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.is_dir() {
            collect_rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The forbidden macro calls of a Rust source, as (1-based line, macro).
pub fn forbidden_macros(source: &str) -> Vec<(usize, &'static str)> {
    let code = code_only(source);
    let mut found = Vec::new();
    for (i, line) in code.lines().enumerate() {
        for mac in FORBIDDEN {
            let hit = line.match_indices(mac).any(|(at, _)| {
                !line[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            if hit {
                found.push((i + 1, mac));
            }
        }
    }
    found
}

/// Blanks out comments and string/char literals of Rust source, keeping line
/// breaks, so that only code is searched. Minimal lexer: line and (nested)
/// block comments, strings with escapes, raw strings `r#"…"#`, char literals.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && !prev_ident && matches!(next, Some('"' | '#')) {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let body = i + 2 + hashes;
            out.push_str(&" ".repeat(body - i));
            i = body;
            while i < chars.len() {
                let closes = chars[i] == '"'
                    && chars[i + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&h| h == '#')
                        .count()
                        == hashes;
                if closes {
                    out.push_str(&" ".repeat(1 + hashes));
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() {
                match chars[i] {
                    '\\' => {
                        out.push(' ');
                        if let Some(&e) = chars.get(i + 1) {
                            out.push(blank(e));
                        }
                        i += 2;
                    }
                    '"' => {
                        out.push(' ');
                        i += 1;
                        break;
                    }
                    other => {
                        out.push(blank(other));
                        i += 1;
                    }
                }
            }
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), or else a lifetime/label.
            let len = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|&q| q == '\'')
                    .map(|p| p + 3)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(3)
            } else {
                None
            };
            match len {
                Some(len) => {
                    out.push_str(&" ".repeat(len.min(chars.len() - i)));
                    i += len;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Check 6: crates under `crates/` have a README.md and a description.
fn check_crate_docs(report: &mut Report) {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(report.root.join("crates"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let manifest = dir.join("Cargo.toml");
        if !dir.join("README.md").is_file() {
            report.add(
                &manifest,
                1,
                format!(
                    "{} has no README.md (crates.io shows it as the crate's page)",
                    dir.file_name().unwrap_or_default().to_string_lossy()
                ),
            );
        }
        let Some((text, doc)) = report.toml(&manifest) else {
            continue;
        };
        let description = doc.get("package").and_then(|p| p.get("description"));
        let ok = match description {
            Some(item) => {
                item.as_str().is_some_and(|d| !d.trim().is_empty())
                    || item
                        .as_table_like()
                        .and_then(|t| t.get("workspace"))
                        .and_then(Item::as_bool)
                        == Some(true)
            }
            None => false,
        };
        if !ok {
            report.add(
                &manifest,
                key_line(&text, "package", "description"),
                "[package] has no `description` (required by crates.io)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real repository must be tidy: `cargo test --workspace` enforces it.
    #[test]
    fn tidy() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives in the workspace root");
        let problems = check(root);
        let listing: Vec<String> = problems.iter().map(Problem::to_string).collect();
        assert!(
            problems.is_empty(),
            "`cargo xtask tidy` found problems:\n{}",
            listing.join("\n")
        );
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    const CRATE: &str = "[package]\nname = \"demo\"\ndescription = \"A demo.\"\n\
        version.workspace = true\nedition.workspace = true\n";

    /// A small workspace that passes every check.
    fn clean_tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/demo\", \"xtask\"]\n\n\
             [workspace.package]\nversion = \"0.3.1\"\n\n\
             [workspace.dependencies]\ndemo = { path = \"crates/demo\", version = \"0.3.1\" }\n\
             serde = \"1\"\n",
        );
        write(root, "crates/demo/Cargo.toml", CRATE);
        write(root, "crates/demo/README.md", "# demo\n");
        write(
            root,
            "crates/demo/src/lib.rs",
            "//! No `todo!()` here.\n\
             /// Never `dbg!(x)`.\n\
             pub fn f() -> &'static str {\n    \
                 let _c = '\"'; // todo!( in a comment\n    \
                 /* unimplemented!() */\n    \
                 \"todo!() in a string\"\n\
             }\n\
             pub fn g() -> &'static str { r#\"dbg!(\"#.trim() }\n\
             pub fn h() { my_todo!(1) }\n",
        );
        write(
            root,
            "xtask/Cargo.toml",
            "[package]\nname = \"xtask\"\nversion.workspace = true\npublish = false\n",
        );
        write(
            root,
            "bindings/python/pyproject.toml",
            "[project]\nname = \"composio-rs\"\nversion = \"0.3.1\"\n",
        );
        write(root, "bindings/python/src/lib.rs", "pub fn ok() {}\n");
        write(root, "CHANGELOG.md", "# Changelog\n\n## [Unreleased]\n");
        dir
    }

    fn problems(dir: &tempfile::TempDir) -> Vec<String> {
        check(dir.path()).iter().map(Problem::to_string).collect()
    }

    #[test]
    fn clean_tree_passes() {
        let dir = clean_tree();
        assert_eq!(problems(&dir), Vec::<String>::new());
    }

    #[test]
    fn todo_in_library_code_fails_with_file_and_line() {
        let dir = clean_tree();
        write(
            dir.path(),
            "crates/demo/src/nested/mod.rs",
            "pub fn f() {\n    todo!()\n}\npub fn g() { std::dbg!(1); }\n",
        );
        write(
            dir.path(),
            "bindings/python/src/lib.rs",
            "fn h() { unimplemented!(\"later\") }\n",
        );
        let found = problems(&dir);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with("bindings/python/src/lib.rs:1: `unimplemented!(`"));
        assert!(found[1].starts_with("crates/demo/src/nested/mod.rs:2: `todo!(`"));
        assert!(found[2].starts_with("crates/demo/src/nested/mod.rs:4: `dbg!(`"));
    }

    #[test]
    fn version_mismatches_are_reported() {
        let dir = clean_tree();
        write(
            dir.path(),
            "crates/demo/Cargo.toml",
            "[package]\nname = \"demo\"\ndescription = \"A demo.\"\nversion = \"0.3.0\"\n",
        );
        write(
            dir.path(),
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"xtask\", \"missing\"]\n\n\
             [workspace.package]\nversion = \"0.3.1\"\n\n\
             [workspace.dependencies]\ndemo = { path = \"crates/demo\", version = \"0.3.0\" }\n\
             other = { path = \"crates/other\" }\n",
        );
        write(
            dir.path(),
            "bindings/python/pyproject.toml",
            "[project]\nname = \"composio-rs\"\nversion = \"0.2.0\"\n",
        );
        let found = problems(&dir);
        let expect = [
            "crates/demo/Cargo.toml:4: `version = \"0.3.0\"`; use `version.workspace = true`",
            "Cargo.toml:2: workspace member `missing` has no Cargo.toml",
            "Cargo.toml:8: workspace dependency `demo` has version \"0.3.0\"",
            "Cargo.toml:9: workspace dependency `other` (path = \"crates/other\") has no version",
            "bindings/python/pyproject.toml:3: [project] version is \"0.2.0\"",
        ];
        assert_eq!(found.len(), expect.len(), "{found:#?}");
        for (got, want) in found.iter().zip(expect) {
            assert!(got.starts_with(want), "got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn member_pinning_an_internal_version_is_reported() {
        let dir = clean_tree();
        write(
            dir.path(),
            "crates/demo/Cargo.toml",
            &format!(
                "{CRATE}\n[dependencies]\nother = {{ path = \"../other\", version = \"0.3.1\" }}\n"
            ),
        );
        let found = problems(&dir);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("crates/demo/Cargo.toml:8: internal dependency `other` pins"),
            "{found:#?}"
        );
    }

    #[test]
    fn missing_changelog_section_readme_and_description() {
        let dir = clean_tree();
        write(
            dir.path(),
            "CHANGELOG.md",
            "# Changelog\n\n## [0.3.1] - 2025-01-01\n",
        );
        std::fs::remove_file(dir.path().join("crates/demo/README.md")).unwrap();
        write(
            dir.path(),
            "crates/demo/Cargo.toml",
            "[package]\nname = \"demo\"\nversion.workspace = true\n",
        );
        let found = problems(&dir);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with("CHANGELOG.md:1: no `## [Unreleased]`"));
        assert!(found[1].starts_with("crates/demo/Cargo.toml:1: demo has no README.md"));
        assert!(found[2].starts_with("crates/demo/Cargo.toml:1: [package] has no `description`"));
    }

    #[test]
    fn dynamic_python_version_is_fine() {
        let dir = clean_tree();
        write(
            dir.path(),
            "bindings/python/pyproject.toml",
            "[project]\nname = \"composio-rs\"\ndynamic = [\"version\"]\n",
        );
        assert_eq!(problems(&dir), Vec::<String>::new());
    }

    #[test]
    fn lexer_keeps_lines_and_skips_literals() {
        let src = "let a = \"x\\\"todo!(\"; let b = b'\\''; let l: &'a str = y;\n\
                   /* outer /* inner */ dbg!( */ let c = r##\"a\"#todo!(\"##;\n\
                   todo!();\n";
        assert_eq!(forbidden_macros(src), vec![(3, "todo!(")]);
        assert_eq!(code_only(src).lines().count(), 3);
    }
}
