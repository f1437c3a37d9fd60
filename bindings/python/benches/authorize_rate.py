"""`session.authorize(...)`: calls per second and client CPU time per call, composio_rs vs the official `composio`.

Both clients talk to the same local composio-server (sandbox mode), started from the CLI
binary built by cargo. Run from the repo root:

    cargo build --release -p composio-cli
    target/py-venv/bin/pip install composio==0.30.0   # the official SDK, for comparison
    target/py-venv/bin/python bindings/python/benches/authorize_rate.py \
        --cli target/release/composio [--calls 300] [--threads 8]

(`cargo xtask bench python` does the same.) Build `composio_rs` with
`maturin develop --release` for figures worth comparing.

Prints a small table. The official SDK is skipped (with a note) when it is not installed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[3]
LISTENING = "composio-server listening on "
TOOLKITS = ["gmail", "github", "slack", "notion", "linear", "googlecalendar"]


def start_server(cli: str, data_dir: str, key: str) -> tuple[subprocess.Popen[str], str]:
    # Measure the clients, not the server's rate limit (a served project allows 50/s).
    env = dict(os.environ, COMPOSIO_SERVER_API_KEY=key, COMPOSIO_SERVER_RATE_LIMIT="0")
    proc = subprocess.Popen(
        [cli, "--data-dir", data_dir, "serve", "--sandbox", "--port", "0"],
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
    while True:
        line = lines.get(timeout=60)
        if LISTENING in line:
            return proc, line.split(LISTENING, 1)[1].strip()


def rate(n: int, fn: Callable[[int], Any], threads: int = 1) -> float:
    for i in range(min(10, n)):  # warm up connections
        fn(i)
    start = time.perf_counter()
    if threads == 1:
        for i in range(n):
            fn(i)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(fn, range(n)))
    return n / (time.perf_counter() - start)


def cpu_us_per_call(n: int, fn: Callable[[int], Any]) -> float:
    """CPU time of this process (every thread, so the Rust runtime's too) per sequential call."""
    for i in range(min(10, n)):
        fn(i)
    start = time.process_time()
    for i in range(n):
        fn(i)
    return (time.process_time() - start) / n * 1e6


CPU = "client CPU us/call"


def bench_rs(url: str, key: str, n: int, threads: int) -> dict[str, float]:
    import composio_rs

    composio = composio_rs.Composio(api_key=key, base_url=url)
    session = composio.create("bench_rs_" + uuid.uuid4().hex[:8], manage_connections=False)

    def call(i: int) -> None:
        session.authorize(TOOLKITS[i % len(TOOLKITS)])

    out = {
        CPU: cpu_us_per_call(n, call),
        "sequential": rate(n, call),
        f"{threads} threads": rate(n, call, threads),
    }

    async def run_async() -> float:
        client = composio_rs.AsyncComposio(api_key=key, base_url=url)
        s = await client.create("bench_rs_async_" + uuid.uuid4().hex[:8], manage_connections=False)
        sem = asyncio.Semaphore(threads)

        async def one(i: int) -> None:
            async with sem:
                await s.authorize(TOOLKITS[i % len(TOOLKITS)])

        await asyncio.gather(*(one(i) for i in range(10)))
        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - start)

    out[f"asyncio ({threads} in flight)"] = asyncio.run(run_async())
    return out


def bench_official(url: str, key: str, n: int, threads: int) -> dict[str, float] | str:
    try:
        import composio
    except ImportError:
        return "not installed (pip install composio)"
    client = composio.Composio(api_key=key, base_url=url, allow_tracking=False)
    session = client.create(
        user_id="bench_py_" + uuid.uuid4().hex[:8], manage_connections=False
    )

    def call(i: int) -> None:
        session.authorize(TOOLKITS[i % len(TOOLKITS)])

    return {
        CPU: cpu_us_per_call(n, call),
        "sequential": rate(n, call),
        f"{threads} threads": rate(n, call, threads),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--cli", default=os.environ.get("COMPOSIO_CLI", str(ROOT / "target/debug/composio"))
    )
    parser.add_argument("--json", help="also write the figures to this file as JSON")
    args = parser.parse_args()
    if not Path(args.cli).exists():
        print(f"composio CLI not found at {args.cli}: cargo build -p composio-cli", file=sys.stderr)
        return 2
    key = "bench_" + secrets.token_hex(12)
    with tempfile.TemporaryDirectory() as data_dir:
        proc, url = start_server(args.cli, data_dir, key)
        try:
            rs = bench_rs(url, key, args.calls, args.threads)
            official = bench_official(url, key, args.calls, args.threads)
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    try:
        import composio as official_mod

        official_version = getattr(official_mod, "__version__", "?")
    except ImportError:
        official_version = "-"
    import composio_rs

    print(f"\nsession.authorize(): calls/s, and client CPU time per call (time.process_time), {args.calls} calls, server {args.cli} (sandbox)")
    print(f"composio_rs {composio_rs.__version__}  vs  composio (official) {official_version}\n")
    print(f"{'mode':<24}{'composio_rs':>14}{'composio':>14}{'ratio':>9}")
    print("-" * 61)
    for mode, value in rs.items():
        other = official.get(mode) if isinstance(official, dict) else None
        o = f"{other:>14.0f}" if other else f"{'-':>14}"
        r = f"{value / other:>8.2f}x" if other else f"{'':>9}"
        print(f"{mode:<24}{value:>14.0f}{o}{r}")
    if isinstance(official, dict) and official.get(CPU) and rs.get(CPU):
        print(f"\nclient CPU per call: composio_rs uses 1/{official[CPU] / rs[CPU]:.1f} of the official client's")
    if isinstance(official, str):
        print(f"\nofficial composio: {official}")
    if args.json:
        doc = {"composio_rs": rs, "composio": official, "official_version": official_version}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
