//! Shared helpers: the error type, locating the workspace, running commands.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Result type of every task.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A task failure: a message for the user and the process exit code to use.
#[derive(Debug)]
pub struct Error {
    message: String,
    code: u8,
}

impl Error {
    /// A failure with exit code 1.
    pub fn msg(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            code: 1,
        }
    }

    /// A failed child command; keeps its exit code (1 when it has none, e.g. killed).
    pub fn command_failed(display: &str, code: Option<i32>) -> Self {
        let message = match code {
            Some(c) => format!("`{display}` failed with exit code {c}"),
            None => format!("`{display}` was terminated by a signal"),
        };
        let code = code
            .and_then(|c| u8::try_from(c).ok())
            .filter(|c| *c != 0)
            .unwrap_or(1);
        Error { message, code }
    }

    /// The exit code `cargo xtask` should exit with.
    pub fn exit_code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Finds the workspace root: the nearest ancestor of the current directory whose
/// `Cargo.toml` has a `[workspace]` table, falling back to the parent of this crate.
pub fn workspace_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir()
        .map_err(|e| Error::msg(format!("cannot read the current directory: {e}")))?;
    for dir in cwd.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            if text.lines().any(|l| l.trim() == "[workspace]") {
                return Ok(dir.to_path_buf());
            }
        }
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::msg("cannot locate the workspace root"))
}

/// Reads a UTF-8 file, naming it in the error.
pub fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::msg(format!("cannot read {}: {e}", path.display())))
}

/// Writes a file, naming it in the error.
pub fn write(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents)
        .map_err(|e| Error::msg(format!("cannot write {}: {e}", path.display())))
}

/// The cargo binary that launched us (`$CARGO`), or `cargo` from `PATH`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Renders a command as the user would type it (program name without its directory).
pub fn display(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program())
        .file_name()
        .unwrap_or(cmd.get_program())
        .to_string_lossy()
        .into_owned();
    std::iter::once(program)
        .chain(cmd.get_args().map(quote))
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(arg: &OsStr) -> String {
    let s = arg.to_string_lossy();
    if s.is_empty() || s.contains(char::is_whitespace) {
        format!("'{s}'")
    } else {
        s.into_owned()
    }
}

/// Runs a command with inherited stdio; fails with the command's exit code.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    let status = cmd
        .status()
        .map_err(|e| Error::msg(format!("cannot run `{shown}`: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::command_failed(&shown, status.code()))
    }
}

/// Runs a command and returns its stdout; stderr is passed through.
pub fn output(cmd: &mut Command) -> Result<String> {
    let shown = display(cmd);
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Error::msg(format!("cannot run `{shown}`: {e}")))?;
    if !out.status.success() {
        return Err(Error::command_failed(&shown, out.status.code()));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| Error::msg(format!("`{shown}` printed output that is not UTF-8")))
}

/// Prints a step header: `==> step`.
pub fn step(name: &str) {
    println!("==> {name}");
}

/// A command rooted at the workspace directory.
pub fn cmd_in(root: &Path, program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(root);
    cmd
}
