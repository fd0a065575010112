#!/usr/bin/env bash
# The account console in a real browser: starts latchkeyd on a free port and a fresh
# SQLite database, then drives /console/ in the distribution's headless Chromium through
# playwright-core (tests/console-browser), taking a screenshot of each page into
# target/console-screenshots/ (into docs/console/, the README's pictures, with
# LATCHKEY_UPDATE_SCREENSHOTS=1). Installs Node.js and Chromium from Debian when they
# are missing.
#
# latchkeyd comes from $LATCHKEY_BIN_DIR when set; otherwise it is built here
# (cargo build -p latchkeyd) and taken from target/debug/.
#
#   scripts/test-console.sh
#   LATCHKEY_BIN_DIR=/path/to/bin scripts/test-console.sh
#   LATCHKEY_UPDATE_SCREENSHOTS=1 scripts/test-console.sh   # refresh docs/console/
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

missing=()
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]} (Debian packages)"
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

if [ -z "${LATCHKEY_BIN_DIR:-}" ]; then
  echo "==> cargo build -p latchkeyd"
  cargo build --locked -p latchkeyd
  LATCHKEY_BIN_DIR="$repo/target/debug"
fi
[ -x "$LATCHKEY_BIN_DIR/latchkeyd" ] || { echo "test-console: $LATCHKEY_BIN_DIR/latchkeyd is missing" >&2; exit 1; }

scratch=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
url="http://127.0.0.1:$port"
echo "==> latchkeyd on $url"
"$LATCHKEY_BIN_DIR/latchkeyd" --listen "127.0.0.1:$port" \
  --database "sqlite://$scratch/latchkey.db" >"$scratch/latchkeyd.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -sf "$url/readyz" >/dev/null && break
  sleep 0.1
done
curl -sf "$url/readyz" >/dev/null || { cat "$scratch/latchkeyd.log" >&2; exit 1; }

cd tests/console-browser
echo "==> npm ci"
npm ci --no-audit --no-fund
echo "==> node --test (headless Chromium)"
shots="$repo/target/console-screenshots"
[ "${LATCHKEY_UPDATE_SCREENSHOTS:-}" = 1 ] && shots="$repo/docs/console"
mkdir -p "$shots"
LATCHKEY_URL="$url" SCREENSHOT_DIR="$shots" \
  node --test --test-concurrency=1 console.test.mjs
