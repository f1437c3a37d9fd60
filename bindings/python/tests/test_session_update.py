"""Session update and reuse (spec §19): update(), list_config_history(), use(id), and
SessionConfigConflictError, sync and asyncio, against composio-server."""

from __future__ import annotations

import asyncio

import pytest

import composio_rs
from composio_rs import AsyncComposio, Composio, SessionConfigConflictError

from conftest import Server


def test_update_reuse_and_history(composio: Composio, user_id: str) -> None:
    session = composio.create(
        user_id, toolkits=["gmail"], auth_configs={"gmail": "ac_old", "github": "ac_gh"}
    )
    assert session.config_version == 1
    assert "COMPOSIO_WAIT_FOR_CONNECTIONS" not in session.tool_router_tools

    config = session.update(
        toolkits={"enable": ["gmail", "slack"]},
        auth_configs={"gmail": "ac_new"},
        multi_account={"enable": True, "max_accounts_per_toolkit": 4},
        manage_connections={"enable_wait_for_connections": True},
        expected_config_version=session.config_version,
    )
    assert config["auth_configs"] == {"gmail": "ac_new"}, "maps replace"
    assert config["toolkits"] == {"enabled": ["gmail", "slack"]}
    assert config["multi_account"] == {"enable": True, "max_accounts_per_toolkit": 4}
    assert session.config_version == 2
    assert session.config == config
    assert "COMPOSIO_WAIT_FOR_CONNECTIONS" in session.tool_router_tools

    # Reuse by id.
    again = composio.use(session.session_id)
    assert again.config_version == 2
    assert again.config == session.config

    # A stale precondition.
    with pytest.raises(SessionConfigConflictError) as info:
        again.update(toolkits=None, expected_config_version=1)
    err = info.value
    assert isinstance(err, composio_rs.ConflictError)
    assert err.status_code == 409
    assert err.session_id == session.session_id
    assert err.expected_config_version == 1
    assert err.current_config_version == 2
    assert err.slug == "ToolRouterSession_ConfigVersionConflict"
    assert again.config_version == 2, "unchanged on conflict"

    # None removes an override; omitted keeps; False sends no precondition.
    config = again.update(toolkits=None, expected_config_version=False)
    assert "toolkits" not in config
    assert config["auth_configs"] == {"gmail": "ac_new"}
    assert again.config_version == 3

    page = session.list_config_history(limit=2)
    assert [(i.version, i.is_current) for i in page.items] == [(3, True), (2, False)]
    assert page.total_items == 3
    assert page.next_cursor is not None
    rest = session.list_config_history(limit=2, cursor=page.next_cursor)
    assert [i.version for i in rest.items] == [1]
    assert rest.items[0].config["auth_configs"] == {"gmail": "ac_old", "github": "ac_gh"}
    assert rest.next_cursor is None


def test_update_argument_errors(composio: Composio, user_id: str) -> None:
    session = composio.create(user_id)
    with pytest.raises(ValueError):
        session.update(instant=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        session.update(expected_config_version=0)
    with pytest.raises(ValueError):
        session.update(sandbox={}, workbench={})
    with pytest.raises(TypeError):
        session.update(user_id="someone")  # type: ignore[call-arg]
    with pytest.raises(composio_rs.BadRequestError) as info:
        session.update(multi_account={"max_accounts_per_toolkit": 11})
    assert info.value.slug == "HTTP_BadRequest"
    with pytest.raises(ValueError):
        session.list_config_history(limit=0)
    assert session.config_version == 1


def test_async_update_and_history(server: Server, user_id: str) -> None:
    async def main() -> None:
        client = AsyncComposio(api_key=server.api_key, base_url=server.url)
        session = await client.create(user_id, manage_connections=False)
        config = await session.update(
            manage_connections={"enable": True, "callback_url": "https://app.example.com/cb"}
        )
        assert config["manage_connections"]["callback_url"] == "https://app.example.com/cb"
        assert session.config_version == 2
        again = await client.use(session.session_id)
        assert again.config_version == 2
        with pytest.raises(SessionConfigConflictError):
            await again.update(preload={"tools": []}, expected_config_version=1)
        page = await session.list_config_history()
        assert [i.version for i in page.items] == [2, 1]
        assert page.items[0].is_current

    asyncio.run(main())
