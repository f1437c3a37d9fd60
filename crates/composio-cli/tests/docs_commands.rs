//! Every `composio …` command shown in the documentation parses.
//!
//! Reads the ```sh / ```bash / ```shell blocks of `docs/**/*.md` (except the quoted
//! specification in `docs/spec/`), `ARCHITECTURE.md`, the READMEs and `CONTRIBUTING.md`, and
//! takes each command line (backslash continuations joined, `# comments` and leading
//! `VAR=value` assignments dropped) that runs:
//!
//! - `composio ARGS`, or `cargo run … -p composio-cli -- ARGS`: runs the built `composio`
//!   binary with `ARGS --help` and expects exit code 0. clap rejects an unknown subcommand, an
//!   unknown flag or a bad value (`--timeout 5x`) before it gets to `--help`, so a renamed
//!   flag fails this test.
//! - `composio-server ARGS`: the same with the `composio-server` binary, when it has been
//!   built next to `composio` (`cargo test --workspace` builds it); otherwise those lines are
//!   skipped with a note.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                // docs/spec/ holds the wire protocol specification, quoted as it is: its
                // blocks are examples of the wire format, not commands of this project.
                if path.file_name().is_some_and(|n| n == "spec") {
                    continue;
                }
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let root = repo();
    let mut files = Vec::new();
    walk(&root.join("docs"), &mut files);
    for extra in [
        "ARCHITECTURE.md",
        "README.md",
        "CONTRIBUTING.md",
        "bindings/python/README.md",
    ] {
        files.push(root.join(extra));
    }
    if let Ok(crates) = std::fs::read_dir(root.join("crates")) {
        for krate in crates.flatten() {
            files.push(krate.path().join("README.md"));
        }
    }
    files.retain(|f| f.is_file());
    files.sort();
    files
}

/// A shell command line found in a page.
#[derive(Debug, Clone, PartialEq)]
struct ShellLine {
    /// `page:line`, for messages.
    place: String,
    /// The words, after quote removal.
    words: Vec<String>,
}

/// The command lines of the shell blocks of `text`.
fn shell_lines(page: &str, text: &str) -> Vec<ShellLine> {
    let mut out = Vec::new();
    let mut in_shell = false;
    let mut in_other = false;
    let mut pending: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            if in_shell || in_other {
                in_shell = false;
                in_other = false;
            } else {
                let lang = trimmed.trim_start_matches('`').split_whitespace().next();
                in_shell = matches!(lang, Some("sh" | "bash" | "shell" | "console"));
                in_other = !in_shell;
            }
            pending = None;
            continue;
        }
        if !in_shell {
            continue;
        }
        let (start, mut joined) = pending.take().unwrap_or((n + 1, String::new()));
        let content = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
        if let Some(head) = content.trim_end().strip_suffix('\\') {
            joined.push_str(head);
            joined.push(' ');
            pending = Some((start, joined));
            continue;
        }
        joined.push_str(content);
        let words = split_words(&joined);
        if !words.is_empty() {
            out.push(ShellLine {
                place: format!("{page}:{start}"),
                words,
            });
        }
    }
    out
}

/// Splits a command line into words like a POSIX shell would for simple commands: quotes,
/// backslash escapes, and a `#` comment at the start of a word.
fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        _ => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            '#' if !in_word => break,
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Which binary a command line runs, and its arguments.
fn invocation(words: &[String]) -> Option<(&'static str, Vec<String>)> {
    // Leading environment assignments (`COMPOSIO_API_KEY=… composio …`).
    let words: Vec<&String> = words
        .iter()
        .skip_while(|w| {
            w.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
        .collect();
    let (first, rest) = words.split_first()?;
    let args = |ws: &[&String]| ws.iter().map(|w| (*w).clone()).collect::<Vec<_>>();
    match first.as_str() {
        "composio" => Some(("composio", args(rest))),
        "composio-server" => Some(("composio-server", args(rest))),
        "cargo" if rest.first().is_some_and(|w| *w == "run") => {
            let sep = rest.iter().position(|w| *w == "--");
            let before = &rest[..sep.unwrap_or(rest.len())];
            let package = before
                .windows(2)
                .find(|w| *w[0] == "-p" || *w[0] == "--package")
                .map(|w| w[1].as_str());
            match package {
                Some("composio-cli") => Some((
                    "composio",
                    sep.map(|i| args(&rest[i + 1..])).unwrap_or_default(),
                )),
                Some("composio-server") => Some((
                    "composio-server",
                    sep.map(|i| args(&rest[i + 1..])).unwrap_or_default(),
                )),
                _ => None,
            }
        }
        _ => None,
    }
}

fn binary(name: &str) -> Option<PathBuf> {
    let composio = assert_cmd::cargo::cargo_bin("composio");
    let path = if name == "composio" {
        composio
    } else {
        composio.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    };
    path.is_file().then_some(path)
}

/// Runs `bin args… --help`; `Err` with clap's message when it does not exit 0.
fn parses(bin: &Path, args: &[String]) -> Result<(), String> {
    let out = Command::new(bin)
        .args(args)
        .arg("--help")
        .env_remove("COMPOSIO_API_KEY")
        .env_remove("COMPOSIO_BASE_URL")
        .output()
        .map_err(|e| format!("could not run {}: {e}", bin.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

#[test]
fn every_documented_command_parses() {
    let root = repo();
    let mut checked = 0;
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for file in markdown_files() {
        let page = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        for line in shell_lines(&page, &text) {
            let Some((name, args)) = invocation(&line.words) else {
                continue;
            };
            let Some(bin) = binary(name) else {
                skipped.push(format!("{} ({name} is not built)", line.place));
                continue;
            };
            checked += 1;
            if let Err(message) = parses(&bin, &args) {
                failures.push(format!(
                    "{}: `{name} {}` does not parse:\n{message}",
                    line.place,
                    args.join(" ")
                ));
            }
        }
    }
    if !skipped.is_empty() {
        eprintln!("skipped (build composio-server to check them):");
        for s in &skipped {
            eprintln!("  {s}");
        }
    }
    eprintln!("{checked} documented commands parse");
    assert!(failures.is_empty(), "\n\n{}", failures.join("\n\n"));
    assert!(
        checked >= 20,
        "only {checked} documented commands found: is the extraction broken?"
    );
}

#[test]
fn a_renamed_flag_is_caught() {
    let bin = binary("composio").expect("the composio binary is built for its tests");
    let args = split_words;
    assert!(parses(&bin, &args("connect gmail --user user_123")).is_ok());
    assert!(parses(&bin, &args("connect gmail --usr user_123")).is_err());
    assert!(parses(&bin, &args("connect gmail --user u --timeout 5x")).is_err());
    assert!(parses(&bin, &args("conect gmail")).is_err());
}

#[test]
fn extraction_of_shell_lines() {
    let text = "\
```sh
composio connect gmail --user user_123   # a comment
COMPOSIO_API_KEY=k composio status \\
  --user 'user 1'
cargo run --release -p composio-cli -- demo
cargo xtask ci
```

```text
composio not a command
```

```rust
// composio nope
```
";
    let lines = shell_lines("p.md", text);
    let calls: Vec<_> = lines
        .iter()
        .map(|l| (l.place.as_str(), invocation(&l.words)))
        .collect();
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        calls,
        vec![
            (
                "p.md:2",
                Some((
                    "composio",
                    owned(&["connect", "gmail", "--user", "user_123"])
                ))
            ),
            (
                "p.md:3",
                Some(("composio", owned(&["status", "--user", "user 1"])))
            ),
            ("p.md:5", Some(("composio", owned(&["demo"])))),
            ("p.md:6", None),
        ]
    );
}
