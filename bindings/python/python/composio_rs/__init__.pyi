"""Type stubs of composio_rs (hand-written; checked with `python -m mypy.stubtest composio_rs`)."""

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Literal, TypedDict, final, overload

__version__: str

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
__all__ += ["AsyncAuthConfigs", "AuthConfigs"]
__all__ += ["AsyncToolkits", "AsyncTools", "ToolkitListQuery", "Toolkits", "Tools"]

_JsonDict = dict[str, Any]

class ManageConnectionsConfig(TypedDict, total=False):
    """The dict form of ``manage_connections``."""

    enable: bool
    callback_url: str | None
    wait_for_connections: bool | None

class ManageConnectionsUpdate(TypedDict, total=False):
    """``Session.update(manage_connections=...)``: only the keys given change."""

    enable: bool | None
    callback_url: str | None
    enable_wait_for_connections: bool | None
    enable_connection_removal: bool | None

class MultiAccountUpdate(TypedDict, total=False):
    """``Session.update(multi_account=...)``: only the keys given change (2-10 accounts)."""

    enable: bool | None
    max_accounts_per_toolkit: int | None
    require_explicit_selection: bool | None

class MultiAccountConfig(TypedDict, total=False):
    """``create(multi_account=...)``: ``enable`` is required; 2-10 accounts per toolkit."""

    enable: bool
    max_accounts_per_toolkit: int | None
    require_explicit_selection: bool

class WebhookSubscription(TypedDict, total=False):
    """What ``webhooks.subscriptions.set`` returns (the official SDK's shape)."""

    id: str
    webhook_url: str
    version: str
    enabled_events: list[str]
    secret: str
    created_at: str
    updated_at: str

class VerifyWebhookResult(TypedDict):
    """What ``triggers.verify_webhook`` returns."""

    version: str
    payload: _JsonDict
    raw_payload: _JsonDict

class ToolkitListQuery(TypedDict, total=False):
    """``toolkits.get(query=...)``: the filters of one page of the catalog."""

    category: str | None
    cursor: str | None
    limit: int | None
    sort_by: str | None
    managed_by: str | None
    search: str | None

class ToolkitsFilter(TypedDict, total=False):
    """``{"enable": [...]}`` or ``{"disable": [...]}`` (exactly one key)."""

    enable: Sequence[str]
    disable: Sequence[str]

class ExecuteResponse(TypedDict, total=False):
    """The envelope returned by ``Session.execute`` (extra server fields are kept)."""

    data: Any
    error: str | None
    successful: bool
    log_id: str | None
    result_type: str | None

def parse_callback_url(url: str) -> CallbackResult:
    """Parses the URL a user lands on after a Connect Link (status, connected_account_id, error)."""

# ----------------------------------------------------------------------------- exceptions

class ComposioError(Exception):
    """Base class of every error raised by composio_rs."""

class ConfigurationError(ComposioError):
    """No API key, or an invalid base URL."""

class ApiError(ComposioError):
    """The API answered with an error."""

    status_code: int
    message: str
    code: int | None
    slug: str | None
    request_id: str | None
    suggested_fix: str | None
    errors: list[Any]

class BadRequestError(ApiError):
    """HTTP 400."""

class AuthenticationError(ApiError):
    """HTTP 401."""

class PermissionDeniedError(ApiError):
    """HTTP 403."""

class NotFoundError(ApiError):
    """HTTP 404."""

class ConflictError(ApiError):
    """HTTP 409."""

class SessionConfigConflictError(ConflictError):
    """HTTP 409 from ``Session.update``: the config changed since it was read (a stale
    ``expected_config_version``). Nothing changed; reload with ``composio.use(session_id)``
    and retry."""

    session_id: str
    expected_config_version: int | None
    current_config_version: int | None

class UnprocessableEntityError(ApiError):
    """HTTP 422."""

class RateLimitError(ApiError):
    """HTTP 429."""

class ServerError(ApiError):
    """HTTP 5xx."""

class APIConnectionError(ComposioError):
    """The API could not be reached."""

class APITimeoutError(APIConnectionError, TimeoutError):
    """An HTTP request timed out."""

class ResponseDecodeError(ComposioError):
    """The response could not be decoded."""

    status_code: int
    request_id: str | None

class ConnectionRequestTimeoutError(ComposioError, TimeoutError):
    """wait_for_connection() timed out."""

    connected_account_id: str
    timeout: float

class ConnectionRequestFailedError(ComposioError):
    """The connection ended FAILED, EXPIRED or REVOKED."""

    connected_account_id: str
    status: str
    status_reason: str | None

class ConnectedAccountNotFoundError(ComposioError):
    """The connected account being waited for does not exist."""

    connected_account_id: str

class ComposioMultipleConnectedAccountsError(ComposioError):
    """connected_accounts.link() refused: the user already has an ACTIVE account for the auth
    config (pass allow_multiple=True to connect another)."""

    user_id: str
    auth_config_id: str

class WebhookSignatureVerificationError(ComposioError):
    """``triggers.verify_webhook`` refused a delivery; ``check`` names the failed check."""

    check: str

class WebhookPayloadError(ComposioError):
    """``triggers.verify_webhook`` could not read the delivery (bad timestamp or body)."""

    check: str

# ----------------------------------------------------------------------------- results

@final
class CallbackResult:
    """The parameters appended to your callback URL after a Connect Link."""

    @property
    def status(self) -> str: ...
    @property
    def connected_account_id(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def is_success(self) -> bool: ...

@final
class AccountToolkit:
    """The toolkit of a connected account."""

    @property
    def slug(self) -> str: ...

@final
class AccountAuthConfig:
    """The auth config of a connected account."""

    @property
    def id(self) -> str: ...
    @property
    def auth_scheme(self) -> str | None: ...
    @property
    def is_composio_managed(self) -> bool: ...
    @property
    def is_disabled(self) -> bool: ...

@final
class ConnectedAccount:
    """A user's connection to a toolkit."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def status_reason(self) -> str | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def toolkit(self) -> AccountToolkit: ...
    @property
    def auth_config(self) -> AccountAuthConfig | None: ...
    @property
    def is_disabled(self) -> bool: ...
    @property
    def created_at(self) -> str | None: ...
    @property
    def updated_at(self) -> str | None: ...
    @property
    def alias(self) -> str | None: ...
    @property
    def word_id(self) -> str | None: ...
    def to_dict(self) -> _JsonDict:
        """The whole account as the server sent it."""

@final
class ConnectedAccountUpdate:
    """What ``connected_accounts.update(id, alias=...)`` returns."""

    @property
    def id(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def success(self) -> bool: ...
    def to_dict(self) -> _JsonDict:
        """The whole response as the server sent it."""

@final
class RevokedConnectedAccount:
    """The account part of a ``ConnectedAccountRevoke``."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...

@final
class ConnectedAccountRevoke:
    """What ``connected_accounts.revoke(id)`` returns."""

    @property
    def revoked_tokens(self) -> list[str]: ...
    @property
    def connected_account(self) -> RevokedConnectedAccount: ...
    def to_dict(self) -> _JsonDict:
        """The whole response as the server sent it."""

@final
class CompletedAuth:
    """What ``connected_accounts.complete_auth`` returns: the account is ACTIVE."""

    @property
    def connected_account_id(self) -> str: ...
    @property
    def toolkit_slug(self) -> str: ...
    def to_dict(self) -> _JsonDict:
        """The whole response as the server sent it."""

@final
class ConnectedAccountsPage:
    """A page of connected accounts."""

    @property
    def items(self) -> list[ConnectedAccount]: ...
    @property
    def next_cursor(self) -> str | None: ...
    @property
    def total_pages(self) -> int | None: ...
    @property
    def total_items(self) -> int | None: ...
    def __len__(self) -> int: ...

@final
class ToolkitAuthConfig:
    """The auth config of a toolkit connection."""

    @property
    def id(self) -> str: ...
    @property
    def mode(self) -> str | None: ...
    @property
    def is_composio_managed(self) -> bool: ...

@final
class ToolkitConnectedAccount:
    """The connected account of a toolkit connection."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...

@final
class ToolkitConnection:
    """The user's connection to a toolkit."""

    @property
    def is_active(self) -> bool: ...
    @property
    def auth_config(self) -> ToolkitAuthConfig | None: ...
    @property
    def connected_account(self) -> ToolkitConnectedAccount | None: ...

@final
class Toolkit:
    """A toolkit of a session, with the user's connection."""

    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def logo(self) -> str | None: ...
    @property
    def is_no_auth(self) -> bool: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def connection(self) -> ToolkitConnection | None: ...
    def to_dict(self) -> _JsonDict:
        """The toolkit as the server sent it."""

@final
class ConfigHistoryItem:
    """One version of a session's config."""

    @property
    def version(self) -> int: ...
    @property
    def created_at(self) -> str: ...
    @property
    def is_current(self) -> bool: ...
    @property
    def config(self) -> _JsonDict: ...

@final
class ConfigHistoryPage:
    """A page of a session's config history, newest first."""

    @property
    def items(self) -> list[ConfigHistoryItem]: ...
    @property
    def next_cursor(self) -> str | None: ...
    @property
    def total_pages(self) -> int | None: ...
    @property
    def current_page(self) -> int | None: ...
    @property
    def total_items(self) -> int | None: ...
    def __len__(self) -> int: ...

@final
class ToolkitsPage:
    """A page of a session's toolkits."""

    @property
    def items(self) -> list[Toolkit]: ...
    @property
    def next_cursor(self) -> str | None: ...
    @property
    def total_pages(self) -> int | None: ...
    @property
    def total_items(self) -> int | None: ...
    def __len__(self) -> int: ...

@final
class Tool:
    """A tool of a session."""

    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def toolkit(self) -> _JsonDict: ...
    @property
    def input_parameters(self) -> _JsonDict: ...
    @property
    def output_parameters(self) -> _JsonDict: ...
    @property
    def no_auth(self) -> bool: ...
    @property
    def version(self) -> str | None: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def is_deprecated(self) -> bool: ...
    def to_dict(self) -> _JsonDict:
        """The tool as the server sent it."""
    def to_openai(self) -> _JsonDict:
        """The tool as an OpenAI function tool: ``{"type": "function", "function": {...}}``."""
    def to_anthropic(self) -> _JsonDict:
        """The tool as an Anthropic tool: ``{"name", "description", "input_schema"}``."""

# ----------------------------------------------------------------------------- sessions

@final
class SessionMcp:
    """The MCP endpoint of a session."""

    @property
    def url(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def headers(self) -> dict[str, str]:
        """``{"x-api-key": ...}``: contains your API key, do not log it."""

@final
class ConnectionRequest:
    """A Connect Link waiting for the user (blocking API)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def redirect_url(self) -> str: ...
    @property
    def link_token(self) -> str | None: ...
    @property
    def expires_at(self) -> str | None: ...
    def wait_for_connection(self, timeout: float = 60.0) -> ConnectedAccount:
        """Waits (seconds) until the account is ACTIVE; raises on FAILED/EXPIRED/REVOKED or timeout."""

@final
class AsyncConnectionRequest:
    """A Connect Link waiting for the user (asyncio API)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def redirect_url(self) -> str: ...
    @property
    def link_token(self) -> str | None: ...
    @property
    def expires_at(self) -> str | None: ...
    def wait_for_connection(self, timeout: float = 60.0) -> Awaitable[ConnectedAccount]:
        """Waits (seconds) until the account is ACTIVE."""

@final
class Session:
    """A tool-router session of one user (blocking API)."""

    @property
    def session_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def mcp(self) -> SessionMcp: ...
    @property
    def tool_router_tools(self) -> list[str]: ...
    def to_dict(self) -> _JsonDict:
        """The session as the server returned it."""
    def authorize(
        self, toolkit: str, callback_url: str | None = None, *, alias: str | None = None
    ) -> ConnectionRequest:
        """Creates a Connect Link for ``toolkit``; ``alias`` names the new account."""
    def toolkits(
        self,
        toolkits: Sequence[str] | None = None,
        next_cursor: str | None = None,
        limit: int | None = None,
        is_connected: bool | None = None,
        search: str | None = None,
    ) -> ToolkitsPage:
        """One page of the session's toolkits with the user's connections."""
    def search(self, *, query: str) -> _JsonDict:
        """Finds the session's tools for a task (``results``, ``toolkit_connection_statuses``)."""
    def tools(self) -> list[Tool]:
        """Every tool of the session."""
    def execute(
        self,
        tool_slug: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        account: str | None = None,
    ) -> ExecuteResponse:
        """Executes a tool or meta tool (with ``account``: an id, word id or alias); returns the
        envelope."""
    @property
    def config(self) -> _JsonDict: ...
    @property
    def config_version(self) -> int: ...
    def update(
        self,
        *,
        toolkits: Sequence[str] | ToolkitsFilter | None = ...,
        tools: Mapping[str, Mapping[str, Sequence[str]]] | None = ...,
        tags: Sequence[str] | Mapping[str, Sequence[str]] | None = ...,
        auth_configs: Mapping[str, str] | None = ...,
        connected_accounts: Mapping[str, str | Sequence[str]] | None = ...,
        manage_connections: bool | ManageConnectionsUpdate | None = ...,
        multi_account: MultiAccountUpdate | None = ...,
        instant: Literal[False] | Mapping[str, Any] = ...,
        preload: Mapping[str, Any] | None = ...,
        search: Mapping[str, Any] | None = ...,
        execute: Mapping[str, Any] | None = ...,
        workbench: Mapping[str, Any] | None = ...,
        sandbox: Mapping[str, Any] | None = ...,
        proxy_execute: bool | Mapping[str, Any] | None = ...,
        experimental: Mapping[str, Any] | None = ...,
        hooks: Sequence[Mapping[str, Any]] | None = ...,
        expected_config_version: int | Literal[False] | None = None,
    ) -> _JsonDict:
        """Partially updates the config; returns the new config. Omitted arguments are kept,
        ``None`` removes an override; raises ``SessionConfigConflictError`` on a stale
        ``expected_config_version``."""
    def list_config_history(
        self, limit: int | None = None, cursor: str | None = None
    ) -> ConfigHistoryPage:
        """One page of the config history, newest first."""
    def delete(self) -> None:
        """Deletes the session."""

@final
class AsyncSession:
    """A tool-router session of one user (asyncio API)."""

    @property
    def session_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def mcp(self) -> SessionMcp: ...
    @property
    def tool_router_tools(self) -> list[str]: ...
    def to_dict(self) -> _JsonDict:
        """The session as the server returned it."""
    def authorize(
        self, toolkit: str, callback_url: str | None = None, *, alias: str | None = None
    ) -> Awaitable[AsyncConnectionRequest]:
        """Creates a Connect Link for ``toolkit``."""
    def toolkits(
        self,
        toolkits: Sequence[str] | None = None,
        next_cursor: str | None = None,
        limit: int | None = None,
        is_connected: bool | None = None,
        search: str | None = None,
    ) -> Awaitable[ToolkitsPage]:
        """One page of the session's toolkits."""
    def search(self, *, query: str) -> Awaitable[_JsonDict]:
        """Finds the session's tools for a task."""
    def tools(self) -> Awaitable[list[Tool]]:
        """Every tool of the session."""
    def execute(
        self,
        tool_slug: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        account: str | None = None,
    ) -> Awaitable[ExecuteResponse]:
        """Executes a tool or meta tool."""
    @property
    def config(self) -> _JsonDict: ...
    @property
    def config_version(self) -> int: ...
    def update(
        self,
        *,
        toolkits: Sequence[str] | ToolkitsFilter | None = ...,
        tools: Mapping[str, Mapping[str, Sequence[str]]] | None = ...,
        tags: Sequence[str] | Mapping[str, Sequence[str]] | None = ...,
        auth_configs: Mapping[str, str] | None = ...,
        connected_accounts: Mapping[str, str | Sequence[str]] | None = ...,
        manage_connections: bool | ManageConnectionsUpdate | None = ...,
        multi_account: MultiAccountUpdate | None = ...,
        instant: Literal[False] | Mapping[str, Any] = ...,
        preload: Mapping[str, Any] | None = ...,
        search: Mapping[str, Any] | None = ...,
        execute: Mapping[str, Any] | None = ...,
        workbench: Mapping[str, Any] | None = ...,
        sandbox: Mapping[str, Any] | None = ...,
        proxy_execute: bool | Mapping[str, Any] | None = ...,
        experimental: Mapping[str, Any] | None = ...,
        hooks: Sequence[Mapping[str, Any]] | None = ...,
        expected_config_version: int | Literal[False] | None = None,
    ) -> Awaitable[_JsonDict]:
        """Partially updates the config (see ``Session.update``)."""
    def list_config_history(
        self, limit: int | None = None, cursor: str | None = None
    ) -> Awaitable[ConfigHistoryPage]:
        """One page of the config history, newest first."""
    def delete(self) -> Awaitable[None]:
        """Deletes the session."""

# ----------------------------------------------------------------------------- clients

_Status = Literal["INITIALIZING", "INITIATED", "ACTIVE", "FAILED", "EXPIRED", "INACTIVE", "REVOKED"]

@final
class AuthConfigs:
    """``composio.auth_configs`` (blocking API); results are dicts as the server sends them."""

    def create(self, toolkit: str, options: Mapping[str, Any] | None = None) -> _JsonDict: ...
    def list(
        self,
        *,
        toolkit_slug: str | None = None,
        is_composio_managed: bool | None = None,
        show_disabled: bool = False,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> _JsonDict: ...
    def get(self, nanoid: str) -> _JsonDict: ...
    def update(self, nanoid: str, *, options: Mapping[str, Any]) -> _JsonDict: ...
    def delete(self, nanoid: str) -> _JsonDict: ...
    def enable(self, nanoid: str) -> _JsonDict: ...
    def disable(self, nanoid: str) -> _JsonDict: ...

@final
class Toolkits:
    """``composio.toolkits`` (blocking API); results are dicts as the server sends them."""

    @overload
    def get(self, slug: str) -> _JsonDict:
        """One toolkit (with ``auth_config_details``); ``NotFoundError`` if unknown."""
    @overload
    def get(self, slug: None = None, *, query: ToolkitListQuery | None = None) -> list[_JsonDict]:
        """The toolkits of one page of the catalog."""
    def list(
        self,
        *,
        category: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        sort_by: str | None = None,
        managed_by: str | None = None,
        search: str | None = None,
    ) -> _JsonDict:
        """One page: ``{"items": [...], "next_cursor", "total_pages", ...}``."""

@final
class AsyncToolkits:
    """``async_composio.toolkits`` (asyncio API)."""

    @overload
    def get(self, slug: str) -> Awaitable[_JsonDict]: ...
    @overload
    def get(
        self, slug: None = None, *, query: ToolkitListQuery | None = None
    ) -> Awaitable[list[_JsonDict]]: ...
    def list(
        self,
        *,
        category: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        sort_by: str | None = None,
        managed_by: str | None = None,
        search: str | None = None,
    ) -> Awaitable[_JsonDict]: ...

@final
class Tools:
    """``composio.tools`` (blocking API); tools are dicts as the server sends them."""

    def get(
        self,
        user_id: str,
        *,
        slug: str | None = None,
        tools: Sequence[str] | None = None,
        search: str | None = None,
        toolkits: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[_JsonDict]:
        """The tools matching ``slug``, or ``tools`` / ``toolkits`` / ``search``."""
    def get_raw_composio_tool_by_slug(self, slug: str) -> _JsonDict:
        """One tool with its input schema; ``NotFoundError`` if unknown."""

@final
class AsyncTools:
    """``async_composio.tools`` (asyncio API)."""

    def get(
        self,
        user_id: str,
        *,
        slug: str | None = None,
        tools: Sequence[str] | None = None,
        search: str | None = None,
        toolkits: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> Awaitable[list[_JsonDict]]: ...
    def get_raw_composio_tool_by_slug(self, slug: str) -> Awaitable[_JsonDict]: ...

@final
class AsyncAuthConfigs:
    """``async_composio.auth_configs`` (asyncio API)."""

    def create(
        self, toolkit: str, options: Mapping[str, Any] | None = None
    ) -> Awaitable[_JsonDict]: ...
    def list(
        self,
        *,
        toolkit_slug: str | None = None,
        is_composio_managed: bool | None = None,
        show_disabled: bool = False,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Awaitable[_JsonDict]: ...
    def get(self, nanoid: str) -> Awaitable[_JsonDict]: ...
    def update(self, nanoid: str, *, options: Mapping[str, Any]) -> Awaitable[_JsonDict]: ...
    def delete(self, nanoid: str) -> Awaitable[_JsonDict]: ...
    def enable(self, nanoid: str) -> Awaitable[_JsonDict]: ...
    def disable(self, nanoid: str) -> Awaitable[_JsonDict]: ...

@final
class ConnectedAccounts:
    """``composio.connected_accounts`` (blocking API)."""

    def get(self, connected_account_id: str) -> ConnectedAccount: ...
    def list(
        self,
        *,
        toolkit_slugs: Sequence[str] | None = None,
        statuses: Sequence[_Status | str] | None = None,
        user_ids: Sequence[str] | None = None,
        auth_config_ids: Sequence[str] | None = None,
        connected_account_ids: Sequence[str] | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        order_by: Literal["created_at", "updated_at"] | None = None,
        order_direction: Literal["asc", "desc"] | None = None,
    ) -> ConnectedAccountsPage: ...
    def delete(self, connected_account_id: str) -> None: ...
    def enable(self, connected_account_id: str) -> None: ...
    def disable(self, connected_account_id: str) -> None: ...
    def link(
        self,
        auth_config_id: str,
        user_id: str,
        callback_url: str | None = None,
        *,
        alias: str | None = None,
        allow_multiple: bool = False,
    ) -> ConnectionRequest: ...
    def update(self, connected_account_id: str, *, alias: str | None = None) -> ConnectedAccountUpdate: ...
    def revoke(self, connected_account_id: str) -> ConnectedAccountRevoke: ...
    def complete_auth(self, *, user_id: str, session_uri: str) -> CompletedAuth: ...

@final
class AsyncConnectedAccounts:
    """``async_composio.connected_accounts`` (asyncio API)."""

    def get(self, connected_account_id: str) -> Awaitable[ConnectedAccount]: ...
    def list(
        self,
        *,
        toolkit_slugs: Sequence[str] | None = None,
        statuses: Sequence[_Status | str] | None = None,
        user_ids: Sequence[str] | None = None,
        auth_config_ids: Sequence[str] | None = None,
        connected_account_ids: Sequence[str] | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        order_by: Literal["created_at", "updated_at"] | None = None,
        order_direction: Literal["asc", "desc"] | None = None,
    ) -> Awaitable[ConnectedAccountsPage]: ...
    def delete(self, connected_account_id: str) -> Awaitable[None]: ...
    def enable(self, connected_account_id: str) -> Awaitable[None]: ...
    def disable(self, connected_account_id: str) -> Awaitable[None]: ...
    def link(
        self,
        auth_config_id: str,
        user_id: str,
        callback_url: str | None = None,
        *,
        alias: str | None = None,
        allow_multiple: bool = False,
    ) -> Awaitable[AsyncConnectionRequest]: ...
    def update(
        self, connected_account_id: str, *, alias: str | None = None
    ) -> Awaitable[ConnectedAccountUpdate]: ...
    def revoke(self, connected_account_id: str) -> Awaitable[ConnectedAccountRevoke]: ...
    def complete_auth(self, *, user_id: str, session_uri: str) -> Awaitable[CompletedAuth]: ...

@final
class Composio:
    """The Composio client (blocking API)."""

    def __new__(
        cls,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> Composio: ...
    def create(
        self,
        user_id: str,
        manage_connections: bool | ManageConnectionsConfig = True,
        toolkits: Sequence[str] | ToolkitsFilter | None = None,
        auth_configs: Mapping[str, str] | None = None,
        connected_accounts: Mapping[str, str | Sequence[str]] | None = None,
        tags: Sequence[str] | None = None,
        multi_account: MultiAccountConfig | None = None,
    ) -> Session:
        """Creates a session for ``user_id``."""
    def use(self, session_id: str) -> Session:
        """Loads an existing session to reuse it (the official SDK's name)."""
    def use_session(self, session_id: str) -> Session:
        """Loads an existing session."""
    def wait_for_connection(
        self, connected_account_id: str, timeout: float = 60.0
    ) -> ConnectedAccount:
        """Waits until the connected account is ACTIVE."""
    @property
    def auth_configs(self) -> AuthConfigs: ...
    @property
    def toolkits(self) -> Toolkits: ...
    @property
    def tools(self) -> Tools: ...
    @property
    def connected_accounts(self) -> ConnectedAccounts: ...
    @property
    def webhooks(self) -> Webhooks:
        """The project's webhook subscription (``webhooks.subscriptions``)."""
    @property
    def triggers(self) -> Triggers:
        """Webhook verification (``triggers.verify_webhook``)."""
    @property
    def base_url(self) -> str: ...

@final
class AsyncComposio:
    """The Composio client (asyncio API)."""

    def __new__(
        cls,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> AsyncComposio: ...
    def create(
        self,
        user_id: str,
        manage_connections: bool | ManageConnectionsConfig = True,
        toolkits: Sequence[str] | ToolkitsFilter | None = None,
        auth_configs: Mapping[str, str] | None = None,
        connected_accounts: Mapping[str, str | Sequence[str]] | None = None,
        tags: Sequence[str] | None = None,
        multi_account: MultiAccountConfig | None = None,
    ) -> Awaitable[AsyncSession]:
        """Creates a session for ``user_id``."""
    def use(self, session_id: str) -> Awaitable[AsyncSession]:
        """Loads an existing session to reuse it (the official SDK's name)."""
    def use_session(self, session_id: str) -> Awaitable[AsyncSession]:
        """Loads an existing session."""
    def wait_for_connection(
        self, connected_account_id: str, timeout: float = 60.0
    ) -> Awaitable[ConnectedAccount]:
        """Waits until the connected account is ACTIVE."""
    @property
    def auth_configs(self) -> AsyncAuthConfigs: ...
    @property
    def toolkits(self) -> AsyncToolkits: ...
    @property
    def tools(self) -> AsyncTools: ...
    @property
    def connected_accounts(self) -> AsyncConnectedAccounts: ...
    @property
    def webhooks(self) -> AsyncWebhooks:
        """The project's webhook subscription; its methods return awaitables."""
    @property
    def triggers(self) -> Triggers:
        """Webhook verification (synchronous: no I/O)."""
    @property
    def base_url(self) -> str: ...

# ----------------------------------------------------------------------------- webhooks

@final
class Triggers:
    """``composio.triggers``: webhook verification."""

    def verify_webhook(
        self,
        *,
        id: str,
        payload: str,
        secret: str,
        signature: str,
        timestamp: str,
        tolerance: int = 300,
    ) -> VerifyWebhookResult:
        """Checks a delivery's signature and timestamp; raises
        ``WebhookSignatureVerificationError`` or ``WebhookPayloadError``."""

@final
class WebhookSubscriptions:
    """``composio.webhooks.subscriptions``: one subscription per project."""

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> _JsonDict: ...
    def get(self, id: str) -> _JsonDict: ...
    def set(
        self,
        *,
        webhook_url: str,
        enabled_events: Sequence[str] | None = None,
        version: str | None = None,
    ) -> WebhookSubscription: ...
    def update(
        self,
        id: str,
        *,
        webhook_url: str | None = None,
        enabled_events: Sequence[str] | None = None,
        version: str | None = None,
    ) -> _JsonDict: ...
    def delete(self, id: str) -> _JsonDict: ...
    def rotate_secret(self, id: str) -> _JsonDict: ...
    def list_event_types(self) -> _JsonDict: ...

@final
class AsyncWebhookSubscriptions:
    """``async_composio.webhooks.subscriptions``: the same calls, returning awaitables."""

    def list(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Awaitable[_JsonDict]: ...
    def get(self, id: str) -> Awaitable[_JsonDict]: ...
    def set(
        self,
        *,
        webhook_url: str,
        enabled_events: Sequence[str] | None = None,
        version: str | None = None,
    ) -> Awaitable[WebhookSubscription]: ...
    def update(
        self,
        id: str,
        *,
        webhook_url: str | None = None,
        enabled_events: Sequence[str] | None = None,
        version: str | None = None,
    ) -> Awaitable[_JsonDict]: ...
    def delete(self, id: str) -> Awaitable[_JsonDict]: ...
    def rotate_secret(self, id: str) -> Awaitable[_JsonDict]: ...
    def list_event_types(self) -> Awaitable[_JsonDict]: ...

@final
class Webhooks:
    """``composio.webhooks``."""

    @property
    def subscriptions(self) -> WebhookSubscriptions: ...

@final
class AsyncWebhooks:
    """``async_composio.webhooks``."""

    @property
    def subscriptions(self) -> AsyncWebhookSubscriptions: ...
