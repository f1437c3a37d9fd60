"""Callback identity verification (docs/spec/wire-2026.md §21.2): with the project's
`oauth_callback_verifier_url` set, an approved Connect Link lands on the verifier URL with a
single-use `session_uri`, and `connected_accounts.complete_auth(user_id=, session_uri=)`
activates the account."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

import composio_rs
from conftest import Server, running_server

VERIFIER = "https://app.example.com/composio/verify"


@pytest.fixture(scope="module")
def verifying(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    config = tmp_path_factory.mktemp("verify-config") / "server.toml"
    config.write_text(
        f'sandbox = true\n[[projects]]\nname = "verify"\noauth_callback_verifier_url = "{VERIFIER}"\n'
    )
    with running_server(tmp_path_factory.mktemp("verify-data"), ["--config", str(config)]) as s:
        yield s


def approved(server: Server, client: composio_rs.Composio, user_id: str) -> tuple[str, str]:
    session = client.create(user_id, manage_connections=False)
    request = session.authorize("gmail", callback_url="https://app.example.com/cb")
    landed = server.approve(request.redirect_url)
    assert landed.startswith(VERIFIER + "?session_uri=session_"), landed
    (session_uri,) = parse_qs(urlsplit(landed).query)["session_uri"]
    assert client.connected_accounts.get(request.id).status == "INITIATED"
    return request.id, session_uri


def test_complete_auth_activates_once(verifying: Server) -> None:
    client = composio_rs.Composio(api_key=verifying.api_key, base_url=verifying.url)
    account_id, session_uri = approved(verifying, client, "user_ca_1")
    done = client.connected_accounts.complete_auth(user_id="user_ca_1", session_uri=session_uri)
    assert done.connected_account_id == account_id
    assert done.toolkit_slug == "gmail"
    assert done.to_dict() == {"connected_account_id": account_id, "toolkit_slug": "gmail"}
    assert "CompletedAuth(" in repr(done)
    assert client.connected_accounts.get(account_id).status == "ACTIVE"
    with pytest.raises(composio_rs.NotFoundError) as e:
        client.connected_accounts.complete_auth(user_id="user_ca_1", session_uri=session_uri)
    assert e.value.slug == "ConnectedAccount_AuthSessionNotFound"


def test_complete_auth_for_another_user_fails_the_account(verifying: Server) -> None:
    client = composio_rs.Composio(api_key=verifying.api_key, base_url=verifying.url)
    account_id, session_uri = approved(verifying, client, "user_ca_2")

    async def redeem() -> None:
        a = composio_rs.AsyncComposio(api_key=verifying.api_key, base_url=verifying.url)
        await a.connected_accounts.complete_auth(user_id="someone_else", session_uri=session_uri)

    with pytest.raises(composio_rs.BadRequestError) as e:
        asyncio.run(redeem())
    assert e.value.slug == "ConnectedAccount_IdentityMismatch"
    account = client.connected_accounts.get(account_id)
    assert account.status == "FAILED"
