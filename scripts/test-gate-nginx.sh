#!/usr/bin/env bash
# latchkey-gate behind a real nginx (examples/gateway/nginx.conf): installs Debian's
# nginx when it is missing, then runs the gate's nginx test with LATCHKEY_REQUIRE_NGINX=1
# so that it cannot skip. nginx runs as this user with all its files in a temporary
# directory (see crates/gate/tests/gate/nginx.rs); the distribution's service is not used.
#
#   scripts/test-gate-nginx.sh
set -euo pipefail
cd "$(dirname "$0")/.."

nginx_binary() {
  command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

if [ -z "$(nginx_binary)" ]; then
  echo "==> installing nginx (Debian package)"
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update -qq
  # The package's own service is never used (in a container it may not even start).
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
NGINX=$(nginx_binary)
[ -n "$NGINX" ] || { echo "test-gate-nginx: nginx is still missing" >&2; exit 1; }
echo "==> $("$NGINX" -v 2>&1)"

LATCHKEY_REQUIRE_NGINX=1 LATCHKEY_NGINX="$NGINX" \
  cargo test --locked -p latchkey-gate --test gate nginx:: -- --nocapture
