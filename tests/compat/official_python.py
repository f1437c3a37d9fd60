"""The official `composio` Python SDK, unmodified, against composio-server.

Only the base URL is changed. Runs the documented manual flow: create -> authorize ->
(approve the sandbox consent over HTTP, as a browser would) -> wait_for_connection ->
toolkits -> tools. Needs COMPOSIO_API_KEY, COMPOSIO_BASE_URL and COMPOSIO_CLI (the path of
our `composio` binary, used for `composio sandbox approve`).
"""

import os
import subprocess
import sys

os.environ.setdefault("COMPOSIO_DISABLE_TELEMETRY", "true")

from composio import Composio  # noqa: E402


def approve(link: str) -> str:
    out = subprocess.run(
        [os.environ["COMPOSIO_CLI"], "sandbox", "approve", link],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.stdout.strip()


def main() -> int:
    composio = Composio(
        api_key=os.environ["COMPOSIO_API_KEY"],
        base_url=os.environ["COMPOSIO_BASE_URL"],
        allow_tracking=False,
    )

    # Manual authentication with session.authorize()
    session = composio.create(user_id="py_user", manage_connections=False)
    request = session.authorize(
        "gmail", callback_url="https://your-app.com/callback?user_id=py_user&source=onboarding"
    )
    assert request.redirect_url.startswith(os.environ["COMPOSIO_BASE_URL"]), request.redirect_url
    landed = approve(request.redirect_url)
    assert "status=success" in landed and "connected_account_id=" in landed, landed
    assert landed.startswith(
        "https://your-app.com/callback?user_id=py_user&source=onboarding&status=success"
    ), landed
    account = request.wait_for_connection(timeout=30)
    assert account.id == request.id, (account.id, request.id)
    assert str(getattr(account.status, "value", account.status)).endswith("ACTIVE"), account.status

    # Checking connection status
    toolkits = session.toolkits()
    by_slug = {t.slug: t for t in toolkits.items}
    gmail = by_slug["gmail"]
    assert gmail.connection is not None and gmail.connection.connected_account is not None
    assert gmail.connection.connected_account.id == account.id
    assert gmail.connection.is_active

    # Tools, in-chat default session with a callback URL
    chat = composio.create(
        user_id="py_user", manage_connections={"callback_url": "https://yourapp.com/chat"}
    )
    tools = chat.tools()
    names = [getattr(t, "name", None) or t["function"]["name"] for t in tools]
    assert "COMPOSIO_MANAGE_CONNECTIONS" in names, names
    assert chat.mcp.url.endswith(f"/tool_router/{chat.session_id}/mcp"), chat.mcp.url

    # In-chat authentication through the official client's session.execute: the app tool
    # fails as not connected, COMPOSIO_MANAGE_CONNECTIONS gives a Connect Link, the user
    # approves, and the retry succeeds with data fetched with the stored token.
    agent = composio.create(user_id="py_chat_user")
    first = agent.execute("GMAIL_FETCH_EMAILS", arguments={})
    assert first.result_type == "failed", first
    assert "COMPOSIO_MANAGE_CONNECTIONS" in (first.error or ""), first.error
    manage = agent.execute("COMPOSIO_MANAGE_CONNECTIONS", arguments={"toolkits": ["gmail"]})
    assert manage.result_type == "completed", manage
    gmail_result = manage.data["results"]["gmail"]
    assert gmail_result["status"] == "initiated", gmail_result
    approve(gmail_result["redirect_url"])
    retry = agent.execute("GMAIL_FETCH_EMAILS", arguments={})
    assert retry.result_type == "completed", retry
    assert retry.data, retry

    print(f"official composio {__import__('composio').__version__}: OK "
          f"(account {account.id}, {len(toolkits.items)} toolkits, {len(names)} tools)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
