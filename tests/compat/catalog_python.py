"""The official `composio` Python SDK (0.30.0), unmodified: catalog reads and the session
search against composio-server.

`toolkits.get("gmail")`, `toolkits.get()`, `toolkits.list(...)`, `tools.get(user_id,
toolkits=[...])`, `tools.get(user_id, search=...)`, `tools.get_raw_composio_tool_by_slug`,
and `session.search(query=...)` reporting both accounts of a multi-account session.
Prints every official call that passed. Needs COMPOSIO_API_KEY, COMPOSIO_BASE_URL and
COMPOSIO_CLI (for `composio sandbox`).
"""

import os
import subprocess
import sys
import uuid

os.environ.setdefault("COMPOSIO_DISABLE_TELEMETRY", "true")

from composio import Composio  # noqa: E402

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

    gmail = composio.toolkits.get("gmail")
    assert gmail.slug == "gmail" and gmail.name == "Gmail", gmail
    assert gmail.auth_config_details and gmail.auth_config_details[0].mode == "OAUTH2", gmail
    names = [f.name for f in gmail.auth_config_details[0].fields.auth_config_creation.required]
    assert names == ["client_id", "client_secret"], names
    assert gmail.composio_managed_auth_schemes == ["OAUTH2"], gmail
    ok('toolkits.get("gmail")')

    serpapi = composio.toolkits.get("serpapi")
    fields = serpapi.auth_config_details[0].fields.connected_account_initiation.required
    assert fields[0].name == "api_key", fields
    ok('toolkits.get("serpapi") (API-key form fields)')

    everything = composio.toolkits.get()
    slugs = [t.slug for t in everything]
    assert "gmail" in slugs and "hackernews" in slugs, slugs
    ok("toolkits.get()")

    page = composio.toolkits.list(limit=2, sort_by="alphabetically")
    assert len(page.items) == 2 and page.next_cursor, page
    rest = composio.toolkits.list(limit=100, cursor=page.next_cursor)
    assert [t.slug for t in page.items + rest.items] == sorted(
        slugs, key=lambda s: next(t.name.lower() for t in everything if t.slug == s)
    ), (page, rest)
    ok("toolkits.list(limit=, sort_by=, cursor=)")

    user = "py_catalog_" + uuid.uuid4().hex[:8]
    tools = composio.tools.get(user, toolkits=["gmail"])
    tool_names = sorted(t["function"]["name"] for t in tools)
    assert tool_names == ["GMAIL_FETCH_EMAILS", "GMAIL_GET_PROFILE"], tool_names
    fetch = next(t for t in tools if t["function"]["name"] == "GMAIL_FETCH_EMAILS")
    assert "query" in fetch["function"]["parameters"]["properties"], fetch
    ok('tools.get(user_id, toolkits=["gmail"])')

    found = composio.tools.get(user, search="fetch my emails")
    assert found[0]["function"]["name"] == "GMAIL_FETCH_EMAILS", found
    ok('tools.get(user_id, search="fetch my emails")')

    raw = composio.tools.get_raw_composio_tool_by_slug("GMAIL_GET_PROFILE")
    assert raw.slug == "GMAIL_GET_PROFILE" and raw.toolkit.slug == "gmail", raw
    ok("tools.get_raw_composio_tool_by_slug(slug)")

    session = composio.create(
        user_id=user,
        manage_connections=False,
        multi_account={"enable": True, "require_explicit_selection": True},
    )
    for alias in ("work", "home"):
        request = session.authorize("gmail", alias=alias)
        approve(request.redirect_url)
        request.wait_for_connection(timeout=30)
    result = session.search(query="fetch my emails from today")
    assert result.success, result
    assert result.results[0].primary_tool_slugs[0] == "GMAIL_FETCH_EMAILS", result
    assert "GMAIL_FETCH_EMAILS" in result.tool_schemas, result
    status = next(s for s in result.toolkit_connection_statuses if s.toolkit == "gmail")
    assert status.has_active_connection, status
    assert status.account_selection == "required", status
    assert sorted(a.alias for a in status.accounts) == ["home", "work"], status
    assert sum(1 for a in status.accounts if a.is_default) == 1, status
    ok("session.search(query=...) with two accounts")

    print(f"catalog (official Python SDK): {len(passed)} calls passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
