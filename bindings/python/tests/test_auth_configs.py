"""``composio.auth_configs``: create a custom GitHub app, list and get it (the secret never
returned), update, disable and enable, link an account through it, and delete it."""

from __future__ import annotations

import asyncio

import pytest

import composio_rs
from composio_rs import AsyncComposio, Composio

from conftest import Server

SECRET = "py-secret-not-shown"


def custom_github(composio: Composio) -> str:
    created = composio.auth_configs.create(
        "github",
        {
            "type": "use_custom_auth",
            "auth_scheme": "OAUTH2",
            "name": "Python app",
            "credentials": {"client_id": "Iv1.py", "client_secret": SECRET, "scopes": "repo"},
        },
    )
    assert created["is_composio_managed"] is False
    return str(created["id"])


def test_create_list_get_update_link_and_delete(composio: Composio, user_id: str) -> None:
    config_id = custom_github(composio)
    got = composio.auth_configs.get(config_id)
    assert got["type"] == "custom"
    assert got["credentials"]["client_id"] == "Iv1.py"
    assert SECRET not in repr(got)
    assert str(got["redirect_uri"]).endswith("/oauth/callback")

    page = composio.auth_configs.list(toolkit_slug="github", is_composio_managed=False)
    assert config_id in [item["id"] for item in page["items"]]

    assert composio.auth_configs.update(config_id, options={"type": "custom", "name": "Renamed"})[
        "success"
    ]
    assert composio.auth_configs.get(config_id)["name"] == "Renamed"

    assert composio.auth_configs.disable(config_id)["success"]
    with pytest.raises(composio_rs.BadRequestError):
        composio.connected_accounts.link(config_id, user_id)
    composio.auth_configs.enable(config_id)
    request = composio.connected_accounts.link(config_id, user_id)

    with pytest.raises(composio_rs.ConflictError) as conflict:
        composio.auth_configs.delete(config_id)
    assert conflict.value.status_code == 409
    composio.connected_accounts.delete(request.id)
    assert composio.auth_configs.delete(config_id)["success"]
    with pytest.raises(composio_rs.NotFoundError):
        composio.auth_configs.get(config_id)


def test_bad_options_raise_before_or_from_the_server(composio: Composio) -> None:
    with pytest.raises(ValueError):
        composio.auth_configs.create("github", {"auth_scheme": "OAUTH2"})  # no "type"
    with pytest.raises(composio_rs.BadRequestError):
        composio.auth_configs.create("github", {"type": "use_custom_auth", "auth_scheme": "OAUTH2"})


def test_async_list(server: Server) -> None:
    async def run() -> None:
        client = AsyncComposio(api_key=server.api_key, base_url=server.url)
        page = await client.auth_configs.list(toolkit_slug="gmail", is_composio_managed=True)
        assert len(page["items"]) == 1
        assert page["items"][0]["type"] == "default"

    asyncio.run(run())
