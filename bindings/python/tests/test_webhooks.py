"""Webhooks in composio_rs under the official SDK's names: ``webhooks.subscriptions.*`` and
``triggers.verify_webhook``, against deliveries really posted by the server."""

from __future__ import annotations

import asyncio
import http.server
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import composio_rs
from composio_rs import AsyncComposio, Composio

from conftest import Server

Delivery = tuple[dict[str, str], str]


class Receiver:
    """A local HTTP endpoint that records every POST and answers 200."""

    def __init__(self) -> None:
        received: queue.Queue[Delivery] = queue.Queue()
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length).decode()
                received.put(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def next(self) -> Delivery:
        return self.received.get(timeout=30)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


EVENTS = ["composio.connected_account.active", "composio.connected_account.failed"]


def test_subscription_and_verified_delivery(
    composio: Composio, server: Server, user_id: str, receiver: Receiver
) -> None:
    hooks = composio.webhooks.subscriptions
    names = [t["event_type"] for t in hooks.list_event_types()["items"]]
    assert "composio.connected_account.expired" in names, names

    sub = hooks.set(webhook_url=receiver.url, enabled_events=EVENTS)
    assert set(sub) >= {"id", "webhook_url", "version", "enabled_events", "secret"}, sub
    assert sub["version"] == "V3"
    secret = sub["secret"]
    assert secret.startswith("wsk_")
    # `set` again updates the project's one subscription.
    assert hooks.set(webhook_url=receiver.url, enabled_events=EVENTS)["id"] == sub["id"]
    assert [s["id"] for s in hooks.list(limit=10)["items"]] == [sub["id"]]
    assert hooks.get(sub["id"])["webhook_url"] == receiver.url

    try:
        session = composio.create(user_id, manage_connections=False)
        request = session.authorize("gmail")
        server.approve(request.redirect_url)
        headers, body = receiver.next()

        result = composio.triggers.verify_webhook(
            id=headers["webhook-id"],
            payload=body,
            secret=secret,
            signature=headers["webhook-signature"],
            timestamp=headers["webhook-timestamp"],
        )
        assert result["version"] == "V3"
        raw = result["raw_payload"]
        assert raw["id"] == headers["webhook-id"]
        assert raw["type"] == "composio.connected_account.active"
        assert raw["data"]["id"] == request.id
        assert raw["data"]["status"] == "ACTIVE"
        # The official SDK's normalized form of a non-trigger V3 event.
        assert result["payload"]["trigger_slug"] == raw["type"]
        assert result["payload"]["payload"] == raw["data"]

        def refused(
            payload: str = body,
            secret: str = secret,
            timestamp: str = headers["webhook-timestamp"],
        ) -> pytest.ExceptionInfo[composio_rs.ComposioError]:
            with pytest.raises(composio_rs.ComposioError) as info:
                composio.triggers.verify_webhook(
                    id=headers["webhook-id"],
                    payload=payload,
                    secret=secret,
                    signature=headers["webhook-signature"],
                    timestamp=timestamp,
                )
            return info

        tampered = refused(payload=body.replace('"ACTIVE"', '"EXPIRED"'))
        assert tampered.type is composio_rs.WebhookSignatureVerificationError
        assert getattr(tampered.value, "check") == "signature_mismatch"
        wrong = refused(secret="wsk_wrong")
        assert getattr(wrong.value, "check") == "signature_mismatch"
        stale = refused(timestamp=str(int(headers["webhook-timestamp"]) - 3600))
        assert stale.type is composio_rs.WebhookSignatureVerificationError
        assert getattr(stale.value, "check") == "timestamp_outside_tolerance"
        assert "tolerance" in str(stale.value)
        garbled = refused(timestamp="yesterday")
        assert garbled.type is composio_rs.WebhookPayloadError
        assert getattr(garbled.value, "check") == "invalid_timestamp"
        # tolerance=0 skips only the age check: the signature still has to match.
        assert composio.triggers.verify_webhook(
            id=headers["webhook-id"],
            payload=body,
            secret=secret,
            signature=headers["webhook-signature"],
            timestamp=headers["webhook-timestamp"],
            tolerance=0,
        )["raw_payload"]["id"] == raw["id"]

        # After a rotation the new secret verifies the next delivery.
        rotated = hooks.rotate_secret(sub["id"])
        assert rotated["id"] == sub["id"]
        assert rotated["secret"].startswith("wsk_") and rotated["secret"] != secret
        denied = session.authorize("github")
        server.deny(denied.redirect_url)
        headers, body = receiver.next()
        event = composio.triggers.verify_webhook(
            id=headers["webhook-id"],
            payload=body,
            secret=rotated["secret"],
            signature=headers["webhook-signature"],
            timestamp=headers["webhook-timestamp"],
        )
        assert event["raw_payload"]["type"] == "composio.connected_account.failed"

        updated = hooks.update(sub["id"], enabled_events=["composio.connected_account.expired"])
        assert updated["enabled_events"] == ["composio.connected_account.expired"]
        assert updated["webhook_url"] == receiver.url
    finally:
        hooks.delete(sub["id"])
    with pytest.raises(composio_rs.NotFoundError):
        hooks.get(sub["id"])


def test_bad_arguments_are_refused_before_sending(composio: Composio) -> None:
    hooks = composio.webhooks.subscriptions
    with pytest.raises(ValueError, match="webhook_url"):
        hooks.set(webhook_url="")
    with pytest.raises(ValueError, match="at least one"):
        hooks.set(webhook_url="https://example.com/h", enabled_events=[])
    with pytest.raises(TypeError):
        hooks.set(webhook_url="https://example.com/h", enabled_events="composio.trigger.message")
    with pytest.raises(ValueError, match="V1, V2, V3"):
        hooks.set(webhook_url="https://example.com/h", version="V9")
    with pytest.raises(ValueError):
        hooks.get("")
    with pytest.raises(composio_rs.WebhookSignatureVerificationError) as info:
        composio.triggers.verify_webhook(
            id="msg_1", payload="{}", secret="", signature="v1,x", timestamp="1"
        )
    assert getattr(info.value, "check") == "empty_secret"


def test_async_subscriptions(server: Server, receiver: Receiver) -> None:
    async def run() -> None:
        client = AsyncComposio(api_key=server.api_key, base_url=server.url)
        hooks = client.webhooks.subscriptions
        types = await hooks.list_event_types()
        assert any(t["event_type"] == "composio.connected_account.revoked" for t in types["items"])
        sub = await hooks.set(webhook_url=receiver.url, enabled_events=EVENTS)
        try:
            assert (await hooks.get(sub["id"]))["id"] == sub["id"]
            assert (await hooks.list())["items"][0]["id"] == sub["id"]
        finally:
            await hooks.delete(sub["id"])

    asyncio.run(run())


def test_create_with_multi_account(composio: Composio, server: Server, user_id: str) -> None:
    session = composio.create(
        user_id,
        manage_connections=False,
        multi_account={
            "enable": True,
            "max_accounts_per_toolkit": 2,
            "require_explicit_selection": True,
        },
    )
    assert session.config["multi_account"] == {
        "enable": True,
        "max_accounts_per_toolkit": 2,
        "require_explicit_selection": True,
    }
    for alias in ("work", "home"):
        request = session.authorize("gmail", alias=alias)
        server.approve(request.redirect_url)
        request.wait_for_connection(timeout=30.0)
    # Two active accounts and explicit selection: a call naming none lists both.
    out = session.execute("GMAIL_GET_PROFILE", {})
    assert out["successful"] is False
    assert "work" in (out["error"] or "") and "home" in (out["error"] or ""), out
    assert session.execute("GMAIL_GET_PROFILE", {}, account="home")["successful"]
    # The cap of two accounts per toolkit.
    with pytest.raises(composio_rs.ConflictError):
        session.authorize("gmail", alias="school")

    with pytest.raises(ValueError, match="2 to 10"):
        composio.create(user_id, multi_account={"enable": True, "max_accounts_per_toolkit": 11})
    no_enable: Any = {"max_accounts_per_toolkit": 3}
    with pytest.raises(ValueError, match="enable"):
        composio.create(user_id, multi_account=no_enable)
    with pytest.raises(ValueError, match="unknown multi_account key"):
        unknown: Any = {"enable": True, "max": 3}
        composio.create(user_id, multi_account=unknown)
    not_bool: Any = {"enable": "yes"}
    with pytest.raises(TypeError):
        composio.create(user_id, multi_account=not_bool)
