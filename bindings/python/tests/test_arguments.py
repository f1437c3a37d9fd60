"""Bad arguments raise TypeError/ValueError before anything is sent; client construction."""

from __future__ import annotations

from typing import Any

import pytest

import composio_rs
from composio_rs import Composio

# Nothing listens on port 9: any call that got as far as the network would raise
# APIConnectionError, not TypeError/ValueError.
OFFLINE = "http://127.0.0.1:9"


@pytest.fixture
def offline() -> Composio:
    return Composio(api_key="k", base_url=OFFLINE, max_retries=0)


def test_missing_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPOSIO_API_KEY", raising=False)
    with pytest.raises(composio_rs.ConfigurationError, match="COMPOSIO_API_KEY"):
        Composio()


def test_env_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPOSIO_API_KEY", "from-env-secret")
    monkeypatch.setenv("COMPOSIO_BASE_URL", "http://127.0.0.1:1234")
    c = Composio()
    assert c.base_url == "http://127.0.0.1:1234"
    assert "from-env-secret" not in repr(c)
    assert Composio(api_key="x").base_url == "http://127.0.0.1:1234"
    monkeypatch.delenv("COMPOSIO_BASE_URL")
    assert Composio(api_key="x").base_url == "https://backend.composio.dev"


@pytest.mark.parametrize("cls", [Composio, composio_rs.AsyncComposio])
def test_env_allow_insecure_http(monkeypatch: pytest.MonkeyPatch, cls: Any) -> None:
    """The binding reads the environment through the SDK, COMPOSIO_ALLOW_INSECURE_HTTP too."""
    monkeypatch.setenv("COMPOSIO_API_KEY", "from-env-secret")
    monkeypatch.setenv("COMPOSIO_BASE_URL", "http://composio.example.com")
    monkeypatch.delenv("COMPOSIO_ALLOW_INSECURE_HTTP", raising=False)
    with pytest.raises(composio_rs.ConfigurationError, match="COMPOSIO_ALLOW_INSECURE_HTTP"):
        cls()
    monkeypatch.setenv("COMPOSIO_ALLOW_INSECURE_HTTP", "1")
    assert cls().base_url == "http://composio.example.com"
    # The opt-in also covers a base URL given as an argument.
    assert cls(base_url="http://other.example.com").base_url == "http://other.example.com"
    monkeypatch.setenv("COMPOSIO_ALLOW_INSECURE_HTTP", "no")
    with pytest.raises(composio_rs.ConfigurationError):
        cls()


def test_repr_hides_key() -> None:
    c = Composio(api_key="super-secret-key", base_url=OFFLINE)
    assert "super-secret-key" not in repr(c)
    a = composio_rs.AsyncComposio(api_key="super-secret-key", base_url=OFFLINE)
    assert "super-secret-key" not in repr(a)


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        ({"timeout": -1.0}, ValueError),
        ({"timeout": float("nan")}, ValueError),
        ({"timeout": 0.0}, ValueError),
        ({"timeout": "60"}, TypeError),
        ({"max_retries": -1}, ValueError),
        ({"base_url": "ftp://example.com"}, composio_rs.ConfigurationError),
        ({"base_url": "http://example.com"}, composio_rs.ConfigurationError),
        ({"api_key": ""}, ValueError),
        ({"api_key": 42}, TypeError),
    ],
)
def test_bad_constructor_arguments(kwargs: dict[str, Any], exc: type[BaseException]) -> None:
    args: dict[str, Any] = {"api_key": "k", "base_url": OFFLINE}
    args.update(kwargs)
    with pytest.raises(exc):
        Composio(**args)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"user_id": ""}, ValueError, "user_id"),
        ({"user_id": 5}, TypeError, None),
        ({"manage_connections": "no"}, TypeError, "manage_connections"),
        ({"manage_connections": {"enabled": True}}, ValueError, "enable"),
        ({"manage_connections": {"bogus": 1}}, ValueError, "unknown key"),
        ({"manage_connections": {"enable": "yes"}}, TypeError, "enable"),
        ({"manage_connections": {"callback_url": "not a url"}}, ValueError, "callback URL"),
        ({"manage_connections": {"callback_url": "ftp://x.y"}}, ValueError, "http"),
        ({"toolkits": "gmail"}, TypeError, "single str"),
        ({"toolkits": ["gmail", 3]}, TypeError, "only str"),
        ({"toolkits": {"enable": ["a"], "disable": ["b"]}}, ValueError, "exactly"),
        ({"toolkits": {"enabled": ["a"]}}, ValueError, "exactly"),
        ({"auth_configs": ["ac_1"]}, TypeError, "dict"),
        ({"auth_configs": {"gmail": 1}}, TypeError, "auth_configs"),
        ({"connected_accounts": {"gmail": [1]}}, TypeError, "connected_accounts"),
    ],
)
def test_bad_create_arguments(
    offline: Composio, kwargs: dict[str, Any], exc: type[BaseException], match: str | None
) -> None:
    args: dict[str, Any] = {"user_id": "u"}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        offline.create(**args)


def test_valid_create_arguments_reach_the_network(offline: Composio) -> None:
    with pytest.raises(composio_rs.APIConnectionError):
        offline.create(
            "u",
            manage_connections={
                "enable": True,
                "callback_url": "https://a.b/cb",
                "wait_for_connections": True,
            },
            toolkits={"disable": ["gmail"]},
            auth_configs={"gmail": "ac_1"},
            connected_accounts={"gmail": "ca_1", "github": ["ca_2", "ca_3"]},
            tags=["readOnlyHint"],
        )


def test_bad_session_and_request_arguments(composio: Composio, user_id: str) -> None:
    session = composio.create(user_id, manage_connections=False)
    with pytest.raises(ValueError, match="toolkit"):
        session.authorize("")
    with pytest.raises(ValueError, match="callback"):
        session.authorize("gmail", callback_url="javascript:alert(1)")
    with pytest.raises(ValueError, match="limit"):
        session.toolkits(limit=0)
    with pytest.raises(TypeError):
        session.toolkits(toolkits="gmail")
    with pytest.raises(TypeError, match="arguments must be a dict"):
        session.execute("COMPOSIO_SEARCH_TOOLS", ["x"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="JSON"):
        session.execute("COMPOSIO_SEARCH_TOOLS", {"x": object()})
    with pytest.raises(ValueError, match="tool_slug"):
        session.execute(" ", {})
    request = session.authorize("gmail")
    with pytest.raises(ValueError, match="timeout"):
        request.wait_for_connection(timeout=-1)
    with pytest.raises(ValueError, match="timeout"):
        request.wait_for_connection(timeout=float("inf"))
    with pytest.raises(TypeError):
        request.wait_for_connection(timeout="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="order_by"):
        composio.connected_accounts.list(order_by="name")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="connected_account_id"):
        composio.connected_accounts.get("")


def test_parse_callback_url() -> None:
    ok = composio_rs.parse_callback_url(
        "https://your-app.com/callback?user_id=user_123&source=onboarding"
        "&status=success&connected_account_id=ca_abc123"
    )
    assert (ok.status, ok.connected_account_id, ok.error, ok.is_success) == (
        "success",
        "ca_abc123",
        None,
        True,
    )
    assert repr(ok) == (
        "CallbackResult(status='success', connected_account_id='ca_abc123', error=None)"
    )
    failed = composio_rs.parse_callback_url(
        "https://a.b/cb?status=failed&connected_account_id=ca_9&error=access_denied%20by%20user"
    )
    assert failed.status == "failed"
    assert failed.error == "access_denied by user"
    assert not failed.is_success
    with pytest.raises(ValueError, match="status"):
        composio_rs.parse_callback_url("https://a.b/cb?connected_account_id=ca_1")
    with pytest.raises(ValueError):
        composio_rs.parse_callback_url("not a url")


def test_exception_hierarchy() -> None:
    for name in (
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "UnprocessableEntityError",
        "RateLimitError",
        "ServerError",
    ):
        cls = getattr(composio_rs, name)
        assert issubclass(cls, composio_rs.ApiError)
        assert cls.__module__ == "composio_rs"
    assert issubclass(composio_rs.ApiError, composio_rs.ComposioError)
    assert issubclass(composio_rs.ConnectionRequestTimeoutError, TimeoutError)
    assert issubclass(composio_rs.ConnectionRequestTimeoutError, composio_rs.ComposioError)
    assert issubclass(composio_rs.APITimeoutError, composio_rs.APIConnectionError)
    assert issubclass(composio_rs.APITimeoutError, TimeoutError)
    assert issubclass(composio_rs.ConnectionRequestFailedError, composio_rs.ComposioError)
    assert issubclass(composio_rs.ConnectedAccountNotFoundError, composio_rs.ComposioError)
    assert issubclass(composio_rs.ComposioError, Exception)


def test_result_objects_cannot_be_constructed_or_mutated(composio: Composio, user_id: str) -> None:
    with pytest.raises(TypeError):
        composio_rs.Session()
    session = composio.create(user_id)
    with pytest.raises(AttributeError):
        session.session_id = "x"  # type: ignore[misc]
    assert repr(session).startswith("Session(session_id='trs_")
    assert composio_rs.__version__ == "0.1.0"


def test_http_timeout_raises_api_timeout_error() -> None:
    import socket

    # A listener that accepts connections and never answers.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        port = sock.getsockname()[1]
        client = Composio(
            api_key="k", base_url=f"http://127.0.0.1:{port}", timeout=0.3, max_retries=0
        )
        with pytest.raises(composio_rs.APITimeoutError) as info:
            client.create("u")
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, composio_rs.APIConnectionError)
