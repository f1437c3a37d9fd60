"""The official MCP Python SDK (PyPI `mcp`), unmodified, against a session's `mcp.url`.

Creates a tool router session over plain HTTP, connects with the SDK's Streamable HTTP client
(`x-api-key` header), lists the tools, calls COMPOSIO_MANAGE_CONNECTIONS for gmail, approves
the Connect Link with `$COMPOSIO_CLI sandbox approve`, and calls it again to see the connection
active. Runs twice where the SDK can: with the `initialize` handshake (a stateful MCP session,
SSE responses) and, on SDKs that have it, with `server/discover` (stateless, JSON responses).
Needs COMPOSIO_API_KEY, COMPOSIO_BASE_URL and COMPOSIO_CLI.
"""

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

from mcp import ClientSession

try:  # mcp >= 2: headers go on the HTTP client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    @contextlib.asynccontextmanager
    async def connect(url: str, key: str):
        async with create_mcp_http_client(headers={"x-api-key": key}) as http:
            async with streamable_http_client(url, http_client=http) as streams:
                yield streams[0], streams[1]

except ImportError:  # mcp 1.x
    from mcp.client.streamable_http import streamablehttp_client

    @contextlib.asynccontextmanager
    async def connect(url: str, key: str):
        async with streamablehttp_client(url, headers={"x-api-key": key}) as streams:
            yield streams[0], streams[1]


KEY = os.environ["COMPOSIO_API_KEY"]
BASE = os.environ["COMPOSIO_BASE_URL"].rstrip("/")
TOOL = "COMPOSIO_MANAGE_CONNECTIONS"


def http(method: str, url: str, body: dict | None, key: str | None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("content-type", "application/json")
    req.add_header("accept", "application/json, text/event-stream")
    if key is not None:
        req.add_header("x-api-key", key)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def create_session(user_id: str) -> tuple[str, str]:
    status, s = http("POST", f"{BASE}/api/v3.1/tool_router/session", {"user_id": user_id}, KEY)
    assert status == 201, (status, s)
    assert s["mcp"]["type"] == "http", s
    url = s["mcp"]["url"]
    assert url == f"{BASE}/tool_router/{s['session_id']}/mcp", url
    return s["session_id"], url


def approve(link: str) -> str:
    out = subprocess.run(
        [os.environ["COMPOSIO_CLI"], "sandbox", "approve", link],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.stdout.strip()


def envelope(result) -> dict:
    texts = [c.text for c in result.content if getattr(c, "type", None) == "text"]
    assert texts, result
    return json.loads(texts[0])


async def run(lifecycle: str) -> None:
    sid, url = create_session(f"mcp_py_{lifecycle}")
    async with connect(url, KEY) as (read, write):
        async with ClientSession(read, write) as session:
            if lifecycle == "initialize":
                init = await session.initialize()
                assert init.server_info.name == "composio-server", init
            else:
                await session.discover()
            tools = (await session.list_tools()).tools
            names = [t.name for t in tools]
            print(f"[{lifecycle}] tools: {names}")
            assert TOOL in names, names
            schema = next(t for t in tools if t.name == TOOL).input_schema
            assert schema["required"] == ["toolkits"], schema

            result = await session.call_tool(TOOL, {"toolkits": ["gmail"]})
            assert not result.is_error, result
            env = envelope(result)
            gmail = env["data"]["results"]["gmail"]
            assert gmail["status"] == "initiated", env
            link = gmail["redirect_url"]
            assert link.startswith(f"{BASE}/link/lk_"), link
            print(f"[{lifecycle}] Connect Link: {link.split('/link/')[0]}/link/lk_***")
            landed = approve(link)
            print(f"[{lifecycle}] approved, landed on {landed.split('?')[0]}")

            env = envelope(await session.call_tool(TOOL, {"toolkits": ["gmail"]}))
            gmail = env["data"]["results"]["gmail"]
            assert gmail["status"] == "active", env
            assert gmail["has_active_connection"] is True, env
            print(f"[{lifecycle}] gmail is active: {gmail['connected_account_id']}")

            # Arguments the tool rejects: a failed envelope, reported as a tool error.
            failed = await session.call_tool(TOOL, {})
            assert failed.is_error, failed
            env = envelope(failed)
            assert env["successful"] is False and env["error"], env

            # An unknown tool: a protocol error, as MCP prescribes.
            try:
                await session.call_tool("COMPOSIO_NOT_A_TOOL", {})
            except Exception as e:  # McpError (1.x) / MCPError (2.x)
                assert "not found" in str(e), e
            else:
                raise AssertionError("an unknown tool must fail")

    # Without a key, or with a wrong one: 401 with the JSON error envelope.
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    for key in (None, "csk_wrong"):
        status, body = http("POST", url, ping, key)
        assert status == 401 and body["error"]["status"] == 401, (status, body)
    status, body = http("POST", url.replace(sid, sid + "x"), ping, KEY)
    assert status == 404, (status, body)


async def main() -> int:
    await run("initialize")
    if hasattr(ClientSession, "discover"):
        await run("discover")
    print("mcp python compat: ok")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
