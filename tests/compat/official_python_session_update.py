"""The official `composio` Python SDK, unmodified, against composio-server: session update
and reuse (docs/spec/wire-2026.md §19).

session.update() with a precondition, a stale expected_config_version raising
SessionConfigConflictError (exactly one PATCH sent: the server says x-should-retry: false),
list_config_history() newest first, composio.use(id) and composio.sessions.use(id). Needs
COMPOSIO_API_KEY and COMPOSIO_BASE_URL.
"""

import os
import sys

os.environ.setdefault("COMPOSIO_DISABLE_TELEMETRY", "true")

from composio import Composio  # noqa: E402
from composio.exceptions import SessionConfigConflictError  # noqa: E402


def main() -> int:
    composio = Composio(
        api_key=os.environ["COMPOSIO_API_KEY"],
        base_url=os.environ["COMPOSIO_BASE_URL"],
        allow_tracking=False,
    )
    session = composio.create(
        user_id="py_update_user",
        toolkits=["gmail"],
        auth_configs={"gmail": "ac_old"},
        manage_connections={"callback_url": "https://yourapp.com/chat"},
    )
    assert session.config_version == 1, session.config_version

    # A conditional update: applied, config and version refreshed in place.
    config = session.update(
        toolkits={"enable": ["gmail", "slack"]},
        auth_configs={"gmail": "ac_new_config"},
        multi_account={"enable": True, "max_accounts_per_toolkit": 4},
        manage_connections={"callback_url": None, "enable_wait_for_connections": True},
        expected_config_version=session.config_version,
    )
    assert session.config_version == 2, session.config_version
    assert config.auth_configs == {"gmail": "ac_new_config"}, config.auth_configs
    mc = config.manage_connections
    assert mc is not None and mc.callback_url is None, mc
    assert mc.enable_wait_for_connections is True, mc

    # Reuse by id: same config and version.
    again = composio.use(session.session_id)
    assert again.config_version == 2, again.config_version
    assert again.config.auth_configs == {"gmail": "ac_new_config"}, again.config
    also = composio.sessions.use(session.session_id)
    assert also.session_id == session.session_id

    # A stale precondition: SessionConfigConflictError, nothing changed.
    try:
        session.update(toolkits=None, expected_config_version=1)
    except SessionConfigConflictError as e:
        assert e.status_code == 409
        assert e.session_id == session.session_id, e.session_id
        assert e.expected_config_version == 1, e.expected_config_version
    else:
        raise AssertionError("a stale expected_config_version must raise")
    assert composio.use(session.session_id).config_version == 2

    # Without a precondition the last writer wins; None removes an override.
    config = again.update(toolkits=None)
    assert again.config_version == 3, again.config_version

    history = session.list_config_history(limit=10)
    versions = [(item.version, item.is_current) for item in history.items]
    assert versions == [(3, True), (2, False), (1, False)], versions
    assert history.items[2].config.auth_configs == {"gmail": "ac_old"}, history.items[2].config
    page = session.list_config_history(limit=1)
    assert [i.version for i in page.items] == [3] and page.next_cursor, page
    rest = session.list_config_history(limit=2, cursor=page.next_cursor)
    assert [i.version for i in rest.items] == [2, 1], rest

    print("official Python SDK (session update): ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
