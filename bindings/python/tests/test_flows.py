"""The flows of the authentication docs, end to end against composio-server (sync API)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

import composio_rs
from composio_rs import Composio

from conftest import Server


def test_manual_flow_with_callback_url(composio: Composio, server: Server, user_id: str) -> None:
    session = composio.create(user_id, manage_connections=False)
    assert session.session_id
    assert session.user_id == user_id
    assert session.mcp.type == "http"
    assert session.mcp.url.endswith(f"/tool_router/{session.session_id}/mcp")
    assert "COMPOSIO_MANAGE_CONNECTIONS" not in session.tool_router_tools

    callback = "https://your-app.com/callback?user_id=user_123&source=onboarding"
    request = session.authorize("gmail", callback_url=callback)
    assert request.status == "INITIATED"
    assert request.id.startswith("ca_")
    assert request.redirect_url.startswith("http")

    landed = server.approve(request.redirect_url)
    assert landed.startswith("https://your-app.com/callback?")
    query = parse_qs(urlparse(landed).query)
    assert query["user_id"] == ["user_123"]
    assert query["source"] == ["onboarding"]
    assert query["status"] == ["success"]
    assert query["connected_account_id"] == [request.id]

    result = composio_rs.parse_callback_url(landed)
    assert result.status == "success"
    assert result.is_success
    assert result.connected_account_id == request.id
    assert result.error is None

    account = request.wait_for_connection(timeout=30.0)
    assert account.id == request.id
    assert account.status == "ACTIVE"
    assert account.toolkit.slug == "gmail"
    assert account.user_id == user_id
    assert account.is_disabled is False
    assert account.created_at and account.updated_at
    assert account.to_dict()["id"] == request.id


def test_deny_raises_connection_request_failed(
    composio: Composio, server: Server, user_id: str
) -> None:
    session = composio.create(user_id, manage_connections=False)
    request = session.authorize("github", callback_url="https://app.example.com/cb")
    landed = server.deny(request.redirect_url)
    result = composio_rs.parse_callback_url(landed)
    assert result.status == "failed"
    assert not result.is_success
    assert result.connected_account_id == request.id

    with pytest.raises(composio_rs.ConnectionRequestFailedError) as info:
        request.wait_for_connection(timeout=30.0)
    err = info.value
    assert isinstance(err, composio_rs.ComposioError)
    assert err.status == "FAILED"
    assert err.connected_account_id == request.id
    assert err.status_reason


def test_timeout_raises_connection_request_timeout(composio: Composio, user_id: str) -> None:
    session = composio.create(user_id, manage_connections=False)
    request = session.authorize("slack")
    with pytest.raises(composio_rs.ConnectionRequestTimeoutError) as info:
        request.wait_for_connection(timeout=0.5)
    err = info.value
    assert isinstance(err, TimeoutError)
    assert isinstance(err, composio_rs.ComposioError)
    assert err.connected_account_id == request.id
    assert err.timeout == pytest.approx(0.5)


def test_unknown_toolkit_raises_api_error(composio: Composio, user_id: str) -> None:
    session = composio.create(user_id, manage_connections=False)
    with pytest.raises(composio_rs.ApiError) as info:
        session.authorize("gmial")
    err = info.value
    assert isinstance(err, (composio_rs.NotFoundError, composio_rs.BadRequestError))
    assert err.status_code in (400, 404)
    assert isinstance(err.message, str) and err.message
    assert err.request_id is None or isinstance(err.request_id, str)
    assert "gmial" in str(err)


def test_unknown_session_is_not_found(composio: Composio) -> None:
    with pytest.raises(composio_rs.NotFoundError) as info:
        composio.use_session("trs_doesnotexist")
    assert info.value.status_code == 404


def test_wrong_api_key_is_authentication_error(server: Server, user_id: str) -> None:
    bad = Composio(api_key="not-the-key", base_url=server.url)
    with pytest.raises(composio_rs.AuthenticationError) as info:
        bad.create(user_id)
    assert info.value.status_code == 401


def test_toolkits_status_before_and_after(composio: Composio, server: Server, user_id: str) -> None:
    session = composio.create(user_id, manage_connections=False, toolkits=["gmail", "github"])
    page = session.toolkits()
    by_slug = {t.slug: t for t in page.items}
    assert set(by_slug) == {"gmail", "github"}
    assert page.total_pages is not None and page.total_pages >= 1
    gmail = by_slug["gmail"]
    assert gmail.name
    assert gmail.is_no_auth is False
    assert gmail.connection is not None
    assert gmail.connection.is_active is False
    assert gmail.connection.connected_account is None

    request = session.authorize("gmail")
    server.approve(request.redirect_url)
    request.wait_for_connection(timeout=30.0)

    after = {t.slug: t for t in session.toolkits().items}
    conn = after["gmail"].connection
    assert conn is not None and conn.is_active
    assert conn.connected_account is not None
    assert conn.connected_account.id == request.id
    assert conn.connected_account.status == "ACTIVE"
    assert conn.auth_config is not None and conn.auth_config.id
    assert after["github"].connection is not None
    assert after["github"].connection.connected_account is None

    connected = session.toolkits(is_connected=True)
    assert [t.slug for t in connected.items] == ["gmail"]
    only = session.toolkits(toolkits=["github"], limit=10)
    assert [t.slug for t in only.items] == ["github"]


def test_no_auth_toolkit_has_no_connection(composio: Composio, user_id: str) -> None:
    session = composio.create(user_id, toolkits=["hackernews"])
    items = session.toolkits().items
    assert len(items) == 1
    assert items[0].is_no_auth is True
    assert items[0].connection is None


def test_putting_it_all_together(composio: Composio, server: Server, user_id: str) -> None:
    required = ["gmail", "github"]
    session = composio.create(user_id, manage_connections=False)
    connected = [
        t.slug
        for t in session.toolkits().items
        if t.connection is not None and t.connection.connected_account is not None
    ]
    pending = [slug for slug in required if slug not in connected]
    assert pending == required
    for slug in pending:
        request = session.authorize(slug)
        server.approve(request.redirect_url)
        request.wait_for_connection()
    connected_now = session.toolkits(is_connected=True).items
    assert sorted(t.slug for t in connected_now) == sorted(required)


def test_use_session_and_mcp_headers(composio: Composio, server: Server, user_id: str) -> None:
    session = composio.create(
        user_id,
        manage_connections={"enable": True, "callback_url": "https://yourapp.com/chat"},
    )
    assert "COMPOSIO_MANAGE_CONNECTIONS" in session.tool_router_tools
    again = composio.use_session(session.session_id)
    assert again.session_id == session.session_id
    assert again.mcp.url == session.mcp.url
    assert again.mcp.headers == {"x-api-key": server.api_key}
    assert server.api_key not in repr(again.mcp)
    assert server.api_key not in repr(composio)
    assert session.to_dict()["config"]["manage_connections"]["callback_url"] == (
        "https://yourapp.com/chat"
    )


def test_tools_and_execute(composio: Composio, user_id: str) -> None:
    session = composio.create(user_id)
    tools = session.tools()
    slugs = {t.slug for t in tools}
    assert "COMPOSIO_MANAGE_CONNECTIONS" in slugs
    manage = next(t for t in tools if t.slug == "COMPOSIO_MANAGE_CONNECTIONS")
    assert manage.description
    assert manage.input_parameters["type"] == "object"
    assert manage.toolkit["slug"] == "composio"

    out = session.execute("COMPOSIO_MANAGE_CONNECTIONS", {"toolkits": ["gmail"]})
    assert isinstance(out, dict)
    assert out["successful"] is True
    assert out["data"]["results"]["gmail"]["status"] == "initiated"
    assert out["data"]["results"]["gmail"]["redirect_url"].startswith("http")


def test_connected_accounts_namespace(composio: Composio, server: Server, user_id: str) -> None:
    session = composio.create(user_id, manage_connections=False)
    request = session.authorize("gmail")
    server.approve(request.redirect_url)
    composio.wait_for_connection(request.id, timeout=30.0)

    accounts = composio.connected_accounts
    account = accounts.get(request.id)
    assert account.status == "ACTIVE"
    page = accounts.list(user_ids=[user_id], statuses=["ACTIVE"])
    assert [a.id for a in page.items] == [request.id]
    assert len(page) == 1

    accounts.disable(request.id)
    assert accounts.get(request.id).status == "INACTIVE"
    accounts.enable(request.id)
    assert accounts.get(request.id).status == "ACTIVE"

    accounts.delete(request.id)
    with pytest.raises(composio_rs.NotFoundError):
        accounts.get(request.id)
    with pytest.raises(composio_rs.ConnectedAccountNotFoundError) as info:
        composio.wait_for_connection(request.id, timeout=5.0)
    assert info.value.connected_account_id == request.id


def test_connection_error_when_server_is_down(user_id: str) -> None:
    client = Composio(api_key="k", base_url="http://127.0.0.1:9", max_retries=0)
    with pytest.raises(composio_rs.APIConnectionError):
        client.create(user_id)
