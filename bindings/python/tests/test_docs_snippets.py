"""Every ```python block of docs/**/*.md (and ARCHITECTURE.md and the READMEs) compiles and type-checks.

The quoted wire protocol specification in docs/spec/ is not checked (see ``doc_pages``).

Each block is compiled with ``compile(src, path, "exec")`` and then type-checked with mypy
against the installed ``composio_rs`` stubs, so a renamed method, a wrong argument or a
wrong attribute in the documentation fails CI. Blocks fenced as ```python no-check are
skipped (for pseudo-code).

The snippets are not run: most need a live server and a user clicking a link. They are
checked as separate modules; each one starts with ``from _docs_prelude import *``, which
gives it the names the pages assume from earlier steps (see ``PRELUDE`` below):

- ``composio_rs`` (the module), ``Composio``
- ``composio``: a ``Composio`` client
- ``session``: a ``Session`` (from ``composio.create("user_123")``)
- ``connection_request``: a ``ConnectionRequest`` (from ``session.authorize("gmail")``)
- ``request_url``: a ``str``, the URL the user landed on after a Connect Link

A snippet may define these names again (with the same types).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from mypy import api as mypy_api

REPO = Path(__file__).resolve().parents[3]

PRELUDE = '''\
"""Names the documentation's Python snippets use without defining them."""
import composio_rs
from composio_rs import Composio, ConnectionRequest, Session

__all__ = ["composio_rs", "Composio", "composio", "session", "connection_request", "request_url"]

composio: Composio = Composio()
session: Session = composio.create("user_123")
connection_request: ConnectionRequest = session.authorize("gmail")
request_url: str = (
    "https://your-app.com/callback?status=success&connected_account_id=ca_abc123"
)
'''

PRELUDE_IMPORT = "from _docs_prelude import *  # noqa: F403\n"

FENCE = re.compile(r"^(`{3,}|~{3,})\s*([^`]*)$")


@dataclass(frozen=True)
class Snippet:
    page: Path
    line: int  # line of the first code line in the page (1-based)
    source: str

    @property
    def label(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def doc_pages() -> list[Path]:
    # docs/spec/ holds the wire protocol specification, quoted as it is: its code blocks are
    # examples of the wire format, not snippets of this project.
    spec = REPO / "docs" / "spec"
    pages = sorted(p for p in (REPO / "docs").rglob("*.md") if spec not in p.parents)
    for extra in ["ARCHITECTURE.md", "README.md", "bindings/python/README.md"]:
        if (REPO / extra).exists():
            pages.append(REPO / extra)
    return pages


def extract(page: Path) -> list[Snippet]:
    """The ```python blocks of a Markdown page, except ```python no-check ones."""
    snippets: list[Snippet] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i].strip())
        if not m or lines[i].startswith(" " * 4):
            i += 1
            continue
        fence, info = m.group(1), m.group(2).split()
        start = i + 1
        i = start
        while i < len(lines) and not lines[i].strip().startswith(fence):
            i += 1
        if info and info[0] == "python" and "no-check" not in info[1:]:
            snippets.append(Snippet(page, start + 1, "\n".join(lines[start:i]) + "\n"))
        i += 1
    return snippets


SNIPPETS = [s for page in doc_pages() for s in extract(page)]


def test_the_docs_have_python_snippets() -> None:
    assert len(SNIPPETS) >= 20, [s.label for s in SNIPPETS]
    pages = {s.page.name for s in SNIPPETS}
    for page in ["manual-authentication.md", "callback-url.md", "python.md"]:
        assert page in pages, f"no python snippet found in {page}"


def test_extract_skips_no_check_and_other_languages(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# t\n\n```python\nx = 1\n```\n\n```python no-check\nnot python\n```\n\n"
        "```rust\nfn main() {}\n```\n\n```python\ny = 2\n```\n",
        encoding="utf-8",
    )
    assert [(s.line, s.source) for s in extract(page)] == [(4, "x = 1\n"), (16, "y = 2\n")]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.label for s in SNIPPETS])
def test_snippet_compiles(snippet: Snippet) -> None:
    compile(snippet.source, snippet.label, "exec")


def test_snippets_type_check() -> None:
    """mypy over all snippets at once (one run is much faster than one per snippet)."""
    with tempfile.TemporaryDirectory(prefix="docs-snippets-") as tmp:
        root = Path(tmp)
        (root / "_docs_prelude.py").write_text(PRELUDE, encoding="utf-8")
        files: dict[str, Snippet] = {}
        for n, snippet in enumerate(SNIPPETS):
            name = f"snippet_{n:03d}.py"
            (root / name).write_text(PRELUDE_IMPORT + snippet.source, encoding="utf-8")
            files[name] = snippet
        stdout, stderr, status = mypy_api.run(
            [
                "--check-untyped-defs",
                "--warn-unused-ignores",
                "--no-error-summary",
                "--show-error-codes",
                "--cache-dir",
                str(root / ".mypy_cache"),
                *sorted(str(root / name) for name in files),
                str(root / "_docs_prelude.py"),
            ]
        )
    errors = []
    for line in stdout.splitlines():
        # /tmp/…/snippet_007.py:3: error: … -> docs/page.md:<line>: error: …
        m = re.match(r"^(?:.*[/\\])?(snippet_\d+\.py):(\d+):(.*)$", line)
        if m and m.group(1) in files:
            snippet = files[m.group(1)]
            page_line = snippet.line + int(m.group(2)) - 2  # minus the prelude import line
            errors.append(f"{snippet.page.relative_to(REPO)}:{page_line}:{m.group(3)}")
        elif line.strip():
            errors.append(line)
    assert status == 0 and not errors, "\n".join(errors) + stderr
