"""The hand-written stubs match the extension (mypy.stubtest) and ship with the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import composio_rs

HERE = Path(__file__).resolve().parent


def test_stubs_and_marker_are_installed() -> None:
    package = Path(composio_rs.__file__).parent
    assert (package / "__init__.pyi").is_file()
    assert (package / "py.typed").is_file()


def test_stubtest() -> None:
    allowlist = HERE.parent / "stubtest-allowlist.txt"
    cmd = [sys.executable, "-m", "mypy.stubtest", "composio_rs"]
    if allowlist.exists():
        cmd += ["--allowlist", str(allowlist)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
