"""In-chat authentication from Python: tool rendering for LLM APIs, the not-connected failure
that starts the flow, and the example's transcript against the test server."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from conftest import Server

import composio_rs
from composio_rs import Composio

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "in_chat_auth.py"


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("in_chat_auth", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tools_render_for_openai_and_anthropic(composio: Composio, user_id: str) -> None:
    tools = composio.create(user_id).tools()
    by_slug = {t.slug: t for t in tools}
    manage = by_slug["COMPOSIO_MANAGE_CONNECTIONS"]
    openai = manage.to_openai()
    assert openai["type"] == "function"
    assert openai["function"]["name"] == "COMPOSIO_MANAGE_CONNECTIONS"
    assert openai["function"]["description"] == manage.description
    assert openai["function"]["parameters"]["required"] == ["toolkits"]
    anthropic = manage.to_anthropic()
    assert set(anthropic) == {"name", "description", "input_schema"}
    assert anthropic["input_schema"]["properties"]["toolkits"]["type"] == "array"


def test_app_tool_without_connection_points_to_manage_connections(
    composio: Composio, user_id: str
) -> None:
    session = composio.create(user_id)
    out = session.execute("GMAIL_GET_PROFILE", {})
    assert out["successful"] is False
    assert out["result_type"] == "failed"
    assert "COMPOSIO_MANAGE_CONNECTIONS" in str(out["error"])
    try:
        session.execute("GMAIL_NO_SUCH_TOOL", {})
    except composio_rs.NotFoundError as e:
        assert "not found" in str(e)
    else:
        raise AssertionError("an unknown tool must raise NotFoundError")


def test_example_transcript(composio: Composio, server: Server, user_id: str) -> None:
    example = load_example()
    lines: list[str] = example.run_transcript(composio, server.approve, user_id)
    text = "\n".join(lines)
    assert "You: Summarize my emails from today" in lines
    assert "Agent: I need you to connect your Gmail account first. Please click here to authorize:" in text
    assert f"{server.url}/link/lk_" in text
    assert lines[-2] == "You: Done"
    assert lines[-1].startswith("Agent: Here's a summary of your emails from today (3):")
    assert "Alice Chen" in lines[-1]
