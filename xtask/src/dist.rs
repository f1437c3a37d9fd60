//! `cargo xtask dist`: abi3 wheels and an sdist of the Python binding in `target/dist`.
//!
//! The abi3 tag comes from the binding crate's `pyo3` features (`abi3-py3x`), so
//! one wheel per platform serves every supported CPython.

use std::path::Path;

use crate::python::{self, Venv};
use crate::util::{self, Error, Result};

/// Output directory of wheels and sdist, relative to the workspace root.
pub const DIST: &str = "target/dist";

/// Builds the release wheel for this platform and the sdist.
pub fn run(root: &Path) -> Result<()> {
    if !python::bindings_exist(root) {
        return Err(Error::msg(format!(
            "nothing to build: {} does not exist yet (the Python binding lives in bindings/python)",
            python::MANIFEST
        )));
    }
    util::step(&format!("python venv ({})", python::VENV));
    let venv = Venv::ensure(root, &["maturin"])?;
    let maturin = venv.bin("maturin");

    util::step(&format!(
        "maturin build --release -m {} -o {DIST}",
        python::MANIFEST
    ));
    util::run(venv.command(&maturin).args([
        "build",
        "--release",
        "-m",
        python::MANIFEST,
        "-o",
        DIST,
    ]))?;

    util::step(&format!("maturin sdist -m {} -o {DIST}", python::MANIFEST));
    util::run(
        venv.command(&maturin)
            .args(["sdist", "-m", python::MANIFEST, "-o", DIST]),
    )?;

    println!("dist: artifacts in {DIST}:");
    if let Ok(entries) = std::fs::read_dir(root.join(DIST)) {
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            println!("  {name}");
        }
    }
    Ok(())
}
