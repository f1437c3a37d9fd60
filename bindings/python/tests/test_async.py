"""The async twins: AsyncComposio / AsyncSession / AsyncConnectionRequest on asyncio."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs, urlparse

import pytest

import composio_rs
from composio_rs import AsyncComposio

from conftest import Server


def client(server: Server) -> AsyncComposio:
    return AsyncComposio(api_key=server.api_key, base_url=server.url)


def test_async_manual_flow(server: Server, user_id: str) -> None:
    async def main() -> None:
        composio = client(server)
        session = await composio.create(user_id, manage_connections=False)
        assert isinstance(session, composio_rs.AsyncSession)
        before = await session.toolkits(toolkits=["gmail"])
        assert before.items[0].connection is not None
        assert before.items[0].connection.connected_account is None

        request = await session.authorize(
            "gmail", callback_url="https://your-app.com/callback?user_id=user_123"
        )
        assert isinstance(request, composio_rs.AsyncConnectionRequest)
        assert request.status == "INITIATED"
        # The CLI is a blocking subprocess: run it off the loop.
        landed = await asyncio.to_thread(server.approve, request.redirect_url)
        query = parse_qs(urlparse(landed).query)
        assert query["status"] == ["success"]
        assert query["connected_account_id"] == [request.id]

        account = await request.wait_for_connection(timeout=30.0)
        assert account.id == request.id
        assert account.status == "ACTIVE"

        after = await session.toolkits(is_connected=True)
        assert [t.slug for t in after.items] == ["gmail"]
        again = await composio.use_session(session.session_id)
        assert again.session_id == session.session_id
        tools = await session.tools()
        assert any(t.slug == "COMPOSIO_SEARCH_TOOLS" for t in tools)
        got = await composio.connected_accounts.get(request.id)
        assert got.status == "ACTIVE"
        page = await composio.connected_accounts.list(user_ids=[user_id])
        assert [a.id for a in page.items] == [request.id]

    asyncio.run(main())


def test_async_deny_and_timeout(server: Server, user_id: str) -> None:
    async def main() -> None:
        composio = client(server)
        session = await composio.create(user_id, manage_connections=False)
        denied = await session.authorize("github")
        await asyncio.to_thread(server.deny, denied.redirect_url)
        with pytest.raises(composio_rs.ConnectionRequestFailedError) as failed:
            await denied.wait_for_connection(timeout=30.0)
        assert failed.value.status == "FAILED"

        pending = await session.authorize("slack")
        with pytest.raises(TimeoutError) as timed_out:
            await pending.wait_for_connection(timeout=0.3)
        assert isinstance(timed_out.value, composio_rs.ConnectionRequestTimeoutError)

        with pytest.raises(composio_rs.ApiError) as api:
            await session.authorize("gmial")
        assert api.value.status_code in (400, 404)

    asyncio.run(main())


def test_async_waits_run_concurrently(server: Server, user_id: str) -> None:
    """Three 0.5 s waits on one loop finish in about 0.5 s, not 1.5 s."""

    async def main() -> float:
        composio = client(server)
        session = await composio.create(user_id, manage_connections=False)
        requests = [await session.authorize(slug) for slug in ("gmail", "github", "slack")]
        start = time.perf_counter()
        results = await asyncio.gather(
            *(r.wait_for_connection(timeout=0.5) for r in requests), return_exceptions=True
        )
        elapsed = time.perf_counter() - start
        assert all(isinstance(r, composio_rs.ConnectionRequestTimeoutError) for r in results)
        return elapsed

    assert asyncio.run(main()) < 1.2


def test_async_bad_arguments_raise_before_awaiting(server: Server) -> None:
    async def main() -> None:
        composio = client(server)
        with pytest.raises(ValueError):
            composio.create("")
        with pytest.raises(TypeError):
            composio.create("u", manage_connections="yes")  # type: ignore[arg-type]

    asyncio.run(main())


def test_async_wait_can_be_cancelled(server: Server, user_id: str) -> None:
    async def main() -> None:
        composio = client(server)
        session = await composio.create(user_id, manage_connections=False)
        request = await session.authorize("gmail")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(request.wait_for_connection(timeout=30.0), timeout=0.3)
        # The client still works afterwards.
        account = await composio.connected_accounts.get(request.id)
        assert account.status == "INITIATED"

    start = time.perf_counter()
    asyncio.run(main())
    assert time.perf_counter() - start < 5.0
