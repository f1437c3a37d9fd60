#!/usr/bin/env bash
# Builds the composio_rs extension and runs its tests against a real composio-server.
#
# Self-contained: creates (or reuses) a venv at target/py-venv, installs maturin, pytest and
# mypy, builds the CLI (which embeds composio-server) and the extension (debug, for speed),
# then runs pytest, mypy.stubtest and mypy --strict on the tests. Exits non-zero on failure.
#
#   bash bindings/python/run-tests.sh            # from anywhere in the repo
#   PYTHON=python3.12 bash bindings/python/run-tests.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$TARGET_DIR/py-venv"

step() { printf '\n==> %s\n' "$*"; }

step "venv at $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
"$VPY" -m pip install -q --disable-pip-version-check --upgrade "maturin>=1.7,<2" "pytest>=7" "mypy>=1.10"

step "cargo build -p composio-cli (the test server)"
cargo build -q -p composio-cli
export COMPOSIO_CLI="$TARGET_DIR/debug/composio"
test -x "$COMPOSIO_CLI"

step "maturin develop (composio_rs, debug)"
# maturin installs into the venv it runs from.
(cd "$HERE" && VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" develop -q)

step "pytest bindings/python/tests"
"$VPY" -m pytest "$HERE/tests" -q -p no:cacheprovider

step "mypy.stubtest composio_rs"
"$VPY" -m mypy.stubtest composio_rs

step "mypy --strict bindings/python/tests (the stubs as users see them)"
(cd "$HERE/tests" && "$VPY" -m mypy --strict --no-incremental --cache-dir=/dev/null .)

step "composio_rs: all checks passed"
