"""The catalog with the official SDK's names: ``composio.toolkits.get/list``,
``composio.tools.get`` and ``get_raw_composio_tool_by_slug``, and ``session.search``."""

from __future__ import annotations

import asyncio

import pytest

import composio_rs
from composio_rs import AsyncComposio, Composio

from conftest import Server


def test_toolkits_get_one_and_pages(composio: Composio) -> None:
    gmail = composio.toolkits.get("gmail")
    assert gmail["slug"] == "gmail"
    assert gmail["auth_schemes"] == ["OAUTH2"]
    creation = gmail["auth_config_details"][0]["fields"]["auth_config_creation"]
    assert creation["required"][0]["name"] == "client_id"
    serpapi = composio.toolkits.get("serpapi")
    initiation = serpapi["auth_config_details"][0]["fields"]["connected_account_initiation"]
    assert initiation["required"][0]["name"] == "api_key"
    with pytest.raises(composio_rs.NotFoundError):
        composio.toolkits.get("gmial")

    page = composio.toolkits.list(category="productivity")
    assert [t["slug"] for t in page["items"]] == ["linear", "notion"]
    assert "next_cursor" in page
    items = composio.toolkits.get(query={"category": "productivity"})
    assert [t["slug"] for t in items] == ["linear", "notion"]
    every = [t["slug"] for t in composio.toolkits.get()]
    assert {"gmail", "github", "linear", "notion"} <= set(every)
    first = composio.toolkits.list(limit=1)
    assert len(first["items"]) == 1

    with pytest.raises(ValueError, match="unknown key"):
        composio.toolkits.get(query={"catgory": "x"})  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="not both"):
        composio.toolkits.get("gmail", query={"limit": 1})  # type: ignore[call-overload]


def test_tools_get_filters_and_raw_tool(composio: Composio, user_id: str) -> None:
    tools = composio.tools.get(user_id, toolkits=["gmail"])
    assert [t["slug"] for t in tools] == ["GMAIL_GET_PROFILE", "GMAIL_FETCH_EMAILS"]
    assert tools[1]["input_parameters"]["type"] == "object"

    assert [t["slug"] for t in composio.tools.get(user_id, tools=["GMAIL_FETCH_EMAILS"])] == [
        "GMAIL_FETCH_EMAILS"
    ]
    assert [t["slug"] for t in composio.tools.get(user_id, slug="GMAIL_GET_PROFILE")] == [
        "GMAIL_GET_PROFILE"
    ]
    found = composio.tools.get(user_id, search="fetch my emails")
    assert found[0]["slug"] == "GMAIL_FETCH_EMAILS"
    assert len(composio.tools.get(user_id, toolkits=["gmail"], limit=1)) == 1

    one = composio.tools.get_raw_composio_tool_by_slug("GMAIL_GET_PROFILE")
    assert one["toolkit"]["slug"] == "gmail"
    with pytest.raises(composio_rs.NotFoundError):
        composio.tools.get_raw_composio_tool_by_slug("GMAIL_NOPE")

    with pytest.raises(ValueError, match="name a slug"):
        composio.tools.get(user_id)
    with pytest.raises(TypeError, match="single str"):
        composio.tools.get(user_id, toolkits="gmail")
    with pytest.raises(ValueError):
        composio.tools.get("", toolkits=["gmail"])


def test_session_search_sees_every_account(
    composio: Composio, server: Server, user_id: str
) -> None:
    session = composio.create(
        user_id, multi_account={"enable": True, "require_explicit_selection": True}
    )
    for alias in ["work", "home"]:
        request = session.authorize("gmail", alias=alias)
        server.approve(request.redirect_url)
        request.wait_for_connection(timeout=30.0)

    found = session.search(query="fetch my emails from today")
    assert found["success"] is True
    assert found["results"][0]["primary_tool_slugs"][0] == "GMAIL_FETCH_EMAILS"
    gmail = found["toolkit_connection_statuses"][0]
    assert gmail["toolkit"] == "gmail"
    assert gmail["account_selection"] == "required"
    assert sorted(a["alias"] for a in gmail["accounts"]) == ["home", "work"]
    with pytest.raises(ValueError, match="query"):
        session.search(query="  ")


def test_async_catalog_and_search(server: Server, user_id: str) -> None:
    async def run() -> None:
        composio = AsyncComposio(api_key=server.api_key, base_url=server.url)
        gmail = await composio.toolkits.get("gmail")
        assert gmail["slug"] == "gmail"
        page = await composio.toolkits.list(category="productivity")
        assert [t["slug"] for t in page["items"]] == ["linear", "notion"]
        assert len(await composio.toolkits.get(query={"limit": 2})) == 2
        tools = await composio.tools.get(user_id, toolkits=["gmail"])
        assert len(tools) == 2
        raw = await composio.tools.get_raw_composio_tool_by_slug("GMAIL_FETCH_EMAILS")
        assert raw["slug"] == "GMAIL_FETCH_EMAILS"
        session = await composio.create(user_id)
        found = await session.search(query="fetch my emails")
        assert found["results"][0]["primary_tool_slugs"][0] == "GMAIL_FETCH_EMAILS"

    asyncio.run(run())
