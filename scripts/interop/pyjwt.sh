#!/usr/bin/env bash
# Interop check with a JWKS consumer outside the project: PyJWT's PyJWKClient fetches
# <issuer>/.well-known/jwks.json from a running latchkeyd and verifies a real client
# access token (EdDSA) with audience and issuer checks (pyjwt_check.py); then it fetches
# the token's status list (draft-ietf-oauth-status-list), verifies it with PyJWT, inflates
# it with Python's zlib and reads the bits of a revoked token (1) and of a live one (0).
#
# Self-contained: makes its own venv under target/interop/ (pip installs "pyjwt[crypto]"
# from PyPI the first time), starts the debug latchkeyd on a free loopback port with a
# temporary SQLite file, makes an account, a client key and a token with curl through the
# OAuth 2 endpoint, runs the check, and stops the server.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=target/interop/pyjwt-venv
py="$venv/bin/python"
if ! "$py" -c 'import jwt, cryptography' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$py" -m pip install --quiet --disable-pip-version-check "pyjwt[crypto]>=2.8,<3"
fi

cargo build --quiet --locked -p latchkeyd
binary=target/debug/latchkeyd

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
issuer="http://127.0.0.1:$port"
"$binary" --listen "127.0.0.1:$port" --database "sqlite://$work/latchkey.db" 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do curl -fs -o /dev/null "$issuer/healthz" && break; sleep 0.1; done
curl -fs -o /dev/null "$issuer/healthz" || { echo "pyjwt: latchkeyd did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

field() { "$py" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
email=interop@example.com
password='interop password 1'
curl -fs -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"email\": \"$email\", \"password\": \"$password\"}" "$issuer/users"
account_token=$(curl -fs -X POST -u "$email:$password" "$issuer/auth/login" | field accessToken)
key=$(curl -fs -X POST -H "Authorization: Bearer $account_token" "$issuer/client-keys")
client_id=$(field clientId <<<"$key")
client_secret=$(field clientSecret <<<"$key")
access_token=$(curl -fs -u "$client_id:$client_secret" -d grant_type=client_credentials \
  "$issuer/oauth2/token" | field access_token)

# A second session, revoked through RFC 7009: its access token's bit must read 1.
grant=$(curl -fs -H 'Content-Type: application/json' \
  -d "{\"grantType\": \"clientCredentials\", \"clientId\": \"$client_id\", \"clientSecret\": \"$client_secret\"}" \
  "$issuer/auth/token")
revoked_token=$(field accessToken <<<"$grant")
revoked_refresh=$(field refreshToken <<<"$grant")
curl -fs -o /dev/null -u "$client_id:$client_secret" -d "token=$revoked_refresh" "$issuer/oauth2/revoke"

"$py" scripts/interop/pyjwt_check.py "$issuer" "$access_token" "$revoked_token"
