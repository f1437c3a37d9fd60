"""composio_rs: Composio sessions and authentication, powered by the composio-rs Rust SDK.

>>> from composio_rs import Composio
>>> composio = Composio()  # COMPOSIO_API_KEY, optional COMPOSIO_BASE_URL
>>> session = composio.create("user_123", manage_connections=False)
>>> request = session.authorize("gmail")
>>> print(request.redirect_url)
>>> account = request.wait_for_connection(timeout=60.0)

``AsyncComposio`` offers the same API for asyncio (methods return awaitables).
"""

from typing import Any, Dict, List, Optional, Sequence, TypedDict

from ._native import (
    APIConnectionError,
    APITimeoutError,
    AccountAuthConfig,
    AccountToolkit,
    ApiError,
    AsyncComposio,
    AsyncConnectedAccounts,
    AsyncConnectionRequest,
    AsyncSession,
    AuthenticationError,
    BadRequestError,
    CallbackResult,
    Composio,
    ComposioError,
    ConfigHistoryItem,
    ConfigHistoryPage,
    ConfigurationError,
    ConflictError,
    ConnectedAccount,
    ConnectedAccountNotFoundError,
    ConnectedAccounts,
    ConnectedAccountsPage,
    ConnectionRequest,
    ConnectionRequestFailedError,
    ConnectionRequestTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    Session,
    SessionConfigConflictError,
    SessionMcp,
    Tool,
    Toolkit,
    ToolkitAuthConfig,
    ToolkitConnectedAccount,
    ToolkitConnection,
    ToolkitsPage,
    UnprocessableEntityError,
    __version__,
    parse_callback_url,
)
from ._native import AsyncAuthConfigs, AuthConfigs
from ._native import AsyncToolkits, AsyncTools, Toolkits, Tools
from ._native import (
    ComposioMultipleConnectedAccountsError,
    CompletedAuth,
    ConnectedAccountRevoke,
    ConnectedAccountUpdate,
    RevokedConnectedAccount,
)
from ._native import (
    AsyncWebhookSubscriptions,
    AsyncWebhooks,
    Triggers,
    WebhookPayloadError,
    WebhookSignatureVerificationError,
    WebhookSubscriptions,
    Webhooks,
)



class ManageConnectionsConfig(TypedDict, total=False):
    """The dict form of ``Composio.create(manage_connections=...)``."""

    enable: bool
    callback_url: Optional[str]
    wait_for_connections: Optional[bool]


class MultiAccountConfig(TypedDict, total=False):
    """``Composio.create(multi_account=...)``: ``enable`` is required;
    ``max_accounts_per_toolkit`` is 2-10."""

    enable: bool
    max_accounts_per_toolkit: Optional[int]
    require_explicit_selection: bool


class WebhookSubscription(TypedDict, total=False):
    """What ``webhooks.subscriptions.set`` returns (the official SDK's shape)."""

    id: str
    webhook_url: str
    version: str
    enabled_events: List[str]
    secret: str
    created_at: str
    updated_at: str


class VerifyWebhookResult(TypedDict):
    """What ``triggers.verify_webhook`` returns: ``version`` (``"V3"``), the normalized
    ``payload`` and the ``raw_payload`` as sent."""

    version: str
    payload: Dict[str, Any]
    raw_payload: Dict[str, Any]


class ToolkitListQuery(TypedDict, total=False):
    """``toolkits.get(query=...)``: the filters of one page of the catalog."""

    category: Optional[str]
    cursor: Optional[str]
    limit: Optional[int]
    sort_by: Optional[str]
    managed_by: Optional[str]
    search: Optional[str]


class ToolkitsFilter(TypedDict, total=False):
    """``{"enable": [...]}`` or ``{"disable": [...]}`` (exactly one key)."""

    enable: Sequence[str]
    disable: Sequence[str]


class ManageConnectionsUpdate(TypedDict, total=False):
    """``Session.update(manage_connections=...)``: only the keys given change; ``None``
    resets a key to its default (``callback_url=None`` removes the callback URL)."""

    enable: Optional[bool]
    callback_url: Optional[str]
    enable_wait_for_connections: Optional[bool]
    enable_connection_removal: Optional[bool]


class MultiAccountUpdate(TypedDict, total=False):
    """``Session.update(multi_account=...)``: only the keys given change; ``None`` removes
    a key. ``max_accounts_per_toolkit`` is 2-10."""

    enable: Optional[bool]
    max_accounts_per_toolkit: Optional[int]
    require_explicit_selection: Optional[bool]


class ExecuteResponse(TypedDict, total=False):
    """The envelope returned by ``Session.execute`` (extra server fields are kept)."""

    data: Any
    error: Optional[str]
    successful: bool
    log_id: Optional[str]
    result_type: Optional[str]


__all__ = [
    "ExecuteResponse",
    "ManageConnectionsConfig",
    "ManageConnectionsUpdate",
    "MultiAccountUpdate",
    "ToolkitsFilter",
    "APIConnectionError",
    "APITimeoutError",
    "AccountAuthConfig",
    "AccountToolkit",
    "ApiError",
    "AsyncComposio",
    "AsyncConnectedAccounts",
    "AsyncConnectionRequest",
    "AsyncSession",
    "AuthenticationError",
    "BadRequestError",
    "CallbackResult",
    "Composio",
    "ComposioError",
    "ConfigHistoryItem",
    "ConfigHistoryPage",
    "ConfigurationError",
    "ConflictError",
    "ConnectedAccount",
    "ConnectedAccountNotFoundError",
    "ConnectedAccounts",
    "ConnectedAccountsPage",
    "ConnectionRequest",
    "ConnectionRequestFailedError",
    "ConnectionRequestTimeoutError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseDecodeError",
    "ServerError",
    "Session",
    "SessionConfigConflictError",
    "SessionMcp",
    "Tool",
    "Toolkit",
    "ToolkitAuthConfig",
    "ToolkitConnectedAccount",
    "ToolkitConnection",
    "ToolkitsPage",
    "UnprocessableEntityError",
    "__version__",
    "parse_callback_url",
]

# Several connected accounts per user and toolkit (aliases, revoke).
__all__ += [
    "ComposioMultipleConnectedAccountsError",
    "CompletedAuth",
    "ConnectedAccountRevoke",
    "ConnectedAccountUpdate",
    "RevokedConnectedAccount",
]

# Auth configs (the OAuth apps connections are made with).
__all__ += ["AsyncAuthConfigs", "AuthConfigs"]
# Webhooks (official SDK names) and multi-account sessions at create.
__all__ += [
    "AsyncWebhookSubscriptions",
    "AsyncWebhooks",
    "MultiAccountConfig",
    "Triggers",
    "VerifyWebhookResult",
    "WebhookPayloadError",
    "WebhookSignatureVerificationError",
    "WebhookSubscription",
    "WebhookSubscriptions",
    "Webhooks",
]
# The catalog (official SDK names: toolkits.get/list, tools.get, session.search).
__all__ += ["AsyncToolkits", "AsyncTools", "ToolkitListQuery", "Toolkits", "Tools"]
