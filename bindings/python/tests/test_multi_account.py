"""Several connected accounts per user and toolkit: aliases, word ids, account selection on
execute, rename, revoke and ``allow_multiple`` on ``connected_accounts.link``."""

from __future__ import annotations

import asyncio

import pytest

import composio_rs
from composio_rs import AsyncComposio, Composio, ConnectedAccount, Session

from conftest import Server


def connect(session: Session, server: Server, alias: str) -> ConnectedAccount:
    request = session.authorize("gmail", alias=alias)
    server.approve(request.redirect_url)
    return request.wait_for_connection(timeout=30.0)


def test_two_gmail_accounts_with_aliases(composio: Composio, server: Server, user_id: str) -> None:
    session = composio.create(user_id, manage_connections=False)
    work = connect(session, server, "work-gmail")
    home = connect(session, server, "personal-gmail")
    assert work.id != home.id
    assert work.alias == "work-gmail"
    assert home.alias == "personal-gmail"
    assert work.word_id is not None and work.word_id.startswith("gmail_")
    assert home.word_id is not None and home.word_id != work.word_id
    assert composio.connected_accounts.get(work.id).alias == "work-gmail"
    assert work.to_dict()["alias"] == "work-gmail"

    # Aliases are unique per user and toolkit, compared without case.
    with pytest.raises(composio_rs.ConflictError) as conflict:
        session.authorize("gmail", alias="WORK-gmail")
    assert conflict.value.status_code == 409

    # Execute by alias, by word id and by id.
    for account in ("personal-gmail", home.word_id, work.id):
        out = session.execute("GMAIL_GET_PROFILE", {}, account=account)
        assert out["successful"], out
    # An unknown account is a failed envelope that lists the user's accounts.
    out = session.execute("GMAIL_GET_PROFILE", account="school")
    assert out["successful"] is False
    assert "work-gmail" in (out["error"] or ""), out

    # Rename, then clear.
    accounts = composio.connected_accounts
    renamed = accounts.update(home.id, alias="home")
    assert isinstance(renamed, composio_rs.ConnectedAccountUpdate)
    assert renamed.success is True
    assert accounts.get(home.id).alias == "home"
    assert session.execute("GMAIL_GET_PROFILE", account="home")["successful"]
    # Each COMPOSIO_MULTI_EXECUTE_TOOL item may name its account.
    items = [
        {"tool_slug": "GMAIL_GET_PROFILE", "arguments": {}, "account": "home"},
        {"tool_slug": "GMAIL_GET_PROFILE", "arguments": {}, "account": "nope"},
    ]
    multi = session.execute("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": items})
    results = multi["data"]["results"]
    assert results[0]["successful"] is True, multi
    assert results[1]["successful"] is False, multi
    assert "nope" in results[1]["error"], multi
    with pytest.raises(composio_rs.ConflictError):
        accounts.update(home.id, alias="Work-Gmail")
    accounts.update(home.id, alias="")
    assert accounts.get(home.id).alias is None
    with pytest.raises(ValueError, match="alias"):
        accounts.update(home.id)

    # Revoke: the tokens are revoked at the provider and the account is REVOKED.
    revoked = accounts.revoke(work.id)
    assert isinstance(revoked, composio_rs.ConnectedAccountRevoke)
    assert revoked.connected_account.id == work.id
    assert revoked.connected_account.status == "REVOKED"
    assert sorted(revoked.revoked_tokens) == ["access_token", "refresh_token"]
    assert revoked.to_dict()["connected_account"]["status"] == "REVOKED"
    assert accounts.get(work.id).status == "REVOKED"
    # Idempotent: nothing left to revoke.
    assert accounts.revoke(work.id).revoked_tokens == []
    # The revoked account no longer runs tools.
    out = session.execute("GMAIL_GET_PROFILE", account="work-gmail")
    assert out["successful"] is False, out

    with pytest.raises(composio_rs.NotFoundError):
        accounts.revoke("ca_doesnotexist")
    with pytest.raises(ValueError):
        accounts.revoke("")


def test_link_refuses_a_second_active_account_unless_allowed(
    composio: Composio, server: Server, user_id: str
) -> None:
    session = composio.create(user_id, manage_connections=False)
    first = connect(session, server, "first")
    assert first.auth_config is not None
    auth_config_id = first.auth_config.id
    accounts = composio.connected_accounts

    with pytest.raises(composio_rs.ComposioMultipleConnectedAccountsError) as refused:
        accounts.link(auth_config_id, user_id)
    assert isinstance(refused.value, composio_rs.ComposioError)
    assert refused.value.user_id == user_id
    assert refused.value.auth_config_id == auth_config_id

    request = accounts.link(auth_config_id, user_id, alias="second", allow_multiple=True)
    server.approve(request.redirect_url)
    second = request.wait_for_connection(timeout=30.0)
    assert second.alias == "second"
    assert second.id != first.id
    listed = accounts.list(user_ids=[user_id], statuses=["ACTIVE"])
    assert sorted(a.alias or "" for a in listed.items) == ["first", "second"]

    # Another user has no account yet: no refusal.
    other = accounts.link(auth_config_id, user_id + "_other")
    assert other.status == "INITIATED"


def test_async_aliases_execute_update_revoke(server: Server, user_id: str) -> None:
    async def main() -> None:
        composio = AsyncComposio(api_key=server.api_key, base_url=server.url)
        session = await composio.create(user_id, manage_connections=False)
        request = await session.authorize("gmail", alias="work")
        await asyncio.to_thread(server.approve, request.redirect_url)
        work = await request.wait_for_connection(timeout=30.0)
        assert work.alias == "work"
        assert work.auth_config is not None

        accounts = composio.connected_accounts
        with pytest.raises(composio_rs.ComposioMultipleConnectedAccountsError):
            await accounts.link(work.auth_config.id, user_id)
        second = await accounts.link(
            work.auth_config.id, user_id, alias="home", allow_multiple=True
        )
        await asyncio.to_thread(server.approve, second.redirect_url)
        home = await second.wait_for_connection(timeout=30.0)
        assert home.alias == "home"

        out = await session.execute("GMAIL_GET_PROFILE", account="home")
        assert out["successful"], out
        renamed = await accounts.update(home.id, alias="personal")
        assert renamed.success
        assert (await accounts.get(home.id)).alias == "personal"
        revoked = await accounts.revoke(work.id)
        assert revoked.connected_account.status == "REVOKED"
        assert (await accounts.get(work.id)).status == "REVOKED"

    asyncio.run(main())
