"""The official `composio` Python SDK (0.30.0), unmodified: several connected accounts per user
and toolkit against composio-server.

Two Gmail accounts with aliases through `session.authorize(..., alias=)` (approved in the
sandbox), execute by alias, a duplicate alias refused, `connected_accounts.update(id, alias=)`,
`connected_accounts.revoke(id)` (after which the account no longer runs tools) and
`connected_accounts.link(..., allow_multiple=False)` raising
`ComposioMultipleConnectedAccountsError`. Prints every official call that passed.
Needs COMPOSIO_API_KEY, COMPOSIO_BASE_URL and COMPOSIO_CLI (for `composio sandbox`).
"""

import os
import subprocess
import sys
import uuid

os.environ.setdefault("COMPOSIO_DISABLE_TELEMETRY", "true")

from composio import Composio  # noqa: E402
from composio import exceptions  # noqa: E402
import composio_client  # noqa: E402  (installed with composio; raises its HTTP errors)

passed: "list[str]" = []


def ok(call: str) -> None:
    passed.append(call)
    print(f"  ok  {call}")


def approve(link: str) -> None:
    subprocess.run(
        [os.environ["COMPOSIO_CLI"], "sandbox", "approve", link],
        check=True, capture_output=True, text=True, timeout=60,
    )


def main() -> int:
    composio = Composio(
        api_key=os.environ["COMPOSIO_API_KEY"],
        base_url=os.environ["COMPOSIO_BASE_URL"],
        allow_tracking=False,
    )
    user = "py_multi_" + uuid.uuid4().hex[:8]
    session = composio.create(user_id=user, manage_connections=False)

    # Two Gmail accounts with aliases.
    accounts = {}
    for alias in ("work-gmail", "personal-gmail"):
        request = session.authorize("gmail", alias=alias)
        approve(request.redirect_url)
        account = request.wait_for_connection(timeout=30)
        assert account.status == "ACTIVE", account
        accounts[alias] = account
    ok('session.authorize("gmail", alias=...) + wait_for_connection')
    work, home = accounts["work-gmail"], accounts["personal-gmail"]
    assert work.id != home.id

    got = composio.connected_accounts.get(work.id)
    assert got.alias == "work-gmail", got
    assert got.word_id and got.word_id.startswith("gmail_"), got
    ok("connected_accounts.get(id).alias / .word_id")

    # Execute by alias (and by word id).
    out = session.execute("GMAIL_GET_PROFILE", arguments={}, account="personal-gmail")
    assert out.successful, out
    out = session.execute("GMAIL_GET_PROFILE", arguments={}, account=got.word_id)
    assert out.successful, out
    ok('session.execute(slug, arguments=..., account="<alias>" | "<word id>")')

    # A duplicate alias (compared without case) is refused.
    try:
        session.authorize("gmail", alias="WORK-gmail")
    except composio_client.ConflictError as e:
        assert e.status_code == 409, repr(e)
        assert e.response.headers.get("x-should-retry") == "false", e.response.headers
    else:
        raise AssertionError("a duplicate alias was accepted")
    ok('session.authorize("gmail", alias=<taken>) -> composio_client.ConflictError (409)')

    # Rename.
    composio.connected_accounts.update(home.id, alias="home")
    assert composio.connected_accounts.get(home.id).alias == "home"
    out = session.execute("GMAIL_GET_PROFILE", arguments={}, account="home")
    assert out.successful, out
    ok('connected_accounts.update(id, alias="home")')
    multi = session.execute(
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        arguments={"tools": [
            {"tool_slug": "GMAIL_GET_PROFILE", "arguments": {}, "account": "home"},
            {"tool_slug": "GMAIL_GET_PROFILE", "arguments": {}, "account": "nope"},
        ]},
    )
    results = multi.data["results"]
    assert results[0]["successful"] is True, multi
    assert results[1]["successful"] is False and "nope" in results[1]["error"], multi
    ok('session.execute("COMPOSIO_MULTI_EXECUTE_TOOL", items with "account")')
    composio.connected_accounts.update(home.id, alias="")
    assert composio.connected_accounts.get(home.id).alias is None
    ok('connected_accounts.update(id, alias="") clears')

    # Revoke: the tokens stop working.
    revoked = composio.connected_accounts.revoke(work.id)
    assert revoked.connected_account.id == work.id, revoked
    assert revoked.connected_account.status == "REVOKED", revoked
    assert sorted(revoked.revoked_tokens) == ["access_token", "refresh_token"], revoked
    assert composio.connected_accounts.get(work.id).status == "REVOKED"
    out = session.execute("GMAIL_GET_PROFILE", arguments={}, account="work-gmail")
    assert not out.successful, out
    again = composio.connected_accounts.revoke(work.id)
    assert list(again.revoked_tokens) == [], again
    ok("connected_accounts.revoke(id) (then REVOKED, the account runs no tool; idempotent)")

    # link refuses a second ACTIVE account unless allow_multiple.
    auth_config_id = home.auth_config.id
    try:
        composio.connected_accounts.link(user, auth_config_id, allow_multiple=False)
    except exceptions.ComposioMultipleConnectedAccountsError:
        pass
    else:
        raise AssertionError("link(allow_multiple=False) did not raise")
    ok("connected_accounts.link(user, ac, allow_multiple=False) -> ComposioMultipleConnectedAccountsError")
    request = composio.connected_accounts.link(
        user, auth_config_id, alias="third", allow_multiple=True
    )
    approve(request.redirect_url)
    third = request.wait_for_connection(timeout=30)
    assert composio.connected_accounts.get(third.id).alias == "third"
    ok('connected_accounts.link(user, ac, alias="third", allow_multiple=True) + wait_for_connection')

    print(f"multi_account_python: {len(passed)} official calls passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
