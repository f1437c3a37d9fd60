"""The official `composio` Python SDK (0.30.0), unmodified: auth configs against composio-server.

Creates a custom GitHub OAuth app with `auth_configs.create`, reads it back with `list` and
`get` (the client secret is never returned), rotates its client with `update`, disables and enables
it, then `connected_accounts.link(user_id, auth_config_id)`: the Connect Link continues to
the provider with the created config's client_id. Deleting the config while the account
exists is refused (409); after the account is deleted it succeeds. Prints every official
call that passed. Needs COMPOSIO_API_KEY and COMPOSIO_BASE_URL.
"""

import html
import http.cookiejar
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

os.environ.setdefault("COMPOSIO_DISABLE_TELEMETRY", "true")

from composio import Composio  # noqa: E402
import composio_client  # noqa: E402  (installed with composio; raises its HTTP errors)

SECRET = "compat-secret-" + uuid.uuid4().hex[:8]
passed: "list[str]" = []


def ok(call: str) -> None:
    passed.append(call)
    print(f"  ok  {call}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def provider_url(redirect_url: str) -> str:
    """Continues a Connect Link like a browser's "Continue" (with the page's cookie and CSRF
    token) and returns where it goes."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(redirect_url, timeout=30).read().decode()
    match = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert match, "the Connect Link page has no CSRF token"
    form = urllib.parse.urlencode({"csrf_token": html.unescape(match.group(1)), "action": "continue"})
    try:
        opener.open(
            urllib.request.Request(redirect_url, data=form.encode(), method="POST"), timeout=30
        )
    except urllib.error.HTTPError as e:
        assert e.code == 303, e.code
        return e.headers["location"]
    raise AssertionError("the Connect Link did not redirect")


def main() -> int:
    composio = Composio(
        api_key=os.environ["COMPOSIO_API_KEY"],
        base_url=os.environ["COMPOSIO_BASE_URL"],
        allow_tracking=False,
    )
    created = composio.auth_configs.create(
        "github",
        {
            "type": "use_custom_auth",
            "auth_scheme": "OAUTH2",
            "name": "Compat GitHub app",
            "credentials": {
                "client_id": "Iv1.compat",
                "client_secret": SECRET,
                "scopes": ["repo", "read:user"],
            },
        },
    )
    assert created.id.startswith("ac_"), created
    assert created.is_composio_managed is False, created
    ok('auth_configs.create("github", {"type": "use_custom_auth", ...})')

    listed = composio.auth_configs.list(toolkit_slug="github", is_composio_managed=False)
    assert [i.id for i in listed.items] == [created.id], listed
    assert SECRET not in listed.model_dump_json()
    ok('auth_configs.list(toolkit_slug="github", is_composio_managed=False)')

    got = composio.auth_configs.get(created.id)
    assert got.type == "custom" and got.status == "ENABLED", got
    assert got.credentials and got.credentials["client_id"] == "Iv1.compat", got
    assert SECRET not in got.model_dump_json(), "the client secret was returned"
    ok("auth_configs.get(id) (client secret masked)")

    # The SDK's update sends type, credentials and the tool settings (not the name).
    res = composio.auth_configs.update(
        created.id,
        options={"type": "custom", "credentials": {"client_id": "Iv1.rotated", "client_secret": SECRET}},
    )
    assert res.success, res
    assert composio.auth_configs.get(created.id).credentials["client_id"] == "Iv1.rotated"
    ok('auth_configs.update(id, options={"type": "custom", "credentials": {...}})')

    assert composio.auth_configs.disable(created.id).success
    assert composio.auth_configs.get(created.id).status == "DISABLED"
    assert composio.auth_configs.enable(created.id).success
    ok("auth_configs.disable(id) / enable(id)")

    user = "py_ac_" + uuid.uuid4().hex[:8]
    request = composio.connected_accounts.link(user, created.id)
    location = provider_url(request.redirect_url)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert query.get("client_id") == "Iv1.rotated", location
    assert query.get("scope") == "repo read:user", location
    assert query.get("redirect_uri", "").endswith("/oauth/callback"), location
    ok("connected_accounts.link(user_id, auth_config_id) -> authorize URL with its client_id")

    try:
        composio.auth_configs.delete(created.id)
    except composio_client.ConflictError as e:
        assert e.status_code == 409, repr(e)
    else:
        raise AssertionError("a config in use was deleted")
    ok("auth_configs.delete(id) while used -> composio_client.ConflictError (409)")

    composio.connected_accounts.delete(request.id)
    assert composio.auth_configs.delete(created.id).success
    try:
        composio.auth_configs.get(created.id)
    except composio_client.NotFoundError:
        pass
    else:
        raise AssertionError("a deleted config was found")
    ok("auth_configs.delete(id) -> get raises NotFoundError")

    print(f"auth configs (official Python SDK): {len(passed)} calls passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
