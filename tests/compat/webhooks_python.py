"""The official `composio` Python SDK (0.30.0), unmodified, with composio-server's webhooks.

Subscribes with `composio.webhooks.subscriptions.set`, runs a Connect Link that is approved
and one that is denied, and verifies every delivery the server posts to a local receiver with
`composio.triggers.verify_webhook`; a tampered body, a wrong secret and a stale timestamp are
refused. Needs COMPOSIO_API_KEY, COMPOSIO_BASE_URL and COMPOSIO_CLI (for `composio sandbox`).
"""

import http.server
import os
import queue
import subprocess
import sys
import threading
import time

os.environ.setdefault("COMPOSIO_DISABLE_TELEMETRY", "true")

from composio import Composio  # noqa: E402
from composio import exceptions  # noqa: E402

received: "queue.Queue[tuple[dict, str]]" = queue.Queue()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        received.put(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def sandbox(action: str, link: str) -> None:
    subprocess.run(
        [os.environ["COMPOSIO_CLI"], "sandbox", action, link],
        check=True, capture_output=True, text=True, timeout=60,
    )


def next_delivery() -> "tuple[dict, str]":
    return received.get(timeout=20)


def main() -> int:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"

    composio = Composio(
        api_key=os.environ["COMPOSIO_API_KEY"],
        base_url=os.environ["COMPOSIO_BASE_URL"],
        allow_tracking=False,
    )
    types = composio.webhooks.subscriptions.list_event_types()
    names = [t.event_type for t in types.items]
    assert "composio.connected_account.expired" in names, names
    sub = composio.webhooks.subscriptions.set(
        webhook_url=url,
        enabled_events=["composio.connected_account.active", "composio.connected_account.failed"],
    )
    secret = sub["secret"]
    assert secret.startswith("wsk_"), sub
    # `set` again updates the one subscription.
    again = composio.webhooks.subscriptions.set(
        webhook_url=url,
        enabled_events=["composio.connected_account.active", "composio.connected_account.failed"],
    )
    assert again["id"] == sub["id"], (sub, again)

    session = composio.create(user_id="py_hook_user", manage_connections=False)
    approved = session.authorize("gmail")
    sandbox("approve", approved.redirect_url)
    denied = session.authorize("github")
    sandbox("deny", denied.redirect_url)

    seen = {}
    for _ in range(2):
        headers, body = next_delivery()
        result = composio.triggers.verify_webhook(
            id=headers["webhook-id"],
            payload=body,
            secret=secret,
            signature=headers["webhook-signature"],
            timestamp=headers["webhook-timestamp"],
        )
        assert result["version"] == "V3", result
        raw = result["raw_payload"]
        assert raw["id"] == headers["webhook-id"], raw
        seen[raw["type"]] = raw["data"]
        print(f"verified {raw['type']} {raw['id']} for {raw['data']['id']}")

        for bad in [
            dict(payload=body.replace('"status"', '"statvs"'), secret=secret, timestamp=headers["webhook-timestamp"]),
            dict(payload=body, secret="wsk_wrong", timestamp=headers["webhook-timestamp"]),
            dict(payload=body, secret=secret, timestamp=str(int(headers["webhook-timestamp"]) - 3600)),
        ]:
            try:
                composio.triggers.verify_webhook(
                    id=headers["webhook-id"], signature=headers["webhook-signature"], **bad
                )
            except exceptions.WebhookSignatureVerificationError:
                pass
            else:
                raise AssertionError(f"accepted a bad delivery: {bad}")

    assert seen["composio.connected_account.active"]["id"] == approved.id, seen
    assert seen["composio.connected_account.active"]["status"] == "ACTIVE", seen
    assert seen["composio.connected_account.failed"]["status"] == "FAILED", seen
    composio.webhooks.subscriptions.delete(sub["id"])
    server.shutdown()
    print("official Python SDK webhooks: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
