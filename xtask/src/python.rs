//! The Python side shared by `ci` and `dist`: the binding's location and a
//! virtualenv under `target/py-venv` holding maturin, pytest and mypy.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{self, Result};

/// The virtualenv used by the tasks, relative to the workspace root.
pub const VENV: &str = "target/py-venv";

/// The binding crate's manifest, relative to the workspace root.
pub const MANIFEST: &str = "bindings/python/Cargo.toml";

/// Whether the Python binding exists in this checkout.
pub fn bindings_exist(root: &Path) -> bool {
    root.join(MANIFEST).is_file()
}

/// A virtualenv whose tools are run with `VIRTUAL_ENV` set and its bin dir first on `PATH`.
pub struct Venv {
    root: PathBuf,
    dir: PathBuf,
}

impl Venv {
    /// Creates `target/py-venv` if needed (with `$PYTHON`, else `python3`/`python`)
    /// and pip-installs whichever of `packages` is missing.
    pub fn ensure(root: &Path, packages: &[&str]) -> Result<Venv> {
        let venv = Venv {
            root: root.to_path_buf(),
            dir: root.join(VENV),
        };
        if !venv.python().is_file() {
            let python = std::env::var("PYTHON")
                .unwrap_or_else(|_| if cfg!(windows) { "python" } else { "python3" }.to_owned());
            util::step(&format!("{python} -m venv {VENV}"));
            util::run(util::cmd_in(root, python).args(["-m", "venv", VENV]))?;
        }
        let missing: Vec<&str> = packages
            .iter()
            .copied()
            .filter(|p| !venv.has_package(p))
            .collect();
        if !missing.is_empty() {
            util::step(&format!("pip install {}", missing.join(" ")));
            util::run(
                venv.command(venv.python())
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                    ])
                    .args(&missing),
            )?;
        }
        Ok(venv)
    }

    fn has_package(&self, name: &str) -> bool {
        self.command(self.python())
            .args(["-m", "pip", "show", "--quiet", name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Path of an executable inside the venv (`bin/` or `Scripts\` on Windows).
    pub fn bin(&self, name: &str) -> PathBuf {
        if cfg!(windows) {
            self.dir.join("Scripts").join(format!("{name}.exe"))
        } else {
            self.dir.join("bin").join(name)
        }
    }

    /// The venv's interpreter.
    pub fn python(&self) -> PathBuf {
        self.bin("python")
    }

    /// A command run from the workspace root inside the venv.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = util::cmd_in(&self.root, program);
        let bin_dir = self
            .python()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut path = OsString::from(bin_dir.as_os_str());
        if let Some(old) = std::env::var_os("PATH") {
            path.push(if cfg!(windows) { ";" } else { ":" });
            path.push(old);
        }
        cmd.env("VIRTUAL_ENV", &self.dir).env("PATH", path);
        cmd
    }
}
