#!/usr/bin/env python3
"""In-chat authentication with composio_rs: the transcript of the docs page, with a scripted
agent (no LLM), against a local composio-server in sandbox mode.

    cargo build -p composio-cli
    python bindings/python/examples/in_chat_auth.py            # uses target/debug/composio

The server is started with ``composio serve --sandbox --port 0``; the user's click on the
Connect Link is automated with ``composio sandbox approve <link>`` (it follows the link and
approves the sandbox consent page over HTTP, like a browser would).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import composio_rs

REPO = Path(__file__).resolve().parents[3]
LISTENING = "composio-server listening on "


class Agent:
    """Tries the tool for the request; when Gmail is not connected, asks for a connection
    with COMPOSIO_MANAGE_CONNECTIONS and shares the link; on "Done" retries the request."""

    def __init__(self, session: composio_rs.Session) -> None:
        self.session = session
        self.pending: str | None = None
        self.link: str | None = None

    def handle(self, message: str) -> str:
        task = message
        if message.strip().lower() == "done":
            if self.pending is None:
                return "Great! What can I do for you?"
            task, self.pending = self.pending, None
        fetched = self.session.execute(
            "GMAIL_FETCH_EMAILS", {"query": "newer_than:1d", "max_results": 10}
        )
        if fetched.get("successful"):
            return summarize(fetched.get("data") or {})
        data: dict[str, Any] = fetched.get("data") or {}
        if not data.get("connection_required"):
            return f"Sorry, fetching your emails failed: {fetched.get('error')}"
        toolkit = str(data.get("toolkit", "gmail"))
        managed = self.session.execute("COMPOSIO_MANAGE_CONNECTIONS", {"toolkits": [toolkit]})
        result = (managed.get("data") or {})["results"][toolkit]
        if result["status"] != "initiated":
            return f"I could not create a connection link: {result.get('error_message')}"
        self.pending = task
        self.link = str(result["redirect_url"])
        return (
            "I need you to connect your Gmail account first. Please click here to authorize:\n"
            f"       {self.link}"
        )


def summarize(data: dict[str, Any]) -> str:
    """The summary an LLM would write, from the fetched messages."""
    messages: list[dict[str, Any]] = data.get("messages") or []
    if not messages:
        return "You have no emails from today."
    lines = [f"Here's a summary of your emails from today ({len(messages)}):"]
    for m in messages:
        headers = {h["name"]: h["value"] for h in m.get("payload", {}).get("headers", [])}
        sender = headers.get("From", "").split(" <")[0]
        lines.append(f'       - {sender}: "{headers.get("Subject", "")}" — {m.get("snippet", "")}')
    return "\n".join(lines)


def run_transcript(
    composio: composio_rs.Composio, approve: Callable[[str], object], user_id: str = "user_123"
) -> list[str]:
    """Plays the docs transcript; returns the chat lines ("You: …", "Agent: …", notes)."""
    session = composio.create(user_id)
    names = [t.to_openai()["function"]["name"] for t in session.tools()]
    out = [f"(tools given to the model: {', '.join(names)})"]
    agent = Agent(session)
    for message in ["Summarize my emails from today", "Done"]:
        out.append(f"You: {message}")
        out.append(f"Agent: {agent.handle(message)}")
        if agent.link is not None and agent.pending is not None:
            out.append(
                "(automated: the user's click on the link and the sandbox consent, "
                "with `composio sandbox approve <link>`)"
            )
            approve(agent.link)
    return out


def main() -> int:
    cli = os.environ.get("COMPOSIO_CLI") or str(REPO / "target" / "debug" / "composio")
    if not Path(cli).exists():
        print(f"composio CLI not found at {cli}: run `cargo build -p composio-cli`", file=sys.stderr)
        return 1
    key = "demo_" + secrets.token_hex(16)
    env = dict(os.environ, COMPOSIO_SERVER_API_KEY=key)
    proc = subprocess.Popen(
        [cli, "serve", "--sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            if LISTENING in line:
                url = line.split(LISTENING, 1)[1].strip()
                break
        if url is None:
            print("composio-server did not start", file=sys.stderr)
            return 1

        def approve(link: str) -> object:
            return subprocess.run([cli, "sandbox", "approve", link], check=True, capture_output=True)

        composio = composio_rs.Composio(api_key=key, base_url=url)
        for line in run_transcript(composio, approve):
            print(line + "\n")
        return 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
