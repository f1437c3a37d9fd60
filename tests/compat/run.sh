#!/usr/bin/env bash
# Runs the official Composio SDKs (PyPI `composio`, npm `@composio/core@0.17.0`) and the
# official MCP Python SDK (PyPI `mcp`), unmodified, against composio-server on 127.0.0.1.
# Installs them itself into target/compat.
# Usage: tests/compat/run.sh [python|node|all]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
which=${1:-all}
work="$root/target/compat"
mkdir -p "$work"

cargo build --quiet -p composio-cli
cli="$root/target/debug/composio"

key="csk_compat_$(date +%s)_$RANDOM"
port_file="$work/port"
data="$work/data"
rm -rf "$data" && mkdir -p "$data"
COMPOSIO_SERVER_API_KEY="$key" "$cli" --data-dir "$data" serve --sandbox --port 0 >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  url=$(grep -o 'listening on http://[0-9.:]*' "$work/server.log" | head -1 | sed 's/listening on //') || true
  [ -n "${url:-}" ] && break
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "composio-server did not start:"; cat "$work/server.log"; exit 1; }
echo "composio-server at $url"

export COMPOSIO_API_KEY="$key" COMPOSIO_BASE_URL="$url" COMPOSIO_CLI="$cli"
export COMPOSIO_DISABLE_TELEMETRY=true DO_NOT_TRACK=1

if [ "$which" = python ] || [ "$which" = all ]; then
  if [ ! -x "$work/venv/bin/python" ]; then
    python3 -m venv "$work/venv"
  fi
  "$work/venv/bin/pip" install --quiet --disable-pip-version-check "composio==0.30.0" mcp
  "$work/venv/bin/python" tests/compat/official_python.py
  # Webhook subscriptions and verify_webhook on every delivery.
  "$work/venv/bin/python" tests/compat/webhooks_python.py
  # Session update and reuse (spec §19).
  "$work/venv/bin/python" tests/compat/official_python_session_update.py
  # Several accounts per toolkit: aliases, execute by alias, rename, revoke, allow_multiple.
  "$work/venv/bin/python" tests/compat/multi_account_python.py
  # Callback identity verification: complete_auth (wire-2026 §21.2), on its own server.
  "$work/venv/bin/python" tests/compat/complete_auth_python.py
  # Auth configs: create a custom github config, list/get (masked), link through it.
  "$work/venv/bin/python" tests/compat/auth_configs_python.py
  # Catalog reads and the session search.
  "$work/venv/bin/python" tests/compat/catalog_python.py
  # The official MCP Python SDK against a session's mcp.url.
  "$work/venv/bin/python" tests/compat/mcp_python.py
fi
if [ "$which" = node ] || [ "$which" = all ]; then
  cp tests/compat/package.json "$work/package.json"
  cp tests/compat/official_node.mjs tests/compat/webhooks_node.mjs tests/compat/catalog_node.mjs tests/compat/auth_configs_node.mjs "$work/"
  (cd "$work" && npm install --silent --no-audit --no-fund >/dev/null 2>&1 && node official_node.mjs)
  # Webhook subscription and verifyWebhook on every delivery.
  (cd "$work" && node webhooks_node.mjs)
  # Catalog reads and the session search.
  (cd "$work" && node catalog_node.mjs)
  # Auth configs: create a custom github config, list/get (masked), link through it.
  (cd "$work" && node auth_configs_node.mjs)
fi
