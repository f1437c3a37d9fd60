"""Fixtures: a real composio-server (sandbox mode) started from the CLI binary built by cargo.

`COMPOSIO_CLI` names the binary (run-tests.sh sets it); the default is
`<repo>/target/debug/composio`. Connect Links are answered "as a browser would" with
`composio sandbox approve|deny <redirect_url>`.
"""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import subprocess
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import composio_rs

REPO = Path(__file__).resolve().parents[3]
LISTENING = "composio-server listening on "


def cli_path() -> str:
    path = os.environ.get("COMPOSIO_CLI") or str(REPO / "target" / "debug" / "composio")
    if not Path(path).exists() and "COMPOSIO_CLI" not in os.environ:
        # Build it, so that a bare `pytest bindings/python/tests` works too.
        subprocess.run(["cargo", "build", "-q", "-p", "composio-cli"], cwd=REPO, check=False)
    if not Path(path).exists():
        pytest.fail(f"composio CLI not found at {path}: run `cargo build -p composio-cli`")
    return path


@dataclass
class Server:
    url: str
    api_key: str
    cli: str

    def approve(self, redirect_url: str) -> str:
        """Follows the Connect Link and presses Approve; returns the landed URL."""
        return self._answer("approve", redirect_url)

    def deny(self, redirect_url: str) -> str:
        """Follows the Connect Link and presses Deny; returns the landed URL."""
        return self._answer("deny", redirect_url)

    def _answer(self, verb: str, redirect_url: str) -> str:
        out = subprocess.run(
            [self.cli, "sandbox", verb, redirect_url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert out.returncode == 0, f"sandbox {verb} failed: {out.stderr}"
        lines = [line for line in out.stdout.splitlines() if line.strip()]
        assert lines, f"sandbox {verb} printed nothing"
        return lines[-1].strip()


@contextlib.contextmanager
def running_server(data_dir: Path, extra_args: Sequence[str] = ()) -> Iterator[Server]:
    """A `composio serve --sandbox` in `data_dir` (with `extra_args`, e.g. `--config`)."""
    cli = cli_path()
    key = "test_" + secrets.token_hex(16)
    env = dict(os.environ)
    env["COMPOSIO_SERVER_API_KEY"] = key
    env.pop("COMPOSIO_API_KEY", None)
    proc = subprocess.Popen(
        [cli, "--data-dir", str(data_dir), "serve", "--sandbox", "--port", "0", *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    url = None
    seen = []
    try:
        while url is None:
            try:
                line = lines.get(timeout=60)
            except queue.Empty:
                break
            seen.append(line)
            if LISTENING in line:
                url = line.split(LISTENING, 1)[1].strip()
        if url is None:
            proc.kill()
            pytest.fail("composio-server did not start:\n" + "".join(seen))
        yield Server(url=url, api_key=key, cli=cli)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("composio-data")) as s:
        yield s


@pytest.fixture
def composio(server: Server) -> composio_rs.Composio:
    return composio_rs.Composio(api_key=server.api_key, base_url=server.url)


@pytest.fixture
def user_id() -> str:
    return "user_" + uuid.uuid4().hex[:12]
