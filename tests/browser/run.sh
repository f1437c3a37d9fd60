#!/usr/bin/env bash
# Browser checks of the Connect Link pages (tests/browser/run.mjs): Debian's chromium driven
# by playwright-core from npm, against the composio-server binary on 127.0.0.1.
# Installs what it needs: chromium with apt-get (as root, when missing; with CI=true a
# missing chromium fails instead of skipping) and playwright-core into
# tests/browser/node_modules (gitignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing chromium (apt-get)"
    apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; } || true
  fi
fi
if [ ! -x "$chromium" ]; then
  if [ "${CI:-}" = true ]; then
    echo "error: $chromium is missing and could not be installed (apt-get install -y chromium)" >&2
    exit 1
  fi
  echo "skipped: $chromium is missing (apt-get install -y chromium)"
  exit 0
fi
if ! command -v node >/dev/null; then
  echo "error: node is needed for the browser checks" >&2
  exit 1
fi

(cd tests/browser && npm install --silent --no-audit --no-fund >/dev/null)
cargo build --quiet -p composio-server --bin composio-server
COMPOSIO_SERVER_BIN="$root/target/debug/composio-server" CHROMIUM="$chromium" node tests/browser/run.mjs
