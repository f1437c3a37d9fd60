"""The official `composio` Python SDK (0.30.0), unmodified: callback identity verification
(docs/spec/wire-2026.md §21.2) against composio-server.

Starts its own composio-server whose project has an `oauth_callback_verifier_url`, approves a
Gmail Connect Link in the sandbox (landing on the verifier URL with `session_uri`), then
`composio.connected_accounts.complete_auth(user_id=, session_uri=)`: the owner activates the
account; a second redemption and another user's attempt are refused. Prints every official
call that passed. Needs COMPOSIO_CLI (for `composio serve` and `composio sandbox`).
"""

import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import parse_qs, urlsplit

os.environ.setdefault("COMPOSIO_DISABLE_TELEMETRY", "true")

from composio import Composio  # noqa: E402

VERIFIER = "https://app.example.com/composio/verify"
passed: "list[str]" = []


def ok(call: str) -> None:
    passed.append(call)
    print(f"  ok  {call}")


def approve(link: str) -> str:
    out = subprocess.run(
        [os.environ["COMPOSIO_CLI"], "sandbox", "approve", link],
        check=True, capture_output=True, text=True, timeout=60,
    )
    return [line for line in out.stdout.splitlines() if line.strip()][-1].strip()


def start_server(work: str, key: str) -> "tuple[subprocess.Popen[str], str]":
    config = os.path.join(work, "server.toml")
    with open(config, "w") as f:
        f.write(f'sandbox = true\n[[projects]]\nname = "verify"\noauth_callback_verifier_url = "{VERIFIER}"\n')
    log = open(os.path.join(work, "server.log"), "w+")
    env = dict(os.environ, COMPOSIO_SERVER_API_KEY=key)
    proc = subprocess.Popen(
        [os.environ["COMPOSIO_CLI"], "--data-dir", os.path.join(work, "data"), "serve",
         "--sandbox", "--port", "0", "--config", config],
        stdout=log, stderr=subprocess.STDOUT, text=True, env=env,
    )
    for _ in range(200):
        log.seek(0)
        m = re.search(r"listening on (http://[0-9.:]+)", log.read())
        if m:
            return proc, m.group(1)
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("composio-server did not start")


def expect_error(call, status: int) -> None:  # type: ignore[no-untyped-def]
    try:
        call()
    except Exception as e:  # the SDK raises its HTTP client's status errors
        got = getattr(e, "status_code", None) or getattr(getattr(e, "response", None), "status_code", None)
        assert got == status, f"expected HTTP {status}, got {e!r}"
        return
    raise AssertionError(f"expected HTTP {status}, the call succeeded")


def main() -> int:
    key = "csk_compat_verify_" + secrets.token_hex(8)
    with tempfile.TemporaryDirectory() as work:
        proc, url = start_server(work, key)
        try:
            composio = Composio(api_key=key, base_url=url, allow_tracking=False)
            user = "py_verify_" + uuid.uuid4().hex[:8]
            session = composio.create(user_id=user, manage_connections=False)

            def approved() -> "tuple[str, str]":
                request = session.authorize("gmail", callback_url="https://app.example.com/cb")
                landed = approve(request.redirect_url)
                assert landed.startswith(VERIFIER + "?session_uri="), landed
                return request.id, parse_qs(urlsplit(landed).query)["session_uri"][0]

            account_id, session_uri = approved()
            assert composio.connected_accounts.get(account_id).status == "INITIATED"
            ok("session.authorize(...) lands on the verifier URL with session_uri")

            done = composio.connected_accounts.complete_auth(user_id=user, session_uri=session_uri)
            got = done if isinstance(done, dict) else done.model_dump() if hasattr(done, "model_dump") else vars(done)
            assert got["connected_account_id"] == account_id, got
            assert got["toolkit_slug"] == "gmail", got
            assert composio.connected_accounts.get(account_id).status == "ACTIVE"
            ok("connected_accounts.complete_auth(user_id=, session_uri=) -> ACTIVE")

            expect_error(lambda: composio.connected_accounts.complete_auth(user_id=user, session_uri=session_uri), 404)
            ok("complete_auth with a redeemed session_uri -> 404")

            account_id, session_uri = approved()
            expect_error(lambda: composio.connected_accounts.complete_auth(user_id="someone_else", session_uri=session_uri), 400)
            assert composio.connected_accounts.get(account_id).status == "FAILED"
            ok("complete_auth for another user -> 400, account FAILED")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"official composio SDK: {len(passed)} complete_auth checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
