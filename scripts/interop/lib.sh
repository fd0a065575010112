# Shared by the interop checks (sourced, not run): a venv with PyJWT and cryptography
# under target/interop/ (pip installs "pyjwt[crypto]" from PyPI the first time), the debug
# latchkeyd started on a free loopback port with a temporary SQLite file (stopped on
# exit), and an account with one client key: $issuer, $py, $client_id, $client_secret.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

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
curl -fs -o /dev/null "$issuer/healthz" || { echo "interop: latchkeyd did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

field() { "$py" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
email=interop@example.com
password='interop password 1'
curl -fs -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"email\": \"$email\", \"password\": \"$password\"}" "$issuer/users"
account_token=$(curl -fs -X POST -u "$email:$password" "$issuer/auth/login" | field accessToken)
key=$(curl -fs -X POST -H "Authorization: Bearer $account_token" "$issuer/client-keys")
client_id=$(field clientId <<<"$key")
client_secret=$(field clientSecret <<<"$key")
